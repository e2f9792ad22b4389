//! Check-in both ways: venues with signed posters (`HP1:`) that citizens scan into a diary kept only on their
//! phone, and gates whose operators scan citizens' cards (the reverse model) and upload the passages in batches.
//! Risky venues are published as hashed venue ids with time windows, so the list says nothing about who was where;
//! phones match them against their diary locally. EU DCC document-signer certificates from a national backend
//! are imported by the authority and republished to phones signed by our root.
//!
//! Endpoints:
//! - `POST /v1/agencies/{agency_id}/venues` (authority admin, that agency's admin): [`CreateVenueRequest`] →
//!   201 [`VenueView`].
//! - `GET /v1/agencies/{agency_id}/venues` (authority admin, that agency's admin and gate operators):
//!   [`VenueList`].
//! - `GET /v1/venues/{venue_id}` (as above, and health officers whose area covers the venue's ward):
//!   [`VenueView`].
//! - `GET /v1/venues/{venue_id}/poster` (authority admin, that agency's admin): [`PosterView`], the signed `HP1:`
//!   text (signed by the server's `venue-posters` key; an agency key of the trust list may sign its own posters
//!   too, and verifiers accept both, each within its scope).
//! - `POST /v1/venues/{venue_id}/gates` (authority admin, that agency's admin): `CreateGateRequest` →
//!   201 `GateView` (the agencies module's types; the gate records its venue).
//! - `GET /v1/gates/{gate_id}` (authority admin, the gate agency's admin and gate operators): `GateView`: what a
//!   gate device checks before it binds itself to the gate.
//! - `POST /v1/gates/{gate_id}/passages` (the gate agency's gate operators and admin): [`PassageBatch`] →
//!   [`PassageBatchReport`]. Idempotent per passage id: a batch sent again, or re-cut after a crash mid-sync,
//!   stores nothing twice.
//! - `POST /v1/risky-venues` (health officer whose area covers the venue): [`MarkRiskyRequest`] →
//!   201 [`RiskyWindow`].
//! - `GET /v1/risky-venues` (any signed-in device or staff): [`RiskyVenueList`], the windows that end within the
//!   last 21 days.
//! - `GET /v1/venues/{venue_id}/passages` (health officer whose area covers the venue; every read is in the
//!   access log): [`PassageQuery`] → [`PassagePage`].
//! - `GET /v1/checkin/compliance` (health officer: venues in their area; agency admin: their agency's venues):
//!   [`ComplianceQuery`] → [`ComplianceReport`].
//! - `POST /v1/dcc-signers` (authority admin): the document-signer list exactly as the national backend
//!   publishes it (`text/plain`: a signature line, then the JSON), checked against the pinned publisher key the
//!   server is configured with → [`DccSignerImportReport`]; 422 when the signature fails or the list is older
//!   than the one stored.
//! - `GET /v1/dcc-signers` (anyone): `application/jose`, a JWS signed by the root key whose payload is a
//!   [`DccSignerList`]; phones fetch it with the trust list.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What kind of place a venue is (the province asked markets, shops, banks, supermarkets and road
/// checkpoints to scan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VenueKind {
    /// A market.
    Market,
    /// A shop.
    Shop,
    /// A supermarket or shopping centre.
    Supermarket,
    /// A bank.
    Bank,
    /// A public office.
    Office,
    /// A factory or industrial zone.
    Factory,
    /// A school.
    School,
    /// A hospital or clinic.
    Hospital,
    /// A restaurant or café.
    Restaurant,
    /// A checkpoint on a road.
    RoadCheckpoint,
    /// A bus or train station, airport, port.
    TransportHub,
    /// Anything else.
    Other,
}

impl VenueKind {
    /// Every kind.
    pub const ALL: [Self; 12] = [
        Self::Market,
        Self::Shop,
        Self::Supermarket,
        Self::Bank,
        Self::Office,
        Self::Factory,
        Self::School,
        Self::Hospital,
        Self::Restaurant,
        Self::RoadCheckpoint,
        Self::TransportHub,
        Self::Other,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Market => "market",
            Self::Shop => "shop",
            Self::Supermarket => "supermarket",
            Self::Bank => "bank",
            Self::Office => "office",
            Self::Factory => "factory",
            Self::School => "school",
            Self::Hospital => "hospital",
            Self::Restaurant => "restaurant",
            Self::RoadCheckpoint => "road_checkpoint",
            Self::TransportHub => "transport_hub",
            Self::Other => "other",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// A venue to register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateVenueRequest {
    /// Display name, 1-200 characters (NFC).
    pub name: String,
    /// What kind of place it is.
    pub kind: VenueKind,
    /// Street address, 1-300 characters.
    pub address: String,
    /// Two-digit province code.
    pub province_code: String,
    /// Five-digit ward code (area scopes are checked against it).
    pub ward_code: String,
    /// How long a visit usually lasts, in minutes (5-720): the phone checks a visitor out after it.
    pub default_stay_minutes: u32,
}

/// A venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VenueView {
    /// Venue id (UUID).
    pub id: String,
    /// The agency that runs it.
    pub agency_id: String,
    /// Display name.
    pub name: String,
    /// What kind of place it is.
    pub kind: VenueKind,
    /// Street address.
    pub address: String,
    /// Two-digit province code.
    pub province_code: String,
    /// Five-digit ward code.
    pub ward_code: String,
    /// Usual length of a visit, in minutes.
    pub default_stay_minutes: u32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An agency's venues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VenueList {
    /// The venues, by name.
    pub venues: Vec<VenueView>,
}

/// A venue's signed poster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PosterView {
    /// The venue.
    pub venue_id: String,
    /// The QR text (`HP1:...`), to print.
    pub qr_text: String,
    /// Until when the poster's signature is valid (posters are long-lived; a new one can be fetched at any time).
    pub expires_at: DateTime<Utc>,
}

/// Which way a person passed a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Entering.
    In,
    /// Leaving.
    Out,
}

/// What the gate operator was told to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GateVerdict {
    /// Let the person pass.
    Admit,
    /// The card is genuine but needs a look (a yellow pass, or a name to compare with an id card).
    Check,
    /// Do not let the person pass on this card.
    Refuse,
}

/// Why the verdict is what it is, as a code each screen turns into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PassageReason {
    /// A genuine card with nothing against it.
    Valid,
    /// A genuine pass with a yellow status.
    StatusYellow,
    /// A genuine pass with a red status.
    StatusRed,
    /// Not one of our cards or an EU DCC, or damaged (prefix, Base45, compression, CBOR, COSE).
    Unreadable,
    /// Signed by a key the trust list does not name.
    UnknownIssuer,
    /// The signature does not verify: the card was altered or forged.
    Forged,
    /// The card or its issuer's key was revoked.
    Revoked,
    /// The card has expired.
    Expired,
    /// The card is not valid yet.
    NotYetValid,
    /// The issuer may not sign this kind of card, or not for the agency or province it names.
    OutOfScope,
    /// A genuine credential that is not a card for gates (a venue poster).
    WrongKind,
}

/// What kind of card was scanned, as its QR prefix tells (the core's credential container uses this type too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScannedCard {
    /// A personal pass (`HB1:`).
    PersonalPass,
    /// A staff card (`HS1:`).
    StaffCard,
    /// A printed control card (`HK1:`).
    ControlCard,
    /// An EU DCC (`HC1:`): vaccination, test or recovery; Vietnam issues these.
    EuDcc,
    /// A venue poster (`HP1:`), refused at gates.
    VenuePoster,
}

impl ScannedCard {
    /// Every kind, in prefix-lookup order.
    pub const ALL: [Self; 5] = [Self::EuDcc, Self::PersonalPass, Self::StaffCard, Self::ControlCard, Self::VenuePoster];

    /// The QR prefix, including the colon; all characters are in QR alphanumeric mode.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::EuDcc => "HC1:",
            Self::PersonalPass => "HB1:",
            Self::StaffCard => "HS1:",
            Self::ControlCard => "HK1:",
            Self::VenuePoster => "HP1:",
        }
    }
}

/// One passage recorded at a gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Passage {
    /// Made by the gate device when it records the scan (UUID v4); the server stores each id once.
    pub id: String,
    /// In or out.
    pub direction: Direction,
    /// When the card was scanned (device clock, UTC).
    pub scanned_at: DateTime<Utc>,
    /// What the operator was told.
    pub verdict: GateVerdict,
    /// Why.
    pub reason: PassageReason,
    /// What kind of card it was, when it could be read that far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<ScannedCard>,
    /// The card's identifier, never more personal data than that: the `cti` in lowercase hex for our own cards;
    /// for an EU DCC, SHA-256 hex of its certificate identifier (UVCI). At most 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
}

/// Passages from one gate device (1 to 1,000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PassageBatch {
    /// The passages, in any order.
    pub passages: Vec<Passage>,
}

/// What became of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassageBatchReport {
    /// Passages stored now.
    pub stored: u32,
    /// Passages whose id was stored before (a resend); not stored again.
    pub already_stored: u32,
    /// Passages scanned longer ago than the server keeps passages (a gate device that was offline for weeks):
    /// acknowledged so that the device's queue drains, and not stored.
    #[serde(default)]
    pub expired: u32,
}

/// What a health officer should do about exposure at a venue, which the phone turns into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExposureAdvice {
    /// Watch for symptoms for 14 days; get tested if any appear.
    MonitorSymptoms,
    /// Get tested at a sampling site.
    GetTested,
    /// Stay at home and call the health station.
    SelfIsolate,
}

/// A health officer marks a venue risky for a time window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MarkRiskyRequest {
    /// The venue.
    pub venue_id: String,
    /// Start of the window.
    pub from: DateTime<Utc>,
    /// End of the window (after `from`, at most 14 days later).
    pub to: DateTime<Utc>,
    /// What people who were there should do.
    pub advice: ExposureAdvice,
}

/// One risky window as published: the venue only as a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskyWindow {
    /// Window id (UUID), so that a phone alerts once per window.
    pub id: String,
    /// [`venue_hash`] of the venue id.
    pub venue_hash: String,
    /// Start of the window.
    pub from: DateTime<Utc>,
    /// End of the window.
    pub to: DateTime<Utc>,
    /// What to do.
    pub advice: ExposureAdvice,
}

/// The risky windows that ended within the last 21 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskyVenueList {
    /// When the server made the list.
    pub generated_at: DateTime<Utc>,
    /// The windows.
    pub windows: Vec<RiskyWindow>,
}

/// Domain separation for [`venue_hash`]: the hash of a venue id means nothing else.
pub const VENUE_HASH_CONTEXT: &str = "healthbook-venue-v1:";

/// The published form of a venue id: SHA-256 of [`VENUE_HASH_CONTEXT`] followed by the id, as 64 lowercase hex
/// characters. Both sides compute it with their own SHA-256 (ring on the phone); this function states the input.
pub fn venue_hash_input(venue_id: &str) -> String {
    format!("{VENUE_HASH_CONTEXT}{venue_id}")
}

/// A health officer's query for who passed a venue's gates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct PassageQuery {
    /// Start of the window (inclusive).
    pub from: DateTime<Utc>,
    /// End of the window (exclusive).
    pub to: DateTime<Utc>,
    /// Paging cursor: the `next` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Page size, 1-1,000 (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One passage as a health officer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassageRecord {
    /// The device's passage id.
    pub id: String,
    /// The gate.
    pub gate_id: String,
    /// In or out.
    pub direction: Direction,
    /// When the card was scanned.
    pub scanned_at: DateTime<Utc>,
    /// What the operator was told.
    pub verdict: GateVerdict,
    /// Why.
    pub reason: PassageReason,
    /// The kind of card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<ScannedCard>,
    /// The card's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// The person, when the server issued the card and knows whose it is (a pass it signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
}

/// A page of passages, ordered by scan time then id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassagePage {
    /// The passages.
    pub passages: Vec<PassageRecord>,
    /// Cursor for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The compliance view's days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct ComplianceQuery {
    /// First day (UTC), inclusive.
    pub from: NaiveDate,
    /// Last day (UTC), inclusive (at most 92 days after `from`).
    pub to: NaiveDate,
}

/// Passages at one venue on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VenueDay {
    /// The venue.
    pub venue_id: String,
    /// Its name.
    pub venue_name: String,
    /// Its ward.
    pub ward_code: String,
    /// The day (UTC).
    pub day: NaiveDate,
    /// Passages recorded (in and out).
    pub passages: u32,
}

/// A venue that recorded no passage in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SilentVenue {
    /// The venue.
    pub venue_id: String,
    /// Its name.
    pub venue_name: String,
    /// Its kind.
    pub kind: VenueKind,
    /// Its ward.
    pub ward_code: String,
    /// Its agency.
    pub agency_id: String,
}

/// Passages per venue per day, and the venues that recorded none (for inspections), within the caller's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceReport {
    /// One row per venue and day with passages, ordered by day then venue name.
    pub days: Vec<VenueDay>,
    /// Venues in scope with no passage in the period, by ward then name.
    pub silent_venues: Vec<SilentVenue>,
}

/// One EU DCC document signer, as republished to phones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DccSigner {
    /// Issuing country (ISO 3166 alpha-2).
    pub country: String,
    /// The EU DCC key id: first 8 bytes of SHA-256 of the certificate, base64.
    pub kid: String,
    /// The X.509 certificate, base64 DER.
    pub certificate: String,
}

/// The document signers the server republishes (the payload of `GET /v1/dcc-signers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DccSignerList {
    /// Where the list came from (e.g. `DE` for Germany's backend).
    pub source: String,
    /// The list's own date (its newest entry), which only moves forward.
    pub list_date: DateTime<Utc>,
    /// When the authority imported it.
    pub imported_at: DateTime<Utc>,
    /// Increases with every import.
    pub version: u64,
    /// The signers.
    pub signers: Vec<DccSigner>,
}

/// What an import of a document-signer list did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DccSignerImportReport {
    /// The list's date.
    pub list_date: DateTime<Utc>,
    /// Signers kept.
    pub accepted: u32,
    /// Entries skipped (not a DSC, a certificate that does not parse or whose kid does not match it).
    pub skipped: u32,
    /// Countries with at least one signer.
    pub countries: u32,
    /// The version now published.
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enum_strings, round_trip};
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn checkin_enums_keep_their_strings() {
        let kinds: Vec<(VenueKind, &str)> = VenueKind::ALL.iter().map(|k| (*k, k.as_str())).collect();
        enum_strings(&kinds, "casino");
        for kind in VenueKind::ALL {
            assert_eq!(VenueKind::parse(kind.as_str()), Some(kind));
        }
        enum_strings(&[(Direction::In, "in"), (Direction::Out, "out")], "sideways");
        enum_strings(&[(GateVerdict::Admit, "admit"), (GateVerdict::Check, "check"), (GateVerdict::Refuse, "refuse")], "maybe");
        enum_strings(
            &[
                (PassageReason::Valid, "valid"),
                (PassageReason::StatusYellow, "status_yellow"),
                (PassageReason::StatusRed, "status_red"),
                (PassageReason::Unreadable, "unreadable"),
                (PassageReason::UnknownIssuer, "unknown_issuer"),
                (PassageReason::Forged, "forged"),
                (PassageReason::Revoked, "revoked"),
                (PassageReason::Expired, "expired"),
                (PassageReason::NotYetValid, "not_yet_valid"),
                (PassageReason::OutOfScope, "out_of_scope"),
                (PassageReason::WrongKind, "wrong_kind"),
            ],
            "because",
        );
        enum_strings(
            &[
                (ScannedCard::PersonalPass, "personal_pass"),
                (ScannedCard::StaffCard, "staff_card"),
                (ScannedCard::ControlCard, "control_card"),
                (ScannedCard::EuDcc, "eu_dcc"),
                (ScannedCard::VenuePoster, "venue_poster"),
            ],
            "library_card",
        );
        enum_strings(
            &[
                (ExposureAdvice::MonitorSymptoms, "monitor_symptoms"),
                (ExposureAdvice::GetTested, "get_tested"),
                (ExposureAdvice::SelfIsolate, "self_isolate"),
            ],
            "panic",
        );
    }

    #[test]
    fn checkin_bodies_round_trip() {
        let at = Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap();
        round_trip(
            &CreateVenueRequest {
                name: "Chợ Bến Thành".into(),
                kind: VenueKind::Market,
                address: "Lê Lợi".into(),
                province_code: "79".into(),
                ward_code: "26740".into(),
                default_stay_minutes: 60,
            },
            json!({ "name": "Chợ Bến Thành", "kind": "market", "address": "Lê Lợi", "province_code": "79",
                    "ward_code": "26740", "default_stay_minutes": 60 }),
        );
        round_trip(
            &PassageBatch {
                passages: vec![Passage {
                    id: "p1".into(),
                    direction: Direction::In,
                    scanned_at: at,
                    verdict: GateVerdict::Refuse,
                    reason: PassageReason::Unreadable,
                    card: None,
                    credential_id: None,
                }],
            },
            json!({ "passages": [{ "id": "p1", "direction": "in", "scanned_at": "2021-09-01T08:00:00Z",
                                   "verdict": "refuse", "reason": "unreadable" }] }),
        );
        round_trip(
            &RiskyVenueList {
                generated_at: at,
                windows: vec![RiskyWindow {
                    id: "w1".into(),
                    venue_hash: "ab".repeat(32),
                    from: at,
                    to: at,
                    advice: ExposureAdvice::GetTested,
                }],
            },
            json!({ "generated_at": "2021-09-01T08:00:00Z", "windows": [{ "id": "w1", "venue_hash": "ab".repeat(32),
                    "from": "2021-09-01T08:00:00Z", "to": "2021-09-01T08:00:00Z", "advice": "get_tested" }] }),
        );
        assert_eq!(venue_hash_input("v1"), "healthbook-venue-v1:v1");
        let unknown = serde_json::from_value::<Passage>(json!({ "id": "p", "direction": "in",
            "scanned_at": "2021-09-01T08:00:00Z", "verdict": "admit", "reason": "valid", "name": "Lan" }));
        assert!(unknown.is_err(), "a passage carrying more than the contract allows is refused");
    }
}
