//! What the diary keeps: visits (scanned or typed by hand), the risky windows downloaded from the server, and
//! the alerts found by matching them.

use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::{ExposureAdvice, VenueKind};
use serde::{Deserialize, Serialize};

/// How long a visit lasts when the poster does not say (the venue's default stay).
pub const DEFAULT_STAY_MINUTES: u32 = 4 * 60;
/// Days a diary entry is kept on the phone.
pub const RETENTION_DAYS: i64 = 21;
/// Longest place name typed by hand, in characters.
pub const MAX_PLACE_CHARS: usize = 200;

/// One visit in the diary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiaryEntry {
    /// Local id (UUID v4).
    pub id: String,
    /// The profile that checked in.
    pub profile_id: String,
    /// The venue's id from its poster; `None` for a manual entry, which therefore never matches a risky venue.
    pub venue_id: Option<String>,
    /// The venue's name (NFC), or the place typed by hand.
    pub venue_name: String,
    /// What kind of place, when the poster says.
    pub venue_kind: Option<VenueKind>,
    /// The venue's administrative unit (ward) code, when the poster says.
    pub ward_code: Option<String>,
    /// The gate scanned, when the venue has several.
    pub gate: Option<String>,
    /// When the person arrived.
    pub checked_in_at: DateTime<Utc>,
    /// When the person left; `None` while still there.
    pub checked_out_at: Option<DateTime<Utc>>,
    /// True when the phone checked the person out after the venue's usual stay.
    pub auto_checked_out: bool,
    /// The venue's usual stay, in minutes.
    pub stay_minutes: u32,
    /// True for a place typed by hand.
    pub manual: bool,
}

impl DiaryEntry {
    /// When the automatic check-out falls: arrival plus the usual stay.
    pub fn stay_ends_at(&self) -> DateTime<Utc> {
        self.checked_in_at + Duration::minutes(i64::from(self.stay_minutes))
    }

    /// The entry as seen at `now`: past its stay and not checked out by hand, it is checked out automatically.
    pub fn as_of(mut self, now: DateTime<Utc>) -> Self {
        if self.checked_out_at.is_none() && now >= self.stay_ends_at() {
            self.checked_out_at = Some(self.stay_ends_at());
            self.auto_checked_out = true;
        }
        self
    }

    /// The visit's end for matching: the check-out, else the end of the usual stay.
    pub fn visit_end(&self) -> DateTime<Utc> {
        self.checked_out_at.unwrap_or_else(|| self.stay_ends_at())
    }
}

/// A risky window as kept on the phone (the server's [`healthbook_protocol::RiskyWindow`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWindow {
    /// Window id.
    pub id: String,
    /// SHA-256 of the venue id (with the contract's context).
    pub venue_hash: [u8; 32],
    /// Start.
    pub from: DateTime<Utc>,
    /// End.
    pub to: DateTime<Utc>,
    /// What to do.
    pub advice: ExposureAdvice,
}

/// A diary visit that overlapped a risky window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureAlert {
    /// Local id (UUID v4).
    pub id: String,
    /// The risky window (one alert per window and visit).
    pub window_id: String,
    /// The diary entry.
    pub entry_id: String,
    /// The profile that visited.
    pub profile_id: String,
    /// The venue's name as in the diary.
    pub venue_name: String,
    /// When the person arrived.
    pub visited_at: DateTime<Utc>,
    /// When the person left (or the end of the usual stay).
    pub left_at: DateTime<Utc>,
    /// Start of the risky window.
    pub window_from: DateTime<Utc>,
    /// End of the risky window.
    pub window_to: DateTime<Utc>,
    /// What the health officer advises.
    pub advice: ExposureAdvice,
    /// When the phone found the match.
    pub found_at: DateTime<Utc>,
    /// True once the person has read it.
    pub seen: bool,
}

/// What a refresh of the risky list did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskyRefresh {
    /// Windows now kept.
    pub windows: usize,
    /// Windows skipped because their venue hash is not 64 hex characters.
    pub skipped: usize,
}
