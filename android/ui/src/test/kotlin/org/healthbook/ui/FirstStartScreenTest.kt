package org.healthbook.ui

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertIsEnabled
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import kotlin.test.Test
import kotlin.test.assertEquals
import org.healthbook.core.Language
import org.healthbook.ui.firststart.FirstStartScreen
import org.healthbook.ui.firststart.FirstStartUiState

@OptIn(ExperimentalTestApi::class)
class FirstStartScreenTest {
    @Test
    fun `a typed server address is checked, the language switches, and Continue saves`() = runComposeUiTest {
        var continued = 0
        show {
            var state by remember { mutableStateOf(FirstStartUiState(rootKeyFingerprint = "SHA-256 3F:A1:…:9C")) }
            org.healthbook.ui.theme.HealthbookTheme(state.language) {
                FirstStartScreen(state, { state = state.copy(language = it) }, { state = state.copy(serverUrl = it) }, { continued++ })
            }
        }
        onNodeWithText("Chào mừng").assertExists()
        onNodeWithText("Tiếp tục").assertIsNotEnabled()
        onNodeWithContentDescription("Địa chỉ máy chủ").performTextInput("healthbook.example")
        onNodeWithText("Địa chỉ phải bắt đầu bằng https:// (hoặc http:// khi thử nghiệm).").assertExists()
        onNodeWithText("Tiếp tục").assertIsNotEnabled()

        onNodeWithContentDescription("English").performClick()
        onNodeWithText("Welcome").assertExists()
        onNodeWithContentDescription("Server address").performTextInput("https://")
        onNodeWithText("Continue").assertIsNotEnabled()
    }

    @Test
    fun `Continue is enabled with a valid address and a bundled key, and reports once`() = runComposeUiTest {
        var continued = 0
        show(Language.EN) {
            FirstStartScreen(FirstStartUiState(Language.EN, "https://hb.example", "SHA-256 3F:A1"), {}, {}, { continued++ })
        }
        onNodeWithText("Continue").assertIsEnabled().performClick()
        assertEquals(1, continued)
    }

    @Test
    fun `without a bundled root key the screen says so and does not go on`() = runComposeUiTest {
        show(Language.EN) { FirstStartScreen(FirstStartUiState(Language.EN, "https://hb.example", null), {}, {}, {}) }
        onNodeWithText("The app carries no root key: credentials can't be checked.").assertExists()
        onNodeWithText("Continue").assertIsNotEnabled()
    }

    @Test
    fun `a refused server address comes back as a banner`() = runComposeUiTest {
        show(Language.EN) {
            FirstStartScreen(FirstStartUiState(Language.EN, "https://hb.example", "SHA-256 3F", error = "The address must start with https://"), {}, {}, {})
        }
        onNodeWithText("The address must start with https://").assertExists()
    }
}
