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
import org.healthbook.core.HealthPass
import org.healthbook.core.PassException

/** The colour a pass is shown in, from its status. */
enum class PassColour {
    GREEN,
    YELLOW,
    RED,

    /** A status this app version does not know; show it neutral and ask for a refresh. */
    UNKNOWN;

    companion object {
        fun of(status: String?): PassColour = when (status) {
            "green" -> GREEN
            "yellow" -> YELLOW
            "red" -> RED
            else -> UNKNOWN
        }
    }
}

/** What the pass screen shows. Views only render this. */
sealed interface PassState {
    /** The kept pass is being read. */
    data object Loading : PassState

    /**
     * The pass of [profileId], or none yet ([pass] null: the phone never got one).
     *
     * [expired] is whether [pass] has expired (as the core said when it was read, or by the view model's clock
     * since). [stale] is true when the last refresh could not reach the server, so [pass] is the kept copy and
     * may be out of date; it clears when a fresh pass arrives. [qrPng] is the QR code of [pass] (null when it
     * could not be rendered). [error] is the outcome of the last failed action, until [PassEvent.DismissError].
     */
    data class Ready(
        val profileId: String,
        val pass: HealthPass? = null,
        val qrPng: ByteArray? = null,
        val expired: Boolean = false,
        val stale: Boolean = false,
        val refreshing: Boolean = false,
        val error: PassScreenError? = null,
    ) : PassState {
        val colour: PassColour get() = PassColour.of(pass?.status)
        val reasons: List<String> get() = pass?.reasons.orEmpty()
        val expiresAt: Instant? get() = pass?.expiresAt

        // ByteArray compares by identity in a data class; compare the picture's bytes instead.
        override fun equals(other: Any?): Boolean =
            other is Ready && profileId == other.profileId && pass == other.pass &&
                (qrPng === other.qrPng || (qrPng != null && other.qrPng != null && qrPng.contentEquals(other.qrPng))) &&
                expired == other.expired && stale == other.stale && refreshing == other.refreshing && error == other.error

        override fun hashCode(): Int {
            var h = profileId.hashCode()
            h = 31 * h + (pass?.hashCode() ?: 0)
            h = 31 * h + (qrPng?.contentHashCode() ?: 0)
            h = 31 * h + expired.hashCode()
            h = 31 * h + stale.hashCode()
            h = 31 * h + refreshing.hashCode()
            h = 31 * h + (error?.hashCode() ?: 0)
            return h
        }

        override fun toString(): String =
            "Ready(profileId=$profileId, pass=${pass?.let { "${it.status} ${it.reasons} until ${it.expiresAt}" }}, " +
                "qrPng=${qrPng?.size} bytes, expired=$expired, stale=$stale, refreshing=$refreshing, error=$error)"
    }

    /** The kept pass could not be read, and none could be fetched; [PassEvent.Refresh] retries. */
    data class Failed(val error: PassScreenError) : PassState
}

/** Errors the pass screen can act on; no personal data in them. */
sealed interface PassScreenError {
    /** The server can't be reached and no pass is kept yet. */
    data class Offline(val reason: String) : PassScreenError
    /** No server is configured. */
    data object NoServer : PassScreenError
    /** No root key is pinned, so the server's pass can't be checked. */
    data object NoRootKey : PassScreenError
    /** The profile is not bound to a person yet: open the binding screen ([PersonBindingViewModel]). */
    data class NotBound(val profileId: String) : PassScreenError
    /** The server refused or failed. */
    data class Server(val reason: String) : PassScreenError
    /** The pass from the server does not verify against the trust list; it was not kept. */
    data class Untrusted(val reason: String) : PassScreenError
    /** The profile is gone. */
    data class NotFound(val id: String) : PassScreenError
    /** The QR code could not be rendered. */
    data class Render(val reason: String) : PassScreenError
    /** Storage, or anything unexpected. */
    data class Unavailable(val reason: String) : PassScreenError

    companion object {
        fun from(error: Exception): PassScreenError = when (error) {
            is PassException.Unreachable -> Offline(error.reason)
            is PassException.NoServer -> NoServer
            is PassException.NoRootKey -> NoRootKey
            is PassException.NotBound -> NotBound(error.profileId)
            is PassException.Server -> Server(error.reason)
            is PassException.Untrusted -> Untrusted(error.reason)
            is PassException.NotFound -> NotFound(error.id)
            is PassException.Render -> Render(error.reason)
            is PassException.BadCertificate -> Unavailable(error.reason)
            is PassException.InvalidProfile -> Unavailable(error.reason)
            is PassException.DataKey -> Unavailable(error.reason)
            is PassException.Storage -> Unavailable(error.reason)
            else -> Unavailable(error.message ?: error.javaClass.simpleName)
        }
    }
}

/** What the user (or the screen's lifecycle) can do. */
sealed interface PassEvent {
    /** Gets a fresh pass from the server now; offline, the kept pass stays on screen, marked [PassState.Ready.stale]. */
    data object Refresh : PassEvent
    /** Reads the kept pass again without the network (on resume, or on a timer so that expiry shows). */
    data object Reload : PassEvent
    data object DismissError : PassEvent
}

/**
 * View model of the pass screen of one profile ([profileId]). Plain Kotlin, like [ProfileListViewModel]: on
 * Android an `androidx.lifecycle.ViewModel` owns it and passes its `viewModelScope`; JVM tests pass a test scope.
 *
 * On start it shows the kept pass at once (offline), then refreshes it from the server when there is none, or
 * when it is past half its life or expired by [now] (the rule the core's `Passes.current` uses). When a
 * refresh fails with [PassException.Unreachable], the kept pass stays on screen marked stale.
 * Events are handled one at a time, in order, by one coroutine in [scope].
 */
class PassViewModel(
    private val repository: PassRepository,
    scope: CoroutineScope,
    private val profileId: String,
    /** Pixels per QR module of [PassState.Ready.qrPng]. */
    private val qrScale: Int = 8,
    /** The clock that decides when the kept pass is due for a refresh and when it has expired. */
    private val now: () -> Instant = Instant::now,
) {
    private val _state = MutableStateFlow<PassState>(PassState.Loading)
    val state: StateFlow<PassState> = _state.asStateFlow()

    private val events = Channel<PassEvent>(Channel.UNLIMITED)

    init {
        scope.launch {
            load()
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: PassEvent) {
        if (event is PassEvent.DismissError) {
            // Purely local: applied at once.
            _state.update { if (it is PassState.Ready) it.copy(error = null) else it }
        } else {
            events.trySend(event)
        }
    }

    private suspend fun handle(event: PassEvent) {
        when (event) {
            PassEvent.Refresh -> refresh()
            PassEvent.Reload -> reload()
            PassEvent.DismissError -> Unit
        }
    }

    private suspend fun load() {
        if (!reload()) {
            // Nothing could be read; a fresh pass may still come (and replaces the failure).
            refresh()
            return
        }
        val kept = (_state.value as? PassState.Ready)?.pass
        if (kept == null || needsRefresh(kept)) refresh()
    }

    /** Reads the kept pass; false when that failed before anything was shown. */
    private suspend fun reload(): Boolean {
        val kept = try {
            repository.kept(profileId)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            val error = PassScreenError.from(e)
            _state.update { if (it is PassState.Ready) it.copy(error = error) else PassState.Failed(error) }
            return _state.value is PassState.Ready
        }
        val previous = _state.value as? PassState.Ready
        // Still the same pass: still as stale as it was. Another one (a background refresh): fresh.
        val stale = previous?.stale == true && kept != null && kept.credentialId == previous.pass?.credentialId
        show(kept, stale = stale, previous = previous)
        return true
    }

    private suspend fun refresh() {
        _state.update {
            when (it) {
                is PassState.Ready -> it.copy(refreshing = true, error = null)
                is PassState.Failed, PassState.Loading -> PassState.Loading
            }
        }
        val fresh = try {
            repository.refresh(profileId)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            val error = PassScreenError.from(e)
            _state.update {
                when {
                    it !is PassState.Ready -> PassState.Failed(error)
                    // Offline with a pass to show: show it, marked stale, rather than an error.
                    e is PassException.Unreachable && it.pass != null ->
                        it.copy(refreshing = false, stale = true, expired = isExpired(it.pass))
                    else -> it.copy(refreshing = false, error = error, expired = it.pass?.let(::isExpired) ?: false)
                }
            }
            return
        }
        show(fresh, stale = false, previous = _state.value as? PassState.Ready)
    }

    /** Shows [pass], rendering its QR code unless it is the one already rendered. */
    private suspend fun show(pass: HealthPass?, stale: Boolean, previous: PassState.Ready?) {
        var renderError: PassScreenError? = null
        val png = when {
            pass == null -> null
            previous?.pass?.qr == pass.qr && previous.qrPng != null -> previous.qrPng
            else -> try {
                repository.qrPng(pass.qr, qrScale)
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                renderError = PassScreenError.from(e)
                null
            }
        }
        _state.value = PassState.Ready(
            profileId = profileId,
            pass = pass,
            qrPng = png,
            expired = pass?.let(::isExpired) ?: false,
            stale = stale,
            refreshing = false,
            error = renderError ?: previous?.error,
        )
    }

    private fun isExpired(pass: HealthPass): Boolean = pass.expired || now().isAfter(pass.expiresAt)

    /** Past half its life, or expired: the core's refresh rule. */
    private fun needsRefresh(pass: HealthPass): Boolean {
        val halfLife = pass.issuedAt.plusMillis((pass.expiresAt.toEpochMilli() - pass.issuedAt.toEpochMilli()) / 2)
        return pass.expired || !now().isBefore(halfLife)
    }
}
