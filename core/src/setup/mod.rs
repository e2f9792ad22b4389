//! The set-up check a volunteer runs while helping someone install the app: permissions (facts only the
//! platform knows, passed in), the server, the trust list, the profiles' bindings and passes, and the outbox.
//!
//! Every step gets a state and plain words in Vietnamese and English (what was found, what to do). The check
//! never fails as a whole: a step whose data can't be read is a problem of that step, so the list is always
//! complete. Only the server step touches the network, with a short timeout and no retry. Files: `words.rs`
//! (the texts), `tests.rs`.

mod words;

#[cfg(test)]
mod tests;

use std::time::Duration;

use chrono::{DateTime, Utc};
use healthbook_protocol::Language;

use crate::client::{ClientConfig, RetryPolicy, ServerClient};
use crate::healthbook::Healthbook;
use crate::outbox::OutboxState;
use words::Found;

/// Longest wait for the server's `/healthz` answer: a volunteer is standing beside the person, waiting.
pub const DEFAULT_SERVER_TIMEOUT: Duration = Duration::from_secs(4);

/// What only the platform knows; `None` when the shell could not tell (a laptop has no such permissions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlatformFacts {
    /// Whether the camera may be used (scanning posters, cards and passes).
    pub camera_allowed: Option<bool>,
    /// Whether the app may show notifications (exposure alerts, results, reminders).
    pub notifications_allowed: Option<bool>,
    /// Whether the app may read the location (quarantine check-ins at home).
    pub location_allowed: Option<bool>,
}

/// The steps, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetupStepId {
    /// Camera permission.
    Camera,
    /// Notification permission.
    Notifications,
    /// Location permission.
    Location,
    /// The configured server answers `/healthz`.
    Server,
    /// The cached trust list is within its maximum age.
    TrustList,
    /// The profiles are bound to person records.
    ProfilesBound,
    /// Each bound profile has a pass that is not past half its life.
    PassFresh,
    /// Nothing waits in the outbox.
    OutboxEmpty,
}

impl SetupStepId {
    /// Every step, in order.
    pub const ALL: [Self; 8] = [
        Self::Camera,
        Self::Notifications,
        Self::Location,
        Self::Server,
        Self::TrustList,
        Self::ProfilesBound,
        Self::PassFresh,
        Self::OutboxEmpty,
    ];

    /// The stable id the screens and `--json` use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Camera => "camera",
            Self::Notifications => "notifications",
            Self::Location => "location",
            Self::Server => "server",
            Self::TrustList => "trust_list",
            Self::ProfilesBound => "profiles_bound",
            Self::PassFresh => "pass_fresh",
            Self::OutboxEmpty => "outbox_empty",
        }
    }
}

/// How one step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetupState {
    /// Nothing to do.
    Ok,
    /// Works for now, but something should be done soon.
    Warning,
    /// Something the person will miss until it is fixed.
    Problem,
    /// Could not be checked here (a fact the platform did not give).
    NotChecked,
}

impl SetupState {
    /// The stable name (`ok`, `warning`, `problem`, `not_checked`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Problem => "problem",
            Self::NotChecked => "not_checked",
        }
    }
}

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Words {
    /// Vietnamese.
    pub vi: String,
    /// English.
    pub en: String,
}

impl Words {
    /// The text in `language`.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Vi => &self.vi,
            Language::En => &self.en,
        }
    }

    /// Whether both are empty (no action for a step that is fine).
    pub fn is_empty(&self) -> bool {
        self.vi.is_empty() && self.en.is_empty()
    }
}

/// One step of the check with its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupStep {
    /// Which step.
    pub id: SetupStepId,
    /// How it stands.
    pub state: SetupState,
    /// The step's name.
    pub title: Words,
    /// What was found.
    pub detail: Words,
    /// What to do about it; empty when the step is fine or can't be checked here.
    pub action: Words,
}

/// How the check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetupOptions {
    /// Longest wait for the server (connection and answer together).
    pub server_timeout: Duration,
}

impl Default for SetupOptions {
    fn default() -> Self {
        Self { server_timeout: DEFAULT_SERVER_TIMEOUT }
    }
}

impl Healthbook {
    /// Runs every step of the set-up check with the default options.
    pub async fn setup_check(&self, facts: PlatformFacts) -> Vec<SetupStep> {
        self.setup_check_with(facts, SetupOptions::default()).await
    }

    /// Runs every step of the set-up check and returns them in [`SetupStepId::ALL`] order.
    pub async fn setup_check_with(&self, facts: PlatformFacts, options: SetupOptions) -> Vec<SetupStep> {
        let now = self.clock.now();
        let found = vec![
            permission(SetupStepId::Camera, facts.camera_allowed, SetupState::Problem),
            permission(SetupStepId::Notifications, facts.notifications_allowed, SetupState::Problem),
            // Only a quarantine at home needs the location: without it the rest of the app works.
            permission(SetupStepId::Location, facts.location_allowed, SetupState::Warning),
            self.check_server(options.server_timeout).await,
            self.check_trust_list(now).await,
        ];
        let (bound_step, bound_profiles) = self.check_profiles_bound().await;
        let mut found = found;
        found.push(bound_step);
        found.push(self.check_passes(bound_profiles, now).await);
        found.push(self.check_outbox().await);
        found.into_iter().map(words::describe).collect()
    }

    async fn check_server(&self, timeout: Duration) -> Found {
        let url = match self.settings().server_url().await {
            Ok(Some(url)) => url,
            Ok(None) => return Found::NoServer,
            Err(_) => return unreadable(SetupStepId::Server),
        };
        let config = ClientConfig { connect_timeout: timeout, request_timeout: timeout, retry: RetryPolicy::none(), ..ClientConfig::new(url) };
        let client = match ServerClient::new(config, self.clock.clone()) {
            Ok(client) => client,
            Err(_) => return unreadable(SetupStepId::Server),
        };
        match client.health().await {
            Ok(()) => Found::ServerAnswers,
            Err(crate::client::ClientError::Http { status, .. }) => Found::ServerUnwell { status },
            Err(_) => Found::ServerUnreachable,
        }
    }

    async fn check_trust_list(&self, now: DateTime<Utc>) -> Found {
        let max_age = match self.settings().trust_max_age().await {
            Ok(max_age) => max_age,
            Err(_) => return unreadable(SetupStepId::TrustList),
        };
        let Ok(root) = self.trust().root_key() else { return Found::NoTrustList };
        let cache = crate::trust::db::DatabaseTrustCache::new(self.db.clone());
        let cached = tokio::task::spawn_blocking(move || crate::client::cached_trust_list(&root, &cache)).await;
        let list = match cached {
            Ok(Ok(Some(list))) => list,
            Ok(Ok(None)) => return Found::NoTrustList,
            Ok(Err(_)) | Err(_) => return unreadable(SetupStepId::TrustList),
        };
        let age_hours = (now - list.fetched_at).num_hours().max(0);
        let due = list.document.due();
        // The verifier's own rule: past its due time plus the maximum age every verdict says the list is stale.
        if now > due + max_age {
            Found::TrustStale { age_hours }
        } else if now > due {
            Found::TrustDue { age_hours, hours_left: (due + max_age - now).num_hours().max(0) }
        } else {
            Found::TrustFresh { age_hours }
        }
    }

    /// The bound-profiles step, and the ids of the bound profiles for the pass step.
    async fn check_profiles_bound(&self) -> (Found, Option<Vec<String>>) {
        let profiles = match self.profiles().list().await {
            Ok(profiles) => profiles,
            Err(_) => return (unreadable(SetupStepId::ProfilesBound), None),
        };
        let bindings = match self.persons().kept_bindings(None).await {
            Ok(bindings) => bindings,
            Err(_) => return (unreadable(SetupStepId::ProfilesBound), None),
        };
        let bound: Vec<String> =
            profiles.iter().filter(|p| bindings.iter().any(|b| b.profile_id == p.id)).map(|p| p.id.clone()).collect();
        let found = Found::Bindings { profiles: profiles.len(), bound: bound.len() };
        (found, Some(bound))
    }

    async fn check_passes(&self, bound: Option<Vec<String>>, now: DateTime<Utc>) -> Found {
        let Some(bound) = bound.filter(|b| !b.is_empty()) else { return Found::NoBoundProfile };
        let passes = self.passes();
        let (mut fresh, mut ageing, mut missing) = (0, 0, 0);
        for id in &bound {
            match passes.kept(id).await {
                Ok(Some(pass)) if pass.is_expired(now) => missing += 1,
                Ok(Some(pass)) if pass.needs_refresh(now) => ageing += 1,
                Ok(Some(_)) => fresh += 1,
                Ok(None) => missing += 1,
                Err(_) => return unreadable(SetupStepId::PassFresh),
            }
        }
        Found::Passes { fresh, ageing, missing }
    }

    async fn check_outbox(&self) -> Found {
        match self.outbox().list().await {
            Ok(items) => {
                let rejected = items.iter().filter(|i| i.state == OutboxState::Rejected).count();
                Found::Outbox { pending: items.len() - rejected, rejected }
            }
            Err(_) => unreadable(SetupStepId::OutboxEmpty),
        }
    }
}

fn permission(id: SetupStepId, allowed: Option<bool>, when_denied: SetupState) -> Found {
    match allowed {
        Some(true) => Found::Allowed(id),
        Some(false) => Found::Denied(id, when_denied),
        None => Found::Unknown(id),
    }
}

/// A step whose local data could not be read; the error's text is not logged, since it may quote a record.
fn unreadable(id: SetupStepId) -> Found {
    tracing::warn!(step = id.as_str(), "set-up check step could not read its data");
    Found::Unreadable(id)
}
