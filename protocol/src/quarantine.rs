//! Home quarantine (issue 10): wards where it is allowed, orders with a signed commitment, enrolment of the
//! home, check-ins answering server nonces with a signed, hash-chained record, the server's verdicts, cases
//! that the person answers before an officer decides, and the countdown both sides compute the same way.
//!
//! The rules that phone and server must apply identically live here as pure functions: the record's signed
//! bytes and hash ([`record_message`], [`record_hash`]), the geofence with the fix's accuracy
//! ([`fence_verdict`]), the radio similarity ([`radio_similarity`]) and the end of the order
//! ([`quarantine_end`]).
//!
//! Endpoints (health officers are area-scoped: an order, ward or case outside their area is 404):
//! - `PUT /v1/quarantine/wards/{ward_code}` (health officer): [`WardEligibilityRequest`] → [`WardEligibility`].
//! - `GET /v1/quarantine/wards` (health officer): [`WardEligibilityList`] in the officer's area.
//! - `GET /v1/quarantine/commitments/{version}` (any signed-in account): [`CommitmentText`].
//! - `POST /v1/quarantine/orders` (health officer): [`CreateOrderRequest`] → 201 [`OrderView`]; 422 when the
//!   person's ward does not allow home quarantine (`home_quarantine_not_allowed`).
//! - `GET /v1/quarantine/orders?state=` (health officer): [`OrderList`]; `GET /v1/quarantine/orders/{order_id}`
//!   (health officer; the device the person is bound on): [`OrderView`].
//! - `GET /v1/quarantine/mine` (device): [`OrderList`], the orders of the device's bound profiles.
//! - `POST /v1/quarantine/orders/{order_id}/home-token` (health officer): → [`HomeTokenView`], the sticker's QR.
//!   A new token replaces the old one.
//! - `POST /v1/quarantine/orders/{order_id}/commitment` (the person's device): [`SignCommitmentRequest`] →
//!   [`OrderView`]. Binds the device's order key to the order.
//! - `POST /v1/quarantine/orders/{order_id}/enrolment` (the person's device, after signing): [`EnrolRequest`] →
//!   [`OrderView`]: the home token scanned inside the home, the radio baseline, signed by the order key.
//! - `GET /v1/quarantine/orders/{order_id}/challenge` (the person's device): [`ChallengeStatus`]: the open
//!   challenge, if any (scheduled windows and random challenges; never at night unless the order allows).
//! - `POST /v1/quarantine/orders/{order_id}/check-ins` (the person's device): [`CheckInRecord`] →
//!   [`CheckInVerdict`]. Idempotent per sequence number: the same record again returns the same verdict.
//! - `GET /v1/quarantine/orders/{order_id}/check-ins` (health officer): [`CheckInList`] with verdicts.
//! - `GET /v1/quarantine/cases?state=` (health officer): [`CaseList`]; `GET /v1/quarantine/orders/{order_id}/cases`
//!   (the person's device; health officer): [`CaseList`].
//! - `POST /v1/quarantine/cases/{case_id}/explanation` (the person's device): [`ExplanationRequest`] →
//!   [`CaseView`].
//! - `POST /v1/quarantine/cases/{case_id}/decision` (health officer): [`DecisionRequest`] → [`CaseView`]; 409
//!   `case_awaiting_explanation` before the person has explained or the explanation window has closed.
//!
//! Due process: a missed or failed check-in opens a case; nothing is recorded against the person until an
//! officer decides, and only after the person could answer. Decisions follow the order's rules (a warning, an
//! extension within the allowed days, a referral); none is automatic.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Prefix of the home token's QR text (the sticker inside the home).
pub const HOME_TOKEN_PREFIX: &str = "HQ1:";
/// How long after an order ends its check-ins, evidence and cases are kept, in days.
pub const RECORD_RETENTION_DAYS: i64 = 30;
/// How long a person has to explain a case before an officer may decide without the explanation, in hours.
pub const EXPLANATION_WINDOW_HOURS: i64 = 48;
/// Most hashed radio identifiers in a baseline or an observation.
pub const MAX_RADIO_IDS: usize = 200;
/// Radio similarity under which a check-in needs review (share of the baseline seen again).
pub const RADIO_REVIEW_BELOW: f64 = 0.2;
/// Longest order, in days (extensions included).
pub const MAX_ORDER_DAYS: u32 = 60;
/// Accuracy (metres) above which a fix alone can't place the person, whatever the distance.
pub const MAX_USEFUL_ACCURACY_M: f64 = 500.0;
/// The night, in the order's local time, when no challenge is sent unless the order allows it.
pub const NIGHT_STARTS: (u32, u32) = (22, 0);
/// End of the night.
pub const NIGHT_ENDS: (u32, u32) = (6, 0);

/// What officers confirmed about a ward before allowing home quarantine there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EligibilityCriterion {
    /// The commune health station can follow up every person daily.
    HealthStationFollowUp,
    /// A community COVID team (tổ COVID cộng đồng) supervises the area.
    CommunityTeam,
    /// Hospital beds are available for those who worsen.
    HospitalCapacity,
    /// Vaccination coverage in the ward meets the province's threshold.
    VaccinationCoverage,
}

/// A health officer allows or stops home quarantine in a ward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WardEligibilityRequest {
    /// Whether new orders may be made in the ward.
    pub allowed: bool,
    /// The criteria met (at least one to allow).
    pub criteria: Vec<EligibilityCriterion>,
    /// A note, 0-500 characters.
    #[serde(default)]
    pub note: String,
}

/// A ward's eligibility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WardEligibility {
    /// Ward code (5 digits).
    pub ward_code: String,
    /// Allowed or not.
    pub allowed: bool,
    /// Criteria met.
    pub criteria: Vec<EligibilityCriterion>,
    /// Note.
    pub note: String,
    /// Officer who decided.
    pub decided_by: String,
    /// When.
    pub decided_at: DateTime<Utc>,
}

/// Wards with a decision in the officer's area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WardEligibilityList {
    /// By ward code.
    pub wards: Vec<WardEligibility>,
}

/// The commitment a person signs, as versioned data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommitmentText {
    /// Version (1, 2, ...).
    pub version: u32,
    /// Vietnamese text.
    pub vi: String,
    /// English text.
    pub en: String,
    /// Lowercase hex SHA-256 of the Vietnamese text's UTF-8 bytes (the text signed).
    pub sha256: String,
}

/// A circle around the home.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Geofence {
    /// Centre latitude, degrees.
    pub lat: f64,
    /// Centre longitude, degrees.
    pub lon: f64,
    /// Radius, metres (20-1,000).
    pub radius_m: f64,
}

/// A window of the day (order's local time) when a scheduled check-in is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DailyWindow {
    /// Opens (local).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "08:00:00"))]
    pub start: NaiveTime,
    /// Closes (local), after `start`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "09:00:00"))]
    pub end: NaiveTime,
}

/// When the person must check in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckInSchedule {
    /// Fixed daily windows (0-6).
    pub daily_windows: Vec<DailyWindow>,
    /// Random challenges a day (0-4), each open for `random_window_minutes`.
    pub random_per_day: u8,
    /// How long a random challenge stays open (5-120 minutes).
    pub random_window_minutes: u32,
    /// Whether challenges may come at night (22:00-06:00 local); false unless an officer has a reason.
    #[serde(default)]
    pub allow_night: bool,
    /// Whether each check-in must include a scan of the home token.
    #[serde(default)]
    pub home_token_each_time: bool,
}

/// What an officer may decide about a violation, and the limits of extensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExtensionRules {
    /// Days one extension decision adds (1-14).
    pub extension_days: u32,
    /// Most extension decisions over the order.
    pub max_extensions: u32,
}

/// A health officer orders home quarantine for a bound person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateOrderRequest {
    /// The person (persons area).
    pub person_id: String,
    /// Home address, 1-200 characters.
    pub home_address: String,
    /// The home's ward (must allow home quarantine, within the officer's area).
    pub ward_code: String,
    /// Geofence.
    pub geofence: Geofence,
    /// First day, in the order's time zone.
    pub start_date: NaiveDate,
    /// Days of quarantine (1-[`MAX_ORDER_DAYS`]); the order ends at the end of the last day, local time.
    pub days: u32,
    /// IANA time zone of the home (`Asia/Ho_Chi_Minh`).
    pub time_zone: String,
    /// Check-in schedule.
    pub schedule: CheckInSchedule,
    /// Minutes after a challenge closes during which an answer still counts (late, not missed).
    pub grace_minutes: u32,
    /// Extension rules.
    pub extension_rules: ExtensionRules,
    /// The commitment version the person must sign.
    pub commitment_version: u32,
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Made; the person has not signed the commitment yet.
    AwaitingCommitment,
    /// Signed; the home is not enrolled yet.
    AwaitingEnrolment,
    /// Running.
    Active,
    /// Past its end.
    Ended,
    /// Ended early by an officer (e.g. moved to a facility).
    Cancelled,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    /// Order id.
    pub order_id: String,
    /// The person.
    pub person_id: String,
    /// The device's profile (in the device's answers; empty for officers).
    #[serde(default)]
    pub profile_ref: String,
    /// Address.
    pub home_address: String,
    /// Ward.
    pub ward_code: String,
    /// Geofence.
    pub geofence: Geofence,
    /// First day.
    pub start_date: NaiveDate,
    /// Days ordered.
    pub days: u32,
    /// Days added by extension decisions.
    pub extension_days: u32,
    /// Time zone.
    pub time_zone: String,
    /// When it ends ([`quarantine_end`]).
    pub ends_at: DateTime<Utc>,
    /// Schedule.
    pub schedule: CheckInSchedule,
    /// Grace.
    pub grace_minutes: u32,
    /// Extension rules.
    pub extension_rules: ExtensionRules,
    /// The commitment version to sign.
    pub commitment_version: u32,
    /// When the person signed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment_signed_at: Option<DateTime<Utc>>,
    /// Kid of the order key (first 8 bytes of SHA-256 of its SPKI, base64), once signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_key_id: Option<String>,
    /// When the home was enrolled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolled_at: Option<DateTime<Utc>>,
    /// State.
    pub state: OrderState,
    /// The officer who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderList {
    /// Newest first.
    pub orders: Vec<OrderView>,
}

/// The sticker an officer places inside the home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HomeTokenView {
    /// The order.
    pub order_id: String,
    /// QR text: [`HOME_TOKEN_PREFIX`] and 32 random bytes, base64url without padding; the server keeps only its
    /// SHA-256.
    pub qr_text: String,
    /// When it was made.
    pub issued_at: DateTime<Utc>,
}

/// The person signs the commitment with a new order key made on the phone (its private half never leaves the
/// phone's keystore).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignCommitmentRequest {
    /// The version read.
    pub commitment_version: u32,
    /// Its `sha256`.
    pub commitment_sha256: String,
    /// The order key, P-256, base64 SPKI DER.
    pub device_public_key: String,
    /// When signed (phone clock; at most 10 minutes ahead of the server).
    pub signed_at: DateTime<Utc>,
    /// ES256 (raw r‖s, base64) over [`commitment_message`].
    pub signature: String,
}

/// The bytes the commitment signature covers.
pub fn commitment_message(order_id: &str, version: u32, sha256: &str, signed_at: DateTime<Utc>) -> Vec<u8> {
    format!("healthbook-quarantine-commitment-v1\n{order_id}\n{version}\n{sha256}\n{}", signed_at.timestamp()).into_bytes()
}

/// The home's radio environment as hashed identifiers (lowercase hex SHA-256 of the order id and the
/// identifier, so that the same access point gives unrelated values in two orders); never the names or MACs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RadioEnvironment {
    /// Wi-Fi access points seen (hashed BSSIDs), at most [`MAX_RADIO_IDS`].
    pub wifi: Vec<String>,
    /// Bluetooth devices seen (hashed addresses), at most [`MAX_RADIO_IDS`].
    pub bluetooth: Vec<String>,
}

/// The text whose SHA-256 (lowercase hex) is the hashed form of one radio identifier for `order_id` (see
/// [`RadioEnvironment`]); the identifier is upper-cased first, so `aa:bb:…` and `AA:BB:…` agree.
pub fn radio_id_input(order_id: &str, identifier: &str) -> String {
    format!("healthbook-radio-v1|{order_id}|{}", identifier.trim().to_uppercase())
}

/// Share of the baseline's identifiers seen again (Wi-Fi and Bluetooth together), 0.0-1.0; 0.0 for an empty
/// baseline. An asymmetric measure on purpose: neighbours' new devices must not lower it.
pub fn radio_similarity(baseline: &RadioEnvironment, seen: &RadioEnvironment) -> f64 {
    let base: std::collections::HashSet<&str> =
        baseline.wifi.iter().chain(baseline.bluetooth.iter()).map(String::as_str).collect();
    if base.is_empty() {
        return 0.0;
    }
    let now: std::collections::HashSet<&str> = seen.wifi.iter().chain(seen.bluetooth.iter()).map(String::as_str).collect();
    base.intersection(&now).count() as f64 / base.len() as f64
}

/// The phone enrols the home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The home token's QR text, as scanned.
    pub home_token: String,
    /// The radio baseline.
    pub baseline: RadioEnvironment,
    /// When (phone clock).
    pub enrolled_at: DateTime<Utc>,
    /// ES256 by the order key over [`enrolment_message`].
    pub signature: String,
}

/// The bytes the enrolment signature covers (the token itself, so a photo of someone else's sticker does not
/// enrol, and the baseline's identifiers in order).
pub fn enrolment_message(order_id: &str, request: &EnrolRequest) -> Vec<u8> {
    let mut text = format!(
        "healthbook-quarantine-enrolment-v1\n{order_id}\n{}\n{}",
        request.home_token,
        request.enrolled_at.timestamp()
    );
    for id in request.baseline.wifi.iter() {
        text.push_str("\nw:");
        text.push_str(id);
    }
    for id in request.baseline.bluetooth.iter() {
        text.push_str("\nb:");
        text.push_str(id);
    }
    text.into_bytes()
}

/// Why a challenge was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChallengeKind {
    /// A daily window.
    Scheduled,
    /// A random challenge.
    Random,
}

/// An open challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChallengeView {
    /// Challenge id.
    pub challenge_id: String,
    /// 32 random bytes, base64url without padding; good for this challenge only.
    pub nonce: String,
    /// Kind.
    pub kind: ChallengeKind,
    /// Opened.
    pub opens_at: DateTime<Utc>,
    /// Closes (an answer up to `closes_at` + grace is late, not missed).
    pub closes_at: DateTime<Utc>,
    /// Whether the home token must be scanned.
    pub home_token_required: bool,
}

/// The answer to "is there a challenge now?": the open one, and when the next scheduled one opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChallengeStatus {
    /// The open challenge, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<ChallengeView>,
    /// When the next scheduled window opens (random ones are not announced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_scheduled_at: Option<DateTime<Utc>>,
}

/// Where a location fix came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FixSource {
    /// Satellite.
    Gps,
    /// Cell and Wi-Fi positioning.
    Network,
    /// The platform's fused provider.
    Fused,
}

/// One location fix, taken at the check-in only.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LocationFix {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Horizontal accuracy (68%), metres.
    pub accuracy_m: f64,
    /// Source.
    pub source: FixSource,
    /// The platform's mock-location flag.
    pub mock: bool,
    /// When the fix was taken.
    pub taken_at: DateTime<Utc>,
}

/// One signed check-in record. Records form a hash chain per order: `previous_hash` is [`record_hash`] of the
/// record with `sequence - 1` (64 zeros for sequence 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckInRecord {
    /// The order.
    pub order_id: String,
    /// 1, 2, 3, ... with no gaps.
    pub sequence: u64,
    /// Hash of the previous record.
    pub previous_hash: String,
    /// The challenge answered.
    pub challenge_id: String,
    /// Its nonce.
    pub nonce: String,
    /// When the phone made the record.
    pub recorded_at: DateTime<Utc>,
    /// The fix.
    pub fix: LocationFix,
    /// SHA-256 (hex) of the home token scanned now, when scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_token_sha256: Option<String>,
    /// The radio environment now.
    pub radio: RadioEnvironment,
    /// The similarity the phone computed ([`radio_similarity`]); the server computes its own and reports both.
    pub radio_similarity: f64,
    /// ES256 (raw r‖s, base64) by the order key over [`record_message`].
    pub signature: String,
}

/// The bytes a record's signature covers: every field but the signature, in a fixed order and format (floats
/// with fixed decimals, times as Unix seconds), so that phone and server agree byte for byte.
pub fn record_message(record: &CheckInRecord) -> Vec<u8> {
    let fix = &record.fix;
    let source = match fix.source {
        FixSource::Gps => "gps",
        FixSource::Network => "network",
        FixSource::Fused => "fused",
    };
    let mut text = format!(
        "healthbook-quarantine-checkin-v1\n{}\n{}\n{}\n{}\n{}\n{}\n{:.7},{:.7},{:.1},{source},{},{}\n{}\n{:.4}",
        record.order_id,
        record.sequence,
        record.previous_hash,
        record.challenge_id,
        record.nonce,
        record.recorded_at.timestamp(),
        fix.lat,
        fix.lon,
        fix.accuracy_m,
        u8::from(fix.mock),
        fix.taken_at.timestamp(),
        record.home_token_sha256.as_deref().unwrap_or("-"),
        record.radio_similarity,
    );
    for id in &record.radio.wifi {
        text.push_str("\nw:");
        text.push_str(id);
    }
    for id in &record.radio.bluetooth {
        text.push_str("\nb:");
        text.push_str(id);
    }
    text.into_bytes()
}

/// The hash that the next record's `previous_hash` names: lowercase hex SHA-256 of [`record_message`] followed
/// by the signature's text, so that a re-signed record breaks the chain. `sha256` is the caller's (the protocol
/// crate has no cryptography).
pub fn record_hash_input(record: &CheckInRecord) -> Vec<u8> {
    let mut bytes = record_message(record);
    bytes.push(b'\n');
    bytes.extend_from_slice(record.signature.as_bytes());
    bytes
}

/// `previous_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where a fix stands against the fence, its accuracy taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FenceVerdict {
    /// The whole accuracy circle is inside the fence.
    Inside,
    /// The accuracy circle and the fence overlap: can't tell (needs review, never a violation).
    Uncertain,
    /// The whole accuracy circle is outside the fence.
    Outside,
}

/// Great-circle distance in metres (haversine, mean Earth radius).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// Places `fix` against `fence`: inside when distance + accuracy ≤ radius, outside when distance − accuracy >
/// radius, uncertain otherwise (and always when accuracy exceeds [`MAX_USEFUL_ACCURACY_M`] or is not a finite
/// positive number).
pub fn fence_verdict(fence: &Geofence, fix: &LocationFix) -> FenceVerdict {
    if !(fix.accuracy_m.is_finite() && fix.accuracy_m >= 0.0 && fix.accuracy_m <= MAX_USEFUL_ACCURACY_M) {
        return FenceVerdict::Uncertain;
    }
    let distance = distance_m(fence.lat, fence.lon, fix.lat, fix.lon);
    if !distance.is_finite() {
        return FenceVerdict::Uncertain;
    }
    if distance + fix.accuracy_m <= fence.radius_m {
        FenceVerdict::Inside
    } else if distance - fix.accuracy_m > fence.radius_m {
        FenceVerdict::Outside
    } else {
        FenceVerdict::Uncertain
    }
}

/// The server's verdict on a check-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuarantineVerdict {
    /// Every check passed.
    Ok,
    /// Something an officer should look at (never a violation by itself).
    NeedsReview,
    /// No valid answer to the challenge by the end of the grace period (or the record can't be trusted).
    Missed,
}

/// Why a check-in got its verdict; each detected problem has its own reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VerdictReason {
    /// The signature does not verify with the order's key.
    BadSignature,
    /// Signed with a key other than the order's (another device's).
    WrongDeviceKey,
    /// A sequence number already used (a replayed or duplicated record with different content).
    Replayed,
    /// The sequence skips a number (a record deleted from the chain).
    SequenceGap,
    /// `previous_hash` does not match the previous record (reordered or altered chain).
    ChainBroken,
    /// The nonce is not the challenge's, or the challenge is unknown.
    UnknownNonce,
    /// The nonce belongs to a challenge that closed (with its grace) before the answer arrived.
    StaleNonce,
    /// Answered after the challenge closed but within the grace period.
    Late,
    /// The fix is outside the fence.
    OutsideFence,
    /// The fix's accuracy circle straddles the fence's edge, or the accuracy is too poor to tell.
    UncertainLocation,
    /// The platform flagged the fix as mocked.
    MockLocation,
    /// The home token was required and not scanned, or the scan is not this home's token.
    HomeTokenMissing,
    /// The radio environment is unlike the home's baseline.
    RadioUnlikeHome,
    /// The fix was taken long before the record (over 10 minutes).
    StaleFix,
    /// No answer at all.
    NoAnswer,
}

/// The verdict on one check-in (or missed challenge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInVerdict {
    /// The challenge.
    pub challenge_id: String,
    /// The record's sequence, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    /// QuarantineVerdict.
    pub verdict: QuarantineVerdict,
    /// Reasons: empty for ok, except `late` for an answer within the grace period (ok, noted, never a case).
    pub reasons: Vec<VerdictReason>,
    /// The server's radio similarity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radio_similarity: Option<f64>,
    /// Fence verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fence: Option<FenceVerdict>,
    /// The case opened, for missed and needs-review verdicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// When the server decided.
    pub decided_at: DateTime<Utc>,
}

/// Verdicts of an order, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInList {
    /// Verdicts.
    pub check_ins: Vec<CheckInVerdict>,
}

/// What the person says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExplanationReason {
    /// The phone's battery died.
    BatteryDied,
    /// Asleep; didn't see the challenge.
    Asleep,
    /// A permitted hospital or clinic visit.
    HospitalVisit,
    /// No network or location signal at home.
    NoSignal,
    /// Something else (see the text).
    Other,
}

/// The person's explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExplanationRequest {
    /// Reason.
    pub reason: ExplanationReason,
    /// Words, 0-1,000 characters (required for `other`).
    #[serde(default)]
    pub text: String,
}

/// What an officer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    /// No violation (the explanation holds, or the evidence was a false alarm).
    Dismissed,
    /// A recorded warning.
    Warning,
    /// The order is extended by the rules' `extension_days` (within `max_extensions`).
    Extension,
    /// Referred to the ward's committee (a facility or an administrative process outside the app).
    Referral,
}

/// An officer's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// Outcome.
    pub outcome: DecisionOutcome,
    /// Reasoning, 1-1,000 characters (shown to the person).
    pub note: String,
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Waiting for the person's explanation (until `explain_by`).
    AwaitingExplanation,
    /// Explained, or the window closed: waiting for an officer.
    AwaitingDecision,
    /// Decided.
    Decided,
}

/// A case opened by a missed or doubtful check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseView {
    /// Case id.
    pub case_id: String,
    /// The order.
    pub order_id: String,
    /// The verdict that opened it, with its evidence.
    pub check_in: CheckInVerdict,
    /// State.
    pub state: CaseState,
    /// The person may explain until then.
    pub explain_by: DateTime<Utc>,
    /// The explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<ExplanationRequest>,
    /// When explained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explained_at: Option<DateTime<Utc>>,
    /// The decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionRequest>,
    /// The officer who decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    /// Opened.
    pub opened_at: DateTime<Utc>,
}

/// Cases, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseList {
    /// Cases.
    pub cases: Vec<CaseView>,
}

/// The instant an order ends: the end of its last day (`start_date` + `days` + `extension_days` − 1) in
/// `time_zone`, i.e. the next local midnight, in UTC. A local midnight that a daylight-saving change skips
/// moves to the first instant that exists; an ambiguous one takes the earlier. `None` for an unknown zone or a
/// date out of range. Phone and server both call this; neither assumes a fixed offset.
pub fn quarantine_end(start_date: NaiveDate, days: u32, extension_days: u32, time_zone: &str) -> Option<DateTime<Utc>> {
    let zone: chrono_tz::Tz = time_zone.parse().ok()?;
    let end_day = start_date.checked_add_days(Days::new(u64::from(days) + u64::from(extension_days)))?;
    local_start_of_day(zone, end_day)
}

/// The first instant of `day` in `zone`, in UTC.
pub fn local_start_of_day(zone: chrono_tz::Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    match zone.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(earlier, _) => Some(earlier.with_timezone(&Utc)),
        // Midnight skipped by a DST change (e.g. some zones jump 00:00 → 01:00): the first minute that exists.
        chrono::LocalResult::None => (1..=180).find_map(|minutes| {
            zone.from_local_datetime(&(midnight + chrono::Duration::minutes(minutes))).earliest().map(|t| t.with_timezone(&Utc))
        }),
    }
}

/// Whole days left from `now` to `ends_at`, counting a started day as one (what the person sees: "3 days
/// left"); 0 once ended.
pub fn days_left(now: DateTime<Utc>, ends_at: DateTime<Utc>) -> u32 {
    if now >= ends_at {
        return 0;
    }
    let seconds = (ends_at - now).num_seconds();
    u32::try_from((seconds + 86_399) / 86_400).unwrap_or(u32::MAX)
}

/// Whether `at` falls in the night of `zone` (from [`NIGHT_STARTS`] to [`NIGHT_ENDS`], local).
pub fn is_night(zone: chrono_tz::Tz, at: DateTime<Utc>) -> bool {
    use chrono::Timelike;
    let local = at.with_timezone(&zone);
    let minutes = local.hour() * 60 + local.minute();
    let (start, end) = (NIGHT_STARTS.0 * 60 + NIGHT_STARTS.1, NIGHT_ENDS.0 * 60 + NIGHT_ENDS.1);
    minutes >= start || minutes < end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enum_strings, round_trip};

    fn fence() -> Geofence {
        Geofence { lat: 10.7769, lon: 106.7009, radius_m: 100.0 }
    }

    fn fix_at(metres_north: f64, accuracy_m: f64) -> LocationFix {
        LocationFix {
            lat: 10.7769 + metres_north / 111_195.0,
            lon: 106.7009,
            accuracy_m,
            source: FixSource::Gps,
            mock: false,
            taken_at: Utc.with_ymd_and_hms(2021, 9, 1, 1, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_fence_takes_the_accuracy_into_account() {
        assert_eq!(fence_verdict(&fence(), &fix_at(10.0, 20.0)), FenceVerdict::Inside);
        assert_eq!(fence_verdict(&fence(), &fix_at(95.0, 50.0)), FenceVerdict::Uncertain, "at the edge, poor accuracy");
        assert_eq!(fence_verdict(&fence(), &fix_at(400.0, 50.0)), FenceVerdict::Outside);
        assert_eq!(fence_verdict(&fence(), &fix_at(3_000.0, 600.0)), FenceVerdict::Uncertain, "too poor to tell");
        assert_eq!(fence_verdict(&fence(), &fix_at(0.0, f64::NAN)), FenceVerdict::Uncertain);
        let d = distance_m(10.7769, 106.7009, 10.7769 + 1_000.0 / 111_195.0, 106.7009);
        assert!((d - 1_000.0).abs() < 1.0, "{d}");
    }

    #[test]
    fn radio_similarity_is_the_share_of_the_baseline_seen_again() {
        let base = RadioEnvironment { wifi: vec!["a".into(), "b".into(), "c".into()], bluetooth: vec!["d".into()] };
        let seen = RadioEnvironment { wifi: vec!["a".into(), "x".into(), "y".into()], bluetooth: vec!["d".into()] };
        assert_eq!(radio_similarity(&base, &seen), 0.5);
        assert_eq!(radio_similarity(&RadioEnvironment::default(), &seen), 0.0);
        assert_eq!(radio_similarity(&base, &base), 1.0);
    }

    #[test]
    fn the_end_is_the_local_midnight_after_the_last_day_in_any_zone() {
        let start = NaiveDate::from_ymd_opt(2021, 9, 1).unwrap();
        // Vietnam: UTC+7, no DST. 14 days from 1 September end at 15 September 00:00 local = 14 September 17:00 UTC.
        assert_eq!(quarantine_end(start, 14, 0, "Asia/Ho_Chi_Minh"), Utc.with_ymd_and_hms(2021, 9, 14, 17, 0, 0).single());
        assert_eq!(quarantine_end(start, 14, 7, "Asia/Ho_Chi_Minh"), Utc.with_ymd_and_hms(2021, 9, 21, 17, 0, 0).single());
        // Across the end of DST in Warsaw (31 October 2021): midnight of 2 November is UTC+1.
        let warsaw = quarantine_end(NaiveDate::from_ymd_opt(2021, 10, 25).unwrap(), 8, 0, "Europe/Warsaw");
        assert_eq!(warsaw, Utc.with_ymd_and_hms(2021, 11, 1, 23, 0, 0).single());
        // A zone whose DST starts at midnight (Santiago, 5 September 2021: 00:00 → 01:00): the first instant that exists.
        let santiago = quarantine_end(NaiveDate::from_ymd_opt(2021, 9, 1).unwrap(), 4, 0, "America/Santiago");
        assert_eq!(santiago, Utc.with_ymd_and_hms(2021, 9, 5, 4, 0, 0).single());
        assert_eq!(quarantine_end(start, 14, 0, "Mars/Olympus"), None);
    }

    #[test]
    fn days_left_counts_a_started_day() {
        let end = Utc.with_ymd_and_hms(2021, 9, 14, 17, 0, 0).unwrap();
        assert_eq!(days_left(end - chrono::Duration::hours(1), end), 1);
        assert_eq!(days_left(end - chrono::Duration::days(3), end), 3);
        assert_eq!(days_left(end - chrono::Duration::days(3) - chrono::Duration::seconds(1), end), 4);
        assert_eq!(days_left(end, end), 0);
    }

    #[test]
    fn night_is_local() {
        let zone: chrono_tz::Tz = "Asia/Ho_Chi_Minh".parse().unwrap();
        assert!(is_night(zone, Utc.with_ymd_and_hms(2021, 9, 1, 16, 0, 0).unwrap()), "23:00 local");
        assert!(!is_night(zone, Utc.with_ymd_and_hms(2021, 9, 1, 1, 0, 0).unwrap()), "08:00 local");
        assert!(is_night(zone, Utc.with_ymd_and_hms(2021, 9, 1, 22, 59, 0).unwrap()), "05:59 local");
    }

    #[test]
    fn the_signed_bytes_cover_every_field_but_the_signature() {
        let record = CheckInRecord {
            order_id: "o1".into(),
            sequence: 2,
            previous_hash: GENESIS_HASH.into(),
            challenge_id: "c1".into(),
            nonce: "n".into(),
            recorded_at: Utc.with_ymd_and_hms(2021, 9, 1, 1, 0, 0).unwrap(),
            fix: fix_at(0.0, 10.0),
            home_token_sha256: None,
            radio: RadioEnvironment { wifi: vec!["w1".into()], bluetooth: vec![] },
            radio_similarity: 0.5,
            signature: "sig".into(),
        };
        let base = record_message(&record);
        let changed = |f: &dyn Fn(&mut CheckInRecord)| {
            let mut other = record.clone();
            f(&mut other);
            record_message(&other)
        };
        assert_ne!(changed(&|r| r.sequence = 3), base);
        assert_ne!(changed(&|r| r.nonce = "m".into()), base);
        assert_ne!(changed(&|r| r.fix.lat += 0.0001), base);
        assert_ne!(changed(&|r| r.fix.mock = true), base);
        assert_ne!(changed(&|r| r.radio.wifi.push("w2".into())), base);
        assert_ne!(changed(&|r| r.home_token_sha256 = Some("h".into())), base);
        assert_eq!(changed(&|r| r.signature = "other".into()), base, "the signature is not signed");
        assert_ne!(record_hash_input(&record), changed(&|r| r.signature = "other".into()));
    }

    #[test]
    fn enums_keep_their_names() {
        enum_strings(
            &[(QuarantineVerdict::Ok, "ok"), (QuarantineVerdict::NeedsReview, "needs_review"), (QuarantineVerdict::Missed, "missed")],
            "failed",
        );
        enum_strings(
            &[
                (DecisionOutcome::Dismissed, "dismissed"),
                (DecisionOutcome::Warning, "warning"),
                (DecisionOutcome::Extension, "extension"),
                (DecisionOutcome::Referral, "referral"),
            ],
            "fine",
        );
        round_trip(
            &ExplanationRequest { reason: ExplanationReason::BatteryDied, text: String::new() },
            serde_json::json!({"reason": "battery_died", "text": ""}),
        );
    }
}
