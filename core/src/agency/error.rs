//! Errors of the agency admin's side.

use thiserror::Error;

/// What went wrong with an agency key, a roster or a card. Messages never carry a name, phone or citizen id.
#[derive(Debug, Error)]
pub enum AgencyError {
    /// The key file exists already; keygen never overwrites a key.
    #[error("the key file exists already; choose another path (a key is never overwritten)")]
    KeyFileExists,
    /// The key file could not be read or written.
    #[error("key file: {0}")]
    KeyFile(String),
    /// The file does not hold a P-256 PKCS#8 private key.
    #[error("the key file does not hold a P-256 private key (PKCS#8)")]
    InvalidKey,
    /// The roster cannot be read at all (not a single row is usable).
    #[error("roster: {0}")]
    Roster(String),
    /// Signing failed.
    #[error("signing: {0}")]
    Signing(String),
    /// The server refused or failed.
    #[cfg(feature = "phone")]
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
}
