package org.healthbook.core.wrapper

import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.healthbook.core.InMemoryKeyStore
import org.healthbook.core.ManualClock
import org.healthbook.core.ProfileField
import org.healthbook.core.ProfileRelation
import org.healthbook.core.validInput
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/** The view model on the real repository and the real native core, as the Android app wires it. */
class ProfileListViewModelRealCoreTest {
    @TempDir lateinit var dir: File
    private lateinit var core: HealthbookCore
    private lateinit var scope: CoroutineScope

    @BeforeEach
    fun setUp() {
        core = HealthbookCore.open(File(dir, "data"), InMemoryKeyStore(), ManualClock(1_700_000_000_000L))
        scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    }

    @AfterEach
    fun tearDown() {
        scope.cancel()
        core.close()
    }

    private suspend fun ProfileListViewModel.awaitSettled(check: (ProfileListState.Loaded) -> Boolean = { true }) =
        withTimeout(10_000) {
            state.first { it is ProfileListState.Loaded && !it.busy && check(it) } as ProfileListState.Loaded
        }

    @Test
    fun `add, reject and remove through the view model on the real core`() = runBlocking {
        assertTrue(core.schemaVersion >= 1u)
        val vm = ProfileListViewModel(core.profiles, scope)
        assertEquals(emptyList<Any>(), vm.awaitSettled().profiles)

        vm.onEvent(ProfileListEvent.Add(validInput(relation = ProfileRelation.MYSELF, phone = "84 912 345 678")))
        val one = vm.awaitSettled { it.profiles.size == 1 }
        assertEquals("+84912345678", one.profiles.single().phone)
        assertEquals(java.time.Instant.ofEpochMilli(1_700_000_000_000L), one.profiles.single().createdAt)

        vm.onEvent(ProfileListEvent.Add(validInput(citizenId = "12345")))
        val rejected = vm.awaitSettled { it.error != null }
        assertEquals(ProfileField.CITIZEN_ID, (rejected.error as ProfileListError.InvalidField).field)
        assertEquals(one.profiles, rejected.profiles)

        vm.onEvent(ProfileListEvent.Add(validInput(relation = ProfileRelation.MYSELF, citizenId = null)))
        assertEquals(ProfileListError.SelfProfileExists, vm.awaitSettled { it.error != null && it.error != rejected.error }.error)

        vm.onEvent(ProfileListEvent.Remove(one.profiles.single().id))
        assertEquals(emptyList<Any>(), vm.awaitSettled { it.profiles.isEmpty() }.profiles)

        // The repository and the view model agree with the core.
        assertEquals(emptyList<Any>(), core.profiles.list())
    }
}
