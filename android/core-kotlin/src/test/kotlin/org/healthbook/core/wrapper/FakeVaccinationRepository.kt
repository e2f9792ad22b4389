package org.healthbook.core.wrapper

import java.time.Instant
import java.time.LocalDate

/**
 * An in-memory [VaccinationRepository] for view model and screen tests; no native code. [offline] makes
 * [refresh] and [register] fail and queues answers (answerPending); an answer to an invitation that is no
 * longer pending is refused in words, as the core does.
 */
class FakeVaccinationRepository(var now: Instant = Instant.parse("2026-03-01T08:00:00Z")) : VaccinationRepository {
    val records = linkedMapOf<String, ProfileVaccinationRecord>()
    val invitations = mutableListOf<VaccinationInvitation>()
    /** What the server would return at the next refresh (replaces [records] when set). */
    var serverRecords: List<ProfileVaccinationRecord>? = null
    val calls = mutableListOf<String>()
    var offline = false
    /** When set, the next call throws it (once). */
    var failNext: Exception? = null

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    override suspend fun records(): List<ProfileVaccinationRecord> {
        calls += "records"
        maybeFail()
        return records.values.toList()
    }

    override suspend fun refresh(): List<ProfileVaccinationRecord> {
        calls += "refresh"
        maybeFail()
        if (offline) throw IllegalStateException("offline")
        serverRecords?.let { list -> records.clear(); list.forEach { records[it.profileId] = it } }
        return records.values.toList()
    }

    override suspend fun register(profileId: String, wardCode: String): ProfileVaccinationRecord {
        calls += "register:$wardCode"
        maybeFail()
        if (offline) throw IllegalStateException("offline")
        val record = records[profileId] ?: throw VaccinationException("Hồ sơ này chưa được xác minh.")
        if (record.registered) throw VaccinationException("Hồ sơ này đã đăng ký tiêm chủng.")
        return record.copy(registered = true, refreshedAt = now).also { records[profileId] = it }
    }

    override suspend fun invitations(): List<VaccinationInvitation> {
        calls += "invitations"
        maybeFail()
        return invitations.sortedByDescending { it.startsAt }
    }

    override suspend fun answer(invitationId: String, confirm: Boolean): VaccinationInvitation {
        calls += "answer:$confirm"
        maybeFail()
        val index = invitations.indexOfFirst { it.invitationId == invitationId }
        if (index < 0) throw VaccinationException("Không tìm thấy lời mời này.")
        val invitation = invitations[index]
        if (invitation.state != InvitationState.PENDING || now.isAfter(invitation.answerBy)) throw VaccinationException("Lời mời đã đóng.")
        val answered = invitation.copy(
            state = if (confirm) InvitationState.CONFIRMED else InvitationState.DECLINED,
            answerPending = offline,
        )
        invitations[index] = answered
        return answered
    }

    companion object {
        /** A certificate for tests; [replacedAt] null for a current one. */
        fun certificate(dose: Int, of: Int, date: LocalDate, replacedAt: Instant? = null, product: String = "Comirnaty") = VaccinationCertificate(
            uvci = "URN:UVCI:01:VN:TEST$dose#X",
            qr = "HC1:TEST-DOSE-$dose",
            doseNumber = dose,
            seriesDoses = of,
            product = product,
            date = date,
            issuedAt = date.atStartOfDay().toInstant(java.time.ZoneOffset.UTC),
            expiresAt = date.plusDays(270).atStartOfDay().toInstant(java.time.ZoneOffset.UTC),
            replacedAt = replacedAt,
        )
    }
}
