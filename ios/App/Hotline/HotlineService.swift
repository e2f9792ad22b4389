import Foundation
import HealthbookCore

/// The real ``HotlineServiceProxyProtocol`` over the core's `Hotline`; mirrors the Kotlin `CoreHotlineRepository`.
/// The Q&A set is the core's cached copy, searched on the phone (works offline); a question is queued in the
/// core's outbox and sent at once when the server can be reached. Errors pass through as the core's (they carry
/// no personal data); the view model turns them into its own words.
final class HotlineService: HotlineServiceProxyProtocol, @unchecked Sendable {
    private let hotline: Hotline

    init(hotline: Hotline) {
        self.hotline = hotline
    }

    func refreshQa(province: String) async throws -> QaSetInfoItem? {
        try await hotline.refreshQa(province: province).map(Self.info)
    }

    func qaInfo() async throws -> QaSetInfoItem? {
        try await hotline.qaInfo().map(Self.info)
    }

    func search(query: String, topic: HotlineTopic?) async throws -> [QaEntryItem] {
        try await hotline.search(query: query, category: topic.map(Self.category)).map(Self.entry)
    }

    func ask(_ question: NewQuestionItem) async throws -> CitizenQuestionItem {
        let new = HotlineNewQuestion(
            kind: question.kind == .report ? HotlineQuestionKind.report : HotlineQuestionKind.question,
            category: Self.category(question.topic),
            province: question.province,
            ward: question.ward,
            text: question.text,
            venueId: question.venueId,
            contactPhone: question.contactPhone,
            language: question.language
        )
        return Self.question(try await hotline.ask(question: new))
    }

    func questions() async throws -> [CitizenQuestionItem] {
        try await hotline.questions().map(Self.question)
    }

    func refreshQuestions() async throws -> [CitizenQuestionItem] {
        try await hotline.refreshQuestions().map(Self.question)
    }

    private static func info(_ info: HotlineQaSetInfo) -> QaSetInfoItem {
        QaSetInfoItem(
            province: info.province, version: Int(info.version), publishedAt: info.publishedAt,
            entryCount: Int(info.entryCount), checkedAt: info.checkedAt
        )
    }

    private static func entry(_ entry: HotlineQaEntry) -> QaEntryItem {
        QaEntryItem(
            id: entry.id, topic: topic(entry.category), questionVi: entry.questionVi, answerVi: entry.answerVi,
            questionEn: entry.questionEn, answerEn: entry.answerEn
        )
    }

    private static func question(_ question: HotlineQuestion) -> CitizenQuestionItem {
        CitizenQuestionItem(
            id: question.id, kind: question.kind == HotlineQuestionKind.report ? .report : .question,
            topic: topic(question.category), text: question.text, askedAt: question.askedAt,
            state: standing(question.state), answer: question.answer, answeredAt: question.answeredAt
        )
    }

    private static func standing(_ state: HotlineQuestionState) -> QuestionStanding {
        switch state {
        case HotlineQuestionState.sending: return .sending
        case HotlineQuestionState.received: return .received
        case HotlineQuestionState.assigned: return .assigned
        case HotlineQuestionState.answered: return .answered
        case HotlineQuestionState.closed: return .closed
        }
    }

    private static func topic(_ category: HotlineCategory) -> HotlineTopic {
        switch category {
        case HotlineCategory.declarations: return .declarations
        case HotlineCategory.pass: return .pass
        case HotlineCategory.checkIn: return .checkIn
        case HotlineCategory.quarantine: return .quarantine
        case HotlineCategory.testing: return .testing
        case HotlineCategory.vaccination: return .vaccination
        case HotlineCategory.travel: return .travel
        case HotlineCategory.app: return .app
        case HotlineCategory.other: return .other
        }
    }

    private static func category(_ topic: HotlineTopic) -> HotlineCategory {
        switch topic {
        case .declarations: return HotlineCategory.declarations
        case .pass: return HotlineCategory.pass
        case .checkIn: return HotlineCategory.checkIn
        case .quarantine: return HotlineCategory.quarantine
        case .testing: return HotlineCategory.testing
        case .vaccination: return HotlineCategory.vaccination
        case .travel: return HotlineCategory.travel
        case .app: return HotlineCategory.app
        case .other: return HotlineCategory.other
        }
    }
}
