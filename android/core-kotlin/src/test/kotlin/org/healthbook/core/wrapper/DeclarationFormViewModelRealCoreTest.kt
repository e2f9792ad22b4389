package org.healthbook.core.wrapper

import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.healthbook.core.AnswerValue
import org.healthbook.core.DeclarationStatus
import org.healthbook.core.FieldErrorCode
import org.healthbook.core.HEALTH
import org.healthbook.core.InMemoryKeyStore
import org.healthbook.core.Language
import org.healthbook.core.OutboxState
import org.healthbook.core.ProfileRelation
import org.healthbook.core.ReferenceServer
import org.healthbook.core.freeLoopbackPort
import org.healthbook.core.validInput
import org.healthbook.core.vietnamToday
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * The declaration view model on the real repository and native core, as the Android app wires it: fill in
 * the health form, see field errors, submit while offline, then sync once the reference server is up.
 */
class DeclarationFormViewModelRealCoreTest {
    @TempDir lateinit var dir: File
    private lateinit var core: HealthbookCore
    private lateinit var scope: CoroutineScope
    private var server: ReferenceServer? = null

    @BeforeEach
    fun setUp() {
        // System clock: the server judges the declaration's time and dates by its own.
        core = HealthbookCore.open(File(dir, "phone"), InMemoryKeyStore())
        scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    }

    @AfterEach
    fun tearDown() {
        scope.cancel()
        core.close()
        server?.close()
    }

    private suspend fun DeclarationFormViewModel.await(
        what: String,
        check: (DeclarationFormState.Ready) -> Boolean,
    ): DeclarationFormState.Ready = try {
        withTimeout(10_000) { state.first { it is DeclarationFormState.Ready && check(it) } as DeclarationFormState.Ready }
    } catch (e: Exception) {
        throw AssertionError("timed out waiting for $what; state: ${state.value}", e)
    }

    @Test
    fun `fill in, get field errors, submit offline, then sync when the server appears`() = runBlocking {
        ReferenceServer.binary() // fails at once, with the build command, when the server is not built
        val port = freeLoopbackPort()
        core.settings.setServerUrl("http://127.0.0.1:$port")
        val owner = core.profiles.add(validInput(ProfileRelation.MYSELF))
        val vm = DeclarationFormViewModel(core.declarations, scope, owner.id, HEALTH, Language.EN)

        val loaded = vm.await("the form") { true }
        assertEquals("Health declaration", loaded.form.title)
        assertEquals(emptyMap<String, Any>(), loaded.errors)
        assertEquals(
            setOf("contact_with_confirmed_case", "travel_from_outbreak_area", "vaccination_status"),
            vm.await("validation of the empty form") { !it.validating }.validationErrors.map { it.field }.toSet(),
        )

        // Wrong type and an unknown area, shown next to their questions, in English then in Vietnamese.
        vm.onEvent(DeclarationFormEvent.Answer("contact_with_confirmed_case", AnswerValue.Text("no")))
        vm.onEvent(DeclarationFormEvent.Answer("travel_from_outbreak_area", AnswerValue.Bool(true)))
        vm.onEvent(DeclarationFormEvent.Answer("outbreak_area", AnswerValue.AdminUnit("03", null)))
        val wrong = vm.await("field errors") { !it.validating && it.answers.size == 3 }
        assertEquals(setOf("contact_with_confirmed_case", "outbreak_area"), wrong.errors.keys, "vaccination_status is not touched yet")
        assertEquals(FieldErrorCode.WRONG_TYPE, wrong.errors.getValue("contact_with_confirmed_case").code)
        assertEquals(FieldErrorCode.UNKNOWN_ADMIN_UNIT, wrong.errors.getValue("outbreak_area").code)
        assertEquals("This administrative unit code doesn't exist.", wrong.errors.getValue("outbreak_area").message)
        assertTrue(wrong.isRequired(wrong.form.questions.single { it.id == "outbreak_area" }))

        vm.onEvent(DeclarationFormEvent.SetLanguage(Language.VI))
        val vi = vm.await("Vietnamese") { it.language == Language.VI && !it.validating }
        assertEquals("Mã đơn vị hành chính không tồn tại.", vi.errors.getValue("outbreak_area").message)
        assertEquals("Khai báo y tế", vi.form.title)

        // A refused submit shows what is still missing and stores nothing.
        vm.onEvent(DeclarationFormEvent.Answer("contact_with_confirmed_case", AnswerValue.Bool(false)))
        vm.onEvent(DeclarationFormEvent.Answer("outbreak_area", AnswerValue.AdminUnit("79", null)))
        vm.onEvent(DeclarationFormEvent.Answer("symptoms", AnswerValue.Choices(listOf("fever"))))
        vm.onEvent(DeclarationFormEvent.Submit)
        val refused = vm.await("the refused submit") { it.submitAttempted && !it.submitting }
        assertEquals(
            mapOf("symptom_onset" to FieldErrorCode.REQUIRED, "vaccination_status" to FieldErrorCode.REQUIRED),
            refused.errors.mapValues { it.value.code },
        )
        assertEquals("Vui lòng trả lời câu hỏi này.", refused.errors.getValue("symptom_onset").message)
        assertEquals(emptyList<Any>(), core.declarations.declarations(null))

        // Fixed: saved and queued while no server listens.
        vm.onEvent(DeclarationFormEvent.Answer("symptom_onset", AnswerValue.Date(vietnamToday().toString())))
        vm.onEvent(DeclarationFormEvent.Answer("vaccination_status", AnswerValue.Choice("fully_vaccinated")))
        vm.onEvent(DeclarationFormEvent.Submit)
        val queued = vm.await("the declaration to be queued") { it.submitted != null && it.outbox.isNotEmpty() }
        val declaration = queued.submitted!!
        assertEquals(owner.id, declaration.profileId)
        assertEquals(DeclarationStatus.QUEUED, declaration.status)
        assertEquals(listOf(declaration.id), queued.outbox.map { it.subjectId })
        assertEquals(OutboxState.PENDING, queued.outbox.single().state)
        assertEquals(emptyMap<String, AnswerValue>(), queued.answers)

        vm.onEvent(DeclarationFormEvent.SyncNow)
        val offline = vm.await("the offline sync") { !it.sync.running && it.sync.lastReport != null }
        assertTrue(offline.sync.lastReport!!.serverUnreachable, "${offline.sync}")
        assertEquals(listOf(declaration.id), offline.outbox.map { it.subjectId })
        assertEquals(null, offline.healthStatus)

        // The server appears.
        server = ReferenceServer.start(File(dir, "server"), port)
        // The app ships with the authority's root key: receipts count only once verified against it.
        core.settings.setRootKey(server!!.rootKey)
        vm.onEvent(DeclarationFormEvent.SyncNow)
        val synced = vm.await("the sync") { !it.sync.running && it.sync.lastReport?.serverUnreachable == false }
        assertEquals(1L, synced.sync.due, "${synced.sync}\n${server?.log()}")
        assertEquals(1, synced.sync.delivered)
        assertEquals(0, synced.sync.failed)
        assertEquals(emptyList<Any>(), synced.outbox)
        assertEquals("yellow", synced.healthStatus?.status, "fever was declared")
        assertEquals(DeclarationStatus.ACCEPTED, core.declarations.declarations(owner.id).single().status)
        assertFalse(synced.sync.lastReport!!.serverUnreachable)
    }
}
