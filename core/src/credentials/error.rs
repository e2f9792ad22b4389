//! Errors of issuing, trust-store building and rendering, and the stage at which a verification failed.

use serde::Serialize;

/// Why a credential could not be issued, a key or certificate not loaded, or a QR code not rendered.
///
/// Verification never returns this: it returns a [`super::Verdict`] whose [`FailedStage`] says where it stopped.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The PKCS#8 document is not a P-256 ECDSA private key.
    #[error("not a P-256 PKCS#8 private key")]
    InvalidPrivateKey,
    /// A public key is not one that ES256 or PS256 can use.
    #[error("unsupported public key: {0}")]
    UnsupportedPublicKey(String),
    /// A signing certificate could not be read.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),
    /// The signer failed (ring reports no detail).
    #[error("signing failed")]
    Signing,
    /// The claims could not be encoded as CBOR or COSE.
    #[error("could not encode the credential: {0}")]
    Encoding(String),
    /// The encoded credential is larger than a QR code or the verifier's limits allow.
    #[error("credential too large: {0} characters (at most {1})")]
    TooLarge(usize, usize),
    /// The text does not fit in a QR code at the requested error-correction level.
    #[error("QR code rendering failed: {0}")]
    Qr(String),
}

/// The step of decoding and verification at which a credential was refused.
///
/// A verdict names the first check that failed; `credentials/mod.rs` documents the order of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailedStage {
    /// Empty or over-long text, or no known prefix (`HC1:`, `HB1:`, ...).
    Prefix,
    /// The text after the prefix is not valid Base45.
    Base45,
    /// Data that is not zlib (compression is mandatory), or zlib that does not inflate, fails its checksum, is
    /// truncated, has bytes after its end, or inflates past the size limit.
    Decompress,
    /// The COSE message is not well-formed CBOR, is nested too deep, or has bytes after it.
    Cbor,
    /// Well-formed CBOR that is not a COSE_Sign1 we support (tags, structure, algorithm, detached payload).
    Cose,
    /// No trusted key under the credential's key id (or no key id at all).
    UnknownKey,
    /// The trusted key filed under this key id does not hash to it.
    KeyIdMismatch,
    /// The signature does not verify with the trusted key.
    Signature,
    /// The credential (or the key that signed it) is not valid yet.
    NotYetValid,
    /// The credential (or the key that signed it) has expired.
    Expired,
    /// The credential or its signing key is on the revocation list.
    Revoked,
    /// The key is trusted, but not to sign this kind of credential.
    WrongRole,
    /// The key may sign this kind, but the claims name an agency, province, lab or site outside its scope.
    OutOfScope,
    /// The signed claims are not well-formed, lack a required field, have a wrong type, or contradict the prefix.
    PayloadSchema,
}

impl FailedStage {
    /// True when a refusal at this stage comes after the signature checked out: the credential is authentic
    /// but not acceptable (schema, role, revocation, time).
    pub fn after_signature(self) -> bool {
        matches!(self, Self::PayloadSchema | Self::WrongRole | Self::OutOfScope | Self::Revoked | Self::NotYetValid | Self::Expired)
    }

    /// The wire name used in JSON (`prefix`, `base45`, ..., `payload_schema`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prefix => "prefix",
            Self::Base45 => "base45",
            Self::Decompress => "decompress",
            Self::Cbor => "cbor",
            Self::Cose => "cose",
            Self::UnknownKey => "unknown_key",
            Self::KeyIdMismatch => "key_id_mismatch",
            Self::Signature => "signature",
            Self::NotYetValid => "not_yet_valid",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::WrongRole => "wrong_role",
            Self::OutOfScope => "out_of_scope",
            Self::PayloadSchema => "payload_schema",
        }
    }
}

impl std::fmt::Display for FailedStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal at one stage, with a message free of personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{stage}: {message}")]
pub struct StageError {
    /// Where it stopped.
    pub stage: FailedStage,
    /// What was wrong, for logs and the verifier's screen.
    pub message: String,
}

impl StageError {
    /// A refusal at `stage`.
    pub fn new(stage: FailedStage, message: impl Into<String>) -> Self {
        Self { stage, message: message.into() }
    }
}
