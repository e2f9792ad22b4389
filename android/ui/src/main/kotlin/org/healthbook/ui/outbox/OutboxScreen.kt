package org.healthbook.ui.outbox

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import java.time.Instant
import org.healthbook.core.OutboxEntry
import org.healthbook.core.OutboxState
import org.healthbook.core.wrapper.DeclarationFormError
import org.healthbook.core.wrapper.SyncProgress
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.durationWords
import org.healthbook.ui.common.tr
import org.healthbook.ui.declarations.declarationErrorText

/**
 * What waits to be sent: each item with its attempts, when it is tried next and its last error in plain
 * words; a banner when the server refused something; Retry per item and Send now for all.
 */
@Composable
fun OutboxScreen(
    entries: List<OutboxEntry>,
    sync: SyncProgress,
    error: DeclarationFormError?,
    now: Instant,
    onSyncNow: () -> Unit,
    onRetry: (Long) -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
) {
    Column(modifier.fillMaxSize()) {
        Text(tr(Str.Outbox), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.padding(16.dp).semantics { heading() })
        if (entries.any { it.state == OutboxState.REJECTED }) Banner(tr(Str.RefusedBanner))
        error?.let { Banner(declarationErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
        if (sync.lastReport?.serverUnreachable == true && !sync.running) {
            Text(tr(Str.LastSyncUnreachable), Modifier.padding(horizontal = 16.dp), style = MaterialTheme.typography.bodyLarge)
        }
        if (entries.isEmpty()) Text(tr(Str.OutboxEmpty), Modifier.padding(16.dp), style = MaterialTheme.typography.bodyLarge)
        LazyColumn(Modifier.weight(1f)) {
            items(entries, key = { it.id }) { entry ->
                EntryRow(entry, now, onRetry)
                HorizontalDivider()
            }
        }
        Button(
            onClick = onSyncNow,
            enabled = !sync.running,
            modifier = Modifier.fillMaxWidth().padding(16.dp).defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(if (sync.running) Str.Syncing else Str.SyncNow)) }
    }
}

@Composable
private fun EntryRow(entry: OutboxEntry, now: Instant, onRetry: (Long) -> Unit) {
    val l = LocalLanguage.current
    val refused = entry.state == OutboxState.REJECTED
    val kind = if (entry.kind.startsWith("declaration")) tr(Str.KindDeclaration) else tr(Str.KindOther)
    val stateText = tr(if (refused) Str.StateRejected else Str.StatePending)
    Row(Modifier.fillMaxWidth().padding(horizontal = 16.dp, vertical = 8.dp), verticalAlignment = Alignment.Top) {
        if (refused) Icon(Icons.Filled.Warning, contentDescription = null, tint = MaterialTheme.colorScheme.error)
        // Retry sits under the text, not beside it, so that the text keeps the full width at large font scales.
        Column(Modifier.weight(1f).padding(start = 8.dp)) {
            Text("$kind · $stateText", style = MaterialTheme.typography.titleMedium)
            Text("${tr(Str.Attempts)}: ${entry.attempts}", style = MaterialTheme.typography.bodyMedium)
            if (!refused) {
                val wait = entry.nextAttemptAt.epochSecond - now.epochSecond
                Text("${tr(Str.NextAttempt)}: ${durationWords(wait, l)}", style = MaterialTheme.typography.bodyMedium)
            }
            entry.lastError?.let { Text(plainError(it, refused), style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.error) }
            val retryLabel = "${tr(Str.Retry)}: $kind · $stateText"
            OutlinedButton(
                onClick = { onRetry(entry.id) },
                modifier = Modifier.padding(top = 4.dp).defaultMinSize(MinTouch, MinTouch).semantics { contentDescription = retryLabel },
            ) {
                Icon(Icons.Filled.Refresh, contentDescription = null)
                Text(tr(Str.Retry), Modifier.padding(start = 4.dp))
            }
        }
    }
}

/**
 * The stored last error in words a person understands: network trouble reads as "can't reach the server";
 * a refusal keeps the server's reason, which is written for people.
 */
@Composable
private fun plainError(raw: String, refused: Boolean): String {
    if (refused) return raw
    val lower = raw.lowercase()
    val network = listOf("connect", "timed out", "timeout", "dns", "unreachable", "refused", "network").any { it in lower }
    return if (network) tr(Str.ErrorOffline) else tr(Str.ErrorServer)
}
