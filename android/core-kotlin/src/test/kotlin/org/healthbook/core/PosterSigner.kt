package org.healthbook.core

import java.io.ByteArrayOutputStream
import java.security.KeyPairGenerator
import java.security.MessageDigest
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.time.Instant
import java.util.Base64
import java.util.zip.Deflater

/**
 * Signs venue posters as an agency's key would, for tests only: our payload (claim -65537, `t = venue`) in CWT
 * claims, COSE_Sign1 with ES256 and the key id (first 8 bytes of SHA-256 over the SPKI) in the protected header,
 * zlib, Base45, `HP1:`. [spkiBase64] is what the authority adds to the trust list.
 */
class PosterSigner(private val issuer: String = "Ban quản lý chợ") {
    private val keyPair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
    val spkiBase64: String = Base64.getEncoder().encodeToString(keyPair.public.encoded)
    private val kid = MessageDigest.getInstance("SHA-256").digest(keyPair.public.encoded).copyOf(8)

    /** A signed poster of [venueId] for [agencyId], valid from [issuedAt] to [expiresAt]. */
    fun poster(venueId: String, name: String, agencyId: String, stayMinutes: Long, issuedAt: Instant, expiresAt: Instant): String {
        val body = map(
            text("t") to text("venue"),
            text("vid") to text(venueId),
            text("n") to text(name),
            text("ag") to text(agencyId),
            text("st") to int(stayMinutes),
            text("k") to text("market"),
        )
        val claims = map(
            int(1) to text(issuer),
            int(6) to int(issuedAt.epochSecond),
            int(4) to int(expiresAt.epochSecond),
            int(7) to bytes(byteArrayOf(1, 2, 3, 4, 5, 6, 7, 8)),
            int(-65537) to body,
        )
        val protected = map(int(1) to int(-7), int(4) to bytes(kid))
        val toBeSigned = array(text("Signature1"), bytes(protected), bytes(ByteArray(0)), bytes(claims))
        val der = Signature.getInstance("SHA256withECDSA").run {
            initSign(keyPair.private)
            update(toBeSigned)
            sign()
        }
        val cose = tag(18, array(bytes(protected), map(), bytes(claims), bytes(rawSignature(der))))
        return "HP1:" + base45(zlib(cose))
    }

    private companion object {
        fun head(major: Int, value: Long): ByteArray {
            val m = major shl 5
            return when {
                value < 24 -> byteArrayOf((m or value.toInt()).toByte())
                value < 0x100 -> byteArrayOf((m or 24).toByte(), value.toByte())
                value < 0x10000 -> byteArrayOf((m or 25).toByte(), (value shr 8).toByte(), value.toByte())
                value < 0x100000000 -> byteArrayOf((m or 26).toByte()) + (3 downTo 0).map { (value shr (8 * it)).toByte() }
                else -> byteArrayOf((m or 27).toByte()) + (7 downTo 0).map { (value shr (8 * it)).toByte() }
            }
        }

        fun int(n: Long): ByteArray = if (n >= 0) head(0, n) else head(1, -1 - n)
        fun int(n: Int): ByteArray = int(n.toLong())
        fun bytes(b: ByteArray): ByteArray = head(2, b.size.toLong()) + b
        fun text(s: String): ByteArray = s.toByteArray(Charsets.UTF_8).let { head(3, it.size.toLong()) + it }
        fun array(vararg items: ByteArray): ByteArray = items.fold(head(4, items.size.toLong())) { acc, b -> acc + b }
        fun map(vararg entries: Pair<ByteArray, ByteArray>): ByteArray =
            entries.fold(head(5, entries.size.toLong())) { acc, (k, v) -> acc + k + v }
        fun tag(tag: Long, item: ByteArray): ByteArray = head(6, tag) + item

        /** ASN.1 `SEQUENCE { r INTEGER, s INTEGER }` to the raw `r ‖ s` (32 bytes each) that COSE wants. */
        fun rawSignature(der: ByteArray): ByteArray {
            var at = 2
            fun integer(): ByteArray {
                check(der[at] == 0x02.toByte())
                val len = der[at + 1].toInt()
                val value = der.copyOfRange(at + 2, at + 2 + len).dropWhile { it == 0.toByte() }.toByteArray()
                at += 2 + len
                return ByteArray(32 - value.size) + value
            }
            return integer() + integer()
        }

        fun zlib(data: ByteArray): ByteArray {
            val deflater = Deflater(Deflater.BEST_COMPRESSION)
            deflater.setInput(data)
            deflater.finish()
            val out = ByteArrayOutputStream()
            val buffer = ByteArray(1024)
            while (!deflater.finished()) out.write(buffer, 0, deflater.deflate(buffer))
            deflater.end()
            return out.toByteArray()
        }

        const val ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ \$%*+-./:"

        fun base45(data: ByteArray): String = buildString {
            var i = 0
            while (i + 1 < data.size) {
                val n = (data[i].toInt() and 0xff) * 256 + (data[i + 1].toInt() and 0xff)
                append(ALPHABET[n % 45]).append(ALPHABET[(n / 45) % 45]).append(ALPHABET[n / 2025])
                i += 2
            }
            if (i < data.size) {
                val n = data[i].toInt() and 0xff
                append(ALPHABET[n % 45]).append(ALPHABET[n / 45])
            }
        }
    }
}
