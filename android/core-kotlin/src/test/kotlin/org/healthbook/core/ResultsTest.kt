package org.healthbook.core

import java.io.File
import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.healthbook.core.wrapper.CoreTestResultsRepository
import org.healthbook.core.wrapper.SampleCodeException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import org.healthbook.core.wrapper.SampleState as ScreenState

/**
 * The test-results surface of the bindings on the real core: code checks, the words for every state, and
 * registration as far as a phone gets without a server (kept as "registering", retried by the poll cycle).
 *
 * Register-and-poll against the reference server is in [ResultsEndToEndTest]; backoff and 409 are covered by
 * the Rust core's scripted-server tests (core/src/results/tests.rs).
 */
class ResultsTest {
    private val clock = ManualClock(1_630_483_200_000) // 2021-09-01T08:00:00Z

    @Test
    fun `short and QR codes are checked and hashed on the phone`() {
        // A CWA teleTAN vector (../shared/reference/cwa/teletan-and-hash-vectors.json) with spaces and dashes.
        val short = parseSampleCode(" fe9a-5mak 6c ")
        assertEquals(SampleCodeKind.SHORT_CODE, short.kind)
        assertTrue(Regex("^[0-9a-f]{64}$").matches(short.codeHash))
        assertEquals(short.codeHash, parseSampleCode("FE9A5MAK6C").codeHash)

        val qr = parseSampleCode("HT1:" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        assertEquals(SampleCodeKind.QR, qr.kind)
        assertEquals(qr.codeHash, parseSampleCode("abcdefghijklmnopqrstuvwxyz234567").codeHash, "the bare code hashes alike")

        assertThrows<ResultsException.BadCheckCharacter> { parseSampleCode("FE9A5MAK6D") }
        assertThrows<ResultsException.BadCharacter> { parseSampleCode("FE9A5MAK0C") }
        assertThrows<ResultsException.WrongLength> { parseSampleCode("FE9A5") }
        assertThrows<ResultsException.EmptyCode> { parseSampleCode("  ") }
    }

    @Test
    fun `every state and reason has words in Vietnamese and English`() {
        for (language in Language.values()) {
            for (state in SampleState.values()) {
                for (reason in SampleReason.values()) {
                    val words = explainSample(state, reason, language)
                    for (text in listOf(words.headline, words.reason, words.nextStep)) {
                        assertTrue(text.isNotBlank(), "$state/$reason/$language")
                    }
                }
            }
        }
        assertNotEquals(
            explainSample(SampleState.PENDING, SampleReason.IN_LAB, Language.VI),
            explainSample(SampleState.PENDING, SampleReason.IN_LAB, Language.EN),
        )
        assertEquals("Waiting for the result", explainSample(SampleState.PENDING, SampleReason.IN_LAB, Language.EN).headline)
    }

    @Test
    fun `a code entered offline is kept as registering and a mistyped one is never kept`(@TempDir dir: Path): Unit = runBlocking {
        withCore(File(dir.toFile(), "phone"), clock = clock) { hb ->
            val profile = hb.profiles().use { it.add(validInput(ProfileRelation.MYSELF)) }
            hb.results().use { results ->
                assertThrows<ResultsException.BadCheckCharacter> { runBlocking { results.register(profile.id, "FE9A5MAK6D") } }
                assertTrue(results.samples().isEmpty())

                val sample = results.register(profile.id, "FE9A5MAK6C")
                assertEquals(SampleState.REGISTERING, sample.state)
                assertEquals(SampleReason.NOT_SENT_YET, sample.reason)
                assertEquals(SampleCodeKind.SHORT_CODE, sample.kind)
                assertNull(sample.certificate)
                assertThrows<ResultsException.AlreadyFollowed> { runBlocking { results.register(profile.id, "fe9a5mak6c") } }
                assertThrows<ResultsException.ProfileNotFound> { runBlocking { results.register("no-such-profile", "WPHSATMHD4") } }

                // Due again after the backoff: the poll cycle retries it (still no server) and reports the failure.
                clock.set(1_630_483_200_000 + 60_000)
                val changes = mutableListOf<Sample>()
                val report = results.pollDue(object : ResultsListener {
                    override fun onSampleChanged(sample: Sample) {
                        changes.add(sample)
                    }
                })
                assertEquals(1u, report.checked)
                assertEquals(1u, report.failed)
                assertTrue(changes.isEmpty(), "nothing changed")
                assertEquals(listOf(sample.sampleId), results.samples().map { it.sampleId })
                assertThrows<ResultsException.NoCertificate> { runBlocking { results.keepCertificate(sample.sampleId) } }
            }
        }
    }

    @Test
    fun `the repository names the profile, explains in the app's language and turns a typo into a SampleCodeException`(
        @TempDir dir: Path,
    ): Unit = runBlocking {
        withCore(File(dir.toFile(), "phone"), clock = clock) { hb ->
            val profile = hb.profiles().use { it.add(validInput(ProfileRelation.MYSELF, fullName = "Phạm Quỳnh Hương")) }
            hb.settings().use { it.setLanguage(Language.EN) }
            CoreTestResultsRepository(hb.results(), hb.profiles(), hb.settings()).use { repo ->
                val typo = assertThrows<SampleCodeException> { runBlocking { repo.register(profile.id, "FE9A5MAK6D") } }
                assertTrue(typo.message!!.contains("mistyped"), typo.message)
                assertFalse(typo.message!!.contains("FE9A5MAK6D"), "the message does not quote the code")

                val item = repo.register(profile.id, "WPHSATMHD4")
                assertEquals("Phạm Quỳnh Hương", item.profileName)
                assertEquals(ScreenState.REGISTERING, item.state)
                assertEquals("Waiting to send the sample code", item.headline)
                assertTrue(item.reason.isNotBlank() && item.nextStep.isNotBlank())
                assertEquals(listOf(item.sampleId), repo.refresh().map { it.sampleId })

                hb.settings().use { it.setLanguage(Language.VI) }
                assertEquals("Đang chờ gửi mã mẫu", repo.samples().single().headline)
            }
        }
    }
}
