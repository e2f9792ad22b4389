import SwiftUI

/// The gate device: the bind form until the device is bound, then the scan loop.
struct GateView: View {
    @ObservedObject var viewModel: GateViewModel

    var body: some View {
        Group {
            if viewModel.gate != nil {
                GateScanView(viewModel: viewModel)
            } else if viewModel.loading {
                ProgressView()
            } else {
                GateBindView(viewModel: viewModel)
            }
        }
        .navigationTitle(Text("gate.title"))
    }
}

/// A failure in words: a catalog key, or the core's refusal as it comes.
struct GateFailureBanner: View {
    let failure: GateViewModel.Failure
    let dismiss: () -> Void

    var body: some View {
        switch failure {
        case .key(let key):
            ErrorBanner(message: LocalizedStringKey(key), dismiss: dismiss)
        case .refused(let words):
            ErrorBanner(message: "gate.refused \(words)", dismiss: dismiss)
        }
    }
}

/// Binding the device to a gate with the operator's account; empty fields named, the core's refusal shown.
private struct GateBindView: View {
    @ObservedObject var viewModel: GateViewModel
    @State private var gateId = ""
    @State private var username = ""
    @State private var password = ""

    var body: some View {
        Form {
            if let failure = viewModel.failure {
                GateFailureBanner(failure: failure) { viewModel.dismissFailure() }
            }
            Text("gate.bindHint").fixedSize(horizontal: false, vertical: true)
            TextField("gate.gateId", text: $gateId)
                .accessibilityLabel(Text("gate.gateId"))
                .onChange(of: gateId) { _ in viewModel.bindEdited(.gate) }
            required(.gate)
            TextField("gate.username", text: $username)
                .textContentType(.username)
                .accessibilityLabel(Text("gate.username"))
                .onChange(of: username) { _ in viewModel.bindEdited(.username) }
            required(.username)
            SecureField("gate.password", text: $password)
                .textContentType(.password)
                .accessibilityLabel(Text("gate.password"))
                .onChange(of: password) { _ in viewModel.bindEdited(.password) }
            required(.password)
            if let refusal = viewModel.bindRefusal {
                Text(verbatim: refusal).foregroundColor(.red).fixedSize(horizontal: false, vertical: true)
            }
            Button(viewModel.binding ? "gate.binding" : "gate.bind") {
                viewModel.bind(gateId: gateId, username: username, password: password)
            }
            .frame(maxWidth: .infinity, minHeight: 44)
            .disabled(viewModel.binding)
        }
    }

    @ViewBuilder
    private func required(_ field: GateViewModel.Field) -> some View {
        if viewModel.missing.contains(field) {
            Label("checkin.required", systemImage: "exclamationmark.circle").foregroundColor(.red)
        }
    }
}

/// The scan loop: the gate's name, a big IN/OUT toggle, the last verdict in large words on its colour with
/// its symbol (why when refused, the holder to compare, "not recorded again" for a repeat), the upload queue.
private struct GateScanView: View {
    @ObservedObject var viewModel: GateViewModel
    @State private var text = ""

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                if let gate = viewModel.gate {
                    Text(verbatim: gate.gateName).font(.largeTitle.bold()).accessibilityAddTraits(.isHeader)
                    Text(verbatim: "\(gate.venueName) · \(gate.agencyName)").fixedSize(horizontal: false, vertical: true)
                }
                if let failure = viewModel.failure {
                    GateFailureBanner(failure: failure) { viewModel.dismissFailure() }
                }
                Text("gate.direction").font(.headline)
                HStack(spacing: 12) {
                    ForEach(PassageDirection.allCases, id: \.self) { option in
                        let selected = option == viewModel.direction
                        Button { viewModel.direction = option } label: {
                            Label(option == .into ? "gate.in" : "gate.out", systemImage: option == .into ? "arrow.right.circle.fill" : "arrow.left.circle.fill")
                                .font(.title.bold())
                                .frame(maxWidth: .infinity, minHeight: 72)
                        }
                        .foregroundColor(selected ? .white : .primary)
                        .background(selected ? Color.accentColor : Color.secondary.opacity(0.15), in: RoundedRectangle(cornerRadius: 12))
                        .accessibilityAddTraits(selected ? .isSelected : [])
                    }
                }
                if let verdict = viewModel.last {
                    GateVerdictView(verdict: verdict)
                    Button("checkpoint.next") { viewModel.clear() }
                        .font(.title2)
                        .buttonStyle(.borderedProminent)
                        .frame(maxWidth: .infinity, minHeight: 64)
                } else {
                    Label(viewModel.scanning ? "gate.scanning" : "gate.ready", systemImage: "viewfinder").font(.title2)
                }
                // The camera scanner (AVFoundation) feeds the same call; pasted text works everywhere.
                TextField("gate.scanInput", text: $text)
                    .accessibilityLabel(Text("gate.scanInput"))
                Button("gate.scan") {
                    viewModel.scan(text.trimmingCharacters(in: .whitespacesAndNewlines))
                    text = ""
                }
                .frame(maxWidth: .infinity, minHeight: 44)
                .disabled(text.isEmpty)
                Text("gate.pending \(viewModel.pending)").font(.title2.bold())
                if let lastSync = viewModel.queue?.lastSyncAt {
                    Text("gate.lastSync \(lastSync.formatted(date: .omitted, time: .shortened))")
                } else {
                    Text("gate.neverSynced")
                }
                if let error = viewModel.queue?.lastError {
                    Text(verbatim: error).foregroundColor(.red).fixedSize(horizontal: false, vertical: true)
                }
                Button(viewModel.syncing ? "gate.syncing" : "gate.sync") { viewModel.sync() }
                    .frame(maxWidth: .infinity, minHeight: 44)
                    .disabled(viewModel.syncing || viewModel.pending == 0)
                Button("gate.unbind", role: .destructive) { viewModel.unbind() }
                    .frame(minWidth: 44, minHeight: 44)
            }
            .padding()
        }
    }
}

/// One verdict, filling most of the screen: colour, symbol and the core's words in capitals, never colour alone.
private struct GateVerdictView: View {
    let verdict: GateOutcome

    var body: some View {
        let kind = GateViewModel.kind(verdict.decision)
        VStack(alignment: .leading, spacing: 12) {
            Image(systemName: kind.symbol).font(.system(size: 80)).accessibilityHidden(true)
            Text(verbatim: verdict.headline.uppercased())
                .font(.system(size: 56, weight: .bold))
                .minimumScaleFactor(0.4)
                .fixedSize(horizontal: false, vertical: true)
                .accessibilityAddTraits(.isHeader)
            if !verdict.recorded {
                Label("gate.notRecordedAgain", systemImage: "arrow.triangle.2.circlepath")
                    .font(.headline)
                    .fixedSize(horizontal: false, vertical: true)
            }
            if !verdict.reason.isEmpty {
                Text(verbatim: verdict.reason).font(.title2).fixedSize(horizontal: false, vertical: true)
            }
            if let name = verdict.holderName {
                Text("verdict.holder").font(.headline)
                Text(verbatim: name).font(.largeTitle.bold()).fixedSize(horizontal: false, vertical: true)
                if let year = verdict.birthYear { Text("gate.birthYear \(year)").font(.title2) }
                Text("verdict.compareId")
            }
            Text("gate.card \(verdict.cardLabel)")
            Text(verdict.direction == .into ? "gate.in" : "gate.out").font(.headline)
        }
        .foregroundColor(.white)
        .padding(24)
        .frame(maxWidth: .infinity, minHeight: 420, alignment: .topLeading)
        .background(kind.colour, in: RoundedRectangle(cornerRadius: 16))
        .accessibilityElement(children: .combine)
    }
}
