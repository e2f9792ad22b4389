package org.healthbook.ui.hotline

import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Check
import androidx.compose.material3.FilterChip
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import org.healthbook.core.wrapper.HotlineError
import org.healthbook.core.wrapper.QaCategory
import org.healthbook.core.wrapper.QuestionKind
import org.healthbook.core.wrapper.QuestionState
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

private val DAY: DateTimeFormatter = DateTimeFormatter.ofPattern("dd/MM/yyyy")
private val DATE_TIME: DateTimeFormatter = DateTimeFormatter.ofPattern("HH:mm, dd/MM/yyyy")

/** [instant] as "28/02/2026" in [zone]. */
internal fun dayIn(instant: Instant, zone: ZoneId): String = DAY.format(instant.atZone(zone))

/** [instant] as "08:30, 28/02/2026" in [zone]. */
internal fun dateTimeIn(instant: Instant, zone: ZoneId): String = DATE_TIME.format(instant.atZone(zone))

/** The name of a Q&A category. */
fun categoryName(category: QaCategory): Str = when (category) {
    QaCategory.DECLARATIONS -> Str.QaCatDeclarations
    QaCategory.PASS -> Str.QaCatPass
    QaCategory.CHECK_IN -> Str.QaCatCheckIn
    QaCategory.QUARANTINE -> Str.QaCatQuarantine
    QaCategory.TESTING -> Str.QaCatTesting
    QaCategory.VACCINATION -> Str.QaCatVaccination
    QaCategory.TRAVEL -> Str.QaCatTravel
    QaCategory.APP -> Str.QaCatApp
    QaCategory.OTHER -> Str.QaCatOther
}

/** Whether it is a question or a problem report, in short words. */
fun kindName(kind: QuestionKind): Str = if (kind == QuestionKind.REPORT) Str.HotlineKindReportShort else Str.HotlineKindQuestionShort

/** Where a citizen's question is, as a status kind and words (never colour alone). */
fun questionStatus(state: QuestionState): Pair<StatusKind, Str> = when (state) {
    // Not sent yet: the citizen must know the hotline has not heard it.
    QuestionState.SENDING -> StatusKind.Caution to Str.QuestionSending
    QuestionState.RECEIVED -> StatusKind.Unknown to Str.QuestionReceived
    QuestionState.ASSIGNED -> StatusKind.Unknown to Str.QuestionAssigned
    QuestionState.ANSWERED -> StatusKind.Good to Str.QuestionAnswered
    QuestionState.CLOSED -> StatusKind.Unknown to Str.QuestionClosed
    // Refused for good: it will never be sent, so it must not look like it is still on its way.
    QuestionState.REFUSED -> StatusKind.Bad to Str.QuestionRefused
}

/** The words of a hotline error; a refusal is the core's words. */
@Composable
fun hotlineErrorText(error: HotlineError): String = when (error) {
    HotlineError.Load -> tr(Str.ErrorHotlineLoad)
    HotlineError.Search -> tr(Str.ErrorHotlineSearch)
    HotlineError.Refresh -> tr(Str.ErrorHotlineRefresh)
    HotlineError.Ask -> tr(Str.ErrorHotlineAsk)
    is HotlineError.Refused -> error.message
}

@Composable
internal fun HHeading(text: String) {
    Text(text, style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
}

@Composable
internal fun HSubHeading(text: String) {
    Text(text, style = MaterialTheme.typography.titleLarge, fontWeight = FontWeight.Bold, modifier = Modifier.semantics { heading() })
}

/**
 * The categories as chips that wrap onto as many lines as the font needs, each a 48 dp target; [all] adds an
 * "All" chip (null) first. The chosen one carries a tick as well as its colour.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
internal fun CategoryChips(selected: QaCategory?, all: Boolean, onSelect: (QaCategory?) -> Unit, tagPrefix: String) {
    val options: List<QaCategory?> = (if (all) listOf(null) else emptyList()) + QaCategory.entries
    val tick: @Composable () -> Unit = { Icon(Icons.Filled.Check, contentDescription = null) }
    FlowRow(
        Modifier.selectableGroup(),
        horizontalArrangement = Arrangement.spacedBy(8.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        for (option in options) {
            val chosen = option == selected
            FilterChip(
                selected = chosen,
                onClick = { onSelect(option) },
                label = { Text(tr(option?.let(::categoryName) ?: Str.HotlineAll), style = MaterialTheme.typography.bodyLarge) },
                leadingIcon = if (chosen) tick else null,
                modifier = Modifier.heightIn(min = MinTouch).semantics { testTag = "$tagPrefix-${option?.name ?: "ALL"}" },
            )
        }
    }
}
