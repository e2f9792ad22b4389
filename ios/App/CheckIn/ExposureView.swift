import SwiftUI

/// Exposure alerts, newest first: the core's headline and advice for each match of the diary with a risky
/// venue. An unread alert is a red badge marked "new" with a "mark as read" button; a read one a caution badge.
struct ExposureView: View {
    @ObservedObject var viewModel: CheckInViewModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                if let failure = viewModel.failure {
                    ErrorBanner(message: LocalizedStringKey(failure)) { viewModel.dismissFailure() }
                }
                Button(viewModel.checkingExposure ? "checkin.exposureChecking" : "checkin.exposureCheck") { viewModel.checkExposure() }
                    .buttonStyle(.borderedProminent)
                    .frame(maxWidth: .infinity, minHeight: 44)
                    .disabled(viewModel.checkingExposure)
                Text("checkin.exposureHint").font(.footnote).fixedSize(horizontal: false, vertical: true)
                if viewModel.alerts.isEmpty && viewModel.exposureCheckedAt != nil {
                    StatusBadge(kind: .good, words: "checkin.exposureNone")
                }
                ForEach(viewModel.alerts) { alert in
                    VStack(alignment: .leading, spacing: 8) {
                        if alert.seen {
                            StatusBadge(kind: .caution, verbatim: alert.headline)
                        } else {
                            StatusBadge(kind: .alert, words: "checkin.alertNew \(alert.headline)")
                        }
                        Text(verbatim: alert.venueName).font(.headline)
                        Text("checkin.visitedAt \(alert.visitedAt.formatted(date: .abbreviated, time: .shortened))")
                        Text("checkin.advice").font(.headline)
                        Text(verbatim: alert.advice).fixedSize(horizontal: false, vertical: true)
                        if !alert.seen {
                            Button("checkin.markSeen") { viewModel.markSeen(alertId: alert.alertId) }
                                .frame(maxWidth: .infinity, minHeight: 44)
                        }
                    }
                    .padding()
                    .overlay(RoundedRectangle(cornerRadius: 12).stroke(Color.secondary.opacity(0.4)))
                }
            }
            .padding()
        }
        .navigationTitle(Text("checkin.alerts"))
    }
}
