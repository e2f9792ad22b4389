import Foundation
import HealthbookCore
import Security

/// `PlatformKeyStore` backed by the iOS Keychain.
///
/// The core's data keys are stored as generic-password items of `service`, one per alias, readable only
/// on this device after its first unlock (`kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`): they are
/// never synced to iCloud Keychain nor restored from a backup to another device, so personal data
/// encrypted with them cannot leave the phone. Every failure is reported as
/// `PlatformKeyStoreError.Unavailable`, which the core turns into `OpenError.KeyStore`.
final class KeychainPlatformKeyStore: PlatformKeyStore, @unchecked Sendable {
    private let service: String

    init(service: String = "org.healthbook.keys") {
        self.service = service
    }

    func loadKey(alias: String) throws -> Data? {
        var query = baseQuery(alias)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let data = item as? Data else { throw unavailable("load", status) }
            return data
        case errSecItemNotFound:
            return nil
        default:
            throw unavailable("load", status)
        }
    }

    func storeKey(alias: String, key: Data) throws {
        let attributes: [String: Any] = [
            kSecValueData as String: key,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        let status = SecItemUpdate(baseQuery(alias) as CFDictionary, attributes as CFDictionary)
        switch status {
        case errSecSuccess:
            return
        case errSecItemNotFound:
            let add = baseQuery(alias).merging(attributes) { _, new in new }
            let added = SecItemAdd(add as CFDictionary, nil)
            guard added == errSecSuccess else { throw unavailable("store", added) }
        default:
            throw unavailable("store", status)
        }
    }

    private func baseQuery(_ alias: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: alias,
            kSecAttrSynchronizable as String: false,
        ]
    }

    private func unavailable(_ operation: String, _ status: OSStatus) -> PlatformKeyStoreError {
        let text = SecCopyErrorMessageString(status, nil) as String? ?? "OSStatus \(status)"
        return PlatformKeyStoreError.Unavailable(reason: "\(operation) failed: \(text)")
    }
}
