package org.healthbook.ui

import androidx.compose.ui.semantics.SemanticsActions
import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.runComposeUiTest
import androidx.compose.ui.text.TextLayoutResult
import kotlin.test.Test
import kotlin.test.assertTrue
import org.healthbook.core.Language

/**
 * Every screen at font scale 2.0, in both languages: no text is cut off or broken inside a word, every
 * clickable thing is at least 48 x 48 dp and has a label a screen reader can say.
 */
@OptIn(ExperimentalTestApi::class)
class AccessibilityTest {
    @Test
    fun `every screen at font scale 2 has whole text, 48 dp targets and labelled controls`() {
        val problems = mutableListOf<String>()
        for (language in listOf(Language.VI, Language.EN)) {
            for ((name, content) in ScreenCatalog.screens(language)) {
                runComposeUiTest {
                    show(language, fontScale = 2f, phone = true, content = content)
                    waitForIdle()
                    val density = density.density
                    for (node in onAllNodes(SemanticsMatcher("any") { true }, useUnmergedTree = true).fetchSemanticsNodes()) {
                        problems += check("$name-$language", node, density)
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.joinToString("\n"))
    }

    private fun check(screen: String, node: SemanticsNode, density: Float): List<String> {
        val found = mutableListOf<String>()
        val config = node.config
        val text = config.getOrNull(SemanticsProperties.Text)?.joinToString(" ")
        config.getOrNull(SemanticsActions.GetTextLayoutResult)?.action?.let { getLayout ->
            val results = mutableListOf<TextLayoutResult>()
            getLayout(results)
            for (layout in results) {
                // (didOverflowWidth is no use here: the desktop reports the paragraph at the incoming maximum width.)
                val lines = layout.lineCount
                if (layout.didOverflowHeight || (0 until lines).any { layout.isLineEllipsized(it) }) {
                    found += "$screen: text '$text' is clipped"
                }
                val chars = layout.layoutInput.text.text
                for (line in 0 until lines - 1) {
                    val end = layout.getLineEnd(line)
                    if (end in 1 until chars.length && chars[end - 1].isLetterOrDigit() && chars[end].isLetterOrDigit()) {
                        found += "$screen: text '$text' breaks inside a word"
                    }
                }
            }
        }
        if (config.contains(SemanticsActions.OnClick) && config.getOrNull(SemanticsProperties.Disabled) == null) {
            val w = node.size.width / density
            val h = node.size.height / density
            // Half a dp of slack for rounding of the layout to whole pixels.
            if (w < 47.5f || h < 47.5f) found += "$screen: clickable '${label(node)}' is ${w}x$h dp"
            if (label(node).isBlank()) found += "$screen: a clickable element has no label"
        }
        return found
    }

    /** What a screen reader says for [node]: its own or its children's description and text. */
    private fun label(node: SemanticsNode): String {
        val own = listOfNotNull(
            node.config.getOrNull(SemanticsProperties.ContentDescription)?.joinToString(" "),
            node.config.getOrNull(SemanticsProperties.Text)?.joinToString(" "),
            node.config.getOrNull(SemanticsProperties.EditableText)?.text,
        ).joinToString(" ")
        return (own + " " + node.children.joinToString(" ") { label(it) }).trim()
    }
}
