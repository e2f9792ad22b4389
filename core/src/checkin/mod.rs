//! The citizen's check-in diary, kept only on the phone: scanning a venue's signed poster (`HP1:`) verifies it
//! offline with the trust sub-client and adds a visit; the phone checks the person out after the venue's usual
//! stay (applied whenever the diary is read, so no timer is needed), or when they say so; places without a
//! poster are typed by hand. Entries are kept 21 days, purged by [`Healthbook::purge_expired`] and at every
//! open, so they go even when the app was not opened for weeks.
//!
//! Exposure: [`CheckIns::refresh_risky`] downloads the risky windows (`GET /v1/risky-venues`, hashed venue ids)
//! and indexes them by venue hash once; [`CheckIns::match_exposure`] hashes each diary venue once and alerts
//! once per (window, visit), never twice, even after a new download. Manual entries have no venue id and never
//! match.
//!
//! Files: `model.rs` (entries, windows, alerts), `exposure.rs` (the matcher), `explain.rs` (vi/en words),
//! `db.rs` (sealed storage), `error.rs`.

pub mod db;
mod error;
pub mod explain;
pub mod exposure;
pub mod model;

#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::RiskyVenueList;
use unicode_normalization::UnicodeNormalization;

pub use error::{CheckInError, PosterRefusal};
pub use healthbook_protocol::{ExposureAdvice, VenueKind};
pub use explain::{AlertWords, advice_text, alert_words, kind_name, refusal_text};
pub use exposure::{RiskyIndex, venue_hash};
pub use model::{DEFAULT_STAY_MINUTES, DiaryEntry, ExposureAlert, MAX_PLACE_CHARS, RETENTION_DAYS, RiskyRefresh, StoredWindow};

use crate::clock::Clock;
use crate::credentials::{CredentialKind, FailedStage, PayloadSummary};
use crate::healthbook::Healthbook;
use crate::persons::{HttpPersonsTransport, PersonsTransport, Verb};
use crate::profiles::Profiles;
use crate::sealing::Sealer;
use crate::storage::Database;
use crate::trust::Trust;

/// The risky list's path (any signed-in device).
pub const RISKY_VENUES_PATH: &str = "/v1/risky-venues";
/// The longest usual stay a poster may set, in minutes; a longer one falls back to the default.
const MAX_STAY_MINUTES: u32 = 24 * 60;

/// The risky windows indexed once per download, shared by every [`CheckIns`] of one opened data directory.
#[derive(Default)]
pub struct RiskyIndexCache(Mutex<Option<Arc<RiskyIndex>>>);

impl RiskyIndexCache {
    fn get(&self) -> Option<Arc<RiskyIndex>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, index: Arc<RiskyIndex>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(index);
    }
}

/// The check-in diary and exposure check; obtained from [`Healthbook::checkins`].
#[derive(Clone)]
pub struct CheckIns {
    db: Database,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
    profiles: Profiles,
    trust: Trust,
    transport: Arc<dyn PersonsTransport>,
    index: Arc<RiskyIndexCache>,
}

/// A place typed by hand, NFC and trimmed, or [`CheckInError::InvalidPlace`].
pub fn normalise_place(place: &str) -> Result<String, CheckInError> {
    let place: String = place.trim().nfc().collect();
    let chars = place.chars().count();
    if chars == 0 || chars > MAX_PLACE_CHARS || place.chars().any(char::is_control) {
        return Err(CheckInError::InvalidPlace);
    }
    Ok(place)
}

impl CheckIns {
    /// Verifies a scanned poster offline with the phone's cached trust list and checks `profile_id` in. A
    /// second scan of the same venue while the visit is still open extends nothing and returns the open visit.
    pub async fn check_in(&self, profile_id: &str, qr_text: &str) -> Result<DiaryEntry, CheckInError> {
        let profile = self.profiles.get(profile_id).await?;
        let verdict = self.trust.verify(qr_text)?;
        if !verdict.valid {
            return Err(CheckInError::Refused(PosterRefusal::from_stage(verdict.stage.unwrap_or(FailedStage::Prefix))));
        }
        let poster = match (verdict.kind, verdict.payload) {
            (CredentialKind::VenuePoster, Some(PayloadSummary::VenuePoster(poster))) => poster,
            _ => return Err(CheckInError::Refused(PosterRefusal::NotAPoster)),
        };
        let now = self.clock.now();
        let stay_minutes = poster.stay_minutes.filter(|m| (1..=MAX_STAY_MINUTES).contains(m)).unwrap_or(DEFAULT_STAY_MINUTES);
        let entry = DiaryEntry {
            id: uuid::Uuid::new_v4().to_string(),
            profile_id: profile.id,
            venue_id: Some(poster.venue_id.clone()),
            venue_name: poster.name,
            venue_kind: poster.kind,
            ward_code: poster.admin_unit,
            gate: poster.gate,
            checked_in_at: now,
            checked_out_at: None,
            auto_checked_out: false,
            stay_minutes,
            manual: false,
        };
        let sealer = self.sealer.clone();
        self.db
            .write(move |tx| {
                let open = db::at_venue(tx, &sealer, &entry.profile_id, &poster.venue_id)?
                    .into_iter()
                    .map(|e| e.as_of(now))
                    .filter(|e| e.checked_out_at.is_none())
                    .max_by_key(|e| e.checked_in_at);
                if let Some(open) = open {
                    return Ok(open);
                }
                db::insert(tx, &sealer, &entry)?;
                Ok(entry)
            })
            .await
    }

    /// Checks the visit `entry_id` out now; a visit already checked out (by hand or automatically) is returned
    /// unchanged.
    pub async fn check_out(&self, entry_id: &str) -> Result<DiaryEntry, CheckInError> {
        let (sealer, id, now) = (self.sealer.clone(), entry_id.to_owned(), self.clock.now());
        self.db
            .write(move |tx| {
                let mut entry = db::get(tx, &sealer, &id)?.ok_or_else(|| CheckInError::NotFound(id.clone()))?.as_of(now);
                if entry.checked_out_at.is_none() {
                    entry.checked_out_at = Some(now.max(entry.checked_in_at));
                    db::update(tx, &sealer, &entry)?;
                }
                Ok(entry)
            })
            .await
    }

    /// Adds a visit to a place without a poster: `place` 1-200 characters (kept NFC), `from <= to <= now`,
    /// `from` within the diary's 21 days. Without `to` the person is still there, and is checked out after the
    /// default stay.
    pub async fn add_manual(
        &self,
        profile_id: &str,
        place: &str,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
    ) -> Result<DiaryEntry, CheckInError> {
        let place = normalise_place(place)?;
        let now = self.clock.now();
        let in_order = from <= now && to.is_none_or(|to| from <= to && to <= now);
        if !in_order || from < now - Duration::days(RETENTION_DAYS) {
            return Err(CheckInError::InvalidTimes);
        }
        let profile = self.profiles.get(profile_id).await?;
        let entry = DiaryEntry {
            id: uuid::Uuid::new_v4().to_string(),
            profile_id: profile.id,
            venue_id: None,
            venue_name: place,
            venue_kind: None,
            ward_code: None,
            gate: None,
            checked_in_at: from,
            checked_out_at: to,
            auto_checked_out: false,
            stay_minutes: DEFAULT_STAY_MINUTES,
            manual: true,
        };
        let (sealer, kept) = (self.sealer.clone(), entry.clone());
        self.db.write(move |tx| db::insert(tx, &sealer, &kept)).await?;
        Ok(entry.as_of(now))
    }

    /// Removes the entry `entry_id` and its alerts.
    pub async fn delete(&self, entry_id: &str) -> Result<(), CheckInError> {
        let id = entry_id.to_owned();
        if self.db.write(move |tx| db::delete(tx, &id)).await? {
            Ok(())
        } else {
            Err(CheckInError::NotFound(entry_id.to_owned()))
        }
    }

    /// The entry `entry_id`, automatic check-out applied.
    pub async fn entry(&self, entry_id: &str) -> Result<DiaryEntry, CheckInError> {
        let (sealer, id, now) = (self.sealer.clone(), entry_id.to_owned(), self.clock.now());
        let found = self.db.read(move |conn| db::get(conn, &sealer, &id)).await?;
        Ok(found.ok_or_else(|| CheckInError::NotFound(entry_id.to_owned()))?.as_of(now))
    }

    /// Every diary entry, newest first, automatic check-outs applied.
    pub async fn diary(&self) -> Result<Vec<DiaryEntry>, CheckInError> {
        let (sealer, now) = (self.sealer.clone(), self.clock.now());
        let entries = self.db.read(move |conn| db::list(conn, &sealer)).await?;
        Ok(entries.into_iter().map(|e| e.as_of(now)).collect())
    }

    /// Deletes entries older than [`RETENTION_DAYS`] (and their alerts) and windows that ended as long ago.
    pub async fn purge_expired(&self) -> Result<usize, CheckInError> {
        let (sealer, now) = (self.sealer.clone(), self.clock.now());
        self.db.write(move |tx| db::purge(tx, &sealer, now)).await
    }

    /// Downloads the risky list, keeps it in place of the previous one and indexes it by venue hash.
    pub async fn refresh_risky(&self) -> Result<RiskyRefresh, CheckInError> {
        let answer = self.transport.send(Verb::Get, RISKY_VENUES_PATH, None).await?;
        let list: RiskyVenueList = serde_json::from_value(answer).map_err(|_| CheckInError::BadAnswer)?;
        let total = list.windows.len();
        let windows: Vec<StoredWindow> = list
            .windows
            .into_iter()
            .filter(|w| w.from <= w.to)
            .filter_map(|w| {
                let venue_hash = exposure::parse_hash(&w.venue_hash)?;
                Some(StoredWindow { id: w.id, venue_hash, from: w.from, to: w.to, advice: w.advice })
            })
            .collect();
        let refresh = RiskyRefresh { windows: windows.len(), skipped: total - windows.len() };
        let kept = windows.clone();
        self.db.write(move |tx| db::replace_windows(tx, &kept)).await?;
        self.index.set(Arc::new(RiskyIndex::new(windows)));
        Ok(refresh)
    }

    async fn risky_index(&self) -> Result<Arc<RiskyIndex>, CheckInError> {
        if let Some(index) = self.index.get() {
            return Ok(index);
        }
        let windows = self.db.read(db::windows).await?;
        let index = Arc::new(RiskyIndex::new(windows));
        self.index.set(index.clone());
        Ok(index)
    }

    /// Matches the diary against the kept risky windows; the alerts found now for the first time.
    pub async fn match_exposure(&self) -> Result<Vec<ExposureAlert>, CheckInError> {
        let index = self.risky_index().await?;
        let entries = self.diary().await?;
        let now = self.clock.now();
        let candidates: Vec<ExposureAlert> = index
            .matches(&entries)
            .into_iter()
            .map(|m| ExposureAlert {
                id: uuid::Uuid::new_v4().to_string(),
                window_id: m.window.id.clone(),
                entry_id: m.entry.id.clone(),
                profile_id: m.entry.profile_id.clone(),
                venue_name: m.entry.venue_name.clone(),
                visited_at: m.entry.checked_in_at,
                left_at: m.entry.visit_end(),
                window_from: m.window.from,
                window_to: m.window.to,
                advice: m.window.advice,
                found_at: now,
                seen: false,
            })
            .collect();
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let sealer = self.sealer.clone();
        self.db
            .write(move |tx| {
                let mut fresh = Vec::new();
                for alert in candidates {
                    if db::insert_alert(tx, &sealer, &alert)? {
                        fresh.push(alert);
                    }
                }
                Ok(fresh)
            })
            .await
    }

    /// Every alert found so far, newest first.
    pub async fn alerts(&self) -> Result<Vec<ExposureAlert>, CheckInError> {
        let sealer = self.sealer.clone();
        self.db.read(move |conn| db::alerts(conn, &sealer)).await
    }

    /// Marks the alert `alert_id` as read.
    pub async fn mark_seen(&self, alert_id: &str) -> Result<(), CheckInError> {
        let id = alert_id.to_owned();
        if self.db.write(move |tx| db::mark_seen(tx, &id)).await? {
            Ok(())
        } else {
            Err(CheckInError::NotFound(alert_id.to_owned()))
        }
    }
}

/// Purges old diary entries while the database is being opened (synchronously, before anything reads them).
pub(crate) fn purge_at_open(conn: &mut rusqlite::Connection, sealer: &Sealer, now: DateTime<Utc>) -> Result<usize, CheckInError> {
    let tx = conn.transaction()?;
    let purged = db::purge(&tx, sealer, now)?;
    tx.commit()?;
    Ok(purged)
}

impl Healthbook {
    /// The check-in diary and exposure check, through the configured server.
    pub fn checkins(&self) -> CheckIns {
        self.checkins_with(Arc::new(HttpPersonsTransport::new(self.session())))
    }

    /// The check-in diary through another transport (tests, or a server reached another way).
    pub fn checkins_with(&self, transport: Arc<dyn PersonsTransport>) -> CheckIns {
        CheckIns {
            db: self.db.clone(),
            sealer: self.sealer.clone(),
            clock: self.clock.clone(),
            profiles: self.profiles(),
            trust: self.trust(),
            transport,
            index: self.risky_index.clone(),
        }
    }
}
