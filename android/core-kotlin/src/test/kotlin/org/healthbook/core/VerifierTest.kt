package org.healthbook.core

import java.io.ByteArrayInputStream
import java.io.File
import java.time.Duration
import java.time.Instant
import javax.imageio.ImageIO
import kotlin.random.Random
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The offline verifier without a server: bad input of every kind gets a typed verdict, and an EU DCC from
 * the third-party conformance data (`shared/conformance/eu-dcc`, see [sharedDir]) verifies once its signing
 * certificate is trusted. Also the QR renderers.
 */
class VerifierTest {
    @TempDir lateinit var dir: File

    /** DE case 3 of dgc-testdata: a recovery certificate for Erika Mustermann, ES256 ("VALID: EC 256 key"). */
    private val dccCase by lazy { DccCase.load("DE/2DCode/raw/3.json") }

    private fun verdicts(hb: Healthbook, inputs: List<String>): List<Verdict> =
        hb.verifier().use { verifier -> inputs.map { verifier.verify(it) } }

    @Test
    fun `garbage gets a typed verdict, never an exception`() {
        withCore(dir) { hb ->
            val cases = listOf(
                "" to FailedStage.PREFIX,
                "hello" to FailedStage.PREFIX,
                "hb1:ABC" to FailedStage.PREFIX,
                "HB1:" to FailedStage.BASE45,
                "HC1:" to FailedStage.BASE45,
                "HB1:AAAA" to FailedStage.BASE45,
                "HB1:%%%" to FailedStage.BASE45,
                "HB1:" + "A".repeat(10_000) to FailedStage.PREFIX, // over the size limit
                "x".repeat(10 * 1024) to FailedStage.PREFIX,
            )
            val verdicts = verdicts(hb, cases.map { it.first })
            for ((case, verdict) in cases.zip(verdicts)) {
                val label = "${case.first.take(20)} (${case.first.length} chars): $verdict"
                assertFalse(verdict.valid, label)
                assertEquals(case.second, verdict.stage, label)
                assertNotNull(verdict.error, label)
                assertNull(verdict.holder, label)
            }
            assertEquals(CredentialKind.UNKNOWN, verdicts[0].kind)
            assertEquals(CredentialKind.PERSONAL_PASS, verdicts[3].kind, "the prefix says what it claims to be")

            // Random bytes behind every prefix, and random text of every length: typed verdicts only.
            val random = Random(4)
            val base45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
            val noise = buildList {
                for (prefix in listOf("HB1:", "HC1:", "HS1:", "HK1:", "HP1:", "")) {
                    repeat(40) { n ->
                        val length = random.nextInt(0, if (n % 10 == 0) 9000 else 400)
                        add(prefix + String(CharArray(length) { base45[random.nextInt(base45.length)] }))
                    }
                }
                repeat(40) { add(String(CharArray(random.nextInt(0, 300)) { random.nextInt(0, 0xD7FF).toChar() })) }
                add("HB1:\u0000\u0000")
                add("HB1:\uD83D\uDE00")
            }
            for ((input, verdict) in noise.zip(verdicts(hb, noise))) {
                assertFalse(verdict.valid, "${input.take(40)}: $verdict")
                assertNotNull(verdict.stage, "${input.take(40)}: $verdict")
            }
        }
    }

    @Test
    fun `an EU DCC verifies once its signing certificate is trusted, and shows the holder`(): Unit = runBlocking {
        val case = dccCase
        val at = case.validationClock.toInstant()
        withCore(dir) { hb ->
            hb.verifier().use { verifier ->
                val unknown = verifier.verifyAt(case.qr, at)
                assertFalse(unknown.valid)
                assertEquals(FailedStage.UNKNOWN_KEY, unknown.stage, "$unknown")

                val kid = verifier.addDccCertificate(case.certificate)
                assertEquals("DEsVUSvpFAE=", kid, "the first 8 bytes of SHA-256 over the certificate, base64")

                val verdict = verifier.verifyAt(case.qr, at)
                assertTrue(verdict.valid, "${case.name}: $verdict")
                assertNull(verdict.stage)
                assertEquals(CredentialKind.EU_DCC_RECOVERY, verdict.kind)
                assertEquals("DE", verdict.issuer)
                assertEquals(CredentialHolder("Mustermann Erika", "1964-08-12", "MUSTERMANN ERIKA"), verdict.holder)
                assertEquals(Instant.parse("2021-05-29T19:21:13Z"), verdict.issuedAt)
                assertEquals(Instant.parse("2022-01-28T07:47:53Z"), verdict.expiresAt)
                assertTrue(verdict.summary.orEmpty().contains("recovery"), "${verdict.summary}")

                // Today it has long expired (and so has its certificate).
                val now = verifier.verify(case.qr)
                assertFalse(now.valid)
                assertEquals(FailedStage.EXPIRED, now.stage, "$now")
                assertEquals(FailedStage.EXPIRED, verifier.verifyAt(case.qr, verdict.expiresAt!!.plus(Duration.ofDays(1))).stage)

                // Not a certificate: a typed error, and nothing is trusted because of it.
                assertThrows<PassException.BadCertificate> { verifier.addDccCertificate("not base64 at all!") }
                assertThrows<PassException.BadCertificate> { verifier.addDccCertificate("AAAA") }
            }
        }
        // The trusted certificate is kept across a restart of the app.
        val keyStore = InMemoryKeyStore()
        withCore(File(dir, "kept"), keyStore) { hb -> hb.verifier().use { it.addDccCertificate(case.certificate) } }
        withCore(File(dir, "kept"), keyStore) { hb ->
            assertTrue(hb.verifier().use { it.verifyAt(case.qr, at) }.valid)
        }
    }

    @Test
    fun `a damaged EU DCC fails with a stage`(): Unit = runBlocking {
        val case = dccCase
        withCore(dir) { hb ->
            hb.verifier().use { verifier ->
                verifier.addDccCertificate(case.certificate)
                val at = case.validationClock.toInstant()
                val middle = case.qr.length / 2
                val damaged = case.qr.replaceRange(middle, middle + 1, if (case.qr[middle] == 'A') "B" else "A")
                val verdict = verifier.verifyAt(damaged, at)
                assertFalse(verdict.valid, "$verdict")
                assertNotNull(verdict.stage)
                assertEquals(FailedStage.PREFIX, verifier.verifyAt(case.qr.removePrefix("HC1:"), at).stage)
            }
        }
    }

    @Test
    fun `QR codes render as PNG for the screen and SVG for print`() {
        val text = "HB1:6BFOXN*TS0BI\$ZD-PHQ7I9AD66V5B22CH9M9ESI9XBHXK-%69LQOGI.*V76GCV4*XUA2P-FHT-HNTI4L6N"
        val png = qrPng(text, 4u)
        assertArrayEquals(byteArrayOf(0x89.toByte(), 'P'.code.toByte(), 'N'.code.toByte(), 'G'.code.toByte(), 0x0D, 0x0A, 0x1A, 0x0A), png.copyOf(8))
        val small = ImageIO.read(ByteArrayInputStream(png))
        val large = ImageIO.read(ByteArrayInputStream(qrPng(text, 8u)))
        assertEquals(small.width, small.height, "square")
        assertEquals(0, small.width % 4, "whole modules of 4 pixels")
        assertEquals(2 * small.width, large.width, "twice the scale, twice the size")
        // Corners of a QR code: a quiet zone (light) around the finder pattern (dark).
        assertEquals(0xFFFFFF, small.getRGB(0, 0) and 0xFFFFFF)
        val quiet = (0 until small.width).first { small.getRGB(it, it) and 0xFFFFFF != 0xFFFFFF }
        assertTrue(quiet in 4..40, "quiet zone $quiet px")
        assertTrue(qrPng(text, 0u).isNotEmpty(), "scale is clamped, not refused")

        val svg = qrSvg(text, 50u)
        assertTrue(svg.contains("<svg"), svg.take(200))
        assertTrue(svg.trimEnd().endsWith("</svg>"), svg.takeLast(200))
        assertTrue(svg.contains("50mm"), svg.take(400))

        // Too much for any QR code: a typed error.
        assertThrows<PassException.Render> { qrPng("HB1:" + "A".repeat(8000), 2u) }
        assertThrows<PassException.Render> { qrSvg("HB1:" + "A".repeat(8000), 50u) }
    }
}
