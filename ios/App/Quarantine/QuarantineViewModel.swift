import Foundation

/// View model of the person's home-quarantine screens; mirrors the Kotlin `QuarantineViewModel`: the orders with
/// their countdown, reading and signing the commitment (only once read to the end), enrolling the home (scan the
/// sticker, then enrol), answering an open challenge with a check-in, and the cases with their explanation form
/// (words required for "another reason"). Reads the phone's store first (works offline), then refreshes.
/// Failures are catalog keys, or the core's words when it refused (``QuarantineRefusal``); never personal data.
/// `now` is the clock (injected for previews).
@MainActor
final class QuarantineViewModel: ObservableObject {
    /// A failed action: a String Catalog key, or the core's words when it refused.
    enum Failure: Equatable {
        case key(String)
        case refused(String)
    }

    /// The pages of the quarantine screens; mirrors `QuarantinePage`.
    enum Page: Equatable {
        case countdown, commitment, enrolment, checkIn
        case caseDetail(String)
    }

    @Published private(set) var loading = true
    @Published private(set) var refreshing = false
    @Published private(set) var orders: [QuarantineOrderItem] = []
    @Published private(set) var selectedId: String?
    @Published var page: Page = .countdown
    @Published private(set) var commitment: QuarantineCommitmentItem?
    @Published private(set) var readToEnd = false
    @Published private(set) var scannedToken: String?
    @Published private(set) var lastCheckIn: QuarantineCheckInItem?
    @Published private(set) var checkIns: [QuarantineCheckInItem] = []
    @Published private(set) var cases: [QuarantineCaseItem] = []
    @Published var reason: ExplanationChoice? {
        didSet { reasonMissing = false; textMissing = false }
    }
    @Published var explanationText = "" {
        didSet { textMissing = false }
    }
    @Published private(set) var reasonMissing = false
    @Published private(set) var textMissing = false
    @Published private(set) var busy = false
    /// The last failed action.
    @Published private(set) var failure: Failure?

    private let service: QuarantineServiceProxyProtocol
    private let now: () -> Date

    init(service: QuarantineServiceProxyProtocol, now: @escaping () -> Date = Date.init) {
        self.service = service
        self.now = now
        Task {
            await load()
            await refresh()
        }
    }

    /// The order the pages act on.
    var selected: QuarantineOrderItem? { selectedId.flatMap { id in orders.first { $0.orderId == id } } }
    /// The first running order (for the home card).
    var active: QuarantineOrderItem? { orders.first { $0.state == .active } }
    /// The case the explain page shows.
    var openCase: QuarantineCaseItem? {
        if case let .caseDetail(id) = page { return cases.first { $0.caseId == id } }
        return nil
    }

    /// True when `text` (spaces around it ignored) looks like a home token: `HQ1:` and something after it.
    static func isHomeToken(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.hasPrefix("HQ1:") && t.count > 4 && !t.contains(where: { $0.isWhitespace })
    }

    /// True when the selected order can be checked in now: active, a challenge open and within its grace, and the
    /// home token scanned when the challenge asks for it.
    var canCheckIn: Bool {
        guard let order = selected, order.state == .active, let challenge = order.openChallenge else { return false }
        return !busy && now() < challenge.graceEndsAt && (!challenge.homeTokenRequired || scannedToken != nil)
    }

    /// True when `item` may still be explained (no decision yet, before its explain-by time).
    func canExplain(_ item: QuarantineCaseItem) -> Bool {
        item.state == .awaitingExplanation && item.decision == nil && now() < item.explainBy
    }

    func dismissFailure() { failure = nil }

    func refresh() async {
        refreshing = true
        do {
            let fresh = try await service.refresh()
            refreshing = false
            await show(fresh)
        } catch {
            refreshing = false
            fail(error, "quarantine.errorRefresh")
        }
    }

    func select(orderId: String) {
        selectedId = orderId
        page = .countdown
        checkIns = []
        cases = []
        Task { await history(orderId) }
    }

    func back() {
        page = .countdown
        commitment = nil
        readToEnd = false
        scannedToken = nil
        lastCheckIn = nil
        reason = nil
        explanationText = ""
    }

    func openCommitment() {
        guard let orderId = selectedId else { return }
        page = .commitment
        commitment = nil
        readToEnd = false
        busy = true
        failure = nil
        Task {
            do {
                commitment = try await service.commitment(orderId: orderId)
            } catch {
                fail(error, "quarantine.errorCommitment")
            }
            busy = false
        }
    }

    /// The person scrolled to the end of the commitment text.
    func markReadToEnd() { readToEnd = true }

    func sign() {
        // The button waits for the end; the guard keeps a stray call from signing unread.
        guard readToEnd, let version = commitment?.version, let orderId = selectedId else { return }
        busy = true
        failure = nil
        Task {
            do {
                replace(try await service.signCommitment(orderId: orderId, version: version))
                commitment = nil
                readToEnd = false
                scannedToken = nil
                page = .enrolment
            } catch {
                fail(error, "quarantine.errorSign")
            }
            busy = false
        }
    }

    func openEnrolment() {
        page = .enrolment
        scannedToken = nil
        failure = nil
    }

    func openCheckIn() {
        page = .checkIn
        scannedToken = nil
        lastCheckIn = nil
        failure = nil
    }

    func openCase(_ caseId: String) {
        page = .caseDetail(caseId)
        reason = nil
        explanationText = ""
        failure = nil
    }

    /// The scanner read `text`: a home token is kept; anything else is said at once and forgets an earlier scan.
    func scanned(_ text: String) {
        if Self.isHomeToken(text) {
            scannedToken = text.trimmingCharacters(in: .whitespacesAndNewlines)
            failure = nil
        } else {
            scannedToken = nil
            failure = .key("quarantine.errorNotToken")
        }
    }

    func enrol() {
        guard let orderId = selectedId, let token = scannedToken else {
            failure = .key("quarantine.errorNotToken")
            return
        }
        busy = true
        failure = nil
        Task {
            do {
                replace(try await service.enrol(orderId: orderId, homeToken: token))
                scannedToken = nil
                page = .countdown
            } catch {
                fail(error, "quarantine.errorEnrol")
            }
            busy = false
        }
    }

    func checkIn() {
        guard canCheckIn, let orderId = selectedId else {
            failure = .key("quarantine.errorNoChallenge")
            return
        }
        let token = scannedToken
        busy = true
        failure = nil
        Task {
            do {
                lastCheckIn = try await service.checkIn(orderId: orderId, homeToken: token)
                scannedToken = nil
                busy = false
                // The answered challenge and the outbox count changed; a doubtful verdict opened a case.
                if let stored = try? await service.orders() { orders = stored }
                await history(orderId)
            } catch {
                busy = false
                fail(error, "quarantine.errorCheckIn")
            }
        }
    }

    func sendExplanation() {
        guard let item = openCase else { return }
        guard let chosen = reason else {
            reasonMissing = true
            return
        }
        let text = explanationText.trimmingCharacters(in: .whitespacesAndNewlines)
        if chosen == .other && text.isEmpty {
            textMissing = true
            return
        }
        busy = true
        failure = nil
        Task {
            do {
                let explained = try await service.explain(caseId: item.caseId, reason: chosen, text: text)
                cases = cases.map { $0.caseId == explained.caseId ? explained : $0 }
                reason = nil
                explanationText = ""
            } catch {
                fail(error, "quarantine.errorExplain")
            }
            busy = false
        }
    }

    private func load() async {
        do {
            let stored = try await service.orders()
            loading = false
            await show(stored)
        } catch {
            loading = false
            fail(error, "quarantine.errorLoad")
        }
    }

    /// Shows `list`, keeps the selection when it still exists (else the running order), and reads its history.
    private func show(_ list: [QuarantineOrderItem]) async {
        let chosen = list.first { $0.orderId == selectedId } ?? list.first { $0.state == .active } ?? list.first
        orders = list
        selectedId = chosen?.orderId
        if let id = chosen?.orderId { await history(id) }
    }

    private func history(_ orderId: String) async {
        do {
            let readCheckIns = try await service.checkIns(orderId: orderId)
            let readCases = try await service.cases(orderId: orderId)
            guard selectedId == orderId else { return }
            checkIns = readCheckIns
            cases = readCases
        } catch {
            fail(error, "quarantine.errorLoad")
        }
    }

    /// Shows the core's words for a refusal, "no connection, nothing changed" when the server was not reached (as
    /// the Kotlin `QuarantineError.Offline`), else `key`.
    private func fail(_ error: Error, _ key: String) {
        if let refusal = error as? QuarantineRefusal, refusal.offline {
            failure = .key("quarantine.errorOffline")
        } else if let refusal = error as? QuarantineRefusal {
            failure = .refused(refusal.message)
        } else {
            failure = .key(key)
        }
    }

    private func replace(_ order: QuarantineOrderItem) {
        orders = orders.map { $0.orderId == order.orderId ? order : $0 }
    }
}
