package org.healthbook.core.wrapper

/** How one set-up step stands. */
enum class SetupState { OK, WARNING, PROBLEM, NOT_CHECKED }

/** One step of the set-up check, in the app's language (plain Vietnamese by default). */
data class SetupStep(
    /** Stable id: `camera`, `notifications`, `location`, `server`, `trust_list`, `profiles_bound`, `pass_fresh`, `outbox_empty`. */
    val id: String,
    val title: String,
    val state: SetupState,
    /** What was found. */
    val detail: String,
    /** What to do about it (empty when OK). */
    val action: String,
)

/** What only the platform knows; null when the shell could not tell. */
data class PlatformFacts(
    val cameraAllowed: Boolean?,
    val notificationsAllowed: Boolean?,
    val locationAllowed: Boolean?,
)

/** The set-up check a volunteer runs while helping someone install the app. */
interface SetupCheckRepository {
    /** Runs every step (the server step reaches the server with a short timeout) and returns them in order. */
    suspend fun check(facts: PlatformFacts): List<SetupStep>
}
