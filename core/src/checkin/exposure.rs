//! Matching the diary against risky windows, on the phone: the windows are indexed by venue hash once per
//! download, each diary venue id is hashed once per match, and a visit matches a window when the two time
//! ranges overlap. Manual entries carry no venue id and never match.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use healthbook_protocol::checkin::venue_hash_input;
use ring::digest::{SHA256, digest};

use super::model::{DiaryEntry, StoredWindow};

/// The published hash of a venue id (the contract's `venue_hash`), as bytes.
pub fn venue_hash(venue_id: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, venue_hash_input(venue_id).as_bytes()).as_ref());
    out
}

/// Reads 64 hex characters (either case); `None` for anything else.
pub fn parse_hash(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// The risky windows, grouped by venue hash.
#[derive(Debug, Default)]
pub struct RiskyIndex {
    windows: Vec<StoredWindow>,
    by_venue: HashMap<[u8; 32], Vec<usize>>,
}

/// One visit overlapping one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match<'a> {
    /// The diary entry.
    pub entry: &'a DiaryEntry,
    /// The window.
    pub window: &'a StoredWindow,
}

/// True when the closed ranges `[a_from, a_to]` and `[b_from, b_to]` share at least an instant.
pub fn overlaps(a_from: DateTime<Utc>, a_to: DateTime<Utc>, b_from: DateTime<Utc>, b_to: DateTime<Utc>) -> bool {
    a_from <= b_to && b_from <= a_to
}

impl RiskyIndex {
    /// Indexes `windows` by venue hash.
    pub fn new(windows: Vec<StoredWindow>) -> Self {
        let mut by_venue: HashMap<[u8; 32], Vec<usize>> = HashMap::with_capacity(windows.len());
        for (i, window) in windows.iter().enumerate() {
            by_venue.entry(window.venue_hash).or_default().push(i);
        }
        Self { windows, by_venue }
    }

    /// Windows indexed.
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    /// True when no window is indexed.
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// Every (visit, window) overlap among `entries` (already as of now: automatic check-outs applied). Each
    /// distinct venue id is hashed once.
    pub fn matches<'a>(&'a self, entries: &'a [DiaryEntry]) -> Vec<Match<'a>> {
        let mut hashes: HashMap<&str, [u8; 32]> = HashMap::new();
        let mut out = Vec::new();
        for entry in entries {
            let Some(venue_id) = entry.venue_id.as_deref() else { continue };
            let hash = *hashes.entry(venue_id).or_insert_with(|| venue_hash(venue_id));
            let Some(candidates) = self.by_venue.get(&hash) else { continue };
            let (start, end) = (entry.checked_in_at, entry.visit_end());
            for &i in candidates {
                let window = &self.windows[i];
                if overlaps(start, end, window.from, window.to) {
                    out.push(Match { entry, window });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use healthbook_protocol::ExposureAdvice;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 9, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn entry(id: &str, venue: Option<&str>, from: i64, to: Option<i64>) -> DiaryEntry {
        DiaryEntry {
            id: id.into(),
            profile_id: "p".into(),
            venue_id: venue.map(Into::into),
            venue_name: "Chợ".into(),
            venue_kind: None,
            ward_code: None,
            gate: None,
            checked_in_at: at(from),
            checked_out_at: to.map(at),
            auto_checked_out: false,
            stay_minutes: 60,
            manual: venue.is_none(),
        }
    }

    fn window(id: &str, venue: &str, from: i64, to: i64) -> StoredWindow {
        StoredWindow { id: id.into(), venue_hash: venue_hash(venue), from: at(from), to: at(to), advice: ExposureAdvice::GetTested }
    }

    #[test]
    fn the_hash_is_the_contracts_and_reads_back_from_hex() {
        // SHA-256("healthbook-venue-v1:v1"), computed independently.
        let hex: String = venue_hash("v1").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(parse_hash(&hex), Some(venue_hash("v1")));
        assert_eq!(parse_hash(&hex.to_uppercase()), Some(venue_hash("v1")));
        assert_eq!(parse_hash(&hex[..63]), None);
        assert_eq!(parse_hash(&format!("{}g", &hex[..63])), None);
        assert_ne!(venue_hash("v1"), venue_hash("v2"));
    }

    #[test]
    fn visits_match_overlapping_windows_of_their_venue_only() {
        let index = RiskyIndex::new(vec![
            window("w1", "market", 10, 12),
            window("w2", "market", 20, 22),
            window("w3", "bank", 0, 100),
        ]);
        let entries = vec![
            entry("inside", Some("market"), 11, Some(11)),
            entry("touching-start", Some("market"), 8, Some(10)),
            entry("before", Some("market"), 8, Some(9)),
            // No check-out: the usual stay (1 h) ends at 20, which touches w2.
            entry("by-stay", Some("market"), 19, None),
            entry("other-venue", Some("school"), 11, Some(12)),
            entry("manual", None, 11, Some(12)),
        ];
        let found: Vec<(&str, &str)> = index.matches(&entries).iter().map(|m| (m.entry.id.as_str(), m.window.id.as_str())).collect();
        assert_eq!(found, [("inside", "w1"), ("touching-start", "w1"), ("by-stay", "w2")]);
        assert_eq!(index.len(), 3);
    }
}
