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
import androidx.compose.ui.test.onAllNodesWithText
import java.time.Duration
import java.time.ZoneId
import kotlin.test.Test
import kotlin.test.assertEquals
import org.healthbook.core.Language
import org.healthbook.core.wrapper.CheckInError
import org.healthbook.core.wrapper.CheckInState
import org.healthbook.core.wrapper.DiaryItem
import org.healthbook.core.wrapper.ExposureAlert
import org.healthbook.core.wrapper.ManualField
import org.healthbook.core.wrapper.ManualProblem
import org.healthbook.ui.checkin.CheckInScanScreen
import org.healthbook.ui.checkin.DiaryScreen
import org.healthbook.ui.checkin.ExposureScreen
import org.healthbook.ui.checkin.ManualEntryScreen
import org.healthbook.ui.results.ProfileChoice

/** Diary entries and alerts as the core would explain them, in each language; the places are made up. */
object CheckInFixtures {
    val zone: ZoneId = ZoneId.of("Asia/Ho_Chi_Minh")
    val profiles = listOf(ProfileChoice("p1", "Nguyễn Văn An"), ProfileChoice("p2", "Trần Thị Bích Ngọc"))

    private fun pick(language: Language, vi: String, en: String) = if (language == Language.EN) en else vi

    /** Hours before Fixtures.now (15:00 in Hồ Chí Minh City). */
    private fun at(hours: Double) = Fixtures.now.minus(Duration.ofMinutes((hours * 60).toLong()))

    fun diary(language: Language) = listOf(
        DiaryItem("e4", "p1", "Chợ Bến Thành", pick(language, "Chợ", "Market"), at(0.5), null, autoCheckedOut = false, manual = false),
        DiaryItem("e3", "p1", "Ngân hàng Vietcombank Quận 1", pick(language, "Ngân hàng", "Bank"), at(4.0), at(3.5), autoCheckedOut = false, manual = false),
        DiaryItem("e2", "p2", "Siêu thị Co.opmart Cống Quỳnh", pick(language, "Siêu thị", "Supermarket"), at(27.0), at(25.0), autoCheckedOut = true, manual = false),
        DiaryItem("e1", "p1", "Quán phở Hòa, 260C Pasteur", "", at(50.0), at(49.0), autoCheckedOut = false, manual = true),
    )

    fun alerts(language: Language) = listOf(
        ExposureAlert(
            "a2", "Siêu thị Co.opmart Cống Quỳnh", at(27.0),
            pick(language, "Bạn có thể đã tiếp xúc với người mắc bệnh", "You may have been exposed"),
            pick(
                language,
                "Theo dõi sức khỏe trong 14 ngày. Nếu sốt, ho hoặc khó thở, hãy gọi trạm y tế phường và đi xét nghiệm.",
                "Watch your health for 14 days. If you have a fever, a cough or trouble breathing, call the ward health station and get tested.",
            ),
            seen = false,
        ),
        ExposureAlert(
            "a1", "Chợ Bến Thành", at(100.0),
            pick(language, "Nơi bạn đến có ca bệnh", "A case was at a place you visited"),
            pick(language, "Nguy cơ thấp. Đeo khẩu trang nơi đông người.", "Low risk. Wear a mask in crowded places."),
            seen = true,
        ),
    )

    fun refusal(language: Language) = pick(
        language,
        "Áp phích không hợp lệ: chữ ký không đúng, có thể là áp phích giả.",
        "This poster is not valid: its signature does not verify; it may be forged.",
    )
}

@OptIn(ExperimentalTestApi::class)
class CheckInScreensTest {
    private val zone = CheckInFixtures.zone

    @Test
    fun `scanning a poster sends it for the chosen profile, and the outcome shows in words`() = runComposeUiTest {
        var state by mutableStateOf(CheckInState(loading = false))
        val scans = mutableListOf<Pair<String, String>>()
        var dismissed = 0
        show(Language.EN) { CheckInScanScreen(state, CheckInFixtures.profiles, zone, { p, t -> scans += p to t }, { dismissed++ }, {}, {}) }
        onNodeWithText("Check in").assertIsNotEnabled()
        onNodeWithContentDescription("Trần Thị Bích Ngọc").performClick()
        onNodeWithContentDescription("Poster QR content").performTextInput("HP1:MARKET")
        onNodeWithText("Check in").performClick()
        assertEquals(listOf("p2" to "HP1:MARKET"), scans)

        state = state.copy(checkedIn = CheckInFixtures.diary(Language.EN)[0])
        onNodeWithContentDescription("Checked in at Chợ Bến Thành").assertExists()
        onNodeWithText("14:30 · Still here").assertExists()
        onNodeWithText("Scan another poster").performClick()
        assertEquals(1, dismissed)

        state = state.copy(checkedIn = null, refusal = CheckInFixtures.refusal(Language.EN))
        onNodeWithContentDescription("Not checked in").assertExists()
        onNodeWithText(CheckInFixtures.refusal(Language.EN)).assertExists()
    }

    @Test
    fun `the diary groups visits by day, marks the open, automatic and manual ones, and checks out`() = runComposeUiTest {
        val checkedOut = mutableListOf<String>()
        val deleted = mutableListOf<String>()
        show(Language.EN) {
            DiaryScreen(
                CheckInState(CheckInFixtures.diary(Language.EN), loading = false), CheckInFixtures.profiles, Fixtures.now, zone,
                {}, {}, {}, { checkedOut += it }, { deleted += it }, {},
            )
        }
        onNodeWithText("Today").assertExists()
        onNodeWithText("Yesterday").assertExists()
        onNodeWithText("Fri 27 Feb 2026").performScrollTo().assertExists()
        onNodeWithContentDescription("Still here").assertExists()
        onNodeWithText("11:00 – 11:30").assertExists()
        onNodeWithText("Checked out automatically after the usual stay").performScrollTo().assertExists()
        onNodeWithText("Added by hand").performScrollTo().assertExists()
        onNodeWithText("Check out").performScrollTo().performClick()
        assertEquals(listOf("e4"), checkedOut)
        onAllNodesWithText("Delete visit")[3].performScrollTo().performClick()
        assertEquals(listOf("e1"), deleted)
        onNodeWithText("Unread alerts", substring = true).assertDoesNotExist()
    }

    @Test
    fun `unread alerts head the diary and open the alerts`() = runComposeUiTest {
        var opened = 0
        show {
            DiaryScreen(
                CheckInState(emptyList(), CheckInFixtures.alerts(Language.VI), loading = false, error = CheckInError.CheckOut),
                CheckInFixtures.profiles.take(1), Fixtures.now, zone, {}, {}, { opened++ }, {}, {}, {},
            )
        }
        onNodeWithContentDescription("Cảnh báo chưa đọc: 1").assertExists()
        onNodeWithText("Chưa ghi nhận rời đi được. Hãy thử lại.").assertExists()
        onNodeWithText("Chưa có lượt ghé nào.", substring = true).assertExists()
        onNodeWithText("Xem cảnh báo").performClick()
        assertEquals(1, opened)
    }

    @Test
    fun `a manual entry sends what was typed and shows each field's problem at its place`() = runComposeUiTest {
        var state by mutableStateOf(CheckInState(loading = false))
        val saved = mutableListOf<List<String>>()
        val edited = mutableListOf<ManualField>()
        show(Language.EN) {
            ManualEntryScreen(state, CheckInFixtures.profiles.take(1), Fixtures.now, zone, { p, place, d, f, t -> saved += listOf(p, place, d, f, t) }, { edited += it }, {}, {}, {})
        }
        onNodeWithContentDescription("Place name and address").performTextInput("Quán phở Hòa")
        onNodeWithContentDescription("Arrived (HH:MM)").performTextInput("07:30")
        onNodeWithText("Save the visit").performScrollTo().performClick()
        assertEquals(listOf(listOf("p1", "Quán phở Hòa", "2026-03-01", "07:30", "")), saved)
        assertEquals(listOf(ManualField.PLACE, ManualField.FROM), edited.distinct())

        state = state.copy(manualErrors = mapOf(ManualField.FROM to ManualProblem.IN_FUTURE, ManualField.TO to ManualProblem.END_BEFORE_START))
        onNodeWithText("Can't be in the future.").assertExists()
        onNodeWithText("Must be after the arrival.").assertExists()
        state = state.copy(manualErrors = emptyMap(), manualSaved = CheckInFixtures.diary(Language.EN)[3])
        onNodeWithContentDescription("Added to the diary.").assertExists()
    }

    @Test
    fun `alerts show headline and advice, an unread one is marked new and can be marked read`() = runComposeUiTest {
        val seen = mutableListOf<String>()
        var checks = 0
        show(Language.EN) {
            ExposureScreen(
                CheckInState(loading = false, alerts = CheckInFixtures.alerts(Language.EN), exposureCheckedAt = Fixtures.now.minusSeconds(600)),
                Fixtures.now, zone, { checks++ }, { seen += it }, {}, {},
            )
        }
        onNodeWithContentDescription("New: You may have been exposed").assertExists()
        onNodeWithContentDescription("A case was at a place you visited").assertExists()
        onNodeWithText("Watch your health for 14 days.", substring = true).assertExists()
        onNodeWithText("Last checked: 10 min ago").assertExists()
        onNodeWithText("You were there: Yesterday, 12:00").assertExists()
        onNodeWithText("Mark as read").performScrollTo().performClick()
        assertEquals(listOf("a2"), seen)
        onNodeWithText("Check for risky places").performClick()
        assertEquals(1, checks)
    }

    @Test
    fun `a check that found nothing says so`() = runComposeUiTest {
        show { ExposureScreen(CheckInState(loading = false, exposureCheckedAt = Fixtures.now), Fixtures.now, zone, {}, {}, {}, {}) }
        onNodeWithContentDescription("Không có lượt ghé nào trùng với nơi có nguy cơ.").assertExists()
    }
}
