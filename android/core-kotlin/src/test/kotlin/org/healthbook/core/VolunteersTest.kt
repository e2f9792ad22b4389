package org.healthbook.core

import java.io.File
import java.time.LocalDate
import kotlinx.coroutines.runBlocking
import org.healthbook.core.wrapper.ConsentMethod
import org.healthbook.core.wrapper.CoreVolunteerRepository
import org.healthbook.core.wrapper.VolunteerException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The volunteer area of the real library through [CoreVolunteerRepository]: typed refusals without a server or
 * a session, and the whole round (enrol, consent, dose, control card, the kept list) against the reference server.
 */
class VolunteersTest {
    @TempDir lateinit var dir: File

    @Test
    fun `without a volunteer session every action is refused in the volunteer's words`(): Unit = runBlocking {
        withCore(dir) { hb ->
            val repository = CoreVolunteerRepository(hb.volunteers())
            assertTrue(repository.people().isEmpty())
            val refused = assertThrows<VolunteerException> {
                repository.enrol("Nguyễn Thị Năm", 1950, "079150012345", null, "79", "26734")
            }
            assertTrue(refused.message!!.contains("Sign in as a volunteer"), refused.message)
            assertTrue(hb.profiles().use { it.list() }.isEmpty(), "nothing is created before the sign-in")
            assertThrows<VolunteerException> { repository.recordDose("p", "AZ", 0, LocalDate.of(2021, 8, 2), null) }
            repository.close()
        }
    }

    @Test
    fun `enrol, consent, dose and control card against the reference server`(): Unit = runBlocking {
        ReferenceServer.start(File(dir, "server"), freeLoopbackPort()).use { server ->
            server.staffToken("volunteer", "vol-an", """{"province": "79", "wards": ["26734"]}""")
            withCore(File(dir, "phone")) { hb ->
                hb.settings().use { it.setServerUrl(server.baseUrl) }
                val volunteers = hb.volunteers()
                assertThrows<VolunteerException.SignInFailed> { volunteers.signIn("vol-an", "wrong") }
                volunteers.signIn("vol-an", "staff-password")
                val repository = CoreVolunteerRepository(volunteers)
                val enrolled = repository.enrol("Nguyễn Thị Năm", 1950, "079150012345", null, "79", "26734")
                assertTrue(enrolled.bound, "$enrolled")
                assertNull(enrolled.consentAt)
                val noConsent = assertThrows<VolunteerException> { repository.controlCard(enrolled.profileId) }
                assertTrue(noConsent.message!!.contains("consent"), noConsent.message)
                val consented = repository.recordConsent(enrolled.profileId, "Nguyễn Văn Bình", ConsentMethod.THUMBPRINT)
                assertNotNull(consented.consentAt)
                val dosed = repository.recordDose(enrolled.profileId, "Vero Cell", 1, vietnamToday().minusDays(30), "L-77")
                assertEquals(1, dosed.selfReportedDoses)
                val carded = repository.controlCard(enrolled.profileId)
                assertTrue(carded.controlCard!!.startsWith("HK1:"), carded.controlCard)
                assertEquals(listOf(carded), repository.people())
                // Someone outside the volunteer's ward: refused in words, and no profile is left behind.
                val outside = assertThrows<VolunteerException> {
                    repository.enrol("Trần Văn Bảy", 1948, "079048765432", null, "79", "26740")
                }
                assertTrue(outside.message!!.contains("outside your area"), outside.message)
                assertEquals(1, hb.profiles().use { it.list() }.size)
                repository.close()
            }
        }
    }
}
