package org.healthbook.app

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.Delete
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.FloatingActionButton
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import org.healthbook.core.BirthDate
import org.healthbook.core.Profile
import org.healthbook.core.ProfileField
import org.healthbook.core.ProfileInput
import org.healthbook.core.ProfileRelation
import org.healthbook.core.wrapper.ProfileListError
import org.healthbook.core.wrapper.ProfileListEvent
import org.healthbook.core.wrapper.ProfileListState

/** Renders [ProfileListState] and reports user actions as [ProfileListEvent]s; no logic of its own. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ProfileListScreen(state: ProfileListState, onEvent: (ProfileListEvent) -> Unit) {
    var adding by rememberSaveable { mutableStateOf(false) }
    val snackbar = remember { SnackbarHostState() }
    val error = (state as? ProfileListState.Loaded)?.error
    val errorText = error?.let { errorMessage(it) }
    LaunchedEffect(errorText) {
        if (errorText != null) {
            snackbar.showSnackbar(errorText)
            onEvent(ProfileListEvent.DismissError)
        }
    }

    Scaffold(
        topBar = { TopAppBar(title = { Text(stringResource(R.string.profiles_title)) }) },
        floatingActionButton = {
            if (state is ProfileListState.Loaded) {
                FloatingActionButton(onClick = { adding = true }) {
                    Icon(Icons.Filled.Add, contentDescription = stringResource(R.string.add_profile))
                }
            }
        },
        snackbarHost = { SnackbarHost(snackbar) },
    ) { padding ->
        Box(Modifier.fillMaxSize().padding(padding)) {
            when (state) {
                ProfileListState.Loading -> CircularProgressIndicator(Modifier.align(Alignment.Center))
                is ProfileListState.Failed -> Column(
                    Modifier.align(Alignment.Center).padding(24.dp),
                    horizontalAlignment = Alignment.CenterHorizontally,
                    verticalArrangement = Arrangement.spacedBy(12.dp),
                ) {
                    Text(errorMessage(state.error))
                    Button(onClick = { onEvent(ProfileListEvent.Refresh) }) { Text(stringResource(R.string.retry)) }
                }
                is ProfileListState.Loaded -> Column(Modifier.fillMaxSize()) {
                    if (state.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
                    if (state.profiles.isEmpty()) {
                        Text(stringResource(R.string.no_profiles), Modifier.padding(24.dp))
                    }
                    LazyColumn {
                        items(state.profiles, key = { it.id }) { profile ->
                            ProfileRow(profile, onRemove = { onEvent(ProfileListEvent.Remove(profile.id)) })
                            HorizontalDivider()
                        }
                    }
                }
            }
        }
    }

    if (adding) {
        AddProfileDialog(
            onDismiss = { adding = false },
            onAdd = { input ->
                adding = false
                onEvent(ProfileListEvent.Add(input))
            },
        )
    }
}

@Composable
private fun ProfileRow(profile: Profile, onRemove: () -> Unit) {
    ListItem(
        headlineContent = { Text(profile.fullName) },
        supportingContent = {
            Text(listOfNotNull(relationLabel(profile.relation), formatBirth(profile.birth), profile.phone).joinToString(" · "))
        },
        trailingContent = {
            IconButton(onClick = onRemove) {
                Icon(Icons.Filled.Delete, contentDescription = stringResource(R.string.remove_profile))
            }
        },
    )
}

/** A minimal form; validation is the core's job, and its field errors come back through the state. */
@Composable
private fun AddProfileDialog(onDismiss: () -> Unit, onAdd: (ProfileInput) -> Unit) {
    var name by rememberSaveable { mutableStateOf("") }
    var year by rememberSaveable { mutableStateOf("") }
    var phone by rememberSaveable { mutableStateOf("") }
    var citizenId by rememberSaveable { mutableStateOf("") }
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text(stringResource(R.string.add_profile)) },
        text = {
            Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedTextField(name, { name = it }, label = { Text(stringResource(R.string.full_name)) }, singleLine = true)
                OutlinedTextField(
                    year, { year = it.filter(Char::isDigit).take(4) },
                    label = { Text(stringResource(R.string.birth_year)) }, singleLine = true,
                    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
                )
                OutlinedTextField(
                    phone, { phone = it }, label = { Text(stringResource(R.string.phone)) }, singleLine = true,
                    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Phone),
                )
                OutlinedTextField(
                    citizenId, { citizenId = it }, label = { Text(stringResource(R.string.citizen_id)) }, singleLine = true,
                    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
                )
            }
        },
        confirmButton = {
            TextButton(onClick = {
                onAdd(
                    ProfileInput(
                        relation = ProfileRelation.FAMILY_MEMBER,
                        fullName = name,
                        // 0 is out of range, so an empty year comes back as a BIRTH_DATE field error.
                        birth = BirthDate(year.toUShortOrNull() ?: 0.toUShort(), null, null),
                        phone = phone.ifBlank { null },
                        citizenId = citizenId.ifBlank { null },
                        address = null,
                    ),
                )
            }) { Text(stringResource(R.string.save)) }
        },
        dismissButton = { TextButton(onClick = onDismiss) { Text(stringResource(R.string.cancel)) } },
    )
}

private fun formatBirth(birth: BirthDate): String = buildString {
    birth.day?.let { append(it.toString().padStart(2, '0')).append('/') }
    birth.month?.let { append(it.toString().padStart(2, '0')).append('/') }
    append(birth.year.toString())
}

@Composable
private fun relationLabel(relation: ProfileRelation): String = stringResource(
    when (relation) {
        ProfileRelation.MYSELF -> R.string.relation_myself
        ProfileRelation.FAMILY_MEMBER -> R.string.relation_family
        ProfileRelation.MANAGED_BY_VOLUNTEER -> R.string.relation_managed
    },
)

@Composable
private fun errorMessage(error: ProfileListError): String = when (error) {
    is ProfileListError.InvalidField -> stringResource(
        R.string.error_invalid_field,
        stringResource(
            when (error.field) {
                ProfileField.FULL_NAME -> R.string.full_name
                ProfileField.BIRTH_DATE -> R.string.birth_year
                ProfileField.PHONE -> R.string.phone
                ProfileField.CITIZEN_ID -> R.string.citizen_id
                ProfileField.ADDRESS -> R.string.address
                ProfileField.RELATION -> R.string.relation
            },
        ),
    )
    is ProfileListError.NotFound -> stringResource(R.string.error_not_found)
    ProfileListError.DuplicateCitizenId -> stringResource(R.string.error_duplicate_citizen_id)
    ProfileListError.SelfProfileExists -> stringResource(R.string.error_self_exists)
    is ProfileListError.Unavailable -> stringResource(R.string.error_unavailable)
}
