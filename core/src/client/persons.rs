//! The staff side of person records (issue 8) on the client: enrolling a person after checking their id card,
//! attesting a phone's binding, and reading a person's record, bindings and audit trail. The phone side (binding
//! its own profiles) is `crate::persons`. The bodies are the wire contract's (`healthbook_protocol::persons`).

use healthbook_protocol::{
    AttestBindingRequest, AuditEntry, AuditList, EnrolPersonRequest as NewPerson, PersonView as PersonRecord,
    StaffBindingList, StaffBindingView as StaffBinding,
};

use super::{ClientError, ServerClient, segment};

impl ServerClient {
    /// Enrols a person after checking their id card (health officer or volunteer in their area, authority admin);
    /// an existing person with the same id is returned, upgraded to attested.
    pub async fn enrol_person(&self, person: &NewPerson) -> Result<PersonRecord, ClientError> {
        self.post_json("/v1/persons", person).await
    }

    /// Binds the phone profile showing `challenge_code` to `person_id`, whose id card was checked at `place`.
    pub async fn attest_binding(&self, challenge_code: &str, person_id: &str, place: &str) -> Result<StaffBinding, ClientError> {
        let body = AttestBindingRequest { challenge_code: challenge_code.to_owned(), person_id: person_id.to_owned(), place: place.to_owned() };
        self.post_json("/v1/bindings/attest", &body).await
    }

    /// A person's record (staff of the person's area).
    pub async fn person(&self, person_id: &str) -> Result<PersonRecord, ClientError> {
        self.get_json(&format!("/v1/persons/{}", segment(person_id))).await
    }

    /// The phones bound to a person (staff of the person's area).
    pub async fn person_bindings(&self, person_id: &str) -> Result<Vec<StaffBinding>, ClientError> {
        let list: StaffBindingList = self.get_json(&format!("/v1/persons/{}/bindings", segment(person_id))).await?;
        Ok(list.bindings)
    }

    /// A person's identity audit trail (authority admin, or the person's area officer).
    pub async fn person_audit(&self, person_id: &str) -> Result<Vec<AuditEntry>, ClientError> {
        let list: AuditList = self.get_json(&format!("/v1/persons/{}/audit", segment(person_id))).await?;
        Ok(list.entries)
    }
}
