package org.healthbook.core

import java.io.File
import java.net.InetAddress
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.time.LocalDate
import java.time.ZoneOffset
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.fail

/** A [SyncListener] that records every event, and the threads the core called it on. */
class RecordingSyncListener : SyncListener {
    val events = CopyOnWriteArrayList<SyncEvent>()
    val threads = CopyOnWriteArrayList<String>()

    override fun onEvent(event: SyncEvent) {
        threads += Thread.currentThread().name
        events += event
    }
}

/** A loopback port nothing listens on (free a moment ago). */
fun freeLoopbackPort(): Int = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }

/** Today's calendar date in Vietnam (UTC+7), the day date answers are judged against with the system clock. */
fun vietnamToday(): LocalDate = LocalDate.now(ZoneOffset.ofHours(7))

/**
 * The real reference server (`healthbook-server`, built by `cargo build -p healthbook-server`) as a child
 * process on `127.0.0.1:port`, with its own SQLite data dir. [close] stops it (SIGTERM, then SIGKILL).
 */
class ReferenceServer private constructor(
    private val process: Process,
    val baseUrl: String,
    /** The authority's root public key (base64 SPKI DER) that phones pin, from `admin root-key`. */
    val rootKey: String,
    private val log: File,
) : AutoCloseable {
    private val shutdownHook = Thread { process.destroyForcibly() }.also { Runtime.getRuntime().addShutdownHook(it) }

    /** The server's log so far, for failure messages. */
    fun log(): String = log.takeIf { it.exists() }?.readText().orEmpty()

    /**
     * The code of the last binding SMS: without a gateway the server's log sender writes each text message to
     * its log (target `sms`), as a phone would receive it. Waits a little for the log line to be flushed.
     */
    fun lastBindingCode(timeout: Duration = Duration.ofSeconds(5)): String {
        val pattern = Regex("binding code is (\\d{6})")
        val deadline = System.nanoTime() + timeout.toNanos()
        while (true) {
            pattern.findAll(log()).lastOrNull()?.let { return it.groupValues[1] }
            if (System.nanoTime() > deadline) fail<Nothing>("no binding code in the server log:\n${log()}")
            Thread.sleep(20)
        }
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly()
            process.waitFor(5, TimeUnit.SECONDS)
        }
        runCatching { Runtime.getRuntime().removeShutdownHook(shutdownHook) }
    }

    companion object {
        const val ADMIN_PASSWORD = "kotlin-test-admin-password"

        /** The server binary named by the `healthbook.server.bin` system property (set by surefire). */
        fun binary(): File {
            val path = System.getProperty("healthbook.server.bin")
                ?: fail("system property healthbook.server.bin is not set; run the tests through Maven " +
                    "(android/core-kotlin/pom.xml sets it) or pass -Dhealthbook.server.bin=PATH")
            val file = File(path).absoluteFile.normalize()
            if (!file.isFile || !file.canExecute()) {
                fail<Nothing>("reference server binary not found at $file: build it with `cargo build -p healthbook-server` " +
                    "(or point -Dhealthbook.server.bin at another build)")
            }
            return file
        }

        /** Initialises a server database in [dataDir] and serves it on `127.0.0.1:[port]`, waiting for `/healthz`. */
        fun start(dataDir: File, port: Int, timeout: Duration = Duration.ofSeconds(30)): ReferenceServer {
            val bin = binary().path
            dataDir.mkdirs()
            val initLog = File(dataDir, "admin-init.log")
            // The flags are global (clap `global = true`), so they go before the subcommand.
            val init = ProcessBuilder(bin, "--data-dir", dataDir.path, "--pbkdf2-iterations", "1000", "admin", "init", "--password", ADMIN_PASSWORD)
                .redirectErrorStream(true)
                .redirectOutput(initLog)
                .start()
            if (!init.waitFor(timeout.seconds, TimeUnit.SECONDS)) {
                init.destroyForcibly()
                fail<Nothing>("`healthbook-server admin init` did not finish in $timeout:\n${initLog.readText()}")
            }
            if (init.exitValue() != 0) {
                fail<Nothing>("`healthbook-server admin init` exited with ${init.exitValue()}:\n${initLog.readText()}")
            }

            val rootKey = rootKey(bin, dataDir, timeout)

            val log = File(dataDir, "serve.log")
            val process = ProcessBuilder(bin, "--data-dir", dataDir.path, "--listen", "127.0.0.1:$port", "serve")
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start()
            val server = ReferenceServer(process, "http://127.0.0.1:$port", rootKey, log)
            try {
                server.awaitHealthy(timeout)
            } catch (e: Throwable) {
                server.close()
                throw e
            }
            return server
        }

        /** Runs `admin root-key` on an initialised [dataDir]: the root public key (base64 SPKI DER) on stdout. */
        private fun rootKey(bin: String, dataDir: File, timeout: Duration): String {
            val out = File(dataDir, "root-key.out")
            val err = File(dataDir, "root-key.log")
            val process = ProcessBuilder(bin, "--data-dir", dataDir.path, "admin", "root-key")
                .redirectOutput(out)
                .redirectError(err)
                .start()
            if (!process.waitFor(timeout.seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly()
                fail<Nothing>("`healthbook-server admin root-key` did not finish in $timeout:\n${err.readText()}")
            }
            val key = out.readText().trim()
            if (process.exitValue() != 0 || key.isEmpty() || key.any { it.isWhitespace() }) {
                fail<Nothing>("`healthbook-server admin root-key` exited with ${process.exitValue()} and printed '$key':\n${err.readText()}")
            }
            return key
        }
    }

    private fun awaitHealthy(timeout: Duration) {
        val client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()
        val request = HttpRequest.newBuilder(URI("$baseUrl/healthz")).timeout(Duration.ofSeconds(2)).GET().build()
        val deadline = System.nanoTime() + timeout.toNanos()
        var last: String? = null
        while (System.nanoTime() < deadline) {
            if (!process.isAlive) fail<Nothing>("healthbook-server exited with ${process.exitValue()} before answering /healthz:\n${log()}")
            try {
                val response = client.send(request, HttpResponse.BodyHandlers.ofString())
                if (response.statusCode() == 200) return
                last = "HTTP ${response.statusCode()}: ${response.body()}"
            } catch (e: java.io.IOException) {
                last = e.toString()
            }
            Thread.sleep(50)
        }
        fail<Nothing>("healthbook-server did not answer GET /healthz within $timeout (last: $last):\n${log()}")
    }
}

/**
 * Binds [profileId] to its person by the SMS code, reading the code from [server]'s log; the profile needs a
 * citizen id and a phone (or [citizenId]).
 */
suspend fun Healthbook.bindBySms(server: ReferenceServer, profileId: String, citizenId: String? = null): Binding =
    persons().use { persons ->
        // Codes already in the log belong to earlier challenges; wait for this one's.
        val before = Regex("binding code is").findAll(server.log()).count()
        val challenge = persons.startSmsBinding(profileId, citizenId, null)
        val deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos()
        while (Regex("binding code is").findAll(server.log()).count() <= before && System.nanoTime() < deadline) Thread.sleep(20)
        persons.verifyCode(challenge.challengeId, server.lastBindingCode())
    }

/**
 * Creates a staff account with [role] (and [areaJson], which volunteers and health officers need, e.g.
 * `{"province": "79", "wards": ["26734"]}`) as the first admin, signs it in and returns its bearer token.
 */
fun ReferenceServer.staffToken(role: String, username: String, areaJson: String? = null): String {
    val admin = signIn("admin", ReferenceServer.ADMIN_PASSWORD)
    val area = areaJson?.let { ", \"area\": $it" }.orEmpty()
    postJson("/v1/accounts", admin, """{"role": "$role", "username": "$username", "password": "staff-password"$area}""")
    return signIn(username, "staff-password")
}

/** Signs a staff account in (`POST /v1/auth/login`) and returns its bearer token. */
fun ReferenceServer.signIn(username: String, password: String): String {
    val body = postJson("/v1/auth/login", null, """{"username": "$username", "password": "$password"}""")
    return Regex("\"token\"\\s*:\\s*\"([^\"]+)\"").find(body)?.groupValues?.get(1)
        ?: fail("no token in the login answer")
}

/** POSTs [json] to [path] (with [token] as bearer when given, and a fresh `Idempotency-Key`), fails unless the answer is 2xx, returns its body. */
fun ReferenceServer.postJson(path: String, token: String?, json: String): String {
    val request = HttpRequest.newBuilder(URI("$baseUrl$path"))
        .timeout(Duration.ofSeconds(5))
        .header("content-type", "application/json")
        // The server wants one on every staff write, so that a retried request is applied once.
        .header("idempotency-key", java.util.UUID.randomUUID().toString())
        .apply { if (token != null) header("authorization", "Bearer $token") }
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build()
    val response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
    if (response.statusCode() !in 200..299) fail<Nothing>("POST $path answered ${response.statusCode()}: ${response.body()}")
    return response.body()
}
