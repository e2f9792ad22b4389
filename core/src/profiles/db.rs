//! Profile rows: the relation and timestamps in clear, everything personal in one sealed column.

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction};

use super::error::ProfileError;
use super::model::{PersonalDetails, Profile, ProfileRelation};
use crate::sealing::Sealer;

const CITIZEN_ID_DOMAIN: &str = "profiles.citizen_id";

fn context(id: &str) -> String {
    format!("profiles.sensitive:{id}")
}

/// The blind index under which a citizen id is kept unique.
pub fn citizen_id_index(sealer: &Sealer, citizen_id: Option<&str>) -> Option<String> {
    citizen_id.map(|cid| sealer.blind_index(CITIZEN_ID_DOMAIN, cid))
}

/// Opens a sealed details column and returns its citizen id's blind index; used by migration 2.
pub fn citizen_id_index_of_sealed(sealer: &Sealer, id: &str, sealed: &[u8]) -> Result<Option<String>, ProfileError> {
    let details = open_details(sealer, id, sealed)?;
    Ok(citizen_id_index(sealer, details.citizen_id.as_deref()))
}

fn open_details(sealer: &Sealer, id: &str, sealed: &[u8]) -> Result<PersonalDetails, ProfileError> {
    let plain = sealer
        .open(&context(id), sealed)
        .map_err(|e| ProfileError::Corrupt { id: id.to_owned(), reason: e.to_string() })?;
    serde_json::from_slice(&plain).map_err(|e| ProfileError::Corrupt { id: id.to_owned(), reason: e.to_string() })
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

struct RawRow {
    id: String,
    relation: String,
    sensitive: Vec<u8>,
    created_at: i64,
    updated_at: i64,
}

impl RawRow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            relation: row.get(1)?,
            sensitive: row.get(2)?,
            created_at: row.get(3)?,
            updated_at: row.get(4)?,
        })
    }

    fn into_profile(self, sealer: &Sealer) -> Result<Profile, ProfileError> {
        let relation = ProfileRelation::parse(&self.relation)
            .ok_or_else(|| ProfileError::Corrupt { id: self.id.clone(), reason: "unknown relation".into() })?;
        let details = open_details(sealer, &self.id, &self.sensitive)?;
        Ok(Profile {
            id: self.id,
            relation,
            details,
            created_at: from_millis(self.created_at),
            updated_at: from_millis(self.updated_at),
        })
    }
}

const SELECT: &str = "SELECT id, relation, sensitive, created_at, updated_at FROM profiles";

/// Loads one profile.
pub fn get(conn: &Connection, sealer: &Sealer, id: &str) -> Result<Profile, ProfileError> {
    conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], RawRow::from_row)
        .optional()?
        .ok_or_else(|| ProfileError::NotFound(id.to_owned()))?
        .into_profile(sealer)
}

/// Loads every profile, the owner first, then by creation time.
pub fn list(conn: &Connection, sealer: &Sealer) -> Result<Vec<Profile>, ProfileError> {
    let rows: Vec<RawRow> = conn
        .prepare(&format!("{SELECT} ORDER BY relation <> 'myself', created_at, id"))?
        .query_map([], RawRow::from_row)?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|row| row.into_profile(sealer)).collect()
}

/// Checks the per-phone uniqueness rules for `profile`, ignoring the row being updated.
fn check_unique(tx: &Transaction<'_>, sealer: &Sealer, profile: &Profile) -> Result<Option<String>, ProfileError> {
    if profile.relation == ProfileRelation::Myself {
        let other: Option<String> = tx
            .query_row("SELECT id FROM profiles WHERE relation = 'myself' AND id <> ?1", [&profile.id], |r| r.get(0))
            .optional()?;
        if other.is_some() {
            return Err(ProfileError::SelfProfileExists);
        }
    }
    let index = citizen_id_index(sealer, profile.details.citizen_id.as_deref());
    if let Some(index) = &index {
        let other: Option<String> = tx
            .query_row("SELECT id FROM profiles WHERE citizen_id_index = ?1 AND id <> ?2", (index, &profile.id), |r| r.get(0))
            .optional()?;
        if other.is_some() {
            return Err(ProfileError::DuplicateCitizenId);
        }
    }
    Ok(index)
}

/// Inserts a new profile.
pub fn insert(tx: &Transaction<'_>, sealer: &Sealer, profile: &Profile) -> Result<(), ProfileError> {
    let index = check_unique(tx, sealer, profile)?;
    let sealed = sealer.seal(&context(&profile.id), &serde_json::to_vec(&profile.details).map_err(|e| ProfileError::Corrupt { id: profile.id.clone(), reason: e.to_string() })?)?;
    tx.execute(
        "INSERT INTO profiles (id, relation, sensitive, created_at, updated_at, citizen_id_index) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (&profile.id, profile.relation.as_str(), sealed, millis(profile.created_at), millis(profile.updated_at), index),
    )?;
    Ok(())
}

/// Replaces an existing profile's relation and details.
pub fn update(tx: &Transaction<'_>, sealer: &Sealer, profile: &Profile) -> Result<(), ProfileError> {
    let index = check_unique(tx, sealer, profile)?;
    let sealed = sealer.seal(&context(&profile.id), &serde_json::to_vec(&profile.details).map_err(|e| ProfileError::Corrupt { id: profile.id.clone(), reason: e.to_string() })?)?;
    let changed = tx.execute(
        "UPDATE profiles SET relation = ?2, sensitive = ?3, updated_at = ?4, citizen_id_index = ?5 WHERE id = ?1",
        (&profile.id, profile.relation.as_str(), sealed, millis(profile.updated_at), index),
    )?;
    if changed == 0 {
        return Err(ProfileError::NotFound(profile.id.clone()));
    }
    Ok(())
}

/// Deletes a profile.
pub fn delete(tx: &Transaction<'_>, id: &str) -> Result<(), ProfileError> {
    if tx.execute("DELETE FROM profiles WHERE id = ?1", [id])? == 0 {
        return Err(ProfileError::NotFound(id.to_owned()));
    }
    Ok(())
}
