import Foundation
import HealthbookCore

/// One visit in the citizen's diary (kept on the phone only, 21 days); mirrors `DiaryItem` of the Kotlin
/// wrapper. Named apart from the generated bindings' types so that the app's model and the core's never collide.
struct DiaryVisit: Equatable, Identifiable {
    let entryId: String
    let profileId: String
    let venueName: String
    /// The kind of place in the app's language; empty for a manual entry.
    let venueKind: String
    let checkedInAt: Date
    /// Nil while the person is still there.
    let checkedOutAt: Date?
    /// True when the app checked the person out after the venue's usual stay.
    let autoCheckedOut: Bool
    /// True for a place typed by hand (no poster).
    let manual: Bool

    var id: String { entryId }
}

/// A match of the diary with a risky venue, explained in the app's language; mirrors `ExposureAlert`.
struct VisitAlert: Equatable, Identifiable {
    let alertId: String
    let venueName: String
    let visitedAt: Date
    let headline: String
    let advice: String
    var seen: Bool

    var id: String { alertId }
}

/// Why a scanned poster or a manual entry was refused, in the core's words for the person.
struct CheckInRefusal: Error, Equatable {
    let message: String
}

/// The citizen's check-in area as the view model sees it; mirrors the Kotlin `CheckInRepository`. The real
/// service, ``CheckInServiceProxy``, wraps the generated `CheckIns` object; tests and previews use a fake.
protocol CheckInServiceProxyProtocol: AnyObject {
    /// Every diary entry, newest first (automatic check-outs already applied).
    func diary() async throws -> [DiaryVisit]
    /// Verifies a scanned poster offline and checks `profileId` in; throws `CheckInRefusal` when refused.
    func checkIn(profileId: String, qrText: String) async throws -> DiaryVisit
    /// Checks the visit `entryId` out now.
    func checkOut(entryId: String) async throws -> DiaryVisit
    /// Adds a visit to a place without a poster.
    func addManual(profileId: String, place: String, from: Date, to: Date?) async throws -> DiaryVisit
    /// Removes a diary entry.
    func delete(entryId: String) async throws
    /// Downloads the risky-venue list and matches it against the diary on the phone; every alert, newest first.
    func checkExposure() async throws -> [VisitAlert]
    /// Every alert already found, newest first.
    func alerts() async throws -> [VisitAlert]
    /// Marks an alert as read.
    func markSeen(alertId: String) async throws
}

/// The real ``CheckInServiceProxyProtocol`` over the core's `CheckIns`, which verifies posters offline, keeps
/// the diary sealed on the phone and words everything in the app's language; mirrors the Kotlin
/// `CoreCheckInRepository`. A refused poster, place or times become a ``CheckInRefusal`` with the core's words
/// (they name no venue, place or time); other failures (storage, a missing profile or entry, no trust list)
/// stay the core's `CheckInError`, which the view model shows as a catalog key.
final class CheckInServiceProxy: CheckInServiceProxyProtocol, @unchecked Sendable {
    private let checkIns: CheckIns

    init(checkIns: CheckIns) {
        self.checkIns = checkIns
    }

    func diary() async throws -> [DiaryVisit] {
        try await checkIns.diary().map(Self.visit)
    }

    func checkIn(profileId: String, qrText: String) async throws -> DiaryVisit {
        Self.visit(try await refused { try await checkIns.checkIn(profileId: profileId, qrText: qrText) })
    }

    func checkOut(entryId: String) async throws -> DiaryVisit {
        Self.visit(try await checkIns.checkOut(entryId: entryId))
    }

    func addManual(profileId: String, place: String, from: Date, to: Date?) async throws -> DiaryVisit {
        Self.visit(try await refused { try await checkIns.addManual(profileId: profileId, place: place, from: from, to: to) })
    }

    func delete(entryId: String) async throws {
        try await checkIns.delete(entryId: entryId)
    }

    func checkExposure() async throws -> [VisitAlert] {
        try await checkIns.checkExposure().map(Self.alert)
    }

    func alerts() async throws -> [VisitAlert] {
        try await checkIns.alerts().map(Self.alert)
    }

    func markSeen(alertId: String) async throws {
        try await checkIns.markSeen(alertId: alertId)
    }

    /// Runs `call`, turning the core's refusals (which carry words for the person) into ``CheckInRefusal``.
    private func refused<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch CheckInError.Refused(_, let words) {
            throw CheckInRefusal(message: words)
        } catch CheckInError.InvalidPlace(let words) {
            throw CheckInRefusal(message: words)
        } catch CheckInError.InvalidTimes(let words) {
            throw CheckInRefusal(message: words)
        }
    }

    private static func visit(_ entry: DiaryEntry) -> DiaryVisit {
        DiaryVisit(
            entryId: entry.entryId,
            profileId: entry.profileId,
            venueName: entry.venueName,
            venueKind: entry.venueKind,
            checkedInAt: entry.checkedInAt,
            checkedOutAt: entry.checkedOutAt,
            autoCheckedOut: entry.autoCheckedOut,
            manual: entry.manual
        )
    }

    private static func alert(_ alert: ExposureAlert) -> VisitAlert {
        VisitAlert(
            alertId: alert.alertId,
            venueName: alert.venueName,
            visitedAt: alert.visitedAt,
            headline: alert.headline,
            advice: alert.adviceText,
            seen: alert.seen
        )
    }
}
