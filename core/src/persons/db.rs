//! The phone's copy of its bindings (for offline display) and of its started SMS challenges, both sealed: a
//! binding names a person, and a challenge the masked number a code went to.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};

use super::error::PersonError;
use super::model::{Binding, SmsChallenge};
use crate::sealing::Sealer;

fn binding_context(profile_id: &str) -> String {
    format!("person_bindings:{profile_id}")
}

fn challenge_context(profile_id: &str) -> String {
    format!("binding_challenges:{profile_id}")
}

fn seal_json<T: serde::Serialize>(sealer: &Sealer, context: &str, value: &T) -> Result<Vec<u8>, PersonError> {
    let plain = serde_json::to_vec(value).map_err(|_| PersonError::Corrupt("not serialisable"))?;
    Ok(sealer.seal(context, &plain)?)
}

fn open_json<T: serde::de::DeserializeOwned>(sealer: &Sealer, context: &str, sealed: &[u8]) -> Result<T, PersonError> {
    let plain = sealer.open(context, sealed)?;
    // serde's message could quote the decrypted personal data: not kept.
    serde_json::from_slice(&plain).map_err(|_| PersonError::Corrupt("sealed value is not the record expected"))
}

fn profile_exists(tx: &Connection, profile_id: &str) -> Result<bool, PersonError> {
    Ok(tx.query_row("SELECT 1 FROM profiles WHERE id = ?1", [profile_id], |_| Ok(())).optional()?.is_some())
}

/// Replaces the kept bindings with `bindings` (the server's whole list for this device); bindings of
/// profiles this phone no longer has are skipped. Returns what was kept.
pub fn replace_all(tx: &Transaction<'_>, sealer: &Sealer, bindings: Vec<Binding>, now: DateTime<Utc>) -> Result<Vec<Binding>, PersonError> {
    tx.execute("DELETE FROM person_bindings", [])?;
    let mut kept = Vec::with_capacity(bindings.len());
    for binding in bindings {
        if profile_exists(tx, &binding.profile_id)? {
            put(tx, sealer, &binding, now)?;
            kept.push(binding);
        }
    }
    Ok(kept)
}

/// Keeps (or replaces) one binding.
pub fn put(tx: &Transaction<'_>, sealer: &Sealer, binding: &Binding, now: DateTime<Utc>) -> Result<(), PersonError> {
    let sealed = seal_json(sealer, &binding_context(&binding.profile_id), binding)?;
    tx.execute(
        "INSERT INTO person_bindings (profile_id, sealed, fetched_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (profile_id) DO UPDATE SET sealed = excluded.sealed, fetched_at = excluded.fetched_at",
        (&binding.profile_id, sealed, now.timestamp_millis()),
    )?;
    Ok(())
}

/// Forgets the binding of `profile_id`, and the pass kept for it: that pass names a person the profile is no
/// longer bound to. Returns whether a binding was kept.
pub fn remove(tx: &Transaction<'_>, profile_id: &str) -> rusqlite::Result<bool> {
    tx.execute("DELETE FROM passes WHERE profile_id = ?1", [profile_id])?;
    Ok(tx.execute("DELETE FROM person_bindings WHERE profile_id = ?1", [profile_id])? > 0)
}

/// Forgets the kept binding of `profile_id` after the server said it is gone, keeping its pass (unlike
/// [`remove`]): an unsigned refusal never deletes what was verified.
pub fn forget_binding(tx: &Transaction<'_>, profile_id: &str) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM person_bindings WHERE profile_id = ?1", [profile_id])?;
    Ok(())
}

/// The kept bindings, of one profile or of all, in profile creation order.
pub fn list(conn: &Connection, sealer: &Sealer, profile_id: Option<&str>) -> Result<Vec<Binding>, PersonError> {
    let rows: Vec<(String, Vec<u8>)> = conn
        .prepare(
            "SELECT b.profile_id, b.sealed FROM person_bindings b JOIN profiles p ON p.id = b.profile_id
             WHERE ?1 IS NULL OR b.profile_id = ?1 ORDER BY p.relation <> 'myself', p.created_at, p.id",
        )?
        .query_map([profile_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|(id, sealed)| open_json(sealer, &binding_context(&id), &sealed)).collect()
}

/// Keeps a started SMS challenge, replacing an earlier one of the same profile.
pub fn put_challenge(tx: &Transaction<'_>, sealer: &Sealer, challenge: &SmsChallenge) -> Result<(), PersonError> {
    let sealed = seal_json(sealer, &challenge_context(&challenge.profile_id), challenge)?;
    tx.execute(
        "INSERT INTO binding_challenges (profile_id, challenge_id, sealed, expires_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (profile_id) DO UPDATE SET challenge_id = excluded.challenge_id, sealed = excluded.sealed,
           expires_at = excluded.expires_at",
        (&challenge.profile_id, &challenge.challenge_id, sealed, challenge.expires_at.timestamp_millis()),
    )?;
    Ok(())
}

/// The started challenge of `profile_id` that has not expired at `now`.
pub fn pending_challenge(conn: &Connection, sealer: &Sealer, profile_id: &str, now: DateTime<Utc>) -> Result<Option<SmsChallenge>, PersonError> {
    let sealed: Option<Vec<u8>> = conn
        .query_row(
            "SELECT sealed FROM binding_challenges WHERE profile_id = ?1 AND expires_at > ?2",
            (profile_id, now.timestamp_millis()),
            |r| r.get(0),
        )
        .optional()?;
    sealed.map(|s| open_json(sealer, &challenge_context(profile_id), &s)).transpose()
}

/// The started challenge with id `challenge_id`, expired or not.
pub fn challenge_by_id(conn: &Connection, sealer: &Sealer, challenge_id: &str) -> Result<Option<SmsChallenge>, PersonError> {
    let row: Option<(String, Vec<u8>)> = conn
        .query_row("SELECT profile_id, sealed FROM binding_challenges WHERE challenge_id = ?1", [challenge_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    row.map(|(profile_id, sealed)| open_json(sealer, &challenge_context(&profile_id), &sealed)).transpose()
}

/// Forgets the started challenge of `profile_id`.
pub fn remove_challenge(tx: &Transaction<'_>, profile_id: &str) -> Result<(), PersonError> {
    tx.execute("DELETE FROM binding_challenges WHERE profile_id = ?1", [profile_id])?;
    Ok(())
}
