//! Decoding a QR text into an unverified credential, and the offline verifier that turns it into a verdict.

use chrono::{DateTime, Duration, Utc};
use coset::{CoseSign1, iana};
use serde::Serialize;

use super::claims::CwtClaims;
use super::container::{self, CredentialType};
use super::dcc::{DccSummary, DccType, parse_dcc};
use super::error::{FailedStage, StageError};
use super::payload::{ControlCard, OwnPayload, PersonalPass, StaffCard, VenuePoster};
use crate::trust::store::{KeyId, KeyRole, SignatureAlgorithm, TrustStore, TrustedKey};
use crate::trust::KeyScope;

/// What a credential is, once decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// Our personal health pass.
    PersonalPass,
    /// An agency's staff card.
    StaffCard,
    /// A control card for someone without a smartphone.
    ControlCard,
    /// A venue or gate poster.
    VenuePoster,
    /// EU DCC vaccination certificate.
    EuDccVaccination,
    /// EU DCC test certificate.
    EuDccTest,
    /// EU DCC recovery certificate.
    EuDccRecovery,
    /// Not decoded far enough to tell.
    Unknown,
}

impl CredentialKind {
    /// The kind our own container types decode to.
    fn of_type(ty: CredentialType) -> Self {
        match ty {
            CredentialType::PersonalPass => Self::PersonalPass,
            CredentialType::StaffCard => Self::StaffCard,
            CredentialType::ControlCard => Self::ControlCard,
            CredentialType::VenuePoster => Self::VenuePoster,
            CredentialType::EuDcc => Self::Unknown,
        }
    }

    /// The roles whose keys may sign this kind.
    pub fn allowed_roles(self) -> &'static [KeyRole] {
        match self {
            Self::PersonalPass | Self::ControlCard => &[KeyRole::AUTHORITY],
            Self::StaffCard => &[KeyRole::AGENCY],
            Self::VenuePoster => &[KeyRole::AGENCY, KeyRole::AUTHORITY],
            // A lab key our own trust list names signs test certificates only (the store limits its DCC types).
            Self::EuDccTest => &[KeyRole::DccSigner, KeyRole::LAB],
            // A vaccination-site key our trust list names signs vaccination certificates only (as for labs).
            Self::EuDccVaccination => &[KeyRole::DccSigner, KeyRole::VACCINATION_SITE],
            Self::EuDccRecovery => &[KeyRole::DccSigner],
            Self::Unknown => &[],
        }
    }
}

/// The person a credential names, to compare with an ID card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    /// Display name, NFC (for DCC: family name then given name, as Vietnamese order has it).
    pub name: String,
    /// Birth date as written (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`); our credentials carry only the year.
    pub birth_date: Option<String>,
    /// DCC `nam.fn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// DCC `nam.gn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// DCC `nam.fnt` (ICAO 9303 transliteration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name_transliterated: Option<String>,
    /// DCC `nam.gnt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name_transliterated: Option<String>,
}

/// The decoded payload, by credential type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadSummary {
    /// A personal pass.
    PersonalPass(PersonalPass),
    /// A staff card.
    StaffCard(StaffCard),
    /// A control card.
    ControlCard(ControlCard),
    /// A venue poster.
    VenuePoster(VenuePoster),
    /// An EU DCC.
    EuDcc(DccSummary),
}

impl PayloadSummary {
    /// One line for a verifier's screen.
    pub fn describe(&self) -> String {
        match self {
            Self::PersonalPass(p) => {
                let reasons: Vec<String> = p.reasons.iter().map(|r| r.as_str().replace('_', " ")).collect();
                let status = p.status.as_str();
                if reasons.is_empty() { status.to_string() } else { format!("{status} ({})", reasons.join(", ")) }
            }
            Self::StaffCard(s) => format!("staff {} of agency {}", s.staff_id, s.agency_id),
            Self::ControlCard(c) => format!("control card for profile {}", c.profile_id),
            Self::VenuePoster(v) => match &v.gate {
                Some(gate) => format!("venue {} gate {gate}", v.name),
                None => format!("venue {}", v.name),
            },
            Self::EuDcc(d) => d.entries.iter().map(|e| e.describe()).collect::<Vec<_>>().join("; "),
        }
    }
}

/// The outcome of verifying one QR text: never an error, always a typed verdict.
///
/// Decoded fields are filled as far as decoding got, even when `valid` is false, so that a checkpoint can
/// show what a refused credential claims; they are trustworthy only when `valid` is true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// What the credential is.
    pub kind: CredentialKind,
    /// True when every check passed.
    pub valid: bool,
    /// The first check that failed; `None` when valid.
    pub stage: Option<FailedStage>,
    /// Why it failed, without personal data; `None` when valid.
    pub error: Option<String>,
    /// The container type, from the prefix.
    pub credential_type: Option<CredentialType>,
    /// The `iss` claim (for EU DCC, the issuing country).
    pub issuer: Option<String>,
    /// The trusted key's issuer name, once the signature checked out.
    pub signer: Option<String>,
    /// Key id from the COSE headers, base64.
    pub key_id: Option<String>,
    /// Our `cti`, or the DCC's UVCI.
    pub credential_id: Option<String>,
    /// `iat`.
    pub issued_at: Option<DateTime<Utc>>,
    /// `exp`.
    pub expires_at: Option<DateTime<Utc>>,
    /// The person named.
    pub holder: Option<Holder>,
    /// The decoded payload.
    pub payload: Option<PayloadSummary>,
    /// True when the trust or revocation list this verdict relied on is past its maximum age: the verdict still
    /// stands, but a revocation published since may be missing, and the gate should say so.
    pub trust_list_stale: bool,
}

impl Verdict {
    /// A verdict that stopped before anything was decoded.
    fn refused_early(credential_type: Option<CredentialType>, error: StageError) -> Self {
        Self {
            kind: credential_type.map_or(CredentialKind::Unknown, CredentialKind::of_type),
            valid: false,
            stage: Some(error.stage),
            error: Some(error.message),
            credential_type,
            issuer: None,
            signer: None,
            key_id: None,
            credential_id: None,
            issued_at: None,
            expires_at: None,
            holder: None,
            payload: None,
            trust_list_stale: false,
        }
    }
}

/// A credential taken apart but not yet verified.
#[derive(Debug, Clone)]
pub struct DecodedCredential {
    /// The container type, from the prefix.
    pub credential_type: CredentialType,
    /// What the payload says it is.
    pub kind: CredentialKind,
    /// ES256 or PS256, from the headers (protected first).
    pub algorithm: SignatureAlgorithm,
    /// Key id from the protected header, else the unprotected one; `None` when absent or not 8 bytes.
    pub key_id: Option<KeyId>,
    /// Length of the key id found in the headers (0 when none), to explain a missing `key_id`.
    pub key_id_len: usize,
    /// The registered claims.
    pub claims: CwtClaims,
    /// The person named.
    pub holder: Option<Holder>,
    /// The decoded payload.
    pub payload: Option<PayloadSummary>,
    /// A problem with the signed claims (stage `payload_schema`), reported only after the signature.
    pub payload_error: Option<StageError>,
    sign1: CoseSign1,
}

impl DecodedCredential {
    /// The bytes the signature covers: the COSE `Sig_structure` with the protected header as received.
    ///
    /// Written out by hand (RFC 9052 §4.4: `["Signature1", protected, external_aad, payload]`) rather than by
    /// coset, which clones the header and goes through a serializer: at a gate this runs for every scan.
    pub fn signed_bytes(&self) -> Vec<u8> {
        match (&self.sign1.protected.original_data, &self.sign1.payload) {
            (Some(protected), Some(payload)) => {
                let mut out = Vec::with_capacity(protected.len() + payload.len() + 24);
                out.push(0x84);
                out.push(0x60 | 10);
                out.extend_from_slice(b"Signature1");
                cbor_bytes(&mut out, protected);
                out.push(0x40);
                cbor_bytes(&mut out, payload);
                out
            }
            _ => self.sign1.tbs_data(b""),
        }
    }

    /// The signature as received.
    pub fn signature(&self) -> &[u8] {
        &self.sign1.signature
    }

    /// The credential id revocation is checked against: our `cti`, or the first UVCI of a DCC.
    pub fn credential_id(&self) -> Option<String> {
        match &self.payload {
            Some(PayloadSummary::EuDcc(dcc)) => dcc.entries.first().map(|e| e.uvci().to_string()),
            _ => self.claims.credential_id(),
        }
    }

    /// True when `key` verifies the signature with the credential's algorithm.
    pub fn verify_with(&self, key: &TrustedKey) -> bool {
        key.verify(self.algorithm, &self.signed_bytes(), &self.sign1.signature)
    }

    /// The verdict, moving the decoded fields into it.
    fn into_verdict(self, signer: Option<String>, outcome: Result<(), StageError>) -> Verdict {
        let credential_id = self.credential_id();
        let (valid, stage, error) = match outcome {
            Ok(()) => (true, None, None),
            Err(e) => (false, Some(e.stage), Some(e.message)),
        };
        Verdict {
            kind: self.kind,
            valid,
            stage,
            error,
            credential_type: Some(self.credential_type),
            issuer: self.claims.issuer,
            signer,
            key_id: self.key_id.map(|k| k.to_base64()),
            credential_id,
            issued_at: self.claims.issued_at,
            expires_at: self.claims.expires_at,
            holder: self.holder,
            payload: self.payload,
            trust_list_stale: false,
        }
    }
}

/// Appends `bytes` as a CBOR byte string (major type 2, shortest length form).
fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = bytes.len();
    match len {
        0..=23 => out.push(0x40 | len as u8),
        24..=0xff => out.extend_from_slice(&[0x58, len as u8]),
        0x100..=0xffff => {
            out.push(0x59);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0x5a);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
    out.extend_from_slice(bytes);
}

/// The algorithm named by a COSE header.
fn algorithm_of(header: &coset::Header) -> Option<Result<SignatureAlgorithm, String>> {
    let alg = header.alg.as_ref()?;
    Some(match alg {
        coset::Algorithm::Assigned(iana::Algorithm::ES256) => Ok(SignatureAlgorithm::Es256),
        coset::Algorithm::Assigned(iana::Algorithm::PS256) => Ok(SignatureAlgorithm::Ps256),
        other => Err(format!("unsupported algorithm {other:?}")),
    })
}

/// Decodes a QR text down to its claims without checking the signature: for tools, tests, and production
/// samples whose keys are not public. Fails only at the container stages (prefix to COSE).
pub fn decode(text: &str) -> Result<DecodedCredential, StageError> {
    let (ty, body) = container::strip_prefix(text)?;
    decode_body(ty, body)
}

/// Decodes everything after the prefix.
fn decode_body(ty: CredentialType, body: &str) -> Result<DecodedCredential, StageError> {
    let raw = container::base45_decode(body)?;
    let cose = container::decompress(&raw)?;
    let sign1 = container::parse_cose(&cose)?;
    drop(cose);

    // The algorithm must be covered by the signature (RFC 9052 §3.1): one named only in the unprotected header
    // could be swapped on the way, so it is refused rather than read from there.
    let algorithm = algorithm_of(&sign1.protected.header)
        .ok_or_else(|| StageError::new(FailedStage::Cose, "no algorithm in the protected COSE header"))?
        .map_err(|m| StageError::new(FailedStage::Cose, m))?;
    let raw_kid = if sign1.protected.header.key_id.is_empty() {
        &sign1.unprotected.key_id
    } else {
        &sign1.protected.header.key_id
    };
    let key_id = KeyId::from_slice(raw_kid);
    let key_id_len = raw_kid.len();
    let Some(payload_bytes) = sign1.payload.as_deref() else {
        return Err(StageError::new(FailedStage::Cose, "detached payloads are not supported"));
    };

    let mut decoded = DecodedCredential {
        credential_type: ty,
        // DCCs get their kind from the payload, below.
        kind: CredentialKind::of_type(ty),
        algorithm,
        key_id,
        key_id_len,
        claims: CwtClaims::default(),
        holder: None,
        payload: None,
        payload_error: None,
        sign1: CoseSign1::default(),
    };
    let claims_value = match container::cbor_from_slice(payload_bytes) {
        Ok(value) => value,
        Err(message) => {
            decoded.payload_error =
                Some(StageError::new(FailedStage::PayloadSchema, format!("claims are not well-formed: {message}")));
            decoded.sign1 = sign1;
            return Ok(decoded);
        }
    };
    decoded.sign1 = sign1;
    if let Err(message) = read_claims(&mut decoded, claims_value) {
        decoded.payload_error = Some(StageError::new(FailedStage::PayloadSchema, message));
    }
    Ok(decoded)
}

/// Reads the registered claims and the typed payload into `decoded`.
fn read_claims(decoded: &mut DecodedCredential, value: ciborium::Value) -> Result<(), String> {
    let mut claims = CwtClaims::from_value(value)?;
    let hcert = claims.hcert.take();
    let own = claims.healthbook.take();
    decoded.claims = claims;
    match decoded.credential_type {
        CredentialType::EuDcc => {
            let hcert = hcert.ok_or("no hcert claim (-260)")?;
            let (holder, summary) = parse_dcc(hcert)?;
            decoded.kind = match summary.primary_type() {
                Some(DccType::Vaccination) => CredentialKind::EuDccVaccination,
                Some(DccType::Test) => CredentialKind::EuDccTest,
                Some(DccType::Recovery) | None => CredentialKind::EuDccRecovery,
            };
            decoded.holder = Some(holder);
            decoded.payload = Some(PayloadSummary::EuDcc(summary));
        }
        ty => {
            let own = own.ok_or("no Healthbook payload claim (-65537)")?;
            let payload: OwnPayload =
                own.deserialized().map_err(|e| format!("payload does not match its schema: {e}"))?;
            let signed_type = payload.credential_type();
            decoded.kind = CredentialKind::of_type(signed_type);
            decoded.holder = payload.holder();
            decoded.payload = Some(match payload {
                OwnPayload::PersonalPass(p) => PayloadSummary::PersonalPass(p),
                OwnPayload::StaffCard(s) => PayloadSummary::StaffCard(s),
                OwnPayload::ControlCard(c) => PayloadSummary::ControlCard(c),
                OwnPayload::VenuePoster(v) => PayloadSummary::VenuePoster(v),
            });
            if signed_type != ty {
                return Err(format!("prefix {} does not match the signed type {}", ty.prefix(), signed_type.prefix()));
            }
        }
    }
    if decoded.claims.issued_at.is_none() {
        return Err("iat missing".into());
    }
    if decoded.claims.expires_at.is_none() {
        return Err("exp missing".into());
    }
    Ok(())
}

/// Checks that what `payload` claims lies inside `scope`: an agency key vouches only for its own agency's cards
/// and posters, a province key only for passes, cards and posters that name its province. National keys (and
/// EU DCC signers, whose limits are their key usage) vouch for anything their role allows.
fn within_scope(payload: &PayloadSummary, scope: &KeyScope) -> Result<(), &'static str> {
    let (agency, province) = match payload {
        PayloadSummary::EuDcc(_) => return Ok(()),
        PayloadSummary::PersonalPass(p) => (None, p.province.as_deref()),
        PayloadSummary::ControlCard(c) => (None, c.province.as_deref()),
        PayloadSummary::StaffCard(s) => (Some(s.agency_id.as_str()), None),
        PayloadSummary::VenuePoster(v) => (v.agency_id.as_deref(), v.province.as_deref()),
    };
    match scope {
        KeyScope::National => Ok(()),
        KeyScope::Agency(id) if agency == Some(id.as_str()) => Ok(()),
        KeyScope::Agency(_) => Err("the credential names an agency other than the signing key's"),
        KeyScope::Province(code) if province == Some(code.as_str()) => Ok(()),
        KeyScope::Province(_) => Err("the credential names a province other than the signing key's"),
        KeyScope::Lab(_) | KeyScope::VaccinationSite(_) => Err("a lab or vaccination site key vouches for no such claim"),
    }
}

/// Verifies credentials offline against a trust store, at an instant the caller gives.
#[derive(Debug, Clone)]
pub struct Verifier<S> {
    store: S,
    leeway: Duration,
}

/// Default tolerance for a credential dated slightly in the future: phone clocks drift, and a pass is shown
/// seconds after the server signs it.
pub const DEFAULT_NOT_BEFORE_LEEWAY_SECS: i64 = 300;

impl<S: TrustStore> Verifier<S> {
    /// A verifier over `store`, with the default not-before leeway.
    pub fn new(store: S) -> Self {
        Self { store, leeway: Duration::seconds(DEFAULT_NOT_BEFORE_LEEWAY_SECS) }
    }

    /// Sets how far in the future `iat`/`nbf` may be (expiry has no leeway).
    pub fn with_not_before_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The trust store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Verifies one QR text as at `at`.
    ///
    /// Checks, in order: prefix, Base45, zlib, CBOR, COSE, key lookup (unknown key, key id mismatch), signature,
    /// claims (payload schema), the signer's role, revocation, then validity of the key and of the
    /// credential at `at`. The first failure decides the stage.
    pub fn verify(&self, text: &str, at: DateTime<Utc>) -> Verdict {
        let mut verdict = match container::strip_prefix(text) {
            Ok((ty, body)) => match decode_body(ty, body) {
                Ok(decoded) => {
                    let (signer, outcome) = self.check(&decoded, at);
                    decoded.into_verdict(signer, outcome)
                }
                Err(e) => Verdict::refused_early(Some(ty), e),
            },
            Err(e) => Verdict::refused_early(None, e),
        };
        verdict.trust_list_stale = self.trust_list_stale(at);
        verdict
    }

    /// Verifies an already decoded credential as at `at`.
    pub fn verify_decoded(&self, decoded: &DecodedCredential, at: DateTime<Utc>) -> Verdict {
        let (signer, outcome) = self.check(decoded, at);
        let mut verdict = decoded.clone().into_verdict(signer, outcome);
        verdict.trust_list_stale = self.trust_list_stale(at);
        verdict
    }

    /// True when the store's lists are past their maximum age at `at`.
    pub fn trust_list_stale(&self, at: DateTime<Utc>) -> bool {
        self.store.stale_after().is_some_and(|limit| at > limit)
    }

    /// Every check after decoding; returns the signer's name once the signature checked out, and the outcome.
    fn check(&self, decoded: &DecodedCredential, at: DateTime<Utc>) -> (Option<String>, Result<(), StageError>) {
        let refuse = |stage: FailedStage, message: String| Err(StageError::new(stage, message));
        let Some(kid) = decoded.key_id else {
            let message = match decoded.key_id_len {
                0 => "no key id in the COSE headers".to_string(),
                n => format!("key id is {n} bytes, not 8"),
            };
            return (None, refuse(FailedStage::UnknownKey, message));
        };
        let filed = self.store.keys(&kid);
        if filed.is_empty() {
            return (None, refuse(FailedStage::UnknownKey, format!("no trusted key with id {kid}")));
        }
        let mut matching = filed.iter().filter(|key| key.kid() == kid).peekable();
        if matching.peek().is_none() {
            let actual = filed.first().map(|k| k.kid().to_base64()).unwrap_or_default();
            return (None, refuse(FailedStage::KeyIdMismatch, format!("the key filed under {kid} hashes to {actual}")));
        }
        let signed = decoded.signed_bytes();
        let signature = decoded.signature();
        let Some(key) = matching.find(|key| key.verify(decoded.algorithm, &signed, signature)) else {
            let other_algorithm = filed.iter().map(TrustedKey::algorithm).find(|a| *a != decoded.algorithm);
            let message = if let Some(algorithm) = other_algorithm
                && filed.iter().all(|k| k.algorithm() != decoded.algorithm)
            {
                format!("{:?} signature but the trusted key is {algorithm:?}", decoded.algorithm)
            } else {
                "signature does not verify".to_string()
            };
            return (None, refuse(FailedStage::Signature, message));
        };
        (Some(key.issuer().to_string()), self.check_signed(decoded, key, kid, at))
    }

    /// The checks that only count once the signature has: schema, role, revocation, validity.
    fn check_signed(
        &self,
        decoded: &DecodedCredential,
        key: &TrustedKey,
        kid: KeyId,
        at: DateTime<Utc>,
    ) -> Result<(), StageError> {
        if let Some(error) = &decoded.payload_error {
            return Err(error.clone());
        }
        if !decoded.kind.allowed_roles().contains(&key.role()) {
            return Err(StageError::new(
                FailedStage::WrongRole,
                format!("a {} key may not sign a {:?}", key.role().as_str(), decoded.kind),
            ));
        }
        if let Some(payload) = &decoded.payload
            && let Err(message) = within_scope(payload, key.scope())
        {
            return Err(StageError::new(FailedStage::OutOfScope, message));
        }
        if let Some(PayloadSummary::EuDcc(dcc)) = &decoded.payload
            && let Some(entry) = dcc.entries.iter().find(|e| !key.may_sign_dcc(e.dcc_type()))
        {
            return Err(StageError::new(
                FailedStage::WrongRole,
                format!("the signing certificate's key usage does not cover {:?}", entry.dcc_type()),
            ));
        }
        if self.store.is_key_revoked(&kid) {
            return Err(StageError::new(FailedStage::Revoked, "the signing key is revoked"));
        }
        let revoked = match &decoded.payload {
            Some(PayloadSummary::EuDcc(dcc)) => dcc.entries.iter().any(|e| self.store.is_revoked(e.uvci())),
            _ => decoded.claims.credential_id().is_some_and(|id| self.store.is_revoked(&id)),
        };
        if revoked {
            return Err(StageError::new(FailedStage::Revoked, "the credential is revoked"));
        }
        self.check_validity(decoded, key, at)
    }

    /// The time checks alone: the key's validity, then the credential's `nbf`/`iat` (with the leeway) and
    /// `exp`, all at `at`. A credential is valid up to and including its `exp` second, as the EU DCC test cases
    /// that verify exactly at `exp` require.
    pub fn check_validity(
        &self,
        decoded: &DecodedCredential,
        key: &TrustedKey,
        at: DateTime<Utc>,
    ) -> Result<(), StageError> {
        if let Some(start) = key.not_before()
            && at < start
        {
            return Err(StageError::new(FailedStage::NotYetValid, format!("the signing key is valid from {start}")));
        }
        if let Some(end) = key.not_after()
            && at > end
        {
            return Err(StageError::new(FailedStage::Expired, format!("the signing key expired at {end}")));
        }
        let starts = decoded.claims.not_before.or(decoded.claims.issued_at);
        if let Some(start) = starts
            && start.checked_sub_signed(self.leeway).unwrap_or(DateTime::<Utc>::MIN_UTC) > at
        {
            return Err(StageError::new(FailedStage::NotYetValid, format!("valid from {start}")));
        }
        match decoded.claims.expires_at {
            Some(end) if at > end => Err(StageError::new(FailedStage::Expired, format!("expired at {end}"))),
            Some(_) => Ok(()),
            None => Err(StageError::new(FailedStage::PayloadSchema, "exp missing")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coset::{CborSerializable, CoseSign1Builder, HeaderBuilder};

    /// The hand-written `Sig_structure` is byte for byte what coset builds, for every length form of the payload.
    #[test]
    fn signed_bytes_match_coset_for_every_length_form() {
        for len in [0usize, 1, 23, 24, 255, 256, 65_535, 65_536, 70_000] {
            let protected = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).key_id(vec![7; 8]).build();
            let sign1 = CoseSign1Builder::new()
                .protected(protected)
                .payload(vec![0xa5; len])
                .signature(vec![1; 64])
                .build();
            // Parsed back, as a scanned credential is, so that the protected header keeps its bytes as received.
            let parsed = CoseSign1::from_slice(&sign1.to_vec().unwrap()).unwrap();
            let decoded = DecodedCredential {
                credential_type: CredentialType::PersonalPass,
                kind: CredentialKind::PersonalPass,
                algorithm: SignatureAlgorithm::Es256,
                key_id: None,
                key_id_len: 0,
                claims: CwtClaims::default(),
                holder: None,
                payload: None,
                payload_error: None,
                sign1: parsed.clone(),
            };
            assert_eq!(decoded.signed_bytes(), parsed.tbs_data(b""), "payload of {len} bytes");
        }
    }
}
