package org.healthbook.ui.checkpoint

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import org.healthbook.core.CredentialKind
import org.healthbook.core.wrapper.CheckResult
import org.healthbook.core.wrapper.CheckpointError
import org.healthbook.core.wrapper.CheckpointState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FittedHeadline
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

/**
 * The checkpoint: a scan comes in (from the camera on Android; typed or pasted text on the JVM, which is
 * what [onScan] gets either way), then the verdict fills the screen in large type until [onClear].
 */
@Composable
fun CheckpointScreen(
    state: CheckpointState,
    onScan: (String) -> Unit,
    onClear: () -> Unit,
    onRefreshTrust: () -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
    scanner: (@Composable (onScan: (String) -> Unit) -> Unit)? = null,
) {
    val result = state.result
    if (result != null) {
        VerdictScreen(result, onClear, modifier)
        return
    }
    var text by remember { mutableStateOf("") }
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(tr(Str.Checkpoint), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        state.error?.let { Banner(checkpointErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
        if (scanner != null) {
            scanner(onScan)
        } else {
            val label = tr(Str.ScanInput)
            OutlinedTextField(
                value = text,
                onValueChange = { text = it },
                label = { Text(label) },
                modifier = Modifier.fillMaxWidth().semantics { contentDescription = label },
            )
            Button(
                onClick = { onScan(text.trim()) },
                enabled = text.isNotBlank() && !state.checking,
                modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
            ) { Text(tr(if (state.checking) Str.Checking else Str.Check)) }
        }
        OutlinedButton(
            onClick = onRefreshTrust,
            enabled = !state.refreshingTrust,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(if (state.refreshingTrust) Str.TrustRefreshing else Str.TrustRefresh)) }
        state.trust?.let { Text("${tr(Str.Trust)}: ${tr(Str.TrustVersion)} ${it.trustListVersion}", style = MaterialTheme.typography.bodyMedium) }
    }
}

/** The verdict, full screen, in large type: valid or not (colour, icon and words), why not, who. */
@Composable
private fun VerdictScreen(result: CheckResult, onClear: () -> Unit, modifier: Modifier) {
    val kind = if (result.valid) StatusKind.Good else StatusKind.Bad
    val headline = tr(if (result.valid) Str.VerdictValid else Str.VerdictInvalid)
    Column(
        modifier.fillMaxSize().background(kind.colour).verticalScroll(rememberScrollState()).padding(24.dp)
            .semantics { testTag = "verdict" },
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        // Icon above the words, so that at large font scales the headline has the full width and breaks between words.
        Column(
            verticalArrangement = Arrangement.spacedBy(8.dp),
            modifier = Modifier.semantics(mergeDescendants = true) {
                contentDescription = headline
                liveRegion = LiveRegionMode.Assertive
            },
        ) {
            Icon(kind.icon, contentDescription = null, tint = Color.White, modifier = Modifier.size(72.dp))
            FittedHeadline(headline)
        }
        if (!result.valid) {
            Text(result.message, color = Color.White, style = MaterialTheme.typography.headlineSmall)
        }
        if (result.trustListStale) {
            Text(tr(Str.TrustStale), color = Color.White, style = MaterialTheme.typography.titleMedium)
        }
        result.holderName?.let { name ->
            Text(tr(Str.Holder), color = Color.White, style = MaterialTheme.typography.titleMedium)
            Text(name, color = Color.White, style = MaterialTheme.typography.headlineLarge, fontWeight = FontWeight.Bold)
            result.holderTransliteratedName?.let { Text(it, color = Color.White, style = MaterialTheme.typography.titleLarge) }
            result.holderBirthDate?.let {
                Text("${tr(Str.HolderBirth)}: $it", color = Color.White, style = MaterialTheme.typography.headlineSmall)
            }
            Text(tr(Str.CompareId), color = Color.White, style = MaterialTheme.typography.bodyLarge)
        }
        if (result.kind in DCC_KINDS) {
            Text(tr(Str.DccSummary), color = Color.White, style = MaterialTheme.typography.titleLarge, fontWeight = FontWeight.Bold)
            result.verdict.summary?.let { Text(it, color = Color.White, style = MaterialTheme.typography.titleLarge) }
            result.verdict.issuer?.let { Text("${tr(Str.Issuer)}: $it", color = Color.White, style = MaterialTheme.typography.bodyLarge) }
        }
        Button(
            onClick = onClear,
            colors = ButtonDefaults.buttonColors(containerColor = Color.White, contentColor = Color.Black),
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = 64.dp),
        ) { Text(tr(Str.NextPerson), style = MaterialTheme.typography.titleLarge) }
    }
}

private val DCC_KINDS = setOf(CredentialKind.EU_DCC_VACCINATION, CredentialKind.EU_DCC_TEST, CredentialKind.EU_DCC_RECOVERY)

/** A checkpoint error in plain words. */
@Composable
fun checkpointErrorText(error: CheckpointError): String = when (error) {
    CheckpointError.NoServer -> tr(Str.ErrorNoServer)
    CheckpointError.NoRootKey -> tr(Str.ErrorNoRootKey)
    is CheckpointError.Offline -> tr(Str.ErrorOffline)
    is CheckpointError.Server -> tr(Str.ErrorServer)
    is CheckpointError.Unavailable -> tr(Str.ErrorUnavailable)
}
