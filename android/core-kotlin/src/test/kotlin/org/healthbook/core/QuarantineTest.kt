package org.healthbook.core

import java.io.File
import kotlinx.coroutines.runBlocking
import org.healthbook.core.wrapper.CoreQuarantineRepository
import org.healthbook.core.wrapper.ExplanationReason
import org.healthbook.core.wrapper.HealthbookCore
import org.healthbook.core.wrapper.QuarantineException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * Home quarantine of the real library through [CoreQuarantineRepository], with Kotlin implementations of the
 * sensor traits handed to the core, without a server: the kept orders offline, each refusal in the person's
 * words, and no sensor read outside a check-in or an enrolment.
 */
class QuarantineTest {
    @TempDir lateinit var dir: File

    private val bssid = "3C:84:6A:11:22:33"
    private val token = "HQ1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

    @Test
    fun `offline the kept orders are shown and refusals come in words before any sensor is read`(): Unit = runBlocking {
        val location = FixedFixSource.atHome()
        val radio = ListRadioScanner(listOf(bssid), listOf("F0:99:B6:01:02:03"))
        HealthbookCore.open(dir, InMemoryKeyStore()).use { core ->
            core.quarantine(location, radio).use { repository ->
                assertTrue(repository.refresh().isEmpty(), "no server: the last copy (none yet)")
                assertTrue(repository.orders().isEmpty())

                val unknown = assertThrows<QuarantineException> { repository.checkIn("order-1", token) }
                assertTrue(unknown.message!!.contains("not on this phone"), unknown.message)
                assertFalse(unknown.message!!.contains(token), "the token is not echoed")
                val notASticker = assertThrows<QuarantineException> { repository.enrol("order-1", "https://example.com/$bssid") }
                assertTrue(notASticker.message!!.contains("not the home-quarantine sticker"), notASticker.message)
                assertFalse(notASticker.message!!.contains(bssid))
                assertTrue(assertThrows<QuarantineException> { repository.enrol("order-1", token) }.message!!.contains("not on this phone"))
                assertTrue(assertThrows<QuarantineException> { repository.commitment("order-1") }.message!!.contains("not on this phone"))
                assertTrue(assertThrows<QuarantineException> { repository.signCommitment("order-1", 1) }.message!!.contains("not on this phone"))
                assertTrue(assertThrows<QuarantineException> { repository.checkIns("order-1") }.message!!.contains("not on this phone"))

                val noWords = assertThrows<QuarantineException> { repository.explain("case-1", ExplanationReason.OTHER, "  ") }
                assertTrue(noWords.message!!.contains("Say what happened"), noWords.message)
                val noCase = assertThrows<QuarantineException> { repository.explain("case-1", ExplanationReason.BATTERY_DIED, "") }
                assertTrue(noCase.message!!.contains("not on this phone"), noCase.message)
            }
        }
        assertEquals(0, location.calls.get(), "location is read only inside a check-in")
        assertEquals(0, radio.calls.get(), "the radios are scanned only inside a check-in or an enrolment")
    }

    @Test
    fun `the Kotlin sensors answer across the FFI and their failures have words`(): Unit = runBlocking {
        val fixed = FixedFixSource.atHome()
        assertEquals(QuarantineFixSource.FUSED, fixed.currentFix().source)
        assertEquals(listOf(bssid), ListRadioScanner(listOf(bssid)).scan().wifi)
        val failing = FailingLocationSource()
        assertThrows<QuarantineSensorException.PermissionDenied> { failing.currentFix() }
        withCore(dir) { hb ->
            // A failing source handed to the core is never called while nothing asks for a fix.
            hb.quarantine(failing, ListRadioScanner(emptyList())).use { quarantine ->
                assertTrue(quarantine.orders().isEmpty())
                assertThrows<org.healthbook.core.QuarantineException.UnknownOrder> { quarantine.checkIn("order-1", null) }
                assertEquals(0u, quarantine.purgeExpired())
            }
        }
        assertEquals(1, failing.calls.get(), "only the direct call above")
        val denied = CoreQuarantineRepository.words(org.healthbook.core.QuarantineException.Location(QuarantineSensorProblem.PERMISSION_DENIED))
        assertTrue(denied.contains("Allow the app to use location"), denied)
        val radioOff = CoreQuarantineRepository.words(org.healthbook.core.QuarantineException.Radio(QuarantineSensorProblem.UNAVAILABLE))
        assertTrue(radioOff.contains("Wi-Fi and Bluetooth"), radioOff)
    }
}
