//! The personal health pass on the phone, and checkpoint verification.
//!
//! A pass is fetched from the server for a profile, checked against the trust list before it is shown, kept
//! (sealed) for offline display, and refreshed at half-life. Verification runs fully offline against the
//! cached trust list, revocation list and the EU DCC certificates this device trusts.

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::trust::checkpoint::{CheckpointError, CheckpointTrustStore};
use crate::client::{self, ClientError, TrustSource};
use crate::credentials::{CredentialId, PayloadSummary, Verdict, Verifier};
use crate::healthbook::Healthbook;
use crate::profiles::ProfileError;
use crate::sealing::SealingError;
use crate::session::SessionError;
use crate::storage::StorageError;
use crate::trust::VerifyingKey;
use crate::trust::db::DatabaseTrustCache;

/// Errors of passes and verification set-up.
#[derive(Debug, Error)]
pub enum PassError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// No root key is pinned, so trust lists can't be checked.
    #[error("no root key pinned")]
    NoRootKey,
    /// The server could not be reached; the last pass (if any) is still shown.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The profile is not bound to a person on the server: bind it (by SMS code or attestation) first.
    #[error("profile {0} is not bound to a person")]
    NotBound(String),
    /// The server refused or failed.
    #[error(transparent)]
    Client(ClientError),
    /// The pass the server sent does not verify against the trust list.
    #[error("the server's pass does not verify: {0}")]
    Untrusted(String),
    /// A trust source could not be used.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The profile does not exist.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Sign-in failed for another reason than the network.
    #[error("sign-in failed: {0}")]
    Session(SessionError),
    /// The settings could not be read.
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    /// Encryption failed.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<rusqlite::Error> for PassError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

impl From<ClientError> for PassError {
    fn from(e: ClientError) -> Self {
        if e.is_transient() { Self::Unreachable(e.to_string()) } else { Self::Client(e) }
    }
}

impl From<SessionError> for PassError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::Client(c) => c.into(),
            other => Self::Session(other),
        }
    }
}

/// A pass as the phone keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPass {
    /// The profile it is for.
    pub profile_id: String,
    /// The QR text (`HB1:...`).
    pub qr: String,
    /// Its credential id.
    pub credential_id: String,
    /// `green`, `yellow` or `red`.
    pub status: String,
    /// Reason codes.
    pub reasons: Vec<String>,
    /// Issue time.
    pub issued_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

impl StoredPass {
    /// Whether it should be replaced: past half its life (or expired).
    pub fn needs_refresh(&self, now: DateTime<Utc>) -> bool {
        now >= self.issued_at + (self.expires_at - self.issued_at) / 2
    }

    /// Whether it has expired.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now > self.expires_at
    }
}

/// The server's answer to a pass request. Only the QR is read: status, reasons, times and id are taken from the
/// pass's verified claims, never from the unsigned fields beside it.
#[derive(Deserialize)]
struct PassAnswer {
    qr: String,
}

/// The pass to keep for `profile_id`, built from a verified credential's signed claims; refused when it is not a
/// personal pass, was not issued for this request (`expected` is the id derived from the profile and the
/// request's nonce: the pass names no profile, so that venues can't link passes, and its `cti` is what ties it
/// to the profile asked for), or lacks a claim the phone shows.
fn pass_from_verdict(profile_id: &str, expected: &CredentialId, qr: String, verdict: &Verdict) -> Result<StoredPass, PassError> {
    let Some(PayloadSummary::PersonalPass(pass)) = &verdict.payload else {
        return Err(PassError::Untrusted("the server's credential is not a personal pass".into()));
    };
    let missing = |claim: &str| PassError::Untrusted(format!("the pass has no {claim} claim"));
    let credential_id = verdict.credential_id.clone().ok_or_else(|| missing("cti"))?;
    if credential_id != expected.text {
        return Err(PassError::Untrusted("the pass was issued for another request or profile".into()));
    }
    Ok(StoredPass {
        profile_id: profile_id.to_owned(),
        qr,
        credential_id,
        status: pass.status.as_str().to_owned(),
        reasons: pass.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
        issued_at: verdict.issued_at.ok_or_else(|| missing("iat"))?,
        expires_at: verdict.expires_at.ok_or_else(|| missing("exp"))?,
    })
}

/// What a trust refresh found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustRefresh {
    /// Trust list version now cached.
    pub trust_list_version: u64,
    /// Revocation list version now cached.
    pub revocations_version: u64,
    /// Whether the server was reached (false: the cached copies are in use).
    pub online: bool,
}

fn context(profile_id: &str) -> String {
    format!("passes:{profile_id}")
}

impl Healthbook {
    /// The pinned root key, read synchronously (one primary-key row).
    pub(crate) fn root_key_blocking(&self) -> Result<VerifyingKey, PassError> {
        let text = self.db.read_blocking(|conn| Ok::<_, PassError>(crate::trust::pinned::root_key_text(conn)?))?;
        let text = text.ok_or(PassError::NoRootKey)?;
        VerifyingKey::from_spki_base64(&text).map_err(|_| PassError::NoRootKey)
    }

    async fn server_url(&self) -> Result<String, PassError> {
        self.settings().server_url().await?.ok_or(PassError::NoServer)
    }

    /// Fetches the trust list and revocation list from the server, checks them against the pinned root key and
    /// caches them; offline, the verified cached copies stay in use.
    pub async fn refresh_trust(&self) -> Result<TrustRefresh, PassError> {
        let root = self.root_key_blocking()?;
        let client = client::ServerClient::new(client::ClientConfig::new(self.server_url().await?), self.clock.clone())?;
        let cache = DatabaseTrustCache::new(self.db.clone());
        let trust = client.fetch_trust_list(&root, &cache).await?;
        let revocations = client.fetch_revocations(&root, &cache).await?;
        Ok(TrustRefresh {
            trust_list_version: trust.document.version,
            revocations_version: revocations.document.version,
            online: trust.source != TrustSource::Cache,
        })
    }

    /// Trusts an EU DCC document signer certificate (base64 DER) on this device; returns its key id.
    pub async fn add_dcc_certificate(&self, der_base64: &str) -> Result<String, PassError> {
        let mut probe = CheckpointTrustStore::new();
        let kid = probe.add_dcc_certificate_base64(der_base64)?;
        let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, der_base64.trim()).map_err(|_| CheckpointError::BadBase64)?;
        let now = self.clock.now().timestamp_millis();
        let kid_text = kid.to_base64();
        let stored_kid = kid_text.clone();
        self.db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO dcc_certificates (kid, der, added_at) VALUES (?1, ?2, ?3) ON CONFLICT (kid) DO UPDATE SET der = excluded.der",
                    (&stored_kid, der, now),
                )?;
                Ok::<_, PassError>(())
            })
            .await?;
        self.db.note_trust_changed();
        Ok(kid_text)
    }

    /// The checkpoint's trust store: the cached trust list and revocations (verified against the pinned root
    /// key, when one is pinned) and the trusted EU DCC certificates.
    pub fn trust_store(&self) -> Result<CheckpointTrustStore, PassError> {
        self.build_trust_store(self.verifier_store.max_age())
    }

    /// The checkpoint's trust store as shared between scans: built once after each change of the lists, the
    /// DCC certificates, the root key or the maximum age, then handed out without touching the database.
    pub fn shared_trust_store(&self) -> Result<std::sync::Arc<CheckpointTrustStore>, PassError> {
        self.verifier_store.get_or_build(self.db.trust_generation(), |max_age| self.build_trust_store(max_age))
    }

    /// Sets how long past the trust lists' next update verdicts keep quiet about their age (48 hours unless
    /// changed); after that every verdict says `trust_list_stale`.
    pub fn set_trust_max_age(&self, max_age: chrono::Duration) {
        self.verifier_store.set_max_age(max_age);
    }

    fn build_trust_store(&self, max_age: chrono::Duration) -> Result<CheckpointTrustStore, PassError> {
        let mut store = CheckpointTrustStore::new().with_max_age(max_age);
        if let Ok(root) = self.root_key_blocking() {
            let cache = DatabaseTrustCache::new(self.db.clone());
            if let Some(list) = client::cached_trust_list(&root, &cache)? {
                store.add_trust_list(&list.document)?;
            }
            if let Some(list) = client::cached_revocations(&root, &cache)? {
                store.add_revocations(&list.document);
            }
        }
        let certs: Vec<Vec<u8>> = self.db.read_blocking(|conn| {
            let mut stmt = conn.prepare("SELECT der FROM dcc_certificates ORDER BY added_at")?;
            let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok::<_, PassError>(rows)
        })?;
        for der in certs {
            store.add_dcc_certificate_base64(&base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der))?;
        }
        Ok(store)
    }

    /// Verifies a scanned QR offline, at the clock's current time.
    pub fn verify(&self, qr_text: &str) -> Result<Verdict, PassError> {
        Ok(Verifier::new(self.shared_trust_store()?).verify(qr_text, self.clock.now()))
    }

    /// Gets a fresh pass for `profile_id` from the server, checks it against the trust list (refreshing the
    /// list when it doesn't know the signer yet) and that it is the pass the server answered with, and keeps it for offline
    /// display with the status, reasons and times of its signed claims.
    pub async fn refresh_pass(&self, profile_id: &str) -> Result<StoredPass, PassError> {
        let profile = self.profiles().get(profile_id).await?;
        let server_url = self.server_url().await?;
        let client = crate::session::connect(&self.db, &self.sealer, self.clock.clone(), &server_url, |c| c).await?;
        // Only the profile and a fresh nonce: the server takes the name and birth year from the person the profile
        // is bound to, and derives the pass's id from the nonce and the profile, so the phone can tell the signed
        // pass answers this request for this profile.
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let expected = CredentialId::for_request(&profile.id, &nonce);
        let body = serde_json::json!({ "profile_ref": profile.id, "nonce": nonce });
        let answer: PassAnswer = match client.post_json("/v1/passes", &body).await {
            Ok(answer) => answer,
            Err(ClientError::Http { status: 409, code, .. }) if code == "profile_not_bound" => {
                // Removed from another phone or by an officer: the kept binding is out of date. The kept pass stays
                // (it expires by itself): an unsigned refusal never deletes what was verified.
                let id = profile.id.clone();
                self.db
                    .write(move |tx| {
                        tx.execute("DELETE FROM person_bindings WHERE profile_id = ?1", [&id])?;
                        Ok::<_, PassError>(())
                    })
                    .await?;
                return Err(PassError::NotBound(profile.id));
            }
            Err(e) => return Err(e.into()),
        };
        let decoded = crate::credentials::decode(&answer.qr).map_err(|e| PassError::Untrusted(e.message))?;
        let mut store = self.shared_trust_store()?;
        // A signer the cached list doesn't name yet (a new pass key): fetch the list once more before judging.
        if decoded.key_id.is_none_or(|kid| crate::credentials::TrustStore::keys(&store, &kid).is_empty()) {
            self.refresh_trust().await?;
            store = self.shared_trust_store()?;
        }
        let verdict = Verifier::new(store).verify_decoded(&decoded, self.clock.now());
        if !verdict.valid {
            return Err(PassError::Untrusted(verdict.error.unwrap_or_else(|| "invalid".into())));
        }
        let pass = pass_from_verdict(&profile.id, &expected, answer.qr, &verdict)?;
        let sealer = self.sealer.clone();
        let stored = pass.clone();
        self.db
            .write(move |tx| {
                let sealed = sealer.seal(&context(&stored.profile_id), &serde_json::to_vec(&stored).map_err(|e| PassError::Untrusted(e.to_string()))?)?;
                tx.execute(
                    "INSERT INTO passes (profile_id, sealed, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (profile_id) DO UPDATE SET sealed = excluded.sealed,
                       issued_at = excluded.issued_at, expires_at = excluded.expires_at",
                    (&stored.profile_id, sealed, stored.issued_at.timestamp_millis(), stored.expires_at.timestamp_millis()),
                )?;
                Ok::<_, PassError>(())
            })
            .await?;
        Ok(pass)
    }

    /// The last pass kept for `profile_id`, for display offline (check `is_expired`).
    pub async fn pass(&self, profile_id: &str) -> Result<Option<StoredPass>, PassError> {
        let sealer = self.sealer.clone();
        let id = profile_id.to_owned();
        self.db
            .read(move |conn| {
                let sealed: Option<Vec<u8>> =
                    conn.query_row("SELECT sealed FROM passes WHERE profile_id = ?1", [&id], |r| r.get(0)).optional()?;
                let Some(sealed) = sealed else { return Ok(None) };
                let plain = sealer.open(&context(&id), &sealed)?;
                Ok(Some(serde_json::from_slice(&plain).map_err(|e| PassError::Untrusted(e.to_string()))?))
            })
            .await
    }

    /// The pass for `profile_id`, refreshed first when it is past half its life and the server can be reached;
    /// offline, the kept pass is returned as it is.
    pub async fn current_pass(&self, profile_id: &str) -> Result<Option<StoredPass>, PassError> {
        let kept = self.pass(profile_id).await?;
        if kept.as_ref().is_some_and(|p| !p.needs_refresh(self.clock.now())) {
            return Ok(kept);
        }
        match self.refresh_pass(profile_id).await {
            Ok(fresh) => Ok(Some(fresh)),
            Err(PassError::Unreachable(_) | PassError::NoServer) if kept.is_some() => Ok(kept),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{CredentialKind, PassStatus, PersonalPass, StatusReason};
    use chrono::TimeZone;

    fn verdict(payload: Option<PayloadSummary>, id: &CredentialId) -> Verdict {
        let issued = Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap();
        Verdict {
            kind: CredentialKind::PersonalPass,
            valid: true,
            stage: None,
            error: None,
            credential_type: None,
            issuer: Some("VN-HB".into()),
            signer: None,
            key_id: None,
            credential_id: Some(id.text.clone()),
            issued_at: Some(issued),
            expires_at: Some(issued + chrono::Duration::hours(24)),
            holder: None,
            payload,
            trust_list_stale: false,
        }
    }

    fn pass() -> PayloadSummary {
        PayloadSummary::PersonalPass(PersonalPass {
            name: "Hà Văn Sơn".into(),
            birth_year: None,
            status: PassStatus::Red,
            reasons: vec![StatusReason::Quarantine, StatusReason::RecentTest],
            province: None,
        })
    }

    #[test]
    fn a_kept_pass_takes_everything_from_the_verified_claims() {
        let asked = CredentialId::for_request("p1", "n1");
        let v = verdict(Some(pass()), &asked);
        let kept = pass_from_verdict("p1", &asked, "HB1:X".into(), &v).unwrap();
        assert_eq!((kept.status.as_str(), kept.reasons.as_slice()), ("red", ["quarantine".to_owned(), "recent_test".to_owned()].as_slice()));
        assert_eq!((Some(kept.issued_at), Some(kept.expires_at)), (v.issued_at, v.expires_at));
        assert_eq!(kept.credential_id, asked.text);
    }

    #[test]
    fn a_pass_for_another_profile_or_request_or_of_another_kind_is_refused() {
        let asked = CredentialId::for_request("p1", "n1");
        // A genuine pass issued for another profile (the request rewritten on the way), or for another request.
        for other in [CredentialId::for_request("p2", "n1"), CredentialId::for_request("p1", "n2")] {
            let refused = pass_from_verdict("p1", &asked, "HB1:X".into(), &verdict(Some(pass()), &other));
            assert!(matches!(refused, Err(PassError::Untrusted(m)) if m.contains("another request")));
        }
        assert!(matches!(pass_from_verdict("p1", &asked, "HB1:X".into(), &verdict(None, &asked)), Err(PassError::Untrusted(_))));
        let mut no_exp = verdict(Some(pass()), &asked);
        no_exp.expires_at = None;
        assert!(matches!(pass_from_verdict("p1", &asked, "HB1:X".into(), &no_exp), Err(PassError::Untrusted(m)) if m.contains("exp")));
        let mut no_cti = verdict(Some(pass()), &asked);
        no_cti.credential_id = None;
        assert!(matches!(pass_from_verdict("p1", &asked, "HB1:X".into(), &no_cti), Err(PassError::Untrusted(m)) if m.contains("cti")));
    }
}
