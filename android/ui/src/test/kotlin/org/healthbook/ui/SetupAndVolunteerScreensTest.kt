package org.healthbook.ui

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.graphics.toAwtImage
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.captureToImage
import com.google.zxing.BinaryBitmap
import com.google.zxing.DecodeHintType
import com.google.zxing.RGBLuminanceSource
import com.google.zxing.common.HybridBinarizer
import com.google.zxing.qrcode.QRCodeReader
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.healthbook.core.Language
import org.healthbook.core.wrapper.ConsentField
import org.healthbook.core.wrapper.ConsentMethod
import org.healthbook.core.wrapper.EnrolField
import org.healthbook.core.wrapper.EnrolForm
import org.healthbook.core.wrapper.ManagedPerson
import org.healthbook.core.wrapper.SetupCheckState
import org.healthbook.core.wrapper.SetupState
import org.healthbook.core.wrapper.SetupStep
import org.healthbook.core.wrapper.VolunteerError
import org.healthbook.core.wrapper.VolunteerEvent
import org.healthbook.core.wrapper.VolunteerPage
import org.healthbook.core.wrapper.VolunteerState
import org.healthbook.ui.desktop.SkiaQrDecoder
import org.healthbook.ui.setup.SetupCheckScreen
import org.healthbook.ui.volunteer.VolunteerScreen

/** Set-up steps as the core words them, and people a volunteer enrolled; the names are made up. */
object SetupFixtures {
    private fun step(id: String, language: Language, state: SetupState, vi: Triple<String, String, String>, en: Triple<String, String, String>): SetupStep {
        val (title, detail, action) = if (language == Language.EN) en else vi
        return SetupStep(id, title, state, detail, action)
    }

    private const val SETTINGS_VI = "Mở Cài đặt của điện thoại, chọn ứng dụng Sổ sức khỏe, bật quyền này."
    private const val SETTINGS_EN = "Open the phone's Settings, choose the Healthbook app and turn this permission on."

    /** A phone halfway through its set-up. */
    fun steps(language: Language) = listOf(
        step("camera", language, SetupState.OK,
            Triple("Máy ảnh", "Đã cho phép. Ứng dụng có thể quét mã QR ở nơi đến, thẻ và giấy thông hành.", ""),
            Triple("Camera", "Allowed. The app can scan QR codes at venues, cards and passes.", "")),
        step("notifications", language, SetupState.PROBLEM,
            Triple("Thông báo", "Chưa cho phép. Ứng dụng không thể báo khi có nguy cơ tiếp xúc, khi có kết quả xét nghiệm.", SETTINGS_VI),
            Triple("Notifications", "Not allowed. The app cannot warn of exposure and tell when a test result is ready.", SETTINGS_EN)),
        step("location", language, SetupState.NOT_CHECKED,
            Triple("Vị trí", "Không kiểm tra được trên thiết bị này.", ""),
            Triple("Location", "Cannot be checked on this device.", "")),
        step("server", language, SetupState.OK,
            Triple("Kết nối máy chủ", "Máy chủ trả lời bình thường.", ""),
            Triple("Server connection", "The server answers normally.", "")),
        step("trust_list", language, SetupState.WARNING,
            Triple("Danh sách tin cậy", "Đã cập nhật 30 giờ trước; sẽ hết hạn sau 42 giờ.", "Kết nối mạng để cập nhật."),
            Triple("Trust list", "Updated 30 hours ago; it goes out of date in 42 hours.", "Connect to the internet to update it.")),
        step("profiles_bound", language, SetupState.OK,
            Triple("Hồ sơ đã xác minh", "Mọi hồ sơ đã được xác minh (2).", ""),
            Triple("Verified profiles", "Every profile is verified (2).", "")),
        step("pass_fresh", language, SetupState.PROBLEM,
            Triple("Thẻ thông hành", "1/2 thẻ còn mới, 0 sắp cần làm mới, 1 chưa có hoặc đã hết hạn.", "Kết nối mạng rồi mở Thẻ thông hành của từng hồ sơ để lấy thẻ mới."),
            Triple("Health pass", "Passes: 1 of 2 current, 0 due for renewal, 1 missing or expired.", "Connect to the internet and open each profile's Health pass to get a new one.")),
        step("outbox_empty", language, SetupState.OK,
            Triple("Dữ liệu chờ gửi", "Mọi dữ liệu đã được gửi.", ""),
            Triple("Waiting to be sent", "Everything has been sent.", "")),
    )

    fun allGood(language: Language) = steps(language).map { it.copy(state = SetupState.OK, action = "") }

    val mai = ManagedPerson("m-1", "Lò Thị Mai", 1948, bound = true, consentAt = Fixtures.now.minusSeconds(86_400), lastDeclaredAt = Fixtures.now.minusSeconds(3_600), selfReportedDoses = 2, controlCard = null)
    val tuan = ManagedPerson("m-2", "Hà Văn Tuấn", 1939, bound = true, consentAt = null, lastDeclaredAt = null, selfReportedDoses = 0, controlCard = null)
    val people = listOf(tuan, mai)
    const val CARD = "HK1:SCREENSHOT-ONLY-CONTROL-CARD"

    fun volunteer(page: VolunteerPage, vararg changes: (VolunteerState) -> VolunteerState): VolunteerState =
        changes.fold(VolunteerState(loading = false, people = people, page = page)) { s, f -> f(s) }
}

@OptIn(ExperimentalTestApi::class)
class SetupAndVolunteerScreensTest {
    @Test
    fun `the set-up check shows every step with its state in words and what to do, and checks again`() = runComposeUiTest {
        var state by mutableStateOf(SetupCheckState(checking = false, steps = SetupFixtures.steps(Language.EN)))
        var again = 0
        show(Language.EN) { SetupCheckScreen(state, onCheckAgain = { again++ }) }
        onNodeWithText("Things to do: 3").assertExists()
        onNodeWithTag("setup-step-notifications").assertExists()
        // State in words as well as in colour and icon, and the advice under it.
        onNodeWithContentDescription("Notifications: Needs fixing.", substring = true).assertExists()
        onNodeWithContentDescription("Trust list: Check soon.", substring = true).assertExists()
        onNodeWithContentDescription("Location: Not checked.", substring = true).assertExists()
        onNodeWithText("What to do: Connect to the internet to update it.").assertExists()
        onNodeWithText("Check again").performScrollTo().performClick()
        assertEquals(1, again)

        state = state.copy(checking = true)
        onNodeWithText("Checking…").assertExists()
        onNodeWithTag("setup-check-again").assertIsNotEnabled()

        state = SetupCheckState(checking = false, steps = SetupFixtures.allGood(Language.EN))
        onNodeWithText("Everything is ready.").assertExists()
        onNodeWithText("What to do:", substring = true).assertDoesNotExist()

        state = state.copy(failed = true)
        onNodeWithText("The check could not run. Please try again.").assertExists()
    }

    @Test
    fun `the set-up check speaks Vietnamese by default`() = runComposeUiTest {
        show { SetupCheckScreen(SetupCheckState(checking = false, steps = SetupFixtures.steps(Language.VI)), {}) }
        onNodeWithText("Kiểm tra cài đặt").assertExists()
        onNodeWithText("Số việc cần làm: 3").assertExists()
        onNodeWithContentDescription("Thông báo: Cần sửa.", substring = true).assertExists()
    }

    @Test
    fun `the people list opens a person and the enrol form`() = runComposeUiTest {
        val events = mutableListOf<VolunteerEvent>()
        show(Language.EN) { VolunteerScreen(SetupFixtures.volunteer(VolunteerPage.People), { events += it }, {}, SkiaQrDecoder) }
        onNodeWithText("Hà Văn Tuấn").assertExists()
        onNodeWithText("Born 1939 · Verified · No consent recorded").assertExists()
        onNodeWithTag("person-m-1").performClick()
        onNodeWithText("Enrol").performClick()
        assertEquals(listOf<VolunteerEvent>(VolunteerEvent.Open(VolunteerPage.Person("m-1")), VolunteerEvent.Open(VolunteerPage.Enrol)), events)
    }

    @Test
    fun `enrolling sends the typed form and shows problems at their fields`() = runComposeUiTest {
        var state by mutableStateOf(SetupFixtures.volunteer(VolunteerPage.Enrol))
        val events = mutableListOf<VolunteerEvent>()
        show(Language.EN) { VolunteerScreen(state, { events += it }, {}, SkiaQrDecoder) }
        onNodeWithContentDescription("Full name").performTextInput("Lò Thị Mai")
        onNodeWithContentDescription("Birth year").performTextInput("1948")
        onNodeWithContentDescription("Citizen ID number").performTextInput("001148012345")
        onNodeWithContentDescription("Province code (2 digits)").performTextInput("79")
        onNodeWithContentDescription("Ward code (5 digits)").performScrollTo().performTextInput("26734")
        onNodeWithText("Enrol").performScrollTo().performClick()
        assertEquals(VolunteerEvent.Enrol(EnrolForm("Lò Thị Mai", "1948", "001148012345", "", "79", "26734")), events.last())
        assertTrue(VolunteerEvent.EnrolEdited(EnrolField.FULL_NAME) in events)

        state = state.copy(enrolErrors = setOf(EnrolField.CITIZEN_ID, EnrolField.PHONE))
        onNodeWithText("The ID number has 12 digits (old ID: 9).").assertExists()
        onNodeWithText("A Vietnamese number: 0 or +84 and 9 digits.").assertExists()
        onNodeWithText("Type the full name as on the ID card.").assertDoesNotExist()
    }

    @Test
    fun `a person without consent can only record consent, and the core's refusal shows`() = runComposeUiTest {
        var state by mutableStateOf(SetupFixtures.volunteer(VolunteerPage.Person("m-2")))
        val events = mutableListOf<VolunteerEvent>()
        val declared = mutableListOf<String>()
        show(Language.EN) { VolunteerScreen(state, { events += it }, { declared += it }, SkiaQrDecoder) }
        onNodeWithText("No consent recorded").assertExists()
        onNodeWithText("Declare for them").performScrollTo().assertIsNotEnabled()
        onNodeWithText("Print control card").performScrollTo().assertIsNotEnabled()
        onNodeWithText("Record consent").performScrollTo().performClick()
        assertEquals(VolunteerEvent.Open(VolunteerPage.Consent("m-2")), events.last())

        state = SetupFixtures.volunteer(VolunteerPage.Person("m-1"), { it.copy(error = VolunteerError.Refused("Record the person's consent first.")) })
        onNodeWithText("Record the person's consent first.").assertExists()
        onNodeWithText("Declare for them").performScrollTo().performClick()
        assertEquals(listOf("m-1"), declared)
        onNodeWithText("Print control card").performScrollTo().performClick()
        assertEquals(VolunteerEvent.ControlCard("m-1"), events.last())
    }

    @Test
    fun `consent names who agreed and how`() = runComposeUiTest {
        var state by mutableStateOf(SetupFixtures.volunteer(VolunteerPage.Consent("m-2")))
        val events = mutableListOf<VolunteerEvent>()
        show(Language.EN) { VolunteerScreen(state, { events += it }, {}, SkiaQrDecoder) }
        onNodeWithText("Thumbprint").performScrollTo().performClick()
        onNodeWithText("Record").performScrollTo().performClick()
        assertEquals(VolunteerEvent.RecordConsent("m-2", "Hà Văn Tuấn", ConsentMethod.THUMBPRINT), events.last())
        state = state.copy(consentErrors = setOf(ConsentField.METHOD))
        onNodeWithText("Choose how they agreed.").assertExists()
    }

    @Test
    fun `the control card is shown large and its code decodes back to its text`() = runComposeUiTest {
        val png = org.healthbook.core.qrPng(SetupFixtures.CARD, 4u)
        val state = SetupFixtures.volunteer(VolunteerPage.Card("m-1"), { s -> s.copy(people = s.people.map { if (it.profileId == "m-1") it.copy(controlCard = SetupFixtures.CARD) else it }, cardPng = png) })
        show(Language.EN, phone = true) { VolunteerScreen(state, {}, {}, SkiaQrDecoder) }
        onNodeWithContentDescription("Control card QR code").assertExists()
        val shown = onNodeWithTag("control-card-qr").captureToImage()
        assertTrue(shown.width >= 300, "the code fills the width (${shown.width} px)")
        // The node is the code alone (white border included), so ZXing reads it as a pure barcode: the printed
        // card carries exactly the card's text.
        val image = shown.toAwtImage()
        val pixels = image.getRGB(0, 0, image.width, image.height, null, 0, image.width)
        val bitmap = BinaryBitmap(HybridBinarizer(RGBLuminanceSource(image.width, image.height, pixels)))
        assertEquals(SetupFixtures.CARD, QRCodeReader().decode(bitmap, mapOf(DecodeHintType.PURE_BARCODE to true)).text)
    }
}
