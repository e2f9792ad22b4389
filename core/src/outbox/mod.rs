//! The outbox: a durable queue of requests to the server, and the sync engine that delivers them.
//!
//! Every capability that sends data (declarations now; check-ins, gate scans and quarantine records later)
//! enqueues here inside the same transaction that stores its local record, so nothing is lost between
//! "saved" and "sent". Each item carries an idempotency key fixed at enqueue time and reused on every retry,
//! so the server stores it once however often it is sent. A delivered item's receipt is applied and the
//! item removed in one transaction; a crash in between only means one more (idempotent) send.
//!
//! Files: `mod.rs` (the `Outbox` sub-client: list, retry, sync), `db.rs` (the queue table), `backoff.rs` (retry
//! schedule), `engine.rs` (sync engine and listener), `http.rs` (the HTTP transport).

pub mod backoff;
pub mod db;
pub mod engine;
pub mod http;

pub use backoff::Backoff;
pub use db::{OutboxItem, OutboxState, NewOutboxItem};
pub use engine::{DeliveryError, OutboxTransport, ReceiptError, ReceiptHandler, SyncEngine, SyncEvent, SyncListener, SyncReport};

use std::sync::Arc;

use thiserror::Error;

use crate::declarations::Declarations;
use crate::sealing::{Sealer, SealingError};
use crate::session::{Session, SessionError};
use crate::storage::Database;
use crate::trust::Trust;
use crate::settings::SettingsError;
use crate::storage::StorageError;

/// Errors of the outbox and the sync engine.
#[derive(Debug, Error)]
pub enum OutboxError {
    /// No server is configured, so nothing can be sent.
    #[error("no server configured")]
    NoServer,
    /// A stored item could not be decrypted or parsed.
    #[error("outbox item {0} is unreadable: {1}")]
    Corrupt(i64, &'static str),
    /// Signing in to the server failed (the network, or the server refused this device).
    #[error("could not sign in to the server: {0}")]
    Session(#[from] SessionError),
    /// The settings (the server URL) could not be read.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// No item has this id.
    #[error("no outbox item {0}")]
    NotFound(i64),
    /// Encryption failed.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<rusqlite::Error> for OutboxError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

/// The outbox and sync; obtained from [`crate::Healthbook::outbox`].
#[derive(Clone)]
pub struct Outbox {
    db: Database,
    sealer: Arc<Sealer>,
    session: Session,
    engine: Arc<SyncEngine>,
    declarations: Declarations,
    trust: Trust,
}

impl Outbox {
    /// The outbox of this data directory, delivered by `engine`; a sync also refreshes the forms of
    /// `declarations` and the lists of `trust`.
    pub(crate) fn new(db: Database, sealer: Arc<Sealer>, session: Session, engine: Arc<SyncEngine>, declarations: Declarations, trust: Trust) -> Self {
        Self { db, sealer, session, engine, declarations, trust }
    }

    /// Everything waiting to be sent, oldest first.
    pub async fn list(&self) -> Result<Vec<OutboxItem>, OutboxError> {
        let sealer = self.sealer.clone();
        self.db.read(move |conn| db::list(conn, &sealer)).await
    }

    /// Makes outbox item `id` due now, also when the server had refused it (after the user fixed the cause).
    pub async fn retry(&self, id: i64) -> Result<(), OutboxError> {
        let now = self.session.clock().now();
        self.db.write(move |tx| db::retry_now(tx, id, now)).await
    }

    /// Sends what is due to the configured server: registers the device the first time, signs in, then
    /// delivers the outbox. A server that can't be reached gives a report with `server_unreachable`, not an
    /// error: nothing is lost, the items wait.
    pub async fn sync_now(&self, listener: Option<&dyn SyncListener>) -> Result<SyncReport, OutboxError> {
        let server_url = self.session.server_url().await.map_err(|e| match e {
            SettingsError::Storage(s) => OutboxError::Storage(s),
            // A stored server URL that no longer parses is as good as none.
            SettingsError::InvalidServerUrl(_)
            | SettingsError::InsecureServerUrl(_)
            | SettingsError::InvalidRootKey(_)
            | SettingsError::InvalidTrustMaxAge => OutboxError::NoServer,
        })?;
        let Some(server_url) = server_url else { return Err(OutboxError::NoServer) };
        match self.session.connect(&server_url).await {
            Ok(client) => {
                // Forms first: a newer published version is what the user should fill in next. A failure here
                // must not hold back the outbox.
                if let Err(e) = self.declarations.refresh_forms(&client).await {
                    tracing::warn!(error = %e, "could not refresh declaration forms");
                }
                // Receipts are checked against the trust list and the revocation list; conditional GETs keep
                // them current cheaply. Without a pinned root key there is nothing to check them with.
                match self.trust.refresh_with(&client).await {
                    Ok(_) | Err(crate::trust::TrustStoreError::NoRootKey) => {}
                    Err(e) => tracing::warn!(error = %e, "could not refresh the trust lists"),
                }
                self.sync_with(&http::ServerTransport::new(client), listener).await
            }
            Err(SessionError::Client(e)) if e.is_transient() => {
                // Nothing was attempted, so no backoff; but every waiting item shows why it is still waiting.
                let error = format!("server unreachable: {e}");
                let pending = self
                    .db
                    .write(move |tx| {
                        db::note_error_on_pending(tx, &error)?;
                        db::count(tx, OutboxState::Pending)
                    })
                    .await?;
                let report = SyncReport { pending, server_unreachable: true, ..SyncReport::default() };
                if let Some(listener) = listener {
                    listener.on_event(SyncEvent::Started { due: 0 });
                    listener.on_event(SyncEvent::Finished(report));
                }
                Ok(report)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Delivers the outbox through `transport` (tests, or another transport than HTTP).
    pub async fn sync_with(&self, transport: &dyn OutboxTransport, listener: Option<&dyn SyncListener>) -> Result<SyncReport, OutboxError> {
        self.engine.sync_now(transport, listener).await
    }

    /// Deletes data past its retention period (sent declarations after 21 days); returns how many records went.
    /// The shell runs it from the same daily background job as the sync.
    pub async fn purge_expired(&self) -> Result<usize, OutboxError> {
        Ok(self.declarations.purge_expired().await?)
    }

    /// Connects to the configured server: registers this installation as a device the first time and signs in.
    /// Returns the device id; for a "connection" screen and for diagnostics.
    pub async fn connect_server(&self) -> Result<String, OutboxError> {
        let server_url = self.session.server_url().await?.ok_or(OutboxError::NoServer)?;
        let client = self.session.connect(&server_url).await?;
        let token = client.session().ok_or(OutboxError::Session(SessionError::Client(crate::client::ClientError::NotSignedIn)))?;
        Ok(token.account_id)
    }
}
