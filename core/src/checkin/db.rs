//! The diary, sealed: each entry's venue, name and times in one sealed column bound to the entry's id. In clear
//! stay only the profile, a blind index of (profile, venue) to find an open visit on a second scan, and the UTC
//! day of arrival, which the retention rule needs even before the data key is at hand for a whole scan.
//! Alerts are sealed the same way; the published risky windows are public and kept in clear.

use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::ExposureAdvice;
use rusqlite::{Connection, OptionalExtension, Transaction};

use super::error::CheckInError;
use super::model::{DiaryEntry, ExposureAlert, StoredWindow, RETENTION_DAYS};
use crate::sealing::Sealer;

const VENUE_INDEX_DOMAIN: &str = "checkins.venue";
const MATCH_INDEX_DOMAIN: &str = "exposure_alerts.match";

fn day_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(86_400)
}

/// The blind index of a profile's visits to a venue.
pub fn venue_index(sealer: &Sealer, profile_id: &str, venue_id: &str) -> String {
    sealer.blind_index(VENUE_INDEX_DOMAIN, &format!("{profile_id}\u{0}{venue_id}"))
}

fn seal_entry(sealer: &Sealer, entry: &DiaryEntry) -> Result<Vec<u8>, CheckInError> {
    let plain = serde_json::to_vec(entry).map_err(|_| CheckInError::Corrupt("entry"))?;
    Ok(sealer.seal(&format!("checkins:{}", entry.id), &plain)?)
}

fn open_entry(sealer: &Sealer, id: &str, sealed: &[u8]) -> Result<DiaryEntry, CheckInError> {
    let plain = sealer.open(&format!("checkins:{id}"), sealed)?;
    serde_json::from_slice(&plain).map_err(|_| CheckInError::Corrupt("entry"))
}

/// Keeps a new entry.
pub fn insert(tx: &Transaction<'_>, sealer: &Sealer, entry: &DiaryEntry) -> Result<(), CheckInError> {
    let index = entry.venue_id.as_deref().map(|v| venue_index(sealer, &entry.profile_id, v));
    tx.execute(
        "INSERT INTO checkins (id, profile_id, venue_index, sealed, day) VALUES (?1, ?2, ?3, ?4, ?5)",
        (&entry.id, &entry.profile_id, index, seal_entry(sealer, entry)?, day_of(entry.checked_in_at)),
    )?;
    Ok(())
}

/// Rewrites an entry (its arrival time never changes, so neither does its day).
pub fn update(tx: &Transaction<'_>, sealer: &Sealer, entry: &DiaryEntry) -> Result<(), CheckInError> {
    let changed = tx.execute("UPDATE checkins SET sealed = ?2 WHERE id = ?1", (&entry.id, seal_entry(sealer, entry)?))?;
    if changed == 0 {
        return Err(CheckInError::NotFound(entry.id.clone()));
    }
    Ok(())
}

/// The entry `id` as stored (no automatic check-out applied).
pub fn get(conn: &Connection, sealer: &Sealer, id: &str) -> Result<Option<DiaryEntry>, CheckInError> {
    let sealed: Option<Vec<u8>> = conn.query_row("SELECT sealed FROM checkins WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    sealed.map(|s| open_entry(sealer, id, &s)).transpose()
}

/// The stored entries of `profile_id` at `venue_id`.
pub fn at_venue(conn: &Connection, sealer: &Sealer, profile_id: &str, venue_id: &str) -> Result<Vec<DiaryEntry>, CheckInError> {
    let index = venue_index(sealer, profile_id, venue_id);
    let rows: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT id, sealed FROM checkins WHERE venue_index = ?1")?
        .query_map([index], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    rows.iter().map(|(id, sealed)| open_entry(sealer, id, sealed)).collect()
}

/// Every stored entry, newest arrival first.
pub fn list(conn: &Connection, sealer: &Sealer) -> Result<Vec<DiaryEntry>, CheckInError> {
    let rows: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT id, sealed FROM checkins")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut entries: Vec<DiaryEntry> = rows.iter().map(|(id, sealed)| open_entry(sealer, id, sealed)).collect::<Result<_, _>>()?;
    entries.sort_by(|a, b| b.checked_in_at.cmp(&a.checked_in_at).then_with(|| a.id.cmp(&b.id)));
    Ok(entries)
}

/// Deletes the entry `id` (and its alerts); false when there was none.
pub fn delete(tx: &Transaction<'_>, id: &str) -> Result<bool, CheckInError> {
    Ok(tx.execute("DELETE FROM checkins WHERE id = ?1", [id])? > 0)
}

/// Deletes the entries that arrived more than [`RETENTION_DAYS`] before `now` (their alerts go with them), and
/// the risky windows that ended as long ago; returns how many entries went. Whole days older than the cutoff
/// go by their clear day; entries of the cutoff's own day are opened to compare the exact time.
pub fn purge(tx: &Transaction<'_>, sealer: &Sealer, now: DateTime<Utc>) -> Result<usize, CheckInError> {
    let cutoff = now - Duration::days(RETENTION_DAYS);
    let cutoff_day = day_of(cutoff);
    let mut purged = tx.execute("DELETE FROM checkins WHERE day < ?1", [cutoff_day])?;
    let boundary: Vec<(String, Vec<u8>)> = tx
        .prepare("SELECT id, sealed FROM checkins WHERE day = ?1")?
        .query_map([cutoff_day], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, sealed) in boundary {
        // An entry that no longer opens can't be shown anyway; it goes with the old ones.
        let old = open_entry(sealer, &id, &sealed).map_or(true, |e| e.checked_in_at < cutoff);
        if old {
            purged += tx.execute("DELETE FROM checkins WHERE id = ?1", [&id])?;
        }
    }
    tx.execute("DELETE FROM risky_windows WHERE to_at < ?1", [cutoff.timestamp_millis()])?;
    Ok(purged)
}

/// Replaces the kept risky windows with `windows` (the server's list is the whole truth).
pub fn replace_windows(tx: &Transaction<'_>, windows: &[StoredWindow]) -> Result<(), CheckInError> {
    tx.execute("DELETE FROM risky_windows", [])?;
    let mut insert = tx.prepare("INSERT OR REPLACE INTO risky_windows (id, venue_hash, from_at, to_at, advice) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for w in windows {
        let advice = serde_json::to_value(w.advice).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        insert.execute((&w.id, &w.venue_hash[..], w.from.timestamp_millis(), w.to.timestamp_millis(), advice))?;
    }
    Ok(())
}

fn from_ms(ms: i64) -> Result<DateTime<Utc>, CheckInError> {
    DateTime::from_timestamp_millis(ms).ok_or(CheckInError::Corrupt("window time"))
}

/// Every kept risky window.
pub fn windows(conn: &Connection) -> Result<Vec<StoredWindow>, CheckInError> {
    let rows: Vec<(String, Vec<u8>, i64, i64, String)> = conn
        .prepare("SELECT id, venue_hash, from_at, to_at, advice FROM risky_windows")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, hash, from, to, advice)| {
            let venue_hash: [u8; 32] = hash.try_into().map_err(|_| CheckInError::Corrupt("window hash"))?;
            let advice: ExposureAdvice =
                serde_json::from_value(serde_json::Value::String(advice)).map_err(|_| CheckInError::Corrupt("window advice"))?;
            Ok(StoredWindow { id, venue_hash, from: from_ms(from)?, to: from_ms(to)?, advice })
        })
        .collect()
}

fn seal_alert(sealer: &Sealer, alert: &ExposureAlert) -> Result<Vec<u8>, CheckInError> {
    let plain = serde_json::to_vec(alert).map_err(|_| CheckInError::Corrupt("alert"))?;
    Ok(sealer.seal(&format!("exposure_alerts:{}", alert.id), &plain)?)
}

/// Keeps `alert` unless one exists for its window and entry; true when it was new.
pub fn insert_alert(tx: &Transaction<'_>, sealer: &Sealer, alert: &ExposureAlert) -> Result<bool, CheckInError> {
    let index = sealer.blind_index(MATCH_INDEX_DOMAIN, &format!("{}\u{0}{}", alert.window_id, alert.entry_id));
    let inserted = tx.execute(
        "INSERT INTO exposure_alerts (id, entry_id, match_index, sealed, found_at, seen) VALUES (?1, ?2, ?3, ?4, ?5, 0)
         ON CONFLICT (match_index) DO NOTHING",
        (&alert.id, &alert.entry_id, index, seal_alert(sealer, alert)?, alert.found_at.timestamp_millis()),
    )?;
    Ok(inserted == 1)
}

/// Every kept alert, newest find first (then the latest visit).
pub fn alerts(conn: &Connection, sealer: &Sealer) -> Result<Vec<ExposureAlert>, CheckInError> {
    let rows: Vec<(String, Vec<u8>, bool)> = conn
        .prepare("SELECT id, sealed, seen FROM exposure_alerts")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, sealed, seen) in rows {
        let plain = sealer.open(&format!("exposure_alerts:{id}"), &sealed)?;
        let mut alert: ExposureAlert = serde_json::from_slice(&plain).map_err(|_| CheckInError::Corrupt("alert"))?;
        alert.seen = seen;
        out.push(alert);
    }
    out.sort_by(|a, b| b.found_at.cmp(&a.found_at).then_with(|| b.visited_at.cmp(&a.visited_at)).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

/// Marks the alert `id` read; false when there is none.
pub fn mark_seen(tx: &Transaction<'_>, id: &str) -> Result<bool, CheckInError> {
    Ok(tx.execute("UPDATE exposure_alerts SET seen = 1 WHERE id = ?1", [id])? > 0)
}
