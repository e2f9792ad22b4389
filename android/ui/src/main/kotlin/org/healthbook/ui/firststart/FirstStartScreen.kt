package org.healthbook.ui.firststart

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.healthbook.core.Language
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.LanguagePicker
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

/**
 * What the first start shows: the chosen [language], the [serverUrl] being typed, and the fingerprint of the
 * root key bundled in the app ([rootKeyFingerprint], null when the build carries none).
 */
data class FirstStartUiState(
    val language: Language = Language.VI,
    val serverUrl: String = "",
    val rootKeyFingerprint: String? = null,
    val saving: Boolean = false,
    /** Why the last Continue failed, in words (the host maps the view model's error). */
    val error: String? = null,
) {
    /** Whether [serverUrl] looks like a server address; the core checks it for real when saving. */
    val serverUrlValid: Boolean get() = serverUrl.startsWith("https://") || serverUrl.startsWith("http://")
}

/** First start: pick a language, confirm the server, see the bundled root key; [onContinue] saves all three. */
@Composable
fun FirstStartScreen(
    state: FirstStartUiState,
    onLanguage: (Language) -> Unit,
    onServerUrl: (String) -> Unit,
    onContinue: () -> Unit,
    modifier: Modifier = Modifier,
) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(tr(Str.FirstStartTitle), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
        state.error?.let { Banner(it) }
        Text(tr(Str.FirstStartIntro), style = MaterialTheme.typography.bodyLarge)
        Text(tr(Str.LanguageTitle), style = MaterialTheme.typography.titleMedium)
        LanguagePicker(state.language, onLanguage)
        val urlLabel = tr(Str.ServerUrl)
        OutlinedTextField(
            value = state.serverUrl,
            onValueChange = onServerUrl,
            label = { Text(urlLabel) },
            isError = state.serverUrl.isNotEmpty() && !state.serverUrlValid,
            singleLine = true,
            modifier = Modifier.fillMaxWidth().semantics { contentDescription = urlLabel },
        )
        FieldErrorText(if (state.serverUrl.isNotEmpty() && !state.serverUrlValid) tr(Str.ServerUrlInvalid) else null)
        Text(tr(Str.RootKey), style = MaterialTheme.typography.titleMedium)
        Text(
            state.rootKeyFingerprint ?: tr(Str.RootKeyMissing),
            style = MaterialTheme.typography.bodyMedium,
            color = if (state.rootKeyFingerprint == null) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface,
        )
        Button(
            onClick = onContinue,
            enabled = state.serverUrlValid && state.rootKeyFingerprint != null && !state.saving,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
        ) { Text(tr(Str.Continue)) }
    }
}
