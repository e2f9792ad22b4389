//! Errors of the gate device. Messages carry no personal data: no names, card ids, tokens or passwords.

use thiserror::Error;

use crate::client::ClientError;
use crate::persons::TransportError;
use crate::sealing::SealingError;
use crate::storage::StorageError;
use crate::trust::TrustStoreError;

/// What went wrong on the gate device.
#[derive(Debug, Error)]
pub enum GateError {
    /// The device is bound to no gate yet.
    #[error("this device is not bound to a gate")]
    NotBound,
    /// Binding to another gate (or unbinding) while passages still wait for upload.
    #[error("{0} passages wait for upload; sync before binding this device to another gate")]
    PassagesWaiting(usize),
    /// No server is configured.
    #[error("no server configured")]
    NoServer,
    /// Wrong username or password.
    #[error("wrong username or password")]
    SignInFailed,
    /// The staff client given to `bind` is not signed in.
    #[error("sign in as gate staff first")]
    NotSignedIn,
    /// The staff sign-in has expired or was revoked: the operator signs in again (binding the same gate).
    #[error("the staff sign-in has expired; sign in again")]
    SignInAgain,
    /// The server refused: not this agency's gate, no such gate, no right to upload.
    #[error("the server refused ({status} {code})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's stable error code.
        code: String,
    },
    /// The server could not be reached or was busy; passages stay queued.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The request could not be made (configuration, an insecure URL, a local cache).
    #[error("request failed: {0}")]
    Request(String),
    /// The server's answer does not read as the wire contract says.
    #[error("the server's answer is not understood")]
    BadAnswer,
    /// A repeat window outside 0 seconds to 24 hours.
    #[error("the repeat window must be between 0 seconds and 24 hours")]
    InvalidRepeatWindow,
    /// Kept data could not be read back.
    #[error("kept gate data is unreadable ({0})")]
    Corrupt(&'static str),
    /// The trust store could not be built.
    #[error(transparent)]
    Trust(#[from] TrustStoreError),
    /// Encryption failed.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl GateError {
    /// True when a later sync may succeed with nothing changed (offline, server busy).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unreachable(_))
    }
}

impl From<rusqlite::Error> for GateError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

impl From<ClientError> for GateError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Http { status: 401, .. } => Self::SignInAgain,
            ClientError::NotSignedIn => Self::NotSignedIn,
            ClientError::Http { status, code, .. } if matches!(status, 408 | 429 | 500 | 502 | 503 | 504) => {
                Self::Unreachable(format!("server answered {status} {code}"))
            }
            ClientError::Http { status, code, .. } => Self::Refused { status, code },
            ClientError::Decode(_) => Self::BadAnswer,
            other if other.is_transient() => Self::Unreachable(other.to_string()),
            other => Self::Request(other.to_string()),
        }
    }
}

impl From<TransportError> for GateError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::NoServer => Self::Unreachable("no server configured".into()),
            TransportError::Session(_) => Self::SignInAgain,
            TransportError::Client(c) => c.into(),
            TransportError::Refused { status: 401, .. } => Self::SignInAgain,
            TransportError::Refused { status, code, .. } if matches!(status, 408 | 429 | 500 | 502 | 503 | 504) => {
                Self::Unreachable(format!("server answered {status} {code}"))
            }
            TransportError::Refused { status, code, .. } => Self::Refused { status, code },
        }
    }
}
