package org.healthbook.app.quarantine

import android.Manifest
import android.annotation.SuppressLint
import android.bluetooth.BluetoothManager
import android.bluetooth.le.ScanCallback
import android.bluetooth.le.ScanResult
import android.bluetooth.le.ScanSettings
import android.content.Context
import android.content.pm.PackageManager
import android.net.wifi.WifiManager
import android.os.Build
import androidx.core.content.ContextCompat
import java.util.Collections
import org.healthbook.core.QuarantineRadioScan
import org.healthbook.core.QuarantineSensorException
import org.healthbook.core.RadioScanner

/**
 * One scan of the home's radio environment, made only when the core asks (enrolment and check-ins): the Wi-Fi
 * access points of the latest system scan and the Bluetooth LE devices heard for [bluetoothMillis]. The raw
 * BSSIDs and addresses go straight to the core, which hashes them at once and never stores or sends them.
 * Wi-Fi or Bluetooth switched off gives an empty list for it (the server then sees a low similarity, which
 * an officer reviews), not an error; a missing permission is an error the person can fix.
 */
class AndroidRadioScanner(
    context: Context,
    private val bluetoothMillis: Long = 4_000,
) : RadioScanner {
    private val context = context.applicationContext

    private fun granted(permission: String) =
        ContextCompat.checkSelfPermission(context, permission) == PackageManager.PERMISSION_GRANTED

    override fun scan(): QuarantineRadioScan {
        val wifiAllowed = granted(Manifest.permission.ACCESS_FINE_LOCATION) &&
            (Build.VERSION.SDK_INT < 33 || granted(Manifest.permission.NEARBY_WIFI_DEVICES))
        val bluetoothAllowed = if (Build.VERSION.SDK_INT >= 31) {
            granted(Manifest.permission.BLUETOOTH_SCAN)
        } else {
            granted(Manifest.permission.ACCESS_FINE_LOCATION)
        }
        if (!wifiAllowed || !bluetoothAllowed) throw QuarantineSensorException.PermissionDenied()
        return QuarantineRadioScan(wifi = wifi(), bluetooth = bluetooth())
    }

    @SuppressLint("MissingPermission") // checked in scan()
    private fun wifi(): List<String> {
        val manager = context.getSystemService(WifiManager::class.java) ?: return emptyList()
        if (!manager.isWifiEnabled) return emptyList()
        // startScan is throttled (4 a 2 minutes); the system's latest results are recent enough for a home.
        @Suppress("DEPRECATION")
        manager.startScan()
        return manager.scanResults.mapNotNull { it.BSSID }.distinct()
    }

    @SuppressLint("MissingPermission") // checked in scan()
    private fun bluetooth(): List<String> {
        val adapter = context.getSystemService(BluetoothManager::class.java)?.adapter ?: return emptyList()
        if (!adapter.isEnabled) return emptyList()
        val scanner = adapter.bluetoothLeScanner ?: return emptyList()
        val seen = Collections.synchronizedSet(LinkedHashSet<String>())
        val callback = object : ScanCallback() {
            override fun onScanResult(callbackType: Int, result: ScanResult) {
                seen.add(result.device.address)
            }

            override fun onBatchScanResults(results: MutableList<ScanResult>) {
                results.forEach { seen.add(it.device.address) }
            }
        }
        val settings = ScanSettings.Builder().setScanMode(ScanSettings.SCAN_MODE_LOW_LATENCY).build()
        scanner.startScan(null, settings, callback)
        try {
            // The core calls this on a worker thread: a short, bounded wait.
            Thread.sleep(bluetoothMillis)
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
        } finally {
            scanner.stopScan(callback)
        }
        return synchronized(seen) { seen.toList() }
    }
}
