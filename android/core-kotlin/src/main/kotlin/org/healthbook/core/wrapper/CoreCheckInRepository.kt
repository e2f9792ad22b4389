package org.healthbook.core.wrapper

import java.time.Instant
import org.healthbook.core.CheckIns
import org.healthbook.core.DiaryEntry
import org.healthbook.core.CheckInException as CoreCheckInException
import org.healthbook.core.ExposureAlert as CoreExposureAlert

/**
 * The real [CheckInRepository]: delegates to the Rust core's [CheckIns] object, which verifies posters offline,
 * keeps the diary sealed on the phone and words everything in the app's language. A refused poster, a place or
 * times the core refuses become a [CheckInException] with the core's words; other failures (storage, a missing
 * profile) stay the core's exceptions.
 */
class CoreCheckInRepository(private val checkIns: CheckIns) : CheckInRepository, AutoCloseable {
    override suspend fun diary(): List<DiaryItem> = checkIns.diary().map(::item)

    override suspend fun checkIn(profileId: String, qrText: String): DiaryItem = item(refused { checkIns.checkIn(profileId, qrText) })

    override suspend fun checkOut(entryId: String): DiaryItem = item(checkIns.checkOut(entryId))

    override suspend fun addManual(profileId: String, place: String, from: Instant, to: Instant?): DiaryItem =
        item(refused { checkIns.addManual(profileId, place, from, to) })

    override suspend fun delete(entryId: String) = checkIns.delete(entryId)

    override suspend fun checkExposure(): List<ExposureAlert> = checkIns.checkExposure().map(::alert)

    override suspend fun alerts(): List<ExposureAlert> = checkIns.alerts().map(::alert)

    override suspend fun markSeen(alertId: String) = checkIns.markSeen(alertId)

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = checkIns.close()

    private inline fun <T> refused(block: () -> T): T = try {
        block()
    } catch (e: CoreCheckInException.Refused) {
        throw CheckInException(e.words)
    } catch (e: CoreCheckInException.InvalidPlace) {
        throw CheckInException(e.words)
    } catch (e: CoreCheckInException.InvalidTimes) {
        throw CheckInException(e.words)
    }

    private fun item(e: DiaryEntry) = DiaryItem(
        entryId = e.entryId,
        profileId = e.profileId,
        venueName = e.venueName,
        venueKind = e.venueKind,
        checkedInAt = e.checkedInAt,
        checkedOutAt = e.checkedOutAt,
        autoCheckedOut = e.autoCheckedOut,
        manual = e.manual,
    )

    private fun alert(a: CoreExposureAlert) = ExposureAlert(
        alertId = a.alertId,
        venueName = a.venueName,
        visitedAt = a.visitedAt,
        headline = a.headline,
        advice = a.adviceText,
        seen = a.seen,
    )
}
