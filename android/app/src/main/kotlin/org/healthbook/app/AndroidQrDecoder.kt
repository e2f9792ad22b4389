package org.healthbook.app

import android.graphics.BitmapFactory
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import org.healthbook.ui.pass.QrDecoder

/** [QrDecoder] of the app: the core's PNG through BitmapFactory. */
object AndroidQrDecoder : QrDecoder {
    override fun decode(png: ByteArray): ImageBitmap = BitmapFactory.decodeByteArray(png, 0, png.size).asImageBitmap()
}
