//! Documents the server signs with an authority key of the trust list (declaration receipts), checked on the
//! phone against its cached lists: the signer must be an authority key of the cached trust list (verified
//! against the pinned root key), not revoked by the cached revocation list, valid when the document says it was
//! signed and not expired now.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::Value;
use thiserror::Error;

use crate::storage::StorageError;
use crate::trust::cache::TrustDocumentKind;
use crate::trust::{IssuerRefusal, IssuerRole, RevocationKind, RevocationList, TrustError, TrustList, VerifyingKey};

/// Why the signer of an authority-signed document is refused. Key ids are the signer's, never a person's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignerRefusal {
    /// The pinned root key does not parse (the settings refuse such keys; an older database may hold one).
    #[error("the pinned root key is unusable: {0}")]
    BadRootKey(#[source] TrustError),
    /// A root key is pinned but no trust list is cached to find the signer in.
    #[error("no trust list cached to check the receipt with")]
    NoTrustList,
    /// The cached trust list no longer verifies against the pinned root key (another root was pinned since).
    #[error("the cached trust list does not verify: {0}")]
    UntrustedTrustList(#[source] TrustError),
    /// The document's header names no key.
    #[error("the receipt has no key id")]
    NoKeyId,
    /// The signer is not in the trust list.
    #[error("receipt signer {0} is not in the trust list")]
    UnknownSigner(String),
    /// The signer is listed, but not as an authority key.
    #[error("receipt signer {0} is not an authority key")]
    NotAuthority(String),
    /// The signer is on the revocation list.
    #[error("receipt signer {0} is revoked")]
    KeyRevoked(String),
    /// The signer's validity had ended when the document was signed, or has ended now.
    #[error("receipt signer {0} has expired")]
    KeyExpired(String),
    /// The signer's validity had not begun when the document says it was signed.
    #[error("receipt signer {0} was not yet valid")]
    KeyNotYetValid(String),
    /// The signature does not verify with the listed key.
    #[error("receipt signature: {0}")]
    BadSignature(#[source] TrustError),
}

/// Errors of checking an authority-signed document.
#[derive(Debug, Error)]
pub enum SignedError {
    /// The signer or signature is refused.
    #[error(transparent)]
    Refused(#[from] SignerRefusal),
    /// The pinned key or the cached lists could not be read.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<rusqlite::Error> for SignedError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

/// A document whose signature verified with an authority key of the cached trust list.
#[derive(Debug, Clone)]
pub struct AuthoritySigned {
    payload: Vec<u8>,
    list: TrustList,
    revocations: Option<RevocationList>,
    kid: String,
}

impl AuthoritySigned {
    /// The signed payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Checks that the signer was valid and not revoked at `signed_at` (what the signed claims say) and has not
    /// expired at `now`. Not-yet-valid is judged at the signing time only, so a phone whose clock lags still takes
    /// documents from a key issued today.
    pub fn check_signer_at(&self, signed_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), SignerRefusal> {
        let kid = || self.kid.clone();
        let issuer = self.list.issuer_valid_at(&self.kid, signed_at, self.revocations.as_ref()).map_err(|r| match r {
            IssuerRefusal::Unknown => SignerRefusal::UnknownSigner(kid()),
            IssuerRefusal::Revoked => SignerRefusal::KeyRevoked(kid()),
            IssuerRefusal::Expired => SignerRefusal::KeyExpired(kid()),
            IssuerRefusal::NotYetValid => SignerRefusal::KeyNotYetValid(kid()),
        })?;
        if now > issuer.not_after {
            return Err(SignerRefusal::KeyExpired(kid()));
        }
        Ok(())
    }
}

/// The `kid` in a compact JWS's protected header, read before the signature is checked to find the key.
fn jws_kid(jws: &str) -> Option<String> {
    use base64::Engine;
    let header = jws.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).ok()?;
    serde_json::from_slice::<Value>(&bytes).ok()?.get("kid")?.as_str().map(str::to_owned)
}

/// Verifies `jws` (of JWS type `typ`) against the cached lists; `None` when no root key is pinned, so nothing
/// can be verified (the caller decides what an unverified document is still good for).
pub fn verify_authority_signed(conn: &Connection, jws: &str, typ: &str) -> Result<Option<AuthoritySigned>, SignedError> {
    let Some(root) = crate::trust::pinned::root_key_text(conn)? else { return Ok(None) };
    let root = VerifyingKey::from_spki_base64(&root).map_err(SignerRefusal::BadRootKey)?;
    let list = crate::trust::db::cached_jws(conn, TrustDocumentKind::TrustList)?.ok_or(SignerRefusal::NoTrustList)?;
    let list = TrustList::verify(&list, &root).map_err(SignerRefusal::UntrustedTrustList)?;
    // A cached revocation list that no longer verifies is treated as absent, as the trust cache does.
    let revocations =
        crate::trust::db::cached_jws(conn, TrustDocumentKind::RevocationList)?.and_then(|jws| RevocationList::verify(&jws, &root).ok());
    let kid = jws_kid(jws).ok_or(SignerRefusal::NoKeyId)?;
    let issuer = list.find(&kid).ok_or_else(|| SignerRefusal::UnknownSigner(kid.clone()))?;
    if issuer.role != IssuerRole::Authority {
        return Err(SignerRefusal::NotAuthority(kid).into());
    }
    if revocations.as_ref().is_some_and(|r| r.is_revoked(RevocationKind::IssuerKey, &kid)) {
        return Err(SignerRefusal::KeyRevoked(kid).into());
    }
    let key = VerifyingKey::from_spki_base64(&issuer.public_key).map_err(SignerRefusal::BadSignature)?;
    let (_, payload) = crate::trust::jws::verify_compact(jws, &key, typ).map_err(SignerRefusal::BadSignature)?;
    Ok(Some(AuthoritySigned { payload, list, revocations, kid }))
}
