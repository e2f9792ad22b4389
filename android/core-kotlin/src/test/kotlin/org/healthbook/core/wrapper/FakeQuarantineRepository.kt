package org.healthbook.core.wrapper

import java.time.Instant
import java.time.LocalDate

/**
 * An in-memory [QuarantineRepository] for view model and screen tests; no native code, no sensors. [offline]
 * makes [refresh] fail and queues check-ins (PENDING) and explanations (explanationPending), as the core's
 * outbox does. [nextVerdict] is what the server says about the next check-in when online; [nextRefusal], when
 * set, makes the server refuse it for good instead (REFUSED with that reason, not waiting), once.
 */
class FakeQuarantineRepository(var now: Instant = Instant.parse("2026-03-01T08:00:00Z")) : QuarantineRepository {
    val orders = mutableListOf<QuarantineOrder>()
    val checkIns = mutableMapOf<String, MutableList<QuarantineCheckIn>>()
    val cases = mutableMapOf<String, MutableList<QuarantineCase>>()
    var commitmentText = QuarantineCommitment(3, "Tôi cam kết ở nhà.", "I commit to stay at home.")
    val calls = mutableListOf<String>()
    var offline = false
    /** When set, the next call throws it (once). */
    var failNext: Exception? = null
    var nextVerdict: QuarantineVerdict = QuarantineVerdict.OK
    var nextReasons: List<QuarantineVerdictReason> = emptyList()
    var nextRefusal: String? = null
    private var sequence = 0L

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    private fun order(orderId: String): Int = orders.indexOfFirst { it.orderId == orderId }.also {
        if (it < 0) throw IllegalArgumentException("unknown order")
    }

    override suspend fun refresh(): List<QuarantineOrder> {
        calls += "refresh"
        maybeFail()
        if (offline) throw IllegalStateException("offline")
        return orders.toList()
    }

    override suspend fun orders(): List<QuarantineOrder> {
        calls += "orders"
        maybeFail()
        return orders.toList()
    }

    override suspend fun commitment(orderId: String): QuarantineCommitment {
        calls += "commitment"
        maybeFail()
        if (offline) throw IllegalStateException("offline")
        order(orderId)
        return commitmentText
    }

    override suspend fun signCommitment(orderId: String, version: Int): QuarantineOrder {
        calls += "sign:$version"
        maybeFail()
        if (offline) throw IllegalStateException("offline")
        val i = order(orderId)
        check(orders[i].state == QuarantineOrderState.AWAITING_COMMITMENT) { "already signed" }
        return orders[i].copy(state = QuarantineOrderState.AWAITING_ENROLMENT).also { orders[i] = it }
    }

    override suspend fun enrol(orderId: String, homeToken: String): QuarantineOrder {
        calls += "enrol:$homeToken"
        maybeFail()
        if (offline) throw IllegalStateException("offline")
        val i = order(orderId)
        check(orders[i].state == QuarantineOrderState.AWAITING_ENROLMENT) { "not awaiting enrolment" }
        return orders[i].copy(state = QuarantineOrderState.ACTIVE).also { orders[i] = it }
    }

    override suspend fun checkIn(orderId: String, homeToken: String?): QuarantineCheckIn {
        calls += "checkin:${homeToken ?: "-"}"
        maybeFail()
        val i = order(orderId)
        val challenge = orders[i].openChallenge ?: throw IllegalStateException("no open challenge")
        sequence += 1
        val refusal = nextRefusal?.takeUnless { offline }?.also { nextRefusal = null }
        val record = if (offline) {
            QuarantineCheckIn(sequence, challenge.challengeId, now, QuarantineVerdict.PENDING, emptyList())
        } else if (refusal != null) {
            QuarantineCheckIn(sequence, challenge.challengeId, now, QuarantineVerdict.REFUSED, emptyList(), refusedReason = refusal)
        } else {
            QuarantineCheckIn(sequence, challenge.challengeId, now, nextVerdict, nextReasons)
        }
        checkIns.getOrPut(orderId) { mutableListOf() }.add(0, record)
        orders[i] = orders[i].copy(openChallenge = null, pendingCheckIns = orders[i].pendingCheckIns + if (offline) 1 else 0)
        if (record.verdict == QuarantineVerdict.NEEDS_REVIEW) {
            cases.getOrPut(orderId) { mutableListOf() }.add(0, case("c$sequence", orderId, record, now))
        }
        return record
    }

    override suspend fun checkIns(orderId: String): List<QuarantineCheckIn> {
        calls += "checkins"
        maybeFail()
        return checkIns[orderId].orEmpty().toList()
    }

    override suspend fun cases(orderId: String): List<QuarantineCase> {
        calls += "cases"
        maybeFail()
        return cases[orderId].orEmpty().toList()
    }

    override suspend fun explain(caseId: String, reason: ExplanationReason, text: String): QuarantineCase {
        calls += "explain:$reason"
        maybeFail()
        require(reason != ExplanationReason.OTHER || text.isNotBlank()) { "text required" }
        for (list in cases.values) {
            val i = list.indexOfFirst { it.caseId == caseId }
            if (i < 0) continue
            check(list[i].state == QuarantineCaseState.AWAITING_EXPLANATION && now.isBefore(list[i].explainBy)) { "closed" }
            val explained = list[i].copy(
                explanation = reason,
                explanationText = text,
                explanationPending = offline,
                state = if (offline) QuarantineCaseState.AWAITING_EXPLANATION else QuarantineCaseState.AWAITING_DECISION,
            )
            list[i] = explained
            return explained
        }
        throw IllegalArgumentException("unknown case")
    }

    companion object {
        /** A daily-window challenge opened at [opensAt], closing an hour later, with 30 minutes of grace. */
        fun challenge(id: String, opensAt: Instant, homeTokenRequired: Boolean = false, random: Boolean = false) = QuarantineChallenge(
            id, opensAt, opensAt.plusSeconds(3_600), opensAt.plusSeconds(5_400), homeTokenRequired, random,
        )

        /** An order of profile p1 in Ho Chi Minh City, 14 days from 2026-02-20, in [state]. */
        fun order(
            id: String,
            state: QuarantineOrderState,
            challenge: QuarantineChallenge? = null,
            profileId: String = "p1",
            profileName: String = "Nguyễn Văn An",
        ) = QuarantineOrder(
            orderId = id,
            profileId = profileId,
            profileName = profileName,
            homeAddress = "12 Lê Lợi, Phường Bến Thành",
            startDate = LocalDate.of(2026, 2, 20),
            endsAt = Instant.parse("2026-03-05T16:59:59Z"),
            daysLeft = 5,
            extensionDays = 0,
            timeZone = "Asia/Ho_Chi_Minh",
            state = state,
            openChallenge = challenge,
            nextCheckInAt = Instant.parse("2026-03-02T01:00:00Z"),
            pendingCheckIns = 0,
        )

        /** A case opened by [checkIn] at [openedAt], to be explained within a day. */
        fun case(id: String, orderId: String, checkIn: QuarantineCheckIn, openedAt: Instant) = QuarantineCase(
            caseId = id,
            orderId = orderId,
            checkIn = checkIn,
            state = QuarantineCaseState.AWAITING_EXPLANATION,
            openedAt = openedAt,
            explainBy = openedAt.plusSeconds(86_400),
            explanation = null,
            explanationText = "",
            explanationPending = false,
            decision = null,
            decisionNote = null,
            decidedAt = null,
        )
    }
}
