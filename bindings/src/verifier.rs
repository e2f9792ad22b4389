//! The offline checkpoint verifier and the trust lists over the FFI.

use std::time::SystemTime;

use healthbook_core as core;
use healthbook_core::credentials as cred;

use crate::error::PassError;

/// What a verified credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CredentialKind {
    /// A personal health pass.
    PersonalPass,
    /// An agency staff card.
    StaffCard,
    /// A printed control card.
    ControlCard,
    /// A venue or gate poster.
    VenuePoster,
    /// EU DCC vaccination.
    EuDccVaccination,
    /// EU DCC test.
    EuDccTest,
    /// EU DCC recovery.
    EuDccRecovery,
    /// Not decoded far enough to tell.
    Unknown,
}

impl From<cred::CredentialKind> for CredentialKind {
    fn from(k: cred::CredentialKind) -> Self {
        use cred::CredentialKind as K;
        match k {
            K::PersonalPass => Self::PersonalPass,
            K::StaffCard => Self::StaffCard,
            K::ControlCard => Self::ControlCard,
            K::VenuePoster => Self::VenuePoster,
            K::EuDccVaccination => Self::EuDccVaccination,
            K::EuDccTest => Self::EuDccTest,
            K::EuDccRecovery => Self::EuDccRecovery,
            K::Unknown => Self::Unknown,
        }
    }
}

/// The check a credential failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FailedStage {
    /// No known prefix, empty or too long.
    Prefix,
    /// Not Base45.
    Base45,
    /// zlib failed or over the size limit.
    Decompress,
    /// Not well-formed CBOR.
    Cbor,
    /// Not a supported COSE_Sign1.
    Cose,
    /// No trusted key with this key id.
    UnknownKey,
    /// The key filed under this id does not hash to it.
    KeyIdMismatch,
    /// The signature does not verify.
    Signature,
    /// Not valid yet.
    NotYetValid,
    /// Expired.
    Expired,
    /// Revoked.
    Revoked,
    /// The issuer may not sign this kind of credential.
    WrongRole,
    /// The claims name an agency or province outside the signing key's scope.
    OutOfScope,
    /// The signed content is malformed.
    PayloadSchema,
}

impl From<cred::FailedStage> for FailedStage {
    fn from(s: cred::FailedStage) -> Self {
        use cred::FailedStage as S;
        match s {
            S::Prefix => Self::Prefix,
            S::Base45 => Self::Base45,
            S::Decompress => Self::Decompress,
            S::Cbor => Self::Cbor,
            S::Cose => Self::Cose,
            S::UnknownKey => Self::UnknownKey,
            S::KeyIdMismatch => Self::KeyIdMismatch,
            S::Signature => Self::Signature,
            S::NotYetValid => Self::NotYetValid,
            S::Expired => Self::Expired,
            S::Revoked => Self::Revoked,
            S::WrongRole => Self::WrongRole,
            S::OutOfScope => Self::OutOfScope,
            S::PayloadSchema => Self::PayloadSchema,
        }
    }
}

/// The person a credential names, to compare with an ID card.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CredentialHolder {
    /// Display name.
    pub name: String,
    /// Birth date as written (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub birth_date: Option<String>,
    /// EU DCC transliterated name (ICAO), when present.
    pub transliterated_name: Option<String>,
}

/// A checkpoint's verdict on one QR.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Verdict {
    /// What the credential is.
    pub kind: CredentialKind,
    /// Whether every check passed.
    pub valid: bool,
    /// The first failed check; null when valid.
    pub stage: Option<FailedStage>,
    /// Why it failed; null when valid.
    pub error: Option<String>,
    /// The `iss` claim (for EU DCC, the country).
    pub issuer: Option<String>,
    /// The trusted signer's name.
    pub signer: Option<String>,
    /// Issue time.
    pub issued_at: Option<SystemTime>,
    /// Expiry.
    pub expires_at: Option<SystemTime>,
    /// The person named.
    pub holder: Option<CredentialHolder>,
    /// One line describing the content (status, dose n/m, test result, ...).
    pub summary: Option<String>,
    /// The trust or revocation list is past its maximum age: the gate should show that revocations may be missing.
    #[uniffi(default = false)]
    pub trust_list_stale: bool,
}

impl From<cred::Verdict> for Verdict {
    fn from(v: cred::Verdict) -> Self {
        Self {
            kind: v.kind.into(),
            valid: v.valid,
            stage: v.stage.map(Into::into),
            error: v.error,
            issuer: v.issuer,
            signer: v.signer,
            issued_at: v.issued_at.map(Into::into),
            expires_at: v.expires_at.map(Into::into),
            holder: v.holder.map(|h| CredentialHolder {
                transliterated_name: match (&h.family_name_transliterated, &h.given_name_transliterated) {
                    (Some(f), Some(g)) => Some(format!("{f} {g}")),
                    (Some(f), None) => Some(f.clone()),
                    _ => None,
                },
                name: h.name,
                birth_date: h.birth_date,
            }),
            summary: v.payload.map(|p| p.describe()),
            trust_list_stale: v.trust_list_stale,
        }
    }
}

/// What a trust refresh found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct TrustRefresh {
    /// Trust list version in use.
    pub trust_list_version: u64,
    /// Revocation list version in use.
    pub revocations_version: u64,
    /// Whether the server answered (false: cached copies).
    pub online: bool,
}

/// What importing an EU DCC document-signer list did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct DccSignerImport {
    /// The list's date (its newest entry).
    pub list_date: SystemTime,
    /// Signers now trusted from the list.
    pub accepted: u32,
    /// Entries skipped (not a DSC, a certificate that cannot be used, a kid that does not match it).
    pub skipped: u32,
    /// Countries with at least one signer.
    pub countries: u32,
}

/// The offline checkpoint verifier.
#[derive(uniffi::Object)]
pub struct Verifier(pub(crate) core::trust::Trust);

#[uniffi::export(async_runtime = "tokio")]
impl Verifier {
    /// Verifies a scanned QR now. Bad input gives an invalid verdict naming the failed check, never an error.
    pub fn verify(&self, qr_text: String) -> Result<Verdict, PassError> {
        Ok(self.0.verify(&qr_text)?.into())
    }

    /// Verifies as at `at` (for example a recorded scan's time).
    pub fn verify_at(&self, qr_text: String, at: SystemTime) -> Result<Verdict, PassError> {
        Ok(self.0.verify_at(&qr_text, at.into())?.into())
    }

    /// Fetches and checks the trust list and revocation list (against the pinned root key) for offline use.
    pub async fn refresh_trust(&self) -> Result<TrustRefresh, PassError> {
        let r = self.0.refresh().await?;
        Ok(TrustRefresh { trust_list_version: r.trust_list_version, revocations_version: r.revocations_version, online: r.online })
    }

    /// Trusts an EU DCC document signer certificate (base64 DER); returns its key id.
    pub async fn add_dcc_certificate(&self, der_base64: String) -> Result<String, PassError> {
        Ok(self.0.add_dcc_certificate(&der_base64).await?)
    }

    /// Imports a national backend's EU DCC document-signer list (the text as served: a signature line, then the
    /// JSON), checked with the backend's publisher key (PEM or base64 DER SPKI); it replaces the signers of the
    /// list imported before, never ones added one at a time. A forged, malformed or older list is refused with
    /// `BadCertificate`, its reason saying why.
    pub async fn import_dcc_signers(&self, text: String, publisher_key_pem: String) -> Result<DccSignerImport, PassError> {
        let r = self.0.import_dcc_signers(&text, &publisher_key_pem).await?;
        Ok(DccSignerImport { list_date: r.list_date.into(), accepted: r.accepted, skipped: r.skipped, countries: r.countries })
    }
}
