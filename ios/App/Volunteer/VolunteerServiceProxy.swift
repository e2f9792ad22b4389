import Foundation

/// How the person agreed to a volunteer acting for them; mirrors `ConsentMethod` of the Kotlin wrapper. Named
/// apart from the generated bindings' types.
enum ConsentWay: Equatable, CaseIterable {
    case spoken, signedPaper, thumbprint
}

/// A person a volunteer enrolled: a managed profile on the volunteer's phone; mirrors `ManagedPerson`.
struct EnrolledPerson: Equatable, Identifiable {
    let profileId: String
    let fullName: String
    let birthYear: Int
    /// True once the profile is bound to the person's record (the volunteer attested the id card).
    let bound: Bool
    /// When the person's consent was recorded; nil until it is.
    let consentAt: Date?
    let lastDeclaredAt: Date?
    /// Doses recorded from paper, self-reported until an officer confirms them.
    let selfReportedDoses: Int
    /// The control card's QR text (`HK1:`), once printed.
    let controlCard: String?

    var id: String { profileId }
}

/// Why a volunteer action was refused, in the core's words for the volunteer (never the person's data).
struct VolunteerRefusal: Error, Equatable {
    let message: String
}

/// The volunteer's area as the view model sees it; mirrors the Kotlin `VolunteerRepository`. There is no real
/// service in this build (the generated bindings have no volunteer object yet); tests and previews use a fake.
protocol VolunteerServiceProxyProtocol: AnyObject {
    /// Every person this volunteer enrolled on this phone, by name.
    func people() async throws -> [EnrolledPerson]
    /// Enrols a person without a smartphone, bound to their record by the volunteer's attestation of the id card.
    func enrol(fullName: String, birthYear: Int, citizenId: String, phone: String?, provinceCode: String, wardCode: String) async throws -> EnrolledPerson
    /// Records who agreed (the person or a guardian, by name), how, and now.
    func recordConsent(profileId: String, givenBy: String, method: ConsentWay) async throws -> EnrolledPerson
    /// Records a dose the person shows on paper (self-reported until confirmed).
    func recordDose(profileId: String, product: String, doseNumber: Int, date: Date, lot: String?) async throws -> EnrolledPerson
    /// Gets the person's control card (`HK1:`) signed by the server; throws when consent is missing.
    func controlCard(profileId: String) async throws -> EnrolledPerson
}
