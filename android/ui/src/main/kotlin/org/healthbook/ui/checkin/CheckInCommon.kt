package org.healthbook.ui.checkin

import androidx.compose.runtime.Composable
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale
import org.healthbook.core.Language
import org.healthbook.core.wrapper.CheckInError
import org.healthbook.core.wrapper.ManualProblem
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

private val TIME = DateTimeFormatter.ofPattern("HH:mm")
private val DAY_VI = DateTimeFormatter.ofPattern("dd/MM/yyyy")
private val DAY_EN = DateTimeFormatter.ofPattern("EEE d MMM yyyy", Locale.ENGLISH)

/** [instant] as a local clock time ("08:30"). */
fun clockTime(instant: Instant, zone: ZoneId): String = TIME.format(instant.atZone(zone))

/** A day heading: today, yesterday, or the date as people write it in [language]. */
fun dayWords(day: LocalDate, today: LocalDate, language: Language): String = when (day) {
    today -> Str.Today.of(language)
    today.minusDays(1) -> Str.Yesterday.of(language)
    else -> (if (language == Language.EN) DAY_EN else DAY_VI).format(day)
}

/** A check-in error in plain words. */
@Composable
fun checkInErrorText(error: CheckInError): String = when (error) {
    CheckInError.Load -> tr(Str.ErrorCheckInLoad)
    CheckInError.CheckIn -> tr(Str.ErrorCheckIn)
    CheckInError.CheckOut -> tr(Str.ErrorCheckOut)
    CheckInError.Manual -> tr(Str.ErrorManual)
    CheckInError.Delete -> tr(Str.ErrorDelete)
    CheckInError.Exposure -> tr(Str.ErrorExposure)
    CheckInError.MarkSeen -> tr(Str.ErrorMarkSeen)
}

/** A manual entry field's problem in plain words. */
@Composable
fun manualProblemText(problem: ManualProblem): String = when (problem) {
    ManualProblem.REQUIRED -> tr(Str.ErrorRequired)
    ManualProblem.BAD_DATE -> tr(Str.ProblemBadDate)
    ManualProblem.BAD_TIME -> tr(Str.ProblemBadTime)
    ManualProblem.IN_FUTURE -> tr(Str.ProblemFuture)
    ManualProblem.TOO_OLD -> tr(Str.ProblemTooOld)
    ManualProblem.END_BEFORE_START -> tr(Str.ProblemEndBeforeStart)
}
