package org.healthbook.core.wrapper

import java.time.Instant
import java.time.LocalDate

/** Where a home-quarantine order stands. */
enum class QuarantineOrderState { AWAITING_COMMITMENT, AWAITING_ENROLMENT, ACTIVE, ENDED, CANCELLED }

/** A challenge the server has opened: answer it with a check-in before it closes (then it is late, then missed). */
data class QuarantineChallenge(
    val challengeId: String,
    val opensAt: Instant,
    val closesAt: Instant,
    /** When answers stop counting at all (closesAt + the order's grace). */
    val graceEndsAt: Instant,
    val homeTokenRequired: Boolean,
    /** True for a random challenge, false for a daily window. */
    val random: Boolean,
)

/** A home-quarantine order of one of the phone's profiles, with its countdown. */
data class QuarantineOrder(
    val orderId: String,
    val profileId: String,
    val profileName: String,
    val homeAddress: String,
    val startDate: LocalDate,
    /** End of the last day in the order's time zone (computed by the shared rule, extensions included). */
    val endsAt: Instant,
    val daysLeft: Int,
    val extensionDays: Int,
    /** IANA zone of the home, for display in local time. */
    val timeZone: String,
    val state: QuarantineOrderState,
    /** The open challenge, if any. */
    val openChallenge: QuarantineChallenge?,
    /** When the next daily window opens (random challenges are not announced). */
    val nextCheckInAt: Instant?,
    /** Check-ins recorded on the phone and still waiting in the outbox. */
    val pendingCheckIns: Int,
)

/** The commitment text the person reads and signs (versioned data). */
data class QuarantineCommitment(val version: Int, val textVi: String, val textEn: String)

/**
 * The server's verdict on a check-in; PENDING while the record waits to be sent, REFUSED when the server turned
 * the record down for good (no verdict will come; [QuarantineCheckIn.refusedReason] says why).
 */
enum class QuarantineVerdict { PENDING, OK, NEEDS_REVIEW, MISSED, REFUSED }

/** Why a check-in got its verdict (each problem has its own reason). */
enum class QuarantineVerdictReason {
    BAD_SIGNATURE, WRONG_DEVICE_KEY, REPLAYED, SEQUENCE_GAP, CHAIN_BROKEN, UNKNOWN_NONCE, STALE_NONCE, LATE,
    OUTSIDE_FENCE, UNCERTAIN_LOCATION, MOCK_LOCATION, HOME_TOKEN_MISSING, RADIO_UNLIKE_HOME, STALE_FIX, NO_ANSWER,
}

/** One check-in as the phone knows it. */
data class QuarantineCheckIn(
    /** Null for a missed challenge (no record was made). */
    val sequence: Long?,
    val challengeId: String,
    /** When the record was made (or, for a missed one, when the server decided). */
    val at: Instant,
    val verdict: QuarantineVerdict,
    val reasons: List<QuarantineVerdictReason>,
    /** The server's words when it refused the record for good (technical: screens show plain words first). */
    val refusedReason: String? = null,
)

/** Where a case stands. */
enum class QuarantineCaseState { AWAITING_EXPLANATION, AWAITING_DECISION, DECIDED }

/** What the person says happened. */
enum class ExplanationReason { BATTERY_DIED, ASLEEP, HOSPITAL_VISIT, NO_SIGNAL, OTHER }

/** What an officer decided. */
enum class QuarantineDecision { DISMISSED, WARNING, EXTENSION, REFERRAL }

/** A case opened by a missed or doubtful check-in: the person may explain before any officer decides. */
data class QuarantineCase(
    val caseId: String,
    val orderId: String,
    val checkIn: QuarantineCheckIn,
    val state: QuarantineCaseState,
    val openedAt: Instant,
    val explainBy: Instant,
    val explanation: ExplanationReason?,
    val explanationText: String,
    /** True while the explanation waits in the outbox. */
    val explanationPending: Boolean,
    val decision: QuarantineDecision?,
    /** The officer's words, shown to the person. */
    val decisionNote: String?,
    val decidedAt: Instant?,
)

/** Home quarantine on the person's phone. Location is read only inside [checkIn] and [enrol], never otherwise. */
interface QuarantineRepository {
    /** Fetches the orders of the phone's profiles and their open challenges; works offline from the last copy. */
    suspend fun refresh(): List<QuarantineOrder>
    /** The orders as last stored (offline). */
    suspend fun orders(): List<QuarantineOrder>
    /** The commitment text the order asks to sign. */
    suspend fun commitment(orderId: String): QuarantineCommitment
    /** Signs the commitment with a new order key kept in the platform keystore. */
    suspend fun signCommitment(orderId: String, version: Int): QuarantineOrder
    /** Enrols the home: the scanned home token (`HQ1:`) and a baseline of the radio environment (hashed). */
    suspend fun enrol(orderId: String, homeToken: String): QuarantineOrder
    /** Answers the open challenge: one location fix, the radio scan, the home token when required; queued offline. */
    suspend fun checkIn(orderId: String, homeToken: String?): QuarantineCheckIn
    /** The order's check-ins, newest first. */
    suspend fun checkIns(orderId: String): List<QuarantineCheckIn>
    /** The order's cases, newest first. */
    suspend fun cases(orderId: String): List<QuarantineCase>
    /** Sends the person's explanation (queued offline); `text` is required for OTHER. */
    suspend fun explain(caseId: String, reason: ExplanationReason, text: String): QuarantineCase
}
