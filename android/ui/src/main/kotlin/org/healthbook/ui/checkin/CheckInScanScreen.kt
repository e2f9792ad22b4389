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
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.ZoneId
import org.healthbook.core.wrapper.CheckInState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RadioGroup
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr
import org.healthbook.ui.results.ProfileChoice

/**
 * Scanning a venue's poster: who is checking in (one phone keeps the diary of all its profiles), then the
 * poster, from the camera on Android ([scanner]) or typed on the JVM. The outcome shows in colour, icon and
 * words: checked in at the venue, or refused with the core's reason (a forged poster, a revoked agency, a
 * poster outside its signer's scope).
 */
@Composable
fun CheckInScanScreen(
    state: CheckInState,
    profiles: List<ProfileChoice>,
    zone: ZoneId,
    onScan: (profileId: String, qrText: String) -> Unit,
    onDismissResult: () -> Unit,
    onBack: () -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
    scanner: (@Composable (onScan: (String) -> Unit) -> Unit)? = null,
    initialProfileId: String? = profiles.firstOrNull()?.id,
) {
    var profileId by remember { mutableStateOf(initialProfileId) }
    var text by remember { mutableStateOf("") }
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        TextButton(onClick = onBack, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) }
        Text(tr(Str.CheckInScanTitle), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        state.error?.let { Banner(checkInErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
        val checkedIn = state.checkedIn
        val refusal = state.refusal
        if (checkedIn != null || refusal != null) {
            Column(
                verticalArrangement = Arrangement.spacedBy(8.dp),
                modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
            ) {
                if (checkedIn != null) {
                    StatusBar(StatusKind.Good, "${tr(Str.CheckedInAt)} ${checkedIn.venueName}", MaterialTheme.typography.titleLarge)
                    if (checkedIn.venueKind.isNotEmpty()) Text(checkedIn.venueKind, style = MaterialTheme.typography.bodyLarge)
                    Text("${clockTime(checkedIn.checkedInAt, zone)} · ${tr(Str.StillHere)}", style = MaterialTheme.typography.bodyLarge, fontWeight = FontWeight.Bold)
                } else if (refusal != null) {
                    StatusBar(StatusKind.Bad, tr(Str.CheckInRefused), MaterialTheme.typography.titleLarge)
                    Text(refusal, style = MaterialTheme.typography.bodyLarge)
                }
            }
            OutlinedButton(onClick = onDismissResult, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) {
                Text(tr(Str.CheckInScanAnother))
            }
            return@Column
        }
        Text(tr(Str.CheckInScanHint), style = MaterialTheme.typography.bodyLarge)
        if (profiles.size > 1) {
            Text(tr(Str.CheckInWho), style = MaterialTheme.typography.titleMedium)
            RadioGroup(profiles.map { it.id to it.name }, profileId, { profileId = it })
        }
        val chosen = profileId
        if (scanner != null) {
            if (chosen != null) scanner { scanned -> onScan(chosen, scanned) }
        } else {
            val label = tr(Str.CheckInPosterInput)
            OutlinedTextField(
                value = text,
                onValueChange = { text = it },
                label = { Text(label) },
                modifier = Modifier.fillMaxWidth().semantics { contentDescription = label },
            )
            Button(
                onClick = { if (chosen != null) onScan(chosen, text.trim()) },
                enabled = chosen != null && text.isNotBlank() && !state.checkingIn,
                modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
            ) { Text(tr(if (state.checkingIn) Str.CheckInChecking else Str.CheckInDo)) }
        }
    }
}
