package org.healthbook.core.wrapper

import java.time.LocalDate
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch


/** Highest dose number a site records (the contract's `MAX_DOSE_NUMBER`: primary series and boosters). */
const val MAX_SITE_DOSE_NUMBER = 6

/** A field of the record-a-dose form. */
enum class SiteDoseField { LOT, DOSE_NUMBER }

/**
 * A failed site action the screens can explain. [Refused] carries the core's words for the staff
 * ([VaccinationException]: never personal data); the others carry none.
 */
sealed interface SiteError {
    /** The sites could not be read (offline, server). */
    data object Load : SiteError
    /** The stock could not be read; the figures shown are the last known. */
    data object Stock : SiteError
    /** The scanned card could not be looked up (offline, server). */
    data object Lookup : SiteError
    /** The dose could not be recorded (offline, server); it may be recorded again safely. */
    data object Record : SiteError
    /** The core refused the action, in its words (e.g. "out of stock", "not a pass or control card"). */
    data class Refused(val message: String) : SiteError
}

/**
 * What the vaccination site screens show. Views only render this.
 *
 * [sites] are the officer's sites ([loading] until read); [site] the one chosen (null: the site list) and
 * [stock] its lots. [candidate] is the person the last scan found ([looking] while a scan is looked up);
 * [lot] is the stock lot chosen for the dose and [doseNumber] its number as typed, both prefilled from the
 * candidate and the stock; [problems] the form's fields found wrong until edited. [recorded] is the dose just
 * recorded with its new certificate ([recording] while it is sent) and [certificatePng] the certificate as a
 * QR. [error] is the last failed action until [SiteEvent.DismissError].
 */
data class SiteState(
    val loading: Boolean = true,
    val sites: List<VaccinationSiteInfo> = emptyList(),
    val site: VaccinationSiteInfo? = null,
    val stock: List<StockLot> = emptyList(),
    val looking: Boolean = false,
    val candidate: DoseCandidate? = null,
    val lot: StockLot? = null,
    val doseNumber: String = "",
    val problems: Set<SiteDoseField> = emptySet(),
    val recording: Boolean = false,
    val recorded: RecordedDose? = null,
    val certificatePng: ByteArray? = null,
    val error: SiteError? = null,
) {
    // ByteArray compares by identity in a data class; compare the picture's bytes instead.
    override fun equals(other: Any?): Boolean =
        other is SiteState && loading == other.loading && sites == other.sites && site == other.site && stock == other.stock &&
            looking == other.looking && candidate == other.candidate && lot == other.lot && doseNumber == other.doseNumber &&
            problems == other.problems && recording == other.recording && recorded == other.recorded && error == other.error &&
            (certificatePng === other.certificatePng ||
                (certificatePng != null && other.certificatePng != null && certificatePng.contentEquals(other.certificatePng)))

    override fun hashCode(): Int {
        var h = sites.hashCode()
        h = 31 * h + (site?.hashCode() ?: 0)
        h = 31 * h + stock.hashCode()
        h = 31 * h + (candidate?.hashCode() ?: 0)
        h = 31 * h + (lot?.hashCode() ?: 0)
        h = 31 * h + doseNumber.hashCode()
        h = 31 * h + problems.hashCode()
        h = 31 * h + (recorded?.hashCode() ?: 0)
        h = 31 * h + (certificatePng?.contentHashCode() ?: 0)
        h = 31 * h + (error?.hashCode() ?: 0)
        return 31 * h + listOf(loading, looking, recording).hashCode()
    }

    // No names, person ids or certificates in logs: counts and flags only.
    override fun toString(): String =
        "SiteState(loading=$loading, sites=${sites.size}, site=${site != null}, stock=${stock.size}, looking=$looking, " +
            "candidate=${candidate != null}, lot=${lot != null}, problems=$problems, recording=$recording, recorded=${recorded != null}, " +
            "error=${error?.let { it::class.simpleName }})"
}

/** What the site staff (or the camera) can do. */
sealed interface SiteEvent {
    /** Reads the sites again. */
    data object Reload : SiteEvent
    /** Works at [siteId]: reads its stock. */
    data class PickSite(val siteId: String) : SiteEvent
    /** Back to the site list. */
    data object ChangeSite : SiteEvent
    /** Reads the site's stock again. */
    data object RefreshStock : SiteEvent
    /** A pass (`HB1:`) or control card (`HK1:`) was scanned: look the person up. */
    data class Scan(val scanned: String) : SiteEvent
    /** Chooses the stock lot for the dose. */
    data class ChooseLot(val lot: StockLot) : SiteEvent
    /** The dose number was edited. */
    data class DoseNumber(val text: String) : SiteEvent
    /** Records the dose with the chosen lot and number, dated today. */
    data object Record : SiteEvent
    /** Clears the candidate and the confirmation: the next person steps up. */
    data object Next : SiteEvent
    data object DismissError : SiteEvent
}

/**
 * View model of the vaccination site: pick a site, see its stock, scan a pass or control card, check the
 * person found and record the dose with a product and lot from the stock (prefilled) and the dose number
 * (prefilled from the person's doses); the new certificate shows as confirmation. Events that reach the
 * repository run one at a time, in order, so a second tap on Record waits for the first and then finds the
 * dose recorded (the server stores a repeated dose once anyway). [qrPng] draws the certificate; [today] is the
 * local date of the dose (injected for tests).
 */
class VaccinationSiteViewModel(
    private val repository: VaccinationSiteRepository,
    scope: CoroutineScope,
    private val qrPng: suspend (String) -> ByteArray? = { null },
    private val today: () -> LocalDate = { LocalDate.now() },
) {
    private val _state = MutableStateFlow(SiteState())
    val state: StateFlow<SiteState> = _state.asStateFlow()

    private val events = Channel<SiteEvent>(Channel.UNLIMITED)

    init {
        scope.launch {
            loadSites()
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: SiteEvent) {
        when (event) {
            SiteEvent.ChangeSite -> _state.update { it.copy(site = null, stock = emptyList(), candidate = null, lot = null, doseNumber = "", problems = emptySet(), recorded = null, certificatePng = null) }
            is SiteEvent.ChooseLot -> _state.update { it.copy(lot = event.lot, problems = it.problems - SiteDoseField.LOT) }
            is SiteEvent.DoseNumber -> _state.update { it.copy(doseNumber = event.text, problems = it.problems - SiteDoseField.DOSE_NUMBER) }
            SiteEvent.Next -> _state.update { it.copy(candidate = null, lot = null, doseNumber = "", problems = emptySet(), recorded = null, certificatePng = null) }
            SiteEvent.DismissError -> _state.update { it.copy(error = null) }
            is SiteEvent.Scan -> {
                _state.update { it.copy(looking = true, error = null) }
                events.trySend(event)
            }
            SiteEvent.Record -> {
                val s = _state.value
                if (s.recording || s.recorded != null || s.candidate == null) return
                val problems = buildSet {
                    if (s.lot == null || s.lot.remaining <= 0) add(SiteDoseField.LOT)
                    if (s.doseNumber.trim().toIntOrNull()?.takeIf { it in 1..MAX_SITE_DOSE_NUMBER } == null) add(SiteDoseField.DOSE_NUMBER)
                }
                if (problems.isNotEmpty()) {
                    _state.update { it.copy(problems = problems) }
                } else {
                    _state.update { it.copy(recording = true, error = null) }
                    events.trySend(event)
                }
            }
            SiteEvent.Reload, is SiteEvent.PickSite, SiteEvent.RefreshStock -> events.trySend(event)
        }
    }

    private suspend fun handle(event: SiteEvent) {
        when (event) {
            SiteEvent.Reload -> loadSites()
            is SiteEvent.PickSite -> {
                val site = _state.value.sites.firstOrNull { it.siteId == event.siteId } ?: return
                _state.update { it.copy(site = site, stock = emptyList(), candidate = null, lot = null, doseNumber = "", recorded = null, certificatePng = null) }
                loadStock()
            }
            SiteEvent.RefreshStock -> loadStock()
            is SiteEvent.Scan -> lookup(event.scanned.trim())
            SiteEvent.Record -> record()
            else -> Unit
        }
    }

    private suspend fun loadSites() {
        val sites = attempt(SiteError.Load) { repository.sites() }
        _state.update { s ->
            val list = sites ?: s.sites
            // One site: no need to choose.
            s.copy(loading = false, sites = list)
        }
        val only = sites?.singleOrNull()
        if (only != null && _state.value.site == null) {
            _state.update { it.copy(site = only) }
            loadStock()
        }
    }

    private suspend fun loadStock() {
        val site = _state.value.site ?: return
        val stock = attempt(SiteError.Stock) { repository.stock(site.siteId) } ?: return
        _state.update { s ->
            if (s.site?.siteId != site.siteId) return@update s
            // The chosen lot keeps its place with the new figure; a lot that ran out is no longer chosen.
            val lot = s.lot?.let { chosen -> stock.firstOrNull { it.productCode == chosen.productCode && it.lot == chosen.lot } }?.takeIf { it.remaining > 0 }
            s.copy(stock = stock, lot = lot ?: s.candidate?.let { prefillLot(it, stock) })
        }
    }

    private suspend fun lookup(scanned: String) {
        val site = _state.value.site
        if (site == null) {
            _state.update { it.copy(looking = false) }
            return
        }
        val candidate = attempt(SiteError.Lookup) { repository.lookup(site.siteId, scanned) }
        _state.update { s ->
            if (candidate == null) {
                s.copy(looking = false)
            } else {
                s.copy(
                    looking = false,
                    candidate = candidate,
                    lot = prefillLot(candidate, s.stock),
                    doseNumber = candidate.nextDoseNumber.toString(),
                    problems = emptySet(),
                    recorded = null,
                    certificatePng = null,
                )
            }
        }
    }

    private suspend fun record() {
        val s = _state.value
        val site = s.site
        val candidate = s.candidate
        val lot = s.lot
        val number = s.doseNumber.trim().toIntOrNull()
        if (site == null || candidate == null || lot == null || number == null) {
            _state.update { it.copy(recording = false) }
            return
        }
        val recorded = attempt(SiteError.Record) {
            repository.recordDose(site.siteId, candidate.personId, lot.productCode, lot.lot, number, today(), candidate.invitation?.invitationId)
        }
        if (recorded == null) {
            _state.update { it.copy(recording = false) }
            return
        }
        val png = try {
            qrPng(recorded.certificate.qr)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            // The dose is recorded; only the picture is missing and the screen says so.
            null
        }
        _state.update { it.copy(recording = false, recorded = recorded, certificatePng = png) }
        // The stock went down by the dose just given: show the server's figure.
        loadStock()
    }

    /** Runs [call]; on failure shows [error] (or the core's refusal) and returns null. */
    private suspend fun <T : Any> attempt(error: SiteError, call: suspend () -> T): T? = try {
        call()
    } catch (e: CancellationException) {
        throw e
    } catch (e: VaccinationException) {
        _state.update { it.copy(error = SiteError.Refused(e.message.orEmpty())) }
        null
    } catch (e: Exception) {
        _state.update { it.copy(error = error) }
        null
    }
}

/**
 * The lot to prefill for [candidate]: a lot in stock of the product the invitation names, else of the product
 * of the person's last dose (a series stays on one product), else the only product in stock; null when the
 * staff must choose. Among lots of one product, the one with the fewest doses left goes first (used up first).
 */
fun prefillLot(candidate: DoseCandidate, stock: List<StockLot>): StockLot? {
    val available = stock.filter { it.remaining > 0 }
    fun of(product: String?) = product?.let { p -> available.filter { it.product.equals(p, ignoreCase = true) }.minByOrNull { it.remaining } }
    return of(candidate.invitation?.product)
        ?: of(candidate.doses.maxByOrNull { it.doseNumber }?.product)
        ?: available.takeIf { lots -> lots.map { it.productCode }.distinct().size == 1 }?.minByOrNull { it.remaining }
}
