package org.healthbook.ui.common

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.BoxWithConstraints
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.Info
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import org.healthbook.ui.theme.StatusColours

/** The kinds of status a screen shows; each has a colour, a distinct icon shape and words. */
enum class StatusKind(val colour: Color, val icon: ImageVector) {
    Good(StatusColours.Green, Icons.Filled.CheckCircle),
    Caution(StatusColours.Yellow, Icons.Filled.Warning),
    Bad(StatusColours.Red, Icons.Filled.Close),
    Unknown(StatusColours.Unknown, Icons.Filled.Info),
    /** Something needs the person's attention now (an unread exposure alert): red, with the warning shape. */
    Alert(StatusColours.Red, Icons.Filled.Warning),
}

/**
 * A status as a coloured bar with an icon and [words]: colour, shape and text all say the same, so the
 * status reads without colour vision and is announced as [words].
 */
@Composable
fun StatusBar(kind: StatusKind, words: String, style: TextStyle, modifier: Modifier = Modifier) {
    Row(
        modifier
            .fillMaxWidth()
            .background(kind.colour, RoundedCornerShape(12.dp))
            .padding(16.dp)
            .semantics(mergeDescendants = true) { contentDescription = words },
        verticalAlignment = Alignment.CenterVertically,
        horizontalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Icon(kind.icon, contentDescription = null, tint = Color.White, modifier = Modifier.size(40.dp))
        Text(words, color = Color.White, style = style.copy(fontWeight = FontWeight.Bold))
    }
}

/**
 * [text] as large as the display style allows, shrunk so that its longest word fits the width: at font
 * scale 2.0 "KHÔNG HỢP LỆ" would otherwise break inside a word. White, for a verdict on its status colour.
 */
@Composable
fun FittedHeadline(text: String, modifier: Modifier = Modifier) {
    BoxWithConstraints(modifier.fillMaxWidth()) {
        val style = MaterialTheme.typography.displayMedium
        val longest = text.split(' ').maxOf { it.length }.coerceAtLeast(1)
        // Bold capitals of DejaVu and Roboto are up to about 0.9 em wide; keep a margin.
        val fitting = with(LocalDensity.current) { minOf(style.fontSize.toPx(), constraints.maxWidth / (longest * 0.95f)).toSp() }
        Text(text, color = Color.White, style = style, fontSize = fitting, lineHeight = fitting * 1.2f, fontWeight = FontWeight.Bold)
    }
}
