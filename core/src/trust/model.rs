//! The documents the authority signs: the trust list of issuer keys and the revocation list.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::jws::{sign_compact, verify_compact};
use super::{SigningKey, TrustError, VerifyingKey};

/// JWS `typ` of a signed trust list.
pub const TRUST_LIST_TYP: &str = "healthbook-trust-list+jws";
/// JWS `typ` of a signed revocation list.
pub const REVOCATION_LIST_TYP: &str = "healthbook-revocation-list+jws";

/// Issuer keys, their roles and scopes, and revocations travel as they are signed: defined once, in the wire
/// contract.
pub use healthbook_protocol::trust::{IssuerKey, IssuerRole, KeyScope, Revocation, RevocationKind};

/// How long after `issued_at` a list is due to be replaced when it names no `next_update` (lists signed
/// before the field existed).
pub const DEFAULT_UPDATE_INTERVAL_HOURS: i64 = 24;

/// The signed list of every issuer key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustList {
    /// Grows by one at each change; phones refuse to go back to a lower version.
    pub version: u64,
    /// When the authority signed this version.
    pub issued_at: DateTime<Utc>,
    /// The issuer keys.
    pub keys: Vec<IssuerKey>,
    /// When the authority will have signed a newer version; verifiers count staleness from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_update: Option<DateTime<Utc>>,
}

/// The signed list of revocations, published separately so that it can change daily without the trust list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationList {
    /// Grows by one at each change.
    pub version: u64,
    /// When the authority signed this version.
    pub issued_at: DateTime<Utc>,
    /// The revocations.
    pub entries: Vec<Revocation>,
    /// When the authority will have signed a newer version; verifiers count staleness from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_update: Option<DateTime<Utc>>,
}

/// Why an issuer key does not count at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerRefusal {
    /// The trust list does not name the key.
    Unknown,
    /// The key's validity has not started.
    NotYetValid,
    /// The key's validity has ended.
    Expired,
    /// The key is on the revocation list.
    Revoked,
}

/// The time a list issued at `issued_at` is due to be replaced.
fn due(issued_at: DateTime<Utc>, next_update: Option<DateTime<Utc>>) -> DateTime<Utc> {
    next_update.unwrap_or(issued_at + chrono::Duration::hours(DEFAULT_UPDATE_INTERVAL_HOURS))
}

impl TrustList {
    /// When this list is due to be replaced (`next_update`, or `issued_at` plus a day for older lists).
    pub fn due(&self) -> DateTime<Utc> {
        due(self.issued_at, self.next_update)
    }

    /// Signs the list with the root key.
    pub fn sign(&self, root: &SigningKey) -> Result<String, TrustError> {
        let payload = serde_json::to_vec(self).map_err(|e| TrustError::MalformedPayload(e.to_string()))?;
        sign_compact(root, TRUST_LIST_TYP, &payload)
    }

    /// Checks a signed list against the pinned root key and that every entry's kid matches its key.
    pub fn verify(jws: &str, root: &VerifyingKey) -> Result<Self, TrustError> {
        let (_, payload) = verify_compact(jws, root, TRUST_LIST_TYP)?;
        let list: Self = serde_json::from_slice(&payload).map_err(|e| TrustError::MalformedPayload(e.to_string()))?;
        for key in &list.keys {
            let parsed = VerifyingKey::from_spki_base64(&key.public_key)
                .map_err(|_| TrustError::MalformedPayload(format!("key {} is not a P-256 key", key.kid)))?;
            if parsed.kid() != key.kid {
                return Err(TrustError::MalformedPayload(format!("kid {} does not match its key", key.kid)));
            }
        }
        Ok(list)
    }

    /// The entry for `kid`, if any.
    pub fn find(&self, kid: &str) -> Option<&IssuerKey> {
        self.keys.iter().find(|key| key.kid == kid)
    }

    /// The entry for `kid` if it counts at `at`, taking `revocations` into account.
    pub fn issuer_valid_at(
        &self,
        kid: &str,
        at: DateTime<Utc>,
        revocations: Option<&RevocationList>,
    ) -> Result<&IssuerKey, IssuerRefusal> {
        let key = self.find(kid).ok_or(IssuerRefusal::Unknown)?;
        if revocations.is_some_and(|list| list.is_revoked(RevocationKind::IssuerKey, kid)) {
            return Err(IssuerRefusal::Revoked);
        }
        if at < key.not_before {
            return Err(IssuerRefusal::NotYetValid);
        }
        if at > key.not_after {
            return Err(IssuerRefusal::Expired);
        }
        Ok(key)
    }
}

impl RevocationList {
    /// When this list is due to be replaced (`next_update`, or `issued_at` plus a day for older lists).
    pub fn due(&self) -> DateTime<Utc> {
        due(self.issued_at, self.next_update)
    }

    /// Signs the list with the root key.
    pub fn sign(&self, root: &SigningKey) -> Result<String, TrustError> {
        let payload = serde_json::to_vec(self).map_err(|e| TrustError::MalformedPayload(e.to_string()))?;
        sign_compact(root, REVOCATION_LIST_TYP, &payload)
    }

    /// Checks a signed list against the pinned root key.
    pub fn verify(jws: &str, root: &VerifyingKey) -> Result<Self, TrustError> {
        let (_, payload) = verify_compact(jws, root, REVOCATION_LIST_TYP)?;
        serde_json::from_slice(&payload).map_err(|e| TrustError::MalformedPayload(e.to_string()))
    }

    /// Whether the list revokes the given key or credential.
    pub fn is_revoked(&self, kind: RevocationKind, id: &str) -> bool {
        self.entries.iter().any(|entry| entry.kind == kind && entry.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn sample(root_issued: DateTime<Utc>) -> (TrustList, SigningKey) {
        let (issuer, _) = SigningKey::generate().unwrap();
        let list = TrustList {
            version: 3,
            issued_at: root_issued,
            keys: vec![IssuerKey {
                kid: issuer.kid().to_owned(),
                role: IssuerRole::Agency,
                scope: "agency-1".into(),
                name: "Chợ Bến Thành".into(),
                public_key: issuer.verifying_key().spki_base64(),
                not_before: root_issued,
                not_after: root_issued + Duration::days(365),
            }],
            next_update: None,
        };
        (list, issuer)
    }

    #[test]
    fn signed_list_verifies_and_validity_rules_apply() {
        let (root, _) = SigningKey::generate().unwrap();
        let t0 = Utc.with_ymd_and_hms(2021, 7, 1, 0, 0, 0).unwrap();
        let (list, issuer) = sample(t0);
        let jws = list.sign(&root).unwrap();
        let back = TrustList::verify(&jws, root.verifying_key()).unwrap();
        assert_eq!(back, list);
        assert!(back.issuer_valid_at(issuer.kid(), t0 + Duration::days(1), None).is_ok());
        assert_eq!(back.issuer_valid_at(issuer.kid(), t0 - Duration::days(1), None), Err(IssuerRefusal::NotYetValid));
        assert_eq!(back.issuer_valid_at(issuer.kid(), t0 + Duration::days(400), None), Err(IssuerRefusal::Expired));
        assert_eq!(back.issuer_valid_at("nope", t0, None), Err(IssuerRefusal::Unknown));
        let revocations = RevocationList {
            version: 1,
            issued_at: t0,
            entries: vec![Revocation {
                kind: RevocationKind::IssuerKey,
                id: issuer.kid().to_owned(),
                revoked_at: t0,
                reason: "key lost".into(),
            }],
            next_update: Some(t0 + Duration::hours(24)),
        };
        let signed = revocations.sign(&root).unwrap();
        let revocations = RevocationList::verify(&signed, root.verifying_key()).unwrap();
        assert_eq!(back.issuer_valid_at(issuer.kid(), t0, Some(&revocations)), Err(IssuerRefusal::Revoked));
        // A revocation list is not a trust list, even though the same key signed it.
        assert_eq!(TrustList::verify(&signed, root.verifying_key()), Err(TrustError::WrongType));
    }

    #[test]
    fn scopes_read_from_legacy_and_typed_text() {
        assert_eq!(KeyScope::parse(IssuerRole::Authority, "*"), KeyScope::National);
        assert_eq!(KeyScope::parse(IssuerRole::Authority, "declaration-receipts"), KeyScope::National);
        assert_eq!(KeyScope::parse(IssuerRole::Authority, "province:79"), KeyScope::Province("79".into()));
        assert_eq!(KeyScope::parse(IssuerRole::Agency, "agency-1"), KeyScope::Agency("agency-1".into()));
        assert_eq!(KeyScope::parse(IssuerRole::Agency, "agency:agency-1"), KeyScope::Agency("agency-1".into()));
        assert_eq!(KeyScope::parse(IssuerRole::Lab, "lab-3"), KeyScope::Lab("lab-3".into()));
        assert_eq!(KeyScope::parse(IssuerRole::VaccinationSite, "site:7"), KeyScope::VaccinationSite("7".into()));
        for scope in [KeyScope::Province("01".into()), KeyScope::Agency("a".into()), KeyScope::National] {
            assert_eq!(KeyScope::parse(IssuerRole::Agency, &scope.to_wire()), scope);
        }
    }

    #[test]
    fn lists_without_next_update_are_due_a_day_after_issue() {
        let t0 = Utc.with_ymd_and_hms(2021, 7, 1, 0, 0, 0).unwrap();
        let (mut list, _) = sample(t0);
        assert_eq!(list.due(), t0 + Duration::hours(24));
        list.next_update = Some(t0 + Duration::hours(6));
        assert_eq!(list.due(), t0 + Duration::hours(6));
        // Lists signed before the field existed still read.
        let legacy = r#"{"version":1,"issued_at":"2021-07-01T00:00:00Z","entries":[]}"#;
        let read: RevocationList = serde_json::from_str(legacy).unwrap();
        assert_eq!(read.next_update, None);
    }

    #[test]
    fn entry_whose_kid_lies_is_refused() {
        let (root, _) = SigningKey::generate().unwrap();
        let (mut list, _) = sample(Utc::now());
        list.keys[0].kid = "AAAAAAAAAAA=".into();
        let jws = list.sign(&root).unwrap();
        assert!(matches!(TrustList::verify(&jws, root.verifying_key()), Err(TrustError::MalformedPayload(_))));
    }
}
