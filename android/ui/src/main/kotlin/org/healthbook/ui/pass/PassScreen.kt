package org.healthbook.ui.pass

import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.pager.HorizontalPager
import androidx.compose.foundation.pager.PagerState
import androidx.compose.foundation.pager.rememberPagerState
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Info
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.FilterQuality
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.unit.dp
import java.time.Instant
import org.healthbook.core.wrapper.PassColour
import org.healthbook.core.wrapper.PassScreenError
import org.healthbook.core.wrapper.PassState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.durationWords
import org.healthbook.ui.common.tr

/** One page of the pass screen: a profile's name and its pass view model's state. */
data class PassPage(val profileId: String, val name: String, val state: PassState)

/** Turns the core's QR PNG into a bitmap: Skia on the desktop, BitmapFactory on Android. */
fun interface QrDecoder {
    /** The picture in [png]. */
    fun decode(png: ByteArray): ImageBitmap
}

/**
 * The health passes of every profile on the phone, one swipe apart: a large QR, the status in colour, icon
 * and words, the reasons, the time left, and "shown offline" when it is the kept copy. [now] drives the
 * countdown (the host ticks it).
 */
@Composable
fun PassScreen(
    pages: List<PassPage>,
    now: Instant,
    decoder: QrDecoder,
    onRefresh: (profileId: String) -> Unit,
    onDismissError: (profileId: String) -> Unit,
    modifier: Modifier = Modifier,
    pagerState: PagerState = rememberPagerState { pages.size },
) {
    Column(modifier.fillMaxSize()) {
        if (pages.size > 1) {
            Text(
                "${tr(Str.PassSwipeHint)} (${pagerState.currentPage + 1}/${pages.size})",
                style = MaterialTheme.typography.bodyMedium,
                modifier = Modifier.padding(horizontal = 16.dp, vertical = 4.dp),
            )
        }
        HorizontalPager(pagerState, Modifier.weight(1f), key = { pages[it].profileId }) { index ->
            PassPageContent(pages[index], now, decoder, onRefresh, onDismissError)
        }
    }
}

@Composable
private fun PassPageContent(
    page: PassPage,
    now: Instant,
    decoder: QrDecoder,
    onRefresh: (String) -> Unit,
    onDismissError: (String) -> Unit,
) {
    val l = LocalLanguage.current
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        Text(page.name, style = MaterialTheme.typography.headlineMedium, modifier = Modifier.fillMaxWidth().semantics { heading() })
        when (val state = page.state) {
            PassState.Loading -> CircularProgressIndicator()
            is PassState.Failed -> Banner(passErrorText(state.error), actionLabel = tr(Str.Retry), onAction = { onRefresh(page.profileId) })
            is PassState.Ready -> {
                state.error?.let { Banner(passErrorText(it), actionLabel = tr(Str.Dismiss), onAction = { onDismissError(page.profileId) }) }
                val pass = state.pass
                if (pass == null) {
                    Text(tr(Str.PassNone), style = MaterialTheme.typography.bodyLarge)
                } else {
                    val (kind, words) = when {
                        state.expired -> StatusKind.Unknown to tr(Str.PassExpired)
                        else -> when (state.colour) {
                            PassColour.GREEN -> StatusKind.Good to tr(Str.PassGreen)
                            PassColour.YELLOW -> StatusKind.Caution to tr(Str.PassYellow)
                            PassColour.RED -> StatusKind.Bad to tr(Str.PassRed)
                            PassColour.UNKNOWN -> StatusKind.Unknown to tr(Str.PassUnknown)
                        }
                    }
                    StatusBar(kind, words, MaterialTheme.typography.titleLarge)
                    if (state.stale) {
                        Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                            Icon(Icons.Filled.Info, contentDescription = null)
                            Text(tr(Str.PassShownOffline), style = MaterialTheme.typography.bodyLarge)
                        }
                    }
                    state.qrPng?.let { png ->
                        val bitmap = remember(png) { decoder.decode(png) }
                        val qrLabel = tr(Str.PassQr)
                        // White around the code and nearest-neighbour scaling keep it scannable at any size.
                        Image(
                            bitmap = bitmap,
                            contentDescription = qrLabel,
                            filterQuality = FilterQuality.None,
                            contentScale = ContentScale.Fit,
                            modifier = Modifier.fillMaxWidth().aspectRatio(1f).background(Color.White).padding(8.dp).semantics { testTag = "pass-qr" },
                        )
                    }
                    if (!state.expired) {
                        val left = pass.expiresAt.epochSecond - now.epochSecond
                        Text("${tr(Str.PassValidFor)}: ${durationWords(left, l)}", style = MaterialTheme.typography.titleMedium)
                    }
                    if (state.reasons.isNotEmpty()) {
                        Text("${tr(Str.PassReasons)}: ${state.reasons.joinToString(", ") { reasonText(it, l) }}", style = MaterialTheme.typography.bodyLarge)
                    }
                }
                Button(
                    onClick = { onRefresh(page.profileId) },
                    enabled = !state.refreshing,
                    modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
                ) { Text(tr(if (state.refreshing) Str.PassRefreshing else Str.PassRefresh)) }
            }
        }
    }
}

/** The server's reason codes in words; an unknown code is shown as it is. */
private fun reasonText(code: String, language: org.healthbook.core.Language): String {
    val vi = language != org.healthbook.core.Language.EN
    return when (code) {
        "declaration" -> if (vi) "đã khai báo y tế" else "health declaration made"
        "no_recent_declaration" -> if (vi) "chưa khai báo trong 7 ngày" else "no declaration in the last 7 days"
        "symptoms" -> if (vi) "có triệu chứng" else "symptoms declared"
        "contact" -> if (vi) "tiếp xúc ca bệnh" else "contact with a confirmed case"
        "travel" -> if (vi) "đi từ vùng dịch" else "travel from an outbreak area"
        "quarantine" -> if (vi) "đang cách ly" else "quarantine order"
        "recent_test" -> if (vi) "có kết quả xét nghiệm gần đây" else "recent test result"
        "vaccination" -> if (vi) "đã tiêm chủng" else "vaccinated"
        else -> code
    }
}

/** A pass error in plain words. */
@Composable
fun passErrorText(error: PassScreenError): String = when (error) {
    is PassScreenError.Offline -> tr(Str.ErrorOffline)
    PassScreenError.NoServer -> tr(Str.ErrorNoServer)
    PassScreenError.NoRootKey -> tr(Str.ErrorNoRootKey)
    is PassScreenError.NotBound -> tr(Str.ErrorNotBound)
    is PassScreenError.Server -> tr(Str.ErrorServer)
    is PassScreenError.Untrusted -> tr(Str.ErrorUntrusted)
    is PassScreenError.NotFound -> tr(Str.ErrorNotFound)
    is PassScreenError.Render -> tr(Str.ErrorRender)
    is PassScreenError.Unavailable -> tr(Str.ErrorUnavailable)
}
