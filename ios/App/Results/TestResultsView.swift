import HealthbookCore
import SwiftUI

/// The followed samples of every profile, newest first; a row opens the sample, "add a sample" registers one.
struct TestResultsView: View {
    @ObservedObject var viewModel: TestResultsViewModel
    let profiles: [Profile]
    @State private var registering = false

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                if let failure = viewModel.failure {
                    ErrorBanner(message: LocalizedStringKey(failure)) { viewModel.dismissFailure() }
                }
                Button("results.add") { registering = true }
                    .buttonStyle(.borderedProminent)
                    .frame(maxWidth: .infinity, minHeight: 44)
                Button(viewModel.refreshing ? "results.refreshing" : "results.refresh") { viewModel.refresh() }
                    .frame(maxWidth: .infinity, minHeight: 44)
                    .disabled(viewModel.refreshing)
                if viewModel.loading {
                    ProgressView()
                } else if viewModel.samples.isEmpty {
                    Text("results.none").fixedSize(horizontal: false, vertical: true)
                }
                ForEach(viewModel.samples) { sample in
                    NavigationLink(value: sample.sampleId) {
                        VStack(alignment: .leading, spacing: 8) {
                            Text(verbatim: sample.profileName).font(.headline)
                            SampleStatusView(sample: sample)
                        }
                        .padding()
                        .frame(minHeight: 44)
                        .overlay(RoundedRectangle(cornerRadius: 12).stroke(Color.secondary.opacity(0.4)))
                    }
                    .buttonStyle(.plain)
                    .accessibilityHint(Text("results.open"))
                }
            }
            .padding()
        }
        .navigationTitle(Text("results.title"))
        .navigationDestination(for: String.self) { sampleId in
            SampleDetailView(viewModel: viewModel)
                .onAppear { viewModel.open(sampleId: sampleId) }
                .onDisappear { viewModel.close() }
        }
        .sheet(isPresented: $registering) {
            NavigationStack {
                RegisterSampleView(viewModel: viewModel, profiles: profiles) { registering = false }
            }
        }
    }
}
