package org.healthbook.core.wrapper

import java.time.Instant
import org.healthbook.core.HotlineCategory
import org.healthbook.core.HotlineQuestion
import org.healthbook.core.HotlineQuestionKind
import org.healthbook.core.HotlineQuestionState
import org.healthbook.core.wrapper.CoreHotlineRepository.Companion.toScreen
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

/** How [CoreHotlineRepository] maps the binding's questions for the screens (no native call: records only). */
class CoreHotlineRepositoryTest {
    private val at = Instant.parse("2026-03-01T08:00:00Z")

    private fun question(state: HotlineQuestionState, refusedReason: String?) = HotlineQuestion(
        id = "q1",
        kind = HotlineQuestionKind.QUESTION,
        category = HotlineCategory.VACCINATION,
        text = "Tiêm mũi 3 ở đâu?",
        askedAt = at,
        state = state,
        answer = null,
        answeredAt = null,
        refusedReason = refusedReason,
    )

    @Test
    fun `a question the core keeps sending with a refusal reason is refused, with the reason`() {
        val refused = question(HotlineQuestionState.SENDING, "server said 422 invalid_request: ward").toScreen()
        assertEquals(QuestionState.REFUSED, refused.state)
        assertEquals("server said 422 invalid_request: ward", refused.refusedReason)
        assertEquals(QuestionState.REFUSED, question(HotlineQuestionState.SENDING, "").toScreen().state, "a blank reason is still a refusal")
    }

    @Test
    fun `without a reason a question keeps the core's state`() {
        for (state in HotlineQuestionState.entries) {
            val mapped = question(state, null).toScreen()
            assertEquals(QuestionState.valueOf(state.name), mapped.state)
            assertNull(mapped.refusedReason)
        }
    }
}
