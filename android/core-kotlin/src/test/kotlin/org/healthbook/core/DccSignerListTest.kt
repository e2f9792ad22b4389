package org.healthbook.core

import java.io.File
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.MessageDigest
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.time.Instant
import java.util.Base64
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * An EU DCC document-signer list signed as a national backend signs it (the JVM's `SHA256withECDSA`, DER, the
 * first line of the list) imports through the verifier, after which a conformance DCC signed by one of its DSCs
 * verifies offline; a list altered after signing is refused.
 */
class DccSignerListTest {
    @TempDir lateinit var dir: File

    private val publisher: KeyPair =
        KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()

    private val publisherPem: String =
        "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(publisher.public.encoded) + "\n-----END PUBLIC KEY-----\n"

    private fun signed(json: String): String {
        val signature = Signature.getInstance("SHA256withECDSA").apply {
            initSign(publisher.private)
            update(json.toByteArray(Charsets.UTF_8))
        }.sign()
        return Base64.getEncoder().encodeToString(signature) + "\n" + json
    }

    private fun entry(certificate: String, type: String = "DSC"): String {
        val der = Base64.getDecoder().decode(certificate)
        val kid = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(der).copyOf(8))
        return """{"certificateType":"$type","country":"DE","kid":"$kid","rawData":"$certificate",""" +
            """"signature":"c2ln","thumbprint":"","timestamp":"2021-06-01T12:00:00+02:00"}"""
    }

    @Test
    fun `a list signed with SHA256withECDSA imports and its DSC verifies a DCC offline`(): Unit = runBlocking {
        val case = DccCase.load("DE/2DCode/raw/1.json")
        val at = case.validationClock.toInstant()
        val list = signed("""{"certificates":[${entry(case.certificate)},${entry(case.certificate, "CSCA")}]}""")
        withCore(dir) { hb ->
            hb.verifier().use { verifier ->
                assertFalse(verifier.verifyAt(case.qr, at).valid, "not before the list is imported")
                assertThrows<PassException.BadCertificate> {
                    runBlocking { verifier.importDccSigners(list.replace("\"DE\"", "\"FR\""), publisherPem) }
                }
                val report = verifier.importDccSigners(list, publisherPem)
                assertEquals(DccSignerImport(Instant.parse("2021-06-01T10:00:00Z"), 1u, 1u, 1u), report)
                val verdict = verifier.verifyAt(case.qr, at)
                assertTrue(verdict.valid, "$verdict")
            }
        }
    }
}
