import Foundation

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
/// service will wrap the generated check-in object of the bindings once they have it (issue 16's diary
/// slice); tests and previews use a fake.
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
