package org.healthbook.ui.profiles

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import org.healthbook.core.Address
import org.healthbook.core.BirthDate
import org.healthbook.core.Profile
import org.healthbook.core.ProfileField
import org.healthbook.core.ProfileInput
import org.healthbook.core.ProfileRelation
import org.healthbook.core.wrapper.ProfileListError
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.FieldErrorText
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.RadioGroup
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

/**
 * The profile being added ([id] null) or edited, as typed. Pure data: the host keeps it (in a view model
 * or `rememberSaveable`) and the screen reports every change through `onChange`.
 */
data class ProfileEditorState(
    val id: String? = null,
    val relation: ProfileRelation = ProfileRelation.MYSELF,
    val fullName: String = "",
    val yearOnly: Boolean = true,
    val year: String = "",
    val month: String = "",
    val day: String = "",
    val phone: String = "",
    val citizenId: String = "",
    val provinceCode: String? = null,
    val provinceQuery: String = "",
    val wardCode: String? = null,
    val wardQuery: String = "",
    val street: String = "",
    /** The core's verdict on the last save; a field error is shown at its field. */
    val error: ProfileListError? = null,
) {
    /** The input for the core, or null while the birth numbers are not numbers (the core judges the rest). */
    fun toInput(): ProfileInput? {
        val y = year.trim().toUShortOrNull() ?: return null
        val birth = if (yearOnly) {
            BirthDate(y, null, null)
        } else {
            BirthDate(y, month.trim().toUByteOrNull() ?: return null, day.trim().toUByteOrNull() ?: return null)
        }
        val address = provinceCode?.let { Address(it, wardCode, street.trim().ifEmpty { null }) }
        return ProfileInput(relation, fullName.trim(), birth, phone.trim().ifEmpty { null }, citizenId.trim().ifEmpty { null }, address)
    }

    /** The error of [field], if the last save failed on it. */
    fun errorOf(field: ProfileField): String? = (error as? ProfileListError.InvalidField)?.takeIf { it.field == field }?.reason

    companion object {
        /** The editor opened on an existing [profile]. */
        fun of(profile: Profile) = ProfileEditorState(
            id = profile.id,
            relation = profile.relation,
            fullName = profile.fullName,
            yearOnly = profile.birth.month == null,
            year = profile.birth.year.toString(),
            month = profile.birth.month?.toString().orEmpty(),
            day = profile.birth.day?.toString().orEmpty(),
            phone = profile.phone.orEmpty(),
            citizenId = profile.citizenId.orEmpty(),
            provinceCode = profile.address?.provinceCode,
            wardCode = profile.address?.wardCode,
            street = profile.address?.street.orEmpty(),
        )
    }
}

/**
 * Add or edit one profile: relation, name, birth as a year or a full date, phone, citizen id, and the
 * address by official province and ward codes, found by searching names or codes. [wards] are the wards of
 * the chosen province.
 */
@Composable
fun ProfileEditScreen(
    state: ProfileEditorState,
    provinces: List<AdminUnit>,
    wards: List<AdminUnit>,
    onChange: (ProfileEditorState) -> Unit,
    onSave: (ProfileInput) -> Unit,
    onCancel: () -> Unit,
    modifier: Modifier = Modifier,
) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text(
            tr(if (state.id == null) Str.AddProfile else Str.EditProfile),
            style = MaterialTheme.typography.headlineMedium,
            modifier = Modifier.semantics { heading() },
        )
        state.error?.takeIf { it !is ProfileListError.InvalidField }?.let { Banner(profileErrorText(it)) }

        Text(tr(Str.Relation), style = MaterialTheme.typography.titleMedium)
        RadioGroup(
            options = ProfileRelation.entries.map { it to relationText(it) },
            selected = state.relation,
            onSelect = { onChange(state.copy(relation = it)) },
        )
        FieldErrorText(state.errorOf(ProfileField.RELATION))

        LabeledField(Str.FullName, state.fullName, state.errorOf(ProfileField.FULL_NAME)) { onChange(state.copy(fullName = it)) }

        RadioGroup(
            options = listOf(true to tr(Str.BirthYearOnly), false to tr(Str.BirthFullDate)),
            selected = state.yearOnly,
            onSelect = { onChange(state.copy(yearOnly = it)) },
        )
        // One field per line: side by side, their labels break mid-word at large font scales.
        if (!state.yearOnly) {
            LabeledField(Str.BirthDay, state.day, null, keyboard = KeyboardType.Number) { onChange(state.copy(day = it)) }
            LabeledField(Str.BirthMonth, state.month, null, keyboard = KeyboardType.Number) { onChange(state.copy(month = it)) }
        }
        LabeledField(Str.BirthYear, state.year, null, keyboard = KeyboardType.Number) { onChange(state.copy(year = it)) }
        FieldErrorText(state.errorOf(ProfileField.BIRTH_DATE))

        LabeledField(Str.Phone, state.phone, state.errorOf(ProfileField.PHONE), keyboard = KeyboardType.Phone) { onChange(state.copy(phone = it)) }
        LabeledField(Str.CitizenId, state.citizenId, state.errorOf(ProfileField.CITIZEN_ID), keyboard = KeyboardType.Number) { onChange(state.copy(citizenId = it)) }

        UnitPicker(Str.Province, provinces, state.provinceCode, state.provinceQuery,
            onQuery = { onChange(state.copy(provinceQuery = it)) },
            onPick = { onChange(state.copy(provinceCode = it?.code, provinceQuery = "", wardCode = null, wardQuery = "")) })
        if (state.provinceCode != null) {
            UnitPicker(Str.Ward, wards, state.wardCode, state.wardQuery,
                onQuery = { onChange(state.copy(wardQuery = it)) },
                onPick = { onChange(state.copy(wardCode = it?.code, wardQuery = "")) })
            LabeledField(Str.Street, state.street, null) { onChange(state.copy(street = it)) }
        }
        FieldErrorText(state.errorOf(ProfileField.ADDRESS))

        val input = state.toInput()
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(onClick = onCancel, modifier = Modifier.weight(1f).defaultMinSize(minHeight = MinTouch)) { Text(tr(Str.Cancel)) }
            Button(
                onClick = { input?.let(onSave) },
                enabled = input != null,
                modifier = Modifier.weight(1f).defaultMinSize(minHeight = MinTouch),
            ) { Text(tr(Str.Save)) }
        }
    }
}

/** A text field labelled (visibly and for screen readers) by [label], with its error under it. */
@Composable
internal fun LabeledField(
    label: Str,
    value: String,
    error: String?,
    modifier: Modifier = Modifier.fillMaxWidth(),
    keyboard: KeyboardType = KeyboardType.Text,
    onValue: (String) -> Unit,
) {
    val text = tr(label)
    Column(modifier) {
        OutlinedTextField(
            value = value,
            onValueChange = onValue,
            label = { Text(text) },
            isError = error != null,
            keyboardOptions = KeyboardOptions(keyboardType = keyboard),
            modifier = Modifier.fillMaxWidth().semantics {
                contentDescription = text
                if (error != null) error(error)
            },
        )
        FieldErrorText(error)
    }
}

/** Search field plus matching units; the chosen one is shown with its code and can be changed. */
@Composable
private fun UnitPicker(
    label: Str,
    units: List<AdminUnit>,
    selected: String?,
    query: String,
    onQuery: (String) -> Unit,
    onPick: (AdminUnit?) -> Unit,
) {
    val chosen = units.firstOrNull { it.code == selected }
    Text(tr(label), style = MaterialTheme.typography.titleMedium)
    if (selected != null) {
        Row(
            Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch).clickable(onClickLabel = tr(Str.SearchHint)) { onPick(null) },
        ) {
            Text("${chosen?.name ?: ""} ($selected)", style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(vertical = 12.dp))
        }
        return
    }
    val hint = "${tr(label)}: ${tr(Str.SearchHint)}"
    OutlinedTextField(
        value = query,
        onValueChange = onQuery,
        label = { Text(tr(Str.SearchHint)) },
        singleLine = true,
        modifier = Modifier.fillMaxWidth().semantics { contentDescription = hint },
    )
    if (query.isNotBlank()) {
        val matches = units.search(query).take(6)
        if (matches.isEmpty()) Text(tr(Str.NoMatch), style = MaterialTheme.typography.bodyMedium)
        for (unit in matches) {
            Text(
                "${unit.name} (${unit.code})",
                style = MaterialTheme.typography.bodyLarge,
                modifier = Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch).clickable { onPick(unit) }.padding(vertical = 12.dp),
            )
        }
    }
}
