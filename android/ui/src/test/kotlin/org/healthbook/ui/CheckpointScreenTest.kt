package org.healthbook.ui

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import kotlin.test.Test
import kotlin.test.assertEquals
import org.healthbook.core.CredentialKind
import org.healthbook.core.FailedStage
import org.healthbook.core.Language
import org.healthbook.core.wrapper.CheckResult
import org.healthbook.core.wrapper.CheckpointError
import org.healthbook.core.wrapper.CheckpointState
import org.healthbook.ui.checkpoint.CheckpointScreen

@OptIn(ExperimentalTestApi::class)
class CheckpointScreenTest {
    @Test
    fun `the scanned text is checked, the verdict fills the screen with why not, and Next person clears it`() = runComposeUiTest {
        var state by mutableStateOf(CheckpointState(Language.VI))
        val scans = mutableListOf<String>()
        var cleared = 0
        show { CheckpointScreen(state, { scans += it }, { cleared++ }, {}, {}) }
        onNodeWithText("Kiểm tra").assertIsNotEnabled()
        onNodeWithContentDescription("Nội dung mã QR đã quét").performTextInput("HB1:ABC")
        onNodeWithText("Kiểm tra").performClick()
        assertEquals(listOf("HB1:ABC"), scans)

        state = state.copy(result = CheckResult(Fixtures.verdict(false, stage = FailedStage.EXPIRED), Language.VI))
        onNodeWithContentDescription("KHÔNG HỢP LỆ").assertExists()
        onNodeWithText("Đã hết hạn.").assertExists()
        onNodeWithText("Nguyễn Văn An").assertExists()
        onNodeWithText("Ngày sinh: 1990").assertExists()
        onNodeWithText("Người tiếp theo").performScrollTo().performClick()
        assertEquals(1, cleared)
    }

    @Test
    fun `an EU DCC verdict shows its summary and the transliterated name`() = runComposeUiTest {
        val verdict = Fixtures.verdict(true, CredentialKind.EU_DCC_VACCINATION, summary = "COVID-19 · Comirnaty · dose 3/3 · 2021-12-01")
        show(Language.EN) { CheckpointScreen(CheckpointState(Language.EN, CheckResult(verdict, Language.EN)), {}, {}, {}, {}) }
        onNodeWithContentDescription("VALID").assertExists()
        onNodeWithText("EU Digital COVID Certificate").assertExists()
        onNodeWithText("COVID-19 · Comirnaty · dose 3/3 · 2021-12-01").assertExists()
        onNodeWithText("NGUYEN<VAN<AN").assertExists()
    }

    @Test
    fun `a trust refresh that cannot reach the server is explained and can be dismissed`() = runComposeUiTest {
        var state by mutableStateOf(CheckpointState(Language.EN, error = CheckpointError.Offline("tcp connect error")))
        var refreshes = 0
        show(Language.EN) { CheckpointScreen(state, {}, {}, { refreshes++ }, { state = state.copy(error = null) }) }
        onNodeWithText("The server can't be reached. Nothing is lost; it will be sent later.").assertExists()
        onNodeWithText("Refresh the trust list").performClick()
        assertEquals(1, refreshes)
        onNodeWithText("Dismiss").performClick()
        onNodeWithText("The server can't be reached.", substring = true).assertDoesNotExist()
    }
}
