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
import org.healthbook.core.AttestationCode
import org.healthbook.core.Binding
import org.healthbook.core.PersonException
import org.healthbook.core.ProfileField
import org.healthbook.core.SmsChallenge

/** Where the binding flow of an unbound profile stands. */
sealed interface BindingStep {
    /** Nothing started: offer the SMS code (asking for a citizen id or phone when the profile lacks one) or an attestation. */
    data object Choose : BindingStep

    /** A code went by SMS to [SmsChallenge.sentTo]; the user types it. [attemptsLeft] is known after a wrong code. */
    data class EnterCode(val challenge: SmsChallenge, val attemptsLeft: Int? = null) : BindingStep

    /** The phone shows [code] (and its QR, [qrPng], null when it could not be rendered) to an officer or volunteer. */
    data class ShowAttestation(val code: AttestationCode, val qrPng: ByteArray?) : BindingStep {
        // ByteArray compares by identity in a data class; compare the picture's bytes instead.
        override fun equals(other: Any?): Boolean =
            other is ShowAttestation && code == other.code &&
                (qrPng === other.qrPng || (qrPng != null && other.qrPng != null && qrPng.contentEquals(other.qrPng)))

        override fun hashCode(): Int = 31 * code.hashCode() + (qrPng?.contentHashCode() ?: 0)

        override fun toString(): String = "ShowAttestation(expiresAt=${code.expiresAt}, qrPng=${qrPng?.size} bytes)"
    }
}

/**
 * What the binding screen of one profile shows. Views only render this.
 *
 * [binding] is the person the profile is bound to (null: not bound, and [step] says where the flow stands).
 * [offline] is true when the server could not be reached and [binding] is the kept copy. [busy] is true while
 * a request runs; [error] is the outcome of the last failed action until [PersonBindingEvent.DismissError].
 */
data class PersonBindingState(
    val profileId: String,
    val loading: Boolean = true,
    val binding: Binding? = null,
    val step: BindingStep = BindingStep.Choose,
    val offline: Boolean = false,
    val busy: Boolean = false,
    val error: BindingScreenError? = null,
) {
    val bound: Boolean get() = binding != null
}

/** Errors the binding screen can act on; no personal data in them. */
sealed interface BindingScreenError {
    /** The server can't be reached. */
    data class Offline(val reason: String) : BindingScreenError
    /** No server is configured. */
    data object NoServer : BindingScreenError
    /** Ask for the citizen id (the profile has none). */
    data object CitizenIdRequired : BindingScreenError
    /** Ask for a phone number (the profile has none). */
    data object PhoneRequired : BindingScreenError
    /** A value typed is invalid; show [reason] next to [field]. */
    data class InvalidField(val field: ProfileField, val reason: String) : BindingScreenError
    /** Wrong code; [attemptsLeft] more tries (0: start again). */
    data class WrongCode(val attemptsLeft: Int) : BindingScreenError
    /** Too many attempts: binding works again at [until]. */
    data class Locked(val retryAfterSecs: Long, val until: Instant) : BindingScreenError
    /** The code was used, burned or expired: start again. */
    data object ChallengeClosed : BindingScreenError
    /** The name or birth year doesn't match the record for this citizen id (the server does not say which). */
    data object IdentityMismatch : BindingScreenError
    /** The record has no phone number: only an officer or volunteer can bind it; offer the attestation code. */
    data object AttestationRequired : BindingScreenError
    /** The profile is gone. */
    data class NotFound(val id: String) : BindingScreenError
    /** The server refused or failed. */
    data class Server(val reason: String) : BindingScreenError
    /** Storage, or anything unexpected. */
    data class Unavailable(val reason: String) : BindingScreenError

    companion object {
        fun from(error: Exception, now: Instant): BindingScreenError = when (error) {
            is PersonException.Unreachable -> Offline(error.reason)
            is PersonException.NoServer -> NoServer
            is PersonException.CitizenIdRequired -> CitizenIdRequired
            is PersonException.PhoneRequired -> PhoneRequired
            is PersonException.InvalidField -> InvalidField(error.field, error.reason)
            is PersonException.WrongCode -> WrongCode(error.attemptsLeft.toInt())
            is PersonException.Locked -> Locked(error.retryAfterSecs.toLong(), now.plusSeconds(error.retryAfterSecs.toLong()))
            is PersonException.ChallengeClosed -> ChallengeClosed
            is PersonException.NoPendingChallenge -> ChallengeClosed
            is PersonException.IdentityMismatch -> IdentityMismatch
            is PersonException.AttestationRequired -> AttestationRequired
            is PersonException.NotFound -> NotFound(error.id)
            is PersonException.Server -> Server(error.reason)
            is PersonException.DataKey -> Unavailable(error.reason)
            is PersonException.Storage -> Unavailable(error.reason)
            else -> Unavailable(error.message ?: error.javaClass.simpleName)
        }
    }
}

/** What the user (or the screen's lifecycle) can do. */
sealed interface PersonBindingEvent {
    /** Reads the bindings from the server again (after an officer attested, say). */
    data object Refresh : PersonBindingEvent
    /** Asks for a code by SMS; [citizenId] and [phone] only when the profile lacks them. */
    data class StartSms(val citizenId: String? = null, val phone: String? = null) : PersonBindingEvent
    /** Sends the code typed for the current SMS challenge. */
    data class EnterCode(val code: String) : PersonBindingEvent
    /** Shows a code for an officer or volunteer. */
    data object StartAttestation : PersonBindingEvent
    /** Back to choosing (the started challenge stays valid on the server until it expires). */
    data object Cancel : PersonBindingEvent
    /** Removes this phone's binding. */
    data object Unbind : PersonBindingEvent
    /** Removes another phone's binding to the same person. */
    data class RemoveOtherDevice(val device: String) : PersonBindingEvent
    data object DismissError : PersonBindingEvent
}

/**
 * View model of the binding screen of one profile ([profileId]). Plain Kotlin, like [PassViewModel]: on Android
 * an `androidx.lifecycle.ViewModel` owns it and passes its `viewModelScope`; JVM tests pass a test scope.
 *
 * On start it shows the kept binding at once (offline), resumes an SMS challenge still pending, then asks the
 * server. Events are handled one at a time, in order, by one coroutine in [scope].
 */
class PersonBindingViewModel(
    private val repository: PersonBindingRepository,
    scope: CoroutineScope,
    private val profileId: String,
    /** Pixels per QR module of the attestation code. */
    private val qrScale: Int = 8,
    /** The clock that turns a Retry-After into a time to show. */
    private val now: () -> Instant = Instant::now,
) {
    private val _state = MutableStateFlow(PersonBindingState(profileId))
    val state: StateFlow<PersonBindingState> = _state.asStateFlow()

    private val events = Channel<PersonBindingEvent>(Channel.UNLIMITED)

    init {
        scope.launch {
            load()
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: PersonBindingEvent) {
        when (event) {
            // Purely local: applied at once.
            PersonBindingEvent.DismissError -> _state.update { it.copy(error = null) }
            PersonBindingEvent.Cancel -> _state.update { it.copy(step = BindingStep.Choose, error = null) }
            else -> events.trySend(event)
        }
    }

    private suspend fun handle(event: PersonBindingEvent) {
        when (event) {
            PersonBindingEvent.Refresh -> refresh()
            is PersonBindingEvent.StartSms -> action { startSms(event) }
            is PersonBindingEvent.EnterCode -> enterCode(event.code)
            PersonBindingEvent.StartAttestation -> action { startAttestation() }
            PersonBindingEvent.Unbind -> unbind()
            is PersonBindingEvent.RemoveOtherDevice -> action {
                val list = repository.removeOtherDevice(profileId, event.device)
                _state.update { it.copy(binding = list.bindings.firstOrNull { b -> b.profileId == profileId }, offline = !list.online) }
            }
            PersonBindingEvent.DismissError, PersonBindingEvent.Cancel -> Unit
        }
    }

    /** Runs [block] marked busy; a failure becomes the screen's error. */
    private suspend fun action(block: suspend () -> Unit) {
        _state.update { it.copy(busy = true, error = null) }
        try {
            block()
            _state.update { it.copy(busy = false) }
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            _state.update { it.copy(busy = false, error = BindingScreenError.from(e, now())) }
        }
    }

    private suspend fun load() {
        try {
            val kept = repository.keptBindings(profileId).firstOrNull()
            val pending = if (kept == null) repository.pendingChallenge(profileId) else null
            _state.update {
                it.copy(binding = kept, step = pending?.let { c -> BindingStep.EnterCode(c) } ?: BindingStep.Choose)
            }
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            _state.update { it.copy(error = BindingScreenError.from(e, now())) }
        }
        refresh()
    }

    private suspend fun refresh() {
        _state.update { it.copy(busy = true) }
        try {
            val list = repository.bindings(profileId)
            val binding = list.bindings.firstOrNull { it.profileId == profileId }
            _state.update {
                it.copy(
                    loading = false,
                    busy = false,
                    binding = binding,
                    offline = !list.online,
                    // Bound meanwhile (an officer attested): the flow is over.
                    step = if (binding != null) BindingStep.Choose else it.step,
                )
            }
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            _state.update { it.copy(loading = false, busy = false, error = BindingScreenError.from(e, now())) }
        }
    }

    private suspend fun startSms(event: PersonBindingEvent.StartSms) {
        val challenge = repository.startSmsBinding(profileId, event.citizenId?.takeIf { it.isNotBlank() }, event.phone?.takeIf { it.isNotBlank() })
        _state.update { it.copy(step = BindingStep.EnterCode(challenge)) }
    }

    private suspend fun enterCode(code: String) {
        val step = _state.value.step as? BindingStep.EnterCode ?: run {
            _state.update { it.copy(error = BindingScreenError.ChallengeClosed) }
            return
        }
        _state.update { it.copy(busy = true, error = null) }
        try {
            val binding = repository.verifyCode(step.challenge.challengeId, code)
            _state.update { it.copy(busy = false, binding = binding, step = BindingStep.Choose, offline = false) }
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            val error = BindingScreenError.from(e, now())
            _state.update {
                val next = when {
                    error is BindingScreenError.WrongCode && error.attemptsLeft > 0 -> step.copy(attemptsLeft = error.attemptsLeft)
                    // Burned, used or expired: the user must ask for a new code.
                    error is BindingScreenError.WrongCode || error is BindingScreenError.ChallengeClosed ||
                        error is BindingScreenError.Locked -> BindingStep.Choose
                    else -> step
                }
                it.copy(busy = false, step = next, error = error)
            }
        }
    }

    private suspend fun startAttestation() {
        val code = repository.startAttestation(profileId)
        val png = try {
            repository.qrPng(code.code, qrScale)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            // The code is readable as text too; a missing picture must not hide it.
            null
        }
        _state.update { it.copy(step = BindingStep.ShowAttestation(code, png)) }
    }

    private suspend fun unbind() {
        _state.update { it.copy(busy = true, error = null) }
        try {
            repository.unbind(profileId)
            _state.update { it.copy(busy = false, binding = null, step = BindingStep.Choose) }
        } catch (e: CancellationException) {
            throw e
        } catch (e: PersonException.NotBound) {
            // Already removed (from another phone, or by an officer): the screen shows what is true now.
            _state.update { it.copy(busy = false, binding = null, step = BindingStep.Choose) }
        } catch (e: Exception) {
            _state.update { it.copy(busy = false, error = BindingScreenError.from(e, now())) }
        }
    }
}
