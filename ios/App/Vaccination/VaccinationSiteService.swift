import Foundation
import HealthbookCore

/// The real ``VaccinationSiteServiceProxyProtocol`` over the core's `VaccinationSite`; mirrors the Kotlin
/// `CoreVaccinationSiteRepository`. The health officer signs in once (``signIn(username:password:)``); the core
/// holds the session in memory for as long as this object lives (the app keeps one). Every core refusal becomes
/// a ``VaccinationRefusal`` with the Android words in the app's language (names no one).
final class VaccinationSiteService: VaccinationSiteServiceProxyProtocol, @unchecked Sendable {
    private let site: VaccinationSite
    private let settings: SettingsServiceProxyProtocol

    init(site: VaccinationSite, settings: SettingsServiceProxyProtocol) {
        self.site = site
        self.settings = settings
    }

    /// Signs in as a health officer (the password is not kept).
    func signIn(username: String, password: String) async throws {
        try await guarded { try await site.signIn(username: username, password: password) }
    }

    /// Signs out and forgets the session.
    func signOut() async {
        await site.signOut()
    }

    /// Whether a session is held and not expired.
    func signedIn() -> Bool {
        site.signedIn()
    }

    func sites() async throws -> [VaccinationSiteItem] {
        try await guarded {
            try await site.sites().map { VaccinationSiteItem(siteId: $0.siteId, name: $0.name, address: $0.address) }
        }
    }

    func stock(siteId: String) async throws -> [StockLotItem] {
        try await guarded {
            try await site.stock(siteId: siteId).lots.map {
                StockLotItem(product: $0.productName, productCode: $0.productCode, lot: $0.lot, remaining: Int($0.remaining))
            }
        }
    }

    func lookup(siteId: String, scanned: String) async throws -> DoseCandidateItem {
        try await guarded {
            let found = try await site.lookup(siteId: siteId, scanned: scanned)
            return DoseCandidateItem(
                personId: found.personId,
                fullName: found.fullName,
                birthYear: Int(found.birthYear),
                doses: try found.doses.map(Self.dose),
                nextDoseNumber: Int(found.nextDoseNumber),
                nextDue: try found.nextDue.map(CoreDay.date),
                invitation: found.invitation.map(Self.invitation)
            )
        }
    }

    func recordDose(
        siteId: String, personId: String, productCode: String, lot: String, doseNumber: Int, date: Date, invitationId: String?
    ) async throws -> RecordedDoseItem {
        // Checked here as on Android: the core takes a byte, and a wrapped number must not reach the server.
        guard (1...6).contains(doseNumber) else {
            throw VaccinationRefusal(message: await vietnamese() ? "Mũi tiêm phải từ 1 đến 6." : "The dose number must be 1 to 6.")
        }
        return try await guarded {
            let recorded = try await site.recordDose(
                siteId: siteId, personId: personId, productCode: productCode, lot: lot, doseNumber: UInt8(doseNumber),
                dateText: CoreDay.text(date), invitationId: invitationId
            )
            return RecordedDoseItem(dose: try Self.dose(recorded.dose), certificate: try Self.certificate(recorded.certificate))
        }
    }

    /// Confirms a dose a volunteer recorded from paper; it then counts.
    func confirmDose(doseId: String) async throws -> VaccinationDoseItem {
        try await guarded { try Self.dose(try await site.confirmDose(doseId: doseId)) }
    }

    // An unreadable setting falls back to the app's default language.
    private func vietnamese() async -> Bool {
        ((try? await settings.language()) ?? .vi) == .vi
    }

    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as VaccinationSiteError {
            throw VaccinationRefusal(message: Self.words(error, vi: await vietnamese()))
        }
    }

    /// What the site staff read for `error` (the Kotlin `CoreVaccinationSiteRepository`'s words).
    static func words(_ error: VaccinationSiteError, vi: Bool) -> String {
        switch error {
        case VaccinationSiteError.NoServer:
            return vi ? "Chưa cài máy chủ." : "No server is set up."
        case VaccinationSiteError.Offline(_):
            return vi
                ? "Không kết nối được máy chủ; thử lại sau, mũi tiêm sẽ không bị ghi hai lần."
                : "The server can't be reached; try again later, the dose won't be recorded twice."
        case VaccinationSiteError.NotSignedIn:
            return vi ? "Hãy đăng nhập tài khoản cán bộ y tế." : "Sign in as a health officer."
        case VaccinationSiteError.SignInFailed:
            return vi ? "Sai tên đăng nhập hoặc mật khẩu." : "The user name or password is wrong."
        case VaccinationSiteError.NotAnOfficer:
            return vi ? "Tài khoản này không phải của cán bộ y tế." : "This account is not a health officer's."
        case VaccinationSiteError.Forbidden:
            return vi ? "Tài khoản của bạn không được làm việc này." : "Your account may not do this."
        case VaccinationSiteError.NotFound:
            return vi ? "Không tìm thấy trong địa bàn của bạn." : "Not found in your area."
        case VaccinationSiteError.CapacityAboveStock:
            return vi ? "Số chỗ của buổi tiêm vượt số liều còn lại." : "The session holds more people than the doses left."
        case VaccinationSiteError.OutOfStock:
            return vi ? "Lô vắc xin này đã hết." : "No dose of this lot is left."
        case VaccinationSiteError.DoseConflict:
            return vi
                ? "Mũi này đã được ghi với ngày hoặc loại vắc xin khác."
                : "This dose is already recorded with another date or vaccine."
        case VaccinationSiteError.InvitationClosed:
            return vi ? "Lời mời đã đóng." : "The invitation is closed."
        case let VaccinationSiteError.InvalidScan(problem):
            return scanWords(problem, vi: vi)
        case let VaccinationSiteError.Invalid(reason):
            // The reason names the field, never a value.
            return vi ? "Thông tin chưa hợp lệ: \(reason)" : "Not valid: \(reason)"
        case VaccinationSiteError.Server(_):
            return vi ? "Máy chủ từ chối yêu cầu." : "The server refused the request."
        }
    }

    private static func scanWords(_ problem: SiteScanProblem, vi: Bool) -> String {
        switch problem {
        case SiteScanProblem.empty:
            return vi ? "Chưa quét được mã." : "Nothing was scanned."
        case SiteScanProblem.tooLong, SiteScanProblem.notACredential:
            return vi ? "Đây không phải thẻ thông hành hay thẻ kiểm soát." : "This is not a health pass or control card."
        case SiteScanProblem.wrongKind:
            return vi
                ? "Mã này không phải của người được tiêm (ví dụ mã địa điểm); hãy quét thẻ thông hành hoặc thẻ kiểm soát."
                : "This QR is not the person's (a venue poster, say); scan their pass or control card."
        case SiteScanProblem.damaged:
            return vi ? "Mã bị hỏng; hãy quét lại." : "The code is damaged; scan it again."
        }
    }

    /// The screens' form of a dose (the core already counts a self-reported dose as unconfirmed until confirmed).
    static func dose(_ dose: SiteDose) throws -> VaccinationDoseItem {
        VaccinationDoseItem(
            doseNumber: Int(dose.doseNumber),
            date: try CoreDay.date(dose.date),
            product: dose.productName,
            lot: dose.lot,
            selfReported: dose.selfReported,
            confirmed: dose.confirmed
        )
    }

    /// The screens' form of today's invitation (a site sees no phone profile).
    static func invitation(_ invitation: SiteInvitation) -> VaccinationInvitationItem {
        VaccinationInvitationItem(
            invitationId: invitation.invitationId,
            profileId: "",
            profileName: "",
            siteName: invitation.siteName,
            siteAddress: invitation.siteAddress,
            startsAt: invitation.startsAt,
            endsAt: invitation.endsAt,
            product: invitation.productName,
            doseNumber: Int(invitation.doseNumber),
            state: VaccinationService.standing(invitation.state),
            answerBy: invitation.answerBy,
            answerPending: false
        )
    }

    /// The screens' form of a certificate.
    static func certificate(_ certificate: SiteCertificate) throws -> VaccinationCertificateItem {
        VaccinationCertificateItem(
            uvci: certificate.uvci,
            qr: certificate.qr,
            doseNumber: Int(certificate.doseNumber),
            seriesDoses: Int(certificate.seriesDoses),
            product: certificate.productName,
            date: try CoreDay.date(certificate.date),
            issuedAt: certificate.issuedAt,
            expiresAt: certificate.expiresAt,
            replacedAt: certificate.replacedAt
        )
    }
}
