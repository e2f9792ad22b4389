package org.healthbook.app

import android.Manifest
import android.content.pm.PackageManager
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import androidx.camera.core.Preview
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.Button
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.LocalLifecycleOwner
import com.google.zxing.BarcodeFormat
import com.google.zxing.BinaryBitmap
import com.google.zxing.DecodeHintType
import com.google.zxing.MultiFormatReader
import com.google.zxing.NotFoundException
import com.google.zxing.PlanarYUVLuminanceSource
import com.google.zxing.common.HybridBinarizer
import java.util.concurrent.Executors

/**
 * The checkpoint's camera: CameraX preview plus ZXing on each frame; the first QR read goes to [onScan].
 * Lives in the app (it needs the camera and a Context); the screen in :ui only gets the text.
 */
@Composable
fun CameraScanner(onScan: (String) -> Unit) {
    val context = LocalContext.current
    var granted by remember {
        mutableStateOf(ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED)
    }
    val ask = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted = it }
    if (!granted) {
        Button(onClick = { ask.launch(Manifest.permission.CAMERA) }) { Text("Camera") }
        return
    }
    val owner = LocalLifecycleOwner.current
    val reader = remember {
        MultiFormatReader().apply { setHints(mapOf(DecodeHintType.POSSIBLE_FORMATS to listOf(BarcodeFormat.QR_CODE))) }
    }
    AndroidView(
        modifier = Modifier.fillMaxWidth().aspectRatio(1f),
        factory = { ctx ->
            val view = PreviewView(ctx)
            val providerFuture = ProcessCameraProvider.getInstance(ctx)
            providerFuture.addListener({
                val provider = providerFuture.get()
                val preview = Preview.Builder().build().also { it.surfaceProvider = view.surfaceProvider }
                var last: String? = null
                var lastSeenAt = 0L
                val analysis = ImageAnalysis.Builder().setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST).build()
                analysis.setAnalyzer(Executors.newSingleThreadExecutor()) { image ->
                    val text = decode(reader, image)
                    val now = android.os.SystemClock.elapsedRealtime()
                    // The same code stays in view for many frames: report it once while it stays. Once it has been
                    // out of view for a moment it counts again, so that a gate sees a card leaving the way it came
                    // in even when no other card was scanned in between (the core decides what a repeat is).
                    if (text != null && (text != last || now - lastSeenAt > REPEAT_AFTER_MS)) {
                        ContextCompat.getMainExecutor(ctx).execute { onScan(text) }
                    }
                    if (text != null) {
                        last = text
                        lastSeenAt = now
                    }
                }
                provider.unbindAll()
                provider.bindToLifecycle(owner, CameraSelector.DEFAULT_BACK_CAMERA, preview, analysis)
            }, ContextCompat.getMainExecutor(ctx))
            view
        },
    )
}

/** How long a code must be out of view before the same code is reported again. */
private const val REPEAT_AFTER_MS = 2_000L

/** The QR text in the luminance plane of [image], or null. */
private fun decode(reader: MultiFormatReader, image: ImageProxy): String? = image.use {
    val plane = it.planes[0]
    val bytes = ByteArray(plane.buffer.remaining()).also { b -> plane.buffer.get(b) }
    val source = PlanarYUVLuminanceSource(bytes, plane.rowStride, it.height, 0, 0, it.width, it.height, false)
    try {
        reader.decodeWithState(BinaryBitmap(HybridBinarizer(source))).text
    } catch (_: NotFoundException) {
        null
    } finally {
        reader.reset()
    }
}
