package org.healthbook.core

import java.io.File
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/** A [Clock] that follows the system clock, moved by [offsetMillis]: the server and the phone agree until a test moves it. */
class OffsetClock : Clock {
    private val offset = AtomicLong()

    override fun nowMillis(): Long = System.currentTimeMillis() + offset.get()

    /** Makes the phone's clock read [at] now. */
    fun moveTo(at: Instant) = offset.set(at.toEpochMilli() - System.currentTimeMillis())
}

/**
 * The personal health pass end to end against the real reference server ([ReferenceServer]): a phone
 * declares, syncs and gets a signed pass; a second installation acting as a checkpoint refreshes its trust
 * list once and verifies passes offline, and refuses tampered and expired ones.
 *
 * One server and one phone for the class (starting them is the slow part); tests that change a phone's
 * clock or server use a phone of their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PassesTest {
    private lateinit var dir: File
    private lateinit var server: ReferenceServer
    private lateinit var phone: Healthbook
    private lateinit var checkpoint: Healthbook
    private lateinit var profile: Profile
    private lateinit var pass: HealthPass

    @BeforeAll
    fun startServerAndGetAPass(@TempDir tempDir: Path): Unit = runBlocking {
        dir = tempDir.toFile()
        server = ReferenceServer.start(File(dir, "server"), freeLoopbackPort())
        phone = Healthbook(File(dir, "phone").absolutePath, InMemoryKeyStore())
        val (profile, pass) = phone.declareAndGetPass(validInput(ProfileRelation.MYSELF))
        this@PassesTest.profile = profile
        this@PassesTest.pass = pass

        checkpoint = Healthbook(File(dir, "checkpoint").absolutePath, InMemoryKeyStore())
        checkpoint.settings().use {
            it.setServerUrl(server.baseUrl)
            it.setRootKey(server.rootKey)
        }
        val trust = checkpoint.verifier().use { it.refreshTrust() }
        assertTrue(trust.online, "$trust")
        assertTrue(trust.trustListVersion >= 1uL, "$trust")
    }

    @AfterAll
    fun stop() {
        if (::checkpoint.isInitialized) checkpoint.close()
        if (::phone.isInitialized) phone.close()
        if (::server.isInitialized) server.close()
    }

    /**
     * Points this phone at the server, adds [input], declares it healthy, syncs, binds it to its person by the
     * SMS code (with [citizenId] when the profile has none), and fetches its pass.
     */
    private suspend fun Healthbook.declareAndGetPass(input: ProfileInput, citizenId: String? = null): Pair<Profile, HealthPass> {
        settings().use {
            it.setServerUrl(server.baseUrl)
            it.setRootKey(server.rootKey)
        }
        val profile = profiles().use { it.add(input) }
        declarations().use { it.submit(profile.id, HEALTH, healthAnswers(), null, Language.EN) }
        val report = outbox().use { it.syncNow(null) }
        assertEquals(SyncReport(1u, 0u, 0u, 0uL, false), report, server::log)
        // A pass is issued only for a profile bound to a person.
        assertThrows<PassException.NotBound> { passes().use { it.refresh(profile.id) } }
        bindBySms(server, profile.id, citizenId)
        val pass = passes().use { it.refresh(profile.id) }
        return profile to pass
    }

    @Test
    fun `a healthy declaration gives a green pass that the phone keeps`(): Unit = runBlocking {
        assertEquals(profile.id, pass.profileId)
        assertEquals("green", pass.status, "no symptoms declared")
        assertEquals(listOf("declaration"), pass.reasons)
        assertTrue(pass.qr.startsWith("HB1:"), pass.qr)
        assertTrue(pass.credentialId.isNotBlank())
        assertFalse(pass.expired)
        assertTrue(pass.issuedAt.isBefore(pass.expiresAt), "$pass")
        assertTrue(pass.expiresAt.isAfter(Instant.now()), "$pass")

        phone.passes().use { passes ->
            assertEquals(pass, passes.kept(profile.id), "kept for offline display")
            assertEquals(pass, passes.current(profile.id), "young: shown as it is, not refreshed")
            // Another refresh gives another pass, which replaces the kept one.
            val again = passes.refresh(profile.id)
            assertNotEquals(pass.credentialId, again.credentialId)
            assertEquals(again, passes.kept(profile.id))
        }
        // The phone itself can verify what it shows (it fetched the trust list to check the pass).
        assertTrue(phone.verifier().use { it.verify(pass.qr) }.valid)
    }

    @Test
    fun `the checkpoint verifies the pass offline and shows whom to compare with the ID card`() {
        val verdict = checkpoint.verifier().use { it.verify(pass.qr) }
        assertTrue(verdict.valid, "$verdict")
        assertNull(verdict.stage)
        assertNull(verdict.error)
        assertEquals(CredentialKind.PERSONAL_PASS, verdict.kind)
        assertEquals(profile.fullName, verdict.holder?.name, "$verdict")
        assertEquals(profile.birth.year.toString(), verdict.holder?.birthDate)
        assertEquals("1990", verdict.holder?.birthDate)
        assertNull(verdict.holder?.transliteratedName)
        assertEquals("VN-HB", verdict.issuer)
        assertNotNull(verdict.signer)
        assertEquals(pass.issuedAt.epochSecond, verdict.issuedAt?.epochSecond)
        assertEquals(pass.expiresAt.epochSecond, verdict.expiresAt?.epochSecond)
        assertNotNull(verdict.summary)
    }

    @Test
    fun `a checkpoint without the trust list does not know the signer`(): Unit = runBlocking {
        Healthbook(File(dir, "untrusting-checkpoint").absolutePath, InMemoryKeyStore()).use { hb ->
            val verdict = hb.verifier().use { it.verify(pass.qr) }
            assertFalse(verdict.valid)
            assertEquals(FailedStage.UNKNOWN_KEY, verdict.stage, "$verdict")
            assertEquals(CredentialKind.PERSONAL_PASS, verdict.kind)
            // Without a pinned root key no trust list is accepted; without a server none can be fetched.
            hb.verifier().use { verifier ->
                assertThrows<PassException.NoRootKey> { verifier.refreshTrust() }
                hb.settings().use { it.setRootKey(server.rootKey) }
                assertThrows<PassException.NoServer> { verifier.refreshTrust() }
            }
        }
    }

    @Test
    fun `a tampered pass fails with a typed stage`() {
        checkpoint.verifier().use { verifier ->
            val middle = pass.qr.length / 2
            val tampered = pass.qr.replaceRange(middle, middle + 1, if (pass.qr[middle] == '0') "1" else "0")
            assertNotEquals(pass.qr, tampered)
            val verdict = verifier.verify(tampered)
            assertFalse(verdict.valid, "$verdict")
            assertNotNull(verdict.stage, "$verdict")
            assertNotNull(verdict.error)

            // Every single-character change anywhere after the prefix is refused, with a stage.
            val alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
            for (index in 4 until pass.qr.length step 7) {
                val replacement = alphabet[(alphabet.indexOf(pass.qr[index]) + 1 + index % (alphabet.length - 1)) % alphabet.length]
                val changed = pass.qr.replaceRange(index, index + 1, replacement.toString())
                val v = verifier.verify(changed)
                val what = { "'${pass.qr[index]}' -> '$replacement' at $index of ${pass.qr.length} in ${pass.qr}: $v" }
                assertFalse(v.valid, what)
                assertNotNull(v.stage, what)
            }
        }
    }

    @Test
    fun `an expired pass fails with EXPIRED, and one not yet valid with NOT_YET_VALID`() {
        checkpoint.verifier().use { verifier ->
            val late = verifier.verifyAt(pass.qr, pass.expiresAt.plus(Duration.ofHours(1)))
            assertFalse(late.valid)
            assertEquals(FailedStage.EXPIRED, late.stage, "$late")
            assertEquals(CredentialKind.PERSONAL_PASS, late.kind)
            assertEquals(profile.fullName, late.holder?.name, "an expired pass still says whose it was")

            assertTrue(verifier.verifyAt(pass.qr, pass.expiresAt.minusSeconds(60)).valid, "valid until its expiry")

            val early = verifier.verifyAt(pass.qr, pass.issuedAt.minus(Duration.ofHours(1)))
            assertFalse(early.valid)
            assertEquals(FailedStage.NOT_YET_VALID, early.stage, "$early")
        }
    }

    @Test
    fun `offline the kept pass is shown, and once the phone's clock passes its expiry it shows as expired`(): Unit = runBlocking {
        val clock = OffsetClock()
        Healthbook.withClock(File(dir, "phone-with-clock").absolutePath, InMemoryKeyStore(), clock).use { hb ->
            val (child, fresh) = hb.declareAndGetPass(
                validInput(ProfileRelation.FAMILY_MEMBER, fullName = "Trần Thị Bình", birth = birth(2015), citizenId = null),
                citizenId = "001315012345",
            )
            assertEquals("green", fresh.status)

            // The server goes away (as far as this phone knows).
            hb.settings().use { it.setServerUrl("http://127.0.0.1:${freeLoopbackPort()}") }
            hb.passes().use { passes ->
                assertThrows<PassException.Unreachable> { passes.refresh(child.id) }
                assertEquals(fresh, passes.kept(child.id), "a failed refresh keeps the pass")

                // Past half its life the core tries to refresh it, and offline shows the kept one.
                clock.moveTo(fresh.issuedAt.plus(Duration.between(fresh.issuedAt, fresh.expiresAt).dividedBy(2)).plusSeconds(60))
                assertEquals(fresh, passes.current(child.id))

                // Past its expiry: still shown (there is nothing better), marked expired.
                clock.moveTo(fresh.expiresAt.plus(Duration.ofHours(1)))
                val kept = passes.kept(child.id)
                assertNotNull(kept)
                assertTrue(kept!!.expired, "$kept")
                assertEquals(fresh.copy(expired = true), kept)
                assertEquals(kept, passes.current(child.id))
            }
            // This phone's own verifier judges by its clock too.
            assertEquals(FailedStage.EXPIRED, hb.verifier().use { it.verify(fresh.qr) }.stage)
            // While the checkpoint, on the real time, still accepts it.
            assertTrue(checkpoint.verifier().use { it.verify(fresh.qr) }.valid)
        }
    }

    @Test
    fun `pass errors are typed`(): Unit = runBlocking {
        phone.passes().use { passes ->
            assertThrows<PassException.NotFound> { passes.refresh("no-such-profile") }
            assertNull(passes.kept("no-such-profile"))
        }
        Healthbook(File(dir, "unconfigured-phone").absolutePath, InMemoryKeyStore()).use { hb ->
            val someone = hb.profiles().use { it.add(validInput(ProfileRelation.MYSELF)) }
            hb.passes().use { passes ->
                assertThrows<PassException.NoServer> { passes.refresh(someone.id) }
                assertNull(passes.kept(someone.id))
                assertThrows<PassException.NoServer> { passes.current(someone.id) }
            }
        }
    }
}
