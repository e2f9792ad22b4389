//! What can go wrong in home quarantine on the phone. Messages carry no personal data: no names, addresses,
//! locations, radio identifiers or home tokens.

use thiserror::Error;

use super::sensors::SensorError;
use crate::client::ClientError;
use crate::outbox::OutboxError;
use crate::persons::TransportError;
use crate::profiles::ProfileError;
use crate::sealing::SealingError;
use crate::session::SessionError;
use crate::storage::StorageError;

/// A home-quarantine action that failed.
#[derive(Debug, Error)]
pub enum QuarantineError {
    /// No order with this id is kept on this phone (refresh first).
    #[error("no such quarantine order on this phone")]
    UnknownOrder,
    /// No case with this id is kept on this phone.
    #[error("no such case on this phone")]
    UnknownCase,
    /// The commitment asked to sign is not the version the order asks for.
    #[error("the order asks for commitment version {expected}, not {given}")]
    WrongCommitmentVersion {
        /// The order's version.
        expected: u32,
        /// The version given.
        given: u32,
    },
    /// The commitment text from the server does not match its own hash.
    #[error("the commitment text does not match its hash")]
    CommitmentMismatch,
    /// The order's commitment is already signed (by this phone or another).
    #[error("the commitment is already signed")]
    AlreadySigned,
    /// The commitment has not been signed on this phone yet, so there is no order key.
    #[error("the commitment has not been signed on this phone yet")]
    NotSigned,
    /// The home has not been enrolled yet.
    #[error("the home has not been enrolled yet")]
    NotEnrolled,
    /// The scanned text is not a home token (`HQ1:` and 43 base64url characters).
    #[error("this is not a home-quarantine token")]
    InvalidHomeToken,
    /// The server says the scanned sticker is another home's (a home token, but not this order's).
    #[error("this sticker belongs to another home")]
    NotThisHome,
    /// The open challenge asks for the home token and none was scanned.
    #[error("the home token must be scanned for this check-in")]
    HomeTokenRequired,
    /// No challenge is open now (or it closed with its grace period).
    #[error("no check-in is open now")]
    NoOpenChallenge,
    /// The open challenge was already answered from this phone.
    #[error("this check-in has already been answered")]
    AlreadyAnswered,
    /// The order has ended or was cancelled.
    #[error("the order is over")]
    OrderOver,
    /// The location could not be read.
    #[error("location: {0}")]
    Location(SensorError),
    /// The Wi-Fi and Bluetooth scan failed.
    #[error("radio scan: {0}")]
    Radio(SensorError),
    /// `other` needs words.
    #[error("say what happened")]
    ExplanationTextRequired,
    /// The explanation is over 1,000 characters.
    #[error("the explanation is too long (at most 1,000 characters)")]
    ExplanationTooLong,
    /// The case no longer takes an explanation (explained, decided, or its window closed).
    #[error("this case no longer takes an explanation")]
    CaseClosed,
    /// The order key could not be made, read or used.
    #[error("the order key failed: {0}")]
    Key(&'static str),
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
    #[error("unreadable quarantine data ({0})")]
    Corrupt(&'static str),
    /// The profile does not exist.
    #[error(transparent)]
    Profile(#[from] ProfileError),
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

impl QuarantineError {
    /// True when the request may succeed later without anything changed (offline, server busy).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::NoServer | Self::Unreachable(_))
    }
}

impl From<rusqlite::Error> for QuarantineError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

impl From<TransportError> for QuarantineError {
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
            // The refusals the person can act on get their own variant, so that front ends say what to do.
            TransportError::Refused { status: 422, body, .. } if refused_field(&body, "home_token", "mismatch") => Self::NotThisHome,
            TransportError::Refused { status, code, body, .. } => {
                let message = body["error"]["message"].as_str().unwrap_or_default().to_owned();
                Self::Server(ClientError::Http { status, code, message })
            }
        }
    }
}

/// Whether the server's error `body` names `field` with the problem `code` (`error.fields[]`).
fn refused_field(body: &serde_json::Value, field: &str, code: &str) -> bool {
    body["error"]["fields"].as_array().is_some_and(|fields| fields.iter().any(|f| f["field"] == field && f["code"] == code))
}
