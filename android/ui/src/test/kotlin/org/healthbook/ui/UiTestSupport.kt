package org.healthbook.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.requiredSize
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onRoot
import androidx.compose.ui.test.printToLog
import androidx.compose.ui.unit.Density
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import org.healthbook.core.Language
import org.healthbook.ui.theme.HealthbookTheme
import org.jetbrains.skia.EncodedImageFormat

/** Shows [content] in the app theme, in [language], at [fontScale]; [phone] lays it out on a 411 x 891 dp screen. */
@OptIn(ExperimentalTestApi::class)
fun ComposeUiTest.show(language: Language = Language.VI, fontScale: Float = 1f, phone: Boolean = false, content: @Composable () -> Unit) {
    setContent {
        if (phone) {
            Box(Modifier.requiredSize(411.dp, 891.dp)) { Themed(language, fontScale, 1f, content) }
        } else {
            Themed(language, fontScale, 1f, content)
        }
    }
}

@Composable
private fun Themed(language: Language, fontScale: Float, density: Float, content: @Composable () -> Unit) {
    CompositionLocalProvider(LocalDensity provides Density(density, fontScale)) {
        HealthbookTheme(language, content)
    }
}

/** A phone-sized portrait (411 x 891 dp at density 2) of [content] as a PNG. */
fun renderPng(
    language: Language,
    fontScale: Float = 1f,
    widthDp: Int = 411,
    heightDp: Int = 891,
    density: Float = 2f,
    content: @Composable () -> Unit,
): ByteArray {
    val scene = ImageComposeScene((widthDp * density).toInt(), (heightDp * density).toInt(), Density(density, fontScale)) {
        Themed(language, fontScale, density, content)
    }
    try {
        // Two frames: the first lays out, the second draws what effects and pagers settled on.
        scene.render(0)
        val image = scene.render(1_000_000_000L)
        return image.encodeToData(EncodedImageFormat.PNG)!!.bytes
    } finally {
        scene.close()
    }
}

/** Waits (15 s at most) for a state that passes [check], naming [what] and the last state on a time-out. */
suspend fun <S, T : Any> StateFlow<S>.await(what: String, check: (S) -> T?): T = try {
    withTimeout(15_000) { check(first { check(it) != null })!! }
} catch (e: Exception) {
    throw AssertionError("timed out waiting for $what; state: $value", e)
}

/** Waits (10 s at most) until a node with [text] exists: for state that arrives from a view model's coroutines. */
@OptIn(ExperimentalTestApi::class)
fun ComposeUiTest.awaitText(text: String, substring: Boolean = false) {
    try {
        waitUntil(timeoutMillis = 10_000) { onAllNodes(hasText(text, substring = substring)).fetchSemanticsNodes().isNotEmpty() }
    } catch (e: Throwable) {
        onRoot().printToLog("awaitText")
        throw AssertionError("no node with text '$text' appeared", e)
    }
}
