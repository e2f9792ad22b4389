package org.healthbook.ui

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertIsSelected
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import java.time.Instant
import java.time.LocalDate
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.healthbook.core.Language
import org.healthbook.core.wrapper.DoseCandidate
import org.healthbook.core.wrapper.InvitationState
import org.healthbook.core.wrapper.ProfileVaccinationRecord
import org.healthbook.core.wrapper.RecordedDose
import org.healthbook.core.wrapper.SiteDoseField
import org.healthbook.core.wrapper.SiteError
import org.healthbook.core.wrapper.SiteEvent
import org.healthbook.core.wrapper.SiteState
import org.healthbook.core.wrapper.StockLot
import org.healthbook.core.wrapper.VaccinationCertificate
import org.healthbook.core.wrapper.VaccinationDose
import org.healthbook.core.wrapper.VaccinationError
import org.healthbook.core.wrapper.VaccinationEvent
import org.healthbook.core.wrapper.VaccinationInvitation
import org.healthbook.core.wrapper.VaccinationSiteInfo
import org.healthbook.core.wrapper.VaccinationState
import org.healthbook.core.wrapper.WalletEntry
import org.healthbook.core.wrapper.WalletState
import org.healthbook.ui.desktop.SkiaQrDecoder
import org.healthbook.ui.vaccination.CertificateWalletScreen
import org.healthbook.ui.vaccination.VaccinationScreen
import org.healthbook.ui.vaccination.VaccinationSiteScreen
import org.healthbook.ui.settings.SettingsScreen
import org.healthbook.ui.settings.SettingsUiState

/** Vaccination records, invitations, certificates and a site as the core would give them; the names are made up. */
object VaccinationFixtures {
    val zone = CheckInFixtures.zone
    val today: LocalDate = LocalDate.of(2026, 3, 1)
    const val CERTIFICATE = ResultsFixtures.CERTIFICATE

    val confirmedDose = VaccinationDose(1, LocalDate.of(2026, 1, 20), "Comirnaty", "FF0001", selfReported = false, confirmed = true)
    val paperDose = VaccinationDose(1, LocalDate.of(2021, 8, 15), "Vaxzevria", null, selfReported = true, confirmed = false)
    // A self-reported dose that also says confirmed must still never show as confirmed.
    val oddPaperDose = VaccinationDose(2, LocalDate.of(2021, 11, 2), "Vaxzevria", "AZ77", selfReported = true, confirmed = true)

    fun certificate(dose: Int, of: Int, date: LocalDate, replacedAt: Instant? = null, qr: String = CERTIFICATE) = VaccinationCertificate(
        "URN:UVCI:01:VN:HCM/26734/0000$dose#K", qr, dose, of, "Comirnaty", date,
        date.atStartOfDay(zone).toInstant(), date.plusDays(270).atStartOfDay(zone).toInstant(), replacedAt,
    )

    val current = certificate(2, 2, LocalDate.of(2026, 2, 20))
    val replaced = certificate(1, 2, LocalDate.of(2026, 1, 20), replacedAt = Instant.parse("2026-02-20T03:00:00Z"), qr = "HC1:OLD")

    val records = listOf(
        ProfileVaccinationRecord(
            "p1", "Nguyễn Văn An", true, 4,
            listOf(confirmedDose, confirmedDose.copy(doseNumber = 2, date = LocalDate.of(2026, 2, 20), lot = "FF9999")),
            LocalDate.of(2026, 8, 20), current, listOf(replaced), Fixtures.now.minusSeconds(5_400),
        ),
        ProfileVaccinationRecord("p2", "Trần Thị Bích Ngọc", true, 1, listOf(paperDose, oddPaperDose), today, null, emptyList(), Fixtures.now.minusSeconds(5_400)),
        ProfileVaccinationRecord("p3", "Lê Minh Đức", false, null, emptyList(), null, null, emptyList(), null),
    )

    fun invitation(id: String, state: InvitationState, answerPending: Boolean = false) = VaccinationInvitation(
        id, "p2", "Trần Thị Bích Ngọc", "Trạm y tế phường Bến Thành", "1 Lê Lợi, Phường Bến Thành",
        Instant.parse("2026-03-02T02:00:00Z"), Instant.parse("2026-03-02T02:30:00Z"), "AstraZeneca (Vaxzevria)", 3, state,
        Instant.parse("2026-03-01T15:00:00Z"), answerPending,
    )

    fun citizen(vararg changes: (VaccinationState) -> VaccinationState): VaccinationState =
        changes.fold(VaccinationState(loading = false, records = records, invitations = listOf(invitation("i1", InvitationState.PENDING)))) { s, f -> f(s) }

    fun wallet(png: ByteArray?) = WalletState(
        loading = false,
        entries = records.map { WalletEntry(it.profileId, it.profileName, it.certificate, it.history) },
        selected = "p1",
        qrPng = png,
    )

    val site = VaccinationSiteInfo("s-1", "Trạm y tế phường Bến Thành", "1 Lê Lợi, Phường Bến Thành")
    val site2 = VaccinationSiteInfo("s-2", "Nhà văn hóa khu phố 3", "12 Pasteur, Phường Bến Thành")
    val stock = listOf(
        StockLot("Comirnaty", "EU/1/20/1528", "FF1234", 3),
        StockLot("Comirnaty", "EU/1/20/1528", "FF9999", 80),
        StockLot("Vaxzevria", "EU/1/21/1529", "AZ0001", 0),
    )
    val candidate = DoseCandidate(
        "person-2", "Trần Thị Bích Ngọc", 1962, listOf(paperDose), 2, today,
        invitation("i1", InvitationState.CONFIRMED).copy(product = "Comirnaty", doseNumber = 2),
    )

    fun site(vararg changes: (SiteState) -> SiteState): SiteState =
        changes.fold(SiteState(loading = false, sites = listOf(site, site2), site = site, stock = stock)) { s, f -> f(s) }

    fun withCandidate(s: SiteState) = s.copy(candidate = candidate, lot = stock[0], doseNumber = "2")

    fun recorded(png: ByteArray?): (SiteState) -> SiteState = { s ->
        val dose = VaccinationDose(2, today, "Comirnaty", "FF1234", selfReported = false, confirmed = true)
        withCandidate(s).copy(recorded = RecordedDose(dose, certificate(2, 2, today)), certificatePng = png, stock = stock.map { if (it.lot == "FF1234") it.copy(remaining = 2) else it })
    }
}

@OptIn(ExperimentalTestApi::class)
class VaccinationScreensTest {
    private val zone = VaccinationFixtures.zone
    private val today = VaccinationFixtures.today

    @Test
    fun `doses show how far they are confirmed and a self-reported dose is never shown as confirmed`() = runComposeUiTest {
        show(Language.EN) { VaccinationScreen(VaccinationFixtures.citizen(), Fixtures.now, today, zone, {}, {}) }
        onNodeWithTag("record-p2").performScrollTo()
        // Both of Ngọc's doses come from paper; one even says confirmed, and still reads as self-reported.
        onNodeWithContentDescription("Dose 1 · 15/08/2021. Vaxzevria. Self-reported, not confirmed").assertExists()
        onNodeWithContentDescription("Dose 2 · 02/11/2021. Vaxzevria · lot AZ77. Self-reported, not confirmed").assertExists()
        onNodeWithContentDescription("Dose 2 · 02/11/2021. Vaxzevria · lot AZ77. Confirmed").assertDoesNotExist()
        onNodeWithContentDescription("Dose 1 · 20/01/2026. Comirnaty · lot FF0001. Confirmed").assertExists()
        // Next dose: a date for An, due now for Ngọc, none for Đức.
        onNodeWithText("Next dose due: 20/08/2026").assertExists()
        onNodeWithContentDescription("The next dose is due now (01/03/2026)").assertExists()
        onNodeWithText("No dose is due.").assertExists()
        onNodeWithContentDescription("Registered for vaccination · Priority group 4").assertExists()
    }

    @Test
    fun `an invitation shows time and place in local time and sends confirm or decline`() = runComposeUiTest {
        var state by mutableStateOf(VaccinationFixtures.citizen())
        val events = mutableListOf<VaccinationEvent>()
        show(Language.EN) { VaccinationScreen(state, Fixtures.now, today, zone, { events += it }, {}) }
        // 02:00Z is 09:00 in Vietnam; answer by 15:00Z is 22:00 the same day.
        onNodeWithText("09:00–09:30, 02/03/2026").assertExists()
        onNodeWithText("Trạm y tế phường Bến Thành, 1 Lê Lợi, Phường Bến Thành").assertExists()
        onNodeWithText("AstraZeneca (Vaxzevria) · Dose 3").assertExists()
        onNodeWithText("22:00, 01/03/2026").assertExists()
        onNodeWithContentDescription("Waiting for your answer").assertExists()
        onNodeWithText("I will come").performClick()
        onNodeWithText("I can't come").performClick()
        assertEquals(listOf<VaccinationEvent>(VaccinationEvent.Answer("i1", true), VaccinationEvent.Answer("i1", false)), events)

        state = state.copy(answering = setOf("i1"))
        onNodeWithText("Sending the answer…").assertExists()
        onNodeWithText("I will come").assertDoesNotExist()

        // Offline: the answer is queued; the person is told and cannot answer twice.
        state = VaccinationFixtures.citizen({ it.copy(invitations = listOf(VaccinationFixtures.invitation("i1", InvitationState.DECLINED, answerPending = true))) })
        onNodeWithContentDescription("Answer waiting to send: the phone is offline").assertExists()
        onNodeWithText("I can't come").assertExists()
        onNodeWithText("I will come").assertDoesNotExist()

        state = VaccinationFixtures.citizen({ it.copy(invitations = listOf(VaccinationFixtures.invitation("i1", InvitationState.CONFIRMED))) })
        onNodeWithContentDescription("You confirmed you will come").assertExists()
    }

    @Test
    fun `registering sends the typed ward code and shows its problem at the field`() = runComposeUiTest {
        var state by mutableStateOf(VaccinationFixtures.citizen())
        val events = mutableListOf<VaccinationEvent>()
        show(Language.EN) { VaccinationScreen(state, Fixtures.now, today, zone, { events += it }, {}) }
        onNodeWithText("Not registered for vaccination").performScrollTo()
        onNodeWithText("Register for vaccination").performScrollTo().performClick()
        assertEquals(VaccinationEvent.OpenRegister("p3"), events.last())

        state = state.copy(registering = "p3")
        onNodeWithText("Lê Minh Đức").assertExists()
        onNodeWithContentDescription("Ward code (5 digits)").performTextInput("2673")
        onNodeWithText("Send the registration").performClick()
        assertEquals(VaccinationEvent.Register("p3", "2673"), events.last())
        assertTrue(VaccinationEvent.WardEdited in events)
        state = state.copy(wardInvalid = true, error = VaccinationError.Refused("This profile is not verified yet."))
        onNodeWithText("The ward code has 5 digits.").assertExists()
        onNodeWithText("This profile is not verified yet.").assertExists()
        onNodeWithText("Back").performClick()
        assertEquals(VaccinationEvent.CloseRegister, events.last())
    }

    @Test
    fun `the refresh failure is said in words and refresh can be asked again`() = runComposeUiTest {
        val events = mutableListOf<VaccinationEvent>()
        show { VaccinationScreen(VaccinationFixtures.citizen({ it.copy(error = VaccinationError.Refresh) }), Fixtures.now, today, zone, { events += it }, {}) }
        onNodeWithText("Không kết nối được máy chủ. Đang hiện thông tin đã lưu.").assertExists()
        onNodeWithText("Cập nhật lần cuối: 1 giờ 30 phút trước").assertExists()
        onNodeWithText("Cập nhật từ máy chủ").performClick()
        assertEquals(VaccinationEvent.Refresh, events.last())
    }

    @Test
    fun `the wallet shows the current certificate large with dose n of N, and the history`() = runComposeUiTest {
        val png = org.healthbook.core.qrPng(VaccinationFixtures.CERTIFICATE, 4u)
        val selected = mutableListOf<String>()
        show(Language.EN, phone = true) { CertificateWalletScreen(VaccinationFixtures.wallet(png), Fixtures.now, zone, SkiaQrDecoder, { selected += it }, null) }
        onNodeWithContentDescription("Valid · Dose 2/2").assertExists()
        onNodeWithText("Vaccinated on: 20/02/2026").assertExists()
        val shown = onNodeWithTag("wallet-qr").captureToImage()
        assertTrue(shown.width >= 300, "the code fills the width (${shown.width} px)")
        onNodeWithText("Trần Thị Bích Ngọc").performClick()
        assertEquals(listOf("p2"), selected)
        onNodeWithText("Earlier certificates (replaced)").performScrollTo()
        onNodeWithContentDescription("Dose 1/2 · Comirnaty · 20/01/2026 · Replaced on 20/02/2026").assertExists()
    }

    @Test
    fun `the wallet's QR decodes to the certificate from the screen rendered at font scale 2`() {
        val png = org.healthbook.core.qrPng(VaccinationFixtures.CERTIFICATE, 4u)
        val shot = renderPng(Language.VI, 2f) { CertificateWalletScreen(VaccinationFixtures.wallet(png), Fixtures.now, zone, SkiaQrDecoder, {}, null) }
        assertEquals(VaccinationFixtures.CERTIFICATE, decodeQr(shot))
    }

    @Test
    fun `a profile without a certificate says so, and an expired one says expired`() = runComposeUiTest {
        var state by mutableStateOf(VaccinationFixtures.wallet(null).copy(selected = "p3"))
        show(Language.EN) { CertificateWalletScreen(state, Fixtures.now, zone, SkiaQrDecoder, {}, null) }
        onNodeWithText("This profile has no vaccination certificate yet.").assertExists()
        state = VaccinationFixtures.wallet(null).copy(qrFailed = true)
        onNodeWithText("The QR code could not be drawn. Open the wallet again.").assertExists()
        state = state.copy(entries = state.entries.map { it.copy(current = it.current?.copy(expiresAt = Fixtures.now.minusSeconds(1))) })
        onNodeWithContentDescription("Expired · Dose 2/2").assertExists()
    }

    @Test
    fun `the site list picks a site`() = runComposeUiTest {
        val events = mutableListOf<SiteEvent>()
        show(Language.EN) { VaccinationSiteScreen(VaccinationFixtures.site({ it.copy(site = null) }), zone, SkiaQrDecoder, { events += it }) }
        onNodeWithText("Choose a site").assertExists()
        onNodeWithTag("site-s-2").performClick()
        assertEquals(listOf<SiteEvent>(SiteEvent.PickSite("s-2")), events)
    }

    @Test
    fun `a scan shows the person with self-reported doses marked, and the prefilled dose is recorded`() = runComposeUiTest {
        var state by mutableStateOf(VaccinationFixtures.site())
        val events = mutableListOf<SiteEvent>()
        show(Language.EN) { VaccinationSiteScreen(state, zone, SkiaQrDecoder, { events += it }) }
        onNodeWithText("Comirnaty · lot FF1234 · 3 doses").assertExists()
        onNodeWithContentDescription("Scanned code (HB1:… or HK1:…)").performTextInput(" HK1:CARD ")
        onNodeWithText("Look up").performClick()
        assertEquals(SiteEvent.Scan("HK1:CARD"), events.last())

        state = VaccinationFixtures.withCandidate(state)
        onNodeWithText("Trần Thị Bích Ngọc").assertExists()
        onNodeWithText("Birth year: 1962").assertExists()
        onNodeWithContentDescription("Invited today: 09:00 · Comirnaty").assertExists()
        onNodeWithContentDescription("Dose 1 · 15/08/2021. Vaxzevria. Self-reported, not confirmed").assertExists()
        // Product and lot from the stock (a lot with none left is not offered), dose number prefilled.
        onNodeWithContentDescription("Comirnaty · lot FF1234 · 3 doses").performScrollTo().assertIsSelected()
        onNodeWithContentDescription("Vaxzevria · lot AZ0001 · 0 doses").assertDoesNotExist()
        onNode(hasText("2") and hasText("Dose to give")).assertExists()
        onNodeWithContentDescription("Comirnaty · lot FF9999 · 80 doses").performClick()
        assertEquals(SiteEvent.ChooseLot(VaccinationFixtures.stock[1]), events.last())
        onNodeWithTag("record-dose").performScrollTo().performClick()
        assertEquals(SiteEvent.Record, events.last())

        state = state.copy(problems = setOf(SiteDoseField.LOT, SiteDoseField.DOSE_NUMBER), error = SiteError.Refused("Lot FF1234 is used up."))
        onNodeWithText("Choose a lot with doses left.").assertExists()
        onNodeWithText("A dose number from 1 to 6.").assertExists()
        onNodeWithText("Lot FF1234 is used up.").assertExists()
    }

    @Test
    fun `recording shows the new certificate, which decodes, and the stock went down`() = runComposeUiTest {
        val png = org.healthbook.core.qrPng(VaccinationFixtures.CERTIFICATE, 4u)
        val events = mutableListOf<SiteEvent>()
        show(Language.EN, phone = true) { VaccinationSiteScreen(VaccinationFixtures.site(VaccinationFixtures.recorded(png)), zone, SkiaQrDecoder, { events += it }) }
        onNodeWithContentDescription("Dose recorded").assertExists()
        onNodeWithText("New certificate issued").assertExists()
        val shown = onNodeWithTag("site-certificate-qr").performScrollTo().captureToImage()
        assertTrue(shown.width >= 300, "the code fills the width (${shown.width} px)")
        onNodeWithText("Comirnaty · lot FF1234 · 2 doses").performScrollTo().assertExists()
        onNodeWithText("Record the dose").assertDoesNotExist()
        onNodeWithText("Next person").performScrollTo().performClick()
        assertEquals(SiteEvent.Next, events.last())
    }

    @Test
    fun `settings lead to the vaccination site only when the phone has the site's tools`() = runComposeUiTest {
        var withSite by mutableStateOf(false)
        var opened = 0
        show(Language.EN) {
            SettingsScreen(SettingsUiState(Language.EN), Fixtures.now, {}, {}, {}, {}, {}, onOpenVaccinationSite = if (withSite) ({ opened++ }) else null)
        }
        onNodeWithText("Vaccination site (health officers)").assertDoesNotExist()
        withSite = true
        onNodeWithText("Vaccination site (health officers)").performScrollTo().performClick()
        assertEquals(1, opened)
    }
}
