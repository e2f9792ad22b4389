//! Errors of the declarations area.

use thiserror::Error;

use super::validate::FieldError;
use crate::client::ClientError;
use crate::outbox::OutboxError;
use crate::profiles::ProfileError;
use crate::sealing::SealingError;
use crate::storage::StorageError;

/// Errors from declaration operations.
#[derive(Debug, Error)]
pub enum DeclarationError {
    /// The answers failed validation; one error per field.
    #[error("{} invalid answer(s): {}", .0.len(), .0.iter().map(|e| format!("{}: {}", e.field, e.code.as_str())).collect::<Vec<_>>().join(", "))]
    Invalid(Vec<FieldError>),
    /// No form with this id is known.
    #[error("unknown form {0}")]
    UnknownForm(String),
    /// No declaration with this id.
    #[error("no declaration {0}")]
    NotFound(String),
    /// The profile it is for doesn't exist.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A stored record is unreadable.
    #[error("stored declaration unreadable: {0}")]
    Corrupt(&'static str),
    /// The server refused or could not be reached (fetching forms).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Queueing failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// Encryption failed.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<rusqlite::Error> for DeclarationError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}
