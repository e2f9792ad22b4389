package org.healthbook.ui.theme

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.graphics.Color
import org.healthbook.core.Language
import org.healthbook.ui.common.LocalLanguage

/** Status colours; always paired with an icon and words on screen, never shown alone. */
object StatusColours {
    /** Green pass, valid verdict. */
    val Green = Color(0xFF1B7F3B)
    /** Yellow pass; dark enough that white text on it keeps contrast. */
    val Yellow = Color(0xFF8A6100)
    /** Red pass, invalid verdict. */
    val Red = Color(0xFFB3261E)
    /** A status this version does not know. */
    val Unknown = Color(0xFF5F6368)
}

private val Colours = lightColorScheme(
    primary = Color(0xFF0B5FA5),
    onPrimary = Color.White,
    secondary = Color(0xFF2E6B57),
    error = StatusColours.Red,
)

/** The app's theme, and the language every screen inside it speaks. */
@Composable
fun HealthbookTheme(language: Language = Language.VI, content: @Composable () -> Unit) {
    CompositionLocalProvider(LocalLanguage provides language) {
        MaterialTheme(colorScheme = Colours, content = content)
    }
}
