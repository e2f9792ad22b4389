import HealthbookCore
import SwiftUI

/// The checkpoint: a scan comes in, then the verdict fills the screen in large type until "Next person".
struct CheckpointView: View {
    @ObservedObject var viewModel: CheckpointViewModel
    @State private var text = ""

    var body: some View {
        if let verdict = viewModel.verdict {
            VerdictView(verdict: verdict) { viewModel.clear() }
        } else {
            Form {
                if let failure = viewModel.failure {
                    ErrorBanner(message: LocalizedStringKey(failure)) { viewModel.dismissFailure() }
                }
                // The camera scanner (AVFoundation) feeds the same call; pasted text works everywhere.
                TextField("checkpoint.scanInput", text: $text)
                    .accessibilityLabel(Text("checkpoint.scanInput"))
                Button("checkpoint.check") { viewModel.scan(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
                    .frame(maxWidth: .infinity, minHeight: 44)
                    .disabled(text.isEmpty)
                Button(viewModel.refreshingTrust ? "settings.trustRefreshing" : "settings.trustRefresh") { viewModel.refreshTrust() }
                    .frame(maxWidth: .infinity, minHeight: 44)
                    .disabled(viewModel.refreshingTrust)
            }
            .navigationTitle(Text("checkpoint.title"))
        }
    }
}

private struct VerdictView: View {
    let verdict: Verdict
    let next: () -> Void

    private var isDcc: Bool {
        verdict.kind == .euDccVaccination || verdict.kind == .euDccTest || verdict.kind == .euDccRecovery
    }

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                Image(systemName: verdict.valid ? "checkmark.circle.fill" : "xmark.octagon.fill")
                    .font(.system(size: 64))
                    .accessibilityHidden(true)
                Text(verdict.valid ? "verdict.valid" : "verdict.invalid")
                    .font(.largeTitle.bold())
                    .minimumScaleFactor(0.5)
                    .accessibilityAddTraits(.isHeader)
                if !verdict.valid {
                    Text(LocalizedStringKey(CheckpointViewModel.reasonKey(verdict.stage))).font(.title2)
                }
                if verdict.trustListStale {
                    Text("verdict.trustStale").font(.headline)
                }
                if let holder = verdict.holder {
                    Text("verdict.holder").font(.headline)
                    Text(verbatim: holder.name).font(.largeTitle.bold())
                    if let latin = holder.transliteratedName { Text(verbatim: latin).font(.title3) }
                    if let birth = holder.birthDate { Text("verdict.birthDate \(birth)").font(.title2) }
                    Text("verdict.compareId")
                }
                if isDcc {
                    Text("verdict.dccSummary").font(.title3.bold())
                    if let summary = verdict.summary { Text(verbatim: summary).font(.title3) }
                }
                Button("checkpoint.next", action: next)
                    .font(.title2)
                    .frame(maxWidth: .infinity, minHeight: 64)
                    .background(Color.white, in: RoundedRectangle(cornerRadius: 12))
                    .foregroundColor(.black)
            }
            .padding(24)
        }
        .foregroundColor(.white)
        .background(verdict.valid ? StatusBadge.Kind.good.colour : StatusBadge.Kind.bad.colour)
        .accessibilityElement(children: .contain)
    }
}
