//! The people a phone holds: the owner, family members, and people a volunteer manages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who a profile is to the phone's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileRelation {
    /// The phone's owner; at most one per phone.
    Myself,
    /// A family member who shares the phone.
    FamilyMember,
    /// Someone without a smartphone whom a volunteer enrolled and looks after.
    ManagedByVolunteer,
}

impl ProfileRelation {
    /// The stable text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Myself => "myself",
            Self::FamilyMember => "family_member",
            Self::ManagedByVolunteer => "managed_by_volunteer",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "myself" => Some(Self::Myself),
            "family_member" => Some(Self::FamilyMember),
            "managed_by_volunteer" => Some(Self::ManagedByVolunteer),
            _ => None,
        }
    }
}

/// A birth date of which sometimes only the year is known (common on older documents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BirthDate {
    /// Year of birth.
    pub year: u16,
    /// Month (1-12), when known.
    pub month: Option<u8>,
    /// Day of month, when known; requires the month.
    pub day: Option<u8>,
}

/// An address by official administrative unit codes, plus the street part in free text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Two-digit province code (e.g. `01` for Hà Nội, `79` for Hồ Chí Minh City).
    pub province_code: String,
    /// Five-digit ward or commune code, when known.
    pub ward_code: Option<String>,
    /// House number, street, hamlet: whatever the codes don't cover.
    pub street: Option<String>,
}

/// What a user enters to create or change a profile; validated into a [`Profile`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileInput {
    /// Who this person is to the phone's owner.
    pub relation: ProfileRelation,
    /// Full name as on the ID card, diacritics included.
    pub full_name: String,
    /// Birth date, or only the year.
    pub birth: BirthDate,
    /// Phone number, national (`09...`) or international (`+849...`) form.
    pub phone: Option<String>,
    /// Citizen id: 12-digit CCCD or legacy 9-digit CMND.
    pub citizen_id: Option<String>,
    /// Home address.
    pub address: Option<Address>,
}

/// The sensitive part of a profile, encrypted at rest as one sealed JSON value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalDetails {
    /// Full name, NFC-normalised.
    pub full_name: String,
    /// Birth date, or only the year.
    pub birth: BirthDate,
    /// Phone in E.164 form (`+84...`).
    pub phone: Option<String>,
    /// Citizen id, digits only.
    pub citizen_id: Option<String>,
    /// Home address.
    pub address: Option<Address>,
}

/// A stored, validated profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Random identifier, stable for the profile's life.
    pub id: String,
    /// Who this person is to the phone's owner.
    pub relation: ProfileRelation,
    /// Name, birth, phone, citizen id and address.
    pub details: PersonalDetails,
    /// When the profile was created.
    pub created_at: DateTime<Utc>,
    /// When the profile last changed.
    pub updated_at: DateTime<Utc>,
}
