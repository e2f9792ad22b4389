package org.healthbook.core

import java.io.File
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource
import org.junit.jupiter.api.io.TempDir

/** Every call of [Settings] against the real core. */
class SettingsTest {
    @TempDir lateinit var dir: File

    @Test
    fun `defaults are Vietnamese and no server`() = runBlocking {
        withCore(dir) { hb ->
            hb.settings().use { settings ->
                assertEquals(Language.VI, settings.language())
                assertNull(settings.serverUrl())
            }
        }
    }

    @Test
    fun `language and server url are stored, persist across a reopen, and the url can be cleared`() = runBlocking {
        val keyStore = InMemoryKeyStore()
        withCore(dir, keyStore) { hb ->
            hb.settings().use { settings ->
                settings.setLanguage(Language.EN)
                settings.setServerUrl("https://healthbook.example.org/api")
                assertEquals(Language.EN, settings.language())
                assertEquals("https://healthbook.example.org/api", settings.serverUrl())
            }
        }
        withCore(dir, keyStore) { hb ->
            hb.settings().use { settings ->
                assertEquals(Language.EN, settings.language())
                assertEquals("https://healthbook.example.org/api", settings.serverUrl())
                settings.setServerUrl(null)
                assertNull(settings.serverUrl())
                settings.setLanguage(Language.VI)
                assertEquals(Language.VI, settings.language())
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["not a url", "ftp://healthbook.example.org", "https://", "/relative/path"])
    fun `an invalid server url gives InvalidServerUrl and keeps the old value`(url: String) = runBlocking {
        withCore(dir) { hb ->
            hb.settings().use { settings ->
                settings.setServerUrl("https://healthbook.example.org")
                assertThrows<SettingsException.InvalidServerUrl> { settings.setServerUrl(url) }
                assertEquals("https://healthbook.example.org", settings.serverUrl())
            }
        }
    }

    @Test
    fun `the maximum trust-list age is 48 hours by default, persists, and refuses what is out of range`() = runBlocking {
        val keyStore = InMemoryKeyStore()
        withCore(dir, keyStore) { hb ->
            hb.settings().use { settings ->
                assertEquals(48u, settings.trustMaxAgeHours())
                settings.setTrustMaxAgeHours(2u)
                assertThrows<SettingsException.InvalidTrustMaxAge> { settings.setTrustMaxAgeHours(0u) }
                assertThrows<SettingsException.InvalidTrustMaxAge> { settings.setTrustMaxAgeHours(721u) }
                assertEquals(2u, settings.trustMaxAgeHours())
            }
        }
        withCore(dir, keyStore) { hb ->
            hb.settings().use { settings -> assertEquals(2u, settings.trustMaxAgeHours()) }
        }
    }
}
