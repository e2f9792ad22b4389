package org.healthbook.core.wrapper

import java.time.Duration
import java.time.Instant
import java.time.LocalDate
import java.time.LocalTime
import java.time.ZoneId
import java.time.format.DateTimeParseException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** A field of the manual diary entry. */
enum class ManualField { PROFILE, PLACE, DATE, FROM, TO }

/** What is wrong with a field of the manual entry; the screens say it in words. */
enum class ManualProblem {
    /** Left empty. */
    REQUIRED,
    /** Not a date as `YYYY-MM-DD`. */
    BAD_DATE,
    /** Not a time as `HH:MM`. */
    BAD_TIME,
    /** Later than now. */
    IN_FUTURE,
    /** Older than the diary keeps (21 days). */
    TOO_OLD,
    /** The end is not after the start. */
    END_BEFORE_START,
}

/**
 * What the check-in screens show. Views only render this.
 *
 * [diary] is every visit, newest first ([loading] until the first read); [alerts] every exposure alert, newest
 * first. [checkedIn] is the visit the last scanned poster opened, until [CheckInEvent.DismissCheckedIn];
 * [refusal] is why the last poster was refused (the core's words, for the person), until
 * [CheckInEvent.DismissRefusal]. [manualErrors] are the manual entry's field problems (nothing was saved),
 * [manualRefusal] the core's words when it refused the entry, [manualSaved] the saved entry until
 * [CheckInEvent.DismissManual]. [exposureCheckedAt] is when the risky-venue list was last matched.
 * [error] is the last failed action, until [CheckInEvent.DismissError].
 */
data class CheckInState(
    val diary: List<DiaryItem> = emptyList(),
    val alerts: List<ExposureAlert> = emptyList(),
    val loading: Boolean = true,
    val checkingIn: Boolean = false,
    val checkedIn: DiaryItem? = null,
    val refusal: String? = null,
    val savingManual: Boolean = false,
    val manualErrors: Map<ManualField, ManualProblem> = emptyMap(),
    val manualRefusal: String? = null,
    val manualSaved: DiaryItem? = null,
    val checkingExposure: Boolean = false,
    val exposureCheckedAt: Instant? = null,
    val error: CheckInError? = null,
) {
    /** Alerts the person has not opened yet; the screens make them stand out. */
    val unseenAlerts: Int get() = alerts.count { !it.seen }

    // No venue names or places in logs: counts and states only.
    override fun toString(): String =
        "CheckInState(diary=${diary.size}, alerts=${alerts.size}, unseen=$unseenAlerts, loading=$loading, checkingIn=$checkingIn, " +
            "checkedIn=${checkedIn != null}, refusal=${refusal != null}, savingManual=$savingManual, manualErrors=$manualErrors, " +
            "manualRefusal=${manualRefusal != null}, manualSaved=${manualSaved != null}, checkingExposure=$checkingExposure, " +
            "exposureChecked=${exposureCheckedAt != null}, error=$error)"
}

/**
 * A failed action the screens can explain; no personal data in it. The repository's errors other than
 * [CheckInException] are not inspected: "try again" needs no more, and their words could name a place.
 */
sealed interface CheckInError {
    /** The diary or the alerts could not be read. */
    data object Load : CheckInError
    /** The poster could not be checked in for a reason other than a refusal (storage). */
    data object CheckIn : CheckInError
    /** The visit could not be checked out. */
    data object CheckOut : CheckInError
    /** The manual entry could not be saved (storage). */
    data object Manual : CheckInError
    /** The entry could not be removed. */
    data object Delete : CheckInError
    /** The risky-venue list could not be fetched (offline or server); the alerts shown are the last found. */
    data object Exposure : CheckInError
    /** The alert could not be marked as read. */
    data object MarkSeen : CheckInError
}

/** What the person (or the screen's lifecycle) can do. */
sealed interface CheckInEvent {
    /** Reads the diary (automatic check-outs applied) and the alerts again, e.g. when the app comes back. */
    data object Reload : CheckInEvent
    /** A poster was scanned (or its text typed): verify it offline and check [profileId] in. */
    data class Scan(val profileId: String, val qrText: String) : CheckInEvent
    data object DismissCheckedIn : CheckInEvent
    data object DismissRefusal : CheckInEvent
    /** Checks the visit [entryId] out now. */
    data class CheckOut(val entryId: String) : CheckInEvent
    /**
     * Adds a visit to a place without a poster: on [date] (`YYYY-MM-DD`) from [from] to [to] (`HH:MM`, local
     * time; [to] empty while still there).
     */
    data class AddManual(val profileId: String, val place: String, val date: String, val from: String, val to: String) : CheckInEvent
    /** A field of the manual entry changed: its problem no longer applies. */
    data class ManualEdited(val field: ManualField) : CheckInEvent
    data object DismissManual : CheckInEvent
    /** Removes the diary entry [entryId]. */
    data class Delete(val entryId: String) : CheckInEvent
    /** Downloads the risky-venue list and matches it against the diary on the phone. */
    data object CheckExposure : CheckInEvent
    /** The person read the alert [alertId]. */
    data class MarkSeen(val alertId: String) : CheckInEvent
    data object DismissError : CheckInEvent
}

/**
 * View model of the citizen's check-in screens (scan a poster, diary, manual entry, exposure alerts). Plain
 * Kotlin, like [TestResultsViewModel]: on Android an `androidx.lifecycle.ViewModel` owns it and passes its
 * `viewModelScope`; JVM tests pass a test scope.
 *
 * On start it reads the diary and the alerts (no network). Events are handled one at a time, in order, by one
 * coroutine in [scope]. [now] and [zone] read the manual entry's local date and times (injected for tests).
 */
class CheckInViewModel(
    private val repository: CheckInRepository,
    scope: CoroutineScope,
    private val now: () -> Instant = Instant::now,
    private val zone: ZoneId = ZoneId.systemDefault(),
) {
    private val _state = MutableStateFlow(CheckInState())
    val state: StateFlow<CheckInState> = _state.asStateFlow()

    private val events = Channel<CheckInEvent>(Channel.UNLIMITED)

    init {
        scope.launch {
            load()
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: CheckInEvent) {
        // Purely local changes apply at once; the rest waits its turn.
        when (event) {
            CheckInEvent.DismissCheckedIn -> _state.update { it.copy(checkedIn = null) }
            CheckInEvent.DismissRefusal -> _state.update { it.copy(refusal = null) }
            CheckInEvent.DismissManual -> _state.update { it.copy(manualSaved = null, manualRefusal = null, manualErrors = emptyMap()) }
            CheckInEvent.DismissError -> _state.update { it.copy(error = null) }
            is CheckInEvent.ManualEdited -> _state.update { it.copy(manualErrors = it.manualErrors - event.field, manualRefusal = null) }
            is CheckInEvent.Scan -> {
                _state.update { it.copy(checkingIn = true, refusal = null, checkedIn = null) }
                events.trySend(event)
            }
            CheckInEvent.CheckExposure -> {
                _state.update { it.copy(checkingExposure = true) }
                events.trySend(event)
            }
            else -> events.trySend(event)
        }
    }

    private suspend fun handle(event: CheckInEvent) {
        when (event) {
            CheckInEvent.Reload -> load()
            is CheckInEvent.Scan -> checkIn(event.profileId, event.qrText)
            is CheckInEvent.CheckOut -> checkOut(event.entryId)
            is CheckInEvent.AddManual -> addManual(event)
            is CheckInEvent.Delete -> delete(event.entryId)
            CheckInEvent.CheckExposure -> checkExposure()
            is CheckInEvent.MarkSeen -> markSeen(event.alertId)
            CheckInEvent.DismissCheckedIn, CheckInEvent.DismissRefusal, CheckInEvent.DismissManual, CheckInEvent.DismissError,
            is CheckInEvent.ManualEdited -> Unit
        }
    }

    private suspend fun load() {
        val diary = attempt(CheckInError.Load) { repository.diary() }
        val alerts = attempt(CheckInError.Load) { repository.alerts() }
        _state.update { it.copy(diary = diary ?: it.diary, alerts = alerts ?: it.alerts, loading = false) }
    }

    private suspend fun checkIn(profileId: String, qrText: String) {
        val item = try {
            repository.checkIn(profileId, qrText)
        } catch (e: CancellationException) {
            throw e
        } catch (e: CheckInException) {
            _state.update { it.copy(checkingIn = false, refusal = e.message) }
            return
        } catch (e: Exception) {
            _state.update { it.copy(checkingIn = false, error = CheckInError.CheckIn) }
            return
        }
        _state.update { it.copy(checkingIn = false, checkedIn = item, diary = merged(it.diary, item)) }
        // The core may have checked an earlier visit out when this one began; show the diary as it now is.
        rereadDiary()
    }

    private suspend fun checkOut(entryId: String) {
        val item = attempt(CheckInError.CheckOut) { repository.checkOut(entryId) } ?: return
        _state.update { it.copy(diary = merged(it.diary, item), checkedIn = it.checkedIn?.let { c -> if (c.entryId == entryId) item else c }) }
    }

    private suspend fun addManual(event: CheckInEvent.AddManual) {
        val (problems, window) = validate(event)
        if (problems.isNotEmpty() || window == null) {
            _state.update { it.copy(manualErrors = problems, manualSaved = null, manualRefusal = null) }
            return
        }
        _state.update { it.copy(savingManual = true, manualErrors = emptyMap(), manualRefusal = null, manualSaved = null) }
        val item = try {
            repository.addManual(event.profileId, event.place.trim(), window.first, window.second)
        } catch (e: CancellationException) {
            throw e
        } catch (e: CheckInException) {
            _state.update { it.copy(savingManual = false, manualRefusal = e.message) }
            return
        } catch (e: Exception) {
            _state.update { it.copy(savingManual = false, error = CheckInError.Manual) }
            return
        }
        _state.update { it.copy(savingManual = false, manualSaved = item, diary = merged(it.diary, item)) }
    }

    /** The manual entry's problems by field, or its start and end. */
    private fun validate(event: CheckInEvent.AddManual): Pair<Map<ManualField, ManualProblem>, Pair<Instant, Instant?>?> {
        val problems = mutableMapOf<ManualField, ManualProblem>()
        if (event.profileId.isBlank()) problems[ManualField.PROFILE] = ManualProblem.REQUIRED
        if (event.place.isBlank()) problems[ManualField.PLACE] = ManualProblem.REQUIRED
        val date = when {
            event.date.isBlank() -> null.also { problems[ManualField.DATE] = ManualProblem.REQUIRED }
            else -> parseDate(event.date.trim()) ?: null.also { problems[ManualField.DATE] = ManualProblem.BAD_DATE }
        }
        val from = when {
            event.from.isBlank() -> null.also { problems[ManualField.FROM] = ManualProblem.REQUIRED }
            else -> parseTime(event.from.trim()) ?: null.also { problems[ManualField.FROM] = ManualProblem.BAD_TIME }
        }
        val to = if (event.to.isBlank()) null else parseTime(event.to.trim()) ?: null.also { problems[ManualField.TO] = ManualProblem.BAD_TIME }
        if (date == null || from == null) return problems to null

        val current = now()
        val start = date.atTime(from).atZone(zone).toInstant()
        val end = to?.let { date.atTime(it).atZone(zone).toInstant() }
        when {
            start.isAfter(current) -> problems[ManualField.FROM] = ManualProblem.IN_FUTURE
            start.isBefore(current.minus(RETENTION)) -> problems[ManualField.DATE] = ManualProblem.TOO_OLD
        }
        when {
            end == null -> Unit
            !end.isAfter(start) -> problems[ManualField.TO] = ManualProblem.END_BEFORE_START
            end.isAfter(current) -> problems[ManualField.TO] = ManualProblem.IN_FUTURE
        }
        return if (problems.isEmpty()) problems to (start to end) else problems to null
    }

    private suspend fun delete(entryId: String) {
        attempt(CheckInError.Delete) { repository.delete(entryId) } ?: return
        _state.update { state ->
            state.copy(diary = state.diary.filter { it.entryId != entryId }, checkedIn = state.checkedIn?.takeIf { it.entryId != entryId })
        }
    }

    private suspend fun checkExposure() {
        val alerts = attempt(CheckInError.Exposure) { repository.checkExposure() }
        _state.update {
            it.copy(
                checkingExposure = false,
                alerts = alerts ?: it.alerts,
                exposureCheckedAt = if (alerts != null) now() else it.exposureCheckedAt,
            )
        }
    }

    private suspend fun markSeen(alertId: String) {
        attempt(CheckInError.MarkSeen) { repository.markSeen(alertId) } ?: return
        _state.update { state -> state.copy(alerts = state.alerts.map { if (it.alertId == alertId) it.copy(seen = true) else it }) }
    }

    private suspend fun rereadDiary() {
        val diary = try {
            repository.diary()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            // The check-in itself succeeded and is shown; the next reload brings the rest.
            return
        }
        _state.update { it.copy(diary = diary) }
    }

    /** Runs [call]; on failure shows [error] and returns null. */
    private suspend fun <T : Any> attempt(error: CheckInError, call: suspend () -> T): T? = try {
        call()
    } catch (e: CancellationException) {
        throw e
    } catch (e: Exception) {
        _state.update { it.copy(error = error) }
        null
    }

    companion object {
        /** How long the diary keeps a visit (the core purges older ones). */
        val RETENTION: Duration = Duration.ofDays(21)

        /** [item] in [diary] (replacing the entry with its id), newest check-in first. */
        fun merged(diary: List<DiaryItem>, item: DiaryItem): List<DiaryItem> =
            (listOf(item) + diary.filter { it.entryId != item.entryId }).sortedByDescending { it.checkedInAt }

        private fun parseDate(text: String): LocalDate? = try {
            LocalDate.parse(text)
        } catch (e: DateTimeParseException) {
            null
        }

        private val TIME = Regex("""(\d{1,2})[:.h](\d{2})""")

        // "8:05", "08.05" and "8h05" all mean the same to people typing a time.
        private fun parseTime(text: String): LocalTime? {
            val match = TIME.matchEntire(text) ?: return null
            val (h, m) = match.destructured
            val hour = h.toInt()
            val minute = m.toInt()
            return if (hour in 0..23 && minute in 0..59) LocalTime.of(hour, minute) else null
        }
    }
}
