package org.healthbook.ui.vaccination

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Info
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.format.DateTimeFormatter
import org.healthbook.core.wrapper.VaccinationDose
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.tr
import org.healthbook.ui.theme.StatusColours

/** Dates as Vietnamese papers write them. */
internal val DAY: DateTimeFormatter = DateTimeFormatter.ofPattern("dd/MM/yyyy")
internal val TIME: DateTimeFormatter = DateTimeFormatter.ofPattern("HH:mm")

@Composable
internal fun Heading(text: String, modifier: Modifier = Modifier) {
    Text(text, style = MaterialTheme.typography.headlineMedium, modifier = modifier.semantics { heading() })
}

@Composable
internal fun SubHeading(text: String) {
    Text(text, style = MaterialTheme.typography.titleLarge, fontWeight = FontWeight.Bold, modifier = Modifier.semantics { heading() })
}

/** How far a dose is confirmed, in words. A self-reported dose is always "self-reported, not confirmed", whatever else it says. */
@Composable
fun doseMarkText(dose: VaccinationDose): String = tr(
    when {
        dose.selfReported -> Str.DoseSelfReported
        dose.confirmed -> Str.DoseConfirmed
        else -> Str.DoseAwaiting
    },
)

/**
 * One dose: number and date in bold, product and lot, then its confirmation as icon and words (a warning
 * shape for a self-reported dose, a tick only for a confirmed one), all read as one item.
 */
@Composable
fun DoseRow(dose: VaccinationDose, modifier: Modifier = Modifier) {
    val mark = doseMarkText(dose)
    val title = "${tr(Str.VaccinationDoseWord)} ${dose.doseNumber} · ${DAY.format(dose.date)}"
    val detail = listOfNotNull(dose.product, dose.lot?.let { "${tr(Str.VaccinationLot)} $it" }).joinToString(" · ")
    Column(
        modifier.fillMaxWidth().padding(vertical = 4.dp).semantics(mergeDescendants = true) {
            contentDescription = "$title. $detail. $mark"
            testTag = "dose-${dose.doseNumber}"
        },
        verticalArrangement = Arrangement.spacedBy(2.dp),
    ) {
        Text(title, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
        Text(detail, style = MaterialTheme.typography.bodyLarge)
        val (icon, tint) = when {
            dose.selfReported -> Icons.Filled.Warning to StatusColours.Yellow
            dose.confirmed -> Icons.Filled.CheckCircle to StatusKind.Good.colour
            else -> Icons.Filled.Info to StatusColours.Unknown
        }
        Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Icon(icon, contentDescription = null, tint = tint, modifier = Modifier.size(24.dp))
            Text(mark, style = MaterialTheme.typography.bodyLarge, fontWeight = if (dose.selfReported) FontWeight.Bold else FontWeight.Normal)
        }
    }
}
