package org.healthbook.ui.setup

import androidx.compose.foundation.background
import androidx.compose.foundation.border
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import org.healthbook.core.wrapper.SetupCheckState
import org.healthbook.core.wrapper.SetupState
import org.healthbook.core.wrapper.SetupStep
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

/** The status kind (colour and icon shape) and the words of a step's state. */
fun SetupState.kind(): StatusKind = when (this) {
    SetupState.OK -> StatusKind.Good
    SetupState.WARNING -> StatusKind.Caution
    SetupState.PROBLEM -> StatusKind.Bad
    SetupState.NOT_CHECKED -> StatusKind.Unknown
}

/** The words of a step's state. */
fun SetupState.words(): Str = when (this) {
    SetupState.OK -> Str.SetupStateOk
    SetupState.WARNING -> Str.SetupStateWarning
    SetupState.PROBLEM -> Str.SetupStateProblem
    SetupState.NOT_CHECKED -> Str.SetupStateNotChecked
}

/**
 * The set-up check a volunteer runs beside a new user: a summary, then every step with an icon, its state in
 * words and colour (never colour alone), what was found and what to do, and a "check again" button. The words
 * of the steps come from the core, already in the app's language.
 */
@Composable
fun SetupCheckScreen(state: SetupCheckState, onCheckAgain: () -> Unit, modifier: Modifier = Modifier) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(tr(Str.SetupTitle), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        Text(tr(Str.SetupIntro), style = MaterialTheme.typography.bodyLarge)
        if (state.failed) Banner(tr(Str.ErrorSetupFailed), actionLabel = tr(Str.Retry), onAction = onCheckAgain)
        if (state.checking) {
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                CircularProgressIndicator(Modifier.size(32.dp))
                Text(tr(Str.SetupChecking), style = MaterialTheme.typography.bodyLarge)
            }
        }
        if (state.steps.isNotEmpty()) {
            if (state.allGood) {
                StatusBar(StatusKind.Good, tr(Str.SetupAllGood), MaterialTheme.typography.titleLarge)
            } else {
                val worst = if (state.steps.any { it.state == SetupState.PROBLEM }) StatusKind.Bad else StatusKind.Caution
                StatusBar(worst, "${tr(Str.SetupToFix)}: ${state.toFix.size}", MaterialTheme.typography.titleLarge)
            }
        }
        for (step in state.steps) StepRow(step)
        Button(
            onClick = onCheckAgain,
            enabled = !state.checking,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch).semantics { testTag = "setup-check-again" },
        ) { Text(tr(Str.SetupCheckAgain)) }
    }
}

@Composable
private fun StepRow(step: SetupStep) {
    val kind = step.state.kind()
    val stateWords = tr(step.state.words())
    val whatToDo = tr(Str.SetupWhatToDo)
    val spoken = buildString {
        append("${step.title}: $stateWords. ${step.detail}")
        if (step.action.isNotEmpty()) append(" $whatToDo: ${step.action}")
    }
    Row(
        Modifier
            .fillMaxWidth()
            .border(2.dp, kind.colour, RoundedCornerShape(12.dp))
            .padding(12.dp)
            .semantics(mergeDescendants = true) {
                contentDescription = spoken
                testTag = "setup-step-${step.id}"
            },
        horizontalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Icon(kind.icon, contentDescription = null, tint = Color.White, modifier = Modifier.size(36.dp).background(kind.colour, CircleShape).padding(4.dp))
        Column(Modifier.weight(1f), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(step.title, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
            Text(stateWords, style = MaterialTheme.typography.labelLarge, color = kind.colour, fontWeight = FontWeight.Bold)
            Text(step.detail, style = MaterialTheme.typography.bodyLarge)
            if (step.action.isNotEmpty()) {
                Text("$whatToDo: ${step.action}", style = MaterialTheme.typography.bodyLarge, fontWeight = FontWeight.SemiBold)
            }
        }
    }
}
