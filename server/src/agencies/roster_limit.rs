//! The daily limit on citizen ids entering an agency's roster. The adoption figures tell an agency which of its
//! roster entries are people bound on a phone, so every citizen id put on a roster is a question "does this
//! person use the app?". The agency needs that answer for its own staff; the limit keeps an admin from asking it
//! about anyone at will, whether by importing made-up staff or by rewriting one row's citizen id again and again.
//! Each import's count of ids new to the roster goes into `roster_citizen_id_ledger`, and an import that would take
//! the rolling 24-hour sum over the cap is refused whole.

use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::ErrorCode;

use crate::app::AppState;
use crate::error::ApiError;
use crate::storage::{Tx, Value};
use crate::util::{from_ms, new_id, to_ms};

/// The rolling window the cap counts over.
pub const WINDOW_HOURS: i64 = 24;

/// How an imported row's citizen id enters the roster, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CitizenIdEntry {
    /// A new row with a citizen id.
    Added,
    /// An existing row that had no citizen id is given one.
    Supplied,
    /// An existing row's citizen id is replaced by another: the probing move, warned about.
    Changed,
}

/// Whether a row brings a citizen id new to the roster: `stored` is the row's current citizen id hash (`None`
/// for a row not on the roster yet, `Some(None)` for a row without one), `wanted` the imported one. Removing an id
/// or keeping the same one brings nothing.
pub fn citizen_id_entry(stored: Option<Option<&str>>, wanted: Option<&str>) -> Option<CitizenIdEntry> {
    let wanted = wanted?;
    match stored {
        None => Some(CitizenIdEntry::Added),
        Some(None) => Some(CitizenIdEntry::Supplied),
        Some(Some(current)) if current == wanted => None,
        Some(Some(_)) => Some(CitizenIdEntry::Changed),
    }
}

/// The citizen ids one import brings into the roster, by how they enter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Intake {
    /// New rows with a citizen id.
    pub added: u32,
    /// Existing rows given a citizen id they did not have.
    pub supplied: u32,
    /// Existing rows whose citizen id changed.
    pub changed: u32,
}

impl Intake {
    /// Counts one row's entry.
    pub fn count(&mut self, entry: CitizenIdEntry) {
        match entry {
            CitizenIdEntry::Added => self.added += 1,
            CitizenIdEntry::Supplied => self.supplied += 1,
            CitizenIdEntry::Changed => self.changed += 1,
        }
    }

    /// Every citizen id this import brings in: what counts against the cap.
    pub fn total(&self) -> u32 {
        self.added + self.supplied + self.changed
    }
}

/// An agency's use of its daily cap around one admitted import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowUse {
    /// Citizen ids that entered in the 24 hours before this import.
    pub before: u64,
    /// The same, with this import's.
    pub after: u64,
    /// The cap.
    pub cap: u64,
}

impl WindowUse {
    /// Whether this import took (or kept) the agency above half its cap: worth an operator's look.
    pub fn above_half(&self) -> bool {
        self.after * 2 > self.cap
    }
}

/// When an agency that already used `entries` (time, count; oldest first) in the window may bring `wanted` more
/// under `cap`: `None` if it may now; otherwise the moment enough of the window's entries age out (the moment
/// the whole window empties when `wanted` alone is over the cap, which no wait cures).
pub fn admitted_at(entries: &[(DateTime<Utc>, u64)], wanted: u64, cap: u64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let used: u64 = entries.iter().map(|(_, count)| count).sum();
    if used + wanted <= cap {
        return None;
    }
    let window = Duration::hours(WINDOW_HOURS);
    let mut left = used;
    for (at, count) in entries {
        left -= count;
        if left + wanted <= cap {
            return Some(*at + window);
        }
    }
    Some(entries.last().map_or(now, |(at, _)| *at + window))
}

/// Checks `intake` against the agency's cap and records it, in the import's transaction (which holds the agency's
/// row lock, so two imports cannot both pass on the same remainder). An import bringing no citizen id passes
/// without a record. Refused: 429 `roster_citizen_id_limit`, saying when to try again; the caller's transaction
/// is rolled back, so nothing of the import is stored.
pub fn admit(tx: &mut dyn Tx, agency_id: &str, intake: Intake, cap: u32, now: DateTime<Utc>) -> Result<Option<WindowUse>, ApiError> {
    let wanted = u64::from(intake.total());
    if wanted == 0 {
        return Ok(None);
    }
    let cap = u64::from(cap);
    let since = now - Duration::hours(WINDOW_HOURS);
    let entries = tx
        .query(
            "SELECT at, new_citizen_ids FROM roster_citizen_id_ledger WHERE agency_id = $1 AND at > $2 ORDER BY at",
            &[agency_id.into(), Value::Int(to_ms(since))],
        )?
        .iter()
        .map(|row| Ok((from_ms(row.int(0)?)?, u64::try_from(row.int(1)?).unwrap_or(0))))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let before: u64 = entries.iter().map(|(_, count)| count).sum();
    if let Some(at) = admitted_at(&entries, wanted, cap, now) {
        // Never below a second: a Retry-After of 0 would invite an immediate retry.
        let wait_ms = u64::try_from((at - now).num_milliseconds()).unwrap_or(0);
        let retry_after_secs = wait_ms.div_ceil(1000).max(1);
        let when = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        tracing::warn!(
            event = "roster_churn",
            reason = "daily_cap_reached",
            agency_id = %agency_id,
            new_citizen_ids = wanted,
            citizen_ids_changed = intake.changed,
            in_last_24h = before,
            cap,
            "a roster import was refused: it would take the agency over its daily limit of new citizen ids"
        );
        let message = if wanted > cap {
            format!(
                "this import brings {wanted} citizen ids new to the roster, more than the {cap} allowed in 24 hours: \
                 split it into smaller imports, the first after {when}"
            )
        } else {
            format!(
                "this import brings {wanted} citizen ids new to the roster; {before} entered in the last 24 hours and \
                 at most {cap} may: try again after {when}"
            )
        };
        return Err(ApiError::Throttled { code: ErrorCode::RosterCitizenIdLimit, message, retry_after_secs });
    }
    tx.execute(
        "INSERT INTO roster_citizen_id_ledger (id, agency_id, at, new_citizen_ids) VALUES ($1, $2, $3, $4)",
        &[new_id().into(), agency_id.into(), Value::Int(to_ms(now)), Value::Int(wanted as i64)],
    )?;
    Ok(Some(WindowUse { before, after: before + wanted, cap }))
}

/// Deletes ledger rows that have left the window: they no longer count, and the ledger keeps nothing longer than
/// it needs.
pub fn purge(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<u64, ApiError> {
    let cutoff = now - Duration::hours(WINDOW_HOURS);
    Ok(tx.execute("DELETE FROM roster_citizen_id_ledger WHERE at <= $1", &[Value::Int(to_ms(cutoff))])?)
}

/// Runs [`purge`] now and then every [`crate::results::PURGE_INTERVAL`], for as long as the server serves (old rows
/// meanwhile count nowhere: the check reads the window only).
pub async fn keep_purging(state: AppState) {
    crate::util::keep_purging(state, crate::results::PURGE_INTERVAL, "roster ledger rows past their window", purge).await
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn only_ids_new_to_the_roster_count() {
        assert_eq!(citizen_id_entry(None, Some("h1")), Some(CitizenIdEntry::Added));
        assert_eq!(citizen_id_entry(None, None), None);
        assert_eq!(citizen_id_entry(Some(None), Some("h1")), Some(CitizenIdEntry::Supplied));
        assert_eq!(citizen_id_entry(Some(Some("h1")), Some("h1")), None);
        assert_eq!(citizen_id_entry(Some(Some("h1")), Some("h2")), Some(CitizenIdEntry::Changed));
        assert_eq!(citizen_id_entry(Some(Some("h1")), None), None);
        assert_eq!(citizen_id_entry(Some(None), None), None);

        let mut intake = Intake::default();
        for entry in [CitizenIdEntry::Added, CitizenIdEntry::Added, CitizenIdEntry::Supplied, CitizenIdEntry::Changed] {
            intake.count(entry);
        }
        assert_eq!(intake, Intake { added: 2, supplied: 1, changed: 1 });
        assert_eq!(intake.total(), 4);
    }

    #[test]
    fn a_refused_import_is_told_when_enough_of_the_window_ages_out() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let entries = [(now - Duration::hours(20), 6), (now - Duration::hours(10), 3), (now - Duration::hours(1), 1)];
        // 10 used of 12: 2 more pass; 3 to 8 wait until the oldest entry leaves, 9 to 11 until the second does
        // too, 12 until the window is empty.
        assert_eq!(admitted_at(&entries, 2, 12, now), None);
        assert_eq!(admitted_at(&entries, 3, 12, now), Some(now + Duration::hours(4)));
        assert_eq!(admitted_at(&entries, 8, 12, now), Some(now + Duration::hours(4)));
        assert_eq!(admitted_at(&entries, 9, 12, now), Some(now + Duration::hours(14)));
        assert_eq!(admitted_at(&entries, 11, 12, now), Some(now + Duration::hours(14)));
        assert_eq!(admitted_at(&entries, 12, 12, now), Some(now + Duration::hours(23)));
        // Over the cap alone: never; told the moment the window empties, and to split.
        assert_eq!(admitted_at(&entries, 13, 12, now), Some(now + Duration::hours(23)));
        assert_eq!(admitted_at(&[], 13, 12, now), Some(now));
        assert_eq!(admitted_at(&[], 12, 12, now), None);
    }

    #[test]
    fn half_the_cap_is_crossed_strictly() {
        assert!(!WindowUse { before: 0, after: 10, cap: 20 }.above_half());
        assert!(WindowUse { before: 10, after: 11, cap: 20 }.above_half());
    }
}
