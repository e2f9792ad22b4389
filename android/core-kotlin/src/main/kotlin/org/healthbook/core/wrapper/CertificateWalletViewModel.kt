package org.healthbook.core.wrapper

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** One profile's page of the wallet: its current certificate (if any) and the ones it replaced, newest first. */
data class WalletEntry(
    val profileId: String,
    val profileName: String,
    val current: VaccinationCertificate?,
    val history: List<VaccinationCertificate>,
)

/**
 * What the certificate wallet shows. Views only render this.
 *
 * [entries] are every profile's certificates ([loading] until the first read). [selected] is the profile shown;
 * [qrPng] its current certificate drawn as a QR (null without a certificate or while it is drawn; [qrFailed]
 * when it could not be drawn). [loadFailed] when the phone's store could not be read.
 */
data class WalletState(
    val loading: Boolean = true,
    val entries: List<WalletEntry> = emptyList(),
    val selected: String? = null,
    val qrPng: ByteArray? = null,
    val qrFailed: Boolean = false,
    val loadFailed: Boolean = false,
) {
    /** The profile shown, as last read. */
    val entry: WalletEntry? get() = selected?.let { id -> entries.firstOrNull { it.profileId == id } }

    // ByteArray compares by identity in a data class; compare the picture's bytes instead.
    override fun equals(other: Any?): Boolean =
        other is WalletState && loading == other.loading && entries == other.entries && selected == other.selected &&
            (qrPng === other.qrPng || (qrPng != null && other.qrPng != null && qrPng.contentEquals(other.qrPng))) &&
            qrFailed == other.qrFailed && loadFailed == other.loadFailed

    override fun hashCode(): Int {
        var h = loading.hashCode()
        h = 31 * h + entries.hashCode()
        h = 31 * h + (selected?.hashCode() ?: 0)
        h = 31 * h + (qrPng?.contentHashCode() ?: 0)
        h = 31 * h + qrFailed.hashCode()
        h = 31 * h + loadFailed.hashCode()
        return h
    }

    // No certificates (they carry the name and birth date) or names in logs.
    override fun toString(): String =
        "WalletState(loading=$loading, entries=${entries.size}, selected=${selected != null}, qrPng=${qrPng?.size} bytes, qrFailed=$qrFailed, loadFailed=$loadFailed)"
}

/** What the person can do in the wallet. */
sealed interface WalletEvent {
    /** Reads the certificates again from the phone (after a refresh of the records). */
    data object Reload : WalletEvent
    /** Shows [profileId]'s certificate. */
    data class Select(val profileId: String) : WalletEvent
}

/**
 * View model of the certificate wallet: every profile's current EU DCC vaccination certificate as a large QR,
 * and the certificates it replaced. Reads the phone's store only (works offline); the records screen's
 * refresh brings new certificates, then [WalletEvent.Reload]. [qrPng] draws a certificate (the core's QR
 * renderer in the app).
 */
class CertificateWalletViewModel(
    private val repository: VaccinationRepository,
    scope: CoroutineScope,
    private val qrPng: suspend (String) -> ByteArray,
) {
    private val _state = MutableStateFlow(WalletState())
    val state: StateFlow<WalletState> = _state.asStateFlow()

    private val events = Channel<WalletEvent>(Channel.UNLIMITED)

    init {
        scope.launch {
            load()
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: WalletEvent) {
        if (event is WalletEvent.Select) _state.update { it.copy(selected = event.profileId, qrPng = null, qrFailed = false) }
        events.trySend(event)
    }

    private suspend fun handle(event: WalletEvent) {
        when (event) {
            WalletEvent.Reload -> load()
            is WalletEvent.Select -> draw()
        }
    }

    private suspend fun load() {
        val records = try {
            repository.records()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            _state.update { it.copy(loading = false, loadFailed = true) }
            return
        }
        val entries = records.map { WalletEntry(it.profileId, it.profileName, it.certificate, it.history) }
        val before = _state.value.entry?.current?.qr
        _state.update { s ->
            // Keep the profile shown; else the first with a certificate, else the first.
            val selected = s.selected?.takeIf { id -> entries.any { it.profileId == id } }
                ?: entries.firstOrNull { it.current != null }?.profileId
                ?: entries.firstOrNull()?.profileId
            s.copy(loading = false, loadFailed = false, entries = entries, selected = selected)
        }
        // Draw again only when the certificate shown changed (a new dose replaced it).
        if (_state.value.entry?.current?.qr != before || _state.value.qrPng == null) {
            _state.update { it.copy(qrPng = null, qrFailed = false) }
            draw()
        }
    }

    private suspend fun draw() {
        val state = _state.value
        val certificate = state.entry?.current ?: return
        val id = state.selected
        val png = try {
            qrPng(certificate.qr)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            // The details still show; the screen says the code could not be drawn instead of showing a broken one.
            null
        }
        _state.update { if (it.selected == id && it.entry?.current?.qr == certificate.qr) it.copy(qrPng = png, qrFailed = png == null) else it }
    }
}
