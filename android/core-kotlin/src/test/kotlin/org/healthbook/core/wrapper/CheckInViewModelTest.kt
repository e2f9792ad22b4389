package org.healthbook.core.wrapper

import java.time.Instant
import java.time.ZoneId
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

/** The citizen's check-in view model, driven through a [FakeCheckInRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class CheckInViewModelTest {
    private val now = Instant.parse("2026-03-01T08:00:00Z") // 15:00 in Hồ Chí Minh City
    private val zone = ZoneId.of("Asia/Ho_Chi_Minh")

    // As in the other view model tests: the event loop lives in backgroundScope and runCurrent() drains it.
    private fun TestScope.viewModel(repo: FakeCheckInRepository) = CheckInViewModel(repo, backgroundScope, { now }, zone)

    private fun visit(id: String, venue: String, hoursAgo: Long, out: Boolean = true) = DiaryItem(
        id, "p1", venue, "Market", now.minusSeconds(hoursAgo * 3600), if (out) now.minusSeconds(hoursAgo * 3600 - 1800) else null,
        autoCheckedOut = false, manual = false,
    )

    @Test
    fun `on start it shows the diary and the alerts without asking the network`() = runTest {
        val repo = FakeCheckInRepository(now)
        repo.entries += visit("e-a", "Chợ Bến Thành", 30)
        repo.entries += visit("e-b", "Siêu thị", 2)
        repo.stored += ExposureAlert("a-1", "Chợ Bến Thành", now.minusSeconds(30 * 3600), "h", "a", seen = false)
        val vm = viewModel(repo)
        assertTrue(vm.state.value.loading)
        runCurrent()
        val state = vm.state.value
        assertFalse(state.loading)
        assertEquals(listOf("e-b", "e-a"), state.diary.map { it.entryId })
        assertEquals(1, state.unseenAlerts)
        assertEquals(listOf("diary", "alerts"), repo.calls)
        assertNull(state.error)
    }

    @Test
    fun `a genuine poster checks in and heads the diary, still there`() = runTest {
        val repo = FakeCheckInRepository(now)
        repo.entries += visit("e-old", "Siêu thị", 5)
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(CheckInEvent.Scan("p1", "HP1:MARKET"))
        assertTrue(vm.state.value.checkingIn)
        runCurrent()
        val state = vm.state.value
        assertFalse(state.checkingIn)
        assertEquals("Chợ Bến Thành", state.checkedIn?.venueName)
        assertNull(state.checkedIn?.checkedOutAt)
        assertEquals(listOf(state.checkedIn?.entryId, "e-old"), state.diary.map { it.entryId })
        assertNull(state.refusal)
        vm.onEvent(CheckInEvent.DismissCheckedIn)
        assertNull(vm.state.value.checkedIn)
    }

    @Test
    fun `a refused poster shows the core's words and adds nothing`() = runTest {
        val repo = FakeCheckInRepository(now)
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(CheckInEvent.Scan("p1", "HP1:FORGED"))
        runCurrent()
        assertEquals("This poster is not genuine: its signature does not verify.", vm.state.value.refusal)
        assertNull(vm.state.value.checkedIn)
        assertNull(vm.state.value.error, "a refusal is the scan's outcome, not a screen error")
        assertTrue(vm.state.value.diary.isEmpty())
        vm.onEvent(CheckInEvent.DismissRefusal)
        assertNull(vm.state.value.refusal)
    }

    @Test
    fun `a check-in that fails for another reason is a screen error`() = runTest {
        val repo = FakeCheckInRepository(now)
        val vm = viewModel(repo)
        runCurrent()
        repo.failNext = IllegalStateException("database is locked")
        vm.onEvent(CheckInEvent.Scan("p1", "HP1:MARKET"))
        runCurrent()
        assertEquals(CheckInError.CheckIn, vm.state.value.error)
        assertFalse(vm.state.value.checkingIn)
        assertNull(vm.state.value.refusal)
        vm.onEvent(CheckInEvent.DismissError)
        assertNull(vm.state.value.error)
    }

    @Test
    fun `checking out closes the visit, and a failed check-out keeps it open`() = runTest {
        val repo = FakeCheckInRepository(now)
        repo.entries += visit("e-1", "Chợ Bến Thành", 1, out = false)
        val vm = viewModel(repo)
        runCurrent()
        repo.failNext = IllegalStateException("disk full")
        vm.onEvent(CheckInEvent.CheckOut("e-1"))
        runCurrent()
        assertEquals(CheckInError.CheckOut, vm.state.value.error)
        assertNull(vm.state.value.diary.single().checkedOutAt)

        vm.onEvent(CheckInEvent.CheckOut("e-1"))
        runCurrent()
        assertEquals(now, vm.state.value.diary.single().checkedOutAt)
    }

    @Test
    fun `a reload shows the automatic check-outs`() = runTest {
        val repo = FakeCheckInRepository(now)
        repo.entries += visit("e-1", "Chợ Bến Thành", 5, out = false)
        val vm = viewModel(repo)
        runCurrent()
        assertNull(vm.state.value.diary.single().checkedOutAt)
        repo.autoCheckOut += "e-1"
        vm.onEvent(CheckInEvent.Reload)
        runCurrent()
        assertTrue(vm.state.value.diary.single().autoCheckedOut)
        assertNotNull(vm.state.value.diary.single().checkedOutAt)
    }

    @Test
    fun `an empty manual entry names each missing field and saves nothing`() = runTest {
        val repo = FakeCheckInRepository(now)
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(CheckInEvent.AddManual("", " ", "", "", ""))
        runCurrent()
        assertEquals(
            mapOf(
                ManualField.PROFILE to ManualProblem.REQUIRED, ManualField.PLACE to ManualProblem.REQUIRED,
                ManualField.DATE to ManualProblem.REQUIRED, ManualField.FROM to ManualProblem.REQUIRED,
            ),
            vm.state.value.manualErrors,
        )
        assertFalse("addManual" in repo.calls)
        vm.onEvent(CheckInEvent.ManualEdited(ManualField.PLACE))
        assertEquals(setOf(ManualField.PROFILE, ManualField.DATE, ManualField.FROM), vm.state.value.manualErrors.keys)
    }

    @Test
    fun `malformed, future, too old and reversed times are each refused at their field`() = runTest {
        val repo = FakeCheckInRepository(now)
        val vm = viewModel(repo)
        runCurrent()
        fun problems(date: String, from: String, to: String): Map<ManualField, ManualProblem> {
            vm.onEvent(CheckInEvent.AddManual("p1", "Quán phở", date, from, to))
            runCurrent()
            return vm.state.value.manualErrors
        }
        assertEquals(mapOf(ManualField.DATE to ManualProblem.BAD_DATE), problems("2026-02-30", "09:00", ""))
        assertEquals(mapOf(ManualField.FROM to ManualProblem.BAD_TIME, ManualField.TO to ManualProblem.BAD_TIME), problems("2026-03-01", "25:00", "9"))
        assertEquals(mapOf(ManualField.FROM to ManualProblem.IN_FUTURE), problems("2026-03-01", "15:30", ""))
        assertEquals(mapOf(ManualField.TO to ManualProblem.IN_FUTURE), problems("2026-03-01", "14:00", "16:00"))
        assertEquals(mapOf(ManualField.DATE to ManualProblem.TOO_OLD), problems("2026-02-07", "09:00", ""))
        assertEquals(mapOf(ManualField.TO to ManualProblem.END_BEFORE_START), problems("2026-03-01", "10:00", "09:30"))
        assertFalse("addManual" in repo.calls)
    }

    @Test
    fun `a valid manual entry is saved with its local times, and a refusal is shown at the form`() = runTest {
        val repo = FakeCheckInRepository(now)
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(CheckInEvent.AddManual("p1", "  Quán phở Hòa ", "2026-03-01", "7h30", "8:15"))
        runCurrent()
        val saved = vm.state.value.manualSaved
        assertEquals("Quán phở Hòa", saved?.venueName)
        assertTrue(saved?.manual == true)
        assertEquals(Instant.parse("2026-03-01T00:30:00Z"), saved?.checkedInAt)
        assertEquals(Instant.parse("2026-03-01T01:15:00Z"), saved?.checkedOutAt)
        assertTrue(vm.state.value.manualErrors.isEmpty())
        assertEquals(listOf(saved?.entryId), vm.state.value.diary.map { it.entryId })
        vm.onEvent(CheckInEvent.DismissManual)
        assertNull(vm.state.value.manualSaved)

        repo.failNext = CheckInException("The diary keeps visits of the last 21 days only.")
        vm.onEvent(CheckInEvent.AddManual("p1", "Quán phở", "2026-03-01", "09:00", ""))
        runCurrent()
        assertEquals("The diary keeps visits of the last 21 days only.", vm.state.value.manualRefusal)
        assertNull(vm.state.value.error)
        vm.onEvent(CheckInEvent.ManualEdited(ManualField.FROM))
        assertNull(vm.state.value.manualRefusal)

        repo.failNext = IllegalStateException("disk full")
        vm.onEvent(CheckInEvent.AddManual("p1", "Quán phở", "2026-03-01", "09:00", ""))
        runCurrent()
        assertEquals(CheckInError.Manual, vm.state.value.error)
        assertFalse(vm.state.value.savingManual)
        assertEquals(1, vm.state.value.diary.size)
    }

    @Test
    fun `deleting removes the entry, and a failed delete keeps it`() = runTest {
        val repo = FakeCheckInRepository(now)
        repo.entries += visit("e-1", "Chợ Bến Thành", 3)
        repo.entries += visit("e-2", "Siêu thị", 2)
        val vm = viewModel(repo)
        runCurrent()
        repo.failNext = IllegalStateException("locked")
        vm.onEvent(CheckInEvent.Delete("e-1"))
        runCurrent()
        assertEquals(CheckInError.Delete, vm.state.value.error)
        assertEquals(2, vm.state.value.diary.size)
        vm.onEvent(CheckInEvent.Delete("e-1"))
        runCurrent()
        assertEquals(listOf("e-2"), vm.state.value.diary.map { it.entryId })
    }

    @Test
    fun `an exposure check finds the risky visit once, and marking it seen is kept`() = runTest {
        val repo = FakeCheckInRepository(now)
        repo.entries += visit("e-1", "Chợ Bến Thành", 30)
        repo.entries += visit("e-2", "Siêu thị", 2)
        repo.risky += "Chợ Bến Thành"
        val vm = viewModel(repo)
        runCurrent()
        assertNull(vm.state.value.exposureCheckedAt)
        vm.onEvent(CheckInEvent.CheckExposure)
        assertTrue(vm.state.value.checkingExposure)
        runCurrent()
        assertFalse(vm.state.value.checkingExposure)
        assertEquals(listOf("a-e-1"), vm.state.value.alerts.map { it.alertId })
        assertEquals(1, vm.state.value.unseenAlerts)
        assertEquals(now, vm.state.value.exposureCheckedAt)

        vm.onEvent(CheckInEvent.CheckExposure)
        runCurrent()
        assertEquals(1, vm.state.value.alerts.size, "alerted once per match")

        repo.failNext = IllegalStateException("locked")
        vm.onEvent(CheckInEvent.MarkSeen("a-e-1"))
        runCurrent()
        assertEquals(CheckInError.MarkSeen, vm.state.value.error)
        assertEquals(1, vm.state.value.unseenAlerts)
        vm.onEvent(CheckInEvent.MarkSeen("a-e-1"))
        runCurrent()
        assertEquals(0, vm.state.value.unseenAlerts)
        assertTrue(repo.stored.single().seen)
    }

    @Test
    fun `an exposure check offline keeps the alerts already found`() = runTest {
        val repo = FakeCheckInRepository(now)
        repo.stored += ExposureAlert("a-1", "Chợ Bến Thành", now.minusSeconds(3600), "h", "a", seen = true)
        val vm = viewModel(repo)
        runCurrent()
        repo.failNext = IllegalStateException("connection refused")
        vm.onEvent(CheckInEvent.CheckExposure)
        runCurrent()
        assertEquals(CheckInError.Exposure, vm.state.value.error)
        assertFalse(vm.state.value.checkingExposure)
        assertEquals(listOf("a-1"), vm.state.value.alerts.map { it.alertId })
        assertNull(vm.state.value.exposureCheckedAt)
    }

    @Test
    fun `a diary that cannot be read is a load error`() = runTest {
        val repo = FakeCheckInRepository(now)
        repo.failNext = IllegalStateException("bad key")
        val vm = viewModel(repo)
        runCurrent()
        assertEquals(CheckInError.Load, vm.state.value.error)
        assertFalse(vm.state.value.loading)
    }

    @Test
    fun `the state's text names no place`() = runTest {
        val repo = FakeCheckInRepository(now)
        repo.entries += visit("e-1", "Chợ Bến Thành", 3)
        val vm = viewModel(repo)
        runCurrent()
        assertFalse("Bến Thành" in vm.state.value.toString())
    }
}
