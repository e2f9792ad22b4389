//! Declaration receipts: the server's answer is applied from its signed claims only, after checking who signed
//! it and that it is about this declaration, this profile and this device.
//!
//! The server's answer repeats some claims outside the signature (`received_at`, `health_status`) for other
//! clients; the phone never reads them, so a proxy that rewrites them changes nothing.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

use crate::client::TrustDocumentKind;
use crate::outbox::ReceiptError;
use crate::trust::{IssuerRefusal, IssuerRole, RevocationList, TrustError, TrustList, VerifyingKey};

/// `typ` of the JWS the server signs a declaration receipt with.
pub const RECEIPT_TYP: &str = "healthbook-declaration-receipt+jwt";

/// Why a receipt is not applied; the declaration stays queued with this reason.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptRefusal {
    /// The answer has no readable signed receipt; says what is missing.
    #[error("unparseable server answer: {0}")]
    Malformed(&'static str),
    /// The pinned root key does not parse (the settings refuse such keys; an older database may hold one).
    #[error("the pinned root key is unusable: {0}")]
    BadRootKey(#[source] TrustError),
    /// The cached trust list no longer verifies against the pinned root key (another root was pinned since).
    #[error("the cached trust list does not verify: {0}")]
    UntrustedTrustList(#[source] TrustError),
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
    BadSignature(#[source] TrustError),
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
}

/// The signed health status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SignedStatus {
    /// `green`, `yellow` or `red`.
    pub status: String,
    /// Reason codes.
    pub reasons: Vec<String>,
}

/// The claims the server signs in a receipt; everything the phone applies comes from here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReceiptClaims {
    /// The declaration received.
    pub declaration_id: String,
    /// The device that sent it.
    pub device_id: String,
    /// The phone's profile id the declaration is about.
    pub profile_ref: String,
    /// When the server stored it.
    pub received_at: DateTime<Utc>,
    /// The status it leads to (health declarations only).
    #[serde(default)]
    pub health_status: Option<SignedStatus>,
}

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
        .ok_or(ReceiptRefusal::Malformed("no signed receipt in the answer"))
}

/// This phone's device id for the configured server.
pub fn device_id(conn: &Connection) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT d.device_id FROM device_identity d JOIN settings s ON s.key = 'server_url' AND s.value = d.server_url",
            [],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

fn cached_document(conn: &Connection, kind: TrustDocumentKind) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT jws FROM trust_documents WHERE kind = ?1", [kind.as_str()], |r| r.get(0)).optional()
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
        return Err(ReceiptRefusal::Malformed("the receipt is not a compact JWS"));
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| ReceiptRefusal::Malformed("the receipt's payload is not base64url"))
}

/// Checks a receipt and returns its signed claims.
///
/// With a pinned root key, the signer must be an authority key of the cached trust list (verified against the
/// root), not revoked by the cached revocation list, valid when the receipt says it was signed and not expired
/// at `now`. Not-yet-valid is judged at the signing time only, so a phone whose clock lags still takes receipts
/// from a key issued today. An installation without a pinned root key (a terminal that never ran `trust pin`)
/// has nothing to check signatures against; it still checks what the claims name, and the result says that they
/// are not verified.
pub fn check(conn: &Connection, jws: &str, expected: Expected<'_>, now: DateTime<Utc>) -> Result<CheckedReceipt, ReceiptError> {
    let root = crate::trust::pinned::root_key_text(conn)?;
    let (payload, signer) = match root {
        None => (unverified_payload(jws)?, None),
        Some(root) => {
            let root = VerifyingKey::from_spki_base64(&root).map_err(ReceiptRefusal::BadRootKey)?;
            let list = cached_document(conn, TrustDocumentKind::TrustList)?.ok_or(ReceiptRefusal::NoTrustList)?;
            let list = TrustList::verify(&list, &root).map_err(ReceiptRefusal::UntrustedTrustList)?;
            // A cached revocation list that no longer verifies is treated as absent, as the trust cache does.
            let revocations = cached_document(conn, TrustDocumentKind::RevocationList)?
                .and_then(|jws| RevocationList::verify(&jws, &root).ok());
            let kid = jws_kid(jws).ok_or(ReceiptRefusal::Malformed("the receipt has no key id"))?;
            let issuer = list.find(&kid).ok_or_else(|| ReceiptRefusal::UnknownSigner(kid.clone()))?;
            if issuer.role != IssuerRole::Authority {
                return Err(ReceiptRefusal::NotAuthority(kid).into());
            }
            if revocations.as_ref().is_some_and(|r| r.is_revoked(crate::trust::RevocationKind::IssuerKey, &kid)) {
                return Err(ReceiptRefusal::KeyRevoked(kid).into());
            }
            let key = VerifyingKey::from_spki_base64(&issuer.public_key).map_err(ReceiptRefusal::BadSignature)?;
            let (_, payload) = crate::trust::jws::verify_compact(jws, &key, RECEIPT_TYP).map_err(ReceiptRefusal::BadSignature)?;
            (payload, Some((list, revocations, kid)))
        }
    };
    let claims: ReceiptClaims =
        // serde's message can quote the claims it choked on, which name a person's declaration: not kept.
        serde_json::from_slice(&payload).map_err(|_| ReceiptRefusal::Malformed("the signed claims are not a receipt"))?;
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
            return Err(ReceiptRefusal::KeyExpired(kid).into());
        }
    }
    if claims.declaration_id != expected.declaration_id {
        return Err(ReceiptRefusal::OtherDeclaration(claims.declaration_id).into());
    }
    if Some(claims.device_id.as_str()) != expected.device_id {
        return Err(ReceiptRefusal::OtherDevice {
            found: claims.device_id,
            expected: expected.device_id.unwrap_or_default().to_owned(),
        }
        .into());
    }
    if claims.profile_ref != expected.profile_id {
        return Err(ReceiptRefusal::OtherProfile(claims.profile_ref).into());
    }
    if let Some(status) = &claims.health_status
        && !matches!(status.status.as_str(), "green" | "yellow" | "red")
    {
        return Err(ReceiptRefusal::UnknownStatus(status.status.clone()).into());
    }
    Ok(CheckedReceipt { claims, verified })
}
