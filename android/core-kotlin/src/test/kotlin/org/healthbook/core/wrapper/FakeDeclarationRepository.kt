package org.healthbook.core.wrapper

import java.time.Instant
import kotlinx.coroutines.CompletableDeferred
import org.healthbook.core.AnswerValue
import org.healthbook.core.Declaration
import org.healthbook.core.DeclarationException
import org.healthbook.core.DeclarationForm
import org.healthbook.core.DeclarationStatus
import org.healthbook.core.FieldError
import org.healthbook.core.FieldErrorCode
import org.healthbook.core.FormCondition
import org.healthbook.core.FormFieldKind
import org.healthbook.core.FormQuestion
import org.healthbook.core.HealthStatus
import org.healthbook.core.Language
import org.healthbook.core.OutboxEntry
import org.healthbook.core.OutboxState
import org.healthbook.core.SyncEvent
import org.healthbook.core.SyncException
import org.healthbook.core.SyncListener
import org.healthbook.core.SyncReport

/**
 * An in-memory [DeclarationRepository] for view model tests; no native code. One form, [FAKE_FORM]:
 * `fever` (yes/no, required), `onset` (date, required if fever), `note` (text, at most 10 characters).
 * Messages are `"<language>:<code>"`, so a test sees which language they were asked in.
 */
class FakeDeclarationRepository : DeclarationRepository {
    val declarations = mutableListOf<Declaration>()
    val entries = mutableListOf<OutboxEntry>()
    val statuses = mutableMapOf<String, HealthStatus>()
    val calls = mutableListOf<String>()

    /** Whether a server is configured; when false syncNow throws NoServer. */
    var serverConfigured = true
    /** Whether the configured server answers. */
    var serverUp = false
    /** When set, the next call throws it (once). */
    var failNext: Exception? = null
    /** When set, submit / syncNow suspend until it is completed, so a test can see the busy state. */
    var submitGate: CompletableDeferred<Unit>? = null
    var syncGate: CompletableDeferred<Unit>? = null

    private var nextId = 1L

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    override suspend fun forms(language: Language): List<DeclarationForm> {
        calls += "forms:$language"
        maybeFail()
        return listOf(fakeForm(language))
    }

    override suspend fun validate(formId: String, answers: Map<String, AnswerValue>, language: Language): List<FieldError> {
        calls += "validate"
        maybeFail()
        return check(formId, answers, language)
    }

    override suspend fun submit(
        profileId: String,
        formId: String,
        answers: Map<String, AnswerValue>,
        filledByProfileId: String?,
        language: Language,
    ): Declaration {
        calls += "submit"
        submitGate?.await()
        maybeFail()
        val errors = check(formId, answers, language)
        if (errors.isNotEmpty()) throw DeclarationException.InvalidAnswers(errors)
        val id = nextId++
        val declaration = Declaration(
            "decl-$id", profileId, filledByProfileId, formId, 1u, answers, Instant.ofEpochMilli(1_600_000_000_000L + id),
            DeclarationStatus.QUEUED, null,
        )
        declarations += declaration
        entries += OutboxEntry(id, "declaration", declaration.id, OutboxState.PENDING, 0u, declaration.declaredAt, null)
        return declaration
    }

    override suspend fun declarations(profileId: String?): List<Declaration> =
        declarations.filter { profileId == null || it.profileId == profileId }.reversed()

    override suspend fun healthStatus(profileId: String): HealthStatus? {
        calls += "healthStatus"
        return statuses[profileId]
    }

    override suspend fun outbox(): List<OutboxEntry> {
        calls += "outbox"
        return entries.toList()
    }

    override suspend fun retry(itemId: Long) {
        calls += "retry"
        maybeFail()
        val index = entries.indexOfFirst { it.id == itemId }
        if (index < 0) throw SyncException.NotFound(itemId)
        entries[index] = entries[index].copy(state = OutboxState.PENDING)
    }

    override suspend fun syncNow(listener: SyncListener?): SyncReport {
        calls += "syncNow"
        syncGate?.await()
        maybeFail()
        if (!serverConfigured) throw SyncException.NoServer()
        if (!serverUp) {
            val report = SyncReport(0u, 0u, 0u, entries.size.toULong(), true)
            listener?.onEvent(SyncEvent.Finished(report))
            return report
        }
        val due = entries.filter { it.state == OutboxState.PENDING }
        listener?.onEvent(SyncEvent.Started(due.size.toULong()))
        for (entry in due) {
            entries.remove(entry)
            val index = declarations.indexOfFirst { it.id == entry.subjectId }
            val declaration = declarations[index].copy(status = DeclarationStatus.ACCEPTED)
            declarations[index] = declaration
            val fever = declaration.answers["fever"] == AnswerValue.Bool(true)
            statuses[declaration.profileId] = HealthStatus(if (fever) "yellow" else "green", listOf("declaration"), Instant.EPOCH)
            listener?.onEvent(SyncEvent.Delivered(entry.id, entry.kind))
        }
        val report = SyncReport(due.size.toUInt(), 0u, 0u, entries.size.toULong(), false)
        listener?.onEvent(SyncEvent.Finished(report))
        return report
    }

    private fun check(formId: String, answers: Map<String, AnswerValue>, language: Language): List<FieldError> {
        if (formId != FAKE_FORM) throw DeclarationException.UnknownForm(formId)
        fun error(field: String, code: FieldErrorCode) = FieldError(field, code, "$language:$code")
        val errors = mutableListOf<FieldError>()
        val fever = answers["fever"]
        when {
            fever == null -> errors += error("fever", FieldErrorCode.REQUIRED)
            fever !is AnswerValue.Bool -> errors += error("fever", FieldErrorCode.WRONG_TYPE)
        }
        when (val onset = answers["onset"]) {
            null -> if (fever == AnswerValue.Bool(true)) errors += error("onset", FieldErrorCode.REQUIRED)
            !is AnswerValue.Date -> errors += error("onset", FieldErrorCode.WRONG_TYPE)
            else -> if (onset.iso > "2021-08-15") errors += error("onset", FieldErrorCode.DATE_IN_FUTURE)
        }
        when (val note = answers["note"]) {
            null -> Unit
            !is AnswerValue.Text -> errors += error("note", FieldErrorCode.WRONG_TYPE)
            else -> if (note.value.length > 10) errors += error("note", FieldErrorCode.TOO_LONG)
        }
        return errors
    }

    companion object {
        const val FAKE_FORM = "fake_form"

        fun fakeForm(language: Language): DeclarationForm {
            fun l(vi: String, en: String) = if (language == Language.VI) vi else en
            return DeclarationForm(
                FAKE_FORM, 1u, l("Tờ khai", "Declaration"),
                listOf(
                    FormQuestion("fever", l("Sốt?", "Fever?"), null, true, null, FormFieldKind.Boolean),
                    FormQuestion("onset", l("Ngày", "Since"), null, false, FormCondition("fever", true, emptyList(), false), FormFieldKind.Date(30u, null)),
                    FormQuestion("note", l("Ghi chú", "Note"), null, false, null, FormFieldKind.Text(10u)),
                ),
            )
        }
    }
}
