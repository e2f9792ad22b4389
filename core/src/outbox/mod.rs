//! The outbox: a durable queue of requests to the server, and the sync engine that delivers them.
//!
//! Every capability that sends data (declarations now; check-ins, gate scans and quarantine records later)
//! enqueues here inside the same transaction that stores its local record, so nothing is lost between
//! "saved" and "sent". Each item carries an idempotency key fixed at enqueue time and reused on every retry,
//! so the server stores it once however often it is sent. A delivered item's receipt is applied and the
//! item removed in one transaction; a crash in between only means one more (idempotent) send.
//!
//! Files: `db.rs` (the queue table), `backoff.rs` (retry schedule), `engine.rs` (sync engine and listener).

pub mod backoff;
pub mod db;
pub mod engine;
pub mod http;

pub use backoff::Backoff;
pub use db::{OutboxItem, OutboxState, NewOutboxItem};
pub use engine::{DeliveryError, OutboxTransport, ReceiptError, ReceiptHandler, SyncEngine, SyncEvent, SyncListener, SyncReport};

use thiserror::Error;

use crate::sealing::SealingError;
use crate::session::SessionError;
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
    Corrupt(i64, String),
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
