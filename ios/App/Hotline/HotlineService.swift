import Foundation
import HealthbookCore

/// The real ``HotlineServiceProxyProtocol`` over the core's `Hotline`; mirrors the Kotlin `CoreHotlineRepository`.
/// The Q&A set is the core's cached copy, searched on the phone (works offline); a question is queued in the
/// core's outbox and sent at once when the server can be reached. Every core error becomes a ``HotlineRefusal``
/// with the Android words in the app's language (no personal data, never what was typed).
final class HotlineService: HotlineServiceProxyProtocol, @unchecked Sendable {
    private let hotline: Hotline
    private let settings: SettingsServiceProxyProtocol

    init(hotline: Hotline, settings: SettingsServiceProxyProtocol) {
        self.hotline = hotline
        self.settings = settings
    }

    func refreshQa(province: String) async throws -> QaSetInfoItem? {
        try await guarded { try await hotline.refreshQa(province: province).map(Self.info) }
    }

    func qaInfo() async throws -> QaSetInfoItem? {
        try await guarded { try await hotline.qaInfo().map(Self.info) }
    }

    func search(query: String, topic: HotlineTopic?) async throws -> [QaEntryItem] {
        try await guarded { try await hotline.search(query: query, category: topic.map(Self.category)).map(Self.entry) }
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
        return try await guarded { Self.question(try await hotline.ask(question: new)) }
    }

    func questions() async throws -> [CitizenQuestionItem] {
        try await guarded { try await hotline.questions().map(Self.question) }
    }

    func refreshQuestions() async throws -> [CitizenQuestionItem] {
        try await guarded { try await hotline.refreshQuestions().map(Self.question) }
    }

    /// Runs `body`, turning the core's errors into ``HotlineRefusal`` in the app's language.
    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as HotlineError {
            // An unreadable setting falls back to the app's default language.
            let vi = ((try? await settings.language()) ?? .vi) == .vi
            throw HotlineRefusal(message: Self.words(error, vi: vi), offline: Self.offline(error))
        }
    }

    /// True when `error` only says the server was not reached (or none is set up).
    static func offline(_ error: HotlineError) -> Bool {
        switch error {
        case HotlineError.NoServer, HotlineError.Unreachable(_): return true
        default: return false
        }
    }

    /// What the person reads for `error` (the Kotlin `CoreHotlineRepository`'s words, in one language). The
    /// details the core carries (server and storage reasons) are never shown here.
    static func words(_ error: HotlineError, vi: Bool) -> String {
        switch error {
        case let HotlineError.Invalid(field, _):
            switch field {
            case HotlineQuestionField.province:
                return vi ? "Hãy chọn tỉnh, thành phố." : "Choose a province."
            case HotlineQuestionField.ward:
                return vi ? "Mã phường, xã phải có 5 chữ số." : "The ward code must have 5 digits."
            case HotlineQuestionField.text:
                return vi ? "Hãy viết câu hỏi (tối đa 2.000 ký tự)." : "Write your question (at most 2,000 characters)."
            case HotlineQuestionField.venue:
                return vi ? "Mã địa điểm không đúng; hãy quét lại tấm mã." : "The venue id is not right; scan the poster again."
            case HotlineQuestionField.phone:
                return vi ? "Số điện thoại di động không đúng." : "This is not a Vietnamese mobile number."
            case HotlineQuestionField.language:
                return vi ? "Ngôn ngữ không được hỗ trợ." : "This language is not supported."
            }
        case HotlineError.NoServer:
            return vi ? "Chưa cài máy chủ." : "No server is set up."
        case HotlineError.Unreachable(_):
            return vi ? "Không kết nối được máy chủ; thử lại sau." : "The server can't be reached; try again later."
        case HotlineError.Server(_):
            return vi ? "Máy chủ từ chối yêu cầu." : "The server refused the request."
        case HotlineError.DataKey(_), HotlineError.Storage(_):
            return vi ? "Lỗi lưu trữ trên máy." : "Storage on this phone failed."
        }
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

    /// A question the server refused for good stays `sending` in the core (it is still the outbox's item) with its
    /// reason; here it becomes `refused`, since it will never be sent and the person must not wait for it.
    static func question(_ question: HotlineQuestion) -> CitizenQuestionItem {
        let refused = question.state == HotlineQuestionState.sending ? question.refusedReason : nil
        return CitizenQuestionItem(
            id: question.id, kind: question.kind == HotlineQuestionKind.report ? .report : .question,
            topic: topic(question.category), text: question.text, askedAt: question.askedAt,
            state: refused != nil ? .refused : standing(question.state), answer: question.answer, answeredAt: question.answeredAt,
            refusedReason: refused
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
