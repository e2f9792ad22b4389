package org.healthbook.core.wrapper

import java.time.Instant
import java.time.LocalDate
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The citizen's vaccination view model, driven through a [FakeVaccinationRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class VaccinationViewModelTest {
    private val now = Instant.parse("2026-03-01T08:00:00Z")

    private fun record(id: String, name: String, registered: Boolean, doses: List<VaccinationDose> = emptyList()) =
        ProfileVaccinationRecord(id, name, registered, priorityGroup = null, doses = doses, nextDue = null, certificate = null, history = emptyList(), refreshedAt = null)

    private fun invitation(id: String, state: InvitationState = InvitationState.PENDING) = VaccinationInvitation(
        id, "p1", "Nguyễn Văn An", "Trạm y tế phường Bến Thành", "1 Lê Lợi", now.plusSeconds(86_400), now.plusSeconds(90_000),
        "Comirnaty", 1, state, now.plusSeconds(43_200), answerPending = false,
    )

    private fun repo() = FakeVaccinationRepository(now).apply {
        records["p1"] = record("p1", "Nguyễn Văn An", registered = false)
        records["p2"] = record("p2", "Trần Thị Bích Ngọc", registered = true)
        invitations += invitation("i1")
        invitations += invitation("i0", InvitationState.ATTENDED).copy(startsAt = now.minusSeconds(86_400 * 30))
    }

    private fun TestScope.started(repo: FakeVaccinationRepository): VaccinationViewModel =
        VaccinationViewModel(repo, backgroundScope).also { runCurrent() }

    @Test
    fun `records and invitations load from the phone, then the server is asked`() = runTest {
        val repo = repo()
        val dose = VaccinationDose(1, LocalDate.of(2026, 2, 1), "Comirnaty", "FF1234", selfReported = false, confirmed = true)
        repo.serverRecords = listOf(record("p1", "Nguyễn Văn An", true, listOf(dose)).copy(nextDue = LocalDate.of(2026, 3, 1)), repo.records["p2"]!!)
        val vm = started(repo)
        assertEquals(listOf("records", "invitations", "refresh", "invitations"), repo.calls)
        val s = vm.state.value
        assertFalse(s.loading)
        assertFalse(s.refreshing)
        assertEquals(listOf(dose), s.records.first().doses)
        assertEquals(LocalDate.of(2026, 3, 1), s.records.first().nextDue)
        assertEquals(listOf("i1", "i0"), s.invitations.map { it.invitationId }, "newest first")
        assertEquals(listOf("i1"), s.open.map { it.invitationId })
    }

    @Test
    fun `offline, the stored records stay and the failure is said`() = runTest {
        val repo = repo().apply { offline = true }
        val vm = started(repo)
        assertEquals(2, vm.state.value.records.size)
        assertEquals(VaccinationError.Refresh, vm.state.value.error)
        vm.onEvent(VaccinationEvent.DismissError)
        assertNull(vm.state.value.error)
    }

    @Test
    fun `a ward code that is not 5 digits is refused at the field and nothing is sent`() = runTest {
        val repo = repo()
        val vm = started(repo)
        vm.onEvent(VaccinationEvent.OpenRegister("p1"))
        for (bad in listOf("", "2673", "267345", "26a34")) {
            vm.onEvent(VaccinationEvent.Register("p1", bad))
            runCurrent()
            assertTrue(vm.state.value.wardInvalid, "'$bad' is refused")
            vm.onEvent(VaccinationEvent.WardEdited)
            assertFalse(vm.state.value.wardInvalid)
        }
        assertFalse(repo.calls.any { it.startsWith("register") })
        assertEquals("p1", vm.state.value.registering)
    }

    @Test
    fun `registering marks the record and closes the form`() = runTest {
        val repo = repo()
        val vm = started(repo)
        vm.onEvent(VaccinationEvent.OpenRegister("p1"))
        assertEquals("Nguyễn Văn An", vm.state.value.registeringRecord?.profileName)
        vm.onEvent(VaccinationEvent.Register("p1", " 26734 "))
        assertTrue(vm.state.value.busy)
        runCurrent()
        assertTrue("register:26734" in repo.calls)
        assertTrue(vm.state.value.records.first { it.profileId == "p1" }.registered)
        assertNull(vm.state.value.registering)
        assertFalse(vm.state.value.busy)

        // Registering twice is the core's refusal, in its words; the form stays open.
        vm.onEvent(VaccinationEvent.OpenRegister("p2"))
        vm.onEvent(VaccinationEvent.Register("p2", "26734"))
        runCurrent()
        assertEquals(VaccinationError.Refused("Hồ sơ này đã đăng ký tiêm chủng."), vm.state.value.error)
        assertEquals("p2", vm.state.value.registering)
    }

    @Test
    fun `a failed registration changes nothing`() = runTest {
        val repo = repo()
        val vm = started(repo)
        repo.failNext = IllegalStateException("server error")
        vm.onEvent(VaccinationEvent.Register("p1", "26734"))
        runCurrent()
        assertEquals(VaccinationError.Register, vm.state.value.error)
        assertFalse(vm.state.value.records.first { it.profileId == "p1" }.registered)
        assertFalse(vm.state.value.busy)
    }

    @Test
    fun `confirming and declining update the invitation, and offline the answer waits to be sent`() = runTest {
        val repo = repo()
        repo.invitations += invitation("i2").copy(startsAt = now.plusSeconds(86_400 * 2))
        val vm = started(repo)
        vm.onEvent(VaccinationEvent.Answer("i1", confirm = true))
        assertEquals(setOf("i1"), vm.state.value.answering)
        runCurrent()
        assertEquals(emptySet<String>(), vm.state.value.answering)
        assertEquals(InvitationState.CONFIRMED, vm.state.value.invitations.first { it.invitationId == "i1" }.state)
        assertFalse(vm.state.value.invitations.first { it.invitationId == "i1" }.answerPending)

        repo.offline = true
        vm.onEvent(VaccinationEvent.Answer("i2", confirm = false))
        runCurrent()
        val declined = vm.state.value.invitations.first { it.invitationId == "i2" }
        assertEquals(InvitationState.DECLINED, declined.state)
        assertTrue(declined.answerPending)
        assertTrue(declined in vm.state.value.open, "an answer waiting to send stays in view")
        assertEquals(listOf("answer:true", "answer:false"), repo.calls.filter { it.startsWith("answer") })
    }

    @Test
    fun `an answer to a closed invitation is refused in the core's words`() = runTest {
        val repo = repo()
        val vm = started(repo)
        vm.onEvent(VaccinationEvent.Answer("i0", confirm = true))
        runCurrent()
        assertEquals(VaccinationError.Refused("Lời mời đã đóng."), vm.state.value.error)
        assertEquals(InvitationState.ATTENDED, vm.state.value.invitations.first { it.invitationId == "i0" }.state)
        // The state's text names no one.
        assertFalse(vm.state.value.toString().contains("Nguyễn"))
    }

    @Test
    fun `ward codes are exactly five digits`() {
        assertTrue(isWardCode("26734"))
        assertTrue(isWardCode(" 00004 "))
        assertFalse(isWardCode("2673"))
        assertFalse(isWardCode("２６７３４"), "full-width digits are not ward codes")
    }
}
