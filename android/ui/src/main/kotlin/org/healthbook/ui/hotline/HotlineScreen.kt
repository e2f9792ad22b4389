package org.healthbook.ui.hotline

import androidx.compose.foundation.border
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Instant
import java.time.ZoneId
import org.healthbook.core.wrapper.HotlineEvent
import org.healthbook.core.wrapper.HotlinePage
import org.healthbook.core.wrapper.HotlineState
import org.healthbook.core.wrapper.QaEntry
import org.healthbook.core.wrapper.QaSetInfo
import org.healthbook.core.wrapper.answerIn
import org.healthbook.core.wrapper.questionIn
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.agoWords
import org.healthbook.ui.common.tr

/**
 * The citizen's hotline: the page the state names. The Q&A (search as you type, category chips, results, and
 * "ask" when nothing is found), one entry, the ask form, or the phone's own questions. Dates are shown in
 * [zone]; "checked ... ago" against [now].
 */
@Composable
fun HotlineScreen(state: HotlineState, now: Instant, zone: ZoneId, onEvent: (HotlineEvent) -> Unit, modifier: Modifier = Modifier) {
    when (state.page) {
        HotlinePage.Qa -> QaPage(state, now, zone, onEvent, modifier)
        is HotlinePage.Entry -> EntryPage(state, zone, onEvent, modifier)
        HotlinePage.Ask -> AskPage(state, onEvent, modifier)
        HotlinePage.MyQuestions -> MyQuestionsPage(state, zone, onEvent, modifier)
    }
}

@Composable
internal fun HotlineErrorBanner(state: HotlineState, onEvent: (HotlineEvent) -> Unit) {
    state.error?.let { Banner(hotlineErrorText(it), actionLabel = tr(Str.Dismiss), onAction = { onEvent(HotlineEvent.DismissError) }) }
}

/** "Q&A version 3, updated 28/02/2026" and "Checked for a new version: 5 min ago". */
@Composable
internal fun SetInfoLines(info: QaSetInfo, now: Instant, zone: ZoneId) {
    val language = LocalLanguage.current
    Column(Modifier.semantics(mergeDescendants = true) {}) {
        Text(
            "${tr(Str.HotlineSetVersion)} ${info.version}, ${tr(Str.HotlineUpdated)} ${dayIn(info.publishedAt, zone)}",
            style = MaterialTheme.typography.bodyLarge,
        )
        Text(
            "${tr(Str.HotlineChecked)}: ${agoWords(now.epochSecond - info.checkedAt.epochSecond, language)}",
            style = MaterialTheme.typography.bodyMedium,
            color = MaterialTheme.colorScheme.onSurfaceVariant,
        )
    }
}

@Composable
private fun QaPage(state: HotlineState, now: Instant, zone: ZoneId, onEvent: (HotlineEvent) -> Unit, modifier: Modifier) {
    val language = LocalLanguage.current
    // One lazy list: a province's set may hold hundreds of entries.
    LazyColumn(
        modifier.fillMaxSize().semantics { testTag = "qa-list" },
        contentPadding = PaddingValues(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        item { HHeading(tr(Str.HotlineTitle)) }
        if (state.error != null) item { HotlineErrorBanner(state, onEvent) }
        item {
            when {
                state.province == null -> Text(tr(Str.HotlineNoProvince), style = MaterialTheme.typography.bodyLarge)
                state.info == null && !state.loading -> Text(tr(Str.HotlineNoSet), style = MaterialTheme.typography.bodyLarge)
                state.info != null -> SetInfoLines(state.info!!, now, zone)
            }
        }
        item {
            val label = tr(Str.HotlineSearch)
            OutlinedTextField(
                value = state.query,
                onValueChange = { onEvent(HotlineEvent.Query(it)) },
                label = { Text(label) },
                leadingIcon = { Icon(Icons.Filled.Search, contentDescription = null) },
                singleLine = true,
                modifier = Modifier.fillMaxWidth().semantics {
                    contentDescription = label
                    testTag = "qa-search"
                },
            )
        }
        item {
            Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Text(tr(Str.HotlineCategories), style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
                CategoryChips(state.category, all = true, onSelect = { onEvent(HotlineEvent.Category(it)) }, tagPrefix = "qa-category")
            }
        }
        if (state.loading) {
            item { CircularProgressIndicator() }
        } else if (state.noResults) {
            item {
                Column(Modifier.semantics { testTag = "qa-no-results" }, verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    HSubHeading(tr(Str.HotlineNoResults))
                    Text(tr(Str.HotlineNoResultsAsk), style = MaterialTheme.typography.bodyLarge)
                }
            }
        } else {
            items(state.results, key = { it.id }) { entry -> EntryRow(entry, language, onEvent) }
        }
        item {
            Button(onClick = { onEvent(HotlineEvent.OpenAsk) }, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) {
                Text(tr(Str.HotlineAsk))
            }
        }
        item {
            OutlinedButton(onClick = { onEvent(HotlineEvent.OpenMyQuestions) }, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) {
                val count = state.questions.size
                Text(if (count > 0) "${tr(Str.HotlineMyQuestions)} ($count)" else tr(Str.HotlineMyQuestions))
            }
        }
        if (state.province != null) {
            item {
                OutlinedButton(
                    onClick = { onEvent(HotlineEvent.Refresh) },
                    enabled = !state.refreshingQa,
                    modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
                ) { Text(tr(if (state.refreshingQa) Str.HotlineRefreshing else Str.HotlineRefresh)) }
            }
        }
    }
}

/** One result: its question in the app's language and its category; opens the entry. */
@Composable
private fun EntryRow(entry: QaEntry, language: org.healthbook.core.Language, onEvent: (HotlineEvent) -> Unit) {
    val question = entry.questionIn(language)
    val category = tr(categoryName(entry.category))
    Column(
        Modifier.fillMaxWidth()
            .defaultMinSize(minHeight = MinTouch)
            .border(1.dp, MaterialTheme.colorScheme.outline, RoundedCornerShape(12.dp))
            .clickable(role = Role.Button, onClick = { onEvent(HotlineEvent.OpenEntry(entry.id)) })
            .padding(12.dp)
            .semantics(mergeDescendants = true) {
                contentDescription = "$question. $category"
                testTag = "qa-entry-${entry.id}"
            },
        verticalArrangement = Arrangement.spacedBy(4.dp),
    ) {
        Text(question, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
        Text(category, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
    }
}

/** One entry in the app's language (Vietnamese where it has no English yet), and "ask" if it is not the answer wanted. */
@Composable
private fun EntryPage(state: HotlineState, zone: ZoneId, onEvent: (HotlineEvent) -> Unit, modifier: Modifier) {
    val language = LocalLanguage.current
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        TextButton(onClick = { onEvent(HotlineEvent.Back) }, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) }
        val entry = state.entry ?: return@Column
        Text(tr(categoryName(entry.category)), style = MaterialTheme.typography.titleMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        HHeading(entry.questionIn(language))
        Text(entry.answerIn(language), style = MaterialTheme.typography.bodyLarge, modifier = Modifier.semantics { testTag = "qa-answer" })
        state.info?.let {
            Text(
                "${tr(Str.HotlineSetVersion)} ${it.version}, ${tr(Str.HotlineUpdated)} ${dayIn(it.publishedAt, zone)}",
                style = MaterialTheme.typography.bodyMedium,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
            )
        }
        OutlinedButton(onClick = { onEvent(HotlineEvent.OpenAsk) }, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) {
            Text(tr(Str.HotlineNotWhatYouNeed))
        }
    }
}
