//! What the verifier trusts: keys by key id, their role and validity, and revocations.
//!
//! The verifier depends only on the [`TrustStore`] trait. The one store the phone, the CLI and the tests fill is
//! [`CheckpointTrustStore`]: the issuer keys of the signed trust list, its revocation list, the EU DCC signing
//! certificates this device trusts, keys added directly (our own, tests), and when the lists go stale. It is
//! rebuilt from the verified documents each time they change (see `shared.rs`), so each verification is a hash
//! look-up and the signature arithmetic, nothing more.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use thiserror::Error;
use ring::signature::{self, UnparsedPublicKey};
use serde::Serialize;
use x509_parser::prelude::{FromDer, SubjectPublicKeyInfo, X509Certificate};

use crate::credentials::DccType;
use crate::trust::{IssuerRole, KeyScope, RevocationKind, RevocationList, TrustList};
use crate::credentials::CredentialError;

/// Key id: the first 8 bytes of SHA-256 over the signing certificate's DER (EU DCC) or the SPKI DER (our keys).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    /// The key id of a DER document (certificate or SPKI).
    pub fn of_der(der: &[u8]) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, der);
        let mut kid = [0u8; 8];
        kid.copy_from_slice(&digest.as_ref()[..8]);
        Self(kid)
    }

    /// A key id from exactly 8 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 8]>::try_from(bytes).ok().map(Self)
    }

    /// Parses standard base64, as trust lists write key ids.
    pub fn from_base64(text: &str) -> Option<Self> {
        STANDARD.decode(text.trim()).ok().and_then(|bytes| Self::from_slice(&bytes))
    }

    /// Standard base64, as trust lists write key ids.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl std::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// What a trusted key may sign: an issuer role of our trust list (the protocol's [`IssuerRole`], defined once),
/// or an EU DCC document signer, which only the DCC trust source names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRole {
    /// A key of our trust list, with its issuer role.
    Issuer(IssuerRole),
    /// An EU DCC document signer from the DCC trust source.
    DccSigner,
}

impl KeyRole {
    /// The health authority: personal passes and control cards.
    pub const AUTHORITY: Self = Self::Issuer(IssuerRole::Authority);
    /// An agency: staff cards and venue posters.
    pub const AGENCY: Self = Self::Issuer(IssuerRole::Agency);
    /// A laboratory: test results.
    pub const LAB: Self = Self::Issuer(IssuerRole::Lab);
    /// A vaccination site: vaccination records.
    pub const VACCINATION_SITE: Self = Self::Issuer(IssuerRole::VaccinationSite);

    /// The wire name (`authority`, ..., `dcc_signer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issuer(role) => role.as_str(),
            Self::DccSigner => "dcc_signer",
        }
    }

    /// Parses a wire name; `health_authority` is accepted for `authority`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "health_authority" => Some(Self::AUTHORITY),
            "dcc_signer" => Some(Self::DccSigner),
            other => IssuerRole::parse(other).map(Self::Issuer),
        }
    }
}

impl Serialize for KeyRole {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Signature algorithms the verifier supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SignatureAlgorithm {
    /// ECDSA P-256 with SHA-256, raw r||s (COSE -7).
    Es256,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32 (COSE -37); verification only, for EU DCC.
    Ps256,
}

impl SignatureAlgorithm {
    /// The COSE algorithm number.
    pub fn cose_id(self) -> i64 {
        match self {
            Self::Es256 => -7,
            Self::Ps256 => -37,
        }
    }

    /// The algorithm for a COSE number, if supported.
    pub fn from_cose_id(id: i64) -> Option<Self> {
        match id {
            -7 => Some(Self::Es256),
            -37 => Some(Self::Ps256),
            _ => None,
        }
    }
}

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
/// EU DCC extended key usages (eHealth network, "Certificate Governance" annex), and the variant with an extra
/// `.0` that several member states issued and verifiers accept.
const DCC_USAGE_OIDS: [(&str, DccType); 6] = [
    ("1.3.6.1.4.1.1847.2021.1.1", DccType::Test),
    ("1.3.6.1.4.1.1847.2021.1.2", DccType::Vaccination),
    ("1.3.6.1.4.1.1847.2021.1.3", DccType::Recovery),
    ("1.3.6.1.4.1.0.1847.2021.1.1", DccType::Test),
    ("1.3.6.1.4.1.0.1847.2021.1.2", DccType::Vaccination),
    ("1.3.6.1.4.1.0.1847.2021.1.3", DccType::Recovery),
];

/// Wraps an uncompressed P-256 point into SPKI DER, the form key ids are computed over (the one copy of the
/// SPKI header lives in [`crate::trust::keys`]).
pub fn p256_spki_from_point(point: &[u8]) -> Result<Vec<u8>, CredentialError> {
    crate::trust::keys::spki_from_point(point)
        .map_err(|_| CredentialError::UnsupportedPublicKey("not an uncompressed P-256 point".into()))
}

/// A public key the verifier trusts, with the role and validity that bound it.
///
/// The key id is always computed from the key material (certificate or SPKI DER), never taken on trust, so a
/// store that files a key under another id is caught as [`crate::credentials::FailedStage::KeyIdMismatch`].
#[derive(Clone)]
pub struct TrustedKey {
    kid: KeyId,
    algorithm: SignatureAlgorithm,
    // Prepared once so that each verification starts straight at the arithmetic.
    public_key: Arc<UnparsedPublicKey<Vec<u8>>>,
    role: KeyRole,
    issuer: String,
    not_before: Option<DateTime<Utc>>,
    not_after: Option<DateTime<Utc>>,
    dcc_types: Option<Vec<DccType>>,
    scope: KeyScope,
}

impl std::fmt::Debug for TrustedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("role", &self.role)
            .field("issuer", &self.issuer)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("dcc_types", &self.dcc_types)
            .field("scope", &self.scope)
            .finish()
    }
}

/// Key material read from a SubjectPublicKeyInfo: algorithm and the bytes ring expects.
fn key_from_spki(spki: &SubjectPublicKeyInfo<'_>) -> Result<(SignatureAlgorithm, Vec<u8>), CredentialError> {
    let algorithm = spki.algorithm.algorithm.to_id_string();
    let bits: &[u8] = spki.subject_public_key.data.as_ref();
    match algorithm.as_str() {
        OID_EC_PUBLIC_KEY => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
            if curve.as_deref() != Some(OID_P256) {
                return Err(CredentialError::UnsupportedPublicKey("EC key not on P-256".into()));
            }
            if bits.len() != 65 || bits[0] != 0x04 {
                return Err(CredentialError::UnsupportedPublicKey("not an uncompressed P-256 point".into()));
            }
            Ok((SignatureAlgorithm::Es256, bits.to_vec()))
        }
        OID_RSA | OID_RSA_PSS => Ok((SignatureAlgorithm::Ps256, bits.to_vec())),
        other => Err(CredentialError::UnsupportedPublicKey(format!("key algorithm {other}"))),
    }
}

/// Converts an X.509 time, refusing what chrono cannot hold.
fn x509_time(time: &x509_parser::time::ASN1Time) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(time.timestamp(), 0)
}

impl TrustedKey {
    fn new(kid: KeyId, algorithm: SignatureAlgorithm, public_key: Vec<u8>, role: KeyRole, issuer: String) -> Self {
        let ring_algorithm: &'static dyn signature::VerificationAlgorithm = match algorithm {
            SignatureAlgorithm::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
            SignatureAlgorithm::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
        };
        Self {
            kid,
            algorithm,
            public_key: Arc::new(UnparsedPublicKey::new(ring_algorithm, public_key)),
            role,
            issuer,
            not_before: None,
            not_after: None,
            dcc_types: None,
            scope: KeyScope::National,
        }
    }

    /// A key from SPKI DER (P-256 for ES256, RSA for PS256); its key id is hashed over `spki_der`.
    pub fn from_spki_der(spki_der: &[u8], role: KeyRole, issuer: impl Into<String>) -> Result<Self, CredentialError> {
        let (rest, spki) = SubjectPublicKeyInfo::from_der(spki_der)
            .map_err(|e| CredentialError::UnsupportedPublicKey(format!("malformed SPKI: {e}")))?;
        if !rest.is_empty() {
            return Err(CredentialError::UnsupportedPublicKey("bytes after the SPKI".into()));
        }
        let (algorithm, key) = key_from_spki(&spki)?;
        Ok(Self::new(KeyId::of_der(spki_der), algorithm, key, role, issuer.into()))
    }

    /// A P-256 key from its uncompressed point (what ring's `EcdsaKeyPair::public_key` gives).
    pub fn from_p256_point(point: &[u8], role: KeyRole, issuer: impl Into<String>) -> Result<Self, CredentialError> {
        let spki = p256_spki_from_point(point)?;
        Ok(Self::new(KeyId::of_der(&spki), SignatureAlgorithm::Es256, point.to_vec(), role, issuer.into()))
    }

    /// An EU DCC document signer from its certificate's DER: key id over the certificate, validity from it,
    /// and the DCC types it may sign from its extended key usage (all types when it names none).
    pub fn from_dcc_certificate_der(der: &[u8]) -> Result<Self, CredentialError> {
        let (_, cert) =
            X509Certificate::from_der(der).map_err(|e| CredentialError::InvalidCertificate(e.to_string()))?;
        let (algorithm, key) = key_from_spki(cert.public_key())?;
        let subject = cert.subject();
        let country = subject.iter_country().next().and_then(|a| a.as_str().ok()).unwrap_or_default();
        let common_name = subject.iter_common_name().next().and_then(|a| a.as_str().ok()).unwrap_or_default();
        let issuer = match (country, common_name) {
            ("", cn) => cn.to_string(),
            (c, "") => c.to_string(),
            (c, cn) => format!("{c}: {cn}"),
        };
        let mut trusted = Self::new(KeyId::of_der(der), algorithm, key, KeyRole::DccSigner, issuer);
        trusted.not_before = x509_time(&cert.validity().not_before);
        trusted.not_after = x509_time(&cert.validity().not_after);
        if let Ok(Some(eku)) = cert.extended_key_usage() {
            let types: Vec<DccType> = eku
                .value
                .other
                .iter()
                .filter_map(|oid| {
                    let id = oid.to_id_string();
                    DCC_USAGE_OIDS.iter().find(|(o, _)| *o == id).map(|(_, t)| *t)
                })
                .collect();
            if !types.is_empty() {
                trusted.dcc_types = Some(types);
            }
        }
        Ok(trusted)
    }

    /// Same as [`Self::from_dcc_certificate_der`], from base64 or PEM text (whitespace ignored).
    pub fn from_dcc_certificate_base64(text: &str) -> Result<Self, CredentialError> {
        let body: String = text
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .flat_map(|line| line.chars())
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = STANDARD
            .decode(body.as_bytes())
            .map_err(|e| CredentialError::InvalidCertificate(format!("not base64: {e}")))?;
        Self::from_dcc_certificate_der(&der)
    }

    /// Bounds the key's validity (for trust-list entries); `None` leaves a side open.
    pub fn with_validity(mut self, not_before: Option<DateTime<Utc>>, not_after: Option<DateTime<Utc>>) -> Self {
        self.not_before = not_before;
        self.not_after = not_after;
        self
    }

    /// Bounds where the key's signatures count (trust-list entries); keys start national.
    pub fn with_scope(mut self, scope: KeyScope) -> Self {
        self.scope = scope;
        self
    }

    /// Where the key's signatures count.
    pub fn scope(&self) -> &KeyScope {
        &self.scope
    }

    /// Overrides the display name of the issuer.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = issuer.into();
        self
    }

    /// The key id computed from the key material.
    pub fn kid(&self) -> KeyId {
        self.kid
    }

    /// ES256 or PS256.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// What the key may sign.
    pub fn role(&self) -> KeyRole {
        self.role
    }

    /// Display name of the issuer (for DCC: certificate country and common name).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Start of validity, if bounded.
    pub fn not_before(&self) -> Option<DateTime<Utc>> {
        self.not_before
    }

    /// End of validity, if bounded.
    pub fn not_after(&self) -> Option<DateTime<Utc>> {
        self.not_after
    }

    /// The DCC types the certificate's extended key usage allows; `None` means all.
    pub fn dcc_types(&self) -> Option<&[DccType]> {
        self.dcc_types.as_deref()
    }

    /// True when the certificate's extended key usage allows signing `ty`.
    pub fn may_sign_dcc(&self, ty: DccType) -> bool {
        self.dcc_types.as_ref().is_none_or(|types| types.contains(&ty))
    }

    /// Checks `signature` over `message` with this key, if `algorithm` is the key's own.
    pub fn verify(&self, algorithm: SignatureAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        algorithm == self.algorithm && self.public_key.verify(message, signature).is_ok()
    }
}

/// Where the verifier looks up keys and revocations; implemented by the signed trust list, the DCC trust source
/// and test stores.
pub trait TrustStore {
    /// Every key filed under `kid` (usually one; 8-byte ids can collide across issuers).
    fn keys(&self, kid: &KeyId) -> &[TrustedKey];

    /// True when the credential with this id is revoked (our `cti`, or a DCC's UVCI).
    fn is_revoked(&self, credential_id: &str) -> bool {
        let _ = credential_id;
        false
    }

    /// True when everything the key signed is revoked.
    fn is_key_revoked(&self, kid: &KeyId) -> bool {
        let _ = kid;
        false
    }

    /// The instant after which the store's lists are too old to trust silently; `None` when they never are.
    fn stale_after(&self) -> Option<DateTime<Utc>> {
        None
    }
}

/// A reference, box or `Arc` of a store is that store (the verifier holds whichever the caller has).
macro_rules! forward_trust_store {
    ($($wrapper:ty),*) => {$(
        impl<T: TrustStore + ?Sized> TrustStore for $wrapper {
            fn keys(&self, kid: &KeyId) -> &[TrustedKey] {
                (**self).keys(kid)
            }
            fn is_revoked(&self, credential_id: &str) -> bool {
                (**self).is_revoked(credential_id)
            }
            fn is_key_revoked(&self, kid: &KeyId) -> bool {
                (**self).is_key_revoked(kid)
            }
            fn stale_after(&self) -> Option<DateTime<Utc>> {
                (**self).stale_after()
            }
        }
    )*};
}

forward_trust_store!(&T, Box<T>, Arc<T>);

/// Two stores consulted together (e.g. our trust list and the DCC trust source): keys from the first that has
/// any under the id, revocations from either.
impl<A: TrustStore, B: TrustStore> TrustStore for (A, B) {
    fn keys(&self, kid: &KeyId) -> &[TrustedKey] {
        let first = self.0.keys(kid);
        if first.is_empty() { self.1.keys(kid) } else { first }
    }
    fn is_revoked(&self, credential_id: &str) -> bool {
        self.0.is_revoked(credential_id) || self.1.is_revoked(credential_id)
    }
    fn is_key_revoked(&self, kid: &KeyId) -> bool {
        self.0.is_key_revoked(kid) || self.1.is_key_revoked(kid)
    }
    fn stale_after(&self) -> Option<DateTime<Utc>> {
        match (self.0.stale_after(), self.1.stale_after()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Errors from building the checkpoint's trust store.
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// An EU DCC certificate (or a trust-list key) could not be used.
    #[error("unusable key or certificate: {0}")]
    BadKey(#[from] CredentialError),
    /// A certificate is not valid base64.
    #[error("certificate is not valid base64")]
    BadBase64,
    /// An EU DCC document-signer list was refused.
    #[error(transparent)]
    DscList(#[from] crate::trust::DscListError),
}

/// Maps a trust-list role onto the verifier's.
fn key_role(role: IssuerRole) -> KeyRole {
    KeyRole::Issuer(role)
}

/// The keys and revocations a checkpoint trusts.
#[derive(Debug, Clone)]
pub struct CheckpointTrustStore {
    keys: HashMap<KeyId, Vec<TrustedKey>>,
    revoked_credentials: HashSet<String>,
    revoked_keys: HashSet<KeyId>,
    stale_after: Option<DateTime<Utc>>,
    max_age: Duration,
}

/// How long past a list's `next_update` a checkpoint still trusts it silently: two days, so that a gate that
/// missed one daily refresh (a night offline, a flaky network) stays quiet, but one whose network has been cut
/// for longer shows that a revocation may be missing.
pub const DEFAULT_TRUST_MAX_AGE_HOURS: i64 = 48;

impl Default for CheckpointTrustStore {
    fn default() -> Self {
        Self {
            keys: HashMap::new(),
            revoked_credentials: HashSet::new(),
            revoked_keys: HashSet::new(),
            stale_after: None,
            max_age: Duration::hours(DEFAULT_TRUST_MAX_AGE_HOURS),
        }
    }
}

impl CheckpointTrustStore {
    /// An empty store; nothing verifies against it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how long past a list's due time verdicts keep quiet about its age (set it before adding lists).
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Counts a list due at `due` towards the store's staleness: the oldest list decides.
    fn note_due(&mut self, due: DateTime<Utc>) {
        let limit = due + self.max_age;
        self.stale_after = Some(self.stale_after.map_or(limit, |current| current.min(limit)));
    }

    /// Adds every issuer key of a verified trust list, with its role, scope and validity window. The key id is
    /// computed from the key itself, not read from the list.
    pub fn add_trust_list(&mut self, list: &TrustList) -> Result<(), CheckpointError> {
        for issuer in &list.keys {
            let spki = STANDARD.decode(&issuer.public_key).map_err(|_| CheckpointError::BadBase64)?;
            let mut key = TrustedKey::from_spki_der(&spki, key_role(issuer.role), issuer.name.clone())?
                .with_validity(Some(issuer.not_before), Some(issuer.not_after))
                .with_scope(issuer.key_scope());
            if issuer.role == IssuerRole::Lab {
                // A lab vouches for test results, never for a vaccination or recovery statement beside one.
                key.dcc_types = Some(vec![DccType::Test]);
            }
            if issuer.role == IssuerRole::VaccinationSite {
                // A site vouches for the doses it gave, never for a test or a recovery.
                key.dcc_types = Some(vec![DccType::Vaccination]);
            }
            self.add_key(key);
        }
        self.note_due(list.due());
        Ok(())
    }

    /// Adds the revocations of a verified revocation list.
    pub fn add_revocations(&mut self, list: &RevocationList) {
        self.note_due(list.due());
        for entry in &list.entries {
            match entry.kind {
                RevocationKind::Credential => {
                    self.revoked_credentials.insert(entry.id.clone());
                }
                RevocationKind::IssuerKey => {
                    if let Some(kid) = KeyId::from_base64(&entry.id) {
                        self.revoked_keys.insert(kid);
                    }
                }
            }
        }
    }

    /// A store holding every EU DCC document signer certificate given as base64 DER (or PEM).
    pub fn from_dcc_certificates_base64<I, S>(certificates: I) -> Result<Self, CredentialError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut store = Self::new();
        for certificate in certificates {
            store.add_dcc_certificate_base64(certificate.as_ref())?;
        }
        Ok(store)
    }

    /// Trusts an EU DCC document signer certificate (base64 DER or PEM); returns its key id.
    pub fn add_dcc_certificate_base64(&mut self, text: &str) -> Result<KeyId, CredentialError> {
        let key = TrustedKey::from_dcc_certificate_base64(text.trim())?;
        let kid = key.kid();
        self.add_key(key);
        Ok(kid)
    }

    /// Trusts an EU DCC document signer certificate (DER); returns its key id.
    pub fn add_dcc_certificate_der(&mut self, der: &[u8]) -> Result<KeyId, CredentialError> {
        let key = TrustedKey::from_dcc_certificate_der(der)?;
        let kid = key.kid();
        self.add_key(key);
        Ok(kid)
    }

    /// Trusts one key, filed under its own key id.
    pub fn add_key(&mut self, key: TrustedKey) {
        self.keys.entry(key.kid()).or_default().push(key);
    }

    /// Files a key under a key id declared by someone else (as a trust-list entry does); the verifier checks
    /// that the key really hashes to it.
    pub fn add_under(&mut self, kid: KeyId, key: TrustedKey) {
        self.keys.entry(kid).or_default().push(key);
    }

    /// Revokes one credential by id (our `cti`, or a DCC's UVCI).
    pub fn revoke_credential(&mut self, credential_id: impl Into<String>) {
        self.revoked_credentials.insert(credential_id.into());
    }

    /// Revokes everything a key signed.
    pub fn revoke_key(&mut self, kid: KeyId) {
        self.revoked_keys.insert(kid);
    }

    /// Number of trusted keys.
    pub fn key_count(&self) -> usize {
        self.keys.values().map(Vec::len).sum()
    }

    /// True when no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.key_count() == 0
    }
}

impl TrustStore for CheckpointTrustStore {
    fn keys(&self, kid: &KeyId) -> &[TrustedKey] {
        self.keys.get(kid).map(Vec::as_slice).unwrap_or(&[])
    }

    fn is_revoked(&self, credential_id: &str) -> bool {
        self.revoked_credentials.contains(credential_id)
    }

    fn is_key_revoked(&self, kid: &KeyId) -> bool {
        self.revoked_keys.contains(kid)
    }

    fn stale_after(&self) -> Option<DateTime<Utc>> {
        self.stale_after
    }
}
