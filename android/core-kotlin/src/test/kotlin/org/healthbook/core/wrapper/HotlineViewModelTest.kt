package org.healthbook.core.wrapper

import java.time.Instant
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.healthbook.core.Language
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The citizen's hotline view model, driven through a [FakeHotlineRepository]. */
@OptIn(ExperimentalCoroutinesApi::class)
class HotlineViewModelTest {
    private val now = Instant.parse("2026-03-01T08:00:00Z")

    private fun repo(stored: Boolean = true) = FakeHotlineRepository(now).apply {
        if (stored) {
            entries += FakeHotlineRepository.sample
            info = FakeHotlineRepository.info(2, now.minusSeconds(3_600))
        }
    }

    private fun TestScope.started(repo: FakeHotlineRepository, province: String? = "79"): HotlineViewModel =
        HotlineViewModel(repo, backgroundScope) { province }.also { runCurrent() }

    @Test
    fun `the stored set is listed at once, then a newer version is fetched and searched again`() = runTest {
        val repo = repo()
        val newer = FakeHotlineRepository.sample + FakeHotlineRepository.entry("e4", QaCategory.TRAVEL, "Đi tỉnh khác có cần khai báo?", "Có, trước khi đi.")
        repo.serverSet = FakeHotlineRepository.info(3, now) to newer
        val vm = started(repo)
        assertEquals(listOf("qaInfo", "questions", "search::", "refreshQa:79", "search::", "refreshQuestions"), repo.calls)
        val s = vm.state.value
        assertFalse(s.loading)
        assertFalse(s.refreshingQa)
        assertEquals("79", s.province)
        assertEquals(3, s.info?.version)
        assertEquals(now, s.info?.checkedAt)
        assertEquals(listOf("e1", "e2", "e3", "e4"), s.results.map { it.id })
        assertFalse(s.noResults)
    }

    @Test
    fun `search as you type finds entries typed without diacritics, in either language, and chips filter`() = runTest {
        val repo = repo()
        val vm = started(repo)
        vm.onEvent(HotlineEvent.Query("khai bao"))
        assertTrue(vm.state.value.searching)
        runCurrent()
        assertFalse(vm.state.value.searching)
        assertEquals(listOf("e1"), vm.state.value.results.map { it.id }, "\"khai bao\" finds \"khai báo\"")
        vm.onEvent(HotlineEvent.Query("YELLOW pass"))
        runCurrent()
        assertEquals(listOf("e2"), vm.state.value.results.map { it.id })

        vm.onEvent(HotlineEvent.Query(""))
        vm.onEvent(HotlineEvent.Category(QaCategory.CHECK_IN))
        runCurrent()
        assertEquals(listOf("e3"), vm.state.value.results.map { it.id })
        vm.onEvent(HotlineEvent.Query("the vang"))
        runCurrent()
        assertTrue(vm.state.value.noResults, "a search with nothing found says so (and the screen suggests asking)")
        vm.onEvent(HotlineEvent.Category(null))
        runCurrent()
        assertEquals(listOf("e2"), vm.state.value.results.map { it.id })
    }

    @Test
    fun `keystrokes overtaken by newer ones are not searched`() = runTest {
        val repo = repo()
        val vm = started(repo)
        repo.calls.clear()
        for (typed in listOf("t", "th", "the", "the v")) vm.onEvent(HotlineEvent.Query(typed))
        runCurrent()
        assertEquals(listOf("search:the v:"), repo.calls)
        assertEquals(listOf("e2"), vm.state.value.results.map { it.id })
    }

    @Test
    fun `an entry opens in the app's language, in Vietnamese when it has no English yet`() = runTest {
        val vm = started(repo())
        vm.onEvent(HotlineEvent.OpenEntry("e1"))
        assertEquals(HotlinePage.Entry("e1"), vm.state.value.page)
        val e1 = vm.state.value.entry!!
        assertEquals("How do I fill in a declaration for my child?", e1.questionIn(Language.EN))
        assertEquals("Làm sao để khai báo y tế cho con nhỏ?", e1.questionIn(Language.VI))
        // A search typed meanwhile does not take the open entry away.
        vm.onEvent(HotlineEvent.Query("zzz"))
        runCurrent()
        assertEquals("e1", vm.state.value.entry?.id)

        vm.onEvent(HotlineEvent.Back)
        vm.onEvent(HotlineEvent.Query(""))
        runCurrent()
        vm.onEvent(HotlineEvent.OpenEntry("e3"))
        val e3 = vm.state.value.entry!!
        assertEquals(e3.questionVi, e3.questionIn(Language.EN))
        assertEquals(e3.answerVi, e3.answerIn(Language.EN))
        vm.onEvent(HotlineEvent.OpenEntry("nope"))
        assertEquals("e3", vm.state.value.entry?.id, "an id not in the results changes nothing")
    }

    @Test
    fun `the ask form refuses each bad field at its place and sends nothing`() = runTest {
        val repo = repo()
        val vm = started(repo)
        vm.onEvent(HotlineEvent.OpenAsk)
        assertEquals(HotlinePage.Ask, vm.state.value.page)
        vm.onEvent(HotlineEvent.Send(Language.VI))
        assertEquals(setOf(AskProblem.TEXT_EMPTY), vm.state.value.problems)

        val bad = AskDraft(QuestionKind.REPORT, QaCategory.CHECK_IN, "x".repeat(HOTLINE_MAX_TEXT_CHARS + 1), ward = "2673", venueId = "v 1", contactPhone = "0123")
        vm.onEvent(HotlineEvent.Edit(bad))
        assertEquals(emptySet<AskProblem>(), vm.state.value.problems, "editing the text clears its problem")
        vm.onEvent(HotlineEvent.Send(Language.VI))
        assertEquals(setOf(AskProblem.TEXT_TOO_LONG, AskProblem.WARD, AskProblem.VENUE, AskProblem.PHONE), vm.state.value.problems)
        vm.onEvent(HotlineEvent.Edit(bad.copy(ward = "26734")))
        assertEquals(setOf(AskProblem.TEXT_TOO_LONG, AskProblem.VENUE, AskProblem.PHONE), vm.state.value.problems, "only the edited field's problem goes")
        // Exactly 2,000 characters is allowed, counted as the server counts them (an emoji is one, not two UTF-16 units).
        vm.onEvent(HotlineEvent.Edit(bad.copy(text = "\uD83D\uDE37".repeat(HOTLINE_MAX_TEXT_CHARS), ward = "", venueId = "", contactPhone = "")))
        vm.onEvent(HotlineEvent.Send(Language.VI))
        runCurrent()
        assertEquals(emptySet<AskProblem>(), vm.state.value.problems)
        assertEquals(1, repo.asked.size)
        assertFalse(repo.calls.count { it == "ask" } > 1)
    }

    @Test
    fun `a valid question sends only what was typed, trimmed, and shows on top of my questions`() = runTest {
        val repo = repo()
        val vm = started(repo)
        vm.onEvent(HotlineEvent.Category(QaCategory.CHECK_IN))
        runCurrent()
        vm.onEvent(HotlineEvent.OpenAsk)
        assertEquals(QaCategory.CHECK_IN, vm.state.value.draft.category, "the chip chosen suggests the category")
        vm.onEvent(
            HotlineEvent.Edit(
                vm.state.value.draft.copy(
                    kind = QuestionKind.REPORT, text = "  Cửa hàng số 5 không quét được mã.  ", ward = " 26734 ", venueId = " v-9f2c ", contactPhone = "091 234 5678",
                ),
            ),
        )
        vm.onEvent(HotlineEvent.Send(Language.EN))
        assertTrue(vm.state.value.sending)
        runCurrent()
        assertEquals(
            NewQuestion(QuestionKind.REPORT, QaCategory.CHECK_IN, "79", "26734", "Cửa hàng số 5 không quét được mã.", "v-9f2c", "0912345678", "en"),
            repo.asked.single(),
        )
        val s = vm.state.value
        assertFalse(s.sending)
        assertEquals(HotlinePage.MyQuestions, s.page)
        assertEquals(AskDraft(), s.draft, "the form is emptied once queued")
        assertEquals("q1", s.justSent?.id)
        assertEquals(QuestionState.RECEIVED, s.questions.first().state)
        assertFalse(s.toString().contains("Cửa hàng"), "the state's text holds no question text")
        assertFalse(s.toString().contains("0912"), "nor a phone number")

        // A question never carries a venue, even one typed while it was a report; optional fields may stay empty.
        vm.onEvent(HotlineEvent.OpenAsk)
        vm.onEvent(HotlineEvent.Edit(AskDraft(QuestionKind.QUESTION, QaCategory.TRAVEL, "Đi Hà Nội cần gì?", venueId = "v-1")))
        vm.onEvent(HotlineEvent.Send(Language.VI))
        runCurrent()
        assertEquals(NewQuestion(QuestionKind.QUESTION, QaCategory.TRAVEL, "79", null, "Đi Hà Nội cần gì?", null, null, "vi"), repo.asked.last())
        assertEquals(listOf("q2", "q1"), vm.state.value.questions.map { it.id }, "newest first")
    }

    @Test
    fun `offline a question waits as sending, then its state and answer arrive`() = runTest {
        val repo = repo().apply { offline = true }
        val vm = started(repo)
        vm.onEvent(HotlineEvent.OpenAsk)
        vm.onEvent(HotlineEvent.Edit(AskDraft(text = "Tiêm mũi 3 ở đâu?", category = QaCategory.VACCINATION)))
        vm.onEvent(HotlineEvent.Send(Language.VI))
        runCurrent()
        assertEquals(QuestionState.SENDING, vm.state.value.justSent?.state)

        repo.offline = false
        vm.onEvent(HotlineEvent.OpenMyQuestions)
        runCurrent()
        assertEquals(QuestionState.RECEIVED, vm.state.value.questions.single().state)
        assertEquals(QuestionState.RECEIVED, vm.state.value.justSent?.state)
        repo.serverStates["q1"] = QuestionState.ANSWERED to "Tại trạm y tế phường, sáng thứ Bảy."
        vm.onEvent(HotlineEvent.Refresh)
        runCurrent()
        val answered = vm.state.value.questions.single()
        assertEquals(QuestionState.ANSWERED, answered.state)
        assertEquals("Tại trạm y tế phường, sáng thứ Bảy.", answered.answer)
        assertEquals(listOf(answered), vm.state.value.answered)
        vm.onEvent(HotlineEvent.Back)
        assertNull(vm.state.value.justSent)
        assertEquals(HotlinePage.Qa, vm.state.value.page)
    }

    @Test
    fun `a question the server refused for good shows as refused with its reason, never as sending`() = runTest {
        val repo = repo()
        repo.refuseNext = "server said 422 invalid_request: ward"
        val vm = started(repo)
        vm.onEvent(HotlineEvent.OpenAsk)
        vm.onEvent(HotlineEvent.Edit(AskDraft(text = "Tiêm mũi 3 ở đâu?")))
        vm.onEvent(HotlineEvent.Send(Language.VI))
        runCurrent()
        val sent = vm.state.value.justSent
        assertEquals(QuestionState.REFUSED, sent?.state)
        assertEquals("server said 422 invalid_request: ward", sent?.refusedReason)
        assertEquals(HotlinePage.MyQuestions, vm.state.value.page)
        assertNull(vm.state.value.error, "a refused question is the question's state, not a failed action")

        // Refreshing does not turn it into "received" or back into "sending": it will never be sent.
        vm.onEvent(HotlineEvent.Refresh)
        runCurrent()
        val kept = vm.state.value.questions.single()
        assertEquals(QuestionState.REFUSED to "server said 422 invalid_request: ward", kept.state to kept.refusedReason)
        assertEquals(QuestionState.REFUSED, vm.state.value.justSent?.state)
        assertTrue(vm.state.value.answered.isEmpty())
    }

    @Test
    fun `without a province nothing is fetched and a question can't be sent`() = runTest {
        val repo = repo(stored = false)
        val vm = started(repo, province = null)
        assertFalse(repo.calls.any { it.startsWith("refreshQa") })
        assertNull(vm.state.value.info)
        assertFalse(vm.state.value.noResults, "no set yet is not \"no results\"")
        vm.onEvent(HotlineEvent.OpenAsk)
        vm.onEvent(HotlineEvent.Edit(AskDraft(text = "Xin chào")))
        vm.onEvent(HotlineEvent.Send(Language.VI))
        assertEquals(setOf(AskProblem.NO_PROVINCE), vm.state.value.problems)
        assertTrue(repo.asked.isEmpty())
    }

    @Test
    fun `failures are said and change nothing, and a failed ask keeps the form`() = runTest {
        val repo = repo()
        repo.failNext = IllegalStateException("disk")
        val vm = started(repo)
        assertEquals(HotlineError.Load, vm.state.value.error)
        vm.onEvent(HotlineEvent.DismissError)
        assertNull(vm.state.value.error)

        vm.onEvent(HotlineEvent.OpenAsk)
        val draft = AskDraft(text = "Câu hỏi của tôi")
        vm.onEvent(HotlineEvent.Edit(draft))
        repo.failNext = IllegalStateException("outbox full")
        vm.onEvent(HotlineEvent.Send(Language.VI))
        runCurrent()
        assertEquals(HotlineError.Ask, vm.state.value.error)
        assertEquals(draft, vm.state.value.draft)
        assertEquals(HotlinePage.Ask, vm.state.value.page)
        assertFalse(vm.state.value.sending)

        // A refusal of the core is shown in its words; the form stays as typed.
        repo.failNext = HotlineException("Mã địa điểm không hợp lệ.")
        vm.onEvent(HotlineEvent.Send(Language.VI))
        runCurrent()
        assertEquals(HotlineError.Refused("Mã địa điểm không hợp lệ."), vm.state.value.error)
        assertEquals(draft, vm.state.value.draft)

        repo.failNext = IllegalStateException("server")
        vm.onEvent(HotlineEvent.Refresh)
        runCurrent()
        assertEquals(HotlineError.Refresh, vm.state.value.error)
        assertEquals(2, vm.state.value.info?.version, "the stored set stays")
    }

    @Test
    fun `call-back numbers are Vietnamese mobiles, separators dropped`() {
        assertEquals("0912345678", callBackNumber("091 234 5678"))
        assertEquals("+84912345678", callBackNumber("+84 912.345.678"))
        assertEquals("84387654321", callBackNumber("84387654321"))
        assertNull(callBackNumber("028 3812 3456"), "a landline is not a mobile")
        assertNull(callBackNumber("0123"))
        assertNull(callBackNumber("0612345678"), "no mobile starts with 6")
        assertNull(callBackNumber("091234567x"))
        assertNull(callBackNumber(""))
    }
}
