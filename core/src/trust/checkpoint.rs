//! What a checkpoint verifies against, offline: the issuer keys of the signed trust list, its revocation list,
//! and the EU DCC signing certificates this device trusts.
//!
//! The store is rebuilt from the verified documents each time they change, so each verification is a hash
//! look-up and the signature arithmetic, nothing more.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use base64::engine::general_purpose::STANDARD;
use thiserror::Error;

use crate::credentials::{CredentialError, KeyId, KeyRole, TrustStore, TrustedKey};
use crate::trust::{IssuerRole, RevocationKind, RevocationList, TrustList};

/// Errors from building the checkpoint's trust store.
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// An EU DCC certificate (or a trust-list key) could not be used.
    #[error("unusable key or certificate: {0}")]
    BadKey(#[from] CredentialError),
    /// A certificate is not valid base64.
    #[error("certificate is not valid base64")]
    BadBase64,
}

/// Maps a trust-list role onto the verifier's.
fn key_role(role: IssuerRole) -> KeyRole {
    match role {
        IssuerRole::Authority => KeyRole::Authority,
        IssuerRole::Agency => KeyRole::Agency,
        IssuerRole::Lab => KeyRole::Lab,
        IssuerRole::VaccinationSite => KeyRole::VaccinationSite,
    }
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
            let key = TrustedKey::from_spki_der(&spki, key_role(issuer.role), issuer.name.clone())?
                .with_validity(Some(issuer.not_before), Some(issuer.not_after))
                .with_scope(issuer.key_scope());
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

    /// Trusts an EU DCC document signer certificate (base64 DER).
    pub fn add_dcc_certificate_base64(&mut self, der_base64: &str) -> Result<KeyId, CheckpointError> {
        let key = TrustedKey::from_dcc_certificate_base64(der_base64.trim())?;
        let kid = key.kid();
        self.add_key(key);
        Ok(kid)
    }

    /// Trusts one key.
    pub fn add_key(&mut self, key: TrustedKey) {
        self.keys.entry(key.kid()).or_default().push(key);
    }

    /// Number of trusted keys.
    pub fn key_count(&self) -> usize {
        self.keys.values().map(Vec::len).sum()
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
