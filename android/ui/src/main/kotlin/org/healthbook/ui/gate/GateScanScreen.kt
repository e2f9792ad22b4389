package org.healthbook.ui.gate

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.BoxWithConstraints
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material.icons.automirrored.filled.ArrowForward
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Info
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
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
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale
import org.healthbook.core.wrapper.GateDecision
import org.healthbook.core.wrapper.GateDirection
import org.healthbook.core.wrapper.GateError
import org.healthbook.core.wrapper.GateScan
import org.healthbook.core.wrapper.GateState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FittedHeadline
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.agoWords
import org.healthbook.ui.common.tr

/**
 * The gate's scan loop: the bound gate's name, a big IN/OUT toggle (kept between scans), then the last
 * verdict in large, simple words on its colour with its icon, filling most of the screen: why when refused,
 * the holder's name and birth year to compare with an ID card, and "not recorded again" for a repeat. Scans
 * come from the camera on Android ([scanner]) or typed text on the JVM. Below: the passages waiting for
 * upload and the upload button.
 */
@Composable
fun GateScanScreen(
    state: GateState,
    now: Instant,
    zone: ZoneId,
    onDirection: (GateDirection) -> Unit,
    onScan: (String) -> Unit,
    onClear: () -> Unit,
    onSync: () -> Unit,
    onUnbind: () -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
    scanner: (@Composable (onScan: (String) -> Unit) -> Unit)? = null,
) {
    val gate = state.gate ?: return
    val language = LocalLanguage.current
    var text by remember { mutableStateOf("") }
    BoxWithConstraints(modifier.fillMaxSize()) {
        val screenHeight = maxHeight
        Column(
            Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Text(gate.gateName, style = MaterialTheme.typography.headlineMedium, fontWeight = FontWeight.Bold, modifier = Modifier.semantics { heading() })
            Text("${gate.venueName} · ${gate.agencyName}", style = MaterialTheme.typography.bodyLarge)
            state.error?.let { Banner(gateErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
            DirectionToggle(state.direction, onDirection)
            val last = state.last
            if (last != null) {
                Verdict(last, zone, Modifier.heightIn(min = screenHeight * 0.55f))
                Button(
                    onClick = onClear,
                    modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = 64.dp),
                ) { Text(tr(Str.NextPerson), style = MaterialTheme.typography.titleLarge) }
            } else {
                Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                    Icon(Icons.Filled.Info, contentDescription = null, modifier = Modifier.size(32.dp))
                    Text(tr(if (state.scanning) Str.GateScanning else Str.GateWaiting), style = MaterialTheme.typography.headlineSmall)
                }
            }
            if (scanner != null) {
                scanner(onScan)
            } else {
                val label = tr(Str.GateScanInput)
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
                    enabled = text.isNotBlank(),
                    modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
                ) { Text(tr(Str.GateScanButton)) }
            }
            QueuePanel(state, now, language, onSync)
            TextButton(onClick = onUnbind, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.GateUnbind)) }
        }
    }
}

/** IN and OUT as two large choices; the chosen one is filled, ticked, bold and announced as selected. */
@Composable
private fun DirectionToggle(direction: GateDirection, onDirection: (GateDirection) -> Unit) {
    Text(tr(Str.GateDirectionLabel), style = MaterialTheme.typography.titleMedium)
    Row(Modifier.fillMaxWidth().selectableGroup(), horizontalArrangement = Arrangement.spacedBy(12.dp)) {
        for (option in GateDirection.entries) {
            val selected = option == direction
            val words = tr(if (option == GateDirection.IN) Str.GateIn else Str.GateOut)
            val colours = MaterialTheme.colorScheme
            Row(
                Modifier.weight(1f)
                    .defaultMinSize(minHeight = 72.dp)
                    .background(if (selected) colours.primary else colours.surfaceVariant, RoundedCornerShape(12.dp))
                    .selectable(selected = selected, role = Role.RadioButton, onClick = { onDirection(option) })
                    .semantics { contentDescription = words; testTag = "direction-${option.name}" }
                    .padding(12.dp),
                verticalAlignment = Alignment.CenterVertically,
                horizontalArrangement = Arrangement.spacedBy(8.dp, Alignment.CenterHorizontally),
            ) {
                val tint = if (selected) colours.onPrimary else colours.onSurfaceVariant
                // The chosen way is marked by a tick as well as by its fill; the other keeps its arrow.
                val icon = when {
                    selected -> Icons.Filled.CheckCircle
                    option == GateDirection.IN -> Icons.AutoMirrored.Filled.ArrowForward
                    else -> Icons.AutoMirrored.Filled.ArrowBack
                }
                Icon(icon, contentDescription = null, tint = tint, modifier = Modifier.size(32.dp))
                Text(words, color = tint, style = MaterialTheme.typography.titleLarge, fontWeight = if (selected) FontWeight.Bold else FontWeight.Normal)
            }
        }
    }
}

/** The verdict on its colour, with its icon and the core's words in capitals; never colour alone. */
@Composable
private fun Verdict(scan: GateScan, zone: ZoneId, modifier: Modifier) {
    val kind = when (scan.decision) {
        GateDecision.ADMIT -> StatusKind.Good
        GateDecision.CHECK -> StatusKind.Caution
        GateDecision.REFUSE -> StatusKind.Bad
    }
    val headline = scan.headline.uppercase(Locale.ROOT)
    Column(
        modifier.fillMaxWidth().background(kind.colour, RoundedCornerShape(16.dp)).padding(20.dp).semantics { testTag = "gate-verdict" },
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Column(
            verticalArrangement = Arrangement.spacedBy(8.dp),
            modifier = Modifier.semantics(mergeDescendants = true) {
                contentDescription = headline
                liveRegion = LiveRegionMode.Assertive
            },
        ) {
            Icon(kind.icon, contentDescription = null, tint = Color.White, modifier = Modifier.size(96.dp))
            FittedHeadline(headline)
        }
        // Right under the verdict: the operator must see at once that a repeat was not counted twice.
        if (!scan.recorded) {
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Icon(Icons.Filled.Info, contentDescription = null, tint = Color.White, modifier = Modifier.size(28.dp))
                Text(tr(Str.GateNotRecordedAgain), color = Color.White, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
            }
        }
        if (scan.reason.isNotEmpty()) Text(scan.reason, color = Color.White, style = MaterialTheme.typography.headlineSmall)
        scan.holderName?.let { name ->
            Text(tr(Str.Holder), color = Color.White, style = MaterialTheme.typography.titleMedium)
            Text(name, color = Color.White, style = MaterialTheme.typography.headlineMedium, fontWeight = FontWeight.Bold)
            scan.birthYear?.let { Text("${tr(Str.BirthYear)}: $it", color = Color.White, style = MaterialTheme.typography.headlineSmall) }
            Text(tr(Str.CompareId), color = Color.White, style = MaterialTheme.typography.bodyLarge)
        }
        Text("${tr(Str.GateCard)}: ${scan.cardLabel}", color = Color.White, style = MaterialTheme.typography.bodyLarge)
        val direction = tr(if (scan.direction == GateDirection.IN) Str.GateIn else Str.GateOut)
        Text("$direction · ${TIME.format(scan.scannedAt.atZone(zone))}", color = Color.White, style = MaterialTheme.typography.bodyLarge)
    }
}

private val TIME = DateTimeFormatter.ofPattern("HH:mm:ss")

/** The passages waiting for upload, when the last upload was, and the upload button. */
@Composable
private fun QueuePanel(state: GateState, now: Instant, language: org.healthbook.core.Language, onSync: () -> Unit) {
    Column(verticalArrangement = Arrangement.spacedBy(8.dp), modifier = Modifier.padding(top = 8.dp)) {
        Text("${tr(Str.GatePending)}: ${state.pending}", style = MaterialTheme.typography.titleLarge, fontWeight = FontWeight.Bold)
        val last = state.queue?.lastSyncAt
        Text(
            if (last != null) "${tr(Str.GateLastSync)}: ${agoWords(now.epochSecond - last.epochSecond, language)}" else tr(Str.GateNeverSynced),
            style = MaterialTheme.typography.bodyLarge,
        )
        state.queue?.lastError?.let { Text(it, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.error) }
        OutlinedButton(
            onClick = onSync,
            enabled = !state.syncing && state.pending > 0,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(if (state.syncing) Str.GateSyncing else Str.GateSync)) }
    }
}

/** A gate error in plain words; a refusal is the core's words for the operator. */
@Composable
fun gateErrorText(error: GateError): String = when (error) {
    GateError.Load -> tr(Str.ErrorGateLoad)
    GateError.Bind -> tr(Str.ErrorGateBind)
    GateError.Scan -> tr(Str.ErrorGateScan)
    GateError.Sync -> tr(Str.ErrorGateSync)
    GateError.Unbind -> tr(Str.ErrorGateUnbind)
    is GateError.Refused -> error.message
}
