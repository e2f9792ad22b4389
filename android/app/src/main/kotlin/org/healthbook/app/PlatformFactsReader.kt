package org.healthbook.app

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import org.healthbook.core.wrapper.PlatformFacts

/**
 * What the set-up check needs from Android, read fresh on every check (the person may have changed a
 * permission in the phone's settings meanwhile). A permission this build does not ask for is reported as
 * unknown (null), not as refused: the app has no feature that needs it.
 */
fun readPlatformFacts(context: Context): PlatformFacts {
    fun granted(permission: String): Boolean? {
        val requested = context.packageManager
            .getPackageInfo(context.packageName, PackageManager.GET_PERMISSIONS)
            .requestedPermissions.orEmpty()
        if (permission !in requested) return null
        return ContextCompat.checkSelfPermission(context, permission) == PackageManager.PERMISSION_GRANTED
    }
    // Below Android 13 notifications need no permission, but the person can still turn them off for the app.
    val notifications = NotificationManagerCompat.from(context).areNotificationsEnabled() &&
        (Build.VERSION.SDK_INT < 33 || granted(Manifest.permission.POST_NOTIFICATIONS) != false)
    return PlatformFacts(
        cameraAllowed = granted(Manifest.permission.CAMERA),
        notificationsAllowed = notifications,
        locationAllowed = granted(Manifest.permission.ACCESS_FINE_LOCATION),
    )
}
