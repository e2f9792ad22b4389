import HealthbookCore
import SwiftUI

/// A declaration rendered from the core's form data, each error at its question.
struct DeclarationView: View {
    @ObservedObject var viewModel: DeclarationViewModel

    var body: some View {
        Form {
            if let failure = viewModel.state.failure {
                ErrorBanner(message: LocalizedStringKey(failure)) { viewModel.dismissFailure() }
            }
            if let whole = viewModel.state.errors["_form"] {
                ErrorBanner(message: LocalizedStringKey(whole), dismiss: nil)
            }
            if viewModel.state.submitted {
                Text("declaration.submitted")
            }
            if let form = viewModel.state.form {
                ForEach(form.questions, id: \.id) { question in
                    Section {
                        QuestionView(question: question, answer: viewModel.state.answers[question.id]) { viewModel.answer(question.id, $0) }
                        if let error = viewModel.state.error(for: question.id) {
                            Text(verbatim: error).foregroundColor(.red).accessibilityLabel(Text(verbatim: error))
                        }
                    } header: {
                        Text(verbatim: question.label + (question.required ? " *" : ""))
                    }
                }
                Button("declaration.submit") { viewModel.submit() }
                    .frame(maxWidth: .infinity, minHeight: 44)
                    .disabled(viewModel.state.submitting)
            } else {
                ProgressView()
            }
        }
        .navigationTitle(Text(verbatim: viewModel.state.form?.title ?? ""))
    }
}

/// One question's control, by its kind.
private struct QuestionView: View {
    let question: FormQuestion
    let answer: AnswerValue?
    let onAnswer: (AnswerValue?) -> Void

    var body: some View {
        switch question.kind {
        case .boolean:
            Picker(question.label, selection: SwiftUI.Binding<Bool?>(
                get: { if case let .bool(value) = answer { return value } else { return nil } },
                set: { onAnswer($0.map { AnswerValue.bool(value: $0) }) }
            )) {
                Text("common.yes").tag(Bool?.some(true))
                Text("common.no").tag(Bool?.some(false))
            }
            .pickerStyle(.inline)
        case let .singleChoice(choices):
            Picker(question.label, selection: SwiftUI.Binding<String?>(
                get: { if case let .choice(id) = answer { return id } else { return nil } },
                set: { onAnswer($0.map { AnswerValue.choice(id: $0) }) }
            )) {
                ForEach(choices, id: \.id) { Text(verbatim: $0.label).tag(String?.some($0.id)) }
            }
            .pickerStyle(.inline)
        case let .multiChoice(choices):
            let ids: [String] = { if case let .choices(ids) = answer { return ids } else { return [] } }()
            ForEach(choices, id: \.id) { choice in
                Toggle(isOn: SwiftUI.Binding(
                    get: { ids.contains(choice.id) },
                    set: { on in onAnswer(.choices(ids: on ? ids + [choice.id] : ids.filter { $0 != choice.id })) }
                )) { Text(verbatim: choice.label) }
                .frame(minHeight: 44)
            }
        case .date:
            TextField("declaration.dateHint", text: SwiftUI.Binding(
                get: { if case let .date(iso) = answer { return iso } else { return "" } },
                set: { onAnswer($0.isEmpty ? nil : .date(iso: $0)) }
            ))
            .accessibilityLabel(Text(verbatim: question.label))
        case let .text(maxLen):
            TextField(question.label, text: SwiftUI.Binding(
                get: { if case let .text(value) = answer { return value } else { return "" } },
                set: { onAnswer($0.isEmpty ? nil : .text(value: String($0.prefix(Int(maxLen))))) }
            ))
        case .adminUnit:
            TextField("declaration.adminUnitHint", text: SwiftUI.Binding(
                get: {
                    if case let .adminUnit(province, ward) = answer { return ward.map { "\(province)-\($0)" } ?? province }
                    return ""
                },
                set: { text in
                    let parts = text.split(separator: "-", maxSplits: 1).map(String.init)
                    onAnswer(parts.isEmpty ? nil : .adminUnit(province: parts[0], ward: parts.count > 1 ? parts[1] : nil))
                }
            ))
            .accessibilityLabel(Text(verbatim: question.label))
        }
    }
}
