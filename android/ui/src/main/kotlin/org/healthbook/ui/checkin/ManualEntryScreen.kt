package org.healthbook.ui.checkin

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import java.time.Instant
import java.time.ZoneId
import org.healthbook.core.wrapper.CheckInState
import org.healthbook.core.wrapper.ManualField
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RadioGroup
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr
import org.healthbook.ui.results.ProfileChoice

/**
 * A visit to a place without a poster, typed by hand: whose, where, the day and the times (the day defaults
 * to today in [zone]). Each field's problem shows under it (the view model checks them before anything is
 * saved); the core's refusal shows above the button; a saved visit is confirmed until [onDone].
 */
@Composable
fun ManualEntryScreen(
    state: CheckInState,
    profiles: List<ProfileChoice>,
    now: Instant,
    zone: ZoneId,
    onSave: (profileId: String, place: String, date: String, from: String, to: String) -> Unit,
    onEdited: (ManualField) -> Unit,
    onDone: () -> Unit,
    onBack: () -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
    initialProfileId: String? = profiles.firstOrNull()?.id,
    initialPlace: String = "",
    initialFrom: String = "",
    initialTo: String = "",
) {
    var profileId by remember { mutableStateOf(initialProfileId) }
    var place by remember { mutableStateOf(initialPlace) }
    var date by remember { mutableStateOf(now.atZone(zone).toLocalDate().toString()) }
    var from by remember { mutableStateOf(initialFrom) }
    var to by remember { mutableStateOf(initialTo) }
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        TextButton(onClick = onBack, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) }
        Text(tr(Str.ManualTitle), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        state.error?.let { Banner(checkInErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
        val saved = state.manualSaved
        if (saved != null) {
            StatusBar(StatusKind.Good, tr(Str.ManualSaved), MaterialTheme.typography.titleLarge)
            Text(saved.venueName, style = MaterialTheme.typography.bodyLarge)
            Button(onClick = onDone, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) { Text(tr(Str.Continue)) }
            return@Column
        }
        if (profiles.size > 1) {
            Text(tr(Str.CheckInWho), style = MaterialTheme.typography.titleMedium)
            RadioGroup(profiles.map { it.id to it.name }, profileId, { profileId = it; onEdited(ManualField.PROFILE) })
        }
        state.manualErrors[ManualField.PROFILE]?.let { FieldErrorText(manualProblemText(it)) }
        ManualTextField(tr(Str.ManualPlace), place, state.manualErrors[ManualField.PLACE]?.let { manualProblemText(it) }) {
            place = it
            onEdited(ManualField.PLACE)
        }
        ManualTextField(tr(Str.ManualDate), date, state.manualErrors[ManualField.DATE]?.let { manualProblemText(it) }, KeyboardType.Number) {
            date = it
            onEdited(ManualField.DATE)
        }
        ManualTextField(tr(Str.ManualFrom), from, state.manualErrors[ManualField.FROM]?.let { manualProblemText(it) }, KeyboardType.Number) {
            from = it
            onEdited(ManualField.FROM)
        }
        ManualTextField(tr(Str.ManualTo), to, state.manualErrors[ManualField.TO]?.let { manualProblemText(it) }, KeyboardType.Number) {
            to = it
            onEdited(ManualField.TO)
        }
        state.manualRefusal?.let { Banner(it) }
        Button(
            onClick = { onSave(profileId.orEmpty(), place, date, from, to) },
            enabled = !state.savingManual,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(if (state.savingManual) Str.Submitting else Str.ManualSave)) }
    }
}

@Composable
private fun ManualTextField(
    label: String,
    value: String,
    problem: String?,
    keyboard: KeyboardType = KeyboardType.Text,
    onChange: (String) -> Unit,
) {
    Column {
        OutlinedTextField(
            value = value,
            onValueChange = onChange,
            label = { Text(label) },
            isError = problem != null,
            keyboardOptions = KeyboardOptions(keyboardType = keyboard),
            modifier = Modifier.fillMaxWidth().semantics {
                contentDescription = label
                if (problem != null) error(problem)
            },
        )
        FieldErrorText(problem)
    }
}
