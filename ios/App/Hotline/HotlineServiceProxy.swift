import Foundation

/// What a Q&A entry or a citizen's question is about; mirrors `QaCategory` of the Kotlin wrapper. Named apart from
/// the generated bindings' types.
enum HotlineTopic: String, CaseIterable, Identifiable, Hashable {
    case declarations, pass, checkIn, quarantine, testing, vaccination, travel, app, other

    var id: String { rawValue }

    /// The String Catalog key of its name.
    var nameKey: String {
        switch self {
        case .declarations: return "hotline.topicDeclarations"
        case .pass: return "hotline.topicPass"
        case .checkIn: return "hotline.topicCheckIn"
        case .quarantine: return "hotline.topicQuarantine"
        case .testing: return "hotline.topicTesting"
        case .vaccination: return "hotline.topicVaccination"
        case .travel: return "hotline.topicTravel"
        case .app: return "hotline.topicApp"
        case .other: return "hotline.topicOther"
        }
    }
}

/// One entry of the province's published Q&A set; mirrors `QaEntry` (English may be empty: show Vietnamese).
struct QaEntryItem: Equatable, Identifiable {
    let id: String
    let topic: HotlineTopic
    let questionVi: String
    let answerVi: String
    let questionEn: String
    let answerEn: String

    /// The question in English when `english` and translated, else in Vietnamese.
    func question(english: Bool) -> String { english && !questionEn.isEmpty ? questionEn : questionVi }
    /// The answer in English when `english` and translated, else in Vietnamese.
    func answer(english: Bool) -> String { english && !answerEn.isEmpty ? answerEn : answerVi }
}

/// Which published set the phone holds; mirrors `QaSetInfo`.
struct QaSetInfoItem: Equatable {
    let province: String
    let version: Int
    let publishedAt: Date
    let entryCount: Int
    /// When the phone last checked the server successfully.
    let checkedAt: Date
}

/// A question for the hotline, or a report of a problem; mirrors `QuestionKind`.
enum AskKind: Hashable {
    case question, report
}

/// Where a citizen's question is; mirrors `QuestionState` (`sending` while it waits in the outbox, `refused` when
/// the server refused it for good: it will never be sent, `CitizenQuestionItem.refusedReason` says why).
enum QuestionStanding: Hashable {
    case sending, received, assigned, answered, closed
    /// Not one of the core's states: the core keeps a refused question `sending` with a reason, and the service
    /// makes it `refused`, so that every `switch` over the standing has to say something else than "sending".
    case refused
}

/// What the citizen writes and chooses to add; nothing else is sent. Mirrors `NewQuestion`.
struct NewQuestionItem: Equatable {
    let kind: AskKind
    let topic: HotlineTopic
    /// Two-digit province code of the hotline that answers.
    let province: String
    /// Five-digit ward code, only if the citizen chose one.
    let ward: String?
    let text: String
    /// For a report about a venue: the venue id read from its poster.
    let venueId: String?
    /// A call-back number, only if the citizen chose to give one.
    let contactPhone: String?
    /// "vi" or "en".
    let language: String
}

/// One of the phone's own questions with its answer once given; mirrors `CitizenQuestion`.
struct CitizenQuestionItem: Equatable, Identifiable {
    let id: String
    let kind: AskKind
    let topic: HotlineTopic
    let text: String
    let askedAt: Date
    let state: QuestionStanding
    let answer: String?
    let answeredAt: Date?
    /// The core's technical reason (status and code) when `state` is `refused`, else nil. The screen leads with
    /// plain words and shows this small, for someone helping the person or calling the hotline.
    var refusedReason: String? = nil
}

/// Why a hotline action was refused, in the core's words for the person in the app's language (never what was
/// typed); mirrors the Kotlin wrapper's `HotlineException`. `offline` when the server could not be reached (or
/// none is set up): nothing was refused, and the screen says so in its own words.
struct HotlineRefusal: Error, Equatable {
    let message: String
    var offline = false
}

/// The hotline on the phone as the view model sees it; mirrors the Kotlin `HotlineRepository`: the cached Q&A set
/// searched offline, and the citizen's own questions. Previews use `PreviewHotlineService`. The core's refusals
/// are ``HotlineRefusal``s in the person's words.
protocol HotlineServiceProxyProtocol: AnyObject {
    /// Fetches a newer published set of `province` if there is one; offline, answers the cached set's info.
    func refreshQa(province: String) async throws -> QaSetInfoItem?
    /// The cached set's info, or nil before the first successful fetch.
    func qaInfo() async throws -> QaSetInfoItem?
    /// Searches the cached set offline, insensitive to case and diacritics, in both languages; an empty query
    /// lists the entries (of `topic` when given).
    func search(query: String, topic: HotlineTopic?) async throws -> [QaEntryItem]
    /// Queues a question or report in the outbox and tries to send it (`sending` until delivered).
    func ask(_ question: NewQuestionItem) async throws -> CitizenQuestionItem
    /// The phone's questions as last stored, newest first (offline).
    func questions() async throws -> [CitizenQuestionItem]
    /// Sends what waits in the outbox and fetches states and answers; offline, answers the stored list.
    func refreshQuestions() async throws -> [CitizenQuestionItem]
}
