package org.healthbook.core

import java.io.File
import kotlinx.coroutines.runBlocking
import org.healthbook.core.wrapper.CoreVaccinationRepository
import org.healthbook.core.wrapper.VaccinationException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The citizen's vaccination area of the real library through [CoreVaccinationRepository], without a server:
 * every profile's record from the store, and each refusal in the person's words, naming no one.
 */
class VaccinationsTest {
    @TempDir lateinit var dir: File

    @Test
    fun `records list every profile and refusals come in words`(): Unit = runBlocking {
        withCore(dir) { hb ->
            val me = hb.profiles().use { it.add(validInput(relation = ProfileRelation.MYSELF, fullName = "Nguyễn Thị Lan")) }
            val repository = CoreVaccinationRepository(hb.vaccinations())

            val records = repository.records()
            assertEquals(listOf(me.id), records.map { it.profileId })
            val record = records.single()
            assertEquals("Nguyễn Thị Lan", record.profileName)
            assertFalse(record.registered)
            assertTrue(record.doses.isEmpty() && record.history.isEmpty())
            assertNull(record.nextDue)
            assertNull(record.certificate)
            assertNull(record.refreshedAt)

            val badWard = assertThrows<VaccinationException> { repository.register(me.id, "7901") }
            assertTrue(badWard.message!!.contains("5 digits"), badWard.message)
            val unbound = assertThrows<VaccinationException> { repository.register(me.id, "26734") }
            assertTrue(unbound.message!!.contains("Link the profile"), unbound.message)
            assertFalse(unbound.message!!.contains("Lan"), "no name in the message")
            val nobody = assertThrows<VaccinationException> { repository.register("no-such-profile", "26734") }
            assertTrue(nobody.message!!.contains("profile was not found"), nobody.message)
            assertTrue(hb.outbox().use { it.entries() }.isEmpty(), "nothing was queued by a refused registration")

            assertTrue(repository.invitations().isEmpty())
            val unknown = assertThrows<VaccinationException> { repository.answer("inv-1", true) }
            assertTrue(unknown.message!!.contains("not on this phone"), unknown.message)
            val offline = assertThrows<VaccinationException> { repository.refresh() }
            assertTrue(offline.message!!.contains("No server"), offline.message)
            repository.close()
        }
    }

    @Test
    fun `the core's reminders and purge answer from the store`(): Unit = runBlocking {
        withCore(dir) { hb ->
            hb.profiles().use { it.add(validInput(relation = ProfileRelation.MYSELF)) }
            hb.vaccinations().use { vaccinations ->
                assertTrue(vaccinations.reminders(java.time.Instant.now(), 7u).isEmpty())
                assertEquals(0u, vaccinations.purgeExpired())
                // The ward is checked before the profile: nothing else is read for a code that can't be one.
                assertThrows<org.healthbook.core.VaccinationException.InvalidWard> { vaccinations.register("p", "12") }
                assertThrows<org.healthbook.core.VaccinationException.ProfileNotFound> { vaccinations.register("p", "26734") }
            }
        }
    }
}
