//! The volunteer area's types as the phone keeps and shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use healthbook_protocol::{ConsentGiver, ConsentMethod};

/// A person this volunteer enrolled: a managed profile on the volunteer's phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPerson {
    /// The managed profile.
    pub profile_id: String,
    /// Full name (the profile's, NFC).
    pub full_name: String,
    /// Birth year.
    pub birth_year: u16,
    /// True once the profile is bound to the person's record on the server.
    pub bound: bool,
    /// The person's id on the server, once enrolled.
    pub person_id: Option<String>,
    /// When the latest consent was given; none until it is recorded.
    pub consent_at: Option<DateTime<Utc>>,
    /// When this phone last declared for the person.
    pub last_declared_at: Option<DateTime<Utc>>,
    /// Doses recorded from paper that no officer has confirmed yet.
    pub self_reported_doses: u32,
    /// The control card's QR text (`HK1:`), once signed.
    pub control_card: Option<String>,
}

/// What a volunteer types to enrol someone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewManagedPerson {
    /// Full name as on the id card.
    pub full_name: String,
    /// Birth year.
    pub birth_year: u16,
    /// CCCD (12 digits) or CMND (9 digits).
    pub citizen_id: String,
    /// Phone, when the person has one.
    pub phone: Option<String>,
    /// Province code.
    pub province_code: String,
    /// Ward code.
    pub ward_code: String,
    /// Where the card was checked (a default text when none).
    pub place: Option<String>,
}

/// What the phone keeps (sealed) per managed profile: what the server confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedRecord {
    /// The person's id on the server.
    pub person_id: String,
    /// When the latest consent was given.
    #[serde(default)]
    pub consent_at: Option<DateTime<Utc>>,
    /// Doses not confirmed yet.
    #[serde(default)]
    pub self_reported_doses: u32,
    /// The control card.
    #[serde(default)]
    pub control_card: Option<String>,
    /// When the card stops being valid.
    #[serde(default)]
    pub card_expires_at: Option<DateTime<Utc>>,
}
