import HealthbookCore
import SwiftUI

/// First start: pick a language, confirm the server, see the bundled root key.
struct FirstStartView: View {
    @ObservedObject var viewModel: FirstStartViewModel

    var body: some View {
        Form {
            Section {
                Text("firstStart.intro")
            }
            Section("settings.language") {
                LanguagePicker(language: SwiftUI.Binding(get: { viewModel.language }, set: { viewModel.setLanguage($0) }))
            }
            Section("settings.server") {
                TextField("settings.serverUrl", text: $viewModel.serverUrl)
                    .textInputAutocapitalization(.never)
                    .keyboardType(.URL)
                    .accessibilityLabel(Text("settings.serverUrl"))
                if !viewModel.serverUrl.isEmpty && !viewModel.serverUrlValid {
                    Text("error.serverUrl").foregroundColor(.red)
                }
            }
            Section("firstStart.rootKey") {
                if viewModel.bundledRootKey == nil {
                    Text("firstStart.rootKeyMissing").foregroundColor(.red)
                } else {
                    Text("firstStart.rootKeyBundled")
                }
            }
            if let error = viewModel.error {
                Text(LocalizedStringKey(error)).foregroundColor(.red)
            }
            Button("firstStart.continue") { viewModel.continueTapped() }
                .frame(maxWidth: .infinity, minHeight: 44)
                .disabled(!viewModel.serverUrlValid || viewModel.bundledRootKey == nil || viewModel.saving)
        }
        .navigationTitle(Text("firstStart.title"))
    }
}

/// Vietnamese or English, each named in itself.
struct LanguagePicker: View {
    @SwiftUI.Binding var language: Language

    var body: some View {
        Picker("settings.language", selection: $language) {
            Text(verbatim: "Tiếng Việt").tag(Language.vi)
            Text(verbatim: "English").tag(Language.en)
        }
        .pickerStyle(.inline)
        .labelsHidden()
    }
}
