//! The volunteer area over the FFI: people without smartphones enrolled on this phone, their consent, doses
//! shown on paper and control cards. Declaring for them is `Declarations` with their profile.

use std::time::SystemTime;

use healthbook_core::volunteers;

use crate::profiles::ProfileField;

/// How the person agreed to a volunteer acting for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsentMethod {
    /// Said so aloud.
    Spoken,
    /// Signed a paper form.
    SignedPaper,
    /// Put a thumbprint on a paper form.
    Thumbprint,
}

impl From<ConsentMethod> for volunteers::ConsentMethod {
    fn from(m: ConsentMethod) -> Self {
        match m {
            ConsentMethod::Spoken => Self::Spoken,
            ConsentMethod::SignedPaper => Self::SignedPaper,
            ConsentMethod::Thumbprint => Self::Thumbprint,
        }
    }
}

/// A person a volunteer enrolled: a managed profile on this phone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ManagedPerson {
    /// The managed profile.
    pub profile_id: String,
    /// Full name.
    pub full_name: String,
    /// Birth year.
    pub birth_year: u16,
    /// True once the profile is bound to the person's record on the server.
    pub bound: bool,
    /// When the latest consent was given.
    pub consent_at: Option<SystemTime>,
    /// When this phone last declared for the person.
    pub last_declared_at: Option<SystemTime>,
    /// Doses recorded from paper that no officer has confirmed yet.
    pub self_reported_doses: u32,
    /// The control card's QR text (`HK1:`), once signed.
    pub control_card: Option<String>,
}

impl From<volunteers::ManagedPerson> for ManagedPerson {
    fn from(p: volunteers::ManagedPerson) -> Self {
        Self {
            profile_id: p.profile_id,
            full_name: p.full_name,
            birth_year: p.birth_year,
            bound: p.bound,
            consent_at: p.consent_at.map(Into::into),
            last_declared_at: p.last_declared_at.map(Into::into),
            self_reported_doses: p.self_reported_doses,
            control_card: p.control_card,
        }
    }
}

/// Why a volunteer action failed; messages carry no personal data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum VolunteerError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// The server can't be reached; the kept list stays readable.
    #[error("server unreachable: {reason}")]
    Unreachable {
        /// Details.
        reason: String,
    },
    /// Sign in as a volunteer first (or again: the session ran out).
    #[error("sign in as a volunteer first")]
    NotSignedIn,
    /// The user name or password is wrong.
    #[error("the user name or password is wrong")]
    SignInFailed,
    /// The account is not a volunteer's.
    #[error("this account is not a volunteer's")]
    NotAVolunteer,
    /// The profile is not a person this volunteer enrolled here, or the server does not know the volunteer as theirs.
    #[error("this is not a person you enrolled")]
    NotManaged,
    /// Record the person's consent first.
    #[error("record the person's consent first")]
    ConsentRequired,
    /// The person lives outside the volunteer's area.
    #[error("this person lives outside your area")]
    OutsideArea,
    /// A value typed is invalid; show `reason` next to `field` when there is one.
    #[error("invalid: {reason}")]
    InvalidField {
        /// The profile field at fault, if the profile part refused it.
        field: Option<ProfileField>,
        /// Why.
        reason: String,
    },
    /// The server refused or failed.
    #[error("server error: {reason}")]
    Server {
        /// Details.
        reason: String,
    },
    /// Storage or the data key failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

impl From<volunteers::VolunteerError> for VolunteerError {
    fn from(e: volunteers::VolunteerError) -> Self {
        use healthbook_core::profiles::ProfileError as P;
        use volunteers::VolunteerError as E;
        if e.is_offline() {
            return match e {
                E::NoServer => Self::NoServer,
                other => Self::Unreachable { reason: other.to_string() },
            };
        }
        match e {
            E::NotSignedIn => Self::NotSignedIn,
            E::SignInFailed => Self::SignInFailed,
            E::NotAVolunteer => Self::NotAVolunteer,
            E::NotManaged | E::NotYours => Self::NotManaged,
            E::ConsentRequired => Self::ConsentRequired,
            E::OutsideArea => Self::OutsideArea,
            E::Invalid(reason) => Self::InvalidField { field: None, reason },
            E::Profile(P::InvalidField { field, reason }) => Self::InvalidField { field: Some(field.into()), reason },
            E::Profile(P::NotFound(_)) => Self::NotManaged,
            e @ E::Profile(P::DuplicateCitizenId) => Self::InvalidField { field: Some(ProfileField::CitizenId), reason: e.to_string() },
            e @ (E::Server(_) | E::BadAnswer | E::Person(_)) => Self::Server { reason: e.to_string() },
            e => Self::Storage { reason: e.to_string() },
        }
    }
}

/// A volunteer's work on this phone.
#[derive(uniffi::Object)]
pub struct Volunteers(pub(crate) volunteers::Volunteers);

#[uniffi::export(async_runtime = "tokio")]
impl Volunteers {
    /// Signs in as a volunteer and keeps the session (sealed; the password is not kept).
    pub async fn sign_in(&self, username: String, password: String) -> Result<(), VolunteerError> {
        Ok(self.0.sign_in(&username, &password).await?)
    }

    /// Forgets the volunteer session on this phone.
    pub async fn sign_out(&self) -> Result<(), VolunteerError> {
        Ok(self.0.sign_out().await?)
    }

    /// Whether a volunteer session is kept and still valid.
    pub async fn signed_in(&self) -> Result<bool, VolunteerError> {
        Ok(self.0.signed_in().await?)
    }

    /// Every person this volunteer enrolled on this phone, by name (works offline).
    pub async fn people(&self) -> Result<Vec<ManagedPerson>, VolunteerError> {
        Ok(self.0.people().await?.into_iter().map(Into::into).collect())
    }

    /// Enrols a person without a smartphone: a managed profile bound to their record by the volunteer's attestation.
    #[allow(clippy::too_many_arguments)]
    pub async fn enrol(
        &self,
        full_name: String,
        birth_year: u16,
        citizen_id: String,
        phone: Option<String>,
        province_code: String,
        ward_code: String,
    ) -> Result<ManagedPerson, VolunteerError> {
        let person = volunteers::NewManagedPerson { full_name, birth_year, citizen_id, phone, province_code, ward_code, place: None };
        Ok(self.0.enrol(person).await?.into())
    }

    /// Records who agreed (the person, or a guardian, by name), how, and now.
    pub async fn record_consent(&self, profile_id: String, given_by: String, method: ConsentMethod) -> Result<ManagedPerson, VolunteerError> {
        Ok(self.0.record_consent(&profile_id, &given_by, method.into()).await?.into())
    }

    /// Records a dose the person shows on paper (`date` as YYYY-MM-DD); self-reported until an officer confirms it.
    pub async fn record_dose(
        &self,
        profile_id: String,
        product: String,
        dose_number: u8,
        date: String,
        lot: Option<String>,
    ) -> Result<ManagedPerson, VolunteerError> {
        let date = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map_err(|_| VolunteerError::InvalidField { field: None, reason: "the date must be YYYY-MM-DD".into() })?;
        Ok(self.0.record_dose(&profile_id, &product, dose_number, date, lot.as_deref()).await?.into())
    }

    /// Has the server sign the person's control card (`HK1:`) and keeps it; refused until consent is recorded.
    pub async fn control_card(&self, profile_id: String) -> Result<ManagedPerson, VolunteerError> {
        Ok(self.0.control_card(&profile_id).await?.into())
    }
}
