package org.healthbook.core.wrapper

import java.time.Duration
import java.time.Instant

/**
 * An in-memory [GateRepository] for view model and screen tests; no native code. The agency's gates are
 * [gates]; operator "op" signs in with "secret". A card whose text starts with `HB1:OK` is admitted, `HB1:CHECK`
 * needs a check, anything else is refused. The same card scanned the same way within [repeatWindow] is not
 * recorded again.
 */
class FakeGateRepository(var now: Instant = Instant.parse("2026-03-01T08:00:00Z")) : GateRepository {
    val gates = mutableMapOf("g-1" to BoundGate("g-1", "Cổng số 1", "Chợ Bến Thành", "Ban quản lý chợ Bến Thành"))
    var bound: BoundGate? = null
    var pending = 0
    var lastSyncAt: Instant? = null
    var repeatWindow: Duration = Duration.ofMinutes(5)
    val calls = mutableListOf<String>()
    val recorded = mutableListOf<Pair<String, GateDirection>>()
    /** When set, the next call throws it (once). */
    var failNext: Exception? = null
    private val lastSeen = mutableMapOf<Pair<String, GateDirection>, Instant>()

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    override suspend fun boundGate(): BoundGate? {
        calls += "boundGate"
        maybeFail()
        return bound
    }

    override suspend fun bind(gateId: String, username: String, password: String): BoundGate {
        calls += "bind"
        maybeFail()
        if (username != "op" || password != "secret") throw GateException("Wrong username or password.")
        val gate = gates[gateId] ?: throw GateException("This gate does not belong to your agency.")
        bound = gate
        return gate
    }

    override suspend fun unbind() {
        calls += "unbind"
        maybeFail()
        if (pending > 0) throw GateException("$pending passages are waiting for upload: sync first.")
        bound = null
    }

    override suspend fun scan(qrText: String, direction: GateDirection): GateScan {
        calls += "scan"
        maybeFail()
        if (bound == null) throw GateException("This device is not bound to a gate.")
        val (decision, reason) = when {
            qrText.startsWith("HB1:OK") -> GateDecision.ADMIT to ""
            qrText.startsWith("HB1:CHECK") -> GateDecision.CHECK to "Yellow pass: ask about symptoms."
            else -> GateDecision.REFUSE to "Not a health card."
        }
        val key = qrText to direction
        val repeat = lastSeen[key]?.let { Duration.between(it, now) < repeatWindow } == true
        if (!repeat) {
            lastSeen[key] = now
            recorded += key
            pending++
        }
        val headline = when (decision) {
            GateDecision.ADMIT -> "Admit"
            GateDecision.CHECK -> "Check"
            GateDecision.REFUSE -> "Refuse"
        }
        val holder = decision != GateDecision.REFUSE
        return GateScan(
            decision, headline, reason, if (holder) "Nguyễn Văn An" else null, if (holder) "1990" else null,
            "Personal pass", direction, now, recorded = !repeat,
        )
    }

    override suspend fun queue(): GateQueue {
        calls += "queue"
        maybeFail()
        return GateQueue(pending, lastSyncAt, null)
    }

    override suspend fun sync(): GateQueue {
        calls += "sync"
        maybeFail()
        pending = 0
        lastSyncAt = now
        return GateQueue(0, now, null)
    }
}
