package org.healthbook.core.wrapper

import java.time.Instant
import java.time.LocalDate

/** How the person agreed to a volunteer acting for them. */
enum class ConsentMethod { SPOKEN, SIGNED_PAPER, THUMBPRINT }

/** A person a volunteer enrolled: a managed profile on the volunteer's phone. */
data class ManagedPerson(
    val profileId: String,
    val fullName: String,
    val birthYear: Int,
    /** True once the profile is bound to the person's record on the server (the volunteer attested the id card). */
    val bound: Boolean,
    /** When the person's consent was recorded; null until it is. */
    val consentAt: Instant?,
    val lastDeclaredAt: Instant?,
    /** Doses recorded from paper, self-reported until an officer confirms them. */
    val selfReportedDoses: Int,
    /** The control card's QR text (`HK1:`), once printed. */
    val controlCard: String?,
)

/** Why a volunteer action failed, in words for the volunteer (never the person's data). */
class VolunteerException(message: String) : Exception(message)

/** The volunteer's area as the view models see it (declaring on someone's behalf uses the declaration screens with their profile). */
interface VolunteerRepository {
    /** Every person this volunteer enrolled on this phone, by name. */
    suspend fun people(): List<ManagedPerson>
    /** Enrols a person without a smartphone: a managed profile, bound to their record by the volunteer's attestation of the id card. */
    suspend fun enrol(fullName: String, birthYear: Int, citizenId: String, phone: String?, provinceCode: String, wardCode: String): ManagedPerson
    /** Records who agreed (the person or a guardian, by name), how, and now. */
    suspend fun recordConsent(profileId: String, givenBy: String, method: ConsentMethod): ManagedPerson
    /** Records a dose the person shows on paper (self-reported until confirmed). */
    suspend fun recordDose(profileId: String, product: String, doseNumber: Int, date: LocalDate, lot: String?): ManagedPerson
    /** Gets the person's control card (`HK1:`) signed by the server; throws when consent is missing. */
    suspend fun controlCard(profileId: String): ManagedPerson
}
