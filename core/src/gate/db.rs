//! The gate device's tables: the one binding (the gate's names in clear, the staff token sealed) and the
//! passage queue. A passage's credential id is sealed (bound to `gate_passages.credential_id:<id>`); a blind
//! index of gate, direction and credential id is what the repeat window looks up, so the clear columns say
//! when a card was scanned and what the operator was told, never which card.

use chrono::{DateTime, TimeZone, Utc};
use healthbook_protocol::{Direction, GateVerdict, Passage, PassageReason, ScannedCard};
use rusqlite::{Connection, OptionalExtension, Transaction};

use super::error::GateError;
use super::model::BoundGate;
use crate::client::AccessToken;
use crate::sealing::Sealer;

const REPEAT_DOMAIN: &str = "gate_passages.repeat";

fn ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn time(ms: i64) -> Result<DateTime<Utc>, GateError> {
    Utc.timestamp_millis_opt(ms).single().ok_or(GateError::Corrupt("time"))
}

fn wire<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

fn parse_wire<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, GateError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| GateError::Corrupt("enum"))
}

/// The binding with its sync bookkeeping.
#[derive(Debug, Clone)]
pub struct BindingRow {
    /// The gate and its names.
    pub gate: BoundGate,
    /// The staff sign-in kept for syncs.
    pub token: Option<AccessToken>,
    /// When a sync last succeeded.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// The last sync's error.
    pub last_error: Option<String>,
    /// Failed syncs in a row.
    pub attempts: u32,
    /// When a background sync may try again.
    pub next_sync_at: Option<DateTime<Utc>>,
}

const TOKEN_CONTEXT: &str = "gate_binding.token";

/// The binding, if any.
pub fn binding(conn: &Connection, sealer: &Sealer) -> Result<Option<BindingRow>, GateError> {
    type Raw = (String, Option<Vec<u8>>, Option<i64>, Option<String>, u32, Option<i64>);
    let raw: Option<Raw> = conn
        .query_row(
            "SELECT details, sealed_token, last_sync_at, last_error, attempts, next_sync_at FROM gate_binding WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    let Some((details, sealed_token, last_sync_at, last_error, attempts, next_sync_at)) = raw else {
        return Ok(None);
    };
    let gate: BoundGate = serde_json::from_str(&details).map_err(|_| GateError::Corrupt("binding"))?;
    let token = sealed_token
        .map(|sealed| {
            let plain = sealer.open(TOKEN_CONTEXT, &sealed)?;
            serde_json::from_slice::<AccessToken>(&plain).map_err(|_| GateError::Corrupt("token"))
        })
        .transpose()?;
    Ok(Some(BindingRow {
        gate,
        token,
        last_sync_at: last_sync_at.map(time).transpose()?,
        last_error,
        attempts,
        next_sync_at: next_sync_at.map(time).transpose()?,
    }))
}

/// Binds the device to `gate` with `token`, replacing an earlier binding (the caller checked the queue). The
/// same gate bound again keeps its sync history.
pub fn bind(tx: &Transaction<'_>, sealer: &Sealer, gate: &BoundGate, token: &AccessToken) -> Result<(), GateError> {
    let details = serde_json::to_string(gate).map_err(|_| GateError::Corrupt("binding"))?;
    let plain = serde_json::to_vec(token).map_err(|_| GateError::Corrupt("token"))?;
    let sealed = sealer.seal(TOKEN_CONTEXT, &plain)?;
    let same: bool = tx
        .query_row("SELECT gate_id = ?1 FROM gate_binding WHERE id = 1", [&gate.gate_id], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    if same {
        tx.execute(
            "UPDATE gate_binding SET details = ?1, server_url = ?2, sealed_token = ?3, last_error = NULL, attempts = 0,
               next_sync_at = NULL WHERE id = 1",
            (&details, &gate.server_url, &sealed),
        )?;
    } else {
        tx.execute("DELETE FROM gate_binding", [])?;
        tx.execute(
            "INSERT INTO gate_binding (id, gate_id, server_url, details, sealed_token, bound_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
            (&gate.gate_id, &gate.server_url, &details, &sealed, ms(gate.bound_at)),
        )?;
    }
    Ok(())
}

/// Removes the binding.
pub fn unbind(tx: &Transaction<'_>) -> Result<(), GateError> {
    tx.execute("DELETE FROM gate_binding", [])?;
    Ok(())
}

/// Records how a sync ended: success clears the error and the backoff; a failure keeps both.
pub fn note_sync(
    tx: &Transaction<'_>,
    at: DateTime<Utc>,
    error: Option<&str>,
    attempts: u32,
    next_sync_at: Option<DateTime<Utc>>,
) -> Result<(), GateError> {
    if error.is_none() {
        tx.execute(
            "UPDATE gate_binding SET last_sync_at = ?1, last_error = NULL, attempts = 0, next_sync_at = NULL WHERE id = 1",
            [ms(at)],
        )?;
    } else {
        tx.execute(
            "UPDATE gate_binding SET last_error = ?1, attempts = ?2, next_sync_at = ?3 WHERE id = 1",
            (error, attempts, next_sync_at.map(ms)),
        )?;
    }
    Ok(())
}

/// The blind index the repeat window looks up: one value per gate, direction, outcome and card. The outcome is
/// part of it so that a forged copy of a card just admitted, or the card refused since, is recorded.
pub fn repeat_index(sealer: &Sealer, gate_id: &str, passage: &Passage, credential_id: &str) -> String {
    sealer.blind_index(REPEAT_DOMAIN, &format!("{gate_id}:{}", repeat_key(passage, credential_id)))
}

/// What makes two scans the same passage for the repeat window, besides the gate.
pub fn repeat_key(passage: &Passage, credential_id: &str) -> String {
    format!("{}:{}:{}:{credential_id}", wire(&passage.direction), wire(&passage.verdict), wire(&passage.reason))
}

/// When a passage with `index` was last recorded after `since`, if one was.
pub fn recorded_since(conn: &Connection, index: &str, since: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, GateError> {
    let at: Option<i64> = conn.query_row(
        "SELECT max(scanned_at) FROM gate_passages WHERE repeat_index = ?1 AND scanned_at > ?2",
        (index, ms(since)),
        |r| r.get(0),
    )?;
    at.map(time).transpose()
}

/// Queues `passage` scanned at `gate_id`, with the repeat index of its card when it has one.
pub fn insert_passage(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    gate_id: &str,
    passage: &Passage,
    repeat_index: Option<&str>,
) -> Result<(), GateError> {
    let sealed = passage
        .credential_id
        .as_deref()
        .map(|id| sealer.seal(&format!("gate_passages.credential_id:{}", passage.id), id.as_bytes()))
        .transpose()?;
    tx.prepare_cached(
        "INSERT INTO gate_passages (id, gate_id, direction, scanned_at, verdict, reason, card, sealed_credential_id, repeat_index)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute((
        &passage.id,
        gate_id,
        wire(&passage.direction),
        ms(passage.scanned_at),
        wire(&passage.verdict),
        wire(&passage.reason),
        passage.card.map(|c| wire(&c)),
        sealed,
        repeat_index,
    ))?;
    Ok(())
}

/// Passages of `gate_id` waiting for upload, and those uploaded.
pub fn counts(conn: &Connection) -> Result<(usize, usize), GateError> {
    Ok(conn.query_row(
        "SELECT count(*) FILTER (WHERE uploaded_at IS NULL), count(*) FILTER (WHERE uploaded_at IS NOT NULL) FROM gate_passages",
        [],
        |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
    )?)
}

/// The next batch of `gate_id` to upload, with its idempotency key: the batch an interrupted sync cut (same
/// passages, same key), else up to `limit` waiting passages, oldest first, under a new key. Empty when nothing
/// waits.
pub fn next_batch(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    gate_id: &str,
    limit: usize,
) -> Result<Option<(String, Vec<Passage>)>, GateError> {
    let open: Option<String> = tx
        .query_row(
            "SELECT batch_key FROM gate_passages WHERE uploaded_at IS NULL AND gate_id = ?1 AND batch_key IS NOT NULL
             ORDER BY scanned_at, id LIMIT 1",
            [gate_id],
            |r| r.get(0),
        )
        .optional()?;
    let key = match open {
        Some(key) => key,
        None => {
            let key = uuid::Uuid::new_v4().to_string();
            let cut = tx.execute(
                "UPDATE gate_passages SET batch_key = ?1 WHERE id IN (
                   SELECT id FROM gate_passages WHERE uploaded_at IS NULL AND gate_id = ?2 AND batch_key IS NULL
                   ORDER BY scanned_at, id LIMIT ?3)",
                (&key, gate_id, limit as i64),
            )?;
            if cut == 0 {
                return Ok(None);
            }
            key
        }
    };
    type Raw = (String, String, i64, String, String, Option<String>, Option<Vec<u8>>);
    let rows: Vec<Raw> = tx
        .prepare(
            "SELECT id, direction, scanned_at, verdict, reason, card, sealed_credential_id FROM gate_passages
             WHERE batch_key = ?1 AND uploaded_at IS NULL ORDER BY scanned_at, id",
        )?
        .query_map([&key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
        .collect::<Result<_, _>>()?;
    let passages = rows
        .into_iter()
        .map(|(id, direction, scanned_at, verdict, reason, card, sealed)| {
            let credential_id = sealed
                .map(|s| {
                    let plain = sealer.open(&format!("gate_passages.credential_id:{id}"), &s)?;
                    String::from_utf8(plain).map_err(|_| GateError::Corrupt("credential id"))
                })
                .transpose()?;
            Ok(Passage {
                direction: parse_wire::<Direction>(&direction)?,
                scanned_at: time(scanned_at)?,
                verdict: parse_wire::<GateVerdict>(&verdict)?,
                reason: parse_wire::<PassageReason>(&reason)?,
                card: card.as_deref().map(parse_wire::<ScannedCard>).transpose()?,
                credential_id,
                id,
            })
        })
        .collect::<Result<Vec<_>, GateError>>()?;
    Ok(Some((key, passages)))
}

/// Marks the batch `key` uploaded at `at`; how many passages it held.
pub fn mark_uploaded(tx: &Transaction<'_>, key: &str, at: DateTime<Utc>) -> Result<usize, GateError> {
    Ok(tx.execute("UPDATE gate_passages SET uploaded_at = ?1 WHERE batch_key = ?2 AND uploaded_at IS NULL", (ms(at), key))?)
}

/// Deletes uploaded passages scanned before `cutoff`; waiting ones are never deleted here.
pub fn purge(tx: &Transaction<'_>, cutoff: DateTime<Utc>) -> Result<usize, GateError> {
    Ok(tx.execute("DELETE FROM gate_passages WHERE uploaded_at IS NOT NULL AND scanned_at < ?1", [ms(cutoff)])?)
}

/// The repeat window in seconds, when one was set.
pub fn repeat_window_secs(conn: &Connection) -> Result<Option<i64>, GateError> {
    let text: Option<String> =
        conn.query_row("SELECT value FROM settings WHERE key = 'gate.repeat_window_secs'", [], |r| r.get(0)).optional()?;
    text.map(|t| t.parse::<i64>().map_err(|_| GateError::Corrupt("repeat window"))).transpose()
}

/// Persists the repeat window.
pub fn set_repeat_window_secs(tx: &Transaction<'_>, secs: i64) -> Result<(), GateError> {
    tx.execute(
        "INSERT INTO settings (key, value) VALUES ('gate.repeat_window_secs', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [secs.to_string()],
    )?;
    Ok(())
}
