package org.healthbook.ui.settings

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import java.time.Instant
import org.healthbook.core.Language
import org.healthbook.core.TrustRefresh
import org.healthbook.core.wrapper.SettingsError
import org.healthbook.ui.checkpoint.checkpointErrorText
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.LanguagePicker
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.agoWords
import org.healthbook.ui.common.tr

/**
 * What the settings screen shows: language, server, the last trust refresh ([trust] and when,
 * [trustRefreshedAt]), and the EU DCC signer certificates added on this phone (their key ids).
 * [error] is a message already in words (from the host's error mapping).
 */
data class SettingsUiState(
    val language: Language = Language.VI,
    val serverUrl: String = "",
    val trust: TrustRefresh? = null,
    val trustRefreshedAt: Instant? = null,
    val refreshingTrust: Boolean = false,
    val dccKeyIds: List<String> = emptyList(),
    val error: String? = null,
)

/**
 * Settings: language, server, trust refresh and its age, EU DCC certificates; with [onOpenVaccinationSite], a
 * way to the vaccination site's screen for health officers (staff tools live here, not in the tabs).
 */
@Composable
fun SettingsScreen(
    state: SettingsUiState,
    now: Instant,
    onLanguage: (Language) -> Unit,
    onServerUrl: (String) -> Unit,
    onRefreshTrust: () -> Unit,
    onAddDccCertificate: (String) -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
    onOpenVaccinationSite: (() -> Unit)? = null,
) {
    val l = LocalLanguage.current
    var server by remember(state.serverUrl) { mutableStateOf(state.serverUrl) }
    var certificate by remember { mutableStateOf("") }
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(tr(Str.Settings), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        state.error?.let { Banner(it, actionLabel = tr(Str.Dismiss), onAction = onDismissError) }

        Text(tr(Str.LanguageTitle), style = MaterialTheme.typography.titleMedium)
        LanguagePicker(state.language, onLanguage)
        HorizontalDivider()

        Text(tr(Str.Server), style = MaterialTheme.typography.titleMedium)
        val urlLabel = tr(Str.ServerUrl)
        val urlValid = server.startsWith("https://") || server.startsWith("http://")
        OutlinedTextField(
            value = server,
            onValueChange = { server = it },
            label = { Text(urlLabel) },
            singleLine = true,
            isError = server.isNotEmpty() && !urlValid,
            modifier = Modifier.fillMaxWidth().semantics { contentDescription = urlLabel },
        )
        FieldErrorText(if (server.isNotEmpty() && !urlValid) tr(Str.ServerUrlInvalid) else null)
        Button(
            onClick = { onServerUrl(server.trim()) },
            enabled = urlValid && server != state.serverUrl,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(Str.Save)) }
        HorizontalDivider()

        Text(tr(Str.Trust), style = MaterialTheme.typography.titleMedium)
        val trust = state.trust
        val at = state.trustRefreshedAt
        if (trust == null || at == null) {
            Text(tr(Str.TrustNever), style = MaterialTheme.typography.bodyLarge)
        } else {
            Text("${tr(Str.TrustVersion)} ${trust.trustListVersion} · ${tr(Str.TrustAge)} ${agoWords(now.epochSecond - at.epochSecond, l)}", style = MaterialTheme.typography.bodyLarge)
        }
        OutlinedButton(
            onClick = onRefreshTrust,
            enabled = !state.refreshingTrust,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(if (state.refreshingTrust) Str.TrustRefreshing else Str.TrustRefresh)) }
        HorizontalDivider()

        Text(tr(Str.DccCertificates), style = MaterialTheme.typography.titleMedium)
        if (state.dccKeyIds.isEmpty()) Text(tr(Str.DccNone), style = MaterialTheme.typography.bodyLarge)
        for (kid in state.dccKeyIds) Text(kid, style = MaterialTheme.typography.bodyLarge)
        val certLabel = tr(Str.DccCertificate)
        OutlinedTextField(
            value = certificate,
            onValueChange = { certificate = it },
            label = { Text(certLabel) },
            modifier = Modifier.fillMaxWidth().semantics { contentDescription = certLabel },
        )
        OutlinedButton(
            onClick = { onAddDccCertificate(certificate.trim()); certificate = "" },
            enabled = certificate.isNotBlank(),
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(Str.DccAdd)) }
        if (onOpenVaccinationSite != null) {
            HorizontalDivider()
            OutlinedButton(
                onClick = onOpenVaccinationSite,
                modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
            ) { Text(tr(Str.SiteOpen)) }
        }
    }
}

/** A settings error in plain words (never the technical reason). */
@Composable
fun settingsErrorText(error: SettingsError): String = when (error) {
    is SettingsError.InvalidServerUrl -> tr(Str.ServerUrlInvalid)
    is SettingsError.InvalidRootKey -> tr(Str.ErrorBadRootKey)
    is SettingsError.BadCertificate -> tr(Str.ErrorBadCertificate)
    is SettingsError.Trust -> checkpointErrorText(error.error)
    is SettingsError.Unavailable -> tr(Str.ErrorUnavailable)
}
