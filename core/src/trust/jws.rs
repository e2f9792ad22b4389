//! JWS compact serialisation (RFC 7515) with ES256, the envelope of the trust list and revocation list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::{SigningKey, TrustError, VerifyingKey};

/// Upper bound on a JWS we agree to parse, so that a hostile server cannot make a phone chew on gigabytes.
pub const MAX_JWS_LEN: usize = 4 * 1024 * 1024;

/// The protected header we write and accept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwsHeader {
    /// Algorithm; only `ES256` is accepted.
    pub alg: String,
    /// Key id of the signing key.
    pub kid: String,
    /// Document type, so that one signed document cannot be passed off as another.
    pub typ: String,
}

/// Signs `payload` with `key`, giving `header.payload.signature`.
pub fn sign_compact(key: &SigningKey, typ: &str, payload: &[u8]) -> Result<String, TrustError> {
    let header = JwsHeader { alg: "ES256".into(), kid: key.kid().to_owned(), typ: typ.to_owned() };
    let header_json = serde_json::to_vec(&header).map_err(|e| TrustError::MalformedPayload(e.to_string()))?;
    let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header_json), URL_SAFE_NO_PAD.encode(payload));
    let signature = key.sign(signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// Checks a compact JWS against `key` and the expected `typ`; returns the header and the payload bytes.
pub fn verify_compact(jws: &str, key: &VerifyingKey, typ: &str) -> Result<(JwsHeader, Vec<u8>), TrustError> {
    if jws.len() > MAX_JWS_LEN {
        return Err(TrustError::MalformedJws("too long"));
    }
    let jws = jws.trim();
    let mut parts = jws.split('.');
    let (Some(header_b64), Some(payload_b64), Some(sig_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TrustError::MalformedJws("expected three parts"));
    };
    let header_bytes = URL_SAFE_NO_PAD.decode(header_b64).map_err(|_| TrustError::MalformedJws("header encoding"))?;
    let header: JwsHeader =
        serde_json::from_slice(&header_bytes).map_err(|_| TrustError::MalformedJws("header json"))?;
    if header.alg != "ES256" {
        return Err(TrustError::UnsupportedAlgorithm);
    }
    if header.typ != typ {
        return Err(TrustError::WrongType);
    }
    if header.kid != key.kid() {
        return Err(TrustError::WrongKeyId);
    }
    let signature = URL_SAFE_NO_PAD.decode(sig_b64).map_err(|_| TrustError::MalformedJws("signature encoding"))?;
    // The signing input is the encoded text as received, never a re-encoding of what was decoded.
    let signing_input_len = header_b64.len() + 1 + payload_b64.len();
    key.verify(&jws.as_bytes()[..signing_input_len], &signature)?;
    let payload = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| TrustError::MalformedJws("payload encoding"))?;
    Ok((header, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let (key, _) = SigningKey::generate().unwrap();
        let (other, _) = SigningKey::generate().unwrap();
        let jws = sign_compact(&key, "t+jws", b"{\"a\":1}").unwrap();
        let (header, payload) = verify_compact(&jws, key.verifying_key(), "t+jws").unwrap();
        assert_eq!(header.kid, key.kid());
        assert_eq!(payload, b"{\"a\":1}");
        assert_eq!(verify_compact(&jws, key.verifying_key(), "u+jws").unwrap_err(), TrustError::WrongType);
        assert_eq!(verify_compact(&jws, other.verifying_key(), "t+jws").unwrap_err(), TrustError::WrongKeyId);
        assert!(matches!(verify_compact("a.b", key.verifying_key(), "t+jws"), Err(TrustError::MalformedJws(_))));
        assert!(verify_compact("....", key.verifying_key(), "t+jws").is_err());
        assert!(verify_compact("é.é.é", key.verifying_key(), "t+jws").is_err());
    }

    #[test]
    fn any_flipped_payload_byte_breaks_the_signature() {
        let (key, _) = SigningKey::generate().unwrap();
        let jws = sign_compact(&key, "t+jws", b"{\"version\":7}").unwrap();
        let first_dot = jws.find('.').unwrap();
        let mut bytes = jws.into_bytes();
        let i = first_dot + 3;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(verify_compact(&tampered, key.verifying_key(), "t+jws").is_err());
    }
}
