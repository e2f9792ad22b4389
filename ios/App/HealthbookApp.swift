import HealthbookCore
import SwiftUI

@main
struct HealthbookApp: App {
    @StateObject private var viewModel = ProfileListViewModel(service: HealthbookApp.openService())

    var body: some Scene {
        WindowGroup {
            ProfileListView(viewModel: viewModel)
        }
    }

    /// Opens the Rust core in Application Support (excluded from backups). If opening fails, the screen
    /// shows the error through a service whose every call rethrows it.
    private static func openService() -> ProfileServiceProxyProtocol {
        do {
            var directory = try FileManager.default
                .url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
                .appendingPathComponent("healthbook", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var values = URLResourceValues()
            values.isExcludedFromBackup = true
            try directory.setResourceValues(values)
            return try ProfileServiceProxy.open(dataDirectory: directory, keyStore: KeychainPlatformKeyStore())
        } catch {
            return FailedProfileService(error: error)
        }
    }
}

/// Stands in for the real service when the core could not be opened.
private final class FailedProfileService: ProfileServiceProxyProtocol, @unchecked Sendable {
    let error: Error
    init(error: Error) { self.error = error }
    func list() async throws -> [Profile] { throw error }
    func profile(id: String) async throws -> Profile { throw error }
    func add(_ input: ProfileInput) async throws -> Profile { throw error }
    func update(id: String, with input: ProfileInput) async throws -> Profile { throw error }
    func remove(id: String) async throws { throw error }
}
