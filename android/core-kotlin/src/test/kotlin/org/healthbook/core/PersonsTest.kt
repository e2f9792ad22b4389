package org.healthbook.core

import java.io.File
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The `Persons` object of the real library: typed errors and the kept list without a server, and the binding
 * flow against the real reference server (the SMS code read from its log, where its log sender writes texts).
 */
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

    @Test
    fun `bind by SMS code, list, get a pass, unbind against the reference server`(): Unit = runBlocking {
        ReferenceServer.start(File(dir, "server"), freeLoopbackPort()).use { server ->
            withCore(File(dir, "phone")) { hb ->
                hb.settings().use {
                    it.setServerUrl(server.baseUrl)
                    it.setRootKey(server.rootKey)
                }
                val me = hb.profiles().use { it.add(validInput(ProfileRelation.MYSELF)) }
                hb.passes().use { passes ->
                    val unbound = assertThrows<PassException.NotBound> { passes.refresh(me.id) }
                    assertEquals(me.id, unbound.profileId)
                }
                hb.persons().use { persons ->
                    val attestation = persons.startAttestation(me.id)
                    assertEquals(8, attestation.code.length, "$attestation")

                    val challenge = persons.startSmsBinding(me.id, null, null)
                    assertTrue(challenge.sentTo.endsWith("78") && challenge.sentTo.contains('*'), challenge.sentTo)
                    assertEquals(challenge, persons.pendingChallenge(me.id))
                    val code = server.lastBindingCode()
                    val wrong = assertThrows<PersonException.WrongCode> {
                        persons.verifyCode(challenge.challengeId, if (code == "000000") "111111" else "000000")
                    }
                    assertEquals(4u, wrong.attemptsLeft)
                    val binding = persons.verifyCode(challenge.challengeId, code)
                    assertEquals(me.id, binding.profileId)
                    assertEquals("Nguyễn Văn An", binding.person.fullName)
                    assertEquals(1990.toUShort(), binding.person.birthYear)
                    assertEquals(BindingMethod.SMS, binding.method)
                    assertEquals(PersonVerification.SELF_DECLARED, binding.person.verification)
                    val list = persons.bindings(null)
                    assertTrue(list.online)
                    assertEquals(listOf(me.id), list.bindings.map { it.profileId })

                    val pass = hb.passes().use { it.refresh(me.id) }
                    assertTrue(pass.qr.startsWith("HB1:"), pass.qr)

                    persons.unbind(me.id)
                    assertTrue(persons.bindings(null).bindings.isEmpty())
                    assertNull(hb.passes().use { it.kept(me.id) }, "the kept pass went with the binding")
                    assertThrows<PersonException.NotBound> { persons.unbind(me.id) }
                }
            }
        }
    }
}
