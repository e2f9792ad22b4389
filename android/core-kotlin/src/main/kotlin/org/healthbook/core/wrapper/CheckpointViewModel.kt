package org.healthbook.core.wrapper

import java.time.Instant
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.healthbook.core.CredentialKind
import org.healthbook.core.FailedStage
import org.healthbook.core.Language
import org.healthbook.core.PassException
import org.healthbook.core.TrustRefresh
import org.healthbook.core.Verdict
import org.healthbook.core.VerifierInterface

/**
 * The outcome of one scan, ready to show: a big valid / not valid, the check that failed in words a
 * checkpoint officer understands, and the holder's name and birth date to compare with their ID card.
 * [verdict] is the core's full verdict (issuer, times, summary, technical error).
 */
data class CheckResult(val verdict: Verdict, val language: Language) {
    val valid: Boolean get() = verdict.valid
    val kind: CredentialKind get() = verdict.kind
    /** The first check that failed; null when valid. */
    val failedStage: FailedStage? get() = verdict.stage
    /** One line for the officer: "Valid", or why not. */
    val message: String get() = if (verdict.valid) validMessage(language) else stageMessage(verdict.stage, language)
    /** The name to compare with the ID card; null when the credential names nobody (or was not readable). */
    val holderName: String? get() = verdict.holder?.name
    /** The birth date as written in the credential (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`). */
    val holderBirthDate: String? get() = verdict.holder?.birthDate
    /** True when the trust list is past its maximum age: show that revocations may be missing. */
    val trustListStale: Boolean get() = verdict.trustListStale
    /** The ICAO transliteration of an EU DCC holder's name, for passports in Latin letters. */
    val holderTransliteratedName: String? get() = verdict.holder?.transliteratedName

    companion object {
        fun validMessage(language: Language): String = when (language) {
            Language.VI -> "Hợp lệ"
            Language.EN -> "Valid"
        }

        /** What a failed [stage] means, in words for the officer (null stage: not valid for an unstated reason). */
        fun stageMessage(stage: FailedStage?, language: Language): String {
            val (vi, en) = when (stage) {
                FailedStage.PREFIX -> "Không phải mã QR chứng nhận y tế." to "Not a health credential QR code."
                FailedStage.BASE45 -> "Mã QR bị hỏng hoặc không đầy đủ." to "The QR code is damaged or incomplete."
                FailedStage.DECOMPRESS -> "Nội dung mã QR bị hỏng." to "The QR code content is damaged."
                FailedStage.CBOR -> "Nội dung mã QR sai định dạng." to "The QR code content is malformed."
                FailedStage.COSE -> "Phần chữ ký của mã sai định dạng." to "The signed envelope is malformed."
                FailedStage.UNKNOWN_KEY ->
                    "Đơn vị cấp không có trong danh sách tin cậy. Hãy cập nhật danh sách tin cậy." to
                        "Issued by a signer not in the trust list. Refresh the trust list."
                FailedStage.KEY_ID_MISMATCH -> "Khóa của đơn vị cấp không khớp." to "The signer's key does not match."
                FailedStage.SIGNATURE ->
                    "Chữ ký không hợp lệ: mã có thể bị giả mạo hoặc sửa đổi." to
                        "The signature is invalid: the code may be forged or altered."
                FailedStage.NOT_YET_VALID -> "Chưa có hiệu lực." to "Not valid yet."
                FailedStage.EXPIRED -> "Đã hết hạn." to "Expired."
                FailedStage.REVOKED -> "Đã bị thu hồi." to "Revoked."
                FailedStage.WRONG_ROLE ->
                    "Đơn vị này không được phép cấp loại giấy này." to "This signer may not issue this kind of credential."
                FailedStage.OUT_OF_SCOPE ->
                    "Đơn vị này không được phép cấp giấy cho cơ quan hoặc tỉnh này." to
                        "This signer may not issue credentials for this agency or province."
                FailedStage.PAYLOAD_SCHEMA -> "Nội dung giấy không hợp lệ." to "The credential content is malformed."
                null -> "Không hợp lệ." to "Not valid."
            }
            return if (language == Language.VI) vi else en
        }
    }
}

/**
 * What the checkpoint screen shows. [result] is the last scan's outcome ([checking] while one is being
 * verified); [trust] is what the last trust refresh found ([refreshingTrust] while one runs). [error] is the
 * outcome of the last failed action, until [CheckpointEvent.DismissError].
 */
data class CheckpointState(
    val language: Language,
    val result: CheckResult? = null,
    val checking: Boolean = false,
    val trust: TrustRefresh? = null,
    val refreshingTrust: Boolean = false,
    val error: CheckpointError? = null,
)

/** Errors the checkpoint screen can act on; no personal data in them. */
sealed interface CheckpointError {
    /** No server is configured, so the trust list can't be fetched. */
    data object NoServer : CheckpointError
    /** No root key is pinned, so no trust list can be checked. */
    data object NoRootKey : CheckpointError
    /** The server can't be reached; the cached trust list stays in use. */
    data class Offline(val reason: String) : CheckpointError
    /** The server refused, or sent a trust list that does not verify. */
    data class Server(val reason: String) : CheckpointError
    /** Storage, or anything unexpected. */
    data class Unavailable(val reason: String) : CheckpointError

    companion object {
        fun from(error: Exception): CheckpointError = when (error) {
            is PassException.NoServer -> NoServer
            is PassException.NoRootKey -> NoRootKey
            is PassException.Unreachable -> Offline(error.reason)
            is PassException.Server -> Server(error.reason)
            is PassException.Untrusted -> Server(error.reason)
            is PassException.BadCertificate -> Unavailable(error.reason)
            is PassException.Storage -> Unavailable(error.reason)
            else -> Unavailable(error.message ?: error.javaClass.simpleName)
        }
    }
}

/** What the officer (or the camera) can do. */
sealed interface CheckpointEvent {
    /** A QR was scanned: verify it now, or as at [at] (a recorded scan's time). */
    data class Scan(val text: String, val at: Instant? = null) : CheckpointEvent
    /** Fetches and checks the trust and revocation lists for offline use (in the background). */
    data object RefreshTrust : CheckpointEvent
    /** Shows messages in another language. */
    data class SetLanguage(val language: Language) : CheckpointEvent
    /** Clears the last result (the next person steps up). */
    data object Clear : CheckpointEvent
    data object DismissError : CheckpointEvent
}

/**
 * View model of the offline checkpoint: scanned text in, verdict out. Plain Kotlin over the generated
 * [VerifierInterface] (the real `Verifier`, or a fake in tests); on Android an `androidx.lifecycle.ViewModel`
 * owns it and passes its `viewModelScope`.
 *
 * Scans are verified one at a time, in order, on [worker] (verification is blocking native work). A trust
 * refresh runs in its own coroutine, so scanning goes on meanwhile against the cached lists.
 */
class CheckpointViewModel(
    private val verifier: VerifierInterface,
    private val scope: CoroutineScope,
    language: Language = Language.VI,
    private val worker: CoroutineDispatcher = Dispatchers.Default,
) {
    private val _state = MutableStateFlow(CheckpointState(language))
    val state: StateFlow<CheckpointState> = _state.asStateFlow()

    private val scans = Channel<CheckpointEvent.Scan>(Channel.UNLIMITED)
    /** Scans sent but not verified yet. */
    private val pending = AtomicInteger()
    private var trustJob: Job? = null

    init {
        scope.launch {
            for (scan in scans) verify(scan)
        }
    }

    fun onEvent(event: CheckpointEvent) {
        when (event) {
            is CheckpointEvent.Scan -> {
                pending.incrementAndGet()
                _state.update { it.copy(checking = true) }
                scans.trySend(event)
            }
            CheckpointEvent.RefreshTrust -> refreshTrust()
            is CheckpointEvent.SetLanguage -> _state.update {
                it.copy(language = event.language, result = it.result?.copy(language = event.language))
            }
            CheckpointEvent.Clear -> _state.update { it.copy(result = null) }
            CheckpointEvent.DismissError -> _state.update { it.copy(error = null) }
        }
    }

    private suspend fun verify(scan: CheckpointEvent.Scan) {
        val result = try {
            val verdict = withContext(worker) {
                if (scan.at == null) verifier.verify(scan.text) else verifier.verifyAt(scan.text, scan.at)
            }
            Result.success(verdict)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            // Bad input never lands here (it gets a verdict); only an unusable trust store does.
            Result.failure(e)
        }
        val checking = pending.decrementAndGet() > 0
        _state.update { state ->
            result.fold(
                { state.copy(result = CheckResult(it, state.language), checking = checking) },
                { state.copy(result = null, checking = checking, error = CheckpointError.from(it as Exception)) },
            )
        }
    }

    private fun refreshTrust() {
        if (trustJob?.isActive == true) return
        _state.update { it.copy(refreshingTrust = true, error = null) }
        trustJob = scope.launch {
            try {
                val trust = verifier.refreshTrust()
                _state.update { it.copy(trust = trust, refreshingTrust = false) }
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                _state.update { it.copy(refreshingTrust = false, error = CheckpointError.from(e)) }
            }
        }
    }
}
