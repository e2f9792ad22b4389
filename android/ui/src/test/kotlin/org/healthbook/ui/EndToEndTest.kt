package org.healthbook.ui

import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasAnyAncestor
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.test.runComposeUiTest
import com.google.zxing.BinaryBitmap
import com.google.zxing.DecodeHintType
import com.google.zxing.RGBLuminanceSource
import com.google.zxing.common.HybridBinarizer
import com.google.zxing.qrcode.QRCodeReader
import java.io.File
import java.time.Duration
import java.time.Instant
import javax.imageio.ImageIO
import kotlin.test.AfterTest
import kotlin.test.BeforeTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.healthbook.core.FormFieldKind
import org.healthbook.core.HEALTH
import org.healthbook.core.InMemoryKeyStore
import org.healthbook.core.Language
import org.healthbook.core.ProfileRelation
import org.healthbook.core.ReferenceServer
import org.healthbook.core.freeLoopbackPort
import org.healthbook.core.healthAnswers
import org.healthbook.core.validInput
import org.healthbook.core.wrapper.CheckpointEvent
import org.healthbook.core.wrapper.CheckpointViewModel
import org.healthbook.core.wrapper.DeclarationFormEvent
import org.healthbook.core.wrapper.DeclarationFormState
import org.healthbook.core.wrapper.DeclarationFormViewModel
import org.healthbook.core.wrapper.HealthbookCore
import org.healthbook.core.wrapper.PassState
import org.healthbook.core.wrapper.PassViewModel
import org.healthbook.ui.checkpoint.CheckpointScreen
import org.healthbook.ui.declarations.DeclarationScreen
import org.healthbook.ui.desktop.SkiaQrDecoder
import org.healthbook.ui.outbox.OutboxScreen
import org.healthbook.ui.pass.PassPage
import org.healthbook.ui.pass.PassScreen
import org.junit.jupiter.api.io.TempDir

/**
 * The screens on the real view models, repositories and native core, against the real reference server:
 * a declaration typed into the screen reaches the server, the pass screen's QR decodes from its picture and
 * verifies, and the checkpoint screen shows the verdict of what was scanned.
 */
@OptIn(ExperimentalTestApi::class)
class EndToEndTest {
    @TempDir lateinit var dir: File
    private lateinit var server: ReferenceServer
    private lateinit var phone: HealthbookCore
    private lateinit var checkpoint: HealthbookCore
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @BeforeTest
    fun start() = runBlocking {
        server = ReferenceServer.start(File(dir, "server"), freeLoopbackPort())
        // System clock: the server signs passes by its own.
        phone = HealthbookCore.open(File(dir, "phone"), InMemoryKeyStore())
        checkpoint = HealthbookCore.open(File(dir, "checkpoint"), InMemoryKeyStore())
        for (core in listOf(phone, checkpoint)) {
            core.settings.setServerUrl(server.baseUrl)
            core.settings.setRootKey(server.rootKey)
        }
    }

    @AfterTest
    fun stop() {
        scope.cancel()
        phone.close()
        checkpoint.close()
        server.close()
    }

    @Test
    fun `a declaration typed into the screen is checked at its fields, queued, and sent from the outbox screen`() = runComposeUiTest {
        val me = runBlocking { phone.profiles.add(validInput(ProfileRelation.MYSELF)) }
        val vm = DeclarationFormViewModel(phone.declarations, scope, me.id, HEALTH, Language.VI)
        var screen by mutableIntStateOf(0)
        show {
            val state by vm.state.collectAsState()
            val ready = state as? DeclarationFormState.Ready
            if (screen == 0 || ready == null) {
                DeclarationScreen(state, { id, value -> vm.onEvent(DeclarationFormEvent.Answer(id, value)) },
                    { vm.onEvent(DeclarationFormEvent.Submit) }, {}, { vm.onEvent(DeclarationFormEvent.DismissError) })
            } else {
                OutboxScreen(ready.outbox, ready.sync, ready.error, Instant.now(), { vm.onEvent(DeclarationFormEvent.SyncNow) },
                    { vm.onEvent(DeclarationFormEvent.Retry(it)) }, { vm.onEvent(DeclarationFormEvent.DismissError) })
            }
        }
        val form = runBlocking { vm.state.await("the form") { (it as? DeclarationFormState.Ready)?.form } }
        awaitText(form.title)

        // Submitting the empty form puts each of the core's errors at its own question.
        onNodeWithText("Gửi khai báo").performScrollTo().performClick()
        val errors = runBlocking { vm.state.await("the errors") { (it as? DeclarationFormState.Ready)?.takeIf { s -> s.submitAttempted && !s.submitting }?.errors?.takeIf { e -> e.isNotEmpty() } } }
        waitForIdle()
        for ((field, error) in errors) {
            onNode(hasText(error.message) and hasAnyAncestor(hasTestTag("question:$field"))).assertExists()
        }

        // Answer every question through its control, as a person would.
        val answers = healthAnswers()
        for (question in form.questions) {
            val inQuestion = hasAnyAncestor(hasTestTag("question:${question.id}"))
            when (val kind = question.kind) {
                FormFieldKind.Boolean -> {
                    val yes = (answers[question.id] as? org.healthbook.core.AnswerValue.Bool)?.value ?: false
                    onNode(hasContentDescription(if (yes) "Có" else "Không") and inQuestion).performScrollTo().performClick()
                }
                is FormFieldKind.SingleChoice -> {
                    val id = (answers[question.id] as? org.healthbook.core.AnswerValue.Choice)?.id ?: kind.choices.first().id
                    onNode(hasContentDescription(kind.choices.first { it.id == id }.label) and inQuestion).performScrollTo().performClick()
                }
                is FormFieldKind.MultiChoice -> Unit // "none of these" is an empty set: leave them unticked
                is FormFieldKind.Date -> onNode(hasContentDescription(question.label) and inQuestion).performScrollTo().performTextReplacement(
                    java.time.LocalDate.now().toString(),
                )
                is FormFieldKind.Text -> if (question.required) onNode(hasContentDescription(question.label) and inQuestion).performScrollTo().performTextInput("ok")
                FormFieldKind.AdminUnit -> onNode(hasContentDescription(question.label) and inQuestion).performScrollTo().performTextInput("01-00004")
            }
        }
        // An empty selection must be sent as one; the multi-choice boxes only say which are ticked.
        for (question in form.questions.filter { it.kind is FormFieldKind.MultiChoice }) {
            vm.onEvent(DeclarationFormEvent.Answer(question.id, org.healthbook.core.AnswerValue.Choices(emptyList())))
        }
        runBlocking { vm.state.await("valid answers") { (it as? DeclarationFormState.Ready)?.takeIf { s -> s.isValid } } }
        onNodeWithText("Gửi khai báo").performScrollTo().performClick()
        awaitText("Đã lưu. Tờ khai sẽ được gửi khi có mạng.")

        screen = 1
        awaitText("Tờ khai · Đang chờ")
        onNodeWithText("Gửi ngay").performClick()
        awaitText("Mọi thứ đã được gửi.")
        val sent = runBlocking { phone.declarations.declarations(me.id) }
        assertEquals(org.healthbook.core.DeclarationStatus.ACCEPTED, sent.single().status, server.log())
    }

    @Test
    fun `the pass screen's QR decodes from its picture and verifies, and the checkpoint screen shows the verdict`() {
        val me = runBlocking {
            val me = phone.profiles.add(validInput(ProfileRelation.MYSELF))
            phone.declarations.submit(me.id, HEALTH, healthAnswers(), null, Language.VI)
            assertEquals(1u, phone.declarations.syncNow(null).delivered, server.log())
            bindBySms(me.id)
            me
        }
        val passVm = PassViewModel(phone.passes, scope, me.id, qrScale = 4)
        val shown = runBlocking { passVm.state.await("the pass") { (it as? PassState.Ready)?.takeIf { s -> s.pass != null && !s.refreshing } } }
        // A scanner looks at frame after frame: when one rendering gives zxing no symbol, the screen is rendered
        // again (at most three times; each unread frame is kept beside the screenshots to look at). The symbol read
        // must still be the pass itself.
        var png = ByteArray(0)
        var scanned: String? = null
        for (frame in 1..3) {
            png = renderPng(Language.VI) { PassScreen(listOf(PassPage(me.id, me.fullName, shown)), Instant.now(), SkiaQrDecoder, {}, {}) }
            scanned = runCatching { decodeQr(png) }.getOrNull()
            if (scanned != null) break
            Screenshots.save("pass-end-to-end-vi-unread-$frame", png)
        }
        Screenshots.save("pass-end-to-end-vi", png)
        assertEquals(shown.pass!!.qr, scanned, "the pass's QR read back from its rendering")
        val read: String = scanned!!
        val trust = runBlocking { checkpoint.verifier.refreshTrust() }
        assertTrue(trust.online)
        val verdict = checkpoint.verifier.verify(read)
        assertTrue(verdict.valid, "$verdict")
        assertEquals(me.fullName, verdict.holder?.name)

        runComposeUiTest {
            val vm = CheckpointViewModel(checkpoint.verifier, scope, Language.VI)
            show {
                val state by vm.state.collectAsState()
                CheckpointScreen(state, { vm.onEvent(CheckpointEvent.Scan(it)) }, { vm.onEvent(CheckpointEvent.Clear) }, {}, {})
            }
            onNodeWithContentDescription("Nội dung mã QR đã quét").performTextInput(read)
            onNodeWithText("Kiểm tra").performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodes(hasContentDescription("HỢP LỆ")).fetchSemanticsNodes().isNotEmpty() }
            onNodeWithText(me.fullName).assertExists()
            onNodeWithText("Người tiếp theo").performScrollTo().performClick()

            val middle = read.length / 2
            val tampered = read.replaceRange(middle, middle + 1, if (read[middle] == '0') "1" else "0")
            onNodeWithContentDescription("Nội dung mã QR đã quét").performTextInput(tampered)
            onNodeWithText("Kiểm tra").performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodes(hasContentDescription("KHÔNG HỢP LỆ")).fetchSemanticsNodes().isNotEmpty() }
        }
    }

    /** Binds [profileId] by the SMS code the server writes to its log. */
    private suspend fun bindBySms(profileId: String) {
        val before = Regex("binding code is").findAll(server.log()).count()
        val challenge = phone.persons.startSmsBinding(profileId, null, null)
        val deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos()
        while (Regex("binding code is").findAll(server.log()).count() <= before && System.nanoTime() < deadline) Thread.sleep(20)
        phone.persons.verifyCode(challenge.challengeId, server.lastBindingCode())
    }
}

/** The text of the QR code in [png], as a phone camera would read it (ZXing). */
fun decodeQr(png: ByteArray): String {
    val image = ImageIO.read(png.inputStream())
    val pixels = image.getRGB(0, 0, image.width, image.height, null, 0, image.width)
    val bitmap = BinaryBitmap(HybridBinarizer(RGBLuminanceSource(image.width, image.height, pixels)))
    return QRCodeReader().decode(bitmap, mapOf(DecodeHintType.TRY_HARDER to true)).text
}
