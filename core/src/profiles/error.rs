//! Errors of the profiles area.

use thiserror::Error;

#[cfg(feature = "phone")]
use crate::sealing::SealingError;
#[cfg(feature = "phone")]
use crate::storage::StorageError;

/// The profile field a validation error is about, so a UI can show the message next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileField {
    /// The full name.
    FullName,
    /// The birth date or year.
    BirthDate,
    /// The phone number.
    Phone,
    /// The citizen id (CCCD or CMND).
    CitizenId,
    /// The address codes or street.
    Address,
    /// The relation to the phone's owner.
    Relation,
}

impl ProfileField {
    /// The field's name as used in machine-readable output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FullName => "full_name",
            Self::BirthDate => "birth_date",
            Self::Phone => "phone",
            Self::CitizenId => "citizen_id",
            Self::Address => "address",
            Self::Relation => "relation",
        }
    }
}

/// Errors from profile operations. Messages never contain the personal data itself.
#[derive(Debug, Error)]
pub enum ProfileError {
    /// A field failed validation.
    #[error("invalid {}: {reason}", field.as_str())]
    InvalidField {
        /// Which field.
        field: ProfileField,
        /// Why, in plain words.
        reason: String,
    },
    /// No profile has this id.
    #[error("no profile with id {0}")]
    NotFound(String),
    /// Another profile on this phone already has this citizen id.
    #[error("another profile already has this citizen id")]
    DuplicateCitizenId,
    /// The phone already has a profile of its owner.
    #[error("this phone already has a profile for its owner")]
    SelfProfileExists,
    /// A stored profile could not be decrypted or parsed.
    #[error("stored profile {id} is unreadable: {reason}")]
    Corrupt {
        /// The profile's id.
        id: String,
        /// What went wrong.
        reason: String,
    },
    /// Encryption failed.
    #[cfg(feature = "phone")]
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The database failed.
    #[cfg(feature = "phone")]
    #[error(transparent)]
    Storage(#[from] StorageError),
}

#[cfg(feature = "phone")]
impl From<rusqlite::Error> for ProfileError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

impl ProfileError {
    pub(crate) fn invalid(field: ProfileField, reason: impl Into<String>) -> Self {
        Self::InvalidField { field, reason: reason.into() }
    }
}
