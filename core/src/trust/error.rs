//! Errors of the trust module.

use thiserror::Error;

/// Why a key, a signature or a signed trust document was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TrustError {
    /// Bytes that should hold a P-256 public key in SPKI DER form do not.
    #[error("not a P-256 SPKI public key")]
    InvalidPublicKey,
    /// A PKCS#8 document does not hold a usable P-256 private key.
    #[error("not a P-256 PKCS#8 private key")]
    InvalidPrivateKey,
    /// The system random source failed.
    #[error("random source failed")]
    Random,
    /// The text is not a JWS in compact serialisation.
    #[error("malformed JWS: {0}")]
    MalformedJws(&'static str),
    /// The JWS header names another algorithm than ES256.
    #[error("unsupported JWS algorithm")]
    UnsupportedAlgorithm,
    /// The JWS header's `typ` is not the one expected (a revocation list presented as a trust list, say).
    #[error("unexpected JWS type")]
    WrongType,
    /// The JWS was signed by another key than the one it is checked against.
    #[error("JWS key id does not match the root key")]
    WrongKeyId,
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// The signed payload is not the JSON document expected.
    #[error("malformed payload: {0}")]
    MalformedPayload(String),
    /// A document older than one already accepted was offered (a rollback).
    #[error("document version {offered} is older than the accepted version {accepted}")]
    Rollback {
        /// Version of the offered document.
        offered: u64,
        /// Version already accepted.
        accepted: u64,
    },
}

#[cfg(feature = "phone")]
/// Errors of the trust sub-client: refreshing the lists, trusting DCC certificates, building the verifier's store.
#[derive(Debug, Error)]
pub enum TrustStoreError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// No root key is pinned, so trust lists can't be checked.
    #[error("no root key pinned")]
    NoRootKey,
    /// The server could not be reached; the verified cached lists stay in use.
    #[error("server unreachable: {0}")]
    Unreachable(#[source] crate::client::ClientError),
    /// The server refused or failed, or a list it sent does not verify.
    #[error(transparent)]
    Client(crate::client::ClientError),
    /// A trust-list key or DCC certificate could not be used.
    #[error(transparent)]
    Checkpoint(#[from] super::store::CheckpointError),
    /// The settings could not be read.
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

#[cfg(feature = "phone")]
impl From<rusqlite::Error> for TrustStoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(crate::storage::StorageError::Sqlite(e))
    }
}

#[cfg(feature = "phone")]
impl From<crate::client::ClientError> for TrustStoreError {
    fn from(e: crate::client::ClientError) -> Self {
        if e.is_transient() { Self::Unreachable(e) } else { Self::Client(e) }
    }
}
