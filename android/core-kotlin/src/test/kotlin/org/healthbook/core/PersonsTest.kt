package org.healthbook.core

import java.io.File
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/** The `Persons` object of the real library, before any server is involved: typed errors and the kept list. */
class PersonsTest {
    @TempDir lateinit var dir: File

    @Test
    fun `without a server the binding flow fails typed and nothing is kept`(): Unit = runBlocking {
        withCore(dir) { hb ->
            hb.persons().use { persons ->
                val profile = hb.profiles().use { it.add(validInput(citizenId = null)) }
                assertThrows<PersonException.CitizenIdRequired> { persons.startSmsBinding(profile.id, null, null) }
                val invalid = assertThrows<PersonException.InvalidField> { persons.startSmsBinding(profile.id, "12ab", null) }
                assertEquals(ProfileField.CITIZEN_ID, invalid.field)
                assertThrows<PersonException.NoServer> { persons.startSmsBinding(profile.id, "001090012345", null) }
                assertThrows<PersonException.NoPendingChallenge> { persons.verifyPending(profile.id, "123456") }
                assertThrows<PersonException.NotFound> { persons.startAttestation("no-such-profile") }
                assertEquals(null, persons.pendingChallenge(profile.id))

                val list = persons.bindings(null)
                assertFalse(list.online, "no server: the kept list")
                assertTrue(list.bindings.isEmpty())
                assertTrue(persons.keptBindings(profile.id).isEmpty())
            }
        }
    }

    @Test
    fun `an unreachable server leaves the kept list readable`(): Unit = runBlocking {
        withCore(dir) { hb ->
            hb.settings().use { it.setServerUrl("http://127.0.0.1:${freeLoopbackPort()}") }
            hb.persons().use { persons ->
                val profile = hb.profiles().use { it.add(validInput()) }
                assertThrows<PersonException.Unreachable> { persons.startSmsBinding(profile.id, null, null) }
                assertThrows<PersonException.Unreachable> { persons.startAttestation(profile.id) }
                val list = persons.bindings(profile.id)
                assertFalse(list.online)
                assertTrue(list.bindings.isEmpty())
            }
            hb.passes().use { passes ->
                // The pass of an unbound profile can't be fetched offline either; it is not a NotBound.
                assertThrows<PassException.Unreachable> { passes.refresh(hb.profiles().use { it.list() }.first().id) }
            }
        }
    }
}
