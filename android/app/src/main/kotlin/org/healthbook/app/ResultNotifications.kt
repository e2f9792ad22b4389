package org.healthbook.app

import android.Manifest
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import org.healthbook.core.Language
import org.healthbook.core.ResultsListener
import org.healthbook.core.Sample
import org.healthbook.core.explainSample

/**
 * Turns a changed test sample into a notification. The lock screen shows only "a test result changed": the
 * state of a test is health data, so the words of the core's explanation appear once the phone is unlocked.
 * One notification per sample (a later change replaces it), and nothing when the person refused notifications.
 */
class ResultNotifications(private val context: Context, private val language: () -> Language) : ResultsListener {

    override fun onSampleChanged(sample: Sample) {
        if (Build.VERSION.SDK_INT >= 33 &&
            ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            return
        }
        ensureChannel()
        val words = explainSample(sample.state, sample.reason, language())
        val open = PendingIntent.getActivity(
            context,
            0,
            Intent(context, MainActivity::class.java).putExtra(MainActivity.EXTRA_OPEN, MainActivity.OPEN_RESULTS),
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )
        val public = NotificationCompat.Builder(context, CHANNEL)
            .setSmallIcon(android.R.drawable.ic_dialog_info)
            .setContentTitle(publicTitle())
            .build()
        val notification = NotificationCompat.Builder(context, CHANNEL)
            .setSmallIcon(android.R.drawable.ic_dialog_info)
            .setContentTitle(words.headline)
            .setContentText(words.reason)
            .setStyle(NotificationCompat.BigTextStyle().bigText("${words.reason}\n${words.nextStep}"))
            .setVisibility(NotificationCompat.VISIBILITY_PRIVATE)
            .setPublicVersion(public)
            .setContentIntent(open)
            .setAutoCancel(true)
            .build()
        NotificationManagerCompat.from(context).notify(sample.sampleId.hashCode(), notification)
    }

    private fun publicTitle(): String = when (language()) {
        Language.VI -> "Kết quả xét nghiệm có thay đổi"
        Language.EN -> "A test result changed"
    }

    private fun ensureChannel() {
        if (Build.VERSION.SDK_INT < 26) return
        val manager = context.getSystemService(NotificationManager::class.java)
        if (manager.getNotificationChannel(CHANNEL) != null) return
        val name = when (language()) {
            Language.VI -> "Kết quả xét nghiệm"
            Language.EN -> "Test results"
        }
        manager.createNotificationChannel(NotificationChannel(CHANNEL, name, NotificationManager.IMPORTANCE_DEFAULT))
    }

    companion object {
        /** The notification channel of test results. */
        const val CHANNEL = "test_results"
    }
}
