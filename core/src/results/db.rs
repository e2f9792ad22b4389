//! The followed samples, sealed: the sample's state (a test result is health data), its code hash, its
//! registration token and its certificate each in a sealed column bound to the sample's id. Only what the poll
//! schedule and the retention rule need stays clear.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};

use super::error::ResultsError;
use super::model::Sample;
use crate::sealing::Sealer;

/// Domain of the blind index that keeps one row per code on this phone.
const CODE_INDEX_DOMAIN: &str = "samples.code_hash";

/// A kept sample with what only the phone's requests need.
#[derive(Debug, Clone)]
pub struct SampleRow {
    /// The sample.
    pub sample: Sample,
    /// SHA-256 of the code.
    pub code_hash: String,
    /// The registration token, once registered.
    pub token: Option<String>,
    /// The idempotency key of the registration, fixed when the code was entered.
    pub idempotency_key: String,
    /// Failed attempts in a row (for the backoff).
    pub attempts: u32,
}

fn ms(at: Option<DateTime<Utc>>) -> Option<i64> {
    at.map(|t| t.timestamp_millis())
}

fn seal_text(sealer: &Sealer, column: &str, id: &str, text: Option<&str>) -> Result<Option<Vec<u8>>, ResultsError> {
    Ok(text.map(|t| sealer.seal(&format!("samples.{column}:{id}"), t.as_bytes())).transpose()?)
}

fn open_text(sealer: &Sealer, column: &str, id: &str, sealed: Option<Vec<u8>>) -> Result<Option<String>, ResultsError> {
    sealed
        .map(|s| {
            let plain = sealer.open(&format!("samples.{column}:{id}"), &s)?;
            String::from_utf8(plain).map_err(|_| ResultsError::Corrupt("sealed text"))
        })
        .transpose()
}

/// Keeps a newly entered code; [`ResultsError::AlreadyFollowed`] when this phone follows it already.
pub fn insert(tx: &Transaction<'_>, sealer: &Sealer, row: &SampleRow) -> Result<(), ResultsError> {
    let index = sealer.blind_index(CODE_INDEX_DOMAIN, &row.code_hash);
    let known: Option<String> =
        tx.query_row("SELECT id FROM samples WHERE code_index = ?1", [&index], |r| r.get(0)).optional()?;
    if known.is_some() {
        return Err(ResultsError::AlreadyFollowed);
    }
    let id = &row.sample.id;
    tx.execute(
        "INSERT INTO samples (id, profile_id, code_index, idempotency_key, sealed_code_hash, sealed, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, x'', ?6)",
        (
            id,
            &row.sample.profile_id,
            index,
            &row.idempotency_key,
            seal_text(sealer, "code_hash", id, Some(&row.code_hash))?,
            row.sample.created_at.timestamp_millis(),
        ),
    )?;
    update(tx, sealer, row)
}

/// Writes the sample's state, token, certificate, schedule and attempts.
pub fn update(tx: &Transaction<'_>, sealer: &Sealer, row: &SampleRow) -> Result<(), ResultsError> {
    let s = &row.sample;
    let mut bare = s.clone();
    bare.certificate = None;
    let plain = serde_json::to_vec(&bare).map_err(|_| ResultsError::Corrupt("sample"))?;
    let changed = tx.execute(
        "UPDATE samples SET sealed = ?2, sealed_token = ?3, sealed_certificate = ?4, next_check_at = ?5,
           final_at = ?6, keep_certificate = ?7, attempts = ?8 WHERE id = ?1",
        (
            &s.id,
            sealer.seal(&format!("samples.state:{}", s.id), &plain)?,
            seal_text(sealer, "token", &s.id, row.token.as_deref())?,
            seal_text(sealer, "certificate", &s.id, s.certificate.as_deref())?,
            ms(s.next_check_at),
            ms(s.final_at),
            s.keep_certificate,
            row.attempts,
        ),
    )?;
    if changed == 0 {
        return Err(ResultsError::NotFound(s.id.clone()));
    }
    Ok(())
}

type RawRow = (String, Vec<u8>, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>, String, u32);

const COLUMNS: &str = "id, sealed, sealed_code_hash, sealed_token, sealed_certificate, idempotency_key, attempts";

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

fn decode(sealer: &Sealer, raw: RawRow) -> Result<SampleRow, ResultsError> {
    let (id, sealed, code_hash, token, certificate, idempotency_key, attempts) = raw;
    let plain = sealer.open(&format!("samples.state:{id}"), &sealed)?;
    let mut sample: Sample = serde_json::from_slice(&plain).map_err(|_| ResultsError::Corrupt("sample"))?;
    sample.certificate = open_text(sealer, "certificate", &id, certificate)?;
    Ok(SampleRow {
        code_hash: open_text(sealer, "code_hash", &id, Some(code_hash))?.ok_or(ResultsError::Corrupt("code hash"))?,
        token: open_text(sealer, "token", &id, token)?,
        sample,
        idempotency_key,
        attempts,
    })
}

/// The kept sample `id`, if any.
pub fn get(conn: &Connection, sealer: &Sealer, id: &str) -> Result<Option<SampleRow>, ResultsError> {
    let found = conn.query_row(&format!("SELECT {COLUMNS} FROM samples WHERE id = ?1"), [id], raw).optional()?;
    found.map(|r| decode(sealer, r)).transpose()
}

/// Every kept sample, newest first.
pub fn list(conn: &Connection, sealer: &Sealer) -> Result<Vec<Sample>, ResultsError> {
    let rows: Vec<RawRow> = conn
        .prepare(&format!("SELECT {COLUMNS} FROM samples ORDER BY created_at DESC, id"))?
        .query_map([], raw)?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|r| Ok(decode(sealer, r)?.sample)).collect()
}

/// Ids of the samples whose next check is due at `now`, the longest-waiting first.
pub fn due(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<String>, ResultsError> {
    let ids = conn
        .prepare("SELECT id FROM samples WHERE next_check_at IS NOT NULL AND next_check_at <= ?1 ORDER BY next_check_at, id")?
        .query_map([now.timestamp_millis()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Deletes the samples whose state became final before `cutoff`, except those whose certificate is kept.
pub fn purge(tx: &Transaction<'_>, cutoff: DateTime<Utc>) -> Result<usize, ResultsError> {
    Ok(tx.execute(
        "DELETE FROM samples WHERE final_at IS NOT NULL AND final_at < ?1 AND keep_certificate = 0",
        [cutoff.timestamp_millis()],
    )?)
}
