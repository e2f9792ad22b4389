package org.healthbook.core.wrapper

import org.healthbook.core.Profile
import org.healthbook.core.ProfileException
import org.healthbook.core.ProfileInput
import org.healthbook.core.Profiles

/**
 * The profile store as the screens see it: a plain interface, so that view models can be tested with a
 * fake and never touch the generated bindings directly (the Element X "wrapper" pattern).
 *
 * Every call may throw [ProfileException]; the view models turn those into UI errors.
 */
interface ProfileRepository {
    /** All profiles on this phone. */
    suspend fun list(): List<Profile>

    /** One profile; throws [ProfileException.NotFound] for an unknown id. */
    suspend fun get(id: String): Profile

    /** Validates and stores a new profile; throws [ProfileException.InvalidField] and friends. */
    suspend fun add(input: ProfileInput): Profile

    /** Replaces the fields of an existing profile. */
    suspend fun update(id: String, input: ProfileInput): Profile

    /** Deletes a profile; throws [ProfileException.NotFound] for an unknown id. */
    suspend fun remove(id: String)
}

/** The real [ProfileRepository]: delegates every call to the Rust core's [Profiles] object. */
class RustProfileRepository(private val profiles: Profiles) : ProfileRepository, AutoCloseable {
    override suspend fun list(): List<Profile> = profiles.list()

    override suspend fun get(id: String): Profile = profiles.get(id)

    override suspend fun add(input: ProfileInput): Profile = profiles.add(input)

    override suspend fun update(id: String, input: ProfileInput): Profile = profiles.update(id, input)

    override suspend fun remove(id: String) = profiles.remove(id)

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = profiles.close()
}
