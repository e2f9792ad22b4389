import HealthbookCore
import SwiftUI

/// What waits to be sent, with attempts, the next try, the last error in words, and retry.
struct OutboxView: View {
    @ObservedObject var viewModel: OutboxViewModel
    @Environment(\.locale) private var locale

    var body: some View {
        List {
            if viewModel.hasRefused {
                ErrorBanner(message: "outbox.refusedBanner", dismiss: nil)
            }
            if let failure = viewModel.failure {
                ErrorBanner(message: LocalizedStringKey(failure)) { viewModel.dismissFailure() }
            }
            if viewModel.lastReport?.serverUnreachable == true {
                Text("outbox.lastUnreachable")
            }
            if viewModel.entries.isEmpty {
                Text("outbox.empty")
            }
            ForEach(viewModel.entries, id: \.id) { entry in
                VStack(alignment: .leading, spacing: 4) {
                    HStack {
                        if entry.state == .rejected {
                            Image(systemName: "exclamationmark.triangle.fill").foregroundColor(.red).accessibilityHidden(true)
                        }
                        Text(entry.state == .rejected ? "outbox.refused" : "outbox.waiting").font(.headline)
                    }
                    Text("outbox.attempts \(Int(entry.attempts))")
                    if entry.state == .pending {
                        Text("outbox.nextAttempt \(durationWords(seconds: entry.nextAttemptAt.timeIntervalSinceNow, locale: locale))")
                    }
                    if let error = entry.lastError {
                        // A refusal keeps the server's reason (written for people); network trouble reads as words.
                        if entry.state == .rejected { Text(verbatim: error).foregroundColor(.red) } else { Text("error.offline").foregroundColor(.red) }
                    }
                    Button("common.retry") { viewModel.retry(entry.id) }
                        .frame(minWidth: 44, minHeight: 44)
                }
            }
            Button(viewModel.syncing ? "outbox.sending" : "outbox.sendNow") { viewModel.syncNow() }
                .frame(maxWidth: .infinity, minHeight: 44)
                .disabled(viewModel.syncing)
        }
        .navigationTitle(Text("outbox.title"))
    }
}
