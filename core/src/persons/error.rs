//! Errors of the persons area. Messages carry no personal data: no names, citizen ids, phones or codes.

use thiserror::Error;

use crate::client::ClientError;
use crate::profiles::ProfileError;
use crate::sealing::SealingError;
use crate::storage::StorageError;

/// What went wrong binding a profile to a person, or reading its bindings.
#[derive(Debug, Error)]
pub enum PersonError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// The server could not be reached.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The profile has no citizen id and none was given.
    #[error("a citizen id is needed to bind this profile")]
    CitizenIdRequired,
    /// The profile has no phone number and none was given.
    #[error("a phone number is needed to send the code")]
    PhoneRequired,
    /// The code was wrong; `attempts_left` more tries before the challenge is burned.
    #[error("wrong code, {attempts_left} attempt(s) left")]
    WrongCode {
        /// Tries left on this challenge.
        attempts_left: u32,
    },
    /// Too many codes were asked for or burned for this person (or from this phone): wait.
    #[error("binding is locked; retry after {retry_after_secs} s")]
    Locked {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The challenge was used, burned or has expired: start again.
    #[error("this code is no longer valid; start again")]
    ChallengeClosed,
    /// No challenge was started for this profile (or it expired on the phone).
    #[error("no binding was started for this profile")]
    NoPendingChallenge,
    /// The name or birth year does not match the person on record (the server does not say which).
    #[error("the name or birth year does not match the record for this citizen id")]
    IdentityMismatch,
    /// The person on record has no phone number: an officer or volunteer must attest instead.
    #[error("no phone number on record: ask an officer or volunteer to attest")]
    AttestationRequired,
    /// The profile is not bound (or the binding was removed).
    #[error("profile {0} is not bound to a person")]
    NotBound(String),
    /// The server refused a field (a malformed citizen id or phone number, say).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The server refused or failed for another reason.
    #[error(transparent)]
    Server(ClientError),
    /// Sign-in failed.
    #[error("sign-in failed: {0}")]
    Session(crate::session::SessionError),
    /// The profile does not exist, or a value given is invalid.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Encryption failed.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The server's answer is not the JSON expected; its content is not repeated (it names people).
    #[error("the server's answer could not be read")]
    BadAnswer,
    /// A stored binding or challenge could not be read back; says which.
    #[error("unreadable binding data: {0}")]
    Corrupt(&'static str),
}

impl From<rusqlite::Error> for PersonError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

impl PersonError {
    /// Whether the server could not be reached (kept data stays in use).
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Unreachable(_) | Self::NoServer)
    }
}
