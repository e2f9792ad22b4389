//! The set-up check over the FFI: the shell passes what only it knows (permissions) and gets every step back in
//! the app's language.

use healthbook_core as core;
use healthbook_core::setup as setup_core;

/// How one step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SetupState {
    /// Nothing to do.
    Ok,
    /// Works for now; something should be done soon.
    Warning,
    /// Something the person will miss until it is fixed.
    Problem,
    /// Could not be checked on this device.
    NotChecked,
}

impl From<setup_core::SetupState> for SetupState {
    fn from(s: setup_core::SetupState) -> Self {
        match s {
            setup_core::SetupState::Ok => Self::Ok,
            setup_core::SetupState::Warning => Self::Warning,
            setup_core::SetupState::Problem => Self::Problem,
            setup_core::SetupState::NotChecked => Self::NotChecked,
        }
    }
}

/// One step of the check, in the app's language.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SetupStep {
    /// Stable id: `camera`, `notifications`, `location`, `server`, `trust_list`, `profiles_bound`, `pass_fresh`,
    /// `outbox_empty`.
    pub id: String,
    /// The step's name.
    pub title: String,
    /// How it stands.
    pub state: SetupState,
    /// What was found.
    pub detail: String,
    /// What to do about it (empty when fine).
    pub action: String,
}

/// What only the platform knows; `None` when the shell could not tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PlatformFacts {
    /// Camera permission.
    pub camera_allowed: Option<bool>,
    /// Notification permission.
    pub notifications_allowed: Option<bool>,
    /// Location permission.
    pub location_allowed: Option<bool>,
}

impl From<PlatformFacts> for setup_core::PlatformFacts {
    fn from(f: PlatformFacts) -> Self {
        Self { camera_allowed: f.camera_allowed, notifications_allowed: f.notifications_allowed, location_allowed: f.location_allowed }
    }
}

/// The set-up check a volunteer runs while helping someone install the app.
#[derive(uniffi::Object)]
pub struct SetupCheck(pub(crate) core::Healthbook);

#[uniffi::export(async_runtime = "tokio")]
impl SetupCheck {
    /// Runs every step (the server step reaches the server with a short timeout) and returns them in order, in the
    /// app's language (Vietnamese when the setting can't be read).
    pub async fn check(&self, facts: PlatformFacts) -> Vec<SetupStep> {
        let language = self.0.settings().language().await.unwrap_or_default();
        self.0
            .setup_check(facts.into())
            .await
            .into_iter()
            .map(|s| SetupStep {
                id: s.id.as_str().to_owned(),
                title: s.title.get(language).to_owned(),
                state: s.state.into(),
                detail: s.detail.get(language).to_owned(),
                action: s.action.get(language).to_owned(),
            })
            .collect()
    }
}
