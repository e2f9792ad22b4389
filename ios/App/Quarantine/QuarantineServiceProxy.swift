import Foundation

/// Where a home-quarantine order stands; mirrors `QuarantineOrderState` of the Kotlin wrapper. Named apart from
/// the generated bindings' types.
enum QuarantineOrderStanding: Equatable {
    case awaitingCommitment, awaitingEnrolment, active, ended, cancelled
}

/// A challenge the server opened; mirrors `QuarantineChallenge`.
struct QuarantineChallengeItem: Equatable {
    let challengeId: String
    let opensAt: Date
    /// Late after this.
    let closesAt: Date
    /// Missed after this (closesAt + the order's grace).
    let graceEndsAt: Date
    let homeTokenRequired: Bool
    /// True for a random challenge, false for a daily window.
    let random: Bool
}

/// A home-quarantine order of one of the phone's profiles; mirrors `QuarantineOrder`.
struct QuarantineOrderItem: Equatable, Identifiable {
    let orderId: String
    let profileId: String
    let profileName: String
    let homeAddress: String
    let startDate: Date
    /// End of the last day in the order's time zone (the shared rule, extensions included).
    let endsAt: Date
    let daysLeft: Int
    let extensionDays: Int
    /// IANA zone of the home, for display in local time.
    let timeZone: String
    let state: QuarantineOrderStanding
    let openChallenge: QuarantineChallengeItem?
    /// When the next daily window opens (random challenges are not announced).
    let nextCheckInAt: Date?
    /// Check-ins recorded on the phone and still waiting in the outbox.
    let pendingCheckIns: Int

    var id: String { orderId }
}

/// The commitment text the person reads and signs; mirrors `QuarantineCommitment`.
struct QuarantineCommitmentItem: Equatable {
    let version: Int
    let textVi: String
    let textEn: String
}

/// The server's verdict on a check-in; `pending` while the record waits to be sent, `refused` when the server
/// turned it down for good (no verdict will come; `QuarantineCheckInItem.refusedReason` says why). Mirrors
/// `QuarantineVerdict`.
enum CheckInVerdictKind: Equatable {
    case pending, ok, needsReview, missed, refused
}

/// Why a check-in got its verdict; mirrors `QuarantineVerdictReason`.
enum CheckInVerdictReason: String, CaseIterable, Equatable {
    case badSignature, wrongDeviceKey, replayed, sequenceGap, chainBroken, unknownNonce, staleNonce, late,
         outsideFence, uncertainLocation, mockLocation, homeTokenMissing, radioUnlikeHome, staleFix, noAnswer
}

/// One check-in as the phone knows it; mirrors `QuarantineCheckIn`.
struct QuarantineCheckInItem: Equatable {
    /// Nil for a missed challenge (no record was made).
    let sequence: Int64?
    let challengeId: String
    let at: Date
    let verdict: CheckInVerdictKind
    let reasons: [CheckInVerdictReason]
    /// The server's words when it refused the record for good (technical: plain words are shown first).
    var refusedReason: String? = nil
}

/// Where a case stands; mirrors `QuarantineCaseState`.
enum QuarantineCaseStanding: Equatable {
    case awaitingExplanation, awaitingDecision, decided
}

/// What the person says happened; mirrors `ExplanationReason`.
enum ExplanationChoice: String, CaseIterable, Equatable, Identifiable {
    case batteryDied, asleep, hospitalVisit, noSignal, other
    var id: String { rawValue }
}

/// What an officer decided; mirrors `QuarantineDecision`.
enum OfficerDecision: String, Equatable {
    case dismissed, warning, `extension`, referral
}

/// A case opened by a missed or doubtful check-in; mirrors `QuarantineCase`.
struct QuarantineCaseItem: Equatable, Identifiable {
    let caseId: String
    let orderId: String
    let checkIn: QuarantineCheckInItem
    let state: QuarantineCaseStanding
    let openedAt: Date
    let explainBy: Date
    let explanation: ExplanationChoice?
    let explanationText: String
    /// True while the explanation waits in the outbox.
    let explanationPending: Bool
    let decision: OfficerDecision?
    /// The officer's words, shown to the person.
    let decisionNote: String?
    let decidedAt: Date?

    var id: String { caseId }
}

/// Home quarantine as the view model sees it; mirrors the Kotlin `QuarantineRepository`. Location is read only
/// inside `checkIn` and `enrol`, never otherwise. The real service, ``QuarantineService``, wraps the generated
/// `Quarantine`; previews use `PreviewQuarantineService`. Refusals are ``QuarantineRefusal`` in the person's words.
protocol QuarantineServiceProxyProtocol: AnyObject {
    /// Fetches the orders of the phone's profiles and their open challenges; works offline from the last copy.
    func refresh() async throws -> [QuarantineOrderItem]
    /// The orders as last stored (offline).
    func orders() async throws -> [QuarantineOrderItem]
    /// The commitment text the order asks to sign.
    func commitment(orderId: String) async throws -> QuarantineCommitmentItem
    /// Signs the commitment with a new order key kept in the platform keystore.
    func signCommitment(orderId: String, version: Int) async throws -> QuarantineOrderItem
    /// Enrols the home: the scanned home token (`HQ1:`) and a hashed baseline of the radio environment.
    func enrol(orderId: String, homeToken: String) async throws -> QuarantineOrderItem
    /// Answers the open challenge: one location fix, the radio scan, the home token when required; queued offline.
    func checkIn(orderId: String, homeToken: String?) async throws -> QuarantineCheckInItem
    /// The order's check-ins, newest first.
    func checkIns(orderId: String) async throws -> [QuarantineCheckInItem]
    /// The order's cases, newest first.
    func cases(orderId: String) async throws -> [QuarantineCaseItem]
    /// Sends the person's explanation (queued offline); `text` is required for `other`.
    func explain(caseId: String, reason: ExplanationChoice, text: String) async throws -> QuarantineCaseItem
}
