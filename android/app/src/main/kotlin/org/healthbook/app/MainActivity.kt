package org.healthbook.app

import android.Manifest
import android.content.pm.PackageManager
import android.os.Build
import android.os.Bundle
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.SideEffect
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.width
import androidx.compose.ui.unit.dp
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.statusBarsPadding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.List
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Call
import androidx.compose.material.icons.filled.Build
import androidx.compose.material.icons.filled.Edit
import androidx.compose.material.icons.filled.Face
import androidx.compose.material.icons.filled.Favorite
import androidx.compose.material.icons.filled.Home
import androidx.compose.material.icons.filled.LocationOn
import androidx.compose.material.icons.filled.Menu
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material.icons.filled.Person
import androidx.compose.material.icons.filled.Search
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import androidx.lifecycle.viewmodel.initializer
import androidx.lifecycle.viewmodel.viewModelFactory
import java.time.Instant
import java.time.ZoneId
import kotlinx.coroutines.delay
import org.healthbook.core.Language
import org.healthbook.core.wrapper.CheckInEvent
import org.healthbook.core.wrapper.CheckInViewModel
import org.healthbook.core.wrapper.CheckpointEvent
import org.healthbook.core.wrapper.CheckpointViewModel
import org.healthbook.core.wrapper.DeclarationFormEvent
import org.healthbook.core.wrapper.DeclarationFormState
import org.healthbook.core.wrapper.DeclarationFormViewModel
import org.healthbook.core.wrapper.GateEvent
import org.healthbook.core.wrapper.GateViewModel
import org.healthbook.core.wrapper.SetupCheckEvent
import org.healthbook.core.wrapper.SetupCheckViewModel
import org.healthbook.core.wrapper.CertificateWalletViewModel
import org.healthbook.core.wrapper.SiteEvent
import org.healthbook.core.wrapper.QuarantineRepository
import org.healthbook.app.quarantine.AndroidRadioScanner
import org.healthbook.app.quarantine.FusedLocationSource
import org.healthbook.core.wrapper.QuarantineViewModel
import org.healthbook.core.wrapper.VaccinationRepository
import org.healthbook.core.wrapper.HotlineEvent
import org.healthbook.core.wrapper.HotlinePage
import org.healthbook.core.wrapper.HotlineRepository
import org.healthbook.core.wrapper.HotlineViewModel
import org.healthbook.core.wrapper.VaccinationSiteRepository
import org.healthbook.core.wrapper.VaccinationSiteViewModel
import org.healthbook.core.wrapper.VaccinationViewModel
import org.healthbook.core.wrapper.WalletEvent
import org.healthbook.core.wrapper.VolunteerRepository
import org.healthbook.core.wrapper.VolunteerViewModel
import org.healthbook.core.wrapper.HealthbookCore
import org.healthbook.core.wrapper.PassEvent
import org.healthbook.core.wrapper.PassViewModel
import org.healthbook.core.wrapper.ProfileListEvent
import org.healthbook.core.wrapper.ProfileListState
import org.healthbook.core.wrapper.ProfileListViewModel
import org.healthbook.core.wrapper.SettingsEvent
import org.healthbook.core.wrapper.SettingsViewModel
import org.healthbook.core.wrapper.TestResultsEvent
import org.healthbook.core.wrapper.TestResultsViewModel
import org.healthbook.ui.checkin.CheckInScanScreen
import org.healthbook.ui.checkin.DiaryScreen
import org.healthbook.ui.checkin.ExposureScreen
import org.healthbook.ui.checkin.ManualEntryScreen
import org.healthbook.ui.checkpoint.CheckpointScreen
import org.healthbook.ui.common.Str
import org.healthbook.ui.common.tr
import org.healthbook.ui.declarations.DeclarationScreen
import org.healthbook.ui.firststart.FirstStartScreen
import org.healthbook.ui.gate.GateBindScreen
import org.healthbook.ui.gate.GateScanScreen
import org.healthbook.ui.setup.SetupCheckScreen
import org.healthbook.ui.volunteer.VolunteerScreen
import org.healthbook.ui.quarantine.QuarantineHomeCard
import org.healthbook.ui.quarantine.QuarantineScreen
import org.healthbook.ui.vaccination.CertificateWalletScreen
import org.healthbook.ui.hotline.HotlineScreen
import org.healthbook.ui.vaccination.VaccinationScreen
import org.healthbook.ui.vaccination.VaccinationSiteScreen
import org.healthbook.ui.firststart.FirstStartUiState
import org.healthbook.ui.outbox.OutboxScreen
import org.healthbook.ui.help.HelpBar
import org.healthbook.ui.help.HelpScreen
import org.healthbook.ui.help.HelpTopic
import org.healthbook.ui.help.HelpTopics
import org.healthbook.ui.pass.PassPage
import org.healthbook.ui.pass.PassScreen
import org.healthbook.ui.profiles.ProfileEditScreen
import org.healthbook.ui.profiles.ProfileEditorState
import org.healthbook.ui.profiles.ProfileListScreen
import org.healthbook.ui.results.ProfileChoice
import org.healthbook.ui.results.RegisterSampleScreen
import org.healthbook.ui.results.SampleDetailScreen
import org.healthbook.ui.results.SampleListScreen
import org.healthbook.ui.settings.SettingsScreen
import org.healthbook.ui.settings.SettingsUiState
import org.healthbook.ui.settings.settingsErrorText
import org.healthbook.ui.theme.HealthbookTheme

/**
 * Lifecycle holder of the plain-Kotlin view models: they live as long as the activity's ViewModelStore and
 * run in its viewModelScope. All screen logic is in the view models; the screens only render.
 */
class ScreensHolder(
    val core: HealthbookCore,
    facts: () -> org.healthbook.core.wrapper.PlatformFacts,
    volunteers: VolunteerRepository?,
    vaccination: VaccinationRepository? = null,
    vaccinationSite: VaccinationSiteRepository? = null,
    quarantine: QuarantineRepository? = null,
    hotline: HotlineRepository? = null,
) : ViewModel() {
    val profiles = ProfileListViewModel(core.profiles, viewModelScope)
    val settings = SettingsViewModel(core.settings, core.verifier, viewModelScope)
    val checkpoint = CheckpointViewModel(core.verifier, viewModelScope)
    // Certificates are drawn by the same QR renderer as passes, at the pass screen's scale.
    val results = TestResultsViewModel(core.testResults, viewModelScope) { core.passes.qrPng(it, 8) }
    val checkIns = CheckInViewModel(core.checkIns, viewModelScope)
    val gate = GateViewModel(core.gate, viewModelScope)
    val setupCheck = SetupCheckViewModel(core.setupCheck, viewModelScope, facts)
    // Printed control cards are drawn by the passes' QR renderer, at the pass screen's scale.
    val volunteer = volunteers?.let { VolunteerViewModel(it, viewModelScope, qrPng = { text -> core.passes.qrPng(text, 8) }) }
    val vaccination = vaccination?.let { VaccinationViewModel(it, viewModelScope) }
    // Certificates are drawn by the passes' QR renderer, at the pass screen's scale, like test certificates.
    val wallet = vaccination?.let { CertificateWalletViewModel(it, viewModelScope) { text -> core.passes.qrPng(text, 8) } }
    val vaccinationSite = vaccinationSite?.let { VaccinationSiteViewModel(it, viewModelScope, qrPng = { text -> core.passes.qrPng(text, 8) }) }
    val quarantine = quarantine?.let { QuarantineViewModel(it, viewModelScope) }
    // The hotline that answers is the own profile's province (the first profile's when none is marked as one's own).
    val hotline = hotline?.let {
        HotlineViewModel(it, viewModelScope) {
            val profiles = core.profiles.list()
            (profiles.firstOrNull { p -> p.relation == org.healthbook.core.ProfileRelation.MYSELF } ?: profiles.firstOrNull())?.address?.provinceCode
        }
    }
    private val passes = mutableMapOf<String, PassViewModel>()
    private val declarations = mutableMapOf<String, DeclarationFormViewModel>()

    /** The pass view model of [profileId], made once. */
    fun pass(profileId: String): PassViewModel = passes.getOrPut(profileId) { PassViewModel(core.passes, viewModelScope, profileId) }

    /** The health declaration view model of [profileId], made once. */
    fun declaration(profileId: String, language: Language): DeclarationFormViewModel = declarations.getOrPut(profileId) {
        DeclarationFormViewModel(core.declarations, viewModelScope, profileId, HEALTH_FORM, language)
    }

    companion object {
        const val HEALTH_FORM = "health_declaration"
        /**
         * [facts] reads the permissions at each set-up check. [volunteers] is the volunteer repository; the volunteer
         * tab is shown only when there is one. Likewise the vaccination tab with [vaccination], and the vaccination
         * site (under Settings) with [vaccinationSite], and home quarantine (a page of the health tab and a card on
         * the pass tab while an order runs) with [quarantine], and the hotline's Q&A and questions (under More) with [hotline].
         */
        fun factory(
            core: HealthbookCore,
            facts: () -> org.healthbook.core.wrapper.PlatformFacts,
            volunteers: VolunteerRepository?,
            vaccination: VaccinationRepository? = null,
            vaccinationSite: VaccinationSiteRepository? = null,
            quarantine: QuarantineRepository? = null,
            hotline: HotlineRepository? = null,
        ) = viewModelFactory { initializer { ScreensHolder(core, facts, volunteers, vaccination, vaccinationSite, quarantine, hotline) } }
    }
}

private enum class Tab(val label: Str) {
    Pass(Str.Pass), Places(Str.CheckInTab), Results(Str.Results), Vaccination(Str.VaccinationTab), Quarantine(Str.QuarantineTitle), Declare(Str.Declaration), Profiles(Str.Profiles),
    Check(Str.Checkpoint), Gate(Str.Gate), Setup(Str.SetupTitle), Volunteer(Str.Volunteer), Settings(Str.Settings), More(Str.More),
    Hotline(Str.HotlineTitle),
}

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val app = application as HealthbookApp
        // A result notification opens the results tab.
        val startTab = if (intent?.getStringExtra(EXTRA_OPEN) == OPEN_RESULTS) Tab.Results else Tab.Pass
        // Android 13 asks before an app may notify; a test result is what the person waits for.
        if (Build.VERSION.SDK_INT >= 33 &&
            checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            registerForActivityResult(ActivityResultContracts.RequestPermission()) {}.launch(Manifest.permission.POST_NOTIFICATIONS)
        }
        setContent {
            val core by produceState<HealthbookCore?>(null) { value = app.core.await() }
            val opened = core
            if (opened == null) {
                HealthbookTheme { Box(Modifier.fillMaxSize()) { CircularProgressIndicator() } }
            } else {
                // Home quarantine reads the platform's location and radio only when the core asks (at enrolment and
                // at a check-in), through these two sensors.
                val quarantine = remember(opened) { opened.quarantine(FusedLocationSource(applicationContext), AndroidRadioScanner(applicationContext)) }
                val holder: ScreensHolder = viewModel(factory = ScreensHolder.factory(opened, { readPlatformFacts(applicationContext) }, opened.volunteers, opened.vaccinations, opened.vaccinationSite, quarantine, opened.hotline))
                App(holder, startTab)
                val language = holder.settings.state.collectAsStateWithLifecycle().value.language
                SideEffect { app.language = language }
            }
        }
    }

    companion object {
        /** Intent extra naming the tab to open. */
        const val EXTRA_OPEN = "org.healthbook.app.OPEN"
        /** [EXTRA_OPEN] value of the test results tab. */
        const val OPEN_RESULTS = "results"
    }
}

@Composable
private fun App(holder: ScreensHolder, startTab: Tab) {
    val settings by holder.settings.state.collectAsStateWithLifecycle()
    // The bundled root key; the build puts the authority's key in BuildConfig-free resources (see README).
    val bundledKey = BUNDLED_ROOT_KEY
    HealthbookTheme(settings.language) {
        // The guide section the help entry opened, over whatever screen is on show; Back returns to it.
        var help by remember { mutableStateOf<HelpTopic?>(null) }
        help?.let { topic ->
            androidx.activity.compose.BackHandler { help = null }
            HelpScreen(topic, AndroidQrDecoder, onBack = { help = null })
            return@HealthbookTheme
        }
        if (settings.loaded && !settings.configured) {
            var url by rememberSaveable { mutableStateOf(settings.serverUrl ?: DEFAULT_SERVER) }
            androidx.compose.foundation.layout.Column {
                HelpBar(HelpTopics.of("first-start"), onHelp = { help = it }, modifier = Modifier.statusBarsPadding())
                FirstStartScreen(
                    FirstStartUiState(
                        settings.language, url, bundledKey.takeIf { it.isNotEmpty() }?.let(::fingerprint),
                        error = settings.error?.let { settingsErrorText(it) },
                    ),
                    onLanguage = { holder.settings.onEvent(SettingsEvent.SetLanguage(it)) },
                    onServerUrl = { url = it },
                    onContinue = {
                        holder.settings.onEvent(SettingsEvent.SetServerUrl(url))
                        holder.settings.onEvent(SettingsEvent.PinRootKey(bundledKey))
                    },
                )
            }
            return@HealthbookTheme
        }
        var tab by rememberSaveable { mutableStateOf(startTab) }
        // Five destinations at most in the bar (Material's limit, and what fits a small phone with Vietnamese
        // labels); the tools of staff and volunteers live under "More".
        Scaffold(topBar = { HelpBar(HelpTopics.of(helpScreenOf(tab)), onHelp = { help = it }, modifier = Modifier.statusBarsPadding()) }, bottomBar = {
            NavigationBar {
                for (t in PRIMARY_TABS) {
                    NavigationBarItem(
                        selected = tab == t || (t == Tab.More && tab in MORE_TABS),
                        onClick = { tab = t },
                        icon = { Icon(iconOf(t), null) },
                        label = { Text(tr(t.label)) },
                    )
                }
            }
        }) { padding ->
            Box(Modifier.padding(padding)) {
                when (tab) {
                    Tab.Pass -> PassTab(holder) { tab = Tab.Quarantine }
                    Tab.Places -> PlacesTab(holder)
                    Tab.Results -> HealthTab(holder, HealthPage.Results)
                    Tab.Vaccination -> HealthTab(holder, HealthPage.Vaccination)
                    Tab.Quarantine -> HealthTab(holder, HealthPage.Quarantine)
                    Tab.Declare -> DeclareTab(holder, settings.language)
                    Tab.More -> MoreTab(holder) { tab = it }
                    else -> {
                        androidx.activity.compose.BackHandler { tab = Tab.More }
                        androidx.compose.foundation.layout.Column {
                            androidx.compose.material3.TextButton(onClick = { tab = Tab.More }) { Text("← " + tr(Str.Back)) }
                            Box(Modifier.weight(1f)) { MoreContent(holder, tab, settings.language) }
                        }
                    }
                }
            }
        }
    }
}

/** The screen (as the guides and the screenshot catalogue name it) whose guide section a tab's help opens. */
private fun helpScreenOf(tab: Tab): String = when (tab) {
    Tab.Pass -> "pass-green"
    Tab.Places -> "diary"
    Tab.Results -> "results-list"
    Tab.Vaccination -> "vaccination"
    Tab.Quarantine -> "quarantine-countdown"
    Tab.Declare -> "declaration"
    Tab.Profiles -> "profiles"
    Tab.Check -> "checkpoint-scan"
    Tab.Gate -> "gate-ready"
    Tab.Setup -> "setup-check"
    Tab.Volunteer -> "volunteer-people"
    Tab.Hotline -> "hotline-qa"
    Tab.Settings, Tab.More -> "settings"
}

/** The destinations in the bottom bar. */
private val PRIMARY_TABS = listOf(Tab.Pass, Tab.Declare, Tab.Places, Tab.Results, Tab.More)

/** What "More" lists, in this order. */
private val MORE_TABS = listOf(Tab.Hotline, Tab.Profiles, Tab.Check, Tab.Gate, Tab.Volunteer, Tab.Setup, Tab.Settings)

private fun iconOf(t: Tab) = when (t) {
    Tab.Pass -> Icons.Filled.CheckCircle
    Tab.Places -> Icons.Filled.LocationOn
    Tab.Results -> Icons.AutoMirrored.Filled.List
    Tab.Vaccination -> Icons.Filled.Favorite
    Tab.Quarantine -> Icons.Filled.Home
    Tab.Declare -> Icons.Filled.Edit
    Tab.Profiles -> Icons.Filled.Person
    Tab.Check -> Icons.Filled.Search
    Tab.Gate -> Icons.Filled.Lock
    Tab.Setup -> Icons.Filled.Build
    Tab.Volunteer -> Icons.Filled.Face
    Tab.Settings -> Icons.Filled.Settings
    Tab.More -> Icons.Filled.Menu
    Tab.Hotline -> Icons.Filled.Call
}

/** The pages of the health destination: test results, vaccination and home quarantine (when the core offers them). */
private enum class HealthPage(val label: Str) { Results(Str.Results), Vaccination(Str.VaccinationTab), Quarantine(Str.QuarantineTitle) }

@Composable
private fun HealthTab(holder: ScreensHolder, start: HealthPage) {
    val pages = HealthPage.entries.filter {
        when (it) {
            HealthPage.Results -> true
            HealthPage.Vaccination -> holder.vaccination != null
            HealthPage.Quarantine -> holder.quarantine != null
        }
    }
    var page by rememberSaveable(start) { mutableStateOf(start.takeIf { it in pages } ?: HealthPage.Results) }
    if (pages.size == 1) {
        ResultsTab(holder)
        return
    }
    androidx.compose.foundation.layout.Column {
        androidx.compose.material3.TabRow(selectedTabIndex = pages.indexOf(page).coerceAtLeast(0)) {
            for (p in pages) {
                androidx.compose.material3.Tab(
                    selected = page == p,
                    onClick = { page = p },
                    text = { Text(tr(p.label)) },
                )
            }
        }
        Box(Modifier.weight(1f)) {
            when (page) {
                HealthPage.Results -> ResultsTab(holder)
                HealthPage.Vaccination -> VaccinationTab(holder)
                HealthPage.Quarantine -> QuarantineTab(holder)
            }
        }
    }
}

/** Home quarantine: countdown, commitment, enrolment, check-in (the sticker scanned with the camera the gate uses) and cases. */
@Composable
private fun QuarantineTab(holder: ScreensHolder) {
    val vm = holder.quarantine ?: return
    val state by vm.state.collectAsStateWithLifecycle()
    if (state.page != org.healthbook.core.wrapper.QuarantinePage.Countdown) {
        androidx.activity.compose.BackHandler { vm.onEvent(org.healthbook.core.wrapper.QuarantineEvent.Back) }
    }
    QuarantineScreen(state, rememberNow(), onEvent = vm::onEvent, scanner = { onScan -> CameraScanner(onScan) })
}

/** The list under "More": one button per tool this installation has. */
@Composable
private fun MoreTab(holder: ScreensHolder, open: (Tab) -> Unit) {
    androidx.compose.foundation.layout.Column(
        Modifier.fillMaxSize().padding(16.dp),
        verticalArrangement = androidx.compose.foundation.layout.Arrangement.spacedBy(8.dp),
    ) {
        for (t in MORE_TABS) {
            if (t == Tab.Volunteer && holder.volunteer == null) continue
            if (t == Tab.Hotline && holder.hotline == null) continue
            androidx.compose.material3.OutlinedButton(onClick = { open(t) }, modifier = Modifier.fillMaxWidth()) {
                Icon(iconOf(t), null)
                androidx.compose.foundation.layout.Spacer(Modifier.width(12.dp))
                Text(tr(t.label), modifier = Modifier.weight(1f))
            }
        }
    }
}

@Composable
private fun MoreContent(holder: ScreensHolder, tab: Tab, language: Language) {
    when (tab) {
        Tab.Profiles -> ProfilesTab(holder)
        Tab.Check -> CheckTab(holder)
        Tab.Gate -> GateTab(holder)
        Tab.Setup -> SetupTab(holder)
        Tab.Volunteer -> VolunteerTab(holder, language)
        Tab.Settings -> SettingsTab(holder)
        Tab.Hotline -> HotlineTab(holder)
        else -> Unit
    }
}

/** The hotline: the Q&A searched offline, one entry, the ask form, my questions; back returns to the Q&A first. */
@Composable
private fun HotlineTab(holder: ScreensHolder) {
    val vm = holder.hotline ?: return
    val state by vm.state.collectAsStateWithLifecycle()
    if (state.page != HotlinePage.Qa) {
        androidx.activity.compose.BackHandler { vm.onEvent(HotlineEvent.Back) }
    }
    HotlineScreen(state, rememberNow(), ZoneId.systemDefault(), onEvent = vm::onEvent)
}

/** Ticks once a second, for countdowns and ages. */
@Composable
private fun rememberNow(): Instant {
    val now by produceState(Instant.now()) {
        while (true) {
            delay(1_000)
            value = Instant.now()
        }
    }
    return now
}

/** The passes; while a home-quarantine order runs, its card on top ([onOpenQuarantine] opens the quarantine page). */
@Composable
private fun PassTab(holder: ScreensHolder, onOpenQuarantine: () -> Unit) {
    val list by holder.profiles.state.collectAsStateWithLifecycle()
    val profiles = (list as? ProfileListState.Loaded)?.profiles.orEmpty()
    val now = rememberNow()
    val quarantine = holder.quarantine?.state?.collectAsStateWithLifecycle()?.value?.active
    if (quarantine != null) {
        androidx.compose.foundation.layout.Column {
            QuarantineHomeCard(quarantine, now, onOpenQuarantine, Modifier.padding(16.dp))
            Box(Modifier.weight(1f)) { PassPages(holder, profiles, now) }
        }
    } else {
        PassPages(holder, profiles, now)
    }
}

@Composable
private fun PassPages(holder: ScreensHolder, profiles: List<org.healthbook.core.Profile>, now: Instant) {
    val pages = profiles.map { profile ->
        val vm = holder.pass(profile.id)
        val state by vm.state.collectAsStateWithLifecycle()
        PassPage(profile.id, profile.fullName, state)
    }
    LaunchedEffect(Unit) { profiles.forEach { holder.pass(it.id).onEvent(PassEvent.Reload) } }
    PassScreen(
        pages, now, AndroidQrDecoder,
        onRefresh = { holder.pass(it).onEvent(PassEvent.Refresh) },
        onDismissError = { holder.pass(it).onEvent(PassEvent.DismissError) },
    )
}

/** The test results: the list, a sample's detail, or registering a new one (scanned with the camera or typed). */
@Composable
private fun ResultsTab(holder: ScreensHolder) {
    val vm = holder.results
    val state by vm.state.collectAsStateWithLifecycle()
    val list by holder.profiles.state.collectAsStateWithLifecycle()
    val profiles = (list as? ProfileListState.Loaded)?.profiles.orEmpty().map { ProfileChoice(it.id, it.fullName) }
    val now = rememberNow()
    var registering by rememberSaveable { mutableStateOf(false) }
    when {
        registering -> RegisterSampleScreen(
            state, profiles, now,
            onRegister = { profileId, code -> vm.onEvent(TestResultsEvent.Register(profileId, code)) },
            onCodeEdited = { vm.onEvent(TestResultsEvent.CodeEdited) },
            onDone = {
                vm.onEvent(TestResultsEvent.DismissRegistered)
                registering = false
            },
            onBack = { registering = false },
            onDismissError = { vm.onEvent(TestResultsEvent.DismissError) },
            scanner = { onScan -> CameraScanner(onScan) },
        )
        state.openSample != null -> SampleDetailScreen(
            state, now, AndroidQrDecoder,
            onKeep = { vm.onEvent(TestResultsEvent.KeepCertificate(it)) },
            onBack = { vm.onEvent(TestResultsEvent.Close) },
            onDismissError = { vm.onEvent(TestResultsEvent.DismissError) },
        )
        else -> SampleListScreen(
            state, now,
            onOpen = { vm.onEvent(TestResultsEvent.Open(it)) },
            onAdd = { registering = true },
            onRefresh = { vm.onEvent(TestResultsEvent.Refresh) },
            onDismissError = { vm.onEvent(TestResultsEvent.DismissError) },
        )
    }
}

private enum class PlacesPage { Diary, Scan, Manual, Alerts }

/** The citizen's places: the diary, scanning a poster (camera), a manual entry, the exposure alerts. */
@Composable
private fun PlacesTab(holder: ScreensHolder) {
    val vm = holder.checkIns
    val state by vm.state.collectAsStateWithLifecycle()
    val list by holder.profiles.state.collectAsStateWithLifecycle()
    val profiles = (list as? ProfileListState.Loaded)?.profiles.orEmpty().map { ProfileChoice(it.id, it.fullName) }
    val now = rememberNow()
    val zone = ZoneId.systemDefault()
    var page by rememberSaveable { mutableStateOf(PlacesPage.Diary) }
    // Automatic check-outs happen while the app is closed; show them whenever the diary comes back.
    LaunchedEffect(page) { if (page == PlacesPage.Diary) vm.onEvent(CheckInEvent.Reload) }
    val dismissError = { vm.onEvent(CheckInEvent.DismissError) }
    when (page) {
        PlacesPage.Diary -> DiaryScreen(
            state, profiles, now, zone,
            onScan = { page = PlacesPage.Scan },
            onAddManual = { page = PlacesPage.Manual },
            onAlerts = { page = PlacesPage.Alerts },
            onCheckOut = { vm.onEvent(CheckInEvent.CheckOut(it)) },
            onDelete = { vm.onEvent(CheckInEvent.Delete(it)) },
            onDismissError = dismissError,
        )
        PlacesPage.Scan -> CheckInScanScreen(
            state, profiles, zone,
            onScan = { profileId, text -> vm.onEvent(CheckInEvent.Scan(profileId, text)) },
            onDismissResult = {
                vm.onEvent(CheckInEvent.DismissCheckedIn)
                vm.onEvent(CheckInEvent.DismissRefusal)
            },
            onBack = { page = PlacesPage.Diary },
            onDismissError = dismissError,
            scanner = { onScan -> CameraScanner(onScan) },
        )
        PlacesPage.Manual -> ManualEntryScreen(
            state, profiles, now, zone,
            onSave = { profileId, place, date, from, to -> vm.onEvent(CheckInEvent.AddManual(profileId, place, date, from, to)) },
            onEdited = { vm.onEvent(CheckInEvent.ManualEdited(it)) },
            onDone = {
                vm.onEvent(CheckInEvent.DismissManual)
                page = PlacesPage.Diary
            },
            onBack = {
                vm.onEvent(CheckInEvent.DismissManual)
                page = PlacesPage.Diary
            },
            onDismissError = dismissError,
        )
        PlacesPage.Alerts -> ExposureScreen(
            state, now, zone,
            onCheck = { vm.onEvent(CheckInEvent.CheckExposure) },
            onMarkSeen = { vm.onEvent(CheckInEvent.MarkSeen(it)) },
            onBack = { page = PlacesPage.Diary },
            onDismissError = dismissError,
        )
    }
}

/** The gate device: the bind form until the device is bound, then the scan loop (camera). */
@Composable
private fun GateTab(holder: ScreensHolder) {
    val vm = holder.gate
    val state by vm.state.collectAsStateWithLifecycle()
    if (state.gate == null) {
        GateBindScreen(
            state,
            onBind = { gateId, username, password -> vm.onEvent(GateEvent.Bind(gateId, username, password)) },
            onEdited = { vm.onEvent(GateEvent.BindEdited(it)) },
            onDismissError = { vm.onEvent(GateEvent.DismissError) },
        )
    } else {
        GateScanScreen(
            state, rememberNow(), ZoneId.systemDefault(),
            onDirection = { vm.onEvent(GateEvent.SetDirection(it)) },
            onScan = { vm.onEvent(GateEvent.Scan(it)) },
            onClear = { vm.onEvent(GateEvent.Clear) },
            onSync = { vm.onEvent(GateEvent.Sync) },
            onUnbind = { vm.onEvent(GateEvent.Unbind) },
            onDismissError = { vm.onEvent(GateEvent.DismissError) },
            scanner = { onScan -> CameraScanner(onScan) },
        )
    }
}

/** The set-up check, run again each time the tab is opened (a permission may have changed meanwhile). */
@Composable
private fun SetupTab(holder: ScreensHolder) {
    val vm = holder.setupCheck
    val state by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.onEvent(SetupCheckEvent.CheckAgain) }
    SetupCheckScreen(state, onCheckAgain = { vm.onEvent(SetupCheckEvent.CheckAgain) })
}

/** The volunteer's people; declaring on someone's behalf opens the declaration screen with their profile. */
@Composable
private fun VolunteerTab(holder: ScreensHolder, language: Language) {
    val vm = holder.volunteer ?: return
    val state by vm.state.collectAsStateWithLifecycle()
    var declaringFor by rememberSaveable { mutableStateOf<String?>(null) }
    val profileId = declaringFor
    if (profileId != null) {
        val form = remember(profileId) { holder.declaration(profileId, language) }
        val formState by form.state.collectAsStateWithLifecycle()
        androidx.activity.compose.BackHandler { declaringFor = null }
        DeclarationScreen(
            formState,
            onAnswer = { id, value -> form.onEvent(DeclarationFormEvent.Answer(id, value)) },
            onSubmit = { form.onEvent(DeclarationFormEvent.Submit); declaringFor = null },
            onReload = { form.onEvent(DeclarationFormEvent.Reload) },
            onDismissError = { form.onEvent(DeclarationFormEvent.DismissError) },
        )
    } else {
        VolunteerScreen(state, onEvent = vm::onEvent, onDeclare = { declaringFor = it }, decoder = AndroidQrDecoder)
    }
}

@Composable
private fun DeclareTab(holder: ScreensHolder, language: Language) {
    val list by holder.profiles.state.collectAsStateWithLifecycle()
    val me = (list as? ProfileListState.Loaded)?.profiles?.firstOrNull() ?: return
    val vm = remember(me.id) { holder.declaration(me.id, language) }
    val state by vm.state.collectAsStateWithLifecycle()
    var showOutbox by rememberSaveable { mutableStateOf(false) }
    val ready = state as? DeclarationFormState.Ready
    if (showOutbox && ready != null) {
        OutboxScreen(
            ready.outbox, ready.sync, ready.error, rememberNow(),
            onSyncNow = { vm.onEvent(DeclarationFormEvent.SyncNow) },
            onRetry = { vm.onEvent(DeclarationFormEvent.Retry(it)) },
            onDismissError = { vm.onEvent(DeclarationFormEvent.DismissError) },
        )
    } else {
        DeclarationScreen(
            state,
            onAnswer = { id, value -> vm.onEvent(DeclarationFormEvent.Answer(id, value)) },
            onSubmit = { vm.onEvent(DeclarationFormEvent.Submit); showOutbox = true },
            onReload = { vm.onEvent(DeclarationFormEvent.Reload) },
            onDismissError = { vm.onEvent(DeclarationFormEvent.DismissError) },
        )
    }
}

@Composable
private fun ProfilesTab(holder: ScreensHolder) {
    val state by holder.profiles.state.collectAsStateWithLifecycle()
    var editor by remember { mutableStateOf<ProfileEditorState?>(null) }
    val open = editor
    if (open != null) {
        val error = (state as? ProfileListState.Loaded)?.error
        ProfileEditScreen(
            open.copy(error = error), AdminUnits.provinces, AdminUnits.wardsOf(open.provinceCode),
            onChange = { editor = it },
            onSave = { input ->
                holder.profiles.onEvent(if (open.id == null) ProfileListEvent.Add(input) else ProfileListEvent.Update(open.id, input))
                editor = null
            },
            onCancel = { editor = null; holder.profiles.onEvent(ProfileListEvent.DismissError) },
        )
    } else {
        ProfileListScreen(
            state,
            onAdd = { editor = ProfileEditorState() },
            onEdit = { editor = ProfileEditorState.of(it) },
            onRemove = { holder.profiles.onEvent(ProfileListEvent.Remove(it.id)) },
            onRetry = { holder.profiles.onEvent(ProfileListEvent.Refresh) },
            onDismissError = { holder.profiles.onEvent(ProfileListEvent.DismissError) },
        )
    }
}

@Composable
private fun CheckTab(holder: ScreensHolder) {
    val state by holder.checkpoint.state.collectAsStateWithLifecycle()
    CheckpointScreen(
        state,
        onScan = { holder.checkpoint.onEvent(CheckpointEvent.Scan(it)) },
        onClear = { holder.checkpoint.onEvent(CheckpointEvent.Clear) },
        onRefreshTrust = { holder.checkpoint.onEvent(CheckpointEvent.RefreshTrust) },
        onDismissError = { holder.checkpoint.onEvent(CheckpointEvent.DismissError) },
        scanner = { onScan -> CameraScanner(onScan) },
    )
}

/** The citizen's vaccination: records and invitations, and the certificate wallet opened from them. */
@Composable
private fun VaccinationTab(holder: ScreensHolder) {
    val vm = holder.vaccination ?: return
    val walletVm = holder.wallet ?: return
    val state by vm.state.collectAsStateWithLifecycle()
    var walletOpen by rememberSaveable { mutableStateOf(false) }
    if (walletOpen) {
        val wallet by walletVm.state.collectAsStateWithLifecycle()
        // A refresh may have brought a new certificate since the wallet was last read.
        LaunchedEffect(Unit) { walletVm.onEvent(WalletEvent.Reload) }
        androidx.activity.compose.BackHandler { walletOpen = false }
        CertificateWalletScreen(
            wallet, rememberNow(), ZoneId.systemDefault(), AndroidQrDecoder,
            onSelect = { walletVm.onEvent(WalletEvent.Select(it)) },
            onBack = { walletOpen = false },
        )
    } else {
        VaccinationScreen(
            state, rememberNow(), java.time.LocalDate.now(), ZoneId.systemDefault(),
            onEvent = vm::onEvent,
            onOpenWallet = { walletOpen = true },
        )
    }
}

/** The vaccination site (health officers): pick a site, scan with the camera the gate uses, record a dose. */
@Composable
private fun VaccinationSitePage(holder: ScreensHolder, onBack: () -> Unit) {
    val vm = holder.vaccinationSite ?: return
    val state by vm.state.collectAsStateWithLifecycle()
    androidx.activity.compose.BackHandler(onBack = onBack)
    VaccinationSiteScreen(state, ZoneId.systemDefault(), AndroidQrDecoder, onEvent = vm::onEvent, scanner = { onScan -> CameraScanner(onScan) })
}

@Composable
private fun SettingsTab(holder: ScreensHolder) {
    val state by holder.settings.state.collectAsStateWithLifecycle()
    var siteOpen by rememberSaveable { mutableStateOf(false) }
    if (siteOpen && holder.vaccinationSite != null) {
        VaccinationSitePage(holder) { siteOpen = false }
        return
    }
    SettingsScreen(
        SettingsUiState(
            state.language, state.serverUrl.orEmpty(), state.trust, state.trustRefreshedAt, state.refreshingTrust, state.dccKeyIds,
            state.error?.let { settingsErrorText(it) },
        ),
        rememberNow(),
        onLanguage = { holder.settings.onEvent(SettingsEvent.SetLanguage(it)) },
        onServerUrl = { holder.settings.onEvent(SettingsEvent.SetServerUrl(it)) },
        onRefreshTrust = { holder.settings.onEvent(SettingsEvent.RefreshTrust) },
        onAddDccCertificate = { holder.settings.onEvent(SettingsEvent.AddDccCertificate(it)) },
        onDismissError = { holder.settings.onEvent(SettingsEvent.DismissError) },
        onOpenVaccinationSite = holder.vaccinationSite?.let { { siteOpen = true } },
    )
}

/** SHA-256 of the base64 key, as colon-separated hex, for a person to compare with the published one. */
private fun fingerprint(base64Key: String): String {
    val der = android.util.Base64.decode(base64Key, android.util.Base64.DEFAULT)
    val digest = java.security.MessageDigest.getInstance("SHA-256").digest(der)
    return "SHA-256 " + digest.joinToString(":") { "%02X".format(it) }
}
