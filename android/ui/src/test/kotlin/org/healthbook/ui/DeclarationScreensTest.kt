package org.healthbook.ui

import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.test.runComposeUiTest
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import org.healthbook.core.AnswerValue
import org.healthbook.core.Language
import org.healthbook.core.OutboxState
import org.healthbook.core.wrapper.DeclarationFormEvent
import org.healthbook.core.wrapper.DeclarationFormState
import org.healthbook.core.wrapper.DeclarationFormViewModel
import org.healthbook.core.wrapper.FakeDeclarationRepository
import org.healthbook.core.wrapper.SyncProgress
import org.healthbook.ui.declarations.DeclarationScreen
import org.healthbook.ui.outbox.OutboxScreen

/** The declaration and outbox screens on the real view model over the in-memory fake repository. */
@OptIn(ExperimentalTestApi::class)
class DeclarationScreensTest {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @AfterTest
    fun stop() = scope.cancel()

    @Test
    fun `the form is rendered from its data, errors show at their fields, and a valid form is submitted`() = runComposeUiTest {
        val repository = FakeDeclarationRepository()
        val vm = DeclarationFormViewModel(repository, scope, "p1", FakeDeclarationRepository.FAKE_FORM, Language.VI)
        show {
            val state by vm.state.collectAsState()
            DeclarationScreen(state, { id, value -> vm.onEvent(DeclarationFormEvent.Answer(id, value)) },
                { vm.onEvent(DeclarationFormEvent.Submit) }, { vm.onEvent(DeclarationFormEvent.Reload) }, { vm.onEvent(DeclarationFormEvent.DismissError) })
        }
        awaitText("Tờ khai")
        onNodeWithText("Sốt? * (bắt buộc)").assertExists()
        // An untouched form opens without errors; a submit attempt shows them at their fields.
        onNodeWithText("VI:REQUIRED").assertDoesNotExist()
        onNodeWithText("Gửi khai báo").performScrollTo().performClick()
        awaitText("VI:REQUIRED")

        onNodeWithContentDescription("Có").performClick()
        awaitText("Ngày * (bắt buộc)")
        onNodeWithContentDescription("Ngày").performTextInput("2030-01-01")
        awaitText("VI:DATE_IN_FUTURE")

        onNodeWithContentDescription("Ngày").performTextReplacement("2021-08-01")
        waitUntil(timeoutMillis = 10_000) { (vm.state.value as? DeclarationFormState.Ready)?.isValid == true }
        onNodeWithText("VI:DATE_IN_FUTURE").assertDoesNotExist()
        onNodeWithText("Gửi khai báo").performScrollTo().performClick()
        awaitText("Đã lưu. Tờ khai sẽ được gửi khi có mạng.")
        assertEquals(1, repository.declarations.size)
        assertEquals(AnswerValue.Bool(true), repository.declarations[0].answers["fever"])
    }

    @Test
    fun `the outbox shows attempts, the last error in plain words, a refused banner, and retries`() = runComposeUiTest {
        val retried = mutableListOf<Long>()
        var synced = 0
        show(Language.EN) {
            OutboxScreen(Fixtures.outbox, SyncProgress(), null, Fixtures.now, { synced++ }, { retried += it }, {})
        }
        onNodeWithText("The server refused an item. See why, fix it and retry.").assertExists()
        onNodeWithText("Declaration · Waiting").assertExists()
        onNodeWithText("Attempts: 3").assertExists()
        onNodeWithText("Next attempt: 10 min").assertExists()
        // The network error reads as words, not as the library's message; the refusal keeps the server's reason.
        onNodeWithText("The server can't be reached. Nothing is lost; it will be sent later.").assertExists()
        onNodeWithText("connection refused", substring = true).assertDoesNotExist()
        onNodeWithText("Ngày khởi phát không được ở tương lai.").assertExists()
        onNodeWithText("Declaration · Refused").assertExists()
        onNodeWithContentDescription("Retry: Declaration · Refused").performClick()
        assertEquals(listOf(2L), retried)
        onNodeWithText("Send now").performClick()
        assertEquals(1, synced)
        assertEquals(OutboxState.REJECTED, Fixtures.outbox[1].state)
    }
}
