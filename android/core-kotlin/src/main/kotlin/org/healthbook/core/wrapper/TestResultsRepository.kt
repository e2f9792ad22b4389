package org.healthbook.core.wrapper

import java.time.Instant

/** Where a followed sample stands, as the screens show it. */
enum class SampleState { REGISTERING, REGISTERED_ELSEWHERE, UNKNOWN_TO_LAB, PENDING, NEGATIVE, POSITIVE, INVALID, RETEST_REQUIRED, EXPIRED }

/** A followed sample with its explanation in the app's language. */
data class SampleItem(
    val sampleId: String,
    val profileId: String,
    val profileName: String,
    val state: SampleState,
    val headline: String,
    val reason: String,
    val nextStep: String,
    val sampledAt: Instant?,
    val resultAt: Instant?,
    val nextCheckAt: Instant?,
    val certificate: String?,
)

/** Why a code was refused before anything was sent. */
class SampleCodeException(message: String) : Exception(message)

/** The test-results area as the view models see it. */
interface TestResultsRepository {
    /** Every followed sample, newest first. */
    suspend fun samples(): List<SampleItem>
    /** Registers [code] (scanned or typed) for [profileId]; throws [SampleCodeException] for a mistyped code. */
    suspend fun register(profileId: String, code: String): SampleItem
    /** Polls what is due and returns every sample. */
    suspend fun refresh(): List<SampleItem>
    /** Keeps the certificate of [sampleId] past the retention period. */
    suspend fun keepCertificate(sampleId: String)
}
