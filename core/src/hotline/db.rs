//! The schema 15 tables: the cached Q&A set (public, in clear) and the citizen's questions, sealed and bound to
//! their row (`hotline_questions:<id>`), so that a value moved to another row does not open.

use chrono::{DateTime, TimeZone, Utc};
use healthbook_protocol::hotline::QaSet;
use rusqlite::{Connection, OptionalExtension, Transaction};

use super::error::HotlineError;
use super::model::{QaSetInfo, QuestionStatus, StoredQuestion};
use crate::sealing::Sealer;

/// Outbox kind of a citizen's question (subject: the question's id).
pub const QUESTION_KIND: &str = "hotline_question";

fn time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn context(id: &str) -> String {
    format!("hotline_questions:{id}")
}

/// The cached set's description, without reading its entries.
pub fn qa_info(conn: &Connection) -> Result<Option<QaSetInfo>, HotlineError> {
    let row: Option<(String, i64, i64, i64, String)> = conn
        .query_row("SELECT province, version, published_at, checked_at, body FROM hotline_qa WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((province, version, published_at, checked_at, body)) = row else { return Ok(None) };
    // The count is the only thing read from the body; a set that no longer parses counts as none.
    let entry_count = serde_json::from_str::<QaSet>(&body).map(|s| s.entries.len()).map_err(|_| HotlineError::Corrupt("cached Q&A set"))?;
    Ok(Some(QaSetInfo {
        province,
        version: u32::try_from(version).map_err(|_| HotlineError::Corrupt("Q&A version"))?,
        published_at: time(published_at),
        entry_count: u32::try_from(entry_count).unwrap_or(u32::MAX),
        checked_at: time(checked_at),
    }))
}

/// The cached set.
pub fn qa_set(conn: &Connection) -> Result<Option<QaSet>, HotlineError> {
    let body: Option<String> = conn.query_row("SELECT body FROM hotline_qa WHERE id = 1", [], |r| r.get(0)).optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(|_| HotlineError::Corrupt("cached Q&A set"))).transpose()
}

/// Caches `set` in place of whatever set was cached, checked at `now`.
pub fn put_qa_set(tx: &Transaction<'_>, set: &QaSet, now: DateTime<Utc>) -> Result<(), HotlineError> {
    let body = serde_json::to_string(set).map_err(|_| HotlineError::Corrupt("Q&A set not serialisable"))?;
    tx.execute(
        "INSERT INTO hotline_qa (id, province, version, published_at, body, checked_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET province = excluded.province, version = excluded.version,
           published_at = excluded.published_at, body = excluded.body, checked_at = excluded.checked_at",
        (&set.province, set.version, set.published_at.timestamp_millis(), body, now.timestamp_millis()),
    )?;
    Ok(())
}

/// Notes that the server confirmed the cached set of `province` at `now`.
pub fn touch_qa_set(tx: &Transaction<'_>, province: &str, now: DateTime<Utc>) -> Result<(), HotlineError> {
    tx.execute("UPDATE hotline_qa SET checked_at = ?2 WHERE id = 1 AND province = ?1", (province, now.timestamp_millis()))?;
    Ok(())
}

/// Every kept question, newest first.
pub fn questions(conn: &Connection, sealer: &Sealer) -> Result<Vec<StoredQuestion>, HotlineError> {
    let rows: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT id, sealed FROM hotline_questions ORDER BY asked_at DESC, id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|(id, sealed)| open(sealer, &id, &sealed)).collect()
}

/// The kept question `id`.
pub fn question(conn: &Connection, sealer: &Sealer, id: &str) -> Result<Option<StoredQuestion>, HotlineError> {
    let sealed: Option<Vec<u8>> = conn.query_row("SELECT sealed FROM hotline_questions WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    sealed.map(|s| open(sealer, id, &s)).transpose()
}

fn open(sealer: &Sealer, id: &str, sealed: &[u8]) -> Result<StoredQuestion, HotlineError> {
    let plain = sealer.open(&context(id), sealed)?;
    // serde's message could quote the decrypted text: not kept.
    serde_json::from_slice(&plain).map_err(|_| HotlineError::Corrupt("sealed value is not a question"))
}

/// Keeps (or replaces) a question; a question answered or closed is settled at `now` unless it was already.
pub fn put_question(tx: &Transaction<'_>, sealer: &Sealer, stored: &StoredQuestion, now: DateTime<Utc>) -> Result<(), HotlineError> {
    let id = &stored.request.id;
    let plain = serde_json::to_vec(stored).map_err(|_| HotlineError::Corrupt("question not serialisable"))?;
    let sealed = sealer.seal(&context(id), &plain)?;
    let status = stored.status();
    // Retention counts from the answer; a question closed without one counts from when the phone learnt it.
    let settled = match status {
        QuestionStatus::Answered | QuestionStatus::Closed => {
            Some(stored.view.as_ref().and_then(|v| v.answered_at).unwrap_or(now).timestamp_millis())
        }
        _ => None,
    };
    tx.execute(
        "INSERT INTO hotline_questions (id, sealed, asked_at, state, settled_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, state = excluded.state,
           settled_at = CASE WHEN excluded.settled_at IS NULL THEN NULL
                             WHEN hotline_questions.state = excluded.state AND hotline_questions.state = 'closed'
                               THEN coalesce(hotline_questions.settled_at, excluded.settled_at)
                             ELSE excluded.settled_at END",
        (id, sealed, stored.request.asked_at.timestamp_millis(), status.as_str(), settled),
    )?;
    Ok(())
}

/// Deletes questions settled before `cutoff` (and anything they still had queued); returns how many.
pub fn purge(tx: &Transaction<'_>, cutoff: DateTime<Utc>) -> Result<usize, HotlineError> {
    Ok(tx.execute("DELETE FROM hotline_questions WHERE settled_at IS NOT NULL AND settled_at < ?1", [cutoff.timestamp_millis()])?)
}
