package org.healthbook.core

import com.sun.net.httpserver.HttpServer
import java.io.ByteArrayOutputStream
import java.io.File
import java.net.InetAddress
import java.net.InetSocketAddress
import java.util.concurrent.ConcurrentHashMap
import java.util.zip.Deflater
import java.util.zip.Inflater
import kotlinx.coroutines.runBlocking
import org.healthbook.core.wrapper.CoreGateRepository
import org.healthbook.core.wrapper.GateDecision
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import org.healthbook.core.wrapper.GateDirection as ScreenDirection
import org.healthbook.core.wrapper.GateException as ScreenGateException

private const val GATE_ID = "7f9c2ba4-0000-4000-8000-000000000001"

/**
 * A loopback server with what a gate device needs: staff sign-in (password `secret-1`), the gate, its agency
 * and venue, and passage uploads, stored by id, each once.
 */
private class FakeGateServer : AutoCloseable {
    val stored = ConcurrentHashMap<String, Int>()
    private val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)
    val url get() = "http://127.0.0.1:${server.address.port}"

    init {
        server.createContext("/") { exchange ->
            val path = exchange.requestURI.path
            val body = exchange.requestBody.readBytes().decodeToString()
            val at = "2021-01-01T00:00:00Z"
            val (status, json) = when (path) {
                "/v1/auth/login" -> if (body.contains("\"secret-1\"")) {
                    200 to """{"token":"t","token_type":"Bearer","expires_at":"2999-01-01T00:00:00Z","account_id":"op","role":"gate_operator","agency_id":"a1"}"""
                } else {
                    401 to """{"error":{"code":"invalid_credentials","message":"wrong"}}"""
                }
                "/v1/gates/$GATE_ID" -> 200 to """{"id":"$GATE_ID","agency_id":"a1","name":"Cổng 1","venue_id":"v1","created_at":"$at"}"""
                "/v1/agencies/a1" -> 200 to """{"id":"a1","name":"Ban quản lý chợ","created_at":"$at"}"""
                "/v1/venues/v1" -> 200 to """{"id":"v1","agency_id":"a1","name":"Chợ Bến Thành","kind":"market","address":"Lê Lợi","province_code":"79","ward_code":"26740","default_stay_minutes":60,"created_at":"$at"}"""
                "/v1/gates/$GATE_ID/passages" -> {
                    var (new, old) = 0 to 0
                    Regex("\"id\":\"([0-9a-f-]{36})\"").findAll(body).forEach {
                        if (stored.merge(it.groupValues[1], 1, Int::plus) == 1) new++ else old++
                    }
                    200 to """{"stored":$new,"already_stored":$old}"""
                }
                else -> 404 to """{"error":{"code":"not_found","message":"no"}}"""
            }
            val bytes = json.toByteArray()
            exchange.responseHeaders.add("content-type", "application/json")
            exchange.sendResponseHeaders(status, bytes.size.toLong())
            exchange.responseBody.use { it.write(bytes) }
        }
        server.start()
    }

    override fun close() = server.stop(0)
}

private const val BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

private fun base45Decode(text: String): ByteArray {
    val out = ByteArrayOutputStream()
    var i = 0
    while (i < text.length) {
        if (text.length - i >= 3) {
            val n = BASE45.indexOf(text[i]) + BASE45.indexOf(text[i + 1]) * 45 + BASE45.indexOf(text[i + 2]) * 2025
            out.write(n shr 8)
            out.write(n and 0xff)
            i += 3
        } else {
            out.write(BASE45.indexOf(text[i]) + BASE45.indexOf(text[i + 1]) * 45)
            i += 2
        }
    }
    return out.toByteArray()
}

private fun base45Encode(bytes: ByteArray): String = buildString {
    var i = 0
    while (i < bytes.size) {
        if (bytes.size - i >= 2) {
            val n = (bytes[i].toInt() and 0xff) * 256 + (bytes[i + 1].toInt() and 0xff)
            append(BASE45[n % 45]).append(BASE45[(n / 45) % 45]).append(BASE45[n / 2025])
            i += 2
        } else {
            val n = bytes[i].toInt() and 0xff
            append(BASE45[n % 45]).append(BASE45[n / 45])
            i += 1
        }
    }
}

/** The same certificate with the last byte of its signature changed: decodes, names the right key, fails it. */
private fun forge(qr: String): String {
    val inflater = Inflater().apply { setInput(base45Decode(qr.removePrefix("HC1:"))) }
    val cose = ByteArrayOutputStream()
    val buffer = ByteArray(4096)
    while (!inflater.finished()) cose.write(buffer, 0, inflater.inflate(buffer))
    val bytes = cose.toByteArray()
    bytes[bytes.size - 1] = (bytes[bytes.size - 1].toInt() xor 0x01).toByte()
    val deflater = Deflater().apply { setInput(bytes); finish() }
    val zipped = ByteArrayOutputStream()
    while (!deflater.finished()) zipped.write(buffer, 0, deflater.deflate(buffer))
    return "HC1:" + base45Encode(zipped.toByteArray())
}

/**
 * The gate device through the bindings and [CoreGateRepository]: bound against a loopback server, it verifies
 * a genuine and a forged EU DCC from the conformance data offline, records a card once per direction within
 * the repeat window, and uploads the queue.
 */
class GateTest {
    @TempDir lateinit var dir: File

    private val case by lazy { DccCase.load("DE/2DCode/raw/3.json") }

    @Test
    fun `scans map to verdicts, repeats are not recorded twice, and the queue syncs`(): Unit = runBlocking {
        FakeGateServer().use { server ->
            val clock = ManualClock(case.validationClock.toInstant().toEpochMilli())
            withCore(dir, clock = clock) { hb ->
                hb.settings().setServerUrl(server.url)
                hb.settings().setLanguage(Language.EN)
                hb.verifier().use { it.addDccCertificate(case.certificate) }
                val gate = hb.gate()
                assertNull(gate.boundGate())
                assertThrows<GateException.NotBound> { runBlocking { gate.scan(case.qr, GateDirection.IN) } }
                assertThrows<GateException.SignInFailed> { runBlocking { gate.bind(GATE_ID, "op", "wrong") } }
                val bound = gate.bind(GATE_ID, "op", "secret-1")
                assertEquals("Chợ Bến Thành", bound.venueName)

                val valid = gate.scan(case.qr, GateDirection.IN)
                assertEquals(GateVerdict.ADMIT, valid.verdict)
                assertEquals(PassageReason.VALID, valid.reason)
                assertEquals(ScannedCard.EU_DCC, valid.card)
                assertEquals("Admit", valid.headline)
                assertTrue(valid.holderName.orEmpty().contains("Mustermann"), valid.holderName)
                assertEquals(4, valid.birthYear?.length)
                assertTrue(valid.recorded)

                val forged = gate.scan(forge(case.qr), GateDirection.IN)
                assertEquals(GateVerdict.REFUSE, forged.verdict)
                assertEquals(PassageReason.FORGED, forged.reason)
                assertNull(forged.holderName, "a refused card shows no holder")
                assertTrue(forged.reasonText.isNotEmpty())

                assertFalse(gate.scan(case.qr, GateDirection.IN).recorded, "the same card the same way is recorded once")
                assertTrue(gate.scan(case.qr, GateDirection.OUT).recorded)
                assertEquals(600u, gate.repeatWindowSecs())
                gate.setRepeatWindowSecs(0u)
                assertTrue(gate.scan(case.qr, GateDirection.IN).recorded)
                assertEquals(4u, gate.queue().pending)

                val repository = CoreGateRepository(gate, hb.settings())
                val screen = repository.scan(forge(case.qr), ScreenDirection.OUT)
                assertEquals(GateDecision.REFUSE, screen.decision)
                assertEquals("Refuse", screen.headline)
                assertEquals(5, repository.queue().pending)
                assertThrows<ScreenGateException> { runBlocking { repository.unbind() } }

                val after = repository.sync()
                assertEquals(0, after.pending)
                assertTrue(after.lastSyncAt != null)
                assertEquals(5, server.stored.size)
                assertTrue(server.stored.values.all { it == 1 }, "each passage sent once")
                repository.unbind()
                assertNull(repository.boundGate())
            }
        }
    }
}
