package org.healthbook.ui

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.test.runComposeUiTest
import kotlin.test.Test
import kotlin.test.assertEquals
import org.healthbook.core.Language
import org.healthbook.ui.settings.SettingsScreen
import org.healthbook.ui.settings.SettingsUiState
import org.healthbook.ui.settings.settingsErrorText
import org.healthbook.core.wrapper.CheckpointError
import org.healthbook.core.wrapper.SettingsError
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue

@OptIn(ExperimentalTestApi::class)
class SettingsScreenTest {
    @Test
    fun `language, server, trust age and certificates`() = runComposeUiTest {
        val languages = mutableListOf<Language>()
        val servers = mutableListOf<String>()
        val certificates = mutableListOf<String>()
        var refreshes = 0
        val state = SettingsUiState(
            Language.VI, "https://hb.example", Fixtures.trust, Fixtures.now.minusSeconds(3 * 3600 + 600), dccKeyIds = listOf("kid-2dbd4c"),
        )
        show { SettingsScreen(state, Fixtures.now, { languages += it }, { servers += it }, { refreshes++ }, { certificates += it }, {}) }
        onNodeWithText("Phiên bản 42 · Cập nhật 3 giờ 10 phút trước").assertExists()
        onNodeWithText("kid-2dbd4c").assertExists()
        onNodeWithContentDescription("English").performClick()
        assertEquals(listOf(Language.EN), languages)

        onNodeWithContentDescription("Địa chỉ máy chủ").performTextReplacement("hb.example")
        onNodeWithText("Địa chỉ phải bắt đầu bằng https:// (hoặc http:// khi thử nghiệm).").assertExists()
        onNodeWithContentDescription("Địa chỉ máy chủ").performTextReplacement("https://hb2.example")
        onNodeWithText("Lưu").performClick()
        assertEquals(listOf("https://hb2.example"), servers)

        onNodeWithText("Cập nhật danh sách tin cậy").performScrollTo().performClick()
        assertEquals(1, refreshes)
        onNodeWithContentDescription("Chứng chỉ (base64 DER)").performScrollTo().performTextInput("MIIBszCCAVmgAwIBAgIU")
        onNodeWithText("Thêm chứng chỉ").performScrollTo().performClick()
        assertEquals(listOf("MIIBszCCAVmgAwIBAgIU"), certificates)
    }

    @Test
    fun `never refreshed is said in words`() = runComposeUiTest {
        show(Language.EN) { SettingsScreen(SettingsUiState(Language.EN), Fixtures.now, {}, {}, {}, {}, {}) }
        onNodeWithText("Never refreshed.").assertExists()
        onNodeWithText("No certificates yet.").assertExists()
    }

    @Test
    fun `a failed trust refresh and a bad certificate are said in words, without the technical reason`() = runComposeUiTest {
        var error by mutableStateOf<SettingsError>(SettingsError.Trust(CheckpointError.Offline("tcp connect error: Connection refused")))
        show(Language.EN) {
            SettingsScreen(SettingsUiState(Language.EN, error = settingsErrorText(error)), Fixtures.now, {}, {}, {}, {}, {})
        }
        onNodeWithText("The server can't be reached. Nothing is lost; it will be sent later.").assertExists()
        onNodeWithText("Connection refused", substring = true).assertDoesNotExist()
        error = SettingsError.BadCertificate("asn1 parse error at byte 3")
        onNodeWithText("The certificate can't be used.").assertExists()
        onNodeWithText("asn1", substring = true).assertDoesNotExist()
    }
}
