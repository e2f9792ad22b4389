package org.healthbook.core.wrapper

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * What the set-up check screen shows. [steps] are the last check's steps in order (empty before the first);
 * [checking] is true while a check runs (the previous steps stay shown meanwhile). [failed] is true when the
 * last check could not run at all (the core failed); the steps of the check before it stay.
 */
data class SetupCheckState(
    val checking: Boolean = true,
    val steps: List<SetupStep> = emptyList(),
    val failed: Boolean = false,
) {
    /** Steps that need something done (a problem first, then warnings, in order). */
    val toFix: List<SetupStep> get() =
        steps.filter { it.state == SetupState.PROBLEM } + steps.filter { it.state == SetupState.WARNING }

    /** True when a check finished and nothing is a problem or a warning. */
    val allGood: Boolean get() = steps.isNotEmpty() && toFix.isEmpty()
}

/** What the volunteer can do on the set-up check screen. */
sealed interface SetupCheckEvent {
    /** Runs the check again (after a permission was granted or the network came back). */
    data object CheckAgain : SetupCheckEvent
}

/**
 * View model of the set-up check. The check runs once at start and again on [SetupCheckEvent.CheckAgain];
 * [facts] is asked each time, since the person may have granted a permission in the phone's settings meanwhile.
 * Checks asked for while one runs are merged into one more run after it.
 */
class SetupCheckViewModel(
    private val repository: SetupCheckRepository,
    private val scope: CoroutineScope,
    private val facts: () -> PlatformFacts,
) {
    private val _state = MutableStateFlow(SetupCheckState())
    val state: StateFlow<SetupCheckState> = _state.asStateFlow()

    private val requests = Channel<Unit>(Channel.CONFLATED)

    init {
        requests.trySend(Unit)
        scope.launch {
            for (request in requests) check()
        }
    }

    fun onEvent(event: SetupCheckEvent) {
        when (event) {
            SetupCheckEvent.CheckAgain -> {
                _state.update { it.copy(checking = true) }
                requests.trySend(Unit)
            }
        }
    }

    private suspend fun check() {
        _state.update { it.copy(checking = true) }
        try {
            val steps = repository.check(facts())
            _state.update { it.copy(checking = false, steps = steps, failed = false) }
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            _state.update { it.copy(checking = false, failed = true) }
        }
    }
}
