package org.healthbook.ui.help

import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr
import org.healthbook.ui.pass.QrDecoder

/**
 * The help entry every screen carries: a 48 dp "Help" button, end-aligned in a thin bar, opening [topic]. The
 * app puts it in the scaffold's top bar with the topic of the screen on show.
 */
@Composable
fun HelpBar(topic: HelpTopic, onHelp: (HelpTopic) -> Unit, modifier: Modifier = Modifier) {
    Row(modifier.fillMaxWidth().padding(horizontal = 8.dp), horizontalArrangement = Arrangement.End, verticalAlignment = Alignment.CenterVertically) {
        val label = tr(Str.Help)
        TextButton(
            onClick = { onHelp(topic) },
            modifier = Modifier.defaultMinSize(MinTouch, MinTouch).semantics { contentDescription = label; testTag = "help-${topic.guide}-${topic.anchor}" },
        ) { Text("? $label") }
    }
}

/**
 * The guide section of [topic] in the app's language, read from the guides bundled with the screens (offline):
 * headings, paragraphs, lists, terminal sessions, tables as rows, and pictures when [decoder] is given (they are
 * left out otherwise).
 */
@Composable
fun HelpScreen(topic: HelpTopic, decoder: QrDecoder?, onBack: () -> Unit, modifier: Modifier = Modifier) {
    val language = LocalLanguage.current
    val blocks = remember(topic, language) {
        Guides.load(topic.guide, language)?.let { Guides.section(it, topic.anchor) }?.let(Guides::parse)
    }
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(10.dp),
    ) {
        TextButton(onClick = onBack, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) }
        if (blocks == null) {
            Banner(tr(Str.HelpMissing))
            return@Column
        }
        for (block in blocks) GuideBlockView(block, decoder)
    }
}

@Composable
private fun GuideBlockView(block: GuideBlock, decoder: QrDecoder?) {
    when (block) {
        is GuideBlock.Heading -> Text(
            block.text,
            style = if (block.level <= 2) MaterialTheme.typography.headlineSmall else MaterialTheme.typography.titleLarge,
            modifier = Modifier.semantics { heading() },
        )
        is GuideBlock.Paragraph -> Text(block.text, style = MaterialTheme.typography.bodyLarge)
        is GuideBlock.Item -> Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(block.marker, style = MaterialTheme.typography.bodyLarge, fontWeight = FontWeight.Bold)
            Text(block.text, style = MaterialTheme.typography.bodyLarge)
        }
        is GuideBlock.Code -> Text(
            block.text,
            fontFamily = FontFamily.Monospace,
            style = MaterialTheme.typography.bodyMedium,
            modifier = Modifier.fillMaxWidth().background(MaterialTheme.colorScheme.surfaceVariant).horizontalScroll(rememberScrollState()).padding(8.dp),
        )
        is GuideBlock.Row -> Text(block.cells.joinToString(" — "), style = MaterialTheme.typography.bodyMedium)
        is GuideBlock.Image -> {
            val bitmap: ImageBitmap? = remember(block.path, decoder) {
                decoder?.let { d -> Guides.image(block.path)?.let { png -> runCatching { d.decode(png) }.getOrNull() } }
            }
            // A picture that isn't bundled or can't be decoded is left out; its words stay for screen readers.
            if (bitmap != null) {
                Image(bitmap, contentDescription = block.alt, modifier = Modifier.widthIn(max = 280.dp).semantics { testTag = "help-image" })
            }
        }
    }
}
