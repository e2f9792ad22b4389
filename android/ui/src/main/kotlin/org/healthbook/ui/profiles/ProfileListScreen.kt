package org.healthbook.ui.profiles

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.Delete
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.healthbook.core.Language
import org.healthbook.core.Profile
import org.healthbook.core.ProfileRelation
import org.healthbook.core.wrapper.ProfileListError
import org.healthbook.core.wrapper.ProfileListState
import org.healthbook.ui.common.Banner
import org.healthbook.ui.common.LocalLanguage
import org.healthbook.ui.common.MinTouch
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr

/** The list of the phone's profiles: tap one to edit it, the bin to remove it (after a confirmation). */
@Composable
fun ProfileListScreen(
    state: ProfileListState,
    onAdd: () -> Unit,
    onEdit: (Profile) -> Unit,
    onRemove: (Profile) -> Unit,
    onRetry: () -> Unit,
    onDismissError: () -> Unit,
    modifier: Modifier = Modifier,
) {
    var confirm by remember { mutableStateOf<Profile?>(null) }
    val addLabel = tr(Str.AddProfile)
    Column(modifier.fillMaxSize()) {
        Text(tr(Str.Profiles), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.padding(16.dp).semantics { heading() })
        when (state) {
            ProfileListState.Loading -> Row(Modifier.padding(16.dp), horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                CircularProgressIndicator()
                Text(tr(Str.Loading))
            }
            is ProfileListState.Failed -> Banner(profileErrorText(state.error), actionLabel = tr(Str.Retry), onAction = onRetry)
            is ProfileListState.Loaded -> {
                state.error?.let { Banner(profileErrorText(it), actionLabel = tr(Str.Dismiss), onAction = onDismissError) }
                if (state.profiles.isEmpty()) {
                    Text(tr(Str.NoProfiles), Modifier.padding(16.dp), style = MaterialTheme.typography.bodyLarge)
                }
                LazyColumn(Modifier.weight(1f)) {
                    items(state.profiles, key = { it.id }) { profile ->
                        ProfileRow(profile, onClick = { onEdit(profile) }, onRemove = { confirm = profile })
                        HorizontalDivider()
                    }
                }
            }
        }
        ExtendedFloatingActionButton(
            onClick = onAdd,
            icon = { Icon(Icons.Filled.Add, contentDescription = null) },
            text = { Text(addLabel) },
            modifier = Modifier.padding(16.dp).align(Alignment.End).semantics { contentDescription = addLabel },
        )
    }
    confirm?.let { profile ->
        AlertDialog(
            onDismissRequest = { confirm = null },
            title = { Text(tr(Str.RemoveProfile)) },
            text = { Text("${tr(Str.RemoveConfirm)}\n${profile.fullName}") },
            confirmButton = { TextButton(onClick = { confirm = null; onRemove(profile) }) { Text(tr(Str.Remove)) } },
            dismissButton = { TextButton(onClick = { confirm = null }) { Text(tr(Str.Cancel)) } },
        )
    }
}

@Composable
private fun ProfileRow(profile: Profile, onClick: () -> Unit, onRemove: () -> Unit) {
    val removeLabel = "${tr(Str.RemoveProfile)}: ${profile.fullName}"
    Row(
        Modifier.fillMaxWidth().defaultMinSize(minHeight = MinTouch).clickable(onClickLabel = tr(Str.EditProfile), onClick = onClick).padding(horizontal = 16.dp, vertical = 8.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Column(Modifier.weight(1f)) {
            Text(profile.fullName, style = MaterialTheme.typography.titleMedium)
            Text(
                "${relationText(profile.relation)} · ${tr(Str.Born)} ${birthText(profile)}",
                style = MaterialTheme.typography.bodyMedium,
            )
        }
        IconButton(onClick = onRemove, modifier = Modifier.size(MinTouch).semantics { contentDescription = removeLabel }) {
            Icon(Icons.Filled.Delete, contentDescription = null)
        }
    }
}

private fun birthText(profile: Profile): String {
    val b = profile.birth
    return when {
        b.month == null -> "${b.year}"
        b.day == null -> "%02d/%d".format(b.month!!.toInt(), b.year.toInt())
        else -> "%02d/%02d/%d".format(b.day!!.toInt(), b.month!!.toInt(), b.year.toInt())
    }
}

/** A relation in words. */
@Composable
fun relationText(relation: ProfileRelation): String = when (relation) {
    ProfileRelation.MYSELF -> tr(Str.RelationMyself)
    ProfileRelation.FAMILY_MEMBER -> tr(Str.RelationFamily)
    ProfileRelation.MANAGED_BY_VOLUNTEER -> tr(Str.RelationManaged)
}

/** A profile error in plain words (a field error's core reason is shown at its field instead). */
@Composable
fun profileErrorText(error: ProfileListError): String {
    val language: Language = LocalLanguage.current
    return when (error) {
        is ProfileListError.InvalidField -> error.reason
        is ProfileListError.NotFound -> Str.ErrorNotFound.of(language)
        ProfileListError.DuplicateCitizenId -> Str.ErrorDuplicateCitizenId.of(language)
        ProfileListError.SelfProfileExists -> Str.ErrorSelfExists.of(language)
        is ProfileListError.Unavailable -> Str.ErrorUnavailable.of(language)
    }
}
