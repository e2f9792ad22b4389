package org.healthbook.app.quarantine

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.location.Location
import android.location.LocationManager
import android.os.Build
import androidx.core.content.ContextCompat
import androidx.core.location.LocationManagerCompat
import com.google.android.gms.location.CurrentLocationRequest
import com.google.android.gms.location.LocationServices
import com.google.android.gms.location.Priority
import com.google.android.gms.tasks.CancellationTokenSource
import com.google.android.gms.tasks.Tasks
import java.time.Instant
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import org.healthbook.core.LocationSource
import org.healthbook.core.QuarantineFix
import org.healthbook.core.QuarantineFixSource
import org.healthbook.core.QuarantineSensorException

/**
 * One current fix from the fused location provider, taken only when the core asks (inside a check-in); never
 * a subscription, never in the background. The core calls this on a worker thread, so it may block until the
 * provider answers or [timeoutSeconds] pass.
 */
class FusedLocationSource(
    context: Context,
    private val timeoutSeconds: Long = 30,
) : LocationSource {
    private val context = context.applicationContext
    private val client = LocationServices.getFusedLocationProviderClient(this.context)

    override fun currentFix(): QuarantineFix {
        val fine = ContextCompat.checkSelfPermission(context, Manifest.permission.ACCESS_FINE_LOCATION) == PackageManager.PERMISSION_GRANTED
        val coarse = ContextCompat.checkSelfPermission(context, Manifest.permission.ACCESS_COARSE_LOCATION) == PackageManager.PERMISSION_GRANTED
        if (!fine && !coarse) throw QuarantineSensorException.PermissionDenied()
        val manager = context.getSystemService(LocationManager::class.java) ?: throw QuarantineSensorException.Unavailable()
        if (!LocationManagerCompat.isLocationEnabled(manager)) throw QuarantineSensorException.Unavailable()
        val request = CurrentLocationRequest.Builder()
            .setPriority(if (fine) Priority.PRIORITY_HIGH_ACCURACY else Priority.PRIORITY_BALANCED_POWER_ACCURACY)
            // A cached fix older than a minute is not "now": the server flags stale fixes.
            .setMaxUpdateAgeMillis(60_000)
            .setDurationMillis(TimeUnit.SECONDS.toMillis(timeoutSeconds))
            .build()
        val cancel = CancellationTokenSource()
        val location: Location? = try {
            @Suppress("MissingPermission") // checked above
            Tasks.await(client.getCurrentLocation(request, cancel.token), timeoutSeconds, TimeUnit.SECONDS)
        } catch (e: TimeoutException) {
            cancel.cancel()
            throw QuarantineSensorException.TimedOut()
        } catch (e: SecurityException) {
            throw QuarantineSensorException.PermissionDenied()
        } catch (e: ExecutionException) {
            throw QuarantineSensorException.Unavailable()
        } catch (e: InterruptedException) {
            cancel.cancel()
            Thread.currentThread().interrupt()
            throw QuarantineSensorException.TimedOut()
        }
        location ?: throw QuarantineSensorException.Unavailable()
        val mock = if (Build.VERSION.SDK_INT >= 31) location.isMock else @Suppress("DEPRECATION") location.isFromMockProvider
        return QuarantineFix(
            lat = location.latitude,
            lon = location.longitude,
            // Without an accuracy the fix can't place anyone: past the contract's useful limit, so "uncertain".
            accuracyM = if (location.hasAccuracy()) location.accuracy.toDouble() else NO_ACCURACY_M,
            source = QuarantineFixSource.FUSED,
            mock = mock,
            takenAt = Instant.ofEpochMilli(location.time),
        )
    }

    private companion object {
        const val NO_ACCURACY_M = 10_000.0
    }
}
