package org.healthbook.core.wrapper

import java.time.Instant
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.healthbook.core.Language
import org.healthbook.core.PassException
import org.healthbook.core.SettingsException
import org.healthbook.core.SettingsInterface
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Settings in memory, with the core's URL rule reduced to "starts with http". */
class FakeSettings : SettingsInterface {
    var language = Language.VI
    var url: String? = null
    var key: String? = null
    var trustMaxAge = 24u

    override suspend fun language(): Language = language
    override suspend fun rootKey(): String? = key
    override suspend fun serverUrl(): String? = url
    override suspend fun setLanguage(language: Language) { this.language = language }
    override suspend fun trustMaxAgeHours(): UInt = trustMaxAge
    override suspend fun setTrustMaxAgeHours(hours: UInt) { trustMaxAge = hours }
    override suspend fun setRootKey(key: String?) {
        if (key != null && key.isBlank()) throw SettingsException.InvalidRootKey("empty")
        this.key = key
    }
    override suspend fun setServerUrl(url: String?) {
        if (url != null && !url.startsWith("http")) throw SettingsException.InvalidServerUrl("not a URL")
        this.url = url
    }
}

/** The settings view model over [FakeSettings] and [FakeVerifier]. */
@OptIn(ExperimentalCoroutinesApi::class)
class SettingsViewModelTest {
    private val clock = Instant.parse("2026-03-01T08:00:00Z")

    private fun TestScope.viewModel(settings: FakeSettings = FakeSettings(), verifier: FakeVerifier = FakeVerifier()) =
        SettingsViewModel(settings, verifier, backgroundScope) { clock }

    @Test
    fun `first start stores language, server and the bundled key, and then counts as configured`() = runTest {
        val settings = FakeSettings()
        val vm = viewModel(settings)
        runCurrent()
        assertTrue(vm.state.value.loaded)
        assertFalse(vm.state.value.configured)

        vm.onEvent(SettingsEvent.SetLanguage(Language.EN))
        vm.onEvent(SettingsEvent.SetServerUrl("ftp://nope"))
        runCurrent()
        assertEquals(SettingsError.InvalidServerUrl("not a URL"), vm.state.value.error)
        vm.onEvent(SettingsEvent.DismissError)
        vm.onEvent(SettingsEvent.SetServerUrl("https://hb.example"))
        vm.onEvent(SettingsEvent.PinRootKey("MCowBQYDK2VwAyEA"))
        runCurrent()
        val state = vm.state.value
        assertNull(state.error)
        assertEquals(Language.EN, state.language)
        assertEquals("https://hb.example", state.serverUrl)
        assertTrue(state.configured)
        assertEquals(Language.EN, settings.language)
    }

    @Test
    fun `a trust refresh records when, a failed one says why, and certificates are listed by key id`() = runTest {
        val verifier = FakeVerifier()
        val vm = viewModel(verifier = verifier)
        runCurrent()
        vm.onEvent(SettingsEvent.RefreshTrust)
        runCurrent()
        assertEquals(verifier.trust, vm.state.value.trust)
        assertEquals(clock, vm.state.value.trustRefreshedAt)
        assertFalse(vm.state.value.refreshingTrust)

        verifier.failNext = PassException.Unreachable("connection refused")
        vm.onEvent(SettingsEvent.RefreshTrust)
        runCurrent()
        assertEquals(SettingsError.Trust(CheckpointError.Offline("connection refused")), vm.state.value.error)
        assertEquals(verifier.trust, vm.state.value.trust, "the last good refresh stays")

        vm.onEvent(SettingsEvent.AddDccCertificate("MIIB"))
        runCurrent()
        assertEquals(listOf("kid"), vm.state.value.dccKeyIds)
    }
}
