import Foundation
import HealthbookCore

/// The core's calendar days (`YYYY-MM-DD`, the sessions' local time) as the screens' dates (local midnight), and
/// back; one formatter for the citizen's and the site's services.
enum CoreDay {
    /// A core date that is not `YYYY-MM-DD`: the core never sends one, so the screen shows its generic failure.
    struct Malformed: Error {}

    private static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        // POSIX: the user's calendar or numbering settings must not change the wire format.
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }()

    /// The local midnight of `text`.
    static func date(_ text: String) throws -> Date {
        guard let date = formatter.date(from: text) else { throw Malformed() }
        return Calendar(identifier: .gregorian).startOfDay(for: date)
    }

    /// The local day of `date` as the core takes it.
    static func text(_ date: Date) -> String {
        formatter.string(from: date)
    }
}

/// The real ``VaccinationServiceProxyProtocol`` over the core's `Vaccinations`; mirrors the Kotlin
/// `CoreVaccinationRepository`. Registering and answering are queued in the core's outbox and sent at once when
/// the server can be reached; records and invitations read the phone's store, so they work offline. Every core
/// refusal becomes a ``VaccinationRefusal`` with the Android words in the app's language (names no one).
final class VaccinationService: VaccinationServiceProxyProtocol, @unchecked Sendable {
    private let vaccinations: Vaccinations
    private let settings: SettingsServiceProxyProtocol

    init(vaccinations: Vaccinations, settings: SettingsServiceProxyProtocol) {
        self.vaccinations = vaccinations
        self.settings = settings
    }

    func records() async throws -> [VaccinationRecordItem] {
        try await guarded { try await vaccinations.records().map(Self.record) }
    }

    func refresh() async throws -> [VaccinationRecordItem] {
        try await guarded { try await vaccinations.refresh().map(Self.record) }
    }

    func register(profileId: String, wardCode: String) async throws -> VaccinationRecordItem {
        try await guarded { try Self.record(try await vaccinations.register(profileId: profileId, wardCode: wardCode)) }
    }

    func invitations() async throws -> [VaccinationInvitationItem] {
        try await guarded {
            // The core's invitation carries the profile id only; the screen names the profile.
            let names = try await profileNames()
            return try await vaccinations.invitations().map { Self.invitation($0, profileName: names[$0.profileId] ?? "") }
        }
    }

    func answer(invitationId: String, confirm: Bool) async throws -> VaccinationInvitationItem {
        try await guarded {
            let answered = try await vaccinations.answer(invitationId: invitationId, confirm: confirm)
            let names = try await profileNames()
            return Self.invitation(answered, profileName: names[answered.profileId] ?? "")
        }
    }

    private func profileNames() async throws -> [String: String] {
        var names: [String: String] = [:]
        for record in try await vaccinations.records() { names[record.profileId] = record.profileName }
        return names
    }

    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as VaccinationError {
            // An unreadable setting falls back to the app's default language.
            let vi = ((try? await settings.language()) ?? .vi) == .vi
            throw VaccinationRefusal(message: Self.words(error, vi: vi))
        }
    }

    /// What the person reads for `error` (the Kotlin `CoreVaccinationRepository`'s words).
    static func words(_ error: VaccinationError, vi: Bool) -> String {
        switch error {
        case VaccinationError.InvalidWard:
            return vi ? "Mã xã/phường phải có 5 chữ số." : "The ward code must be 5 digits."
        case VaccinationError.NotBound:
            return vi ? "Hãy liên kết hồ sơ với thông tin cá nhân trên máy chủ trước." : "Link the profile to its person record first."
        case VaccinationError.AlreadyRegistered:
            return vi ? "Hồ sơ này đã đăng ký tiêm ở xã/phường khác." : "This profile is already registered in another commune."
        case VaccinationError.UnknownInvitation:
            return vi ? "Không tìm thấy lời mời này." : "This invitation is not on this phone."
        case VaccinationError.InvitationClosed:
            return vi ? "Lời mời đã hết hạn hoặc đã đóng." : "The invitation has expired or is closed."
        case VaccinationError.Certificate(_):
            return vi
                ? "Không xác minh được chứng nhận tiêm chủng; chưa lưu gì."
                : "A vaccination certificate could not be verified; nothing was saved."
        case VaccinationError.ProfileNotFound(_):
            return vi ? "Không tìm thấy hồ sơ." : "The profile was not found."
        case VaccinationError.NoServer:
            return vi ? "Chưa cài máy chủ." : "No server is set up."
        case VaccinationError.Unreachable(_):
            return vi ? "Không kết nối được máy chủ; thử lại sau." : "The server can't be reached; try again later."
        case VaccinationError.Server(_):
            return vi ? "Máy chủ từ chối yêu cầu." : "The server refused the request."
        case VaccinationError.DataKey(_), VaccinationError.Storage(_):
            return vi ? "Lỗi lưu trữ trên máy." : "Storage on this phone failed."
        }
    }

    /// The screens' form of a core record.
    static func record(_ record: ProfileVaccinationRecord) throws -> VaccinationRecordItem {
        VaccinationRecordItem(
            profileId: record.profileId,
            profileName: record.profileName,
            registered: record.registered,
            priorityGroup: record.priorityGroup.map { Int($0) },
            doses: try record.doses.map(dose),
            nextDue: try record.nextDue.map(CoreDay.date),
            certificate: try record.certificate.map(certificate),
            history: try record.history.map(certificate),
            refreshedAt: record.refreshedAt
        )
    }

    private static func dose(_ dose: VaccinationDose) throws -> VaccinationDoseItem {
        VaccinationDoseItem(
            doseNumber: Int(dose.doseNumber),
            date: try CoreDay.date(dose.date),
            product: dose.product,
            lot: dose.lot,
            selfReported: dose.selfReported,
            // The core never counts a self-reported dose; the screen must not either.
            confirmed: dose.confirmed && !dose.selfReported
        )
    }

    private static func certificate(_ certificate: VaccinationCertificate) throws -> VaccinationCertificateItem {
        VaccinationCertificateItem(
            uvci: certificate.uvci,
            qr: certificate.qr,
            doseNumber: Int(certificate.doseNumber),
            seriesDoses: Int(certificate.seriesDoses),
            product: certificate.product,
            date: try CoreDay.date(certificate.date),
            issuedAt: certificate.issuedAt,
            expiresAt: certificate.expiresAt,
            replacedAt: certificate.replacedAt
        )
    }

    /// The screens' form of a core invitation, with the invited profile's name.
    static func invitation(_ invitation: VaccinationInvitation, profileName: String) -> VaccinationInvitationItem {
        VaccinationInvitationItem(
            invitationId: invitation.invitationId,
            profileId: invitation.profileId,
            profileName: profileName,
            siteName: invitation.siteName,
            siteAddress: invitation.siteAddress,
            startsAt: invitation.startsAt,
            endsAt: invitation.endsAt,
            product: invitation.product,
            doseNumber: Int(invitation.doseNumber),
            state: standing(invitation.state),
            answerBy: invitation.answerBy,
            answerPending: invitation.answerPending
        )
    }

    /// The screens' state for the core's (the site's service shares it).
    static func standing(_ state: VaccinationInvitationState) -> InvitationStanding {
        switch state {
        case VaccinationInvitationState.pending: return .pending
        case VaccinationInvitationState.confirmed: return .confirmed
        case VaccinationInvitationState.declined: return .declined
        case VaccinationInvitationState.expired: return .expired
        case VaccinationInvitationState.attended: return .attended
        }
    }
}
