package org.healthbook.core.wrapper

import java.time.Duration
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.healthbook.core.BindingMethod
import org.healthbook.core.OtherDevice
import org.healthbook.core.PersonException
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The binding screen's state machine, driven through a [FakePersonBindingRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class PersonBindingViewModelTest {
    // As in the other view model tests: the event loop lives in backgroundScope and runCurrent() drains it.
    private fun TestScope.viewModel(repo: FakePersonBindingRepository, profileId: String = "p-1") =
        PersonBindingViewModel(repo, backgroundScope, profileId, qrScale = 8, now = { repo.now })

    @Test
    fun `an unbound profile binds by SMS code, a wrong code showing the attempts left`() = runTest {
        val repo = FakePersonBindingRepository()
        val vm = viewModel(repo)
        runCurrent()
        assertFalse(vm.state.value.loading)
        assertFalse(vm.state.value.bound)
        assertEquals(BindingStep.Choose, vm.state.value.step)

        vm.onEvent(PersonBindingEvent.StartSms())
        runCurrent()
        val step = vm.state.value.step as BindingStep.EnterCode
        assertEquals("+84 9** *** *21", step.challenge.sentTo)
        assertNull(step.attemptsLeft)

        vm.onEvent(PersonBindingEvent.EnterCode("000000"))
        runCurrent()
        assertEquals(BindingScreenError.WrongCode(4), vm.state.value.error)
        assertEquals(4, (vm.state.value.step as BindingStep.EnterCode).attemptsLeft)

        vm.onEvent(PersonBindingEvent.EnterCode("123 456"))
        runCurrent()
        val state = vm.state.value
        assertTrue(state.bound)
        assertEquals("Nguyễn Văn An", state.binding?.person?.fullName)
        assertEquals(BindingStep.Choose, state.step)
        assertNull(state.error)
        assertFalse(state.busy)
    }

    @Test
    fun `the last wrong code burns the challenge and asks to start again`() = runTest {
        val repo = FakePersonBindingRepository().apply { maxAttempts = 2 }
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(PersonBindingEvent.StartSms())
        vm.onEvent(PersonBindingEvent.EnterCode("111111"))
        vm.onEvent(PersonBindingEvent.EnterCode("222222"))
        runCurrent()
        assertEquals(BindingScreenError.WrongCode(0), vm.state.value.error)
        assertEquals(BindingStep.Choose, vm.state.value.step)
        assertFalse(vm.state.value.bound)
    }

    @Test
    fun `a challenge still pending is resumed after a restart`() = runTest {
        val repo = FakePersonBindingRepository()
        repo.startSmsBinding("p-1", null, null)
        val vm = viewModel(repo)
        runCurrent()
        assertEquals("challenge-1", (vm.state.value.step as BindingStep.EnterCode).challenge.challengeId)
        vm.onEvent(PersonBindingEvent.EnterCode("123456"))
        runCurrent()
        assertTrue(vm.state.value.bound)
    }

    @Test
    fun `attestation shows the code and its QR, and the officer's binding appears on refresh`() = runTest {
        val repo = FakePersonBindingRepository()
        val vm = viewModel(repo)
        runCurrent()
        // The record has no phone number.
        repo.failNext = PersonException.AttestationRequired()
        vm.onEvent(PersonBindingEvent.StartSms(citizenId = "001090012345"))
        runCurrent()
        assertEquals(BindingScreenError.AttestationRequired, vm.state.value.error)

        vm.onEvent(PersonBindingEvent.StartAttestation)
        runCurrent()
        val shown = vm.state.value.step as BindingStep.ShowAttestation
        assertEquals("7K3M9QPX", shown.code.code)
        assertArrayEquals(byteArrayOf(8) + "7K3M9QPX".toByteArray(), shown.qrPng)
        assertNull(vm.state.value.error)

        repo.attest("p-1")
        vm.onEvent(PersonBindingEvent.Refresh)
        runCurrent()
        assertEquals(BindingMethod.ATTESTATION, vm.state.value.binding?.method)
        assertEquals(BindingStep.Choose, vm.state.value.step)
    }

    @Test
    fun `offline the kept binding is shown, marked offline`() = runTest {
        val repo = FakePersonBindingRepository()
        repo.kept["p-1"] = repo.binding("p-1")
        repo.serverUp = false
        val vm = viewModel(repo)
        runCurrent()
        assertTrue(vm.state.value.bound)
        assertTrue(vm.state.value.offline)
        vm.onEvent(PersonBindingEvent.StartSms())
        runCurrent()
        assertTrue(vm.state.value.error is BindingScreenError.Offline)
    }

    @Test
    fun `a lock says until when, from the retry-after`() = runTest {
        val repo = FakePersonBindingRepository()
        val vm = viewModel(repo)
        runCurrent()
        repo.failNext = PersonException.Locked(1800uL)
        vm.onEvent(PersonBindingEvent.StartSms())
        runCurrent()
        assertEquals(BindingScreenError.Locked(1800, repo.now.plus(Duration.ofMinutes(30))), vm.state.value.error)
        vm.onEvent(PersonBindingEvent.DismissError)
        assertNull(vm.state.value.error)
    }

    @Test
    fun `unbinding and removing another phone`() = runTest {
        val repo = FakePersonBindingRepository()
        repo.server["p-1"] = repo.binding("p-1", others = listOf(OtherDevice("3f9a2c", repo.now, BindingMethod.SMS)))
        val vm = viewModel(repo)
        runCurrent()
        assertEquals(listOf("3f9a2c"), vm.state.value.binding?.otherDevices?.map { it.device })

        vm.onEvent(PersonBindingEvent.RemoveOtherDevice("3f9a2c"))
        runCurrent()
        assertEquals(emptyList<OtherDevice>(), vm.state.value.binding?.otherDevices)

        vm.onEvent(PersonBindingEvent.Unbind)
        runCurrent()
        assertFalse(vm.state.value.bound)
        assertFalse("p-1" in repo.server)
        assertNull(vm.state.value.error)
    }

    @Test
    fun `unbinding what was already removed elsewhere shows it unbound without an error`() = runTest {
        val repo = FakePersonBindingRepository()
        repo.server["p-2"] = repo.binding("p-2")
        val vm = viewModel(repo, "p-2")
        runCurrent()
        assertTrue(vm.state.value.bound)
        repo.server.remove("p-2")
        vm.onEvent(PersonBindingEvent.Unbind)
        runCurrent()
        assertFalse(vm.state.value.bound)
        assertNull(vm.state.value.error)
        assertTrue("unbind" in repo.calls)
    }

    @Test
    fun `a code without a started challenge is refused locally`() = runTest {
        val repo = FakePersonBindingRepository()
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(PersonBindingEvent.EnterCode("123456"))
        runCurrent()
        assertEquals(BindingScreenError.ChallengeClosed, vm.state.value.error)
        assertFalse("verify" in repo.calls)
    }
}
