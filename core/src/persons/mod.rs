//! Persons: binding this phone's profiles to person records on the server, so that a pass can be issued for
//! the person (with the name on record) rather than for whatever a profile says.
//!
//! Two proofs bind a profile: a one-time code sent by SMS to the phone number on record
//! ([`Persons::start_sms_binding`] then [`Persons::verify_code`]), or an officer or volunteer who checks the id
//! card in person and enters the code the phone shows ([`Persons::start_attestation`]). The bindings are kept
//! (sealed) for offline display and refreshed from the server by [`Persons::bindings`].
//!
//! Files: `model.rs` (types), `db.rs` (the sealed local copies), `transport.rs` (the server, behind a trait so
//! tests can script it), `error.rs`.

pub mod db;
pub mod error;
pub mod model;
pub mod transport;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use healthbook_protocol::{
    AttestationCodeRequest, AttestationCodeView, RemoveOtherRequest, SmsBindingRequest, SmsChallengeView, VerifyCodeRequest,
};
use serde_json::Value;

pub use error::PersonError;
pub use model::{AttestationCode, Binding, BindingMethod, BoundPerson, OtherDevice, SmsChallenge, Verification};
pub use transport::{HttpPersonsTransport, PersonsTransport, TransportError, Verb};

use crate::healthbook::Healthbook;
use crate::clock::Clock;
use crate::profiles::{Profiles, validate};
use crate::sealing::Sealer;
use crate::storage::Database;
use transport::to_person_error;

/// The bindings of this phone's profiles, and whether the server confirmed them just now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingList {
    /// The bindings, the owner's profile first.
    pub bindings: Vec<Binding>,
    /// False when the server could not be reached and the kept copies are shown.
    pub online: bool,
}

/// Another device as the server lists it.
#[derive(Deserialize)]
struct WireOtherDevice {
    #[serde(alias = "device_id_prefix", alias = "device_prefix", alias = "device_id")]
    device: String,
    #[serde(default)]
    profile_ref: Option<String>,
    created_at: DateTime<Utc>,
    method: BindingMethod,
    /// Set when the server lists other devices beside the bindings rather than inside them.
    #[serde(default)]
    person_id: Option<String>,
}

/// A binding as the server sends it.
#[derive(Deserialize)]
struct WireBinding {
    profile_ref: String,
    person: BoundPerson,
    method: BindingMethod,
    created_at: DateTime<Utc>,
    #[serde(default, alias = "other_bindings", alias = "others")]
    other_devices: Vec<WireOtherDevice>,
}

impl WireBinding {
    fn into_binding(self) -> Binding {
        Binding {
            profile_id: self.profile_ref,
            person: self.person,
            method: self.method,
            created_at: self.created_at,
            other_devices: self.other_devices.into_iter().map(WireOtherDevice::into_other).collect(),
        }
    }
}

impl WireOtherDevice {
    fn into_other(self) -> OtherDevice {
        OtherDevice { device: self.device, profile_ref: self.profile_ref, created_at: self.created_at, method: self.method }
    }
}

/// A request body of the wire contract as the transport sends it.
fn body_of<T: serde::Serialize>(request: &T) -> Result<Value, PersonError> {
    // Serialising our own wire types fails only on a bug; the message would quote the body (a person's data).
    serde_json::to_value(request).map_err(|_| PersonError::Corrupt("request body is not serialisable"))
}

fn decode<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, PersonError> {
    serde_json::from_value(value).map_err(|_| PersonError::BadAnswer)
}

/// The binding in a verify or attest answer: `{"binding": {...}}` or the binding itself.
fn binding_of(answer: Value) -> Result<Binding, PersonError> {
    let inner = match answer {
        Value::Object(mut map) if map.contains_key("binding") => map.remove("binding").unwrap_or_default(),
        other => other,
    };
    Ok(decode::<WireBinding>(inner)?.into_binding())
}

/// The bindings of a list answer, with other devices listed beside them attached to their person.
fn bindings_of(mut answer: Value) -> Result<Vec<Binding>, PersonError> {
    let list: Vec<WireBinding> = decode(answer["bindings"].take())?;
    let beside: Vec<WireOtherDevice> =
        if answer["other_devices"].is_array() { decode(answer["other_devices"].take())? } else { Vec::new() };
    let mut bindings: Vec<Binding> = list.into_iter().map(WireBinding::into_binding).collect();
    for other in beside {
        let person = other.person_id.clone();
        for binding in bindings.iter_mut().filter(|b| person.as_deref() == Some(b.person.person_id.as_str())) {
            binding.other_devices.push(OtherDevice {
                device: other.device.clone(),
                profile_ref: other.profile_ref.clone(),
                created_at: other.created_at,
                method: other.method,
            });
        }
    }
    Ok(bindings)
}

/// Only the digits of a typed code: people copy codes with spaces or dashes.
fn clean_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase()
}

/// Binding operations; obtained from [`Healthbook::persons`].
#[derive(Clone)]
pub struct Persons {
    db: Database,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
    profiles: Profiles,
    transport: Arc<dyn PersonsTransport>,
}

impl Persons {
    /// Bindings kept in `db`, checked against `profiles`, exchanged with the server through `transport`.
    pub(crate) fn new(db: Database, sealer: Arc<Sealer>, clock: Arc<dyn Clock>, profiles: Profiles, transport: Arc<dyn PersonsTransport>) -> Self {
        Self { db, sealer, clock, profiles, transport }
    }

    /// Asks the server to send a binding code by SMS for `profile_id`, with the profile's name and birth year and
    /// its citizen id (or `citizen_id` when given; it must be given when the profile has none) and its phone (or
    /// `phone`). When the server knows the person, the code goes to the number on record, whatever was given:
    /// the answer's `sent_to` says where. The started challenge is kept, so the code can be entered later.
    pub async fn start_sms_binding(&self, profile_id: &str, citizen_id: Option<&str>, phone: Option<&str>) -> Result<SmsChallenge, PersonError> {
        let profile = self.profiles.get(profile_id).await?;
        let details = &profile.details;
        let citizen_id = match citizen_id.map(str::trim).filter(|c| !c.is_empty()) {
            Some(raw) => validate::normalize_citizen_id(raw, details.birth.year)?,
            None => details.citizen_id.clone().ok_or(PersonError::CitizenIdRequired)?,
        };
        let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
            Some(raw) => validate::normalize_phone(raw)?,
            None => details.phone.clone().ok_or(PersonError::PhoneRequired)?,
        };
        let body = body_of(&SmsBindingRequest {
            profile_ref: profile.id.clone(),
            citizen_id,
            full_name: details.full_name.clone(),
            birth_year: details.birth.year.into(),
            phone: Some(phone),
            province_code: None,
            ward_code: None,
        })?;
        let answer = self.transport.send(Verb::Post, "/v1/bindings/sms", Some(body)).await.map_err(|e| to_person_error(e, Some(profile_id)))?;
        let started: SmsChallengeView = decode(answer)?;
        let challenge = SmsChallenge {
            challenge_id: started.challenge_id,
            profile_id: profile.id,
            sent_to: started.sent_to,
            expires_at: started.expires_at,
        };
        let (sealer, kept) = (self.sealer.clone(), challenge.clone());
        self.db.write(move |tx| db::put_challenge(tx, &sealer, &kept)).await?;
        Ok(challenge)
    }

    /// The SMS challenge started for `profile_id` that has not expired yet, if any.
    pub async fn pending_challenge(&self, profile_id: &str) -> Result<Option<SmsChallenge>, PersonError> {
        let (sealer, id, now) = (self.sealer.clone(), profile_id.to_owned(), self.clock.now());
        self.db.read(move |conn| db::pending_challenge(conn, &sealer, &id, now)).await
    }

    /// Sends the code received by SMS for `challenge_id`; on success the profile is bound and the binding kept.
    /// A wrong code says how many tries are left; a used, burned or expired challenge must be started again.
    pub async fn verify_code(&self, challenge_id: &str, code: &str) -> Result<Binding, PersonError> {
        let (sealer, id) = (self.sealer.clone(), challenge_id.to_owned());
        let started = self.db.read(move |conn| db::challenge_by_id(conn, &sealer, &id)).await?;
        let profile_id = started.as_ref().map(|c| c.profile_id.clone());
        let path = format!("/v1/bindings/sms/{}/verify", crate::client::segment(challenge_id));
        let answer = match self.transport.send(Verb::Post, &path, Some(body_of(&VerifyCodeRequest { code: clean_code(code) })?)).await {
            Ok(answer) => answer,
            Err(e) => {
                let error = match e {
                    TransportError::Refused { status: 404, .. } => PersonError::ChallengeClosed,
                    other => to_person_error(other, profile_id.as_deref()),
                };
                if let (PersonError::ChallengeClosed, Some(profile_id)) = (&error, profile_id) {
                    self.db.write(move |tx| db::remove_challenge(tx, &profile_id)).await?;
                }
                return Err(error);
            }
        };
        let binding = binding_of(answer)?;
        self.keep_new_binding(binding.clone()).await?;
        Ok(binding)
    }

    /// Sends `code` for the SMS challenge started for `profile_id` (when the code is entered later, or from
    /// another screen or command than the one that started it).
    pub async fn verify_pending(&self, profile_id: &str, code: &str) -> Result<Binding, PersonError> {
        let challenge = self.pending_challenge(profile_id).await?.ok_or(PersonError::NoPendingChallenge)?;
        self.verify_code(&challenge.challenge_id, code).await
    }

    /// Keeps a binding made just now, forgetting the challenge that made it and any pass kept from before
    /// (which was not issued for this person).
    async fn keep_new_binding(&self, binding: Binding) -> Result<(), PersonError> {
        let (sealer, now) = (self.sealer.clone(), self.clock.now());
        self
            .db
            .write(move |tx| {
                db::remove_challenge(tx, &binding.profile_id)?;
                tx.execute("DELETE FROM passes WHERE profile_id = ?1", [&binding.profile_id])?;
                if tx.query_row("SELECT 1 FROM profiles WHERE id = ?1", [&binding.profile_id], |_| Ok(())).is_ok() {
                    db::put(tx, &sealer, &binding, now)?;
                }
                Ok(())
            })
            .await
    }

    /// Asks the server for an attestation code for `profile_id`: the phone shows it (and its QR) to an officer or
    /// volunteer, who checks the id card and binds the profile; [`Persons::bindings`] then shows the binding.
    pub async fn start_attestation(&self, profile_id: &str) -> Result<AttestationCode, PersonError> {
        let profile = self.profiles.get(profile_id).await?;
        let body = body_of(&AttestationCodeRequest { profile_ref: profile.id.clone() })?;
        let answer = self
            .transport
            .send(Verb::Post, "/v1/bindings/attestation", Some(body))
            .await
            .map_err(|e| to_person_error(e, Some(profile_id)))?;
        let started: AttestationCodeView = decode(answer)?;
        Ok(AttestationCode { challenge_id: started.challenge_id, profile_id: profile.id, code: started.code, expires_at: started.expires_at })
    }

    /// The bindings of this phone's profiles (of `profile_id` only, when given), from the server, kept for
    /// offline use; when the server can't be reached, the kept copies (`online` false).
    pub async fn bindings(&self, profile_id: Option<&str>) -> Result<BindingList, PersonError> {
        match self.transport.send(Verb::Get, "/v1/bindings", None).await {
            Ok(answer) => {
                let fetched = bindings_of(answer)?;
                let (sealer, now) = (self.sealer.clone(), self.clock.now());
                let mut kept = self.db.write(move |tx| db::replace_all(tx, &sealer, fetched, now)).await?;
                // The kept list comes back in the server's order; show them as the profiles are listed.
                let order = self.profiles.list().await?;
                kept.sort_by_key(|b| order.iter().position(|p| p.id == b.profile_id));
                kept.retain(|b| profile_id.is_none_or(|id| b.profile_id == id));
                Ok(BindingList { bindings: kept, online: true })
            }
            Err(e) => match to_person_error(e, profile_id) {
                error if error.is_offline() => Ok(BindingList { bindings: self.kept_bindings(profile_id).await?, online: false }),
                error => Err(error),
            },
        }
    }

    /// The kept bindings (of `profile_id` only, when given), without touching the network.
    pub async fn kept_bindings(&self, profile_id: Option<&str>) -> Result<Vec<Binding>, PersonError> {
        let (sealer, id) = (self.sealer.clone(), profile_id.map(str::to_owned));
        self.db.read(move |conn| db::list(conn, &sealer, id.as_deref())).await
    }

    /// The kept binding of `profile_id`, if any, without touching the network.
    pub async fn binding(&self, profile_id: &str) -> Result<Option<Binding>, PersonError> {
        Ok(self.kept_bindings(Some(profile_id)).await?.into_iter().next())
    }

    /// Removes this phone's binding of `profile_id` on the server and here (with its kept pass). A profile the
    /// server does not know as bound gives [`PersonError::NotBound`], and is forgotten here too.
    pub async fn unbind(&self, profile_id: &str) -> Result<(), PersonError> {
        let path = format!("/v1/bindings/{}", crate::client::segment(profile_id));
        let outcome = match self.transport.send(Verb::Delete, &path, None).await {
            Ok(_) => Ok(()),
            Err(TransportError::Refused { status: 404, .. }) => Err(PersonError::NotBound(profile_id.to_owned())),
            Err(e) => Err(to_person_error(e, Some(profile_id))),
        };
        if matches!(outcome, Ok(()) | Err(PersonError::NotBound(_))) {
            let id = profile_id.to_owned();
            self.db.write(move |tx| Ok::<_, PersonError>(db::remove(tx, &id)?)).await?;
        }
        outcome
    }

    /// Removes another device's binding to the person `profile_id` is bound to (`device` as the bindings list
    /// shows it); returns the bindings as they are now.
    pub async fn remove_other_device(&self, profile_id: &str, device: &str) -> Result<BindingList, PersonError> {
        let body = body_of(&RemoveOtherRequest { profile_ref: profile_id.to_owned(), device_id: device.to_owned() })?;
        match self.transport.send(Verb::Post, "/v1/bindings/remove-other", Some(body)).await {
            Ok(_) => {}
            Err(TransportError::Refused { status: 404, code, .. }) if code != "profile_not_bound" => {
                return Err(PersonError::Server(crate::client::ClientError::Http {
                    status: 404,
                    code,
                    message: "no such binding of another device".into(),
                }));
            }
            Err(e) => return Err(to_person_error(e, Some(profile_id))),
        }
        self.bindings(None).await
    }
}

impl Healthbook {
    /// Bindings of this phone's profiles to person records, through the configured server.
    pub fn persons(&self) -> Persons {
        self.persons_with(Arc::new(HttpPersonsTransport::new(self.session())))
    }

    /// Bindings through another transport (tests, or a server reached another way).
    pub fn persons_with(&self, transport: Arc<dyn PersonsTransport>) -> Persons {
        Persons::new(self.db.clone(), self.sealer.clone(), self.clock.clone(), self.profiles(), transport)
    }
}
