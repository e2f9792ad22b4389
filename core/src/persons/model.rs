//! Bindings of this phone's profiles to person records on the server, as the phone sees them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How the server established a person record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// An officer or volunteer saw the person's id card.
    Attested,
    /// The person declared it, proven only by a code sent to the phone on record.
    SelfDeclared,
}

/// How a profile was bound to its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindingMethod {
    /// A one-time code sent by SMS to the phone number on record.
    Sms,
    /// An officer or volunteer checked the id card in person.
    Attestation,
}

/// The person record a profile is bound to; the server never sends the citizen id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundPerson {
    /// The server's person id.
    pub person_id: String,
    /// Full name on record (NFC).
    pub full_name: String,
    /// Birth year on record.
    pub birth_year: u16,
    /// Province of the record.
    #[serde(default)]
    pub province_code: Option<String>,
    /// How the record was established.
    pub verification: Verification,
}

/// Another phone bound to the same person, shown so the person can see (and remove) it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherDevice {
    /// The start of the other device's id: enough to tell devices apart and to remove the binding.
    pub device: String,
    /// The profile on that device, when the server names it.
    #[serde(default)]
    pub profile_ref: Option<String>,
    /// When it was bound.
    pub created_at: DateTime<Utc>,
    /// How it was bound.
    pub method: BindingMethod,
}

/// A profile of this phone bound to a person record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The profile (the server's `profile_ref`).
    pub profile_id: String,
    /// The person.
    pub person: BoundPerson,
    /// How it was bound.
    pub method: BindingMethod,
    /// When it was bound.
    pub created_at: DateTime<Utc>,
    /// The other phones bound to the same person.
    #[serde(default)]
    pub other_devices: Vec<OtherDevice>,
}

/// A started SMS binding: the code went to `sent_to` and must be entered before `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsChallenge {
    /// The challenge to verify the code against.
    pub challenge_id: String,
    /// The profile being bound.
    pub profile_id: String,
    /// The masked number the code was sent to (`+84 9** *** *21`): the number on record, which may not be
    /// the one entered.
    pub sent_to: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// A code the phone shows (as text and QR) to an officer or volunteer who checks the id card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationCode {
    /// The server's challenge id.
    pub challenge_id: String,
    /// The profile being bound.
    pub profile_id: String,
    /// Eight Crockford base32 characters.
    pub code: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}
