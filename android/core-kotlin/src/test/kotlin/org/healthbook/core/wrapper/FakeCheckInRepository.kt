package org.healthbook.core.wrapper

import java.time.Duration
import java.time.Instant

/**
 * An in-memory [CheckInRepository] for view model and screen tests; no native code. [posters] are the genuine
 * posters (QR text to venue name); any other text is refused like a forged one. [risky] are the venue names
 * the next exposure check finds risky (one alert per visit, once). [autoCheckOut] visits are closed by the
 * next [diary] read, as the core does after a venue's usual stay.
 */
class FakeCheckInRepository(var now: Instant = Instant.parse("2026-03-01T08:00:00Z")) : CheckInRepository {
    val posters = mutableMapOf("HP1:MARKET" to "Chợ Bến Thành", "HP1:BANK" to "Ngân hàng Quận 1")
    val entries = mutableListOf<DiaryItem>()
    val stored = mutableListOf<ExposureAlert>()
    val risky = mutableSetOf<String>()
    val autoCheckOut = mutableSetOf<String>()
    val calls = mutableListOf<String>()
    /** When set, the next call throws it (once). */
    var failNext: Exception? = null
    private var ids = 0

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    override suspend fun diary(): List<DiaryItem> {
        calls += "diary"
        maybeFail()
        for ((i, entry) in entries.withIndex()) {
            if (entry.entryId in autoCheckOut && entry.checkedOutAt == null) {
                entries[i] = entry.copy(checkedOutAt = entry.checkedInAt.plus(Duration.ofHours(2)), autoCheckedOut = true)
            }
        }
        return entries.sortedByDescending { it.checkedInAt }
    }

    override suspend fun checkIn(profileId: String, qrText: String): DiaryItem {
        calls += "checkIn"
        maybeFail()
        val venue = posters[qrText] ?: throw CheckInException("This poster is not genuine: its signature does not verify.")
        val item = DiaryItem("e-${++ids}", profileId, venue, "Market", now, null, autoCheckedOut = false, manual = false)
        entries += item
        return item
    }

    override suspend fun checkOut(entryId: String): DiaryItem {
        calls += "checkOut"
        maybeFail()
        val i = entries.indexOfFirst { it.entryId == entryId }
        if (i < 0) throw CheckInException("This visit is no longer in the diary.")
        entries[i] = entries[i].copy(checkedOutAt = now)
        return entries[i]
    }

    override suspend fun addManual(profileId: String, place: String, from: Instant, to: Instant?): DiaryItem {
        calls += "addManual"
        maybeFail()
        val item = DiaryItem("e-${++ids}", profileId, place, "", from, to, autoCheckedOut = false, manual = true)
        entries += item
        return item
    }

    override suspend fun delete(entryId: String) {
        calls += "delete"
        maybeFail()
        entries.removeIf { it.entryId == entryId }
    }

    override suspend fun checkExposure(): List<ExposureAlert> {
        calls += "checkExposure"
        maybeFail()
        for (entry in entries) {
            val id = "a-${entry.entryId}"
            if (entry.venueName in risky && stored.none { it.alertId == id }) {
                stored += ExposureAlert(id, entry.venueName, entry.checkedInAt, "Possible exposure", "Watch for symptoms for 14 days.", seen = false)
            }
        }
        return alerts()
    }

    override suspend fun alerts(): List<ExposureAlert> {
        calls += "alerts"
        maybeFail()
        return stored.sortedByDescending { it.visitedAt }
    }

    override suspend fun markSeen(alertId: String) {
        calls += "markSeen"
        maybeFail()
        val i = stored.indexOfFirst { it.alertId == alertId }
        if (i >= 0) stored[i] = stored[i].copy(seen = true)
    }
}
