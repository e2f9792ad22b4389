//! Errors of the check-in area. Messages carry no personal data: no venue names, places or times.

use thiserror::Error;

use crate::client::ClientError;
use crate::credentials::FailedStage;
use crate::persons::TransportError;
use crate::profiles::ProfileError;
use crate::sealing::SealingError;
use crate::session::SessionError;
use crate::storage::StorageError;
use crate::trust::TrustStoreError;

/// Why a scanned poster was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PosterRefusal {
    /// Not one of our QR codes, or damaged.
    Unreadable,
    /// Signed by a key the phone's trust list does not name.
    UnknownKey,
    /// The signature does not verify: altered or forged.
    Forged,
    /// The poster or the key that signed it was revoked.
    Revoked,
    /// The key may not sign posters, or not for the agency or province the poster names.
    OutOfScope,
    /// The poster has expired.
    Expired,
    /// The poster is not valid yet.
    NotYetValid,
    /// A genuine credential that is not a venue poster (a pass, a card, an EU DCC).
    NotAPoster,
}

impl PosterRefusal {
    /// The refusal a verifier's failed stage comes to.
    pub fn from_stage(stage: FailedStage) -> Self {
        match stage {
            FailedStage::Prefix
            | FailedStage::Base45
            | FailedStage::Decompress
            | FailedStage::Cbor
            | FailedStage::Cose
            | FailedStage::PayloadSchema => Self::Unreadable,
            FailedStage::UnknownKey => Self::UnknownKey,
            FailedStage::KeyIdMismatch | FailedStage::Signature => Self::Forged,
            FailedStage::Revoked => Self::Revoked,
            FailedStage::WrongRole | FailedStage::OutOfScope => Self::OutOfScope,
            FailedStage::Expired => Self::Expired,
            FailedStage::NotYetValid => Self::NotYetValid,
        }
    }

    /// A stable name for logs and bindings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unreadable => "unreadable",
            Self::UnknownKey => "unknown_key",
            Self::Forged => "forged",
            Self::Revoked => "revoked",
            Self::OutOfScope => "out_of_scope",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::NotAPoster => "not_a_poster",
        }
    }
}

impl std::fmt::Display for PosterRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong in the diary or the exposure check.
#[derive(Debug, Error)]
pub enum CheckInError {
    /// The scanned poster was refused.
    #[error("poster refused: {0}")]
    Refused(PosterRefusal),
    /// A place typed by hand must have 1 to 200 characters.
    #[error("the place must have 1 to 200 characters")]
    InvalidPlace,
    /// The times of a manual entry are not in order, lie in the future, or are older than the diary keeps.
    #[error("the times must satisfy from <= to <= now, within the last 21 days")]
    InvalidTimes,
    /// No diary entry or alert has this (local) id.
    #[error("no diary entry or alert {0}")]
    NotFound(String),
    /// The phone has no trust list to verify posters with.
    #[error("no trust list: {0}")]
    Trust(TrustStoreError),
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// The server could not be reached.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// Sign-in failed for another reason than the network.
    #[error("sign-in failed: {0}")]
    Session(SessionError),
    /// The server refused the request.
    #[error(transparent)]
    Server(ClientError),
    /// The server's answer does not read as the wire contract says.
    #[error("the server's answer is not understood")]
    BadAnswer,
    /// A kept entry could not be read back.
    #[error("a kept diary entry is unreadable ({0})")]
    Corrupt(&'static str),
    /// The profile does not exist.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Encryption failed.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl CheckInError {
    /// True when the request may succeed later without anything changed (offline, server busy).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::NoServer | Self::Unreachable(_))
    }
}

impl From<rusqlite::Error> for CheckInError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

impl From<TrustStoreError> for CheckInError {
    fn from(e: TrustStoreError) -> Self {
        Self::Trust(e)
    }
}

impl From<TransportError> for CheckInError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::NoServer => Self::NoServer,
            TransportError::Session(s) => Self::Session(s),
            TransportError::Client(c) if c.is_transient() => Self::Unreachable(c.to_string()),
            TransportError::Client(c) => Self::Server(c),
            TransportError::Refused { status, code, .. } if matches!(status, 408 | 429 | 500 | 502 | 503 | 504) => {
                Self::Unreachable(format!("server answered {status} {code}"))
            }
            TransportError::Refused { status, code, body, .. } => {
                let message = body["error"]["message"].as_str().unwrap_or_default().to_owned();
                Self::Server(ClientError::Http { status, code, message })
            }
        }
    }
}
