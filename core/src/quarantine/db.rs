//! The schema 14 tables (and schema 16's refusal of a record), sealed and bound to their rows (`<table>:<key>`), so
//! that a value moved to another row does not open. In clear only what the queries need: ids, a record's sequence
//! and challenge, the order's end.

use chrono::{DateTime, TimeZone, Utc};
use healthbook_protocol::quarantine::{CheckInRecord, CheckInVerdict};
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::Serialize;

use super::error::QuarantineError;
use super::model::{StoredCase, StoredOrder};
use crate::sealing::Sealer;

/// Outbox kind of a check-in record (subject: the order).
pub const CHECK_IN_KIND: &str = "quarantine_check_in";
/// Outbox kind of an explanation (subject: the case).
pub const EXPLANATION_KIND: &str = "quarantine_explanation";

fn time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn seal_json<T: Serialize>(sealer: &Sealer, context: &str, value: &T) -> Result<Vec<u8>, QuarantineError> {
    let plain = serde_json::to_vec(value).map_err(|_| QuarantineError::Corrupt("not serialisable"))?;
    Ok(sealer.seal(context, &plain)?)
}

fn open_json<T: serde::de::DeserializeOwned>(sealer: &Sealer, context: &str, sealed: &[u8]) -> Result<T, QuarantineError> {
    let plain = sealer.open(context, sealed)?;
    // serde's message could quote the decrypted data (an address, a fix): not kept.
    serde_json::from_slice(&plain).map_err(|_| QuarantineError::Corrupt("sealed value is not the record expected"))
}

/// A kept order with its profile.
pub type OrderRow = (String, StoredOrder);

/// Every kept order.
pub fn orders(conn: &Connection, sealer: &Sealer) -> Result<Vec<OrderRow>, QuarantineError> {
    let rows: Vec<(String, String, Vec<u8>)> = conn
        .prepare("SELECT order_id, profile_id, sealed FROM quarantine_orders")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|(id, profile, sealed)| Ok((profile, open_json(sealer, &format!("quarantine_orders:{id}"), &sealed)?))).collect()
}

/// The kept order `order_id`.
pub fn order(conn: &Connection, sealer: &Sealer, order_id: &str) -> Result<Option<OrderRow>, QuarantineError> {
    let row: Option<(String, Vec<u8>)> = conn
        .query_row("SELECT profile_id, sealed FROM quarantine_orders WHERE order_id = ?1", [order_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(profile, sealed)| Ok((profile, open_json(sealer, &format!("quarantine_orders:{order_id}"), &sealed)?))).transpose()
}

/// Keeps (or replaces) an order of `profile_id` that ends at `ends_at`.
pub fn put_order(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    profile_id: &str,
    stored: &StoredOrder,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), QuarantineError> {
    let id = &stored.view.order_id;
    let sealed = seal_json(sealer, &format!("quarantine_orders:{id}"), stored)?;
    tx.execute(
        "INSERT INTO quarantine_orders (order_id, profile_id, sealed, ends_at, refreshed_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (order_id) DO UPDATE SET profile_id = excluded.profile_id, sealed = excluded.sealed,
           ends_at = excluded.ends_at, refreshed_at = excluded.refreshed_at",
        (id, profile_id, sealed, ends_at.timestamp_millis(), now.timestamp_millis()),
    )?;
    Ok(())
}

/// Whether the profile still exists.
pub fn profile_exists(conn: &Connection, profile_id: &str) -> Result<bool, QuarantineError> {
    Ok(conn.query_row("SELECT 1 FROM profiles WHERE id = ?1", [profile_id], |_| Ok(())).optional()?.is_some())
}

/// The order key's PKCS#8, when this phone made one.
pub fn key(conn: &Connection, sealer: &Sealer, order_id: &str) -> Result<Option<Vec<u8>>, QuarantineError> {
    let sealed: Option<Vec<u8>> =
        conn.query_row("SELECT sealed_pkcs8 FROM quarantine_keys WHERE order_id = ?1", [order_id], |r| r.get(0)).optional()?;
    Ok(sealed.map(|s| sealer.open(&format!("quarantine_keys:{order_id}"), &s)).transpose()?)
}

/// Keeps the order key, unless one is kept already; returns the key kept.
pub fn put_key_once(tx: &Transaction<'_>, sealer: &Sealer, order_id: &str, pkcs8: &[u8], now: DateTime<Utc>) -> Result<Vec<u8>, QuarantineError> {
    if let Some(kept) = key(tx, sealer, order_id)? {
        return Ok(kept);
    }
    let sealed = sealer.seal(&format!("quarantine_keys:{order_id}"), pkcs8)?;
    tx.execute(
        "INSERT INTO quarantine_keys (order_id, sealed_pkcs8, created_at) VALUES (?1, ?2, ?3)",
        (order_id, sealed, now.timestamp_millis()),
    )?;
    Ok(pkcs8.to_vec())
}

fn record_context(order_id: &str, sequence: u64) -> String {
    format!("quarantine_records:{order_id}:{sequence}")
}

fn verdict_context(order_id: &str, sequence: u64) -> String {
    format!("quarantine_records.verdict:{order_id}:{sequence}")
}

fn refusal_context(order_id: &str, sequence: u64) -> String {
    format!("quarantine_records.refusal:{order_id}:{sequence}")
}

/// A kept record with what the server made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptRecord {
    /// The signed record.
    pub record: CheckInRecord,
    /// The server's verdict, once it gave one.
    pub verdict: Option<CheckInVerdict>,
    /// The server's reason, when it refused the record for good (no verdict will come).
    pub refusal: Option<String>,
}

/// A record's row as stored: sequence, sealed record, sealed verdict, sealed refusal.
type RecordColumns = (i64, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>);

/// The order's records, by sequence.
pub fn records(conn: &Connection, sealer: &Sealer, order_id: &str) -> Result<Vec<KeptRecord>, QuarantineError> {
    let rows: Vec<RecordColumns> = conn
        .prepare("SELECT sequence, sealed, sealed_verdict, sealed_refusal FROM quarantine_records WHERE order_id = ?1 ORDER BY sequence")?
        .query_map([order_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(seq, sealed, verdict, refusal)| {
            let seq = u64::try_from(seq).map_err(|_| QuarantineError::Corrupt("sequence"))?;
            Ok(KeptRecord {
                record: open_json(sealer, &record_context(order_id, seq), &sealed)?,
                verdict: verdict.map(|v| open_json(sealer, &verdict_context(order_id, seq), &v)).transpose()?,
                refusal: refusal.map(|r| open_json(sealer, &refusal_context(order_id, seq), &r)).transpose()?,
            })
        })
        .collect()
}

/// The order's newest record.
pub fn last_record(conn: &Connection, sealer: &Sealer, order_id: &str) -> Result<Option<CheckInRecord>, QuarantineError> {
    let row: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT sequence, sealed FROM quarantine_records WHERE order_id = ?1 ORDER BY sequence DESC LIMIT 1",
            [order_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(seq, sealed)| open_json(sealer, &record_context(order_id, seq.max(0) as u64), &sealed)).transpose()
}

/// Whether a record answering `challenge_id` is kept that the server did not refuse for good (a refused one
/// answered nothing: the person may check in again while the window is open).
pub fn answered(conn: &Connection, order_id: &str, challenge_id: &str) -> Result<bool, QuarantineError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM quarantine_records WHERE order_id = ?1 AND challenge_id = ?2 AND sealed_refusal IS NULL",
            (order_id, challenge_id),
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Keeps a new record (its sequence must be new).
pub fn put_record(tx: &Transaction<'_>, sealer: &Sealer, record: &CheckInRecord) -> Result<(), QuarantineError> {
    let sealed = seal_json(sealer, &record_context(&record.order_id, record.sequence), record)?;
    let sequence = i64::try_from(record.sequence).map_err(|_| QuarantineError::Corrupt("sequence"))?;
    tx.execute(
        "INSERT INTO quarantine_records (order_id, sequence, challenge_id, sealed, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        (&record.order_id, sequence, &record.challenge_id, sealed, record.recorded_at.timestamp_millis()),
    )?;
    Ok(())
}

/// Keeps the server's verdict on the record `sequence` of `order_id` (no-op when the record is gone).
pub fn set_verdict(tx: &Transaction<'_>, sealer: &Sealer, order_id: &str, sequence: u64, verdict: &CheckInVerdict) -> Result<(), QuarantineError> {
    let sealed = seal_json(sealer, &verdict_context(order_id, sequence), verdict)?;
    let sequence = i64::try_from(sequence).map_err(|_| QuarantineError::Corrupt("sequence"))?;
    tx.execute("UPDATE quarantine_records SET sealed_verdict = ?3 WHERE order_id = ?1 AND sequence = ?2", (order_id, sequence, sealed))?;
    Ok(())
}

/// Keeps the server's reason for refusing the record `sequence` of `order_id` for good (no-op when the record is
/// gone). The reason is the server's own words, sealed: it can quote what the record held.
pub fn set_refusal(tx: &Transaction<'_>, sealer: &Sealer, order_id: &str, sequence: u64, reason: &str) -> Result<(), QuarantineError> {
    let sealed = seal_json(sealer, &refusal_context(order_id, sequence), &reason)?;
    let sequence = i64::try_from(sequence).map_err(|_| QuarantineError::Corrupt("sequence"))?;
    tx.execute("UPDATE quarantine_records SET sealed_refusal = ?3 WHERE order_id = ?1 AND sequence = ?2", (order_id, sequence, sealed))?;
    Ok(())
}

/// Whether the record `sequence` of `order_id` has a verdict.
pub fn has_verdict(conn: &Connection, order_id: &str, sequence: u64) -> Result<bool, QuarantineError> {
    let sequence = i64::try_from(sequence).map_err(|_| QuarantineError::Corrupt("sequence"))?;
    Ok(conn
        .query_row(
            "SELECT 1 FROM quarantine_records WHERE order_id = ?1 AND sequence = ?2 AND sealed_verdict IS NOT NULL",
            (order_id, sequence),
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Check-ins of `order_id` waiting in the outbox.
pub fn pending_check_ins(conn: &Connection, order_id: &str) -> Result<u32, QuarantineError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM outbox WHERE kind = ?1 AND subject_id = ?2 AND state = 'pending'",
        (CHECK_IN_KIND, order_id),
        |r| r.get(0),
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The order's cases.
pub fn cases(conn: &Connection, sealer: &Sealer, order_id: &str) -> Result<Vec<StoredCase>, QuarantineError> {
    let rows: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT case_id, sealed FROM quarantine_cases WHERE order_id = ?1")?
        .query_map([order_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|(id, sealed)| open_json(sealer, &format!("quarantine_cases:{id}"), &sealed)).collect()
}

/// The kept case `case_id`.
pub fn case(conn: &Connection, sealer: &Sealer, case_id: &str) -> Result<Option<StoredCase>, QuarantineError> {
    let sealed: Option<Vec<u8>> =
        conn.query_row("SELECT sealed FROM quarantine_cases WHERE case_id = ?1", [case_id], |r| r.get(0)).optional()?;
    sealed.map(|s| open_json(sealer, &format!("quarantine_cases:{case_id}"), &s)).transpose()
}

/// Keeps (or replaces) a case; its order must be kept.
pub fn put_case(tx: &Transaction<'_>, sealer: &Sealer, stored: &StoredCase) -> Result<(), QuarantineError> {
    let id = &stored.view.case_id;
    let sealed = seal_json(sealer, &format!("quarantine_cases:{id}"), stored)?;
    tx.execute(
        "INSERT INTO quarantine_cases (case_id, order_id, sealed, opened_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (case_id) DO UPDATE SET order_id = excluded.order_id, sealed = excluded.sealed, opened_at = excluded.opened_at",
        (id, &stored.view.order_id, sealed, stored.view.opened_at.timestamp_millis()),
    )?;
    Ok(())
}

/// Whether an explanation of `case_id` waits in the outbox.
pub fn explanation_queued(conn: &Connection, case_id: &str) -> Result<bool, QuarantineError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM outbox WHERE kind = ?1 AND subject_id = ?2 AND state = 'pending' LIMIT 1",
            (EXPLANATION_KIND, case_id),
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Deletes the orders that ended before `cutoff`, with their keys, records, cases and queued items (cascades
/// and triggers of schema 14).
pub fn purge(tx: &Transaction<'_>, cutoff: DateTime<Utc>) -> Result<usize, QuarantineError> {
    Ok(tx.execute("DELETE FROM quarantine_orders WHERE ends_at < ?1", [cutoff.timestamp_millis()])?)
}

/// When the order was last refreshed.
pub fn refreshed_at(conn: &Connection, order_id: &str) -> Result<Option<DateTime<Utc>>, QuarantineError> {
    let ms: Option<i64> =
        conn.query_row("SELECT refreshed_at FROM quarantine_orders WHERE order_id = ?1", [order_id], |r| r.get(0)).optional()?;
    Ok(ms.map(time))
}
