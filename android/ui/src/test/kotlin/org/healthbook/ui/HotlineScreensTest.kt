package org.healthbook.ui

import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assert
import androidx.compose.ui.test.assertCountEquals
import androidx.compose.ui.test.assertIsSelected
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performScrollToNode
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.test.runComposeUiTest
import java.time.Instant
import java.time.ZoneId
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancel
import org.healthbook.core.Language
import org.healthbook.core.wrapper.AskDraft
import org.healthbook.core.wrapper.AskProblem
import org.healthbook.core.wrapper.CitizenQuestion
import org.healthbook.core.wrapper.FakeHotlineRepository
import org.healthbook.core.wrapper.HotlineError
import org.healthbook.core.wrapper.HotlineEvent
import org.healthbook.core.wrapper.HotlinePage
import org.healthbook.core.wrapper.HotlineState
import org.healthbook.core.wrapper.HotlineViewModel
import org.healthbook.core.wrapper.NewQuestion
import org.healthbook.core.wrapper.QaCategory
import org.healthbook.core.wrapper.QuestionKind
import org.healthbook.core.wrapper.QuestionState
import org.healthbook.ui.hotline.HotlineScreen

/** The hotline's Q&A set and a citizen's questions as the core would give them; the texts are made up. */
object HotlineFixtures {
    val now: Instant = Fixtures.now
    val zone: ZoneId = ZoneId.of("Asia/Ho_Chi_Minh")
    val info = FakeHotlineRepository.info(3, now.minusSeconds(1_800))
    val entries = FakeHotlineRepository.sample + FakeHotlineRepository.entry(
        "e4", QaCategory.VACCINATION, "Tôi đã tiêm ở tỉnh khác, làm sao để có chứng nhận?",
        "Mang giấy tiêm chủng đến trạm y tế phường; cán bộ sẽ xác nhận các mũi đã tiêm.",
        "I was vaccinated in another province: how do I get a certificate?",
        "Bring your vaccination paper to the ward's health station; an officer confirms the doses.",
    )

    fun question(id: String, state: QuestionState, minutesAgo: Long, text: String, answer: String? = null, kind: QuestionKind = QuestionKind.QUESTION, category: QaCategory = QaCategory.VACCINATION) =
        CitizenQuestion(id, kind, category, text, now.minusSeconds(minutesAgo * 60), state, answer, answer?.let { now.minusSeconds(minutesAgo * 30) })

    /** The core's reason for a question the server refused for good (the outbox's words: status, code, message). */
    const val REFUSED_REASON = "server said 422 invalid_request: ward is not in province 79"

    /** A question the server refused for good: it will never be sent. */
    val refused = question("q5", QuestionState.REFUSED, 20, "Lịch tiêm mũi 3 ở phường tôi là khi nào?").copy(refusedReason = REFUSED_REASON)

    val questions = listOf(
        question("q4", QuestionState.SENDING, 2, "Cửa hàng tiện lợi số 12 Pasteur không quét được mã.", kind = QuestionKind.REPORT, category = QaCategory.CHECK_IN),
        refused,
        question("q2", QuestionState.ANSWERED, 90, "Tiêm mũi 3 ở đâu gần phường Bến Thành?", "Trạm y tế phường Bến Thành, 1 Lê Lợi, sáng thứ Bảy từ 7:30."),
        question("q3", QuestionState.ASSIGNED, 300, "Con tôi 4 tuổi có cần khai báo không?", category = QaCategory.DECLARATIONS),
        question("q1", QuestionState.CLOSED, 10_000, "Câu hỏi gửi trùng.", category = QaCategory.OTHER),
    )

    fun state(page: HotlinePage = HotlinePage.Qa, change: (HotlineState) -> HotlineState = { it }): HotlineState =
        change(HotlineState(loading = false, page = page, province = "79", info = info, results = entries, questions = questions))
}

@OptIn(ExperimentalTestApi::class)
class HotlineScreensTest {
    private val now = HotlineFixtures.now
    private val zone = HotlineFixtures.zone

    @Test
    fun `typing without diacritics finds the entry, a chip narrows the list, and an entry opens`() = runComposeUiTest {
        val repo = FakeHotlineRepository(now).apply {
            entries += HotlineFixtures.entries
            info = HotlineFixtures.info
        }
        // Unconfined: the fake never suspends, so each event is handled before the next line of the test.
        val scope = CoroutineScope(Dispatchers.Unconfined)
        val vm = HotlineViewModel(repo, scope) { "79" }
        try {
            show(Language.VI) {
                val state by vm.state.collectAsState()
                HotlineScreen(state, now, zone, vm::onEvent)
            }
            awaitText("Bộ hỏi đáp phiên bản 3, cập nhật ngày 28/02/2026")
            onNodeWithTag("qa-entry-e2").assertExists()
            onNodeWithTag("qa-search").performTextInput("khai bao")
            awaitText("Làm sao để khai báo y tế cho con nhỏ?")
            assertEquals(0, onAllNodesWithTag("qa-entry-e2").fetchSemanticsNodes().size, "only the matching entry is listed")

            onNodeWithTag("qa-category-VACCINATION").performScrollTo().performClick()
            onNodeWithTag("qa-category-VACCINATION").assertIsSelected()
            onNodeWithTag("qa-no-results").assertExists()
            onNodeWithText("Hãy gửi câu hỏi: cán bộ đường dây nóng 1022 sẽ trả lời ngay trong ứng dụng.").assertExists()

            onNodeWithTag("qa-category-ALL").performScrollTo().performClick()
            onNodeWithTag("qa-list").performScrollToNode(hasTestTag("qa-entry-e1"))
            onNodeWithTag("qa-entry-e1").performClick()
            onNodeWithTag("qa-answer").assertExists()
            onNodeWithText("Thêm hồ sơ của con trong mục Hồ sơ (quan hệ: Người nhà), rồi chọn hồ sơ đó khi khai báo.").assertExists()
        } finally {
            scope.cancel()
        }
    }

    @Test
    fun `an entry without English is shown in Vietnamese in the English app`() = runComposeUiTest {
        val e3 = HotlineFixtures.entries.first { it.id == "e3" }
        show(Language.EN) { HotlineScreen(HotlineFixtures.state(HotlinePage.Entry("e3")) { it.copy(entry = e3) }, now, zone, {}) }
        onNodeWithText(e3.questionVi).assertExists()
        onNodeWithText(e3.answerVi).assertExists()
        onNodeWithText("Q&A version 3, updated 28/02/2026").assertExists()
        onNodeWithText("Not what you need? Ask a question").assertExists()
    }

    @Test
    fun `the ask form says what is sent, marks each problem at its field, and sends what was typed`() = runComposeUiTest {
        val repo = FakeHotlineRepository(now).apply { info = HotlineFixtures.info }
        val scope = CoroutineScope(Dispatchers.Unconfined)
        val vm = HotlineViewModel(repo, scope) { "79" }
        try {
            vm.onEvent(HotlineEvent.OpenAsk)
            show(Language.EN) {
                val state by vm.state.collectAsState()
                HotlineScreen(state, now, zone, vm::onEvent)
            }
            onNodeWithText("Only what you type on this page is sent: not your name, your profiles or your location.").assertExists()
            onNodeWithText("Only if you want a call back.").assertExists()
            onNodeWithTag("ask-venue").assertDoesNotExist()
            onNodeWithContentDescription("Report a problem (for example a venue that does not scan)").performClick()
            onNodeWithTag("ask-category-CHECK_IN").performScrollTo().performClick()
            onNodeWithTag("ask-venue").performScrollTo().performTextInput("v-9f2c")
            onNodeWithTag("ask-phone").performScrollTo().performTextInput("0123")
            onNodeWithTag("ask-send").performScrollTo().performClick()
            onNodeWithText("Please write what you want to ask or report.").performScrollTo().assertExists()
            onNodeWithText("A Vietnamese mobile number is needed, for example 0912 345 678.").performScrollTo().assertExists()
            assertTrue(repo.asked.isEmpty(), "nothing is sent while a field is wrong")

            onNodeWithTag("ask-text").performScrollTo().performTextInput("The QR at the shop door does not scan.")
            onNodeWithTag("ask-phone").performScrollTo().performTextReplacement("0912 345 678")
            onNodeWithTag("ask-send").performScrollTo().performClick()
            awaitText("Your question was sent. The answer will appear here.")
            assertEquals(
                NewQuestion(QuestionKind.REPORT, QaCategory.CHECK_IN, "79", null, "The QR at the shop door does not scan.", "v-9f2c", "0912345678", "en"),
                repo.asked.single(),
            )
            onNodeWithText("Received, waiting to be handled").assertExists()
        } finally {
            scope.cancel()
        }
    }

    @Test
    fun `my questions show each state in words and the answer`() = runComposeUiTest {
        show(Language.VI) { HotlineScreen(HotlineFixtures.state(HotlinePage.MyQuestions), now, zone, {}) }
        val list = onNodeWithTag("my-questions-list")
        for (text in listOf("Đang chờ gửi (khi có mạng)", "Không gửi được: tổng đài không nhận câu hỏi này", "Đang được xử lý", "Đã trả lời", "Trạm y tế phường Bến Thành, 1 Lê Lợi, sáng thứ Bảy từ 7:30.", "Đã đóng, không có trả lời")) {
            list.performScrollToNode(hasText(text))
            onNodeWithText(text).assertExists()
        }
        list.performScrollToNode(hasTestTag("answer-q2"))
        onNodeWithTag("answer-q2").assertExists()
    }

    @Test
    fun `a refused question says it was not sent and what to do, with the technical reason after it`() = runComposeUiTest {
        show(Language.EN) { HotlineScreen(HotlineFixtures.state(HotlinePage.MyQuestions) { it.copy(justSent = HotlineFixtures.refused) }, now, zone, {}) }
        onNodeWithText("The hotline did not accept this question, so it was not sent. See why below.").assertExists()
        val list = onNodeWithTag("my-questions-list")
        list.performScrollToNode(hasTestTag("refusal-q5"))
        onNodeWithText("Not sent: the hotline did not accept this question").assertExists()
        onNodeWithTag("refusal-q5").assert(hasText("This question will not be sent. Check what you wrote and ask again, or call the hotline.", substring = true))
        onNodeWithTag("refusal-q5").assert(hasText("Technical detail: ${HotlineFixtures.REFUSED_REASON}", substring = true))
        // Only the question still in the outbox says it waits to be sent; the refused one never does.
        onNodeWithTag("question-q5").assert(hasText("Waiting to send (when there is a connection)").not())
        onAllNodesWithText("Waiting to send (when there is a connection)").assertCountEquals(1)
    }

    @Test
    fun `an error is said in words with a dismiss, and without a province the screen says why`() = runComposeUiTest {
        val events = mutableListOf<HotlineEvent>()
        show(Language.EN) {
            HotlineScreen(HotlineFixtures.state { it.copy(error = HotlineError.Refresh, province = null, info = null, results = emptyList()) }, now, zone, { events += it })
        }
        onNodeWithText("The server could not be reached. Showing what the phone has stored.").assertExists()
        onNodeWithText("Add your own profile (with its address) to use your province's hotline.").assertExists()
        onNodeWithText("Dismiss").performClick()
        assertEquals(listOf<HotlineEvent>(HotlineEvent.DismissError), events)
    }

    @Test
    fun `a question that failed to queue keeps the form with its text and problem`() = runComposeUiTest {
        val draft = AskDraft(QuestionKind.QUESTION, QaCategory.TRAVEL, "Đi Hà Nội cần gì?", ward = "123")
        show(Language.VI) {
            HotlineScreen(HotlineFixtures.state(HotlinePage.Ask) { it.copy(draft = draft, problems = setOf(AskProblem.WARD), error = HotlineError.Ask) }, now, zone, {})
        }
        onNodeWithText("Chưa lưu được câu hỏi. Nội dung vẫn còn đây; hãy thử lại.").assertExists()
        onNodeWithText("Đi Hà Nội cần gì?").assertExists()
        onNodeWithText("Mã phường/xã gồm 5 chữ số.").performScrollTo().assertExists()
    }
}
