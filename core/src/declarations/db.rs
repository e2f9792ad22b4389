//! Declaration rows (answers sealed), the form cache, and the health status that receipts update.

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

use super::error::DeclarationError;
use super::forms::Form;
use crate::sealing::{Sealer, SealingError};

/// Where a declaration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationStatus {
    /// Saved on the phone, waiting in the outbox.
    Queued,
    /// The server accepted it and signed a receipt.
    Accepted,
    /// The server refused it; the reason is kept.
    Rejected,
}

impl DeclarationStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "accepted" => Self::Accepted,
            "rejected" => Self::Rejected,
            _ => Self::Queued,
        }
    }
}

/// A declaration as the phone keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    /// Random id, also the server's id for it.
    pub id: String,
    /// Whom it is about.
    pub profile_id: String,
    /// Who filled it in (the phone owner's or volunteer's own profile), when not the person themself.
    pub filled_by_profile_id: Option<String>,
    /// The form.
    pub form_id: String,
    /// The form version the answers were validated against.
    pub form_version: u32,
    /// The normalised answers.
    pub answers: serde_json::Map<String, serde_json::Value>,
    /// When it was made.
    pub declared_at: DateTime<Utc>,
    /// Queued, accepted or rejected.
    pub status: DeclarationStatus,
    /// The server's signed receipt (JWS), once accepted.
    pub receipt: Option<String>,
    /// Why the server refused it.
    pub rejection_reason: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct SealedPart {
    answers: serde_json::Map<String, serde_json::Value>,
    filled_by_profile_id: Option<String>,
}

fn context(id: &str) -> String {
    format!("declarations:{id}")
}

fn time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Stores a new declaration (inside the transaction that also queues it).
pub fn insert(tx: &Transaction<'_>, sealer: &Sealer, d: &Declaration) -> Result<(), DeclarationError> {
    let part = SealedPart { answers: d.answers.clone(), filled_by_profile_id: d.filled_by_profile_id.clone() };
    let sealed = sealer.seal(&context(&d.id), &serde_json::to_vec(&part).map_err(|_| DeclarationError::Corrupt("not serialisable"))?)?;
    tx.execute(
        "INSERT INTO declarations (id, profile_id, form_id, form_version, sensitive, declared_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        (&d.id, &d.profile_id, &d.form_id, d.form_version, sealed, d.declared_at.timestamp_millis(), d.status.as_str()),
    )?;
    Ok(())
}

const SELECT: &str = "SELECT id, profile_id, form_id, form_version, sensitive, declared_at, status, sealed_receipt, rejection_reason FROM declarations";

fn receipt_context(id: &str) -> String {
    format!("declarations.receipt:{id}")
}

/// Seals a receipt JWS for declaration `id`: its claims name the health status (also used by the migration
/// that sealed older rows).
pub fn seal_receipt(sealer: &Sealer, id: &str, jws: &str) -> Result<Vec<u8>, SealingError> {
    sealer.seal(&receipt_context(id), jws.as_bytes())
}

fn from_row(row: &Row<'_>, sealer: &Sealer) -> rusqlite::Result<Result<Declaration, DeclarationError>> {
    let id: String = row.get(0)?;
    let sealed: Vec<u8> = row.get(4)?;
    let part = match sealer
        .open(&context(&id), &sealed)
        .map_err(|_| DeclarationError::Corrupt("sealed answers failed authentication"))
        // serde's message could quote the decrypted answers: not kept.
        .and_then(|plain| serde_json::from_slice::<SealedPart>(&plain).map_err(|_| DeclarationError::Corrupt("sealed answers are not a declaration")))
    {
        Ok(part) => part,
        Err(e) => return Ok(Err(e)),
    };
    let receipt = match row.get::<_, Option<Vec<u8>>>(7)?.map(|sealed| {
        sealer
            .open(&receipt_context(&id), &sealed)
            .map_err(|_| DeclarationError::Corrupt("sealed receipt failed authentication"))
            .and_then(|plain| String::from_utf8(plain).map_err(|_| DeclarationError::Corrupt("unreadable receipt")))
    }) {
        Some(Ok(jws)) => Some(jws),
        Some(Err(e)) => return Ok(Err(e)),
        None => None,
    };
    Ok(Ok(Declaration {
        id,
        profile_id: row.get(1)?,
        filled_by_profile_id: part.filled_by_profile_id,
        form_id: row.get(2)?,
        form_version: row.get(3)?,
        answers: part.answers,
        declared_at: time(row.get(5)?),
        status: DeclarationStatus::parse(&row.get::<_, String>(6)?),
        receipt,
        rejection_reason: row.get(8)?,
    }))
}

/// Declarations, newest first, optionally for one profile.
pub fn list(conn: &Connection, sealer: &Sealer, profile_id: Option<&str>) -> Result<Vec<Declaration>, DeclarationError> {
    let mut stmt = conn.prepare(&format!("{SELECT} WHERE ?1 IS NULL OR profile_id = ?1 ORDER BY declared_at DESC, id"))?;
    let rows = stmt.query_map([profile_id], |row| from_row(row, sealer))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// One declaration.
pub fn get(conn: &Connection, sealer: &Sealer, id: &str) -> Result<Declaration, DeclarationError> {
    conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], |row| from_row(row, sealer))
        .optional()?
        .ok_or_else(|| DeclarationError::NotFound(id.to_owned()))?
}

/// Marks a declaration accepted with the server's receipt, sealed by [`seal_receipt`].
pub fn mark_accepted(tx: &Transaction<'_>, id: &str, sealed_receipt: Vec<u8>, at: DateTime<Utc>) -> rusqlite::Result<usize> {
    tx.execute(
        "UPDATE declarations SET status = 'accepted', sealed_receipt = ?2, accepted_at = ?3, rejection_reason = NULL WHERE id = ?1",
        (id, sealed_receipt, at.timestamp_millis()),
    )
}

/// Marks a declaration refused by the server.
pub fn mark_rejected(tx: &Transaction<'_>, id: &str, reason: &str) -> rusqlite::Result<usize> {
    tx.execute("UPDATE declarations SET status = 'rejected', rejection_reason = ?2 WHERE id = ?1", (id, reason))
}

/// Deletes accepted or rejected declarations made before `cutoff` (queued ones are never purged unsent).
pub fn purge_before(tx: &Transaction<'_>, cutoff: DateTime<Utc>) -> rusqlite::Result<usize> {
    tx.execute("DELETE FROM declarations WHERE status <> 'queued' AND declared_at < ?1", [cutoff.timestamp_millis()])
}

/// Forms cached from the server.
pub fn cached_forms(conn: &Connection) -> Result<Vec<Form>, DeclarationError> {
    let mut stmt = conn.prepare("SELECT body FROM form_cache ORDER BY form_id")?;
    let bodies = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    // A cached form that no longer parses (written by a newer app) is skipped; the bundled one serves.
    Ok(bodies.iter().filter_map(|b| serde_json::from_str(b).ok()).collect())
}

/// Caches `form` if it is newer than what the cache holds.
pub fn cache_form(tx: &Transaction<'_>, form: &Form, at: DateTime<Utc>) -> Result<bool, DeclarationError> {
    let body = serde_json::to_string(form).map_err(|_| DeclarationError::Corrupt("form not serialisable"))?;
    let changed = tx.execute(
        "INSERT INTO form_cache (form_id, version, body, fetched_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (form_id) DO UPDATE SET version = excluded.version, body = excluded.body, fetched_at = excluded.fetched_at
         WHERE excluded.version > form_cache.version",
        (&form.id, form.version, body, at.timestamp_millis()),
    )?;
    Ok(changed > 0)
}

/// A profile's health status as last set by a server receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthStatus {
    /// `green`, `yellow` or `red`.
    pub status: String,
    /// Reason codes behind it (`declaration`, `vaccination`, `recent_test`, `quarantine`).
    pub reasons: Vec<String>,
    /// When the server decided it.
    pub updated_at: DateTime<Utc>,
}

/// The sealed part of a health status: the status and its reasons.
#[derive(Deserialize)]
struct SealedStatus {
    status: String,
    reasons: Vec<String>,
}

fn status_context(profile_id: &str) -> String {
    format!("health_status.sealed:{profile_id}")
}

/// Seals a status and its reasons for `profile_id`'s row (also used by the migration that sealed older rows).
pub fn seal_status(sealer: &Sealer, profile_id: &str, status: &str, reasons: &[String]) -> Result<Vec<u8>, SealingError> {
    // A `Value`'s text form can't fail, unlike serialising a struct.
    let plain = serde_json::json!({ "status": status, "reasons": reasons }).to_string();
    sealer.seal(&status_context(profile_id), plain.as_bytes())
}

/// Records a sealed status (see [`seal_status`]) decided at `updated_at`, unless a newer one is already kept.
pub fn set_status(tx: &Transaction<'_>, profile_id: &str, sealed: Vec<u8>, updated_at: DateTime<Utc>) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO health_status (profile_id, sealed, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (profile_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at
         WHERE excluded.updated_at >= health_status.updated_at",
        (profile_id, sealed, updated_at.timestamp_millis()),
    )?;
    Ok(())
}

/// A profile's last known health status.
pub fn status(conn: &Connection, sealer: &Sealer, profile_id: &str) -> Result<Option<HealthStatus>, DeclarationError> {
    let row: Option<(Vec<u8>, i64)> = conn
        .query_row("SELECT sealed, updated_at FROM health_status WHERE profile_id = ?1", [profile_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((sealed, updated_at)) = row else { return Ok(None) };
    let plain = sealer.open(&status_context(profile_id), &sealed)?;
    let SealedStatus { status, reasons } =
        serde_json::from_slice(&plain).map_err(|_| DeclarationError::Corrupt("unreadable health status"))?;
    Ok(Some(HealthStatus { status, reasons, updated_at: time(updated_at) }))
}
