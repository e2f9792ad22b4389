package org.healthbook.ui.vaccination

import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.border
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.FilterQuality
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import java.time.ZoneId
import org.healthbook.core.wrapper.DoseCandidate
import org.healthbook.core.wrapper.SiteDoseField
import org.healthbook.core.wrapper.SiteError
import org.healthbook.core.wrapper.SiteEvent
import org.healthbook.core.wrapper.SiteState
import org.healthbook.core.wrapper.StockLot
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RadioGroup
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr
import org.healthbook.ui.pass.QrDecoder

/** The words of a site error; a refusal is the core's words. */
@Composable
fun siteErrorText(error: SiteError): String = when (error) {
    SiteError.Load -> tr(Str.ErrorSiteLoad)
    SiteError.Stock -> tr(Str.ErrorSiteStock)
    SiteError.Lookup -> tr(Str.ErrorSiteLookup)
    SiteError.Record -> tr(Str.ErrorSiteRecord)
    is SiteError.Refused -> error.message
}

/** A stock lot in words: product, lot and doses left. */
@Composable
fun stockLotText(lot: StockLot): String = "${lot.product} · ${tr(Str.VaccinationLot)} ${lot.lot} · ${lot.remaining} ${tr(Str.SiteDosesLeft)}"

/**
 * The vaccination site: choose a site, then a scan loop. A scan ([scanner], the camera the gate uses, on
 * Android; typed text on the JVM) shows the person found (name and birth year to compare with the ID card,
 * today's invitation, their doses with self-reported ones marked) and the dose form, prefilled: product and
 * lot from the site's stock, the dose number. Recording shows the new certificate as confirmation; the stock
 * is at the bottom.
 */
@Composable
fun VaccinationSiteScreen(
    state: SiteState,
    zone: ZoneId,
    decoder: QrDecoder,
    onEvent: (SiteEvent) -> Unit,
    modifier: Modifier = Modifier,
    scanner: (@Composable (onScan: (String) -> Unit) -> Unit)? = null,
) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        val site = state.site
        if (site == null) {
            Heading(tr(Str.SiteChoose))
            state.error?.let { Banner(siteErrorText(it), actionLabel = tr(Str.Retry), onAction = { onEvent(SiteEvent.Reload) }) }
            if (state.loading) {
                CircularProgressIndicator()
                return@Column
            }
            if (state.sites.isEmpty()) Text(tr(Str.SiteNone), style = MaterialTheme.typography.bodyLarge)
            for (s in state.sites) {
                OutlinedButton(
                    onClick = { onEvent(SiteEvent.PickSite(s.siteId)) },
                    modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch).semantics { testTag = "site-${s.siteId}" },
                ) {
                    Column(Modifier.fillMaxWidth()) {
                        Text(s.name, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
                        Text(s.address, style = MaterialTheme.typography.bodyMedium)
                    }
                }
            }
            return@Column
        }
        Heading(site.name)
        Text(site.address, style = MaterialTheme.typography.bodyLarge)
        state.error?.let { Banner(siteErrorText(it), actionLabel = tr(Str.Dismiss), onAction = { onEvent(SiteEvent.DismissError) }) }
        val recorded = state.recorded
        val candidate = state.candidate
        when {
            recorded != null && candidate != null -> Confirmation(state, candidate, decoder, onEvent)
            candidate != null -> CandidateCard(state, candidate, zone, onEvent)
            else -> ScanPanel(state, onEvent, scanner)
        }
        HorizontalDivider()
        StockPanel(state, onEvent)
        if (state.sites.size > 1) {
            TextButton(onClick = { onEvent(SiteEvent.ChangeSite) }, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.SiteChange)) }
        }
    }
}

@Composable
private fun ScanPanel(state: SiteState, onEvent: (SiteEvent) -> Unit, scanner: (@Composable (onScan: (String) -> Unit) -> Unit)?) {
    Text(tr(Str.SiteScanHint), style = MaterialTheme.typography.titleMedium)
    if (state.looking) {
        Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            CircularProgressIndicator()
            Text(tr(Str.SiteLooking), style = MaterialTheme.typography.bodyLarge)
        }
    }
    val onScan: (String) -> Unit = { onEvent(SiteEvent.Scan(it)) }
    if (scanner != null) {
        scanner(onScan)
    } else {
        var text by remember { mutableStateOf("") }
        val label = tr(Str.SiteScanInput)
        OutlinedTextField(
            value = text,
            onValueChange = { text = it },
            label = { Text(label) },
            modifier = Modifier.fillMaxWidth().semantics { contentDescription = label },
        )
        Button(
            onClick = {
                onScan(text.trim())
                text = ""
            },
            enabled = text.isNotBlank() && !state.looking,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(Str.SiteScanButton)) }
    }
}

/** The person found: who (to compare with the ID card), today's invitation, the doses so far, and the dose form. */
@Composable
private fun CandidateCard(state: SiteState, candidate: DoseCandidate, zone: ZoneId, onEvent: (SiteEvent) -> Unit) {
    Column(
        Modifier.fillMaxWidth()
            .border(2.dp, MaterialTheme.colorScheme.primary, RoundedCornerShape(12.dp))
            .padding(16.dp)
            .semantics { testTag = "dose-candidate" },
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text(
            candidate.fullName,
            style = MaterialTheme.typography.headlineMedium,
            fontWeight = FontWeight.Bold,
            modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
        )
        Text("${tr(Str.BirthYear)}: ${candidate.birthYear}", style = MaterialTheme.typography.headlineSmall)
        Text(tr(Str.CompareId), style = MaterialTheme.typography.bodyLarge)
        val invitation = candidate.invitation
        if (invitation != null) {
            val starts = invitation.startsAt.atZone(zone)
            StatusBar(StatusKind.Good, "${tr(Str.SiteInvitedToday)}: ${TIME.format(starts)} · ${invitation.product}", MaterialTheme.typography.titleMedium)
        } else {
            StatusBar(StatusKind.Unknown, tr(Str.SiteNoInvitation), MaterialTheme.typography.titleMedium)
        }
        Text(tr(Str.VaccinationDoses), style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
        if (candidate.doses.isEmpty()) Text(tr(Str.VaccinationNoDoses), style = MaterialTheme.typography.bodyLarge)
        for (dose in candidate.doses.sortedBy { it.doseNumber }) DoseRow(dose)
        candidate.nextDue?.let { Text("${tr(Str.VaccinationNextDue)}: ${DAY.format(it)}", style = MaterialTheme.typography.bodyLarge) }
    }
    DoseForm(state, onEvent)
}

@Composable
private fun DoseForm(state: SiteState, onEvent: (SiteEvent) -> Unit) {
    Text(tr(Str.SiteProductLot), style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
    val lots = state.stock.filter { it.remaining > 0 }
    if (lots.isEmpty()) Text(tr(Str.SiteNoStock), style = MaterialTheme.typography.bodyLarge)
    // Lots compare by product and lot (the figure changes as doses are given).
    val selected = state.lot?.let { chosen -> lots.firstOrNull { it.productCode == chosen.productCode && it.lot == chosen.lot } }
    val labels = lots.map { it to stockLotText(it) }
    RadioGroup(options = labels, selected = selected, onSelect = { onEvent(SiteEvent.ChooseLot(it)) })
    FieldErrorText(tr(Str.ErrorSiteLot).takeIf { SiteDoseField.LOT in state.problems })
    val label = tr(Str.SiteNextDoseNumber)
    val problem = tr(Str.ErrorSiteDoseNumber).takeIf { SiteDoseField.DOSE_NUMBER in state.problems }
    Column {
        OutlinedTextField(
            value = state.doseNumber,
            onValueChange = { onEvent(SiteEvent.DoseNumber(it)) },
            label = { Text(label) },
            isError = problem != null,
            singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
            modifier = Modifier.fillMaxWidth().semantics {
                contentDescription = label
                if (problem != null) error(problem)
            },
        )
        FieldErrorText(problem)
    }
    Button(
        onClick = { onEvent(SiteEvent.Record) },
        enabled = !state.recording,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = 64.dp).semantics { testTag = "record-dose" },
    ) { Text(tr(if (state.recording) Str.SiteRecording else Str.SiteRecord), style = MaterialTheme.typography.titleLarge) }
    OutlinedButton(
        onClick = { onEvent(SiteEvent.Next) },
        enabled = !state.recording,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
    ) { Text(tr(Str.NextPerson)) }
}

/** The dose just recorded and its new certificate, then the next person. */
@Composable
private fun Confirmation(state: SiteState, candidate: DoseCandidate, decoder: QrDecoder, onEvent: (SiteEvent) -> Unit) {
    val recorded = state.recorded ?: return
    val dose = recorded.dose
    Column(Modifier.semantics(mergeDescendants = true) { liveRegion = LiveRegionMode.Assertive }) {
        StatusBar(StatusKind.Good, tr(Str.SiteRecorded), MaterialTheme.typography.headlineSmall)
    }
    Text(candidate.fullName, style = MaterialTheme.typography.headlineSmall, fontWeight = FontWeight.Bold)
    DoseRow(dose)
    Text(tr(Str.SiteNewCertificate), style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
    val png = state.certificatePng
    if (png != null) {
        val bitmap = remember(png) { decoder.decode(png) }
        Image(
            bitmap = bitmap,
            contentDescription = tr(Str.WalletQr),
            filterQuality = FilterQuality.None,
            contentScale = ContentScale.Fit,
            modifier = Modifier.fillMaxWidth().aspectRatio(1f).background(Color.White).padding(8.dp).semantics { testTag = "site-certificate-qr" },
        )
    }
    val certificate = recorded.certificate
    Text("${doseOfSeries(certificate)} · ${certificate.product} · ${DAY.format(certificate.date)}", style = MaterialTheme.typography.titleMedium)
    Button(
        onClick = { onEvent(SiteEvent.Next) },
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = 64.dp),
    ) { Text(tr(Str.NextPerson), style = MaterialTheme.typography.titleLarge) }
}

@Composable
private fun StockPanel(state: SiteState, onEvent: (SiteEvent) -> Unit) {
    SubHeading(tr(Str.SiteStock))
    if (state.stock.isEmpty()) Text(tr(Str.SiteNoStock), style = MaterialTheme.typography.bodyLarge)
    for (lot in state.stock) Text(stockLotText(lot), style = MaterialTheme.typography.bodyLarge, fontWeight = if (lot.remaining <= 0) FontWeight.Normal else FontWeight.Bold)
    OutlinedButton(
        onClick = { onEvent(SiteEvent.RefreshStock) },
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
    ) { Text(tr(Str.SiteRefreshStock)) }
}
