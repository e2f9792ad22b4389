//! The trust sub-client: refreshes and caches the trust and revocation lists, trusts EU DCC certificates, and
//! builds the verifier's store once per change for every scan to share.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use healthbook_protocol::DccSigner;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::client::{self, ServerClient, TrustSource};
use crate::clock::Clock;
use crate::credentials::{Verdict, Verifier};
use crate::storage::Database;
use crate::trust::store::{CheckpointError, CheckpointTrustStore};
use crate::trust::db::{self, DatabaseTrustCache, DccListImport, DccListOrigin, DccListState};
use crate::trust::dcc_signers::{self, DscListError, MAX_DSC_LIST_BYTES};
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
    /// Version of the EU DCC signer list the server republishes, now in effect; `None` when it publishes none.
    pub dcc_signers_version: Option<u64>,
}

/// What importing a document-signer list did on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DccSignerImport {
    /// The list's date (its newest entry).
    pub list_date: DateTime<Utc>,
    /// Signers now trusted from the list.
    pub accepted: u32,
    /// Entries skipped (not a DSC, a certificate the verifier cannot use, a kid that does not match it).
    pub skipped: u32,
    /// Countries with at least one signer.
    pub countries: u32,
}

/// The EU DCC signers this device trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DccSignerStatus {
    /// The document-signer list in effect, if one was imported.
    pub list: Option<DccListState>,
    /// Signers added by hand (`add_dcc_certificate`), which lists never replace.
    pub manual: u32,
}

/// Where a document-signer list imported from a file or URL says it came from.
pub const LOCAL_DSC_SOURCE: &str = "local";

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
        let dcc_signers = client.fetch_dcc_signers(root, &cache).await?;
        let dcc_signers_version = match dcc_signers {
            Some(verified) => {
                self.apply_server_signers(verified.document.clone()).await?;
                Some(verified.document.version)
            }
            None => None,
        };
        Ok(TrustRefresh {
            trust_list_version: trust.document.version,
            revocations_version: revocations.document.version,
            online: trust.source != TrustSource::Cache,
            dcc_signers_version,
        })
    }

    /// Puts the server's signer list in effect unless it already is; refuses one dated before the list in
    /// effect (the server's own rollback is refused earlier, by version, against the cached copy).
    async fn apply_server_signers(&self, list: healthbook_protocol::DccSignerList) -> Result<(), TrustStoreError> {
        let signers = decoded_signers(&list.signers)?;
        let now = self.clock.now();
        let changed = self
            .db
            .write(move |tx| {
                let state = db::dcc_list_state(tx)?;
                if state.as_ref().and_then(|s| s.server_version).is_some_and(|seen| seen >= list.version) {
                    return Ok::<_, TrustStoreError>(false);
                }
                if let Some(state) = state.filter(|s| list.list_date < s.list_date) {
                    return Err(CheckpointError::from(DscListError::Older { offered: list.list_date, accepted: state.list_date }).into());
                }
                let import = DccListImport {
                    origin: DccListOrigin::Server,
                    source: &list.source,
                    list_date: list.list_date,
                    imported_at: now,
                    server_version: Some(list.version),
                    signers,
                };
                db::replace_listed_dcc_certificates(tx, &import)?;
                Ok(true)
            })
            .await?;
        if changed {
            self.db.note_trust_changed();
        }
        Ok(())
    }

    /// Imports a national backend's document-signer list (a gate laptop without our server, say): verifies it
    /// with the pinned publisher key (PEM or base64 DER SPKI), then replaces the signers earlier lists brought
    /// in (hand-added ones stay); refuses a list dated before the one in effect.
    pub async fn import_dcc_signers(&self, text: &str, pinned_key_pem: &str) -> Result<DccSignerImport, TrustStoreError> {
        if text.len() > MAX_DSC_LIST_BYTES {
            return Err(CheckpointError::from(DscListError::TooLarge).into());
        }
        let (text, key) = (text.to_owned(), pinned_key_pem.to_owned());
        // Parsing megabytes of JSON and hundreds of certificates is CPU work; keep it off the async threads.
        let parsed = tokio::task::spawn_blocking(move || dcc_signers::parse_dsc_list(&text, &key))
            .await
            .map_err(|e| TrustStoreError::Storage(crate::storage::StorageError::Task(e.to_string())))?
            .map_err(CheckpointError::from)?;
        let report = DccSignerImport {
            list_date: parsed.list_date,
            accepted: u32::try_from(parsed.signers.len()).unwrap_or(u32::MAX),
            skipped: parsed.skipped,
            countries: parsed.countries(),
        };
        let signers = decoded_signers(&parsed.signers)?;
        let now = self.clock.now();
        let list_date = parsed.list_date;
        self.db
            .write(move |tx| {
                if let Some(state) = db::dcc_list_state(tx)?.filter(|s| list_date < s.list_date) {
                    return Err(CheckpointError::from(DscListError::Older { offered: list_date, accepted: state.list_date }).into());
                }
                let import = DccListImport {
                    origin: DccListOrigin::File,
                    source: LOCAL_DSC_SOURCE,
                    list_date,
                    imported_at: now,
                    server_version: None,
                    signers,
                };
                db::replace_listed_dcc_certificates(tx, &import)?;
                Ok::<_, TrustStoreError>(())
            })
            .await?;
        self.db.note_trust_changed();
        Ok(report)
    }

    /// Downloads a national backend's document-signer list (`https://`, or `http://` on loopback only) with the
    /// core's HTTP client and its timeouts, at most 16 MiB, and imports it like [`Self::import_dcc_signers`].
    pub async fn import_dcc_signers_from_url(&self, url: &str, pinned_key_pem: &str) -> Result<DccSignerImport, TrustStoreError> {
        // Check the key before downloading megabytes that it could never verify.
        dcc_signers::PublisherKey::parse(pinned_key_pem).map_err(CheckpointError::from)?;
        // The client drops a base URL's trailing slash; Germany's list is served at one, so ask for it again.
        let (base, path) = match url.strip_suffix('/') {
            Some(base) => (base, "/"),
            None => (url, ""),
        };
        let http = ServerClient::new(client::ClientConfig::new(base), self.clock.clone())?;
        let text = http.get_text_bounded(path, MAX_DSC_LIST_BYTES).await?;
        self.import_dcc_signers(&text, pinned_key_pem).await
    }

    /// The document-signer list in effect and how many signers were added by hand.
    pub async fn dcc_signer_status(&self) -> Result<DccSignerStatus, TrustStoreError> {
        self.db
            .read(|conn| {
                let manual: i64 = conn.query_row("SELECT count(*) FROM dcc_certificates WHERE source = 'manual'", [], |r| r.get(0))?;
                Ok::<_, TrustStoreError>(DccSignerStatus { list: db::dcc_list_state(conn)?, manual: u32::try_from(manual).unwrap_or(u32::MAX) })
            })
            .await
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

/// The signers as stored: kid, DER, country. A certificate the verifier cannot use is left out (and counted in
/// the log), since one stored unusable certificate would stop the verifier's store from being built at all.
fn decoded_signers(signers: &[DccSigner]) -> Result<Vec<(String, Vec<u8>, String)>, TrustStoreError> {
    let mut usable = Vec::with_capacity(signers.len());
    for signer in signers {
        let der = STANDARD.decode(signer.certificate.as_bytes()).map_err(|_| CheckpointError::BadBase64)?;
        if crate::trust::store::TrustedKey::from_dcc_certificate_der(&der).is_ok() {
            usable.push((signer.kid.clone(), der, signer.country.clone()));
        }
    }
    if usable.len() < signers.len() {
        tracing::warn!(left_out = signers.len() - usable.len(), "EU DCC signers the verifier cannot use were left out");
    }
    Ok(usable)
}
