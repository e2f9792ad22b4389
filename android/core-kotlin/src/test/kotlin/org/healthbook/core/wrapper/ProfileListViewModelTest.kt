package org.healthbook.core.wrapper

import java.time.Instant
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.healthbook.core.Profile
import org.healthbook.core.ProfileException
import org.healthbook.core.ProfileField
import org.healthbook.core.ProfileRelation
import org.healthbook.core.birth
import org.healthbook.core.validInput
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The view model's state machine, driven through a [FakeProfileRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class ProfileListViewModelTest {
    private val existing = Profile(
        "p-1", ProfileRelation.MYSELF, "Nguyễn Văn An", birth(1990, 5, 17), "+84912345678", null, null,
        Instant.ofEpochMilli(1_600_000_000_000L), Instant.ofEpochMilli(1_600_000_000_000L),
    )

    // backgroundScope: the view model's event loop never ends, and runTest cancels it at the end of the test.
    // Work in backgroundScope is run by runCurrent() (advanceUntilIdle() would skip it); the fake never
    // delays, so runCurrent() always drains everything that is ready.
    private fun TestScope.viewModel(repo: ProfileRepository) = ProfileListViewModel(repo, backgroundScope)

    private fun ProfileListViewModel.loaded() = state.value as? ProfileListState.Loaded
        ?: throw AssertionError("expected Loaded, got ${state.value}")

    @Test
    fun `starts in Loading and shows the list once loaded`() = runTest {
        val repo = FakeProfileRepository(listOf(existing)).apply { listGate = CompletableDeferred() }
        val vm = viewModel(repo)
        runCurrent()
        assertEquals(ProfileListState.Loading, vm.state.value)

        repo.listGate!!.complete(Unit)
        runCurrent()
        assertEquals(ProfileListState.Loaded(listOf(existing)), vm.state.value)
    }

    @Test
    fun `a failed first load shows Failed and Refresh retries`() = runTest {
        val repo = FakeProfileRepository(listOf(existing)).apply { failNext = ProfileException.Storage("disk full") }
        val vm = viewModel(repo)
        runCurrent()
        assertEquals(ProfileListState.Failed(ProfileListError.Unavailable("disk full")), vm.state.value)

        vm.onEvent(ProfileListEvent.Refresh)
        runCurrent()
        assertEquals(ProfileListState.Loaded(listOf(existing)), vm.state.value)
    }

    @Test
    fun `Add stores the profile and reloads the list, busy while it runs`() = runTest {
        val repo = FakeProfileRepository(listOf(existing))
        val vm = viewModel(repo)
        runCurrent()

        repo.listGate = CompletableDeferred()
        vm.onEvent(ProfileListEvent.Add(validInput(fullName = "Lê Thị Hoa")))
        runCurrent()
        assertTrue(vm.loaded().busy, "busy while adding")
        assertEquals(listOf(existing), vm.loaded().profiles)

        repo.listGate!!.complete(Unit)
        runCurrent()
        val state = vm.loaded()
        assertEquals(false, state.busy)
        assertEquals(null, state.error)
        assertEquals(listOf("Nguyễn Văn An", "Lê Thị Hoa"), state.profiles.map { it.fullName })
        assertEquals(listOf("list", "add", "list"), repo.calls)
    }

    @Test
    fun `a rejected Add keeps the list and shows the field error until dismissed`() = runTest {
        val repo = FakeProfileRepository(listOf(existing))
        val vm = viewModel(repo)
        runCurrent()

        vm.onEvent(ProfileListEvent.Add(validInput(fullName = "   ")))
        runCurrent()
        val state = vm.loaded()
        assertEquals(listOf(existing), state.profiles)
        assertEquals(false, state.busy)
        val error = state.error as ProfileListError.InvalidField
        assertEquals(ProfileField.FULL_NAME, error.field)

        vm.onEvent(ProfileListEvent.DismissError)
        assertEquals(ProfileListState.Loaded(listOf(existing)), vm.state.value)
    }

    @Test
    fun `every core error maps to a UI error`() = runTest {
        val cases = listOf(
            ProfileException.DuplicateCitizenId() to ProfileListError.DuplicateCitizenId,
            ProfileException.SelfProfileExists() to ProfileListError.SelfProfileExists,
            ProfileException.Corrupt("p-9", "bad tag") to ProfileListError.Unavailable("bad tag"),
            ProfileException.Storage("io") to ProfileListError.Unavailable("io"),
            ProfileException.NotFound("x") to ProfileListError.NotFound("x"),
        )
        val repo = FakeProfileRepository()
        val vm = viewModel(repo)
        runCurrent()
        for ((thrown, shown) in cases) {
            repo.failNext = thrown
            vm.onEvent(ProfileListEvent.Add(validInput()))
            runCurrent()
            assertEquals(shown, vm.loaded().error, "for $thrown")
        }
        assertEquals(emptyList<Profile>(), vm.loaded().profiles)
    }

    @Test
    fun `Remove deletes and reloads, and removing an unknown id shows NotFound`() = runTest {
        val repo = FakeProfileRepository(listOf(existing))
        val vm = viewModel(repo)
        runCurrent()

        vm.onEvent(ProfileListEvent.Remove("p-1"))
        runCurrent()
        assertEquals(ProfileListState.Loaded(emptyList()), vm.state.value)

        vm.onEvent(ProfileListEvent.Remove("p-1"))
        runCurrent()
        assertEquals(ProfileListError.NotFound("p-1"), vm.loaded().error)
    }

    @Test
    fun `events are handled in the order they were sent`() = runTest {
        val repo = FakeProfileRepository()
        val vm = viewModel(repo)
        vm.onEvent(ProfileListEvent.Add(validInput(fullName = "A")))
        vm.onEvent(ProfileListEvent.Add(validInput(fullName = "B")))
        vm.onEvent(ProfileListEvent.Remove("fake-1"))
        vm.onEvent(ProfileListEvent.Add(validInput(fullName = "C")))
        runCurrent()
        assertEquals(listOf("B", "C"), vm.loaded().profiles.map { it.fullName })
        assertEquals(listOf("list", "add", "list", "add", "list", "remove", "list", "add", "list"), repo.calls)
    }

    @Test
    fun `Update replaces the profile's fields and reloads, and an invalid field comes back as its error`() = runTest {
        val repo = FakeProfileRepository(listOf(existing))
        val vm = viewModel(repo)
        runCurrent()

        vm.onEvent(ProfileListEvent.Update(existing.id, validInput(ProfileRelation.MYSELF, fullName = "Nguyễn Văn Bình")))
        runCurrent()
        assertEquals(listOf("Nguyễn Văn Bình"), vm.loaded().profiles.map { it.fullName })
        assertEquals(listOf("list", "update", "list"), repo.calls)

        repo.failNext = ProfileException.InvalidField(ProfileField.PHONE, "bad phone")
        vm.onEvent(ProfileListEvent.Update(existing.id, validInput(ProfileRelation.MYSELF)))
        runCurrent()
        assertEquals(ProfileListError.InvalidField(ProfileField.PHONE, "bad phone"), vm.loaded().error)
        assertEquals(listOf("Nguyễn Văn Bình"), vm.loaded().profiles.map { it.fullName })
    }
}
