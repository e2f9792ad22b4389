package org.healthbook.ui

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.runComposeUiTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.healthbook.core.Language
import org.healthbook.ui.desktop.SkiaQrDecoder
import org.healthbook.ui.help.GuideBlock
import org.healthbook.ui.help.Guides
import org.healthbook.ui.help.HelpBar
import org.healthbook.ui.help.HelpScreen
import org.healthbook.ui.help.HelpTopic
import org.healthbook.ui.help.HelpTopics

@OptIn(ExperimentalTestApi::class)
class HelpTest {
    @Test
    fun `every screen's help topic opens an existing guide section in both languages, with its pictures bundled`() {
        val screens = ScreenCatalog.screens(Language.VI).keys
        assertEquals(emptySet(), screens - HelpTopics.byScreen.keys, "screens without a help topic")
        assertEquals(emptySet(), HelpTopics.byScreen.keys - screens, "topics of screens that don't exist")
        for ((screen, topic) in HelpTopics.byScreen) {
            for (language in listOf(Language.VI, Language.EN)) {
                val guide = assertNotNull(Guides.load(topic.guide, language), "guide ${topic.guide} ($language) bundled")
                val section = assertNotNull(Guides.section(guide, topic.anchor), "$screen: ${topic.guide}#${topic.anchor} ($language)")
                val blocks = Guides.parse(section)
                assertTrue(blocks.first() is GuideBlock.Heading, "$screen: the section starts with its heading")
                assertTrue(blocks.size > 1, "$screen: the section says something")
                for (image in blocks.filterIsInstance<GuideBlock.Image>()) {
                    assertNotNull(Guides.image(image.path), "$screen: ${image.path} bundled")
                }
            }
        }
    }

    @Test
    fun `a section runs to the next anchor, and Markdown becomes blocks in plain words`() {
        val guide = """
            # Title
            <a id="one"></a>
            ## 1. One
            Some **bold** and `code`, a [link](x.md#y)
            and a second line.

            1. First
               continued.
            - A point
            ![A picture](images/pass-green-en.png)
            | Step | Do |
            |---|---|
            | Camera | Allow it |
            ```
            ${'$'} healthbook doctor
            ```
            <a id="two"></a>
            ## 2. Two
        """.trimIndent()
        assertNull(Guides.section(guide, "three"))
        val blocks = Guides.parse(Guides.section(guide, "one")!!)
        assertEquals(
            listOf(
                GuideBlock.Heading(2, "1. One"),
                GuideBlock.Paragraph("Some bold and code, a link and a second line."),
                GuideBlock.Item("1.", "First continued."),
                GuideBlock.Item("•", "A point"),
                GuideBlock.Image("A picture", "images/pass-green-en.png"),
                GuideBlock.Row(listOf("Step", "Do")),
                GuideBlock.Row(listOf("Camera", "Allow it")),
                GuideBlock.Code("\$ healthbook doctor"),
            ),
            blocks,
        )
        assertNull(Guides.image("../secret.png"), "only the bundle's pictures")
    }

    @Test
    fun `the help bar opens its topic and the help screen shows the section offline, in the app's language`() = runComposeUiTest {
        val opened = mutableListOf<HelpTopic>()
        var backs = 0
        var topic by mutableStateOf<HelpTopic?>(null)
        show(Language.EN) {
            val shown = topic
            if (shown == null) {
                HelpBar(HelpTopics.of("checkin-scan"), onHelp = { opened += it; topic = it })
            } else {
                HelpScreen(shown, SkiaQrDecoder, onBack = { backs++ })
            }
        }
        onNodeWithContentDescription("Help").performClick()
        assertEquals(listOf(HelpTopic("citizen", "check-in")), opened)
        onNodeWithText("5. Check in at a venue").assertExists()
        assertTrue(onAllNodesWithTag("help-image").fetchSemanticsNodes().isNotEmpty(), "the section's pictures are drawn")
        onNodeWithText("Back").performClick()
        assertEquals(1, backs)
    }

    @Test
    fun `a topic the guides lack says so instead of an empty page`() = runComposeUiTest {
        show(Language.VI) { HelpScreen(HelpTopic("citizen", "no-such-section"), null, onBack = {}) }
        onNodeWithText("Không tìm thấy phần hướng dẫn này trong ứng dụng.").assertExists()
    }
}
