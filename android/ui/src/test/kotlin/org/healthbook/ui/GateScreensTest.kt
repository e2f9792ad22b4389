package org.healthbook.ui

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.assertIsNotSelected
import androidx.compose.ui.test.assertIsSelected
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import kotlin.test.Test
import kotlin.test.assertEquals
import org.healthbook.core.Language
import org.healthbook.core.wrapper.BoundGate
import org.healthbook.core.wrapper.GateDecision
import org.healthbook.core.wrapper.GateDirection
import org.healthbook.core.wrapper.GateError
import org.healthbook.core.wrapper.GateField
import org.healthbook.core.wrapper.GateQueue
import org.healthbook.core.wrapper.GateScan
import org.healthbook.core.wrapper.GateState
import org.healthbook.ui.gate.GateBindScreen
import org.healthbook.ui.gate.GateScanScreen

/** A bound gate and scans as the core would explain them, in each language; the names are made up. */
object GateFixtures {
    val gate = BoundGate("g-1", "Cổng số 1 (Lê Lợi)", "Chợ Bến Thành", "Ban quản lý chợ Bến Thành")
    val queue = GateQueue(37, Fixtures.now.minusSeconds(1_500), null)

    private fun pick(language: Language, vi: String, en: String) = if (language == Language.EN) en else vi

    fun admit(language: Language, recorded: Boolean = true) = GateScan(
        GateDecision.ADMIT, pick(language, "Mời vào", "Admit"), "", "Nguyễn Văn An", "1990",
        pick(language, "Thẻ sức khỏe cá nhân", "Personal pass"), GateDirection.IN, Fixtures.now.minusSeconds(3), recorded,
    )

    fun refuse(language: Language) = GateScan(
        GateDecision.REFUSE, pick(language, "Không cho vào", "Refuse"),
        pick(language, "Thẻ đã hết hạn. Đề nghị người này làm mới thẻ trên điện thoại.", "The pass has expired. Ask the person to refresh it on their phone."),
        "Trần Thị Bích Ngọc", "1962", pick(language, "Thẻ sức khỏe cá nhân", "Personal pass"), GateDirection.IN, Fixtures.now.minusSeconds(3), true,
    )

    fun check(language: Language) = GateScan(
        GateDecision.CHECK, pick(language, "Kiểm tra", "Check"),
        pick(language, "Chứng nhận tiêm chủng EU: hỏi giấy tờ tùy thân.", "EU vaccination certificate: ask for an ID."),
        "MÜLLER, Anna", "1985", pick(language, "Chứng nhận tiêm chủng EU DCC", "EU DCC vaccination"), GateDirection.OUT, Fixtures.now.minusSeconds(3), true,
    )

    fun state(last: GateScan?, direction: GateDirection = GateDirection.IN) =
        GateState(loading = false, gate = gate, direction = direction, last = last, queue = queue)
}

@OptIn(ExperimentalTestApi::class)
class GateScreensTest {
    private val zone = CheckInFixtures.zone

    @Test
    fun `binding sends the typed fields, names the empty ones and shows the core's refusal`() = runComposeUiTest {
        var state by mutableStateOf(GateState(loading = false))
        val binds = mutableListOf<Triple<String, String, String>>()
        val edited = mutableListOf<GateField>()
        show(Language.EN) { GateBindScreen(state, { g, u, p -> binds += Triple(g, u, p) }, { edited += it }, {}) }
        onNodeWithContentDescription("Gate code").performTextInput("g-1")
        onNodeWithContentDescription("Username").performTextInput("op")
        onNodeWithContentDescription("Password").performTextInput("secret")
        onNodeWithText("secret").assertDoesNotExist()
        onNodeWithText("Bind the device").performClick()
        assertEquals(listOf(Triple("g-1", "op", "secret")), binds)
        assertEquals(listOf(GateField.GATE, GateField.USERNAME, GateField.PASSWORD), edited.distinct())

        state = state.copy(missing = setOf(GateField.PASSWORD), bindRefusal = "Wrong username or password.")
        onNodeWithText("Please fill this in.").assertExists()
        onNodeWithText("Wrong username or password.").assertExists()
        state = state.copy(binding = true)
        onNodeWithText("Binding…").assertIsNotEnabled()
    }

    @Test
    fun `the scan screen keeps the chosen direction, sends scans and shows the verdict in large words`() = runComposeUiTest {
        var state by mutableStateOf(GateFixtures.state(null))
        val scans = mutableListOf<String>()
        val directions = mutableListOf<GateDirection>()
        var cleared = 0
        show(Language.EN) {
            GateScanScreen(state, Fixtures.now, zone, { directions += it; state = state.copy(direction = it) }, { scans += it }, { cleared++ }, {}, {}, {})
        }
        onNodeWithText("Cổng số 1 (Lê Lợi)").assertExists()
        onNodeWithTag("direction-IN").assertIsSelected()
        onNodeWithText("Ready to scan").assertExists()
        onNodeWithTag("direction-OUT").performClick()
        assertEquals(listOf(GateDirection.OUT), directions)
        onNodeWithTag("direction-OUT").assertIsSelected()
        onNodeWithTag("direction-IN").assertIsNotSelected()
        onNodeWithContentDescription("Card QR content").performTextInput("HB1:CARD")
        onNodeWithText("Scan card").performClick()
        assertEquals(listOf("HB1:CARD"), scans)

        state = state.copy(last = GateFixtures.refuse(Language.EN))
        onNodeWithContentDescription("REFUSE").assertExists()
        onNodeWithText("The pass has expired. Ask the person to refresh it on their phone.").assertExists()
        onNodeWithText("Trần Thị Bích Ngọc").assertExists()
        onNodeWithText("Birth year: 1962").assertExists()
        onNodeWithTag("direction-OUT").assertIsSelected()
        onNodeWithText("Next person").performScrollTo().performClick()
        assertEquals(1, cleared)
    }

    @Test
    fun `a repeated scan says it was not recorded again`() = runComposeUiTest {
        show(Language.EN) { GateScanScreen(GateFixtures.state(GateFixtures.admit(Language.EN, recorded = false)), Fixtures.now, zone, {}, {}, {}, {}, {}, {}) }
        onNodeWithContentDescription("ADMIT").assertExists()
        onNodeWithText("This card was just scanned the same way: not recorded again.").performScrollTo().assertExists()
    }

    @Test
    fun `pending passages are counted and uploaded, and an upload error is explained`() = runComposeUiTest {
        var state by mutableStateOf(GateFixtures.state(null).copy(error = GateError.Sync))
        var syncs = 0
        var unbinds = 0
        show { GateScanScreen(state, Fixtures.now, zone, {}, {}, {}, { syncs++ }, { unbinds++ }, { state = state.copy(error = null) }) }
        onNodeWithText("Chưa gửi được: các lượt qua vẫn được giữ và sẽ gửi sau.").assertExists()
        onNodeWithText("Lượt qua chờ gửi: 37").performScrollTo().assertExists()
        onNodeWithText("Gửi lần cuối: 25 phút trước").assertExists()
        onNodeWithText("Gửi các lượt qua").performScrollTo().performClick()
        assertEquals(1, syncs)
        onNodeWithText("Bỏ gắn thiết bị").performScrollTo().performClick()
        assertEquals(1, unbinds)
        onNodeWithText("Đóng").performClick()
        onNodeWithText("Chưa gửi được", substring = true).assertDoesNotExist()
        state = state.copy(syncing = true)
        onNodeWithText("Đang gửi…").assertIsNotEnabled()
    }
}
