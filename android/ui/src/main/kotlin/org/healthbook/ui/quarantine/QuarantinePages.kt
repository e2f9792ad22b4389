package org.healthbook.ui.quarantine

import androidx.compose.foundation.ScrollState
import androidx.compose.foundation.border
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Info
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material.icons.filled.LocationOn
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.snapshotFlow
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Instant
import kotlinx.coroutines.flow.first
import org.healthbook.core.Language
import org.healthbook.core.wrapper.ExplanationReason
import org.healthbook.core.wrapper.QuarantineCaseState
import org.healthbook.core.wrapper.QuarantineEvent
import org.healthbook.core.wrapper.QuarantineOrderState
import org.healthbook.core.wrapper.QuarantineState
import org.healthbook.core.wrapper.QuarantineVerdict
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RadioGroup
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.durationWords
import org.healthbook.ui.common.tr

/**
 * The commitment in the person's language, scrolling with the page; the sign button is enabled only once the
 * page was scrolled to its end (reported once through [QuarantineEvent.ReadToEnd]).
 */
@Composable
internal fun CommitmentPage(state: QuarantineState, scroll: ScrollState, onEvent: (QuarantineEvent) -> Unit) {
    QHeading(tr(Str.CommitmentTitle))
    ErrorBanner(state, onEvent)
    val commitment = state.commitment
    if (commitment == null) {
        if (state.busy) CircularProgressIndicator()
        return
    }
    if (!state.readToEnd) {
        // The end is reached when what is left below is no more than the sign button's margin (scrolling a
        // button into view stops short of the page's padding). maxValue is Int.MAX_VALUE until laid out.
        val slack = with(LocalDensity.current) { 64.dp.roundToPx() }
        LaunchedEffect(commitment.version, scroll) {
            snapshotFlow { scroll.maxValue != Int.MAX_VALUE && scroll.maxValue - scroll.value <= slack }.first { it }
            onEvent(QuarantineEvent.ReadToEnd)
        }
    }
    Text("${tr(Str.CommitmentVersion)} ${commitment.version}", style = MaterialTheme.typography.bodyMedium)
    Text(tr(Str.CommitmentReadAll), style = MaterialTheme.typography.bodyLarge, fontWeight = FontWeight.Bold)
    HorizontalDivider()
    val text = if (LocalLanguage.current == Language.EN) commitment.textEn else commitment.textVi
    Text(text, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.semantics { testTag = "commitment-text" })
    Text(tr(Str.CommitmentEnd), style = MaterialTheme.typography.bodyMedium)
    HorizontalDivider()
    Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        Icon(Icons.Filled.Lock, contentDescription = null)
        Text(tr(Str.CommitmentKeyNote), style = MaterialTheme.typography.bodyLarge)
    }
    Button(
        onClick = { onEvent(QuarantineEvent.Sign) },
        enabled = state.readToEnd && !state.busy,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch).semantics { testTag = "sign" },
    ) { Text(tr(if (state.busy) Str.CommitmentSigning else Str.CommitmentSign)) }
}

/** Enrolment: scan the sticker inside the home, what is recorded in plain words, then enrol. */
@Composable
internal fun EnrolmentPage(state: QuarantineState, onEvent: (QuarantineEvent) -> Unit, scanner: (@Composable (onScan: (String) -> Unit) -> Unit)?) {
    QHeading(tr(Str.EnrolTitle))
    ErrorBanner(state, onEvent)
    Text(tr(Str.EnrolHowTo), style = MaterialTheme.typography.bodyLarge)
    Column(
        Modifier.fillMaxWidth().border(2.dp, MaterialTheme.colorScheme.outline, RoundedCornerShape(12.dp)).padding(12.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        QSubHeading(tr(Str.EnrolWhatRecorded))
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Icon(Icons.Filled.Info, contentDescription = null)
            Text(tr(Str.EnrolRadio), style = MaterialTheme.typography.bodyLarge)
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Icon(Icons.Filled.LocationOn, contentDescription = null)
            Text(tr(Str.EnrolLocation), style = MaterialTheme.typography.bodyLarge)
        }
    }
    HomeTokenScan(state.scannedToken != null, { onEvent(QuarantineEvent.Scanned(it)) }, scanner)
    val enrolling = state.selected?.state == QuarantineOrderState.AWAITING_ENROLMENT
    Button(
        onClick = { onEvent(QuarantineEvent.Enrol) },
        enabled = enrolling && state.scannedToken != null && !state.busy,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch).semantics { testTag = "enrol" },
    ) { Text(tr(if (state.busy) Str.EnrolSending else Str.EnrolSend)) }
}

/**
 * The open challenge: daily or unannounced, late after its closing time, missed after its grace; the home token
 * scan when asked; one big check-in button. After pressing: the verdict with its reasons in words, and for a
 * doubtful one that an officer will look and the person can explain.
 */
@Composable
internal fun CheckInPage(
    state: QuarantineState,
    now: Instant,
    onEvent: (QuarantineEvent) -> Unit,
    scanner: (@Composable (onScan: (String) -> Unit) -> Unit)?,
) {
    QHeading(tr(Str.CheckInChallengeTitle))
    ErrorBanner(state, onEvent)
    val order = state.selected ?: return
    val zone = orderZone(order)
    val last = state.lastCheckIn
    if (last != null) {
        Column(Modifier.semantics { liveRegion = LiveRegionMode.Polite; testTag = "checkin-result" }, verticalArrangement = Arrangement.spacedBy(12.dp)) {
            VerdictBlock(last)
            if (last.verdict == QuarantineVerdict.NEEDS_REVIEW || last.verdict == QuarantineVerdict.MISSED) {
                Text(tr(Str.VerdictExplainNote), style = MaterialTheme.typography.bodyLarge)
                val case = state.cases.firstOrNull { it.checkIn.challengeId == last.challengeId }
                if (case != null) {
                    Button(
                        onClick = { onEvent(QuarantineEvent.OpenCase(case.caseId)) },
                        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
                    ) { Text(tr(Str.CaseTitle)) }
                }
            }
        }
        return
    }
    val challenge = order.openChallenge?.takeIf { order.state == QuarantineOrderState.ACTIVE && now.isBefore(it.graceEndsAt) }
    if (challenge == null) {
        Text(tr(Str.CheckInNoChallenge), style = MaterialTheme.typography.bodyLarge)
        order.nextCheckInAt?.let { QLabelled(tr(Str.QuarantineNextCheckIn), dateTimeIn(it, zone)) }
        return
    }
    val language = LocalLanguage.current
    val late = !now.isBefore(challenge.closesAt)
    StatusBar(
        if (late) StatusKind.Caution else StatusKind.Unknown,
        tr(if (challenge.random) Str.CheckInRandom else Str.CheckInDaily),
        MaterialTheme.typography.titleMedium,
    )
    val left = if (late) challenge.graceEndsAt else challenge.closesAt
    QLabelled(tr(Str.CheckInCloses), "${timeIn(challenge.closesAt, zone)} (${durationWords(left.epochSecond - now.epochSecond, language)})")
    QLabelled(tr(Str.CheckInLateAfter), timeIn(challenge.closesAt, zone))
    QLabelled(tr(Str.CheckInMissedAfter), timeIn(challenge.graceEndsAt, zone))
    if (challenge.homeTokenRequired) {
        Text(tr(Str.CheckInTokenRequired), style = MaterialTheme.typography.bodyLarge, fontWeight = FontWeight.Bold)
        HomeTokenScan(state.scannedToken != null, { onEvent(QuarantineEvent.Scanned(it)) }, scanner)
    }
    Button(
        onClick = { onEvent(QuarantineEvent.CheckIn) },
        enabled = state.canCheckIn(now),
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = 96.dp).semantics { testTag = "checkin" },
    ) {
        if (state.busy) {
            CircularProgressIndicator(Modifier.size(32.dp), color = MaterialTheme.colorScheme.onPrimary)
            Text(tr(Str.CheckInSending), style = MaterialTheme.typography.titleLarge, modifier = Modifier.padding(start = 12.dp))
        } else {
            Text(tr(Str.CheckInButton), style = MaterialTheme.typography.headlineSmall, fontWeight = FontWeight.Bold)
        }
    }
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        Icon(Icons.Filled.LocationOn, contentDescription = null)
        Text(tr(Str.CheckInWhatTaken), style = MaterialTheme.typography.bodyLarge)
    }
}

/**
 * A case: what happened, that nothing is held against the person without an officer's decision, the explain-by
 * time, the explanation form (reasons as choices, words required for "another reason") while it is open, what
 * the person said, and the officer's decision and words once decided.
 */
@Composable
internal fun CasePage(state: QuarantineState, now: Instant, onEvent: (QuarantineEvent) -> Unit) {
    QHeading(tr(Str.CaseTitle))
    ErrorBanner(state, onEvent)
    val case = state.openCase ?: return
    val zone = orderZone(state.orders.firstOrNull { it.orderId == case.orderId })
    val kind = when {
        case.state == QuarantineCaseState.DECIDED -> StatusKind.Unknown
        case.state == QuarantineCaseState.AWAITING_EXPLANATION && case.explanation == null -> StatusKind.Caution
        else -> StatusKind.Unknown
    }
    StatusBar(kind, caseStateText(case.state), MaterialTheme.typography.titleMedium)
    Text(tr(Str.CaseNoPenalty), style = MaterialTheme.typography.bodyLarge, fontWeight = FontWeight.Bold)
    QLabelled(tr(Str.CaseOpenedAt), dateTimeIn(case.openedAt, zone))
    VerdictBlock(case.checkIn)
    HorizontalDivider()
    val explanation = case.explanation
    if (explanation != null) {
        QLabelled(tr(Str.CaseYourExplanation), listOf(explanationText(explanation), case.explanationText).filter { it.isNotBlank() }.joinToString(": "))
        if (case.explanationPending) StatusBar(StatusKind.Unknown, tr(Str.CaseExplanationPending), MaterialTheme.typography.titleMedium)
    } else if (state.canExplain(case, now)) {
        QLabelled(tr(Str.CaseExplainBy), dateTimeIn(case.explainBy, zone))
        ExplainForm(state, onEvent)
    } else if (case.decision == null) {
        Text(tr(Str.CaseWindowClosed), style = MaterialTheme.typography.bodyLarge)
    }
    val decision = case.decision
    if (decision != null) {
        HorizontalDivider()
        QSubHeading(tr(Str.CaseDecision))
        Text(decisionText(decision), style = MaterialTheme.typography.titleLarge, fontWeight = FontWeight.Bold)
        case.decidedAt?.let { Text(dateTimeIn(it, zone), style = MaterialTheme.typography.bodyMedium) }
        case.decisionNote?.takeIf { it.isNotBlank() }?.let { QLabelled(tr(Str.CaseOfficerNote), it) }
    }
}

@Composable
private fun ExplainForm(state: QuarantineState, onEvent: (QuarantineEvent) -> Unit) {
    val draft = state.draft
    QSubHeading(tr(Str.CaseWhatHappened))
    RadioGroup(
        options = ExplanationReason.entries.map { it to explanationText(it) },
        selected = draft.reason,
        onSelect = { onEvent(QuarantineEvent.ChooseReason(it)) },
        modifier = Modifier.semantics { testTag = "reasons" },
    )
    FieldErrorText(tr(Str.CaseReasonMissing).takeIf { draft.reasonMissing })
    val label = tr(if (draft.reason == ExplanationReason.OTHER) Str.CaseText else Str.CaseTextOptional)
    val problem = tr(Str.CaseTextMissing).takeIf { draft.textMissing }
    Column {
        OutlinedTextField(
            value = draft.text,
            onValueChange = { onEvent(QuarantineEvent.ExplanationText(it)) },
            label = { Text(label) },
            isError = problem != null,
            minLines = 3,
            modifier = Modifier.fillMaxWidth().semantics {
                contentDescription = label
                testTag = "explanation-text"
                if (problem != null) error(problem)
            },
        )
        FieldErrorText(problem)
    }
    Button(
        onClick = { onEvent(QuarantineEvent.SendExplanation) },
        enabled = !state.busy,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch).semantics { testTag = "send-explanation" },
    ) { Text(tr(if (state.busy) Str.CaseSending else Str.CaseSend)) }
    OutlinedButton(onClick = { onEvent(QuarantineEvent.Back) }, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) {
        Text(tr(Str.Back))
    }
}
