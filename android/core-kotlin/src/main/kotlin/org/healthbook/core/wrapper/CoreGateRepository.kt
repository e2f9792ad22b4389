package org.healthbook.core.wrapper

import org.healthbook.core.Gate
import org.healthbook.core.Language
import org.healthbook.core.Settings
import org.healthbook.core.BoundGate as CoreBoundGate
import org.healthbook.core.GateDirection as CoreGateDirection
import org.healthbook.core.GateException as CoreGateException
import org.healthbook.core.GateQueue as CoreGateQueue
import org.healthbook.core.GateVerdict as CoreGateVerdict

/**
 * The real [GateRepository]: delegates to the Rust core's [Gate] object, which verifies offline, keeps the
 * passage queue and uploads it. The words of a scan come from the core (the same the CLI prints) in the
 * language of [settings]; the core's typed errors become a [GateException] with words for the operator.
 */
class CoreGateRepository(
    private val gate: Gate,
    private val settings: Settings,
) : GateRepository, AutoCloseable {
    override suspend fun boundGate(): BoundGate? = guarded { gate.boundGate()?.toScreen() }

    override suspend fun bind(gateId: String, username: String, password: String): BoundGate =
        guarded { gate.bind(gateId, username, password).toScreen() }

    override suspend fun unbind() = guarded { gate.unbind() }

    override suspend fun scan(qrText: String, direction: GateDirection): GateScan = guarded {
        val core = gate.scan(qrText, direction.toCore())
        GateScan(
            decision = when (core.verdict) {
                CoreGateVerdict.ADMIT -> GateDecision.ADMIT
                CoreGateVerdict.CHECK -> GateDecision.CHECK
                CoreGateVerdict.REFUSE -> GateDecision.REFUSE
            },
            headline = core.headline,
            reason = core.reasonText,
            holderName = core.holderName,
            birthYear = core.birthYear,
            cardLabel = core.cardLabel,
            direction = direction,
            scannedAt = core.scannedAt,
            recorded = core.recorded,
        )
    }

    override suspend fun queue(): GateQueue = guarded { gate.queue().toScreen() }

    override suspend fun sync(): GateQueue = guarded {
        try {
            gate.sync().toScreen()
        } catch (e: CoreGateException.Unreachable) {
            // Offline is not a failure the operator must act on: the queue (with its last error) says it.
            gate.queue().toScreen()
        }
    }

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = gate.close()

    private fun CoreBoundGate.toScreen() =
        BoundGate(gateId = gateId, gateName = gateName, venueName = venueName, agencyName = agencyName)

    private fun CoreGateQueue.toScreen() =
        GateQueue(pending = pending.toInt(), lastSyncAt = lastSyncAt, lastError = lastError)

    private fun GateDirection.toCore() = when (this) {
        GateDirection.IN -> CoreGateDirection.IN
        GateDirection.OUT -> CoreGateDirection.OUT
    }

    private suspend fun <T> guarded(block: suspend () -> T): T = try {
        block()
    } catch (e: CoreGateException) {
        throw GateException(words(e, settings.language() == Language.VI))
    }

    private fun words(e: CoreGateException, vi: Boolean): String = when (e) {
        is CoreGateException.NotBound -> if (vi) "Thiết bị chưa gắn với cổng nào." else "This device is not bound to a gate."
        is CoreGateException.PassagesWaiting ->
            if (vi) "Còn ${e.count} lượt qua chưa gửi: hãy đồng bộ trước." else "${e.count} passages wait for upload: sync first."
        is CoreGateException.SignInFailed -> if (vi) "Sai tên đăng nhập hoặc mật khẩu." else "Wrong username or password."
        is CoreGateException.SignInAgain -> if (vi) "Phiên đăng nhập đã hết hạn: hãy đăng nhập lại." else "The sign-in has expired: sign in again."
        is CoreGateException.Forbidden -> if (vi) "Tài khoản này không được dùng cổng này." else "This account may not use this gate."
        is CoreGateException.NotFound -> if (vi) "Không có cổng này." else "No such gate."
        is CoreGateException.NoServer -> if (vi) "Chưa cấu hình máy chủ." else "No server configured."
        is CoreGateException.Unreachable -> if (vi) "Không kết nối được máy chủ." else "The server can't be reached."
        else -> e.message ?: e.toString()
    }
}
