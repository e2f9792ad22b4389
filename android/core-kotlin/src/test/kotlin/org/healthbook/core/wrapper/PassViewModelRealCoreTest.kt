package org.healthbook.core.wrapper

import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.healthbook.core.CredentialKind
import org.healthbook.core.DccCase
import org.healthbook.core.FailedStage
import org.healthbook.core.HEALTH
import org.healthbook.core.InMemoryKeyStore
import org.healthbook.core.Language
import org.healthbook.core.ProfileRelation
import org.healthbook.core.ReferenceServer
import org.healthbook.core.freeLoopbackPort
import org.healthbook.core.healthAnswers
import org.healthbook.core.validInput
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/** Binds [profileId] through the binding screen's view model on the real core, reading the SMS code from [server]'s log. */
internal suspend fun HealthbookCore.bindThroughTheViewModel(server: ReferenceServer, profileId: String, scope: CoroutineScope? = null) {
    val own = scope ?: CoroutineScope(SupervisorJob() + Dispatchers.Default)
    try {
        val vm = PersonBindingViewModel(persons, own, profileId, qrScale = 4)
        vm.state.await("the binding screen") { it.takeIf { s -> !s.loading && !s.busy } }
        vm.onEvent(PersonBindingEvent.StartSms())
        val step = vm.state.await("the code step") { s -> s.error?.let { throw AssertionError("$it\n${server.log()}") } ?: (s.step as? BindingStep.EnterCode) }
        assertTrue(step.challenge.sentTo.contains('*'), step.challenge.sentTo)
        vm.onEvent(PersonBindingEvent.EnterCode(server.lastBindingCode()))
        val bound = vm.state.await("the binding") { it.binding?.takeIf { _ -> !it.busy } }
        assertEquals(profileId, bound.profileId)
    } finally {
        if (scope == null) own.cancel()
    }
}

/** Waits (10 s at most) for a state that passes [check], naming [what] and the last state on a time-out. */
internal suspend fun <S, T : Any> StateFlow<S>.await(what: String, check: (S) -> T?): T = try {
    withTimeout(10_000) { check(first { check(it) != null })!! }
} catch (e: Exception) {
    throw AssertionError("timed out waiting for $what; state: $value", e)
}

private val PNG_SIGNATURE = byteArrayOf(0x89.toByte(), 'P'.code.toByte(), 'N'.code.toByte(), 'G'.code.toByte(), 0x0D, 0x0A, 0x1A, 0x0A)

/**
 * The pass and checkpoint view models on the real repositories and native core, as the Android app wires
 * them, against the real reference server: the phone shows a green pass, a checkpoint verifies it, and
 * with the server gone the phone keeps showing its pass, marked stale.
 */
class PassViewModelRealCoreTest {
    @TempDir lateinit var dir: File
    private lateinit var phone: HealthbookCore
    private lateinit var checkpoint: HealthbookCore
    private lateinit var scope: CoroutineScope
    private var server: ReferenceServer? = null

    @BeforeEach
    fun setUp() {
        // System clock: the server signs passes by its own.
        phone = HealthbookCore.open(File(dir, "phone"), InMemoryKeyStore())
        checkpoint = HealthbookCore.open(File(dir, "checkpoint"), InMemoryKeyStore())
        scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    }

    @AfterEach
    fun tearDown() {
        scope.cancel()
        phone.close()
        checkpoint.close()
        server?.close()
    }

    @Test
    fun `the phone shows its pass, a checkpoint verifies it, and offline the pass stays marked stale`(): Unit = runBlocking {
        val server = ReferenceServer.start(File(dir, "server"), freeLoopbackPort()).also { server = it }
        for (core in listOf(phone, checkpoint)) {
            core.settings.setServerUrl(server.baseUrl)
            core.settings.setRootKey(server.rootKey)
        }
        val me = phone.profiles.add(validInput(ProfileRelation.MYSELF))
        phone.declarations.submit(me.id, HEALTH, healthAnswers(), null, Language.VI)
        assertEquals(1u, phone.declarations.syncNow(null).delivered, server::log)
        phone.bindThroughTheViewModel(server, me.id)

        val passVm = PassViewModel(phone.passes, scope, me.id, qrScale = 4)
        val shown = passVm.state.await("the pass") { (it as? PassState.Ready)?.takeIf { s -> s.pass != null && !s.refreshing } }
        val pass = shown.pass!!
        assertNull(shown.error, server::log)
        assertEquals(PassColour.GREEN, shown.colour)
        assertEquals(listOf("declaration"), shown.reasons)
        assertTrue(pass.qr.startsWith("HB1:"))
        assertFalse(shown.expired)
        assertFalse(shown.stale)
        assertArrayEquals(PNG_SIGNATURE, shown.qrPng!!.copyOf(8))
        assertEquals(pass, phone.passes.kept(me.id))
        assertTrue(phone.passes.qrSvg(pass.qr, 40).contains("<svg"))

        // The checkpoint fetches the trust list once, then verifies offline.
        val checkVm = CheckpointViewModel(checkpoint.verifier, scope, Language.EN)
        checkVm.onEvent(CheckpointEvent.RefreshTrust)
        val trusted = checkVm.state.await("the trust list") { it.takeIf { s -> s.trust != null || s.error != null } }
        assertNull(trusted.error)
        assertTrue(trusted.trust!!.online)

        checkVm.onEvent(CheckpointEvent.Scan(pass.qr))
        val valid = checkVm.state.await("the verdict") { it.result?.takeIf { _ -> !it.checking } }
        assertTrue(valid.valid, "${valid.verdict}")
        assertEquals(CredentialKind.PERSONAL_PASS, valid.kind)
        assertEquals("Valid", valid.message)
        assertEquals(me.fullName, valid.holderName)
        assertEquals("1990", valid.holderBirthDate)

        val middle = pass.qr.length / 2
        checkVm.onEvent(CheckpointEvent.Scan(pass.qr.replaceRange(middle, middle + 1, if (pass.qr[middle] == '0') "1" else "0")))
        val tampered = checkVm.state.await("the tampered verdict") { it.result?.takeIf { r -> !it.checking && !r.valid } }
        assertTrue(tampered.failedStage != null, "${tampered.verdict}")
        assertEquals(CheckResult.stageMessage(tampered.failedStage, Language.EN), tampered.message)

        // The server goes away: the phone keeps showing its pass, marked stale; the checkpoint still verifies.
        server.close()
        passVm.onEvent(PassEvent.Refresh)
        val stale = passVm.state.await("the stale pass") { (it as? PassState.Ready)?.takeIf { s -> s.stale && !s.refreshing } }
        assertEquals(pass, stale.pass)
        assertNull(stale.error)
        assertArrayEquals(shown.qrPng, stale.qrPng)

        checkVm.onEvent(CheckpointEvent.Scan(pass.qr))
        assertTrue(checkVm.state.await("the offline verdict") { it.result?.takeIf { r -> !it.checking && r.valid } }.valid)
    }
}

/** The checkpoint view model on the real verifier with an EU DCC from the conformance data; no server. */
class CheckpointViewModelRealCoreTest {
    @TempDir lateinit var dir: File

    @Test
    fun `an EU DCC scanned at its validation time is valid once its certificate is trusted`(): Unit = runBlocking {
        val case = DccCase.load("DE/2DCode/raw/3.json")
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        HealthbookCore.open(File(dir, "checkpoint"), InMemoryKeyStore()).use { core ->
            try {
                val vm = CheckpointViewModel(core.verifier, scope, Language.EN)
                val at = case.validationClock.toInstant()
                vm.onEvent(CheckpointEvent.Scan(case.qr, at))
                val unknown = vm.state.await("the untrusted verdict") { it.result?.takeIf { _ -> !it.checking } }
                assertEquals(FailedStage.UNKNOWN_KEY, unknown.failedStage)
                assertEquals("Issued by a signer not in the trust list. Refresh the trust list.", unknown.message)

                core.verifier.addDccCertificate(case.certificate)
                vm.onEvent(CheckpointEvent.Scan(case.qr, at))
                val valid = vm.state.await("the verdict") { it.result?.takeIf { r -> !it.checking && r.valid } }
                assertEquals(CredentialKind.EU_DCC_RECOVERY, valid.kind)
                assertEquals("Mustermann Erika", valid.holderName)
                assertEquals("1964-08-12", valid.holderBirthDate)
                assertEquals("MUSTERMANN ERIKA", valid.holderTransliteratedName)

                vm.onEvent(CheckpointEvent.Scan(case.qr)) // now: long expired
                val expired = vm.state.await("the expired verdict") { it.result?.takeIf { r -> !it.checking && !r.valid } }
                assertEquals(FailedStage.EXPIRED, expired.failedStage)
                assertEquals("Expired.", expired.message)
            } finally {
                scope.cancel()
            }
        }
    }
}
