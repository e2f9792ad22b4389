//! The kept passes, sealed per profile.

use rusqlite::{Connection, OptionalExtension, Transaction};

use super::error::PassError;
use super::model::StoredPass;
use crate::sealing::Sealer;

fn context(profile_id: &str) -> String {
    format!("passes:{profile_id}")
}

/// Keeps `pass` as the pass of its profile, replacing the one before.
pub fn put(tx: &Transaction<'_>, sealer: &Sealer, pass: &StoredPass) -> Result<(), PassError> {
    let plain = serde_json::to_vec(pass).map_err(PassError::Corrupt)?;
    let sealed = sealer.seal(&context(&pass.profile_id), &plain)?;
    tx.execute(
        "INSERT INTO passes (profile_id, sealed, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (profile_id) DO UPDATE SET sealed = excluded.sealed,
           issued_at = excluded.issued_at, expires_at = excluded.expires_at",
        (&pass.profile_id, sealed, pass.issued_at.timestamp_millis(), pass.expires_at.timestamp_millis()),
    )?;
    Ok(())
}

/// The pass kept for `profile_id`, if any.
pub fn get(conn: &Connection, sealer: &Sealer, profile_id: &str) -> Result<Option<StoredPass>, PassError> {
    let sealed: Option<Vec<u8>> =
        conn.query_row("SELECT sealed FROM passes WHERE profile_id = ?1", [profile_id], |r| r.get(0)).optional()?;
    let Some(sealed) = sealed else { return Ok(None) };
    let plain = sealer.open(&context(profile_id), &sealed)?;
    Ok(Some(serde_json::from_slice(&plain).map_err(PassError::Corrupt)?))
}
