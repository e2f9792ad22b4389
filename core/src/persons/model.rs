//! Bindings of this phone's profiles to person records on the server, as the phone sees them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a record was established, how a profile was bound, the bound person and the other devices travel as the
/// phone keeps them: defined once, in the wire contract.
pub use healthbook_protocol::persons::{BindingMethod, BoundPerson, OtherDevice, Verification};

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
