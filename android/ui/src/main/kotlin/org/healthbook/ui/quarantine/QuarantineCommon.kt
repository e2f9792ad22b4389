package org.healthbook.ui.quarantine

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.DateTimeException
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import org.healthbook.core.wrapper.ExplanationReason
import org.healthbook.core.wrapper.QuarantineCaseState
import org.healthbook.core.wrapper.QuarantineCheckIn
import org.healthbook.core.wrapper.QuarantineDecision
import org.healthbook.core.wrapper.QuarantineError
import org.healthbook.core.wrapper.QuarantineOrder
import org.healthbook.core.wrapper.QuarantineOrderState
import org.healthbook.core.wrapper.QuarantineVerdict
import org.healthbook.core.wrapper.QuarantineVerdictReason
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RefusalNote
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr
import org.healthbook.ui.theme.StatusColours

private val DATE_TIME: DateTimeFormatter = DateTimeFormatter.ofPattern("HH:mm, dd/MM/yyyy")
private val TIME_ONLY: DateTimeFormatter = DateTimeFormatter.ofPattern("HH:mm")

/** The order's home zone; the phone's own when the order names a zone this device does not know. */
fun orderZone(order: QuarantineOrder?): ZoneId = try {
    order?.timeZone?.let(ZoneId::of) ?: ZoneId.systemDefault()
} catch (e: DateTimeException) {
    ZoneId.systemDefault()
}

/** [instant] as "08:30, 05/03/2026" in [zone]. */
fun dateTimeIn(instant: Instant, zone: ZoneId): String = DATE_TIME.format(instant.atZone(zone))

/** [instant] as "08:30" in [zone]. */
fun timeIn(instant: Instant, zone: ZoneId): String = TIME_ONLY.format(instant.atZone(zone))

/** The words of a quarantine error; a refusal is the core's words, which say why. */
@Composable
fun quarantineErrorText(error: QuarantineError): String = when (error) {
    QuarantineError.Load -> tr(Str.ErrorQuarantineLoad)
    QuarantineError.Refresh -> tr(Str.ErrorQuarantineRefresh)
    QuarantineError.Commitment -> tr(Str.ErrorQuarantineCommitment)
    QuarantineError.Sign -> tr(Str.ErrorQuarantineSign)
    QuarantineError.Enrol -> tr(Str.ErrorQuarantineEnrol)
    QuarantineError.CheckIn -> tr(Str.ErrorQuarantineCheckIn)
    QuarantineError.Explain -> tr(Str.ErrorQuarantineExplain)
    QuarantineError.NotHomeToken -> tr(Str.ErrorQuarantineNotToken)
    QuarantineError.NoChallenge -> tr(Str.ErrorQuarantineNoChallenge)
    QuarantineError.Offline -> tr(Str.ErrorQuarantineOffline)
    is QuarantineError.Refused -> error.message
}

/** Where an order stands, as a status kind and words. */
@Composable
fun orderStatus(order: QuarantineOrder): Pair<StatusKind, String> = when (order.state) {
    QuarantineOrderState.AWAITING_COMMITMENT -> StatusKind.Caution to tr(Str.QuarantineStateCommitment)
    QuarantineOrderState.AWAITING_ENROLMENT -> StatusKind.Caution to tr(Str.QuarantineStateEnrolment)
    QuarantineOrderState.ACTIVE -> StatusKind.Unknown to tr(Str.QuarantineStateActive)
    QuarantineOrderState.ENDED -> StatusKind.Good to tr(Str.QuarantineStateEnded)
    QuarantineOrderState.CANCELLED -> StatusKind.Unknown to tr(Str.QuarantineStateCancelled)
}

/**
 * A verdict as a status kind and words. A doubtful or missed check-in is a caution, never red: nothing is held
 * against the person until an officer decides. A refused one is a caution too (the person has something to do),
 * and never looks like it is still on its way.
 */
@Composable
fun verdictStatus(checkIn: QuarantineCheckIn): Pair<StatusKind, String> = when (checkIn.verdict) {
    QuarantineVerdict.PENDING -> StatusKind.Unknown to tr(Str.VerdictPending)
    QuarantineVerdict.OK -> StatusKind.Good to tr(if (QuarantineVerdictReason.LATE in checkIn.reasons) Str.VerdictOkLate else Str.VerdictOk)
    QuarantineVerdict.NEEDS_REVIEW -> StatusKind.Caution to tr(Str.VerdictReview)
    QuarantineVerdict.MISSED -> StatusKind.Caution to tr(Str.VerdictMissed)
    QuarantineVerdict.REFUSED -> StatusKind.Caution to tr(Str.VerdictRefused)
}

/**
 * Why a refused check-in does not count and what to do, in plain words first; the server's reason (a status and a
 * code, meant for whoever helps the person) after it, small, only when there is one.
 */
@Composable
fun RefusedCheckInNote(checkIn: QuarantineCheckIn, modifier: Modifier = Modifier) = RefusalNote(
    what = tr(Str.VerdictRefusedWhat),
    detailLabel = tr(Str.VerdictRefusedDetail),
    reason = checkIn.refusedReason,
    kind = StatusKind.Caution,
    tag = "refused-checkin-${checkIn.sequence ?: checkIn.challengeId}",
    modifier = modifier,
)

/** A verdict reason in plain words. */
@Composable
fun reasonText(reason: QuarantineVerdictReason): String = tr(
    when (reason) {
        QuarantineVerdictReason.BAD_SIGNATURE -> Str.ReasonBadSignature
        QuarantineVerdictReason.WRONG_DEVICE_KEY -> Str.ReasonWrongDeviceKey
        QuarantineVerdictReason.REPLAYED -> Str.ReasonReplayed
        QuarantineVerdictReason.SEQUENCE_GAP -> Str.ReasonSequenceGap
        QuarantineVerdictReason.CHAIN_BROKEN -> Str.ReasonChainBroken
        QuarantineVerdictReason.UNKNOWN_NONCE -> Str.ReasonUnknownNonce
        QuarantineVerdictReason.STALE_NONCE -> Str.ReasonStaleNonce
        QuarantineVerdictReason.LATE -> Str.ReasonLate
        QuarantineVerdictReason.OUTSIDE_FENCE -> Str.ReasonOutsideFence
        QuarantineVerdictReason.UNCERTAIN_LOCATION -> Str.ReasonUncertainLocation
        QuarantineVerdictReason.MOCK_LOCATION -> Str.ReasonMockLocation
        QuarantineVerdictReason.HOME_TOKEN_MISSING -> Str.ReasonHomeTokenMissing
        QuarantineVerdictReason.RADIO_UNLIKE_HOME -> Str.ReasonRadioUnlikeHome
        QuarantineVerdictReason.STALE_FIX -> Str.ReasonStaleFix
        QuarantineVerdictReason.NO_ANSWER -> Str.ReasonNoAnswer
    },
)

/** An explanation reason in the person's words. */
@Composable
fun explanationText(reason: ExplanationReason): String = tr(
    when (reason) {
        ExplanationReason.BATTERY_DIED -> Str.ExplainBatteryDied
        ExplanationReason.ASLEEP -> Str.ExplainAsleep
        ExplanationReason.HOSPITAL_VISIT -> Str.ExplainHospital
        ExplanationReason.NO_SIGNAL -> Str.ExplainNoSignal
        ExplanationReason.OTHER -> Str.ExplainOther
    },
)

/** An officer's decision in words. */
@Composable
fun decisionText(decision: QuarantineDecision): String = tr(
    when (decision) {
        QuarantineDecision.DISMISSED -> Str.DecisionDismissed
        QuarantineDecision.WARNING -> Str.DecisionWarning
        QuarantineDecision.EXTENSION -> Str.DecisionExtension
        QuarantineDecision.REFERRAL -> Str.DecisionReferral
    },
)

/** Where a case stands, in words. */
@Composable
fun caseStateText(state: QuarantineCaseState): String = tr(
    when (state) {
        QuarantineCaseState.AWAITING_EXPLANATION -> Str.CaseAwaitingExplanation
        QuarantineCaseState.AWAITING_DECISION -> Str.CaseAwaitingDecision
        QuarantineCaseState.DECIDED -> Str.CaseDecided
    },
)

/** A check-in's verdict on its status bar, then each reason in words under "Why". */
@Composable
fun VerdictBlock(checkIn: QuarantineCheckIn, modifier: Modifier = Modifier) {
    val (kind, words) = verdictStatus(checkIn)
    Column(modifier.fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        StatusBar(kind, words, MaterialTheme.typography.titleLarge)
        if (checkIn.reasons.isNotEmpty()) {
            Text(tr(Str.VerdictWhy), style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
            for (reason in checkIn.reasons) Text("• ${reasonText(reason)}", style = MaterialTheme.typography.bodyLarge)
        }
        if (checkIn.verdict == QuarantineVerdict.REFUSED) RefusedCheckInNote(checkIn)
    }
}

@Composable
internal fun QHeading(text: String) {
    Text(text, style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
}

@Composable
internal fun QSubHeading(text: String) {
    Text(text, style = MaterialTheme.typography.titleLarge, fontWeight = FontWeight.Bold, modifier = Modifier.semantics { heading() })
}

/** A label over its value (never side by side, so long values and large fonts wrap). */
@Composable
internal fun QLabelled(label: String, value: String) {
    Column(Modifier.semantics(mergeDescendants = true) {}) {
        Text(label, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(value, style = MaterialTheme.typography.titleMedium)
    }
}

/**
 * Scans the sticker inside the home: the camera ([scanner], the composable the gate and site screens use) on a
 * phone, a text field on the JVM. Once a token is scanned, a tick and words say so.
 */
@Composable
internal fun HomeTokenScan(scanned: Boolean, onScanned: (String) -> Unit, scanner: (@Composable (onScan: (String) -> Unit) -> Unit)?) {
    if (scanned) {
        Row(
            Modifier.semantics(mergeDescendants = true) {},
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            Icon(Icons.Filled.CheckCircle, contentDescription = null, tint = StatusColours.Green, modifier = Modifier.size(32.dp))
            Text(tr(Str.EnrolScanned), style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
        }
        return
    }
    if (scanner != null) {
        scanner(onScanned)
        return
    }
    var text by remember { mutableStateOf("") }
    val label = tr(Str.EnrolScanInput)
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        OutlinedTextField(
            value = text,
            onValueChange = { text = it },
            label = { Text(label) },
            singleLine = true,
            modifier = Modifier.fillMaxWidth().semantics { contentDescription = label },
        )
        Button(
            onClick = {
                onScanned(text)
                text = ""
            },
            enabled = text.isNotBlank(),
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch).padding(0.dp),
        ) { Text(tr(Str.EnrolScanButton)) }
    }
}
