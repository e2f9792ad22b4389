//! Our own credential payloads, carried under CWT claim -65537 with a `t` field that names the type.
//!
//! The type is inside the signed payload because the prefix is not signed: an `HS1:` staff card re-labelled
//! `HB1:` must not pass as a personal pass. Keys are short, as in EU DCC, to keep QR codes small. Unknown fields
//! are ignored so that a newer issuer can add some without breaking older verifiers.

use serde::{Deserialize, Serialize};

use super::container::CredentialType;
use super::verify::Holder;

/// A personal health pass: who, and the status the server computed for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalPass {
    /// The profile the pass was issued for (the phone refreshes it by this id).
    #[serde(rename = "pid")]
    pub profile_id: String,
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
}

/// The colour of a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassStatus {
    /// May pass.
    Green,
    /// Pass with care (e.g. a declaration with symptoms, an old test).
    Yellow,
    /// Must not pass (e.g. in quarantine, positive test).
    Red,
}

/// A reason behind a pass status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusReason {
    /// Vaccination record.
    Vaccination,
    /// A recent test result.
    RecentTest,
    /// A quarantine order.
    Quarantine,
    /// The health declaration.
    Declaration,
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
}

/// A venue or gate poster that phones scan to check in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// Any of our own payloads, tagged by `t` inside the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum OwnPayload {
    /// `t = "pass"`.
    #[serde(rename = "pass")]
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
