import Foundation

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

/// The gate device's area as the view model sees it; mirrors the Kotlin `GateRepository`. The real service
/// will wrap the generated gate object of the bindings once they have it (issue 16's gate slice).
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
