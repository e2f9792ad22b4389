package org.healthbook.core.wrapper

import org.healthbook.core.AnswerValue
import org.healthbook.core.Declaration
import org.healthbook.core.DeclarationException
import org.healthbook.core.DeclarationForm
import org.healthbook.core.Declarations
import org.healthbook.core.FieldError
import org.healthbook.core.HealthStatus
import org.healthbook.core.Language
import org.healthbook.core.Outbox
import org.healthbook.core.OutboxEntry
import org.healthbook.core.SyncException
import org.healthbook.core.SyncListener
import org.healthbook.core.SyncReport

/**
 * Declarations, the outbox and sync as the screens see them: a plain interface, so the declaration view
 * model can be tested with a fake (the Element X "wrapper" pattern, like [ProfileRepository]).
 *
 * Declaration calls may throw [DeclarationException]; outbox and sync calls may throw [SyncException].
 */
interface DeclarationRepository {
    /** The newest version of every form, localised to [language]. */
    suspend fun forms(language: Language): List<DeclarationForm>

    /** Checks [answers] without saving; an empty list means they are valid. */
    suspend fun validate(formId: String, answers: Map<String, AnswerValue>, language: Language): List<FieldError>

    /**
     * Validates, saves and queues a declaration about [profileId]; throws [DeclarationException.InvalidAnswers]
     * with every field error (nothing is saved then). [filledByProfileId] defaults, in the core, to the phone
     * owner's profile when the declaration is about someone else.
     */
    suspend fun submit(
        profileId: String,
        formId: String,
        answers: Map<String, AnswerValue>,
        filledByProfileId: String?,
        language: Language,
    ): Declaration

    /** Declarations, newest first, of one profile or (null) of everyone. */
    suspend fun declarations(profileId: String?): List<Declaration>

    /** The health status the server last gave [profileId], if any. */
    suspend fun healthStatus(profileId: String): HealthStatus?

    /** Everything waiting to be sent, oldest first. */
    suspend fun outbox(): List<OutboxEntry>

    /** Makes an outbox item due now, also one the server refused. */
    suspend fun retry(itemId: Long)

    /**
     * Sends what is due to the configured server, reporting progress to [listener] (from the core's own
     * threads). An unreachable server is reported in the [SyncReport], not thrown; throws
     * [SyncException.NoServer] when no server URL is configured.
     */
    suspend fun syncNow(listener: SyncListener?): SyncReport
}

/** The real [DeclarationRepository]: delegates to the Rust core's [Declarations] and [Outbox] objects. */
class RustDeclarationRepository(
    private val declarations: Declarations,
    private val outbox: Outbox,
) : DeclarationRepository, AutoCloseable {
    override suspend fun forms(language: Language): List<DeclarationForm> = declarations.forms(language)

    override suspend fun validate(formId: String, answers: Map<String, AnswerValue>, language: Language): List<FieldError> =
        declarations.validate(formId, answers, language)

    override suspend fun submit(
        profileId: String,
        formId: String,
        answers: Map<String, AnswerValue>,
        filledByProfileId: String?,
        language: Language,
    ): Declaration = declarations.submit(profileId, formId, answers, filledByProfileId, language)

    override suspend fun declarations(profileId: String?): List<Declaration> = declarations.list(profileId)

    override suspend fun healthStatus(profileId: String): HealthStatus? = declarations.healthStatus(profileId)

    override suspend fun outbox(): List<OutboxEntry> = outbox.entries()

    override suspend fun retry(itemId: Long) = outbox.retry(itemId)

    override suspend fun syncNow(listener: SyncListener?): SyncReport = outbox.syncNow(listener)

    /** Releases the Rust objects now instead of waiting for the garbage collector. */
    override fun close() {
        declarations.close()
        outbox.close()
    }
}
