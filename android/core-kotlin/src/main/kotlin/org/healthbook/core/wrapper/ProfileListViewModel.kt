package org.healthbook.core.wrapper

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.healthbook.core.Profile
import org.healthbook.core.ProfileException
import org.healthbook.core.ProfileField
import org.healthbook.core.ProfileInput

/** What the profile list screen shows. Views only render this. */
sealed interface ProfileListState {
    /** First load in progress; nothing to show yet. */
    data object Loading : ProfileListState

    /**
     * The profiles. [busy] is true while an add/remove/refresh runs; [error] is the outcome of the last
     * failed action (the list stays visible) until [ProfileListEvent.DismissError].
     */
    data class Loaded(
        val profiles: List<Profile>,
        val busy: Boolean = false,
        val error: ProfileListError? = null,
    ) : ProfileListState

    /** The list could not be loaded at all; [ProfileListEvent.Refresh] retries. */
    data class Failed(val error: ProfileListError) : ProfileListState
}

/** Errors the screen can act on; no personal data in them. */
sealed interface ProfileListError {
    data class InvalidField(val field: ProfileField, val reason: String) : ProfileListError
    data class NotFound(val id: String) : ProfileListError
    data object DuplicateCitizenId : ProfileListError
    data object SelfProfileExists : ProfileListError
    /** Storage, an unreadable stored profile, a core that failed to open, or anything unexpected. */
    data class Unavailable(val reason: String) : ProfileListError

    companion object {
        fun from(error: Exception): ProfileListError = when (error) {
            is ProfileException.InvalidField -> InvalidField(error.field, error.reason)
            is ProfileException.NotFound -> NotFound(error.id)
            is ProfileException.DuplicateCitizenId -> DuplicateCitizenId
            is ProfileException.SelfProfileExists -> SelfProfileExists
            is ProfileException.Storage -> Unavailable(error.reason)
            is ProfileException.Corrupt -> Unavailable(error.reason)
            is ProfileException.DataKey -> Unavailable(error.reason)
            else -> Unavailable(error.message ?: error.javaClass.simpleName)
        }
    }
}

/** What the user can do on the screen. */
sealed interface ProfileListEvent {
    data object Refresh : ProfileListEvent
    data class Add(val input: ProfileInput) : ProfileListEvent
    /** Replaces the fields of profile [id] (the edit screen's Save). */
    data class Update(val id: String, val input: ProfileInput) : ProfileListEvent
    data class Remove(val id: String) : ProfileListEvent
    data object DismissError : ProfileListEvent
}

/**
 * View model of the profile list, in plain Kotlin so it runs (and is tested) on the JVM. On Android an
 * `androidx.lifecycle.ViewModel` owns it and passes its `viewModelScope`; on the JVM tests pass a test scope.
 *
 * Events are handled one at a time, in the order they were sent, by a single coroutine in [scope];
 * the first load starts at construction.
 */
class ProfileListViewModel(
    private val repository: ProfileRepository,
    scope: CoroutineScope,
) {
    private val _state = MutableStateFlow<ProfileListState>(ProfileListState.Loading)
    val state: StateFlow<ProfileListState> = _state.asStateFlow()

    private val events = Channel<ProfileListEvent>(Channel.UNLIMITED)

    init {
        scope.launch {
            reload()
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: ProfileListEvent) {
        if (event is ProfileListEvent.DismissError) {
            // Purely local: apply at once so the snackbar goes away without waiting for queued work.
            _state.update { if (it is ProfileListState.Loaded) it.copy(error = null) else it }
        } else {
            events.trySend(event)
        }
    }

    private suspend fun handle(event: ProfileListEvent) {
        when (event) {
            ProfileListEvent.Refresh -> reload()
            is ProfileListEvent.Add -> mutate { repository.add(event.input) }
            is ProfileListEvent.Update -> mutate { repository.update(event.id, event.input) }
            is ProfileListEvent.Remove -> mutate { repository.remove(event.id) }
            ProfileListEvent.DismissError -> Unit
        }
    }

    /** Runs [action], then reloads the list; a failure keeps the list on screen with the error. */
    private suspend fun mutate(action: suspend () -> Unit) {
        setBusy()
        try {
            action()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            val error = ProfileListError.from(e)
            _state.update {
                when (it) {
                    is ProfileListState.Loaded -> it.copy(busy = false, error = error)
                    else -> ProfileListState.Failed(error)
                }
            }
            return
        }
        reload()
    }

    private suspend fun reload() {
        setBusy()
        try {
            val profiles = repository.list()
            _state.value = ProfileListState.Loaded(profiles)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            val error = ProfileListError.from(e)
            _state.update {
                when (it) {
                    is ProfileListState.Loaded -> it.copy(busy = false, error = error)
                    else -> ProfileListState.Failed(error)
                }
            }
        }
    }

    private fun setBusy() {
        _state.update {
            when (it) {
                is ProfileListState.Loaded -> it.copy(busy = true, error = null)
                is ProfileListState.Failed -> ProfileListState.Loading
                ProfileListState.Loading -> it
            }
        }
    }
}
