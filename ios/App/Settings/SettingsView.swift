import HealthbookCore
import SwiftUI

/// Settings: language, server, trust refresh and its age, EU DCC certificates, and the way to the gate device
/// (only an operator's device uses it, so it has no tab).
struct SettingsView: View {
    @ObservedObject var viewModel: SettingsViewModel
    var gate: GateViewModel?
    var setupCheck: SetupCheckViewModel?
    /// The vaccination site's tools (health officers), behind `siteSignIn` when given.
    var vaccinationSite: VaccinationSiteViewModel? = nil
    /// The health officer's sign-in in front of the site's tools.
    var siteSignIn: StaffSignInViewModel? = nil
    /// The volunteer's screens (people without smartphones), behind `volunteerSignIn`.
    var volunteer: VolunteerViewModel? = nil
    /// The volunteer's sign-in in front of their screens.
    var volunteerSignIn: StaffSignInViewModel? = nil
    /// The declaration screen of an enrolled person's profile, opened from the volunteer's screens.
    var declaration: @MainActor (String) -> DeclarationViewModel? = { _ in nil }
    @State private var certificate = ""

    var body: some View {
        Form {
            if let failure = viewModel.failure {
                ErrorBanner(message: LocalizedStringKey(failure)) { viewModel.dismissFailure() }
            }
            Section("settings.language") {
                LanguagePicker(language: SwiftUI.Binding(get: { viewModel.language }, set: { viewModel.setLanguage($0) }))
            }
            Section("settings.server") {
                TextField("settings.serverUrl", text: $viewModel.serverUrl)
                    .textInputAutocapitalization(.never)
                    .keyboardType(.URL)
                Button("common.save") { viewModel.saveServer() }.frame(minHeight: 44)
            }
            Section("settings.trust") {
                if let trust = viewModel.trust, let at = viewModel.trustRefreshedAt {
                    Text("settings.trustVersion \(Int(trust.trustListVersion))")
                    Text(at, style: .relative)
                } else {
                    Text("settings.trustNever")
                }
                Button(viewModel.refreshingTrust ? "settings.trustRefreshing" : "settings.trustRefresh") { viewModel.refreshTrust() }
                    .frame(minHeight: 44)
                    .disabled(viewModel.refreshingTrust)
            }
            Section("settings.dcc") {
                if viewModel.dccKeyIds.isEmpty { Text("settings.dccNone") }
                ForEach(viewModel.dccKeyIds, id: \.self) { Text(verbatim: $0) }
                TextField("settings.dccCertificate", text: $certificate)
                Button("settings.dccAdd") {
                    viewModel.addDccCertificate(certificate)
                    certificate = ""
                }
                .frame(minHeight: 44)
                .disabled(certificate.isEmpty)
            }
            if setupCheck != nil || volunteer != nil {
                Section("settings.helper") {
                    if let setupCheck {
                        NavigationLink { SetupCheckView(viewModel: setupCheck).helpEntry("setup-check") } label: { Label("setup.title", systemImage: "checklist") }
                            .frame(minHeight: 44)
                    }
                    if let volunteer, let volunteerSignIn {
                        NavigationLink {
                            StaffSignInView(viewModel: volunteerSignIn) { VolunteerScreen(viewModel: volunteer, declaration: declaration) }
                                .helpEntry("volunteer-people")
                        } label: {
                            Label("volunteer.title", systemImage: "person.crop.circle.badge.plus")
                        }
                        .frame(minHeight: 44)
                    }
                }
            }
            if let vaccinationSite {
                Section("settings.healthOfficer") {
                    NavigationLink {
                        if let siteSignIn {
                            StaffSignInView(viewModel: siteSignIn) { VaccinationSiteView(viewModel: vaccinationSite) }
                                .helpEntry("vaccination-site-scan")
                        } else {
                            VaccinationSiteView(viewModel: vaccinationSite).helpEntry("vaccination-site-scan")
                        }
                    } label: {
                        Label("settings.vaccinationSite", systemImage: "syringe")
                    }
                    .frame(minHeight: 44)
                }
            }
            if let gate {
                Section {
                    NavigationLink { GateView(viewModel: gate).helpEntry("gate-ready") } label: { GateLinkLabel(viewModel: gate) }
                        .frame(minHeight: 44)
                } header: {
                    Text("settings.operator")
                } footer: {
                    Text("settings.operatorHint")
                }
            }
        }
        .navigationTitle(Text("settings.title"))
    }
}

/// The volunteer's screens; declaring for a person opens the declaration screen with their profile.
private struct VolunteerScreen: View {
    @ObservedObject var viewModel: VolunteerViewModel
    let declaration: @MainActor (String) -> DeclarationViewModel?
    @State private var declaring: DeclarationViewModel?

    var body: some View {
        VolunteerView(viewModel: viewModel) { declaring = declaration($0) }
            .navigationDestination(isPresented: SwiftUI.Binding(get: { declaring != nil }, set: { if !$0 { declaring = nil } })) {
                if let declaring { DeclarationView(viewModel: declaring) }
            }
    }
}

/// The way to the gate device: the gate it is bound to and the passages waiting for upload, when there are.
private struct GateLinkLabel: View {
    @ObservedObject var viewModel: GateViewModel

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Label("gate.title", systemImage: "door.left.hand.open")
            if let bound = viewModel.gate {
                Text(verbatim: bound.gateName).font(.subheadline).foregroundColor(.secondary)
                    .fixedSize(horizontal: false, vertical: true)
            }
            if viewModel.pending > 0 {
                Text("gate.pending \(viewModel.pending)").font(.subheadline)
            }
        }
    }
}
