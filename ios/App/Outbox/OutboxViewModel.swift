import Foundation
import HealthbookCore

/// View model of the outbox: what waits, attempts, last error, retry and send now; mirrors the outbox part
/// of the Kotlin `DeclarationFormViewModel`.
@MainActor
final class OutboxViewModel: ObservableObject {
    @Published private(set) var entries: [OutboxEntry] = []
    @Published private(set) var syncing = false
    @Published private(set) var lastReport: SyncReport?
    @Published private(set) var failure: String?

    private let service: DeclarationServiceProxyProtocol

    init(service: DeclarationServiceProxyProtocol) {
        self.service = service
        Task { await reload() }
    }

    /// Whether the server refused something: the screen shows a banner.
    var hasRefused: Bool { entries.contains { $0.state == .rejected } }

    func syncNow() {
        guard !syncing else { return }
        syncing = true
        Task {
            do {
                lastReport = try await service.syncNow()
            } catch SyncError.NoServer {
                failure = "error.noServer"
            } catch {
                failure = "error.unavailable"
            }
            syncing = false
            await reload()
        }
    }

    func retry(_ id: Int64) {
        Task {
            try? await service.retry(itemId: id)
            await reload()
        }
    }

    func dismissFailure() { failure = nil }

    private func reload() async {
        if let entries = try? await service.outbox() { self.entries = entries }
    }
}
