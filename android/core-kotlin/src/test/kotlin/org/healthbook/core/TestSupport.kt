package org.healthbook.core

import java.io.File
import java.security.SecureRandom
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong

/** A [PlatformKeyStore] in a map, the way a shell would implement it, with counters for assertions. */
class InMemoryKeyStore(initial: Map<String, ByteArray> = emptyMap()) : PlatformKeyStore {
    val keys = ConcurrentHashMap<String, ByteArray>(initial.mapValues { it.value.copyOf() })
    val loads = AtomicInteger()
    val stores = AtomicInteger()

    /** When set, every call fails as a locked or missing platform key store would. */
    @Volatile var unavailable: String? = null

    override fun loadKey(alias: String): ByteArray? {
        loads.incrementAndGet()
        unavailable?.let { throw PlatformKeyStoreException.Unavailable(it) }
        return keys[alias]?.copyOf()
    }

    override fun storeKey(alias: String, key: ByteArray) {
        stores.incrementAndGet()
        unavailable?.let { throw PlatformKeyStoreException.Unavailable(it) }
        keys[alias] = key.copyOf()
    }

    /** Same aliases, same key lengths, different random bytes. */
    fun withDifferentKeys(): InMemoryKeyStore {
        val random = SecureRandom()
        return InMemoryKeyStore(keys.mapValues { (_, key) -> ByteArray(key.size).also(random::nextBytes) })
    }
}

/** A [Clock] the test moves by hand. */
class ManualClock(startMillis: Long) : Clock {
    private val now = AtomicLong(startMillis)
    val calls = AtomicInteger()

    override fun nowMillis(): Long {
        calls.incrementAndGet()
        return now.get()
    }

    fun set(millis: Long) = now.set(millis)
}

fun birth(year: Int, month: Int? = null, day: Int? = null) =
    BirthDate(year.toUShort(), month?.toUByte(), day?.toUByte())

/** A valid input; tests change one field at a time. */
fun validInput(
    relation: ProfileRelation = ProfileRelation.FAMILY_MEMBER,
    fullName: String = "Nguyễn Văn An",
    birth: BirthDate = birth(1990, 5, 17),
    phone: String? = "0912345678",
    citizenId: String? = "001090012345",
    address: Address? = Address("01", "00004", "12 Phố Huế"),
) = ProfileInput(relation, fullName, birth, phone, citizenId, address)

/** Opens the real core on [dir] and closes it (and every object it handed out) after [block]. */
inline fun <T> withCore(
    dir: File,
    keyStore: PlatformKeyStore = InMemoryKeyStore(),
    clock: Clock? = null,
    block: (Healthbook) -> T,
): T {
    val healthbook = if (clock == null) {
        Healthbook(dir.absolutePath, keyStore)
    } else {
        Healthbook.withClock(dir.absolutePath, keyStore, clock)
    }
    return healthbook.use(block)
}
