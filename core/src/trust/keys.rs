//! P-256 keys in the forms the trust list uses: SPKI DER public keys, PKCS#8 private keys, key ids.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, UnparsedPublicKey};

use super::TrustError;

/// DER prefix of a P-256 SubjectPublicKeyInfo; the 65-byte uncompressed point follows it.
///
/// ring speaks raw points while the trust list and key ids use SPKI (as EU DCC does), so the fixed header is
/// added and removed here rather than pulling in an ASN.1 library.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// Length of an uncompressed P-256 point.
const P256_POINT_LEN: usize = 65;

/// Wraps an uncompressed P-256 point into SPKI DER.
pub fn spki_from_point(point: &[u8]) -> Result<Vec<u8>, TrustError> {
    if point.len() != P256_POINT_LEN || point[0] != 0x04 {
        return Err(TrustError::InvalidPublicKey);
    }
    let mut spki = Vec::with_capacity(P256_SPKI_PREFIX.len() + P256_POINT_LEN);
    spki.extend_from_slice(&P256_SPKI_PREFIX);
    spki.extend_from_slice(point);
    Ok(spki)
}

/// Extracts the uncompressed point from a P-256 SPKI DER public key.
pub fn point_from_spki(spki: &[u8]) -> Result<&[u8], TrustError> {
    match spki.strip_prefix(&P256_SPKI_PREFIX[..]) {
        Some(point) if point.len() == P256_POINT_LEN && point[0] == 0x04 => Ok(point),
        _ => Err(TrustError::InvalidPublicKey),
    }
}

/// Key id of a public key: the first 8 bytes of SHA-256 over its SPKI DER, in standard base64 (as EU DCC does).
pub fn kid_for_spki(spki: &[u8]) -> String {
    // The one key-id computation is `KeyId::of_der`; this is its text form.
    crate::credentials::KeyId::of_der(spki).to_base64()
}

/// A P-256 public key that verifies ES256 signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    spki: Vec<u8>,
    kid: String,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey").field("kid", &self.kid).finish()
    }
}

impl VerifyingKey {
    /// A key from SPKI DER bytes.
    pub fn from_spki(spki: &[u8]) -> Result<Self, TrustError> {
        point_from_spki(spki)?;
        Ok(Self { spki: spki.to_vec(), kid: kid_for_spki(spki) })
    }

    /// A key from base64 (standard alphabet) SPKI DER, the form printed by `admin init` for phones to pin.
    pub fn from_spki_base64(text: &str) -> Result<Self, TrustError> {
        let spki = STANDARD.decode(text.trim()).map_err(|_| TrustError::InvalidPublicKey)?;
        Self::from_spki(&spki)
    }

    /// The key as SPKI DER.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// The key as base64 SPKI DER.
    pub fn spki_base64(&self) -> String {
        STANDARD.encode(&self.spki)
    }

    /// The key id (see [`kid_for_spki`]).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Checks a 64-byte `r || s` ES256 signature over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), TrustError> {
        let point = point_from_spki(&self.spki)?;
        UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
            .verify(message, signature)
            .map_err(|_| TrustError::BadSignature)
    }
}

/// A P-256 private key that makes ES256 signatures.
pub struct SigningKey {
    pair: EcdsaKeyPair,
    verifying: VerifyingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.verifying.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a new key; returns it with its PKCS#8 document, which the caller must keep secret.
    pub fn generate() -> Result<(Self, Vec<u8>), TrustError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| TrustError::Random)?;
        let key = Self::from_pkcs8(pkcs8.as_ref())?;
        Ok((key, pkcs8.as_ref().to_vec()))
    }

    /// A key from its PKCS#8 document.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, TrustError> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
            .map_err(|_| TrustError::InvalidPrivateKey)?;
        let spki = spki_from_point(pair.public_key().as_ref())?;
        let verifying = VerifyingKey::from_spki(&spki)?;
        Ok(Self { pair, verifying })
    }

    /// Signs `message`; the result is the 64-byte `r || s` form that JWS and COSE use.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, TrustError> {
        let rng = SystemRandom::new();
        self.pair.sign(&rng, message).map(|sig| sig.as_ref().to_vec()).map_err(|_| TrustError::Random)
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying
    }

    /// The key id of the public key.
    pub fn kid(&self) -> &str {
        self.verifying.kid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spki_round_trips_and_kid_is_eight_bytes() {
        let (key, pkcs8) = SigningKey::generate().unwrap();
        let again = SigningKey::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(key.verifying_key(), again.verifying_key());
        let spki = key.verifying_key().spki();
        assert_eq!(spki.len(), 91);
        assert_eq!(STANDARD.decode(key.kid()).unwrap().len(), 8);
        let parsed = VerifyingKey::from_spki_base64(&key.verifying_key().spki_base64()).unwrap();
        assert_eq!(&parsed, key.verifying_key());
    }

    #[test]
    fn signature_verifies_and_tampering_is_caught() {
        let (key, _) = SigningKey::generate().unwrap();
        let sig = key.sign(b"hello").unwrap();
        assert_eq!(sig.len(), 64);
        key.verifying_key().verify(b"hello", &sig).unwrap();
        assert_eq!(key.verifying_key().verify(b"hellp", &sig), Err(TrustError::BadSignature));
    }

    #[test]
    fn garbage_keys_are_refused() {
        assert_eq!(VerifyingKey::from_spki(&[1, 2, 3]), Err(TrustError::InvalidPublicKey));
        assert_eq!(VerifyingKey::from_spki_base64("!!"), Err(TrustError::InvalidPublicKey));
        assert!(matches!(SigningKey::from_pkcs8(b"nope"), Err(TrustError::InvalidPrivateKey)));
    }
}
