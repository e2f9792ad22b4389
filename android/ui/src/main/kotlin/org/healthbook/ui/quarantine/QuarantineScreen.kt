package org.healthbook.ui.quarantine

import androidx.compose.foundation.border
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.ScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Instant
import org.healthbook.core.wrapper.QuarantineCase
import org.healthbook.core.wrapper.QuarantineCaseState
import org.healthbook.core.wrapper.QuarantineCheckIn
import org.healthbook.core.wrapper.QuarantineEvent
import org.healthbook.core.wrapper.QuarantineOrder
import org.healthbook.core.wrapper.QuarantineOrderState
import org.healthbook.core.wrapper.QuarantinePage
import org.healthbook.core.wrapper.QuarantineState
import org.healthbook.core.wrapper.QuarantineVerdict
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RadioGroup
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.durationWords
import org.healthbook.ui.common.tr

/**
 * The person's home quarantine: the page the state names (countdown, commitment, enrolment, check-in or a
 * case). [now] is the clock the countdown and the open challenge are shown against. [scanner] is the camera
 * composable the gate and site screens use (null on the JVM: a text field stands in).
 */
@Composable
fun QuarantineScreen(
    state: QuarantineState,
    now: Instant,
    onEvent: (QuarantineEvent) -> Unit,
    modifier: Modifier = Modifier,
    scanner: (@Composable (onScan: (String) -> Unit) -> Unit)? = null,
) {
    val page = state.page
    // Each page starts at its top; the commitment watches this scroll to know it was read to the end.
    val scroll = remember(page) { ScrollState(0) }
    Column(
        modifier.fillMaxSize().verticalScroll(scroll).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        if (page != QuarantinePage.Countdown) {
            TextButton(onClick = { onEvent(QuarantineEvent.Back) }, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) }
        }
        when (page) {
            QuarantinePage.Countdown -> CountdownPage(state, now, onEvent)
            QuarantinePage.Commitment -> CommitmentPage(state, scroll, onEvent)
            QuarantinePage.Enrolment -> EnrolmentPage(state, onEvent, scanner)
            QuarantinePage.CheckIn -> CheckInPage(state, now, onEvent, scanner)
            is QuarantinePage.Case -> CasePage(state, now, onEvent)
        }
    }
}

@Composable
internal fun ErrorBanner(state: QuarantineState, onEvent: (QuarantineEvent) -> Unit) {
    state.error?.let { Banner(quarantineErrorText(it), actionLabel = tr(Str.Dismiss), onAction = { onEvent(QuarantineEvent.DismissError) }) }
}

/** The orders (a choice when there are several), then the selected one: its state and next step, the countdown, cases, check-ins. */
@Composable
private fun CountdownPage(state: QuarantineState, now: Instant, onEvent: (QuarantineEvent) -> Unit) {
    QHeading(tr(Str.QuarantineTitle))
    ErrorBanner(state, onEvent)
    if (state.loading) {
        CircularProgressIndicator()
        return
    }
    val order = state.selected
    if (order == null) {
        Text(tr(Str.QuarantineNone), style = MaterialTheme.typography.bodyLarge)
    } else {
        if (state.orders.size > 1) {
            RadioGroup(
                options = state.orders.map { it.orderId to "${it.profileName} · ${orderStatus(it).second}" },
                selected = order.orderId,
                onSelect = { onEvent(QuarantineEvent.Select(it)) },
            )
            HorizontalDivider()
        }
        OrderSection(order, state, now, onEvent)
    }
    OutlinedButton(
        onClick = { onEvent(QuarantineEvent.Refresh) },
        enabled = !state.refreshing,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
    ) { Text(tr(if (state.refreshing) Str.QuarantineRefreshing else Str.QuarantineRefresh)) }
}

@Composable
private fun OrderSection(order: QuarantineOrder, state: QuarantineState, now: Instant, onEvent: (QuarantineEvent) -> Unit) {
    val zone = orderZone(order)
    QSubHeading(order.profileName)
    Text(order.homeAddress, style = MaterialTheme.typography.bodyLarge)
    val (kind, words) = orderStatus(order)
    StatusBar(kind, words, MaterialTheme.typography.titleMedium)
    when (order.state) {
        QuarantineOrderState.AWAITING_COMMITMENT -> Button(
            onClick = { onEvent(QuarantineEvent.OpenCommitment) },
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(Str.QuarantineOpenCommitment)) }
        QuarantineOrderState.AWAITING_ENROLMENT -> Button(
            onClick = { onEvent(QuarantineEvent.OpenEnrolment) },
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(Str.QuarantineOpenEnrolment)) }
        QuarantineOrderState.ACTIVE -> {
            Countdown(order)
            val challenge = order.openChallenge
            if (challenge != null && now.isBefore(challenge.graceEndsAt)) {
                StatusBar(StatusKind.Caution, tr(Str.QuarantineChallengeOpen), MaterialTheme.typography.titleMedium)
                Button(
                    onClick = { onEvent(QuarantineEvent.OpenCheckIn) },
                    modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = 64.dp).semantics { testTag = "open-checkin" },
                ) { Text(tr(Str.QuarantineOpenCheckIn), style = MaterialTheme.typography.titleLarge) }
            } else {
                order.nextCheckInAt?.let { QLabelled(tr(Str.QuarantineNextCheckIn), dateTimeIn(it, zone)) }
                Text(tr(Str.QuarantineRandomNote), style = MaterialTheme.typography.bodyLarge)
            }
        }
        QuarantineOrderState.ENDED, QuarantineOrderState.CANCELLED -> Unit
    }
    if (order.pendingCheckIns > 0) {
        Text("${order.pendingCheckIns} ${tr(Str.QuarantinePendingCheckIns)}", style = MaterialTheme.typography.bodyLarge, fontWeight = FontWeight.Bold)
    }
    if (state.cases.isNotEmpty()) {
        HorizontalDivider()
        QSubHeading(tr(Str.QuarantineCases))
        Text(tr(Str.CaseNoPenalty), style = MaterialTheme.typography.bodyLarge)
        for (case in state.cases) CaseRow(case, zone, onEvent)
    }
    HorizontalDivider()
    QSubHeading(tr(Str.QuarantineHistory))
    if (state.checkIns.isEmpty()) Text(tr(Str.QuarantineNoCheckIns), style = MaterialTheme.typography.bodyLarge)
    for (checkIn in state.checkIns) CheckInRow(checkIn, zone)
}

/**
 * The days left, very large, then the end in the home's local time (with the zone named when it is not the
 * phone's) and any extension.
 */
@Composable
fun Countdown(order: QuarantineOrder, modifier: Modifier = Modifier) {
    val zone = orderZone(order)
    val daysWord = tr(if (order.daysLeft == 1) Str.QuarantineDayLeft else Str.QuarantineDaysLeft)
    val ends = dateTimeIn(order.endsAt, zone)
    Column(
        modifier.fillMaxWidth()
            .border(2.dp, MaterialTheme.colorScheme.outline, RoundedCornerShape(16.dp))
            .padding(16.dp)
            .semantics(mergeDescendants = true) { contentDescription = "${order.daysLeft} $daysWord. ${ends}"; testTag = "countdown" },
        horizontalAlignment = Alignment.CenterHorizontally,
        verticalArrangement = Arrangement.spacedBy(4.dp),
    ) {
        Text("${order.daysLeft}", style = MaterialTheme.typography.displayLarge, fontWeight = FontWeight.Bold)
        Text(daysWord, style = MaterialTheme.typography.headlineSmall)
        Text("${tr(Str.QuarantineEndsAt)} $ends", style = MaterialTheme.typography.titleMedium)
        if (zone != java.time.ZoneId.systemDefault()) {
            Text("(${tr(Str.QuarantineLocalTime)}, ${order.timeZone})", style = MaterialTheme.typography.bodyMedium)
        }
        if (order.extensionDays > 0) {
            Text("${tr(Str.QuarantineExtended)} ${order.extensionDays} ${tr(Str.QuarantineDays)}", style = MaterialTheme.typography.bodyLarge)
        }
    }
}

@Composable
private fun CaseRow(case: QuarantineCase, zone: java.time.ZoneId, onEvent: (QuarantineEvent) -> Unit) {
    val label = "${caseStateText(case.state)} · ${verdictStatus(case.checkIn).second} · ${dateTimeIn(case.openedAt, zone)}"
    Column(
        Modifier.fillMaxWidth()
            .defaultMinSize(minHeight = MinTouch)
            .border(2.dp, MaterialTheme.colorScheme.outline, RoundedCornerShape(12.dp))
            .clickable(role = Role.Button, onClick = { onEvent(QuarantineEvent.OpenCase(case.caseId)) })
            .semantics(mergeDescendants = true) { contentDescription = label; testTag = "case-${case.caseId}" }
            .padding(12.dp),
        verticalArrangement = Arrangement.spacedBy(4.dp),
    ) {
        val kind = if (case.state == QuarantineCaseState.AWAITING_EXPLANATION && case.explanation == null) StatusKind.Caution else StatusKind.Unknown
        StatusBar(kind, caseStateText(case.state), MaterialTheme.typography.titleMedium)
        Text(verdictStatus(case.checkIn).second, style = MaterialTheme.typography.bodyLarge)
        Text(dateTimeIn(case.openedAt, zone), style = MaterialTheme.typography.bodyMedium)
    }
}

@Composable
private fun CheckInRow(checkIn: QuarantineCheckIn, zone: java.time.ZoneId) {
    val (_, words) = verdictStatus(checkIn)
    Column(Modifier.fillMaxWidth().padding(vertical = 4.dp).semantics(mergeDescendants = true) {}) {
        Text(dateTimeIn(checkIn.at, zone), style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
        Text(words, style = MaterialTheme.typography.bodyLarge)
        if (checkIn.reasons.isNotEmpty()) Text(checkIn.reasons.map { reasonText(it) }.joinToString("; "), style = MaterialTheme.typography.bodyMedium)
        if (checkIn.verdict == QuarantineVerdict.REFUSED) RefusedCheckInNote(checkIn)
    }
}

/**
 * The home card while an order runs: days left, and either "a check-in is open" or the next window; one
 * button opens the quarantine screens.
 */
@Composable
fun QuarantineHomeCard(order: QuarantineOrder, now: Instant, onOpen: () -> Unit, modifier: Modifier = Modifier) {
    val zone = orderZone(order)
    val language = LocalLanguage.current
    val daysWord = tr(if (order.daysLeft == 1) Str.QuarantineDayLeft else Str.QuarantineDaysLeft)
    Column(
        modifier.fillMaxWidth()
            .border(2.dp, MaterialTheme.colorScheme.outline, RoundedCornerShape(12.dp))
            .padding(16.dp)
            .semantics { testTag = "quarantine-home-card" },
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text(tr(Str.QuarantineTitle), style = MaterialTheme.typography.titleLarge, fontWeight = FontWeight.Bold)
        Row(verticalAlignment = Alignment.Bottom, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Text("${order.daysLeft}", style = MaterialTheme.typography.displayMedium, fontWeight = FontWeight.Bold)
            Text(daysWord, style = MaterialTheme.typography.titleLarge, modifier = Modifier.padding(bottom = 8.dp))
        }
        val challenge = order.openChallenge
        if (challenge != null && now.isBefore(challenge.graceEndsAt)) {
            StatusBar(
                StatusKind.Caution,
                "${tr(Str.QuarantineChallengeOpen)}: ${tr(Str.CheckInLateAfter).lowercase()} ${timeIn(challenge.closesAt, zone)} " +
                    "(${durationWords(challenge.closesAt.epochSecond - now.epochSecond, language)})",
                MaterialTheme.typography.titleMedium,
            )
        } else {
            order.nextCheckInAt?.let { Text("${tr(Str.QuarantineNextCheckIn)} ${dateTimeIn(it, zone)}", style = MaterialTheme.typography.bodyLarge) }
        }
        Button(onClick = onOpen, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) { Text(tr(Str.QuarantineHomeCardOpen)) }
    }
}
