import Foundation

/// Where an invitation stands; mirrors `InvitationState` of the Kotlin wrapper. Named apart from the generated
/// bindings' types.
enum InvitationStanding: Equatable {
    case pending, confirmed, declined, expired, attended
}

/// An invitation to a vaccination session for one of the phone's profiles; mirrors `VaccinationInvitation`.
struct VaccinationInvitationItem: Equatable, Identifiable {
    let invitationId: String
    let profileId: String
    let profileName: String
    let siteName: String
    let siteAddress: String
    let startsAt: Date
    let endsAt: Date
    /// Product name as shown to people, e.g. "AstraZeneca (Vaxzevria)".
    let product: String
    let doseNumber: Int
    let state: InvitationStanding
    let answerBy: Date
    /// True while the answer waits in the outbox (offline).
    let answerPending: Bool

    var id: String { invitationId }
}

/// One dose of one profile; mirrors `VaccinationDose`.
struct VaccinationDoseItem: Equatable, Identifiable {
    let doseNumber: Int
    /// The day of the dose (local midnight).
    let date: Date
    let product: String
    let lot: String?
    /// A dose shown on paper to a volunteer and not yet confirmed by an officer: never shown as confirmed.
    let selfReported: Bool
    let confirmed: Bool

    var id: Int { doseNumber }
}

/// An EU DCC vaccination certificate held in the wallet; mirrors `VaccinationCertificate`.
struct VaccinationCertificateItem: Equatable, Identifiable {
    let uvci: String
    /// The QR text (`HC1:`).
    let qr: String
    let doseNumber: Int
    let seriesDoses: Int
    let product: String
    let date: Date
    let issuedAt: Date
    let expiresAt: Date
    /// When a newer certificate replaced it; nil for the current one.
    let replacedAt: Date?

    var id: String { uvci }
}

/// One profile's vaccination record; mirrors `ProfileVaccinationRecord`.
struct VaccinationRecordItem: Equatable, Identifiable {
    let profileId: String
    let profileName: String
    let registered: Bool
    /// Priority group from the commune's list, if any.
    let priorityGroup: Int?
    let doses: [VaccinationDoseItem]
    /// When the next dose is due; nil when none is.
    let nextDue: Date?
    let certificate: VaccinationCertificateItem?
    /// Certificates the current one replaced, newest first.
    let history: [VaccinationCertificateItem]
    /// When the record was last refreshed from the server; nil if never.
    let refreshedAt: Date?

    var id: String { profileId }
}

/// Why a vaccination action was refused, in the core's words for the person (never personal data); mirrors
/// `VaccinationException`.
struct VaccinationRefusal: Error, Equatable {
    let message: String
}

/// The citizen's vaccination area as the view models see it; mirrors the Kotlin `VaccinationRepository`. The real
/// service, ``VaccinationService``, wraps the generated `Vaccinations`; previews use `PreviewVaccinationService`.
protocol VaccinationServiceProxyProtocol: AnyObject {
    /// Every profile's record from the phone's store (works offline).
    func records() async throws -> [VaccinationRecordItem]
    /// Refreshes records, certificates and invitations from the server; returns the records.
    func refresh() async throws -> [VaccinationRecordItem]
    /// Registers a bound profile for vaccination in a commune (5-digit ward code).
    func register(profileId: String, wardCode: String) async throws -> VaccinationRecordItem
    /// Invitations of every profile, newest first (from the store).
    func invitations() async throws -> [VaccinationInvitationItem]
    /// Confirms (true) or declines (false) an invitation; queued in the outbox when offline.
    func answer(invitationId: String, confirm: Bool) async throws -> VaccinationInvitationItem
}

/// A vaccination site the health officer works at; mirrors `VaccinationSiteInfo`.
struct VaccinationSiteItem: Equatable, Identifiable {
    let siteId: String
    let name: String
    let address: String

    var id: String { siteId }
}

/// A lot in the site's stock; mirrors `StockLot`.
struct StockLotItem: Hashable, Identifiable {
    let product: String
    let productCode: String
    let lot: String
    let remaining: Int

    var id: String { productCode + "|" + lot }
}

/// What the site staff see after scanning a pass or control card; mirrors `DoseCandidate`.
struct DoseCandidateItem: Equatable {
    let personId: String
    let fullName: String
    let birthYear: Int
    /// Doses so far (self-reported ones marked).
    let doses: [VaccinationDoseItem]
    let nextDoseNumber: Int
    let nextDue: Date?
    /// Today's invitation at this site, if any.
    let invitation: VaccinationInvitationItem?
}

/// A dose recorded at the site and its new certificate; mirrors `RecordedDose`.
struct RecordedDoseItem: Equatable {
    let dose: VaccinationDoseItem
    let certificate: VaccinationCertificateItem
}

/// The vaccination site's side as the view model sees it; mirrors the Kotlin `VaccinationSiteRepository`. The real
/// service, ``VaccinationSiteService``, wraps the generated `VaccinationSite`; previews use
/// `PreviewVaccinationSiteService`.
protocol VaccinationSiteServiceProxyProtocol: AnyObject {
    /// Sites in the officer's area.
    func sites() async throws -> [VaccinationSiteItem]
    /// The site's remaining doses by product and lot.
    func stock(siteId: String) async throws -> [StockLotItem]
    /// Looks up the person whose pass (`HB1:`) or control card (`HK1:`) was scanned.
    func lookup(siteId: String, scanned: String) async throws -> DoseCandidateItem
    /// Records a dose; recording the same dose twice stores it once.
    func recordDose(siteId: String, personId: String, productCode: String, lot: String, doseNumber: Int, date: Date, invitationId: String?) async throws -> RecordedDoseItem
}
