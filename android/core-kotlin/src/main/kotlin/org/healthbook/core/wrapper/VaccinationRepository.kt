package org.healthbook.core.wrapper

import java.time.Instant
import java.time.LocalDate

/** Where an invitation stands. */
enum class InvitationState { PENDING, CONFIRMED, DECLINED, EXPIRED, ATTENDED }

/** An invitation to a vaccination session for one of the phone's profiles. */
data class VaccinationInvitation(
    val invitationId: String,
    val profileId: String,
    val profileName: String,
    val siteName: String,
    val siteAddress: String,
    val startsAt: Instant,
    val endsAt: Instant,
    /** Product name as shown to people, e.g. "AstraZeneca (Vaxzevria)". */
    val product: String,
    val doseNumber: Int,
    val state: InvitationState,
    val answerBy: Instant,
    /** True while the answer waits in the outbox (offline). */
    val answerPending: Boolean,
)

/** One dose of one profile. */
data class VaccinationDose(
    val doseNumber: Int,
    val date: LocalDate,
    val product: String,
    val lot: String?,
    /** True for a dose shown on paper to a volunteer and not yet confirmed by an officer: never shown as confirmed. */
    val selfReported: Boolean,
    val confirmed: Boolean,
)

/** An EU DCC vaccination certificate held in the wallet. */
data class VaccinationCertificate(
    val uvci: String,
    /** The QR text (`HC1:`). */
    val qr: String,
    val doseNumber: Int,
    val seriesDoses: Int,
    val product: String,
    val date: LocalDate,
    val issuedAt: Instant,
    val expiresAt: Instant,
    /** When a newer certificate replaced it; null for the current one. */
    val replacedAt: Instant?,
)

/** One profile's vaccination record. */
data class ProfileVaccinationRecord(
    val profileId: String,
    val profileName: String,
    /** True once registered for vaccination. */
    val registered: Boolean,
    /** Priority group from the commune's list, if any. */
    val priorityGroup: Int?,
    val doses: List<VaccinationDose>,
    /** When the next dose is due; null when none is. */
    val nextDue: LocalDate?,
    val certificate: VaccinationCertificate?,
    /** Certificates the current one replaced, newest first. */
    val history: List<VaccinationCertificate>,
    /** When the record was last refreshed from the server; null if never. */
    val refreshedAt: Instant?,
)

/** Why a vaccination action failed, in words for the person (never personal data). */
class VaccinationException(message: String) : Exception(message)

/** The citizen's vaccination area as the view models see it. */
interface VaccinationRepository {
    /** Every profile's record from the phone's store (works offline). */
    suspend fun records(): List<ProfileVaccinationRecord>
    /** Refreshes records, certificates and invitations from the server; returns the records. */
    suspend fun refresh(): List<ProfileVaccinationRecord>
    /** Registers a bound profile for vaccination in a commune (5-digit ward code). */
    suspend fun register(profileId: String, wardCode: String): ProfileVaccinationRecord
    /** Invitations of every profile, newest first (from the store). */
    suspend fun invitations(): List<VaccinationInvitation>
    /** Confirms (true) or declines (false) an invitation; queued in the outbox when offline. */
    suspend fun answer(invitationId: String, confirm: Boolean): VaccinationInvitation
}
