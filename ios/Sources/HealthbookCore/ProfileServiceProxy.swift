import Foundation

/// What the screens need from the profile store, as a plain protocol (the Element X `*Proxy` style):
/// view models depend on this, the app passes a ``ProfileServiceProxy``, tests and previews pass a fake.
///
/// Every call may throw ``ProfileError``.
public protocol ProfileServiceProxyProtocol: AnyObject, Sendable {
    func list() async throws -> [Profile]
    func profile(id: String) async throws -> Profile
    func add(_ input: ProfileInput) async throws -> Profile
    func update(id: String, with input: ProfileInput) async throws -> Profile
    func remove(id: String) async throws
}

/// The real ``ProfileServiceProxyProtocol``: delegates to the Rust core's `Profiles` object.
public final class ProfileServiceProxy: ProfileServiceProxyProtocol {
    private let profiles: Profiles

    public init(healthbook: Healthbook) {
        profiles = healthbook.profiles()
    }

    /// Opens (creating and migrating if needed) the store in `dataDirectory`.
    /// - Throws: ``OpenError`` when the directory, the database or the key store is unusable.
    public static func open(dataDirectory: URL, keyStore: PlatformKeyStore) throws -> ProfileServiceProxy {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        return ProfileServiceProxy(healthbook: try Healthbook(dataDir: dataDirectory.path, keyStore: keyStore))
    }

    public func list() async throws -> [Profile] {
        try await profiles.list()
    }

    public func profile(id: String) async throws -> Profile {
        try await profiles.get(id: id)
    }

    public func add(_ input: ProfileInput) async throws -> Profile {
        try await profiles.add(input: input)
    }

    public func update(id: String, with input: ProfileInput) async throws -> Profile {
        try await profiles.update(id: id, input: input)
    }

    public func remove(id: String) async throws {
        try await profiles.remove(id: id)
    }
}
