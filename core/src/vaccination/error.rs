//! What can go wrong in the citizen's vaccination area. Messages carry no personal data: no names, citizen ids,
//! certificate identifiers or QR text.

use thiserror::Error;

use super::model::CertificateProblem;
use crate::client::ClientError;
use crate::outbox::OutboxError;
use crate::persons::{PersonError, TransportError};
use crate::profiles::ProfileError;
use crate::sealing::SealingError;
use crate::session::SessionError;
use crate::storage::StorageError;

/// A vaccination action that failed.
#[derive(Debug, Error)]
pub enum VaccinationError {
    /// The ward code is not five digits.
    #[error("the ward code must be five digits")]
    InvalidWard,
    /// The profile is not bound to a person on the server from this phone.
    #[error("the profile is not bound to a person yet")]
    NotBound,
    /// The profile is already registered, in another commune.
    #[error("the profile is already registered for vaccination in another commune")]
    AlreadyRegistered,
    /// No invitation with this id is kept on this phone.
    #[error("no such invitation on this phone")]
    UnknownInvitation,
    /// The invitation can no longer be answered (past its answer time, or closed by the server).
    #[error("the invitation is closed")]
    InvitationClosed,
    /// A certificate from the server could not be verified; nothing from this refresh was stored.
    #[error("a certificate was not stored: {0}")]
    Certificate(CertificateProblem),
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
    /// Kept data could not be read back.
    #[error("unreadable vaccination data ({0})")]
    Corrupt(&'static str),
    /// The profile does not exist.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The kept bindings could not be read.
    #[error(transparent)]
    Person(#[from] PersonError),
    /// The outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// Encryption failed.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl VaccinationError {
    /// True when the request may succeed later without anything changed (offline, server busy).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::NoServer | Self::Unreachable(_))
    }
}

impl From<rusqlite::Error> for VaccinationError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

impl From<TransportError> for VaccinationError {
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
