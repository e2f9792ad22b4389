//! Staff cards: `HS1:` credentials signed with the agency key on the admin's machine, one per accepted row.

use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::agencies::{IssuedCard, StaffMember};

use super::error::AgencyError;
use super::key::AgencyKey;
use crate::credentials::{CredentialId, CredentialSigner, OwnPayload, StaffCard};

/// How long a staff card is valid.
pub const CARD_VALIDITY_DAYS: i64 = 365;

/// A signed card: the QR text and its registration record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCard {
    /// The `HS1:` text the QR carries.
    pub qr_text: String,
    /// What the server registers (`POST /v1/agencies/{id}/cards`).
    pub card: IssuedCard,
}

/// Signs staff cards for one agency.
#[derive(Debug)]
pub struct CardIssuer {
    signer: CredentialSigner,
    agency_id: String,
    validity: Duration,
}

impl CardIssuer {
    /// An issuer signing with `key` for `agency_id` (also the `iss` claim).
    pub fn new(key: &AgencyKey, agency_id: &str) -> Result<Self, AgencyError> {
        Ok(Self { signer: key.signer(agency_id)?, agency_id: agency_id.to_owned(), validity: Duration::days(CARD_VALIDITY_DAYS) })
    }

    /// Changes how long cards are valid.
    pub fn with_validity(mut self, validity: Duration) -> Self {
        self.validity = validity;
        self
    }

    /// Signs one card for `member` (fresh random `cti`), valid from `issued_at`.
    pub fn issue(&self, member: &StaffMember, issued_at: DateTime<Utc>) -> Result<SignedCard, AgencyError> {
        let expires_at =
            issued_at.checked_add_signed(self.validity).ok_or_else(|| AgencyError::Signing("validity out of range".into()))?;
        let payload = OwnPayload::StaffCard(StaffCard {
            staff_id: member.staff_number.clone(),
            name: member.full_name.clone(),
            birth_year: member.birth_year,
            agency_id: self.agency_id.clone(),
        });
        let cti = CredentialId::random().map_err(|e| AgencyError::Signing(e.to_string()))?;
        let qr_text =
            self.signer.issue_with_cti(&payload, &cti.bytes, issued_at, expires_at).map_err(|e| AgencyError::Signing(e.to_string()))?;
        Ok(SignedCard {
            qr_text,
            card: IssuedCard {
                card_id: cti.text,
                staff_number: member.staff_number.clone(),
                kid: self.signer.key_id().to_base64(),
                issued_at,
                expires_at,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{KeyRole, PayloadSummary, Verifier};
    use crate::trust::KeyScope;
    use crate::trust::store::CheckpointTrustStore;
    use chrono::TimeZone;

    fn member() -> StaffMember {
        StaffMember {
            staff_number: "NV-001".into(),
            full_name: "Nguyễn Văn An".into(),
            department: "Kế toán".into(),
            phone: None,
            citizen_id: None,
            birth_year: Some(1980),
        }
    }

    #[test]
    fn a_card_verifies_under_the_agency_key_and_scope_and_fails_under_another_agency() {
        let key = AgencyKey::generate().unwrap();
        let issuer = CardIssuer::new(&key, "agency-a").unwrap();
        let at = Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap();
        let card = issuer.issue(&member(), at).unwrap();
        assert!(card.qr_text.starts_with("HS1:"));
        assert_eq!(card.card.card_id.len(), 16);
        assert_eq!(card.card.kid, key.kid().to_base64());
        assert_eq!(card.card.expires_at - card.card.issued_at, Duration::days(CARD_VALIDITY_DAYS));
        let trusted = |scope: &str| {
            let mut store = CheckpointTrustStore::new();
            let k = key.signer(scope).unwrap().trusted_key(KeyRole::AGENCY).with_scope(KeyScope::Agency(scope.into()));
            store.add_key(k);
            Verifier::new(store)
        };
        let verdict = trusted("agency-a").verify(&card.qr_text, at + Duration::days(1));
        assert!(verdict.valid, "{verdict:?}");
        assert_eq!(verdict.credential_id.as_deref(), Some(card.card.card_id.as_str()));
        match verdict.payload {
            Some(PayloadSummary::StaffCard(s)) => assert_eq!((s.staff_id.as_str(), s.birth_year), ("NV-001", Some(1980))),
            other => panic!("{other:?}"),
        }
        assert!(!trusted("agency-b").verify(&card.qr_text, at + Duration::days(1)).valid, "a key of agency B does not vouch for A");
        assert!(!trusted("agency-a").verify(&card.qr_text, at + Duration::days(366)).valid, "expired");
        let second = issuer.issue(&member(), at).unwrap();
        assert_ne!(second.card.card_id, card.card.card_id, "a fresh cti per card");
    }
}
