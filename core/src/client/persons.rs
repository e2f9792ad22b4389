//! The staff side of person records (issue 8) on the client: enrolling a person after checking their id card,
//! attesting a phone's binding, and reading a person's record, bindings and audit trail. The phone side (binding
//! its own profiles) is `crate::persons`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientError, ServerClient, segment};

/// The kind of id a person was enrolled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// 12-digit citizen identity card.
    Cccd,
    /// Legacy 9-digit identity card.
    Cmnd,
    /// An id an officer assigned, for people without a card.
    OfficerAssigned,
    /// No id: recorded under a guardian.
    None,
}

/// An enrolment by an officer or volunteer who saw the id card (or the guardian's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPerson {
    /// The id number, for `cccd` and `cmnd`; absent for `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// Kind of id.
    pub id_kind: IdKind,
    /// Full name.
    pub full_name: String,
    /// `YYYY` or `YYYY-MM-DD`.
    pub birth: String,
    /// Phone, any Vietnamese form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Province code.
    pub province_code: String,
    /// Ward code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward_code: Option<String>,
    /// The guardian, for people without an id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardian_person_id: Option<String>,
    /// Where the card was checked.
    pub place: String,
}

/// A person as staff see it: the id's kind and last three characters, never the whole id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    /// Person id.
    pub person_id: String,
    /// Kind of id.
    pub id_kind: IdKind,
    /// Last three characters of the id.
    #[serde(default)]
    pub id_last3: Option<String>,
    /// Full name.
    pub full_name: String,
    /// Birth year.
    pub birth_year: u16,
    /// Phone on record (E.164).
    #[serde(default)]
    pub phone: Option<String>,
    /// Province.
    pub province_code: String,
    /// Ward.
    #[serde(default)]
    pub ward_code: Option<String>,
    /// `attested` or `self_declared`.
    pub verification: String,
    /// When recorded.
    pub created_at: DateTime<Utc>,
}

/// A binding of a phone's profile to a person, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffBinding {
    /// The phone.
    pub device_id: String,
    /// Its profile.
    pub profile_ref: String,
    /// The person.
    pub person_id: String,
    /// `sms` or `attestation`.
    pub method: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The attesting account.
    #[serde(default)]
    pub attested_by: Option<String>,
}

/// One row of a person's identity audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor_account_id: String,
    /// Their role.
    pub actor_role: String,
    /// What (`person_created`, `attested`, `bound`, `unbound`, `citizen_id_read`, ...).
    pub action: String,
    /// Where (attestations).
    #[serde(default)]
    pub place: Option<String>,
    /// More.
    #[serde(default)]
    pub detail: Option<String>,
}

impl ServerClient {
    /// Enrols a person after checking their id card (health officer or volunteer in their area, authority admin);
    /// an existing person with the same id is returned, upgraded to attested.
    pub async fn enrol_person(&self, person: &NewPerson) -> Result<PersonRecord, ClientError> {
        self.post_json("/v1/persons", person).await
    }

    /// Binds the phone profile showing `challenge_code` to `person_id`, whose id card was checked at `place`.
    pub async fn attest_binding(&self, challenge_code: &str, person_id: &str, place: &str) -> Result<StaffBinding, ClientError> {
        let body = serde_json::json!({ "challenge_code": challenge_code, "person_id": person_id, "place": place });
        self.post_json("/v1/bindings/attest", &body).await
    }

    /// A person's record (staff of the person's area).
    pub async fn person(&self, person_id: &str) -> Result<PersonRecord, ClientError> {
        self.get_json(&format!("/v1/persons/{}", segment(person_id))).await
    }

    /// The phones bound to a person (staff of the person's area).
    pub async fn person_bindings(&self, person_id: &str) -> Result<Vec<StaffBinding>, ClientError> {
        #[derive(Deserialize)]
        struct List {
            bindings: Vec<StaffBinding>,
        }
        let list: List = self.get_json(&format!("/v1/persons/{}/bindings", segment(person_id))).await?;
        Ok(list.bindings)
    }

    /// A person's identity audit trail (authority admin, or the person's area officer).
    pub async fn person_audit(&self, person_id: &str) -> Result<Vec<AuditEntry>, ClientError> {
        #[derive(Deserialize)]
        struct List {
            entries: Vec<AuditEntry>,
        }
        let list: List = self.get_json(&format!("/v1/persons/{}/audit", segment(person_id))).await?;
        Ok(list.entries)
    }
}
