package org.healthbook.core.wrapper

import java.time.Duration
import java.time.Instant

/**
 * An in-memory [TestResultsRepository] for view model tests; no native code. A code is "mistyped" when it
 * does not end with its check character (here: the digit sum of the rest, mod 10); [elsewhere] holds codes
 * another phone registered. [lab] is what the next refresh finds for a sample, by id.
 */
class FakeTestResultsRepository(var now: Instant = Instant.parse("2026-03-01T08:00:00Z")) : TestResultsRepository {
    val stored = mutableListOf<SampleItem>()
    val kept = mutableSetOf<String>()
    val calls = mutableListOf<String>()
    val elsewhere = mutableSetOf<String>()
    val lab = mutableMapOf<String, SampleState>()
    /** When set, the next call throws it (once). */
    var failNext: Exception? = null

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    override suspend fun samples(): List<SampleItem> {
        calls += "samples"
        maybeFail()
        return stored.toList()
    }

    override suspend fun register(profileId: String, code: String): SampleItem {
        calls += "register"
        maybeFail()
        val clean = code.filter { it.isLetterOrDigit() }.uppercase()
        if (clean.length != 10 || clean.last() != checkChar(clean.dropLast(1))) throw SampleCodeException("The code is mistyped: check it.")
        val state = if (clean in elsewhere) SampleState.REGISTERED_ELSEWHERE else SampleState.UNKNOWN_TO_LAB
        val item = item("s-${stored.size + 1}", profileId, state)
        stored.add(0, item)
        return item
    }

    override suspend fun refresh(): List<SampleItem> {
        calls += "refresh"
        maybeFail()
        for ((i, sample) in stored.withIndex()) {
            val found = lab.remove(sample.sampleId) ?: continue
            stored[i] = item(sample.sampleId, sample.profileId, found)
        }
        return stored.toList()
    }

    override suspend fun keepCertificate(sampleId: String) {
        calls += "keep"
        maybeFail()
        kept += sampleId
    }

    /** A sample in [state] with English words, as the core would explain it. */
    fun item(sampleId: String, profileId: String, state: SampleState): SampleItem {
        val final = state in setOf(SampleState.NEGATIVE, SampleState.POSITIVE, SampleState.INVALID, SampleState.RETEST_REQUIRED, SampleState.EXPIRED)
        return SampleItem(
            sampleId, profileId, "Profile $profileId", state,
            headline = state.name.lowercase(), reason = "reason of ${state.name.lowercase()}", nextStep = "next step",
            sampledAt = if (state == SampleState.UNKNOWN_TO_LAB || state == SampleState.REGISTERED_ELSEWHERE) null else now.minus(Duration.ofHours(20)),
            resultAt = if (final) now else null,
            nextCheckAt = if (final) null else now.plus(Duration.ofMinutes(30)),
            certificate = if (state == SampleState.NEGATIVE || state == SampleState.POSITIVE) "HC1:FAKE-$sampleId" else null,
        )
    }

    companion object {
        fun checkChar(body: String): Char = '0' + body.sumOf { it.code } % 10

        /** A well-formed code: [body] (nine characters) and its check character. */
        fun code(body: String): String = body + checkChar(body)
    }
}
