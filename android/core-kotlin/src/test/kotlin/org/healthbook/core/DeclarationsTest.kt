package org.healthbook.core

import java.io.File
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * Forms, validation and submission against the real core, with the clock fixed at 2021-08-15 08:00 in
 * Vietnam (date answers are judged against Vietnam's calendar day).
 */
class DeclarationsTest {
    @TempDir lateinit var dir: File

    private val now = Instant.parse("2021-08-15T01:00:00Z")

    private fun <T> withDeclarations(block: suspend (Healthbook, Declarations) -> T): T = runBlocking {
        withCore(dir, clock = ManualClock(now.toEpochMilli())) { hb -> hb.declarations().use { block(hb, it) } }
    }

    // ---------------------------------------------------------------------------------------------- forms

    @Test
    fun `both forms come localised in Vietnamese and English with the same structure`() = withDeclarations { _, declarations ->
        val vi = declarations.forms(Language.VI)
        val en = declarations.forms(Language.EN)
        assertEquals(listOf(HEALTH, MOVEMENT), vi.map { it.id })
        assertEquals(listOf(HEALTH, MOVEMENT), en.map { it.id })
        assertEquals("Khai báo y tế", vi[0].title)
        assertEquals("Health declaration", en[0].title)
        assertEquals("Khai báo di chuyển nội địa", vi[1].title)
        assertEquals("Domestic movement declaration", en[1].title)

        for ((formVi, formEn) in vi.zip(en)) {
            assertTrue(formVi.version >= 1u)
            assertEquals(formVi.version, formEn.version)
            assertEquals(formVi.questions.map { it.id }, formEn.questions.map { it.id })
            for ((qVi, qEn) in formVi.questions.zip(formEn.questions)) {
                assertTrue(qVi.label.isNotBlank() && qEn.label.isNotBlank(), qVi.id)
                assertNotEquals(qVi.label, qEn.label, "label of ${qVi.id} is not translated")
                assertEquals(qVi.required, qEn.required)
                assertEquals(qVi.requiredIf, qEn.requiredIf)
                val choicesVi = choicesOf(qVi.kind)
                val choicesEn = choicesOf(qEn.kind)
                assertEquals(choicesVi.map { it.id }, choicesEn.map { it.id })
                for ((cVi, cEn) in choicesVi.zip(choicesEn)) assertNotEquals(cVi.label, cEn.label, "choice ${cVi.id}")
            }
        }

        val health = en[0].questions.associateBy { it.id }
        assertEquals(
            listOf("symptoms", "symptom_onset", "contact_with_confirmed_case", "travel_from_outbreak_area", "outbreak_area", "vaccination_status"),
            en[0].questions.map { it.id },
        )
        assertEquals(
            listOf("fever", "cough", "shortness_of_breath", "sore_throat", "loss_of_taste_or_smell", "fatigue"),
            choicesOf(health.getValue("symptoms").kind).map { it.id },
        )
        assertEquals("Fever", choicesOf(health.getValue("symptoms").kind)[0].label)
        assertEquals("Sốt", choicesOf(vi[0].questions[0].kind)[0].label)
        assertEquals(FormFieldKind.Date(30u, null), health.getValue("symptom_onset").kind)
        assertEquals(false, health.getValue("symptom_onset").required)
        assertEquals(FormCondition("symptoms", null, emptyList(), true), health.getValue("symptom_onset").requiredIf)
        assertEquals(FormFieldKind.Boolean, health.getValue("contact_with_confirmed_case").kind)
        assertTrue(health.getValue("contact_with_confirmed_case").required)
        assertEquals(FormFieldKind.AdminUnit, health.getValue("outbreak_area").kind)
        assertEquals(FormCondition("travel_from_outbreak_area", true, emptyList(), false), health.getValue("outbreak_area").requiredIf)
        assertEquals(
            listOf("not_vaccinated", "one_dose", "fully_vaccinated", "booster"),
            choicesOf(health.getValue("vaccination_status").kind).map { it.id },
        )
        assertTrue(health.getValue("vaccination_status").kind is FormFieldKind.SingleChoice)

        val movement = en[1].questions.associateBy { it.id }
        assertEquals(listOf("from", "to", "departure_date", "transport", "vehicle_number"), en[1].questions.map { it.id })
        assertEquals(FormFieldKind.AdminUnit, movement.getValue("from").kind)
        assertEquals(FormFieldKind.Date(14u, 30u), movement.getValue("departure_date").kind)
        assertEquals(FormFieldKind.Text(20u), movement.getValue("vehicle_number").kind)
        val vehicleIf = movement.getValue("vehicle_number").requiredIf!!
        assertEquals("transport", vehicleIf.field)
        assertEquals(listOf("car", "motorbike", "bus", "train", "plane", "boat"), vehicleIf.oneOf)
        assertTrue("other" in choicesOf(movement.getValue("transport").kind).map { it.id })
        assertEquals("For example 29A-123.45 or VN123", movement.getValue("vehicle_number").help)
        assertEquals("Ví dụ: 29A-123.45 hoặc VN123", vi[1].questions.single { it.id == "vehicle_number" }.help)
    }

    // ---------------------------------------------------------------------------------------- field errors

    @Test
    fun `valid answers give no errors, including conditional questions left out when not needed`() = withDeclarations { _, declarations ->
        for (language in Language.entries) {
            assertEquals(emptyList<FieldError>(), declarations.validate(HEALTH, healthAnswers(), language))
            assertEquals(emptyList<FieldError>(), declarations.validate(MOVEMENT, movementAnswers(), language))
        }
        // Symptoms with an onset today, travel with its area, and a vehicle number of exactly 20 characters.
        assertEquals(emptyList<FieldError>(), declarations.validate(HEALTH, healthAnswers(
            "symptoms" to AnswerValue.Choices(listOf("fever", "cough")),
            "symptom_onset" to AnswerValue.Date("2021-08-15"),
            "travel_from_outbreak_area" to AnswerValue.Bool(true),
            "outbreak_area" to AnswerValue.AdminUnit("79", "26734"),
        ), Language.EN))
        assertEquals(emptyList<FieldError>(), declarations.validate(MOVEMENT, movementAnswers("vehicle_number" to AnswerValue.Text("A".repeat(20))), Language.EN))
        // "other" transport needs no vehicle number; a departure up to 30 days ahead is fine.
        assertEquals(emptyList<FieldError>(), declarations.validate(MOVEMENT, movementAnswers(
            "transport" to AnswerValue.Choice("other"), "vehicle_number" to null, "departure_date" to AnswerValue.Date("2021-09-14"),
        ), Language.EN))
    }

    @Test
    fun `an answer of the wrong type is refused with WRONG_TYPE`() = withDeclarations { hb, declarations ->
        assertRefused(hb, declarations, HEALTH, healthAnswers("contact_with_confirmed_case" to AnswerValue.Text("no")),
            "contact_with_confirmed_case" to FieldErrorCode.WRONG_TYPE)
        assertRefused(hb, declarations, HEALTH, healthAnswers(
            "symptoms" to AnswerValue.Choice("fever"),
            "vaccination_status" to AnswerValue.Bool(true),
        ), "symptoms" to FieldErrorCode.WRONG_TYPE, "vaccination_status" to FieldErrorCode.WRONG_TYPE)
        assertRefused(hb, declarations, MOVEMENT, movementAnswers(
            "from" to AnswerValue.Text("01"),
            "departure_date" to AnswerValue.Bool(false),
        ), "from" to FieldErrorCode.WRONG_TYPE, "departure_date" to FieldErrorCode.WRONG_TYPE)
    }

    @Test
    fun `a date in the future or too far back is refused, and a non-date is INVALID_DATE`() = withDeclarations { hb, declarations ->
        val fever = "symptoms" to AnswerValue.Choices(listOf("fever"))
        assertRefused(hb, declarations, HEALTH, healthAnswers(fever, "symptom_onset" to AnswerValue.Date("2021-08-16")),
            "symptom_onset" to FieldErrorCode.DATE_IN_FUTURE)
        assertRefused(hb, declarations, HEALTH, healthAnswers(fever, "symptom_onset" to AnswerValue.Date("2021-07-01")),
            "symptom_onset" to FieldErrorCode.DATE_TOO_OLD)
        assertRefused(hb, declarations, MOVEMENT, movementAnswers("departure_date" to AnswerValue.Date("2021-09-15")),
            "departure_date" to FieldErrorCode.DATE_IN_FUTURE)
        assertRefused(hb, declarations, MOVEMENT, movementAnswers("departure_date" to AnswerValue.Date("2021-02-30")),
            "departure_date" to FieldErrorCode.INVALID_DATE)
    }

    @Test
    fun `an unknown administrative code is refused with UNKNOWN_ADMIN_UNIT`() = withDeclarations { hb, declarations ->
        assertRefused(hb, declarations, HEALTH, healthAnswers(
            "travel_from_outbreak_area" to AnswerValue.Bool(true),
            "outbreak_area" to AnswerValue.AdminUnit("03", null),
        ), "outbreak_area" to FieldErrorCode.UNKNOWN_ADMIN_UNIT)
        assertRefused(hb, declarations, MOVEMENT, movementAnswers(
            "from" to AnswerValue.AdminUnit("01", "123"),
            "to" to AnswerValue.AdminUnit("99", null),
        ), "from" to FieldErrorCode.UNKNOWN_ADMIN_UNIT, "to" to FieldErrorCode.UNKNOWN_ADMIN_UNIT)
    }

    @Test
    fun `an oversized or badly spelled vehicle number is refused`() = withDeclarations { hb, declarations ->
        assertRefused(hb, declarations, MOVEMENT, movementAnswers("vehicle_number" to AnswerValue.Text("29A-123.45-ABCDEFGHIJ")),
            "vehicle_number" to FieldErrorCode.TOO_LONG)
        assertRefused(hb, declarations, MOVEMENT, movementAnswers("vehicle_number" to AnswerValue.Text("29A<script>")),
            "vehicle_number" to FieldErrorCode.INVALID_CHARACTERS)
    }

    @Test
    fun `missing answers, conditional ones included, are REQUIRED`() = withDeclarations { hb, declarations ->
        assertRefused(hb, declarations, HEALTH, emptyMap(),
            "contact_with_confirmed_case" to FieldErrorCode.REQUIRED,
            "travel_from_outbreak_area" to FieldErrorCode.REQUIRED,
            "vaccination_status" to FieldErrorCode.REQUIRED)
        assertRefused(hb, declarations, HEALTH, healthAnswers(
            "symptoms" to AnswerValue.Choices(listOf("cough")),
            "travel_from_outbreak_area" to AnswerValue.Bool(true),
        ), "symptom_onset" to FieldErrorCode.REQUIRED, "outbreak_area" to FieldErrorCode.REQUIRED)
        // An empty text counts as missing.
        assertRefused(hb, declarations, MOVEMENT, movementAnswers("vehicle_number" to AnswerValue.Text("")),
            "vehicle_number" to FieldErrorCode.REQUIRED)
        assertRefused(hb, declarations, MOVEMENT, mapOf("transport" to AnswerValue.Choice("bus")),
            "from" to FieldErrorCode.REQUIRED, "to" to FieldErrorCode.REQUIRED,
            "departure_date" to FieldErrorCode.REQUIRED, "vehicle_number" to FieldErrorCode.REQUIRED)
    }

    @Test
    fun `unknown choices and unknown questions are refused`() = withDeclarations { hb, declarations ->
        assertRefused(hb, declarations, HEALTH, healthAnswers(
            "vaccination_status" to AnswerValue.Choice("three_doses"),
            "symptoms" to AnswerValue.Choices(listOf("fever", "hiccups")),
            "symptom_onset" to AnswerValue.Date("2021-08-14"),
        ), "symptoms" to FieldErrorCode.UNKNOWN_CHOICE, "vaccination_status" to FieldErrorCode.UNKNOWN_CHOICE)
        assertRefused(hb, declarations, HEALTH, healthAnswers("favourite_colour" to AnswerValue.Text("blue")),
            "favourite_colour" to FieldErrorCode.UNKNOWN_FIELD)
    }

    @Test
    fun `messages come in the requested language`() = withDeclarations { _, declarations ->
        val en = declarations.validate(HEALTH, emptyMap(), Language.EN)
        val vi = declarations.validate(HEALTH, emptyMap(), Language.VI)
        assertEquals(en.map { it.field to it.code }, vi.map { it.field to it.code })
        assertEquals(setOf("Please answer this question."), en.map { it.message }.toSet())
        assertEquals(setOf("Vui lòng trả lời câu hỏi này."), vi.map { it.message }.toSet())

        val wrong = healthAnswers("outbreak_area" to AnswerValue.AdminUnit("03", null), "travel_from_outbreak_area" to AnswerValue.Bool(true))
        assertEquals("This administrative unit code doesn't exist.", declarations.validate(HEALTH, wrong, Language.EN).single().message)
        assertEquals("Mã đơn vị hành chính không tồn tại.", declarations.validate(HEALTH, wrong, Language.VI).single().message)

        val e = assertThrows<DeclarationException.InvalidAnswers> {
            runBlocking { declarations.submit("no-such-profile", HEALTH, emptyMap(), null, Language.VI) }
        }
        assertEquals(vi, e.errors, "submit reports the same errors as validate, in its language")
    }

    @Test
    fun `an unknown form or profile is refused`() = withDeclarations { _, declarations ->
        val unknown = assertThrows<DeclarationException.UnknownForm> {
            runBlocking { declarations.validate("tax_return", emptyMap(), Language.EN) }
        }
        assertEquals("tax_return", unknown.formId)
        assertThrows<DeclarationException.UnknownForm> {
            runBlocking { declarations.submit("p", "tax_return", healthAnswers(), null, Language.EN) }
        }
        val missing = assertThrows<DeclarationException.NotFound> {
            runBlocking { declarations.submit("no-such-profile", HEALTH, healthAnswers(), null, Language.EN) }
        }
        assertEquals("no-such-profile", missing.id)
        assertEquals(emptyList<Declaration>(), declarations.list(null))
    }

    // --------------------------------------------------------------------------------------------- submit

    @Test
    fun `submit saves a normalised declaration and queues it, and who filled it in is recorded`() = withDeclarations { hb, declarations ->
        val (owner, child, neighbour) = hb.profiles().use { profiles ->
            Triple(
                profiles.add(validInput(ProfileRelation.MYSELF)),
                profiles.add(validInput(ProfileRelation.FAMILY_MEMBER, fullName = "Nguyễn Thị Bé", citizenId = null)),
                profiles.add(validInput(ProfileRelation.MANAGED_BY_VOLUNTEER, fullName = "Trần Văn Cụ", citizenId = null)),
            )
        }
        val mine = declarations.submit(owner.id, MOVEMENT, movementAnswers("vehicle_number" to AnswerValue.Text("  29A-123.45 ")), null, Language.EN)
        assertEquals(owner.id, mine.profileId)
        assertNull(mine.filledByProfileId, "the owner filled in their own declaration")
        assertEquals(MOVEMENT, mine.formId)
        assertEquals(1u, mine.formVersion)
        assertEquals(DeclarationStatus.QUEUED, mine.status)
        assertEquals(now, mine.declaredAt)
        assertNull(mine.rejectionReason)
        assertEquals(AnswerValue.Text("29A-123.45"), mine.answers["vehicle_number"], "text is trimmed")
        assertEquals(AnswerValue.AdminUnit("01", "00004"), mine.answers["from"])
        assertEquals(AnswerValue.AdminUnit("79", null), mine.answers["to"])

        // For a family member the core records the phone owner as the one who filled it in.
        val childs = declarations.submit(child.id, HEALTH, healthAnswers(), null, Language.VI)
        assertEquals(child.id, childs.profileId)
        assertEquals(owner.id, childs.filledByProfileId)
        assertEquals(AnswerValue.Bool(false), childs.answers["contact_with_confirmed_case"])
        // A volunteer's managed person, filled in by someone named explicitly.
        val neighbours = declarations.submit(neighbour.id, HEALTH, healthAnswers(), child.id, Language.VI)
        assertEquals(child.id, neighbours.filledByProfileId)

        assertEquals(setOf(mine, childs, neighbours), declarations.list(null).toSet())
        assertEquals(listOf(childs), declarations.list(child.id))
        assertNull(declarations.healthStatus(child.id), "no status before the server answered")

        val entries = hb.outbox().use { it.entries() }
        assertEquals(listOf(mine.id, childs.id, neighbours.id), entries.map { it.subjectId })
        for (entry in entries) {
            assertEquals("declaration", entry.kind)
            assertEquals(OutboxState.PENDING, entry.state)
            assertEquals(0u, entry.attempts)
            assertNull(entry.lastError)
            assertTrue(!entry.nextAttemptAt.isAfter(now), "due at once: ${entry.nextAttemptAt}")
        }
    }

    @Test
    fun `syncing without a configured server throws NoServer and retrying an unknown item NotFound`() = withDeclarations { hb, _ ->
        hb.outbox().use { outbox ->
            assertThrows<SyncException.NoServer> { runBlocking { outbox.syncNow(RecordingSyncListener()) } }
            val e = assertThrows<SyncException.NotFound> { runBlocking { outbox.retry(42) } }
            assertEquals(42L, e.itemId)
        }
    }

    /**
     * [answers] give exactly [expected] (field and code, in form order) from `validate` in both languages,
     * and `submit` throws [DeclarationException.InvalidAnswers] with the same errors and stores nothing.
     */
    private suspend fun assertRefused(
        hb: Healthbook,
        declarations: Declarations,
        formId: String,
        answers: Map<String, AnswerValue>,
        vararg expected: Pair<String, FieldErrorCode>,
    ) {
        val en = declarations.validate(formId, answers, Language.EN)
        val vi = declarations.validate(formId, answers, Language.VI)
        assertEquals(expected.toList(), en.map { it.field to it.code }, "validate(EN) of $answers")
        assertEquals(expected.toList(), vi.map { it.field to it.code }, "validate(VI) of $answers")
        for ((e, v) in en.zip(vi)) {
            assertTrue(e.message.isNotBlank())
            assertNotEquals(e.message, v.message, "message of ${e.code} is not translated")
        }

        val profileId = hb.profiles().use { profiles ->
            profiles.list().firstOrNull()?.id ?: profiles.add(validInput(ProfileRelation.MYSELF)).id
        }
        val refused = assertThrows<DeclarationException.InvalidAnswers> {
            runBlocking { declarations.submit(profileId, formId, answers, null, Language.EN) }
        }
        assertEquals(en, refused.errors)
        assertEquals(emptyList<Declaration>(), declarations.list(null), "nothing is stored after a refused submit")
        assertEquals(emptyList<OutboxEntry>(), hb.outbox().use { it.entries() }, "nothing is queued after a refused submit")
    }

    private fun choicesOf(kind: FormFieldKind): List<FormChoice> = when (kind) {
        is FormFieldKind.SingleChoice -> kind.choices
        is FormFieldKind.MultiChoice -> kind.choices
        else -> emptyList()
    }
}

const val HEALTH = "health_declaration"
const val MOVEMENT = "movement_declaration"

/** Valid health declaration answers (no symptoms, no contact, no travel); [changes] override (null removes). */
fun healthAnswers(vararg changes: Pair<String, AnswerValue?>): Map<String, AnswerValue> = applyChanges(
    mapOf(
        "symptoms" to AnswerValue.Choices(emptyList()),
        "contact_with_confirmed_case" to AnswerValue.Bool(false),
        "travel_from_outbreak_area" to AnswerValue.Bool(false),
        "vaccination_status" to AnswerValue.Choice("booster"),
    ),
    changes,
)

/** Valid movement declaration answers (Hà Nội to Hồ Chí Minh City by car on [date]); [changes] override. */
fun movementAnswers(vararg changes: Pair<String, AnswerValue?>, date: String = "2021-08-15"): Map<String, AnswerValue> = applyChanges(
    mapOf(
        "from" to AnswerValue.AdminUnit("01", "00004"),
        "to" to AnswerValue.AdminUnit("79", null),
        "departure_date" to AnswerValue.Date(date),
        "transport" to AnswerValue.Choice("car"),
        "vehicle_number" to AnswerValue.Text("29A-123.45"),
    ),
    changes,
)

private fun applyChanges(base: Map<String, AnswerValue>, changes: Array<out Pair<String, AnswerValue?>>): Map<String, AnswerValue> {
    val answers = LinkedHashMap(base)
    for ((key, value) in changes) if (value == null) answers.remove(key) else answers[key] = value
    return answers
}
