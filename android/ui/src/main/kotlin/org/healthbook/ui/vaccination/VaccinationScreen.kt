package org.healthbook.ui.vaccination

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
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Info
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
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
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import org.healthbook.core.wrapper.InvitationState
import org.healthbook.core.wrapper.ProfileVaccinationRecord
import org.healthbook.core.wrapper.VaccinationError
import org.healthbook.core.wrapper.VaccinationEvent
import org.healthbook.core.wrapper.VaccinationInvitation
import org.healthbook.core.wrapper.VaccinationState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.agoWords
import org.healthbook.ui.common.tr

/** The words of a vaccination error; a refusal is the core's words. */
@Composable
fun vaccinationErrorText(error: VaccinationError): String = when (error) {
    VaccinationError.Load -> tr(Str.ErrorVaccinationLoad)
    VaccinationError.Refresh -> tr(Str.ErrorVaccinationRefresh)
    VaccinationError.Register -> tr(Str.ErrorVaccinationRegister)
    VaccinationError.Answer -> tr(Str.ErrorVaccinationAnswer)
    is VaccinationError.Refused -> error.message
}

/**
 * The citizen's vaccination screen: the invitations first (time and place in local time [zone], the answer-by
 * time, confirm or decline, and "answer waiting to send" while offline), then each profile's record: registered
 * or not (with the register form), the next dose due (as of [today]) and every dose with how far it is
 * confirmed. [onOpenWallet] opens the certificate wallet.
 */
@Composable
fun VaccinationScreen(
    state: VaccinationState,
    now: Instant,
    today: LocalDate,
    zone: ZoneId,
    onEvent: (VaccinationEvent) -> Unit,
    onOpenWallet: () -> Unit,
    modifier: Modifier = Modifier,
) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        val registering = state.registeringRecord
        if (registering != null) {
            TextButton(onClick = { onEvent(VaccinationEvent.CloseRegister) }, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) }
            state.error?.let { Banner(vaccinationErrorText(it), actionLabel = tr(Str.Dismiss), onAction = { onEvent(VaccinationEvent.DismissError) }) }
            RegisterForm(registering, state, onEvent)
            return@Column
        }
        Heading(tr(Str.VaccinationTab))
        state.error?.let { Banner(vaccinationErrorText(it), actionLabel = tr(Str.Dismiss), onAction = { onEvent(VaccinationEvent.DismissError) }) }
        if (state.loading) {
            CircularProgressIndicator()
            return@Column
        }
        RefreshRow(state, now, onEvent)
        if (state.invitations.isNotEmpty()) {
            SubHeading(tr(Str.VaccinationInvitations))
            // Those still to answer first, then the rest, each newest first as the store gives them.
            val (open, answered) = state.invitations.partition { it.state == InvitationState.PENDING || it.answerPending }
            for (invitation in open + answered) {
                InvitationCard(invitation, zone, answering = invitation.invitationId in state.answering, onEvent = onEvent)
            }
        }
        OutlinedButton(onClick = onOpenWallet, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) { Text(tr(Str.WalletOpen)) }
        if (state.records.isEmpty()) Text(tr(Str.VaccinationNoProfiles), style = MaterialTheme.typography.bodyLarge)
        for (record in state.records) {
            HorizontalDivider()
            RecordSection(record, today, state.busy, onEvent)
        }
    }
}

@Composable
private fun RefreshRow(state: VaccinationState, now: Instant, onEvent: (VaccinationEvent) -> Unit) {
    val language = LocalLanguage.current
    val last = state.records.mapNotNull { it.refreshedAt }.maxOrNull()
    Text(
        if (last != null) "${tr(Str.VaccinationLastRefreshed)}: ${agoWords(now.epochSecond - last.epochSecond, language)}" else tr(Str.VaccinationNeverRefreshed),
        style = MaterialTheme.typography.bodyLarge,
    )
    OutlinedButton(
        onClick = { onEvent(VaccinationEvent.Refresh) },
        enabled = !state.refreshing,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
    ) { Text(tr(if (state.refreshing) Str.VaccinationRefreshing else Str.VaccinationRefresh)) }
}

/** Where an invitation stands, as a status kind and words. */
@Composable
private fun invitationStatus(invitation: VaccinationInvitation): Pair<StatusKind, String> = when {
    // An answer not yet sent is said first: the person must know the site has not heard it.
    invitation.answerPending -> StatusKind.Caution to tr(Str.InvitationAnswerWaiting)
    else -> when (invitation.state) {
        InvitationState.PENDING -> StatusKind.Caution to tr(Str.InvitationPending)
        InvitationState.CONFIRMED -> StatusKind.Good to tr(Str.InvitationConfirmed)
        InvitationState.DECLINED -> StatusKind.Unknown to tr(Str.InvitationDeclined)
        InvitationState.EXPIRED -> StatusKind.Unknown to tr(Str.InvitationExpired)
        InvitationState.ATTENDED -> StatusKind.Good to tr(Str.InvitationAttended)
    }
}

/**
 * An invitation: for whom, when (local time), where, which vaccine and dose, the answer-by time and its state
 * in words; while it waits for an answer, "I will come" and "I can't come".
 */
@Composable
fun InvitationCard(invitation: VaccinationInvitation, zone: ZoneId, answering: Boolean, onEvent: (VaccinationEvent) -> Unit) {
    val starts = invitation.startsAt.atZone(zone)
    val ends = invitation.endsAt.atZone(zone)
    val answerBy = invitation.answerBy.atZone(zone)
    Column(
        Modifier.fillMaxWidth()
            .border(2.dp, MaterialTheme.colorScheme.outline, RoundedCornerShape(12.dp))
            .padding(16.dp)
            .semantics { testTag = "invitation-${invitation.invitationId}" },
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        val (kind, words) = invitationStatus(invitation)
        StatusBar(kind, words, MaterialTheme.typography.titleMedium)
        Labelled(tr(Str.InvitationFor), invitation.profileName)
        Labelled(tr(Str.InvitationWhen), "${TIME.format(starts)}–${TIME.format(ends)}, ${DAY.format(starts)}")
        Labelled(tr(Str.InvitationWhere), "${invitation.siteName}, ${invitation.siteAddress}")
        Labelled(tr(Str.InvitationVaccine), "${invitation.product} · ${tr(Str.VaccinationDoseWord)} ${invitation.doseNumber}")
        if (invitation.answerPending) {
            // Which answer waits: the person must not wonder whether they said yes or no.
            val answer = if (invitation.state == InvitationState.DECLINED) Str.InvitationDecline else Str.InvitationConfirm
            Labelled(tr(Str.InvitationYourAnswer), tr(answer))
        }
        if (invitation.state == InvitationState.PENDING && !invitation.answerPending) {
            Labelled(tr(Str.InvitationAnswerBy), "${TIME.format(answerBy)}, ${DAY.format(answerBy)}")
            if (answering) {
                Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                    CircularProgressIndicator(Modifier.size(24.dp))
                    Text(tr(Str.InvitationSending), style = MaterialTheme.typography.bodyLarge)
                }
            } else {
                Button(
                    onClick = { onEvent(VaccinationEvent.Answer(invitation.invitationId, confirm = true)) },
                    modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
                ) { Text(tr(Str.InvitationConfirm)) }
                OutlinedButton(
                    onClick = { onEvent(VaccinationEvent.Answer(invitation.invitationId, confirm = false)) },
                    modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
                ) { Text(tr(Str.InvitationDecline)) }
            }
        }
    }
}

/** A label over its value (never side by side, so long values and large fonts wrap). */
@Composable
private fun Labelled(label: String, value: String) {
    Column(Modifier.semantics(mergeDescendants = true) {}) {
        Text(label, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(value, style = MaterialTheme.typography.titleMedium)
    }
}

@Composable
private fun RecordSection(record: ProfileVaccinationRecord, today: LocalDate, busy: Boolean, onEvent: (VaccinationEvent) -> Unit) {
    Column(Modifier.semantics { testTag = "record-${record.profileId}" }, verticalArrangement = Arrangement.spacedBy(8.dp)) {
        SubHeading(record.profileName)
        if (record.registered) {
            val group = record.priorityGroup?.let { " · ${tr(Str.VaccinationPriorityGroup)} $it" }.orEmpty()
            StatusBar(StatusKind.Good, tr(Str.VaccinationRegistered) + group, MaterialTheme.typography.titleMedium)
        } else {
            StatusBar(StatusKind.Unknown, tr(Str.VaccinationNotRegistered), MaterialTheme.typography.titleMedium)
            Button(
                onClick = { onEvent(VaccinationEvent.OpenRegister(record.profileId)) },
                enabled = !busy,
                modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
            ) { Text(tr(Str.VaccinationRegister)) }
        }
        NextDue(record.nextDue, today)
        Text(tr(Str.VaccinationDoses), style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
        if (record.doses.isEmpty()) Text(tr(Str.VaccinationNoDoses), style = MaterialTheme.typography.bodyLarge)
        for (dose in record.doses.sortedBy { it.doseNumber }) DoseRow(dose)
    }
}

/** The next dose due: a caution bar once the day has come, else the date in words; or that none is due. */
@Composable
private fun NextDue(due: LocalDate?, today: LocalDate) {
    when {
        due == null -> Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Icon(Icons.Filled.Info, contentDescription = null)
            Text(tr(Str.VaccinationNoNextDue), style = MaterialTheme.typography.bodyLarge)
        }
        !due.isAfter(today) -> StatusBar(StatusKind.Caution, "${tr(Str.VaccinationDueNow)} (${DAY.format(due)})", MaterialTheme.typography.titleMedium)
        else -> Text("${tr(Str.VaccinationNextDue)}: ${DAY.format(due)}", style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
    }
}

/** The registration form of one profile: the commune's 5-digit ward code, its problem under it. */
@Composable
private fun RegisterForm(record: ProfileVaccinationRecord, state: VaccinationState, onEvent: (VaccinationEvent) -> Unit) {
    var ward by remember(record.profileId) { mutableStateOf("") }
    Heading(tr(Str.VaccinationRegister))
    Text(record.profileName, style = MaterialTheme.typography.titleLarge, fontWeight = FontWeight.Bold)
    Text(tr(Str.VaccinationRegisterHint), style = MaterialTheme.typography.bodyLarge)
    val label = tr(Str.VolunteerWardCode)
    val problem = tr(Str.ErrorWardCode).takeIf { state.wardInvalid }
    Column {
        OutlinedTextField(
            value = ward,
            onValueChange = {
                ward = it
                onEvent(VaccinationEvent.WardEdited)
            },
            label = { Text(label) },
            isError = problem != null,
            singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
            modifier = Modifier.fillMaxWidth().semantics {
                contentDescription = label
                if (problem != null) error(problem)
            },
        )
        FieldErrorText(problem)
    }
    Button(
        onClick = { onEvent(VaccinationEvent.Register(record.profileId, ward)) },
        enabled = !state.busy,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
    ) { Text(tr(if (state.busy) Str.VaccinationRegistering else Str.VaccinationRegisterSend)) }
}
