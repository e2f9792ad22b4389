import Foundation

/// View model of the set-up check; mirrors the Kotlin `SetupCheckViewModel`: the check runs at start and on
/// "check again", asking the platform's facts each time; the last steps stay shown while a check runs, and a
/// check that could not run at all keeps them and says so.
@MainActor
final class SetupCheckViewModel: ObservableObject {
    @Published private(set) var checking = true
    @Published private(set) var steps: [SetupCheckStep] = []
    @Published private(set) var failed = false

    private let service: SetupCheckServiceProxyProtocol
    private let facts: () async -> DeviceFacts

    init(service: SetupCheckServiceProxyProtocol, facts: @escaping () async -> DeviceFacts = { await DeviceFacts.current() }) {
        self.service = service
        self.facts = facts
        checkAgain()
    }

    /// Steps that need something done: problems first, then warnings, in order.
    var toFix: [SetupCheckStep] {
        steps.filter { $0.state == .problem } + steps.filter { $0.state == .warning }
    }

    /// True when a check finished and nothing is a problem or a warning.
    var allGood: Bool { !steps.isEmpty && toFix.isEmpty }

    func checkAgain() {
        checking = true
        Task {
            do {
                steps = try await service.check(facts: await facts())
                failed = false
            } catch {
                failed = true
            }
            checking = false
        }
    }
}
