package org.healthbook.ui.results

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
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.ui.unit.dp
import java.time.Instant
import org.healthbook.core.wrapper.TestResultsState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RadioGroup
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

/**
 * Registering a sample: whose it is (one phone follows samples for all its profiles), then the code, scanned
 * from the receipt (the camera on Android, [scanner]) or typed (the short code, with its format). A mistyped
 * code is refused at the field before anything is sent; the outcome of a registration (it may be "registered
 * on another phone") shows below with its reason until [onDone]. [initialProfileId] and [initialCode] prefill the
 * choices (a code handed over by a deep link, say).
 */
@Composable
fun RegisterSampleScreen(
    state: TestResultsState,
    profiles: List<ProfileChoice>,
    now: Instant,
    onRegister: (profileId: String, code: String) -> Unit,
    onCodeEdited: () -> Unit,
    onDone: () -> Unit,
    onBack: () -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
    scanner: (@Composable (onScan: (String) -> Unit) -> Unit)? = null,
    initialProfileId: String? = profiles.singleOrNull()?.id,
    initialCode: String = "",
) {
    var profileId by remember { mutableStateOf(initialProfileId) }
    var code by remember { mutableStateOf(initialCode) }
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        TextButton(onClick = onBack, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) }
        Text(tr(Str.ResultsRegisterTitle), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        state.error?.let { Banner(resultsErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
        val registered = state.registered
        if (registered != null) {
            SampleStatus(registered, now)
            Button(onClick = onDone, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) { Text(tr(Str.Continue)) }
            return@Column
        }
        Text(tr(Str.ResultsFor), style = MaterialTheme.typography.titleMedium)
        RadioGroup(profiles.map { it.id to it.name }, profileId, { profileId = it })
        val label = tr(Str.ResultsCode)
        val codeError = state.codeError
        OutlinedTextField(
            value = code,
            onValueChange = {
                code = it
                if (codeError != null) onCodeEdited()
            },
            label = { Text(label) },
            isError = codeError != null,
            singleLine = true,
            keyboardOptions = KeyboardOptions(capitalization = KeyboardCapitalization.Characters),
            modifier = Modifier.fillMaxWidth().semantics {
                contentDescription = label
                if (codeError != null) error(codeError)
            },
        )
        FieldErrorText(codeError)
        Text(tr(Str.ResultsCodeHint), style = MaterialTheme.typography.bodyMedium)
        val chosen = profileId
        Button(
            onClick = { if (chosen != null) onRegister(chosen, code.trim()) },
            enabled = chosen != null && code.isNotBlank() && !state.registering,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(if (state.registering) Str.ResultsRegistering else Str.ResultsRegister)) }
        if (scanner != null && chosen != null) scanner { scanned -> onRegister(chosen, scanned) }
    }
}
