import Foundation

/// View model of the citizen's hotline; mirrors the Kotlin `HotlineViewModel`: the province's Q&A searched offline
/// as the citizen types (topic chips, one entry at a time), the ask form checked before anything is queued
/// (text 1 to 2,000 characters, optional ward, venue for a report, call-back number), and the phone's own
/// questions with their state and answer. Failures are catalog keys, or the core's words when it refused
/// (``HotlineRefusal``, as the Kotlin `HotlineError.Refused`); nothing the citizen typed is logged.
@MainActor
final class HotlineViewModel: ObservableObject {
    /// A failed action: a String Catalog key, or the core's words when it refused.
    enum Failure: Equatable {
        case key(String)
        case refused(String)
    }

    /// The hotline's pages.
    enum Page: Equatable {
        case qa
        case entry(String)
        case ask
        case myQuestions
    }

    /// What is wrong with the ask form, each at its field; mirrors `AskProblem`.
    enum Problem: Hashable {
        case textEmpty, textTooLong, ward, venue, phone, noProvince
    }

    /// The ask form as typed; optional fields empty when not given. Mirrors `AskDraft`.
    struct Draft: Equatable {
        var kind: AskKind = .question
        var topic: HotlineTopic = .other
        var text = ""
        var ward = ""
        /// Only sent for a report.
        var venueId = ""
        var contactPhone = ""
    }

    /// Longest question text, in characters (protocol::hotline::MAX_TEXT_CHARS).
    static let maxTextCharacters = 2000
    /// Longest venue id the form accepts.
    static let maxVenueCharacters = 64

    @Published private(set) var loading = true
    @Published private(set) var page: Page = .qa
    @Published private(set) var province: String?
    @Published private(set) var info: QaSetInfoItem?
    @Published private(set) var refreshingQa = false
    @Published var query = "" {
        didSet { if query != oldValue { search() } }
    }
    @Published var topic: HotlineTopic? {
        didSet { if topic != oldValue { search() } }
    }
    @Published private(set) var results: [QaEntryItem] = []
    @Published private(set) var searching = false
    /// The entry open on `.entry`, kept so that a new search does not take it away.
    @Published private(set) var entry: QaEntryItem?
    @Published var draft = Draft() {
        didSet { problems.subtract(Self.cleared(from: oldValue, to: draft)) }
    }
    @Published private(set) var problems: Set<Problem> = []
    @Published private(set) var sending = false
    /// The question just queued, on top of my questions until the page changes.
    @Published private(set) var justSent: CitizenQuestionItem?
    @Published private(set) var questions: [CitizenQuestionItem] = []
    @Published private(set) var refreshingQuestions = false
    @Published private(set) var failure: Failure?

    private let service: HotlineServiceProxyProtocol
    private let provinceOf: () async -> String?
    private var searchTask: Task<Void, Never>?

    /// `province` says which province's hotline the phone uses (the own profile's); read at start and at each refresh.
    init(service: HotlineServiceProxyProtocol, province: @escaping () async -> String?) {
        self.service = service
        self.provinceOf = province
        Task {
            await load()
            await refresh()
        }
    }

    /// True when the search has nothing for what was typed (the screen suggests asking).
    var noResults: Bool { !loading && !searching && results.isEmpty && info != nil }

    func dismissFailure() { failure = nil }

    func openEntry(_ id: String) {
        guard let found = results.first(where: { $0.id == id }) else { return }
        entry = found
        page = .entry(id)
    }

    func openAsk() {
        // A search by topic suggests what the question is about; the citizen can change it.
        if draft.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, let topic { draft.topic = topic }
        problems = []
        failure = nil
        page = .ask
    }

    func openMyQuestions() {
        failure = nil
        page = .myQuestions
        Task { await refreshQuestions() }
    }

    func back() {
        page = .qa
        entry = nil
        justSent = nil
        problems = []
    }

    /// `raw` as a call-back number to send: separators removed, or nil when it is not a Vietnamese mobile number.
    static func callBackNumber(_ raw: String) -> String? {
        let compact = String(raw.filter { !" .-()".contains($0) })
        let national: Substring
        if compact.hasPrefix("+84") {
            national = compact.dropFirst(3)
        } else if compact.hasPrefix("84") && compact.count == 11 {
            national = compact.dropFirst(2)
        } else if compact.hasPrefix("0") {
            national = compact.dropFirst(1)
        } else {
            return nil
        }
        let mobile = national.count == 9 && national.allSatisfy { ("0"..."9").contains($0) } && "35789".contains(national.first!)
        return mobile ? compact : nil
    }

    /// True when `code` (spaces around it ignored) is a 5-digit ward code.
    static func isWardCode(_ code: String) -> Bool {
        let t = code.trimmingCharacters(in: .whitespaces)
        return t.count == 5 && t.allSatisfy { ("0"..."9").contains($0) }
    }

    private static func cleared(from before: Draft, to after: Draft) -> Set<Problem> {
        var gone: Set<Problem> = []
        if before.text != after.text { gone.formUnion([.textEmpty, .textTooLong]) }
        if before.ward != after.ward { gone.insert(.ward) }
        if before.venueId != after.venueId || before.kind != after.kind { gone.insert(.venue) }
        if before.contactPhone != after.contactPhone { gone.insert(.phone) }
        return gone
    }

    /// Checks the form and queues the question, written in English when `english`.
    func send(english: Bool) {
        guard !sending else { return }
        let text = draft.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let ward = draft.ward.trimmingCharacters(in: .whitespaces)
        // A venue only belongs to a report; a question never carries one.
        let venue = draft.kind == .report ? draft.venueId.trimmingCharacters(in: .whitespaces) : ""
        let phone = draft.contactPhone.trimmingCharacters(in: .whitespaces)
        let phoneToSend = phone.isEmpty ? nil : Self.callBackNumber(phone)
        var found: Set<Problem> = []
        if text.isEmpty { found.insert(.textEmpty) }
        // Counted in Unicode scalars, as the server counts characters.
        if text.unicodeScalars.count > Self.maxTextCharacters { found.insert(.textTooLong) }
        if !ward.isEmpty && !Self.isWardCode(ward) { found.insert(.ward) }
        let venueOk = venue.count <= Self.maxVenueCharacters && venue.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
        if !venue.isEmpty && !venueOk { found.insert(.venue) }
        if !phone.isEmpty && phoneToSend == nil { found.insert(.phone) }
        if province == nil { found.insert(.noProvince) }
        guard found.isEmpty, let province else {
            problems = found
            return
        }
        let question = NewQuestionItem(
            kind: draft.kind, topic: draft.topic, province: province, ward: ward.isEmpty ? nil : ward, text: text,
            venueId: venue.isEmpty ? nil : venue, contactPhone: phoneToSend, language: english ? "en" : "vi"
        )
        sending = true
        problems = []
        failure = nil
        Task {
            do {
                let asked = try await service.ask(question)
                // The form is emptied only once the question is safely queued.
                draft = Draft()
                justSent = asked
                questions = [asked] + questions.filter { $0.id != asked.id }
                page = .myQuestions
                if let stored = try? await service.questions() {
                    questions = stored
                    justSent = stored.first { $0.id == asked.id } ?? asked
                }
            } catch {
                fail(error, "hotline.errorAsk")
            }
            sending = false
        }
    }

    /// Fetches a newer set and the questions' states.
    func refresh() async {
        if let found = await provinceOf() { province = found }
        if let province {
            refreshingQa = true
            let before = info
            do {
                if let fetched = try await service.refreshQa(province: province) {
                    info = fetched
                    // A new version (or a first set) changes what the search finds.
                    if before?.version != fetched.version || before?.province != fetched.province { search() }
                }
            } catch {
                fail(error, "hotline.errorRefresh")
            }
            refreshingQa = false
        }
        await refreshQuestions()
    }

    private func refreshQuestions() async {
        refreshingQuestions = true
        do {
            let list = try await service.refreshQuestions()
            questions = list
            if let sent = justSent { justSent = list.first { $0.id == sent.id } ?? sent }
        } catch {
            fail(error, "hotline.errorRefresh")
        }
        refreshingQuestions = false
    }

    /// Searches the stored set for what is typed now; a newer keystroke cancels the search it overtakes.
    private func search() {
        searchTask?.cancel()
        searching = true
        let typed = query.trimmingCharacters(in: .whitespaces)
        let chosen = topic
        searchTask = Task {
            do {
                let found = try await service.search(query: typed, topic: chosen)
                guard !Task.isCancelled else { return }
                results = found
            } catch {
                guard !Task.isCancelled else { return }
                fail(error, "hotline.errorSearch")
            }
            searching = false
        }
    }

    private func load() async {
        province = await provinceOf()
        do {
            info = try await service.qaInfo()
            questions = try await service.questions()
        } catch {
            fail(error, "hotline.errorLoad")
        }
        search()
        await searchTask?.value
        loading = false
    }

    /// Shows the core's words for a refusal, else `key`; offline the key says it better ("showing what the phone
    /// has stored") than the core's "the server can't be reached".
    private func fail(_ error: Error, _ key: String) {
        if let refusal = error as? HotlineRefusal, !refusal.offline {
            failure = .refused(refusal.message)
        } else {
            failure = .key(key)
        }
    }
}
