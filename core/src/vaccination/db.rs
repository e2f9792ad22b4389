//! The schema 13 tables, sealed: a profile's registration and doses (`vaccination_records`), its invitations
//! (`vaccination_invitations`) and its certificate wallet (`vaccination_certificates`). Each sealed value is
//! bound to its row (`<table>:<id>`), so that it does not open when moved to another row. In clear only what
//! the queries need: the profile, the invitation's id, its slot end (retention) and whether an answer waits;
//! a certificate's blind index of its UVCI (one row per certificate).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use healthbook_protocol::vaccination::{InvitationAnswer, InvitationView};
use healthbook_protocol::volunteers::DoseView;
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::error::VaccinationError;
use super::model::{Certificate, ClosedReason, Registration};
use crate::sealing::Sealer;

/// Outbox kind of a registration.
pub const REGISTRATION_KIND: &str = "vaccination_registration";
/// Outbox kind of an invitation's answer.
pub const ANSWER_KIND: &str = "vaccination_answer";
const UVCI_INDEX_DOMAIN: &str = "vaccination_certificates.uvci";

/// A profile's kept registration and the server's last view of its doses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    /// The registration, if any.
    pub registration: Option<Registration>,
    /// Doses as the server sent them.
    pub doses: Vec<DoseView>,
    /// The server's next due date (used when the phone can't compute one).
    pub server_next_due: Option<NaiveDate>,
}

/// A kept invitation: the server's view and what the phone added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredInvitation {
    /// The server's view.
    pub view: InvitationView,
    /// The answer waiting in the outbox.
    pub pending_answer: Option<InvitationAnswer>,
    /// Set when the server refused the answer for good.
    pub closed_reason: Option<ClosedReason>,
}

fn time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn seal_json<T: Serialize>(sealer: &Sealer, context: &str, value: &T) -> Result<Vec<u8>, VaccinationError> {
    let plain = serde_json::to_vec(value).map_err(|_| VaccinationError::Corrupt("not serialisable"))?;
    Ok(sealer.seal(context, &plain)?)
}

fn open_json<T: serde::de::DeserializeOwned>(sealer: &Sealer, context: &str, sealed: &[u8]) -> Result<T, VaccinationError> {
    let plain = sealer.open(context, sealed)?;
    // serde's message could quote the decrypted health data: not kept.
    serde_json::from_slice(&plain).map_err(|_| VaccinationError::Corrupt("sealed value is not the record expected"))
}

/// A kept record and when it was last refreshed from the server.
pub type KeptRecord = (StoredRecord, Option<DateTime<Utc>>);

/// The kept record of `profile_id` and when it was last refreshed.
pub fn record(conn: &Connection, sealer: &Sealer, profile_id: &str) -> Result<Option<KeptRecord>, VaccinationError> {
    let row: Option<(Vec<u8>, Option<i64>)> = conn
        .query_row("SELECT sealed, refreshed_at FROM vaccination_records WHERE profile_id = ?1", [profile_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(sealed, at)| Ok((open_json(sealer, &format!("vaccination_records:{profile_id}"), &sealed)?, at.map(time)))).transpose()
}

/// Keeps the record of `profile_id`; `refreshed_at` replaces the kept time when given.
pub fn put_record(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    profile_id: &str,
    record: &StoredRecord,
    refreshed_at: Option<DateTime<Utc>>,
) -> Result<(), VaccinationError> {
    let sealed = seal_json(sealer, &format!("vaccination_records:{profile_id}"), record)?;
    tx.execute(
        "INSERT INTO vaccination_records (profile_id, sealed, refreshed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (profile_id) DO UPDATE SET sealed = excluded.sealed, refreshed_at = coalesce(excluded.refreshed_at, refreshed_at)",
        (profile_id, sealed, refreshed_at.map(|t| t.timestamp_millis())),
    )?;
    Ok(())
}

/// Whether the profile still exists (a queued request may outlive it).
pub fn profile_exists(conn: &Connection, profile_id: &str) -> Result<bool, VaccinationError> {
    Ok(conn.query_row("SELECT 1 FROM profiles WHERE id = ?1", [profile_id], |_| Ok(())).optional()?.is_some())
}

/// A kept invitation with its profile.
#[derive(Debug, Clone)]
pub struct InvitationRow {
    /// The profile invited.
    pub profile_id: String,
    /// The invitation.
    pub stored: StoredInvitation,
}

/// Every kept invitation.
pub fn invitations(conn: &Connection, sealer: &Sealer) -> Result<Vec<InvitationRow>, VaccinationError> {
    let rows: Vec<(String, String, Vec<u8>)> = conn
        .prepare("SELECT id, profile_id, sealed FROM vaccination_invitations")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, profile_id, sealed)| Ok(InvitationRow { profile_id, stored: open_json(sealer, &format!("vaccination_invitations:{id}"), &sealed)? }))
        .collect()
}

/// The kept invitation `id`.
pub fn invitation(conn: &Connection, sealer: &Sealer, id: &str) -> Result<Option<InvitationRow>, VaccinationError> {
    let row: Option<(String, Vec<u8>)> = conn
        .query_row("SELECT profile_id, sealed FROM vaccination_invitations WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(profile_id, sealed)| Ok(InvitationRow { profile_id, stored: open_json(sealer, &format!("vaccination_invitations:{id}"), &sealed)? }))
        .transpose()
}

/// Keeps (or replaces) an invitation of `profile_id`.
pub fn put_invitation(tx: &Transaction<'_>, sealer: &Sealer, profile_id: &str, stored: &StoredInvitation) -> Result<(), VaccinationError> {
    let id = &stored.view.invitation_id;
    let sealed = seal_json(sealer, &format!("vaccination_invitations:{id}"), stored)?;
    tx.execute(
        "INSERT INTO vaccination_invitations (id, profile_id, sealed, answer_pending, ends_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET profile_id = excluded.profile_id, sealed = excluded.sealed,
           answer_pending = excluded.answer_pending, ends_at = excluded.ends_at",
        (id, profile_id, sealed, stored.pending_answer.is_some(), stored.view.ends_at.timestamp_millis()),
    )?;
    Ok(())
}

/// Whether an answer to `invitation_id` waits in the outbox (not refused).
pub fn answer_queued(conn: &Connection, invitation_id: &str) -> Result<bool, VaccinationError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM outbox WHERE kind = ?1 AND subject_id = ?2 AND state = 'pending' LIMIT 1",
            (ANSWER_KIND, invitation_id),
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Drops the answers to `invitation_id` still waiting in the outbox (the person changed their mind offline).
pub fn unqueue_answers(tx: &Transaction<'_>, invitation_id: &str) -> Result<(), VaccinationError> {
    tx.execute("DELETE FROM outbox WHERE kind = ?1 AND subject_id = ?2", (ANSWER_KIND, invitation_id))?;
    Ok(())
}

/// Deletes the kept invitations the server no longer lists, except those whose answer still waits to be sent.
pub fn drop_invitations_except(tx: &Transaction<'_>, listed: &[String]) -> Result<usize, VaccinationError> {
    let ids: Vec<String> = tx.prepare("SELECT id FROM vaccination_invitations")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut dropped = 0;
    for id in ids.into_iter().filter(|id| !listed.contains(id)) {
        if !answer_queued(tx, &id)? {
            dropped += tx.execute("DELETE FROM vaccination_invitations WHERE id = ?1", [&id])?;
        }
    }
    Ok(dropped)
}

/// Deletes invitations whose slot ended before `cutoff` (with any answer still queued for them).
pub fn purge_invitations(tx: &Transaction<'_>, cutoff: DateTime<Utc>) -> Result<usize, VaccinationError> {
    Ok(tx.execute("DELETE FROM vaccination_invitations WHERE ends_at < ?1", [cutoff.timestamp_millis()])?)
}

/// Every certificate of `profile_id` in the wallet.
pub fn certificates(conn: &Connection, sealer: &Sealer, profile_id: &str) -> Result<Vec<Certificate>, VaccinationError> {
    let rows: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT id, sealed FROM vaccination_certificates WHERE profile_id = ?1")?
        .query_map([profile_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|(id, sealed)| open_json(sealer, &format!("vaccination_certificates:{id}"), &sealed)).collect()
}

/// Keeps `certificate` for `profile_id`, replacing the kept copy of the same certificate (by UVCI).
pub fn put_certificate(tx: &Transaction<'_>, sealer: &Sealer, profile_id: &str, certificate: &Certificate) -> Result<(), VaccinationError> {
    let index = sealer.blind_index(UVCI_INDEX_DOMAIN, &certificate.uvci);
    let known: Option<String> = tx.query_row("SELECT id FROM vaccination_certificates WHERE uvci_index = ?1", [&index], |r| r.get(0)).optional()?;
    match known {
        Some(id) => {
            let sealed = seal_json(sealer, &format!("vaccination_certificates:{id}"), certificate)?;
            tx.execute("UPDATE vaccination_certificates SET sealed = ?2, profile_id = ?3 WHERE id = ?1", (&id, sealed, profile_id))?;
        }
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            let sealed = seal_json(sealer, &format!("vaccination_certificates:{id}"), certificate)?;
            tx.execute(
                "INSERT INTO vaccination_certificates (id, profile_id, uvci_index, sealed) VALUES (?1, ?2, ?3, ?4)",
                (&id, profile_id, index, sealed),
            )?;
        }
    }
    Ok(())
}
