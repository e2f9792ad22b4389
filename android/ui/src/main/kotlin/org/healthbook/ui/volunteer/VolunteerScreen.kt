package org.healthbook.ui.volunteer

import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
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
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.FilterQuality
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import org.healthbook.core.wrapper.ConsentField
import org.healthbook.core.wrapper.ConsentMethod
import org.healthbook.core.wrapper.DoseField
import org.healthbook.core.wrapper.DoseForm
import org.healthbook.core.wrapper.EnrolField
import org.healthbook.core.wrapper.EnrolForm
import org.healthbook.core.wrapper.ManagedPerson
import org.healthbook.core.wrapper.VolunteerError
import org.healthbook.core.wrapper.VolunteerEvent
import org.healthbook.core.wrapper.VolunteerPage
import org.healthbook.core.wrapper.VolunteerState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RadioGroup
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr
import org.healthbook.ui.pass.QrDecoder

/** The words of a volunteer error. */
@Composable
fun volunteerErrorText(error: VolunteerError): String = when (error) {
    VolunteerError.Load -> tr(Str.ErrorVolunteerLoad)
    VolunteerError.Action -> tr(Str.ErrorVolunteerAction)
    is VolunteerError.Refused -> error.message
}

/**
 * The volunteer's screens, one page at a time as [VolunteerState.page] says: the people they enrolled, the
 * enrol form, a person (consent, doses from paper, declaring on their behalf, the control card), the consent
 * and dose forms, and the control card shown large for printing. [onDeclare] opens the declaration screen
 * with the person's profile (the app's navigation). Field problems show under their field.
 */
@Composable
fun VolunteerScreen(
    state: VolunteerState,
    onEvent: (VolunteerEvent) -> Unit,
    onDeclare: (profileId: String) -> Unit,
    decoder: QrDecoder,
    modifier: Modifier = Modifier,
) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        if (state.page != VolunteerPage.People) {
            TextButton(onClick = { onEvent(VolunteerEvent.Open(backOf(state.page))) }, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) {
                Text(tr(Str.Back))
            }
        }
        state.error?.let { Banner(volunteerErrorText(it), actionLabel = tr(Str.Dismiss), onAction = { onEvent(VolunteerEvent.DismissError) }) }
        val person = state.person
        when (val page = state.page) {
            VolunteerPage.People -> PeopleList(state, onEvent)
            VolunteerPage.Enrol -> EnrolPage(state, onEvent)
            is VolunteerPage.Person -> person?.let { PersonPage(it, state.busy, onEvent, onDeclare) }
            is VolunteerPage.Consent -> person?.let { ConsentPage(it, state, onEvent) }
            is VolunteerPage.Dose -> person?.let { DosePage(it, state, onEvent) }
            is VolunteerPage.Card -> person?.let { CardPage(it, state, onEvent, decoder) }
        }
        if (state.busy) {
            Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                CircularProgressIndicator()
                Text(tr(Str.VolunteerWorking), style = MaterialTheme.typography.bodyLarge)
            }
        }
    }
}

private fun backOf(page: VolunteerPage): VolunteerPage = when (page) {
    is VolunteerPage.Consent -> VolunteerPage.Person(page.profileId)
    is VolunteerPage.Dose -> VolunteerPage.Person(page.profileId)
    is VolunteerPage.Card -> VolunteerPage.Person(page.profileId)
    else -> VolunteerPage.People
}

@Composable
private fun Heading(text: String) {
    Text(text, style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
}

@Composable
private fun PeopleList(state: VolunteerState, onEvent: (VolunteerEvent) -> Unit) {
    Heading(tr(Str.VolunteerPeople))
    if (state.loading) {
        CircularProgressIndicator()
        return
    }
    Button(
        onClick = { onEvent(VolunteerEvent.Open(VolunteerPage.Enrol)) },
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
    ) { Text(tr(Str.VolunteerEnrol)) }
    if (state.people.isEmpty()) Text(tr(Str.VolunteerNoPeople), style = MaterialTheme.typography.bodyLarge)
    for (person in state.people) {
        PersonRow(person) { onEvent(VolunteerEvent.Open(VolunteerPage.Person(person.profileId))) }
        HorizontalDivider()
    }
}

/** Bound and consent as words beside the name; the row is one 48 dp target. */
@Composable
private fun PersonRow(person: ManagedPerson, onClick: () -> Unit) {
    val status = listOf(
        tr(if (person.bound) Str.VolunteerBound else Str.VolunteerNotBound),
        tr(if (person.consentAt != null) Str.VolunteerConsentGiven else Str.VolunteerConsentMissing),
    ).joinToString(" · ")
    val born = tr(Str.Born)
    Column(
        Modifier
            .fillMaxWidth()
            .defaultMinSize(minHeight = MinTouch)
            .clickable(role = Role.Button, onClick = onClick)
            .padding(vertical = 8.dp)
            .semantics(mergeDescendants = true) { testTag = "person-${person.profileId}" },
    ) {
        Text(person.fullName, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
        Text("$born ${person.birthYear} · $status", style = MaterialTheme.typography.bodyLarge)
    }
}

@Composable
private fun EnrolPage(state: VolunteerState, onEvent: (VolunteerEvent) -> Unit) {
    var form by remember { mutableStateOf(EnrolForm()) }
    val errors = state.enrolErrors
    fun edit(field: EnrolField, change: EnrolForm.() -> EnrolForm) {
        form = form.change()
        onEvent(VolunteerEvent.EnrolEdited(field))
    }
    Heading(tr(Str.VolunteerEnrolTitle))
    Text(tr(Str.VolunteerEnrolHint), style = MaterialTheme.typography.bodyLarge)
    FormField(tr(Str.FullName), form.fullName, tr(Str.ErrorFullName).takeIf { EnrolField.FULL_NAME in errors }) { edit(EnrolField.FULL_NAME) { copy(fullName = it) } }
    FormField(tr(Str.BirthYear), form.birthYear, tr(Str.ErrorBirthYear).takeIf { EnrolField.BIRTH_YEAR in errors }, KeyboardType.Number) {
        edit(EnrolField.BIRTH_YEAR) { copy(birthYear = it) }
    }
    FormField(tr(Str.CitizenId), form.citizenId, tr(Str.ErrorCitizenId).takeIf { EnrolField.CITIZEN_ID in errors }, KeyboardType.Number) {
        edit(EnrolField.CITIZEN_ID) { copy(citizenId = it) }
    }
    FormField(tr(Str.VolunteerPhoneOptional), form.phone, tr(Str.ErrorPhone).takeIf { EnrolField.PHONE in errors }, KeyboardType.Phone) {
        edit(EnrolField.PHONE) { copy(phone = it) }
    }
    FormField(tr(Str.VolunteerProvinceCode), form.provinceCode, tr(Str.ErrorProvinceCode).takeIf { EnrolField.PROVINCE in errors }, KeyboardType.Number) {
        edit(EnrolField.PROVINCE) { copy(provinceCode = it) }
    }
    FormField(tr(Str.VolunteerWardCode), form.wardCode, tr(Str.ErrorWardCode).takeIf { EnrolField.WARD in errors }, KeyboardType.Number) {
        edit(EnrolField.WARD) { copy(wardCode = it) }
    }
    Button(
        onClick = { onEvent(VolunteerEvent.Enrol(form)) },
        enabled = !state.busy,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
    ) { Text(tr(if (state.busy) Str.VolunteerEnrolling else Str.VolunteerEnrol)) }
}

@Composable
private fun PersonPage(person: ManagedPerson, busy: Boolean, onEvent: (VolunteerEvent) -> Unit, onDeclare: (String) -> Unit) {
    Heading(person.fullName)
    Text("${tr(Str.Born)} ${person.birthYear}", style = MaterialTheme.typography.bodyLarge)
    StatusBar(
        if (person.bound) StatusKind.Good else StatusKind.Caution,
        tr(if (person.bound) Str.VolunteerBound else Str.VolunteerNotBound),
        MaterialTheme.typography.titleMedium,
    )
    val consent = person.consentAt
    StatusBar(
        if (consent != null) StatusKind.Good else StatusKind.Bad,
        if (consent != null) "${tr(Str.VolunteerConsentGiven)}: ${DATE.format(consent.atZone(VIETNAM))}" else tr(Str.VolunteerConsentMissing),
        MaterialTheme.typography.titleMedium,
    )
    val declared = person.lastDeclaredAt?.let { DATE.format(it.atZone(VIETNAM)) } ?: tr(Str.VolunteerNever)
    Text("${tr(Str.VolunteerLastDeclared)}: $declared", style = MaterialTheme.typography.bodyLarge)
    Text("${tr(Str.VolunteerDoses)}: ${person.selfReportedDoses}", style = MaterialTheme.typography.bodyLarge)
    val id = person.profileId
    ActionButton(tr(Str.VolunteerConsentTitle), primary = consent == null, enabled = !busy) { onEvent(VolunteerEvent.Open(VolunteerPage.Consent(id))) }
    ActionButton(tr(Str.VolunteerDeclare), primary = consent != null, enabled = !busy && consent != null) { onDeclare(id) }
    ActionButton(tr(Str.VolunteerDose), primary = false, enabled = !busy && consent != null) { onEvent(VolunteerEvent.Open(VolunteerPage.Dose(id))) }
    ActionButton(tr(Str.VolunteerPrintCard), primary = false, enabled = !busy && consent != null) { onEvent(VolunteerEvent.ControlCard(id)) }
}

@Composable
private fun ActionButton(label: String, primary: Boolean, enabled: Boolean, onClick: () -> Unit) {
    val modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)
    if (primary) Button(onClick = onClick, enabled = enabled, modifier = modifier) { Text(label) }
    else OutlinedButton(onClick = onClick, enabled = enabled, modifier = modifier) { Text(label) }
}

@Composable
private fun ConsentPage(person: ManagedPerson, state: VolunteerState, onEvent: (VolunteerEvent) -> Unit) {
    var givenBy by remember { mutableStateOf(person.fullName) }
    var method by remember { mutableStateOf<ConsentMethod?>(null) }
    Heading(tr(Str.VolunteerConsentTitle))
    Text(person.fullName, style = MaterialTheme.typography.titleMedium)
    Text(tr(Str.VolunteerConsentHint), style = MaterialTheme.typography.bodyLarge)
    FormField(tr(Str.VolunteerGivenBy), givenBy, tr(Str.ErrorGivenBy).takeIf { ConsentField.GIVEN_BY in state.consentErrors }) {
        givenBy = it
        onEvent(VolunteerEvent.ConsentEdited(ConsentField.GIVEN_BY))
    }
    Text(tr(Str.VolunteerMethod), style = MaterialTheme.typography.titleMedium)
    RadioGroup(
        options = listOf(
            ConsentMethod.SPOKEN to tr(Str.ConsentSpoken),
            ConsentMethod.SIGNED_PAPER to tr(Str.ConsentSignedPaper),
            ConsentMethod.THUMBPRINT to tr(Str.ConsentThumbprint),
        ),
        selected = method,
        onSelect = {
            method = it
            onEvent(VolunteerEvent.ConsentEdited(ConsentField.METHOD))
        },
    )
    FieldErrorText(tr(Str.ErrorMethod).takeIf { ConsentField.METHOD in state.consentErrors })
    Button(
        onClick = { onEvent(VolunteerEvent.RecordConsent(person.profileId, givenBy, method)) },
        enabled = !state.busy,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
    ) { Text(tr(Str.VolunteerRecordConsent)) }
}

@Composable
private fun DosePage(person: ManagedPerson, state: VolunteerState, onEvent: (VolunteerEvent) -> Unit) {
    var form by remember { mutableStateOf(DoseForm()) }
    val errors = state.doseErrors
    fun edit(field: DoseField?, change: DoseForm.() -> DoseForm) {
        form = form.change()
        field?.let { onEvent(VolunteerEvent.DoseEdited(it)) }
    }
    Heading(tr(Str.VolunteerDose))
    Text(person.fullName, style = MaterialTheme.typography.titleMedium)
    Text(tr(Str.VolunteerDoseHint), style = MaterialTheme.typography.bodyLarge)
    FormField(tr(Str.VolunteerProduct), form.product, tr(Str.ErrorProduct).takeIf { DoseField.PRODUCT in errors }) { edit(DoseField.PRODUCT) { copy(product = it) } }
    FormField(tr(Str.VolunteerDoseNumber), form.doseNumber, tr(Str.ErrorDoseNumber).takeIf { DoseField.DOSE_NUMBER in errors }, KeyboardType.Number) {
        edit(DoseField.DOSE_NUMBER) { copy(doseNumber = it) }
    }
    FormField(tr(Str.VolunteerDoseDate), form.date, tr(Str.ErrorDoseDate).takeIf { DoseField.DATE in errors }) { edit(DoseField.DATE) { copy(date = it) } }
    FormField(tr(Str.VolunteerLot), form.lot, null) { edit(null) { copy(lot = it) } }
    Button(
        onClick = { onEvent(VolunteerEvent.RecordDose(person.profileId, form)) },
        enabled = !state.busy,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
    ) { Text(tr(Str.VolunteerRecordDose)) }
}

@Composable
private fun CardPage(person: ManagedPerson, state: VolunteerState, onEvent: (VolunteerEvent) -> Unit, decoder: QrDecoder) {
    Heading(tr(Str.VolunteerCard))
    // Name and birth year in large type: what staff compare with the id card, as on the printed card.
    Text(person.fullName, style = MaterialTheme.typography.headlineSmall, fontWeight = FontWeight.Bold)
    Text("${tr(Str.Born)} ${person.birthYear}", style = MaterialTheme.typography.titleLarge)
    val png = state.cardPng
    if (png != null) {
        val bitmap = remember(png) { decoder.decode(png) }
        // White around the code and nearest-neighbour scaling keep it scannable once printed.
        Image(
            bitmap = bitmap,
            contentDescription = tr(Str.VolunteerCardQr),
            filterQuality = FilterQuality.None,
            contentScale = ContentScale.Fit,
            modifier = Modifier.fillMaxWidth().aspectRatio(1f).background(Color.White).padding(16.dp).semantics { testTag = "control-card-qr" },
        )
    } else {
        Banner(tr(Str.VolunteerCardNotDrawn))
    }
    Text(tr(Str.VolunteerCardHint), style = MaterialTheme.typography.bodyLarge)
    Button(
        onClick = { onEvent(VolunteerEvent.ControlCard(person.profileId)) },
        enabled = !state.busy,
        modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
    ) { Text(tr(Str.VolunteerPrintCard)) }
}

@Composable
private fun FormField(label: String, value: String, problem: String?, keyboard: KeyboardType = KeyboardType.Text, onChange: (String) -> Unit) {
    Column {
        OutlinedTextField(
            value = value,
            onValueChange = onChange,
            label = { Text(label) },
            isError = problem != null,
            singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = keyboard),
            modifier = Modifier.fillMaxWidth().semantics {
                contentDescription = label
                if (problem != null) error(problem)
            },
        )
        FieldErrorText(problem)
    }
}

private val VIETNAM: ZoneId = ZoneId.of("Asia/Ho_Chi_Minh")
private val DATE: DateTimeFormatter = DateTimeFormatter.ofPattern("dd/MM/yyyy")
