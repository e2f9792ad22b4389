package org.healthbook.ui

import androidx.compose.runtime.Composable
import java.io.File
import javax.imageio.ImageIO
import kotlin.test.Test
import kotlin.test.assertTrue
import org.healthbook.core.CredentialKind
import org.healthbook.core.FailedStage
import org.healthbook.core.Language
import org.healthbook.core.wrapper.CheckResult
import org.healthbook.core.wrapper.CheckpointState
import org.healthbook.core.wrapper.DeclarationFormState
import org.healthbook.core.wrapper.FakeDeclarationRepository
import org.healthbook.core.wrapper.PassState
import org.healthbook.core.wrapper.ProfileListState
import org.healthbook.core.wrapper.SyncProgress
import org.healthbook.core.wrapper.SampleState
import org.healthbook.core.wrapper.TestResultsState
import org.healthbook.core.FieldError
import org.healthbook.core.FieldErrorCode
import org.healthbook.core.AnswerValue
import org.healthbook.core.wrapper.CheckInState
import org.healthbook.core.wrapper.GateDirection
import org.healthbook.core.wrapper.GateField
import org.healthbook.core.wrapper.GateState
import org.healthbook.core.wrapper.ManualField
import org.healthbook.core.wrapper.ManualProblem
import org.healthbook.ui.checkin.CheckInScanScreen
import org.healthbook.ui.checkin.DiaryScreen
import org.healthbook.ui.checkin.ExposureScreen
import org.healthbook.ui.checkin.ManualEntryScreen
import org.healthbook.ui.checkpoint.CheckpointScreen
import org.healthbook.ui.gate.GateBindScreen
import org.healthbook.ui.gate.GateScanScreen
import org.healthbook.ui.declarations.DeclarationScreen
import org.healthbook.ui.desktop.SkiaQrDecoder
import org.healthbook.ui.firststart.FirstStartScreen
import org.healthbook.ui.firststart.FirstStartUiState
import org.healthbook.ui.outbox.OutboxScreen
import org.healthbook.ui.pass.PassPage
import org.healthbook.ui.pass.PassScreen
import org.healthbook.ui.profiles.ProfileEditScreen
import org.healthbook.ui.profiles.ProfileEditorState
import org.healthbook.ui.profiles.ProfileListScreen
import org.healthbook.ui.results.RegisterSampleScreen
import org.healthbook.ui.results.SampleDetailScreen
import org.healthbook.ui.results.SampleListScreen
import org.healthbook.ui.settings.SettingsScreen
import org.healthbook.ui.settings.SettingsUiState
import org.healthbook.core.wrapper.EnrolField
import org.healthbook.core.wrapper.SetupCheckState
import org.healthbook.core.wrapper.VolunteerPage
import org.healthbook.ui.setup.SetupCheckScreen
import org.healthbook.ui.volunteer.VolunteerScreen
import org.healthbook.core.wrapper.InvitationState
import org.healthbook.core.wrapper.SiteDoseField
import org.healthbook.ui.vaccination.CertificateWalletScreen
import org.healthbook.ui.vaccination.VaccinationScreen
import org.healthbook.ui.vaccination.VaccinationSiteScreen
import org.healthbook.core.wrapper.ExplanationDraft
import org.healthbook.core.wrapper.ExplanationReason
import org.healthbook.core.wrapper.QuarantinePage
import org.healthbook.ui.quarantine.QuarantineHomeCard
import org.healthbook.ui.quarantine.QuarantineScreen
import org.healthbook.core.wrapper.AskDraft
import org.healthbook.core.wrapper.AskProblem
import org.healthbook.core.wrapper.HotlinePage
import org.healthbook.core.wrapper.QaCategory
import org.healthbook.core.wrapper.QuestionKind
import org.healthbook.ui.hotline.HotlineScreen

/** Where screenshots go: the `healthbook.screenshots.dir` system property (scripts/screenshots.sh), else nowhere. */
object Screenshots {
    val dir: File? = System.getProperty("healthbook.screenshots.dir")?.takeIf { it.isNotBlank() }?.let(::File)

    /** Writes [png] as `<name>.png` when a directory was asked for. */
    fun save(name: String, png: ByteArray) {
        val target = dir ?: return
        target.mkdirs()
        File(target, "$name.png").writeBytes(png)
    }
}

/**
 * Renders every screen in Vietnamese and English and, in Vietnamese, at font scale 2.0, from fixed states.
 * Each picture must decode and must not be one flat colour (a screen that failed to draw); with
 * `healthbook.screenshots.dir` set they are kept for review as `<screen>-<vi|en>[-font2].png`.
 */
/** Every screen of android/ui in a fixed, representative state, by name; for screenshots and accessibility checks. */
object ScreenCatalog {
    private val qrPng: ByteArray by lazy { org.healthbook.core.qrPng("HB1:SCREENSHOT-ONLY", 4u) }

    fun screens(language: Language): Map<String, @Composable () -> Unit> = mapOf(
        "first-start" to { FirstStartScreen(FirstStartUiState(language, "https://suckhoe.example.vn", "SHA-256 3F:A1:07:…:9C"), {}, {}, {}) },
        "profiles" to { ProfileListScreen(ProfileListState.Loaded(Fixtures.profiles), {}, {}, {}, {}, {}) },
        "profile-edit" to {
            ProfileEditScreen(ProfileEditorState.of(Fixtures.profiles[0]).copy(yearOnly = false), Fixtures.provinces, Fixtures.hanoiWards, {}, {}, {})
        },
        "declaration" to {
            val form = FakeDeclarationRepository.fakeForm(language)
            val answers = mapOf("fever" to AnswerValue.Bool(true), "onset" to AnswerValue.Date("2030-01-01"))
            val error = FieldError("onset", FieldErrorCode.DATE_IN_FUTURE, if (language == Language.VI) "Ngày không được ở tương lai." else "The date can't be in the future.")
            DeclarationScreen(
                DeclarationFormState.Ready(language, form, answers, listOf(error), answers, language, touched = setOf("onset")),
                { _, _ -> }, {}, {}, {},
            )
        },
        "outbox" to { OutboxScreen(Fixtures.outbox, SyncProgress(), null, Fixtures.now, {}, {}, {}) },
        "pass-green" to {
            PassScreen(
                listOf(
                    PassPage("p1", "Nguyễn Văn An", PassState.Ready("p1", Fixtures.pass("p1", "green", listOf("declaration", "vaccination")), qrPng)),
                    PassPage("p2", "Trần Thị Bích Ngọc", PassState.Ready("p2", Fixtures.pass("p2", "red", listOf("contact")), qrPng)),
                ),
                Fixtures.now, SkiaQrDecoder, {}, {},
            )
        },
        "pass-red-offline" to {
            PassScreen(
                listOf(PassPage("p2", "Trần Thị Bích Ngọc", PassState.Ready("p2", Fixtures.pass("p2", "red", listOf("contact", "quarantine")), qrPng, stale = true))),
                Fixtures.now, SkiaQrDecoder, {}, {},
            )
        },
        "checkpoint-scan" to { CheckpointScreen(CheckpointState(language, trust = Fixtures.trust), {}, {}, {}, {}) },
        "checkpoint-valid" to { CheckpointScreen(CheckpointState(language, CheckResult(Fixtures.verdict(true), language)), {}, {}, {}, {}) },
        "checkpoint-invalid" to {
            CheckpointScreen(CheckpointState(language, CheckResult(Fixtures.verdict(false, stage = FailedStage.REVOKED), language)), {}, {}, {}, {})
        },
        "checkpoint-eu-dcc" to {
            val verdict = Fixtures.verdict(true, CredentialKind.EU_DCC_VACCINATION, summary = "COVID-19 · Comirnaty · 3/3 · 2021-12-01")
            CheckpointScreen(CheckpointState(language, CheckResult(verdict, language)), {}, {}, {}, {})
        },
        "results-list" to { SampleListScreen(TestResultsState(ResultsFixtures.list(language), loading = false), Fixtures.now, {}, {}, {}, {}) },
        "results-register" to {
            RegisterSampleScreen(
                TestResultsState(loading = false, codeError = if (language == Language.EN) "The check character does not match: check the code." else "Ký tự kiểm tra không khớp: hãy kiểm tra lại mã."),
                ResultsFixtures.profiles, Fixtures.now, { _, _ -> }, {}, {}, {}, {},
                initialProfileId = "p1", initialCode = "K7QM-2XPD-4S",
            )
        },
        "results-registered-elsewhere" to {
            val item = ResultsFixtures.sample("s9", ResultsFixtures.profiles[0], SampleState.REGISTERED_ELSEWHERE, language)
            RegisterSampleScreen(TestResultsState(loading = false, registered = item), ResultsFixtures.profiles, Fixtures.now, { _, _ -> }, {}, {}, {}, {})
        },
        "results-detail" to {
            val png = org.healthbook.core.qrPng(ResultsFixtures.CERTIFICATE, 4u)
            SampleDetailScreen(TestResultsState(ResultsFixtures.list(language), loading = false, openSampleId = "s1", certificateQrPng = png), Fixtures.now, SkiaQrDecoder, {}, {}, {})
        },
        "checkin-scan" to {
            CheckInScanScreen(CheckInState(loading = false), CheckInFixtures.profiles, CheckInFixtures.zone, { _, _ -> }, {}, {}, {})
        },
        "checkin-done" to {
            CheckInScanScreen(CheckInState(loading = false, checkedIn = CheckInFixtures.diary(language)[0]), CheckInFixtures.profiles, CheckInFixtures.zone, { _, _ -> }, {}, {}, {})
        },
        "checkin-refused" to {
            CheckInScanScreen(CheckInState(loading = false, refusal = CheckInFixtures.refusal(language)), CheckInFixtures.profiles, CheckInFixtures.zone, { _, _ -> }, {}, {}, {})
        },
        "diary" to {
            DiaryScreen(
                CheckInState(CheckInFixtures.diary(language), CheckInFixtures.alerts(language), loading = false),
                CheckInFixtures.profiles, Fixtures.now, CheckInFixtures.zone, {}, {}, {}, {}, {}, {},
            )
        },
        "checkin-manual" to {
            ManualEntryScreen(
                CheckInState(loading = false, manualErrors = mapOf(ManualField.TO to ManualProblem.END_BEFORE_START)),
                CheckInFixtures.profiles, Fixtures.now, CheckInFixtures.zone, { _, _, _, _, _ -> }, {}, {}, {}, {},
                initialPlace = "Quán phở Hòa, 260C Pasteur", initialFrom = "12:30", initialTo = "12:00",
            )
        },
        "exposure-alerts" to {
            ExposureScreen(
                CheckInState(loading = false, alerts = CheckInFixtures.alerts(language), exposureCheckedAt = Fixtures.now.minusSeconds(600)),
                Fixtures.now, CheckInFixtures.zone, {}, {}, {}, {},
            )
        },
        "gate-bind" to {
            GateBindScreen(
                GateState(loading = false, missing = setOf(GateField.PASSWORD), bindRefusal = if (language == Language.EN) "Wrong username or password." else "Sai tên đăng nhập hoặc mật khẩu."),
                { _, _, _ -> }, {}, {}, initialGateId = "g-1", initialUsername = "nv.cong1",
            )
        },
        "gate-ready" to { GateScanScreen(GateFixtures.state(null), Fixtures.now, CheckInFixtures.zone, {}, {}, {}, {}, {}, {}) },
        "gate-admit" to { GateScanScreen(GateFixtures.state(GateFixtures.admit(language)), Fixtures.now, CheckInFixtures.zone, {}, {}, {}, {}, {}, {}) },
        "gate-refuse" to { GateScanScreen(GateFixtures.state(GateFixtures.refuse(language)), Fixtures.now, CheckInFixtures.zone, {}, {}, {}, {}, {}, {}) },
        "gate-check-out" to {
            GateScanScreen(GateFixtures.state(GateFixtures.check(language), GateDirection.OUT), Fixtures.now, CheckInFixtures.zone, {}, {}, {}, {}, {}, {})
        },
        "gate-repeat" to {
            GateScanScreen(GateFixtures.state(GateFixtures.admit(language, recorded = false)), Fixtures.now, CheckInFixtures.zone, {}, {}, {}, {}, {}, {})
        },
        "settings" to {
            SettingsScreen(
                SettingsUiState(language, "https://suckhoe.example.vn", Fixtures.trust, Fixtures.now.minusSeconds(7_800), dccKeyIds = listOf("2dbd4c1f0a9e")),
                Fixtures.now, {}, {}, {}, {}, {},
            )
        },
        "setup-check" to { SetupCheckScreen(SetupCheckState(checking = false, steps = SetupFixtures.steps(language)), {}) },
        "setup-all-good" to { SetupCheckScreen(SetupCheckState(checking = false, steps = SetupFixtures.allGood(language)), {}) },
        "volunteer-people" to { VolunteerScreen(SetupFixtures.volunteer(VolunteerPage.People), {}, {}, SkiaQrDecoder) },
        "volunteer-enrol" to {
            VolunteerScreen(SetupFixtures.volunteer(VolunteerPage.Enrol, { it.copy(enrolErrors = setOf(EnrolField.CITIZEN_ID, EnrolField.WARD)) }), {}, {}, SkiaQrDecoder)
        },
        "volunteer-person" to { VolunteerScreen(SetupFixtures.volunteer(VolunteerPage.Person("m-1")), {}, {}, SkiaQrDecoder) },
        "volunteer-consent" to { VolunteerScreen(SetupFixtures.volunteer(VolunteerPage.Consent("m-2")), {}, {}, SkiaQrDecoder) },
        "volunteer-dose" to { VolunteerScreen(SetupFixtures.volunteer(VolunteerPage.Dose("m-1")), {}, {}, SkiaQrDecoder) },
        "volunteer-card" to {
            val card = SetupFixtures.CARD
            VolunteerScreen(
                SetupFixtures.volunteer(VolunteerPage.Card("m-1"), { s ->
                    s.copy(people = s.people.map { if (it.profileId == "m-1") it.copy(controlCard = card) else it }, cardPng = org.healthbook.core.qrPng(card, 4u))
                }),
                {}, {}, SkiaQrDecoder,
            )
        },
        "vaccination" to {
            VaccinationScreen(VaccinationFixtures.citizen(), Fixtures.now, VaccinationFixtures.today, VaccinationFixtures.zone, {}, {})
        },
        "vaccination-answer-waiting" to {
            val waiting = VaccinationFixtures.invitation("i1", InvitationState.CONFIRMED, answerPending = true)
            VaccinationScreen(VaccinationFixtures.citizen({ it.copy(invitations = listOf(waiting)) }), Fixtures.now, VaccinationFixtures.today, VaccinationFixtures.zone, {}, {})
        },
        "vaccination-register" to {
            VaccinationScreen(VaccinationFixtures.citizen({ it.copy(registering = "p3", wardInvalid = true) }), Fixtures.now, VaccinationFixtures.today, VaccinationFixtures.zone, {}, {})
        },
        "vaccination-wallet" to {
            CertificateWalletScreen(VaccinationFixtures.wallet(org.healthbook.core.qrPng(VaccinationFixtures.CERTIFICATE, 4u)), Fixtures.now, VaccinationFixtures.zone, SkiaQrDecoder, {}, {})
        },
        "vaccination-site-choose" to { VaccinationSiteScreen(VaccinationFixtures.site({ it.copy(site = null) }), VaccinationFixtures.zone, SkiaQrDecoder, {}) },
        "vaccination-site-scan" to { VaccinationSiteScreen(VaccinationFixtures.site(), VaccinationFixtures.zone, SkiaQrDecoder, {}) },
        "vaccination-site-candidate" to {
            VaccinationSiteScreen(VaccinationFixtures.site(VaccinationFixtures::withCandidate, { it.copy(problems = setOf(SiteDoseField.DOSE_NUMBER), doseNumber = "") }), VaccinationFixtures.zone, SkiaQrDecoder, {})
        },
        "vaccination-site-recorded" to {
            VaccinationSiteScreen(VaccinationFixtures.site(VaccinationFixtures.recorded(org.healthbook.core.qrPng(VaccinationFixtures.CERTIFICATE, 4u))), VaccinationFixtures.zone, SkiaQrDecoder, {})
        },
        "quarantine-countdown" to { QuarantineScreen(QuarantineFixtures.state(), QuarantineFixtures.now, {}) },
        "quarantine-home-card" to { QuarantineHomeCard(QuarantineFixtures.active.copy(openChallenge = QuarantineFixtures.challenge), QuarantineFixtures.now, {}) },
        "quarantine-commitment" to {
            QuarantineScreen(QuarantineFixtures.state(QuarantinePage.Commitment) { it.copy(commitment = QuarantineFixtures.commitment()) }, QuarantineFixtures.now, {})
        },
        "quarantine-enrolment" to {
            QuarantineScreen(
                QuarantineFixtures.state(QuarantinePage.Enrolment) { s -> s.copy(orders = s.orders.map { it.copy(state = org.healthbook.core.wrapper.QuarantineOrderState.AWAITING_ENROLMENT) }) },
                QuarantineFixtures.now, {},
            )
        },
        "quarantine-checkin" to {
            QuarantineScreen(
                QuarantineFixtures.state(QuarantinePage.CheckIn) { s -> s.copy(orders = s.orders.map { it.copy(openChallenge = QuarantineFixtures.challenge.copy(homeTokenRequired = true)) }) },
                QuarantineFixtures.now, {},
            )
        },
        "quarantine-checkin-refused" to {
            QuarantineScreen(QuarantineFixtures.state(QuarantinePage.CheckIn) { it.copy(error = QuarantineFixtures.locationRefused) }, QuarantineFixtures.now, {})
        },
        "quarantine-checkin-not-accepted" to {
            QuarantineScreen(QuarantineFixtures.state(QuarantinePage.CheckIn) { it.copy(lastCheckIn = QuarantineFixtures.refused) }, QuarantineFixtures.now, {})
        },
        "quarantine-history-not-accepted" to {
            QuarantineScreen(
                QuarantineFixtures.state { s ->
                    s.copy(
                        orders = s.orders.map { it.copy(openChallenge = null, pendingCheckIns = 0) },
                        checkIns = listOf(QuarantineFixtures.refused, QuarantineFixtures.okCheckIn),
                        cases = emptyList(),
                    )
                },
                QuarantineFixtures.now, {},
            )
        },
        "quarantine-checkin-review" to {
            QuarantineScreen(
                QuarantineFixtures.state(QuarantinePage.CheckIn) {
                    it.copy(lastCheckIn = QuarantineFixtures.doubtful, cases = listOf(org.healthbook.core.wrapper.FakeQuarantineRepository.case("c2", "o1", QuarantineFixtures.doubtful, QuarantineFixtures.now)))
                },
                QuarantineFixtures.now, {},
            )
        },
        "quarantine-explain" to {
            QuarantineScreen(
                QuarantineFixtures.state(QuarantinePage.Case("c1")) { it.copy(draft = ExplanationDraft(ExplanationReason.OTHER, textMissing = true)) },
                QuarantineFixtures.now, {},
            )
        },
        "quarantine-decided" to {
            QuarantineScreen(QuarantineFixtures.state(QuarantinePage.Case("c0")) { it.copy(cases = listOf(QuarantineFixtures.decidedCase)) }, QuarantineFixtures.now, {})
        },
        "hotline-qa" to { HotlineScreen(HotlineFixtures.state(), HotlineFixtures.now, HotlineFixtures.zone, {}) },
        "hotline-no-results" to {
            HotlineScreen(
                HotlineFixtures.state { it.copy(query = "xe buyt", category = QaCategory.TRAVEL, results = emptyList()) },
                HotlineFixtures.now, HotlineFixtures.zone, {},
            )
        },
        "hotline-entry" to {
            HotlineScreen(HotlineFixtures.state(HotlinePage.Entry("e4")) { it.copy(entry = HotlineFixtures.entries.last()) }, HotlineFixtures.now, HotlineFixtures.zone, {})
        },
        "hotline-ask" to {
            val draft = AskDraft(QuestionKind.REPORT, QaCategory.CHECK_IN, "Cửa hàng tiện lợi số 12 Pasteur không quét được mã.", venueId = "v-9f2c", contactPhone = "0912 345")
            HotlineScreen(HotlineFixtures.state(HotlinePage.Ask) { it.copy(draft = draft, problems = setOf(AskProblem.PHONE)) }, HotlineFixtures.now, HotlineFixtures.zone, {})
        },
        "hotline-my-questions" to {
            HotlineScreen(
                HotlineFixtures.state(HotlinePage.MyQuestions),
                HotlineFixtures.now, HotlineFixtures.zone, {},
            )
        },
        "hotline-question-refused" to {
            HotlineScreen(
                // Just asked and refused at once: on top, as the view model puts the question just asked.
                HotlineFixtures.state(HotlinePage.MyQuestions) { s ->
                    s.copy(justSent = HotlineFixtures.refused, questions = listOf(HotlineFixtures.refused) + s.questions.filter { it.id != HotlineFixtures.refused.id })
                },
                HotlineFixtures.now, HotlineFixtures.zone, {},
            )
        },
    )

}

class ScreenshotsTest {
    @Test
    fun `every screen renders in Vietnamese, in English, and at font scale 2`() {
        var count = 0
        for ((language, fontScale, suffix) in listOf(Triple(Language.VI, 1f, "vi"), Triple(Language.EN, 1f, "en"), Triple(Language.VI, 2f, "vi-font2"))) {
            for ((name, content) in ScreenCatalog.screens(language)) {
                val png = renderPng(language, fontScale, content = content)
                val image = ImageIO.read(png.inputStream())
                val first = image.getRGB(0, 0)
                var differs = false
                for (y in 0 until image.height step 7) for (x in 0 until image.width step 7) if (image.getRGB(x, y) != first) differs = true
                assertTrue(differs, "$name-$suffix rendered as one flat colour")
                Screenshots.save("$name-$suffix", png)
                count++
            }
        }
        kotlin.test.assertEquals(3 * ScreenCatalog.screens(Language.VI).size, count, "every screen in three variants")
    }

    @Test
    fun `the pass screen's QR decodes from its rendering at font scale 2`() {
        val qr = org.healthbook.core.qrPng("HB1:SCREENSHOT-ONLY", 4u)
        val png = renderPng(Language.VI, 2f) {
            PassScreen(listOf(PassPage("p1", "Nguyễn Văn An", PassState.Ready("p1", Fixtures.pass("p1", "green", listOf("declaration")), qr))), Fixtures.now, SkiaQrDecoder, {}, {})
        }
        kotlin.test.assertEquals("HB1:SCREENSHOT-ONLY", decodeQr(png))
    }
}
