import SwiftUI
import UIKit

/// One sample: its state and, with a certificate, its QR right below (large, on white, scaled without
/// smoothing so that it stays decodable, and near the top since it is shown at checkpoints) and "keep
/// certificate" past the retention period; then why, what to do and when. Mirrors android/ui's detail.
struct SampleDetailView: View {
    @ObservedObject var viewModel: TestResultsViewModel

    var body: some View {
        ScrollView {
            if let sample = viewModel.openSample {
                VStack(alignment: .leading, spacing: 16) {
                    Text(verbatim: sample.profileName).font(.title)
                    if let failure = viewModel.failure {
                        ErrorBanner(message: LocalizedStringKey(failure)) { viewModel.dismissFailure() }
                    }
                    StatusBadge(kind: TestResultsViewModel.kind(sample.state), verbatim: sample.headline)
                    if sample.certificate != nil {
                        Text("results.certificate").font(.title2)
                        if let png = viewModel.certificateQrPng, let image = UIImage(data: png) {
                            Image(uiImage: image)
                                .interpolation(.none)
                                .resizable()
                                .scaledToFit()
                                .padding(8)
                                .background(Color.white)
                                .accessibilityLabel(Text("results.certificateQr"))
                        } else if viewModel.certificateQrFailed {
                            Text("results.certificateNoQr").fixedSize(horizontal: false, vertical: true)
                        }
                        if viewModel.kept.contains(sample.sampleId) {
                            Label("results.kept", systemImage: "checkmark.seal")
                        } else {
                            Text("results.keepHint").font(.footnote).fixedSize(horizontal: false, vertical: true)
                            Button("results.keep") { viewModel.keepCertificate(sampleId: sample.sampleId) }
                                .buttonStyle(.borderedProminent)
                                .frame(maxWidth: .infinity, minHeight: 44)
                        }
                    }
                    SampleStatusView(sample: sample, badge: false)
                }
                .padding()
            }
        }
    }
}
