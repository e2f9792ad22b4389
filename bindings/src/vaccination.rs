//! The citizen's vaccination over the FFI: records mirroring the core's (registration, doses, the certificate
//! wallet, invitations, reminders), the async `Vaccinations` object and the area's error enum. Dates are
//! `YYYY-MM-DD` text (days in the sessions' local time), instants are timestamps.

use std::time::SystemTime;

use healthbook_core::vaccination as vac;

/// Where a profile's registration stands on this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VaccinationRegistrationState {
    /// Waiting in the outbox.
    Queued,
    /// The server has it.
    Registered,
    /// The server refused it; registering again sends a new request.
    Refused,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VaccinationInvitationState {
    /// Waiting for the person's answer.
    Pending,
    /// The person will come.
    Confirmed,
    /// The person declined.
    Declined,
    /// Not answered in time, or closed.
    Expired,
    /// The dose was given.
    Attended,
}

/// Why an invitation was closed on this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InvitationClosedReason {
    /// The server said the invitation is closed.
    InvitationClosed,
    /// The server refused the answer for another reason.
    AnswerRefused,
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VaccinationReminderKind {
    /// A dose is due.
    DoseDue,
    /// An invitation waits for an answer.
    InvitationToAnswer,
}

/// Where a dose record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VaccinationDoseSource {
    /// Shown on paper to a volunteer.
    SelfReported,
    /// Given at a vaccination site.
    Site,
}

impl From<vac::RegistrationState> for VaccinationRegistrationState {
    fn from(s: vac::RegistrationState) -> Self {
        match s {
            vac::RegistrationState::Queued => Self::Queued,
            vac::RegistrationState::Registered => Self::Registered,
            vac::RegistrationState::Refused => Self::Refused,
        }
    }
}

impl From<vac::InvitationState> for VaccinationInvitationState {
    fn from(s: vac::InvitationState) -> Self {
        match s {
            vac::InvitationState::Pending => Self::Pending,
            vac::InvitationState::Confirmed => Self::Confirmed,
            vac::InvitationState::Declined => Self::Declined,
            vac::InvitationState::Expired => Self::Expired,
            vac::InvitationState::Attended => Self::Attended,
        }
    }
}

impl From<vac::ClosedReason> for InvitationClosedReason {
    fn from(r: vac::ClosedReason) -> Self {
        match r {
            vac::ClosedReason::InvitationClosed => Self::InvitationClosed,
            vac::ClosedReason::AnswerRefused => Self::AnswerRefused,
        }
    }
}

impl From<vac::ReminderKind> for VaccinationReminderKind {
    fn from(k: vac::ReminderKind) -> Self {
        match k {
            vac::ReminderKind::DoseDue => Self::DoseDue,
            vac::ReminderKind::InvitationToAnswer => Self::InvitationToAnswer,
        }
    }
}

impl From<vac::DoseSource> for VaccinationDoseSource {
    fn from(s: vac::DoseSource) -> Self {
        match s {
            vac::DoseSource::SelfReported => Self::SelfReported,
            vac::DoseSource::Site => Self::Site,
        }
    }
}

/// A profile's registration for vaccination.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VaccinationRegistration {
    /// The commune (ward code).
    pub ward_code: String,
    /// Where it stands.
    pub state: VaccinationRegistrationState,
    /// The priority group from the commune's list.
    pub priority_group: Option<u8>,
    /// When the phone asked.
    pub requested_at: SystemTime,
    /// When the server registered it.
    pub registered_at: Option<SystemTime>,
    /// Why the server refused it.
    pub refused_reason: Option<String>,
}

/// One dose of one profile.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VaccinationDose {
    /// Dose number.
    pub dose_number: u8,
    /// Date given, `YYYY-MM-DD`.
    pub date: String,
    /// The product as recorded.
    pub product_code: String,
    /// The product as shown to people.
    pub product: String,
    /// Lot.
    pub lot: Option<String>,
    /// Where the record comes from.
    pub source: VaccinationDoseSource,
    /// Shown on paper and not yet confirmed by an officer: never shown as confirmed.
    pub self_reported: bool,
    /// Counts (given at a site, or confirmed).
    pub confirmed: bool,
}

/// An EU DCC vaccination certificate in the wallet.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VaccinationCertificate {
    /// The unique certificate identifier.
    pub uvci: String,
    /// The QR text (`HC1:`).
    pub qr: String,
    /// The dose it states.
    pub dose_number: u8,
    /// The series length it states.
    pub series_doses: u8,
    /// The product as shown to people.
    pub product: String,
    /// Date of vaccination, `YYYY-MM-DD`.
    pub date: String,
    /// Issued.
    pub issued_at: SystemTime,
    /// Expires.
    pub expires_at: SystemTime,
    /// When a newer certificate replaced it; none for the current one.
    pub replaced_at: Option<SystemTime>,
}

/// One profile's vaccination record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProfileVaccinationRecord {
    /// The profile.
    pub profile_id: String,
    /// The profile's name.
    pub profile_name: String,
    /// True once the server has the registration.
    pub registered: bool,
    /// The registration as the phone knows it.
    pub registration: Option<VaccinationRegistration>,
    /// The priority group from the commune's list.
    pub priority_group: Option<u8>,
    /// Doses, oldest first.
    pub doses: Vec<VaccinationDose>,
    /// When the next dose is due, `YYYY-MM-DD`.
    pub next_due: Option<String>,
    /// The current certificate.
    pub certificate: Option<VaccinationCertificate>,
    /// Certificates it replaced, newest first.
    pub history: Vec<VaccinationCertificate>,
    /// When the record was last refreshed from the server.
    pub refreshed_at: Option<SystemTime>,
}

/// An invitation to a vaccination session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VaccinationInvitation {
    /// The invitation.
    pub invitation_id: String,
    /// The profile invited.
    pub profile_id: String,
    /// The site's name.
    pub site_name: String,
    /// The site's address.
    pub site_address: String,
    /// Slot start.
    pub starts_at: SystemTime,
    /// Slot end.
    pub ends_at: SystemTime,
    /// The product as shown to people.
    pub product: String,
    /// Which dose this will be.
    pub dose_number: u8,
    /// Where it stands as shown (the queued answer, while one waits).
    pub state: VaccinationInvitationState,
    /// Answer before this time.
    pub answer_by: SystemTime,
    /// True while the answer waits in the outbox.
    pub answer_pending: bool,
    /// Set when the server refused the answer for good.
    pub closed_reason: Option<InvitationClosedReason>,
}

/// Something to notify the person of.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VaccinationReminder {
    /// The profile.
    pub profile_id: String,
    /// The profile's name.
    pub profile_name: String,
    /// What it is about.
    pub kind: VaccinationReminderKind,
    /// For a due dose: when, `YYYY-MM-DD`.
    pub due_on: Option<String>,
    /// For an invitation: its id.
    pub invitation_id: Option<String>,
    /// For an invitation: answer before this time.
    pub answer_by: Option<SystemTime>,
}

impl From<vac::Registration> for VaccinationRegistration {
    fn from(r: vac::Registration) -> Self {
        Self {
            ward_code: r.ward_code,
            state: r.state.into(),
            priority_group: r.priority_group,
            requested_at: r.requested_at.into(),
            registered_at: r.registered_at.map(Into::into),
            refused_reason: r.refused_reason,
        }
    }
}

impl From<vac::Dose> for VaccinationDose {
    fn from(d: vac::Dose) -> Self {
        Self {
            dose_number: d.dose_number,
            date: d.date.to_string(),
            product_code: d.product_code,
            product: d.product_name,
            lot: d.lot,
            source: d.source.into(),
            self_reported: d.self_reported,
            confirmed: d.confirmed,
        }
    }
}

impl From<vac::Certificate> for VaccinationCertificate {
    fn from(c: vac::Certificate) -> Self {
        Self {
            uvci: c.uvci,
            qr: c.qr,
            dose_number: c.dose_number,
            series_doses: c.series_doses,
            product: c.product.display_name().to_owned(),
            date: c.date.to_string(),
            issued_at: c.issued_at.into(),
            expires_at: c.expires_at.into(),
            replaced_at: c.replaced_at.map(Into::into),
        }
    }
}

impl From<vac::ProfileRecord> for ProfileVaccinationRecord {
    fn from(r: vac::ProfileRecord) -> Self {
        Self {
            registered: r.registered(),
            priority_group: r.priority_group(),
            profile_id: r.profile_id,
            profile_name: r.profile_name,
            registration: r.registration.map(Into::into),
            doses: r.doses.into_iter().map(Into::into).collect(),
            next_due: r.next_due.map(|d| d.to_string()),
            certificate: r.certificate.map(Into::into),
            history: r.history.into_iter().map(Into::into).collect(),
            refreshed_at: r.refreshed_at.map(Into::into),
        }
    }
}

impl From<vac::Invitation> for VaccinationInvitation {
    fn from(i: vac::Invitation) -> Self {
        Self {
            invitation_id: i.invitation_id,
            profile_id: i.profile_id,
            site_name: i.site_name,
            site_address: i.site_address,
            starts_at: i.starts_at.into(),
            ends_at: i.ends_at.into(),
            product: i.product.display_name().to_owned(),
            dose_number: i.dose_number,
            state: i.state.into(),
            answer_by: i.answer_by.into(),
            answer_pending: i.answer_pending,
            closed_reason: i.closed_reason.map(Into::into),
        }
    }
}

impl From<vac::Reminder> for VaccinationReminder {
    fn from(r: vac::Reminder) -> Self {
        Self {
            profile_id: r.profile_id,
            profile_name: r.profile_name,
            kind: r.kind.into(),
            due_on: r.due_on.map(|d| d.to_string()),
            invitation_id: r.invitation_id,
            answer_by: r.answer_by.map(Into::into),
        }
    }
}

/// Why a vaccination operation failed; messages carry no personal data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum VaccinationError {
    /// The ward code is not five digits.
    #[error("the ward code must be five digits")]
    InvalidWard,
    /// The profile is not bound to a person yet.
    #[error("the profile is not bound to a person yet")]
    NotBound,
    /// Already registered in another commune.
    #[error("already registered in another commune")]
    AlreadyRegistered,
    /// No such invitation on this phone.
    #[error("no such invitation")]
    UnknownInvitation,
    /// The invitation can no longer be answered.
    #[error("the invitation is closed")]
    InvitationClosed,
    /// A certificate from the server did not verify; nothing from the refresh was stored.
    #[error("a certificate was not stored: {problem}")]
    Certificate {
        /// What was wrong (`no_trust_list`, `does_not_verify:<stage>`, `not_vaccination`, `mismatch:<field>`).
        problem: String,
    },
    /// No such profile.
    #[error("no profile {id}")]
    ProfileNotFound {
        /// The id asked for.
        id: String,
    },
    /// No server configured.
    #[error("no server configured")]
    NoServer,
    /// The server can't be reached.
    #[error("server unreachable: {reason}")]
    Unreachable {
        /// Details.
        reason: String,
    },
    /// The server refused or failed.
    #[error("server error: {reason}")]
    Server {
        /// Details.
        reason: String,
    },
    /// The data key could not seal or open a value.
    #[error("data key failed: {reason}")]
    DataKey {
        /// Details.
        reason: String,
    },
    /// Storage failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

fn problem_code(p: &vac::CertificateProblem) -> String {
    match p {
        vac::CertificateProblem::NoTrustList => "no_trust_list".to_owned(),
        vac::CertificateProblem::DoesNotVerify(stage) => format!("does_not_verify:{stage}"),
        vac::CertificateProblem::NotVaccination => "not_vaccination".to_owned(),
        vac::CertificateProblem::Mismatch(field) => format!("mismatch:{field}"),
    }
}

impl From<vac::VaccinationError> for VaccinationError {
    fn from(e: vac::VaccinationError) -> Self {
        use vac::VaccinationError as E;
        match e {
            E::InvalidWard => Self::InvalidWard,
            E::NotBound => Self::NotBound,
            E::AlreadyRegistered => Self::AlreadyRegistered,
            E::UnknownInvitation => Self::UnknownInvitation,
            E::InvitationClosed => Self::InvitationClosed,
            E::Certificate(p) => Self::Certificate { problem: problem_code(&p) },
            E::Profile(healthbook_core::profiles::ProfileError::NotFound(id)) => Self::ProfileNotFound { id },
            E::NoServer => Self::NoServer,
            E::Unreachable(reason) => Self::Unreachable { reason },
            E::Sealing(s) => Self::DataKey { reason: s.to_string() },
            e @ (E::Session(_) | E::Server(_) | E::BadAnswer) => Self::Server { reason: e.to_string() },
            e @ (E::Storage(_) | E::Corrupt(_) | E::Profile(_) | E::Person(_) | E::Outbox(_)) => Self::Storage { reason: e.to_string() },
        }
    }
}

/// The citizen's vaccination area.
#[derive(uniffi::Object)]
pub struct Vaccinations(pub(crate) vac::Vaccinations);

#[uniffi::export(async_runtime = "tokio")]
impl Vaccinations {
    /// Every profile's record from the phone's store (works offline).
    pub async fn records(&self) -> Result<Vec<ProfileVaccinationRecord>, VaccinationError> {
        Ok(self.0.records().await?.into_iter().map(Into::into).collect())
    }

    /// One profile's record from the phone's store.
    pub async fn record(&self, profile_id: String) -> Result<ProfileVaccinationRecord, VaccinationError> {
        Ok(self.0.record(&profile_id).await?.into())
    }

    /// Refreshes records, certificates and invitations from the server; returns every profile's record.
    pub async fn refresh(&self) -> Result<Vec<ProfileVaccinationRecord>, VaccinationError> {
        Ok(self.0.refresh().await?.into_iter().map(Into::into).collect())
    }

    /// Registers a bound profile in a commune (five-digit ward code); queued in the outbox when offline.
    pub async fn register(&self, profile_id: String, ward_code: String) -> Result<ProfileVaccinationRecord, VaccinationError> {
        Ok(self.0.register(&profile_id, &ward_code).await?.into())
    }

    /// Every kept invitation, newest first.
    pub async fn invitations(&self) -> Result<Vec<VaccinationInvitation>, VaccinationError> {
        Ok(self.0.invitations().await?.into_iter().map(Into::into).collect())
    }

    /// Confirms (`true`) or declines an invitation; queued in the outbox when offline.
    pub async fn answer(&self, invitation_id: String, confirm: bool) -> Result<VaccinationInvitation, VaccinationError> {
        Ok(self.0.answer(&invitation_id, confirm).await?.into())
    }

    /// What to notify the person of at `now`: doses due within `within_days` days, invitations to answer.
    pub async fn reminders(&self, now: SystemTime, within_days: u32) -> Result<Vec<VaccinationReminder>, VaccinationError> {
        Ok(self.0.reminders(now.into(), within_days).await?.into_iter().map(Into::into).collect())
    }

    /// Deletes invitations 30 days after their slot; returns how many.
    pub async fn purge_expired(&self) -> Result<u32, VaccinationError> {
        Ok(u32::try_from(self.0.purge_expired().await?).unwrap_or(u32::MAX))
    }
}
