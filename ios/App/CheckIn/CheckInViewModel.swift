import Foundation

/// View model of the citizen's check-in screens (scan a poster, diary, manual entry, exposure alerts); mirrors
/// the Kotlin `CheckInViewModel`: the diary and the alerts show at once (no network); a refused poster shows
/// the core's words; a manual entry is checked field by field before anything is saved; failures are catalog
/// keys without personal data (never a place).
@MainActor
final class CheckInViewModel: ObservableObject {
    /// A field of the manual entry.
    enum ManualField: Hashable { case profile, place, from, to }

    @Published private(set) var diary: [DiaryVisit] = []
    @Published private(set) var alerts: [VisitAlert] = []
    @Published private(set) var loading = true
    @Published private(set) var checkingIn = false
    /// The visit the last scanned poster opened, until `dismissResult`.
    @Published private(set) var checkedIn: DiaryVisit?
    /// Why the last poster was refused (the core's words), until `dismissResult`.
    @Published private(set) var refusal: String?
    @Published private(set) var savingManual = false
    /// The manual entry's problems by field, as catalog keys.
    @Published private(set) var manualErrors: [ManualField: String] = [:]
    /// The core's words when it refused the manual entry.
    @Published private(set) var manualRefusal: String?
    @Published private(set) var manualSaved: DiaryVisit?
    @Published private(set) var checkingExposure = false
    @Published private(set) var exposureCheckedAt: Date?
    /// The last failed action as a String Catalog key.
    @Published private(set) var failure: String?

    /// How long the diary keeps a visit (the core purges older ones).
    static let retention: TimeInterval = 21 * 86_400

    private let service: CheckInServiceProxyProtocol
    private let now: () -> Date

    init(service: CheckInServiceProxyProtocol, now: @escaping () -> Date = Date.init) {
        self.service = service
        self.now = now
        Task { await load() }
    }

    /// Alerts not opened yet; the screens make them stand out.
    var unseenAlerts: Int { alerts.filter { !$0.seen }.count }

    /// Reads the diary (automatic check-outs applied) and the alerts again.
    func reload() { Task { await load() } }

    func scan(profileId: String, qrText: String) {
        guard !checkingIn else { return }
        checkingIn = true
        checkedIn = nil
        refusal = nil
        Task {
            do {
                let visit = try await service.checkIn(profileId: profileId, qrText: qrText)
                checkedIn = visit
                diary = Self.merged(diary, visit)
                // The core may have checked an earlier visit out when this one began.
                if let fresh = try? await service.diary() { diary = fresh }
            } catch let error as CheckInRefusal {
                refusal = error.message
            } catch {
                failure = "checkin.errorCheckIn"
            }
            checkingIn = false
        }
    }

    func dismissResult() {
        checkedIn = nil
        refusal = nil
    }

    func checkOut(entryId: String) {
        Task {
            do {
                let visit = try await service.checkOut(entryId: entryId)
                diary = Self.merged(diary, visit)
                if checkedIn?.entryId == entryId { checkedIn = visit }
            } catch {
                failure = "checkin.errorCheckOut"
            }
        }
    }

    /// Adds a visit typed by hand; each field's problem is shown at it and nothing is saved while there is one.
    func addManual(profileId: String?, place: String, from: Date, to: Date?) {
        let current = now()
        var problems: [ManualField: String] = [:]
        if (profileId ?? "").isEmpty { problems[.profile] = "checkin.required" }
        let trimmed = place.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { problems[.place] = "checkin.required" }
        if from > current {
            problems[.from] = "checkin.problemFuture"
        } else if from < current.addingTimeInterval(-Self.retention) {
            problems[.from] = "checkin.problemTooOld"
        }
        if let to {
            if to <= from {
                problems[.to] = "checkin.problemEndBeforeStart"
            } else if to > current {
                problems[.to] = "checkin.problemFuture"
            }
        }
        manualErrors = problems
        manualRefusal = nil
        manualSaved = nil
        guard problems.isEmpty, let profileId, !savingManual else { return }
        savingManual = true
        Task {
            do {
                let visit = try await service.addManual(profileId: profileId, place: trimmed, from: from, to: to)
                manualSaved = visit
                diary = Self.merged(diary, visit)
            } catch let error as CheckInRefusal {
                manualRefusal = error.message
            } catch {
                failure = "checkin.errorManual"
            }
            savingManual = false
        }
    }

    /// A field of the manual entry changed: its problem and the refusal no longer apply.
    func manualEdited(_ field: ManualField) {
        manualErrors[field] = nil
        manualRefusal = nil
    }

    func dismissManual() {
        manualSaved = nil
        manualRefusal = nil
        manualErrors = [:]
    }

    func delete(entryId: String) {
        Task {
            do {
                try await service.delete(entryId: entryId)
                diary.removeAll { $0.entryId == entryId }
                if checkedIn?.entryId == entryId { checkedIn = nil }
            } catch {
                failure = "checkin.errorDelete"
            }
        }
    }

    func checkExposure() {
        guard !checkingExposure else { return }
        checkingExposure = true
        Task {
            do {
                alerts = try await service.checkExposure()
                exposureCheckedAt = now()
            } catch {
                failure = "checkin.errorExposure"
            }
            checkingExposure = false
        }
    }

    func markSeen(alertId: String) {
        Task {
            do {
                try await service.markSeen(alertId: alertId)
                if let index = alerts.firstIndex(where: { $0.alertId == alertId }) { alerts[index].seen = true }
            } catch {
                failure = "checkin.errorMarkSeen"
            }
        }
    }

    func dismissFailure() { failure = nil }

    private func load() async {
        do {
            diary = try await service.diary()
            alerts = try await service.alerts()
        } catch {
            failure = "checkin.errorLoad"
        }
        loading = false
    }

    /// `visit` in `diary` (replacing the entry with its id), newest check-in first.
    static func merged(_ diary: [DiaryVisit], _ visit: DiaryVisit) -> [DiaryVisit] {
        ([visit] + diary.filter { $0.entryId != visit.entryId }).sorted { $0.checkedInAt > $1.checkedInAt }
    }
}
