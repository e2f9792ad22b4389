package org.healthbook.core

import java.io.File
import java.time.OffsetDateTime
import org.junit.jupiter.api.Assertions.fail

/**
 * The third-party conformance data beside the repository (`<repo>/../shared`, read-only; CI has the same
 * copy). `-Dhealthbook.shared.dir=DIR` points elsewhere; by default it is found from the module directory
 * (`android/core-kotlin`, which surefire sets as `basedir` and runs the tests in).
 */
fun sharedDir(): File {
    System.getProperty("healthbook.shared.dir")?.let { return File(it).absoluteFile.normalize() }
    val moduleDir = File(System.getProperty("basedir") ?: System.getProperty("user.dir"))
    return File(moduleDir, "../../../shared").absoluteFile.normalize()
}

/** A file of the shared conformance data; fails (with where it looked) when it is missing. */
fun conformanceFile(relative: String): File {
    val file = File(sharedDir(), "conformance/$relative")
    if (!file.isFile) {
        fail<Nothing>("conformance data not found at $file: the shared/ directory belongs beside the repository, " +
            "or pass -Dhealthbook.shared.dir=DIR")
    }
    return file
}

/** One EU DCC test case (dgc-testdata format): the QR text, the signing certificate and when to verify. */
data class DccCase(val name: String, val qr: String, val certificate: String, val validationClock: OffsetDateTime) {
    companion object {
        /** Reads `eu-dcc/[relative]`, e.g. `DE/2DCode/raw/3.json`. */
        fun load(relative: String): DccCase {
            val file = conformanceFile("eu-dcc/$relative")
            val json = MiniJson.parse(file.readText()) as? Map<*, *> ?: fail<Nothing>("$file is not a JSON object")
            val context = json["TESTCTX"] as? Map<*, *> ?: fail<Nothing>("$file has no TESTCTX")
            fun text(map: Map<*, *>, key: String) = map[key] as? String ?: fail<Nothing>("$file has no string $key")
            return DccCase(
                name = relative,
                qr = text(json, "PREFIX"),
                certificate = text(context, "CERTIFICATE"),
                validationClock = OffsetDateTime.parse(text(context, "VALIDATIONCLOCK")),
            )
        }
    }
}

/**
 * A small JSON reader for test data (no JSON library is on the test classpath): objects become maps, arrays
 * lists, numbers [Double]s; strict about syntax, so a damaged file fails loudly.
 */
object MiniJson {
    fun parse(text: String): Any? {
        val reader = Reader(text)
        val value = reader.value()
        reader.skipSpace()
        if (!reader.atEnd()) reader.error("trailing characters")
        return value
    }

    private class Reader(private val s: String) {
        private var i = 0

        fun atEnd() = i >= s.length

        fun error(what: String): Nothing = throw IllegalArgumentException("JSON: $what at offset $i")

        fun skipSpace() {
            while (i < s.length && s[i] in " \t\r\n") i++
        }

        private fun expect(c: Char) {
            skipSpace()
            if (i >= s.length || s[i] != c) error("expected '$c'")
            i++
        }

        fun value(): Any? {
            skipSpace()
            if (atEnd()) error("unexpected end")
            return when (val c = s[i]) {
                '{' -> obj()
                '[' -> array()
                '"' -> string()
                't' -> literal("true", true)
                'f' -> literal("false", false)
                'n' -> literal("null", null)
                else -> if (c == '-' || c.isDigit()) number() else error("unexpected '$c'")
            }
        }

        private fun literal(word: String, value: Any?): Any? {
            if (!s.startsWith(word, i)) error("expected $word")
            i += word.length
            return value
        }

        private fun number(): Double {
            val start = i
            while (i < s.length && (s[i].isDigit() || s[i] in "+-.eE")) i++
            return s.substring(start, i).toDoubleOrNull() ?: error("bad number")
        }

        private fun obj(): Map<String, Any?> {
            expect('{')
            val map = LinkedHashMap<String, Any?>()
            skipSpace()
            if (s.getOrNull(i) == '}') return map.also { i++ }
            while (true) {
                skipSpace()
                val key = string()
                expect(':')
                map[key] = value()
                skipSpace()
                when (s.getOrNull(i)) {
                    ',' -> i++
                    '}' -> return map.also { i++ }
                    else -> error("expected ',' or '}'")
                }
            }
        }

        private fun array(): List<Any?> {
            expect('[')
            val list = ArrayList<Any?>()
            skipSpace()
            if (s.getOrNull(i) == ']') return list.also { i++ }
            while (true) {
                list += value()
                skipSpace()
                when (s.getOrNull(i)) {
                    ',' -> i++
                    ']' -> return list.also { i++ }
                    else -> error("expected ',' or ']'")
                }
            }
        }

        private fun string(): String {
            if (s.getOrNull(i) != '"') error("expected a string")
            i++
            val out = StringBuilder()
            while (true) {
                if (atEnd()) error("unterminated string")
                when (val c = s[i++]) {
                    '"' -> return out.toString()
                    '\\' -> {
                        if (atEnd()) error("unterminated escape")
                        when (val e = s[i++]) {
                            '"', '\\', '/' -> out.append(e)
                            'b' -> out.append('\b')
                            'f' -> out.append('\u000C')
                            'n' -> out.append('\n')
                            'r' -> out.append('\r')
                            't' -> out.append('\t')
                            'u' -> {
                                if (i + 4 > s.length) error("short \\u escape")
                                out.append(s.substring(i, i + 4).toIntOrNull(16)?.toChar() ?: error("bad \\u escape"))
                                i += 4
                            }
                            else -> error("bad escape '\\$e'")
                        }
                    }
                    else -> if (c < ' ') error("control character in string") else out.append(c)
                }
            }
        }
    }
}
