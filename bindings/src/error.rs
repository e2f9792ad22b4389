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
            e @ (E::Sealing(_) | E::Storage(_)) => Self::Storage { reason: e.to_string() },
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
    /// No such declaration or profile.
    #[error("not found: {id}")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// Storage failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

impl From<core::declarations::DeclarationError> for DeclarationError {
    fn from(e: core::declarations::DeclarationError) -> Self {
        use core::declarations::DeclarationError as E;
        match e {
            E::Invalid(errors) => Self::InvalidAnswers { errors: errors.into_iter().map(Into::into).collect() },
            E::UnknownForm(form_id) => Self::UnknownForm { form_id },
            E::NotFound(id) | E::Profile(core::profiles::ProfileError::NotFound(id)) => Self::NotFound { id },
            other => Self::Storage { reason: other.to_string() },
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
    /// Storage failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

impl From<core::outbox::OutboxError> for SyncError {
    fn from(e: core::outbox::OutboxError) -> Self {
        use core::outbox::OutboxError as E;
        match e {
            E::NoServer => Self::NoServer,
            E::Session(reason) => Self::SignInRefused { reason },
            E::NotFound(item_id) => Self::NotFound { item_id },
            other => Self::Storage { reason: other.to_string() },
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
            E::Unreachable(reason) => Self::Unreachable { reason },
            E::Untrusted(reason) => Self::Untrusted { reason },
            E::NotBound(profile_id) => Self::NotBound { profile_id },
            E::Profile(core::profiles::ProfileError::NotFound(id)) => Self::NotFound { id },
            e @ (E::Client(_) | E::Session(_)) => Self::Server { reason: e.to_string() },
            e @ E::Checkpoint(_) => Self::BadCertificate { reason: e.to_string() },
            e => Self::Storage { reason: e.to_string() },
        }
    }
}
