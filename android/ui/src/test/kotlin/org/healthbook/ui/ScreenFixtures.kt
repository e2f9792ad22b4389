package org.healthbook.ui

import java.time.Instant
import org.healthbook.core.Address
import org.healthbook.core.BirthDate
import org.healthbook.core.CredentialHolder
import org.healthbook.core.CredentialKind
import org.healthbook.core.FailedStage
import org.healthbook.core.HealthPass
import org.healthbook.core.OutboxEntry
import org.healthbook.core.OutboxState
import org.healthbook.core.Profile
import org.healthbook.core.ProfileRelation
import org.healthbook.core.TrustRefresh
import org.healthbook.core.Verdict
import org.healthbook.ui.profiles.AdminUnit

/** Fixed data the screen tests and screenshots render; the names are made up. */
object Fixtures {
    val now: Instant = Instant.parse("2026-03-01T08:00:00Z")

    val provinces = listOf(
        AdminUnit("01", "Thành phố Hà Nội"),
        AdminUnit("31", "Thành phố Hải Phòng"),
        AdminUnit("48", "Thành phố Đà Nẵng"),
        AdminUnit("79", "Thành phố Hồ Chí Minh"),
        AdminUnit("92", "Thành phố Cần Thơ"),
    )
    val hanoiWards = listOf(
        AdminUnit("00004", "Phường Ba Đình"),
        AdminUnit("00008", "Phường Ngọc Hà"),
        AdminUnit("00025", "Phường Giảng Võ"),
        AdminUnit("00070", "Phường Hoàn Kiếm"),
    )

    fun profile(id: String, name: String, relation: ProfileRelation, birth: BirthDate) = Profile(
        id, relation, name, birth, "0912345678", "001090012345", Address("01", "00004", "12 Phố Huế"), now, now,
    )

    val profiles = listOf(
        profile("p1", "Nguyễn Văn An", ProfileRelation.MYSELF, BirthDate(1990u, 5u, 17u)),
        profile("p2", "Trần Thị Bích Ngọc", ProfileRelation.FAMILY_MEMBER, BirthDate(1962u, null, null)),
        profile("p3", "Lê Minh Đức", ProfileRelation.MANAGED_BY_VOLUNTEER, BirthDate(1948u, 11u, 2u)),
    )

    fun pass(profileId: String, status: String, reasons: List<String>, hoursLeft: Long = 30) = HealthPass(
        profileId, "HB1:FAKE", "cred-$profileId", status, reasons, now.minusSeconds(3600), now.plusSeconds(hoursLeft * 3600), false,
    )

    val outbox = listOf(
        OutboxEntry(1, "declaration", "d1", OutboxState.PENDING, 3u, now.plusSeconds(600), "error sending request: connection refused"),
        OutboxEntry(2, "declaration", "d2", OutboxState.REJECTED, 1u, now, "Ngày khởi phát không được ở tương lai."),
    )

    val trust = TrustRefresh(42u, 7u, true)

    fun verdict(valid: Boolean, kind: CredentialKind = CredentialKind.PERSONAL_PASS, stage: FailedStage? = null, summary: String? = null) = Verdict(
        kind, valid, stage, null, "Sở Y tế Hà Nội", "k1", now.minusSeconds(3600), now.plusSeconds(86_400),
        CredentialHolder("Nguyễn Văn An", "1990", if (kind == CredentialKind.PERSONAL_PASS) null else "NGUYEN<VAN<AN"), summary, false,
    )
}
