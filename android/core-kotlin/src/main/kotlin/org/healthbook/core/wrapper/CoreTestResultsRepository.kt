package org.healthbook.core.wrapper

import org.healthbook.core.Language
import org.healthbook.core.Profiles
import org.healthbook.core.Results
import org.healthbook.core.ResultsException
import org.healthbook.core.ResultsListener
import org.healthbook.core.Sample
import org.healthbook.core.SampleReason
import org.healthbook.core.Settings
import org.healthbook.core.explainSample
import org.healthbook.core.SampleState as CoreSampleState

/**
 * The real [TestResultsRepository]: delegates to the Rust core's [Results] object, names each sample's profile
 * from [profiles] and explains each state in the language of [settings] with the core's words (the same the CLI
 * prints). [listener], when given, hears every change found by [refresh] (the shell shows a notification).
 *
 * Calls other than [register]'s code check may throw [ResultsException] (storage, a missing profile).
 */
class CoreTestResultsRepository(
    private val results: Results,
    private val profiles: Profiles,
    private val settings: Settings,
    private val listener: ResultsListener? = null,
) : TestResultsRepository, AutoCloseable {
    override suspend fun samples(): List<SampleItem> = items(results.samples())

    override suspend fun register(profileId: String, code: String): SampleItem {
        val sample = try {
            results.register(profileId, code)
        } catch (e: ResultsException) {
            throw codeProblem(e) ?: e
        }
        return items(listOf(sample)).single()
    }

    override suspend fun refresh(): List<SampleItem> {
        results.pollDue(listener)
        return samples()
    }

    override suspend fun keepCertificate(sampleId: String) {
        results.keepCertificate(sampleId)
    }

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = results.close()

    // A code refused before anything was sent: the core's "wrong code" words, in the app's language.
    private suspend fun codeProblem(e: ResultsException): SampleCodeException? = when (e) {
        is ResultsException.EmptyCode,
        is ResultsException.WrongLength,
        is ResultsException.BadCharacter,
        is ResultsException.BadCheckCharacter -> {
            val words = explainSample(CoreSampleState.REGISTERING, SampleReason.WRONG_CODE, settings.language())
            SampleCodeException("${words.reason} ${words.nextStep}")
        }
        else -> null
    }

    private suspend fun items(samples: List<Sample>): List<SampleItem> {
        val language: Language = settings.language()
        val names = profiles.list().associate { it.id to it.fullName }
        return samples.map { s ->
            val words = explainSample(s.state, s.reason, language)
            SampleItem(
                sampleId = s.sampleId,
                profileId = s.profileId,
                profileName = names[s.profileId] ?: "",
                state = s.state.toScreen(),
                headline = words.headline,
                reason = words.reason,
                nextStep = words.nextStep,
                sampledAt = s.sampledAt,
                resultAt = s.resultAt,
                nextCheckAt = s.nextCheckAt,
                certificate = s.certificate,
            )
        }
    }
}

/** The screens' state for the core's. */
internal fun CoreSampleState.toScreen(): SampleState = when (this) {
    CoreSampleState.REGISTERING -> SampleState.REGISTERING
    CoreSampleState.REGISTERED_ELSEWHERE -> SampleState.REGISTERED_ELSEWHERE
    CoreSampleState.UNKNOWN_TO_LAB -> SampleState.UNKNOWN_TO_LAB
    CoreSampleState.PENDING -> SampleState.PENDING
    CoreSampleState.NEGATIVE -> SampleState.NEGATIVE
    CoreSampleState.POSITIVE -> SampleState.POSITIVE
    CoreSampleState.INVALID -> SampleState.INVALID
    CoreSampleState.RETEST_REQUIRED -> SampleState.RETEST_REQUIRED
    CoreSampleState.EXPIRED -> SampleState.EXPIRED
}
