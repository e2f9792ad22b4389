import SwiftUI

/// The set-up check a volunteer runs beside a new user: a summary, then each step with a symbol, its state in
/// words and colour (never colour alone), what was found and what to do, and a "check again" button. The
/// steps' words come from the core, already in the app's language.
struct SetupCheckView: View {
    @ObservedObject var viewModel: SetupCheckViewModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 12) {
                Text("setup.intro").fixedSize(horizontal: false, vertical: true)
                if viewModel.failed {
                    ErrorBanner(message: "setup.errorFailed", dismiss: nil)
                }
                if viewModel.checking {
                    HStack(spacing: 12) {
                        ProgressView()
                        Text("setup.checking")
                    }
                }
                if !viewModel.steps.isEmpty {
                    if viewModel.allGood {
                        StatusBadge(kind: .good, words: "setup.allGood")
                    } else {
                        StatusBadge(
                            kind: viewModel.steps.contains { $0.state == .problem } ? .bad : .caution,
                            words: "setup.toFix \(viewModel.toFix.count)"
                        )
                    }
                }
                ForEach(viewModel.steps) { step in
                    SetupStepRow(step: step)
                }
                Button("setup.checkAgain") { viewModel.checkAgain() }
                    .buttonStyle(.borderedProminent)
                    .frame(maxWidth: .infinity, minHeight: 44)
                    .disabled(viewModel.checking)
            }
            .padding()
        }
        .navigationTitle(Text("setup.title"))
    }
}

private extension SetupStepState {
    var kind: StatusBadge.Kind {
        switch self {
        case .ok: return .good
        case .warning: return .caution
        case .problem: return .bad
        case .notChecked: return .unknown
        }
    }

    var words: LocalizedStringKey {
        switch self {
        case .ok: return "setup.stateOk"
        case .warning: return "setup.stateWarning"
        case .problem: return "setup.stateProblem"
        case .notChecked: return "setup.stateNotChecked"
        }
    }
}

/// One step: symbol and state words in the state's colour, the core's words, and what to do.
private struct SetupStepRow: View {
    let step: SetupCheckStep

    var body: some View {
        HStack(alignment: .top, spacing: 12) {
            Image(systemName: step.state.kind.symbol)
                .font(.title)
                .foregroundColor(step.state.kind.colour)
                .accessibilityHidden(true)
            VStack(alignment: .leading, spacing: 4) {
                Text(verbatim: step.title).font(.headline)
                Text(step.state.words).font(.subheadline.bold()).foregroundColor(step.state.kind.colour)
                Text(verbatim: step.detail).fixedSize(horizontal: false, vertical: true)
                if !step.action.isEmpty {
                    Text("setup.whatToDo \(step.action)").font(.body.weight(.semibold)).fixedSize(horizontal: false, vertical: true)
                }
            }
            Spacer(minLength: 0)
        }
        .padding()
        .overlay(RoundedRectangle(cornerRadius: 12).stroke(step.state.kind.colour, lineWidth: 2))
        .accessibilityElement(children: .combine)
    }
}
