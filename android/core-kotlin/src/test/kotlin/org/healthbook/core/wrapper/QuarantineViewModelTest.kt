package org.healthbook.core.wrapper

import java.time.Instant
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.healthbook.core.QuarantineException as CoreQuarantineException
import org.healthbook.core.QuarantineSensorProblem

/** The person's home-quarantine view model, driven through a [FakeQuarantineRepository] and a manual clock. */
@OptIn(ExperimentalCoroutinesApi::class)
class QuarantineViewModelTest {
    private val start = Instant.parse("2026-03-01T08:00:00Z")
    private var clock = start

    private fun TestScope.started(repo: FakeQuarantineRepository): QuarantineViewModel =
        QuarantineViewModel(repo, backgroundScope) { clock }.also { runCurrent() }

    private fun active(challenge: QuarantineChallenge? = FakeQuarantineRepository.challenge("ch1", start.minusSeconds(600))) =
        FakeQuarantineRepository.order("o1", QuarantineOrderState.ACTIVE, challenge)

    @Test
    fun `orders load from the phone, then the server, the running order is selected with its history`() = runTest {
        val repo = FakeQuarantineRepository(start)
        repo.orders += FakeQuarantineRepository.order("o0", QuarantineOrderState.ENDED)
        repo.orders += active()
        val vm = started(repo)
        assertEquals(listOf("orders", "checkins", "cases", "refresh", "checkins", "cases"), repo.calls)
        val s = vm.state.value
        assertFalse(s.loading)
        assertEquals("o1", s.selectedId, "the running order, not the ended one")
        assertEquals("o1", s.active?.orderId)

        vm.onEvent(QuarantineEvent.Select("o0"))
        runCurrent()
        assertEquals("o0", vm.state.value.selectedId)
        assertFalse(vm.state.value.canCheckIn(clock), "an ended order has nothing to answer")
    }

    @Test
    fun `offline, the stored orders stay and the failure is said in words`() = runTest {
        val repo = FakeQuarantineRepository(start).apply { orders += active(); offline = true }
        val vm = started(repo)
        assertEquals(1, vm.state.value.orders.size)
        assertEquals(QuarantineError.Refresh, vm.state.value.error)
        vm.onEvent(QuarantineEvent.DismissError)
        assertNull(vm.state.value.error)
    }

    @Test
    fun `the commitment is signed only after it was read to the end, then enrolment follows`() = runTest {
        val repo = FakeQuarantineRepository(start).apply { orders += FakeQuarantineRepository.order("o1", QuarantineOrderState.AWAITING_COMMITMENT) }
        val vm = started(repo)
        vm.onEvent(QuarantineEvent.OpenCommitment)
        runCurrent()
        assertEquals(QuarantinePage.Commitment, vm.state.value.page)
        assertEquals(3, vm.state.value.commitment?.version)

        vm.onEvent(QuarantineEvent.Sign)
        runCurrent()
        assertFalse(repo.calls.any { it.startsWith("sign") }, "not read to the end: nothing is signed")

        vm.onEvent(QuarantineEvent.ReadToEnd)
        vm.onEvent(QuarantineEvent.Sign)
        assertTrue(vm.state.value.busy)
        runCurrent()
        assertTrue("sign:3" in repo.calls, "the version read is the version signed")
        assertEquals(QuarantineOrderState.AWAITING_ENROLMENT, vm.state.value.selected?.state)
        assertEquals(QuarantinePage.Enrolment, vm.state.value.page)
        assertFalse(vm.state.value.busy)
    }

    @Test
    fun `enrolment needs the home's sticker another code is refused at once, the token enrols`() = runTest {
        val repo = FakeQuarantineRepository(start).apply { orders += FakeQuarantineRepository.order("o1", QuarantineOrderState.AWAITING_ENROLMENT) }
        val vm = started(repo)
        vm.onEvent(QuarantineEvent.OpenEnrolment)
        vm.onEvent(QuarantineEvent.Enrol)
        assertEquals(QuarantineError.NotHomeToken, vm.state.value.error)
        for (bad in listOf("HB1:PASS", "HQ1:", "hq1:abc", "HQ1:ab cd", "")) {
            vm.onEvent(QuarantineEvent.Scanned(bad))
            assertNull(vm.state.value.scannedToken, "'$bad' is not a home token")
            assertEquals(QuarantineError.NotHomeToken, vm.state.value.error)
        }
        vm.onEvent(QuarantineEvent.Scanned(" HQ1:k7Yp2 "))
        assertEquals("HQ1:k7Yp2", vm.state.value.scannedToken)
        assertNull(vm.state.value.error)
        vm.onEvent(QuarantineEvent.Enrol)
        runCurrent()
        assertEquals(listOf("enrol:HQ1:k7Yp2"), repo.calls.filter { it.startsWith("enrol") })
        assertEquals(QuarantineOrderState.ACTIVE, vm.state.value.selected?.state)
        assertEquals(QuarantinePage.Countdown, vm.state.value.page)
        assertFalse(vm.state.value.toString().contains("HQ1"), "the token is not in the state's text")
    }

    @Test
    fun `check-in is possible only with an open challenge, until its grace ends`() = runTest {
        val repo = FakeQuarantineRepository(start).apply { orders += active(challenge = null) }
        val vm = started(repo)
        vm.onEvent(QuarantineEvent.OpenCheckIn)
        assertFalse(vm.state.value.canCheckIn(clock))
        vm.onEvent(QuarantineEvent.CheckIn)
        runCurrent()
        assertEquals(QuarantineError.NoChallenge, vm.state.value.error)
        assertFalse(repo.calls.any { it.startsWith("checkin:") })

        // A challenge opens; past its grace the answer no longer counts and the button goes.
        repo.orders[0] = active()
        vm.onEvent(QuarantineEvent.Refresh)
        runCurrent()
        assertTrue(vm.state.value.canCheckIn(clock))
        assertFalse(vm.state.value.canCheckIn(repo.orders[0].openChallenge!!.graceEndsAt))
    }

    @Test
    fun `a check-in shows the verdict, offline it waits to be sent`() = runTest {
        val repo = FakeQuarantineRepository(start).apply { orders += active() }
        val vm = started(repo)
        vm.onEvent(QuarantineEvent.OpenCheckIn)
        vm.onEvent(QuarantineEvent.CheckIn)
        runCurrent()
        assertEquals(QuarantineVerdict.OK, vm.state.value.lastCheckIn?.verdict)
        assertEquals(listOf("checkin:-"), repo.calls.filter { it.startsWith("checkin:") })
        assertNull(vm.state.value.selected?.openChallenge, "the answered challenge is gone")
        assertEquals(1, vm.state.value.checkIns.size)

        repo.orders[0] = active(FakeQuarantineRepository.challenge("ch2", start))
        vm.onEvent(QuarantineEvent.Refresh)
        runCurrent()
        repo.offline = true
        vm.onEvent(QuarantineEvent.OpenCheckIn)
        assertNull(vm.state.value.lastCheckIn, "a new check-in page starts without the old result")
        vm.onEvent(QuarantineEvent.CheckIn)
        runCurrent()
        assertEquals(QuarantineVerdict.PENDING, vm.state.value.lastCheckIn?.verdict)
        assertEquals(1, vm.state.value.selected?.pendingCheckIns)
    }

    @Test
    fun `a check-in the server refused for good shows as refused with its reason, never as waiting`() = runTest {
        val reason = "server said 422 invalid_request: challenge ch1 is closed"
        val repo = FakeQuarantineRepository(start).apply {
            orders += active()
            nextRefusal = reason
        }
        val vm = started(repo)
        vm.onEvent(QuarantineEvent.OpenCheckIn)
        vm.onEvent(QuarantineEvent.CheckIn)
        runCurrent()
        val last = vm.state.value.lastCheckIn
        assertEquals(QuarantineVerdict.REFUSED, last?.verdict)
        assertEquals(reason, last?.refusedReason)
        assertNull(vm.state.value.error, "the check-in was made; the server's refusal is its result, not a failed action")
        assertEquals(0, vm.state.value.selected?.pendingCheckIns, "nothing waits to be sent")
        assertEquals(listOf(QuarantineVerdict.REFUSED), vm.state.value.checkIns.map { it.verdict })
        assertEquals(listOf(reason), vm.state.value.checkIns.map { it.refusedReason })
    }

    @Test
    fun `a challenge that asks for the home token waits for its scan, which is sent with the check-in`() = runTest {
        val repo = FakeQuarantineRepository(start).apply {
            orders += active(FakeQuarantineRepository.challenge("ch1", start.minusSeconds(60), homeTokenRequired = true))
        }
        val vm = started(repo)
        vm.onEvent(QuarantineEvent.OpenCheckIn)
        assertFalse(vm.state.value.canCheckIn(clock))
        vm.onEvent(QuarantineEvent.Scanned("HQ1:home"))
        assertTrue(vm.state.value.canCheckIn(clock))
        vm.onEvent(QuarantineEvent.CheckIn)
        runCurrent()
        assertEquals(listOf("checkin:HQ1:home"), repo.calls.filter { it.startsWith("checkin:") })
        assertNull(vm.state.value.scannedToken, "a token is used for one check-in only")
    }

    @Test
    fun `a doubtful check-in opens a case the person can explain, OTHER needs words`() = runTest {
        val repo = FakeQuarantineRepository(start).apply {
            orders += active()
            nextVerdict = QuarantineVerdict.NEEDS_REVIEW
            nextReasons = listOf(QuarantineVerdictReason.UNCERTAIN_LOCATION)
        }
        val vm = started(repo)
        vm.onEvent(QuarantineEvent.OpenCheckIn)
        vm.onEvent(QuarantineEvent.CheckIn)
        runCurrent()
        assertEquals(listOf(QuarantineVerdictReason.UNCERTAIN_LOCATION), vm.state.value.lastCheckIn?.reasons)
        val case = vm.state.value.cases.single()
        assertEquals(listOf(case), vm.state.value.casesToExplain)
        assertTrue(vm.state.value.canExplain(case, clock))
        assertFalse(vm.state.value.canExplain(case, case.explainBy), "after the explain-by time the form closes")

        vm.onEvent(QuarantineEvent.OpenCase(case.caseId))
        assertEquals(case, vm.state.value.openCase)
        vm.onEvent(QuarantineEvent.SendExplanation)
        assertTrue(vm.state.value.draft.reasonMissing)
        vm.onEvent(QuarantineEvent.ChooseReason(ExplanationReason.OTHER))
        assertFalse(vm.state.value.draft.reasonMissing)
        vm.onEvent(QuarantineEvent.ExplanationText("   "))
        vm.onEvent(QuarantineEvent.SendExplanation)
        runCurrent()
        assertTrue(vm.state.value.draft.textMissing)
        assertFalse(repo.calls.any { it.startsWith("explain") }, "nothing is sent without the words OTHER needs")

        vm.onEvent(QuarantineEvent.ExplanationText("Tôi ra sân lấy đồ"))
        assertFalse(vm.state.value.draft.textMissing)
        vm.onEvent(QuarantineEvent.SendExplanation)
        runCurrent()
        val explained = vm.state.value.openCase!!
        assertEquals(ExplanationReason.OTHER, explained.explanation)
        assertEquals("Tôi ra sân lấy đồ", explained.explanationText)
        assertEquals(QuarantineCaseState.AWAITING_DECISION, explained.state)
        assertEquals(emptyList<QuarantineCase>(), vm.state.value.casesToExplain)
        assertFalse(vm.state.value.toString().contains("sân"), "the explanation is not in the state's text")
    }

    @Test
    fun `an explanation made offline waits in the outbox, a failed one changes nothing`() = runTest {
        val repo = FakeQuarantineRepository(start).apply { orders += active() }
        val missed = QuarantineCheckIn(null, "ch0", start.minusSeconds(3_600), QuarantineVerdict.MISSED, listOf(QuarantineVerdictReason.NO_ANSWER))
        repo.cases["o1"] = mutableListOf(FakeQuarantineRepository.case("c1", "o1", missed, start.minusSeconds(3_600)))
        val vm = started(repo)
        vm.onEvent(QuarantineEvent.OpenCase("c1"))
        vm.onEvent(QuarantineEvent.ChooseReason(ExplanationReason.BATTERY_DIED))
        repo.failNext = IllegalStateException("disk full")
        vm.onEvent(QuarantineEvent.SendExplanation)
        runCurrent()
        assertEquals(QuarantineError.Explain, vm.state.value.error)
        assertNull(vm.state.value.openCase?.explanation)
        assertFalse(vm.state.value.busy)

        repo.offline = true
        vm.onEvent(QuarantineEvent.SendExplanation)
        runCurrent()
        assertTrue(vm.state.value.openCase!!.explanationPending)
        assertEquals(ExplanationReason.BATTERY_DIED, vm.state.value.openCase!!.explanation)
    }

    @Test
    fun `a failed signature or enrolment keeps the order where it was`() = runTest {
        val repo = FakeQuarantineRepository(start).apply { orders += FakeQuarantineRepository.order("o1", QuarantineOrderState.AWAITING_COMMITMENT) }
        val vm = started(repo)
        repo.failNext = IllegalStateException("unreachable")
        vm.onEvent(QuarantineEvent.OpenCommitment)
        runCurrent()
        assertEquals(QuarantineError.Commitment, vm.state.value.error)
        assertNull(vm.state.value.commitment)

        vm.onEvent(QuarantineEvent.OpenCommitment)
        runCurrent()
        vm.onEvent(QuarantineEvent.ReadToEnd)
        repo.offline = true
        vm.onEvent(QuarantineEvent.Sign)
        runCurrent()
        assertEquals(QuarantineError.Sign, vm.state.value.error)
        assertEquals(QuarantineOrderState.AWAITING_COMMITMENT, vm.state.value.selected?.state)
        assertEquals(QuarantinePage.Commitment, vm.state.value.page)
        vm.onEvent(QuarantineEvent.Back)
        assertEquals(QuarantinePage.Countdown, vm.state.value.page)
        assertFalse(vm.state.value.readToEnd, "going back forgets the reading")
    }

    @Test
    fun `each refusal reaches the screen in the core's words, and offline is told apart from a refusal`() = runTest {
        val repo = FakeQuarantineRepository(start).apply { orders += FakeQuarantineRepository.order("o1", QuarantineOrderState.AWAITING_COMMITMENT) }
        val vm = started(repo)
        fun refused(e: CoreQuarantineException) = QuarantineError.Refused(CoreQuarantineRepository.words(e))

        // The server can't be reached for a step that needs it: "no connection", not a refusal and not a failure.
        repo.failNext = CoreQuarantineRepository.refusal(CoreQuarantineException.Unreachable("connection refused"))
        vm.onEvent(QuarantineEvent.OpenCommitment)
        runCurrent()
        assertEquals(QuarantineError.Offline, vm.state.value.error)
        repo.failNext = CoreQuarantineRepository.refusal(CoreQuarantineException.NoServer())
        vm.onEvent(QuarantineEvent.Refresh)
        runCurrent()
        assertEquals(QuarantineError.Offline, vm.state.value.error)

        vm.onEvent(QuarantineEvent.OpenCommitment)
        runCurrent()
        vm.onEvent(QuarantineEvent.ReadToEnd)
        val changed = CoreQuarantineException.WrongCommitmentVersion(4u)
        repo.failNext = CoreQuarantineRepository.refusal(changed)
        vm.onEvent(QuarantineEvent.Sign)
        runCurrent()
        assertEquals(refused(changed), vm.state.value.error)
        assertTrue((vm.state.value.error as QuarantineError.Refused).message.contains("read the new version"))
        assertFalse(vm.state.value.busy)

        vm.onEvent(QuarantineEvent.Sign)
        runCurrent()
        vm.onEvent(QuarantineEvent.Scanned("HQ1:someone-elses"))
        val server = CoreQuarantineException.Server("server said 422 invalid_request: home_token is not this home's token")
        repo.failNext = CoreQuarantineRepository.refusal(server)
        vm.onEvent(QuarantineEvent.Enrol)
        runCurrent()
        assertEquals(refused(server), vm.state.value.error)
        assertFalse((vm.state.value.error as QuarantineError.Refused).message.contains("422"), "no status codes for the person")
        assertEquals(QuarantineOrderState.AWAITING_ENROLMENT, vm.state.value.selected?.state)
        // Another home's sticker, as the core names it: what to do, in words.
        val otherHome = CoreQuarantineException.NotThisHome()
        repo.failNext = CoreQuarantineRepository.refusal(otherHome)
        vm.onEvent(QuarantineEvent.Enrol)
        runCurrent()
        assertEquals(refused(otherHome), vm.state.value.error)
        assertTrue((vm.state.value.error as QuarantineError.Refused).message.contains("This sticker belongs to another home"))
        assertEquals(QuarantineOrderState.AWAITING_ENROLMENT, vm.state.value.selected?.state)

        // The check-in: the core's reasons for not taking it (location off, the sticker, already done, over).
        repo.orders[0] = active()
        vm.onEvent(QuarantineEvent.Refresh)
        runCurrent()
        vm.onEvent(QuarantineEvent.OpenCheckIn)
        val checkInRefusals = listOf(
            CoreQuarantineException.Location(QuarantineSensorProblem.PERMISSION_DENIED),
            CoreQuarantineException.Radio(QuarantineSensorProblem.UNAVAILABLE),
            CoreQuarantineException.HomeTokenRequired(),
            CoreQuarantineException.AlreadyAnswered(),
            CoreQuarantineException.NoOpenChallenge(),
            CoreQuarantineException.OrderOver(),
        )
        for (e in checkInRefusals) {
            repo.failNext = CoreQuarantineRepository.refusal(e)
            vm.onEvent(QuarantineEvent.CheckIn)
            runCurrent()
            assertEquals(refused(e), vm.state.value.error, e::class.simpleName)
            assertNull(vm.state.value.lastCheckIn)
        }
        val words = checkInRefusals.map { CoreQuarantineRepository.words(it) }
        assertEquals(words.size, words.toSet().size, "each reason has its own words")

        val missed = QuarantineCheckIn(null, "ch0", start.minusSeconds(3_600), QuarantineVerdict.MISSED, listOf(QuarantineVerdictReason.NO_ANSWER))
        repo.cases["o1"] = mutableListOf(FakeQuarantineRepository.case("c1", "o1", missed, start.minusSeconds(3_600)))
        vm.onEvent(QuarantineEvent.Refresh)
        runCurrent()
        vm.onEvent(QuarantineEvent.OpenCase("c1"))
        vm.onEvent(QuarantineEvent.ChooseReason(ExplanationReason.ASLEEP))
        repo.failNext = CoreQuarantineRepository.refusal(CoreQuarantineException.CaseClosed())
        vm.onEvent(QuarantineEvent.SendExplanation)
        runCurrent()
        assertEquals(refused(CoreQuarantineException.CaseClosed()), vm.state.value.error)
        assertNull(vm.state.value.openCase?.explanation)
        assertFalse(vm.state.value.toString().contains("Trường hợp"), "the words are not in the state's log text")
    }

    @Test
    fun `home tokens start with HQ1 and carry no spaces`() {
        assertTrue(isHomeToken("HQ1:abc"))
        assertTrue(isHomeToken(" HQ1:abc\n"))
        assertFalse(isHomeToken("HQ1:"))
        assertFalse(isHomeToken("HB1:abc"))
    }
}
