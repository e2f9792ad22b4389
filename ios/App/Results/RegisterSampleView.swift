import HealthbookCore
import SwiftUI

/// Registering a sample: whose it is, then the code from the receipt (its QR content, or the short code with
/// its format); a mistyped code is shown at the field, and the outcome (it may be "registered on another
/// phone") with its reason until done.
struct RegisterSampleView: View {
    @ObservedObject var viewModel: TestResultsViewModel
    let profiles: [Profile]
    let done: () -> Void
    @State private var profileId: String?
    @State private var code = ""

    var body: some View {
        Form {
            if let failure = viewModel.failure {
                ErrorBanner(message: LocalizedStringKey(failure)) { viewModel.dismissFailure() }
            }
            if let registered = viewModel.registered {
                SampleStatusView(sample: registered)
                Button("results.continue") {
                    viewModel.dismissRegistered()
                    done()
                }
                .frame(maxWidth: .infinity, minHeight: 44)
            } else {
                Section("results.whose") {
                    Picker("results.whose", selection: $profileId) {
                        ForEach(profiles, id: \.id) { profile in
                            Text(verbatim: profile.fullName).tag(Optional(profile.id))
                        }
                    }
                    .pickerStyle(.inline)
                    .labelsHidden()
                }
                Section {
                    TextField("results.code", text: $code)
                        .textInputAutocapitalization(.characters)
                        .autocorrectionDisabled()
                        .frame(minHeight: 44)
                        .onChange(of: code) { _ in viewModel.codeEdited() }
                    if let codeError = viewModel.codeError {
                        Text(verbatim: codeError)
                            .foregroundColor(.red)
                            .fixedSize(horizontal: false, vertical: true)
                    }
                    Text("results.codeHint").font(.footnote).fixedSize(horizontal: false, vertical: true)
                }
                Button(viewModel.registering ? "results.registering" : "results.register") {
                    if let profileId { viewModel.register(profileId: profileId, code: code.trimmingCharacters(in: .whitespaces)) }
                }
                .frame(maxWidth: .infinity, minHeight: 44)
                .disabled(profileId == nil || code.trimmingCharacters(in: .whitespaces).isEmpty || viewModel.registering)
            }
        }
        .navigationTitle(Text("results.registerTitle"))
        .toolbar {
            ToolbarItem(placement: .cancellationAction) { Button("results.cancel", action: done) }
        }
        .onAppear { if profiles.count == 1 { profileId = profiles.first?.id } }
    }
}
