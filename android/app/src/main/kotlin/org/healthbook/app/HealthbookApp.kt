package org.healthbook.app

import android.app.Application
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import org.healthbook.core.Language
import org.healthbook.core.wrapper.HealthbookCore

/**
 * Opens the Rust core once per process, off the main thread; MainActivity waits for it (an `OpenException`
 * there means the store is unusable) and hands it to the screens' view models.
 */
class HealthbookApp : Application() {
    private val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    lateinit var core: Deferred<HealthbookCore>
        private set

    /**
     * The app's language as last read from the settings, for notifications: the core calls its listeners on its
     * own thread in the middle of a refresh, where reading the settings again would wait on the core itself.
     */
    @Volatile
    var language: Language = Language.VI

    override fun onCreate() {
        super.onCreate()
        core = appScope.async(Dispatchers.IO) {
            HealthbookCore.open(
                dataDir = File(noBackupFilesDir, "healthbook"),
                keyStore = AndroidKeyStorePlatformKeyStore(this@HealthbookApp),
                resultsListener = ResultNotifications(this@HealthbookApp) { language },
            ).also { language = it.settings.language() }
        }
        ResultsPollWorker.schedule(this)
    }
}
