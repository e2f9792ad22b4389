//! Errors of the results area. Messages carry no personal data: no codes, code hashes or tokens.

use thiserror::Error;

use super::code::SampleCodeError;
use crate::client::ClientError;
use crate::persons::TransportError;
use crate::profiles::ProfileError;
use crate::sealing::SealingError;
use crate::session::SessionError;
use crate::storage::StorageError;

/// What went wrong following a sample.
#[derive(Debug, Error)]
pub enum ResultsError {
    /// The code was refused before anything was sent.
    #[error(transparent)]
    Code(#[from] SampleCodeError),
    /// This phone already follows this code.
    #[error("this sample code is already followed on this phone")]
    AlreadyFollowed,
    /// No followed sample has this (local) id.
    #[error("no followed sample {0}")]
    NotFound(String),
    /// The sample has no certificate to keep.
    #[error("the sample has no certificate")]
    NoCertificate,
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
    /// A kept sample could not be read back.
    #[error("a kept sample is unreadable ({0})")]
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

impl ResultsError {
    /// True when the request may succeed later without anything changed (offline, server busy).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::NoServer | Self::Unreachable(_))
    }
}

impl From<rusqlite::Error> for ResultsError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

impl From<TransportError> for ResultsError {
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
