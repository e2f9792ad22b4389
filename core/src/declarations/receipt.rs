//! Declaration receipts: the server's answer is applied from its signed claims only, after checking who signed
//! it and that it is about this declaration, this profile and this device.
//!
//! The server's answer repeats some claims outside the signature (`received_at`, `health_status`) for other
//! clients; the phone never reads them, so a proxy that rewrites them changes nothing.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use thiserror::Error;

use crate::client::TrustDocumentKind;
use crate::trust::{IssuerRefusal, IssuerRole, RevocationList, TrustList, VerifyingKey};

/// `typ` of the JWS the server signs a declaration receipt with.
pub const RECEIPT_TYP: &str = "healthbook-declaration-receipt+jwt";

/// Why a receipt is not applied; the declaration stays queued with this reason.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptRefusal {
    /// The answer has no readable signed receipt.
    #[error("unparseable server answer: {0}")]
    Malformed(String),
    /// A root key is pinned but no trust list is cached to find the signer in.
    #[error("no trust list cached to check the receipt with")]
    NoTrustList,
    /// The signer is not in the trust list.
    #[error("receipt signer {0} is not in the trust list")]
    UnknownSigner(String),
    /// The signer is listed, but not as an authority key.
    #[error("receipt signer {0} is not an authority key")]
    NotAuthority(String),
    /// The signer is on the revocation list.
    #[error("receipt signer {0} is revoked")]
    KeyRevoked(String),
    /// The signer's validity had ended when the receipt was signed, or has ended now.
    #[error("receipt signer {0} has expired")]
    KeyExpired(String),
    /// The signer's validity had not begun when the receipt says it was signed.
    #[error("receipt signer {0} was not yet valid")]
    KeyNotYetValid(String),
    /// The signature does not verify with the listed key.
    #[error("receipt signature: {0}")]
    BadSignature(String),
    /// The signed receipt is about another declaration.
    #[error("the signed receipt names declaration {0}, not the one sent")]
    OtherDeclaration(String),
    /// The signed receipt was issued to another device.
    #[error("the signed receipt names device {found}, not this device ({expected})")]
    OtherDevice {
        /// The device the receipt names.
        found: String,
        /// This phone's device id for the configured server (empty when it has none).
        expected: String,
    },
    /// The signed receipt is about another profile.
    #[error("the signed receipt names profile {0}, not the declaration's")]
    OtherProfile(String),
    /// The signed status is not one the phone knows.
    #[error("unknown health status {0:?}")]
    UnknownStatus(String),
    /// The phone's own records could not be read.
    #[error("could not read the phone's records: {0}")]
    Storage(String),
}

impl From<rusqlite::Error> for ReceiptRefusal {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(e.to_string())
    }
}

/// The claims the server signs in a receipt (defined once, in the wire contract).
pub use healthbook_protocol::ReceiptClaims;

/// A receipt that passed [`check`], with whether its signature could be checked at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedReceipt {
    /// The claims as signed.
    pub claims: ReceiptClaims,
    /// True when the signature was verified against the pinned root key's trust list. Without a pinned root key
    /// nothing can be verified: such a receipt proves only that the server stored the declaration (so it is not
    /// sent again), and the status it names is not applied.
    pub verified: bool,
}

/// What a receipt must name to be applied.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The declaration that was sent.
    pub declaration_id: &'a str,
    /// Its profile.
    pub profile_id: &'a str,
    /// This phone's device id for the configured server, if registered.
    pub device_id: Option<&'a str>,
}

/// The receipt JWS in a server answer; every other field of the answer is ignored.
pub fn receipt_jws(answer: &Value) -> Result<&str, ReceiptRefusal> {
    answer
        .get("receipt")
        .and_then(Value::as_str)
        .ok_or_else(|| ReceiptRefusal::Malformed("no signed receipt in the answer".into()))
}

/// This phone's device id for the configured server.
pub fn device_id(conn: &Connection) -> Result<Option<String>, ReceiptRefusal> {
    Ok(conn
        .query_row(
            "SELECT d.device_id FROM device_identity d JOIN settings s ON s.key = 'server_url' AND s.value = d.server_url",
            [],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

fn cached_document(conn: &Connection, kind: TrustDocumentKind) -> Result<Option<String>, ReceiptRefusal> {
    Ok(conn.query_row("SELECT jws FROM trust_documents WHERE kind = ?1", [kind.as_str()], |r| r.get(0)).optional()?)
}

/// The `kid` in a compact JWS's protected header, read before the signature is checked to find the key.
fn jws_kid(jws: &str) -> Option<String> {
    use base64::Engine;
    let header = jws.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).ok()?;
    serde_json::from_slice::<Value>(&bytes).ok()?.get("kid")?.as_str().map(str::to_owned)
}

/// The payload of a compact JWS, without checking its signature.
fn unverified_payload(jws: &str) -> Result<Vec<u8>, ReceiptRefusal> {
    use base64::Engine;
    let mut parts = jws.split('.');
    let (Some(_), Some(payload), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(ReceiptRefusal::Malformed("the receipt is not a compact JWS".into()));
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| ReceiptRefusal::Malformed("the receipt's payload is not base64url".into()))
}

/// Checks a receipt and returns its signed claims.
///
/// With a pinned root key, the signer must be an authority key of the cached trust list (verified against the
/// root), not revoked by the cached revocation list, valid when the receipt says it was signed and not expired
/// at `now`. Not-yet-valid is judged at the signing time only, so a phone whose clock lags still takes receipts
/// from a key issued today. An installation without a pinned root key (a terminal that never ran `trust pin`)
/// has nothing to check signatures against; it still checks what the claims name, and the result says that they
/// are not verified.
pub fn check(conn: &Connection, jws: &str, expected: Expected<'_>, now: DateTime<Utc>) -> Result<CheckedReceipt, ReceiptRefusal> {
    let root = crate::trust::pinned::root_key_text(conn)?;
    let (payload, signer) = match root {
        None => (unverified_payload(jws)?, None),
        Some(root) => {
            let root = VerifyingKey::from_spki_base64(&root).map_err(|e| ReceiptRefusal::Storage(e.to_string()))?;
            let list = cached_document(conn, TrustDocumentKind::TrustList)?.ok_or(ReceiptRefusal::NoTrustList)?;
            let list = TrustList::verify(&list, &root).map_err(|e| ReceiptRefusal::Storage(format!("cached trust list: {e}")))?;
            // A cached revocation list that no longer verifies is treated as absent, as the trust cache does.
            let revocations = cached_document(conn, TrustDocumentKind::RevocationList)?
                .and_then(|jws| RevocationList::verify(&jws, &root).ok());
            let kid = jws_kid(jws).ok_or_else(|| ReceiptRefusal::Malformed("the receipt has no key id".into()))?;
            let issuer = list.find(&kid).ok_or_else(|| ReceiptRefusal::UnknownSigner(kid.clone()))?;
            if issuer.role != IssuerRole::Authority {
                return Err(ReceiptRefusal::NotAuthority(kid));
            }
            if revocations.as_ref().is_some_and(|r| r.is_revoked(crate::trust::RevocationKind::IssuerKey, &kid)) {
                return Err(ReceiptRefusal::KeyRevoked(kid));
            }
            let key = VerifyingKey::from_spki_base64(&issuer.public_key).map_err(|e| ReceiptRefusal::BadSignature(e.to_string()))?;
            let (_, payload) =
                crate::trust::jws::verify_compact(jws, &key, RECEIPT_TYP).map_err(|e| ReceiptRefusal::BadSignature(e.to_string()))?;
            (payload, Some((list, revocations, kid)))
        }
    };
    let claims: ReceiptClaims = serde_json::from_slice(&payload).map_err(|e| claims_refusal(&payload, e))?;
    let verified = signer.is_some();
    if let Some((list, revocations, kid)) = signer {
        let refusal = |r: IssuerRefusal| match r {
            IssuerRefusal::Unknown => ReceiptRefusal::UnknownSigner(kid.clone()),
            IssuerRefusal::Revoked => ReceiptRefusal::KeyRevoked(kid.clone()),
            IssuerRefusal::Expired => ReceiptRefusal::KeyExpired(kid.clone()),
            IssuerRefusal::NotYetValid => ReceiptRefusal::KeyNotYetValid(kid.clone()),
        };
        let issuer = list.issuer_valid_at(&kid, claims.received_at, revocations.as_ref()).map_err(refusal)?;
        if now > issuer.not_after {
            return Err(ReceiptRefusal::KeyExpired(kid));
        }
    }
    if claims.declaration_id != expected.declaration_id {
        return Err(ReceiptRefusal::OtherDeclaration(claims.declaration_id));
    }
    if Some(claims.device_id.as_str()) != expected.device_id {
        return Err(ReceiptRefusal::OtherDevice {
            found: claims.device_id,
            expected: expected.device_id.unwrap_or_default().to_owned(),
        });
    }
    if claims.profile_ref != expected.profile_id {
        return Err(ReceiptRefusal::OtherProfile(claims.profile_ref));
    }
    Ok(CheckedReceipt { claims, verified })
}

/// Why signed claims did not read: a status this build does not know gets its own refusal (the status is typed,
/// so it is refused while reading), anything else is malformed.
fn claims_refusal(payload: &[u8], error: serde_json::Error) -> ReceiptRefusal {
    let untyped: Value = serde_json::from_slice(payload).unwrap_or_default();
    match untyped["health_status"]["status"].as_str() {
        Some(status) if healthbook_protocol::PassStatus::from_name(status).is_none() => ReceiptRefusal::UnknownStatus(status.to_owned()),
        _ => ReceiptRefusal::Malformed(format!("signed claims: {error}")),
    }
}
