package org.healthbook.core.wrapper

import java.io.File
import kotlinx.coroutines.runBlocking
import org.healthbook.core.InMemoryKeyStore
import org.healthbook.core.Language
import org.healthbook.core.ProfileRelation
import org.healthbook.core.ReferenceServer
import org.healthbook.core.freeLoopbackPort
import org.healthbook.core.validInput
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/** The set-up check through [CoreSetupCheckRepository] on the native core, offline and against the reference server. */
class SetupCheckRealCoreTest {
    @TempDir lateinit var dir: File
    private lateinit var phone: HealthbookCore
    private var server: ReferenceServer? = null

    @BeforeEach
    fun setUp() {
        phone = HealthbookCore.open(File(dir, "phone"), InMemoryKeyStore())
    }

    @AfterEach
    fun tearDown() {
        phone.close()
        server?.close()
    }

    private fun List<SetupStep>.state(id: String) = first { it.id == id }.state

    @Test
    fun `a new phone - every step in order, in Vietnamese, with the platform's facts`(): Unit = runBlocking {
        val steps = phone.setupCheck.check(PlatformFacts(cameraAllowed = true, notificationsAllowed = false, locationAllowed = null))
        assertEquals(listOf("camera", "notifications", "location", "server", "trust_list", "profiles_bound", "pass_fresh", "outbox_empty"), steps.map { it.id })
        assertEquals(SetupState.OK, steps.state("camera"))
        assertEquals(SetupState.PROBLEM, steps.state("notifications"))
        assertEquals(SetupState.NOT_CHECKED, steps.state("location"))
        assertEquals(SetupState.PROBLEM, steps.state("server"))
        assertEquals(SetupState.PROBLEM, steps.state("profiles_bound"))
        assertEquals(SetupState.OK, steps.state("outbox_empty"))
        val server = steps.first { it.id == "server" }
        assertEquals("Kết nối máy chủ", server.title)
        assertEquals("Chưa có địa chỉ máy chủ.", server.detail)
        assertTrue(server.action.isNotEmpty())
        assertEquals("", steps.first { it.id == "camera" }.action)

        phone.settings.setLanguage(Language.EN)
        val english = phone.setupCheck.check(PlatformFacts(null, null, null))
        assertEquals("No server address is set.", english.first { it.id == "server" }.detail)
    }

    @Test
    fun `against the reference server, the server answers and the trust list is fresh after a sync`(): Unit = runBlocking {
        val server = ReferenceServer.start(File(dir, "server"), freeLoopbackPort()).also { server = it }
        phone.settings.setServerUrl(server.baseUrl)
        phone.settings.setRootKey(server.rootKey)
        val me = phone.profiles.add(validInput(ProfileRelation.MYSELF))
        val before = phone.setupCheck.check(PlatformFacts(true, true, true))
        assertEquals(SetupState.OK, before.state("server"), server::log)
        assertEquals(SetupState.PROBLEM, before.state("trust_list"))
        assertEquals(SetupState.PROBLEM, before.state("profiles_bound"))
        assertEquals(SetupState.NOT_CHECKED, before.state("pass_fresh"))

        phone.declarations.syncNow(null)
        phone.bindThroughTheViewModel(server, me.id)
        val bound = phone.setupCheck.check(PlatformFacts(true, true, true))
        assertEquals(SetupState.OK, bound.state("profiles_bound"))
        assertEquals(SetupState.PROBLEM, bound.state("pass_fresh"), "bound but no pass fetched yet")
        // Fetching the pass brings the trust list its signer is on.
        phone.passes.refresh(me.id)
        val ready = phone.setupCheck.check(PlatformFacts(true, true, true))
        assertEquals(SetupState.OK, ready.state("pass_fresh"))
        assertEquals(SetupState.OK, ready.state("trust_list"), ready.first { it.id == "trust_list" }.detail)
        assertTrue(ready.all { it.state == SetupState.OK }, ready.toString())
    }
}
