//! The volunteer's tables (schema 12): the staff session (token sealed) and the sealed record per managed
//! profile.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};

use super::error::VolunteerError;
use super::model::ManagedRecord;
use crate::client::AccessToken;
use crate::sealing::Sealer;

const TOKEN_CONTEXT: &str = "volunteer_session.token";

fn record_context(profile_id: &str) -> String {
    format!("managed_people:{profile_id}")
}

/// Keeps the volunteer's session for `server_url`, replacing any earlier one.
pub fn put_session(tx: &Transaction<'_>, sealer: &Sealer, server_url: &str, token: &AccessToken, now: DateTime<Utc>) -> Result<(), VolunteerError> {
    let plain = serde_json::to_vec(token).map_err(|_| VolunteerError::Corrupt("token"))?;
    let sealed = sealer.seal(TOKEN_CONTEXT, &plain)?;
    tx.execute(
        "INSERT INTO volunteer_session (id, server_url, sealed_token, signed_in_at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET server_url = excluded.server_url, sealed_token = excluded.sealed_token,
         signed_in_at = excluded.signed_in_at",
        (server_url, sealed, now.timestamp_millis()),
    )?;
    Ok(())
}

/// The kept session: server URL and token.
pub fn session(conn: &Connection, sealer: &Sealer) -> Result<Option<(String, AccessToken)>, VolunteerError> {
    let row: Option<(String, Vec<u8>)> = conn
        .query_row("SELECT server_url, sealed_token FROM volunteer_session WHERE id = 1", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    row.map(|(url, sealed)| {
        let plain = sealer.open(TOKEN_CONTEXT, &sealed)?;
        let token = serde_json::from_slice(&plain).map_err(|_| VolunteerError::Corrupt("token"))?;
        Ok((url, token))
    })
    .transpose()
}

/// Forgets the session.
pub fn remove_session(tx: &Transaction<'_>) -> Result<(), VolunteerError> {
    tx.execute("DELETE FROM volunteer_session", [])?;
    Ok(())
}

/// Keeps (or replaces) the record of a managed profile.
pub fn put(tx: &Transaction<'_>, sealer: &Sealer, profile_id: &str, record: &ManagedRecord, now: DateTime<Utc>) -> Result<(), VolunteerError> {
    let plain = serde_json::to_vec(record).map_err(|_| VolunteerError::Corrupt("record"))?;
    let sealed = sealer.seal(&record_context(profile_id), &plain)?;
    tx.execute(
        "INSERT INTO managed_people (profile_id, sealed, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (profile_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
        (profile_id, sealed, now.timestamp_millis()),
    )?;
    Ok(())
}

/// The record of one managed profile.
pub fn get(conn: &Connection, sealer: &Sealer, profile_id: &str) -> Result<Option<ManagedRecord>, VolunteerError> {
    let sealed: Option<Vec<u8>> =
        conn.query_row("SELECT sealed FROM managed_people WHERE profile_id = ?1", [profile_id], |row| row.get(0)).optional()?;
    sealed.map(|sealed| open(sealer, profile_id, &sealed)).transpose()
}

fn open(sealer: &Sealer, profile_id: &str, sealed: &[u8]) -> Result<ManagedRecord, VolunteerError> {
    let plain = sealer.open(&record_context(profile_id), sealed)?;
    // serde's message could quote the decrypted data: not kept.
    serde_json::from_slice(&plain).map_err(|_| VolunteerError::Corrupt("record"))
}

/// Every kept record, by profile id.
pub fn all(conn: &Connection, sealer: &Sealer) -> Result<Vec<(String, ManagedRecord)>, VolunteerError> {
    let rows: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT profile_id, sealed FROM managed_people ORDER BY profile_id")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|(id, sealed)| Ok((id.clone(), open(sealer, &id, &sealed)?))).collect()
}

/// When this phone last declared for `profile_id`.
pub fn last_declared_at(conn: &Connection, profile_id: &str) -> Result<Option<DateTime<Utc>>, VolunteerError> {
    let ms: Option<i64> = conn.query_row("SELECT MAX(declared_at) FROM declarations WHERE profile_id = ?1", [profile_id], |row| row.get(0))?;
    Ok(ms.and_then(DateTime::from_timestamp_millis))
}
