package org.healthbook.ui.results

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedCard
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Instant
import org.healthbook.core.wrapper.TestResultsState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

/**
 * The followed samples of every profile, newest first: whose, the state in colour, icon and words, why, what
 * to do next, time since sampling and the next check. A card opens the sample's detail.
 */
@Composable
fun SampleListScreen(
    state: TestResultsState,
    now: Instant,
    onOpen: (sampleId: String) -> Unit,
    onAdd: () -> Unit,
    onRefresh: () -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(tr(Str.Results), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        state.error?.let { Banner(resultsErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
        Button(onClick = onAdd, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) { Text(tr(Str.ResultsAdd)) }
        OutlinedButton(
            onClick = onRefresh,
            enabled = !state.refreshing,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(if (state.refreshing) Str.ResultsRefreshing else Str.ResultsRefresh)) }
        when {
            state.loading -> CircularProgressIndicator()
            state.samples.isEmpty() -> Text(tr(Str.ResultsNone), style = MaterialTheme.typography.bodyLarge)
        }
        val openLabel = tr(Str.ResultsOpen)
        for (item in state.samples) {
            OutlinedCard(
                Modifier.fillMaxWidth()
                    .clickable(onClickLabel = openLabel, role = Role.Button) { onOpen(item.sampleId) }
                    .semantics { testTag = "sample-${item.sampleId}" },
            ) {
                Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    Text(item.profileName, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
                    SampleStatus(item, now)
                }
            }
        }
    }
}
