import Foundation
import HealthbookCore

/// Which way people pass the gate; mirrors `GateDirection` of the Kotlin wrapper.
enum PassageDirection: Equatable, CaseIterable {
    case into, outOf
}

/// What the operator should do; mirrors `GateDecision`.
enum GateAdvice: Equatable {
    case admit, check, refuse
}

/// The gate this device is bound to; mirrors `BoundGate`. Named apart from the generated bindings' types.
struct GateBinding: Equatable {
    let gateId: String
    let gateName: String
    let venueName: String
    let agencyName: String
}

/// The outcome of one scan, in the app's language (the core's words); mirrors `GateScan`.
struct GateOutcome: Equatable {
    let decision: GateAdvice
    /// Large, simple words: "Mời vào" / "Admit", "Không cho vào" / "Refuse".
    let headline: String
    /// Why, in plain words (empty for an ordinary admit).
    let reason: String
    let holderName: String?
    let birthYear: String?
    let cardLabel: String
    let direction: PassageDirection
    let scannedAt: Date
    /// False when the same card was scanned the same way within the repeat window (not recorded twice).
    let recorded: Bool
}

/// Passages waiting for upload; mirrors `GateQueue`.
struct PassageQueue: Equatable {
    let pending: Int
    let lastSyncAt: Date?
    let lastError: String?
}

/// Why a gate action was refused, in the core's words for the operator (wrong password, passages waiting).
struct GateRefusal: Error, Equatable {
    let message: String
}

/// The gate device's area as the view model sees it; mirrors the Kotlin `GateRepository`. The real service,
/// ``GateServiceProxy``, wraps the generated `Gate` object; tests and previews use a fake.
protocol GateServiceProxyProtocol: AnyObject {
    /// The gate this device is bound to, if any.
    func boundGate() async throws -> GateBinding?
    /// Signs the operator in and binds this device to `gateId`; throws `GateRefusal` when refused.
    func bind(gateId: String, username: String, password: String) async throws -> GateBinding
    /// Unbinds the device (refused while passages are waiting for upload).
    func unbind() async throws
    /// Verifies `qrText` offline and records the passage; a bad card is a refuse verdict, not an error.
    func scan(qrText: String, direction: PassageDirection) async throws -> GateOutcome
    /// The upload queue.
    func queue() async throws -> PassageQueue
    /// Uploads waiting passages in batches; returns the queue after it.
    func sync() async throws -> PassageQueue
}

/// The real ``GateServiceProxyProtocol`` over the core's `Gate`, which verifies offline, keeps the passage queue
/// and uploads it; mirrors the Kotlin `CoreGateRepository`. The words of a scan come from the core (the ones
/// the CLI prints) in the app's language. The core's typed errors the operator can act on become a
/// ``GateRefusal`` with the same words as on Android (no personal data); storage and server failures stay the
/// core's `GateError`, which the view model shows as a catalog key.
final class GateServiceProxy: GateServiceProxyProtocol, @unchecked Sendable {
    private let gate: Gate
    private let settings: SettingsServiceProxyProtocol

    init(gate: Gate, settings: SettingsServiceProxyProtocol) {
        self.gate = gate
        self.settings = settings
    }

    func boundGate() async throws -> GateBinding? {
        try await guarded { try await gate.boundGate().map(Self.binding) }
    }

    func bind(gateId: String, username: String, password: String) async throws -> GateBinding {
        try await guarded { Self.binding(try await gate.bind(gateId: gateId, username: username, password: password)) }
    }

    func unbind() async throws {
        try await guarded { try await gate.unbind() }
    }

    func scan(qrText: String, direction: PassageDirection) async throws -> GateOutcome {
        try await guarded {
            let result = try await gate.scan(qrText: qrText, direction: Self.coreDirection(direction))
            return GateOutcome(
                decision: Self.advice(result.verdict),
                headline: result.headline,
                reason: result.reasonText,
                holderName: result.holderName,
                birthYear: result.birthYear,
                cardLabel: result.cardLabel,
                direction: direction,
                scannedAt: result.scannedAt,
                recorded: result.recorded
            )
        }
    }

    func queue() async throws -> PassageQueue {
        try await guarded { Self.queue(try await gate.queue()) }
    }

    func sync() async throws -> PassageQueue {
        try await guarded {
            do {
                return Self.queue(try await gate.sync())
            } catch GateError.Unreachable(_) {
                // Offline is not a failure the operator must act on: the queue (with its last error) says it.
                return Self.queue(try await gate.queue())
            }
        }
    }

    /// Runs `call`, turning the core's errors the operator can act on into ``GateRefusal``.
    private func guarded<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as GateError {
            // An unreadable setting falls back to the app's default language.
            let vi = ((try? await settings.language()) ?? .vi) == .vi
            guard let words = Self.words(error, vi: vi) else { throw error }
            throw GateRefusal(message: words)
        }
    }

    /// The operator's words for `error` (the Kotlin `CoreGateRepository`'s), or nil for a failure that has
    /// none worth showing beyond the screen's own message.
    static func words(_ error: GateError, vi: Bool) -> String? {
        switch error {
        case GateError.NotBound:
            return vi ? "Thiết bị chưa gắn với cổng nào." : "This device is not bound to a gate."
        case GateError.PassagesWaiting(let count):
            return vi ? "Còn \(count) lượt qua chưa gửi: hãy đồng bộ trước." : "\(count) passages wait for upload: sync first."
        case GateError.SignInFailed:
            return vi ? "Sai tên đăng nhập hoặc mật khẩu." : "Wrong username or password."
        case GateError.SignInAgain:
            return vi ? "Phiên đăng nhập đã hết hạn: hãy đăng nhập lại." : "The sign-in has expired: sign in again."
        case GateError.Forbidden:
            return vi ? "Tài khoản này không được dùng cổng này." : "This account may not use this gate."
        case GateError.NotFound:
            return vi ? "Không có cổng này." : "No such gate."
        case GateError.NoServer:
            return vi ? "Chưa cấu hình máy chủ." : "No server configured."
        case GateError.Unreachable(_):
            return vi ? "Không kết nối được máy chủ." : "The server can't be reached."
        case GateError.Server(_), GateError.InvalidRepeatWindow, GateError.Storage(_):
            return nil
        }
    }

    private static func binding(_ gate: BoundGate) -> GateBinding {
        GateBinding(gateId: gate.gateId, gateName: gate.gateName, venueName: gate.venueName, agencyName: gate.agencyName)
    }

    private static func queue(_ queue: GateQueue) -> PassageQueue {
        PassageQueue(pending: Int(queue.pending), lastSyncAt: queue.lastSyncAt, lastError: queue.lastError)
    }

    private static func coreDirection(_ direction: PassageDirection) -> GateDirection {
        switch direction {
        case .into: return .`in`
        case .outOf: return .out
        }
    }

    static func advice(_ verdict: GateVerdict) -> GateAdvice {
        switch verdict {
        case GateVerdict.admit: return .admit
        case GateVerdict.check: return .check
        case GateVerdict.refuse: return .refuse
        }
    }
}
