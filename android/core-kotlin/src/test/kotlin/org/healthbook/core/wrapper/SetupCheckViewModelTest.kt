package org.healthbook.core.wrapper

import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The set-up check's view model, driven through a [FakeSetupCheckRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class SetupCheckViewModelTest {
    private var facts = PlatformFacts(cameraAllowed = true, notificationsAllowed = false, locationAllowed = null)

    private fun TestScope.viewModel(repo: FakeSetupCheckRepository) = SetupCheckViewModel(repo, backgroundScope) { facts }

    @Test
    fun `the check runs at start with the platform's facts`() = runTest {
        val repo = FakeSetupCheckRepository()
        val vm = viewModel(repo)
        assertTrue(vm.state.value.checking)
        runCurrent()
        val state = vm.state.value
        assertFalse(state.checking)
        assertEquals(listOf(facts), repo.factsSeen)
        assertEquals(8, state.steps.size)
        assertEquals(SetupState.OK, state.steps.first { it.id == "camera" }.state)
        assertEquals(SetupState.PROBLEM, state.steps.first { it.id == "notifications" }.state)
        assertEquals(SetupState.NOT_CHECKED, state.steps.first { it.id == "location" }.state)
        // Problems first, then warnings.
        assertEquals(listOf("notifications", "pass_fresh", "trust_list"), state.toFix.map { it.id })
        assertFalse(state.allGood)
    }

    @Test
    fun `check again asks the platform again`() = runTest {
        val repo = FakeSetupCheckRepository()
        val vm = viewModel(repo)
        runCurrent()
        // The person turned notifications on in the phone's settings.
        facts = facts.copy(notificationsAllowed = true)
        vm.onEvent(SetupCheckEvent.CheckAgain)
        assertTrue(vm.state.value.checking)
        assertEquals(8, vm.state.value.steps.size, "the last steps stay shown while checking")
        runCurrent()
        assertEquals(2, repo.factsSeen.size)
        assertEquals(SetupState.OK, vm.state.value.steps.first { it.id == "notifications" }.state)
    }

    @Test
    fun `all good when nothing is a problem or a warning`() = runTest {
        val repo = FakeSetupCheckRepository(sampleSetupSteps().map { it.copy(state = SetupState.OK, action = "") })
        facts = PlatformFacts(true, true, true)
        val vm = viewModel(repo)
        runCurrent()
        assertTrue(vm.state.value.allGood)
        assertTrue(vm.state.value.toFix.isEmpty())
    }

    @Test
    fun `a check that cannot run keeps the last steps and says so`() = runTest {
        val repo = FakeSetupCheckRepository()
        val vm = viewModel(repo)
        runCurrent()
        repo.failNext = IllegalStateException("native failure")
        vm.onEvent(SetupCheckEvent.CheckAgain)
        runCurrent()
        assertTrue(vm.state.value.failed)
        assertFalse(vm.state.value.checking)
        assertEquals(8, vm.state.value.steps.size)
        vm.onEvent(SetupCheckEvent.CheckAgain)
        runCurrent()
        assertFalse(vm.state.value.failed)
    }
}
