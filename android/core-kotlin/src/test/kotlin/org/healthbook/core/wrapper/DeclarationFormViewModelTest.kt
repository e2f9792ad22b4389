package org.healthbook.core.wrapper

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.healthbook.core.AnswerValue
import org.healthbook.core.DeclarationException
import org.healthbook.core.DeclarationStatus
import org.healthbook.core.FieldError
import org.healthbook.core.FieldErrorCode
import org.healthbook.core.FormCondition
import org.healthbook.core.FormFieldKind
import org.healthbook.core.FormQuestion
import org.healthbook.core.Language
import org.healthbook.core.OutboxState
import org.healthbook.core.ProfileField
import org.healthbook.core.SyncEvent
import org.healthbook.core.SyncException
import org.healthbook.core.SyncReport
import org.healthbook.core.wrapper.FakeDeclarationRepository.Companion.FAKE_FORM
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The declaration view model's state machine, driven through a [FakeDeclarationRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class DeclarationFormViewModelTest {
    // As in ProfileListViewModelTest: the event loop lives in backgroundScope and runCurrent() drains it.
    private fun TestScope.viewModel(
        repo: DeclarationRepository,
        formId: String = FAKE_FORM,
        language: Language = Language.EN,
        filledBy: String? = null,
    ) = DeclarationFormViewModel(repo, backgroundScope, "p-1", formId, language, filledBy)

    private fun DeclarationFormViewModel.ready() = state.value as? DeclarationFormState.Ready
        ?: throw AssertionError("expected Ready, got ${state.value}")

    private fun DeclarationFormViewModel.answer(id: String, value: AnswerValue?) =
        onEvent(DeclarationFormEvent.Answer(id, value))

    @Test
    fun `loads the form in the requested language, validated but with no errors shown yet`() = runTest {
        val repo = FakeDeclarationRepository()
        val vm = viewModel(repo, language = Language.VI)
        assertEquals(DeclarationFormState.Loading, vm.state.value)
        runCurrent()
        val state = vm.ready()
        assertEquals(Language.VI, state.language)
        assertEquals("Tờ khai", state.form.title)
        assertEquals(emptyMap<String, AnswerValue>(), state.answers)
        assertEquals(listOf(FieldError("fever", FieldErrorCode.REQUIRED, "VI:REQUIRED")), state.validationErrors)
        assertEquals(emptyMap<String, FieldError>(), state.errors, "nothing touched, nothing submitted")
        assertFalse(state.isValid)
        assertFalse(state.validating)
        assertEquals(listOf("forms:VI", "validate", "outbox", "healthStatus"), repo.calls)
    }

    @Test
    fun `answers are validated live and errors show for touched questions only`() = runTest {
        val repo = FakeDeclarationRepository()
        val vm = viewModel(repo)
        runCurrent()

        vm.answer("note", AnswerValue.Text("far too long a note"))
        // The answer is in the state at once; its validation follows.
        assertEquals(AnswerValue.Text("far too long a note"), vm.ready().answers["note"])
        assertTrue(vm.ready().validating)
        runCurrent()
        assertFalse(vm.ready().validating)
        assertEquals(mapOf("note" to FieldError("note", FieldErrorCode.TOO_LONG, "EN:TOO_LONG")), vm.ready().errors)
        assertEquals(setOf("fever", "note"), vm.ready().validationErrors.map { it.field }.toSet())

        vm.answer("fever", AnswerValue.Text("yes"))
        runCurrent()
        assertEquals(FieldErrorCode.WRONG_TYPE, vm.ready().errors["fever"]?.code)

        vm.answer("fever", AnswerValue.Bool(true))
        vm.answer("note", null)
        runCurrent()
        val state = vm.ready()
        assertEquals(mapOf("fever" to AnswerValue.Bool(true)), state.answers)
        // onset became required by fever = yes, but is not shown before it is touched or a submit is tried.
        assertEquals(listOf("onset"), state.validationErrors.map { it.field })
        assertEquals(emptyMap<String, FieldError>(), state.errors)
        assertTrue(state.isRequired(state.form.questions.single { it.id == "onset" }))
        assertFalse(state.isRequired(state.form.questions.single { it.id == "note" }))

        vm.answer("onset", AnswerValue.Date("2021-08-20"))
        runCurrent()
        assertEquals(FieldErrorCode.DATE_IN_FUTURE, vm.ready().errors["onset"]?.code)
        vm.answer("onset", AnswerValue.Date("2021-08-14"))
        // The stale error of the changed answer is hidden at once, before the core has judged the new one.
        assertEquals(emptyMap<String, FieldError>(), vm.ready().errors)
        assertFalse(vm.ready().isValid, "not known to be valid before the core said so")
        runCurrent()
        assertTrue(vm.ready().isValid)
        assertEquals(emptyMap<String, FieldError>(), vm.ready().errors)
    }

    @Test
    fun `a refused submit shows every field error and stores nothing, a valid one clears the form and queues it`() = runTest {
        val repo = FakeDeclarationRepository()
        val vm = viewModel(repo, filledBy = "owner")
        runCurrent()

        vm.answer("fever", AnswerValue.Bool(true))
        vm.onEvent(DeclarationFormEvent.Submit)
        runCurrent()
        var state = vm.ready()
        assertTrue(state.submitAttempted)
        assertFalse(state.submitting)
        assertEquals(mapOf("onset" to FieldError("onset", FieldErrorCode.REQUIRED, "EN:REQUIRED")), state.errors)
        assertNull(state.submitted)
        assertEquals(emptyList<Any>(), repo.declarations)
        assertEquals(emptyList<Any>(), state.outbox)

        vm.answer("onset", AnswerValue.Date("2021-08-14"))
        repo.submitGate = CompletableDeferred()
        vm.onEvent(DeclarationFormEvent.Submit)
        runCurrent()
        assertTrue(vm.ready().submitting, "submitting while the core works")

        repo.submitGate!!.complete(Unit)
        runCurrent()
        state = vm.ready()
        assertFalse(state.submitting)
        val declaration = state.submitted!!
        assertEquals("p-1", declaration.profileId)
        assertEquals("owner", declaration.filledByProfileId)
        assertEquals(mapOf("fever" to AnswerValue.Bool(true), "onset" to AnswerValue.Date("2021-08-14")), declaration.answers)
        assertEquals(emptyMap<String, AnswerValue>(), state.answers, "the form is cleared for the next declaration")
        assertFalse(state.submitAttempted)
        assertEquals(emptyMap<String, FieldError>(), state.errors)
        assertEquals(listOf(declaration.id), state.outbox.map { it.subjectId })
        assertEquals(OutboxState.PENDING, state.outbox.single().state)
    }

    @Test
    fun `switching language reloads the form and the messages, keeping the answers`() = runTest {
        val repo = FakeDeclarationRepository()
        val vm = viewModel(repo)
        runCurrent()
        vm.answer("note", AnswerValue.Text("far too long a note"))
        runCurrent()
        assertEquals("EN:TOO_LONG", vm.ready().errors["note"]?.message)

        vm.onEvent(DeclarationFormEvent.SetLanguage(Language.VI))
        runCurrent()
        val state = vm.ready()
        assertEquals(Language.VI, state.language)
        assertEquals("Sốt?", state.form.questions[0].label)
        assertEquals(AnswerValue.Text("far too long a note"), state.answers["note"])
        assertEquals("VI:TOO_LONG", state.errors["note"]?.message)
    }

    @Test
    fun `sync offline keeps the item queued, and a later sync delivers it with progress and status`() = runTest {
        val repo = FakeDeclarationRepository()
        val vm = viewModel(repo)
        runCurrent()
        vm.answer("fever", AnswerValue.Bool(false))
        vm.onEvent(DeclarationFormEvent.Submit)
        runCurrent()
        val itemId = vm.ready().outbox.single().id

        repo.syncGate = CompletableDeferred()
        vm.onEvent(DeclarationFormEvent.SyncNow)
        runCurrent()
        assertTrue(vm.ready().sync.running)
        // The form stays usable while a sync runs.
        vm.answer("note", AnswerValue.Text("ok"))
        runCurrent()
        assertEquals(AnswerValue.Text("ok"), vm.ready().answers["note"])
        assertEquals(listOf("fever"), vm.ready().validationErrors.map { it.field })

        repo.syncGate!!.complete(Unit)
        repo.syncGate = null
        runCurrent()
        var state = vm.ready()
        assertFalse(state.sync.running)
        assertEquals(SyncReport(0u, 0u, 0u, 1uL, true), state.sync.lastReport)
        assertEquals(listOf(itemId), state.outbox.map { it.id })
        assertNull(state.healthStatus)

        repo.serverUp = true
        vm.onEvent(DeclarationFormEvent.SyncNow)
        runCurrent()
        state = vm.ready()
        assertEquals(SyncProgress(running = false, due = 1, delivered = 1, lastReport = SyncReport(1u, 0u, 0u, 0uL, false)), state.sync)
        assertEquals(emptyList<Any>(), state.outbox)
        assertEquals("green", state.healthStatus?.status)
        assertEquals(DeclarationStatus.ACCEPTED, repo.declarations.single().status)
    }

    @Test
    fun `a second SyncNow while one runs is ignored`() = runTest {
        val repo = FakeDeclarationRepository().apply { syncGate = CompletableDeferred() }
        val vm = viewModel(repo)
        runCurrent()
        vm.onEvent(DeclarationFormEvent.SyncNow)
        vm.onEvent(DeclarationFormEvent.SyncNow)
        runCurrent()
        repo.syncGate!!.complete(Unit)
        runCurrent()
        assertEquals(1, repo.calls.count { it == "syncNow" })
        assertFalse(vm.ready().sync.running)
    }

    @Test
    fun `errors that are not about a field show until dismissed`() = runTest {
        val repo = FakeDeclarationRepository().apply { serverConfigured = false }
        val vm = viewModel(repo)
        runCurrent()

        vm.onEvent(DeclarationFormEvent.SyncNow)
        runCurrent()
        assertEquals(DeclarationFormError.NoServer, vm.ready().error)
        assertFalse(vm.ready().sync.running)
        vm.onEvent(DeclarationFormEvent.DismissError)
        assertNull(vm.ready().error)

        vm.answer("fever", AnswerValue.Bool(false))
        runCurrent()
        repo.failNext = DeclarationException.NotFound("p-1")
        vm.onEvent(DeclarationFormEvent.Submit)
        runCurrent()
        assertEquals(DeclarationFormError.NotFound("p-1"), vm.ready().error)
        assertEquals(AnswerValue.Bool(false), vm.ready().answers["fever"], "answers are kept for another try")

        vm.onEvent(DeclarationFormEvent.Retry(99))
        runCurrent()
        assertEquals(DeclarationFormError.NotFound("99"), vm.ready().error)

        val cases = listOf(
            SyncException.SignInRefused("revoked") to DeclarationFormError.SignInRefused("revoked"),
            SyncException.Storage("disk full") to DeclarationFormError.Unavailable("disk full"),
            DeclarationException.Storage("io") to DeclarationFormError.Unavailable("io"),
            DeclarationException.UnknownForm("x") to DeclarationFormError.UnknownForm("x"),
            DeclarationException.NoServer() to DeclarationFormError.NoServer,
            DeclarationException.Unreachable("timeout") to DeclarationFormError.Offline("timeout"),
            DeclarationException.Server("500") to DeclarationFormError.Server("500"),
            DeclarationException.InvalidProfile(ProfileField.PHONE, "too short") to DeclarationFormError.InvalidProfile(ProfileField.PHONE, "too short"),
            DeclarationException.DataKey("tampered") to DeclarationFormError.Unavailable("tampered"),
            SyncException.Unreachable("offline") to DeclarationFormError.Offline("offline"),
            IllegalStateException("boom") to DeclarationFormError.Unavailable("boom"),
        )
        for ((thrown, shown) in cases) assertEquals(shown, DeclarationFormError.from(thrown), "for $thrown")
    }

    @Test
    fun `an unknown form or a failed load shows Failed, and Reload retries`() = runTest {
        val unknown = viewModel(FakeDeclarationRepository(), formId = "nope")
        runCurrent()
        assertEquals(DeclarationFormState.Failed(DeclarationFormError.UnknownForm("nope")), unknown.state.value)

        val repo = FakeDeclarationRepository().apply { failNext = DeclarationException.Storage("locked") }
        val vm = viewModel(repo)
        runCurrent()
        assertEquals(DeclarationFormState.Failed(DeclarationFormError.Unavailable("locked")), vm.state.value)
        vm.onEvent(DeclarationFormEvent.Reload)
        runCurrent()
        assertEquals(FAKE_FORM, vm.ready().form.id)
    }

    @Test
    fun `sync progress folds the core's events`() {
        val report = SyncReport(1u, 1u, 0u, 1uL, false)
        val progress = listOf(
            SyncEvent.Started(2uL),
            SyncEvent.Delivered(1, "declaration"),
            SyncEvent.Failed(2, "declaration", "HTTP 503", null),
            SyncEvent.Finished(report),
        ).fold(SyncProgress().starting()) { p, e -> p.after(e) }
        assertEquals(SyncProgress(running = true, due = 2, delivered = 1, failed = 1, lastError = "HTTP 503", lastReport = report), progress)
        assertEquals(SyncProgress(running = true, lastReport = report), progress.starting())
        // A pass that cannot reach the server reports only Finished.
        val offline = SyncReport(0u, 0u, 0u, 3uL, true)
        assertEquals(SyncProgress(running = true, lastReport = offline), SyncProgress().starting().after(SyncEvent.Finished(offline)))
    }

    @Test
    fun `isRequiredGiven follows required and the three kinds of condition`() {
        fun question(required: Boolean = false, condition: FormCondition? = null) =
            FormQuestion("q", "Q", null, required, condition, FormFieldKind.Text(10u))
        assertTrue(question(required = true).isRequiredGiven(emptyMap()))
        assertFalse(question().isRequiredGiven(emptyMap()))

        val ifYes = question(condition = FormCondition("travel", true, emptyList(), false))
        assertTrue(ifYes.isRequiredGiven(mapOf("travel" to AnswerValue.Bool(true))))
        assertFalse(ifYes.isRequiredGiven(mapOf("travel" to AnswerValue.Bool(false))))
        assertFalse(ifYes.isRequiredGiven(emptyMap()))

        val ifVehicle = question(condition = FormCondition("transport", null, listOf("car", "bus"), false))
        assertTrue(ifVehicle.isRequiredGiven(mapOf("transport" to AnswerValue.Choice("bus"))))
        assertFalse(ifVehicle.isRequiredGiven(mapOf("transport" to AnswerValue.Choice("other"))))

        val ifSymptoms = question(condition = FormCondition("symptoms", null, emptyList(), true))
        assertTrue(ifSymptoms.isRequiredGiven(mapOf("symptoms" to AnswerValue.Choices(listOf("fever")))))
        assertFalse(ifSymptoms.isRequiredGiven(mapOf("symptoms" to AnswerValue.Choices(emptyList()))))
    }
}
