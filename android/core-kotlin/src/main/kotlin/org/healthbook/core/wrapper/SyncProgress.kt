package org.healthbook.core.wrapper

import org.healthbook.core.SyncEvent
import org.healthbook.core.SyncReport

/**
 * Progress of the current (or last) sync pass, folded from the core's [SyncEvent]s.
 *
 * [running] is true from the moment a pass is asked for until `syncNow` returns. [due] is null until the
 * core says how many items are due (a pass that cannot reach the server reports only [SyncEvent.Finished]).
 * [lastReport] is the outcome of the last finished pass, kept across passes so a screen can say
 * "server unreachable, 3 waiting".
 */
data class SyncProgress(
    val running: Boolean = false,
    val due: Long? = null,
    val delivered: Int = 0,
    val failed: Int = 0,
    val lastError: String? = null,
    val lastReport: SyncReport? = null,
) {
    /** The state after [event]; pure, so it is tested without native code. */
    fun after(event: SyncEvent): SyncProgress = when (event) {
        is SyncEvent.Started -> copy(running = true, due = event.due.toLong(), delivered = 0, failed = 0, lastError = null)
        is SyncEvent.Delivered -> copy(delivered = delivered + 1)
        is SyncEvent.Failed -> copy(failed = failed + 1, lastError = event.error)
        is SyncEvent.Finished -> copy(lastReport = event.report)
    }

    /** The state when a new pass is asked for: counters reset, the last report kept. */
    fun starting(): SyncProgress = SyncProgress(running = true, lastReport = lastReport)
}

