//! The pure rules of home quarantine on the server: checking an order's settings, placing a day's challenges in
//! the order's zone, and judging a check-in record from what the server knows. No storage here, so that each
//! rule is tested alone; `verify.rs` gathers the facts and stores the outcome.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use healthbook_protocol::quarantine::{
    self as q, ChallengeKind, CheckInRecord, CheckInSchedule, CreateOrderRequest, FenceVerdict, RadioEnvironment, QuarantineVerdict,
    VerdictReason, MAX_ORDER_DAYS, MAX_RADIO_IDS, RADIO_REVIEW_BELOW,
};
use ring::hmac;

use crate::error::ApiError;

/// Smallest and largest geofence radius, metres.
pub const RADIUS_RANGE_M: (f64, f64) = (20.0, 1_000.0);
/// Most daily windows.
pub const MAX_DAILY_WINDOWS: usize = 6;
/// Most random challenges a day.
pub const MAX_RANDOM_PER_DAY: u8 = 4;
/// Shortest and longest random challenge, minutes.
pub const RANDOM_WINDOW_MINUTES: (u32, u32) = (5, 120);
/// Longest grace period, minutes.
pub const MAX_GRACE_MINUTES: u32 = 120;
/// Most days one extension adds.
pub const MAX_EXTENSION_DAYS: u32 = 14;
/// How far ahead of the server a phone's clock may date a signature.
pub const MAX_CLOCK_AHEAD: Duration = Duration::minutes(10);
/// How much older than its record a fix may be.
pub const MAX_FIX_AGE: Duration = Duration::minutes(10);
/// Longest opaque text field of a record (ids, nonce, signature), characters.
pub const MAX_TOKEN_CHARS: usize = 200;

fn field(field: &'static str, field_code: &'static str, message: &str) -> ApiError {
    ApiError::InvalidField { field, field_code, message: message.to_owned() }
}

/// The order's zone, or 422 naming `time_zone`.
pub fn zone(name: &str) -> Result<Tz, ApiError> {
    name.parse::<Tz>().map_err(|_| field("time_zone", "unknown_zone", "time_zone must be a known IANA time zone"))
}

fn minutes_of(t: NaiveTime) -> u32 {
    use chrono::Timelike;
    t.hour() * 60 + t.minute()
}

/// Checks every field of an order that needs no storage (the person, ward and commitment version are checked
/// against the database by the caller); returns the zone and the end.
pub fn check_order(body: &CreateOrderRequest, now: DateTime<Utc>) -> Result<(Tz, DateTime<Utc>), ApiError> {
    if body.person_id.is_empty() || body.person_id.len() > MAX_TOKEN_CHARS {
        return Err(field("person_id", "invalid", "person_id must be a person's id"));
    }
    let fence = &body.geofence;
    if !(-90.0..=90.0).contains(&fence.lat) || !(-180.0..=180.0).contains(&fence.lon) {
        return Err(field("geofence", "out_of_range", "geofence centre must be a latitude and longitude"));
    }
    if !(RADIUS_RANGE_M.0..=RADIUS_RANGE_M.1).contains(&fence.radius_m) {
        return Err(field("geofence.radius_m", "out_of_range", "geofence.radius_m must be 20 to 1,000 metres"));
    }
    if !(1..=MAX_ORDER_DAYS).contains(&body.days) {
        return Err(field("days", "out_of_range", "days must be 1 to 60"));
    }
    let zone = zone(&body.time_zone)?;
    check_schedule(&body.schedule)?;
    if body.grace_minutes > MAX_GRACE_MINUTES {
        return Err(field("grace_minutes", "out_of_range", "grace_minutes must be 0 to 120"));
    }
    let rules = &body.extension_rules;
    if !(1..=MAX_EXTENSION_DAYS).contains(&rules.extension_days) {
        return Err(field("extension_rules.extension_days", "out_of_range", "extension_days must be 1 to 14"));
    }
    let most = u64::from(body.days) + u64::from(rules.extension_days) * u64::from(rules.max_extensions);
    if most > u64::from(MAX_ORDER_DAYS) {
        return Err(field("extension_rules.max_extensions", "out_of_range", "the order with every extension must stay within 60 days"));
    }
    let ends_at = q::quarantine_end(body.start_date, body.days, 0, &body.time_zone)
        .ok_or_else(|| field("start_date", "out_of_range", "start_date is out of range"))?;
    if ends_at <= now {
        return Err(field("start_date", "in_past", "the order would already be over"));
    }
    if body.start_date > (now + Duration::days(30)).with_timezone(&zone).date_naive() {
        return Err(field("start_date", "too_far", "start_date must be within 30 days"));
    }
    Ok((zone, ends_at))
}

/// Checks a schedule: at least one check-in a day, windows inside the day, ordered, apart and out of the night
/// unless the order allows it, and random challenges within their limits.
pub fn check_schedule(schedule: &CheckInSchedule) -> Result<(), ApiError> {
    if schedule.daily_windows.len() > MAX_DAILY_WINDOWS {
        return Err(field("schedule.daily_windows", "count", "at most 6 daily windows"));
    }
    if schedule.random_per_day > MAX_RANDOM_PER_DAY {
        return Err(field("schedule.random_per_day", "out_of_range", "random_per_day must be 0 to 4"));
    }
    if !(RANDOM_WINDOW_MINUTES.0..=RANDOM_WINDOW_MINUTES.1).contains(&schedule.random_window_minutes) {
        return Err(field("schedule.random_window_minutes", "out_of_range", "random_window_minutes must be 5 to 120"));
    }
    if schedule.daily_windows.is_empty() && schedule.random_per_day == 0 {
        return Err(field("schedule", "empty", "a schedule needs a daily window or a random challenge"));
    }
    let (night_ends, night_starts) = (q::NIGHT_ENDS.0 * 60 + q::NIGHT_ENDS.1, q::NIGHT_STARTS.0 * 60 + q::NIGHT_STARTS.1);
    let mut previous_end: Option<u32> = None;
    for window in &schedule.daily_windows {
        let (start, end) = (minutes_of(window.start), minutes_of(window.end));
        if window.end <= window.start || end - start < 5 {
            return Err(field("schedule.daily_windows", "invalid", "each window must end at least 5 minutes after it starts, the same day"));
        }
        if !schedule.allow_night && (start < night_ends || end > night_starts) {
            return Err(field("schedule.daily_windows", "at_night", "windows must fall between 06:00 and 22:00 unless night is allowed"));
        }
        if previous_end.is_some_and(|p| start < p) {
            return Err(field("schedule.daily_windows", "overlap", "windows must be in order and must not overlap"));
        }
        previous_end = Some(end);
    }
    Ok(())
}

/// The instant of a local date and time in `zone`; a time a DST change skips moves to the first that exists,
/// an ambiguous one takes the earlier.
pub fn local_instant(zone: Tz, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let local = day.and_time(time);
    (0..=180).find_map(|m| zone.from_local_datetime(&(local + Duration::minutes(m))).earliest().map(|t| t.with_timezone(&Utc)))
}

/// One challenge placed on the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedChallenge {
    /// Scheduled or random.
    pub kind: ChallengeKind,
    /// Opens.
    pub opens_at: DateTime<Utc>,
    /// Closes.
    pub closes_at: DateTime<Utc>,
}

/// The challenges of one local `day` of an order: its daily windows, and its random challenges at minutes drawn
/// from `key` (HMAC of the order id and the date, so the phone can't predict them and any instance, or a
/// restart, draws the same). None at night unless allowed; sorted by opening, each opening once.
pub fn challenges_for_day(zone: Tz, day: NaiveDate, schedule: &CheckInSchedule, key: &hmac::Key, order_id: &str) -> Vec<PlannedChallenge> {
    let mut out = Vec::new();
    let night_ok = |at: DateTime<Utc>| schedule.allow_night || !q::is_night(zone, at);
    for window in &schedule.daily_windows {
        let (Some(opens_at), Some(closes_at)) = (local_instant(zone, day, window.start), local_instant(zone, day, window.end)) else {
            continue;
        };
        if closes_at > opens_at && night_ok(opens_at) && night_ok(closes_at - Duration::minutes(1)) {
            out.push(PlannedChallenge { kind: ChallengeKind::Scheduled, opens_at, closes_at });
        }
    }
    let length = schedule.random_window_minutes.clamp(RANDOM_WINDOW_MINUTES.0, RANDOM_WINDOW_MINUTES.1);
    let (first, last) = if schedule.allow_night { (0, 24 * 60) } else { (q::NIGHT_ENDS.0 * 60, q::NIGHT_STARTS.0 * 60) };
    let span = last - first - length;
    let tag = hmac::sign(key, format!("quarantine-random-v1\n{order_id}\n{day}").as_bytes());
    for draw in tag.as_ref().chunks(4).take(usize::from(schedule.random_per_day.min(MAX_RANDOM_PER_DAY))) {
        let value = u32::from_be_bytes([draw[0], draw[1], draw[2], draw[3]]);
        let minute = first + value % (span + 1);
        let Some(time) = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0) else { continue };
        let Some(opens_at) = local_instant(zone, day, time) else { continue };
        let closes_at = opens_at + Duration::minutes(i64::from(length));
        if night_ok(opens_at) && night_ok(closes_at - Duration::minutes(1)) {
            out.push(PlannedChallenge { kind: ChallengeKind::Random, opens_at, closes_at });
        }
    }
    out.sort_by_key(|c| c.opens_at);
    out.dedup_by_key(|c| c.opens_at);
    out
}

fn is_hex64(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks the sizes and shapes of a radio environment (hashed ids only).
pub fn check_radio(name: &'static str, radio: &RadioEnvironment) -> Result<(), ApiError> {
    if radio.wifi.len() > MAX_RADIO_IDS || radio.bluetooth.len() > MAX_RADIO_IDS {
        return Err(field(name, "count", "at most 200 Wi-Fi and 200 Bluetooth identifiers"));
    }
    if !radio.wifi.iter().chain(radio.bluetooth.iter()).all(|id| is_hex64(id)) {
        return Err(field(name, "not_hashed", "radio identifiers must be lowercase hex SHA-256"));
    }
    Ok(())
}

/// Checks the shape of a record before it is judged (a malformed record is refused, not stored).
pub fn check_record(record: &CheckInRecord, order_id: &str) -> Result<(), ApiError> {
    if record.order_id != order_id {
        return Err(field("order_id", "mismatch", "order_id must be the order of the path"));
    }
    if record.sequence == 0 || record.sequence > i64::MAX as u64 {
        return Err(field("sequence", "out_of_range", "sequence starts at 1"));
    }
    if !is_hex64(&record.previous_hash) {
        return Err(field("previous_hash", "not_a_hash", "previous_hash must be lowercase hex SHA-256"));
    }
    if record.home_token_sha256.as_deref().is_some_and(|h| !is_hex64(h)) {
        return Err(field("home_token_sha256", "not_a_hash", "home_token_sha256 must be lowercase hex SHA-256"));
    }
    for (name, value) in [("challenge_id", &record.challenge_id), ("nonce", &record.nonce), ("signature", &record.signature)] {
        if value.is_empty() || value.len() > MAX_TOKEN_CHARS {
            return Err(field(name, "invalid", "a text field of the record is empty or too long"));
        }
    }
    let fix = &record.fix;
    if !(-90.0..=90.0).contains(&fix.lat) || !(-180.0..=180.0).contains(&fix.lon) {
        return Err(field("fix", "out_of_range", "fix must be a latitude and longitude"));
    }
    if !(0.0..=1.0).contains(&record.radio_similarity) {
        return Err(field("radio_similarity", "out_of_range", "radio_similarity must be 0 to 1"));
    }
    check_radio("radio", &record.radio)
}

/// What the signature check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The order's current key signed.
    Good,
    /// A retired key of this order, or another order's key, signed.
    WrongKey,
    /// No known key signed.
    Bad,
}

/// A signature's bytes: standard base64 as the contract says, or base64url (what the device sign-in uses).
pub fn decode_signature(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let text = text.trim();
    STANDARD.decode(text).or_else(|_| URL_SAFE_NO_PAD.decode(text)).ok()
}

/// Checks an ES256 signature (raw r‖s, standard base64) over `message` by the SPKI `current`, then `others`.
pub fn check_signature(message: &[u8], signature: &str, current: Option<&str>, others: &[String]) -> SignatureCheck {
    let Some(raw) = decode_signature(signature) else {
        return SignatureCheck::Bad;
    };
    let verifies = |spki: &str| {
        healthbook_core::trust::VerifyingKey::from_spki_base64(spki).is_ok_and(|key| key.verify(message, &raw).is_ok())
    };
    if current.is_some_and(verifies) {
        SignatureCheck::Good
    } else if others.iter().any(|k| verifies(k)) {
        SignatureCheck::WrongKey
    } else {
        SignatureCheck::Bad
    }
}

/// The challenge a record names, as the server stored it.
#[derive(Debug, Clone)]
pub struct ChallengeFacts {
    /// Its nonce.
    pub nonce: String,
    /// Closes.
    pub closes_at: DateTime<Utc>,
    /// Closes plus grace.
    pub grace_ends_at: DateTime<Utc>,
    /// Whether the token must be scanned.
    pub home_token_required: bool,
}

/// Everything the server knows when it judges a record.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// The signature check.
    pub signature: SignatureCheck,
    /// Another record took this sequence, or answered this nonce, already.
    pub replayed: bool,
    /// The chain's last sequence (0 for none) and the hash of that record (GENESIS for none).
    pub last: (u64, &'a str),
    /// The challenge named, when it is this order's and the nonce is its own.
    pub challenge: Option<ChallengeFacts>,
    /// The order's fence.
    pub fence: &'a q::Geofence,
    /// The home's baseline.
    pub baseline: &'a RadioEnvironment,
    /// SHA-256 of the current home token.
    pub home_token_sha256: Option<&'a str>,
    /// When the record arrived.
    pub now: DateTime<Utc>,
}

/// The judgement of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// QuarantineVerdict.
    pub verdict: QuarantineVerdict,
    /// Reasons, in the order checked.
    pub reasons: Vec<VerdictReason>,
    /// Whether the record becomes the chain's next link.
    pub in_chain: bool,
    /// The server's radio similarity (for records whose signature verified).
    pub radio_similarity: Option<f64>,
    /// The fence verdict (likewise).
    pub fence: Option<FenceVerdict>,
    /// Whether the record answers its challenge (no longer to be swept as missed).
    pub answers: bool,
}

/// Judges a record: signature, replay, chain, nonce, then the evidence of place; see the module `verify`.
pub fn judge(record: &CheckInRecord, facts: &Facts<'_>) -> Judgement {
    use VerdictReason as R;
    let untrusted = |reason| Judgement { verdict: QuarantineVerdict::Missed, reasons: vec![reason], in_chain: false, radio_similarity: None, fence: None, answers: false };
    match facts.signature {
        SignatureCheck::Good => {}
        SignatureCheck::WrongKey => return untrusted(R::WrongDeviceKey),
        SignatureCheck::Bad => return untrusted(R::BadSignature),
    }
    if facts.replayed {
        return untrusted(R::Replayed);
    }
    let mut reasons = Vec::new();
    let (last, last_hash) = facts.last;
    let mut in_chain = true;
    if record.sequence > last + 1 {
        reasons.push(R::SequenceGap);
    } else if record.sequence <= last {
        // Older than the chain's head and not in it: out of order, so not a link.
        in_chain = false;
        reasons.push(R::ChainBroken);
    } else if record.previous_hash != last_hash {
        reasons.push(R::ChainBroken);
    }
    let mut fresh = true;
    match &facts.challenge {
        None => {
            fresh = false;
            reasons.push(R::UnknownNonce);
        }
        Some(c) if facts.now > c.grace_ends_at => {
            fresh = false;
            reasons.push(R::StaleNonce);
        }
        Some(c) if facts.now > c.closes_at => reasons.push(R::Late),
        Some(_) => {}
    }
    let fence = q::fence_verdict(facts.fence, &record.fix);
    match fence {
        FenceVerdict::Outside => reasons.push(R::OutsideFence),
        FenceVerdict::Uncertain => reasons.push(R::UncertainLocation),
        FenceVerdict::Inside => {}
    }
    if record.fix.mock {
        reasons.push(R::MockLocation);
    }
    let token_required = facts.challenge.as_ref().is_some_and(|c| c.home_token_required);
    if token_required && (record.home_token_sha256.is_none() || record.home_token_sha256.as_deref() != facts.home_token_sha256) {
        reasons.push(R::HomeTokenMissing);
    }
    let similarity = q::radio_similarity(facts.baseline, &record.radio);
    let baseline_empty = facts.baseline.wifi.is_empty() && facts.baseline.bluetooth.is_empty();
    if !baseline_empty && similarity < RADIO_REVIEW_BELOW {
        reasons.push(R::RadioUnlikeHome);
    }
    if record.recorded_at - record.fix.taken_at > MAX_FIX_AGE {
        reasons.push(R::StaleFix);
    }
    let verdict = if !fresh {
        QuarantineVerdict::Missed
    } else if reasons.iter().any(|r| *r != R::Late) {
        QuarantineVerdict::NeedsReview
    } else {
        QuarantineVerdict::Ok
    };
    Judgement { verdict, reasons, in_chain, radio_similarity: Some(similarity), fence: Some(fence), answers: fresh }
}

#[cfg(test)]
mod tests {
    use super::*;
    use healthbook_protocol::quarantine::{DailyWindow, FixSource, Geofence, LocationFix, GENESIS_HASH};

    fn key() -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, &[7u8; 32])
    }

    fn schedule(windows: &[(u32, u32)], random: u8, night: bool) -> CheckInSchedule {
        CheckInSchedule {
            daily_windows: windows
                .iter()
                .map(|(s, e)| DailyWindow { start: NaiveTime::from_hms_opt(*s, 0, 0).unwrap(), end: NaiveTime::from_hms_opt(*e, 0, 0).unwrap() })
                .collect(),
            random_per_day: random,
            random_window_minutes: 30,
            allow_night: night,
            home_token_each_time: false,
        }
    }

    const FENCE: Geofence = Geofence { lat: 10.7769, lon: 106.7009, radius_m: 100.0 };

    fn record(sequence: u64, metres_north: f64, accuracy: f64) -> CheckInRecord {
        let at = Utc.with_ymd_and_hms(2021, 9, 1, 1, 0, 0).unwrap();
        CheckInRecord {
            order_id: "o".into(),
            sequence,
            previous_hash: GENESIS_HASH.into(),
            challenge_id: "c".into(),
            nonce: "n".into(),
            recorded_at: at,
            fix: LocationFix { lat: 10.7769 + metres_north / 111_195.0, lon: 106.7009, accuracy_m: accuracy, source: FixSource::Gps, mock: false, taken_at: at },
            home_token_sha256: None,
            radio: RadioEnvironment { wifi: vec!["a".repeat(64)], bluetooth: vec![] },
            radio_similarity: 1.0,
            signature: "s".into(),
        }
    }

    fn facts<'a>(baseline: &'a RadioEnvironment, now: DateTime<Utc>) -> Facts<'a> {
        let closes = Utc.with_ymd_and_hms(2021, 9, 1, 1, 30, 0).unwrap();
        Facts {
            signature: SignatureCheck::Good,
            replayed: false,
            last: (0, GENESIS_HASH),
            challenge: Some(ChallengeFacts { nonce: "n".into(), closes_at: closes, grace_ends_at: closes + Duration::minutes(15), home_token_required: false }),
            fence: &FENCE,
            baseline,
            home_token_sha256: None,
            now,
        }
    }

    #[test]
    fn each_problem_has_its_own_reason_and_verdict() {
        let base = RadioEnvironment { wifi: vec!["a".repeat(64)], bluetooth: vec![] };
        let now = Utc.with_ymd_and_hms(2021, 9, 1, 1, 1, 0).unwrap();
        let good = judge(&record(1, 0.0, 10.0), &facts(&base, now));
        assert_eq!((good.verdict, good.reasons.clone(), good.in_chain, good.answers), (QuarantineVerdict::Ok, vec![], true, true));
        let late = judge(&record(1, 0.0, 10.0), &facts(&base, now + Duration::minutes(35)));
        assert_eq!((late.verdict, late.reasons), (QuarantineVerdict::Ok, vec![VerdictReason::Late]));
        let stale = judge(&record(1, 0.0, 10.0), &facts(&base, now + Duration::minutes(60)));
        assert_eq!((stale.verdict, stale.reasons, stale.answers), (QuarantineVerdict::Missed, vec![VerdictReason::StaleNonce], false));
        let edge = judge(&record(1, 95.0, 50.0), &facts(&base, now));
        assert_eq!((edge.verdict, edge.reasons), (QuarantineVerdict::NeedsReview, vec![VerdictReason::UncertainLocation]));
        let outside = judge(&record(1, 500.0, 10.0), &facts(&base, now));
        assert_eq!(outside.reasons, vec![VerdictReason::OutsideFence]);
        let gap = judge(&record(3, 0.0, 10.0), &facts(&base, now));
        assert_eq!((gap.verdict, gap.reasons, gap.in_chain), (QuarantineVerdict::NeedsReview, vec![VerdictReason::SequenceGap], true));
        let mut f = facts(&base, now);
        f.last = (1, "ff");
        let broken = judge(&record(2, 0.0, 10.0), &f);
        assert_eq!(broken.reasons, vec![VerdictReason::ChainBroken]);
        let older = judge(&record(1, 0.0, 10.0), &f);
        assert_eq!((older.reasons, older.in_chain), (vec![VerdictReason::ChainBroken], false));
        for (check, reason) in [(SignatureCheck::Bad, VerdictReason::BadSignature), (SignatureCheck::WrongKey, VerdictReason::WrongDeviceKey)] {
            let mut f = facts(&base, now);
            f.signature = check;
            let j = judge(&record(1, 0.0, 10.0), &f);
            assert_eq!((j.verdict, j.reasons, j.in_chain, j.answers), (QuarantineVerdict::Missed, vec![reason], false, false));
        }
        let mut f = facts(&base, now);
        f.replayed = true;
        assert_eq!(judge(&record(1, 0.0, 10.0), &f).reasons, vec![VerdictReason::Replayed]);
        let mut f = facts(&base, now);
        f.challenge = None;
        assert_eq!(judge(&record(1, 0.0, 10.0), &f).reasons, vec![VerdictReason::UnknownNonce]);
    }

    #[test]
    fn mock_token_radio_and_old_fixes_need_review() {
        let base = RadioEnvironment { wifi: vec!["b".repeat(64), "c".repeat(64)], bluetooth: vec![] };
        let now = Utc.with_ymd_and_hms(2021, 9, 1, 1, 1, 0).unwrap();
        let mut r = record(1, 0.0, 10.0);
        r.fix.mock = true;
        r.fix.taken_at -= Duration::minutes(11);
        let mut f = facts(&base, now);
        if let Some(c) = f.challenge.as_mut() {
            c.home_token_required = true;
        }
        f.home_token_sha256 = Some("h");
        let j = judge(&r, &f);
        assert_eq!(j.verdict, QuarantineVerdict::NeedsReview);
        assert_eq!(j.reasons, vec![VerdictReason::MockLocation, VerdictReason::HomeTokenMissing, VerdictReason::RadioUnlikeHome, VerdictReason::StaleFix]);
        assert_eq!(j.radio_similarity, Some(0.0));
        r.home_token_sha256 = Some("h".into());
        assert!(!judge(&r, &f).reasons.contains(&VerdictReason::HomeTokenMissing));
    }

    #[test]
    fn signatures_tell_the_order_key_from_another_key() {
        use base64::Engine;
        let (ours, _) = healthbook_core::trust::SigningKey::generate().unwrap();
        let (theirs, _) = healthbook_core::trust::SigningKey::generate().unwrap();
        let sig = |k: &healthbook_core::trust::SigningKey| base64::engine::general_purpose::STANDARD.encode(k.sign(b"m").unwrap());
        let current = ours.verifying_key().spki_base64();
        let others = vec![theirs.verifying_key().spki_base64()];
        assert_eq!(check_signature(b"m", &sig(&ours), Some(&current), &others), SignatureCheck::Good);
        assert_eq!(check_signature(b"m", &sig(&theirs), Some(&current), &others), SignatureCheck::WrongKey);
        assert_eq!(check_signature(b"x", &sig(&ours), Some(&current), &others), SignatureCheck::Bad);
        assert_eq!(check_signature(b"m", "not base64!", Some(&current), &others), SignatureCheck::Bad);
    }

    #[test]
    fn challenges_keep_out_of_the_night_and_follow_the_zone() {
        let hcm: Tz = "Asia/Ho_Chi_Minh".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2021, 9, 1).unwrap();
        let planned = challenges_for_day(hcm, day, &schedule(&[(8, 9), (19, 20)], 4, false), &key(), "o1");
        assert_eq!(planned.iter().filter(|c| c.kind == ChallengeKind::Scheduled).count(), 2);
        let first = planned.iter().find(|c| c.kind == ChallengeKind::Scheduled).unwrap();
        assert_eq!(first.opens_at, Utc.with_ymd_and_hms(2021, 9, 1, 1, 0, 0).unwrap(), "08:00 at UTC+7");
        assert!(planned.iter().all(|c| !q::is_night(hcm, c.opens_at) && !q::is_night(hcm, c.closes_at - Duration::minutes(1))));
        assert_eq!(planned, challenges_for_day(hcm, day, &schedule(&[(8, 9), (19, 20)], 4, false), &key(), "o1"), "stable");
        assert_ne!(planned, challenges_for_day(hcm, day, &schedule(&[(8, 9), (19, 20)], 4, false), &key(), "o2"));
        // Warsaw across the end of DST: 08:00 local is 06:00 UTC before, 07:00 UTC after.
        let warsaw: Tz = "Europe/Warsaw".parse().unwrap();
        let before = challenges_for_day(warsaw, NaiveDate::from_ymd_opt(2021, 10, 30).unwrap(), &schedule(&[(8, 9)], 0, false), &key(), "o");
        let after = challenges_for_day(warsaw, NaiveDate::from_ymd_opt(2021, 11, 1).unwrap(), &schedule(&[(8, 9)], 0, false), &key(), "o");
        assert_eq!(before[0].opens_at, Utc.with_ymd_and_hms(2021, 10, 30, 6, 0, 0).unwrap());
        assert_eq!(after[0].opens_at, Utc.with_ymd_and_hms(2021, 11, 1, 7, 0, 0).unwrap());
    }

    #[test]
    fn schedules_are_checked() {
        assert!(check_schedule(&schedule(&[(8, 9)], 0, false)).is_ok());
        assert!(check_schedule(&schedule(&[(5, 7)], 0, false)).is_err(), "at night");
        assert!(check_schedule(&schedule(&[(5, 7)], 0, true)).is_ok());
        assert!(check_schedule(&schedule(&[(9, 8)], 0, false)).is_err());
        assert!(check_schedule(&schedule(&[(8, 10), (9, 11)], 0, false)).is_err(), "overlap");
        assert!(check_schedule(&schedule(&[], 0, false)).is_err(), "nothing");
        assert!(check_schedule(&schedule(&[], 5, false)).is_err());
    }
}
