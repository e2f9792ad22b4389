package org.healthbook.ui.declarations

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTag
import androidx.compose.ui.unit.dp
import org.healthbook.core.AnswerValue
import org.healthbook.core.FormFieldKind
import org.healthbook.core.FormQuestion
import org.healthbook.core.wrapper.DeclarationFormError
import org.healthbook.core.wrapper.DeclarationFormState
import org.healthbook.core.wrapper.WHOLE_FORM
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RadioGroup
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

/**
 * A health or movement declaration, rendered from the core's form data: one control per question by its
 * kind, each with its error under it (the core words the errors), the whole-form error at the top.
 */
@Composable
fun DeclarationScreen(
    state: DeclarationFormState,
    onAnswer: (questionId: String, value: AnswerValue?) -> Unit,
    onSubmit: () -> Unit,
    onReload: () -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        when (state) {
            DeclarationFormState.Loading -> Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                CircularProgressIndicator()
                Text(tr(Str.Loading))
            }
            is DeclarationFormState.Failed -> Banner(declarationErrorText(state.error), actionLabel = tr(Str.Retry), onAction = onReload)
            is DeclarationFormState.Ready -> {
                Text(state.form.title, style = MaterialTheme.typography.headlineMedium, modifier = Modifier.semantics { heading() })
                state.error?.let { Banner(declarationErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
                val errors = state.errors
                errors[WHOLE_FORM]?.let { Banner(it.message) }
                if (state.submitted != null && state.answers.isEmpty()) {
                    Text(tr(Str.Submitted), style = MaterialTheme.typography.bodyLarge, modifier = Modifier.semantics { testTag = "submitted" })
                }
                for (question in state.form.questions) {
                    Question(question, state.answers[question.id], state.isRequired(question), errors[question.id]?.message) {
                        onAnswer(question.id, it)
                    }
                }
                Button(
                    onClick = onSubmit,
                    enabled = !state.submitting,
                    modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch),
                ) { Text(tr(if (state.submitting) Str.Submitting else Str.Submit)) }
            }
        }
    }
}

@Composable
private fun Question(question: FormQuestion, answer: AnswerValue?, required: Boolean, error: String?, onAnswer: (AnswerValue?) -> Unit) {
    val label = if (required) "${question.label} * (${tr(Str.Required)})" else question.label
    Column(Modifier.fillMaxWidth().semantics { testTag = "question:${question.id}" }) {
        Text(label, style = MaterialTheme.typography.titleMedium)
        question.help?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
        when (val kind = question.kind) {
            FormFieldKind.Boolean -> RadioGroup(
                options = listOf(true to tr(Str.Yes), false to tr(Str.No)),
                selected = (answer as? AnswerValue.Bool)?.value,
                onSelect = { onAnswer(AnswerValue.Bool(it)) },
            )
            is FormFieldKind.SingleChoice -> RadioGroup(
                options = kind.choices.map { it.id to it.label },
                selected = (answer as? AnswerValue.Choice)?.id,
                onSelect = { onAnswer(AnswerValue.Choice(it)) },
            )
            is FormFieldKind.MultiChoice -> {
                val ids = (answer as? AnswerValue.Choices)?.ids.orEmpty()
                for (choice in kind.choices) {
                    val checked = choice.id in ids
                    Row(
                        Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch)
                            .toggleable(value = checked, role = Role.Checkbox) {
                                onAnswer(AnswerValue.Choices(if (it) ids + choice.id else ids - choice.id))
                            }
                            .semantics { contentDescription = choice.label },
                        verticalAlignment = Alignment.CenterVertically,
                    ) {
                        Checkbox(checked = checked, onCheckedChange = null)
                        Text(choice.label, Modifier.padding(start = 8.dp), style = MaterialTheme.typography.bodyLarge)
                    }
                }
            }
            is FormFieldKind.Date -> AnswerText(question.label, (answer as? AnswerValue.Date)?.iso.orEmpty(), error, tr(Str.DateHint)) {
                onAnswer(if (it.isBlank()) null else AnswerValue.Date(it.trim()))
            }
            is FormFieldKind.Text -> AnswerText(question.label, (answer as? AnswerValue.Text)?.value.orEmpty(), error, null) {
                onAnswer(if (it.isEmpty()) null else AnswerValue.Text(it.take(kind.maxLen.toInt())))
            }
            FormFieldKind.AdminUnit -> {
                // Codes typed as "PP" or "PP-WWWWW" (province, ward); the profile screen has the search.
                val unit = answer as? AnswerValue.AdminUnit
                val text = unit?.let { if (it.ward == null) it.province else "${it.province}-${it.ward}" }.orEmpty()
                AnswerText(question.label, text, error, "01-00004") {
                    val parts = it.trim().split('-', limit = 2)
                    onAnswer(if (it.isBlank()) null else AnswerValue.AdminUnit(parts[0], parts.getOrNull(1)?.ifEmpty { null }))
                }
            }
        }
        // Text inputs show their error inside; the others under the group.
        if (question.kind !is FormFieldKind.Date && question.kind !is FormFieldKind.Text && question.kind != FormFieldKind.AdminUnit) {
            Box(error)
        }
    }
}

@Composable
private fun Box(error: String?) = FieldErrorText(error)

@Composable
private fun AnswerText(label: String, value: String, error: String?, placeholder: String?, onValue: (String) -> Unit) {
    OutlinedTextField(
        value = value,
        onValueChange = onValue,
        placeholder = placeholder?.let { { Text(it) } },
        isError = error != null,
        singleLine = true,
        modifier = Modifier.fillMaxWidth().semantics {
            contentDescription = label
            if (error != null) error(error)
        },
    )
    FieldErrorText(error)
}

/** A declaration error in plain words, without the technical detail. */
@Composable
fun declarationErrorText(error: DeclarationFormError): String {
    val l = LocalLanguage.current
    return when (error) {
        is DeclarationFormError.UnknownForm -> Str.ErrorUnknownForm.of(l)
        is DeclarationFormError.NotFound -> Str.ErrorNotFound.of(l)
        DeclarationFormError.NoServer -> Str.ErrorNoServer.of(l)
        is DeclarationFormError.SignInRefused -> Str.ErrorSignIn.of(l)
        is DeclarationFormError.Offline -> Str.ErrorOffline.of(l)
        is DeclarationFormError.Server -> Str.ErrorServer.of(l)
        is DeclarationFormError.InvalidProfile -> Str.ErrorInvalidProfile.of(l)
        is DeclarationFormError.Unavailable -> Str.ErrorUnavailable.of(l)
    }
}
