package org.healthbook.core.wrapper

import java.time.Instant
import org.healthbook.core.QuarantineCheckIn as CoreCheckIn
import org.healthbook.core.QuarantineVerdict as CoreVerdict
import org.healthbook.core.wrapper.CoreQuarantineRepository.Companion.toScreen
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

/** How [CoreQuarantineRepository] maps the binding's check-ins for the screens (no native call: records only). */
class CoreQuarantineRepositoryTest {
    private val at = Instant.parse("2026-03-01T08:00:00Z")

    private fun checkIn(verdict: CoreVerdict, refusedReason: String?) =
        CoreCheckIn(sequence = 2uL, challengeId = "ch2", at = at, verdict = verdict, reasons = emptyList(), refusedReason = refusedReason)

    @Test
    fun `a check-in the server refused for good is refused, with the server's reason`() {
        val refused = checkIn(CoreVerdict.REFUSED, "server said 422 invalid_request: challenge ch2 is closed").toScreen()
        assertEquals(QuarantineVerdict.REFUSED, refused.verdict)
        assertEquals("server said 422 invalid_request: challenge ch2 is closed", refused.refusedReason)
    }

    @Test
    fun `every other verdict keeps its name and has no refusal`() {
        for (verdict in CoreVerdict.entries.filter { it != CoreVerdict.REFUSED }) {
            val mapped = checkIn(verdict, null).toScreen()
            assertEquals(QuarantineVerdict.valueOf(verdict.name), mapped.verdict)
            assertNull(mapped.refusedReason)
        }
    }
}
