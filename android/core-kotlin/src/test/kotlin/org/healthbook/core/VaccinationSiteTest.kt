package org.healthbook.core

import java.io.File
import java.time.LocalDate
import kotlinx.coroutines.runBlocking
import org.healthbook.core.wrapper.CoreVaccinationSiteRepository
import org.healthbook.core.wrapper.VaccinationException
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The vaccination site's tools of the real library through [CoreVaccinationSiteRepository]: scans refused before
 * anything is sent, the refusals without a session or a server in the site staff's words, and the health
 * officer's sign-in against the reference server (whose vaccination endpoints come with the server's slice).
 */
class VaccinationSiteTest {
    @TempDir lateinit var dir: File

    @Test
    fun `a scan that is not a pass or control card is refused in words before anything is sent`(): Unit = runBlocking {
        withCore(dir) { hb ->
            val repository = CoreVaccinationSiteRepository(hb.vaccinationSite())
            val poster = assertThrows<VaccinationException> { repository.lookup("s-1", "HP1:6BF") }
            assertTrue(poster.message!!.contains("venue poster"), poster.message)
            val empty = assertThrows<VaccinationException> { repository.lookup("s-1", "") }
            assertTrue(empty.message!!.contains("Nothing was scanned"), empty.message)
            val damaged = assertThrows<VaccinationException> { repository.lookup("s-1", "HB1:abc") }
            assertTrue(damaged.message!!.contains("damaged"), damaged.message)
            val link = assertThrows<VaccinationException> { repository.lookup("s-1", "https://example.com/" + "x".repeat(9000)) }
            assertTrue(link.message!!.contains("not a health pass"), link.message)
            // The generated check gives the typed problem; a readable pass passes it.
            val typed = assertThrows<VaccinationSiteException.InvalidScan> { checkVaccinationScan("HS1:6BF") }
            assertTrue(typed.problem == SiteScanProblem.WRONG_KIND)
            checkVaccinationScan("HB1:6BF\n")
            // A readable pass without a session: the sign-in is what is missing.
            val unsigned = assertThrows<VaccinationException> { repository.lookup("s-1", "HK1:6BF") }
            assertTrue(unsigned.message!!.contains("Sign in as a health officer"), unsigned.message)
            repository.close()
        }
    }

    @Test
    fun `without a session or a server every call is refused in the site staff's words`(): Unit = runBlocking {
        withCore(dir) { hb ->
            val repository = CoreVaccinationSiteRepository(hb.vaccinationSite())
            assertFalse(repository.signedIn())
            val noSession = assertThrows<VaccinationException> { repository.sites() }
            assertTrue(noSession.message!!.contains("Sign in as a health officer"), noSession.message)
            assertThrows<VaccinationException> { repository.stock("s-1") }
            val badNumber = assertThrows<VaccinationException> {
                repository.recordDose("s-1", "p-1", "vaxzevria", "A1", 0, LocalDate.of(2021, 9, 1), null)
            }
            assertTrue(badNumber.message!!.contains("1 to 6"), badNumber.message)
            val badProduct = assertThrows<VaccinationException> {
                repository.recordDose("s-1", "p-1", "pfizer", "A1", 1, LocalDate.of(2021, 9, 1), null)
            }
            assertTrue(badProduct.message!!.contains("Not valid"), badProduct.message)

            val noServer = assertThrows<VaccinationException> { repository.signIn("officer", "secret") }
            assertTrue(noServer.message!!.contains("No server"), noServer.message)
            // A loopback port nobody listens on: offline.
            hb.settings().use { it.setServerUrl("http://127.0.0.1:${freeLoopbackPort()}") }
            val offline = assertThrows<VaccinationException> { repository.signIn("officer", "secret") }
            assertTrue(offline.message!!.contains("can't be reached"), offline.message)
            assertFalse(repository.signedIn())
            repository.close()
        }
    }

    @Test
    fun `only a health officer signs in at the site`(): Unit = runBlocking {
        ReferenceServer.start(File(dir, "server"), freeLoopbackPort()).use { server ->
            server.staffToken("health_officer", "officer-an", """{"province": "79", "wards": ["26734"]}""")
            server.staffToken("volunteer", "vol-binh", """{"province": "79", "wards": ["26734"]}""")
            withCore(File(dir, "site")) { hb ->
                hb.settings().use { it.setServerUrl(server.baseUrl) }
                val repository = CoreVaccinationSiteRepository(hb.vaccinationSite())
                val wrong = assertThrows<VaccinationException> { repository.signIn("officer-an", "wrong") }
                assertTrue(wrong.message!!.contains("password is wrong"), wrong.message)
                val volunteer = assertThrows<VaccinationException> { repository.signIn("vol-binh", "staff-password") }
                assertTrue(volunteer.message!!.contains("not a health officer's"), volunteer.message)
                assertFalse(repository.signedIn())
                repository.signIn("officer-an", "staff-password")
                assertTrue(repository.signedIn())
                repository.signOut()
                assertFalse(repository.signedIn())
                repository.close()
            }
        }
    }
}
