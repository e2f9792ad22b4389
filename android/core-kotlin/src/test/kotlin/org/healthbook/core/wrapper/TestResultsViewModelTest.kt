package org.healthbook.core.wrapper

import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The test-results view model, driven through a [FakeTestResultsRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class TestResultsViewModelTest {
    private val drawn = mutableListOf<String>()

    // As in the other view model tests: the event loop lives in backgroundScope and runCurrent() drains it.
    private fun TestScope.viewModel(repo: FakeTestResultsRepository) =
        TestResultsViewModel(repo, backgroundScope) { text -> drawn += text; text.toByteArray() }

    @Test
    fun `on start it shows the kept samples, then polls`() = runTest {
        val repo = FakeTestResultsRepository()
        repo.stored += repo.item("s-1", "p1", SampleState.PENDING)
        repo.lab["s-1"] = SampleState.NEGATIVE
        val vm = viewModel(repo)
        assertTrue(vm.state.value.loading)
        runCurrent()
        val state = vm.state.value
        assertFalse(state.loading)
        assertFalse(state.refreshing)
        assertEquals(listOf(SampleState.NEGATIVE), state.samples.map { it.state })
        assertEquals(listOf("samples", "refresh"), repo.calls)
        assertNull(state.error)
    }

    @Test
    fun `a well-formed code registers and heads the list`() = runTest {
        val repo = FakeTestResultsRepository()
        repo.stored += repo.item("s-0", "p2", SampleState.NEGATIVE)
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(TestResultsEvent.Register("p1", FakeTestResultsRepository.code("ABCD12345")))
        runCurrent()
        val state = vm.state.value
        assertFalse(state.registering)
        assertNull(state.codeError)
        assertEquals(SampleState.UNKNOWN_TO_LAB, state.registered?.state)
        assertEquals("p1", state.registered?.profileId)
        assertEquals(listOf("s-2", "s-0"), state.samples.map { it.sampleId })
        vm.onEvent(TestResultsEvent.DismissRegistered)
        assertNull(vm.state.value.registered)
    }

    @Test
    fun `a mistyped code is shown at the field, and editing the code clears it`() = runTest {
        val repo = FakeTestResultsRepository()
        val vm = viewModel(repo)
        runCurrent()
        val good = FakeTestResultsRepository.code("ABCD12345")
        val typo = good.dropLast(1) + (if (good.last() == '0') '1' else '0')
        vm.onEvent(TestResultsEvent.Register("p1", typo))
        runCurrent()
        assertEquals("The code is mistyped: check it.", vm.state.value.codeError)
        assertNull(vm.state.value.registered)
        assertNull(vm.state.value.error, "a typo is the field's error, not the screen's")
        assertTrue(vm.state.value.samples.isEmpty())
        vm.onEvent(TestResultsEvent.CodeEdited)
        assertNull(vm.state.value.codeError)
    }

    @Test
    fun `a code registered on another phone is shown as such`() = runTest {
        val repo = FakeTestResultsRepository()
        val code = FakeTestResultsRepository.code("ZZZZ99999")
        repo.elsewhere += code
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(TestResultsEvent.Register("p1", code))
        runCurrent()
        assertEquals(SampleState.REGISTERED_ELSEWHERE, vm.state.value.registered?.state)
        assertEquals("reason of registered_elsewhere", vm.state.value.registered?.reason)
        assertNull(vm.state.value.codeError)
    }

    @Test
    fun `a registration that fails for another reason is a screen error without the code`() = runTest {
        val repo = FakeTestResultsRepository()
        val vm = viewModel(repo)
        runCurrent()
        repo.failNext = IllegalStateException("connection refused")
        vm.onEvent(TestResultsEvent.Register("p1", FakeTestResultsRepository.code("ABCD12345")))
        runCurrent()
        assertEquals(TestResultsError.Register, vm.state.value.error)
        assertFalse(vm.state.value.registering)
        vm.onEvent(TestResultsEvent.DismissError)
        assertNull(vm.state.value.error)
    }

    @Test
    fun `states change with each refresh, and a failed refresh keeps the last known`() = runTest {
        val repo = FakeTestResultsRepository()
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(TestResultsEvent.Register("p1", FakeTestResultsRepository.code("ABCD12345")))
        runCurrent()
        val id = vm.state.value.samples.single().sampleId
        for (next in listOf(SampleState.PENDING, SampleState.RETEST_REQUIRED)) {
            repo.lab[id] = next
            vm.onEvent(TestResultsEvent.Refresh)
            runCurrent()
            assertEquals(next, vm.state.value.samples.single().state)
        }
        repo.failNext = IllegalStateException("timeout")
        vm.onEvent(TestResultsEvent.Refresh)
        runCurrent()
        assertEquals(TestResultsError.Refresh, vm.state.value.error)
        assertEquals(SampleState.RETEST_REQUIRED, vm.state.value.samples.single().state)
        assertFalse(vm.state.value.refreshing)
    }

    @Test
    fun `the detail draws the certificate once it arrives, and keeping it is remembered`() = runTest {
        val repo = FakeTestResultsRepository()
        repo.stored += repo.item("s-1", "p1", SampleState.PENDING)
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(TestResultsEvent.Open("s-1"))
        runCurrent()
        assertEquals("s-1", vm.state.value.openSample?.sampleId)
        assertNull(vm.state.value.certificateQrPng, "no certificate while pending")
        assertFalse(vm.state.value.certificateQrFailed)

        repo.lab["s-1"] = SampleState.NEGATIVE
        vm.onEvent(TestResultsEvent.Refresh)
        runCurrent()
        assertArrayEquals("HC1:FAKE-s-1".toByteArray(), vm.state.value.certificateQrPng)
        assertEquals(listOf("HC1:FAKE-s-1"), drawn)

        vm.onEvent(TestResultsEvent.KeepCertificate("s-1"))
        runCurrent()
        assertEquals(setOf("s-1"), repo.kept)
        assertEquals(setOf("s-1"), vm.state.value.kept)

        repo.failNext = IllegalStateException("disk full")
        vm.onEvent(TestResultsEvent.KeepCertificate("s-2"))
        runCurrent()
        assertEquals(TestResultsError.Keep, vm.state.value.error)
        assertEquals(setOf("s-1"), vm.state.value.kept)

        vm.onEvent(TestResultsEvent.Close)
        assertNull(vm.state.value.openSample)
        assertNull(vm.state.value.certificateQrPng)
    }

    @Test
    fun `a certificate that cannot be drawn leaves the detail without a QR`() = runTest {
        val repo = FakeTestResultsRepository()
        repo.stored += repo.item("s-1", "p1", SampleState.POSITIVE)
        val vm = TestResultsViewModel(repo, backgroundScope) { throw IllegalArgumentException("data too long") }
        runCurrent()
        vm.onEvent(TestResultsEvent.Open("s-1"))
        runCurrent()
        assertEquals(SampleState.POSITIVE, vm.state.value.openSample?.state)
        assertNull(vm.state.value.certificateQrPng)
        assertTrue(vm.state.value.certificateQrFailed)
        assertNull(vm.state.value.error)
    }
}
