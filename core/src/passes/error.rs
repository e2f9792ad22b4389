//! Errors of the passes sub-client.

use thiserror::Error;

use crate::client::ClientError;
use crate::credentials::FailedStage;
use crate::profiles::ProfileError;
use crate::sealing::SealingError;
use crate::session::SessionError;
use crate::settings::SettingsError;
use crate::storage::StorageError;
use crate::trust::TrustStoreError;
use crate::trust::store::CheckpointError;

/// Why the pass the server sent is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PassRefusal {
    /// The QR does not decode; the stage says where it stopped.
    #[error("the server's credential does not decode ({0:?})")]
    Undecodable(FailedStage),
    /// The credential verified but is not a personal pass.
    #[error("the server's credential is not a personal pass")]
    NotAPersonalPass,
    /// A claim the phone shows is missing (`cti`, `iat` or `exp`).
    #[error("the pass has no {0} claim")]
    MissingClaim(&'static str),
    /// The pass's id is not the one derived from this request and profile.
    #[error("the pass was issued for another request or profile")]
    OtherRequest,
    /// The verifier refused the pass; the stage says why (`None` only for a verdict without one).
    #[error("the server's pass does not verify ({0:?})")]
    Invalid(Option<FailedStage>),
}

/// Errors of passes.
#[derive(Debug, Error)]
pub enum PassError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// No root key is pinned, so trust lists can't be checked.
    #[error("no root key pinned")]
    NoRootKey,
    /// The server could not be reached; the last pass (if any) is still shown.
    #[error("server unreachable: {0}")]
    Unreachable(#[source] ClientError),
    /// The profile with this (local) id is not bound to a person on the server: bind it (by SMS code or
    /// attestation) first.
    #[error("profile {0} is not bound to a person")]
    NotBound(String),
    /// The server refused or failed.
    #[error(transparent)]
    Client(ClientError),
    /// The pass the server sent does not verify against the trust list, or is not the one asked for.
    #[error(transparent)]
    Untrusted(#[from] PassRefusal),
    /// A trust source could not be used.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The profile does not exist.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Sign-in failed for another reason than the network.
    #[error("sign-in failed: {0}")]
    Session(SessionError),
    /// The settings could not be read.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A kept pass could not be read back.
    #[error("the kept pass is unreadable")]
    Corrupt(#[source] serde_json::Error),
    /// Encryption failed.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<rusqlite::Error> for PassError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

impl From<ClientError> for PassError {
    fn from(e: ClientError) -> Self {
        if e.is_transient() { Self::Unreachable(e) } else { Self::Client(e) }
    }
}

impl From<SessionError> for PassError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::Client(c) => c.into(),
            other => Self::Session(other),
        }
    }
}

impl From<TrustStoreError> for PassError {
    fn from(e: TrustStoreError) -> Self {
        match e {
            TrustStoreError::NoServer => Self::NoServer,
            TrustStoreError::NoRootKey => Self::NoRootKey,
            TrustStoreError::Unreachable(c) => Self::Unreachable(c),
            TrustStoreError::Client(c) => Self::Client(c),
            TrustStoreError::Checkpoint(c) => Self::Checkpoint(c),
            TrustStoreError::Settings(s) => Self::Settings(s),
            TrustStoreError::Storage(s) => Self::Storage(s),
        }
    }
}
