package org.healthbook.core.wrapper

import java.io.File
import org.healthbook.core.Clock
import org.healthbook.core.Healthbook
import org.healthbook.core.LocationSource
import org.healthbook.core.OpenException
import org.healthbook.core.PlatformKeyStore
import org.healthbook.core.RadioScanner
import org.healthbook.core.ResultsListener
import org.healthbook.core.Settings
import org.healthbook.core.Verifier

/**
 * Entry point of the wrapper: opens the Rust core once per process and hands out the repositories the
 * screens use. The shell supplies the platform services (key store, and a clock in tests).
 */
class HealthbookCore private constructor(
    private val healthbook: Healthbook,
    resultsListener: ResultsListener?,
) : AutoCloseable {
    /** The profiles of this phone. */
    val profiles: RustProfileRepository = RustProfileRepository(healthbook.profiles())

    /** Declarations, the outbox and sync. */
    val declarations: RustDeclarationRepository = RustDeclarationRepository(healthbook.declarations(), healthbook.outbox())

    /** Personal health passes (kept, refreshed, rendered as QR codes). */
    val passes: RustPassRepository = RustPassRepository(healthbook.passes())

    /** Bindings of the profiles to person records on the server (a pass needs one). */
    val persons: RustPersonBindingRepository = RustPersonBindingRepository(healthbook.persons())

    /** Test results: samples registered by code and followed until their result; changes go to the listener given to [open]. */
    val testResults: CoreTestResultsRepository =
        CoreTestResultsRepository(healthbook.results(), healthbook.profiles(), healthbook.settings(), resultsListener)

    /** The citizen's check-in diary (posters scanned, places added by hand) and exposure alerts. */
    val checkIns: CoreCheckInRepository = CoreCheckInRepository(healthbook.checkins())

    /** The gate device of the reverse model: bound to one gate, scans cards offline, uploads the passages. */
    val gate: CoreGateRepository = CoreGateRepository(healthbook.gate(), healthbook.settings())

    /** A volunteer's people: enrolment, consent, doses from paper, control cards (needs a volunteer's sign-in). */
    val volunteers: CoreVolunteerRepository = CoreVolunteerRepository(healthbook.volunteers())

    /** The citizen's vaccination: registrations, invitations and answers, doses, the certificate wallet. */
    val vaccinations: CoreVaccinationRepository = CoreVaccinationRepository(healthbook.vaccinations())
    /** The vaccination site's tools: scan, look up, record a dose (needs a health officer's sign-in, held for the process). */
    val vaccinationSite: CoreVaccinationSiteRepository = CoreVaccinationSiteRepository(healthbook.vaccinationSite())

    /** The hotline: the province's Q&A set searched offline, and the citizen's questions with their answers. */
    val hotline: CoreHotlineRepository = CoreHotlineRepository(healthbook.hotline())

    /** The set-up check a volunteer runs beside a new user (permissions come from the shell). */
    val setupCheck: CoreSetupCheckRepository = CoreSetupCheckRepository(healthbook.setupCheck())

    /** The offline checkpoint verifier; the generated object, which [CheckpointViewModel] takes as it is. */
    val verifier: Verifier = healthbook.verifier()

    /** The app settings (language, server URL, pinned root key); the generated object, which has no wrapper of its own yet. */
    val settings: Settings = healthbook.settings()

    /**
     * Home quarantine with the platform's sensors, which the core reads only inside a check-in or an enrolment.
     * Each call hands out a new repository; the caller closes it.
     */
    fun quarantine(location: LocationSource, radio: RadioScanner): CoreQuarantineRepository =
        CoreQuarantineRepository(healthbook.quarantine(location, radio))

    /** Version of the local database schema, for diagnostics screens. */
    val schemaVersion: UInt get() = healthbook.schemaVersion()

    override fun close() {
        profiles.close()
        declarations.close()
        passes.close()
        persons.close()
        testResults.close()
        checkIns.close()
        gate.close()
        setupCheck.close()
        volunteers.close()
        hotline.close()
        vaccinations.close()
        vaccinationSite.close()
        verifier.close()
        settings.close()
        healthbook.close()
    }

    companion object {
        /**
         * Opens (creating and migrating if needed) the store in [dataDir]. [resultsListener] hears every change of
         * a followed test sample that a refresh finds (the shell turns it into a notification).
         * @throws OpenException when the directory, the database or the key store is unusable.
         */
        fun open(
            dataDir: File,
            keyStore: PlatformKeyStore,
            clock: Clock? = null,
            resultsListener: ResultsListener? = null,
        ): HealthbookCore {
            dataDir.mkdirs()
            val healthbook = if (clock == null) {
                Healthbook(dataDir.absolutePath, keyStore)
            } else {
                Healthbook.withClock(dataDir.absolutePath, keyStore, clock)
            }
            return HealthbookCore(healthbook, resultsListener)
        }
    }
}
