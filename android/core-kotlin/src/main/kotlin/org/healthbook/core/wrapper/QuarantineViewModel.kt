package org.healthbook.core.wrapper

import java.time.Instant
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** The prefix of a home token as printed on the sticker inside the home. */
const val HOME_TOKEN_PREFIX = "HQ1:"

/** True when [text] (spaces around it ignored) looks like a home token: `HQ1:` and something after it. */
fun isHomeToken(text: String): Boolean {
    val t = text.trim()
    return t.startsWith(HOME_TOKEN_PREFIX) && t.length > HOME_TOKEN_PREFIX.length && t.none { it.isWhitespace() }
}

/**
 * A failed quarantine action the screens explain in words; none carries personal data. [Refused] carries the
 * core's words ([QuarantineException]: why, in Vietnamese and English), [Offline] says the server could not be
 * reached; the objects are failures of the phone itself (storage) or checks made here, each naming its action.
 */
sealed interface QuarantineError {
    /** The orders could not be read from the phone. */
    data object Load : QuarantineError
    /** The server could not be reached; the orders shown are the last known. */
    data object Refresh : QuarantineError
    /** The commitment text could not be fetched. */
    data object Commitment : QuarantineError
    /** Signing the commitment failed; nothing was signed. */
    data object Sign : QuarantineError
    /** Enrolling the home failed; the order still waits for enrolment. */
    data object Enrol : QuarantineError
    /** The check-in could not be made or queued; the person may try again. */
    data object CheckIn : QuarantineError
    /** The explanation could not be sent or queued; the case is unchanged. */
    data object Explain : QuarantineError
    /** What was scanned is not a home token (not the sticker of the home). */
    data object NotHomeToken : QuarantineError
    /** There is no open challenge to answer (it closed, or none is open yet). */
    data object NoChallenge : QuarantineError
    /**
     * The core refused the action, in its words for the person: why it did not happen (no check-in open now, the
     * sticker must be scanned, location is off, the case no longer takes an explanation, ...). Due process: the
     * person is told the reason, not only that something failed.
     */
    data class Refused(val message: String) : QuarantineError
    /**
     * The action needs the server and it could not be reached: nothing was changed and nothing was refused; try
     * again with a connection. (Check-ins and explanations are saved and sent later instead of failing.)
     */
    data object Offline : QuarantineError
}

/** The pages of the quarantine screens. */
sealed interface QuarantinePage {
    /** The orders, each with its countdown, next check-in window and cases. */
    data object Countdown : QuarantinePage
    /** The commitment text of the selected order, to read and sign. */
    data object Commitment : QuarantinePage
    /** Enrolment of the home: scan the sticker, then enrol. */
    data object Enrolment : QuarantinePage
    /** The open challenge and the check-in button. */
    data object CheckIn : QuarantinePage
    /** One case: what happened, the explanation form, the officer's decision. */
    data class Case(val caseId: String) : QuarantinePage
}

/** What the person typed or chose in the explanation form, and what is wrong with it. */
data class ExplanationDraft(
    val reason: ExplanationReason? = null,
    val text: String = "",
    /** No reason was chosen when sending. */
    val reasonMissing: Boolean = false,
    /** OTHER was chosen and the text is empty. */
    val textMissing: Boolean = false,
)

/**
 * What the quarantine screens show. Views only render this.
 *
 * [orders] are every profile's orders; [selectedId] the one the pages after the countdown act on. [commitment]
 * is the text of the selected order once fetched, [readToEnd] once the person scrolled to its end (the sign
 * button waits for it). [scannedToken] is the home token scanned for enrolment or a check-in. [lastCheckIn] is
 * the result of the check-in just made (PENDING while it waits in the outbox, REFUSED when the server turned it
 * down for good). [checkIns] and [cases] are the
 * selected order's, newest first. [busy] while an action runs; [error] is the last failed one until dismissed.
 */
data class QuarantineState(
    val loading: Boolean = true,
    val refreshing: Boolean = false,
    val orders: List<QuarantineOrder> = emptyList(),
    val selectedId: String? = null,
    val page: QuarantinePage = QuarantinePage.Countdown,
    val commitment: QuarantineCommitment? = null,
    val readToEnd: Boolean = false,
    val scannedToken: String? = null,
    val lastCheckIn: QuarantineCheckIn? = null,
    val checkIns: List<QuarantineCheckIn> = emptyList(),
    val cases: List<QuarantineCase> = emptyList(),
    val draft: ExplanationDraft = ExplanationDraft(),
    val busy: Boolean = false,
    val error: QuarantineError? = null,
) {
    /** The order the pages act on. */
    val selected: QuarantineOrder? get() = selectedId?.let { id -> orders.firstOrNull { it.orderId == id } }

    /** The first order still running (for the home card), if any. */
    val active: QuarantineOrder? get() = orders.firstOrNull { it.state == QuarantineOrderState.ACTIVE }

    /** The case the explain page shows. */
    val openCase: QuarantineCase? get() = (page as? QuarantinePage.Case)?.let { p -> cases.firstOrNull { it.caseId == p.caseId } }

    /** Cases still waiting for the person's explanation (not yet given, not queued). */
    val casesToExplain: List<QuarantineCase> get() = cases.filter { it.state == QuarantineCaseState.AWAITING_EXPLANATION && it.explanation == null }

    /**
     * True when the selected order can be checked in at [now]: it is active, a challenge is open and its grace has
     * not ended, and the home token is scanned when the challenge asks for it.
     */
    fun canCheckIn(now: Instant): Boolean {
        val challenge = selected?.takeIf { it.state == QuarantineOrderState.ACTIVE }?.openChallenge ?: return false
        return !busy && now.isBefore(challenge.graceEndsAt) && (!challenge.homeTokenRequired || scannedToken != null)
    }

    /** True when [case] may still be explained at [now] (no decision yet, before its explain-by time). */
    fun canExplain(case: QuarantineCase, now: Instant): Boolean =
        case.state == QuarantineCaseState.AWAITING_EXPLANATION && case.decision == null && now.isBefore(case.explainBy)

    // No names, addresses, ids, tokens or explanation text in logs: counts, states and flags only.
    override fun toString(): String =
        "QuarantineState(loading=$loading, refreshing=$refreshing, orders=${orders.map { it.state }}, selected=${selectedId != null}, " +
            "page=${page::class.simpleName}, commitment=${commitment?.version}, readToEnd=$readToEnd, scanned=${scannedToken != null}, " +
            "lastCheckIn=${lastCheckIn?.verdict}, checkIns=${checkIns.size}, cases=${cases.map { it.state }}, busy=$busy, " +
            "error=${error?.let { it::class.simpleName }})"
}

/** What the person (or the screen's lifecycle) can do. */
sealed interface QuarantineEvent {
    /** Asks the server for the orders and their open challenges. */
    data object Refresh : QuarantineEvent
    /** Shows [orderId]'s countdown, check-ins and cases. */
    data class Select(val orderId: String) : QuarantineEvent
    /** Opens the commitment of the selected order (fetches its text). */
    data object OpenCommitment : QuarantineEvent
    /** The person scrolled to the end of the commitment text. */
    data object ReadToEnd : QuarantineEvent
    /** Signs the commitment that was read to the end. */
    data object Sign : QuarantineEvent
    /** Opens the enrolment of the selected order. */
    data object OpenEnrolment : QuarantineEvent
    /** The scanner read [text] (a home token, the screens hope). */
    data class Scanned(val text: String) : QuarantineEvent
    /** Enrols the home with the scanned token. */
    data object Enrol : QuarantineEvent
    /** Opens the check-in page of the selected order. */
    data object OpenCheckIn : QuarantineEvent
    /** Answers the open challenge (with the scanned token when one was scanned). */
    data object CheckIn : QuarantineEvent
    /** Opens the case [caseId]. */
    data class OpenCase(val caseId: String) : QuarantineEvent
    /** The reason chosen in the explanation form. */
    data class ChooseReason(val reason: ExplanationReason) : QuarantineEvent
    /** The explanation text changed. */
    data class ExplanationText(val text: String) : QuarantineEvent
    /** Sends the explanation of the open case. */
    data object SendExplanation : QuarantineEvent
    /** Back to the countdown. */
    data object Back : QuarantineEvent
    data object DismissError : QuarantineEvent
}

/**
 * View model of the person's home-quarantine screens: the orders with their countdown, reading and signing the
 * commitment, enrolling the home (scan the sticker, then enrol), answering a challenge with a check-in, and the
 * cases with their explanation form. Plain Kotlin like [VaccinationViewModel]; on Android an
 * `androidx.lifecycle.ViewModel` owns it and passes its `viewModelScope`. [now] is the clock (injected for tests).
 *
 * On start it reads the phone's store (works offline), then refreshes from the server. Events that reach the
 * repository run one at a time, in order, in one coroutine of [scope]. Location is never read here: only the
 * repository's [QuarantineRepository.checkIn] and [QuarantineRepository.enrol] do, when the person asks.
 */
class QuarantineViewModel(
    private val repository: QuarantineRepository,
    scope: CoroutineScope,
    private val now: () -> Instant = Instant::now,
) {
    private val _state = MutableStateFlow(QuarantineState())
    val state: StateFlow<QuarantineState> = _state.asStateFlow()

    private val events = Channel<QuarantineEvent>(Channel.UNLIMITED)

    init {
        scope.launch {
            load()
            refresh()
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: QuarantineEvent) {
        when (event) {
            QuarantineEvent.ReadToEnd -> _state.update { it.copy(readToEnd = true) }
            is QuarantineEvent.Scanned -> {
                if (isHomeToken(event.text)) {
                    _state.update { it.copy(scannedToken = event.text.trim(), error = null) }
                } else {
                    // A wrong code (a pass, a shop's QR) is said at once and forgets any earlier scan.
                    _state.update { it.copy(scannedToken = null, error = QuarantineError.NotHomeToken) }
                }
            }
            is QuarantineEvent.ChooseReason -> _state.update {
                it.copy(draft = it.draft.copy(reason = event.reason, reasonMissing = false, textMissing = false))
            }
            is QuarantineEvent.ExplanationText -> _state.update { it.copy(draft = it.draft.copy(text = event.text, textMissing = false)) }
            QuarantineEvent.Back -> _state.update {
                it.copy(page = QuarantinePage.Countdown, commitment = null, readToEnd = false, scannedToken = null, lastCheckIn = null, draft = ExplanationDraft())
            }
            QuarantineEvent.DismissError -> _state.update { it.copy(error = null) }
            QuarantineEvent.OpenEnrolment -> _state.update { it.copy(page = QuarantinePage.Enrolment, scannedToken = null, error = null) }
            QuarantineEvent.OpenCheckIn -> _state.update { it.copy(page = QuarantinePage.CheckIn, scannedToken = null, lastCheckIn = null, error = null) }
            is QuarantineEvent.OpenCase -> _state.update { it.copy(page = QuarantinePage.Case(event.caseId), draft = ExplanationDraft(), error = null) }
            QuarantineEvent.Sign -> {
                // The button is shown only after the end was reached; the guard keeps a stray event from signing unread.
                if (_state.value.readToEnd && _state.value.commitment != null) send(event)
            }
            QuarantineEvent.Enrol -> {
                if (_state.value.scannedToken == null) _state.update { it.copy(error = QuarantineError.NotHomeToken) } else send(event)
            }
            QuarantineEvent.CheckIn -> {
                if (!_state.value.canCheckIn(now())) _state.update { it.copy(error = QuarantineError.NoChallenge) } else send(event)
            }
            QuarantineEvent.SendExplanation -> {
                val draft = _state.value.draft
                when {
                    draft.reason == null -> _state.update { it.copy(draft = draft.copy(reasonMissing = true)) }
                    draft.reason == ExplanationReason.OTHER && draft.text.isBlank() -> _state.update { it.copy(draft = draft.copy(textMissing = true)) }
                    else -> send(event)
                }
            }
            QuarantineEvent.Refresh, is QuarantineEvent.Select, QuarantineEvent.OpenCommitment -> events.trySend(event)
        }
    }

    /** Marks the state busy and queues [event] for the repository. */
    private fun send(event: QuarantineEvent) {
        _state.update { it.copy(busy = true, error = null) }
        events.trySend(event)
    }

    private suspend fun handle(event: QuarantineEvent) {
        when (event) {
            QuarantineEvent.Refresh -> refresh()
            is QuarantineEvent.Select -> select(event.orderId)
            QuarantineEvent.OpenCommitment -> openCommitment()
            QuarantineEvent.Sign -> sign()
            QuarantineEvent.Enrol -> enrol()
            QuarantineEvent.CheckIn -> checkIn()
            QuarantineEvent.SendExplanation -> explain()
            else -> Unit
        }
    }

    private suspend fun load() {
        val orders = attempt(QuarantineError.Load) { repository.orders() }
        _state.update { it.copy(loading = false) }
        if (orders != null) showOrders(orders)
    }

    private suspend fun refresh() {
        _state.update { it.copy(refreshing = true) }
        val orders = attempt(QuarantineError.Refresh) { repository.refresh() }
        _state.update { it.copy(refreshing = false) }
        if (orders != null) showOrders(orders)
    }

    /** Shows [orders], keeps the selection when it still exists (else picks the running one), and reads its history. */
    private suspend fun showOrders(orders: List<QuarantineOrder>) {
        val current = _state.value.selectedId
        val selected = orders.firstOrNull { it.orderId == current }
            ?: orders.firstOrNull { it.state == QuarantineOrderState.ACTIVE }
            ?: orders.firstOrNull()
        _state.update { it.copy(orders = orders, selectedId = selected?.orderId) }
        if (selected != null) history(selected.orderId)
    }

    private suspend fun select(orderId: String) {
        _state.update { it.copy(selectedId = orderId, page = QuarantinePage.Countdown, checkIns = emptyList(), cases = emptyList()) }
        history(orderId)
    }

    /** Reads the order's check-ins and cases from the phone. */
    private suspend fun history(orderId: String) {
        val checkIns = attempt(QuarantineError.Load) { repository.checkIns(orderId) }
        val cases = attempt(QuarantineError.Load) { repository.cases(orderId) }
        _state.update { s ->
            if (s.selectedId != orderId) s else s.copy(checkIns = checkIns ?: s.checkIns, cases = cases ?: s.cases)
        }
    }

    private suspend fun openCommitment() {
        val orderId = _state.value.selectedId ?: return
        _state.update { it.copy(page = QuarantinePage.Commitment, commitment = null, readToEnd = false, busy = true, error = null) }
        val commitment = attempt(QuarantineError.Commitment) { repository.commitment(orderId) }
        _state.update { it.copy(commitment = commitment, busy = false) }
    }

    private suspend fun sign() {
        val s = _state.value
        val orderId = s.selectedId ?: return done()
        val version = s.commitment?.version ?: return done()
        val order = attempt(QuarantineError.Sign) { repository.signCommitment(orderId, version) }
        if (order == null) return done()
        replace(order)
        // Signed: the next step is the home's enrolment.
        _state.update { it.copy(busy = false, page = QuarantinePage.Enrolment, commitment = null, readToEnd = false, scannedToken = null) }
    }

    private suspend fun enrol() {
        val s = _state.value
        val orderId = s.selectedId ?: return done()
        val token = s.scannedToken ?: return done()
        val order = attempt(QuarantineError.Enrol) { repository.enrol(orderId, token) } ?: return done()
        replace(order)
        _state.update { it.copy(busy = false, page = QuarantinePage.Countdown, scannedToken = null) }
    }

    private suspend fun checkIn() {
        val s = _state.value
        val orderId = s.selectedId ?: return done()
        val checkIn = attempt(QuarantineError.CheckIn) { repository.checkIn(orderId, s.scannedToken) } ?: return done()
        _state.update { it.copy(busy = false, lastCheckIn = checkIn, scannedToken = null) }
        // The answered challenge and the outbox count changed on the phone; a doubtful verdict opened a case.
        attempt(QuarantineError.Load) { repository.orders() }?.let { orders -> _state.update { it.copy(orders = orders) } }
        history(orderId)
    }

    private suspend fun explain() {
        val s = _state.value
        val case = s.openCase ?: return done()
        val reason = s.draft.reason ?: return done()
        val explained = attempt(QuarantineError.Explain) { repository.explain(case.caseId, reason, s.draft.text.trim()) } ?: return done()
        _state.update { st ->
            st.copy(busy = false, cases = st.cases.map { if (it.caseId == explained.caseId) explained else it }, draft = ExplanationDraft())
        }
    }

    private fun done() = _state.update { it.copy(busy = false) }

    private fun replace(order: QuarantineOrder) = _state.update { s ->
        s.copy(orders = s.orders.map { if (it.orderId == order.orderId) order else it })
    }

    /**
     * Runs [call]; on failure shows why and returns null: the core's refusal in its words, [QuarantineError.Offline]
     * when the server could not be reached, else [error]. Only [QuarantineException]'s words (written for the
     * person, naming no one) are shown; any other exception's text is never shown or kept.
     */
    private suspend fun <T : Any> attempt(error: QuarantineError, call: suspend () -> T): T? = try {
        call()
    } catch (e: CancellationException) {
        throw e
    } catch (e: QuarantineException) {
        _state.update { it.copy(error = if (e.offline) QuarantineError.Offline else QuarantineError.Refused(e.message.orEmpty())) }
        null
    } catch (e: Exception) {
        _state.update { it.copy(error = error) }
        null
    }
}
