//! What can go wrong in the volunteer area, in terms the app can act on; no message names the person.

use thiserror::Error;

use crate::client::ClientError;
use crate::persons::PersonError;
use crate::profiles::ProfileError;
use crate::sealing::SealingError;
use crate::storage::StorageError;

/// A volunteer action that failed.
#[derive(Debug, Error)]
pub enum VolunteerError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// The server could not be reached; nothing was changed on it.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// No volunteer is signed in on this phone, or the session ran out.
    #[error("sign in as a volunteer first")]
    NotSignedIn,
    /// The user name or password was refused.
    #[error("the user name or password is wrong")]
    SignInFailed,
    /// The account that signed in is not a volunteer's.
    #[error("this account is not a volunteer's")]
    NotAVolunteer,
    /// The profile is not one this volunteer enrolled on this phone.
    #[error("this profile is not a person you enrolled on this phone")]
    NotManaged,
    /// The server does not know this volunteer as the one who enrolled the person.
    #[error("the server does not know you as this person's volunteer")]
    NotYours,
    /// The person's consent must be recorded first.
    #[error("record the person's consent first")]
    ConsentRequired,
    /// The person is outside the volunteer's area.
    #[error("this person lives outside your area")]
    OutsideArea,
    /// Something the volunteer typed was refused.
    #[error("invalid: {0}")]
    Invalid(String),
    /// Another refusal by the server.
    #[error(transparent)]
    Server(ClientError),
    /// The profile part failed (validation of the name, birth year, citizen id, phone).
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The binding part failed.
    #[error(transparent)]
    Person(#[from] PersonError),
    /// Sealing or opening kept data failed.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Kept data could not be read.
    #[error("unreadable volunteer data: {0}")]
    Corrupt(&'static str),
    /// The server's answer could not be read.
    #[error("the server's answer could not be read")]
    BadAnswer,
}

impl From<rusqlite::Error> for VolunteerError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

impl From<ClientError> for VolunteerError {
    fn from(e: ClientError) -> Self {
        use healthbook_protocol::ErrorCode;
        match e {
            e if e.is_transient() => Self::Unreachable(e.to_string()),
            ClientError::Http { status: 401, .. } => Self::NotSignedIn,
            ClientError::Http { status: 404, .. } => Self::NotYours,
            ClientError::Http { status: 403, .. } => Self::OutsideArea,
            ClientError::Http { ref code, ref message, .. } => match ErrorCode::parse(code) {
                Some(ErrorCode::ConsentRequired) => Self::ConsentRequired,
                Some(ErrorCode::InvalidRequest) => Self::Invalid(message.clone()),
                _ => Self::Server(e),
            },
            other => Self::Server(other),
        }
    }
}

impl VolunteerError {
    /// Whether the server could not be reached (kept data stays in use).
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Unreachable(_) | Self::NoServer) || matches!(self, Self::Person(p) if p.is_offline())
    }
}
