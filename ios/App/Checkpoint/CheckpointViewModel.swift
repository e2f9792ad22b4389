import Foundation
import HealthbookCore

/// View model of the checkpoint: scanned text in, verdict out; mirrors the Kotlin `CheckpointViewModel`.
@MainActor
final class CheckpointViewModel: ObservableObject {
    @Published private(set) var verdict: Verdict?
    @Published private(set) var trust: TrustRefresh?
    @Published private(set) var refreshingTrust = false
    @Published private(set) var failure: String?

    private let service: VerifierServiceProxyProtocol

    init(service: VerifierServiceProxyProtocol) {
        self.service = service
    }

    /// Verifies what the camera (or a paste) read. Bad input gets an invalid verdict, never an error.
    func scan(_ text: String) {
        do {
            verdict = try service.verify(qrText: text)
        } catch {
            failure = "error.unavailable"
        }
    }

    func clear() { verdict = nil }

    func refreshTrust() {
        guard !refreshingTrust else { return }
        refreshingTrust = true
        Task {
            do {
                trust = try await service.refreshTrust()
            } catch PassError.Unreachable {
                failure = "error.offline"
            } catch {
                failure = "error.server"
            }
            refreshingTrust = false
        }
    }

    func dismissFailure() { failure = nil }

    /// Why a verdict is not valid, as a String Catalog key.
    static func reasonKey(_ stage: FailedStage?) -> String {
        switch stage {
        case .expired: return "verdict.expired"
        case .notYetValid: return "verdict.notYetValid"
        case .revoked: return "verdict.revoked"
        case .signature: return "verdict.signature"
        case .unknownKey: return "verdict.unknownKey"
        case .wrongRole, .outOfScope: return "verdict.notAllowed"
        default: return "verdict.malformed"
        }
    }
}
