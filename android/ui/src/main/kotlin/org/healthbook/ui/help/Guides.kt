package org.healthbook.ui.help

import org.healthbook.core.Language

/** A part of a role's guide: the guide (`citizen`, the file stem under docs/guides) and a section anchor. */
data class HelpTopic(val guide: String, val anchor: String)

/**
 * The guide section that explains each screen, by the screen's name in the screenshot catalogue (the same
 * names the guides' pictures carry), so that the help entry of a screen opens the part of the guide showing it.
 */
object HelpTopics {
    private val citizen = "citizen"
    private val volunteer = "volunteer"
    private val gate = "gate-operator"
    private val officer = "health-officer"

    /** Screen name to topic. */
    val byScreen: Map<String, HelpTopic> = mapOf(
        "first-start" to HelpTopic(citizen, "install"),
        "profiles" to HelpTopic(citizen, "family"),
        "profile-edit" to HelpTopic(citizen, "family"),
        "declaration" to HelpTopic(citizen, "declare"),
        "outbox" to HelpTopic(citizen, "declare"),
        "pass-green" to HelpTopic(citizen, "pass"),
        "pass-red-offline" to HelpTopic(citizen, "pass"),
        "checkpoint-scan" to HelpTopic(gate, "checkpoint"),
        "checkpoint-valid" to HelpTopic(gate, "checkpoint"),
        "checkpoint-invalid" to HelpTopic(gate, "checkpoint"),
        "checkpoint-eu-dcc" to HelpTopic(gate, "checkpoint"),
        "results-list" to HelpTopic(citizen, "test-result"),
        "results-register" to HelpTopic(citizen, "test-result"),
        "results-registered-elsewhere" to HelpTopic(citizen, "test-result"),
        "results-detail" to HelpTopic(citizen, "test-result"),
        "checkin-scan" to HelpTopic(citizen, "check-in"),
        "checkin-done" to HelpTopic(citizen, "check-in"),
        "checkin-refused" to HelpTopic(citizen, "check-in"),
        "diary" to HelpTopic(citizen, "check-in"),
        "checkin-manual" to HelpTopic(citizen, "check-in"),
        "exposure-alerts" to HelpTopic(citizen, "check-in"),
        "gate-bind" to HelpTopic(gate, "bind"),
        "gate-ready" to HelpTopic(gate, "scan"),
        "gate-admit" to HelpTopic(gate, "verdicts"),
        "gate-refuse" to HelpTopic(gate, "verdicts"),
        "gate-check-out" to HelpTopic(gate, "verdicts"),
        "gate-repeat" to HelpTopic(gate, "scan"),
        "settings" to HelpTopic(citizen, "troubleshooting"),
        "setup-check" to HelpTopic(volunteer, "setup-check"),
        "setup-all-good" to HelpTopic(volunteer, "setup-check"),
        "volunteer-people" to HelpTopic(volunteer, "enrol"),
        "volunteer-enrol" to HelpTopic(volunteer, "enrol"),
        "volunteer-person" to HelpTopic(volunteer, "enrol"),
        "volunteer-consent" to HelpTopic(volunteer, "consent"),
        "volunteer-dose" to HelpTopic(volunteer, "dose"),
        "volunteer-card" to HelpTopic(volunteer, "card"),
        "vaccination" to HelpTopic(citizen, "vaccination"),
        "vaccination-answer-waiting" to HelpTopic(citizen, "vaccination"),
        "vaccination-register" to HelpTopic(citizen, "vaccination"),
        "vaccination-wallet" to HelpTopic(citizen, "certificate"),
        "vaccination-site-choose" to HelpTopic(officer, "vaccination-site"),
        "vaccination-site-scan" to HelpTopic(officer, "vaccination-site"),
        "vaccination-site-candidate" to HelpTopic(officer, "vaccination-site"),
        "vaccination-site-recorded" to HelpTopic(officer, "vaccination-site"),
        "quarantine-countdown" to HelpTopic(citizen, "home-quarantine"),
        "quarantine-home-card" to HelpTopic(citizen, "home-quarantine"),
        "quarantine-commitment" to HelpTopic(citizen, "home-quarantine"),
        "quarantine-enrolment" to HelpTopic(citizen, "home-quarantine"),
        "quarantine-checkin" to HelpTopic(citizen, "home-quarantine"),
        "quarantine-checkin-refused" to HelpTopic(citizen, "home-quarantine"),
        "quarantine-checkin-not-accepted" to HelpTopic(citizen, "home-quarantine"),
        "quarantine-history-not-accepted" to HelpTopic(citizen, "home-quarantine"),
        "quarantine-checkin-review" to HelpTopic(citizen, "home-quarantine"),
        "quarantine-explain" to HelpTopic(citizen, "home-quarantine"),
        "quarantine-decided" to HelpTopic(citizen, "home-quarantine"),
        "hotline-qa" to HelpTopic(citizen, "hotline"),
        "hotline-no-results" to HelpTopic(citizen, "hotline"),
        "hotline-entry" to HelpTopic(citizen, "hotline"),
        "hotline-ask" to HelpTopic(citizen, "hotline"),
        "hotline-my-questions" to HelpTopic(citizen, "hotline"),
        "hotline-question-refused" to HelpTopic(citizen, "hotline"),
    )

    /** The topic of [screen], or the citizen guide's troubleshooting for a screen without its own. */
    fun of(screen: String): HelpTopic = byScreen[screen] ?: HelpTopic(citizen, "troubleshooting")
}

/** One block of a guide section, as the help screen draws it. */
sealed interface GuideBlock {
    /** A heading of [level] 1 to 6. */
    data class Heading(val level: Int, val text: String) : GuideBlock
    /** A paragraph (also a quote). */
    data class Paragraph(val text: String) : GuideBlock
    /** A list item: [marker] is "•" or "1.". */
    data class Item(val marker: String, val text: String) : GuideBlock
    /** A picture from the guides' images; [path] relative to the guide (`images/pass-green-en.png`). */
    data class Image(val alt: String, val path: String) : GuideBlock
    /** A code block (terminal sessions), shown as is. */
    data class Code(val text: String) : GuideBlock
    /** A table row's cells (a header row too). */
    data class Row(val cells: List<String>) : GuideBlock
}

/**
 * The guides bundled with the screens: the build copies docs/guides into the resources under `guides/`
 * (android/ui/pom.xml and build.gradle.kts), so the help opens offline and never drifts from the docs.
 */
object Guides {
    /** The Markdown of [guide] in [language], or null when it is not bundled. */
    fun load(guide: String, language: Language): String? {
        val suffix = if (language == Language.EN) "en" else "vi"
        return resource("guides/$guide.$suffix.md")?.toString(Charsets.UTF_8)
    }

    /** The bytes of a picture a guide links to (`images/x.png`), or null when it is not bundled. */
    fun image(path: String): ByteArray? = if (path.contains("..")) null else resource("guides/$path")

    private fun resource(name: String): ByteArray? =
        Guides::class.java.classLoader?.getResourceAsStream(name)?.use { it.readBytes() }

    /**
     * The lines of the section opened by `<a id="[anchor]"></a>`: its heading and everything up to the next
     * anchor, or null when the guide has no such anchor.
     */
    fun section(markdown: String, anchor: String): String? {
        val lines = markdown.lines()
        val marker = "<a id=\"$anchor\"></a>"
        val start = lines.indexOfFirst { it.trim() == marker }
        if (start < 0) return null
        val end = (start + 1 until lines.size).firstOrNull { lines[it].trim().startsWith("<a id=\"") } ?: lines.size
        return lines.subList(start + 1, end).joinToString("\n")
    }

    /** The blocks of [markdown]: headings, paragraphs, list items, pictures, code and table rows. */
    fun parse(markdown: String): List<GuideBlock> {
        val blocks = mutableListOf<GuideBlock>()
        val paragraph = StringBuilder()
        fun flush() {
            if (paragraph.isNotBlank()) blocks += GuideBlock.Paragraph(inline(paragraph.toString().trim()))
            paragraph.clear()
        }
        var code: StringBuilder? = null
        for (raw in markdown.lines()) {
            val line = raw.trim()
            if (line.startsWith("```")) {
                flush()
                code = if (code == null) StringBuilder() else { blocks += GuideBlock.Code(code.toString().trimEnd()); null }
                continue
            }
            if (code != null) { code.append(raw).append('\n'); continue }
            val heading = Regex("^(#{1,6})\\s+(.*)$").find(line)
            val item = Regex("^([-*]|\\d+\\.)\\s+(.*)$").find(line)
            when {
                line.isEmpty() || line.startsWith("<!--") || line.startsWith("<a id=") -> flush()
                heading != null -> { flush(); blocks += GuideBlock.Heading(heading.groupValues[1].length, inline(heading.groupValues[2])) }
                line.startsWith("![") -> {
                    flush()
                    for (image in Regex("!\\[([^]]*)]\\(([^)]+)\\)").findAll(line)) blocks += GuideBlock.Image(image.groupValues[1], image.groupValues[2])
                }
                line.startsWith("|") -> {
                    flush()
                    val cells = line.trim('|').split('|').map { inline(it.trim()) }
                    // The |---|---| line under a header only draws the rule.
                    if (!cells.all { it.isNotEmpty() && it.all { c -> c == '-' || c == ':' } }) blocks += GuideBlock.Row(cells)
                }
                item != null -> {
                    flush()
                    val marker = item.groupValues[1].let { if (it == "-" || it == "*") "•" else it }
                    blocks += GuideBlock.Item(marker, inline(item.groupValues[2]))
                }
                line.startsWith(">") -> paragraph.append(line.removePrefix(">").trim()).append(' ')
                // A continuation of the list item above (indented) joins it.
                raw.startsWith("   ") && blocks.lastOrNull() is GuideBlock.Item && paragraph.isEmpty() -> {
                    val last = blocks.removeAt(blocks.lastIndex) as GuideBlock.Item
                    blocks += last.copy(text = last.text + " " + inline(line))
                }
                else -> paragraph.append(line).append(' ')
            }
        }
        flush()
        return blocks
    }

    /** Inline Markdown as plain words: links keep their text, emphasis and code marks go. */
    fun inline(text: String): String = text
        .replace(Regex("\\[([^]]*)]\\([^)]*\\)"), "$1")
        .replace("**", "")
        .replace(Regex("(?<![\\w*])\\*(\\S[^*]*)\\*"), "$1")
        .replace("`", "")
}
