import Foundation
import HealthbookCore

/// Why a home-quarantine action was refused, in words for the person in the app's language (never personal
/// data); mirrors the Kotlin wrapper's `QuarantineException`. `offline` when the server could not be reached (or
/// none is set up): nothing was refused, the person may try again with a connection (check-ins and explanations
/// never end here: the core queues them).
struct QuarantineRefusal: Error, Equatable {
    let message: String
    var offline = false
}

/// The real ``QuarantineServiceProxyProtocol`` over the core's `Quarantine` (made with the phone's sensors,
/// ``CoreLocationSource`` and ``IOSRadioScanner``); mirrors the Kotlin `CoreQuarantineRepository`. The core reads
/// the sensors only inside `enrol` (radio) and `checkIn` (one fix, one scan). Check-ins and explanations are
/// queued in the core's outbox and sent at once when the server can be reached; the lists read the phone's
/// store, so they work offline. Every core refusal becomes a ``QuarantineRefusal`` with the Android words.
final class QuarantineService: QuarantineServiceProxyProtocol, @unchecked Sendable {
    private let quarantine: Quarantine
    private let settings: SettingsServiceProxyProtocol

    init(quarantine: Quarantine, settings: SettingsServiceProxyProtocol) {
        self.quarantine = quarantine
        self.settings = settings
    }

    func refresh() async throws -> [QuarantineOrderItem] {
        try await guarded { try await quarantine.refresh().map(Self.orderItem) }
    }

    func orders() async throws -> [QuarantineOrderItem] {
        try await guarded { try await quarantine.orders().map(Self.orderItem) }
    }

    func commitment(orderId: String) async throws -> QuarantineCommitmentItem {
        try await guarded {
            let text = try await quarantine.commitment(orderId: orderId)
            return QuarantineCommitmentItem(version: Int(text.version), textVi: text.textVi, textEn: text.textEn)
        }
    }

    func signCommitment(orderId: String, version: Int) async throws -> QuarantineOrderItem {
        // A version is never negative; UInt32(exactly:) keeps a stray value from trapping.
        guard let coreVersion = UInt32(exactly: version) else { throw QuarantineSigning.InvalidVersion() }
        return try await guarded { try Self.orderItem(try await quarantine.signCommitment(orderId: orderId, version: coreVersion)) }
    }

    func enrol(orderId: String, homeToken: String) async throws -> QuarantineOrderItem {
        try await guarded { try Self.orderItem(try await quarantine.enrol(orderId: orderId, homeToken: homeToken)) }
    }

    func checkIn(orderId: String, homeToken: String?) async throws -> QuarantineCheckInItem {
        try await guarded { Self.checkInItem(try await quarantine.checkIn(orderId: orderId, homeToken: homeToken)) }
    }

    func checkIns(orderId: String) async throws -> [QuarantineCheckInItem] {
        try await guarded { try await quarantine.checkIns(orderId: orderId).map(Self.checkInItem) }
    }

    func cases(orderId: String) async throws -> [QuarantineCaseItem] {
        try await guarded { try await quarantine.cases(orderId: orderId).map(Self.caseItem) }
    }

    func explain(caseId: String, reason: ExplanationChoice, text: String) async throws -> QuarantineCaseItem {
        try await guarded { Self.caseItem(try await quarantine.explain(caseId: caseId, reason: Self.coreReason(reason), text: text)) }
    }

    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as QuarantineError {
            // An unreadable setting falls back to the app's default language.
            let vi = ((try? await settings.language()) ?? .vi) == .vi
            throw QuarantineRefusal(message: Self.words(error, vi: vi), offline: Self.offline(error))
        }
    }

    /// True when `error` only says the server was not reached (or none is set up).
    static func offline(_ error: QuarantineError) -> Bool {
        switch error {
        case QuarantineError.NoServer, QuarantineError.Unreachable(_): return true
        default: return false
        }
    }

    /// A sensor problem in the person's words; `what` names the sensor.
    private static func sensorWords(_ problem: QuarantineSensorProblem, vi: Bool, what: String, whatVi: String) -> String {
        switch problem {
        case QuarantineSensorProblem.permissionDenied:
            return vi ? "Hãy cho phép ứng dụng dùng \(whatVi) (chỉ khi trình diện)." : "Allow the app to use \(what) (only at check-ins)."
        case QuarantineSensorProblem.unavailable:
            return vi ? "Hãy bật \(whatVi) rồi thử lại." : "Turn \(what) on and try again."
        case QuarantineSensorProblem.timedOut:
            return vi ? "Không đọc được \(whatVi) kịp; thử lại gần cửa sổ." : "The \(what) took too long; try again near a window."
        }
    }

    /// What the person reads for `error` (the Kotlin `CoreQuarantineRepository`'s words, in one language). The
    /// details the core carries (server and storage reasons) are never shown.
    static func words(_ error: QuarantineError, vi: Bool) -> String {
        switch error {
        case QuarantineError.UnknownOrder:
            return vi ? "Không tìm thấy lệnh cách ly này trên máy." : "This quarantine order is not on this phone."
        case QuarantineError.UnknownCase:
            return vi ? "Không tìm thấy trường hợp này trên máy." : "This case is not on this phone."
        case QuarantineError.WrongCommitmentVersion(_):
            return vi ? "Bản cam kết đã thay đổi; hãy đọc bản mới." : "The commitment has changed; read the new version."
        case QuarantineError.CommitmentMismatch:
            return vi ? "Bản cam kết nhận được bị lỗi; thử lại sau." : "The commitment text arrived damaged; try again later."
        case QuarantineError.AlreadySigned:
            return vi ? "Bản cam kết đã được ký." : "The commitment is already signed."
        case QuarantineError.NotSigned:
            return vi ? "Hãy ký bản cam kết trước." : "Sign the commitment first."
        case QuarantineError.NotEnrolled:
            return vi ? "Hãy đăng ký nơi cách ly (quét mã dán trong nhà) trước." : "Enrol the home (scan the sticker inside) first."
        case QuarantineError.InvalidHomeToken:
            return vi ? "Đây không phải mã dán cách ly tại nhà." : "This is not the home-quarantine sticker."
        case QuarantineError.NotThisHome:
            return vi
                ? "Mã dán này là của một nhà khác. Hãy quét mã dán bên trong nơi bạn cách ly."
                : "This sticker belongs to another home. Scan the sticker inside the home where you quarantine."
        case QuarantineError.HomeTokenRequired:
            return vi ? "Lần trình diện này cần quét mã dán trong nhà." : "This check-in needs the sticker inside the home scanned."
        case QuarantineError.NoOpenChallenge:
            return vi ? "Hiện chưa đến giờ trình diện." : "No check-in is open now."
        case QuarantineError.AlreadyAnswered:
            return vi ? "Bạn đã trình diện lần này rồi." : "You already checked in for this one."
        case QuarantineError.OrderOver:
            return vi ? "Lệnh cách ly đã kết thúc." : "The quarantine order is over."
        case let QuarantineError.Location(reason):
            return sensorWords(reason, vi: vi, what: "location", whatVi: "vị trí")
        case let QuarantineError.Radio(reason):
            // On iOS the scan is the current Wi-Fi network and Bluetooth: Bluetooth is the permission to give.
            return sensorWords(reason, vi: vi, what: "Bluetooth", whatVi: "Bluetooth")
        case QuarantineError.ExplanationTextRequired:
            return vi ? "Hãy ghi rõ lý do." : "Say what happened."
        case QuarantineError.ExplanationTooLong:
            return vi ? "Lời giải thích dài quá (tối đa 1.000 ký tự)." : "The explanation is too long (at most 1,000 characters)."
        case QuarantineError.CaseClosed:
            return vi ? "Trường hợp này không còn nhận giải thích." : "This case no longer takes an explanation."
        case QuarantineError.NoServer:
            return vi ? "Chưa cài máy chủ." : "No server is set up."
        case QuarantineError.Unreachable(_):
            return vi ? "Không kết nối được máy chủ; thử lại sau." : "The server can't be reached; try again later."
        case QuarantineError.Server(_):
            return vi ? "Máy chủ từ chối yêu cầu." : "The server refused the request."
        case QuarantineError.Key(_), QuarantineError.Storage(_):
            return vi ? "Lỗi lưu trữ trên máy." : "Storage on this phone failed."
        }
    }

    /// The screens' form of a core order.
    static func orderItem(_ order: QuarantineOrder) throws -> QuarantineOrderItem {
        QuarantineOrderItem(
            orderId: order.orderId,
            profileId: order.profileId,
            profileName: order.profileName,
            homeAddress: order.homeAddress,
            startDate: try QuarantineDay.date(order.startDate, zone: order.timeZone),
            endsAt: order.endsAt,
            daysLeft: Int(order.daysLeft),
            extensionDays: Int(order.extensionDays),
            timeZone: order.timeZone,
            state: standing(order.state),
            openChallenge: order.openChallenge.map(challenge),
            nextCheckInAt: order.nextCheckInAt,
            pendingCheckIns: Int(order.pendingCheckIns)
        )
    }

    private static func challenge(_ challenge: QuarantineChallenge) -> QuarantineChallengeItem {
        QuarantineChallengeItem(
            challengeId: challenge.challengeId,
            opensAt: challenge.opensAt,
            closesAt: challenge.closesAt,
            graceEndsAt: challenge.graceEndsAt,
            homeTokenRequired: challenge.homeTokenRequired,
            random: challenge.random
        )
    }

    static func standing(_ state: QuarantineOrderState) -> QuarantineOrderStanding {
        switch state {
        case QuarantineOrderState.awaitingCommitment: return .awaitingCommitment
        case QuarantineOrderState.awaitingEnrolment: return .awaitingEnrolment
        case QuarantineOrderState.active: return .active
        case QuarantineOrderState.ended: return .ended
        case QuarantineOrderState.cancelled: return .cancelled
        }
    }

    /// The screens' form of a core check-in.
    static func checkInItem(_ checkIn: QuarantineCheckIn) -> QuarantineCheckInItem {
        QuarantineCheckInItem(
            // A sequence past Int64 cannot come from a phone's chain; shown as none rather than trapping.
            sequence: checkIn.sequence.flatMap { Int64(exactly: $0) },
            challengeId: checkIn.challengeId,
            at: checkIn.at,
            verdict: verdict(checkIn.verdict),
            reasons: checkIn.reasons.map(reason),
            refusedReason: checkIn.refusedReason
        )
    }

    static func verdict(_ verdict: QuarantineVerdict) -> CheckInVerdictKind {
        switch verdict {
        case QuarantineVerdict.pending: return .pending
        case QuarantineVerdict.ok: return .ok
        case QuarantineVerdict.needsReview: return .needsReview
        case QuarantineVerdict.missed: return .missed
        case QuarantineVerdict.refused: return .refused
        }
    }

    static func reason(_ reason: QuarantineVerdictReason) -> CheckInVerdictReason {
        switch reason {
        case QuarantineVerdictReason.badSignature: return .badSignature
        case QuarantineVerdictReason.wrongDeviceKey: return .wrongDeviceKey
        case QuarantineVerdictReason.replayed: return .replayed
        case QuarantineVerdictReason.sequenceGap: return .sequenceGap
        case QuarantineVerdictReason.chainBroken: return .chainBroken
        case QuarantineVerdictReason.unknownNonce: return .unknownNonce
        case QuarantineVerdictReason.staleNonce: return .staleNonce
        case QuarantineVerdictReason.late: return .late
        case QuarantineVerdictReason.outsideFence: return .outsideFence
        case QuarantineVerdictReason.uncertainLocation: return .uncertainLocation
        case QuarantineVerdictReason.mockLocation: return .mockLocation
        case QuarantineVerdictReason.homeTokenMissing: return .homeTokenMissing
        case QuarantineVerdictReason.radioUnlikeHome: return .radioUnlikeHome
        case QuarantineVerdictReason.staleFix: return .staleFix
        case QuarantineVerdictReason.noAnswer: return .noAnswer
        }
    }

    /// The screens' form of a core case.
    static func caseItem(_ item: QuarantineCase) -> QuarantineCaseItem {
        QuarantineCaseItem(
            caseId: item.caseId,
            orderId: item.orderId,
            checkIn: checkInItem(item.checkIn),
            state: caseStanding(item.state),
            openedAt: item.openedAt,
            explainBy: item.explainBy,
            explanation: item.explanation.map(choice),
            explanationText: item.explanationText,
            explanationPending: item.explanationPending,
            decision: item.decision.map(decision),
            decisionNote: item.decisionNote,
            decidedAt: item.decidedAt
        )
    }

    static func caseStanding(_ state: QuarantineCaseState) -> QuarantineCaseStanding {
        switch state {
        case QuarantineCaseState.awaitingExplanation: return .awaitingExplanation
        case QuarantineCaseState.awaitingDecision: return .awaitingDecision
        case QuarantineCaseState.decided: return .decided
        }
    }

    static func choice(_ reason: QuarantineExplanationReason) -> ExplanationChoice {
        switch reason {
        case QuarantineExplanationReason.batteryDied: return .batteryDied
        case QuarantineExplanationReason.asleep: return .asleep
        case QuarantineExplanationReason.hospitalVisit: return .hospitalVisit
        case QuarantineExplanationReason.noSignal: return .noSignal
        case QuarantineExplanationReason.other: return .other
        }
    }

    static func coreReason(_ choice: ExplanationChoice) -> QuarantineExplanationReason {
        switch choice {
        case .batteryDied: return QuarantineExplanationReason.batteryDied
        case .asleep: return QuarantineExplanationReason.asleep
        case .hospitalVisit: return QuarantineExplanationReason.hospitalVisit
        case .noSignal: return QuarantineExplanationReason.noSignal
        case .other: return QuarantineExplanationReason.other
        }
    }

    static func decision(_ decision: QuarantineDecision) -> OfficerDecision {
        switch decision {
        case QuarantineDecision.dismissed: return .dismissed
        case QuarantineDecision.warning: return .warning
        // Backticks: `extension` is a keyword (the generated case is declared so too).
        case QuarantineDecision.`extension`: return .extension
        case QuarantineDecision.referral: return .referral
        }
    }
}

/// A version the screen passed that no order can ask for (negative); the screen shows its generic failure.
enum QuarantineSigning {
    struct InvalidVersion: Error {}
}

/// The order's first day (`YYYY-MM-DD`, a day of the home's time zone) as the start of that day there.
enum QuarantineDay {
    /// A date that is not `YYYY-MM-DD`: the core never sends one, so the screen shows its generic failure.
    struct Malformed: Error {}

    static func date(_ text: String, zone: String) throws -> Date {
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        // POSIX: the user's calendar or numbering settings must not change the wire format.
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone) ?? .current
        formatter.dateFormat = "yyyy-MM-dd"
        guard let date = formatter.date(from: text) else { throw Malformed() }
        return date
    }
}
