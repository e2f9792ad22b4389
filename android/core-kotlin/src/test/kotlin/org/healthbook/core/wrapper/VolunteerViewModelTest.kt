package org.healthbook.core.wrapper

import java.time.LocalDate
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The volunteer screens' view model, driven through a [FakeVolunteerRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class VolunteerViewModelTest {
    private val today = LocalDate.of(2026, 3, 1)
    private val form = EnrolForm("Lò Thị Mai", "1948", "001148012345", "0912 345 678", "79", "26734")

    private fun TestScope.viewModel(repo: FakeVolunteerRepository) = VolunteerViewModel(repo, backgroundScope, qrPng = { text -> text.toByteArray() }, today = { today })

    private fun TestScope.enrolled(): Pair<FakeVolunteerRepository, VolunteerViewModel> {
        val repo = FakeVolunteerRepository()
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(VolunteerEvent.Enrol(form))
        runCurrent()
        return repo to vm
    }

    @Test
    fun `the list loads at start`() = runTest {
        val repo = FakeVolunteerRepository()
        val vm = viewModel(repo)
        assertTrue(vm.state.value.loading)
        runCurrent()
        assertFalse(vm.state.value.loading)
        assertEquals(VolunteerPage.People, vm.state.value.page)
        assertEquals(listOf("people"), repo.calls)
    }

    @Test
    fun `enrol fields are checked at their place and nothing is sent`() = runTest {
        val repo = FakeVolunteerRepository()
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(VolunteerEvent.Enrol(EnrolForm(" ", "2030", "12345", "12", "7", "2673")))
        runCurrent()
        assertEquals(EnrolField.entries.toSet(), vm.state.value.enrolErrors)
        assertFalse("enrol" in repo.calls)
        vm.onEvent(VolunteerEvent.EnrolEdited(EnrolField.PHONE))
        assertFalse(EnrolField.PHONE in vm.state.value.enrolErrors)
        // A legacy 9-digit id and no phone are fine.
        assertTrue(form.copy(citizenId = "123 456 789", phone = "").problems(today).isEmpty())
        assertEquals(setOf(EnrolField.PHONE), form.copy(phone = "+1 415 555 0100").problems(today))
    }

    @Test
    fun `enrolling goes on to consent, then the person, then the card`() = runTest {
        val (repo, vm) = enrolled()
        val person = vm.state.value.people.single()
        assertEquals("Lò Thị Mai", person.fullName)
        assertEquals(VolunteerPage.Consent(person.profileId), vm.state.value.page)
        assertFalse(vm.state.value.busy)

        vm.onEvent(VolunteerEvent.RecordConsent(person.profileId, " ", null))
        runCurrent()
        assertEquals(setOf(ConsentField.GIVEN_BY, ConsentField.METHOD), vm.state.value.consentErrors)
        vm.onEvent(VolunteerEvent.RecordConsent(person.profileId, "Lò Văn Bình (con trai)", ConsentMethod.THUMBPRINT))
        runCurrent()
        assertEquals(VolunteerPage.Person(person.profileId), vm.state.value.page)
        assertNotNull(vm.state.value.person?.consentAt)
        assertTrue("consent:THUMBPRINT" in repo.calls)

        vm.onEvent(VolunteerEvent.ControlCard(person.profileId))
        runCurrent()
        assertEquals(VolunteerPage.Card(person.profileId), vm.state.value.page)
        val card = vm.state.value.person!!.controlCard!!
        assertTrue(card.startsWith("HK1:"))
        assertEquals(card, vm.state.value.cardPng!!.decodeToString(), "the card's own text is drawn")
    }

    @Test
    fun `a card without consent is refused in the core's words`() = runTest {
        val (_, vm) = enrolled()
        val id = vm.state.value.people.single().profileId
        vm.onEvent(VolunteerEvent.Open(VolunteerPage.Person(id)))
        vm.onEvent(VolunteerEvent.ControlCard(id))
        assertTrue(vm.state.value.busy)
        runCurrent()
        assertEquals(VolunteerError.Refused("Cần ghi nhận sự đồng ý của người này trước."), vm.state.value.error)
        assertEquals(VolunteerPage.Person(id), vm.state.value.page)
        vm.onEvent(VolunteerEvent.DismissError)
        assertNull(vm.state.value.error)
    }

    @Test
    fun `a dose from paper is checked, then counted`() = runTest {
        val (repo, vm) = enrolled()
        val id = vm.state.value.people.single().profileId
        vm.onEvent(VolunteerEvent.Open(VolunteerPage.Dose(id)))
        vm.onEvent(VolunteerEvent.RecordDose(id, DoseForm("", "0", "2/3/2026", "")))
        runCurrent()
        assertEquals(setOf(DoseField.PRODUCT, DoseField.DOSE_NUMBER, DoseField.DATE), vm.state.value.doseErrors, "a future date is refused")
        vm.onEvent(VolunteerEvent.RecordDose(id, DoseForm("Comirnaty", "2", "15/8/2021", "FF2587")))
        runCurrent()
        assertEquals(1, vm.state.value.person!!.selfReportedDoses)
        assertEquals(Triple("Comirnaty", 2, LocalDate.of(2021, 8, 15)), repo.doses.single())
        assertEquals(VolunteerPage.Person(id), vm.state.value.page)
    }

    @Test
    fun `a failure that is not a refusal changes nothing and says so`() = runTest {
        val (repo, vm) = enrolled()
        repo.failNext = IllegalStateException("offline")
        vm.onEvent(VolunteerEvent.Enrol(form.copy(citizenId = "001148099999")))
        runCurrent()
        assertEquals(VolunteerError.Action, vm.state.value.error)
        assertEquals(1, vm.state.value.people.size)
        // The same id again is the core's refusal.
        vm.onEvent(VolunteerEvent.Enrol(form))
        runCurrent()
        assertTrue(vm.state.value.error is VolunteerError.Refused)
        // The state's text names no one.
        assertFalse(vm.state.value.toString().contains("Mai"))
    }
}
