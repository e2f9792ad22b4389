import Foundation

/// Declarations, the outbox and sync as the screens see them (Element X `*Proxy` style): view models
/// depend on this protocol; the app passes ``DeclarationServiceProxy``, tests and previews a fake.
public protocol DeclarationServiceProxyProtocol: AnyObject, Sendable {
    func forms(language: Language) async throws -> [DeclarationForm]
    func validate(formId: String, answers: [String: AnswerValue], language: Language) async throws -> [FieldError]
    func submit(profileId: String, formId: String, answers: [String: AnswerValue], language: Language) async throws -> Declaration
    func outbox() async throws -> [OutboxEntry]
    func retry(itemId: Int64) async throws
    func syncNow() async throws -> SyncReport
}

/// The real ``DeclarationServiceProxyProtocol`` over the core's `Declarations` and `Outbox`.
public final class DeclarationServiceProxy: DeclarationServiceProxyProtocol, @unchecked Sendable {
    private let declarations: Declarations
    private let outboxObject: Outbox

    public init(healthbook: Healthbook) {
        declarations = healthbook.declarations()
        outboxObject = healthbook.outbox()
    }

    public func forms(language: Language) async throws -> [DeclarationForm] {
        try await declarations.forms(language: language)
    }

    public func validate(formId: String, answers: [String: AnswerValue], language: Language) async throws -> [FieldError] {
        try await declarations.validate(formId: formId, answers: answers, language: language)
    }

    public func submit(profileId: String, formId: String, answers: [String: AnswerValue], language: Language) async throws -> Declaration {
        try await declarations.submit(profileId: profileId, formId: formId, answers: answers, filledByProfileId: nil, language: language)
    }

    public func outbox() async throws -> [OutboxEntry] {
        try await outboxObject.entries()
    }

    public func retry(itemId: Int64) async throws {
        try await outboxObject.retry(itemId: itemId)
    }

    public func syncNow() async throws -> SyncReport {
        try await outboxObject.syncNow(listener: nil)
    }
}

/// Health passes as the pass screen sees them.
public protocol PassServiceProxyProtocol: AnyObject, Sendable {
    func kept(profileId: String) async throws -> HealthPass?
    func refresh(profileId: String) async throws -> HealthPass
    func qrPng(text: String, scale: UInt32) throws -> Data
}

/// The real ``PassServiceProxyProtocol`` over the core's `Passes` and its QR renderer.
public final class PassServiceProxy: PassServiceProxyProtocol, @unchecked Sendable {
    private let passes: Passes

    public init(healthbook: Healthbook) {
        passes = healthbook.passes()
    }

    public func kept(profileId: String) async throws -> HealthPass? {
        try await passes.kept(profileId: profileId)
    }

    public func refresh(profileId: String) async throws -> HealthPass {
        try await passes.refresh(profileId: profileId)
    }

    public func qrPng(text: String, scale: UInt32) throws -> Data {
        try HealthbookCore.qrPng(text: text, scale: scale)
    }
}

/// The offline checkpoint verifier as the checkpoint and settings screens see it.
public protocol VerifierServiceProxyProtocol: AnyObject, Sendable {
    func verify(qrText: String) throws -> Verdict
    func refreshTrust() async throws -> TrustRefresh
    func addDccCertificate(derBase64: String) async throws -> String
}

/// The real ``VerifierServiceProxyProtocol`` over the core's `Verifier`.
public final class VerifierServiceProxy: VerifierServiceProxyProtocol, @unchecked Sendable {
    private let verifier: Verifier

    public init(healthbook: Healthbook) {
        verifier = healthbook.verifier()
    }

    public func verify(qrText: String) throws -> Verdict {
        try verifier.verify(qrText: qrText)
    }

    public func refreshTrust() async throws -> TrustRefresh {
        try await verifier.refreshTrust()
    }

    public func addDccCertificate(derBase64: String) async throws -> String {
        try await verifier.addDccCertificate(derBase64: derBase64)
    }
}

/// The app settings as first start and the settings screen see them.
public protocol SettingsServiceProxyProtocol: AnyObject, Sendable {
    func language() async throws -> Language
    func serverUrl() async throws -> String?
    func rootKey() async throws -> String?
    func setLanguage(_ language: Language) async throws
    func setServerUrl(_ url: String?) async throws
    func setRootKey(_ key: String?) async throws
}

/// The real ``SettingsServiceProxyProtocol`` over the core's `Settings`.
public final class SettingsServiceProxy: SettingsServiceProxyProtocol, @unchecked Sendable {
    private let settings: Settings

    public init(healthbook: Healthbook) {
        settings = healthbook.settings()
    }

    public func language() async throws -> Language {
        try await settings.language()
    }

    public func serverUrl() async throws -> String? {
        try await settings.serverUrl()
    }

    public func rootKey() async throws -> String? {
        try await settings.rootKey()
    }

    public func setLanguage(_ language: Language) async throws {
        try await settings.setLanguage(language: language)
    }

    public func setServerUrl(_ url: String?) async throws {
        try await settings.setServerUrl(url: url)
    }

    public func setRootKey(_ key: String?) async throws {
        try await settings.setRootKey(key: key)
    }
}

/// Every service of the app over one opened core.
public final class HealthbookServices: @unchecked Sendable {
    public let profiles: ProfileServiceProxyProtocol
    public let declarations: DeclarationServiceProxyProtocol
    public let passes: PassServiceProxyProtocol
    public let verifier: VerifierServiceProxyProtocol
    public let settings: SettingsServiceProxyProtocol
    /// The core's test results; the app wraps it with its own screen model (`TestResultsServiceProxy`).
    public let results: Results
    /// The core's check-in diary; the app wraps it with its own screen model (`CheckInServiceProxy`).
    public let checkIns: CheckIns
    /// The core's gate device; the app wraps it with its own screen model (`GateServiceProxy`).
    public let gate: Gate
    /// The core's set-up check; the app wraps it with its own step model (`SetupCheckServiceProxy`).
    public let setupCheck: SetupCheck
    /// The core's volunteer area; the app wraps it with its own screen model (`VolunteerService`).
    public let volunteers: Volunteers
    /// The core's citizen vaccination area; the app wraps it with its own screen model (`VaccinationService`).
    public let vaccinations: Vaccinations
    /// The core's vaccination-site tools, one object (one officer session) for the app's life; the app wraps it
    /// with its own screen model (`VaccinationSiteService`).
    public let vaccinationSite: VaccinationSite
    /// The core's hotline (the cached Q&A set, the citizen's questions); the app wraps it with its own screen model
    /// (`HotlineService`).
    public let hotline: Hotline
    /// Kept for the areas that need the app's own objects to be made (quarantine's sensors).
    private let healthbook: Healthbook

    public init(healthbook: Healthbook) {
        self.healthbook = healthbook
        profiles = ProfileServiceProxy(healthbook: healthbook)
        declarations = DeclarationServiceProxy(healthbook: healthbook)
        passes = PassServiceProxy(healthbook: healthbook)
        verifier = VerifierServiceProxy(healthbook: healthbook)
        settings = SettingsServiceProxy(healthbook: healthbook)
        results = healthbook.results()
        checkIns = healthbook.checkins()
        gate = healthbook.gate()
        setupCheck = healthbook.setupCheck()
        volunteers = healthbook.volunteers()
        vaccinations = healthbook.vaccinations()
        vaccinationSite = healthbook.vaccinationSite()
        hotline = healthbook.hotline()
    }

    /// The core's home quarantine over the phone's sensors, which it reads only inside an enrolment (radio) and
    /// a check-in (one fix, one scan); the app wraps it with its own screen model (`QuarantineService`). Made
    /// once for the app's life: the sensors live in the app module (Core Location, Core Bluetooth).
    public func quarantine(location: LocationSource, radio: RadioScanner) -> Quarantine {
        healthbook.quarantine(location: location, radio: radio)
    }

    /// Opens (creating and migrating if needed) the store in `dataDirectory`.
    /// - Throws: ``OpenError`` when the directory, the database or the key store is unusable.
    public static func open(dataDirectory: URL, keyStore: PlatformKeyStore) throws -> HealthbookServices {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        return HealthbookServices(healthbook: try Healthbook(dataDir: dataDirectory.path, keyStore: keyStore))
    }
}
