//! What the phone keeps and shows of its profiles' vaccination: the registration as the phone sees it, doses
//! (a self-reported dose never counts as confirmed), invitations with a pending answer, and the certificate wallet.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use healthbook_protocol::vaccination::{InvitationAnswer, InvitationState, RegistrationSource, VaccineProduct};
pub use healthbook_protocol::volunteers::DoseSource;

/// Seconds east of UTC of the sessions' local time (Asia/Ho_Chi_Minh, no daylight saving): dates of doses
/// and due dates are days there.
pub const LOCAL_OFFSET_SECS: i32 = 7 * 3600;

/// The day `at` falls on in the sessions' local time.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    let offset = FixedOffset::east_opt(LOCAL_OFFSET_SECS).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    at.with_timezone(&offset).date_naive()
}

/// Where the profile's registration stands on this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    /// Waiting in the outbox to be sent.
    Queued,
    /// The server has it.
    Registered,
    /// The server refused it for good (`refused_reason` says why); registering again sends a new request.
    Refused,
}

/// A profile's registration for vaccination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// The commune (ward code) asked for.
    pub ward_code: String,
    /// Where it stands.
    pub state: RegistrationState,
    /// The server's registration id, once registered.
    pub registration_id: Option<String>,
    /// The priority group from the commune's list, if the person is on one (never from the phone).
    pub priority_group: Option<u8>,
    /// Where the registration came from (this phone, or the volunteer who enrolled the person).
    pub source: Option<RegistrationSource>,
    /// When the phone asked.
    pub requested_at: DateTime<Utc>,
    /// When the server registered it.
    pub registered_at: Option<DateTime<Utc>>,
    /// Why the server refused it (its error code and message, no personal data).
    pub refused_reason: Option<String>,
}

/// One dose of one profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dose {
    /// The server's dose id.
    pub dose_id: String,
    /// Dose number.
    pub dose_number: u8,
    /// Date given (local).
    pub date: NaiveDate,
    /// The product as recorded (a product code for site doses; what the paper said for self-reported ones).
    pub product_code: String,
    /// The product as shown to people.
    pub product_name: String,
    /// Lot, when known.
    pub lot: Option<String>,
    /// Where the record comes from.
    pub source: DoseSource,
    /// Shown on paper to a volunteer and not confirmed by an officer yet.
    pub self_reported: bool,
    /// Counts: given at a site, or self-reported and confirmed by an officer. Never true for `self_reported`.
    pub confirmed: bool,
}

impl Dose {
    /// The product, when the recorded name is one of the contract's.
    pub fn product(&self) -> Option<VaccineProduct> {
        VaccineProduct::parse(&self.product_code)
    }
}

/// Why an invitation was closed on this phone without a state from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedReason {
    /// The server said the invitation is closed (answered too late, or the place went to someone else).
    InvitationClosed,
    /// The server refused the answer for another reason (the profile is no longer bound here, say).
    AnswerRefused,
}

/// An invitation to a vaccination session for one of the phone's profiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// The server's invitation id.
    pub invitation_id: String,
    /// The profile invited.
    pub profile_id: String,
    /// The site's name.
    pub site_name: String,
    /// The site's address.
    pub site_address: String,
    /// Slot start.
    pub starts_at: DateTime<Utc>,
    /// Slot end.
    pub ends_at: DateTime<Utc>,
    /// Product.
    pub product: VaccineProduct,
    /// Which dose this will be.
    pub dose_number: u8,
    /// Where it stands as shown: the answer given while it waits in the outbox, else the server's state.
    pub state: InvitationState,
    /// The state the server last gave.
    pub server_state: InvitationState,
    /// Answer before this time.
    pub answer_by: DateTime<Utc>,
    /// The answer waiting in the outbox, if any.
    pub pending_answer: Option<InvitationAnswer>,
    /// True while an answer waits in the outbox.
    pub answer_pending: bool,
    /// Set when the server refused the answer for good.
    pub closed_reason: Option<ClosedReason>,
}

impl Invitation {
    /// Whether the person can still answer at `now` (the server decides in the end).
    pub fn open_for_answer(&self, now: DateTime<Utc>) -> bool {
        if self.closed_reason.is_some() {
            return false;
        }
        match self.server_state {
            InvitationState::Pending => now < self.answer_by,
            // A confirmed person may still decline before the slot, so the place goes to someone else.
            InvitationState::Confirmed => now < self.starts_at,
            InvitationState::Declined | InvitationState::Expired | InvitationState::Attended => false,
        }
    }
}

/// An EU DCC vaccination certificate in the wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// The unique certificate identifier.
    pub uvci: String,
    /// The QR text (`HC1:`).
    pub qr: String,
    /// The dose it states.
    pub dose_number: u8,
    /// The series length it states.
    pub series_doses: u8,
    /// Product.
    pub product: VaccineProduct,
    /// Date of vaccination.
    pub date: NaiveDate,
    /// Issued.
    pub issued_at: DateTime<Utc>,
    /// Expires.
    pub expires_at: DateTime<Utc>,
    /// When a newer certificate replaced it; `None` for the current one.
    pub replaced_at: Option<DateTime<Utc>>,
}

/// One profile's vaccination record as the phone keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRecord {
    /// The profile.
    pub profile_id: String,
    /// The profile's name, for the screen.
    pub profile_name: String,
    /// The registration, if the phone asked for one or the server has one.
    pub registration: Option<Registration>,
    /// Doses, oldest first.
    pub doses: Vec<Dose>,
    /// When the next dose is due; `None` when none is (or nothing is known).
    pub next_due: Option<NaiveDate>,
    /// The current certificate.
    pub certificate: Option<Certificate>,
    /// Certificates it replaced, newest first.
    pub history: Vec<Certificate>,
    /// When the record was last refreshed from the server.
    pub refreshed_at: Option<DateTime<Utc>>,
}

impl ProfileRecord {
    /// True once the server has the registration.
    pub fn registered(&self) -> bool {
        self.registration.as_ref().is_some_and(|r| r.state == RegistrationState::Registered)
    }

    /// The priority group from the commune's list.
    pub fn priority_group(&self) -> Option<u8> {
        self.registration.as_ref().and_then(|r| r.priority_group)
    }
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// A dose is due (or overdue) and no invitation covers it yet.
    DoseDue,
    /// An invitation waits for the person's answer.
    InvitationToAnswer,
}

/// Something the shell turns into a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// The profile.
    pub profile_id: String,
    /// The profile's name.
    pub profile_name: String,
    /// What it is about.
    pub kind: ReminderKind,
    /// For a due dose: the due date.
    pub due_on: Option<NaiveDate>,
    /// For an invitation: its id.
    pub invitation_id: Option<String>,
    /// For an invitation: answer before this time.
    pub answer_by: Option<DateTime<Utc>>,
}

/// What went wrong with a certificate the server sent; it was not stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "problem", content = "detail")]
pub enum CertificateProblem {
    /// The phone has no trust list to check it with (no root key pinned, or never fetched).
    NoTrustList,
    /// It does not verify: the stage that failed (`signature`, `unknown_key`, `wrong_role`, ...).
    DoesNotVerify(String),
    /// It verifies but is not a vaccination certificate.
    NotVaccination,
    /// It verifies but states something else than the record beside it: the field that differs.
    Mismatch(String),
}

impl std::fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoTrustList => write!(f, "no trust list to check the certificate with"),
            Self::DoesNotVerify(stage) => write!(f, "the certificate does not verify (stage {stage})"),
            Self::NotVaccination => write!(f, "the certificate is not a vaccination certificate"),
            Self::Mismatch(field) => write!(f, "the certificate does not match its record ({field})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn local_dates_are_vietnam_days() {
        assert_eq!(local_date(Utc.with_ymd_and_hms(2021, 9, 1, 16, 59, 0).unwrap()), NaiveDate::from_ymd_opt(2021, 9, 1).unwrap());
        assert_eq!(local_date(Utc.with_ymd_and_hms(2021, 9, 1, 17, 0, 0).unwrap()), NaiveDate::from_ymd_opt(2021, 9, 2).unwrap());
    }
}
