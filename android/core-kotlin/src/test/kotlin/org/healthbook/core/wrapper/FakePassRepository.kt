package org.healthbook.core.wrapper

import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.CompletableDeferred
import org.healthbook.core.HealthPass
import org.healthbook.core.PassException

/**
 * An in-memory [PassRepository] for view model tests; no native code. The "server" issues passes valid for
 * [validity] from [now]; [serverUp] false makes refresh throw [PassException.Unreachable]. The "PNG" of a QR
 * text is its bytes with the scale in front, so a test sees what was rendered.
 */
class FakePassRepository(var now: Instant = Instant.parse("2021-08-15T08:00:00Z")) : PassRepository {
    val passes = mutableMapOf<String, HealthPass>()
    val calls = mutableListOf<String>()

    var serverUp = true
    var status = "green"
    var reasons = listOf("declaration")
    var validity: Duration = Duration.ofHours(24)
    /** When set, the next call throws it (once). */
    var failNext: Exception? = null
    /** When set, refresh suspends until it is completed, so a test can see the refreshing state. */
    var refreshGate: CompletableDeferred<Unit>? = null
    /** When set, rendering fails with it. */
    var renderFailure: PassException? = null

    private var issued = 0

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    /** A pass as the server would issue it now, kept as if fetched. */
    fun issue(profileId: String, issuedAt: Instant = now): HealthPass {
        issued++
        val pass = HealthPass(
            profileId, "HB1:FAKE-$profileId-$issued", "credential-$issued", status, reasons,
            issuedAt, issuedAt.plus(validity), false,
        )
        passes[profileId] = pass
        return pass
    }

    override suspend fun kept(profileId: String): HealthPass? {
        calls += "kept"
        maybeFail()
        // As the core does: expired is judged when the pass is read.
        return passes[profileId]?.let { it.copy(expired = now.isAfter(it.expiresAt)) }
    }

    override suspend fun refresh(profileId: String): HealthPass {
        calls += "refresh"
        refreshGate?.await()
        maybeFail()
        if (!serverUp) throw PassException.Unreachable("connection refused")
        return issue(profileId)
    }

    override suspend fun qrPng(text: String, scale: Int): ByteArray {
        calls += "qrPng"
        renderFailure?.let { throw it }
        return byteArrayOf(scale.toByte()) + text.toByteArray()
    }

    companion object {
        fun png(text: String, scale: Int = 8): ByteArray = byteArrayOf(scale.toByte()) + text.toByteArray()
    }
}
