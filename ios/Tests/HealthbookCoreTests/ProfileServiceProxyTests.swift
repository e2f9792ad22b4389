import Foundation
import XCTest
@testable import HealthbookCore

/// Runs on a Mac against a host build of the core (`cargo build -p healthbook-ffi`, then `swift test` in ios/).
/// The platform traits are implemented in Swift here, as the app implements them with the Keychain.
final class InMemoryKeyStore: PlatformKeyStore, @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [String: Data] = [:]

    func loadKey(alias: String) throws -> Data? {
        lock.lock(); defer { lock.unlock() }
        return keys[alias]
    }

    func storeKey(alias: String, key: Data) throws {
        lock.lock(); defer { lock.unlock() }
        keys[alias] = key
    }

    func replacingKeys() -> InMemoryKeyStore {
        let other = InMemoryKeyStore()
        lock.lock(); defer { lock.unlock() }
        for (alias, key) in keys { other.keys[alias] = Data((0..<key.count).map { _ in UInt8.random(in: 0...255) }) }
        return other
    }
}

final class FixedClock: HealthbookCore.Clock, @unchecked Sendable {
    let millis: Int64
    init(millis: Int64) { self.millis = millis }
    func nowMillis() -> Int64 { millis }
}

final class ProfileServiceProxyTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func input(name: String = "Nguyễn Văn An", phone: String? = "0912345678",
                       citizenId: String? = "001090012345") -> ProfileInput {
        ProfileInput(relation: .familyMember, fullName: name, birth: BirthDate(year: 1990, month: 5, day: 17),
                     phone: phone, citizenId: citizenId, address: Address(provinceCode: "01", wardCode: nil, street: nil))
    }

    func testAddListUpdateRemove() async throws {
        let service = try ProfileServiceProxy.open(dataDirectory: directory, keyStore: InMemoryKeyStore())
        let added = try await service.add(input(phone: "+84 912 345 678"))
        XCTAssertEqual(added.phone, "+84912345678")
        let listed = try await service.list()
        XCTAssertEqual(listed, [added])
        let fetched = try await service.profile(id: added.id)
        XCTAssertEqual(fetched, added)
        let updated = try await service.update(id: added.id, with: input(name: "Nguyễn Văn Bình"))
        XCTAssertEqual(updated.fullName, "Nguyễn Văn Bình")
        try await service.remove(id: added.id)
        do {
            _ = try await service.profile(id: added.id)
            XCTFail("expected NotFound")
        } catch let ProfileError.NotFound(id) {
            XCTAssertEqual(id, added.id)
        }
    }

    func testInvalidCitizenIdNamesTheField() async throws {
        let service = try ProfileServiceProxy.open(dataDirectory: directory, keyStore: InMemoryKeyStore())
        do {
            _ = try await service.add(input(citizenId: "12345"))
            XCTFail("expected InvalidField")
        } catch let ProfileError.InvalidField(field, _) {
            XCTAssertEqual(field, .citizenId)
        }
    }

    func testClockStampsCreatedAt() async throws {
        let healthbook = try Healthbook.withClock(dataDir: directory.path, keyStore: InMemoryKeyStore(),
                                                  clock: FixedClock(millis: 1_600_000_000_123))
        let profile = try await ProfileServiceProxy(healthbook: healthbook).add(input())
        XCTAssertEqual(profile.createdAt.timeIntervalSince1970, 1_600_000_000.123, accuracy: 0.0005)
    }

    func testAnotherKeyCannotOpenTheData() async throws {
        let keyStore = InMemoryKeyStore()
        _ = try await ProfileServiceProxy.open(dataDirectory: directory, keyStore: keyStore).add(input())
        XCTAssertThrowsError(try Healthbook(dataDir: directory.path, keyStore: keyStore.replacingKeys())) { error in
            guard case OpenError.KeyMismatch = error else { return XCTFail("expected OpenError.KeyMismatch, got \(error)") }
        }
    }
}
