package org.healthbook.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.getValue
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import androidx.lifecycle.viewmodel.initializer
import androidx.lifecycle.viewmodel.viewModelFactory
import org.healthbook.core.wrapper.ProfileListViewModel
import org.healthbook.core.wrapper.ProfileRepository

/**
 * Lifecycle holder for the plain-Kotlin [ProfileListViewModel]: it lives as long as the screen's
 * ViewModelStore and runs in its viewModelScope. All screen logic is in [ProfileListViewModel].
 */
class ProfileListHolder(repository: ProfileRepository) : ViewModel() {
    val viewModel = ProfileListViewModel(repository, viewModelScope)

    companion object {
        fun factory(app: HealthbookApp) = viewModelFactory {
            initializer { ProfileListHolder(app.profiles) }
        }
    }
}

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val app = application as HealthbookApp
        setContent {
            MaterialTheme {
                val holder: ProfileListHolder = viewModel(factory = ProfileListHolder.factory(app))
                val state by holder.viewModel.state.collectAsStateWithLifecycle()
                ProfileListScreen(state = state, onEvent = holder.viewModel::onEvent)
            }
        }
    }
}
