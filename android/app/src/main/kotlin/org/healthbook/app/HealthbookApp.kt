package org.healthbook.app

import android.app.Application
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import org.healthbook.core.Profile
import org.healthbook.core.ProfileInput
import org.healthbook.core.wrapper.HealthbookCore
import org.healthbook.core.wrapper.ProfileRepository

/** Opens the Rust core once per process, off the main thread, and shares it with the screens. */
class HealthbookApp : Application() {
    private val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    lateinit var core: Deferred<HealthbookCore>
        private set

    /** The repository the screens use; its calls wait for the core to be open. */
    val profiles: ProfileRepository by lazy { DeferredProfileRepository(core) }

    override fun onCreate() {
        super.onCreate()
        core = appScope.async(Dispatchers.IO) {
            HealthbookCore.open(
                dataDir = File(noBackupFilesDir, "healthbook"),
                keyStore = AndroidKeyStorePlatformKeyStore(this@HealthbookApp),
            )
        }
    }
}

/**
 * A [ProfileRepository] over a core that is still being opened. If opening failed, every call rethrows
 * the `OpenException`, which the view model shows as an error.
 */
private class DeferredProfileRepository(private val core: Deferred<HealthbookCore>) : ProfileRepository {
    private suspend fun repo() = core.await().profiles
    override suspend fun list(): List<Profile> = repo().list()
    override suspend fun get(id: String): Profile = repo().get(id)
    override suspend fun add(input: ProfileInput): Profile = repo().add(input)
    override suspend fun update(id: String, input: ProfileInput): Profile = repo().update(id, input)
    override suspend fun remove(id: String) = repo().remove(id)
}
