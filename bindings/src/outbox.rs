//! The outbox and sync over the FFI.

use std::sync::Arc;
use std::time::SystemTime;

use healthbook_core::outbox as ob;

use crate::error::SyncError;

/// Where an outbox item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OutboxState {
    /// Waiting to be sent.
    Pending,
    /// Refused by the server; retry after fixing the cause.
    Rejected,
}

/// Something waiting to be sent.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutboxEntry {
    /// Queue id.
    pub id: i64,
    /// What it delivers (`declaration`, ...).
    pub kind: String,
    /// The local record it delivers.
    pub subject_id: Option<String>,
    /// Pending or rejected.
    pub state: OutboxState,
    /// Failed attempts.
    pub attempts: u32,
    /// Not sent before this time.
    pub next_attempt_at: SystemTime,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

impl From<ob::OutboxItem> for OutboxEntry {
    fn from(i: ob::OutboxItem) -> Self {
        Self {
            id: i.id,
            kind: i.kind,
            subject_id: i.subject_id,
            state: match i.state {
                ob::OutboxState::Pending => OutboxState::Pending,
                ob::OutboxState::Rejected => OutboxState::Rejected,
            },
            attempts: i.attempts,
            next_attempt_at: i.next_attempt_at.into(),
            last_error: i.last_error,
        }
    }
}

/// The outcome of a sync pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Delivered in this pass.
    pub delivered: u32,
    /// Failed and waiting for a retry.
    pub failed: u32,
    /// Refused for good in this pass.
    pub rejected: u32,
    /// Still pending afterwards.
    pub pending: u64,
    /// The pass stopped because the server could not be reached.
    pub server_unreachable: bool,
}

impl From<ob::SyncReport> for SyncReport {
    fn from(r: ob::SyncReport) -> Self {
        Self { delivered: r.delivered, failed: r.failed, rejected: r.rejected, pending: r.pending, server_unreachable: r.server_unreachable }
    }
}

/// Progress of a sync pass.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum SyncEvent {
    /// A pass began.
    Started {
        /// Items due.
        due: u64,
    },
    /// An item was delivered.
    Delivered {
        /// The item.
        item_id: i64,
        /// Its kind.
        kind: String,
    },
    /// An item failed.
    Failed {
        /// The item.
        item_id: i64,
        /// Its kind.
        kind: String,
        /// Why.
        error: String,
        /// When it will be retried; null when refused for good.
        retry_at: Option<SystemTime>,
    },
    /// The pass ended.
    Finished {
        /// The outcome.
        report: SyncReport,
    },
}

impl From<ob::SyncEvent> for SyncEvent {
    fn from(e: ob::SyncEvent) -> Self {
        match e {
            ob::SyncEvent::Started { due } => Self::Started { due },
            ob::SyncEvent::Delivered { item_id, kind } => Self::Delivered { item_id, kind },
            ob::SyncEvent::Failed { item_id, kind, error, retry_at } => Self::Failed { item_id, kind, error, retry_at: retry_at.map(Into::into) },
            ob::SyncEvent::Finished(report) => Self::Finished { report: report.into() },
        }
    }
}

/// Receives sync progress (a view model, a notification).
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// Called for every event of a pass.
    fn on_event(&self, event: SyncEvent);
}

struct ListenerAdapter(Arc<dyn SyncListener>);

impl ob::SyncListener for ListenerAdapter {
    fn on_event(&self, event: ob::SyncEvent) {
        self.0.on_event(event.into());
    }
}

/// The outbox and the sync engine.
#[derive(uniffi::Object)]
pub struct Outbox(pub(crate) ob::Outbox);

#[uniffi::export(async_runtime = "tokio")]
impl Outbox {
    /// Everything waiting to be sent, oldest first.
    pub async fn entries(&self) -> Result<Vec<OutboxEntry>, SyncError> {
        Ok(self.0.list().await?.into_iter().map(Into::into).collect())
    }

    /// Connects to the configured server (registering this device the first time) and returns the device id.
    pub async fn connect(&self) -> Result<String, SyncError> {
        Ok(self.0.connect_server().await?)
    }

    /// Deletes data past its retention period (sent declarations after 21 days); returns how many records went.
    /// The shell calls it from its daily background job.
    pub async fn purge_expired(&self) -> Result<u64, SyncError> {
        Ok(self.0.purge_expired().await? as u64)
    }

    /// Makes an item due now, also one the server refused.
    pub async fn retry(&self, item_id: i64) -> Result<(), SyncError> {
        Ok(self.0.retry(item_id).await?)
    }

    /// Sends what is due to the configured server; an unreachable server is reported, not thrown.
    pub async fn sync_now(&self, listener: Option<Arc<dyn SyncListener>>) -> Result<SyncReport, SyncError> {
        let adapter = listener.map(ListenerAdapter);
        let report = self.0.sync_now(adapter.as_ref().map(|a| a as &dyn ob::SyncListener)).await?;
        Ok(report.into())
    }
}
