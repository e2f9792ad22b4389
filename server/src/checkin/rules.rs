//! The rules of check-in that need no database: what a venue and a passage must look like, the published form
//! of a venue id, the paging cursor, and the wire names stored in the tables.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use healthbook_protocol::checkin::venue_hash_input;
use healthbook_protocol::{CreateVenueRequest, Passage};
use serde::Serialize;
use serde::de::DeserializeOwned;
use unicode_normalization::UnicodeNormalization;

use crate::error::ApiError;

/// Most passages one batch may carry.
pub const MAX_BATCH: usize = 1_000;
/// How far ahead of the server's clock a scan may be dated (device clocks drift).
pub const MAX_FUTURE_SKEW_MINUTES: i64 = 10;
/// Longest credential id a passage may carry: SHA-256 hex of an EU DCC's UVCI.
pub const MAX_CREDENTIAL_ID_LEN: usize = 64;
/// Longest risky window.
pub const MAX_RISKY_WINDOW_DAYS: i64 = 14;
/// How long after its end a risky window is published (and kept).
pub const RISKY_PUBLISHED_DAYS: i64 = 21;
/// Longest period of the compliance view, in days (`to` inclusive).
pub const MAX_COMPLIANCE_DAYS: i64 = 92;
/// Page size of the officer's query when none is asked for.
pub const DEFAULT_PAGE: u32 = 500;
/// Largest page of the officer's query.
pub const MAX_PAGE: u32 = 1_000;
/// Shortest and longest usual stay at a venue, in minutes.
pub const STAY_MINUTES: std::ops::RangeInclusive<u32> = 5..=720;

fn invalid(field: &'static str, field_code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::InvalidField { field, field_code, message: message.into() }
}

/// NFC, trimmed, 1 to `max` characters without control characters.
fn text_field(field: &'static str, value: &str, max: usize) -> Result<String, ApiError> {
    let text: String = value.trim().nfc().collect();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(invalid(field, "length", format!("{field} must be 1 to {max} printable characters")));
    }
    Ok(text)
}

/// A venue request with its texts normalised, or the first field that is wrong.
pub fn validated_venue(mut request: CreateVenueRequest) -> Result<CreateVenueRequest, ApiError> {
    request.name = text_field("name", &request.name, 200)?;
    request.address = text_field("address", &request.address, 300)?;
    if !healthbook_core::admin_units::is_known_province(&request.province_code) {
        return Err(invalid("province_code", "not_a_province", "province_code must be a known two-digit province code"));
    }
    if !healthbook_core::admin_units::is_ward_code(&request.ward_code) {
        return Err(invalid("ward_code", "not_a_ward", "ward_code must be a five-digit ward code"));
    }
    if !STAY_MINUTES.contains(&request.default_stay_minutes) {
        return Err(invalid("default_stay_minutes", "out_of_range", "default_stay_minutes must be 5 to 720"));
    }
    Ok(request)
}

/// Whether `id` is a UUID in its canonical form (lowercase, hyphenated), so that one scan has one spelling.
pub fn is_canonical_uuid(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok_and(|parsed| parsed.hyphenated().to_string() == id)
}

/// Whether `id` is a credential id as gates record it: 1 to 64 lowercase hex digits.
pub fn is_credential_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_CREDENTIAL_ID_LEN && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks a batch against the server's clock `now`: its size, then each passage; the error names the first
/// passage that is wrong by its position, never by what it holds. An old scan is not an error: the handler
/// acknowledges what is past the retention period without storing it, so an offline device's queue still drains.
pub fn check_batch(passages: &[Passage], now: DateTime<Utc>) -> Result<(), ApiError> {
    if passages.is_empty() || passages.len() > MAX_BATCH {
        return Err(invalid("passages", "count", format!("a batch has 1 to {MAX_BATCH} passages")));
    }
    let latest = now + Duration::minutes(MAX_FUTURE_SKEW_MINUTES);
    for (index, passage) in passages.iter().enumerate() {
        if !is_canonical_uuid(&passage.id) {
            return Err(invalid("passages.id", "not_a_uuid", format!("passage {index}: id must be a lowercase UUID")));
        }
        if passage.credential_id.as_deref().is_some_and(|id| !is_credential_id(id)) {
            return Err(invalid(
                "passages.credential_id",
                "not_a_credential_id",
                format!("passage {index}: credential_id must be 1 to {MAX_CREDENTIAL_ID_LEN} lowercase hex digits"),
            ));
        }
        if passage.scanned_at > latest {
            return Err(invalid("passages.scanned_at", "in_future", format!("passage {index}: scanned_at is in the future")));
        }
    }
    Ok(())
}

/// The published form of a venue id: lowercase hex SHA-256 of [`venue_hash_input`].
pub fn venue_hash(venue_id: &str) -> String {
    crate::util::sha256_hex(venue_hash_input(venue_id).as_bytes())
}

/// A position in the officer's query: after the passage scanned at `scanned_at_ms` with id `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The last passage's scan time, Unix milliseconds.
    pub scanned_at_ms: i64,
    /// The last passage's id.
    pub id: String,
}

impl Cursor {
    /// The text handed out as `next`: `{ms}_{id}`.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.scanned_at_ms, self.id)
    }

    /// Parses a cursor a client sent back; anything but `{ms}_{uuid}` is refused.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let bad = || invalid("after", "bad_cursor", "after must be the next cursor of a previous page");
        let (ms, id) = text.split_once('_').ok_or_else(bad)?;
        if ms.is_empty() || ms.len() > 16 || !ms.bytes().all(|b| b.is_ascii_digit()) || !is_canonical_uuid(id) {
            return Err(bad());
        }
        Ok(Self { scanned_at_ms: ms.parse().map_err(|_| bad())?, id: id.to_owned() })
    }
}

/// A query's page size: the default when absent, refused outside 1 to [`MAX_PAGE`].
pub fn page_size(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(invalid("limit", "out_of_range", format!("limit must be 1 to {MAX_PAGE}"))),
    }
}

/// Checks a compliance period: in order, at most [`MAX_COMPLIANCE_DAYS`] days.
pub fn check_period(from: NaiveDate, to: NaiveDate) -> Result<(), ApiError> {
    if to < from || (to - from).num_days() >= MAX_COMPLIANCE_DAYS {
        return Err(ApiError::InvalidRequest(format!("from..to must be 1 to {MAX_COMPLIANCE_DAYS} days, in order")));
    }
    Ok(())
}

/// The UTC day of `at`, as stored in `scanned_day`.
pub fn day_of(at: DateTime<Utc>) -> String {
    at.date_naive().format("%Y-%m-%d").to_string()
}

/// The wire name of one of the contract's enums, as the tables store it.
pub fn wire_name<T: Serialize>(value: &T) -> Result<String, ApiError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        _ => Err(ApiError::Internal("an enum without a wire name".into())),
    }
}

/// One of the contract's enums back from its stored wire name.
pub fn from_wire_name<T: DeserializeOwned>(name: String) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(name)).map_err(|_| ApiError::Internal("an unknown stored enum value".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use healthbook_protocol::{Direction, GateVerdict, PassageReason, ScannedCard, VenueKind};
    use rand::{Rng, SeedableRng};

    fn venue() -> CreateVenueRequest {
        CreateVenueRequest {
            name: "  Cho\u{0302}\u{0323} Bến Thành ".into(),
            kind: VenueKind::Market,
            address: "Lê Lợi".into(),
            province_code: "79".into(),
            ward_code: "26740".into(),
            default_stay_minutes: 60,
        }
    }

    fn passage(id: &str, at: DateTime<Utc>) -> Passage {
        Passage {
            id: id.into(),
            direction: Direction::In,
            scanned_at: at,
            verdict: GateVerdict::Admit,
            reason: PassageReason::Valid,
            card: Some(ScannedCard::PersonalPass),
            credential_id: Some("80aa11bb22cc33dd".into()),
        }
    }

    #[test]
    fn venues_are_normalised_and_each_field_is_checked() {
        let ok = validated_venue(venue()).unwrap();
        assert_eq!(ok.name, "Chộ Bến Thành");
        let field = |request: CreateVenueRequest| match validated_venue(request) {
            Err(ApiError::InvalidField { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        };
        assert_eq!(field(CreateVenueRequest { name: " ".into(), ..venue() }), "name");
        assert_eq!(field(CreateVenueRequest { name: "x".repeat(201), ..venue() }), "name");
        assert_eq!(field(CreateVenueRequest { address: "a\u{7}".into(), ..venue() }), "address");
        assert_eq!(field(CreateVenueRequest { address: "a".repeat(301), ..venue() }), "address");
        assert_eq!(field(CreateVenueRequest { province_code: "7".into(), ..venue() }), "province_code");
        assert_eq!(field(CreateVenueRequest { province_code: "00".into(), ..venue() }), "province_code");
        assert_eq!(field(CreateVenueRequest { ward_code: "2674".into(), ..venue() }), "ward_code");
        assert_eq!(field(CreateVenueRequest { default_stay_minutes: 4, ..venue() }), "default_stay_minutes");
        assert_eq!(field(CreateVenueRequest { default_stay_minutes: 721, ..venue() }), "default_stay_minutes");
        assert!(validated_venue(CreateVenueRequest { default_stay_minutes: 720, name: "x".repeat(200), ..venue() }).is_ok());
    }

    #[test]
    fn batches_are_checked_against_the_server_clock() {
        let now = Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap();
        let id = uuid::Uuid::new_v4().to_string();
        assert!(check_batch(&[passage(&id, now)], now).is_ok());
        assert!(check_batch(&[], now).is_err());
        assert!(check_batch(&vec![passage(&id, now); MAX_BATCH + 1], now).is_err());
        assert!(check_batch(&vec![passage(&id, now); MAX_BATCH], now).is_ok());
        assert!(check_batch(&[passage(&id.to_uppercase(), now)], now).is_err());
        assert!(check_batch(&[passage("p1", now)], now).is_err());
        assert!(check_batch(&[passage(&id, now + Duration::minutes(10))], now).is_ok());
        assert!(check_batch(&[passage(&id, now + Duration::minutes(11))], now).is_err());
        // An old scan is the handler's to acknowledge without storing, not a reason to refuse the batch.
        assert!(check_batch(&[passage(&id, now - Duration::days(400))], now).is_ok());
        let with = |credential: &str| Passage { credential_id: Some(credential.into()), ..passage(&id, now) };
        assert!(check_batch(&[with(&"a".repeat(64))], now).is_ok());
        assert!(check_batch(&[with(&"a".repeat(65))], now).is_err());
        assert!(check_batch(&[with("ABCD")], now).is_err());
        assert!(check_batch(&[with("")], now).is_err());
        assert!(check_batch(&[with("Nguyễn Văn A")], now).is_err());
        assert!(check_batch(&[Passage { credential_id: None, card: None, ..passage(&id, now) }], now).is_ok());
    }

    #[test]
    fn the_venue_hash_is_sha256_of_the_contract_input() {
        let hash = venue_hash("v1");
        assert_eq!(hash, crate::util::sha256_hex(b"healthbook-venue-v1:v1"));
        assert_eq!(hash.len(), 64);
        assert!(hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
        assert_ne!(venue_hash("v2"), hash);
    }

    #[test]
    fn cursors_round_trip_and_anything_else_is_refused() {
        let cursor = Cursor { scanned_at_ms: 1_630_483_200_000, id: uuid::Uuid::new_v4().to_string() };
        assert_eq!(Cursor::parse(&cursor.encode()).unwrap(), cursor);
        for bad in ["", "_", "123", "abc_", "-1_x", &format!("1_{}", cursor.id.to_uppercase()), &format!("99999999999999999_{}", cursor.id)] {
            assert!(Cursor::parse(bad).is_err(), "{bad:?}");
        }
    }

    /// The cursor is the one parser here of text a client makes up: random and mutated inputs never panic, and
    /// whatever parses encodes back to itself.
    #[test]
    fn cursor_parser_never_panics_on_random_or_mutated_input() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(16);
        let valid = Cursor { scanned_at_ms: 1_630_483_200_000, id: uuid::Uuid::new_v4().to_string() }.encode();
        let alphabet: Vec<char> = "0123456789abcdef-_xZ é\u{0}".chars().collect();
        let mut accepted = 0;
        for round in 0..20_000 {
            let text: String = if round % 2 == 0 {
                (0..rng.gen_range(0..60)).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect()
            } else {
                let mut chars: Vec<char> = valid.chars().collect();
                for _ in 0..rng.gen_range(1..4) {
                    let at = rng.gen_range(0..chars.len());
                    match rng.gen_range(0..3) {
                        0 => chars[at] = alphabet[rng.gen_range(0..alphabet.len())],
                        1 => {
                            chars.remove(at);
                        }
                        _ => chars.insert(at, alphabet[rng.gen_range(0..alphabet.len())]),
                    }
                    if chars.is_empty() {
                        break;
                    }
                }
                chars.into_iter().collect()
            };
            if let Ok(cursor) = Cursor::parse(&text) {
                accepted += 1;
                assert_eq!(Cursor::parse(&cursor.encode()).unwrap(), cursor);
            }
        }
        assert!(accepted < 20_000, "the parser refuses something");
    }

    /// Mutates `valid` a few bytes at a time (replace, delete, insert, truncate), or makes random bytes.
    fn mutated(rng: &mut rand::rngs::StdRng, valid: &[u8], round: usize) -> Vec<u8> {
        const BYTES: &[u8] = b"{}[]\":,0123456789abcdef-_ .eE+TZ\\nulltruefalse\xc3\xa9\xff\x00";
        if round.is_multiple_of(5) {
            return (0..rng.gen_range(0..200)).map(|_| BYTES[rng.gen_range(0..BYTES.len())]).collect();
        }
        let mut bytes = valid.to_vec();
        for _ in 0..rng.gen_range(1..6) {
            if bytes.is_empty() {
                break;
            }
            let at = rng.gen_range(0..bytes.len());
            match rng.gen_range(0..4) {
                0 => bytes[at] = BYTES[rng.gen_range(0..BYTES.len())],
                1 => {
                    bytes.remove(at);
                }
                2 => bytes.insert(at, BYTES[rng.gen_range(0..BYTES.len())]),
                _ => bytes.truncate(at),
            }
        }
        bytes
    }

    /// Passage batches and venue requests come from devices and agencies: random and mutated bodies go through
    /// the same parsing and checks as a request, and never panic.
    #[test]
    fn batch_and_venue_checks_never_panic_on_random_or_mutated_bodies() {
        let now = Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1616);
        let batch = serde_json::to_vec(&healthbook_protocol::PassageBatch {
            passages: vec![passage(&uuid::Uuid::new_v4().to_string(), now), passage(&uuid::Uuid::new_v4().to_string(), now)],
        })
        .unwrap();
        let venue_json = serde_json::to_vec(&venue()).unwrap();
        let (mut batches_parsed, mut venues_parsed) = (0, 0);
        for round in 0..20_000 {
            if let Ok(parsed) = crate::extract::parse_json::<healthbook_protocol::PassageBatch>(&mutated(&mut rng, &batch, round)) {
                batches_parsed += 1;
                let _ = check_batch(&parsed.passages, now);
            }
            if let Ok(parsed) = crate::extract::parse_json::<CreateVenueRequest>(&mutated(&mut rng, &venue_json, round)) {
                venues_parsed += 1;
                let _ = validated_venue(parsed);
            }
        }
        assert!(batches_parsed > 0 && venues_parsed > 0, "some mutations still parse and reach the checks");
    }

    #[test]
    fn page_sizes_and_periods_have_bounds() {
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE);
        assert_eq!(page_size(Some(1)).unwrap(), 1);
        assert!(page_size(Some(0)).is_err() && page_size(Some(MAX_PAGE + 1)).is_err());
        let day = |d: u32| NaiveDate::from_ymd_opt(2021, 9, d).unwrap();
        assert!(check_period(day(1), day(1)).is_ok());
        assert!(check_period(day(2), day(1)).is_err());
        assert!(check_period(day(1), day(1) + Duration::days(91)).is_ok());
        assert!(check_period(day(1), day(1) + Duration::days(92)).is_err());
    }

    #[test]
    fn enums_are_stored_by_their_wire_names() {
        assert_eq!(wire_name(&ScannedCard::PersonalPass).unwrap(), "personal_pass");
        assert_eq!(wire_name(&PassageReason::NotYetValid).unwrap(), "not_yet_valid");
        assert_eq!(from_wire_name::<Direction>("out".into()).unwrap(), Direction::Out);
        assert!(from_wire_name::<Direction>("sideways".into()).is_err());
        assert_eq!(day_of(Utc.with_ymd_and_hms(2021, 9, 1, 23, 59, 59).unwrap()), "2021-09-01");
    }
}
