import Foundation

/// View model of the gate device; mirrors the Kotlin `GateViewModel`: bind once (empty fields named, the
/// core's refusal shown), then a scan loop in which the direction stays until the operator turns it, each scan
/// keeps the direction it was made in, and an upload runs beside the scans. Failures are catalog keys, or the
/// core's words for a refusal; never a holder's name.
@MainActor
final class GateViewModel: ObservableObject {
    /// A field of the bind form.
    enum Field: Hashable { case gate, username, password }

    /// A failed action: a String Catalog key, or the core's words when it refused.
    enum Failure: Equatable {
        case key(String)
        case refused(String)
    }

    @Published private(set) var loading = true
    @Published private(set) var gate: GateBinding?
    @Published private(set) var binding = false
    @Published private(set) var missing: Set<Field> = []
    @Published private(set) var bindRefusal: String?
    @Published var direction: PassageDirection = .into
    @Published private(set) var scanning = false
    @Published private(set) var last: GateOutcome?
    @Published private(set) var queue: PassageQueue?
    @Published private(set) var syncing = false
    @Published private(set) var failure: Failure?

    private let service: GateServiceProxyProtocol
    /// Scans are verified one after the other, in the order they came.
    private var scanChain: Task<Void, Never>?

    init(service: GateServiceProxyProtocol) {
        self.service = service
        Task { await load() }
    }

    /// Passages waiting for upload (0 before the queue was read).
    var pending: Int { queue?.pending ?? 0 }

    func reload() { Task { await load() } }

    func bind(gateId: String, username: String, password: String) {
        var empty: Set<Field> = []
        if gateId.trimmingCharacters(in: .whitespaces).isEmpty { empty.insert(.gate) }
        if username.trimmingCharacters(in: .whitespaces).isEmpty { empty.insert(.username) }
        if password.isEmpty { empty.insert(.password) }
        missing = empty
        bindRefusal = nil
        guard empty.isEmpty, !binding else { return }
        binding = true
        Task {
            do {
                gate = try await service.bind(
                    gateId: gateId.trimmingCharacters(in: .whitespaces),
                    username: username.trimmingCharacters(in: .whitespaces),
                    password: password
                )
                last = nil
                queue = try? await service.queue()
            } catch let error as GateRefusal {
                bindRefusal = error.message
            } catch {
                failure = .key("gate.errorBind")
            }
            binding = false
        }
    }

    /// A field of the bind form changed: its problem and the refusal no longer apply.
    func bindEdited(_ field: Field) {
        missing.remove(field)
        bindRefusal = nil
    }

    func scan(_ qrText: String) {
        let direction = self.direction
        let previous = scanChain
        scanning = true
        scanChain = Task {
            await previous?.value
            do {
                let verdict = try await service.scan(qrText: qrText, direction: direction)
                last = verdict
                if verdict.recorded, let fresh = try? await service.queue() { queue = fresh }
            } catch let error as GateRefusal {
                last = nil
                failure = .refused(error.message)
            } catch {
                last = nil
                failure = .key("gate.errorScan")
            }
            scanning = false
        }
    }

    /// Clears the last verdict (the next person steps up).
    func clear() { last = nil }

    func sync() {
        guard !syncing else { return }
        syncing = true
        failure = nil
        Task {
            do {
                queue = try await service.sync()
            } catch let error as GateRefusal {
                failure = .refused(error.message)
            } catch {
                failure = .key("gate.errorSync")
            }
            syncing = false
        }
    }

    func unbind() {
        Task {
            do {
                try await service.unbind()
                gate = nil
                last = nil
            } catch let error as GateRefusal {
                failure = .refused(error.message)
            } catch {
                failure = .key("gate.errorUnbind")
            }
        }
    }

    func dismissFailure() { failure = nil }

    private func load() async {
        do {
            gate = try await service.boundGate()
            queue = try await service.queue()
        } catch {
            failure = .key("gate.errorLoad")
        }
        loading = false
    }

    /// The status kind of a decision.
    static func kind(_ decision: GateAdvice) -> StatusBadge.Kind {
        switch decision {
        case .admit: return .good
        case .check: return .caution
        case .refuse: return .bad
        }
    }
}
