package org.healthbook.ui.checkin

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Edit
import androidx.compose.material.icons.filled.Info
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedCard
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Instant
import java.time.ZoneId
import org.healthbook.core.wrapper.CheckInState
import org.healthbook.core.wrapper.DiaryItem
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr
import org.healthbook.ui.results.ProfileChoice

/**
 * The visit diary, newest first and grouped by day in [zone]: where, when, and whether the person is still
 * there (with a check-out button), was checked out automatically, or typed the place by hand. Unread exposure
 * alerts head the screen in colour, icon and words. With more than one of [profiles], each visit says whose.
 */
@Composable
fun DiaryScreen(
    state: CheckInState,
    profiles: List<ProfileChoice>,
    now: Instant,
    zone: ZoneId,
    onScan: () -> Unit,
    onAddManual: () -> Unit,
    onAlerts: () -> Unit,
    onCheckOut: (entryId: String) -> Unit,
    onDelete: (entryId: String) -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
) {
    val language = LocalLanguage.current
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(tr(Str.Diary), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        state.error?.let { Banner(checkInErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
        if (state.unseenAlerts > 0) {
            StatusBar(StatusKind.Alert, "${tr(Str.ExposureUnseen)}: ${state.unseenAlerts}", MaterialTheme.typography.titleLarge)
            Button(onClick = onAlerts, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) { Text(tr(Str.ExposureOpen)) }
        }
        Button(onClick = onScan, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) { Text(tr(Str.DiaryScan)) }
        OutlinedButton(onClick = onAddManual, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) { Text(tr(Str.ManualAdd)) }
        if (state.unseenAlerts == 0) {
            OutlinedButton(onClick = onAlerts, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) { Text(tr(Str.Exposure)) }
        }
        Text(tr(Str.DiaryHint), style = MaterialTheme.typography.bodyMedium)
        when {
            state.loading -> CircularProgressIndicator()
            state.diary.isEmpty() -> Text(tr(Str.DiaryEmpty), style = MaterialTheme.typography.bodyLarge)
        }
        val today = now.atZone(zone).toLocalDate()
        val names = profiles.associate { it.id to it.name }
        for ((day, visits) in state.diary.groupBy { it.checkedInAt.atZone(zone).toLocalDate() }) {
            Text(
                dayWords(day, today, language),
                style = MaterialTheme.typography.titleLarge,
                fontWeight = FontWeight.Bold,
                modifier = Modifier.padding(top = 8.dp).semantics { heading() },
            )
            for (visit in visits) {
                VisitCard(visit, names.takeIf { profiles.size > 1 }?.get(visit.profileId), zone, onCheckOut, onDelete)
            }
        }
    }
}

@Composable
private fun VisitCard(visit: DiaryItem, whose: String?, zone: ZoneId, onCheckOut: (String) -> Unit, onDelete: (String) -> Unit) {
    OutlinedCard(Modifier.fillMaxWidth().semantics { testTag = "visit-${visit.entryId}" }) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Text(visit.venueName, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
            if (visit.venueKind.isNotEmpty()) Text(visit.venueKind, style = MaterialTheme.typography.bodyMedium)
            whose?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
            val out = visit.checkedOutAt
            if (out == null) {
                Text(clockTime(visit.checkedInAt, zone), style = MaterialTheme.typography.bodyLarge)
                StatusBar(StatusKind.Good, tr(Str.StillHere), MaterialTheme.typography.titleMedium)
                Button(onClick = { onCheckOut(visit.entryId) }, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) {
                    Text(tr(Str.CheckOut))
                }
            } else {
                Text("${clockTime(visit.checkedInAt, zone)} – ${clockTime(out, zone)}", style = MaterialTheme.typography.bodyLarge)
            }
            if (visit.autoCheckedOut) Note(Icons.Filled.Info, tr(Str.AutoCheckedOut))
            if (visit.manual) Note(Icons.Filled.Edit, tr(Str.ManualBadge))
            TextButton(onClick = { onDelete(visit.entryId) }, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.DeleteVisit)) }
        }
    }
}

/** A small mark with an icon and words, so that the mark never rests on colour or shape alone. */
@Composable
private fun Note(icon: ImageVector, words: String) {
    Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        Icon(icon, contentDescription = null, modifier = Modifier.size(20.dp))
        Text(words, style = MaterialTheme.typography.bodyMedium)
    }
}
