package org.healthbook.ui.checkin

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedCard
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Instant
import java.time.ZoneId
import org.healthbook.core.wrapper.CheckInState
import org.healthbook.core.wrapper.ExposureAlert
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.agoWords
import org.healthbook.ui.common.tr

/**
 * Exposure alerts, newest first: the core's headline and advice for each match of the diary with a risky
 * venue. An unread alert is a red warning bar marked "new" (colour, icon and words) with a "mark as read" button; a
 * read one is a caution bar. The check downloads the risky list and matches it on the phone.
 */
@Composable
fun ExposureScreen(
    state: CheckInState,
    now: Instant,
    zone: ZoneId,
    onCheck: () -> Unit,
    onMarkSeen: (alertId: String) -> Unit,
    onBack: () -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
) {
    val language = LocalLanguage.current
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        TextButton(onClick = onBack, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) }
        Text(tr(Str.Exposure), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        state.error?.let { Banner(checkInErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
        OutlinedButton(
            onClick = onCheck,
            enabled = !state.checkingExposure,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(if (state.checkingExposure) Str.ExposureChecking else Str.ExposureCheck)) }
        state.exposureCheckedAt?.let {
            Text("${tr(Str.ExposureChecked)}: ${agoWords(now.epochSecond - it.epochSecond, language)}", style = MaterialTheme.typography.bodyMedium)
        }
        Text(tr(Str.ExposureHint), style = MaterialTheme.typography.bodyMedium)
        if (state.alerts.isEmpty() && state.exposureCheckedAt != null) {
            StatusBar(StatusKind.Good, tr(Str.ExposureNone), MaterialTheme.typography.titleMedium)
        }
        for (alert in state.alerts) AlertCard(alert, now, zone, onMarkSeen)
    }
}

@Composable
private fun AlertCard(alert: ExposureAlert, now: Instant, zone: ZoneId, onMarkSeen: (String) -> Unit) {
    val language = LocalLanguage.current
    val today = now.atZone(zone).toLocalDate()
    OutlinedCard(Modifier.fillMaxWidth().semantics { testTag = "alert-${alert.alertId}" }) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            val words = if (alert.seen) alert.headline else "${tr(Str.ExposureNew)}: ${alert.headline}"
            StatusBar(if (alert.seen) StatusKind.Caution else StatusKind.Alert, words, MaterialTheme.typography.titleLarge)
            Text(alert.venueName, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
            val visited = alert.visitedAt.atZone(zone)
            Text(
                "${tr(Str.ExposureVisited)}: ${dayWords(visited.toLocalDate(), today, language)}, ${clockTime(alert.visitedAt, zone)}",
                style = MaterialTheme.typography.bodyLarge,
            )
            Text(tr(Str.ExposureAdvice), style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
            Text(alert.advice, style = MaterialTheme.typography.bodyLarge)
            if (!alert.seen) {
                Button(onClick = { onMarkSeen(alert.alertId) }, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) {
                    Text(tr(Str.ExposureMarkSeen))
                }
            }
        }
    }
}
