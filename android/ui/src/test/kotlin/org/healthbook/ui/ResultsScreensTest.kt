package org.healthbook.ui

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertIsEnabled
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import java.time.Duration
import kotlin.test.Test
import kotlin.test.assertEquals
import org.healthbook.core.Language
import org.healthbook.core.wrapper.SampleItem
import org.healthbook.core.wrapper.SampleState
import org.healthbook.core.wrapper.TestResultsError
import org.healthbook.core.wrapper.TestResultsState
import org.healthbook.ui.desktop.SkiaQrDecoder
import org.healthbook.ui.results.ProfileChoice
import org.healthbook.ui.results.RegisterSampleScreen
import org.healthbook.ui.results.SampleDetailScreen
import org.healthbook.ui.results.SampleListScreen

/** Followed samples as the core would explain them, in each language; the names are made up. */
object ResultsFixtures {
    val profiles = listOf(ProfileChoice("p1", "Nguyễn Văn An"), ProfileChoice("p2", "Trần Thị Bích Ngọc"))

    /** Made up: a test certificate's QR text only has to be long like a real one for the screenshots. */
    const val CERTIFICATE = "HC1:6BFOXN%TSMAHN-HWWK2RL99TEZP3Z9M52N651WGRJPTWG%E5EM5K:3.UAXCVEM7F/8X*G-O9 WUQRELS4 CT*OVN%2LXK7Y4J1T4VN4%KD-4Q/S8ALD-INOV6\$0+BN9Y431T6\$K6NFNSVYWV9Y4.\$S6ZC0JBX63KD3UTFLZ2XOG1-B*1E1AD3+T9EJ0SFRQ20HGGN0P04S1BCQVM+JQ3OV"

    private val words: Map<SampleState, Triple<Pair<String, String>, Pair<String, String>, Pair<String, String>>> = mapOf(
        SampleState.PENDING to Triple(
            "Đang chờ kết quả" to "Waiting for the result",
            "Mẫu đã đến phòng xét nghiệm và đang được phân tích." to "The sample reached the lab and is being analysed.",
            "Không cần làm gì: ứng dụng sẽ báo khi có kết quả." to "Nothing to do: the app tells you when the result is in.",
        ),
        SampleState.NEGATIVE to Triple(
            "Âm tính" to "Negative",
            "Phòng xét nghiệm đã trả kết quả." to "The lab reported a result.",
            "Giấy chứng nhận bên dưới dùng được ở các chốt kiểm tra." to "The certificate below is accepted at checkpoints.",
        ),
        SampleState.RETEST_REQUIRED to Triple(
            "Cần xét nghiệm lại" to "Retest required",
            "Mẫu gộp có mẫu của bạn cho kết quả dương tính." to "The pool containing your sample tested positive.",
            "Ở nhà và đến điểm lấy mẫu để xét nghiệm riêng." to "Stay at home and go to a sampling site for a test of your own.",
        ),
        SampleState.UNKNOWN_TO_LAB to Triple(
            "Chưa có thông tin mẫu" to "Not known to the lab yet",
            "Cơ sở lấy mẫu có thể chưa đồng bộ." to "The sampling site may not have synced yet.",
            "Nếu sau một ngày vẫn vậy, hãy kiểm tra lại mã trên biên nhận." to "If it stays so for a day, check the code on the receipt.",
        ),
        SampleState.REGISTERED_ELSEWHERE to Triple(
            "Đã đăng ký trên điện thoại khác" to "Registered on another phone",
            "Mã này đã được đăng ký một lần; mỗi mã chỉ đăng ký được một lần." to "This code was registered before; a code registers once.",
            "Xem kết quả trên điện thoại đã đăng ký, hoặc hỏi cơ sở lấy mẫu." to "See the result on the phone that registered it, or ask the sampling site.",
        ),
    )

    fun sample(id: String, profile: ProfileChoice, state: SampleState, language: Language, hoursAgo: Long = 20): SampleItem {
        val (headline, reason, next) = words.getValue(state)
        fun pick(p: Pair<String, String>) = if (language == Language.EN) p.second else p.first
        val final = state == SampleState.NEGATIVE || state == SampleState.RETEST_REQUIRED
        val known = state != SampleState.UNKNOWN_TO_LAB && state != SampleState.REGISTERED_ELSEWHERE
        return SampleItem(
            id, profile.id, profile.name, state, pick(headline), pick(reason), pick(next),
            sampledAt = if (known) Fixtures.now.minus(Duration.ofHours(hoursAgo)) else null,
            resultAt = if (final) Fixtures.now.minus(Duration.ofHours(2)) else null,
            nextCheckAt = if (final || state == SampleState.REGISTERED_ELSEWHERE) null else Fixtures.now.plus(Duration.ofMinutes(45)),
            certificate = if (state == SampleState.NEGATIVE) CERTIFICATE else null,
        )
    }

    fun list(language: Language) = listOf(
        sample("s3", profiles[0], SampleState.PENDING, language, hoursAgo = 5),
        sample("s2", profiles[1], SampleState.RETEST_REQUIRED, language, hoursAgo = 26),
        sample("s1", profiles[0], SampleState.NEGATIVE, language, hoursAgo = 50),
    )
}

@OptIn(ExperimentalTestApi::class)
class ResultsScreensTest {
    @Test
    fun `the list shows each sample's state, reason, next step and times, and opens a sample`() = runComposeUiTest {
        val opened = mutableListOf<String>()
        var refreshed = 0
        val state = TestResultsState(ResultsFixtures.list(Language.VI), loading = false)
        show { SampleListScreen(state, Fixtures.now, { opened += it }, {}, { refreshed++ }, {}) }
        onNodeWithContentDescription("Đang chờ kết quả").assertExists()
        onNodeWithContentDescription("Cần xét nghiệm lại").assertExists()
        onNodeWithText("Mẫu gộp có mẫu của bạn cho kết quả dương tính.").assertExists()
        onNodeWithText("Ở nhà và đến điểm lấy mẫu để xét nghiệm riêng.").assertExists()
        onNodeWithText("Lấy mẫu: 5 giờ 0 phút trước").assertExists()
        onNodeWithText("Kiểm tra lại sau: 45 phút").assertExists()
        onNodeWithTag("sample-s2").performScrollTo().performClick()
        assertEquals(listOf("s2"), opened)
        onNodeWithText("Kiểm tra kết quả").performScrollTo().performClick()
        assertEquals(1, refreshed)
    }

    @Test
    fun `an empty list says how to start, and a failed refresh is explained`() = runComposeUiTest {
        show(Language.EN) { SampleListScreen(TestResultsState(loading = false, error = TestResultsError.Refresh), Fixtures.now, {}, {}, {}, {}) }
        onNodeWithText("No samples followed yet. Enter the code from your receipt to follow a result.").assertExists()
        onNodeWithText("Could not check for new results; showing the last known.").assertExists()
    }

    @Test
    fun `registering sends the chosen profile and the typed code`() = runComposeUiTest {
        val sent = mutableListOf<Pair<String, String>>()
        show(Language.EN) { RegisterSampleScreen(TestResultsState(loading = false), ResultsFixtures.profiles, Fixtures.now, { p, c -> sent += p to c }, {}, {}, {}, {}) }
        onNodeWithText("Short code", substring = true).assertExists()
        onNodeWithText("Register").assertIsNotEnabled()
        onNodeWithContentDescription("Sample code").performTextInput(" K7QM-2XPD-4R ")
        onNodeWithText("Register").assertIsNotEnabled()
        onNodeWithContentDescription("Trần Thị Bích Ngọc").performClick()
        onNodeWithText("Register").assertIsEnabled().performScrollTo().performClick()
        assertEquals(listOf("p2" to "K7QM-2XPD-4R"), sent)
    }

    @Test
    fun `a mistyped code is shown at the field and editing reports it`() = runComposeUiTest {
        var edited = 0
        val state = TestResultsState(loading = false, codeError = "The check character does not match: check the code.")
        show(Language.EN) { RegisterSampleScreen(state, ResultsFixtures.profiles.take(1), Fixtures.now, { _, _ -> }, { edited++ }, {}, {}, {}) }
        onNodeWithText("The check character does not match: check the code.").assertExists()
        onNodeWithContentDescription("Sample code").performTextInput("A")
        assertEquals(1, edited)
    }

    @Test
    fun `a code registered on another phone is explained with what to do`() = runComposeUiTest {
        var done = 0
        val item = ResultsFixtures.sample("s9", ResultsFixtures.profiles[0], SampleState.REGISTERED_ELSEWHERE, Language.VI)
        show { RegisterSampleScreen(TestResultsState(loading = false, registered = item), ResultsFixtures.profiles, Fixtures.now, { _, _ -> }, {}, { done++ }, {}, {}) }
        onNodeWithContentDescription("Đã đăng ký trên điện thoại khác").assertExists()
        onNodeWithText("Xem kết quả trên điện thoại đã đăng ký, hoặc hỏi cơ sở lấy mẫu.").assertExists()
        onNodeWithText("Cơ sở lấy mẫu chưa báo mẫu này.").assertExists()
        onNodeWithText("Tiếp tục").performScrollTo().performClick()
        assertEquals(1, done)
    }

    @Test
    fun `the detail shows the certificate's QR and keeps it`() = runComposeUiTest {
        val kept = mutableListOf<String>()
        val samples = ResultsFixtures.list(Language.EN)
        val png = org.healthbook.core.qrPng(ResultsFixtures.CERTIFICATE, 4u)
        var state by mutableStateOf(TestResultsState(samples, loading = false, openSampleId = "s1", certificateQrPng = png))
        show(Language.EN) { SampleDetailScreen(state, Fixtures.now, SkiaQrDecoder, { kept += it }, {}, {}) }
        onNodeWithContentDescription("Negative").assertExists()
        onNodeWithContentDescription("Test certificate QR code").assertExists()
        onNodeWithText("Result: 2h 0min ago").assertExists()
        onNodeWithText("Keep the certificate").performScrollTo().performClick()
        assertEquals(listOf("s1"), kept)
        state = state.copy(kept = setOf("s1"))
        awaitText("The certificate is kept on this phone.")
        onNodeWithText("Keep the certificate").assertDoesNotExist()
    }

    @Test
    fun `a sample without certificate has no QR nor keep button`() = runComposeUiTest {
        val state = TestResultsState(ResultsFixtures.list(Language.EN), loading = false, openSampleId = "s3")
        show(Language.EN) { SampleDetailScreen(state, Fixtures.now, SkiaQrDecoder, {}, {}, {}) }
        onNodeWithContentDescription("Waiting for the result").assertExists()
        onNodeWithContentDescription("Test certificate QR code").assertDoesNotExist()
        onNodeWithText("Keep the certificate").assertDoesNotExist()
    }

    @Test
    fun `the certificate's QR decodes from the detail rendered at font scale 2`() {
        val png = org.healthbook.core.qrPng(ResultsFixtures.CERTIFICATE, 4u)
        val state = TestResultsState(ResultsFixtures.list(Language.VI), loading = false, openSampleId = "s1", certificateQrPng = png)
        // On a phone-sized canvas: the QR must be within the first screen even at font scale 2.
        val shot = renderPng(Language.VI, 2f) { SampleDetailScreen(state, Fixtures.now, SkiaQrDecoder, {}, {}, {}) }
        assertEquals(ResultsFixtures.CERTIFICATE, decodeQr(shot))
    }
}
