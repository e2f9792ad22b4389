import SwiftUI

/// Made-up data for the quarantine previews (the app will use the real service over the core).
enum QuarantineSamples {
    static let now = Date()
    static let challenge = QuarantineChallengeItem(
        challengeId: "ch1", opensAt: now.addingTimeInterval(-600), closesAt: now.addingTimeInterval(3_000),
        graceEndsAt: now.addingTimeInterval(4_800), homeTokenRequired: true, random: false
    )
    static let order = QuarantineOrderItem(
        orderId: "o1", profileId: "p1", profileName: "Nguyễn Văn An", homeAddress: "12 Lê Lợi, Phường Bến Thành",
        startDate: now.addingTimeInterval(-9 * 86_400), endsAt: now.addingTimeInterval(12 * 86_400), daysLeft: 12, extensionDays: 2,
        timeZone: "Asia/Ho_Chi_Minh", state: .active, openChallenge: challenge, nextCheckInAt: now.addingTimeInterval(86_400), pendingCheckIns: 1
    )
    static let commitment = QuarantineCommitmentItem(
        version: 2,
        textVi: (1...14).map { "Điều \($0). Tôi ở trong nhà suốt thời gian cách ly, không tiếp khách và trả lời mỗi lần điểm danh." }.joined(separator: "\n\n"),
        textEn: (1...14).map { "Article \($0). I stay inside my home for the whole quarantine, receive no visitors and answer every check-in." }.joined(separator: "\n\n")
    )
    static let missed = QuarantineCheckInItem(sequence: nil, challengeId: "chm", at: now.addingTimeInterval(-43_200), verdict: .missed, reasons: [.noAnswer])
    static let ok = QuarantineCheckInItem(sequence: 4, challengeId: "ch0", at: now.addingTimeInterval(-86_400), verdict: .ok, reasons: [])
    /// A check-in the server refused for good, with the server's words as the core keeps them.
    static let refused = QuarantineCheckInItem(
        sequence: 5, challengeId: "ch1", at: now.addingTimeInterval(-120), verdict: .refused, reasons: [],
        refusedReason: "server said 422 invalid_request: challenge ch1 is closed"
    )
    static let openCase = QuarantineCaseItem(
        caseId: "c1", orderId: "o1", checkIn: missed, state: .awaitingExplanation, openedAt: now.addingTimeInterval(-43_000),
        explainBy: now.addingTimeInterval(43_400), explanation: nil, explanationText: "", explanationPending: false,
        decision: nil, decisionNote: nil, decidedAt: nil
    )
}

/// An in-memory quarantine service for previews: signing, enrolling, checking in and explaining always succeed.
final class PreviewQuarantineService: QuarantineServiceProxyProtocol {
    private var stored = [QuarantineSamples.order]
    private var storedCases = [QuarantineSamples.openCase]

    func refresh() async throws -> [QuarantineOrderItem] { stored }
    func orders() async throws -> [QuarantineOrderItem] { stored }
    func commitment(orderId: String) async throws -> QuarantineCommitmentItem { QuarantineSamples.commitment }
    func signCommitment(orderId: String, version: Int) async throws -> QuarantineOrderItem { stored[0] }
    func enrol(orderId: String, homeToken: String) async throws -> QuarantineOrderItem { stored[0] }

    func checkIn(orderId: String, homeToken: String?) async throws -> QuarantineCheckInItem {
        QuarantineCheckInItem(sequence: 5, challengeId: "ch1", at: Date(), verdict: .pending, reasons: [])
    }

    func checkIns(orderId: String) async throws -> [QuarantineCheckInItem] { [QuarantineSamples.refused, QuarantineSamples.ok] }
    func cases(orderId: String) async throws -> [QuarantineCaseItem] { storedCases }

    func explain(caseId: String, reason: ExplanationChoice, text: String) async throws -> QuarantineCaseItem {
        let c = storedCases[0]
        let explained = QuarantineCaseItem(
            caseId: c.caseId, orderId: c.orderId, checkIn: c.checkIn, state: .awaitingDecision, openedAt: c.openedAt,
            explainBy: c.explainBy, explanation: reason, explanationText: text, explanationPending: false,
            decision: nil, decisionNote: nil, decidedAt: nil
        )
        storedCases[0] = explained
        return explained
    }
}

struct QuarantineView_Previews: PreviewProvider {
    static var previews: some View {
        NavigationStack { QuarantineView(viewModel: QuarantineViewModel(service: PreviewQuarantineService())) }
        QuarantineHomeCard(order: QuarantineSamples.order) {}.padding()
    }
}
