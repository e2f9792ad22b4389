import HealthbookCore
import SwiftUI

/// Scanning a venue's poster: who is checking in, then the poster (the camera scanner feeds the same call;
/// pasted text works everywhere). The outcome shows in colour, symbol and words: checked in, or refused with
/// the core's reason.
struct CheckInScanView: View {
    @ObservedObject var viewModel: CheckInViewModel
    let profiles: [Profile]
    let done: () -> Void
    @State private var profileId: String?
    @State private var text = ""

    var body: some View {
        Form {
            if let failure = viewModel.failure {
                ErrorBanner(message: LocalizedStringKey(failure)) { viewModel.dismissFailure() }
            }
            if let visit = viewModel.checkedIn {
                StatusBadge(kind: .good, words: "checkin.checkedInAt \(visit.venueName)")
                Text(visit.checkedInAt, style: .time)
                Button("checkin.scanAnother") { viewModel.dismissResult() }.frame(maxWidth: .infinity, minHeight: 44)
                Button("checkin.done") {
                    viewModel.dismissResult()
                    done()
                }
                .frame(maxWidth: .infinity, minHeight: 44)
            } else if let refusal = viewModel.refusal {
                StatusBadge(kind: .bad, words: "checkin.refused")
                Text(verbatim: refusal).fixedSize(horizontal: false, vertical: true)
                Button("checkin.scanAnother") { viewModel.dismissResult() }.frame(maxWidth: .infinity, minHeight: 44)
            } else {
                Text("checkin.scanHint").fixedSize(horizontal: false, vertical: true)
                if profiles.count > 1 {
                    Picker("checkin.who", selection: $profileId) {
                        ForEach(profiles, id: \.id) { profile in
                            Text(verbatim: profile.fullName).tag(Optional(profile.id))
                        }
                    }
                    .pickerStyle(.inline)
                }
                TextField("checkin.posterInput", text: $text)
                    .accessibilityLabel(Text("checkin.posterInput"))
                Button(viewModel.checkingIn ? "checkin.checking" : "checkin.do") {
                    if let chosen = profileId ?? profiles.first?.id {
                        viewModel.scan(profileId: chosen, qrText: text.trimmingCharacters(in: .whitespacesAndNewlines))
                    }
                }
                .frame(maxWidth: .infinity, minHeight: 44)
                .disabled(text.isEmpty || viewModel.checkingIn || profiles.isEmpty)
            }
        }
        .navigationTitle(Text("checkin.scanTitle"))
        .toolbar {
            ToolbarItem(placement: .cancellationAction) { Button("common.dismiss", action: done) }
        }
    }
}
