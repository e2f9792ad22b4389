import Foundation
import HealthbookCore

/// View model of settings: language, server, trust refresh and its age, EU DCC certificates; mirrors the
/// Kotlin `SettingsViewModel`.
@MainActor
final class SettingsViewModel: ObservableObject {
    @Published var language: Language = .vi
    @Published var serverUrl = ""
    @Published private(set) var trust: TrustRefresh?
    @Published private(set) var trustRefreshedAt: Date?
    @Published private(set) var refreshingTrust = false
    @Published private(set) var dccKeyIds: [String] = []
    @Published private(set) var failure: String?

    private let settings: SettingsServiceProxyProtocol
    private let verifier: VerifierServiceProxyProtocol
    private let onLanguage: (Language) -> Void

    init(settings: SettingsServiceProxyProtocol, verifier: VerifierServiceProxyProtocol, onLanguage: @escaping (Language) -> Void) {
        self.settings = settings
        self.verifier = verifier
        self.onLanguage = onLanguage
        Task {
            language = (try? await settings.language()) ?? .vi
            serverUrl = (try? await settings.serverUrl()) ?? ""
        }
    }

    func setLanguage(_ language: Language) {
        self.language = language
        onLanguage(language)
        Task { try? await settings.setLanguage(language) }
    }

    func saveServer() {
        Task {
            do { try await settings.setServerUrl(serverUrl) } catch { failure = "error.serverUrl" }
        }
    }

    func refreshTrust() {
        guard !refreshingTrust else { return }
        refreshingTrust = true
        Task {
            do {
                trust = try await verifier.refreshTrust()
                trustRefreshedAt = Date()
            } catch {
                failure = "error.offline"
            }
            refreshingTrust = false
        }
    }

    func addDccCertificate(_ derBase64: String) {
        Task {
            do {
                let kid = try await verifier.addDccCertificate(derBase64: derBase64)
                if !dccKeyIds.contains(kid) { dccKeyIds.append(kid) }
            } catch {
                failure = "error.badCertificate"
            }
        }
    }

    func dismissFailure() { failure = nil }
}
