import Foundation
import HealthbookCore

/// What the declaration screen shows; mirrors `DeclarationFormState.Ready` of the Kotlin wrapper.
struct DeclarationScreenState: Equatable {
    var form: DeclarationForm?
    var answers: [String: AnswerValue] = [:]
    /// The core's errors for the answers last checked, by question id (`_form` for the whole form).
    var errors: [String: String] = [:]
    var touched: Set<String> = []
    var submitAttempted = false
    var submitting = false
    var submitted = false
    var failure: String?

    /// The error to show at `questionId`: only once the person touched it or tried to submit.
    func error(for questionId: String) -> String? {
        guard submitAttempted || touched.contains(questionId) else { return nil }
        return errors[questionId]
    }
}

/// View model of a health or movement declaration about one profile, rendered from the core's form data.
/// Every answer is validated by the core at once; submit saves and queues the declaration.
@MainActor
final class DeclarationViewModel: ObservableObject {
    @Published private(set) var state = DeclarationScreenState()

    private let service: DeclarationServiceProxyProtocol
    private let profileId: String
    private let formId: String
    private let language: Language

    init(service: DeclarationServiceProxyProtocol, profileId: String, formId: String, language: Language) {
        self.service = service
        self.profileId = profileId
        self.formId = formId
        self.language = language
        Task { await load() }
    }

    func answer(_ questionId: String, _ value: AnswerValue?) {
        state.answers[questionId] = value
        state.touched.insert(questionId)
        state.submitted = false
        Task { await validate() }
    }

    func submit() {
        state.submitAttempted = true
        state.submitting = true
        Task {
            do {
                _ = try await service.submit(profileId: profileId, formId: formId, answers: state.answers, language: language)
                state = DeclarationScreenState(form: state.form, submitted: true)
            } catch let DeclarationError.InvalidAnswers(errors) {
                state.errors = Self.byField(errors)
                state.submitting = false
            } catch {
                state.failure = "error.unavailable"
                state.submitting = false
            }
        }
    }

    func dismissFailure() { state.failure = nil }

    private func load() async {
        do {
            state.form = try await service.forms(language: language).first { $0.id == formId }
            if state.form == nil { state.failure = "error.unknownForm" }
            await validate()
        } catch {
            state.failure = "error.unavailable"
        }
    }

    private func validate() async {
        let answers = state.answers
        guard let errors = try? await service.validate(formId: formId, answers: answers, language: language) else { return }
        // A verdict on answers that changed meanwhile is dropped: the newer answers' check is under way.
        if state.answers == answers { state.errors = Self.byField(errors) }
    }

    private static func byField(_ errors: [FieldError]) -> [String: String] {
        var result: [String: String] = [:]
        for error in errors where result[error.field] == nil { result[error.field] = error.message }
        return result
    }
}
