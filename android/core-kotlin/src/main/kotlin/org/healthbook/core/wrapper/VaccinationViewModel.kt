package org.healthbook.core.wrapper

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

private val WARD_CODE = Regex("\\d{5}")

/** True when [code] (spaces around it ignored) is a 5-digit ward code. */
fun isWardCode(code: String): Boolean = WARD_CODE.matches(code.trim())

/**
 * A failed vaccination action the screens can explain. [Refused] carries the core's words for the person
 * ([VaccinationException]: never personal data); the others carry none.
 */
sealed interface VaccinationError {
    /** The records could not be read from the phone. */
    data object Load : VaccinationError
    /** The server could not be reached; the records shown are the last known. */
    data object Refresh : VaccinationError
    /** Registering failed (offline, server); nothing changed. */
    data object Register : VaccinationError
    /** The answer could not be sent or queued; the invitation is unchanged. */
    data object Answer : VaccinationError
    /** The core refused the action, in its words (e.g. "the invitation is closed"). */
    data class Refused(val message: String) : VaccinationError
}

/**
 * What the citizen's vaccination screens show. Views only render this.
 *
 * [records] are every profile's records and [invitations] every profile's invitations, newest first
 * ([loading] until the first read from the phone, [refreshing] while the server is asked). [registering] is
 * the profile whose registration form is open; [wardInvalid] says the ward code typed there is not 5 digits
 * (until it is edited); [busy] while a registration runs. [answering] are the invitations whose answer is
 * being sent. [error] is the last failed action until [VaccinationEvent.DismissError].
 */
data class VaccinationState(
    val loading: Boolean = true,
    val refreshing: Boolean = false,
    val records: List<ProfileVaccinationRecord> = emptyList(),
    val invitations: List<VaccinationInvitation> = emptyList(),
    val registering: String? = null,
    val wardInvalid: Boolean = false,
    val busy: Boolean = false,
    val answering: Set<String> = emptySet(),
    val error: VaccinationError? = null,
) {
    /** The record whose registration form is open, if any. */
    val registeringRecord: ProfileVaccinationRecord? get() = registering?.let { id -> records.firstOrNull { it.profileId == id } }

    /** Invitations still waiting for an answer (or whose answer waits to be sent). */
    val open: List<VaccinationInvitation> get() = invitations.filter { it.state == InvitationState.PENDING || it.answerPending }

    // No names, ids or certificates in logs: counts and flags only.
    override fun toString(): String =
        "VaccinationState(loading=$loading, refreshing=$refreshing, records=${records.size}, invitations=${invitations.map { it.state }}, " +
            "registering=${registering != null}, wardInvalid=$wardInvalid, busy=$busy, answering=${answering.size}, error=${error?.let { it::class.simpleName }})"
}

/** What the person (or the screen's lifecycle) can do. */
sealed interface VaccinationEvent {
    /** Asks the server for records, certificates and invitations. */
    data object Refresh : VaccinationEvent
    /** Opens the registration form of [profileId]. */
    data class OpenRegister(val profileId: String) : VaccinationEvent
    /** Closes the registration form. */
    data object CloseRegister : VaccinationEvent
    /** Registers [profileId] in the commune [wardCode] (checked as 5 digits first). */
    data class Register(val profileId: String, val wardCode: String) : VaccinationEvent
    /** The ward code changed: its problem no longer applies. */
    data object WardEdited : VaccinationEvent
    /** Confirms ([confirm] true) or declines an invitation. */
    data class Answer(val invitationId: String, val confirm: Boolean) : VaccinationEvent
    data object DismissError : VaccinationEvent
}

/**
 * View model of the citizen's vaccination screens: each profile's record (doses, next dose due), registering a
 * profile in its commune, and invitations with confirm or decline. Plain Kotlin like [TestResultsViewModel]; on
 * Android an `androidx.lifecycle.ViewModel` owns it and passes its `viewModelScope`.
 *
 * On start it reads the phone's store (works offline), then refreshes from the server. Events that reach the
 * repository run one at a time, in order, in one coroutine of [scope].
 */
class VaccinationViewModel(
    private val repository: VaccinationRepository,
    scope: CoroutineScope,
) {
    private val _state = MutableStateFlow(VaccinationState())
    val state: StateFlow<VaccinationState> = _state.asStateFlow()

    private val events = Channel<VaccinationEvent>(Channel.UNLIMITED)

    init {
        scope.launch {
            load()
            refresh()
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: VaccinationEvent) {
        when (event) {
            is VaccinationEvent.OpenRegister -> _state.update { it.copy(registering = event.profileId, wardInvalid = false, error = null) }
            VaccinationEvent.CloseRegister -> _state.update { it.copy(registering = null, wardInvalid = false) }
            VaccinationEvent.WardEdited -> _state.update { it.copy(wardInvalid = false) }
            VaccinationEvent.DismissError -> _state.update { it.copy(error = null) }
            is VaccinationEvent.Register -> {
                if (!isWardCode(event.wardCode)) {
                    _state.update { it.copy(wardInvalid = true) }
                } else {
                    _state.update { it.copy(busy = true, wardInvalid = false, error = null) }
                    events.trySend(event)
                }
            }
            is VaccinationEvent.Answer -> {
                _state.update { it.copy(answering = it.answering + event.invitationId, error = null) }
                events.trySend(event)
            }
            VaccinationEvent.Refresh -> events.trySend(event)
        }
    }

    private suspend fun handle(event: VaccinationEvent) {
        when (event) {
            VaccinationEvent.Refresh -> refresh()
            is VaccinationEvent.Register -> register(event.profileId, event.wardCode.trim())
            is VaccinationEvent.Answer -> answer(event.invitationId, event.confirm)
            else -> Unit
        }
    }

    private suspend fun load() {
        val records = attempt(VaccinationError.Load) { repository.records() }
        val invitations = attempt(VaccinationError.Load) { repository.invitations() }
        _state.update { it.copy(loading = false, records = records ?: it.records, invitations = invitations ?: it.invitations) }
    }

    private suspend fun refresh() {
        _state.update { it.copy(refreshing = true) }
        val records = attempt(VaccinationError.Refresh) { repository.refresh() }
        // The refresh stored the server's invitations; read them back from the phone's store.
        val invitations = if (records != null) attempt(VaccinationError.Load) { repository.invitations() } else null
        _state.update { it.copy(refreshing = false, records = records ?: it.records, invitations = invitations ?: it.invitations) }
    }

    private suspend fun register(profileId: String, wardCode: String) {
        val record = attempt(VaccinationError.Register) { repository.register(profileId, wardCode) }
        _state.update { s ->
            if (record == null) {
                s.copy(busy = false)
            } else {
                val records = if (s.records.any { it.profileId == record.profileId }) {
                    s.records.map { if (it.profileId == record.profileId) record else it }
                } else {
                    s.records + record
                }
                s.copy(busy = false, records = records, registering = null)
            }
        }
    }

    private suspend fun answer(invitationId: String, confirm: Boolean) {
        val answered = attempt(VaccinationError.Answer) { repository.answer(invitationId, confirm) }
        _state.update { s ->
            val invitations = if (answered == null) s.invitations else s.invitations.map { if (it.invitationId == answered.invitationId) answered else it }
            s.copy(answering = s.answering - invitationId, invitations = invitations)
        }
    }

    /** Runs [call]; on failure shows [error] (or the core's refusal) and returns null. */
    private suspend fun <T : Any> attempt(error: VaccinationError, call: suspend () -> T): T? = try {
        call()
    } catch (e: CancellationException) {
        throw e
    } catch (e: VaccinationException) {
        _state.update { it.copy(error = VaccinationError.Refused(e.message.orEmpty())) }
        null
    } catch (e: Exception) {
        _state.update { it.copy(error = error) }
        null
    }
}
