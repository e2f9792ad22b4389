//! The agency admin's server calls (`/v1/agencies/{id}/…`), over a signed-in staff [`ServerClient`].

use healthbook_protocol::agencies::{
    AgencyKeyList, AgencyKeyView, IssuedCard, RegisterCardsReport, RegisterCardsRequest, RevokeCardRequest, StaffImportReport,
    StaffImportRequest, StaffList, StaffMember,
};
use healthbook_protocol::trust::Revocation;

use super::error::AgencyError;
use super::key::AgencyKey;
use crate::client::{ServerClient, segment};

/// Most cards registered in one request.
pub const CARD_BATCH: usize = 1000;
/// Most staff rows in one import request (the wire contract's limit).
pub const IMPORT_BATCH: usize = 5000;

/// An agency admin's calls for one agency.
pub struct AgencyAdmin<'a> {
    client: &'a ServerClient,
    agency_id: String,
}

impl<'a> AgencyAdmin<'a> {
    /// Calls for `agency_id` over a signed-in client.
    pub fn new(client: &'a ServerClient, agency_id: &str) -> Self {
        Self { client, agency_id: agency_id.to_owned() }
    }

    fn path(&self, tail: &str) -> String {
        format!("/v1/agencies/{}/{tail}", segment(&self.agency_id))
    }

    /// Submits the key's public half with its proof of possession; the authority then certifies it.
    pub async fn submit_key(&self, key: &AgencyKey) -> Result<AgencyKeyView, AgencyError> {
        Ok(self.client.post_json(&self.path("keys"), &key.submission(&self.agency_id)?).await?)
    }

    /// The agency's keys, pending and certified.
    pub async fn keys(&self) -> Result<AgencyKeyList, AgencyError> {
        Ok(self.client.get_json(&self.path("keys")).await?)
    }

    /// Certifies a submitted key into the trust list: the authority's call (an authority admin's client), named
    /// here beside the submission it follows. The kid is standard base64 ('/' and '+'), so it is percent-encoded
    /// in the path; the endpoint takes no body.
    pub async fn certify_key(&self, kid: &str) -> Result<AgencyKeyView, AgencyError> {
        Ok(self.client.post_json(&self.path(&format!("keys/{}/certify", segment(kid))), &serde_json::json!({})).await?)
    }

    /// The agency's staff as registered (no citizen ids or phones).
    pub async fn staff(&self) -> Result<StaffList, AgencyError> {
        Ok(self.client.get_json(&self.path("staff")).await?)
    }

    /// Imports accepted rows, in requests of at most [`IMPORT_BATCH`]; the reports are added up.
    pub async fn import_staff(&self, members: &[StaffMember]) -> Result<StaffImportReport, AgencyError> {
        let mut total = StaffImportReport { added: 0, updated: 0, unchanged: 0, conflicts: Vec::new() };
        for chunk in members.chunks(IMPORT_BATCH) {
            let report: StaffImportReport =
                self.client.post_json(&self.path("staff"), &StaffImportRequest { staff: chunk.to_vec() }).await?;
            total.added += report.added;
            total.updated += report.updated;
            total.unchanged += report.unchanged;
            total.conflicts.extend(report.conflicts);
        }
        Ok(total)
    }

    /// Registers signed cards in batches of [`CARD_BATCH`], calling `progress` with the count done after each.
    pub async fn register_cards(&self, cards: &[IssuedCard], mut progress: impl FnMut(usize)) -> Result<RegisterCardsReport, AgencyError> {
        let mut total = RegisterCardsReport { registered: 0, already_registered: 0 };
        let mut done = 0;
        for chunk in cards.chunks(CARD_BATCH) {
            let report: RegisterCardsReport =
                self.client.post_json(&self.path("cards"), &RegisterCardsRequest { cards: chunk.to_vec() }).await?;
            total.registered += report.registered;
            total.already_registered += report.already_registered;
            done += chunk.len();
            progress(done);
        }
        Ok(total)
    }

    /// Revokes a card (the person left): it goes on the revocation list, and gates refuse it after their refresh.
    pub async fn revoke_card(&self, card_id: &str, reason: &str) -> Result<Revocation, AgencyError> {
        let body = RevokeCardRequest { reason: reason.to_owned() };
        Ok(self.client.post_json(&self.path(&format!("cards/{}/revoke", segment(card_id))), &body).await?)
    }
}
