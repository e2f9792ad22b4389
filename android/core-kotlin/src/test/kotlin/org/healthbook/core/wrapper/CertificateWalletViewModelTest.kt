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

/** The certificate wallet's view model, driven through a [FakeVaccinationRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class CertificateWalletViewModelTest {
    private val dose1 = FakeVaccinationRepository.certificate(1, 2, LocalDate.of(2026, 1, 5), replacedAt = Instant.parse("2026-02-02T03:00:00Z"))
    private val dose2 = FakeVaccinationRepository.certificate(2, 2, LocalDate.of(2026, 2, 2))

    private fun record(id: String, name: String, certificate: VaccinationCertificate?, history: List<VaccinationCertificate>) =
        ProfileVaccinationRecord(id, name, true, 1, emptyList(), null, certificate, history, null)

    private fun repo() = FakeVaccinationRepository().apply {
        records["p0"] = record("p0", "Lê Minh Đức", null, emptyList())
        records["p1"] = record("p1", "Nguyễn Văn An", dose2, listOf(dose1))
    }

    private fun TestScope.started(repo: FakeVaccinationRepository, draw: suspend (String) -> ByteArray = { it.toByteArray() }) =
        CertificateWalletViewModel(repo, backgroundScope, draw).also { runCurrent() }

    @Test
    fun `the first profile with a certificate is shown, drawn from its own text, with its history`() = runTest {
        val vm = started(repo())
        val s = vm.state.value
        assertFalse(s.loading)
        assertEquals("p1", s.selected)
        assertEquals(dose2, s.entry?.current)
        assertEquals(listOf(dose1), s.entry?.history)
        assertEquals(dose2.qr, s.qrPng?.decodeToString())
        assertEquals(2, s.entries.size)
    }

    @Test
    fun `a profile without a certificate shows none`() = runTest {
        val vm = started(repo())
        vm.onEvent(WalletEvent.Select("p0"))
        runCurrent()
        assertNull(vm.state.value.entry?.current)
        assertNull(vm.state.value.qrPng)
        assertFalse(vm.state.value.qrFailed)
    }

    @Test
    fun `a new dose replaces the certificate on reload and the old one goes to the history`() = runTest {
        val repo = repo()
        val vm = started(repo)
        val dose3 = FakeVaccinationRepository.certificate(3, 3, LocalDate.of(2026, 2, 28))
        val replaced = dose2.copy(replacedAt = Instant.parse("2026-02-28T04:00:00Z"))
        repo.records["p1"] = record("p1", "Nguyễn Văn An", dose3, listOf(replaced, dose1))
        vm.onEvent(WalletEvent.Reload)
        runCurrent()
        assertEquals("p1", vm.state.value.selected, "the profile shown stays")
        assertEquals(dose3.qr, vm.state.value.qrPng?.decodeToString())
        assertEquals(listOf(replaced, dose1), vm.state.value.entry?.history)
    }

    @Test
    fun `a code that cannot be drawn is said, and a store that cannot be read too`() = runTest {
        val vm = started(repo()) { throw IllegalStateException("renderer") }
        assertTrue(vm.state.value.qrFailed)
        assertNull(vm.state.value.qrPng)

        val broken = FakeVaccinationRepository().apply { failNext = IllegalStateException("disk") }
        val vm2 = started(broken)
        assertTrue(vm2.state.value.loadFailed)
        assertFalse(vm2.state.value.loading)
        assertFalse(vm.state.value.toString().contains("HC1:"), "no certificate in logs")
    }
}
