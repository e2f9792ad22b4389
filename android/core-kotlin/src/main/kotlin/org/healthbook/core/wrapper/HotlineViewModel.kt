package org.healthbook.core.wrapper

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.healthbook.core.Language

/** Longest question text, in characters (protocol::hotline::MAX_TEXT_CHARS). */
const val HOTLINE_MAX_TEXT_CHARS = 2000

/** Longest venue id the ask form accepts (a poster's id is far shorter; this only stops pasted junk). */
const val HOTLINE_MAX_VENUE_CHARS = 64

private val VENUE_ID = Regex("[A-Za-z0-9_-]+")

/** The entry's question in [language]; the Vietnamese one when the English one is empty. */
fun QaEntry.questionIn(language: Language): String = if (language == Language.EN && questionEn.isNotBlank()) questionEn else questionVi

/** The entry's answer in [language]; the Vietnamese one when the English one is empty. */
fun QaEntry.answerIn(language: Language): String = if (language == Language.EN && answerEn.isNotBlank()) answerEn else answerVi

/**
 * [raw] as a call-back number to send: separators (spaces, dots, dashes, brackets) removed, or null when it is
 * not a Vietnamese mobile number (0, 84 or +84, then 9 digits starting with 3, 5, 7, 8 or 9).
 */
fun callBackNumber(raw: String): String? {
    val compact = raw.filterNot { it in " .-()" }
    val national = when {
        compact.startsWith("+84") -> compact.removePrefix("+84")
        compact.startsWith("84") && compact.length == 11 -> compact.removePrefix("84")
        compact.startsWith("0") -> compact.removePrefix("0")
        else -> return null
    }
    val mobile = national.length == 9 && national.all { it in '0'..'9' } && national.first() in "35789"
    return compact.takeIf { mobile }
}

/**
 * A failed hotline action the screens can explain. [Refused] carries the core's words for the person
 * ([HotlineException]: never what was typed); the others carry none.
 */
sealed interface HotlineError {
    /** The stored set or questions could not be read from the phone. */
    data object Load : HotlineError
    /** The search of the stored set failed. */
    data object Search : HotlineError
    /** The set or the questions could not be refreshed; what the phone has is shown. */
    data object Refresh : HotlineError
    /** The question could not even be queued; it is still in the form. */
    data object Ask : HotlineError
    /** The core refused the action, in its words (e.g. a field it does not accept). */
    data class Refused(val message: String) : HotlineError
}

/** What is wrong with the ask form, each at its field. */
enum class AskProblem {
    /** The text is empty (after trimming). */
    TEXT_EMPTY,
    /** The text is longer than [HOTLINE_MAX_TEXT_CHARS]. */
    TEXT_TOO_LONG,
    /** A ward was typed but is not a 5-digit code. */
    WARD,
    /** A venue id was typed but is not one (letters, digits, `-`, `_`, at most [HOTLINE_MAX_VENUE_CHARS]). */
    VENUE,
    /** A call-back number was typed but is not a Vietnamese mobile number. */
    PHONE,
    /** The phone has no province to send to (no own profile with an address yet). */
    NO_PROVINCE,
}

/** The ask form as typed; optional fields blank when not given. */
data class AskDraft(
    val kind: QuestionKind = QuestionKind.QUESTION,
    val category: QaCategory = QaCategory.OTHER,
    val text: String = "",
    val ward: String = "",
    /** Only sent for a report. */
    val venueId: String = "",
    val contactPhone: String = "",
) {
    // The texts are the citizen's own words and may hold a phone number: lengths only.
    override fun toString(): String =
        "AskDraft(kind=$kind, category=$category, text=${text.length} chars, ward=${ward.isNotBlank()}, venue=${venueId.isNotBlank()}, phone=${contactPhone.isNotBlank()})"
}

/** The hotline's pages. */
sealed interface HotlinePage {
    /** The Q&A: search field, category chips, results. */
    data object Qa : HotlinePage
    /** One Q&A entry. */
    data class Entry(val entryId: String) : HotlinePage
    /** The ask form. */
    data object Ask : HotlinePage
    /** The phone's own questions with their state and answer. */
    data object MyQuestions : HotlinePage
}

/**
 * What the hotline screens show. Views only render this.
 *
 * [province] is where questions go and whose set is fetched (null until the phone has an own profile with an
 * address). [info] is the stored set's version and dates (null before the first fetch). [query] and [category]
 * are the search as typed, [results] what the stored set gave for them ([searching] while a search runs).
 * [draft] is the ask form, [problems] what is wrong with it, [sending] while it is queued; [justSent] is the
 * question just queued, shown on top of [questions] until the page changes.
 */
data class HotlineState(
    val loading: Boolean = true,
    val page: HotlinePage = HotlinePage.Qa,
    val province: String? = null,
    val info: QaSetInfo? = null,
    val refreshingQa: Boolean = false,
    val query: String = "",
    val category: QaCategory? = null,
    val results: List<QaEntry> = emptyList(),
    val searching: Boolean = false,
    /** The entry open on [HotlinePage.Entry], kept so that a new search does not take it away. */
    val entry: QaEntry? = null,
    val draft: AskDraft = AskDraft(),
    val problems: Set<AskProblem> = emptySet(),
    val sending: Boolean = false,
    val justSent: CitizenQuestion? = null,
    val questions: List<CitizenQuestion> = emptyList(),
    val refreshingQuestions: Boolean = false,
    val error: HotlineError? = null,
) {
    /** True when the search has nothing for what was typed (the screen suggests asking). */
    val noResults: Boolean get() = !loading && !searching && results.isEmpty() && info != null

    /** Questions with an answer the citizen can read. */
    val answered: List<CitizenQuestion> get() = questions.filter { it.state == QuestionState.ANSWERED && it.answer != null }

    // No question texts, answers, queries or phone numbers in logs: counts and flags only.
    override fun toString(): String =
        "HotlineState(loading=$loading, page=${page::class.simpleName}, province=${province != null}, version=${info?.version}, " +
            "query=${query.length} chars, category=$category, results=${results.size}, draft=$draft, problems=$problems, sending=$sending, " +
            "questions=${questions.map { it.state }}, error=${error?.let { it::class.simpleName }})"
}

/** What the citizen (or the screen's lifecycle) can do. */
sealed interface HotlineEvent {
    /** The search field changed: searches the stored set as the citizen types. */
    data class Query(val text: String) : HotlineEvent
    /** A category chip was chosen (null: every category). */
    data class Category(val category: QaCategory?) : HotlineEvent
    /** Opens one entry of the results. */
    data class OpenEntry(val entryId: String) : HotlineEvent
    /** Opens the ask form (with the category of the search, if one was chosen). */
    data object OpenAsk : HotlineEvent
    /** Opens the phone's own questions and asks the server for their states. */
    data object OpenMyQuestions : HotlineEvent
    /** Back to the Q&A. */
    data object Back : HotlineEvent
    /** The ask form changed; the problems of the fields that changed no longer apply. */
    data class Edit(val draft: AskDraft) : HotlineEvent
    /** Checks the form and queues the question, written in [language]. */
    data class Send(val language: Language) : HotlineEvent
    /** Fetches a newer set and the questions' states. */
    data object Refresh : HotlineEvent
    data object DismissError : HotlineEvent
}

/**
 * View model of the citizen's hotline: the province's Q&A searched offline as the citizen types, with category
 * chips and one entry at a time; the ask form (question or report, checked before anything is queued); the
 * phone's own questions with their state and answer. Plain Kotlin like [VaccinationViewModel].
 *
 * [provinceOf] says which province's hotline the phone uses (the own profile's); it is read at start and at each
 * refresh. On start the stored set and questions are read (works offline), then the server is asked. Events that
 * reach the repository run one at a time, in order, in one coroutine of [scope]; a search that a newer keystroke
 * has overtaken is skipped.
 */
class HotlineViewModel(
    private val repository: HotlineRepository,
    scope: CoroutineScope,
    private val provinceOf: suspend () -> String?,
) {
    private val _state = MutableStateFlow(HotlineState())
    val state: StateFlow<HotlineState> = _state.asStateFlow()

    private val jobs = Channel<Job>(Channel.UNLIMITED)

    /** Work for the repository, queued in order. */
    private sealed interface Job {
        data class Search(val query: String, val category: QaCategory?) : Job
        data object Refresh : Job
        data object RefreshQuestions : Job
        data class Ask(val question: NewQuestion) : Job
    }

    init {
        scope.launch {
            load()
            refresh()
            for (job in jobs) handle(job)
        }
    }

    fun onEvent(event: HotlineEvent) {
        when (event) {
            is HotlineEvent.Query -> {
                _state.update { it.copy(query = event.text, searching = true) }
                jobs.trySend(Job.Search(event.text, _state.value.category))
            }
            is HotlineEvent.Category -> {
                _state.update { it.copy(category = event.category, searching = true) }
                jobs.trySend(Job.Search(_state.value.query, event.category))
            }
            is HotlineEvent.OpenEntry -> _state.update { s ->
                val entry = s.results.firstOrNull { it.id == event.entryId }
                if (entry == null) s else s.copy(page = HotlinePage.Entry(entry.id), entry = entry)
            }
            HotlineEvent.OpenAsk -> _state.update { s ->
                // A search by category suggests what the question is about; the citizen can change it.
                val draft = if (s.draft.text.isBlank() && s.category != null) s.draft.copy(category = s.category) else s.draft
                s.copy(page = HotlinePage.Ask, draft = draft, problems = emptySet(), error = null)
            }
            HotlineEvent.OpenMyQuestions -> {
                _state.update { it.copy(page = HotlinePage.MyQuestions, error = null) }
                jobs.trySend(Job.RefreshQuestions)
            }
            HotlineEvent.Back -> _state.update { it.copy(page = HotlinePage.Qa, entry = null, justSent = null, problems = emptySet()) }
            is HotlineEvent.Edit -> _state.update { s -> s.copy(draft = event.draft, problems = s.problems - changed(s.draft, event.draft)) }
            is HotlineEvent.Send -> send(event.language)
            HotlineEvent.Refresh -> jobs.trySend(Job.Refresh)
            HotlineEvent.DismissError -> _state.update { it.copy(error = null) }
        }
    }

    /** The problems that no longer apply once [before] became [after]. */
    private fun changed(before: AskDraft, after: AskDraft): Set<AskProblem> = buildSet {
        if (before.text != after.text) addAll(listOf(AskProblem.TEXT_EMPTY, AskProblem.TEXT_TOO_LONG))
        if (before.ward != after.ward) add(AskProblem.WARD)
        if (before.venueId != after.venueId || before.kind != after.kind) add(AskProblem.VENUE)
        if (before.contactPhone != after.contactPhone) add(AskProblem.PHONE)
    }

    private fun send(language: Language) {
        val s = _state.value
        if (s.sending) return
        val draft = s.draft
        val text = draft.text.trim()
        val ward = draft.ward.trim().ifEmpty { null }
        // A venue only belongs to a report; a question never carries one.
        val venue = draft.venueId.trim().ifEmpty { null }.takeIf { draft.kind == QuestionKind.REPORT }
        val phone = draft.contactPhone.trim().ifEmpty { null }
        val phoneToSend = phone?.let(::callBackNumber)
        val problems = buildSet {
            if (text.isEmpty()) add(AskProblem.TEXT_EMPTY)
            // Counted in code points, as the server counts characters.
            if (text.codePointCount(0, text.length) > HOTLINE_MAX_TEXT_CHARS) add(AskProblem.TEXT_TOO_LONG)
            if (ward != null && !isWardCode(ward)) add(AskProblem.WARD)
            if (venue != null && (venue.length > HOTLINE_MAX_VENUE_CHARS || !VENUE_ID.matches(venue))) add(AskProblem.VENUE)
            if (phone != null && phoneToSend == null) add(AskProblem.PHONE)
            if (s.province == null) add(AskProblem.NO_PROVINCE)
        }
        if (problems.isNotEmpty()) {
            _state.update { it.copy(problems = problems) }
            return
        }
        val question = NewQuestion(
            kind = draft.kind,
            category = draft.category,
            province = s.province!!,
            ward = ward,
            text = text,
            venueId = venue,
            contactPhone = phoneToSend,
            language = if (language == Language.EN) "en" else "vi",
        )
        _state.update { it.copy(sending = true, problems = emptySet(), error = null) }
        jobs.trySend(Job.Ask(question))
    }

    private suspend fun handle(job: Job) {
        when (job) {
            is Job.Search -> {
                // A newer keystroke or chip is queued behind this one: only the latest search is worth running.
                val s = _state.value
                if (s.query == job.query && s.category == job.category) search()
            }
            Job.Refresh -> refresh()
            Job.RefreshQuestions -> refreshQuestions()
            is Job.Ask -> ask(job.question)
        }
    }

    private suspend fun load() {
        val province = attempt(HotlineError.Load) { provinceOf() }
        val info = attempt(HotlineError.Load) { repository.qaInfo() }
        val questions = attempt(HotlineError.Load) { repository.questions() }
        _state.update { it.copy(province = province ?: it.province, info = info ?: it.info, questions = questions ?: it.questions) }
        search()
        _state.update { it.copy(loading = false) }
    }

    private suspend fun search() {
        val query = _state.value.query
        val category = _state.value.category
        val results = attempt(HotlineError.Search) { repository.search(query.trim(), category) }
        _state.update { s ->
            // Keystrokes that arrived meanwhile have queued their own search; keep "searching" until it runs.
            val current = s.query == query && s.category == category
            s.copy(results = results ?: s.results, searching = !current)
        }
    }

    private suspend fun refresh() {
        val province = attempt(HotlineError.Load) { provinceOf() } ?: _state.value.province
        _state.update { it.copy(province = province, refreshingQa = province != null) }
        if (province != null) {
            val before = _state.value.info
            val info = attempt(HotlineError.Refresh) { repository.refreshQa(province) }
            _state.update { it.copy(refreshingQa = false, info = info ?: it.info) }
            // A new version (or a first set) changes what the search finds.
            if (info != null && (before == null || info.version != before.version || info.province != before.province)) search()
        }
        refreshQuestions()
    }

    private suspend fun refreshQuestions() {
        _state.update { it.copy(refreshingQuestions = true) }
        val questions = attempt(HotlineError.Refresh) { repository.refreshQuestions() }
        _state.update { s ->
            val justSent = s.justSent?.let { sent -> questions?.firstOrNull { it.id == sent.id } ?: sent }
            s.copy(refreshingQuestions = false, questions = questions ?: s.questions, justSent = justSent)
        }
    }

    private suspend fun ask(question: NewQuestion) {
        val asked = attempt(HotlineError.Ask) { repository.ask(question) }
        if (asked == null) {
            _state.update { it.copy(sending = false) }
            return
        }
        // The form is emptied only once the question is safely queued.
        _state.update { s ->
            s.copy(
                sending = false,
                draft = AskDraft(),
                page = HotlinePage.MyQuestions,
                justSent = asked,
                questions = listOf(asked) + s.questions.filter { it.id != asked.id },
            )
        }
        val stored = attempt(HotlineError.Load) { repository.questions() }
        if (stored != null) {
            _state.update { s -> s.copy(questions = stored, justSent = stored.firstOrNull { it.id == asked.id } ?: s.justSent) }
        }
    }

    /** Runs [call]; on failure shows [error] (or the core's refusal) and returns null. */
    private suspend fun <T : Any> attempt(error: HotlineError, call: suspend () -> T?): T? = try {
        call()
    } catch (e: CancellationException) {
        throw e
    } catch (e: HotlineException) {
        _state.update { it.copy(error = HotlineError.Refused(e.message.orEmpty())) }
        null
    } catch (e: Exception) {
        _state.update { it.copy(error = error) }
        null
    }
}
