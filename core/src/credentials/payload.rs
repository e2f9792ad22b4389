//! Our own credential payloads, carried under CWT claim -65537 with a `t` field that names the type.
//!
//! The type is inside the signed payload because the prefix is not signed: an `HS1:` staff card re-labelled
//! `HB1:` must not pass as a personal pass. Keys are short, as in EU DCC, to keep QR codes small. Unknown fields
//! are ignored so that a newer issuer can add some without breaking older verifiers.

use serde::{Deserialize, Serialize};

use super::container::CredentialType;
use super::verify::Holder;

/// A personal health pass: whom to compare with an ID card, and the status the server computed for them.
///
/// It carries no profile or person id: an id that stays the same from pass to pass would let two venues link
/// the same person. The pass's `cti` (fresh for each pass) is what the server maps back to the person when
/// tracing needs it. Signed, the pass travels in the compact form of [`pass_wire`] (status and reasons as small
/// integers); this struct's own serde form, used for JSON summaries, keeps them readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalPass {
    /// Full name, NFC.
    #[serde(rename = "n")]
    pub name: String,
    /// Birth year; the QR never carries the full date or the ID number.
    #[serde(rename = "by", default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<u16>,
    /// Green, yellow or red.
    #[serde(rename = "s")]
    pub status: PassStatus,
    /// Why the status is what it is.
    #[serde(rename = "r", default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<StatusReason>,
    /// Province (official two-digit code) whose authority signed it; absent when a national key did.
    #[serde(rename = "pr", default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
}

/// The colour of a pass and the reasons behind it (defined once, in the wire contract).
pub use healthbook_protocol::status::{PassStatus, StatusReason};

/// The signed form of a personal pass: the same short keys, with status and reasons as small integers (one CBOR
/// byte each instead of a word), because every byte saved makes the QR smaller and easier to scan. Reason codes
/// this build does not know are skipped, so a newer issuer can add reasons without breaking older verifiers;
/// an unknown status is refused.
pub mod pass_wire {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{PassStatus, PersonalPass, StatusReason};

    #[derive(Serialize, Deserialize)]
    struct Wire {
        #[serde(rename = "n")]
        name: String,
        #[serde(rename = "by", default, skip_serializing_if = "Option::is_none")]
        birth_year: Option<u16>,
        #[serde(rename = "s")]
        status: u64,
        #[serde(rename = "r", default, skip_serializing_if = "Vec::is_empty")]
        reasons: Vec<u64>,
        #[serde(rename = "pr", default, skip_serializing_if = "Option::is_none")]
        province: Option<String>,
    }

    /// Writes the compact form.
    pub fn serialize<S: Serializer>(pass: &PersonalPass, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            name: pass.name.clone(),
            birth_year: pass.birth_year,
            status: u64::from(pass.status.code()),
            reasons: pass.reasons.iter().map(|r| u64::from(r.code())).collect(),
            province: pass.province.clone(),
        }
        .serialize(serializer)
    }

    /// Reads the compact form.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PersonalPass, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        let status = PassStatus::from_code(wire.status).ok_or_else(|| D::Error::custom("unknown pass status code"))?;
        let reasons = wire.reasons.into_iter().filter_map(StatusReason::from_code).collect();
        Ok(PersonalPass { name: wire.name, birth_year: wire.birth_year, status, reasons, province: wire.province })
    }
}

/// A staff card printed by an agency; the lead fleshes the fields out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCard {
    /// The staff member's id within the agency.
    #[serde(rename = "sid")]
    pub staff_id: String,
    /// Full name, NFC.
    #[serde(rename = "n")]
    pub name: String,
    /// Birth year, if known.
    #[serde(rename = "by", default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<u16>,
    /// The issuing agency's id.
    #[serde(rename = "ag")]
    pub agency_id: String,
}

/// A printed control card for someone without a smartphone, enrolled by a volunteer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlCard {
    /// The profile the card stands for.
    #[serde(rename = "pid")]
    pub profile_id: String,
    /// Full name, NFC.
    #[serde(rename = "n")]
    pub name: String,
    /// Birth year, if known.
    #[serde(rename = "by", default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<u16>,
    /// Province (official two-digit code) whose authority signed it; absent when a national key did.
    #[serde(rename = "pr", default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
}

/// A venue or gate poster that phones scan to check in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenuePoster {
    /// The venue's id.
    #[serde(rename = "vid")]
    pub venue_id: String,
    /// The venue's name, for the check-in diary.
    #[serde(rename = "n")]
    pub name: String,
    /// The gate, when a venue has several.
    #[serde(rename = "g", default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    /// Administrative unit code of the venue.
    #[serde(rename = "au", default, skip_serializing_if = "Option::is_none")]
    pub admin_unit: Option<String>,
    /// The agency that runs the venue, when an agency's key signs the poster.
    #[serde(rename = "ag", default, skip_serializing_if = "Option::is_none")]
    pub agency_id: Option<String>,
    /// Province (official two-digit code) of the venue, when a province's key signs the poster; absent otherwise.
    #[serde(rename = "pr", default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// The venue's usual stay in minutes, after which phones check visitors out; absent on older posters
    /// (phones then assume four hours).
    #[serde(rename = "st", default, skip_serializing_if = "Option::is_none")]
    pub stay_minutes: Option<u32>,
    /// What kind of place the venue is (the contract's wire name); absent on older posters. An unknown name
    /// from a newer issuer reads as absent rather than refusing the poster.
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_kind")]
    pub kind: Option<healthbook_protocol::VenueKind>,
}

fn lenient_kind<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<healthbook_protocol::VenueKind>, D::Error> {
    let text: Option<String> = Option::deserialize(deserializer)?;
    Ok(text.as_deref().and_then(healthbook_protocol::VenueKind::parse))
}

/// Any of our own payloads, tagged by `t` inside the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum OwnPayload {
    /// `t = "pass"`.
    #[serde(rename = "pass", with = "pass_wire")]
    PersonalPass(PersonalPass),
    /// `t = "staff"`.
    #[serde(rename = "staff")]
    StaffCard(StaffCard),
    /// `t = "control"`.
    #[serde(rename = "control")]
    ControlCard(ControlCard),
    /// `t = "venue"`.
    #[serde(rename = "venue")]
    VenuePoster(VenuePoster),
}

impl OwnPayload {
    /// The container type (and so the prefix) this payload travels under.
    pub fn credential_type(&self) -> CredentialType {
        match self {
            Self::PersonalPass(_) => CredentialType::PersonalPass,
            Self::StaffCard(_) => CredentialType::StaffCard,
            Self::ControlCard(_) => CredentialType::ControlCard,
            Self::VenuePoster(_) => CredentialType::VenuePoster,
        }
    }

    /// The person the credential names, if it names one.
    pub fn holder(&self) -> Option<Holder> {
        let (name, birth_year) = match self {
            Self::PersonalPass(p) => (&p.name, p.birth_year),
            Self::StaffCard(s) => (&s.name, s.birth_year),
            Self::ControlCard(c) => (&c.name, c.birth_year),
            Self::VenuePoster(_) => return None,
        };
        Some(Holder {
            name: super::dcc::nfc(name),
            birth_date: birth_year.map(|y| y.to_string()),
            family_name: None,
            given_name: None,
            family_name_transliterated: None,
            given_name_transliterated: None,
        })
    }

    /// Normalises names to NFC before signing, so that what is signed compares equal to an ID card.
    pub(crate) fn normalised(&self) -> Self {
        let mut out = self.clone();
        match &mut out {
            Self::PersonalPass(p) => p.name = super::dcc::nfc(&p.name),
            Self::StaffCard(s) => s.name = super::dcc::nfc(&s.name),
            Self::ControlCard(c) => c.name = super::dcc::nfc(&c.name),
            Self::VenuePoster(v) => v.name = super::dcc::nfc(&v.name),
        }
        out
    }
}
