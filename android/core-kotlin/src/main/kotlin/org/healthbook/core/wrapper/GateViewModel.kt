package org.healthbook.core.wrapper

import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** A field of the bind form. */
enum class GateField { GATE, USERNAME, PASSWORD }

/**
 * What the gate screens show. Views only render this.
 *
 * [gate] is the gate this device is bound to (null: the bind form; [loading] until the first read).
 * [missing] are the bind form's empty fields and [bindRefusal] the core's words when binding was refused
 * (wrong password, not this agency's gate), both until the form is edited. [direction] is the way people
 * pass, kept between scans until the operator turns it. [last] is the last scan's verdict ([scanning] while
 * one is being verified) until [GateEvent.Clear]. [queue] is the upload queue ([syncing] while an upload runs).
 * [error] is the last failed action until [GateEvent.DismissError].
 */
data class GateState(
    val loading: Boolean = true,
    val gate: BoundGate? = null,
    val binding: Boolean = false,
    val missing: Set<GateField> = emptySet(),
    val bindRefusal: String? = null,
    val direction: GateDirection = GateDirection.IN,
    val scanning: Boolean = false,
    val last: GateScan? = null,
    val queue: GateQueue? = null,
    val syncing: Boolean = false,
    val error: GateError? = null,
) {
    /** Passages waiting for upload (0 before the queue was read). */
    val pending: Int get() = queue?.pending ?: 0

    // No holder names in logs: the verdict and counts only.
    override fun toString(): String =
        "GateState(loading=$loading, bound=${gate != null}, binding=$binding, missing=$missing, bindRefusal=${bindRefusal != null}, " +
            "direction=$direction, scanning=$scanning, last=${last?.decision}, pending=$pending, syncing=$syncing, error=$error)"
}

/**
 * A failed gate action the screens can explain. [Refused] carries the core's words for the operator
 * ([GateException]: no personal data by the core's rules); the other errors carry none.
 */
sealed interface GateError {
    /** The bound gate or the queue could not be read. */
    data object Load : GateError
    /** Binding failed for a reason other than a refusal (offline, server). */
    data object Bind : GateError
    /** A scan could not be verified or recorded (storage); the card was not judged. */
    data object Scan : GateError
    /** The upload failed (offline, server); the passages stay queued. */
    data object Sync : GateError
    /** Unbinding failed for a reason other than a refusal. */
    data object Unbind : GateError
    /** The core refused the action, in its words (e.g. "passages are waiting for upload"). */
    data class Refused(val message: String) : GateError
}

/** What the operator (or the camera) can do. */
sealed interface GateEvent {
    /** Reads the bound gate and the queue again. */
    data object Reload : GateEvent
    /** Signs the operator in and binds this device to [gateId]. */
    data class Bind(val gateId: String, val username: String, val password: String) : GateEvent
    /** A field of the bind form changed: its problem and the refusal no longer apply. */
    data class BindEdited(val field: GateField) : GateEvent
    /** People now pass the other way ([direction]); later scans use it. */
    data class SetDirection(val direction: GateDirection) : GateEvent
    /** A card was scanned: verify it offline and record the passage in the current direction. */
    data class Scan(val qrText: String) : GateEvent
    /** Clears the last verdict (the next person steps up). */
    data object Clear : GateEvent
    /** Uploads the waiting passages (in the background; scanning goes on). */
    data object Sync : GateEvent
    /** Unbinds the device. */
    data object Unbind : GateEvent
    data object DismissError : GateEvent
}

/**
 * View model of the gate device: bind once, then a scan loop. Plain Kotlin, like [CheckpointViewModel]; on
 * Android an `androidx.lifecycle.ViewModel` owns it and passes its `viewModelScope`.
 *
 * Scans are verified one at a time, in order, each in the direction chosen when it was scanned. An upload
 * runs in its own coroutine, so scanning goes on meanwhile; the queue is re-read after each recorded scan.
 */
class GateViewModel(
    private val repository: GateRepository,
    private val scope: CoroutineScope,
) {
    private val _state = MutableStateFlow(GateState())
    val state: StateFlow<GateState> = _state.asStateFlow()

    private val events = Channel<Work>(Channel.UNLIMITED)
    /** Scans sent but not verified yet. */
    private val pendingScans = AtomicInteger()
    private var syncJob: Job? = null

    /** Work for the event coroutine; a scan keeps the direction it was made in, so that a later toggle does not change it. */
    private sealed interface Work {
        data class Event(val event: GateEvent) : Work
        data class DirectedScan(val qrText: String, val direction: GateDirection) : Work
    }

    init {
        scope.launch {
            load()
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: GateEvent) {
        when (event) {
            is GateEvent.SetDirection -> _state.update { it.copy(direction = event.direction) }
            is GateEvent.BindEdited -> _state.update { it.copy(missing = it.missing - event.field, bindRefusal = null) }
            GateEvent.Clear -> _state.update { it.copy(last = null) }
            GateEvent.DismissError -> _state.update { it.copy(error = null) }
            GateEvent.Sync -> sync()
            is GateEvent.Scan -> {
                pendingScans.incrementAndGet()
                val direction = _state.value.direction
                _state.update { it.copy(scanning = true) }
                events.trySend(Work.DirectedScan(event.qrText, direction))
            }
            is GateEvent.Bind -> {
                val missing = buildSet {
                    if (event.gateId.isBlank()) add(GateField.GATE)
                    if (event.username.isBlank()) add(GateField.USERNAME)
                    if (event.password.isEmpty()) add(GateField.PASSWORD)
                }
                if (missing.isNotEmpty()) {
                    _state.update { it.copy(missing = missing, bindRefusal = null) }
                } else {
                    _state.update { it.copy(binding = true, missing = emptySet(), bindRefusal = null) }
                    events.trySend(Work.Event(event))
                }
            }
            GateEvent.Reload, GateEvent.Unbind -> events.trySend(Work.Event(event))
        }
    }

    private suspend fun handle(work: Work) {
        when (work) {
            is Work.DirectedScan -> scan(work)
            is Work.Event -> when (val event = work.event) {
                GateEvent.Reload -> load()
                is GateEvent.Bind -> bind(event)
                GateEvent.Unbind -> unbind()
                else -> Unit
            }
        }
    }

    private suspend fun load() {
        val gate = try {
            Result.success(repository.boundGate())
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            Result.failure(e)
        }
        val queue = attempt(GateError.Load) { repository.queue() }
        _state.update {
            it.copy(
                loading = false,
                gate = gate.getOrElse { _ -> it.gate },
                queue = queue ?: it.queue,
                error = if (gate.isFailure) GateError.Load else it.error,
            )
        }
    }

    private suspend fun bind(event: GateEvent.Bind) {
        val gate = try {
            repository.bind(event.gateId.trim(), event.username.trim(), event.password)
        } catch (e: CancellationException) {
            throw e
        } catch (e: GateException) {
            _state.update { it.copy(binding = false, bindRefusal = e.message) }
            return
        } catch (e: Exception) {
            _state.update { it.copy(binding = false, error = GateError.Bind) }
            return
        }
        _state.update { it.copy(binding = false, gate = gate, last = null) }
        rereadQueue()
    }

    private suspend fun scan(scan: Work.DirectedScan) {
        val result = try {
            Result.success(repository.scan(scan.qrText, scan.direction))
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            // A bad card is a REFUSE verdict, never an exception: only storage or a missing binding land here.
            Result.failure(e)
        }
        val scanning = pendingScans.decrementAndGet() > 0
        _state.update { state ->
            result.fold(
                { state.copy(last = it, scanning = scanning) },
                { e -> state.copy(last = null, scanning = scanning, error = (e as? GateException)?.let { GateError.Refused(it.message.orEmpty()) } ?: GateError.Scan) },
            )
        }
        if (result.getOrNull()?.recorded == true) rereadQueue()
    }

    private suspend fun unbind() {
        try {
            repository.unbind()
        } catch (e: CancellationException) {
            throw e
        } catch (e: GateException) {
            _state.update { it.copy(error = GateError.Refused(e.message.orEmpty())) }
            return
        } catch (e: Exception) {
            _state.update { it.copy(error = GateError.Unbind) }
            return
        }
        _state.update { it.copy(gate = null, last = null) }
    }

    private fun sync() {
        if (syncJob?.isActive == true) return
        _state.update { it.copy(syncing = true, error = null) }
        syncJob = scope.launch {
            try {
                val queue = repository.sync()
                _state.update { it.copy(queue = queue, syncing = false) }
            } catch (e: CancellationException) {
                throw e
            } catch (e: GateException) {
                _state.update { it.copy(syncing = false, error = GateError.Refused(e.message.orEmpty())) }
            } catch (e: Exception) {
                _state.update { it.copy(syncing = false, error = GateError.Sync) }
            }
        }
    }

    private suspend fun rereadQueue() {
        val queue = try {
            repository.queue()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            // The verdict is what matters at the gate; the count catches up on the next scan or reload.
            return
        }
        _state.update { it.copy(queue = queue) }
    }

    /** Runs [call]; on failure shows [error] and returns null. */
    private suspend fun <T : Any> attempt(error: GateError, call: suspend () -> T): T? = try {
        call()
    } catch (e: CancellationException) {
        throw e
    } catch (e: Exception) {
        _state.update { it.copy(error = error) }
        null
    }
}
