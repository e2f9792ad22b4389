//! Volunteers (issue 9): a volunteer enrols people without smartphones on their own phone, each as a managed
//! profile bound to the person's record by the volunteer's attestation, records their consent and the doses they
//! show on paper, and has their control card (`HK1:`) signed. Declaring on their behalf is the declarations
//! sub-client with the managed profile (`filled_by` says `managed_by_volunteer`).
//!
//! Two sessions meet here: the phone's own device session (it asks for the attestation code of its managed
//! profile, as any phone does) and the volunteer's staff session ([`Volunteers::sign_in`]; the token is kept
//! sealed, never the password). What the server confirmed (person id, consent time, doses not confirmed yet, the
//! card) is kept sealed per profile, so that the list shows offline.
//!
//! Files: `model.rs` (types), `db.rs` (schema 12 tables), `error.rs`.

pub mod db;
pub mod error;
pub mod model;

use std::sync::Arc;

use healthbook_protocol::{
    ConsentView, ControlCardRequest, ControlCardView, DoseView, EnrolPersonRequest, IdKind, ManagedPersonView, PersonView,
    RecordConsentRequest, RecordDoseRequest, Role,
};

pub use error::VolunteerError;
pub use model::{ConsentGiver, ConsentMethod, ManagedPerson, ManagedRecord, NewManagedPerson};

use crate::client::{ClientConfig, ServerClient, StaffSignInError, segment};
use crate::clock::Clock;
use crate::healthbook::Healthbook;
use crate::persons::Persons;
use crate::profiles::{Address, BirthDate, Profile, ProfileInput, ProfileRelation, Profiles, validate};
use crate::sealing::Sealer;
use crate::storage::Database;

/// The place recorded with an enrolment when the volunteer names none.
const DEFAULT_PLACE: &str = "enrolled by a volunteer";

/// Whether two names are the same person's name as typed: NFC, case and spacing aside.
fn same_name(a: &str, b: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let norm = |s: &str| s.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    norm(a) == norm(b)
}

/// Volunteer operations; obtained from [`Healthbook::volunteers`].
#[derive(Clone)]
pub struct Volunteers {
    db: Database,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
    profiles: Profiles,
    persons: Persons,
}

impl Volunteers {
    /// Signs `username` in as a volunteer at the configured server and keeps the session (sealed) for later
    /// calls; the password is used for this sign-in only.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<(), VolunteerError> {
        let url = crate::settings::Settings::new(self.db.clone())
            .server_url()
            .await
            .map_err(|e| VolunteerError::Invalid(e.to_string()))?
            .ok_or(VolunteerError::NoServer)?;
        let client = ServerClient::new(ClientConfig::new(url), self.clock.clone())?;
        let token = client.sign_in_staff_as(username, password, Role::Volunteer).await.map_err(|e| match e {
            StaffSignInError::Refused => VolunteerError::SignInFailed,
            StaffSignInError::WrongRole(_) => VolunteerError::NotAVolunteer,
            StaffSignInError::NoServer => VolunteerError::NoServer,
            StaffSignInError::Settings(reason) => VolunteerError::Invalid(reason),
            StaffSignInError::Client(e) => e.into(),
        })?;
        let (sealer, url, now) = (self.sealer.clone(), client.base_url().to_owned(), self.clock.now());
        self.db.write(move |tx| db::put_session(tx, &sealer, &url, &token, now)).await
    }

    /// Forgets the volunteer's session on this phone (the managed profiles stay).
    pub async fn sign_out(&self) -> Result<(), VolunteerError> {
        self.db.write(db::remove_session).await
    }

    /// Whether a volunteer session is kept and still valid.
    pub async fn signed_in(&self) -> Result<bool, VolunteerError> {
        let (sealer, now) = (self.sealer.clone(), self.clock.now());
        let kept = self.db.read(move |conn| db::session(conn, &sealer)).await?;
        Ok(kept.is_some_and(|(_, token)| token.expires_at > now))
    }

    /// A client carrying the kept volunteer session.
    async fn staff(&self) -> Result<ServerClient, VolunteerError> {
        let (sealer, now) = (self.sealer.clone(), self.clock.now());
        let (url, token) = self.db.read(move |conn| db::session(conn, &sealer)).await?.ok_or(VolunteerError::NotSignedIn)?;
        if token.expires_at <= now {
            return Err(VolunteerError::NotSignedIn);
        }
        let client = ServerClient::new(ClientConfig::new(url), self.clock.clone())?;
        client.set_session(Some(token));
        Ok(client)
    }

    /// Enrols a person without a smartphone: a managed profile on this phone, the person's record on the server
    /// (the volunteer checked the id card), and the profile bound to it by the volunteer's attestation. When a
    /// server step fails the new profile is removed again, so a retry starts clean (the server finds the record
    /// it already has by the citizen id).
    pub async fn enrol(&self, person: NewManagedPerson) -> Result<ManagedPerson, VolunteerError> {
        let staff = self.staff().await?;
        let input = ProfileInput {
            relation: ProfileRelation::ManagedByVolunteer,
            full_name: person.full_name.clone(),
            birth: BirthDate { year: person.birth_year, month: None, day: None },
            phone: person.phone.clone().filter(|p| !p.trim().is_empty()),
            citizen_id: Some(person.citizen_id.clone()),
            address: Some(Address { province_code: person.province_code.clone(), ward_code: Some(person.ward_code.clone()), street: None }),
        };
        let profile = self.profiles.add(input).await?;
        match self.enrol_on_server(&staff, &profile, person.place.as_deref()).await {
            Ok(person_id) => {
                let record = ManagedRecord { person_id, ..ManagedRecord::default() };
                self.keep(&profile.id, record).await?;
                self.person(&profile.id).await
            }
            Err(e) => {
                // Best effort: the error that matters is the server's.
                let _ = self.profiles.remove(&profile.id).await;
                Err(e)
            }
        }
    }

    async fn enrol_on_server(&self, staff: &ServerClient, profile: &Profile, place: Option<&str>) -> Result<String, VolunteerError> {
        let details = &profile.details;
        let citizen_id = details.citizen_id.clone().ok_or(VolunteerError::Invalid("a citizen id is needed".into()))?;
        let id_kind = if citizen_id.len() == 12 { IdKind::Cccd } else { IdKind::Cmnd };
        let address = details.address.clone().ok_or(VolunteerError::Invalid("a province and ward are needed".into()))?;
        let place = place.map(str::trim).filter(|p| !p.is_empty()).unwrap_or(DEFAULT_PLACE).to_owned();
        let request = EnrolPersonRequest {
            citizen_id: Some(citizen_id),
            id_kind,
            full_name: details.full_name.clone(),
            birth: details.birth.year.to_string(),
            phone: details.phone.clone(),
            province_code: address.province_code,
            ward_code: address.ward_code,
            guardian_person_id: None,
            place: place.clone(),
        };
        let record: PersonView = staff.enrol_person(&request).await?;
        let code = self.persons.start_attestation(&profile.id).await?;
        staff.attest_binding(&code.code, &record.person_id, &place).await?;
        // Keeps the binding for offline display (and checks the server made it).
        let bindings = self.persons.bindings(Some(&profile.id)).await?;
        if !bindings.bindings.iter().any(|b| b.person.person_id == record.person_id) {
            return Err(VolunteerError::BadAnswer);
        }
        Ok(record.person_id)
    }

    /// Records that the person (when `giver_name` is the person's own name) or a guardian agreed, by `method`,
    /// now.
    pub async fn record_consent(&self, profile_id: &str, giver_name: &str, method: ConsentMethod) -> Result<ManagedPerson, VolunteerError> {
        let (profile, record) = self.managed(profile_id).await?;
        let given_by = if same_name(giver_name, &profile.details.full_name) { ConsentGiver::Person } else { ConsentGiver::Guardian };
        let body = RecordConsentRequest { given_by, giver_name: giver_name.trim().to_owned(), method, given_at: self.clock.now() };
        let path = format!("/v1/volunteers/people/{}/consent", segment(&record.person_id));
        let _: ConsentView = self.staff().await?.post_json(&path, &body).await?;
        self.refresh(profile_id, record).await
    }

    /// Records a dose the person shows on paper (self-reported until an officer confirms it).
    pub async fn record_dose(
        &self,
        profile_id: &str,
        product: &str,
        dose_number: u8,
        date: chrono::NaiveDate,
        lot: Option<&str>,
    ) -> Result<ManagedPerson, VolunteerError> {
        let (_, record) = self.managed(profile_id).await?;
        let body = RecordDoseRequest {
            product: product.trim().to_owned(),
            dose_number,
            date,
            lot: lot.map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned),
        };
        let path = format!("/v1/volunteers/people/{}/doses", segment(&record.person_id));
        let _: DoseView = self.staff().await?.post_json(&path, &body).await?;
        self.refresh(profile_id, record).await
    }

    /// Has the server sign the person's control card and keeps it (sealed) with the profile; refused until
    /// consent is recorded.
    pub async fn control_card(&self, profile_id: &str) -> Result<ManagedPerson, VolunteerError> {
        let (_, record) = self.managed(profile_id).await?;
        let path = format!("/v1/volunteers/people/{}/control-card", segment(&record.person_id));
        let card: ControlCardView = self.staff().await?.post_json(&path, &ControlCardRequest { profile_ref: profile_id.to_owned() }).await?;
        let record = ManagedRecord { control_card: Some(card.qr), card_expires_at: Some(card.expires_at), ..record };
        self.refresh(profile_id, record).await
    }

    /// Every person this volunteer enrolled on this phone, by name (kept data: works offline).
    pub async fn people(&self) -> Result<Vec<ManagedPerson>, VolunteerError> {
        let mut people = Vec::new();
        for profile in self.profiles.list().await? {
            if profile.relation == ProfileRelation::ManagedByVolunteer {
                people.push(self.person(&profile.id).await?);
            }
        }
        people.sort_by(|a, b| a.full_name.cmp(&b.full_name).then_with(|| a.profile_id.cmp(&b.profile_id)));
        Ok(people)
    }

    /// One managed person, from kept data.
    pub async fn person(&self, profile_id: &str) -> Result<ManagedPerson, VolunteerError> {
        let profile = self.profiles.get(profile_id).await?;
        if profile.relation != ProfileRelation::ManagedByVolunteer {
            return Err(VolunteerError::NotManaged);
        }
        let bound = self.persons.binding(profile_id).await?.is_some();
        let (sealer, id) = (self.sealer.clone(), profile_id.to_owned());
        let (record, last_declared_at) =
            self.db.read(move |conn| Ok::<_, VolunteerError>((db::get(conn, &sealer, &id)?, db::last_declared_at(conn, &id)?))).await?;
        let record = record.unwrap_or_default();
        Ok(ManagedPerson {
            profile_id: profile.id,
            full_name: profile.details.full_name,
            birth_year: profile.details.birth.year,
            bound,
            person_id: (!record.person_id.is_empty()).then_some(record.person_id),
            consent_at: record.consent_at,
            last_declared_at,
            self_reported_doses: record.self_reported_doses,
            control_card: record.control_card,
        })
    }

    /// The managed profile and its record; refused for a profile that is not a managed, enrolled one.
    async fn managed(&self, profile_id: &str) -> Result<(Profile, ManagedRecord), VolunteerError> {
        let profile = self.profiles.get(profile_id).await?;
        if profile.relation != ProfileRelation::ManagedByVolunteer {
            return Err(VolunteerError::NotManaged);
        }
        let (sealer, id) = (self.sealer.clone(), profile_id.to_owned());
        let record = self.db.read(move |conn| db::get(conn, &sealer, &id)).await?.ok_or(VolunteerError::NotManaged)?;
        Ok((profile, record))
    }

    /// Reads the person's state back from the server, keeps it, and returns the person as the list shows them.
    async fn refresh(&self, profile_id: &str, record: ManagedRecord) -> Result<ManagedPerson, VolunteerError> {
        let path = format!("/v1/volunteers/people/{}", segment(&record.person_id));
        let view: ManagedPersonView = self.staff().await?.get_json(&path).await?;
        let record = ManagedRecord {
            consent_at: view.consent.map(|c| c.given_at),
            self_reported_doses: view.doses.iter().filter(|d| d.confirmed_at.is_none()).count() as u32,
            ..record
        };
        self.keep(profile_id, record).await?;
        self.person(profile_id).await
    }

    async fn keep(&self, profile_id: &str, record: ManagedRecord) -> Result<(), VolunteerError> {
        let (sealer, id, now) = (self.sealer.clone(), profile_id.to_owned(), self.clock.now());
        self.db.write(move |tx| db::put(tx, &sealer, &id, &record, now)).await
    }
}

/// Checks a citizen id against a birth year the way profiles do (for front ends that check before enrolling).
pub fn check_citizen_id(raw: &str, birth_year: u16) -> Result<String, VolunteerError> {
    Ok(validate::normalize_citizen_id(raw, birth_year)?)
}

impl Healthbook {
    /// The volunteer area: people enrolled on this phone, their consent, doses and control cards.
    pub fn volunteers(&self) -> Volunteers {
        Volunteers {
            db: self.db.clone(),
            sealer: self.sealer.clone(),
            clock: self.clock.clone(),
            profiles: self.profiles(),
            persons: self.persons(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_giver_is_the_person_when_the_names_match() {
        assert!(same_name("Nguyễn Thị Năm", "  nguyễn   thị NĂM "));
        // A decomposed "ễ" is the same name.
        assert!(same_name("Nguye\u{302}\u{303}n", "Nguyễn"));
        assert!(!same_name("Nguyễn Văn Bình", "Nguyễn Thị Năm"));
    }
}
