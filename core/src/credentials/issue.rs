//! Issuing: CWT claims signed with ES256 into a tagged COSE_Sign1, then packed into QR text.

use chrono::{DateTime, Duration, Utc};
use ciborium::Value;
use coset::{CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

use super::claims::{CLAIM_CTI, CLAIM_EXP, CLAIM_HEALTHBOOK, CLAIM_IAT, CLAIM_ISS};
use super::container::{self, CredentialType};
use super::error::CredentialError;
use super::payload::{OwnPayload, PersonalPass};
use crate::trust::store::{KeyId, KeyRole, TrustedKey, p256_spki_from_point};

/// An ES256 issuer key (ring, PKCS#8) with the `iss` it signs under.
pub struct CredentialSigner {
    key_pair: EcdsaKeyPair,
    kid: KeyId,
    issuer: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for CredentialSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialSigner").field("kid", &self.kid).field("issuer", &self.issuer).finish()
    }
}

impl CredentialSigner {
    /// A fresh P-256 private key as PKCS#8, for tests, tools and key ceremonies.
    pub fn generate_pkcs8() -> Result<Vec<u8>, CredentialError> {
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map(|doc| doc.as_ref().to_vec())
            .map_err(|_| CredentialError::Signing)
    }

    /// A signer from a P-256 PKCS#8 private key; its key id is hashed over the public key's SPKI DER.
    pub fn from_pkcs8(pkcs8: &[u8], issuer: impl Into<String>) -> Result<Self, CredentialError> {
        let rng = SystemRandom::new();
        let key_pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
            .map_err(|_| CredentialError::InvalidPrivateKey)?;
        let spki = p256_spki_from_point(key_pair.public_key().as_ref())?;
        Ok(Self { kid: KeyId::of_der(&spki), key_pair, issuer: issuer.into(), rng })
    }

    /// Signs under another key id; EU DCC signers use the hash of their certificate rather than of the key.
    pub fn with_key_id(mut self, kid: KeyId) -> Self {
        self.kid = kid;
        self
    }

    /// The key id put in the protected header.
    pub fn key_id(&self) -> KeyId {
        self.kid
    }

    /// The `iss` claim.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The public key as an uncompressed P-256 point.
    pub fn public_key_point(&self) -> &[u8] {
        self.key_pair.public_key().as_ref()
    }

    /// The public key as SPKI DER, the form trust lists publish.
    pub fn public_key_spki(&self) -> Vec<u8> {
        // The point comes from ring, so it is always a valid uncompressed P-256 point.
        p256_spki_from_point(self.public_key_point()).unwrap_or_default()
    }

    /// The public half as a key a verifier can trust in `role`.
    pub fn trusted_key(&self, role: KeyRole) -> TrustedKey {
        let key = TrustedKey::from_p256_point(self.public_key_point(), role, self.issuer.clone());
        // from_p256_point only fails on a malformed point, which ring never returns.
        key.unwrap_or_else(|_| unreachable!("ring returned a malformed P-256 point"))
    }

    /// Signs a payload as a tagged COSE_Sign1 (ES256, kid in the protected header).
    pub fn sign_cose(&self, payload: Vec<u8>) -> Result<Vec<u8>, CredentialError> {
        let protected = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).key_id(self.kid.0.to_vec()).build();
        let sign1 = CoseSign1Builder::new()
            .protected(protected)
            .payload(payload)
            .try_create_signature(b"", |tbs| {
                self.key_pair
                    .sign(&self.rng, tbs)
                    .map(|sig| sig.as_ref().to_vec())
                    .map_err(|_| CredentialError::Signing)
            })?
            .build();
        sign1.to_tagged_vec().map_err(|e| CredentialError::Encoding(e.to_string()))
    }

    /// Signs any CWT claims map into QR text under `ty`'s prefix (tools and tests: e.g. an ES256 EU DCC).
    pub fn sign_claims(&self, ty: CredentialType, claims: &Value) -> Result<String, CredentialError> {
        let mut payload = Vec::new();
        ciborium::ser::into_writer(claims, &mut payload).map_err(|e| CredentialError::Encoding(e.to_string()))?;
        let cose = self.sign_cose(payload)?;
        container::encode_qr_text(ty, &cose)
    }

    /// Issues one of our credentials: `iss`, `iat`, `exp`, `cti` and the payload, signed, as QR text.
    pub fn issue(
        &self,
        payload: &OwnPayload,
        credential_id: &str,
        issued_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<String, CredentialError> {
        self.issue_with_cti(payload, credential_id.as_bytes(), issued_at, expires_at)
    }

    /// Like [`issue`](Self::issue), with the `cti` as raw bytes (see [`CredentialId`]: shorter than text).
    pub fn issue_with_cti(
        &self,
        payload: &OwnPayload,
        cti: &[u8],
        issued_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<String, CredentialError> {
        if expires_at <= issued_at {
            return Err(CredentialError::Encoding("expiry must come after issuance".into()));
        }
        let body = Value::serialized(&payload.normalised()).map_err(|e| CredentialError::Encoding(e.to_string()))?;
        let int = |key: i64| Value::Integer(key.into());
        let claims = Value::Map(vec![
            (int(CLAIM_ISS), Value::Text(self.issuer.clone())),
            (int(CLAIM_IAT), Value::Integer(issued_at.timestamp().into())),
            (int(CLAIM_EXP), Value::Integer(expires_at.timestamp().into())),
            (int(CLAIM_CTI), Value::Bytes(cti.to_vec())),
            (int(CLAIM_HEALTHBOOK), body),
        ]);
        self.sign_claims(payload.credential_type(), &claims)
    }

    /// Issues a personal pass valid for `valid_for` from `issued_at` (short: the phone refreshes it).
    pub fn issue_pass(
        &self,
        pass: &PersonalPass,
        credential_id: &str,
        issued_at: DateTime<Utc>,
        valid_for: Duration,
    ) -> Result<String, CredentialError> {
        self.issue_pass_with_cti(pass, credential_id.as_bytes(), issued_at, valid_for)
    }

    /// Issues a personal pass under a raw-byte `cti` (what the server does, with a fresh [`CredentialId`]).
    pub fn issue_pass_with_cti(
        &self,
        pass: &PersonalPass,
        cti: &[u8],
        issued_at: DateTime<Utc>,
        valid_for: Duration,
    ) -> Result<String, CredentialError> {
        let expires_at = issued_at
            .checked_add_signed(valid_for)
            .ok_or_else(|| CredentialError::Encoding("expiry out of range".into()))?;
        self.issue_with_cti(&OwnPayload::PersonalPass(pass.clone()), cti, issued_at, expires_at)
    }
}

/// A pass's credential id: 8 bytes for the `cti` claim, and the text a verifier reads from them.
///
/// Raw bytes take half the room of their hex text in the QR. A verifier reads a `cti` that is valid UTF-8 as
/// text and any other as hex ([`CwtClaims::credential_id`](super::CwtClaims::credential_id)), so the first byte
/// is always a UTF-8 continuation byte (`0b10xx_xxxx`), which no UTF-8 text starts with: the id is then the hex
/// form everywhere (revocation lists, the server's records, the verdict).
///
/// The phone chooses a fresh nonce for each pass request and the server derives the id from it and the profile
/// asked for ([`CredentialId::for_request`]): the phone can then tell that a signed pass answers its own request
/// for its own profile, although the pass names no profile (so that venues can't link two passes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialId {
    /// The `cti` bytes.
    pub bytes: Vec<u8>,
    /// Their lowercase hex, the id as verifiers and revocation lists show it.
    pub text: String,
}

impl CredentialId {
    /// Bytes of the id: 62 bits of randomness or hash. Enough for a handle that only has to be unique among
    /// live passes (the server's `issued_passes` refuses a repeat); every byte more would cost QR room.
    pub const LEN: usize = 8;

    fn from_bytes(mut bytes: Vec<u8>) -> Self {
        bytes.truncate(Self::LEN);
        bytes[0] = 0x80 | (bytes[0] & 0x3f);
        let text = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Self { bytes, text }
    }

    /// A fresh random id.
    pub fn random() -> Result<Self, CredentialError> {
        let mut bytes = vec![0u8; Self::LEN];
        ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut bytes).map_err(|_| CredentialError::Signing)?;
        Ok(Self::from_bytes(bytes))
    }

    /// The id of the pass answering a request for `profile_ref` with the phone's `nonce`: SHA-256 over both
    /// (length-prefixed, under a domain label), cut to [`LEN`](Self::LEN) bytes.
    pub fn for_request(profile_ref: &str, nonce: &str) -> Self {
        let mut input = Vec::with_capacity(32 + profile_ref.len() + nonce.len());
        input.extend_from_slice(b"healthbook pass cti v1\0");
        for part in [profile_ref, nonce] {
            input.extend_from_slice(&(part.len() as u64).to_be_bytes());
            input.extend_from_slice(part.as_bytes());
        }
        Self::from_bytes(ring::digest::digest(&ring::digest::SHA256, &input).as_ref().to_vec())
    }
}
