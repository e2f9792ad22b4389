package org.healthbook.core

import java.io.File
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.healthbook.core.wrapper.CoreCheckInRepository
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import org.healthbook.core.wrapper.CheckInException as ScreenCheckInException

/** The check-in diary through the generated bindings and the repository the screens use. */
class CheckInTest {
    @TempDir
    lateinit var dir: File

    private val start = Instant.parse("2021-09-01T08:00:00Z")
    private val clock = ManualClock(start.toEpochMilli())

    @Test
    fun `a forged or foreign poster is refused with its reason in words`(): Unit = runBlocking {
        withCore(dir, clock = clock) { hb ->
            val profile = hb.profiles().use { it.add(validInput(ProfileRelation.MYSELF)) }
            hb.checkins().use { checkins ->
                val refused = assertThrows<CheckInException.Refused> { checkins.checkIn(profile.id, "HP1:NOT-A-REAL-POSTER") }
                assertEquals(PosterRefusal.UNREADABLE, refused.reason)
                assertEquals(explainPosterRefusal(PosterRefusal.UNREADABLE, Language.VI), refused.words)
                val repo = CoreCheckInRepository(checkins)
                val screen = assertThrows<ScreenCheckInException> { repo.checkIn(profile.id, "HC1:6BFOXN") }
                assertTrue(screen.message!!.isNotBlank())
                assertTrue(repo.diary().isEmpty(), "nothing is kept for a refused poster")
            }
        }
    }

    @Test
    fun `a poster signed by a key of the server's trust list checks in offline, unknown and out-of-scope posters do not`(): Unit = runBlocking {
        val market = PosterSigner()
        val stranger = PosterSigner("Không rõ")
        val now = Instant.now()
        ReferenceServer.start(File(dir, "server"), freeLoopbackPort()).use { server ->
            val admin = server.signIn("admin", ReferenceServer.ADMIN_PASSWORD)
            server.postJson(
                "/v1/trust-list/keys",
                admin,
                """{"role": "agency", "scope": "agency:cho-test", "name": "Ban quản lý chợ", "public_key": "${market.spkiBase64}",
                   "not_before": "${now.minus(Duration.ofDays(1))}", "not_after": "${now.plus(Duration.ofDays(365))}"}""",
            )
            withCore(File(dir, "phone")) { hb ->
                hb.settings().use {
                    it.setServerUrl(server.baseUrl)
                    it.setRootKey(server.rootKey)
                }
                assertTrue(hb.verifier().use { it.refreshTrust() }.online)
                val profile = hb.profiles().use { it.add(validInput(ProfileRelation.MYSELF)) }
                val poster = market.poster("venue-kt", "Chợ Bà Chiểu", "cho-test", 45, now.minusSeconds(60), now.plus(Duration.ofDays(30)))
                hb.checkins().use { checkins ->
                    val entry = checkins.checkIn(profile.id, poster)
                    assertEquals(Triple("venue-kt", "Chợ Bà Chiểu", 45u), Triple(entry.venueId, entry.venueName, entry.stayMinutes))
                    assertEquals("Chợ", entry.venueKind, "the kind in the app's language")
                    assertEquals(entry.entryId, checkins.checkIn(profile.id, poster).entryId, "a rescan returns the open visit")
                    val unknown = assertThrows<CheckInException.Refused> {
                        checkins.checkIn(profile.id, stranger.poster("venue-kt", "Chợ Bà Chiểu", "cho-test", 45, now.minusSeconds(60), now.plus(Duration.ofDays(30))))
                    }
                    assertEquals(PosterRefusal.UNKNOWN_KEY, unknown.reason)
                    val elsewhere = assertThrows<CheckInException.Refused> {
                        checkins.checkIn(profile.id, market.poster("venue-x", "Chợ khác", "cho-khac", 45, now.minusSeconds(60), now.plus(Duration.ofDays(30))))
                    }
                    assertEquals(PosterRefusal.OUT_OF_SCOPE, elsewhere.reason)
                    assertEquals(1, checkins.diary().size)
                }
            }
        }
    }

    @Test
    fun `manual entries, check-out, delete and the diary`(): Unit = runBlocking {
        withCore(dir, clock = clock) { hb ->
            val profile = hb.profiles().use { it.add(validInput(ProfileRelation.MYSELF)) }
            val repo = CoreCheckInRepository(hb.checkins())
            repo.use {
                val earlier = repo.addManual(profile.id, "Nhà bà ngoại", start.minus(Duration.ofHours(3)), start.minus(Duration.ofHours(2)))
                assertTrue(earlier.manual)
                assertEquals("", earlier.venueKind)
                assertEquals(start.minus(Duration.ofHours(2)), earlier.checkedOutAt)
                val open = repo.addManual(profile.id, "Quán cà phê", start.minus(Duration.ofMinutes(10)), null)
                assertNull(open.checkedOutAt)
                assertEquals(listOf(open.entryId, earlier.entryId), repo.diary().map { it.entryId }, "newest first")

                val tooLong = assertThrows<ScreenCheckInException> { repo.addManual(profile.id, "x".repeat(201), start, null) }
                assertTrue(tooLong.message!!.contains("200"))
                assertThrows<ScreenCheckInException> { repo.addManual(profile.id, "Chợ", start.plusSeconds(60), null) }

                clock.set(start.plus(Duration.ofMinutes(5)).toEpochMilli())
                val out = repo.checkOut(open.entryId)
                assertEquals(start.plus(Duration.ofMinutes(5)), out.checkedOutAt)
                assertFalse(out.autoCheckedOut)

                repo.delete(earlier.entryId)
                assertEquals(listOf(open.entryId), repo.diary().map { it.entryId })
                assertThrows<CheckInException.NotFound> { repo.delete(earlier.entryId) }
            }
        }
    }

    @Test
    fun `an open visit is checked out after the stay and old visits are purged at open`(): Unit = runBlocking {
        val keys = InMemoryKeyStore()
        withCore(dir, keys, clock) { hb ->
            val profile = hb.profiles().use { it.add(validInput(ProfileRelation.MYSELF)) }
            CoreCheckInRepository(hb.checkins()).use { repo ->
                repo.addManual(profile.id, "Chợ Bến Thành", start, null)
                clock.set(start.plus(Duration.ofHours(4)).toEpochMilli())
                val item = repo.diary().single()
                assertTrue(item.autoCheckedOut)
                assertEquals(start.plus(Duration.ofHours(4)), item.checkedOutAt)
            }
        }
        // Thirty days without opening the app: the visit is gone as soon as it opens.
        clock.set(start.plus(Duration.ofDays(30)).toEpochMilli())
        withCore(dir, keys, clock) { hb ->
            hb.checkins().use { assertTrue(it.diary().isEmpty()) }
        }
    }

    @Test
    fun `alerts are worded in both languages`() {
        for (advice in ExposureAdvice.values()) {
            val vi = explainExposure(advice, "Chợ Bến Thành", Language.VI)
            val en = explainExposure(advice, "Chợ Bến Thành", Language.EN)
            for (words in listOf(vi, en)) {
                assertTrue(words.headline.contains("Chợ Bến Thành"))
                assertTrue(words.advice.isNotBlank())
            }
            assertNotEquals(vi.advice, en.advice)
        }
        for (reason in PosterRefusal.values()) {
            assertTrue(explainPosterRefusal(reason, Language.VI).isNotBlank())
            assertTrue(explainPosterRefusal(reason, Language.EN).isNotBlank())
        }
    }

    @Test
    fun `offline, the exposure check uses the kept list and finds nothing for manual entries`(): Unit = runBlocking {
        withCore(dir, clock = clock) { hb ->
            val profile = hb.profiles().use { it.add(validInput(ProfileRelation.MYSELF)) }
            CoreCheckInRepository(hb.checkins()).use { repo ->
                repo.addManual(profile.id, "Chợ", start.minus(Duration.ofHours(1)), start)
                assertTrue(repo.checkExposure().isEmpty())
                assertTrue(repo.alerts().isEmpty())
            }
        }
    }
}
