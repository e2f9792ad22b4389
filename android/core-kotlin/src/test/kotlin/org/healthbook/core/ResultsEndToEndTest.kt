package org.healthbook.core

import java.io.File
import java.security.MessageDigest
import java.security.SecureRandom
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.healthbook.core.wrapper.CoreTestResultsRepository
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.healthbook.core.wrapper.SampleState as ScreenState

/**
 * Test results end to end through the Kotlin repository and the real reference server: a phone registers a
 * site's QR code for a bound and an unbound profile, the site links both over HTTP, the lab uploads
 * negatives, and the repository's `refresh()` reaches NEGATIVE, with a verified certificate for the bound
 * person only. The phone's clock is a [ManualClock] started at the server's real time and moved past each
 * poll interval, so nothing waits.
 */
class ResultsEndToEndTest {
    @TempDir lateinit var dir: File

    /** A site's QR code as core/src/results/code.rs makes one: `HT1:` and 32 characters of its alphabet. */
    private fun generatedQr(): String {
        val alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        val random = SecureRandom()
        return "HT1:" + (1..32).map { alphabet[random.nextInt(alphabet.length)] }.joinToString("")
    }

    private fun sha256Hex(text: String): String =
        MessageDigest.getInstance("SHA-256").digest(text.toByteArray()).joinToString("") { "%02x".format(it) }

    @Test
    fun `a QR sample is linked by the site, tested negative by the lab and reaches NEGATIVE on the phone`(): Unit = runBlocking {
        ReferenceServer.start(File(dir, "server"), freeLoopbackPort()).use { server ->
            val clock = ManualClock(System.currentTimeMillis())
            withCore(File(dir, "phone"), clock = clock) { hb ->
                hb.settings().use {
                    it.setServerUrl(server.baseUrl)
                    it.setRootKey(server.rootKey)
                    it.setLanguage(Language.EN)
                }
                val me = hb.profiles().use { it.add(validInput(ProfileRelation.MYSELF)) }
                val child = hb.profiles().use { it.add(validInput(fullName = "Nguyễn Thị Bình", phone = null, citizenId = null)) }
                hb.bindBySms(server, me.id)

                val mine = generatedQr()
                val theirs = generatedQr()
                // What the site and the lab send is the hash of the code without its prefix, as the phone makes it.
                val mineHash = parseSampleCode(mine).codeHash
                val theirsHash = parseSampleCode(theirs).codeHash
                assertEquals(sha256Hex(mine.removePrefix("HT1:")), mineHash)

                // What the shell's notification hears: every change, as the core found it.
                val heard = java.util.Collections.synchronizedList(mutableListOf<Pair<String, SampleState>>())
                val listener = object : ResultsListener {
                    override fun onSampleChanged(sample: Sample) {
                        heard += sample.profileId to sample.state
                    }
                }
                CoreTestResultsRepository(hb.results(), hb.profiles(), hb.settings(), listener).use { repository ->
                    val registered = repository.register(me.id, mine)
                    assertEquals(ScreenState.UNKNOWN_TO_LAB, registered.state, "$registered")
                    assertEquals(ScreenState.UNKNOWN_TO_LAB, repository.register(child.id, theirs).state)

                    val ward = "26734"
                    val site = server.staffToken("volunteer", "site-1", """{"province": "79", "wards": ["$ward"]}""")
                    val sampledAt = Instant.now().minusSeconds(3 * 3600)
                    for (hash in listOf(mineHash, theirsHash)) {
                        server.postJson("/v1/results/samples", site,
                            """{"code_hash": "$hash", "sampled_at": "$sampledAt", "site_ward": "$ward", "test_kind": "pcr"}""")
                    }
                    clock.set(clock.nowMillis() + 3_600_000)
                    val linked = repository.refresh()
                    assertEquals(listOf(ScreenState.PENDING, ScreenState.PENDING), linked.map { it.state }, "$linked")
                    assertEquals(setOf(me.id to SampleState.PENDING, child.id to SampleState.PENDING), heard.toSet(), "$heard")
                    assertEquals(2, heard.size, "one notification per change")

                    val lab = server.staffToken("lab", "lab-1")
                    val testedAt = Instant.now()
                    val report = server.postJson("/v1/results/lab", lab,
                        """{"results": [{"code_hash": "$mineHash", "outcome": "negative", "tested_at": "$testedAt"},""" +
                            """ {"code_hash": "$theirsHash", "outcome": "negative", "tested_at": "$testedAt"}]}""")
                    assertTrue(Regex("\"accepted\"\\s*:\\s*2").containsMatchIn(report), report)

                    clock.set(clock.nowMillis() + 3_600_000)
                    val done = repository.refresh().associateBy { it.profileId }
                    val bound = done.getValue(me.id)
                    val unbound = done.getValue(child.id)
                    assertEquals(ScreenState.NEGATIVE, bound.state, "$bound")
                    assertEquals(ScreenState.NEGATIVE, unbound.state, "$unbound")
                    assertTrue(bound.certificate!!.startsWith("HC1:"), "the bound person's result carries a certificate")
                    assertNull(unbound.certificate, "no person, no certificate")
                    val words = explainSample(SampleState.NEGATIVE, SampleReason.LAB_REPORTED, Language.EN)
                    assertEquals(words.headline, unbound.headline)
                    assertEquals(words.nextStep, unbound.nextStep)
                    assertEquals("Nguyễn Thị Bình", unbound.profileName)
                    assertNull(bound.nextCheckAt, "polling stops at a final state")
                    assertEquals(
                        listOf(me.id to SampleState.NEGATIVE, child.id to SampleState.NEGATIVE).toSet(),
                        heard.drop(2).toSet(),
                        "$heard",
                    )
                    assertEquals(4, heard.size, "one notification per change")
                    repository.refresh()
                    assertEquals(4, heard.size, "a final state is not announced again")
                }
            }
        }
    }
}
