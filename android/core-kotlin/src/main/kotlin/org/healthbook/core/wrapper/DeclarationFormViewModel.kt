package org.healthbook.core.wrapper

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.healthbook.core.AnswerValue
import org.healthbook.core.Declaration
import org.healthbook.core.DeclarationException
import org.healthbook.core.DeclarationForm
import org.healthbook.core.FieldError
import org.healthbook.core.FormQuestion
import org.healthbook.core.HealthStatus
import org.healthbook.core.Language
import org.healthbook.core.OutboxEntry
import org.healthbook.core.ProfileField
import org.healthbook.core.SyncEvent
import org.healthbook.core.SyncException
import org.healthbook.core.SyncListener

/** What the declaration screen shows. Views only render this. */
sealed interface DeclarationFormState {
    /** The form is being loaded. */
    data object Loading : DeclarationFormState

    /**
     * The form, in [language], with the answers so far.
     *
     * [validationErrors] is the core's verdict on [validatedAnswers] in [validatedLanguage]; while the user
     * types, [answers] run ahead of it ([validating]). [errors] is the part of the verdict to show: errors of
     * questions the user has touched, and every error once a submit was attempted (so an empty form does not
     * open covered in "please answer"); an error whose answer changed since is hidden until the core has
     * judged the new one. [submitted] is the last declaration saved from
     * this screen. [outbox], [healthStatus] and [sync] describe delivery to the server. [error] is the
     * outcome of the last failed action that is not about a field, until [DeclarationFormEvent.DismissError].
     */
    data class Ready(
        val language: Language,
        val form: DeclarationForm,
        val answers: Map<String, AnswerValue> = emptyMap(),
        val validationErrors: List<FieldError> = emptyList(),
        val validatedAnswers: Map<String, AnswerValue>? = null,
        val validatedLanguage: Language? = null,
        val touched: Set<String> = emptySet(),
        val submitAttempted: Boolean = false,
        val submitting: Boolean = false,
        val submitted: Declaration? = null,
        val outbox: List<OutboxEntry> = emptyList(),
        val healthStatus: HealthStatus? = null,
        val sync: SyncProgress = SyncProgress(),
        val error: DeclarationFormError? = null,
    ) : DeclarationFormState {
        /** The error to show next to each question (key [WHOLE_FORM] for the form as a whole). */
        val errors: Map<String, FieldError>
            get() = validationErrors
                .filter {
                    it.field == WHOLE_FORM ||
                        ((submitAttempted || it.field in touched) && answers[it.field] == validatedAnswers?.get(it.field))
                }
                .groupBy { it.field }
                .mapValues { it.value.first() }

        /** Whether the core has yet to judge the current [answers] (or to word its verdict in [language]). */
        val validating: Boolean get() = validatedAnswers != answers || validatedLanguage != language

        /** Whether the core found nothing wrong with the current [answers]. */
        val isValid: Boolean get() = !validating && validationErrors.isEmpty()

        /** Whether [question] needs an answer now, given the other answers (to mark it with an asterisk). */
        fun isRequired(question: FormQuestion): Boolean = question.isRequiredGiven(answers)
    }

    /** The form could not be loaded; [DeclarationFormEvent.Reload] retries. */
    data class Failed(val error: DeclarationFormError) : DeclarationFormState
}

/** Pseudo question id of errors about the answers as a whole (the core's `_form`). */
const val WHOLE_FORM: String = "_form"

/**
 * Whether this question needs an answer given [answers]: always-required, or required by its condition.
 * Mirrors the core's rule for display only; the core's validation stays the authority.
 */
fun FormQuestion.isRequiredGiven(answers: Map<String, AnswerValue>): Boolean {
    if (required) return true
    val condition = requiredIf ?: return false
    val other = answers[condition.field] ?: return false
    condition.equalsBool?.let { expected -> return other is AnswerValue.Bool && other.value == expected }
    if (condition.oneOf.isNotEmpty()) {
        val id = when (other) {
            is AnswerValue.Choice -> other.id
            is AnswerValue.Text -> other.value
            else -> return false
        }
        return id in condition.oneOf
    }
    return condition.notEmpty && other is AnswerValue.Choices && other.ids.isNotEmpty()
}

/** Errors the screen can act on, other than field errors; no personal data in them. */
sealed interface DeclarationFormError {
    data class UnknownForm(val formId: String) : DeclarationFormError
    /** The profile (or declaration) is gone. */
    data class NotFound(val id: String) : DeclarationFormError
    /** No server is configured, so nothing can be sent yet. */
    data object NoServer : DeclarationFormError
    /** The server refused this device's sign-in. */
    data class SignInRefused(val reason: String) : DeclarationFormError
    /** The server can't be reached; what was saved stays queued. */
    data class Offline(val reason: String) : DeclarationFormError
    /** The server refused or failed. */
    data class Server(val reason: String) : DeclarationFormError
    /** The profile declared for is invalid: fix [field] on the profile screen. */
    data class InvalidProfile(val field: ProfileField, val reason: String) : DeclarationFormError
    /** Storage, or anything unexpected. */
    data class Unavailable(val reason: String) : DeclarationFormError

    companion object {
        fun from(error: Exception): DeclarationFormError = when (error) {
            is DeclarationException.UnknownForm -> UnknownForm(error.formId)
            is DeclarationException.NotFound -> NotFound(error.id)
            is DeclarationException.InvalidProfile -> InvalidProfile(error.field, error.reason)
            is DeclarationException.NoServer -> NoServer
            is DeclarationException.Unreachable -> Offline(error.reason)
            is DeclarationException.Server -> Server(error.reason)
            is DeclarationException.Corrupt -> Unavailable(error.reason)
            is DeclarationException.DataKey -> Unavailable(error.reason)
            is DeclarationException.Storage -> Unavailable(error.reason)
            is SyncException.NoServer -> NoServer
            is SyncException.SignInRefused -> SignInRefused(error.reason)
            is SyncException.Unreachable -> Offline(error.reason)
            is SyncException.NotFound -> NotFound(error.itemId.toString())
            is SyncException.Corrupt -> Unavailable(error.reason)
            is SyncException.DataKey -> Unavailable(error.reason)
            is SyncException.Storage -> Unavailable(error.reason)
            else -> Unavailable(error.message ?: error.javaClass.simpleName)
        }
    }
}

/** What the user can do on the screen. */
sealed interface DeclarationFormEvent {
    /** Sets (or, with null, clears) the answer to one question; validated at once. */
    data class Answer(val questionId: String, val value: AnswerValue?) : DeclarationFormEvent
    /** Shows the form and its messages in another language; answers are kept. */
    data class SetLanguage(val language: Language) : DeclarationFormEvent
    /** Validates, saves and queues the declaration; field errors show next to their questions. */
    data object Submit : DeclarationFormEvent
    /** Sends the outbox now (in the background: the form stays usable). */
    data object SyncNow : DeclarationFormEvent
    /** Makes one outbox item due now (also one the server refused). */
    data class Retry(val itemId: Long) : DeclarationFormEvent
    /** Reads the outbox and health status again. */
    data object RefreshOutbox : DeclarationFormEvent
    /** Loads the form again after [DeclarationFormState.Failed]. */
    data object Reload : DeclarationFormEvent
    data object DismissError : DeclarationFormEvent
}

/**
 * View model of the declaration screen for one form ([formId]) about one profile ([profileId]), optionally
 * filled in by another ([filledByProfileId]; the core defaults it to the phone owner for family members).
 * Plain Kotlin, like [ProfileListViewModel]: on Android an `androidx.lifecycle.ViewModel` owns it and passes
 * its `viewModelScope`; JVM tests pass a test scope.
 *
 * Events are handled one at a time, in order, by one coroutine in [scope]; an answer is applied to the
 * state at once (so typing never lags) and validated in turn. A sync runs in its own coroutine, so the form
 * stays usable meanwhile; its progress arrives through a [SyncListener] the core calls from its threads.
 */
class DeclarationFormViewModel(
    private val repository: DeclarationRepository,
    private val scope: CoroutineScope,
    private val profileId: String,
    private val formId: String,
    private val initialLanguage: Language,
    private val filledByProfileId: String? = null,
) {
    private val _state = MutableStateFlow<DeclarationFormState>(DeclarationFormState.Loading)
    val state: StateFlow<DeclarationFormState> = _state.asStateFlow()

    private val events = Channel<DeclarationFormEvent>(Channel.UNLIMITED)
    private val refreshLock = Mutex()
    private var syncJob: Job? = null

    /** Folds the core's sync events into the state; called on the core's threads. */
    private val syncListener = object : SyncListener {
        override fun onEvent(event: SyncEvent) {
            updateReady { it.copy(sync = it.sync.after(event)) }
        }
    }

    init {
        scope.launch {
            load(initialLanguage)
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: DeclarationFormEvent) {
        when (event) {
            // Purely local: applied at once; validation follows in order.
            is DeclarationFormEvent.Answer -> {
                updateReady {
                    val answers = if (event.value == null) it.answers - event.questionId else it.answers + (event.questionId to event.value)
                    it.copy(answers = answers, touched = it.touched + event.questionId)
                }
                events.trySend(event)
            }
            DeclarationFormEvent.DismissError -> updateReady { it.copy(error = null) }
            else -> events.trySend(event)
        }
    }

    private suspend fun handle(event: DeclarationFormEvent) {
        when (event) {
            is DeclarationFormEvent.Answer -> revalidate()
            is DeclarationFormEvent.SetLanguage -> setLanguage(event.language)
            DeclarationFormEvent.Submit -> submit()
            DeclarationFormEvent.SyncNow -> startSync()
            is DeclarationFormEvent.Retry -> {
                attempt { repository.retry(event.itemId) }
                refreshOutbox()
            }
            DeclarationFormEvent.RefreshOutbox -> refreshOutbox()
            DeclarationFormEvent.Reload -> if (_state.value is DeclarationFormState.Failed) load(initialLanguage)
            DeclarationFormEvent.DismissError -> Unit
        }
    }

    private suspend fun load(language: Language) {
        _state.value = DeclarationFormState.Loading
        val form = try {
            repository.forms(language).firstOrNull { it.id == formId }
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            _state.value = DeclarationFormState.Failed(DeclarationFormError.from(e))
            return
        }
        if (form == null) {
            _state.value = DeclarationFormState.Failed(DeclarationFormError.UnknownForm(formId))
            return
        }
        _state.value = DeclarationFormState.Ready(language, form)
        revalidate()
        refreshOutbox()
    }

    private suspend fun setLanguage(language: Language) {
        val ready = _state.value as? DeclarationFormState.Ready ?: return
        if (ready.language == language) return
        attempt {
            val form = repository.forms(language).firstOrNull { it.id == formId } ?: throw DeclarationException.UnknownForm(formId)
            updateReady { it.copy(language = language, form = form) }
        }
        revalidate()
    }

    /** Validates the current answers; a result for answers that changed meanwhile is dropped (another is queued). */
    private suspend fun revalidate() {
        val ready = _state.value as? DeclarationFormState.Ready ?: return
        attempt {
            val errors = repository.validate(formId, ready.answers, ready.language)
            updateReady {
                if (it.answers == ready.answers && it.language == ready.language) {
                    it.copy(validationErrors = errors, validatedAnswers = ready.answers, validatedLanguage = ready.language)
                } else {
                    it // stale: the answers changed meanwhile, and their validation is queued
                }
            }
        }
    }

    private suspend fun submit() {
        val ready = _state.value as? DeclarationFormState.Ready ?: return
        updateReady { it.copy(submitting = true, submitAttempted = true, error = null) }
        val declaration = try {
            repository.submit(profileId, formId, ready.answers, filledByProfileId, ready.language)
        } catch (e: CancellationException) {
            throw e
        } catch (e: DeclarationException.InvalidAnswers) {
            updateReady {
                it.copy(submitting = false, validationErrors = e.errors, validatedAnswers = ready.answers, validatedLanguage = ready.language)
            }
            return
        } catch (e: Exception) {
            updateReady { it.copy(submitting = false, error = DeclarationFormError.from(e)) }
            return
        }
        updateReady {
            it.copy(
                answers = emptyMap(), touched = emptySet(), submitAttempted = false, submitting = false,
                submitted = declaration,
            )
        }
        revalidate()
        refreshOutbox()
    }

    private fun startSync() {
        if (_state.value !is DeclarationFormState.Ready || syncJob?.isActive == true) return
        updateReady { it.copy(sync = it.sync.starting(), error = null) }
        syncJob = scope.launch {
            var error: DeclarationFormError? = null
            try {
                val report = repository.syncNow(syncListener)
                updateReady { it.copy(sync = it.sync.copy(lastReport = report)) }
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                error = DeclarationFormError.from(e)
            }
            refreshOutbox()
            updateReady { it.copy(sync = it.sync.copy(running = false), error = error ?: it.error) }
        }
    }

    /** Reads the outbox and the profile's health status; serialised so the last read always wins. */
    private suspend fun refreshOutbox() = refreshLock.withLock {
        attempt {
            val outbox = repository.outbox()
            val status = repository.healthStatus(profileId)
            updateReady { it.copy(outbox = outbox, healthStatus = status) }
        }
    }

    /** Runs [action]; a failure becomes the screen's [DeclarationFormState.Ready.error]. */
    private suspend fun attempt(action: suspend () -> Unit) {
        try {
            action()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            updateReady { it.copy(error = DeclarationFormError.from(e)) }
        }
    }

    private inline fun updateReady(crossinline transform: (DeclarationFormState.Ready) -> DeclarationFormState.Ready) {
        _state.update { if (it is DeclarationFormState.Ready) transform(it) else it }
    }
}
