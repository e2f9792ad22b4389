//! The sync engine: sends what is due, applies receipts, schedules retries, reports progress.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::Transaction;

use super::backoff::Backoff;
use super::db::{self, OutboxItem, OutboxState};
use super::OutboxError;
use crate::clock::Clock;
use crate::declarations::ReceiptRefusal;
use crate::sealing::{Sealer, SealingError};
use crate::storage::{Database, StorageError};

/// Why a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryError {
    /// The server can't be reached (offline, DNS, connection refused, timeout): stop this pass.
    Unreachable(String),
    /// This item failed for a reason that may pass (server error, unparseable answer): retry it later.
    Retryable(String),
    /// The server refused this item for good (validation, forbidden): keep it for the user, don't retry.
    Rejected(String),
}

/// Sends one outbox item to the server and returns the server's receipt.
#[async_trait]
pub trait OutboxTransport: Send + Sync {
    /// POSTs `item.body` to `item.path` with `item.idempotency_key`; the receipt is the JSON answer.
    async fn deliver(&self, item: &OutboxItem) -> Result<serde_json::Value, DeliveryError>;
}

/// Why a receipt was not applied; the item stays queued, with this as its last error.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// The receipt is unreadable, or its signature, signer or claims don't hold.
    #[error(transparent)]
    Refused(#[from] ReceiptRefusal),
    /// A value could not be sealed for storage.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The phone's records could not be updated.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<rusqlite::Error> for ReceiptError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

/// Applies a receipt (or a rejection) to the local records of one kind of item, inside the transaction that
/// removes the item from the queue.
pub trait ReceiptHandler: Send + Sync {
    /// The item kind this handler owns.
    fn kind(&self) -> &'static str;
    /// Applies a receipt; an `Err` (e.g. the receipt can't be parsed) keeps the item queued with that reason.
    fn apply(&self, tx: &Transaction<'_>, item: &OutboxItem, receipt: &serde_json::Value) -> Result<(), ReceiptError>;
    /// Notes that the server refused the item for good.
    fn rejected(&self, tx: &Transaction<'_>, item: &OutboxItem, reason: &str) -> Result<(), StorageError>;
}

/// Progress of a sync pass, for a listener.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    /// A pass began with this many items due.
    Started {
        /// Items due now.
        due: u64,
    },
    /// An item was delivered and removed from the queue.
    Delivered {
        /// The item.
        item_id: i64,
        /// Its kind.
        kind: String,
    },
    /// An item failed; it stays queued unless rejected.
    Failed {
        /// The item.
        item_id: i64,
        /// Its kind.
        kind: String,
        /// Why.
        error: String,
        /// When it will be tried again; `None` when the server refused it for good.
        retry_at: Option<DateTime<Utc>>,
    },
    /// The pass ended.
    Finished(SyncReport),
}

/// Receives sync progress; implemented by view models.
pub trait SyncListener: Send + Sync {
    /// Called for each event, from the syncing task.
    fn on_event(&self, event: SyncEvent);
}

/// The outcome of a sync pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Items delivered in this pass.
    pub delivered: u32,
    /// Items that failed and will be retried.
    pub failed: u32,
    /// Items the server refused for good in this pass.
    pub rejected: u32,
    /// Items still pending after the pass.
    pub pending: u64,
    /// Whether the pass stopped early because the server was unreachable.
    pub server_unreachable: bool,
}

const PAGE: u32 = 64;

/// Delivers the outbox; one pass at a time.
pub struct SyncEngine {
    db: Database,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
    backoff: Backoff,
    handlers: Vec<Arc<dyn ReceiptHandler>>,
    running: tokio::sync::Mutex<()>,
}

impl SyncEngine {
    /// An engine over the outbox in `db`, with receipt handlers per item kind.
    pub fn new(db: Database, sealer: Arc<Sealer>, clock: Arc<dyn Clock>, backoff: Backoff, handlers: Vec<Arc<dyn ReceiptHandler>>) -> Self {
        Self { db, sealer, clock, backoff, handlers, running: tokio::sync::Mutex::new(()) }
    }

    fn handler(&self, kind: &str) -> Option<Arc<dyn ReceiptHandler>> {
        self.handlers.iter().find(|h| h.kind() == kind).cloned()
    }

    /// Sends every due item once, in queue order. A second call while a pass runs waits for it.
    pub async fn sync_now(&self, transport: &dyn OutboxTransport, listener: Option<&dyn SyncListener>) -> Result<SyncReport, OutboxError> {
        let _pass = self.running.lock().await;
        let emit = |event: SyncEvent| {
            if let Some(listener) = listener {
                listener.on_event(event);
            }
        };
        let started = self.clock.now();
        let due_count = {
            let sealer = self.sealer.clone();
            self.db.read(move |conn| Ok::<_, OutboxError>(db::due(conn, &sealer, started, u32::MAX)?.len() as u64)).await?
        };
        emit(SyncEvent::Started { due: due_count });
        let mut report = SyncReport::default();
        // Items that fail in this pass get a later due time, so each page query moves forward; `after`
        // also guards against an item whose retry lands within the same instant.
        let mut after = 0i64;
        'pass: loop {
            let sealer = self.sealer.clone();
            let page = self
                .db
                .read(move |conn| {
                    Ok::<_, OutboxError>(db::due(conn, &sealer, started, u32::MAX)?.into_iter().filter(|i| i.id > after).take(PAGE as usize).collect::<Vec<_>>())
                })
                .await?;
            if page.is_empty() {
                break;
            }
            for item in page {
                after = item.id;
                match transport.deliver(&item).await {
                    Ok(receipt) => {
                        let handler = self.handler(&item.kind);
                        let applied_item = item.clone();
                        let applied = self
                            .db
                            .write(move |tx| {
                                if let Some(handler) = handler
                                    && let Err(refused) = handler.apply(tx, &applied_item, &receipt)
                                {
                                    return Ok::<_, OutboxError>(Err(refused.to_string()));
                                }
                                db::remove(tx, applied_item.id)?;
                                Ok(Ok(()))
                            })
                            .await?;
                        match applied {
                            Ok(()) => {
                                report.delivered += 1;
                                emit(SyncEvent::Delivered { item_id: item.id, kind: item.kind.clone() });
                            }
                            Err(reason) => {
                                // The handler's reason says what was wrong with the answer (unreadable, or a
                                // receipt refused for a typed reason).
                                let error = reason;
                                let retry_at = self.schedule_retry(&item, &error).await?;
                                report.failed += 1;
                                emit(SyncEvent::Failed { item_id: item.id, kind: item.kind.clone(), error, retry_at: Some(retry_at) });
                            }
                        }
                    }
                    Err(DeliveryError::Retryable(error)) => {
                        let retry_at = self.schedule_retry(&item, &error).await?;
                        report.failed += 1;
                        emit(SyncEvent::Failed { item_id: item.id, kind: item.kind.clone(), error, retry_at: Some(retry_at) });
                    }
                    Err(DeliveryError::Unreachable(error)) => {
                        let retry_at = self.schedule_retry(&item, &error).await?;
                        report.failed += 1;
                        report.server_unreachable = true;
                        emit(SyncEvent::Failed { item_id: item.id, kind: item.kind.clone(), error, retry_at: Some(retry_at) });
                        break 'pass;
                    }
                    Err(DeliveryError::Rejected(error)) => {
                        let handler = self.handler(&item.kind);
                        let rejected_item = item.clone();
                        let reason = error.clone();
                        self.db
                            .write(move |tx| {
                                if let Some(handler) = handler {
                                    // A handler failing to note the rejection must not block the queue.
                                    let _ = handler.rejected(tx, &rejected_item, &reason);
                                }
                                db::mark_rejected(tx, rejected_item.id, &reason)
                            })
                            .await?;
                        report.rejected += 1;
                        emit(SyncEvent::Failed { item_id: item.id, kind: item.kind.clone(), error, retry_at: None });
                    }
                }
            }
        }
        report.pending = self.db.read(|conn| db::count(conn, OutboxState::Pending)).await?;
        emit(SyncEvent::Finished(report));
        Ok(report)
    }

    async fn schedule_retry(&self, item: &OutboxItem, error: &str) -> Result<DateTime<Utc>, OutboxError> {
        let retry_at = self.clock.now() + self.backoff.delay(item.attempts + 1, &mut rand::thread_rng());
        let (id, error) = (item.id, error.to_owned());
        self.db.write(move |tx| db::record_failure(tx, id, retry_at, &error)).await?;
        Ok(retry_at)
    }
}
