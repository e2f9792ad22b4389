//! The `outbox` table. Request bodies are sealed: they hold health data.

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

use super::OutboxError;
use crate::sealing::Sealer;

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be sent (again).
    Pending,
    /// The server refused it for good (for example a validation error); kept so the user can see why.
    Rejected,
}

impl OutboxState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Rejected => "rejected",
        }
    }
}

/// A request to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutboxItem {
    /// What kind of record this delivers (`declaration`, ...); selects the receipt handler.
    pub kind: String,
    /// The local record it delivers, if any.
    pub subject_id: Option<String>,
    /// Server path, e.g. `/v1/declarations`.
    pub path: String,
    /// JSON body.
    pub body: serde_json::Value,
}

/// A queued request.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    /// Queue position; items are sent in this order.
    pub id: i64,
    /// What kind of record this delivers.
    pub kind: String,
    /// The local record it delivers.
    pub subject_id: Option<String>,
    /// Sent as the `Idempotency-Key` header on every attempt.
    pub idempotency_key: String,
    /// Server path.
    pub path: String,
    /// JSON body.
    pub body: serde_json::Value,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Not sent before this time.
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed, for the UI.
    pub last_error: Option<String>,
    /// Pending or rejected.
    pub state: OutboxState,
}

#[derive(Serialize, Deserialize)]
struct SealedRequest {
    path: String,
    body: serde_json::Value,
}

fn context(key: &str) -> String {
    format!("outbox:{key}")
}

fn time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

const SELECT: &str = "SELECT id, kind, subject_id, idempotency_key, payload, created_at, attempts, next_attempt_at, last_error, state FROM outbox";

fn from_row(row: &Row<'_>, sealer: &Sealer) -> rusqlite::Result<Result<OutboxItem, OutboxError>> {
    let id: i64 = row.get(0)?;
    let key: String = row.get(3)?;
    let payload: Vec<u8> = row.get(4)?;
    let state: String = row.get(9)?;
    let opened = sealer
        .open(&context(&key), &payload)
        .map_err(|_| OutboxError::Corrupt(id, "sealed request failed authentication"))
        // serde's message could quote the decrypted request, which names a person: not kept.
        .and_then(|plain| serde_json::from_slice::<SealedRequest>(&plain).map_err(|_| OutboxError::Corrupt(id, "sealed value is not a request")));
    let request = match opened {
        Ok(request) => request,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(OutboxItem {
        id,
        kind: row.get(1)?,
        subject_id: row.get(2)?,
        idempotency_key: key,
        path: request.path,
        body: request.body,
        created_at: time(row.get(5)?),
        attempts: row.get(6)?,
        next_attempt_at: time(row.get(7)?),
        last_error: row.get(8)?,
        state: if state == "rejected" { OutboxState::Rejected } else { OutboxState::Pending },
    }))
}

fn query(conn: &Connection, sealer: &Sealer, sql: &str, params: impl rusqlite::Params) -> Result<Vec<OutboxItem>, OutboxError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, |row| from_row(row, sealer))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// Queues `item` (inside the caller's transaction) with a fresh idempotency key, due at once.
pub fn enqueue(tx: &Transaction<'_>, sealer: &Sealer, now: DateTime<Utc>, item: NewOutboxItem) -> Result<OutboxItem, OutboxError> {
    let key = uuid::Uuid::new_v4().to_string();
    let sealed = sealer.seal(
        &context(&key),
        &serde_json::to_vec(&SealedRequest { path: item.path.clone(), body: item.body.clone() }).map_err(|_| OutboxError::Corrupt(0, "request not serialisable"))?,
    )?;
    tx.execute(
        "INSERT INTO outbox (kind, subject_id, idempotency_key, payload, created_at, attempts, next_attempt_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?5, 'pending')",
        (&item.kind, &item.subject_id, &key, sealed, now.timestamp_millis()),
    )?;
    Ok(OutboxItem {
        id: tx.last_insert_rowid(),
        kind: item.kind,
        subject_id: item.subject_id,
        idempotency_key: key,
        path: item.path,
        body: item.body,
        created_at: now,
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        state: OutboxState::Pending,
    })
}

/// Pending items due at `now`, oldest first, at most `limit`.
pub fn due(conn: &Connection, sealer: &Sealer, now: DateTime<Utc>, limit: u32) -> Result<Vec<OutboxItem>, OutboxError> {
    query(conn, sealer, &format!("{SELECT} WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2"), (now.timestamp_millis(), limit))
}

/// Every item, oldest first.
pub fn list(conn: &Connection, sealer: &Sealer) -> Result<Vec<OutboxItem>, OutboxError> {
    query(conn, sealer, &format!("{SELECT} ORDER BY id"), [])
}

/// Number of items in `state`.
pub fn count(conn: &Connection, state: OutboxState) -> Result<u64, OutboxError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM outbox WHERE state = ?1", [state.as_str()], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// Records a failed attempt and when to try again.
pub fn record_failure(tx: &Transaction<'_>, id: i64, next_attempt_at: DateTime<Utc>, error: &str) -> Result<(), OutboxError> {
    tx.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
        (id, next_attempt_at.timestamp_millis(), error),
    )?;
    Ok(())
}

/// Sets `last_error` on every pending item without counting an attempt (the server was not reached at all).
pub fn note_error_on_pending(tx: &Transaction<'_>, error: &str) -> Result<(), OutboxError> {
    tx.execute("UPDATE outbox SET last_error = ?1 WHERE state = 'pending'", [error])?;
    Ok(())
}

/// Marks an item as refused for good.
pub fn mark_rejected(tx: &Transaction<'_>, id: i64, error: &str) -> Result<(), OutboxError> {
    tx.execute("UPDATE outbox SET attempts = attempts + 1, state = 'rejected', last_error = ?2 WHERE id = ?1", (id, error))?;
    Ok(())
}

/// Makes a rejected or waiting item due now (the user asked to retry).
pub fn retry_now(tx: &Transaction<'_>, id: i64, now: DateTime<Utc>) -> Result<(), OutboxError> {
    let changed = tx.execute("UPDATE outbox SET state = 'pending', next_attempt_at = ?2 WHERE id = ?1", (id, now.timestamp_millis()))?;
    if changed == 0 {
        return Err(OutboxError::NotFound(id));
    }
    Ok(())
}

/// Removes a delivered item.
pub fn remove(tx: &Transaction<'_>, id: i64) -> Result<bool, OutboxError> {
    Ok(tx.execute("DELETE FROM outbox WHERE id = ?1", [id])? > 0)
}

/// The earliest time a pending item becomes due.
pub fn next_due(conn: &Connection) -> Result<Option<DateTime<Utc>>, OutboxError> {
    let ms: Option<i64> = conn.query_row("SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'", [], |r| r.get(0)).optional()?.flatten();
    Ok(ms.map(time))
}
