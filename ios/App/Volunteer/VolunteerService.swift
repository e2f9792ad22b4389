import Foundation
import HealthbookCore

/// The real ``VolunteerServiceProxyProtocol`` over the core's `Volunteers`; mirrors the Kotlin
/// `CoreVolunteerRepository`. The volunteer signs in once (``signIn(username:password:)``); the core keeps the
/// session sealed. Every core refusal becomes a ``VolunteerRefusal`` with the Android words in the app's
/// language (never the person's data).
final class VolunteerService: VolunteerServiceProxyProtocol, @unchecked Sendable {
    private let volunteers: Volunteers
    private let settings: SettingsServiceProxyProtocol

    init(volunteers: Volunteers, settings: SettingsServiceProxyProtocol) {
        self.volunteers = volunteers
        self.settings = settings
    }

    /// Signs in as a volunteer (the password is not kept).
    func signIn(username: String, password: String) async throws {
        try await guarded { try await volunteers.signIn(username: username, password: password) }
    }

    /// Signs out and forgets the session.
    func signOut() async throws {
        try await guarded { try await volunteers.signOut() }
    }

    /// Whether a session is held.
    func signedIn() async throws -> Bool {
        try await guarded { try await volunteers.signedIn() }
    }

    func people() async throws -> [EnrolledPerson] {
        try await guarded { try await volunteers.people().map(Self.person) }
    }

    func enrol(fullName: String, birthYear: Int, citizenId: String, phone: String?, provinceCode: String, wardCode: String) async throws -> EnrolledPerson {
        // Checked here as on Android: the core takes 16 bits, and a wrapped year must not reach the server.
        guard (1...65_535).contains(birthYear) else {
            throw VolunteerRefusal(message: await vietnamese() ? "Năm sinh không hợp lệ." : "The birth year is not valid.")
        }
        return try await guarded {
            Self.person(try await volunteers.enrol(
                fullName: fullName, birthYear: UInt16(birthYear), citizenId: citizenId, phone: phone,
                provinceCode: provinceCode, wardCode: wardCode
            ))
        }
    }

    func recordConsent(profileId: String, givenBy: String, method: ConsentWay) async throws -> EnrolledPerson {
        try await guarded {
            Self.person(try await volunteers.recordConsent(profileId: profileId, givenBy: givenBy, method: Self.coreMethod(method)))
        }
    }

    func recordDose(profileId: String, product: String, doseNumber: Int, date: Date, lot: String?) async throws -> EnrolledPerson {
        guard (1...10).contains(doseNumber) else {
            throw VolunteerRefusal(message: await vietnamese() ? "Số mũi phải từ 1 đến 10." : "The dose number must be 1 to 10.")
        }
        return try await guarded {
            Self.person(try await volunteers.recordDose(
                profileId: profileId, product: product, doseNumber: UInt8(doseNumber), date: CoreDay.text(date), lot: lot
            ))
        }
    }

    func controlCard(profileId: String) async throws -> EnrolledPerson {
        try await guarded { Self.person(try await volunteers.controlCard(profileId: profileId)) }
    }

    // An unreadable setting falls back to the app's default language.
    private func vietnamese() async -> Bool {
        ((try? await settings.language()) ?? .vi) == .vi
    }

    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as VolunteerError {
            throw VolunteerRefusal(message: Self.words(error, vi: await vietnamese()))
        }
    }

    /// What the volunteer reads for `error` (the Kotlin `CoreVolunteerRepository`'s words).
    static func words(_ error: VolunteerError, vi: Bool) -> String {
        switch error {
        case VolunteerError.NoServer:
            return vi ? "Chưa cài máy chủ." : "No server is set up."
        case VolunteerError.Unreachable(_):
            return vi ? "Không kết nối được máy chủ; thử lại sau." : "The server can't be reached; try again later."
        case VolunteerError.NotSignedIn:
            return vi ? "Hãy đăng nhập tài khoản tình nguyện viên." : "Sign in as a volunteer."
        case VolunteerError.SignInFailed:
            return vi ? "Sai tên đăng nhập hoặc mật khẩu." : "The user name or password is wrong."
        case VolunteerError.NotAVolunteer:
            return vi ? "Tài khoản này không phải của tình nguyện viên." : "This account is not a volunteer's."
        case VolunteerError.NotManaged:
            return vi ? "Đây không phải người bạn đã đăng ký." : "This is not a person you enrolled."
        case VolunteerError.ConsentRequired:
            return vi ? "Hãy ghi nhận sự đồng ý trước." : "Record the person's consent first."
        case VolunteerError.OutsideArea:
            return vi ? "Người này ở ngoài địa bàn của bạn." : "This person lives outside your area."
        case let VolunteerError.InvalidField(_, reason):
            // The reason names the field, never a value.
            return vi ? "Thông tin chưa hợp lệ: \(reason)" : "Not valid: \(reason)"
        case VolunteerError.Server(_):
            return vi ? "Máy chủ từ chối yêu cầu." : "The server refused the request."
        case VolunteerError.Storage(_):
            return vi ? "Lỗi lưu trữ trên máy." : "Storage on this phone failed."
        }
    }

    /// The screens' form of a core person.
    static func person(_ person: ManagedPerson) -> EnrolledPerson {
        EnrolledPerson(
            profileId: person.profileId,
            fullName: person.fullName,
            birthYear: Int(person.birthYear),
            bound: person.bound,
            consentAt: person.consentAt,
            lastDeclaredAt: person.lastDeclaredAt,
            selfReportedDoses: Int(person.selfReportedDoses),
            controlCard: person.controlCard
        )
    }

    private static func coreMethod(_ method: ConsentWay) -> ConsentMethod {
        switch method {
        case .spoken: return ConsentMethod.spoken
        case .signedPaper: return ConsentMethod.signedPaper
        case .thumbprint: return ConsentMethod.thumbprint
        }
    }
}
