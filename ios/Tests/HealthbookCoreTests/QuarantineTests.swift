import Foundation
import XCTest
@testable import HealthbookCore

/// A location source that counts its calls and answers one fixed fix (the app's is `CoreLocationSource`).
final class CountingLocationSource: LocationSource, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var calls: Int {
        lock.lock(); defer { lock.unlock() }
        return count
    }

    func currentFix() throws -> QuarantineFix {
        lock.lock(); count += 1; lock.unlock()
        return QuarantineFix(lat: 10.7769, lon: 106.7009, accuracyM: 12, source: QuarantineFixSource.fused, mock: false, takenAt: Date())
    }
}

/// A radio scanner that counts its calls and answers one fixed scan (the app's is `IOSRadioScanner`).
final class CountingRadioScanner: RadioScanner, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var calls: Int {
        lock.lock(); defer { lock.unlock() }
        return count
    }

    func scan() throws -> QuarantineRadioScan {
        lock.lock(); count += 1; lock.unlock()
        return QuarantineRadioScan(wifi: ["0a:1b:2c:3d:4e:5f"], bluetooth: ["5B1D4C2E-8F3A-4E6B-9C7D-1A2B3C4D5E6F"])
    }
}

/// The quarantine object `HealthbookServices.quarantine(location:radio:)` hands the app, against the real core
/// with no server: what it answers from the phone alone, the checks made before anything is read or sent, and
/// that the sensors are never read outside an enrolment or a check-in that passed them.
final class QuarantineTests: XCTestCase {
    private var directory: URL!
    private let location = CountingLocationSource()
    private let radio = CountingRadioScanner()

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func openQuarantine() throws -> Quarantine {
        try HealthbookServices.open(dataDirectory: directory, keyStore: InMemoryKeyStore())
            .quarantine(location: location, radio: radio)
    }

    func testAFreshPhoneHasNoOrdersEvenOfflineAndReadsNoSensor() async throws {
        let quarantine = try openQuarantine()
        let stored = try await quarantine.orders()
        XCTAssertTrue(stored.isEmpty)
        // No server is set: the refresh answers the phone's copy instead of failing.
        let refreshed = try await quarantine.refresh()
        XCTAssertTrue(refreshed.isEmpty)
        XCTAssertEqual(location.calls, 0)
        XCTAssertEqual(radio.calls, 0)
    }

    func testActionsOnAnUnknownOrderOrCaseAreRefusedBeforeAnySensorIsRead() async throws {
        let quarantine = try openQuarantine()
        // A well-formed home token: "HQ1:" and 32 bytes in unpadded base64url.
        let token = "HQ1:" + String(repeating: "A", count: 43)
        do {
            _ = try await quarantine.enrol(orderId: "o-1", homeToken: "HQ1:not-a-token")
            XCTFail("a malformed home token was accepted")
        } catch QuarantineError.InvalidHomeToken {}
        do {
            _ = try await quarantine.enrol(orderId: "o-1", homeToken: token)
            XCTFail("an unknown order was enrolled")
        } catch QuarantineError.UnknownOrder {}
        do {
            _ = try await quarantine.checkIn(orderId: "o-1", homeToken: nil)
            XCTFail("an unknown order was checked in")
        } catch QuarantineError.UnknownOrder {}
        do {
            _ = try await quarantine.commitment(orderId: "o-1")
            XCTFail("an unknown order had a commitment")
        } catch QuarantineError.UnknownOrder {}
        do {
            _ = try await quarantine.signCommitment(orderId: "o-1", version: 1)
            XCTFail("an unknown order was signed")
        } catch QuarantineError.UnknownOrder {}
        do {
            _ = try await quarantine.explain(caseId: "c-1", reason: QuarantineExplanationReason.other, text: "  ")
            XCTFail("another reason was sent without words")
        } catch QuarantineError.ExplanationTextRequired {}
        do {
            _ = try await quarantine.explain(caseId: "c-1", reason: QuarantineExplanationReason.asleep, text: "")
            XCTFail("an unknown case was explained")
        } catch QuarantineError.UnknownCase {}
        XCTAssertEqual(location.calls, 0)
        XCTAssertEqual(radio.calls, 0)
    }
}
