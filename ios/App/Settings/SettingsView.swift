import HealthbookCore
import SwiftUI

/// Settings: language, server, trust refresh and its age, EU DCC certificates, and the way to the gate device
/// (only an operator's device uses it, so it has no tab).
struct SettingsView: View {
    @ObservedObject var viewModel: SettingsViewModel
    var gate: GateViewModel?
    var setupCheck: SetupCheckViewModel?
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
            if let setupCheck {
                Section("settings.helper") {
                    NavigationLink { SetupCheckView(viewModel: setupCheck) } label: { Label("setup.title", systemImage: "checklist") }
                        .frame(minHeight: 44)
                }
            }
            if let gate {
                Section {
                    NavigationLink { GateView(viewModel: gate) } label: { GateLinkLabel(viewModel: gate) }
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
