package org.healthbook.ui.profiles

import java.text.Normalizer

/** A province or ward with its official code (two digits for provinces, five for wards). */
data class AdminUnit(val code: String, val name: String)

/**
 * Matches [query] against a unit's code or name, ignoring case and Vietnamese diacritics, so "ha noi",
 * "Hà Nội" and "01" all find Hà Nội.
 */
fun List<AdminUnit>.search(query: String): List<AdminUnit> {
    val q = fold(query.trim())
    if (q.isEmpty()) return this
    return filter { it.code.startsWith(q) || fold(it.name).contains(q) }
}

private val marks = Regex("\\p{M}+")

/** Lower case without diacritics (đ folds to d too, which NFD leaves alone). */
fun fold(text: String): String =
    marks.replace(Normalizer.normalize(text.lowercase(), Normalizer.Form.NFD), "").replace('đ', 'd')
