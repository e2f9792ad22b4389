package org.healthbook.core.wrapper

import org.healthbook.core.SetupCheck
import org.healthbook.core.PlatformFacts as CorePlatformFacts
import org.healthbook.core.SetupState as CoreSetupState

/**
 * The real [SetupCheckRepository]: delegates to the Rust core's [SetupCheck], which reads the local state, reaches
 * the server with a short timeout and words every step in the app's language. The check itself never fails: a
 * step that could not be read comes back as a problem of that step.
 */
class CoreSetupCheckRepository(private val setupCheck: SetupCheck) : SetupCheckRepository, AutoCloseable {
    override suspend fun check(facts: PlatformFacts): List<SetupStep> =
        setupCheck.check(CorePlatformFacts(facts.cameraAllowed, facts.notificationsAllowed, facts.locationAllowed)).map {
            SetupStep(
                id = it.id,
                title = it.title,
                state = when (it.state) {
                    CoreSetupState.OK -> SetupState.OK
                    CoreSetupState.WARNING -> SetupState.WARNING
                    CoreSetupState.PROBLEM -> SetupState.PROBLEM
                    CoreSetupState.NOT_CHECKED -> SetupState.NOT_CHECKED
                },
                detail = it.detail,
                action = it.action,
            )
        }

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = setupCheck.close()
}
