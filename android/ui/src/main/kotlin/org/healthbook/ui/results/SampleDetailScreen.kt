package org.healthbook.ui.results

import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.FilterQuality
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.unit.dp
import java.time.Instant
import org.healthbook.core.wrapper.SampleItem
import org.healthbook.core.wrapper.TestResultsState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr
import org.healthbook.ui.pass.QrDecoder

/**
 * One sample: its state and, with a certificate, the certificate's QR right below it (large, on white, scaled
 * without smoothing so it stays decodable, and within the first screen even at large font sizes, since it is
 * shown at checkpoints) and "keep certificate" (past the retention period); then why, what to do and when.
 */
@Composable
fun SampleDetailScreen(
    state: TestResultsState,
    now: Instant,
    decoder: QrDecoder,
    onKeep: (sampleId: String) -> Unit,
    onBack: () -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
) {
    val item: SampleItem = state.openSample ?: return
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        TextButton(onClick = onBack, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) }
        Text(item.profileName, style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        state.error?.let { Banner(resultsErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
        SampleStatusBar(item)
        if (item.certificate != null) {
            Text(tr(Str.ResultsCertificate), style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { heading() })
            val png = state.certificateQrPng
            if (png != null) {
                val bitmap = remember(png) { decoder.decode(png) }
                Image(
                    bitmap = bitmap,
                    contentDescription = tr(Str.ResultsCertificateQr),
                    filterQuality = FilterQuality.None,
                    contentScale = ContentScale.Fit,
                    modifier = Modifier.fillMaxWidth().aspectRatio(1f).background(Color.White).padding(8.dp).semantics { testTag = "certificate-qr" },
                )
            } else if (state.certificateQrFailed) {
                Text(tr(Str.ResultsCertificateNoQr), style = MaterialTheme.typography.bodyLarge)
            }
            if (item.sampleId in state.kept) {
                Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Icon(Icons.Filled.CheckCircle, contentDescription = null)
                    Text(tr(Str.ResultsKept), style = MaterialTheme.typography.bodyLarge)
                }
            } else {
                Text(tr(Str.ResultsKeepHint), style = MaterialTheme.typography.bodyMedium)
                Button(
                    onClick = { onKeep(item.sampleId) },
                    modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
                ) { Text(tr(Str.ResultsKeep)) }
            }
        }
        SampleStatus(item, now, badge = false)
    }
}
