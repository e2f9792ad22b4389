package org.healthbook.ui

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import org.healthbook.core.Address
import org.healthbook.core.BirthDate
import org.healthbook.core.Language
import org.healthbook.core.Profile
import org.healthbook.core.ProfileField
import org.healthbook.core.ProfileInput
import org.healthbook.core.ProfileRelation
import org.healthbook.core.wrapper.ProfileListError
import org.healthbook.core.wrapper.ProfileListState
import org.healthbook.ui.profiles.ProfileEditScreen
import org.healthbook.ui.profiles.ProfileEditorState
import org.healthbook.ui.profiles.ProfileListScreen
import org.healthbook.ui.profiles.search

@OptIn(ExperimentalTestApi::class)
class ProfileScreensTest {
    @Test
    fun `the list shows every profile with relation and birth, and removing asks first`() = runComposeUiTest {
        val removed = mutableListOf<Profile>()
        val edited = mutableListOf<Profile>()
        show { ProfileListScreen(ProfileListState.Loaded(Fixtures.profiles), {}, { edited += it }, { removed += it }, {}, {}) }
        onNodeWithText("Nguyễn Văn An").assertExists()
        onNodeWithText("Bản thân · Sinh 17/05/1990").assertExists()
        onNodeWithText("Người nhà · Sinh 1962").assertExists()

        onNodeWithContentDescription("Xóa hồ sơ: Trần Thị Bích Ngọc").performClick()
        assertEquals(emptyList(), removed, "nothing is removed before the confirmation")
        onNodeWithText("Xóa").performClick()
        assertEquals(listOf("p2"), removed.map { it.id })

        onNodeWithText("Lê Minh Đức").performClick()
        assertEquals(listOf("p3"), edited.map { it.id })
    }

    @Test
    fun `an empty list invites to add, and a failed load offers a retry`() = runComposeUiTest {
        var state by mutableStateOf<ProfileListState>(ProfileListState.Loaded(emptyList()))
        var added = 0
        var retried = 0
        show(Language.EN) { ProfileListScreen(state, { added++ }, {}, {}, { retried++ }, {}) }
        onNodeWithText("No profiles yet. Add your own first.").assertExists()
        onNodeWithContentDescription("Add profile").performClick()
        assertEquals(1, added)
        state = ProfileListState.Failed(ProfileListError.Unavailable("disk I/O error"))
        onNodeWithText("The phone's data could not be read. Please try again.").assertExists()
        onNodeWithText("disk I/O error", substring = true).assertDoesNotExist()
        onNodeWithText("Retry").performClick()
        assertEquals(1, retried)
    }

    @Test
    fun `adding a profile with name, full birth date, province and ward found by search, saved as one input`() = runComposeUiTest {
        val saved = mutableListOf<ProfileInput>()
        show(Language.EN) {
            var state by remember { mutableStateOf(ProfileEditorState()) }
            ProfileEditScreen(state, Fixtures.provinces, Fixtures.hanoiWards, { state = it }, { saved += it }, {})
        }
        onNodeWithContentDescription("Family member").performClick()
        onNodeWithContentDescription("Full name").performTextInput("Phạm Thu Hà")
        onNodeWithContentDescription("Full birth date").performClick()
        onNodeWithContentDescription("Day").performTextInput("9")
        onNodeWithContentDescription("Month").performTextInput("12")
        onNodeWithContentDescription("Birth year").performTextInput("2015")
        onNodeWithContentDescription("Province or city: Type a name or code to search").performScrollTo().performTextInput("ha noi")
        onNodeWithText("Thành phố Hà Nội (01)").performScrollTo().performClick()
        onNodeWithContentDescription("Ward or commune: Type a name or code to search").performScrollTo().performTextInput("00070")
        onNodeWithText("Phường Hoàn Kiếm (00070)").performScrollTo().performClick()
        onNodeWithText("Save").performScrollTo().performClick()
        assertEquals(
            listOf(ProfileInput(ProfileRelation.FAMILY_MEMBER, "Phạm Thu Hà", BirthDate(2015u, 12u, 9u), null, null, Address("01", "00070", null))),
            saved,
        )
    }

    @Test
    fun `the core's field error is shown at its field`() = runComposeUiTest {
        val state = ProfileEditorState.of(Fixtures.profiles[0]).copy(
            error = ProfileListError.InvalidField(ProfileField.PHONE, "Số điện thoại phải có 10 chữ số."),
        )
        show { ProfileEditScreen(state, Fixtures.provinces, Fixtures.hanoiWards, {}, {}, {}) }
        onNodeWithText("Sửa hồ sơ").assertExists()
        onNodeWithText("Số điện thoại phải có 10 chữ số.").assertExists()
        onNodeWithText("Thành phố Hà Nội (01)").assertExists()
    }

    @Test
    fun `search ignores case and diacritics and matches codes`() {
        assertEquals(listOf("01"), Fixtures.provinces.search("HA NOI").map { it.code })
        assertEquals(listOf("48"), Fixtures.provinces.search("đà").map { it.code })
        assertEquals(listOf("79"), Fixtures.provinces.search("79").map { it.code })
        assertNull(ProfileEditorState(year = "19x0").toInput())
    }
}
