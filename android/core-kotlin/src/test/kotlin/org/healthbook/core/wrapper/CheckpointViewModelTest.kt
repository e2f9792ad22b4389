package org.healthbook.core.wrapper

import java.time.Instant
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.healthbook.core.CredentialHolder
import org.healthbook.core.CredentialKind
import org.healthbook.core.FailedStage
import org.healthbook.core.Language
import org.healthbook.core.PassException
import org.healthbook.core.TrustRefresh
import org.healthbook.core.Verdict
import org.healthbook.core.DccSignerImport
import org.healthbook.core.VerifierInterface
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * A [VerifierInterface] for view model tests; no native code. `OK:<name>` is a valid pass of <name>,
 * `EXP:<name>` an expired one, anything else fails at the prefix; [failNext] makes the next call throw.
 */
class FakeVerifier : VerifierInterface {
    val calls = mutableListOf<String>()
    var failNext: Exception? = null
    var trustGate: CompletableDeferred<Unit>? = null
    var trust = TrustRefresh(3uL, 7uL, true)

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    override suspend fun addDccCertificate(derBase64: String): String = "kid"

    override suspend fun importDccSigners(text: String, publisherKeyPem: String): DccSignerImport =
        DccSignerImport(Instant.EPOCH, 0u, 0u, 0u)

    override suspend fun refreshTrust(): TrustRefresh {
        calls += "refreshTrust"
        trustGate?.await()
        maybeFail()
        return trust
    }

    override fun verify(qrText: String): Verdict {
        calls += "verify"
        maybeFail()
        return verdict(qrText)
    }

    override fun verifyAt(qrText: String, at: Instant): Verdict {
        calls += "verifyAt:$at"
        maybeFail()
        return verdict(qrText)
    }

    private fun verdict(text: String): Verdict = when {
        text.startsWith("OK:") -> passVerdict(text.removePrefix("OK:"), valid = true)
        text.startsWith("EXP:") -> passVerdict(text.removePrefix("EXP:"), valid = false)
        else -> Verdict(CredentialKind.UNKNOWN, false, FailedStage.PREFIX, "no known credential prefix", null, null, null, null, null, null)
    }

    private fun passVerdict(name: String, valid: Boolean) = Verdict(
        CredentialKind.PERSONAL_PASS, valid, if (valid) null else FailedStage.EXPIRED, if (valid) null else "expired",
        "VN-HB", "health-pass", Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400),
        CredentialHolder(name, "1990", null), "green",
    )
}

/** The checkpoint view model, driven through a [FakeVerifier]. */
@OptIn(ExperimentalCoroutinesApi::class)
class CheckpointViewModelTest {
    private fun TestScope.viewModel(verifier: VerifierInterface, language: Language = Language.EN) =
        CheckpointViewModel(verifier, backgroundScope, language, worker = StandardTestDispatcher(testScheduler))

    @Test
    fun `a valid scan shows valid and whom to compare with the ID card`() = runTest {
        val verifier = FakeVerifier()
        val vm = viewModel(verifier)
        assertEquals(CheckpointState(Language.EN), vm.state.value)
        vm.onEvent(CheckpointEvent.Scan("OK:Nguyễn Văn An"))
        assertTrue(vm.state.value.checking)
        runCurrent()
        val state = vm.state.value
        assertFalse(state.checking)
        val result = state.result!!
        assertTrue(result.valid)
        assertEquals(CredentialKind.PERSONAL_PASS, result.kind)
        assertNull(result.failedStage)
        assertEquals("Valid", result.message)
        assertEquals("Nguyễn Văn An", result.holderName)
        assertEquals("1990", result.holderBirthDate)
        assertNull(result.holderTransliteratedName)
        assertEquals("VN-HB", result.verdict.issuer)
        assertEquals(listOf("verify"), verifier.calls)
    }

    @Test
    fun `a failed scan names the failed check in words, in the chosen language`() = runTest {
        val vm = viewModel(FakeVerifier())
        vm.onEvent(CheckpointEvent.Scan("EXP:Trần Thị Bình"))
        runCurrent()
        val expired = vm.state.value.result!!
        assertFalse(expired.valid)
        assertEquals(FailedStage.EXPIRED, expired.failedStage)
        assertEquals("Expired.", expired.message)
        assertEquals("Trần Thị Bình", expired.holderName, "still says whose it was")

        vm.onEvent(CheckpointEvent.SetLanguage(Language.VI))
        assertEquals("Đã hết hạn.", vm.state.value.result!!.message)

        vm.onEvent(CheckpointEvent.Scan("hello"))
        runCurrent()
        val garbage = vm.state.value.result!!
        assertEquals(FailedStage.PREFIX, garbage.failedStage)
        assertEquals("Không phải mã QR chứng nhận y tế.", garbage.message)
        assertNull(garbage.holderName)

        vm.onEvent(CheckpointEvent.Clear)
        assertNull(vm.state.value.result)
    }

    @Test
    fun `every stage has a message in both languages`() {
        for (language in Language.entries) {
            val messages = (FailedStage.entries + null).map { CheckResult.stageMessage(it, language) }
            assertTrue(messages.all { it.isNotBlank() && it.endsWith(".") }, "$messages")
            assertEquals(FailedStage.entries.size, FailedStage.entries.map { CheckResult.stageMessage(it, language) }.toSet().size, "distinct")
        }
        assertEquals("Hợp lệ", CheckResult.validMessage(Language.VI))
    }

    @Test
    fun `scans are verified in order, at a given time when asked`() = runTest {
        val verifier = FakeVerifier()
        val vm = viewModel(verifier)
        val at = Instant.parse("2021-06-01T18:00:00Z")
        vm.onEvent(CheckpointEvent.Scan("hello"))
        vm.onEvent(CheckpointEvent.Scan("OK:An", at))
        assertTrue(vm.state.value.checking)
        runCurrent()
        assertFalse(vm.state.value.checking)
        assertEquals(listOf("verify", "verifyAt:$at"), verifier.calls)
        assertEquals("An", vm.state.value.result?.holderName, "the last scan wins")
    }

    @Test
    fun `an unusable trust store is an error, not a verdict`() = runTest {
        val verifier = FakeVerifier()
        val vm = viewModel(verifier)
        verifier.failNext = PassException.Storage("database is locked")
        vm.onEvent(CheckpointEvent.Scan("OK:An"))
        runCurrent()
        assertNull(vm.state.value.result)
        assertFalse(vm.state.value.checking)
        assertEquals(CheckpointError.Unavailable("database is locked"), vm.state.value.error)
        vm.onEvent(CheckpointEvent.DismissError)
        assertNull(vm.state.value.error)
    }

    @Test
    fun `trust refresh runs in the background while scanning goes on`() = runTest {
        val verifier = FakeVerifier()
        val vm = viewModel(verifier)
        val gate = CompletableDeferred<Unit>()
        verifier.trustGate = gate
        vm.onEvent(CheckpointEvent.RefreshTrust)
        runCurrent()
        assertTrue(vm.state.value.refreshingTrust)
        vm.onEvent(CheckpointEvent.RefreshTrust) // one at a time
        vm.onEvent(CheckpointEvent.Scan("OK:An"))
        runCurrent()
        assertTrue(vm.state.value.result!!.valid, "scanned while the refresh runs")
        assertTrue(vm.state.value.refreshingTrust)
        gate.complete(Unit)
        runCurrent()
        assertFalse(vm.state.value.refreshingTrust)
        assertEquals(TrustRefresh(3uL, 7uL, true), vm.state.value.trust)
        assertEquals(listOf("refreshTrust", "verify"), verifier.calls)

        verifier.trustGate = null
        verifier.failNext = PassException.Unreachable("connection refused")
        vm.onEvent(CheckpointEvent.RefreshTrust)
        runCurrent()
        assertEquals(CheckpointError.Offline("connection refused"), vm.state.value.error)
        assertEquals(TrustRefresh(3uL, 7uL, true), vm.state.value.trust, "the last good refresh stays")

        verifier.failNext = PassException.NoRootKey()
        vm.onEvent(CheckpointEvent.RefreshTrust)
        runCurrent()
        assertEquals(CheckpointError.NoRootKey, vm.state.value.error)
    }
}
