package org.healthbook.core.wrapper

import java.time.LocalDate
import org.healthbook.core.Vaccinations
import org.healthbook.core.VaccinationException as CoreVaccinationException
import org.healthbook.core.ProfileVaccinationRecord as CoreRecord
import org.healthbook.core.VaccinationCertificate as CoreCertificate
import org.healthbook.core.VaccinationDose as CoreDose
import org.healthbook.core.VaccinationInvitation as CoreInvitation
import org.healthbook.core.VaccinationInvitationState as CoreInvitationState

/**
 * The real [VaccinationRepository]: delegates to the Rust core's [Vaccinations] object. Registering and
 * answering are queued in the core's outbox and sent at once when the server can be reached; the records and
 * invitations read the phone's store, so they work offline.
 *
 * Every core refusal becomes a [VaccinationException] whose message is for the person and names no one.
 */
class CoreVaccinationRepository(private val vaccinations: Vaccinations) : VaccinationRepository, AutoCloseable {
    override suspend fun records(): List<ProfileVaccinationRecord> = guarded { vaccinations.records().map { it.toScreen() } }

    override suspend fun refresh(): List<ProfileVaccinationRecord> = guarded { vaccinations.refresh().map { it.toScreen() } }

    override suspend fun register(profileId: String, wardCode: String): ProfileVaccinationRecord =
        guarded { vaccinations.register(profileId, wardCode).toScreen() }

    override suspend fun invitations(): List<VaccinationInvitation> = guarded {
        val names = vaccinations.records().associate { it.profileId to it.profileName }
        vaccinations.invitations().map { it.toScreen(names[it.profileId] ?: "") }
    }

    override suspend fun answer(invitationId: String, confirm: Boolean): VaccinationInvitation = guarded {
        val answered = vaccinations.answer(invitationId, confirm)
        val name = vaccinations.records().firstOrNull { it.profileId == answered.profileId }?.profileName ?: ""
        answered.toScreen(name)
    }

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = vaccinations.close()

    private inline fun <T> guarded(block: () -> T): T = try {
        block()
    } catch (e: CoreVaccinationException) {
        throw VaccinationException(words(e))
    }

    companion object {
        /** What the person reads for each refusal, Vietnamese first. */
        fun words(e: CoreVaccinationException): String = when (e) {
            is CoreVaccinationException.InvalidWard -> "Mã xã/phường phải có 5 chữ số. / The ward code must be 5 digits."
            is CoreVaccinationException.NotBound ->
                "Hãy liên kết hồ sơ với thông tin cá nhân trên máy chủ trước. / Link the profile to its person record first."
            is CoreVaccinationException.AlreadyRegistered ->
                "Hồ sơ này đã đăng ký tiêm ở xã/phường khác. / This profile is already registered in another commune."
            is CoreVaccinationException.UnknownInvitation -> "Không tìm thấy lời mời này. / This invitation is not on this phone."
            is CoreVaccinationException.InvitationClosed ->
                "Lời mời đã hết hạn hoặc đã đóng. / The invitation has expired or is closed."
            is CoreVaccinationException.Certificate ->
                "Không xác minh được chứng nhận tiêm chủng; chưa lưu gì. / A vaccination certificate could not be verified; nothing was saved."
            is CoreVaccinationException.ProfileNotFound -> "Không tìm thấy hồ sơ. / The profile was not found."
            is CoreVaccinationException.NoServer -> "Chưa cài máy chủ. / No server is set up."
            is CoreVaccinationException.Unreachable ->
                "Không kết nối được máy chủ; thử lại sau. / The server can't be reached; try again later."
            is CoreVaccinationException.Server -> "Máy chủ từ chối yêu cầu. / The server refused the request."
            is CoreVaccinationException.DataKey, is CoreVaccinationException.Storage ->
                "Lỗi lưu trữ trên máy. / Storage on this phone failed."
        }

        /** The screens' form of a core record. */
        fun CoreRecord.toScreen(): ProfileVaccinationRecord = ProfileVaccinationRecord(
            profileId = profileId,
            profileName = profileName,
            registered = registered,
            priorityGroup = priorityGroup?.toInt(),
            doses = doses.map { it.toScreen() },
            nextDue = nextDue?.let(LocalDate::parse),
            certificate = certificate?.toScreen(),
            history = history.map { it.toScreen() },
            refreshedAt = refreshedAt,
        )

        private fun CoreDose.toScreen(): VaccinationDose = VaccinationDose(
            doseNumber = doseNumber.toInt(),
            date = LocalDate.parse(date),
            product = product,
            lot = lot,
            selfReported = selfReported,
            // The core never counts a self-reported dose; the screen must not either.
            confirmed = confirmed && !selfReported,
        )

        private fun CoreCertificate.toScreen(): VaccinationCertificate = VaccinationCertificate(
            uvci = uvci,
            qr = qr,
            doseNumber = doseNumber.toInt(),
            seriesDoses = seriesDoses.toInt(),
            product = product,
            date = LocalDate.parse(date),
            issuedAt = issuedAt,
            expiresAt = expiresAt,
            replacedAt = replacedAt,
        )

        /** The screens' form of a core invitation, with the invited profile's name. */
        fun CoreInvitation.toScreen(profileName: String): VaccinationInvitation = VaccinationInvitation(
            invitationId = invitationId,
            profileId = profileId,
            profileName = profileName,
            siteName = siteName,
            siteAddress = siteAddress,
            startsAt = startsAt,
            endsAt = endsAt,
            product = product,
            doseNumber = doseNumber.toInt(),
            state = state.toScreen(),
            answerBy = answerBy,
            answerPending = answerPending,
        )

        private fun CoreInvitationState.toScreen(): InvitationState = when (this) {
            CoreInvitationState.PENDING -> InvitationState.PENDING
            CoreInvitationState.CONFIRMED -> InvitationState.CONFIRMED
            CoreInvitationState.DECLINED -> InvitationState.DECLINED
            CoreInvitationState.EXPIRED -> InvitationState.EXPIRED
            CoreInvitationState.ATTENDED -> InvitationState.ATTENDED
        }
    }
}
