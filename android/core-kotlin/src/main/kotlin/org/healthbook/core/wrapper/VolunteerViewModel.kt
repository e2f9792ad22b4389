package org.healthbook.core.wrapper

import java.time.LocalDate
import java.time.format.DateTimeFormatter
import java.time.format.DateTimeParseException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** A field of the enrol form. */
enum class EnrolField { FULL_NAME, BIRTH_YEAR, CITIZEN_ID, PHONE, PROVINCE, WARD }

/** A field of the consent form. */
enum class ConsentField { GIVEN_BY, METHOD }

/** A field of the dose form. */
enum class DoseField { PRODUCT, DOSE_NUMBER, DATE }

/** The enrol form as typed. */
data class EnrolForm(
    val fullName: String = "",
    val birthYear: String = "",
    val citizenId: String = "",
    val phone: String = "",
    val provinceCode: String = "",
    val wardCode: String = "",
)

/** The dose form as typed; [date] as `dd/MM/yyyy`, the way paper cards write it. */
data class DoseForm(
    val product: String = "",
    val doseNumber: String = "",
    val date: String = "",
    val lot: String = "",
)

/** Where the volunteer is: the list, the enrol form, or one person and what is being done for them. */
sealed interface VolunteerPage {
    data object People : VolunteerPage
    data object Enrol : VolunteerPage
    data class Person(val profileId: String) : VolunteerPage
    data class Consent(val profileId: String) : VolunteerPage
    data class Dose(val profileId: String) : VolunteerPage
    /** The control card, large, for printing. */
    data class Card(val profileId: String) : VolunteerPage
}

/**
 * A failed volunteer action the screens can explain. [Refused] carries the core's words for the volunteer
 * ([VolunteerException]: never the person's data); the others carry none.
 */
sealed interface VolunteerError {
    /** The list could not be read. */
    data object Load : VolunteerError
    /** An action failed for a reason other than a refusal (offline, storage); nothing changed. */
    data object Action : VolunteerError
    /** The core refused the action, in its words (e.g. "record the person's consent first"). */
    data class Refused(val message: String) : VolunteerError
}

/**
 * What the volunteer screens show. Views only render this. [enrolErrors], [consentErrors] and [doseErrors] are
 * the fields found wrong at the last submit, until each is edited; [busy] while an action runs.
 */
data class VolunteerState(
    val loading: Boolean = true,
    val people: List<ManagedPerson> = emptyList(),
    val page: VolunteerPage = VolunteerPage.People,
    val busy: Boolean = false,
    val enrolErrors: Set<EnrolField> = emptySet(),
    val consentErrors: Set<ConsentField> = emptySet(),
    val doseErrors: Set<DoseField> = emptySet(),
    val error: VolunteerError? = null,
    /** The control card's QR as a PNG for the card page (null until rendered, or when it could not be). */
    val cardPng: ByteArray? = null,
) {
    /** The person the page is about, if any. */
    val person: ManagedPerson? get() {
        val id = when (val p = page) {
            is VolunteerPage.Person -> p.profileId
            is VolunteerPage.Consent -> p.profileId
            is VolunteerPage.Dose -> p.profileId
            is VolunteerPage.Card -> p.profileId
            else -> return null
        }
        return people.firstOrNull { it.profileId == id }
    }

    // No names, ids or card texts in logs: counts and the page kind only.
    override fun toString(): String =
        "VolunteerState(loading=$loading, people=${people.size}, page=${page::class.simpleName}, busy=$busy, " +
            "enrolErrors=$enrolErrors, consentErrors=$consentErrors, doseErrors=$doseErrors, error=${error?.let { it::class.simpleName }})"
}

/** What the volunteer can do. */
sealed interface VolunteerEvent {
    data object Reload : VolunteerEvent
    /** Goes to [page] (the list, the enrol form, a person, ...). */
    data class Open(val page: VolunteerPage) : VolunteerEvent
    data class Enrol(val form: EnrolForm) : VolunteerEvent
    data class EnrolEdited(val field: EnrolField) : VolunteerEvent
    data class RecordConsent(val profileId: String, val givenBy: String, val method: ConsentMethod?) : VolunteerEvent
    data class ConsentEdited(val field: ConsentField) : VolunteerEvent
    data class RecordDose(val profileId: String, val form: DoseForm) : VolunteerEvent
    data class DoseEdited(val field: DoseField) : VolunteerEvent
    /** Gets (or prints again) the person's control card. */
    data class ControlCard(val profileId: String) : VolunteerEvent
    data object DismissError : VolunteerEvent
}

private val PAPER_DATE: DateTimeFormatter = DateTimeFormatter.ofPattern("d/M/uuuu")
private val CITIZEN_ID = Regex("\\d{12}|\\d{9}")
private val PHONE = Regex("(\\+84|0)\\d{9}")

/** The problems of an enrol form, field by field, as of [today]; empty when it can be sent. */
fun EnrolForm.problems(today: LocalDate): Set<EnrolField> = buildSet {
    if (fullName.isBlank()) add(EnrolField.FULL_NAME)
    val year = birthYear.trim().toIntOrNull()
    if (year == null || year < 1900 || year > today.year) add(EnrolField.BIRTH_YEAR)
    if (!CITIZEN_ID.matches(citizenId.filterNot { it.isWhitespace() })) add(EnrolField.CITIZEN_ID)
    if (phone.isNotBlank() && !PHONE.matches(phone.filterNot { it.isWhitespace() || it == '.' || it == '-' })) add(EnrolField.PHONE)
    if (!Regex("\\d{2}").matches(provinceCode.trim())) add(EnrolField.PROVINCE)
    if (!Regex("\\d{5}").matches(wardCode.trim())) add(EnrolField.WARD)
}

/** The date of a dose form, or null when it is not a date. */
fun DoseForm.parsedDate(): LocalDate? = try {
    LocalDate.parse(date.trim(), PAPER_DATE)
} catch (e: DateTimeParseException) {
    null
}

/** The problems of a dose form as of [today]; empty when it can be sent. */
fun DoseForm.problems(today: LocalDate): Set<DoseField> = buildSet {
    if (product.isBlank()) add(DoseField.PRODUCT)
    val number = doseNumber.trim().toIntOrNull()
    if (number == null || number !in 1..9) add(DoseField.DOSE_NUMBER)
    val parsed = parsedDate()
    if (parsed == null || parsed.isAfter(today) || parsed.isBefore(LocalDate.of(2020, 1, 1))) add(DoseField.DATE)
}

/**
 * View model of the volunteer screens: the people this volunteer enrolled, enrolling one more, and for each the
 * consent, doses from paper and the control card. Declaring on someone's behalf is the declaration screen with
 * their profile (the app opens it). Forms are checked field by field before anything is sent; the core checks
 * again. Actions run one at a time, in order. [qrPng] draws the control card's QR for printing (the app passes
 * the core's renderer); [today] is the local date (injected for tests).
 */
class VolunteerViewModel(
    private val repository: VolunteerRepository,
    private val scope: CoroutineScope,
    private val qrPng: suspend (String) -> ByteArray? = { null },
    private val today: () -> LocalDate = { LocalDate.now() },
) {
    private val _state = MutableStateFlow(VolunteerState())
    val state: StateFlow<VolunteerState> = _state.asStateFlow()

    private val events = Channel<VolunteerEvent>(Channel.UNLIMITED)

    init {
        scope.launch {
            load()
            for (event in events) handle(event)
        }
    }

    fun onEvent(event: VolunteerEvent) {
        when (event) {
            is VolunteerEvent.Open -> _state.update {
                val cardPng = it.cardPng.takeIf { _ -> event.page is VolunteerPage.Card && it.page == event.page }
                it.copy(page = event.page, enrolErrors = emptySet(), consentErrors = emptySet(), doseErrors = emptySet(), error = null, cardPng = cardPng)
            }
            is VolunteerEvent.EnrolEdited -> _state.update { it.copy(enrolErrors = it.enrolErrors - event.field) }
            is VolunteerEvent.ConsentEdited -> _state.update { it.copy(consentErrors = it.consentErrors - event.field) }
            is VolunteerEvent.DoseEdited -> _state.update { it.copy(doseErrors = it.doseErrors - event.field) }
            VolunteerEvent.DismissError -> _state.update { it.copy(error = null) }
            is VolunteerEvent.Enrol -> {
                val problems = event.form.problems(today())
                if (problems.isNotEmpty()) _state.update { it.copy(enrolErrors = problems) } else submit(event)
            }
            is VolunteerEvent.RecordConsent -> {
                val problems = buildSet {
                    if (event.givenBy.isBlank()) add(ConsentField.GIVEN_BY)
                    if (event.method == null) add(ConsentField.METHOD)
                }
                if (problems.isNotEmpty()) _state.update { it.copy(consentErrors = problems) } else submit(event)
            }
            is VolunteerEvent.RecordDose -> {
                val problems = event.form.problems(today())
                if (problems.isNotEmpty()) _state.update { it.copy(doseErrors = problems) } else submit(event)
            }
            VolunteerEvent.Reload, is VolunteerEvent.ControlCard -> submit(event)
        }
    }

    private fun submit(event: VolunteerEvent) {
        if (event != VolunteerEvent.Reload) _state.update { it.copy(busy = true, error = null) }
        events.trySend(event)
    }

    private suspend fun handle(event: VolunteerEvent) {
        when (event) {
            VolunteerEvent.Reload -> load()
            is VolunteerEvent.Enrol -> act {
                val f = event.form
                val person = repository.enrol(
                    fullName = f.fullName.trim(),
                    birthYear = f.birthYear.trim().toInt(),
                    citizenId = f.citizenId.filterNot { it.isWhitespace() },
                    phone = f.phone.filterNot { it.isWhitespace() || it == '.' || it == '-' }.ifEmpty { null },
                    provinceCode = f.provinceCode.trim(),
                    wardCode = f.wardCode.trim(),
                )
                // Consent comes right after enrolling: nothing can be done for the person without it.
                person to VolunteerPage.Consent(person.profileId)
            }
            is VolunteerEvent.RecordConsent -> act {
                val method = checkNotNull(event.method) { "checked in onEvent" }
                val person = repository.recordConsent(event.profileId, event.givenBy.trim(), method)
                person to VolunteerPage.Person(person.profileId)
            }
            is VolunteerEvent.RecordDose -> act {
                val f = event.form
                val date = checkNotNull(f.parsedDate()) { "checked in onEvent" }
                val person = repository.recordDose(event.profileId, f.product.trim(), f.doseNumber.trim().toInt(), date, f.lot.trim().ifEmpty { null })
                person to VolunteerPage.Person(person.profileId)
            }
            is VolunteerEvent.ControlCard -> act {
                val person = repository.controlCard(event.profileId)
                val png = person.controlCard?.let { text ->
                    try {
                        qrPng(text)
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: Exception) {
                        // The card text is kept; the page says the code could not be drawn and offers to try again.
                        null
                    }
                }
                _state.update { it.copy(cardPng = png) }
                person to VolunteerPage.Card(person.profileId)
            }
            else -> Unit
        }
    }

    /** Runs [call]; on success puts the person it returns in the list and goes to the page it names. */
    private suspend fun act(call: suspend () -> Pair<ManagedPerson, VolunteerPage>) {
        try {
            val (person, page) = call()
            _state.update { s ->
                val people = (s.people.filterNot { it.profileId == person.profileId } + person).sortedBy { it.fullName }
                s.copy(busy = false, people = people, page = page)
            }
        } catch (e: CancellationException) {
            throw e
        } catch (e: VolunteerException) {
            _state.update { it.copy(busy = false, error = VolunteerError.Refused(e.message.orEmpty())) }
        } catch (e: Exception) {
            _state.update { it.copy(busy = false, error = VolunteerError.Action) }
        }
    }

    private suspend fun load() {
        try {
            val people = repository.people()
            _state.update { it.copy(loading = false, people = people) }
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            _state.update { it.copy(loading = false, error = VolunteerError.Load) }
        }
    }
}
