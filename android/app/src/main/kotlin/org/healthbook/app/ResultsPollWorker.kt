package org.healthbook.app

import android.content.Context
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import java.util.concurrent.TimeUnit

/**
 * Polls the followed test samples while the app is closed. The core decides what is due (the server's
 * suggested interval, backoff after failures), so running more often than needed costs one local query; the
 * listener given to the core at open posts a notification for each change.
 */
class ResultsPollWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as HealthbookApp
        return try {
            app.core.await().testResults.refresh()
            Result.success()
        } catch (e: Exception) {
            // Offline or the server is away: WorkManager runs the next period anyway; the core keeps its backoff.
            Result.retry()
        }
    }

    companion object {
        private const val NAME = "results-poll"

        /** Schedules the poll every 30 minutes when a network is available (kept across restarts by WorkManager). */
        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<ResultsPollWorker>(30, TimeUnit.MINUTES)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .build()
            WorkManager.getInstance(context).enqueueUniquePeriodicWork(NAME, ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
