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
 * What the test-results screens show. Views only render this.
 *
 * [samples] are the followed samples, newest first ([loading] until the first read). [codeError] is why the
 * last typed code was refused before anything was sent (the core's words, shown at the code field);
 * [registered] is the outcome of the last registration (it may be [SampleState.REGISTERED_ELSEWHERE]) until
 * [TestResultsEvent.DismissRegistered]. [openSampleId] is the sample whose detail is open and [certificateQrPng]
 * the QR of its certificate (null without a certificate, while it is drawn, or when it could not be drawn:
 * [certificateQrFailed]). [kept] are the samples
 * whose certificate the person chose to keep in this session. [error] is the last failed action until
 * [TestResultsEvent.DismissError].
 */
data class TestResultsState(
    val samples: List<SampleItem> = emptyList(),
    val loading: Boolean = true,
    val refreshing: Boolean = false,
    val registering: Boolean = false,
    val codeError: String? = null,
    val registered: SampleItem? = null,
    val openSampleId: String? = null,
    val certificateQrPng: ByteArray? = null,
    val certificateQrFailed: Boolean = false,
    val kept: Set<String> = emptySet(),
    val error: TestResultsError? = null,
) {
    /** The sample whose detail is open, as last read. */
    val openSample: SampleItem? get() = openSampleId?.let { id -> samples.firstOrNull { it.sampleId == id } }

    // ByteArray compares by identity in a data class; compare the picture's bytes instead.
    override fun equals(other: Any?): Boolean =
        other is TestResultsState && samples == other.samples && loading == other.loading &&
            refreshing == other.refreshing && registering == other.registering && codeError == other.codeError &&
            registered == other.registered && openSampleId == other.openSampleId &&
            (certificateQrPng === other.certificateQrPng ||
                (certificateQrPng != null && other.certificateQrPng != null && certificateQrPng.contentEquals(other.certificateQrPng))) &&
            certificateQrFailed == other.certificateQrFailed && kept == other.kept && error == other.error

    override fun hashCode(): Int {
        var h = samples.hashCode()
        h = 31 * h + loading.hashCode()
        h = 31 * h + refreshing.hashCode()
        h = 31 * h + registering.hashCode()
        h = 31 * h + (codeError?.hashCode() ?: 0)
        h = 31 * h + (registered?.hashCode() ?: 0)
        h = 31 * h + (openSampleId?.hashCode() ?: 0)
        h = 31 * h + (certificateQrPng?.contentHashCode() ?: 0)
        h = 31 * h + certificateQrFailed.hashCode()
        h = 31 * h + kept.hashCode()
        h = 31 * h + (error?.hashCode() ?: 0)
        return h
    }

    // No certificates or codes in logs: sizes and states only.
    override fun toString(): String =
        "TestResultsState(samples=${samples.map { it.state }}, loading=$loading, refreshing=$refreshing, " +
            "registering=$registering, codeError=${codeError != null}, registered=${registered?.state}, " +
            "open=${openSampleId != null}, certificateQrPng=${certificateQrPng?.size} bytes, certificateQrFailed=$certificateQrFailed, kept=${kept.size}, error=$error)"
}

/**
 * A failed action the screens can explain; no personal data (no code, no certificate) in it. The repository's
 * errors are not inspected beyond [SampleCodeException]: the words the core chose are not needed to say
 * "try again", and they could carry a code.
 */
sealed interface TestResultsError {
    /** The samples could not be read. */
    data object Load : TestResultsError
    /** The code could not be registered (offline, or the server failed); the code was not lost. */
    data object Register : TestResultsError
    /** Polling failed; the samples shown are the last known. */
    data object Refresh : TestResultsError
    /** The certificate could not be marked as kept. */
    data object Keep : TestResultsError
}

/** What the user (or the screen's lifecycle) can do. */
sealed interface TestResultsEvent {
    /** Polls what is due (the core honours the server's interval) and shows every sample. */
    data object Refresh : TestResultsEvent
    /** Registers [code] (scanned or typed) for [profileId]. */
    data class Register(val profileId: String, val code: String) : TestResultsEvent
    /** The code field changed: the error shown at it no longer applies. */
    data object CodeEdited : TestResultsEvent
    /** Opens the detail of [sampleId] (and draws its certificate's QR). */
    data class Open(val sampleId: String) : TestResultsEvent
    /** Back from the detail to the list. */
    data object Close : TestResultsEvent
    /** Keeps the certificate of [sampleId] past the retention period. */
    data class KeepCertificate(val sampleId: String) : TestResultsEvent
    data object DismissRegistered : TestResultsEvent
    data object DismissError : TestResultsEvent
}

/**
 * View model of the test-results screens (register, list, detail). Plain Kotlin, like [PassViewModel]: on
 * Android an `androidx.lifecycle.ViewModel` owns it and passes its `viewModelScope`; JVM tests pass a test scope.
 *
 * On start it reads the followed samples (no network), then polls. Events are handled one at a time, in
 * order, by one coroutine in [scope]. [qrPng] draws a certificate as a PNG (the core's QR renderer, through
 * [PassRepository.qrPng] in the app).
 */
class TestResultsViewModel(
    private val repository: TestResultsRepository,
    scope: CoroutineScope,
    private val qrPng: suspend (String) -> ByteArray,
) {
    private val _state = MutableStateFlow(TestResultsState())
    val state: StateFlow<TestResultsState> = _state.asStateFlow()

    private val events = Channel<TestResultsEvent>(Channel.UNLIMITED)

    init {
        scope.launch {
            load()
            handle(TestResultsEvent.Refresh)
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: TestResultsEvent) {
        // Purely local changes apply at once; the rest waits its turn.
        when (event) {
            TestResultsEvent.CodeEdited -> _state.update { it.copy(codeError = null) }
            TestResultsEvent.DismissError -> _state.update { it.copy(error = null) }
            TestResultsEvent.DismissRegistered -> _state.update { it.copy(registered = null) }
            TestResultsEvent.Close -> _state.update { it.copy(openSampleId = null, certificateQrPng = null, certificateQrFailed = false) }
            else -> events.trySend(event)
        }
    }

    private suspend fun handle(event: TestResultsEvent) {
        when (event) {
            TestResultsEvent.Refresh -> refresh()
            is TestResultsEvent.Register -> register(event.profileId, event.code)
            is TestResultsEvent.Open -> open(event.sampleId)
            is TestResultsEvent.KeepCertificate -> keep(event.sampleId)
            TestResultsEvent.CodeEdited, TestResultsEvent.Close, TestResultsEvent.DismissRegistered, TestResultsEvent.DismissError -> Unit
        }
    }

    private suspend fun load() {
        val samples = attempt(TestResultsError.Load) { repository.samples() }
        _state.update { it.copy(samples = samples ?: it.samples, loading = false) }
    }

    private suspend fun refresh() {
        _state.update { it.copy(refreshing = true) }
        val samples = attempt(TestResultsError.Refresh) { repository.refresh() }
        _state.update { it.copy(samples = samples ?: it.samples, refreshing = false) }
        if (samples != null) redrawCertificate()
    }

    private suspend fun register(profileId: String, code: String) {
        _state.update { it.copy(registering = true, codeError = null, registered = null) }
        val item = try {
            repository.register(profileId, code)
        } catch (e: CancellationException) {
            throw e
        } catch (e: SampleCodeException) {
            _state.update { it.copy(registering = false, codeError = e.message) }
            return
        } catch (e: Exception) {
            _state.update { it.copy(registering = false, error = TestResultsError.Register) }
            return
        }
        _state.update { state ->
            state.copy(
                registering = false,
                registered = item,
                samples = listOf(item) + state.samples.filter { it.sampleId != item.sampleId },
            )
        }
    }

    private suspend fun open(sampleId: String) {
        _state.update { it.copy(openSampleId = sampleId, certificateQrPng = null, certificateQrFailed = false) }
        redrawCertificate()
    }

    /** Draws the open sample's certificate (again, when a refresh brought one). */
    private suspend fun redrawCertificate() {
        val state = _state.value
        val certificate = state.openSample?.certificate
        if (certificate == null) {
            _state.update { it.copy(certificateQrPng = null, certificateQrFailed = false) }
            return
        }
        if (state.certificateQrPng != null) return
        val id = state.openSampleId
        val png = try {
            qrPng(certificate)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            // The result still shows; the screen says the QR could not be drawn instead of showing a broken code.
            null
        }
        _state.update { if (it.openSampleId == id) it.copy(certificateQrPng = png, certificateQrFailed = png == null) else it }
    }

    private suspend fun keep(sampleId: String) {
        val done = attempt(TestResultsError.Keep) { repository.keepCertificate(sampleId) }
        if (done != null) _state.update { it.copy(kept = it.kept + sampleId) }
    }

    /** Runs [call]; on failure shows [error] and returns null. */
    private suspend fun <T : Any> attempt(error: TestResultsError, call: suspend () -> T): T? = try {
        call()
    } catch (e: CancellationException) {
        throw e
    } catch (e: Exception) {
        _state.update { it.copy(error = error) }
        null
    }
}
