package org.healthbook.ui.desktop

import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.toComposeImageBitmap
import org.healthbook.ui.pass.QrDecoder
import org.jetbrains.skia.Image

/**
 * [QrDecoder] of the desktop (JVM tests and screenshots), through Skia. Not compiled into the Android app,
 * which decodes with BitmapFactory.
 */
object SkiaQrDecoder : QrDecoder {
    override fun decode(png: ByteArray): ImageBitmap = Image.makeFromEncoded(png).toComposeImageBitmap()
}
