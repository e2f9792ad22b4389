package org.healthbook.ui.hotline

import androidx.compose.foundation.border
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Info
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import java.time.ZoneId
import org.healthbook.core.wrapper.AskDraft
import org.healthbook.core.wrapper.AskProblem
import org.healthbook.core.wrapper.CitizenQuestion
import org.healthbook.core.wrapper.HOTLINE_MAX_TEXT_CHARS
import org.healthbook.core.wrapper.HotlineEvent
import org.healthbook.core.wrapper.HotlineState
import org.healthbook.core.wrapper.QuestionKind
import org.healthbook.core.wrapper.QuestionState
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RefusalNote
import org.healthbook.ui.common.RadioGroup
import org.healthbook.ui.common.StatusBar
import org.healthbook.ui.common.StatusKind
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

/**
 * The ask form: question or problem report, topic, the text with its count, and the optional ward, venue (for a
 * report) and call-back number, each saying it is optional; a plain note that only what is typed here is sent.
 * Each problem shows under its field.
 */
@Composable
internal fun AskPage(state: HotlineState, onEvent: (HotlineEvent) -> Unit, modifier: Modifier) {
    val draft = state.draft
    val problems = state.problems
    val language = LocalLanguage.current
    fun edit(change: (AskDraft) -> AskDraft) = onEvent(HotlineEvent.Edit(change(draft)))
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        TextButton(onClick = { onEvent(HotlineEvent.Back) }, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) }
        HHeading(tr(Str.HotlineAsk))
        HotlineErrorBanner(state, onEvent)
        WhatIsSentNote()
        if (AskProblem.NO_PROVINCE in problems) FieldErrorText(tr(Str.HotlineNoProvince))

        HSubHeading(tr(Str.HotlineKindTitle))
        RadioGroup(
            options = listOf(QuestionKind.QUESTION to tr(Str.HotlineKindQuestion), QuestionKind.REPORT to tr(Str.HotlineKindReport)),
            selected = draft.kind,
            onSelect = { kind -> edit { it.copy(kind = kind) } },
        )
        HSubHeading(tr(Str.HotlineCategories))
        CategoryChips(draft.category, all = false, onSelect = { c -> if (c != null) edit { it.copy(category = c) } }, tagPrefix = "ask-category")

        val textProblem = when {
            AskProblem.TEXT_EMPTY in problems -> tr(Str.AskTextEmpty)
            AskProblem.TEXT_TOO_LONG in problems -> tr(Str.AskTextTooLong)
            else -> null
        }
        Field(
            value = draft.text, label = tr(Str.HotlineText), problem = textProblem, tag = "ask-text", minLines = 4,
            onChange = { text -> edit { it.copy(text = text) } },
        )
        val count = draft.text.trim().let { it.codePointCount(0, it.length) }
        Text(
            "$count/$HOTLINE_MAX_TEXT_CHARS",
            style = MaterialTheme.typography.bodyMedium,
            color = if (count > HOTLINE_MAX_TEXT_CHARS) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurfaceVariant,
        )

        Field(
            value = draft.ward, label = tr(Str.HotlineWard), problem = tr(Str.ErrorWardCode).takeIf { AskProblem.WARD in problems }, tag = "ask-ward",
            keyboard = KeyboardType.Number, onChange = { ward -> edit { it.copy(ward = ward) } },
        )
        Note(tr(Str.HotlineWardNote))
        if (draft.kind == QuestionKind.REPORT) {
            Field(
                value = draft.venueId, label = tr(Str.HotlineVenue), problem = tr(Str.AskVenue).takeIf { AskProblem.VENUE in problems }, tag = "ask-venue",
                onChange = { venue -> edit { it.copy(venueId = venue) } },
            )
        }
        Field(
            value = draft.contactPhone, label = tr(Str.HotlinePhone), problem = tr(Str.AskPhone).takeIf { AskProblem.PHONE in problems }, tag = "ask-phone",
            keyboard = KeyboardType.Phone, onChange = { phone -> edit { it.copy(contactPhone = phone) } },
        )
        Note(tr(Str.HotlinePhoneNote))

        Button(
            onClick = { onEvent(HotlineEvent.Send(language)) },
            enabled = !state.sending,
            modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch).semantics { testTag = "ask-send" },
        ) { Text(tr(if (state.sending) Str.HotlineSending else Str.HotlineSend)) }
    }
}

/** "Only what you type here is sent", with an info icon, in a tinted box so it is not missed. */
@Composable
private fun WhatIsSentNote() {
    Surface(color = MaterialTheme.colorScheme.secondaryContainer, contentColor = MaterialTheme.colorScheme.onSecondaryContainer, shape = RoundedCornerShape(12.dp)) {
        Row(Modifier.fillMaxWidth().padding(12.dp), verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            Icon(Icons.Filled.Info, contentDescription = null)
            Text(tr(Str.HotlineWhatIsSent), style = MaterialTheme.typography.bodyLarge, modifier = Modifier.semantics { testTag = "ask-what-is-sent" })
        }
    }
}

@Composable
private fun Note(text: String) {
    Text(text, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
}

/** A labelled text field with its problem under it, announced with the field. */
@Composable
private fun Field(
    value: String,
    label: String,
    problem: String?,
    tag: String,
    onChange: (String) -> Unit,
    minLines: Int = 1,
    keyboard: KeyboardType = KeyboardType.Text,
) {
    Column {
        OutlinedTextField(
            value = value,
            onValueChange = onChange,
            label = { Text(label) },
            isError = problem != null,
            singleLine = minLines == 1,
            minLines = minLines,
            keyboardOptions = KeyboardOptions(keyboardType = keyboard),
            modifier = Modifier.fillMaxWidth().semantics {
                contentDescription = label
                testTag = tag
                if (problem != null) error(problem)
            },
        )
        FieldErrorText(problem)
    }
}

/** The phone's own questions, newest first: state in words, what was sent, and the answer once given. */
@Composable
internal fun MyQuestionsPage(state: HotlineState, zone: ZoneId, onEvent: (HotlineEvent) -> Unit, modifier: Modifier) {
    LazyColumn(modifier.fillMaxSize().semantics { testTag = "my-questions-list" }, contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        item { TextButton(onClick = { onEvent(HotlineEvent.Back) }, modifier = Modifier.defaultMinSize(MinTouch, MinTouch)) { Text(tr(Str.Back)) } }
        item { HHeading(tr(Str.HotlineMyQuestions)) }
        if (state.error != null) item { HotlineErrorBanner(state, onEvent) }
        state.justSent?.let { sent ->
            item {
                val (kind, words) = when (sent.state) {
                    QuestionState.SENDING -> StatusKind.Caution to Str.HotlineSentQueued
                    QuestionState.REFUSED -> StatusKind.Bad to Str.HotlineSentRefused
                    else -> StatusKind.Good to Str.HotlineSentDone
                }
                StatusBar(
                    kind,
                    tr(words),
                    MaterialTheme.typography.titleMedium,
                    Modifier.semantics { testTag = "question-just-sent" },
                )
            }
        }
        item {
            OutlinedButton(
                onClick = { onEvent(HotlineEvent.Refresh) },
                enabled = !state.refreshingQuestions,
                modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
            ) { Text(tr(if (state.refreshingQuestions) Str.HotlineRefreshing else Str.HotlineRefresh)) }
        }
        if (state.questions.isEmpty()) {
            item { Text(tr(Str.HotlineNoQuestions), style = MaterialTheme.typography.bodyLarge) }
        }
        items(state.questions, key = { it.id }) { question -> QuestionCard(question, zone) }
        item {
            Button(onClick = { onEvent(HotlineEvent.OpenAsk) }, modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)) { Text(tr(Str.HotlineAsk)) }
        }
    }
}

/** One question: its state (colour, icon and words), kind and topic, when it was sent, the text, then the answer. */
@Composable
private fun QuestionCard(question: CitizenQuestion, zone: ZoneId) {
    Column(
        Modifier.fillMaxWidth()
            .border(2.dp, MaterialTheme.colorScheme.outline, RoundedCornerShape(12.dp))
            .padding(16.dp)
            .semantics { testTag = "question-${question.id}" },
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        val (kind, words) = questionStatus(question.state)
        StatusBar(kind, tr(words), MaterialTheme.typography.titleMedium)
        Text(
            "${tr(kindName(question.kind))} · ${tr(categoryName(question.category))}",
            style = MaterialTheme.typography.titleMedium,
            fontWeight = FontWeight.Bold,
        )
        Text("${tr(Str.HotlineAskedAt)}: ${dateTimeIn(question.askedAt, zone)}", style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(question.text, style = MaterialTheme.typography.bodyLarge)
        if (question.state == QuestionState.REFUSED) QuestionRefusalNote(question)
        val answer = question.answer
        if (answer != null) {
            Column(
                Modifier.fillMaxWidth()
                    .border(1.dp, kind.colour, RoundedCornerShape(8.dp))
                    .padding(12.dp)
                    .semantics(mergeDescendants = true) { testTag = "answer-${question.id}" },
                verticalArrangement = Arrangement.spacedBy(4.dp),
            ) {
                val at = question.answeredAt?.let { " · ${dateTimeIn(it, zone)}" }.orEmpty()
                Text(tr(Str.HotlineAnswer) + at, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold)
                Text(answer, style = MaterialTheme.typography.bodyLarge)
            }
        }
    }
}

/**
 * Why a refused question was not sent: what to do in plain words first; the core's reason (a status and a code,
 * meant for whoever helps the person) after it, small, only when there is one.
 */
@Composable
private fun QuestionRefusalNote(question: CitizenQuestion) = RefusalNote(
    what = tr(Str.QuestionRefusedWhat),
    detailLabel = tr(Str.QuestionRefusedDetail),
    reason = question.refusedReason,
    kind = StatusKind.Bad,
    tag = "refusal-${question.id}",
)
