import SwiftUI

/// A sample's state (colour, symbol and the core's headline), why, what to do next, time since sampling and
/// the next check; mirrors `SampleStatus` of android/ui.
struct SampleStatusView: View {
    let sample: FollowedSample
    /// Without the badge the detail shows it above the certificate instead.
    var badge = true
    @Environment(\.locale) private var locale

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            if badge {
                StatusBadge(kind: TestResultsViewModel.kind(sample.state), verbatim: sample.headline)
            }
            Text(verbatim: sample.reason).fixedSize(horizontal: false, vertical: true)
            Text("results.nextStep").font(.headline)
            Text(verbatim: sample.nextStep).fixedSize(horizontal: false, vertical: true)
            if let sampledAt = sample.sampledAt {
                Text("results.sampledAgo \(durationWords(seconds: -sampledAt.timeIntervalSinceNow, locale: locale))")
                    .fixedSize(horizontal: false, vertical: true)
            } else {
                Text("results.notSampledYet").fixedSize(horizontal: false, vertical: true)
            }
            if let resultAt = sample.resultAt {
                Text("results.resultAgo \(durationWords(seconds: -resultAt.timeIntervalSinceNow, locale: locale))")
                    .fixedSize(horizontal: false, vertical: true)
            }
            if let nextCheckAt = sample.nextCheckAt {
                Text("results.nextCheckIn \(durationWords(seconds: nextCheckAt.timeIntervalSinceNow, locale: locale))")
                    .fixedSize(horizontal: false, vertical: true)
            }
        }
        .frame(maxWidth: .infinity, alignment: .leading)
    }
}
