package org.healthbook.core

import java.io.File
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * Declarations submitted while the server is down, then delivered once the real reference server
 * (`target/debug/healthbook-server`, see [ReferenceServer]) appears on the configured address.
 *
 * Uses the system clock: the server judges `declared_at` and date answers against its own clock.
 */
class DeclarationSyncTest {
    @TempDir lateinit var dir: File
    private var server: ReferenceServer? = null

    @AfterEach
    fun stopServer() {
        server?.close()
    }

    @Test
    fun `submit offline, stay queued while the server is unreachable, then sync when a server appears`() = runBlocking {
        // Fails at once (with the build command) when the server binary is missing, before any work.
        ReferenceServer.binary()
        val port = freeLoopbackPort()
        withCore(File(dir, "phone")) { hb ->
            hb.settings().use { it.setServerUrl("http://127.0.0.1:$port") }
            val (owner, child) = hb.profiles().use { profiles ->
                profiles.add(validInput(ProfileRelation.MYSELF)) to
                    profiles.add(validInput(ProfileRelation.FAMILY_MEMBER, fullName = "Nguyễn Thị Bé", citizenId = null))
            }
            val declarations = hb.declarations()
            val outbox = hb.outbox()
            try {
                val today = vietnamToday().toString()
                // The owner has a fever: yellow. The child declares nothing: green. A movement declaration sets no status.
                val feverish = declarations.submit(owner.id, HEALTH, healthAnswers(
                    "symptoms" to AnswerValue.Choices(listOf("fever", "cough")),
                    "symptom_onset" to AnswerValue.Date(today),
                ), null, Language.VI)
                val trip = declarations.submit(owner.id, MOVEMENT, movementAnswers(date = today), null, Language.VI)
                val healthy = declarations.submit(child.id, HEALTH, healthAnswers(), null, Language.EN)
                assertNull(feverish.filledByProfileId)
                assertEquals(owner.id, healthy.filledByProfileId, "the owner filled in the child's declaration")
                val submitted = listOf(feverish, trip, healthy)

                val queued = outbox.entries()
                assertEquals(submitted.map { it.id }, queued.map { it.subjectId })
                assertTrue(queued.all { it.state == OutboxState.PENDING && it.kind == "declaration" && it.attempts == 0u }, "$queued")

                // Nothing listens on the port yet.
                val offline = RecordingSyncListener()
                val unreachable = outbox.syncNow(offline)
                assertTrue(unreachable.serverUnreachable, "$unreachable")
                assertEquals(0u, unreachable.delivered)
                assertEquals(3uL, unreachable.pending)
                assertTrue(offline.events.none { it is SyncEvent.Delivered }, "${offline.events}")
                assertEquals(SyncEvent.Finished(unreachable), offline.events.last())
                val stillQueued = outbox.entries()
                assertEquals(queued.map { it.id }, stillQueued.map { it.id })
                assertTrue(stillQueued.all { it.state == OutboxState.PENDING }, "$stillQueued")
                // Every waiting item says why it waits, without counting an attempt that never reached the server.
                assertTrue(stillQueued.all { it.lastError?.startsWith("server unreachable") == true && it.attempts == 0u }, "$stillQueued")
                assertTrue(declarations.list(null).all { it.status == DeclarationStatus.QUEUED })
                assertNull(declarations.healthStatus(owner.id))

                // The server appears on that port.
                server = ReferenceServer.start(File(dir, "server"), port)
                // The app ships with the authority's root key: receipts count only once verified against it.
                hb.settings().use { it.setRootKey(server!!.rootKey) }
                val online = RecordingSyncListener()
                val report = outbox.syncNow(online)
                val log = { "events ${online.events}\nserver log:\n${server?.log()}" }
                assertEquals(SyncReport(3u, 0u, 0u, 0uL, false), report, log)
                assertEquals(SyncEvent.Started(3uL), online.events.first(), log)
                assertEquals(
                    stillQueued.map { SyncEvent.Delivered(it.id, "declaration") },
                    online.events.filterIsInstance<SyncEvent.Delivered>(),
                    log,
                )
                assertEquals(SyncEvent.Finished(report), online.events.last(), log)
                assertEquals(5, online.events.size, log)
                assertTrue(online.threads.none { it.isBlank() })

                assertEquals(emptyList<OutboxEntry>(), outbox.entries())
                val accepted = declarations.list(null)
                assertEquals(submitted.map { it.id }.toSet(), accepted.map { it.id }.toSet())
                assertTrue(accepted.all { it.status == DeclarationStatus.ACCEPTED && it.rejectionReason == null }, "$accepted")
                assertEquals(owner.id, accepted.single { it.id == healthy.id }.filledByProfileId)
                // Saved answers come back typed by their question: a date is a Date, a choice a Choice.
                val savedFever = accepted.single { it.id == feverish.id }.answers
                assertEquals(AnswerValue.Date(today), savedFever["symptom_onset"])
                assertEquals(AnswerValue.Choices(listOf("fever", "cough")), savedFever["symptoms"])
                assertTrue(savedFever["vaccination_status"] is AnswerValue.Choice, "$savedFever")

                val ownerStatus = notNull(declarations.healthStatus(owner.id))
                assertEquals("yellow", ownerStatus.status)
                assertEquals(listOf("declaration"), ownerStatus.reasons)
                assertEquals("green", notNull(declarations.healthStatus(child.id)).status)

                // Nothing left: a second pass is empty.
                val again = RecordingSyncListener()
                assertEquals(SyncReport(0u, 0u, 0u, 0uL, false), outbox.syncNow(again))
                assertEquals(listOf(SyncEvent.Started(0uL), SyncEvent.Finished(SyncReport(0u, 0u, 0u, 0uL, false))), again.events.toList())
                assertFalse(again.events.any { it is SyncEvent.Failed })

                // The device registered once; connecting again signs in as the same device.
                val deviceId = outbox.connect()
                assertTrue(deviceId.isNotBlank())
                assertEquals(deviceId, outbox.connect())
                // Sent declarations are kept for 21 days: nothing is old enough to purge yet.
                assertEquals(0uL, outbox.purgeExpired())
                assertEquals(3, declarations.list(null).size)
            } finally {
                declarations.close()
                outbox.close()
            }
        }
    }
}

/** Asserts [value] is not null and returns it with a non-null type. */
private fun <T : Any> notNull(value: T?): T = value ?: throw AssertionError("expected a value, got null")
