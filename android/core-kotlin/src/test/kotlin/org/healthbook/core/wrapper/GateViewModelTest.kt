package org.healthbook.core.wrapper

import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The gate device's view model, driven through a [FakeGateRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class GateViewModelTest {
    private fun TestScope.viewModel(repo: FakeGateRepository) = GateViewModel(repo, backgroundScope)

    private fun TestScope.bound(): Pair<FakeGateRepository, GateViewModel> {
        val repo = FakeGateRepository()
        repo.bound = repo.gates.getValue("g-1")
        val vm = viewModel(repo)
        runCurrent()
        return repo to vm
    }

    @Test
    fun `an unbound device shows the bind form`() = runTest {
        val repo = FakeGateRepository()
        val vm = viewModel(repo)
        assertTrue(vm.state.value.loading)
        runCurrent()
        assertFalse(vm.state.value.loading)
        assertNull(vm.state.value.gate)
        assertEquals(0, vm.state.value.pending)
        assertEquals(listOf("boundGate", "queue"), repo.calls)
    }

    @Test
    fun `empty bind fields are named and nothing is sent`() = runTest {
        val repo = FakeGateRepository()
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(GateEvent.Bind(" ", "", ""))
        runCurrent()
        assertEquals(setOf(GateField.GATE, GateField.USERNAME, GateField.PASSWORD), vm.state.value.missing)
        assertFalse("bind" in repo.calls)
        vm.onEvent(GateEvent.BindEdited(GateField.USERNAME))
        assertEquals(setOf(GateField.GATE, GateField.PASSWORD), vm.state.value.missing)
    }

    @Test
    fun `a wrong password or another agency's gate is refused in the core's words`() = runTest {
        val repo = FakeGateRepository()
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(GateEvent.Bind("g-1", "op", "wrong"))
        assertTrue(vm.state.value.binding)
        runCurrent()
        assertFalse(vm.state.value.binding)
        assertEquals("Wrong username or password.", vm.state.value.bindRefusal)
        assertNull(vm.state.value.gate)
        vm.onEvent(GateEvent.BindEdited(GateField.PASSWORD))
        assertNull(vm.state.value.bindRefusal)

        vm.onEvent(GateEvent.Bind("g-9", "op", "secret"))
        runCurrent()
        assertEquals("This gate does not belong to your agency.", vm.state.value.bindRefusal)
        assertNull(vm.state.value.error)
    }

    @Test
    fun `binding offline is a screen error`() = runTest {
        val repo = FakeGateRepository()
        val vm = viewModel(repo)
        runCurrent()
        repo.failNext = IllegalStateException("connection refused")
        vm.onEvent(GateEvent.Bind("g-1", "op", "secret"))
        runCurrent()
        assertEquals(GateError.Bind, vm.state.value.error)
        assertNull(vm.state.value.bindRefusal)
        assertFalse(vm.state.value.binding)
    }

    @Test
    fun `binding shows the gate and its queue`() = runTest {
        val repo = FakeGateRepository()
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(GateEvent.Bind(" g-1 ", "op", "secret"))
        runCurrent()
        assertEquals("Cổng số 1", vm.state.value.gate?.gateName)
        assertEquals(0, vm.state.value.queue?.pending)
    }

    @Test
    fun `the direction stays between scans until turned, and each verdict is shown`() = runTest {
        val (repo, vm) = bound()
        assertEquals(GateDirection.IN, vm.state.value.direction)
        vm.onEvent(GateEvent.Scan("HB1:OK-1"))
        assertTrue(vm.state.value.scanning)
        runCurrent()
        assertFalse(vm.state.value.scanning)
        assertEquals(GateDecision.ADMIT, vm.state.value.last?.decision)
        vm.onEvent(GateEvent.Scan("HB1:FORGED"))
        runCurrent()
        assertEquals(GateDecision.REFUSE, vm.state.value.last?.decision)
        assertEquals("Not a health card.", vm.state.value.last?.reason)
        vm.onEvent(GateEvent.SetDirection(GateDirection.OUT))
        vm.onEvent(GateEvent.Scan("HB1:OK-1"))
        vm.onEvent(GateEvent.Scan("HB1:CHECK-2"))
        runCurrent()
        assertEquals(GateDecision.CHECK, vm.state.value.last?.decision)
        assertEquals(GateDirection.OUT, vm.state.value.last?.direction)
        assertEquals(
            listOf("HB1:OK-1" to GateDirection.IN, "HB1:FORGED" to GateDirection.IN, "HB1:OK-1" to GateDirection.OUT, "HB1:CHECK-2" to GateDirection.OUT),
            repo.recorded,
        )
        assertEquals(4, vm.state.value.pending)
        vm.onEvent(GateEvent.Clear)
        assertNull(vm.state.value.last)
        assertEquals(GateDirection.OUT, vm.state.value.direction)
    }

    @Test
    fun `a scan keeps the direction it was made in, even if turned before it is verified`() = runTest {
        val (repo, vm) = bound()
        vm.onEvent(GateEvent.Scan("HB1:OK-1"))
        vm.onEvent(GateEvent.SetDirection(GateDirection.OUT))
        runCurrent()
        assertEquals(GateDirection.IN, vm.state.value.last?.direction)
        assertEquals(listOf("HB1:OK-1" to GateDirection.IN), repo.recorded)
    }

    @Test
    fun `a repeated scan is shown as not recorded again and does not grow the queue`() = runTest {
        val (_, vm) = bound()
        vm.onEvent(GateEvent.Scan("HB1:OK-1"))
        runCurrent()
        assertTrue(vm.state.value.last?.recorded == true)
        assertEquals(1, vm.state.value.pending)
        vm.onEvent(GateEvent.Scan("HB1:OK-1"))
        runCurrent()
        assertFalse(vm.state.value.last?.recorded == true)
        assertEquals(GateDecision.ADMIT, vm.state.value.last?.decision)
        assertEquals(1, vm.state.value.pending)
    }

    @Test
    fun `a bound gate that cannot be read is a load error`() = runTest {
        val repo = FakeGateRepository()
        repo.failNext = IllegalStateException("bad key")
        val vm = viewModel(repo)
        runCurrent()
        assertEquals(GateError.Load, vm.state.value.error)
        assertFalse(vm.state.value.loading)
        assertNull(vm.state.value.gate)
    }

    @Test
    fun `a storage failure on scan shows an error and no verdict`() = runTest {
        val (repo, vm) = bound()
        repo.failNext = IllegalStateException("disk I/O error")
        vm.onEvent(GateEvent.Scan("HB1:OK-1"))
        runCurrent()
        assertEquals(GateError.Scan, vm.state.value.error)
        assertNull(vm.state.value.last)
        assertFalse(vm.state.value.scanning)
        vm.onEvent(GateEvent.DismissError)
        assertNull(vm.state.value.error)
    }

    @Test
    fun `sync empties the queue, a failed sync keeps it and says why`() = runTest {
        val (repo, vm) = bound()
        vm.onEvent(GateEvent.Scan("HB1:OK-1"))
        vm.onEvent(GateEvent.Scan("HB1:OK-2"))
        runCurrent()
        assertEquals(2, vm.state.value.pending)

        repo.failNext = IllegalStateException("connection refused")
        vm.onEvent(GateEvent.Sync)
        assertTrue(vm.state.value.syncing)
        runCurrent()
        assertFalse(vm.state.value.syncing)
        assertEquals(GateError.Sync, vm.state.value.error)
        assertEquals(2, vm.state.value.pending)

        repo.failNext = GateException("The server no longer knows this gate.")
        vm.onEvent(GateEvent.Sync)
        runCurrent()
        assertEquals(GateError.Refused("The server no longer knows this gate."), vm.state.value.error)

        vm.onEvent(GateEvent.Sync)
        runCurrent()
        assertNull(vm.state.value.error)
        assertEquals(0, vm.state.value.pending)
        assertEquals(repo.now, vm.state.value.queue?.lastSyncAt)
    }

    @Test
    fun `unbinding is refused while passages wait, and allowed after a sync`() = runTest {
        val (repo, vm) = bound()
        vm.onEvent(GateEvent.Scan("HB1:OK-1"))
        runCurrent()
        vm.onEvent(GateEvent.Unbind)
        runCurrent()
        assertEquals(GateError.Refused("1 passages are waiting for upload: sync first."), vm.state.value.error)
        assertEquals("g-1", vm.state.value.gate?.gateId)

        vm.onEvent(GateEvent.Sync)
        runCurrent()
        repo.failNext = IllegalStateException("locked")
        vm.onEvent(GateEvent.Unbind)
        runCurrent()
        assertEquals(GateError.Unbind, vm.state.value.error)
        vm.onEvent(GateEvent.Unbind)
        runCurrent()
        assertNull(vm.state.value.gate)
        assertNull(vm.state.value.last)
    }

    @Test
    fun `the state's text names no holder`() = runTest {
        val (_, vm) = bound()
        vm.onEvent(GateEvent.Scan("HB1:OK-1"))
        runCurrent()
        assertEquals("Nguyễn Văn An", vm.state.value.last?.holderName)
        assertFalse("Nguyễn" in vm.state.value.toString())
    }
}
