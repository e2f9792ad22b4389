package org.healthbook.ui.common

import androidx.compose.foundation.border
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.unit.dp
import org.healthbook.core.Language

/** The minimum touch target the screens use for every control. */
val MinTouch = 48.dp

/**
 * A message across the top of a screen with an icon and words (never colour alone), and an optional
 * action such as Retry or Dismiss.
 */
@Composable
fun Banner(
    message: String,
    modifier: Modifier = Modifier,
    actionLabel: String? = null,
    onAction: (() -> Unit)? = null,
) {
    Surface(
        color = MaterialTheme.colorScheme.errorContainer,
        contentColor = MaterialTheme.colorScheme.onErrorContainer,
        modifier = modifier.fillMaxWidth().semantics(mergeDescendants = false) {},
    ) {
        Row(Modifier.padding(12.dp), verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            Icon(Icons.Filled.Warning, contentDescription = null)
            Text(message, Modifier.weight(1f), style = MaterialTheme.typography.bodyLarge)
            if (actionLabel != null && onAction != null) {
                TextButton(onClick = onAction, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(actionLabel) }
            }
        }
    }
}

/** Radio choices in a column, each row one 48 dp target labelled by its text. */
@Composable
fun <T> RadioGroup(options: List<Pair<T, String>>, selected: T?, onSelect: (T) -> Unit, modifier: Modifier = Modifier) {
    Column(modifier.selectableGroup()) {
        for ((value, label) in options) {
            Row(
                Modifier
                    .fillMaxWidth()
                    .defaultMinSize(minHeight = MinTouch)
                    .selectable(selected = value == selected, role = Role.RadioButton, onClick = { onSelect(value) })
                    .semantics { contentDescription = label },
                verticalAlignment = Alignment.CenterVertically,
            ) {
                RadioButton(selected = value == selected, onClick = null)
                Text(label, Modifier.padding(start = 8.dp), style = MaterialTheme.typography.bodyLarge)
            }
        }
    }
}

/** Language choice shared by first start and settings. */
@Composable
fun LanguagePicker(language: Language, onLanguage: (Language) -> Unit) {
    // Each language is named in itself as well, so a reader of the other one finds theirs.
    RadioGroup(
        options = listOf(Language.VI to "Tiếng Việt", Language.EN to "English"),
        selected = language,
        onSelect = onLanguage,
    )
}

/** A text under a field saying what is wrong with it, announced with the field. */
@Composable
fun FieldErrorText(message: String?) {
    if (message != null) {
        Text(message, color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyMedium, modifier = Modifier.padding(start = 4.dp, top = 2.dp))
    }
}

/**
 * Why something the person sent was not taken, and what to do: [what] in plain words first; the technical [reason]
 * (a status and a code, meant for whoever helps the person) after it, small, only when there is one.
 */
@Composable
fun RefusalNote(what: String, detailLabel: String, reason: String?, kind: StatusKind, tag: String, modifier: Modifier = Modifier) {
    Column(
        modifier.fillMaxWidth()
            .border(1.dp, kind.colour, RoundedCornerShape(8.dp))
            .padding(12.dp)
            .semantics(mergeDescendants = true) { testTag = tag },
        verticalArrangement = Arrangement.spacedBy(4.dp),
    ) {
        Text(what, style = MaterialTheme.typography.bodyLarge)
        reason?.takeIf { it.isNotBlank() }?.let {
            Text("$detailLabel: $it", style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
    }
}
