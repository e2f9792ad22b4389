//! Agencies and their gates.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An agency to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAgencyRequest {
    /// Display name, 1-200 characters.
    pub name: String,
}

/// An agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyView {
    /// Agency id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Every agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyList {
    /// The agencies, by name.
    pub agencies: Vec<AgencyView>,
}

/// A gate to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateGateRequest {
    /// Display name, 1-200 characters.
    pub name: String,
}

// A gate created under `POST /v1/venues/{venue_id}/gates` records its venue in `GateView::venue_id`.

/// A gate (entrance or checkpoint) of an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateView {
    /// Gate id.
    pub id: String,
    /// Owning agency.
    pub agency_id: String,
    /// Display name.
    pub name: String,
    /// The venue whose gate it is (absent for gates created before venues existed, under the agency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue_id: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An agency's gates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateList {
    /// The gates, by name.
    pub gates: Vec<GateView>,
}

// ---------------------------------------------------------------------------------------------------------------
// Agency keys, staff rosters and staff cards (issue 9).
//
// Endpoints:
// - `POST /v1/agencies/{agency_id}/keys` (that agency's admin): [`SubmitAgencyKeyRequest`] → 201 [`AgencyKeyView`]
//   (pending). The private key never leaves the admin's device; `proof` shows the admin holds it.
// - `GET /v1/agencies/{agency_id}/keys` (authority admin, that agency's admin): [`AgencyKeyList`].
// - `POST /v1/agencies/{agency_id}/keys/{kid}/certify` (authority admin): → [`AgencyKeyView`] (certified): the key
//   enters the trust list with role `agency` and scope `agency:{agency_id}`, valid [`AGENCY_KEY_VALIDITY_DAYS`].
// - `POST /v1/agencies/{agency_id}/staff` (that agency's admin): [`StaffImportRequest`] → [`StaffImportReport`];
//   rows are validated again by the server; the same roster again changes nothing.
// - `GET /v1/agencies/{agency_id}/staff` (authority admin, that agency's admin): [`StaffList`] (no citizen ids or
//   phones come back: the server keeps only a keyed hash of the citizen id, for duplicates).
// - `POST /v1/agencies/{agency_id}/cards` (that agency's admin): [`RegisterCardsRequest`] → [`RegisterCardsReport`]:
//   the cards the admin signed on their device, so that they can be revoked and counted.
// - `POST /v1/agencies/{agency_id}/cards/{card_id}/revoke` (that agency's admin): [`RevokeCardRequest`] →
//   `trust::Revocation` (kind `credential`, id = the card's `cti` hex); gates refuse it after their next refresh.
// ---------------------------------------------------------------------------------------------------------------

/// How long the authority certifies an agency key for.
pub const AGENCY_KEY_VALIDITY_DAYS: i64 = 365;

/// Domain separation of the proof of possession: the admin signs this text with the new key.
pub const AGENCY_KEY_PROOF_CONTEXT: &str = "healthbook-agency-key-v1";

/// The exact bytes an agency admin signs (ES256, raw r‖s, base64) to prove they hold the key they submit: the
/// context, the agency id and the base64 SPKI, separated by newlines.
pub fn agency_key_proof_message(agency_id: &str, public_key_spki_base64: &str) -> String {
    format!("{AGENCY_KEY_PROOF_CONTEXT}\n{agency_id}\n{public_key_spki_base64}")
}

/// An agency admin submits the public half of a key generated on their device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubmitAgencyKeyRequest {
    /// The P-256 public key, base64 SPKI DER.
    pub public_key: String,
    /// ES256 signature (raw r‖s, base64) of [`agency_key_proof_message`] with the submitted key.
    pub proof: String,
}

/// Where an agency key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgencyKeyStatus {
    /// Submitted, waiting for the authority.
    Pending,
    /// In the trust list.
    Certified,
    /// Revoked (on the revocation list).
    Revoked,
}

/// An agency's signing key as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyKeyView {
    /// Key id (first 8 bytes of SHA-256 of the SPKI, base64), as in the trust list.
    pub kid: String,
    /// The agency.
    pub agency_id: String,
    /// The public key, base64 SPKI DER.
    pub public_key: String,
    /// Where it stands.
    pub status: AgencyKeyStatus,
    /// When the admin submitted it.
    pub submitted_at: DateTime<Utc>,
    /// When the authority certified it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certified_at: Option<DateTime<Utc>>,
    /// End of validity once certified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<DateTime<Utc>>,
}

/// An agency's keys, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyKeyList {
    /// The keys.
    pub keys: Vec<AgencyKeyView>,
}

/// One staff member of a roster, as validated on the admin's device (and again on the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    /// The agency's own staff number, 1-40 characters; unique within the agency.
    pub staff_number: String,
    /// Full name, NFC, 1-200 characters.
    pub full_name: String,
    /// Department, 0-200 characters.
    #[serde(default)]
    pub department: String,
    /// Phone, E.164 (`+84...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Citizen id (12-digit CCCD or 9-digit CMND); the server keeps only a keyed hash of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// Birth year, if the roster has it (printed on the card for comparison with an id card).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<u16>,
}

/// The accepted rows of a roster (1 to 5,000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffImportRequest {
    /// The rows.
    pub staff: Vec<StaffMember>,
}

/// A row the server did not take, by its staff number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffConflict {
    /// The row's staff number.
    pub staff_number: String,
    /// Why, in words (never the citizen id or phone).
    pub reason: String,
}

/// What an import did. Importing the same rows again reports them all as unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffImportReport {
    /// New staff members.
    pub added: u32,
    /// Staff members whose name, department, phone or birth year changed.
    pub updated: u32,
    /// Rows equal to what was stored.
    pub unchanged: u32,
    /// Rows not taken (e.g. a citizen id already registered under another staff number).
    pub conflicts: Vec<StaffConflict>,
}

/// A staff member as listed back to the agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffView {
    /// Staff number.
    pub staff_number: String,
    /// Full name.
    pub full_name: String,
    /// Department.
    pub department: String,
    /// True when a citizen id is on record (the id itself is never returned).
    pub has_citizen_id: bool,
    /// The staff member's cards that are not revoked, by `cti` hex.
    pub active_cards: Vec<String>,
}

/// An agency's staff, by staff number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffList {
    /// The staff.
    pub staff: Vec<StaffView>,
}

/// A staff card the admin signed on their device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IssuedCard {
    /// The card's `cti`, lowercase hex (16 characters).
    pub card_id: String,
    /// Whose card it is.
    pub staff_number: String,
    /// The agency key that signed it.
    pub kid: String,
    /// Start of validity.
    pub issued_at: DateTime<Utc>,
    /// End of validity.
    pub expires_at: DateTime<Utc>,
}

/// Cards signed in one batch (1 to 5,000); registering the same card again changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterCardsRequest {
    /// The cards.
    pub cards: Vec<IssuedCard>,
}

/// What registering did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterCardsReport {
    /// Cards registered now.
    pub registered: u32,
    /// Cards registered before.
    pub already_registered: u32,
}

/// Why a card is revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RevokeCardRequest {
    /// In words a gate can show (1-200 characters), e.g. "left the agency".
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn agency_bodies_round_trip() {
        let at = Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap();
        round_trip(&CreateAgencyRequest { name: "Chợ".into() }, json!({ "name": "Chợ" }));
        round_trip(&CreateGateRequest { name: "Gate 1".into() }, json!({ "name": "Gate 1" }));
        round_trip(
            &AgencyList { agencies: vec![AgencyView { id: "a".into(), name: "Chợ".into(), created_at: at }] },
            json!({ "agencies": [{ "id": "a", "name": "Chợ", "created_at": "2021-09-01T08:00:00Z" }] }),
        );
        round_trip(
            &GateList { gates: vec![GateView { id: "g".into(), agency_id: "a".into(), name: "Gate 1".into(), venue_id: None, created_at: at }] },
            json!({ "gates": [{ "id": "g", "agency_id": "a", "name": "Gate 1", "created_at": "2021-09-01T08:00:00Z" }] }),
        );
        assert!(serde_json::from_value::<CreateGateRequest>(json!({ "name": "g", "agency_id": "b" })).is_err());
    }

    #[test]
    fn roster_and_card_bodies_round_trip() {
        let at = Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap();
        round_trip(
            &StaffImportRequest {
                staff: vec![StaffMember {
                    staff_number: "NV-001".into(),
                    full_name: "Nguyễn Văn An".into(),
                    department: "Kế toán".into(),
                    phone: Some("+84901234567".into()),
                    citizen_id: None,
                    birth_year: Some(1980),
                }],
            },
            json!({ "staff": [{ "staff_number": "NV-001", "full_name": "Nguyễn Văn An", "department": "Kế toán",
                                "phone": "+84901234567", "birth_year": 1980 }] }),
        );
        round_trip(
            &RegisterCardsRequest {
                cards: vec![IssuedCard {
                    card_id: "00112233aabbccdd".into(),
                    staff_number: "NV-001".into(),
                    kid: "AAECAwQFBgc=".into(),
                    issued_at: at,
                    expires_at: at,
                }],
            },
            json!({ "cards": [{ "card_id": "00112233aabbccdd", "staff_number": "NV-001", "kid": "AAECAwQFBgc=",
                                "issued_at": "2021-09-01T08:00:00Z", "expires_at": "2021-09-01T08:00:00Z" }] }),
        );
        crate::testing::enum_strings(
            &[(AgencyKeyStatus::Pending, "pending"), (AgencyKeyStatus::Certified, "certified"), (AgencyKeyStatus::Revoked, "revoked")],
            "lost",
        );
        assert_eq!(agency_key_proof_message("a1", "KEY"), "healthbook-agency-key-v1\na1\nKEY");
    }
}
