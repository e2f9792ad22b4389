package org.healthbook.ui.gate

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
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
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
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.text.input.VisualTransformation
import androidx.compose.ui.unit.dp
import org.healthbook.core.wrapper.GateField
import org.healthbook.core.wrapper.GateState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

/**
 * Binding the device to a gate: the gate's code (from the agency's list or the sticker on the gate) and the
 * operator's account. Empty fields are named under them; the core's refusal (wrong password, another
 * agency's gate) shows above the button.
 */
@Composable
fun GateBindScreen(
    state: GateState,
    onBind: (gateId: String, username: String, password: String) -> Unit,
    onEdited: (GateField) -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
    initialGateId: String = "",
    initialUsername: String = "",
) {
    var gateId by remember { mutableStateOf(initialGateId) }
    var username by remember { mutableStateOf(initialUsername) }
    var password by remember { mutableStateOf("") }
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(tr(Str.GateBindTitle), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        state.error?.let { Banner(gateErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
        if (state.loading) {
            CircularProgressIndicator()
            return@Column
        }
        Text(tr(Str.GateBindHint), style = MaterialTheme.typography.bodyLarge)
        val required = tr(Str.ErrorRequired)
        BindField(tr(Str.GateId), gateId, required.takeIf { GateField.GATE in state.missing }) { gateId = it; onEdited(GateField.GATE) }
        BindField(tr(Str.GateUsername), username, required.takeIf { GateField.USERNAME in state.missing }) { username = it; onEdited(GateField.USERNAME) }
        BindField(tr(Str.GatePassword), password, required.takeIf { GateField.PASSWORD in state.missing }, secret = true) {
            password = it
            onEdited(GateField.PASSWORD)
        }
        state.bindRefusal?.let { Banner(it) }
        Button(
            onClick = { onBind(gateId, username, password) },
            enabled = !state.binding,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(if (state.binding) Str.GateBinding else Str.GateBind)) }
    }
}

@Composable
private fun BindField(label: String, value: String, problem: String?, secret: Boolean = false, onChange: (String) -> Unit) {
    Column {
        OutlinedTextField(
            value = value,
            onValueChange = onChange,
            label = { Text(label) },
            isError = problem != null,
            singleLine = true,
            visualTransformation = if (secret) PasswordVisualTransformation() else VisualTransformation.None,
            keyboardOptions = KeyboardOptions(keyboardType = if (secret) KeyboardType.Password else KeyboardType.Text),
            modifier = Modifier.fillMaxWidth().semantics {
                contentDescription = label
                if (problem != null) error(problem)
            },
        )
        FieldErrorText(problem)
    }
}
