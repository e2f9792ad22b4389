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

/** The vaccination site's view model, driven through a [FakeVaccinationSiteRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class VaccinationSiteViewModelTest {
    private val today = LocalDate.of(2026, 3, 1)
    private val site = VaccinationSiteInfo("s-1", "Trạm y tế phường Bến Thành", "1 Lê Lợi")
    private val other = VaccinationSiteInfo("s-2", "Nhà văn hóa khu phố 3", "12 Pasteur")
    private val pfizerSmall = StockLot("Comirnaty", "EU/1/20/1528", "FF1234", 3)
    private val pfizerBig = StockLot("Comirnaty", "EU/1/20/1528", "FF9999", 80)
    private val az = StockLot("Vaxzevria", "EU/1/21/1529", "AZ0001", 40)
    private val firstDose = VaccinationDose(1, LocalDate.of(2026, 1, 20), "Comirnaty", "FF0001", selfReported = false, confirmed = true)
    private val paperDose = VaccinationDose(1, LocalDate.of(2021, 8, 15), "Vaxzevria", null, selfReported = true, confirmed = false)

    private fun invitation(product: String) = VaccinationInvitation(
        "inv-7", "p", "Nguyễn Văn An", site.name, site.address, Instant.parse("2026-03-01T02:00:00Z"), Instant.parse("2026-03-01T02:30:00Z"),
        product, 2, InvitationState.CONFIRMED, Instant.parse("2026-02-28T12:00:00Z"), false,
    )

    private fun repo(sites: List<VaccinationSiteInfo> = listOf(site, other)) = FakeVaccinationSiteRepository().apply {
        this.sites += sites
        stock["s-1"] = mutableListOf(pfizerSmall, pfizerBig, az)
        people["HB1:AN"] = DoseCandidate("person-an", "Nguyễn Văn An", 1990, listOf(firstDose), 2, today, invitation("Comirnaty"))
        people["HK1:MAI"] = DoseCandidate("person-mai", "Lò Thị Mai", 1948, listOf(paperDose), 2, null, null)
    }

    private fun TestScope.started(repo: FakeVaccinationSiteRepository) =
        VaccinationSiteViewModel(repo, backgroundScope, qrPng = { it.toByteArray() }, today = { today }).also { runCurrent() }

    private fun TestScope.atSite(repo: FakeVaccinationSiteRepository): VaccinationSiteViewModel {
        val vm = started(repo)
        vm.onEvent(SiteEvent.PickSite("s-1"))
        runCurrent()
        return vm
    }

    @Test
    fun `the sites load, and picking one reads its stock`() = runTest {
        val repo = repo()
        val vm = started(repo)
        assertFalse(vm.state.value.loading)
        assertNull(vm.state.value.site, "two sites: the officer chooses")
        vm.onEvent(SiteEvent.PickSite("s-1"))
        runCurrent()
        assertEquals(site, vm.state.value.site)
        assertEquals(listOf(pfizerSmall, pfizerBig, az), vm.state.value.stock)
        vm.onEvent(SiteEvent.ChangeSite)
        assertNull(vm.state.value.site)
        assertTrue(vm.state.value.stock.isEmpty())
    }

    @Test
    fun `a single site is chosen at once`() = runTest {
        val vm = started(repo(listOf(site)))
        assertEquals(site, vm.state.value.site)
        assertEquals(3, vm.state.value.stock.size)
    }

    @Test
    fun `a scan finds the person and prefills the invited product's lot and the next dose number`() = runTest {
        val vm = atSite(repo())
        vm.onEvent(SiteEvent.Scan(" HB1:AN "))
        assertTrue(vm.state.value.looking)
        runCurrent()
        val s = vm.state.value
        assertFalse(s.looking)
        assertEquals("person-an", s.candidate?.personId)
        assertEquals(pfizerSmall, s.lot, "the invited product, the lot with fewest doses left first")
        assertEquals("2", s.doseNumber)
    }

    @Test
    fun `without an invitation the product of the last dose is prefilled, and a self-reported dose stays marked`() = runTest {
        val vm = atSite(repo())
        vm.onEvent(SiteEvent.Scan("HK1:MAI"))
        runCurrent()
        assertEquals(az, vm.state.value.lot)
        assertTrue(vm.state.value.candidate!!.doses.single().selfReported)
        assertFalse(vm.state.value.candidate!!.doses.single().confirmed)
    }

    @Test
    fun `recording a dose shows its certificate, and the stock goes down by exactly one`() = runTest {
        val repo = repo()
        val vm = atSite(repo)
        vm.onEvent(SiteEvent.Scan("HB1:AN"))
        runCurrent()
        vm.onEvent(SiteEvent.ChooseLot(pfizerBig))
        vm.onEvent(SiteEvent.Record)
        assertTrue(vm.state.value.recording)
        // A second tap while the first is sent does nothing.
        vm.onEvent(SiteEvent.Record)
        runCurrent()
        val s = vm.state.value
        assertFalse(s.recording)
        assertEquals(listOf("record:EU/1/20/1528:FF9999:2:2026-03-01:inv-7"), repo.calls.filter { it.startsWith("record") })
        assertEquals(2, s.recorded?.dose?.doseNumber)
        assertEquals(s.recorded?.certificate?.qr, s.certificatePng?.decodeToString())
        assertEquals(79, s.stock.first { it.lot == "FF9999" }.remaining)
        assertEquals(79, s.lot?.remaining, "the chosen lot shows the new figure")
        // Recording again after the confirmation does nothing until the next person.
        vm.onEvent(SiteEvent.Record)
        runCurrent()
        assertEquals(1, repo.calls.count { it.startsWith("record") })
        vm.onEvent(SiteEvent.Next)
        assertNull(vm.state.value.candidate)
        assertNull(vm.state.value.recorded)
    }

    @Test
    fun `the same dose recorded twice is stored once`() = runTest {
        val repo = repo()
        val vm = atSite(repo)
        repeat(2) {
            vm.onEvent(SiteEvent.Next)
            vm.onEvent(SiteEvent.Scan("HB1:AN"))
            runCurrent()
            vm.onEvent(SiteEvent.Record)
            runCurrent()
        }
        assertEquals(1, repo.recorded.size)
        assertEquals(2, vm.state.value.stock.first { it.lot == "FF1234" }.remaining)
    }

    @Test
    fun `the form is checked before anything is sent`() = runTest {
        val repo = repo()
        val vm = atSite(repo)
        vm.onEvent(SiteEvent.Scan("HB1:AN"))
        runCurrent()
        vm.onEvent(SiteEvent.ChooseLot(az.copy(remaining = 0)))
        vm.onEvent(SiteEvent.DoseNumber("0"))
        vm.onEvent(SiteEvent.Record)
        assertEquals(setOf(SiteDoseField.LOT, SiteDoseField.DOSE_NUMBER), vm.state.value.problems)
        vm.onEvent(SiteEvent.DoseNumber("3"))
        assertEquals(setOf(SiteDoseField.LOT), vm.state.value.problems)
        runCurrent()
        assertFalse(repo.calls.any { it.startsWith("record") })
    }

    @Test
    fun `refusals are the core words and other failures say what failed`() = runTest {
        val repo = repo()
        val vm = atSite(repo)
        vm.onEvent(SiteEvent.Scan("HP1:VENUE-POSTER"))
        runCurrent()
        assertEquals(SiteError.Refused("Đây không phải thẻ thông hành hay thẻ kiểm soát."), vm.state.value.error)
        assertNull(vm.state.value.candidate)

        repo.failNext = IllegalStateException("offline")
        vm.onEvent(SiteEvent.Scan("HB1:AN"))
        runCurrent()
        assertEquals(SiteError.Lookup, vm.state.value.error)

        vm.onEvent(SiteEvent.Scan("HB1:AN"))
        runCurrent()
        assertNull(vm.state.value.error, "a new scan clears the last error")
        repo.failNext = IllegalStateException("offline")
        vm.onEvent(SiteEvent.Record)
        runCurrent()
        assertEquals(SiteError.Record, vm.state.value.error)
        assertNull(vm.state.value.recorded)
        assertFalse(vm.state.value.recording)
        assertFalse(vm.state.value.toString().contains("Nguyễn"), "no names in logs")
    }

    @Test
    fun `a lot is prefilled only when the choice is clear`() {
        val candidate = DoseCandidate("x", "X", 1980, emptyList(), 1, null, null)
        assertNull(prefillLot(candidate, listOf(pfizerBig, az)), "two products and nothing to go by: the staff choose")
        assertEquals(pfizerSmall, prefillLot(candidate, listOf(pfizerBig, pfizerSmall)))
        assertNull(prefillLot(candidate, listOf(pfizerSmall.copy(remaining = 0))))
    }
}
