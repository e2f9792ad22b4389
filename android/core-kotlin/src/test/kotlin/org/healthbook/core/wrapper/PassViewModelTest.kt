package org.healthbook.core.wrapper

import java.time.Duration
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.healthbook.core.PassException
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The pass view model's state machine, driven through a [FakePassRepository] and its clock. */
@OptIn(ExperimentalCoroutinesApi::class)
class PassViewModelTest {
    // As in the other view model tests: the event loop lives in backgroundScope and runCurrent() drains it.
    private fun TestScope.viewModel(repo: FakePassRepository, profileId: String = "p-1") =
        PassViewModel(repo, backgroundScope, profileId, qrScale = 8, now = { repo.now })

    private fun PassViewModel.ready() = state.value as? PassState.Ready
        ?: throw AssertionError("expected Ready, got ${state.value}")

    @Test
    fun `with no pass kept yet it fetches one and shows it with its QR code`() = runTest {
        val repo = FakePassRepository()
        val vm = viewModel(repo)
        assertEquals(PassState.Loading, vm.state.value)
        runCurrent()
        val state = vm.ready()
        val pass = repo.passes.getValue("p-1")
        assertEquals(pass, state.pass)
        assertEquals(PassColour.GREEN, state.colour)
        assertEquals(listOf("declaration"), state.reasons)
        assertEquals(pass.expiresAt, state.expiresAt)
        assertArrayEquals(FakePassRepository.png(pass.qr), state.qrPng)
        assertFalse(state.expired)
        assertFalse(state.stale)
        assertFalse(state.refreshing)
        assertNull(state.error)
        assertEquals(listOf("kept", "refresh", "qrPng"), repo.calls)
    }

    @Test
    fun `a young kept pass is shown without the network`() = runTest {
        val repo = FakePassRepository()
        val kept = repo.issue("p-1", issuedAt = repo.now.minus(Duration.ofHours(2)))
        val vm = viewModel(repo)
        runCurrent()
        assertEquals(kept, vm.ready().pass)
        assertEquals(listOf("kept", "qrPng"), repo.calls)
    }

    @Test
    fun `a kept pass past half its life is replaced on start`() = runTest {
        val repo = FakePassRepository()
        val old = repo.issue("p-1", issuedAt = repo.now.minus(Duration.ofHours(13)))
        val vm = viewModel(repo)
        runCurrent()
        val state = vm.ready()
        assertNotEquals(old.credentialId, state.pass?.credentialId)
        assertEquals(repo.now, state.pass?.issuedAt)
        assertArrayEquals(FakePassRepository.png(state.pass!!.qr), state.qrPng)
        assertEquals(listOf("kept", "qrPng", "refresh", "qrPng"), repo.calls, "the kept one shows first, at once")
    }

    @Test
    fun `offline the kept pass stays on screen marked stale, until a refresh succeeds`() = runTest {
        val repo = FakePassRepository()
        val kept = repo.issue("p-1", issuedAt = repo.now.minus(Duration.ofHours(13)))
        repo.serverUp = false
        val vm = viewModel(repo)
        runCurrent()
        val stale = vm.ready()
        assertEquals(kept, stale.pass)
        assertTrue(stale.stale)
        assertFalse(stale.expired, "stale is not expired: it is still valid for 11 hours")
        assertNull(stale.error, "being offline is shown by the stale flag, not as an error")
        assertArrayEquals(FakePassRepository.png(kept.qr), stale.qrPng)

        // Still offline: still stale. A reload does not make it fresh either.
        vm.onEvent(PassEvent.Refresh)
        vm.onEvent(PassEvent.Reload)
        runCurrent()
        assertTrue(vm.ready().stale)
        assertEquals(kept, vm.ready().pass)

        repo.serverUp = true
        vm.onEvent(PassEvent.Refresh)
        runCurrent()
        val fresh = vm.ready()
        assertFalse(fresh.stale)
        assertNotEquals(kept.credentialId, fresh.pass?.credentialId)
    }

    @Test
    fun `an expired kept pass is shown expired and stale while offline`() = runTest {
        val repo = FakePassRepository()
        val kept = repo.issue("p-1", issuedAt = repo.now.minus(Duration.ofHours(30)))
        repo.serverUp = false
        val vm = viewModel(repo)
        runCurrent()
        val state = vm.ready()
        assertEquals(kept.credentialId, state.pass?.credentialId)
        assertTrue(state.expired)
        assertTrue(state.stale)
        assertEquals(PassColour.GREEN, state.colour, "the status colour stays; the screen overlays 'expired'")
    }

    @Test
    fun `a pass expiring while on screen shows expired after a reload`() = runTest {
        val repo = FakePassRepository()
        val vm = viewModel(repo)
        runCurrent()
        assertFalse(vm.ready().expired)
        repo.serverUp = false
        repo.now = repo.now.plus(Duration.ofHours(25))
        vm.onEvent(PassEvent.Reload)
        runCurrent()
        assertTrue(vm.ready().expired)
        assertFalse(vm.ready().stale, "nothing failed yet")
        vm.onEvent(PassEvent.Refresh)
        runCurrent()
        assertTrue(vm.ready().expired)
        assertTrue(vm.ready().stale)
    }

    @Test
    fun `a pass refreshed elsewhere clears the stale flag on reload`() = runTest {
        val repo = FakePassRepository()
        repo.issue("p-1", issuedAt = repo.now.minus(Duration.ofHours(13)))
        repo.serverUp = false
        val vm = viewModel(repo)
        runCurrent()
        assertTrue(vm.ready().stale)
        val fresh = repo.issue("p-1") // say, by a background worker
        vm.onEvent(PassEvent.Reload)
        runCurrent()
        assertEquals(fresh, vm.ready().pass)
        assertFalse(vm.ready().stale)
        assertArrayEquals(FakePassRepository.png(fresh.qr), vm.ready().qrPng)
    }

    @Test
    fun `offline with no pass kept shows an Offline error`() = runTest {
        val repo = FakePassRepository()
        repo.serverUp = false
        val vm = viewModel(repo)
        runCurrent()
        val state = vm.ready()
        assertNull(state.pass)
        assertNull(state.qrPng)
        assertFalse(state.stale)
        assertEquals(PassScreenError.Offline("connection refused"), state.error)
        assertEquals(PassColour.UNKNOWN, state.colour)
        vm.onEvent(PassEvent.DismissError)
        assertNull(vm.ready().error)
    }

    @Test
    fun `the refreshing flag shows while a refresh runs, and other failures are errors next to the kept pass`() = runTest {
        val repo = FakePassRepository()
        val vm = viewModel(repo)
        runCurrent()
        val first = vm.ready().pass

        val gate = CompletableDeferred<Unit>()
        repo.refreshGate = gate
        vm.onEvent(PassEvent.Refresh)
        runCurrent()
        assertTrue(vm.ready().refreshing)
        assertEquals(first, vm.ready().pass)
        repo.failNext = PassException.Untrusted("signature does not verify")
        gate.complete(Unit)
        runCurrent()
        assertFalse(vm.ready().refreshing)
        assertEquals(PassScreenError.Untrusted("signature does not verify"), vm.ready().error)
        assertEquals(first, vm.ready().pass, "the kept pass stays")
        assertFalse(vm.ready().stale, "not an offline failure")
        repo.refreshGate = null

        repo.failNext = PassException.NoServer()
        vm.onEvent(PassEvent.Refresh)
        runCurrent()
        assertEquals(PassScreenError.NoServer, vm.ready().error)
        vm.onEvent(PassEvent.DismissError)
        assertNull(vm.ready().error)
    }

    @Test
    fun `an unreadable store fails the screen, and a refresh recovers it`() = runTest {
        val repo = FakePassRepository()
        repo.serverUp = false
        repo.failNext = PassException.Storage("disk I/O error")
        val vm = viewModel(repo)
        runCurrent()
        assertEquals(PassState.Failed(PassScreenError.Offline("connection refused")), vm.state.value)

        repo.serverUp = true
        vm.onEvent(PassEvent.Refresh)
        runCurrent()
        assertEquals("green", vm.ready().pass?.status)
    }

    @Test
    fun `a QR code that cannot be rendered still shows the pass`() = runTest {
        val repo = FakePassRepository()
        repo.renderFailure = PassException.Render("data too long")
        val vm = viewModel(repo)
        runCurrent()
        val state = vm.ready()
        assertEquals("green", state.pass?.status)
        assertNull(state.qrPng)
        assertEquals(PassScreenError.Render("data too long"), state.error)
    }

    @Test
    fun `status colours`() = runTest {
        for ((status, colour) in listOf("green" to PassColour.GREEN, "yellow" to PassColour.YELLOW, "red" to PassColour.RED, "purple" to PassColour.UNKNOWN)) {
            val repo = FakePassRepository().apply { this.status = status; reasons = listOf("quarantine") }
            val vm = viewModel(repo)
            runCurrent()
            assertEquals(colour, vm.ready().colour, status)
            assertEquals(listOf("quarantine"), vm.ready().reasons)
        }
        assertEquals(PassColour.UNKNOWN, PassColour.of(null))
    }
}
