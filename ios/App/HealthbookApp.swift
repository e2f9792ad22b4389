import Combine
import HealthbookCore
import SwiftUI

@main
struct HealthbookApp: App {
    @StateObject private var root = AppRoot()

    var body: some Scene {
        WindowGroup {
            RootView(root: root)
                // Every Text key resolves in the language chosen in the app (Vietnamese by default).
                .environment(\.locale, Locale(identifier: root.language == .en ? "en" : "vi"))
        }
    }
}

/// Opens the core once and builds one view model per screen over its `*Proxy` services.
@MainActor
final class AppRoot: ObservableObject {
    @Published var language: Language = .vi
    @Published private(set) var configured: Bool?
    let services: HealthbookServices?
    let openFailed: Bool

    lazy var profiles = ProfileListViewModel(service: services?.profiles ?? FailedProfileService())
    lazy var checkpoint = services.map { CheckpointViewModel(service: $0.verifier) }
    lazy var settings = services.map { SettingsViewModel(settings: $0.settings, verifier: $0.verifier) { [weak self] in self?.language = $0 } }
    lazy var outbox = services.map { OutboxViewModel(service: $0.declarations) }
    lazy var results = services.map {
        TestResultsViewModel(service: TestResultsServiceProxy(results: $0.results, profiles: $0.profiles, settings: $0.settings))
    }
    lazy var checkIns = services.map { CheckInViewModel(service: CheckInServiceProxy(checkIns: $0.checkIns)) }
    /// The gate device (reverse check-in) is for an operator's device only: it is reached from Settings, not
    /// from a tab of its own, so that the citizen's tabs stay as they are.
    lazy var gate = services.map { GateViewModel(service: GateServiceProxy(gate: $0.gate, settings: $0.settings)) }
    /// The set-up check a volunteer runs beside a new user; reached from Settings.
    lazy var setupCheck = services.map { SetupCheckViewModel(service: SetupCheckServiceProxy(setupCheck: $0.setupCheck)) }
    /// The citizen's vaccination (a tab beside the results) and its certificate wallet share one service.
    private lazy var vaccinationService = services.map { VaccinationService(vaccinations: $0.vaccinations, settings: $0.settings) }
    lazy var vaccination = vaccinationService.map { VaccinationViewModel(service: $0) }
    lazy var wallet = vaccinationService.map { CertificateWalletViewModel(service: $0, qrPng: AppRoot.qrPng) }
    /// The hotline's Q&A (searched offline) and the citizen's questions; a tab, which iOS moves under "More" when
    /// the bar is full. Questions go to the own profile's province (the first profile's when none is one's own).
    lazy var hotline = services.map { services in
        HotlineViewModel(service: HotlineService(hotline: services.hotline, settings: services.settings)) {
            let profiles = (try? await services.profiles.list()) ?? []
            return (profiles.first { $0.relation == ProfileRelation.myself } ?? profiles.first)?.address?.provinceCode
        }
    }
    /// Home quarantine over the core's `Quarantine` with the phone's sensors (``CoreLocationSource``,
    /// ``IOSRadioScanner``, read only inside an enrolment or a check-in); made when the core is opened, nil when it
    /// could not be. Its tab shows while the phone has an order (`quarantineShown`).
    private(set) var quarantine: QuarantineViewModel?
    /// True while the phone has a quarantine order (running, or ended and not yet purged).
    @Published private(set) var quarantineShown = false
    /// The volunteer's screens and the site's tools are for staff devices only: reached from Settings, each
    /// behind its own sign-in (the core keeps the session; the site's object is one for the app's life).
    private lazy var volunteerService = services.map { VolunteerService(volunteers: $0.volunteers, settings: $0.settings) }
    lazy var volunteer = volunteerService.map { VolunteerViewModel(service: $0, qrPng: AppRoot.qrPng) }
    lazy var volunteerSignIn = volunteerService.map { service in
        StaffSignInViewModel(
            title: "volunteer.title",
            signedIn: { (try? await service.signedIn()) ?? false },
            signIn: { try await service.signIn(username: $0, password: $1) },
            opened: { [weak self] in
                // The list loaded before the session existed: load it again.
                self?.volunteer?.dismissFailure()
                self?.volunteer?.reload()
            }
        )
    }
    private lazy var siteService = services.map { VaccinationSiteService(site: $0.vaccinationSite, settings: $0.settings) }
    lazy var vaccinationSite = siteService.map { VaccinationSiteViewModel(service: $0, qrPng: AppRoot.qrPng) }
    lazy var siteSignIn = siteService.map { service in
        StaffSignInViewModel(
            title: "settings.vaccinationSite",
            signedIn: { service.signedIn() },
            signIn: { try await service.signIn(username: $0, password: $1) },
            opened: { [weak self] in
                // The site's screen loaded its sites before the session existed: load them again.
                self?.vaccinationSite?.dismissFailure()
                self?.vaccinationSite?.reload()
            }
        )
    }

    /// A QR code as a PNG for the certificate and control-card screens (8 pixels per module, as the pass).
    nonisolated private static func qrPng(_ text: String) -> Data? {
        try? HealthbookCore.qrPng(text: text, scale: 8)
    }

    init() {
        do {
            var directory = try FileManager.default
                .url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
                .appendingPathComponent("healthbook", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var values = URLResourceValues()
            values.isExcludedFromBackup = true
            try directory.setResourceValues(values)
            services = try HealthbookServices.open(dataDirectory: directory, keyStore: KeychainPlatformKeyStore())
            openFailed = false
        } catch {
            services = nil
            openFailed = true
        }
        if let services {
            // One location source for both: the radio scan asks it for the permission the Wi-Fi BSSID needs.
            let location = CoreLocationSource()
            let core = services.quarantine(location: location, radio: IOSRadioScanner(location: location))
            let quarantine = QuarantineViewModel(service: QuarantineService(quarantine: core, settings: services.settings))
            self.quarantine = quarantine
            quarantine.$orders.map { !$0.isEmpty }.removeDuplicates().assign(to: &$quarantineShown)
        }
        Task { await loadSettings() }
    }

    /// The bundled root key (`HealthbookRootKey` in Info.plist, set at build time).
    var bundledRootKey: String? {
        (Bundle.main.object(forInfoDictionaryKey: "HealthbookRootKey") as? String).flatMap { $0.isEmpty ? nil : $0 }
    }

    func loadSettings() async {
        guard let settings = services?.settings else { return }
        language = (try? await settings.language()) ?? .vi
        let server = try? await settings.serverUrl()
        let key = try? await settings.rootKey()
        let wasUnconfigured = configured == false
        configured = (server ?? nil) != nil && (key ?? nil) != nil
        if wasUnconfigured, configured == true, let quarantine {
            // Its first refresh ran before a server was set (and failed): fetch the orders now.
            quarantine.dismissFailure()
            await quarantine.refresh()
        }
    }

    // One view model per screen, kept while its subject stays the same (views are rebuilt often).
    private var passCache: (ids: [String], viewModel: PassViewModel)?
    private var declarationCache: (key: String, viewModel: DeclarationViewModel)?

    func pass(for profiles: [Profile]) -> PassViewModel? {
        guard let services else { return nil }
        let ids = profiles.map(\.id)
        if let cached = passCache, cached.ids == ids { return cached.viewModel }
        let viewModel = PassViewModel(service: services.passes, profiles: profiles)
        passCache = (ids, viewModel)
        return viewModel
    }

    func declaration(for profile: Profile) -> DeclarationViewModel? {
        guard let services else { return nil }
        let key = "\(profile.id)|\(language)"
        if let cached = declarationCache, cached.key == key { return cached.viewModel }
        let viewModel = DeclarationViewModel(service: services.declarations, profileId: profile.id, formId: "health_declaration", language: language)
        declarationCache = (key, viewModel)
        return viewModel
    }

    /// The declaration of a person a volunteer enrolled, made afresh each time: the volunteer's screen keeps it
    /// while it is open, and the phone's own declaration tab keeps its cached one.
    func managedDeclaration(profileId: String) -> DeclarationViewModel? {
        services.map { DeclarationViewModel(service: $0.declarations, profileId: profileId, formId: "health_declaration", language: language) }
    }
}

/// First start until a server and the root key are set, then the tabs.
struct RootView: View {
    @ObservedObject var root: AppRoot

    var body: some View {
        if root.openFailed {
            ErrorBanner(message: "error.unavailable", dismiss: nil).padding()
        } else if root.configured == false, let settings = root.services?.settings {
            NavigationStack {
                FirstStartView(viewModel: FirstStartViewModel(
                    settings: settings, bundledRootKey: root.bundledRootKey, defaultServer: "https://"
                ) { Task { await root.loadSettings() } })
                .helpEntry("first-start")
            }
        } else {
            MainTabs(root: root)
        }
    }
}

private struct MainTabs: View {
    @ObservedObject var root: AppRoot
    @ObservedObject var profiles: ProfileListViewModel

    init(root: AppRoot) {
        self.root = root
        profiles = root.profiles
    }

    private var loaded: [Profile] {
        if case let .loaded(list, _, _) = profiles.state { return list }
        return []
    }

    var body: some View {
        TabView {
            if let pass = root.pass(for: loaded) {
                NavigationStack { PassView(viewModel: pass).helpEntry("pass-green") }.tabItem { Label("pass.title", systemImage: "qrcode") }
            }
            if let me = loaded.first, let declaration = root.declaration(for: me) {
                NavigationStack { DeclarationView(viewModel: declaration).helpEntry("declaration") }
                    .tabItem { Label("declaration.title", systemImage: "square.and.pencil") }
            }
            if let outbox = root.outbox {
                NavigationStack { OutboxView(viewModel: outbox).helpEntry("outbox") }
                    .tabItem { Label("outbox.title", systemImage: "tray.and.arrow.up") }
            }
            if let checkIns = root.checkIns {
                NavigationStack { CheckInView(viewModel: checkIns, profiles: loaded).helpEntry("diary") }
                    .tabItem { Label("checkin.tab", systemImage: "mappin.and.ellipse") }
            }
            if let results = root.results {
                NavigationStack { TestResultsView(viewModel: results, profiles: loaded).helpEntry("results-list") }
                    .tabItem { Label("results.title", systemImage: "testtube.2") }
            }
            if let vaccination = root.vaccination {
                NavigationStack { VaccinationView(viewModel: vaccination, wallet: root.wallet).helpEntry("vaccination") }
                    .tabItem { Label("vaccination.title", systemImage: "syringe") }
            }
            if let hotline = root.hotline {
                NavigationStack { HotlineView(viewModel: hotline).helpEntry("hotline-qa") }
                    .tabItem { Label("hotline.title", systemImage: "questionmark.bubble") }
            }
            if root.quarantineShown, let quarantine = root.quarantine {
                NavigationStack { QuarantineView(viewModel: quarantine).helpEntry("quarantine-countdown") }
                    .tabItem { Label("quarantine.title", systemImage: "house") }
            }
            NavigationStack { ProfileListView(viewModel: profiles).helpEntry("profiles") }
                .tabItem { Label("profiles.title", systemImage: "person.2") }
            if let checkpoint = root.checkpoint {
                NavigationStack { CheckpointView(viewModel: checkpoint).helpEntry("checkpoint-scan") }
                    .tabItem { Label("checkpoint.title", systemImage: "viewfinder") }
            }
            if let settings = root.settings {
                NavigationStack { SettingsView(
                    viewModel: settings, gate: root.gate, setupCheck: root.setupCheck,
                    vaccinationSite: root.vaccinationSite, siteSignIn: root.siteSignIn,
                    volunteer: root.volunteer, volunteerSignIn: root.volunteerSignIn,
                    declaration: { root.managedDeclaration(profileId: $0) }
                ).helpEntry("settings") }
                    .tabItem { Label("settings.title", systemImage: "gearshape") }
            }
        }
    }
}

/// Stands in for the real service when the core could not be opened.
private final class FailedProfileService: ProfileServiceProxyProtocol, @unchecked Sendable {
    struct Unavailable: Error {}
    func list() async throws -> [Profile] { throw Unavailable() }
    func profile(id: String) async throws -> Profile { throw Unavailable() }
    func add(_ input: ProfileInput) async throws -> Profile { throw Unavailable() }
    func update(id: String, with input: ProfileInput) async throws -> Profile { throw Unavailable() }
    func remove(id: String) async throws { throw Unavailable() }
}
