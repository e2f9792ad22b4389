import HealthbookCore
import SwiftUI

/// Settings: language, server, trust refresh and its age, EU DCC certificates.
struct SettingsView: View {
    @ObservedObject var viewModel: SettingsViewModel
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
        }
        .navigationTitle(Text("settings.title"))
    }
}
