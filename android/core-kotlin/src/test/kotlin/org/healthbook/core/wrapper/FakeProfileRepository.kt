package org.healthbook.core.wrapper

import java.time.Instant
import kotlinx.coroutines.CompletableDeferred
import org.healthbook.core.Profile
import org.healthbook.core.ProfileException
import org.healthbook.core.ProfileField
import org.healthbook.core.ProfileInput

/** An in-memory [ProfileRepository] for view model tests; no native code involved. */
class FakeProfileRepository(initial: List<Profile> = emptyList()) : ProfileRepository {
    private val profiles = LinkedHashMap<String, Profile>().apply { initial.forEach { put(it.id, it) } }
    private var nextId = 1

    /** When set, the next call throws it (once). */
    var failNext: Exception? = null

    /** When set, list() suspends until it is completed, so a test can see the Loading/busy state. */
    var listGate: CompletableDeferred<Unit>? = null

    val calls = mutableListOf<String>()

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    override suspend fun list(): List<Profile> {
        calls += "list"
        listGate?.await()
        maybeFail()
        return profiles.values.toList()
    }

    override suspend fun get(id: String): Profile {
        calls += "get"
        maybeFail()
        return profiles[id] ?: throw ProfileException.NotFound(id)
    }

    override suspend fun add(input: ProfileInput): Profile {
        calls += "add"
        maybeFail()
        if (input.fullName.isBlank()) throw ProfileException.InvalidField(ProfileField.FULL_NAME, "empty")
        val now = Instant.ofEpochMilli(1_600_000_000_000L + nextId)
        val profile = Profile(
            "fake-${nextId++}", input.relation, input.fullName.trim(), input.birth, input.phone,
            input.citizenId, input.address, now, now,
        )
        profiles[profile.id] = profile
        return profile
    }

    override suspend fun update(id: String, input: ProfileInput): Profile {
        calls += "update"
        maybeFail()
        val old = profiles[id] ?: throw ProfileException.NotFound(id)
        val profile = old.copy(relation = input.relation, fullName = input.fullName.trim(), birth = input.birth,
            phone = input.phone, citizenId = input.citizenId, address = input.address)
        profiles[id] = profile
        return profile
    }

    override suspend fun remove(id: String) {
        calls += "remove"
        maybeFail()
        profiles.remove(id) ?: throw ProfileException.NotFound(id)
    }
}
