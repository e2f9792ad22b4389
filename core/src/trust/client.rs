//! The trust sub-client: refreshes and caches the trust and revocation lists, trusts EU DCC certificates, and
//! builds the verifier's store once per change for every scan to share.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::client::{self, ServerClient, TrustSource};
use crate::clock::Clock;
use crate::credentials::{Verdict, Verifier};
use crate::storage::Database;
use crate::trust::store::{CheckpointError, CheckpointTrustStore};
use crate::trust::db::{self, DatabaseTrustCache};
use crate::trust::{SharedTrustStore, TrustStoreError, VerifyingKey};

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

/// Trust operations and the offline verifier; obtained from [`crate::Healthbook::trust`]. Clones share one
/// verifier store.
#[derive(Clone)]
pub struct Trust {
    db: Database,
    clock: Arc<dyn Clock>,
    shared: Arc<SharedTrustStore>,
}

impl Trust {
    /// The trust of this data directory; `shared` is the one verifier store of the root object.
    pub(crate) fn new(db: Database, clock: Arc<dyn Clock>, shared: Arc<SharedTrustStore>) -> Self {
        Self { db, clock, shared }
    }

    /// The pinned root key, read synchronously (one primary-key row).
    pub fn root_key(&self) -> Result<VerifyingKey, TrustStoreError> {
        let text = self.db.read_blocking(|conn| Ok::<_, TrustStoreError>(crate::trust::pinned::root_key_text(conn)?))?;
        let text = text.ok_or(TrustStoreError::NoRootKey)?;
        VerifyingKey::from_spki_base64(&text).map_err(|_| TrustStoreError::NoRootKey)
    }

    /// Fetches the trust list and revocation list from the configured server (no sign-in needed), checks them
    /// against the pinned root key and caches them; offline, the verified cached copies stay in use.
    pub async fn refresh(&self) -> Result<TrustRefresh, TrustStoreError> {
        let root = self.root_key()?;
        let settings = crate::settings::Settings::new(self.db.clone());
        let server_url = settings.server_url().await?.ok_or(TrustStoreError::NoServer)?;
        let client = ServerClient::new(client::ClientConfig::new(server_url), self.clock.clone())?;
        self.refresh_from(&root, &client).await
    }

    /// Like [`Self::refresh`], through a client already connected (the sync does this with its signed-in one).
    pub async fn refresh_with(&self, client: &ServerClient) -> Result<TrustRefresh, TrustStoreError> {
        let root = self.root_key()?;
        self.refresh_from(&root, client).await
    }

    async fn refresh_from(&self, root: &VerifyingKey, client: &ServerClient) -> Result<TrustRefresh, TrustStoreError> {
        let cache = DatabaseTrustCache::new(self.db.clone());
        let trust = client.fetch_trust_list(root, &cache).await?;
        let revocations = client.fetch_revocations(root, &cache).await?;
        Ok(TrustRefresh {
            trust_list_version: trust.document.version,
            revocations_version: revocations.document.version,
            online: trust.source != TrustSource::Cache,
        })
    }

    /// Trusts an EU DCC document signer certificate (base64 DER) on this device; returns its key id.
    pub async fn add_dcc_certificate(&self, der_base64: &str) -> Result<String, TrustStoreError> {
        let mut probe = CheckpointTrustStore::new();
        let kid = probe.add_dcc_certificate_base64(der_base64).map_err(CheckpointError::from)?.to_base64();
        let der = STANDARD.decode(der_base64.trim()).map_err(|_| CheckpointError::BadBase64)?;
        let now = self.clock.now();
        let stored_kid = kid.clone();
        self.db
            .write(move |tx| Ok::<_, TrustStoreError>(db::store_dcc_certificate(tx, &stored_kid, &der, now)?))
            .await?;
        self.db.note_trust_changed();
        Ok(kid)
    }

    /// A freshly built store: the cached trust list and revocations (verified against the pinned root key, when
    /// one is pinned), the trusted EU DCC certificates and the maximum trust-list age of the settings.
    pub fn store(&self) -> Result<CheckpointTrustStore, TrustStoreError> {
        let (max_age, certificates) = self.db.read_blocking(|conn| {
            Ok::<_, TrustStoreError>((crate::settings::trust_max_age(conn)?, db::dcc_certificates(conn)?))
        })?;
        let mut store = CheckpointTrustStore::new().with_max_age(max_age);
        if let Ok(root) = self.root_key() {
            let cache = DatabaseTrustCache::new(self.db.clone());
            if let Some(list) = client::cached_trust_list(&root, &cache)? {
                store.add_trust_list(&list.document)?;
            }
            if let Some(list) = client::cached_revocations(&root, &cache)? {
                store.add_revocations(&list.document);
            }
        }
        for der in certificates {
            store.add_dcc_certificate_der(&der).map_err(CheckpointError::from)?;
        }
        Ok(store)
    }

    /// The store as shared between scans: built once after each change of the lists, the DCC certificates, the
    /// root key or the maximum age, then handed out without touching the database.
    pub fn shared_store(&self) -> Result<Arc<CheckpointTrustStore>, TrustStoreError> {
        self.shared.get_or_build(self.db.trust_generation(), || self.store())
    }

    /// Verifies a scanned QR offline, at the clock's current time.
    pub fn verify(&self, qr_text: &str) -> Result<Verdict, TrustStoreError> {
        self.verify_at(qr_text, self.clock.now())
    }

    /// Verifies a scanned QR offline as at `at` (a recorded scan's time, say).
    pub fn verify_at(&self, qr_text: &str, at: chrono::DateTime<chrono::Utc>) -> Result<Verdict, TrustStoreError> {
        Ok(Verifier::new(self.shared_store()?).verify(qr_text, at))
    }
}
