package org.healthbook.core.wrapper

import java.time.Instant
import java.time.LocalDate

/**
 * An in-memory [VolunteerRepository] for view model and screen tests; no native code. Enrolling binds at once
 * (the attestation is the volunteer's); a citizen id already enrolled is refused; a control card needs consent.
 */
class FakeVolunteerRepository(var now: Instant = Instant.parse("2026-03-01T08:00:00Z")) : VolunteerRepository {
    val people = mutableMapOf<String, ManagedPerson>()
    private val citizenIds = mutableMapOf<String, String>()
    val calls = mutableListOf<String>()
    val doses = mutableListOf<Triple<String, Int, LocalDate>>()
    /** When set, the next call throws it (once). */
    var failNext: Exception? = null

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    private fun person(profileId: String) = people[profileId] ?: throw VolunteerException("Không tìm thấy người này trên điện thoại.")

    override suspend fun people(): List<ManagedPerson> {
        calls += "people"
        maybeFail()
        return people.values.sortedBy { it.fullName }
    }

    override suspend fun enrol(fullName: String, birthYear: Int, citizenId: String, phone: String?, provinceCode: String, wardCode: String): ManagedPerson {
        calls += "enrol"
        maybeFail()
        if (citizenId in citizenIds) throw VolunteerException("Người có số căn cước này đã được ghi danh.")
        val id = "m-${people.size + 1}"
        citizenIds[citizenId] = id
        return ManagedPerson(id, fullName, birthYear, bound = true, consentAt = null, lastDeclaredAt = null, selfReportedDoses = 0, controlCard = null)
            .also { people[id] = it }
    }

    override suspend fun recordConsent(profileId: String, givenBy: String, method: ConsentMethod): ManagedPerson {
        calls += "consent:$method"
        maybeFail()
        return person(profileId).copy(consentAt = now).also { people[profileId] = it }
    }

    override suspend fun recordDose(profileId: String, product: String, doseNumber: Int, date: LocalDate, lot: String?): ManagedPerson {
        calls += "dose"
        maybeFail()
        doses += Triple(product, doseNumber, date)
        val p = person(profileId)
        return p.copy(selfReportedDoses = p.selfReportedDoses + 1).also { people[profileId] = it }
    }

    override suspend fun controlCard(profileId: String): ManagedPerson {
        calls += "card"
        maybeFail()
        val p = person(profileId)
        if (p.consentAt == null) throw VolunteerException("Cần ghi nhận sự đồng ý của người này trước.")
        return p.copy(controlCard = "HK1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IDOEZ.C$profileId").also { people[profileId] = it }
    }
}
