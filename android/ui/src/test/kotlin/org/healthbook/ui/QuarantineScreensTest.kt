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
import java.time.Instant
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.healthbook.core.Language
import org.healthbook.core.QuarantineException as CoreQuarantineException
import org.healthbook.core.QuarantineSensorProblem
import org.healthbook.core.wrapper.CoreQuarantineRepository
import org.healthbook.core.wrapper.ExplanationDraft
import org.healthbook.core.wrapper.ExplanationReason
import org.healthbook.core.wrapper.FakeQuarantineRepository
import org.healthbook.core.wrapper.QuarantineCase
import org.healthbook.core.wrapper.QuarantineCaseState
import org.healthbook.core.wrapper.QuarantineCheckIn
import org.healthbook.core.wrapper.QuarantineCommitment
import org.healthbook.core.wrapper.QuarantineDecision
import org.healthbook.core.wrapper.QuarantineError
import org.healthbook.core.wrapper.QuarantineEvent
import org.healthbook.core.wrapper.QuarantineOrderState
import org.healthbook.core.wrapper.QuarantinePage
import org.healthbook.core.wrapper.QuarantineState
import org.healthbook.core.wrapper.QuarantineVerdict
import org.healthbook.core.wrapper.QuarantineVerdictReason
import org.healthbook.ui.quarantine.QuarantineHomeCard
import org.healthbook.ui.quarantine.QuarantineScreen

/** Quarantine orders, challenges and cases as the core would give them; the names are made up. */
object QuarantineFixtures {
    val now: Instant = Fixtures.now
    /** A daily window opened at 07:50Z (14:50 in Vietnam): late after 15:50, missed after 16:20. */
    val challenge = FakeQuarantineRepository.challenge("ch1", now.minusSeconds(600))
    val active = FakeQuarantineRepository.order("o1", QuarantineOrderState.ACTIVE).copy(daysLeft = 12, extensionDays = 2, pendingCheckIns = 1)

    /** A commitment of [articles] articles. */
    fun commitment(articles: Int = 14) = QuarantineCommitment(
        2,
        (1..articles).joinToString("\n\n") { "Điều $it. Tôi ở trong nhà suốt thời gian cách ly, không tiếp khách, trả lời mỗi lần điểm danh và báo ngay cho trạm y tế khi có triệu chứng." },
        (1..articles).joinToString("\n\n") { "Article $it. I stay inside my home for the whole quarantine, receive no visitors, answer every check-in and tell the health station at once if I have symptoms." },
    )

    val okCheckIn = QuarantineCheckIn(4, "ch0", now.minusSeconds(86_400), QuarantineVerdict.OK, emptyList())
    val doubtful = QuarantineCheckIn(5, "ch1", now.minusSeconds(60), QuarantineVerdict.NEEDS_REVIEW, listOf(QuarantineVerdictReason.UNCERTAIN_LOCATION, QuarantineVerdictReason.RADIO_UNLIKE_HOME))
    val missed = QuarantineCheckIn(null, "chm", now.minusSeconds(43_200), QuarantineVerdict.MISSED, listOf(QuarantineVerdictReason.NO_ANSWER))
    /** A check-in the server refused for good, with the server's words as the core keeps them. */
    val refused = QuarantineCheckIn(
        6, "ch1", now.minusSeconds(120), QuarantineVerdict.REFUSED, emptyList(),
        refusedReason = "server said 422 invalid_request: challenge ch1 is closed",
    )
    val openCase = FakeQuarantineRepository.case("c1", "o1", missed, now.minusSeconds(43_000))
    val decidedCase: QuarantineCase = FakeQuarantineRepository.case("c0", "o1", doubtful.copy(challengeId = "chx"), now.minusSeconds(200_000)).copy(
        state = QuarantineCaseState.DECIDED,
        explanation = ExplanationReason.HOSPITAL_VISIT,
        explanationText = "Đi khám ở bệnh viện quận",
        decision = QuarantineDecision.DISMISSED,
        decisionNote = "Đã xác minh với bệnh viện. Cảm ơn anh.",
        decidedAt = now.minusSeconds(150_000),
    )

    /** The core's refusal of a check-in when location may not be used, in the repository's words. */
    val locationRefused = QuarantineError.Refused(
        CoreQuarantineRepository.words(CoreQuarantineException.Location(QuarantineSensorProblem.PERMISSION_DENIED)),
    )

    fun state(page: QuarantinePage = QuarantinePage.Countdown, edit: (QuarantineState) -> QuarantineState = { it }) = edit(
        QuarantineState(
            loading = false,
            orders = listOf(active.copy(openChallenge = challenge)),
            selectedId = "o1",
            page = page,
            checkIns = listOf(okCheckIn),
            cases = listOf(openCase),
        ),
    )
}

@OptIn(ExperimentalTestApi::class)
class QuarantineScreensTest {
    private val now = QuarantineFixtures.now

    @Test
    fun `the countdown shows days left large, the end in the home's local time and the open check-in`() = runComposeUiTest {
        val events = mutableListOf<QuarantineEvent>()
        show(Language.EN) { QuarantineScreen(QuarantineFixtures.state(), now, { events += it }) }
        // 16:59:59Z on 5 March is the last second of the day in Vietnam.
        onNodeWithContentDescription("12 days left. 23:59, 05/03/2026").assertExists()
        onNodeWithText("Extended by 2 days").assertExists()
        onNodeWithText("1 check-ins waiting to send (sent when there is a connection)").assertExists()
        onNodeWithContentDescription("A check-in is open").assertExists()
        onNodeWithTag("open-checkin").performClick()
        assertEquals(QuarantineEvent.OpenCheckIn, events.last())
        onNodeWithText("No penalty without a health officer's decision.").performScrollTo().assertExists()
        onNodeWithTag("case-c1").performScrollTo().performClick()
        assertEquals(QuarantineEvent.OpenCase("c1"), events.last())
    }

    @Test
    fun `without an open challenge the next window is shown and the home card says so`() = runComposeUiTest {
        val order = QuarantineFixtures.active
        var opened = 0
        show(Language.EN) { QuarantineHomeCard(order, now, { opened++ }) }
        // 01:00Z on 2 March is 08:00 in Vietnam.
        onNodeWithText("The next check-in opens at 08:00, 02/03/2026").assertExists()
        onNodeWithText("Open").performClick()
        assertEquals(1, opened)
    }

    @Test
    fun `the commitment is in the person's language and can be signed only after reading to the end`() = runComposeUiTest {
        var state by mutableStateOf(QuarantineFixtures.state(QuarantinePage.Commitment) { it.copy(commitment = QuarantineFixtures.commitment(60)) })
        val events = mutableListOf<QuarantineEvent>()
        show(Language.EN) {
            QuarantineScreen(state, now, { e ->
                events += e
                if (e == QuarantineEvent.ReadToEnd) state = state.copy(readToEnd = true)
            })
        }
        onNodeWithText("Article 1.", substring = true).assertExists()
        onNodeWithText("Điều 1.", substring = true).assertDoesNotExist()
        waitForIdle()
        assertTrue(QuarantineEvent.ReadToEnd !in events, "not read before scrolling")
        onNodeWithTag("sign").assertIsNotEnabled()
        onNodeWithTag("sign").performScrollTo()
        waitForIdle()
        assertTrue(QuarantineEvent.ReadToEnd in events)
        onNodeWithTag("sign").assertIsEnabled().performClick()
        assertEquals(QuarantineEvent.Sign, events.last())
    }

    @Test
    fun `enrolment says what is recorded and enrols once the sticker is scanned`() = runComposeUiTest {
        val enrolling = FakeQuarantineRepository.order("o1", QuarantineOrderState.AWAITING_ENROLMENT)
        var state by mutableStateOf(QuarantineState(loading = false, orders = listOf(enrolling), selectedId = "o1", page = QuarantinePage.Enrolment))
        val events = mutableListOf<QuarantineEvent>()
        show(Language.EN) { QuarantineScreen(state, now, { events += it }) }
        onNodeWithText("Hashed identifiers of the Wi-Fi networks and Bluetooth devices around the home, no names: only to compare at check-ins.").assertExists()
        onNodeWithText("Location is taken once now and once at each check-in, never continuously.").assertExists()
        onNodeWithTag("enrol").assertIsNotEnabled()
        onNodeWithContentDescription("Code of the sticker (HQ1:…)").performTextInput("HQ1:k7Yp2")
        onNodeWithText("Use this code").performClick()
        assertEquals(QuarantineEvent.Scanned("HQ1:k7Yp2"), events.last())

        state = state.copy(error = QuarantineError.NotHomeToken)
        onNodeWithText("This is not the home's sticker. Scan the sticker marked HQ1.").assertExists()
        state = state.copy(error = null, scannedToken = "HQ1:k7Yp2")
        onNodeWithText("The home's code is scanned").assertExists()
        onNodeWithTag("enrol").performScrollTo().assertIsEnabled().performClick()
        assertEquals(QuarantineEvent.Enrol, events.last())
    }

    @Test
    fun `check-in shows the window, waits for the token when asked, and a doubtful result is said without threat`() = runComposeUiTest {
        val withToken = QuarantineFixtures.challenge.copy(homeTokenRequired = true)
        var state by mutableStateOf(QuarantineFixtures.state(QuarantinePage.CheckIn) { s -> s.copy(orders = s.orders.map { it.copy(openChallenge = withToken) }) })
        val events = mutableListOf<QuarantineEvent>()
        show(Language.EN) { QuarantineScreen(state, now, { events += it }) }
        onNodeWithText("15:50 (50 min)").assertExists()
        onNodeWithText("16:20").assertExists()
        onNodeWithText("This time, scan the sticker inside the home first.").assertExists()
        onNodeWithTag("checkin").assertIsNotEnabled()

        state = state.copy(scannedToken = "HQ1:home")
        onNodeWithTag("checkin").performScrollTo().assertIsEnabled().performClick()
        assertEquals(QuarantineEvent.CheckIn, events.last())

        val case = FakeQuarantineRepository.case("c2", "o1", QuarantineFixtures.doubtful, now)
        state = state.copy(lastCheckIn = QuarantineFixtures.doubtful, cases = listOf(case))
        onNodeWithContentDescription("A health officer will look at this check-in").assertExists()
        onNodeWithText("• The location was not precise enough").assertExists()
        onNodeWithText("• Wi-Fi/Bluetooth did not look like home").assertExists()
        onNodeWithText("You can explain. Nothing is held against you until an officer decides.").assertExists()
        onNodeWithText("Explain").performScrollTo().performClick()
        assertEquals(QuarantineEvent.OpenCase("c2"), events.last())

        state = state.copy(lastCheckIn = QuarantineFixtures.doubtful.copy(verdict = QuarantineVerdict.PENDING, reasons = emptyList()))
        onNodeWithContentDescription("Recorded, waiting to send (sent when there is a connection)").assertExists()
    }

    @Test
    fun `a refused check-in says why in the core's words, and no connection is said apart`() = runComposeUiTest {
        var state by mutableStateOf(QuarantineFixtures.state(QuarantinePage.CheckIn) { it.copy(error = QuarantineFixtures.locationRefused) })
        val events = mutableListOf<QuarantineEvent>()
        show(Language.EN) { QuarantineScreen(state, now, { events += it }) }
        onNodeWithText(QuarantineFixtures.locationRefused.message).assertExists()
        assertTrue(QuarantineFixtures.locationRefused.message.contains("Allow the app to use location"))
        onNodeWithText("The check-in did not go through. Please try again now.").assertDoesNotExist()
        onNodeWithText("Dismiss").performClick()
        assertEquals(listOf<QuarantineEvent>(QuarantineEvent.DismissError), events)

        state = QuarantineFixtures.state(QuarantinePage.Commitment) { it.copy(error = QuarantineError.Offline) }
        onNodeWithText("There is no connection, so this could not be done; nothing has changed. Try again when you are online.").assertExists()
    }

    @Test
    fun `a check-in the server refused for good says Not accepted and what to do, the reason small, never waiting`() = runComposeUiTest {
        var state by mutableStateOf(QuarantineFixtures.state(QuarantinePage.CheckIn) { it.copy(lastCheckIn = QuarantineFixtures.refused) })
        show(Language.EN) { QuarantineScreen(state, now, {}) }
        onNodeWithContentDescription("Not accepted: the server refused this check-in").assertExists()
        onNodeWithText("This check-in does not count. Check in again while the window is open, or explain it to your health officer.").assertExists()
        onNodeWithText("Technical detail: server said 422 invalid_request: challenge ch1 is closed").assertExists()
        onNodeWithContentDescription("Recorded, waiting to send (sent when there is a connection)").assertDoesNotExist()

        // In the history too, under the time of the check-in.
        state = QuarantineFixtures.state { it.copy(checkIns = listOf(QuarantineFixtures.refused, QuarantineFixtures.okCheckIn)) }
        onNodeWithTag("refused-checkin-6").performScrollTo().assertExists()
        onNodeWithText("Not accepted: the server refused this check-in").assertExists()
        onNodeWithText("Recorded, waiting to send (sent when there is a connection)").assertDoesNotExist()
    }

    @Test
    fun `a refused check-in is said in Vietnamese too`() = runComposeUiTest {
        show(Language.VI) { QuarantineScreen(QuarantineFixtures.state(QuarantinePage.CheckIn) { it.copy(lastCheckIn = QuarantineFixtures.refused) }, now, {}) }
        onNodeWithContentDescription("Không được chấp nhận: máy chủ từ chối lần điểm danh này").assertExists()
        onNodeWithText(
            "Lần điểm danh này không được tính. Hãy điểm danh lại nếu còn trong giờ điểm danh, hoặc giải thích với cán bộ y tế phụ trách.",
        ).assertExists()
        onNodeWithText("Chi tiết kỹ thuật: server said 422 invalid_request: challenge ch1 is closed").assertExists()
    }

    @Test
    fun `without an open challenge the check-in button is not there`() = runComposeUiTest {
        val state = QuarantineFixtures.state(QuarantinePage.CheckIn) { s -> s.copy(orders = s.orders.map { it.copy(openChallenge = null) }) }
        show(Language.EN) { QuarantineScreen(state, now, {}) }
        onNodeWithText("No check-in is open now. The app will tell you when one is.").assertExists()
        onNodeWithTag("checkin").assertDoesNotExist()
    }

    @Test
    fun `a case is explained with a reason, another reason needs words, and the decision shows with the officer's note`() = runComposeUiTest {
        var state by mutableStateOf(QuarantineFixtures.state(QuarantinePage.Case("c1")))
        val events = mutableListOf<QuarantineEvent>()
        show(Language.EN) { QuarantineScreen(state, now, { events += it }) }
        onNodeWithText("No penalty without a health officer's decision.").assertExists()
        onNodeWithContentDescription("No check-in was received").assertExists()
        // Opened at 20:03:20Z the day before: 03:03 in Vietnam.
        onNodeWithText("03:03, 01/03/2026").assertExists()
        onNodeWithContentDescription("Another reason").performScrollTo().performClick()
        assertEquals(QuarantineEvent.ChooseReason(ExplanationReason.OTHER), events.last())

        state = state.copy(draft = ExplanationDraft(ExplanationReason.OTHER, textMissing = true))
        onNodeWithText("Please write a few words for another reason.").assertExists()
        onNodeWithContentDescription("Your explanation").performTextInput("Tôi ra sân")
        assertEquals(QuarantineEvent.ExplanationText("Tôi ra sân"), events.last())
        onNodeWithTag("send-explanation").performScrollTo().performClick()
        assertEquals(QuarantineEvent.SendExplanation, events.last())

        state = QuarantineFixtures.state(QuarantinePage.Case("c0")) { it.copy(cases = listOf(QuarantineFixtures.decidedCase)) }
        onNodeWithText("Dismissed: nothing held against you").performScrollTo().assertExists()
        onNodeWithText("Đã xác minh với bệnh viện. Cảm ơn anh.").assertExists()
        onNodeWithText("I went to a hospital or clinic: Đi khám ở bệnh viện quận").assertExists()
        onNodeWithTag("send-explanation").assertDoesNotExist()
    }
}
