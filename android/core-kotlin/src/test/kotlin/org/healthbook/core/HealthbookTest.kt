package org.healthbook.core

import java.io.File
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/** Opening the real core: constructor, withClock, schema version, the platform key store and the clock. */
class HealthbookTest {
    @TempDir lateinit var dir: File

    @Test
    fun `opens an empty data dir and reports the schema version`() = runBlocking {
        val keyStore = InMemoryKeyStore()
        withCore(dir, keyStore) { hb ->
            assertTrue(hb.schemaVersion() >= 1u, "schema version ${hb.schemaVersion()}")
            hb.profiles().use { assertEquals(emptyList<Profile>(), it.list()) }
        }
        // The core made a data key and handed it to the platform to keep.
        assertEquals(1, keyStore.keys.size, "aliases ${keyStore.keys.keys}")
        assertEquals(32, keyStore.keys.values.single().size)
        assertTrue(keyStore.stores.get() >= 1)
    }

    @Test
    fun `data survives a reopen with the same key store, which is only read the second time`() = runBlocking {
        val keyStore = InMemoryKeyStore()
        val id = withCore(dir, keyStore) { hb -> hb.profiles().use { it.add(validInput()).id } }
        val keyBefore = keyStore.keys.values.single().copyOf()
        val storesBefore = keyStore.stores.get()

        withCore(dir, keyStore) { hb ->
            hb.profiles().use { profiles ->
                val profile = profiles.get(id)
                assertEquals("Nguyễn Văn An", profile.fullName)
                assertEquals("001090012345", profile.citizenId)
            }
        }
        assertEquals(storesBefore, keyStore.stores.get(), "an existing key must not be replaced")
        assertArrayEquals(keyBefore, keyStore.keys.values.single())
    }

    @Test
    fun `a data dir cannot be opened with another key store's key (KeyMismatch)`() = runBlocking {
        val keyStore = InMemoryKeyStore()
        withCore(dir, keyStore) { hb -> hb.profiles().use { it.add(validInput()) } }

        val other = keyStore.withDifferentKeys()
        val e = assertThrows<OpenException> { Healthbook(dir.absolutePath, other).close() }
        assertTrue(e is OpenException.KeyMismatch, "expected OpenException.KeyMismatch, got $e")

        // The right key still opens it afterwards: the failed attempt changed nothing.
        withCore(dir, keyStore) { hb -> hb.profiles().use { assertEquals(1, it.list().size) } }
    }

    @Test
    fun `a data dir cannot be opened with an empty key store, and the lost key is not replaced`() = runBlocking {
        val keyStore = InMemoryKeyStore()
        withCore(dir, keyStore) { hb -> hb.profiles().use { it.add(validInput()) } }

        val empty = InMemoryKeyStore()
        val e = assertThrows<OpenException> { Healthbook(dir.absolutePath, empty).close() }
        assertTrue(e is OpenException.KeyMismatch, "expected OpenException.KeyMismatch, got $e")
        assertEquals(0, empty.stores.get(), "no new key may be made for a database that has data")

        withCore(dir, keyStore) { hb -> hb.profiles().use { assertEquals(1, it.list().size) } }
    }

    @Test
    fun `a key store that is unavailable gives OpenException KeyStore`() {
        val keyStore = InMemoryKeyStore().apply { unavailable = "device locked" }
        val e = assertThrows<OpenException> { Healthbook(dir.absolutePath, keyStore).close() }
        assertTrue(e is OpenException.KeyStore, "expected OpenException.KeyStore, got $e")
        assertTrue(keyStore.loads.get() >= 1)
    }

    @Test
    fun `a key store that throws an unexpected exception gives OpenException KeyStore`() {
        val keyStore = object : PlatformKeyStore {
            override fun loadKey(alias: String): ByteArray? = throw IllegalStateException("KeyStore exploded")
            override fun storeKey(alias: String, key: ByteArray) = throw IllegalStateException("KeyStore exploded")
        }
        val e = assertThrows<OpenException> { Healthbook(dir.absolutePath, keyStore).close() }
        assertTrue(e is OpenException.KeyStore, "expected OpenException.KeyStore, got $e")
    }

    @Test
    fun `a key of the wrong length is refused (KeyMismatch)`() {
        val keyStore = InMemoryKeyStore()
        withCore(dir, keyStore) { }
        val alias = keyStore.keys.keys.single()
        val short = InMemoryKeyStore(mapOf(alias to ByteArray(16) { 1 }))
        val e = assertThrows<OpenException> { Healthbook(dir.absolutePath, short).close() }
        assertTrue(e is OpenException.KeyMismatch, "expected OpenException.KeyMismatch, got $e")
    }

    @Test
    fun `a data dir that is a file gives OpenException InvalidDataDir`() {
        val file = File(dir, "not-a-dir").apply { writeText("x") }
        val e = assertThrows<OpenException> { Healthbook(file.absolutePath, InMemoryKeyStore()).close() }
        assertTrue(e is OpenException.InvalidDataDir, "expected OpenException.InvalidDataDir, got $e")
    }

    @Test
    fun `withClock stamps createdAt and updatedAt with the Kotlin clock`() = runBlocking {
        val t1 = 1_600_000_000_123L // 2020-09-13T12:26:40.123Z
        val clock = ManualClock(t1)
        withCore(dir, InMemoryKeyStore(), clock) { hb ->
            hb.profiles().use { profiles ->
                val added = profiles.add(validInput())
                assertEquals(Instant.ofEpochMilli(t1), added.createdAt)
                assertEquals(Instant.ofEpochMilli(t1), added.updatedAt)
                assertTrue(clock.calls.get() >= 1)

                val t2 = t1 + 86_400_000L + 1
                clock.set(t2)
                val updated = profiles.update(added.id, validInput(fullName = "Nguyễn Văn Bình"))
                assertEquals(Instant.ofEpochMilli(t1), updated.createdAt)
                assertEquals(Instant.ofEpochMilli(t2), updated.updatedAt)
                assertEquals(updated, profiles.get(added.id))
            }
        }
    }

    @Test
    fun `without a clock the core uses the system time`() = runBlocking {
        val before = Instant.now().minusSeconds(1)
        val profile = withCore(dir) { hb -> hb.profiles().use { it.add(validInput()) } }
        val after = Instant.now().plusSeconds(1)
        assertFalse(profile.createdAt.isBefore(before), "${profile.createdAt} < $before")
        assertFalse(profile.createdAt.isAfter(after), "${profile.createdAt} > $after")
        assertEquals(profile.createdAt, profile.updatedAt)
    }
}
