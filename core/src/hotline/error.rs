//! What can go wrong with the hotline on the phone. Messages carry no personal data: never the question's text,
//! the call-back number, the ward or the venue.

use thiserror::Error;

use crate::client::ClientError;
use crate::outbox::OutboxError;
use crate::persons::TransportError;
use crate::sealing::SealingError;
use crate::session::SessionError;
use crate::storage::StorageError;

/// Which part of a new question is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionField {
    /// The province code.
    Province,
    /// The ward code.
    Ward,
    /// The text.
    Text,
    /// The venue id.
    Venue,
    /// The call-back number.
    Phone,
    /// The language.
    Language,
}

impl QuestionField {
    /// The field's name as the CLI and the bindings show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::Ward => "ward",
            Self::Text => "text",
            Self::Venue => "venue",
            Self::Phone => "phone",
            Self::Language => "language",
        }
    }
}

/// A hotline action that failed.
#[derive(Debug, Error)]
pub enum HotlineError {
    /// A field of a new question (or the province asked for) is not acceptable; nothing was kept or sent.
    #[error("invalid {}: {reason}", field.as_str())]
    Invalid {
        /// The field.
        field: QuestionField,
        /// Why, without the value.
        reason: &'static str,
    },
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
    #[error("unreadable hotline data ({0})")]
    Corrupt(&'static str),
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

impl HotlineError {
    /// True when the request may succeed later without anything changed (offline, server busy).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::NoServer | Self::Unreachable(_))
    }
}

impl From<rusqlite::Error> for HotlineError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

impl From<TransportError> for HotlineError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::NoServer => Self::NoServer,
            TransportError::Session(SessionError::Client(c)) if c.is_transient() => Self::Unreachable(c.to_string()),
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
