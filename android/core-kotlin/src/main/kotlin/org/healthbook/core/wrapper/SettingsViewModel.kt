package org.healthbook.core.wrapper

import java.time.Instant
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.healthbook.core.Language
import org.healthbook.core.PassException
import org.healthbook.core.SettingsException
import org.healthbook.core.SettingsInterface
import org.healthbook.core.TrustRefresh
import org.healthbook.core.VerifierInterface

/**
 * What the first-start and settings screens show. [loaded] is false until the stored settings were read.
 * [trust] and [trustRefreshedAt] are the last trust refresh made while the app runs (the core keeps the
 * lists, not when they were fetched); [dccKeyIds] are the EU DCC signer certificates added in this run.
 */
data class SettingsState(
    val loaded: Boolean = false,
    val language: Language = Language.VI,
    val serverUrl: String? = null,
    val rootKey: String? = null,
    val trust: TrustRefresh? = null,
    val trustRefreshedAt: Instant? = null,
    val refreshingTrust: Boolean = false,
    val dccKeyIds: List<String> = emptyList(),
    val error: SettingsError? = null,
) {
    /** Whether first start is done: a server and a pinned root key. */
    val configured: Boolean get() = serverUrl != null && rootKey != null
}

/** Errors the settings screens can act on; no personal data in them. */
sealed interface SettingsError {
    data class InvalidServerUrl(val reason: String) : SettingsError
    data class InvalidRootKey(val reason: String) : SettingsError
    /** The DCC certificate is not a usable signer certificate. */
    data class BadCertificate(val reason: String) : SettingsError
    /** The trust refresh failed: the reason is already mapped for the checkpoint screen. */
    data class Trust(val error: CheckpointError) : SettingsError
    data class Unavailable(val reason: String) : SettingsError

    companion object {
        fun from(error: Exception): SettingsError = when (error) {
            is SettingsException.InvalidServerUrl -> InvalidServerUrl(error.reason)
            is SettingsException.InvalidRootKey -> InvalidRootKey(error.reason)
            is SettingsException.Storage -> Unavailable(error.reason)
            is PassException.BadCertificate -> BadCertificate(error.reason)
            is PassException -> Trust(CheckpointError.from(error))
            else -> Unavailable(error.message ?: error.javaClass.simpleName)
        }
    }
}

/** What the person can do on the first-start and settings screens. */
sealed interface SettingsEvent {
    data class SetLanguage(val language: Language) : SettingsEvent
    data class SetServerUrl(val url: String) : SettingsEvent
    /** Pins the root key bundled in the app (first start). */
    data class PinRootKey(val key: String) : SettingsEvent
    data object RefreshTrust : SettingsEvent
    data class AddDccCertificate(val derBase64: String) : SettingsEvent
    data object DismissError : SettingsEvent
}

/**
 * View model of first start and settings over the generated [SettingsInterface] and [VerifierInterface]
 * (fakes in tests). Plain Kotlin, like [ProfileListViewModel]. Changes are handled one at a time, in order;
 * a trust refresh runs in its own coroutine so that the screen stays usable.
 */
class SettingsViewModel(
    private val settings: SettingsInterface,
    private val verifier: VerifierInterface,
    private val scope: CoroutineScope,
    private val now: () -> Instant = Instant::now,
) {
    private val _state = MutableStateFlow(SettingsState())
    val state: StateFlow<SettingsState> = _state.asStateFlow()

    private val events = Channel<SettingsEvent>(Channel.UNLIMITED)
    private var trustJob: Job? = null

    init {
        scope.launch {
            attempt {
                val language = settings.language()
                val url = settings.serverUrl()
                val key = settings.rootKey()
                _state.update { it.copy(loaded = true, language = language, serverUrl = url, rootKey = key) }
            }
            _state.update { it.copy(loaded = true) }
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: SettingsEvent) {
        when (event) {
            SettingsEvent.DismissError -> _state.update { it.copy(error = null) }
            SettingsEvent.RefreshTrust -> refreshTrust()
            else -> events.trySend(event)
        }
    }

    private suspend fun handle(event: SettingsEvent) {
        when (event) {
            is SettingsEvent.SetLanguage -> attempt {
                settings.setLanguage(event.language)
                _state.update { it.copy(language = event.language) }
            }
            is SettingsEvent.SetServerUrl -> attempt {
                settings.setServerUrl(event.url)
                _state.update { it.copy(serverUrl = settings.serverUrl()) }
            }
            is SettingsEvent.PinRootKey -> attempt {
                settings.setRootKey(event.key)
                _state.update { it.copy(rootKey = settings.rootKey()) }
            }
            is SettingsEvent.AddDccCertificate -> attempt {
                val kid = verifier.addDccCertificate(event.derBase64)
                _state.update { it.copy(dccKeyIds = (it.dccKeyIds + kid).distinct()) }
            }
            SettingsEvent.RefreshTrust, SettingsEvent.DismissError -> Unit
        }
    }

    private fun refreshTrust() {
        if (trustJob?.isActive == true) return
        _state.update { it.copy(refreshingTrust = true, error = null) }
        trustJob = scope.launch {
            try {
                val trust = verifier.refreshTrust()
                _state.update { it.copy(trust = trust, trustRefreshedAt = now(), refreshingTrust = false) }
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                _state.update { it.copy(refreshingTrust = false, error = SettingsError.from(e)) }
            }
        }
    }

    private suspend fun attempt(action: suspend () -> Unit) {
        try {
            action()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            _state.update { it.copy(error = SettingsError.from(e)) }
        }
    }
}
