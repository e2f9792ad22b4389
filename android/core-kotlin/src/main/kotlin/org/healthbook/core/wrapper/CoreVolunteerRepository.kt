package org.healthbook.core.wrapper

import java.time.LocalDate
import org.healthbook.core.Volunteers
import org.healthbook.core.VolunteerException as CoreVolunteerException
import org.healthbook.core.ConsentMethod as CoreConsentMethod
import org.healthbook.core.ManagedPerson as CoreManagedPerson

/**
 * The real [VolunteerRepository]: delegates to the Rust core's [Volunteers] object. The volunteer signs in
 * once ([Volunteers.signIn], from the volunteer's sign-in screen); the core keeps the session sealed.
 *
 * Every core refusal becomes a [VolunteerException] whose message is for the volunteer and names no one.
 */
class CoreVolunteerRepository(private val volunteers: Volunteers) : VolunteerRepository, AutoCloseable {
    override suspend fun people(): List<ManagedPerson> = guarded { volunteers.people().map { it.toScreen() } }

    override suspend fun enrol(
        fullName: String,
        birthYear: Int,
        citizenId: String,
        phone: String?,
        provinceCode: String,
        wardCode: String,
    ): ManagedPerson {
        if (birthYear !in 1..65535) throw VolunteerException("Năm sinh không hợp lệ. / The birth year is not valid.")
        return guarded { volunteers.enrol(fullName, birthYear.toUShort(), citizenId, phone, provinceCode, wardCode).toScreen() }
    }

    override suspend fun recordConsent(profileId: String, givenBy: String, method: ConsentMethod): ManagedPerson =
        guarded { volunteers.recordConsent(profileId, givenBy, method.toCore()).toScreen() }

    override suspend fun recordDose(profileId: String, product: String, doseNumber: Int, date: LocalDate, lot: String?): ManagedPerson {
        if (doseNumber !in 1..10) throw VolunteerException("Số mũi phải từ 1 đến 10. / The dose number must be 1 to 10.")
        return guarded { volunteers.recordDose(profileId, product, doseNumber.toUByte(), date.toString(), lot).toScreen() }
    }

    override suspend fun controlCard(profileId: String): ManagedPerson = guarded { volunteers.controlCard(profileId).toScreen() }

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = volunteers.close()

    private inline fun <T> guarded(block: () -> T): T = try {
        block()
    } catch (e: CoreVolunteerException) {
        throw VolunteerException(words(e))
    }

    companion object {
        /** What the volunteer reads for each refusal, Vietnamese first. */
        fun words(e: CoreVolunteerException): String = when (e) {
            is CoreVolunteerException.NoServer -> "Chưa cài máy chủ. / No server is set up."
            is CoreVolunteerException.Unreachable -> "Không kết nối được máy chủ; thử lại sau. / The server can't be reached; try again later."
            is CoreVolunteerException.NotSignedIn -> "Hãy đăng nhập tài khoản tình nguyện viên. / Sign in as a volunteer."
            is CoreVolunteerException.SignInFailed -> "Sai tên đăng nhập hoặc mật khẩu. / The user name or password is wrong."
            is CoreVolunteerException.NotAVolunteer -> "Tài khoản này không phải của tình nguyện viên. / This account is not a volunteer's."
            is CoreVolunteerException.NotManaged -> "Đây không phải người bạn đã đăng ký. / This is not a person you enrolled."
            is CoreVolunteerException.ConsentRequired -> "Hãy ghi nhận sự đồng ý trước. / Record the person's consent first."
            is CoreVolunteerException.OutsideArea -> "Người này ở ngoài địa bàn của bạn. / This person lives outside your area."
            is CoreVolunteerException.InvalidField -> "Thông tin chưa hợp lệ: ${e.reason} / Not valid: ${e.reason}"
            is CoreVolunteerException.Server -> "Máy chủ từ chối yêu cầu. / The server refused the request."
            is CoreVolunteerException.Storage -> "Lỗi lưu trữ trên máy. / Storage on this phone failed."
        }

        /** The screens' form of a core person. */
        fun CoreManagedPerson.toScreen(): ManagedPerson = ManagedPerson(
            profileId = profileId,
            fullName = fullName,
            birthYear = birthYear.toInt(),
            bound = bound,
            consentAt = consentAt,
            lastDeclaredAt = lastDeclaredAt,
            selfReportedDoses = selfReportedDoses.toInt(),
            controlCard = controlCard,
        )

        private fun ConsentMethod.toCore(): CoreConsentMethod = when (this) {
            ConsentMethod.SPOKEN -> CoreConsentMethod.SPOKEN
            ConsentMethod.SIGNED_PAPER -> CoreConsentMethod.SIGNED_PAPER
            ConsentMethod.THUMBPRINT -> CoreConsentMethod.THUMBPRINT
        }
    }
}
