import Foundation
import XCTest
@testable import HealthbookCore

/// The vaccination, vaccination-site and volunteer objects `HealthbookServices` hands the app, against the real
/// core with no server: what each answers from the phone alone, and the checks made before anything is sent.
final class StaffAreasTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func openServices() throws -> HealthbookServices {
        try HealthbookServices.open(dataDirectory: directory, keyStore: InMemoryKeyStore())
    }

    func testEveryProfileHasARecordAndRegisteringChecksTheWardThenTheBinding() async throws {
        let services = try openServices()
        let profile = try await services.profiles.add(ProfileInput(
            relation: .familyMember, fullName: "Nguyễn Văn An", birth: BirthDate(year: 1990, month: 5, day: 17),
            phone: nil, citizenId: nil, address: Address(provinceCode: "79", wardCode: nil, street: nil)
        ))
        let records = try await services.vaccinations.records()
        XCTAssertEqual(records.map(\.profileId), [profile.id])
        XCTAssertFalse(records[0].registered)
        XCTAssertTrue(records[0].doses.isEmpty)
        XCTAssertNil(records[0].certificate)

        do {
            _ = try await services.vaccinations.register(profileId: profile.id, wardCode: "267")
            XCTFail("a three-digit ward was accepted")
        } catch VaccinationError.InvalidWard {}
        do {
            _ = try await services.vaccinations.register(profileId: profile.id, wardCode: "26734")
            XCTFail("an unbound profile was registered")
        } catch VaccinationError.NotBound {}
        let invitations = try await services.vaccinations.invitations()
        XCTAssertTrue(invitations.isEmpty)
    }

    func testTheSiteChecksTheScanBeforeAskingTheServer() async throws {
        let site = try openServices().vaccinationSite
        XCTAssertFalse(site.signedIn())
        do {
            _ = try await site.lookup(siteId: "s-1", scanned: "")
            XCTFail("an empty scan was sent")
        } catch let VaccinationSiteError.InvalidScan(problem) {
            XCTAssertEqual(problem, SiteScanProblem.empty)
        }
    }

    func testNoVolunteerSessionOnAFreshPhone() async throws {
        let volunteers = try openServices().volunteers
        let signedIn = try await volunteers.signedIn()
        XCTAssertFalse(signedIn)
    }
}
