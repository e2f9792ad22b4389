package org.healthbook.ui.results

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Instant
import org.healthbook.core.wrapper.SampleItem
import org.healthbook.core.wrapper.SampleState
import org.healthbook.core.wrapper.TestResultsError
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.agoWords
import org.healthbook.ui.common.durationWords
import org.healthbook.ui.common.tr

/** A profile the sample can belong to, for the picker. */
data class ProfileChoice(val id: String, val name: String)

/**
 * The status kind of a sample state. Waiting states are neutral (information), states asking the person to do
 * something are a caution, and only the two lab results are green or red.
 */
fun sampleStatusKind(state: SampleState): StatusKind = when (state) {
    SampleState.NEGATIVE -> StatusKind.Good
    SampleState.POSITIVE -> StatusKind.Bad
    SampleState.REGISTERING, SampleState.UNKNOWN_TO_LAB, SampleState.PENDING -> StatusKind.Unknown
    SampleState.REGISTERED_ELSEWHERE, SampleState.INVALID, SampleState.RETEST_REQUIRED, SampleState.EXPIRED -> StatusKind.Caution
}

/**
 * A sample's state (colour, icon and the core's headline), why it is there, what to do next, how long ago
 * it was sampled and when the phone checks again. [now] drives the times (the host ticks it). Without [badge]
 * the state bar is left out (the detail shows it above the certificate).
 */
@Composable
fun SampleStatus(item: SampleItem, now: Instant, modifier: Modifier = Modifier, badge: Boolean = true) {
    val l = LocalLanguage.current
    Column(modifier, verticalArrangement = Arrangement.spacedBy(8.dp)) {
        if (badge) SampleStatusBar(item)
        Text(item.reason, style = MaterialTheme.typography.bodyLarge)
        Text(tr(Str.ResultsNextStep), style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
        Text(item.nextStep, style = MaterialTheme.typography.bodyLarge)
        val sampled = item.sampledAt
        Text(
            if (sampled != null) "${tr(Str.ResultsSampled)}: ${agoWords(now.epochSecond - sampled.epochSecond, l)}" else tr(Str.ResultsNotSampledYet),
            style = MaterialTheme.typography.bodyMedium,
        )
        item.resultAt?.let { Text("${tr(Str.ResultsResultAt)}: ${agoWords(now.epochSecond - it.epochSecond, l)}", style = MaterialTheme.typography.bodyMedium) }
        item.nextCheckAt?.let { Text("${tr(Str.ResultsNextCheck)}: ${durationWords(it.epochSecond - now.epochSecond, l)}", style = MaterialTheme.typography.bodyMedium) }
    }
}

/** A sample's state in colour, icon and the core's headline. */
@Composable
fun SampleStatusBar(item: SampleItem) = StatusBar(sampleStatusKind(item.state), item.headline, MaterialTheme.typography.titleLarge)

/** A test-results error in plain words. */
@Composable
fun resultsErrorText(error: TestResultsError): String = when (error) {
    TestResultsError.Load -> tr(Str.ErrorResultsLoad)
    TestResultsError.Register -> tr(Str.ErrorResultsRegister)
    TestResultsError.Refresh -> tr(Str.ErrorResultsRefresh)
    TestResultsError.Keep -> tr(Str.ErrorResultsKeep)
}
