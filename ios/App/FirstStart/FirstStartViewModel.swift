import Foundation
import HealthbookCore

/// First start: language, server and the root key bundled in the app; mirrors `SettingsViewModel`'s
/// first-start events of the Kotlin wrapper.
@MainActor
final class FirstStartViewModel: ObservableObject {
    @Published var language: Language = .vi
    @Published var serverUrl: String
    @Published private(set) var saving = false
    @Published private(set) var error: String?

    let bundledRootKey: String?
    private let settings: SettingsServiceProxyProtocol
    private let done: () -> Void

    init(settings: SettingsServiceProxyProtocol, bundledRootKey: String?, defaultServer: String, done: @escaping () -> Void) {
        self.settings = settings
        self.bundledRootKey = bundledRootKey
        self.serverUrl = defaultServer
        self.done = done
    }

    /// Whether the address looks like one; the core judges it for real when saving.
    var serverUrlValid: Bool { serverUrl.hasPrefix("https://") || serverUrl.hasPrefix("http://") }

    func setLanguage(_ language: Language) {
        self.language = language
        Task { try? await settings.setLanguage(language) }
    }

    func continueTapped() {
        guard let key = bundledRootKey, serverUrlValid else { return }
        saving = true
        Task {
            do {
                try await settings.setServerUrl(serverUrl)
                try await settings.setRootKey(key)
                saving = false
                done()
            } catch {
                saving = false
                self.error = "error.serverUrl"
            }
        }
    }
}
