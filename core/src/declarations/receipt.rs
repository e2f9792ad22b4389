//! Declaration receipts: the server's answer is applied from its signed claims only, after checking who signed
//! it and that it is about this declaration, this profile and this device.
//!
//! The server's answer repeats some claims outside the signature (`received_at`, `health_status`) for other
//! clients; the phone never reads them, so a proxy that rewrites them changes nothing.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use thiserror::Error;

use crate::outbox::ReceiptError;
use crate::trust::signed::{SignedError, SignerRefusal};

/// `typ` of the JWS the server signs a declaration receipt with (defined once, in the wire contract).
pub use healthbook_protocol::RECEIPT_TYP;

/// Why a receipt is not applied; the declaration stays queued with this reason.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptRefusal {
    /// The answer has no readable signed receipt; says what is missing.
    #[error("unparseable server answer: {0}")]
    Malformed(&'static str),
    /// The signer or the signature is refused (see [`SignerRefusal`]).
    #[error(transparent)]
    Signer(#[from] SignerRefusal),
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
    let signed = crate::trust::signed::verify_authority_signed(conn, jws, RECEIPT_TYP).map_err(|e| match e {
        SignedError::Refused(r) => ReceiptError::Refused(r.into()),
        SignedError::Storage(s) => ReceiptError::Storage(s),
    })?;
    let payload = match &signed {
        Some(signed) => signed.payload().to_vec(),
        None => unverified_payload(jws)?,
    };
    let claims: ReceiptClaims = serde_json::from_slice(&payload).map_err(|_| claims_refusal(&payload))?;
    let verified = signed.is_some();
    if let Some(signed) = &signed {
        signed.check_signer_at(claims.received_at, now).map_err(ReceiptRefusal::from)?;
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
    Ok(CheckedReceipt { claims, verified })
}

/// Why signed claims did not read: a status this build does not know gets its own refusal (the status is typed,
/// so it is refused while reading), anything else is malformed.
fn claims_refusal(payload: &[u8]) -> ReceiptRefusal {
    let untyped: Value = serde_json::from_slice(payload).unwrap_or_default();
    match untyped["health_status"]["status"].as_str() {
        Some(status) if healthbook_protocol::PassStatus::from_name(status).is_none() => ReceiptRefusal::UnknownStatus(status.to_owned()),
        // serde's message can quote the claims it choked on, which name a person's declaration: not kept.
        _ => ReceiptRefusal::Malformed("the signed claims are not a receipt"),
    }
}
