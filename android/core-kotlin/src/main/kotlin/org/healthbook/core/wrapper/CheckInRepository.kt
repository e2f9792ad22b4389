package org.healthbook.core.wrapper

import java.time.Instant

/** One visit in the citizen's diary (kept on the phone only, 21 days). */
data class DiaryItem(
    val entryId: String,
    val profileId: String,
    val venueName: String,
    /** The kind of place in the app's language ("Chợ", "Market"); empty for a manual entry. */
    val venueKind: String,
    val checkedInAt: Instant,
    /** Null while the person is still there. */
    val checkedOutAt: Instant?,
    /** True when the app checked the person out after the venue's usual stay. */
    val autoCheckedOut: Boolean,
    /** True for a place typed by hand (no poster). */
    val manual: Boolean,
)

/** A match of the diary with a risky venue, explained in the app's language. */
data class ExposureAlert(
    val alertId: String,
    val venueName: String,
    val visitedAt: Instant,
    val headline: String,
    val advice: String,
    val seen: Boolean,
)

/** Why a scanned poster or a manual entry was refused, in words for the person. */
class CheckInException(message: String) : Exception(message)

/** The citizen's check-in area as the view models see it. */
interface CheckInRepository {
    /** Every diary entry, newest first (automatic check-outs already applied). */
    suspend fun diary(): List<DiaryItem>
    /** Verifies a scanned poster offline and checks [profileId] in; throws [CheckInException] when refused. */
    suspend fun checkIn(profileId: String, qrText: String): DiaryItem
    /** Checks the visit [entryId] out now. */
    suspend fun checkOut(entryId: String): DiaryItem
    /** Adds a visit to a place without a poster. */
    suspend fun addManual(profileId: String, place: String, from: Instant, to: Instant?): DiaryItem
    /** Removes a diary entry. */
    suspend fun delete(entryId: String)
    /** Downloads the risky-venue list when online and matches it against the diary on the phone; every alert, newest first. */
    suspend fun checkExposure(): List<ExposureAlert>
    /** Every alert already found, newest first. */
    suspend fun alerts(): List<ExposureAlert>
    /** Marks an alert as read. */
    suspend fun markSeen(alertId: String)
}
