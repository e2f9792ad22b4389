//! The gate device (the reverse model): a phone or laptop bound to one gate of an agency scans citizens' cards
//! (personal passes, staff and control cards, EU DCCs), decides offline with the trust sub-client's verifier,
//! records each passage in a local queue and uploads the queue in batches.
//!
//! - Binding: a staff sign-in (gate operator or the agency's admin) reads `GET /v1/gates/{id}` and the venue's
//!   and agency's names, and the device keeps the binding with the staff token sealed for later syncs (never
//!   the password). Another gate is refused while passages wait for upload.
//! - Scanning: the verdict maps to the wire contract's `GateVerdict` and `PassageReason` ([`model::decide`]);
//!   the passage is queued in one transaction. The same card scanned the same way within the repeat window
//!   (10 minutes unless set) is shown but not recorded again. A card seen before skips decoding and the
//!   signature ([`cache`]); its time checks still run, and a change of the trust or revocation list empties
//!   the cache.
//! - Syncing: batches of [`BATCH_SIZE`] with an idempotency key per batch, kept with the passages so that a
//!   sync interrupted after the server stored a batch sends the same batch again; passages are marked uploaded
//!   only after a 2xx. The server stores each passage id once. Failures back off as the outbox does.
//! - Retention: uploaded passages are deleted [`RETENTION_DAYS`] after their scan; waiting ones never are.
//!
//! Files: `model.rs` (the gate's types and the verdict mapping), `cache.rs` (verified credentials), `db.rs`
//! (binding and queue), `explain.rs` (words, vi and en), `error.rs`.

pub mod cache;
pub mod db;
mod error;
pub mod explain;
pub mod model;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::{AgencyView, GateView, Passage, PassageBatch, PassageBatchReport, VenueView};
use serde_json::Value;

pub use error::GateError;
pub use healthbook_protocol::{Direction, GateVerdict, PassageReason, ScannedCard};
pub use model::{BoundGate, CardHolder, Decision, GateScan, GateStatus, SyncReport};

use self::cache::{VerifiedCache, Verified, text_hash};
use crate::client::{AccessToken, ClientConfig, ClientError, ServerClient};
use crate::clock::Clock;
use crate::credentials::{TrustStore, Verifier, decode};
use crate::healthbook::Healthbook;
use crate::outbox::Backoff;
use crate::persons::TransportError;
use crate::sealing::Sealer;
use crate::storage::Database;
use crate::trust::Trust;

/// Passages per upload request (the server accepts up to 1,000).
pub const BATCH_SIZE: usize = 500;
/// Days an uploaded passage is kept on the device.
pub const RETENTION_DAYS: i64 = 21;
/// The repeat window unless set otherwise.
pub const DEFAULT_REPEAT_WINDOW_SECS: i64 = 10 * 60;
/// The longest repeat window that can be set.
pub const MAX_REPEAT_WINDOW_SECS: i64 = 24 * 60 * 60;

/// Sends the gate's requests, signed in with the kept staff token; tests script the server's answers.
#[async_trait]
pub trait GateTransport: Send + Sync {
    /// GETs `path` from `server_url`; the answer's JSON body on success.
    async fn get(&self, server_url: &str, token: &AccessToken, path: &str) -> Result<Value, TransportError>;
    /// POSTs `body` to `path` with `idempotency_key`; the answer's JSON body on success.
    async fn post(
        &self,
        server_url: &str,
        token: &AccessToken,
        path: &str,
        body: Value,
        idempotency_key: &str,
    ) -> Result<Value, TransportError>;
}

/// The transport over HTTP to the server the gate was bound on.
pub struct HttpGateTransport {
    clock: Arc<dyn Clock>,
}

impl HttpGateTransport {
    /// A transport whose requests are dated by `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock }
    }

    fn client(&self, server_url: &str, token: &AccessToken) -> Result<ServerClient, TransportError> {
        let client = ServerClient::new(ClientConfig::new(server_url), self.clock.clone()).map_err(TransportError::Client)?;
        client.set_session(Some(token.clone()));
        Ok(client)
    }
}

fn refused(e: ClientError) -> TransportError {
    match e {
        ClientError::Http { status, code, message } => TransportError::Refused {
            status,
            body: serde_json::json!({ "error": { "code": code, "message": message } }),
            code,
            retry_after_secs: None,
        },
        other => TransportError::Client(other),
    }
}

#[async_trait]
impl GateTransport for HttpGateTransport {
    async fn get(&self, server_url: &str, token: &AccessToken, path: &str) -> Result<Value, TransportError> {
        self.client(server_url, token)?.get_json::<Value>(path).await.map_err(refused)
    }

    async fn post(
        &self,
        server_url: &str,
        token: &AccessToken,
        path: &str,
        body: Value,
        idempotency_key: &str,
    ) -> Result<Value, TransportError> {
        self.client(server_url, token)?.post_json_with_key::<Value, Value>(path, &body, idempotency_key).await.map_err(refused)
    }
}

/// What the gate keeps in memory across the `Gate` handles of one opened data directory.
#[derive(Debug, Default)]
pub struct GateState {
    cache: VerifiedCache,
    // The binding as last read or written (outer None: not read yet), so a scan does not read it each time.
    binding: Mutex<Option<Option<BoundGate>>>,
    window: Mutex<Option<Duration>>,
    // When each card (direction and credential id) was last recorded by this process: a repeat within the
    // window is answered without touching the database; anything else is checked against the queue.
    recent: Mutex<HashMap<String, DateTime<Utc>>>,
}

/// Recent scans kept in memory at most; past it the ones outside the window are dropped.
const MAX_RECENT: usize = 20_000;

impl GateState {
    /// Empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many verified credentials the cache holds.
    pub fn cached_credentials(&self) -> usize {
        self.cache.len()
    }

    fn forget_binding(&self) {
        *lock(&self.binding) = None;
        lock(&self.recent).clear();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Gate ids travel in paths: only what a UUID or a slug holds.
fn check_id(id: &str) -> Result<(), GateError> {
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(GateError::Refused { status: 400, code: "invalid_gate_id".into() });
    }
    Ok(())
}

/// The gate device; obtained from [`Healthbook::gate`].
#[derive(Clone)]
pub struct Gate {
    db: Database,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
    trust: Trust,
    state: Arc<GateState>,
    transport: Arc<dyn GateTransport>,
    backoff: Backoff,
}

impl Gate {
    /// Binds this device to `gate_id` with `client`, signed in as staff (gate operator or agency admin): reads
    /// the gate and the names to show, and keeps the staff token sealed for syncs. Binding the same gate again
    /// renews the token; another gate is refused while passages wait for upload.
    pub async fn bind(&self, client: &ServerClient, gate_id: &str) -> Result<BoundGate, GateError> {
        let token = client.session().ok_or(GateError::NotSignedIn)?;
        self.bind_with_token(client.base_url(), token, gate_id).await
    }

    /// Signs `username` in to the configured server as staff and binds this device to `gate_id` (what the app's
    /// bind screen does); the password is used for the sign-in only and never kept.
    pub async fn sign_in_and_bind(&self, username: &str, password: &str, gate_id: &str) -> Result<BoundGate, GateError> {
        check_id(gate_id)?;
        let url = crate::settings::Settings::new(self.db.clone())
            .server_url()
            .await
            .map_err(|e| GateError::Request(e.to_string()))?
            .ok_or(GateError::NoServer)?;
        let client = ServerClient::new(ClientConfig::new(url), self.clock.clone())?;
        client.sign_in_staff(username, password).await.map_err(|e| match e {
            ClientError::Http { status: 401, .. } => GateError::SignInFailed,
            other => other.into(),
        })?;
        self.bind(&client, gate_id).await
    }

    /// Like [`Self::bind`], with a server URL and a staff token obtained elsewhere.
    pub async fn bind_with_token(&self, server_url: &str, token: AccessToken, gate_id: &str) -> Result<BoundGate, GateError> {
        check_id(gate_id)?;
        let now = self.clock.now();
        if token.expires_at <= now {
            return Err(GateError::SignInAgain);
        }
        self.check_rebind(gate_id).await?;
        let view: GateView = serde_json::from_value(self.transport.get(server_url, &token, &format!("/v1/gates/{gate_id}")).await?)
            .map_err(|_| GateError::BadAnswer)?;
        if view.id != gate_id {
            return Err(GateError::BadAnswer);
        }
        // The names are for display only: a staff account that may not read the venue or agency still binds.
        let agency_name = match self.transport.get(server_url, &token, &format!("/v1/agencies/{}", view.agency_id)).await {
            Ok(answer) => serde_json::from_value::<AgencyView>(answer).map(|a| a.name).unwrap_or_else(|_| view.agency_id.clone()),
            Err(TransportError::Refused { status: 403 | 404, .. }) => view.agency_id.clone(),
            Err(e) => return Err(e.into()),
        };
        let venue_name = match &view.venue_id {
            Some(venue_id) => match self.transport.get(server_url, &token, &format!("/v1/venues/{venue_id}")).await {
                Ok(answer) => serde_json::from_value::<VenueView>(answer).map(|v| v.name).unwrap_or_default(),
                Err(TransportError::Refused { status: 403 | 404, .. }) => String::new(),
                Err(e) => return Err(e.into()),
            },
            None => String::new(),
        };
        let gate = BoundGate {
            gate_id: view.id,
            gate_name: view.name,
            venue_id: view.venue_id,
            venue_name,
            agency_id: view.agency_id,
            agency_name,
            server_url: server_url.trim_end_matches('/').to_owned(),
            bound_at: now,
        };
        let (sealer, kept) = (self.sealer.clone(), gate.clone());
        let gate = self
            .db
            .write(move |tx| {
                // Checked again inside the transaction: a scan may have queued a passage since.
                let current = db::binding(tx, &sealer)?;
                if let Some(current) = &current
                    && current.gate.gate_id != kept.gate_id
                {
                    let (pending, _) = db::counts(tx)?;
                    if pending > 0 {
                        return Err(GateError::PassagesWaiting(pending));
                    }
                }
                let mut kept = kept;
                if let Some(current) = current.filter(|c| c.gate.gate_id == kept.gate_id) {
                    kept.bound_at = current.gate.bound_at;
                }
                db::bind(tx, &sealer, &kept, &token)?;
                Ok::<_, GateError>(kept)
            })
            .await?;
        self.state.forget_binding();
        Ok(gate)
    }

    async fn check_rebind(&self, gate_id: &str) -> Result<(), GateError> {
        let sealer = self.sealer.clone();
        let (current, pending) =
            self.db.read(move |conn| Ok::<_, GateError>((db::binding(conn, &sealer)?, db::counts(conn)?.0))).await?;
        match current {
            Some(current) if current.gate.gate_id != gate_id && pending > 0 => Err(GateError::PassagesWaiting(pending)),
            _ => Ok(()),
        }
    }

    /// The gate this device is bound to, if any.
    pub async fn bound_gate(&self) -> Result<Option<BoundGate>, GateError> {
        if let Some(known) = lock(&self.state.binding).clone() {
            return Ok(known);
        }
        let sealer = self.sealer.clone();
        let gate = self.db.read(move |conn| Ok::<_, GateError>(db::binding(conn, &sealer)?.map(|b| b.gate))).await?;
        *lock(&self.state.binding) = Some(gate.clone());
        Ok(gate)
    }

    /// Unbinds the device; refused while passages wait for upload. The uploaded ones stay until purged.
    pub async fn unbind(&self) -> Result<(), GateError> {
        self.db
            .write(|tx| {
                let (pending, _) = db::counts(tx)?;
                if pending > 0 {
                    return Err(GateError::PassagesWaiting(pending));
                }
                db::unbind(tx)
            })
            .await?;
        self.state.forget_binding();
        Ok(())
    }

    /// The repeat window: a card scanned the same way again within it is not recorded twice.
    pub async fn repeat_window(&self) -> Result<Duration, GateError> {
        if let Some(window) = *lock(&self.state.window) {
            return Ok(window);
        }
        let secs = self.db.read(db::repeat_window_secs).await?.unwrap_or(DEFAULT_REPEAT_WINDOW_SECS);
        let window = Duration::seconds(secs);
        *lock(&self.state.window) = Some(window);
        Ok(window)
    }

    /// Sets and persists the repeat window (0 seconds to 24 hours; 0 records every scan).
    pub async fn set_repeat_window(&self, window: Duration) -> Result<(), GateError> {
        let secs = window.num_seconds();
        if !(0..=MAX_REPEAT_WINDOW_SECS).contains(&secs) {
            return Err(GateError::InvalidRepeatWindow);
        }
        self.db.write(move |tx| db::set_repeat_window_secs(tx, secs)).await?;
        *lock(&self.state.window) = Some(Duration::seconds(secs));
        Ok(())
    }

    /// Verifies `qr_text` offline at `at` and maps the verdict; the second value says whether the trust list is
    /// stale. A card verified before (same text, same trust generation, not expired) skips decoding and the
    /// signature; its time checks run again.
    pub fn verify_at(&self, qr_text: &str, at: DateTime<Utc>) -> Result<(Decision, bool), GateError> {
        // Read before the store is taken: an entry kept under an older generation is dropped by the next look-up.
        let generation = self.db.trust_generation();
        let verifier = Verifier::new(self.trust.shared_store()?);
        let stale = verifier.trust_list_stale(at);
        let hash = text_hash(qr_text);
        if let Some(hit) = self.state.cache.get(generation, &hash) {
            return match verifier.check_validity(&hit.decoded, &hit.key, at) {
                Ok(()) => Ok((model::decide(&hit.verdict, Some(&hit.decoded)), stale)),
                Err(refusal) => {
                    self.state.cache.remove(&hash);
                    let mut verdict = hit.verdict.clone();
                    verdict.valid = false;
                    verdict.stage = Some(refusal.stage);
                    verdict.error = Some(refusal.message);
                    Ok((model::decide(&verdict, Some(&hit.decoded)), stale))
                }
            };
        }
        let Ok(decoded) = decode(qr_text) else {
            // Refused before anything was decoded; the verifier names the stage.
            return Ok((model::decide(&verifier.verify(qr_text, at), None), stale));
        };
        let verdict = verifier.verify_decoded(&decoded, at);
        let decision = model::decide(&verdict, Some(&decoded));
        if verdict.valid
            && let Some(kid) = decoded.key_id
        {
            // The key the verifier used: the one filed under the kid with the signer's name. Ambiguous (two such
            // keys) is left uncached rather than guessed.
            let mut keys = verifier
                .store()
                .keys(&kid)
                .iter()
                .filter(|k| k.kid() == kid && verdict.signer.as_deref() == Some(k.issuer()));
            if let (Some(key), None) = (keys.next(), keys.next()) {
                let key = key.clone();
                self.state.cache.insert(generation, hash, Arc::new(Verified { decoded, key, verdict }), at);
            }
        }
        Ok((decision, stale))
    }

    /// Drops every verified credential kept in memory: the next scan of each card verifies it in full.
    pub fn forget_verified(&self) {
        self.state.cache.clear();
    }

    /// Scans `qr_text` passing `direction`: decides offline and records the passage (one transaction), unless
    /// the same card was recorded the same way within the repeat window. A bad card is a refusal, not an error;
    /// errors are for an unbound device or a failing database.
    pub async fn scan(&self, qr_text: &str, direction: Direction) -> Result<GateScan, GateError> {
        let gate = self.bound_gate().await?.ok_or(GateError::NotBound)?;
        let now = self.clock.now();
        let (decision, stale) = self.verify_at(qr_text, now)?;
        let window = self.repeat_window().await?;
        let passage = Passage {
            id: uuid::Uuid::new_v4().to_string(),
            direction,
            scanned_at: now,
            verdict: decision.verdict,
            reason: decision.reason,
            card: decision.card,
            credential_id: decision.credential_id.clone(),
        };
        let recorded = self.record(&gate.gate_id, &passage, window).await?;
        Ok(GateScan {
            passage_id: passage.id,
            verdict: decision.verdict,
            reason: decision.reason,
            card: decision.card,
            kind: decision.kind,
            holder: decision.holder,
            direction,
            scanned_at: now,
            recorded,
            trust_list_stale: stale,
        })
    }

    /// Queues `passage` unless its card was recorded the same way, with the same outcome, within `window`; true
    /// when queued.
    async fn record(&self, gate_id: &str, passage: &Passage, window: Duration) -> Result<bool, GateError> {
        let now = passage.scanned_at;
        let recent_key = passage.credential_id.as_ref().map(|id| db::repeat_key(passage, id));
        if let Some(key) = &recent_key
            && window > Duration::zero()
            && lock(&self.state.recent).get(key).is_some_and(|at| now - *at < window)
        {
            return Ok(false);
        }
        let (sealer, gate_id, kept) = (self.sealer.clone(), gate_id.to_owned(), passage.clone());
        let recorded = self
            .db
            .write(move |tx| {
                let index = kept.credential_id.as_deref().map(|id| db::repeat_index(&sealer, &gate_id, &kept, id));
                if let Some(index) = &index
                    && window > Duration::zero()
                    && let Some(at) = db::recorded_since(tx, index, now - window)?
                {
                    return Ok::<_, GateError>(Some(at));
                }
                db::insert_passage(tx, &sealer, &gate_id, &kept, index.as_deref())?;
                Ok(None)
            })
            .await?;
        if let Some(key) = recent_key {
            let mut recent = lock(&self.state.recent);
            if recent.len() >= MAX_RECENT {
                recent.retain(|_, at| now - *at < window);
            }
            recent.insert(key, recorded.unwrap_or(now));
        }
        Ok(recorded.is_none())
    }

    /// Uploads the waiting passages in batches of [`BATCH_SIZE`], each marked uploaded only after the server's
    /// 2xx. On a failure the passages stay queued, the error is kept for [`Self::status`] and the next
    /// background attempt backs off; an expired staff sign-in is [`GateError::SignInAgain`].
    pub async fn sync(&self) -> Result<SyncReport, GateError> {
        let sealer = self.sealer.clone();
        let binding = self.db.read(move |conn| db::binding(conn, &sealer)).await?.ok_or(GateError::NotBound)?;
        let outcome = self.upload(&binding).await;
        let now = self.clock.now();
        let (error, attempts, next) = match &outcome {
            Ok(_) => (None, 0, None),
            Err(e) => {
                let attempts = binding.attempts.saturating_add(1);
                (Some(e.to_string()), attempts, Some(now + self.backoff.delay(attempts, &mut rand::thread_rng())))
            }
        };
        self.db.write(move |tx| db::note_sync(tx, now, error.as_deref(), attempts, next)).await?;
        outcome
    }

    /// Like [`Self::sync`], but only when the backoff after failures has passed (for a background scheduler);
    /// `None` when it was not yet time.
    pub async fn sync_due(&self) -> Result<Option<SyncReport>, GateError> {
        let status = self.status().await?;
        if status.next_sync_at.is_some_and(|at| at > self.clock.now()) {
            return Ok(None);
        }
        self.sync().await.map(Some)
    }

    async fn upload(&self, binding: &db::BindingRow) -> Result<SyncReport, GateError> {
        let token = binding.token.clone().ok_or(GateError::SignInAgain)?;
        let gate_id = binding.gate.gate_id.clone();
        let path = format!("/v1/gates/{gate_id}/passages");
        let mut report = SyncReport::default();
        loop {
            if token.expires_at <= self.clock.now() {
                return Err(GateError::SignInAgain);
            }
            let (sealer, gate) = (self.sealer.clone(), gate_id.clone());
            let Some((key, passages)) = self.db.write(move |tx| db::next_batch(tx, &sealer, &gate, BATCH_SIZE)).await? else {
                break;
            };
            let body = serde_json::to_value(PassageBatch { passages }).map_err(|_| GateError::Corrupt("batch"))?;
            let answer = self.transport.post(&binding.gate.server_url, &token, &path, body, &key).await?;
            let now = self.clock.now();
            let marked = self.db.write(move |tx| db::mark_uploaded(tx, &key, now)).await?;
            report.batches += 1;
            report.uploaded += marked;
            // The 2xx is what counts; the counts are for the report only.
            if let Ok(counts) = serde_json::from_value::<PassageBatchReport>(answer) {
                report.stored += u64::from(counts.stored);
                report.already_stored += u64::from(counts.already_stored);
            }
        }
        report.pending = self.db.read(db::counts).await?.0;
        Ok(report)
    }

    /// The bound gate, the queue and the last sync.
    pub async fn status(&self) -> Result<GateStatus, GateError> {
        let sealer = self.sealer.clone();
        let (binding, (pending, uploaded)) =
            self.db.read(move |conn| Ok::<_, GateError>((db::binding(conn, &sealer)?, db::counts(conn)?))).await?;
        Ok(GateStatus {
            pending,
            uploaded,
            last_sync_at: binding.as_ref().and_then(|b| b.last_sync_at),
            last_error: binding.as_ref().and_then(|b| b.last_error.clone()),
            next_sync_at: binding.as_ref().and_then(|b| b.next_sync_at),
            gate: binding.map(|b| b.gate),
        })
    }

    /// Deletes uploaded passages scanned more than [`RETENTION_DAYS`] ago; waiting ones are kept.
    pub async fn purge_expired(&self) -> Result<usize, GateError> {
        let cutoff = self.clock.now() - Duration::days(RETENTION_DAYS);
        self.db.write(move |tx| db::purge(tx, cutoff)).await
    }
}

impl Healthbook {
    /// The gate device, talking to the server it is bound on.
    pub fn gate(&self) -> Gate {
        self.gate_with(Arc::new(HttpGateTransport::new(self.clock.clone())))
    }

    /// The gate device through another transport (tests, or a server reached another way).
    pub fn gate_with(&self, transport: Arc<dyn GateTransport>) -> Gate {
        Gate {
            db: self.db.clone(),
            sealer: self.sealer.clone(),
            clock: self.clock.clone(),
            trust: self.trust(),
            state: self.gate_state.clone(),
            transport,
            backoff: Backoff::default(),
        }
    }
}
