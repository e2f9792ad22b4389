//! Binding this phone's profiles to person records on the server, over the FFI: records mirroring the core's
//! types, the async `Persons` object, and the area's error enum.

use std::time::SystemTime;

use healthbook_core as core;
use healthbook_core::persons;

use crate::profiles::ProfileField;

/// How the server established a person record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PersonVerification {
    /// An officer or volunteer saw the id card.
    Attested,
    /// Declared by the person, proven by a code sent to the phone on record.
    SelfDeclared,
}

impl From<persons::Verification> for PersonVerification {
    fn from(v: persons::Verification) -> Self {
        match v {
            persons::Verification::Attested => Self::Attested,
            persons::Verification::SelfDeclared => Self::SelfDeclared,
        }
    }
}

/// How a profile was bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BindingMethod {
    /// A code sent by SMS to the number on record.
    Sms,
    /// An officer or volunteer checked the id card in person.
    Attestation,
}

impl From<persons::BindingMethod> for BindingMethod {
    fn from(m: persons::BindingMethod) -> Self {
        match m {
            persons::BindingMethod::Sms => Self::Sms,
            persons::BindingMethod::Attestation => Self::Attestation,
        }
    }
}

/// The person record a profile is bound to (never with the citizen id).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BoundPerson {
    /// The server's person id.
    pub person_id: String,
    /// Full name on record.
    pub full_name: String,
    /// Birth year on record.
    pub birth_year: u16,
    /// Province of the record.
    pub province_code: Option<String>,
    /// How the record was established.
    pub verification: PersonVerification,
}

/// Another phone bound to the same person.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OtherDevice {
    /// The start of its device id; pass it to `Persons.remove_other_device`.
    pub device: String,
    /// When it was bound.
    pub created_at: SystemTime,
    /// How it was bound.
    pub method: BindingMethod,
}

/// A profile of this phone bound to a person.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Binding {
    /// The profile.
    pub profile_id: String,
    /// The person.
    pub person: BoundPerson,
    /// How it was bound.
    pub method: BindingMethod,
    /// When it was bound.
    pub created_at: SystemTime,
    /// The other phones bound to the same person.
    pub other_devices: Vec<OtherDevice>,
}

impl From<persons::Binding> for Binding {
    fn from(b: persons::Binding) -> Self {
        Self {
            profile_id: b.profile_id,
            person: BoundPerson {
                person_id: b.person.person_id,
                full_name: b.person.full_name,
                birth_year: b.person.birth_year,
                province_code: b.person.province_code,
                verification: b.person.verification.into(),
            },
            method: b.method.into(),
            created_at: b.created_at.into(),
            other_devices: b
                .other_devices
                .into_iter()
                .map(|d| OtherDevice { device: d.device, created_at: d.created_at.into(), method: d.method.into() })
                .collect(),
        }
    }
}

/// The bindings of this phone's profiles.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BindingList {
    /// The bindings, the owner's profile first.
    pub bindings: Vec<Binding>,
    /// False when the server could not be reached and the kept copies are shown.
    pub online: bool,
}

impl From<persons::BindingList> for BindingList {
    fn from(l: persons::BindingList) -> Self {
        Self { bindings: l.bindings.into_iter().map(Into::into).collect(), online: l.online }
    }
}

/// A started SMS binding.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SmsChallenge {
    /// The challenge to send the code for.
    pub challenge_id: String,
    /// The profile being bound.
    pub profile_id: String,
    /// Where the code went, masked (the number on record, which may not be the one entered).
    pub sent_to: String,
    /// When the code stops working.
    pub expires_at: SystemTime,
}

impl From<persons::SmsChallenge> for SmsChallenge {
    fn from(c: persons::SmsChallenge) -> Self {
        Self { challenge_id: c.challenge_id, profile_id: c.profile_id, sent_to: c.sent_to, expires_at: c.expires_at.into() }
    }
}

/// A code to show (as text and QR) to an officer or volunteer who checks the id card.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AttestationCode {
    /// The server's challenge id.
    pub challenge_id: String,
    /// The profile being bound.
    pub profile_id: String,
    /// Eight Crockford base32 characters.
    pub code: String,
    /// When the code stops working.
    pub expires_at: SystemTime,
}

impl From<persons::AttestationCode> for AttestationCode {
    fn from(c: persons::AttestationCode) -> Self {
        Self { challenge_id: c.challenge_id, profile_id: c.profile_id, code: c.code, expires_at: c.expires_at.into() }
    }
}

/// Why a binding operation failed; messages carry no personal data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum PersonError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// The server can't be reached; kept bindings stay readable.
    #[error("server unreachable: {reason}")]
    Unreachable {
        /// Details.
        reason: String,
    },
    /// The profile has no citizen id and none was given: ask for it.
    #[error("a citizen id is needed")]
    CitizenIdRequired,
    /// The profile has no phone number and none was given: ask for it.
    #[error("a phone number is needed")]
    PhoneRequired,
    /// A value given is invalid; show `reason` next to `field`.
    #[error("invalid {field:?}: {reason}")]
    InvalidField {
        /// The field at fault.
        field: ProfileField,
        /// Why.
        reason: String,
    },
    /// Wrong code; `attempts_left` more tries on this challenge.
    #[error("wrong code, {attempts_left} attempt(s) left")]
    WrongCode {
        /// Tries left.
        attempts_left: u32,
    },
    /// Too many attempts: wait `retry_after_secs` seconds.
    #[error("locked; retry after {retry_after_secs} s")]
    Locked {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The code was used, burned or expired: start again.
    #[error("the code is no longer valid")]
    ChallengeClosed,
    /// No code was asked for this profile (or it expired).
    #[error("no binding was started for this profile")]
    NoPendingChallenge,
    /// The name or birth year doesn't match the record for this citizen id.
    #[error("identity does not match the record")]
    IdentityMismatch,
    /// The record has no phone number: ask an officer or volunteer to attest.
    #[error("attestation required")]
    AttestationRequired,
    /// The profile is not bound to a person.
    #[error("profile {profile_id} is not bound")]
    NotBound {
        /// The profile.
        profile_id: String,
    },
    /// No such profile.
    #[error("no profile {id}")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// The server refused or failed.
    #[error("server error: {reason}")]
    Server {
        /// Details.
        reason: String,
    },
    /// The data key could not seal or open a value (wrong key, or data altered).
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

impl From<persons::PersonError> for PersonError {
    fn from(e: persons::PersonError) -> Self {
        use core::profiles::ProfileError as P;
        use core::session::SessionError as S;
        use persons::PersonError as E;
        match e {
            E::NoServer => Self::NoServer,
            E::Unreachable(reason) => Self::Unreachable { reason },
            E::CitizenIdRequired => Self::CitizenIdRequired,
            E::PhoneRequired => Self::PhoneRequired,
            E::WrongCode { attempts_left } => Self::WrongCode { attempts_left },
            E::Locked { retry_after_secs } => Self::Locked { retry_after_secs },
            E::ChallengeClosed => Self::ChallengeClosed,
            E::NoPendingChallenge => Self::NoPendingChallenge,
            E::IdentityMismatch => Self::IdentityMismatch,
            E::AttestationRequired => Self::AttestationRequired,
            E::NotBound(profile_id) => Self::NotBound { profile_id },
            E::Profile(P::InvalidField { field, reason }) => Self::InvalidField { field: field.into(), reason },
            E::Profile(P::NotFound(id)) => Self::NotFound { id },
            e @ E::Profile(P::DuplicateCitizenId) => Self::InvalidField { field: ProfileField::CitizenId, reason: e.to_string() },
            e @ E::Profile(P::SelfProfileExists) => Self::InvalidField { field: ProfileField::Relation, reason: e.to_string() },
            e @ (E::Invalid(_) | E::Server(_) | E::BadAnswer | E::Session(S::Client(_))) => Self::Server { reason: e.to_string() },
            e @ (E::Sealing(_) | E::Profile(P::Sealing(_)) | E::Session(S::Sealing(_))) => Self::DataKey { reason: e.to_string() },
            e @ (E::Storage(_) | E::Corrupt(_) | E::Profile(P::Storage(_) | P::Corrupt { .. }) | E::Session(S::Storage(_))) => {
                Self::Storage { reason: e.to_string() }
            }
        }
    }
}

/// Binding profiles to person records: by a code sent by SMS, or by an officer's attestation.
#[derive(uniffi::Object)]
pub struct Persons(pub(crate) persons::Persons);

#[uniffi::export(async_runtime = "tokio")]
impl Persons {
    /// Asks for a code by SMS for `profile_id`, with the profile's name, birth year, citizen id (or
    /// `citizen_id`) and phone (or `phone`); `sent_to` says where the code went.
    pub async fn start_sms_binding(
        &self,
        profile_id: String,
        citizen_id: Option<String>,
        phone: Option<String>,
    ) -> Result<SmsChallenge, PersonError> {
        Ok(self.0.start_sms_binding(&profile_id, citizen_id.as_deref(), phone.as_deref()).await?.into())
    }

    /// The SMS challenge started for `profile_id` that has not expired, if any.
    pub async fn pending_challenge(&self, profile_id: String) -> Result<Option<SmsChallenge>, PersonError> {
        Ok(self.0.pending_challenge(&profile_id).await?.map(Into::into))
    }

    /// Sends the code received for `challenge_id`; the profile is bound on success.
    pub async fn verify_code(&self, challenge_id: String, code: String) -> Result<Binding, PersonError> {
        Ok(self.0.verify_code(&challenge_id, &code).await?.into())
    }

    /// Sends the code for the challenge started for `profile_id`.
    pub async fn verify_pending(&self, profile_id: String, code: String) -> Result<Binding, PersonError> {
        Ok(self.0.verify_pending(&profile_id, &code).await?.into())
    }

    /// A code to show to an officer or volunteer, who checks the id card and binds the profile.
    pub async fn start_attestation(&self, profile_id: String) -> Result<AttestationCode, PersonError> {
        Ok(self.0.start_attestation(&profile_id).await?.into())
    }

    /// The bindings (of `profile_id` only, when given) from the server; the kept ones when it can't be reached.
    pub async fn bindings(&self, profile_id: Option<String>) -> Result<BindingList, PersonError> {
        Ok(self.0.bindings(profile_id.as_deref()).await?.into())
    }

    /// The kept bindings, without touching the network.
    pub async fn kept_bindings(&self, profile_id: Option<String>) -> Result<Vec<Binding>, PersonError> {
        Ok(self.0.kept_bindings(profile_id.as_deref()).await?.into_iter().map(Into::into).collect())
    }

    /// Removes this phone's binding of `profile_id` (and the pass kept for it).
    pub async fn unbind(&self, profile_id: String) -> Result<(), PersonError> {
        Ok(self.0.unbind(&profile_id).await?)
    }

    /// Removes another phone's binding to the person `profile_id` is bound to.
    pub async fn remove_other_device(&self, profile_id: String, device: String) -> Result<BindingList, PersonError> {
        Ok(self.0.remove_other_device(&profile_id, &device).await?.into())
    }
}
