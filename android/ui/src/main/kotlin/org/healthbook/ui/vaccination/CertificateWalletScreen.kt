package org.healthbook.ui.vaccination

import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.FilterQuality
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Instant
import java.time.ZoneId
import org.healthbook.core.wrapper.VaccinationCertificate
import org.healthbook.core.wrapper.WalletState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RadioGroup
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr
import org.healthbook.ui.pass.QrDecoder

/** "Dose n/N" of a certificate. */
@Composable
fun doseOfSeries(certificate: VaccinationCertificate): String = "${tr(Str.VaccinationDoseWord)} ${certificate.doseNumber}/${certificate.seriesDoses}"

/**
 * The certificate wallet: the profile chosen (a choice when the phone has several), its current EU DCC
 * vaccination certificate as a large QR (on white, scaled without smoothing so that it stays decodable), the
 * product, dose n/N, the date and whether it is still valid at [now]; then the certificates it replaced.
 */
@Composable
fun CertificateWalletScreen(
    state: WalletState,
    now: Instant,
    zone: ZoneId,
    decoder: QrDecoder,
    onSelect: (profileId: String) -> Unit,
    onBack: (() -> Unit)?,
    modifier: Modifier = Modifier,
) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        if (onBack != null) TextButton(onClick = onBack, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) }
        Heading(tr(Str.WalletTitle))
        if (state.loadFailed) Banner(tr(Str.WalletLoadFailed))
        if (state.loading) {
            CircularProgressIndicator()
            return@Column
        }
        if (state.entries.size > 1) {
            RadioGroup(options = state.entries.map { it.profileId to it.profileName }, selected = state.selected, onSelect = onSelect)
        }
        val entry = state.entry ?: return@Column
        // With several profiles the ticked choice above names the one shown; the QR stays higher on the screen.
        if (state.entries.size == 1) SubHeading(entry.profileName)
        val current = entry.current
        if (current == null) {
            Text(tr(Str.WalletNone), style = MaterialTheme.typography.bodyLarge)
        } else {
            val png = state.qrPng
            if (png != null) {
                val bitmap = remember(png) { decoder.decode(png) }
                Image(
                    bitmap = bitmap,
                    contentDescription = tr(Str.WalletQr),
                    filterQuality = FilterQuality.None,
                    contentScale = ContentScale.Fit,
                    modifier = Modifier.fillMaxWidth().aspectRatio(1f).background(Color.White).padding(8.dp).semantics { testTag = "wallet-qr" },
                )
            } else if (state.qrFailed) {
                Banner(tr(Str.WalletNotDrawn))
            } else {
                CircularProgressIndicator()
            }
            Certificate(current, now, zone)
            Text(tr(Str.WalletShowHint), style = MaterialTheme.typography.bodyLarge)
        }
        if (entry.history.isNotEmpty()) {
            HorizontalDivider()
            SubHeading(tr(Str.WalletHistory))
            for (old in entry.history) OldCertificate(old, zone)
        }
    }
}

@Composable
private fun Certificate(certificate: VaccinationCertificate, now: Instant, zone: ZoneId) {
    val valid = now.isBefore(certificate.expiresAt)
    StatusBar(
        if (valid) StatusKind.Good else StatusKind.Bad,
        "${tr(if (valid) Str.WalletValid else Str.WalletExpired)} · ${doseOfSeries(certificate)}",
        MaterialTheme.typography.titleLarge,
    )
    Text(certificate.product, style = MaterialTheme.typography.headlineSmall, fontWeight = FontWeight.Bold)
    Text("${tr(Str.WalletVaccinatedOn)}: ${DAY.format(certificate.date)}", style = MaterialTheme.typography.titleMedium)
    Text("${tr(Str.WalletValidUntil)}: ${DAY.format(certificate.expiresAt.atZone(zone))}", style = MaterialTheme.typography.bodyLarge)
    Text("${tr(Str.WalletIssued)}: ${DAY.format(certificate.issuedAt.atZone(zone))}", style = MaterialTheme.typography.bodyLarge)
    // The identifier is long and has no spaces; it is the one thing people read out to a help desk.
    Text("${tr(Str.WalletCertificateId)}:", style = MaterialTheme.typography.bodyMedium)
    Text(certificate.uvci, style = MaterialTheme.typography.bodyMedium)
}

@Composable
private fun OldCertificate(certificate: VaccinationCertificate, zone: ZoneId) {
    val replaced = certificate.replacedAt?.let { " · ${tr(Str.WalletReplacedOn)} ${DAY.format(it.atZone(zone))}" }.orEmpty()
    val line = "${doseOfSeries(certificate)} · ${certificate.product} · ${DAY.format(certificate.date)}"
    Column(Modifier.fillMaxWidth().semantics(mergeDescendants = true) { contentDescription = line + replaced }) {
        Text(line, style = MaterialTheme.typography.titleMedium)
        if (replaced.isNotEmpty()) Text(replaced.removePrefix(" · "), style = MaterialTheme.typography.bodyMedium)
    }
}
