package org.healthbook.core.wrapper

import java.time.LocalDate
import org.healthbook.core.SiteCertificate
import org.healthbook.core.SiteDose
import org.healthbook.core.SiteInvitation
import org.healthbook.core.VaccinationInvitationState
import org.healthbook.core.SiteScanProblem
import org.healthbook.core.VaccinationSite
import org.healthbook.core.VaccinationSiteException

/**
 * The real [VaccinationSiteRepository]: delegates to the Rust core's [VaccinationSite] object. The health officer
 * signs in once ([signIn], from the site's sign-in screen); the core holds the session in memory for as long as
 * this object lives (the app keeps one, from [HealthbookCore.vaccinationSite]).
 *
 * Every core refusal becomes a [VaccinationException] whose message is for the site staff and names no one.
 */
class CoreVaccinationSiteRepository(private val site: VaccinationSite) : VaccinationSiteRepository, AutoCloseable {
    /** Signs in as a health officer (the password is not kept). */
    suspend fun signIn(username: String, password: String) = guarded { site.signIn(username, password) }

    /** Signs out and forgets the session. */
    suspend fun signOut() = site.signOut()

    /** Whether a session is held and not expired. */
    fun signedIn(): Boolean = site.signedIn()

    override suspend fun sites(): List<VaccinationSiteInfo> = guarded {
        site.sites().map { VaccinationSiteInfo(siteId = it.siteId, name = it.name, address = it.address) }
    }

    override suspend fun stock(siteId: String): List<StockLot> = guarded {
        site.stock(siteId).lots.map {
            StockLot(product = it.productName, productCode = it.productCode, lot = it.lot, remaining = it.remaining.toInt())
        }
    }

    override suspend fun lookup(siteId: String, scanned: String): DoseCandidate = guarded {
        val found = site.lookup(siteId, scanned)
        DoseCandidate(
            personId = found.personId,
            fullName = found.fullName,
            birthYear = found.birthYear,
            doses = found.doses.map { it.toScreen() },
            nextDoseNumber = found.nextDoseNumber.toInt(),
            nextDue = found.nextDue?.let(LocalDate::parse),
            invitation = found.invitation?.toScreen(),
        )
    }

    override suspend fun recordDose(
        siteId: String,
        personId: String,
        productCode: String,
        lot: String,
        doseNumber: Int,
        date: LocalDate,
        invitationId: String?,
    ): RecordedDose {
        if (doseNumber !in 1..6) throw VaccinationException("Mũi tiêm phải từ 1 đến 6. / The dose number must be 1 to 6.")
        return guarded {
            val recorded = site.recordDose(siteId, personId, productCode, lot, doseNumber.toUByte(), date.toString(), invitationId)
            RecordedDose(dose = recorded.dose.toScreen(), certificate = recorded.certificate.toScreen())
        }
    }

    /** Confirms a dose a volunteer recorded from paper; it then counts. */
    suspend fun confirmDose(doseId: String): VaccinationDose = guarded { site.confirmDose(doseId).toScreen() }

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = site.close()

    private inline fun <T> guarded(block: () -> T): T = try {
        block()
    } catch (e: VaccinationSiteException) {
        throw VaccinationException(words(e))
    }

    companion object {
        /** What the site staff read for each refusal, Vietnamese first. */
        fun words(e: VaccinationSiteException): String = when (e) {
            is VaccinationSiteException.NoServer -> "Chưa cài máy chủ. / No server is set up."
            is VaccinationSiteException.Offline ->
                "Không kết nối được máy chủ; thử lại sau, mũi tiêm sẽ không bị ghi hai lần. / The server can't be reached; try again later, the dose won't be recorded twice."
            is VaccinationSiteException.NotSignedIn -> "Hãy đăng nhập tài khoản cán bộ y tế. / Sign in as a health officer."
            is VaccinationSiteException.SignInFailed -> "Sai tên đăng nhập hoặc mật khẩu. / The user name or password is wrong."
            is VaccinationSiteException.NotAnOfficer -> "Tài khoản này không phải của cán bộ y tế. / This account is not a health officer's."
            is VaccinationSiteException.Forbidden -> "Tài khoản của bạn không được làm việc này. / Your account may not do this."
            is VaccinationSiteException.NotFound -> "Không tìm thấy trong địa bàn của bạn. / Not found in your area."
            is VaccinationSiteException.CapacityAboveStock ->
                "Số chỗ của buổi tiêm vượt số liều còn lại. / The session holds more people than the doses left."
            is VaccinationSiteException.OutOfStock -> "Lô vắc xin này đã hết. / No dose of this lot is left."
            is VaccinationSiteException.DoseConflict ->
                "Mũi này đã được ghi với ngày hoặc loại vắc xin khác. / This dose is already recorded with another date or vaccine."
            is VaccinationSiteException.InvitationClosed -> "Lời mời đã đóng. / The invitation is closed."
            is VaccinationSiteException.InvalidScan -> scanWords(e.problem)
            is VaccinationSiteException.Invalid -> "Thông tin chưa hợp lệ: ${e.reason} / Not valid: ${e.reason}"
            is VaccinationSiteException.Server -> "Máy chủ từ chối yêu cầu. / The server refused the request."
        }

        private fun scanWords(problem: SiteScanProblem): String = when (problem) {
            SiteScanProblem.EMPTY -> "Chưa quét được mã. / Nothing was scanned."
            SiteScanProblem.TOO_LONG, SiteScanProblem.NOT_A_CREDENTIAL ->
                "Đây không phải thẻ thông hành hay thẻ kiểm soát. / This is not a health pass or control card."
            SiteScanProblem.WRONG_KIND ->
                "Mã này không phải của người được tiêm (ví dụ mã địa điểm); hãy quét thẻ thông hành hoặc thẻ kiểm soát. / This QR is not the person's (a venue poster, say); scan their pass or control card."
            SiteScanProblem.DAMAGED -> "Mã bị hỏng; hãy quét lại. / The code is damaged; scan it again."
        }

        /** The screens' form of a dose. */
        fun SiteDose.toScreen(): VaccinationDose = VaccinationDose(
            doseNumber = doseNumber.toInt(),
            date = LocalDate.parse(date),
            product = productName,
            lot = lot,
            selfReported = selfReported,
            confirmed = confirmed,
        )

        /** The screens' form of today's invitation (a site sees no phone profile). */
        fun SiteInvitation.toScreen(): VaccinationInvitation = VaccinationInvitation(
            invitationId = invitationId,
            profileId = "",
            profileName = "",
            siteName = siteName,
            siteAddress = siteAddress,
            startsAt = startsAt,
            endsAt = endsAt,
            product = productName,
            doseNumber = doseNumber.toInt(),
            state = when (state) {
                VaccinationInvitationState.PENDING -> InvitationState.PENDING
                VaccinationInvitationState.CONFIRMED -> InvitationState.CONFIRMED
                VaccinationInvitationState.DECLINED -> InvitationState.DECLINED
                VaccinationInvitationState.EXPIRED -> InvitationState.EXPIRED
                VaccinationInvitationState.ATTENDED -> InvitationState.ATTENDED
            },
            answerBy = answerBy,
            answerPending = false,
        )

        /** The screens' form of a certificate. */
        fun SiteCertificate.toScreen(): VaccinationCertificate = VaccinationCertificate(
            uvci = uvci,
            qr = qr,
            doseNumber = doseNumber.toInt(),
            seriesDoses = seriesDoses.toInt(),
            product = productName,
            date = LocalDate.parse(date),
            issuedAt = issuedAt,
            expiresAt = expiresAt,
            replacedAt = replacedAt,
        )
    }
}
