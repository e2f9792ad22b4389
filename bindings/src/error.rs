//! The public error enums, one per area, and the one place where core errors map onto them.
//!
//! Messages carry no personal data: only field names, ids and reasons.

use healthbook_core as core;
use healthbook_core::storage::StorageError;

use crate::profiles::ProfileField;

/// Why a data directory could not be opened.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum OpenError {
    /// The directory can't be created or written.
    #[error("data directory unusable: {reason}")]
    InvalidDataDir {
        /// What the file system said.
        reason: String,
    },
    /// The platform key store failed; retry when the device is unlocked.
    #[error("key store failed: {reason}")]
    KeyStore {
        /// What the key store said.
        reason: String,
    },
    /// The key store's key doesn't open this database (key lost or replaced); the data can't be read.
    #[error("data key does not match: {reason}")]
    KeyMismatch {
        /// Details.
        reason: String,
    },
    /// The database is written by a newer app version; update the app.
    #[error("database version {found} is newer than supported {supported}")]
    NewerSchema {
        /// Version in the file.
        found: u32,
        /// Newest version this build knows.
        supported: u32,
    },
    /// A migration failed; the database was left at its previous version.
    #[error("migration failed: {reason}")]
    Migration {
        /// Details.
        reason: String,
    },
    /// Another storage failure.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

impl From<core::OpenError> for OpenError {
    fn from(e: core::OpenError) -> Self {
        match e {
            core::OpenError::InvalidDataDir(reason) => Self::InvalidDataDir { reason },
            core::OpenError::KeyStore(core::KeyStoreError::Unavailable(reason)) => Self::KeyStore { reason },
            core::OpenError::KeyMismatch(reason) => Self::KeyMismatch { reason },
            core::OpenError::Storage(StorageError::NewerSchema { found, supported }) => Self::NewerSchema { found, supported },
            core::OpenError::Storage(e @ StorageError::Migration { .. }) => Self::Migration { reason: e.to_string() },
            core::OpenError::Storage(e) => Self::Storage { reason: e.to_string() },
        }
    }
}

/// Why a profile operation failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ProfileError {
    /// A field is invalid; show `reason` next to `field`.
    #[error("invalid {field:?}: {reason}")]
    InvalidField {
        /// The field at fault.
        field: ProfileField,
        /// Why, in plain words.
        reason: String,
    },
    /// No profile has this id.
    #[error("no profile {id}")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// Another profile on this phone already has this citizen id.
    #[error("duplicate citizen id")]
    DuplicateCitizenId,
    /// The phone already has its owner's profile.
    #[error("the owner's profile already exists")]
    SelfProfileExists,
    /// A stored profile can't be decrypted or parsed.
    #[error("profile {id} unreadable: {reason}")]
    Corrupt {
        /// The profile's id.
        id: String,
        /// Details.
        reason: String,
    },
    /// The data key could not seal or open a value (wrong key, or data altered).
    #[error("data key failed: {reason}")]
    DataKey {
        /// Details.
        reason: String,
    },
    /// Storage failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

impl From<core::profiles::ProfileError> for ProfileError {
    fn from(e: core::profiles::ProfileError) -> Self {
        use core::profiles::ProfileError as E;
        match e {
            E::InvalidField { field, reason } => Self::InvalidField { field: field.into(), reason },
            E::NotFound(id) => Self::NotFound { id },
            E::DuplicateCitizenId => Self::DuplicateCitizenId,
            E::SelfProfileExists => Self::SelfProfileExists,
            E::Corrupt { id, reason } => Self::Corrupt { id, reason },
            e @ E::Sealing(_) => Self::DataKey { reason: e.to_string() },
            e @ E::Storage(_) => Self::Storage { reason: e.to_string() },
        }
    }
}

/// Why a settings operation failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum SettingsError {
    /// The server URL is not an absolute http(s) URL.
    #[error("invalid server URL: {reason}")]
    InvalidServerUrl {
        /// Why.
        reason: String,
    },
    /// The root key is not a base64 SPKI DER P-256 public key.
    #[error("invalid root key: {reason}")]
    InvalidRootKey {
        /// Why.
        reason: String,
    },
    /// The maximum trust-list age is outside 1 to 720 hours.
    #[error("the maximum trust-list age must be 1 to 720 hours")]
    InvalidTrustMaxAge,
    /// Storage failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

impl From<core::settings::SettingsError> for SettingsError {
    fn from(e: core::settings::SettingsError) -> Self {
        match e {
            core::settings::SettingsError::InvalidServerUrl(reason) => Self::InvalidServerUrl { reason },
            e @ core::settings::SettingsError::InsecureServerUrl(_) => Self::InvalidServerUrl { reason: e.to_string() },
            core::settings::SettingsError::InvalidRootKey(reason) => Self::InvalidRootKey { reason },
            core::settings::SettingsError::InvalidTrustMaxAge => Self::InvalidTrustMaxAge,
            e @ core::settings::SettingsError::Storage(_) => Self::Storage { reason: e.to_string() },
        }
    }
}

/// Why a declaration operation failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum DeclarationError {
    /// The answers are invalid; show each error next to its question.
    #[error("{} invalid answer(s)", errors.len())]
    InvalidAnswers {
        /// Every field error.
        errors: Vec<crate::declarations::FieldError>,
    },
    /// No such form.
    #[error("unknown form {form_id}")]
    UnknownForm {
        /// The id asked for.
        form_id: String,
    },
    /// No such declaration, profile or outbox item.
    #[error("not found: {id}")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// The profile the declaration is about is invalid; show `reason` next to `field` on the profile.
    #[error("invalid profile {field:?}: {reason}")]
    InvalidProfile {
        /// The profile field at fault.
        field: ProfileField,
        /// Why.
        reason: String,
    },
    /// No server URL is configured (or the stored one is unusable).
    #[error("no server configured")]
    NoServer,
    /// The server can't be reached; queued declarations stay queued.
    #[error("server unreachable: {reason}")]
    Unreachable {
        /// Details.
        reason: String,
    },
    /// The server refused, failed, or refused this device's sign-in.
    #[error("server error: {reason}")]
    Server {
        /// Details.
        reason: String,
    },
    /// A stored record can't be parsed.
    #[error("stored record unreadable: {reason}")]
    Corrupt {
        /// Details.
        reason: String,
    },
    /// The data key could not seal or open a value (wrong key, or data altered).
    #[error("data key failed: {reason}")]
    DataKey {
        /// Details.
        reason: String,
    },
    /// Storage failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

impl From<core::profiles::ProfileError> for DeclarationError {
    fn from(e: core::profiles::ProfileError) -> Self {
        use core::profiles::ProfileError as P;
        match e {
            P::NotFound(id) => Self::NotFound { id },
            P::InvalidField { field, reason } => Self::InvalidProfile { field: field.into(), reason },
            e @ P::DuplicateCitizenId => Self::InvalidProfile { field: ProfileField::CitizenId, reason: e.to_string() },
            e @ P::SelfProfileExists => Self::InvalidProfile { field: ProfileField::Relation, reason: e.to_string() },
            e @ P::Corrupt { .. } => Self::Corrupt { reason: e.to_string() },
            e @ P::Sealing(_) => Self::DataKey { reason: e.to_string() },
            e @ P::Storage(_) => Self::Storage { reason: e.to_string() },
        }
    }
}

impl From<core::outbox::OutboxError> for DeclarationError {
    fn from(e: core::outbox::OutboxError) -> Self {
        match SyncError::from(e) {
            SyncError::NoServer => Self::NoServer,
            SyncError::Unreachable { reason } => Self::Unreachable { reason },
            SyncError::SignInRefused { reason } => Self::Server { reason },
            SyncError::NotFound { item_id } => Self::NotFound { id: item_id.to_string() },
            SyncError::Corrupt { reason, .. } => Self::Corrupt { reason },
            SyncError::DataKey { reason } => Self::DataKey { reason },
            SyncError::Storage { reason } => Self::Storage { reason },
        }
    }
}

impl From<core::declarations::DeclarationError> for DeclarationError {
    fn from(e: core::declarations::DeclarationError) -> Self {
        use core::declarations::DeclarationError as E;
        match e {
            E::Invalid(errors) => Self::InvalidAnswers { errors: errors.into_iter().map(Into::into).collect() },
            E::UnknownForm(form_id) => Self::UnknownForm { form_id },
            E::NotFound(id) => Self::NotFound { id },
            E::Profile(p) => p.into(),
            E::Client(c) if c.is_transient() => Self::Unreachable { reason: c.to_string() },
            E::Client(c) => Self::Server { reason: c.to_string() },
            E::Outbox(o) => o.into(),
            e @ E::Corrupt(_) => Self::Corrupt { reason: e.to_string() },
            e @ E::Sealing(_) => Self::DataKey { reason: e.to_string() },
            e @ E::Storage(_) => Self::Storage { reason: e.to_string() },
        }
    }
}

/// Why a sync operation failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum SyncError {
    /// No server URL is configured in the settings.
    #[error("no server configured")]
    NoServer,
    /// The server refused this device's sign-in.
    #[error("sign-in refused: {reason}")]
    SignInRefused {
        /// Details.
        reason: String,
    },
    /// No outbox item with this id.
    #[error("no outbox item {item_id}")]
    NotFound {
        /// The id asked for.
        item_id: i64,
    },
    /// The server can't be reached; nothing was sent.
    #[error("server unreachable: {reason}")]
    Unreachable {
        /// Details.
        reason: String,
    },
    /// A queued item can't be read.
    #[error("outbox item {item_id} unreadable: {reason}")]
    Corrupt {
        /// The item.
        item_id: i64,
        /// Details.
        reason: String,
    },
    /// The data key could not seal or open a value (wrong key, or data altered).
    #[error("data key failed: {reason}")]
    DataKey {
        /// Details.
        reason: String,
    },
    /// Storage failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

impl From<core::session::SessionError> for SyncError {
    fn from(e: core::session::SessionError) -> Self {
        use core::session::SessionError as S;
        match e {
            S::Client(c) if c.is_transient() => Self::Unreachable { reason: c.to_string() },
            S::Client(c) => Self::SignInRefused { reason: c.to_string() },
            e @ S::Sealing(_) => Self::DataKey { reason: e.to_string() },
            e @ S::Storage(_) => Self::Storage { reason: e.to_string() },
        }
    }
}

impl From<core::outbox::OutboxError> for SyncError {
    fn from(e: core::outbox::OutboxError) -> Self {
        use core::outbox::OutboxError as E;
        use core::settings::SettingsError as S;
        match e {
            E::NoServer => Self::NoServer,
            E::Session(session) => session.into(),
            E::NotFound(item_id) => Self::NotFound { item_id },
            E::Corrupt(item_id, reason) => Self::Corrupt { item_id, reason: reason.to_owned() },
            // A stored server URL that no longer parses is as good as none.
            E::Settings(S::InvalidServerUrl(_) | S::InsecureServerUrl(_) | S::InvalidRootKey(_) | S::InvalidTrustMaxAge) => Self::NoServer,
            e @ E::Settings(S::Storage(_)) => Self::Storage { reason: e.to_string() },
            e @ E::Sealing(_) => Self::DataKey { reason: e.to_string() },
            e @ E::Storage(_) => Self::Storage { reason: e.to_string() },
        }
    }
}

/// Why a pass or verifier operation failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum PassError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// No root key is pinned; trust lists can't be checked.
    #[error("no root key pinned")]
    NoRootKey,
    /// The server can't be reached; show the kept pass.
    #[error("server unreachable: {reason}")]
    Unreachable {
        /// Details.
        reason: String,
    },
    /// The profile is not bound to a person: bind it (SMS code or attestation) before asking for a pass.
    #[error("profile {profile_id} is not bound")]
    NotBound {
        /// The profile.
        profile_id: String,
    },
    /// The server refused or failed.
    #[error("server error: {reason}")]
    Server {
        /// Details.
        reason: String,
    },
    /// The pass from the server does not verify against the trust list.
    #[error("untrusted pass: {reason}")]
    Untrusted {
        /// Details.
        reason: String,
    },
    /// A certificate or key is unusable.
    #[error("bad certificate: {reason}")]
    BadCertificate {
        /// Details.
        reason: String,
    },
    /// No such profile.
    #[error("no profile {id}")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// The QR could not be rendered.
    #[error("render failed: {reason}")]
    Render {
        /// Details.
        reason: String,
    },
    /// The profile is invalid; show `reason` next to `field` on the profile.
    #[error("invalid profile {field:?}: {reason}")]
    InvalidProfile {
        /// The profile field at fault.
        field: ProfileField,
        /// Why.
        reason: String,
    },
    /// The data key could not seal or open a value (wrong key, or data altered).
    #[error("data key failed: {reason}")]
    DataKey {
        /// Details.
        reason: String,
    },
    /// Storage failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

impl From<core::passes::PassError> for PassError {
    fn from(e: core::passes::PassError) -> Self {
        use core::passes::PassError as E;
        match e {
            E::NoServer => Self::NoServer,
            E::NoRootKey => Self::NoRootKey,
            e @ E::Unreachable(_) => Self::Unreachable { reason: e.to_string() },
            E::Untrusted(refusal) => Self::Untrusted { reason: refusal.to_string() },
            E::NotBound(profile_id) => Self::NotBound { profile_id },
            E::Profile(p) => match ProfileError::from(p) {
                ProfileError::NotFound { id } => Self::NotFound { id },
                ProfileError::InvalidField { field, reason } => Self::InvalidProfile { field, reason },
                e @ ProfileError::DuplicateCitizenId => Self::InvalidProfile { field: ProfileField::CitizenId, reason: e.to_string() },
                e @ ProfileError::SelfProfileExists => Self::InvalidProfile { field: ProfileField::Relation, reason: e.to_string() },
                ProfileError::DataKey { reason } => Self::DataKey { reason },
                e @ (ProfileError::Corrupt { .. } | ProfileError::Storage { .. }) => Self::Storage { reason: e.to_string() },
            },
            e @ (E::Client(_) | E::Session(core::session::SessionError::Client(_))) => Self::Server { reason: e.to_string() },
            e @ E::Session(core::session::SessionError::Sealing(_)) => Self::DataKey { reason: e.to_string() },
            e @ E::Session(core::session::SessionError::Storage(_)) => Self::Storage { reason: e.to_string() },
            e @ E::Checkpoint(_) => Self::BadCertificate { reason: e.to_string() },
            // A stored server URL that no longer parses is as good as none.
            E::Settings(
                core::settings::SettingsError::InvalidServerUrl(_)
                | core::settings::SettingsError::InsecureServerUrl(_)
                | core::settings::SettingsError::InvalidRootKey(_)
                | core::settings::SettingsError::InvalidTrustMaxAge,
            ) => Self::NoServer,
            e @ E::Settings(core::settings::SettingsError::Storage(_)) => Self::Storage { reason: e.to_string() },
            e @ E::Sealing(_) => Self::DataKey { reason: e.to_string() },
            e @ (E::Corrupt(_) | E::Storage(_)) => Self::Storage { reason: e.to_string() },
        }
    }
}

impl From<core::trust::TrustStoreError> for PassError {
    fn from(e: core::trust::TrustStoreError) -> Self {
        core::passes::PassError::from(e).into()
    }
}
