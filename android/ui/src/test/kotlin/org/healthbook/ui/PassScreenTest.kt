package org.healthbook.ui

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.onRoot
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTouchInput
import androidx.compose.ui.test.runComposeUiTest
import androidx.compose.ui.test.swipeLeft
import kotlin.test.Test
import kotlin.test.assertEquals
import org.healthbook.core.Language
import org.healthbook.core.wrapper.PassScreenError
import org.healthbook.core.wrapper.PassState
import org.healthbook.ui.desktop.SkiaQrDecoder
import org.healthbook.ui.pass.PassPage
import org.healthbook.ui.pass.PassScreen

/** A tiny valid PNG (a 21x21 QR-sized white square) for screens that only need some picture. */
val BLANK_PNG: ByteArray by lazy {
    val image = java.awt.image.BufferedImage(21, 21, java.awt.image.BufferedImage.TYPE_INT_RGB)
    java.io.ByteArrayOutputStream().also { javax.imageio.ImageIO.write(image, "png", it) }.toByteArray()
}

@OptIn(ExperimentalTestApi::class)
class PassScreenTest {
    private val pages = listOf(
        PassPage("p1", "Nguyễn Văn An", PassState.Ready("p1", Fixtures.pass("p1", "green", listOf("declaration")), BLANK_PNG)),
        PassPage("p2", "Trần Thị Bích Ngọc", PassState.Ready("p2", Fixtures.pass("p2", "red", listOf("contact", "quarantine")), BLANK_PNG, stale = true)),
    )

    @Test
    fun `status in words and icon, QR, countdown, and the next profile one swipe away`() = runComposeUiTest {
        show { PassScreen(pages, Fixtures.now, SkiaQrDecoder, {}, {}) }
        onNodeWithContentDescription("Xanh: được đi lại").assertExists()
        onNodeWithContentDescription("Mã QR của thẻ sức khỏe").assertExists()
        onNodeWithText("Còn hiệu lực: 1 ngày 6 giờ").assertExists()
        onNodeWithText("Lý do: đã khai báo y tế").assertExists()
        onNodeWithText("Vuốt ngang để xem hồ sơ khác (1/2)").assertExists()
        onNodeWithText("Đang hiện bản lưu trên máy (ngoại tuyến)").assertDoesNotExist()

        onRoot().performTouchInput { swipeLeft() }
        awaitText("Trần Thị Bích Ngọc")
        onNodeWithContentDescription("Đỏ: phải cách ly").assertExists()
        onNodeWithText("Đang hiện bản lưu trên máy (ngoại tuyến)").assertExists()
        onNodeWithText("Lý do: tiếp xúc ca bệnh, đang cách ly").assertExists()
    }

    @Test
    fun `an expired pass says so instead of a countdown, and Refresh reports the profile`() = runComposeUiTest {
        val refreshed = mutableListOf<String>()
        val expired = PassState.Ready("p1", Fixtures.pass("p1", "green", emptyList(), hoursLeft = -1), BLANK_PNG, expired = true)
        show(Language.EN) { PassScreen(listOf(PassPage("p1", "An", expired)), Fixtures.now, SkiaQrDecoder, { refreshed += it }, {}) }
        onNodeWithContentDescription("The pass has expired").assertExists()
        onNodeWithText("Valid for", substring = true).assertDoesNotExist()
        onNodeWithText("Refresh pass").performScrollTo().performClick()
        assertEquals(listOf("p1"), refreshed)
    }

    @Test
    fun `no pass yet and an unbound profile are explained in words`() = runComposeUiTest {
        val state = PassState.Ready("p1", error = PassScreenError.NotBound("p1"))
        show(Language.EN) { PassScreen(listOf(PassPage("p1", "An", state)), Fixtures.now, SkiaQrDecoder, {}, {}) }
        onNodeWithText("No pass yet. Connect to get one.").assertExists()
        onNodeWithText("This profile is not verified with the server yet.").assertExists()
    }
}
