//! The trust list's entries as they travel: issuer key roles and scopes, issuer keys, revocations, and the
//! authority's requests that add them. The signed lists themselves travel as JWS (`application/jose`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an issuer key may sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IssuerRole {
    /// The health authority itself (quarantine orders, risky-venue alerts).
    Authority,
    /// An agency (staff cards, venue posters).
    Agency,
    /// A laboratory (test results).
    Lab,
    /// A vaccination site (vaccination records).
    VaccinationSite,
}

impl IssuerRole {
    /// Every role.
    pub const ALL: [Self; 4] = [Self::Authority, Self::Agency, Self::Lab, Self::VaccinationSite];

    /// The wire name (`authority`, `agency`, `lab`, `vaccination_site`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authority => "authority",
            Self::Agency => "agency",
            Self::Lab => "lab",
            Self::VaccinationSite => "vaccination_site",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// Where an issuer key's signatures count, read from the trust list's `scope` text with the key's role.
///
/// The wire form stays a string so that lists signed before scopes were typed still read: `*` (or empty) is
/// national; `province:NN` is one province by its official code; any other text names the agency, lab or
/// vaccination site of an issuer with that role (an `agency:`, `lab:` or `site:` prefix is accepted and
/// dropped). An authority key with any other text (e.g. a service name) is national.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum KeyScope {
    /// Anywhere in the country.
    National,
    /// One province, by its official two-digit code.
    Province(String),
    /// One agency, by its id.
    Agency(String),
    /// One laboratory, by its id.
    Lab(String),
    /// One vaccination site, by its id.
    VaccinationSite(String),
}

impl KeyScope {
    /// The typed scope of a key with `role` whose trust-list entry says `scope`.
    pub fn parse(role: IssuerRole, scope: &str) -> Self {
        let scope = scope.trim();
        if scope.is_empty() || scope == "*" {
            return Self::National;
        }
        if let Some(code) = scope.strip_prefix("province:") {
            return Self::Province(code.to_owned());
        }
        let strip = |prefix: &str| scope.strip_prefix(prefix).unwrap_or(scope).to_owned();
        match role {
            IssuerRole::Authority => Self::National,
            IssuerRole::Agency => Self::Agency(strip("agency:")),
            IssuerRole::Lab => Self::Lab(strip("lab:")),
            IssuerRole::VaccinationSite => Self::VaccinationSite(strip("site:")),
        }
    }

    /// The wire text [`Self::parse`] reads back to this scope.
    pub fn to_wire(&self) -> String {
        match self {
            Self::National => "*".to_owned(),
            Self::Province(code) => format!("province:{code}"),
            Self::Agency(id) => format!("agency:{id}"),
            Self::Lab(id) => format!("lab:{id}"),
            Self::VaccinationSite(id) => format!("site:{id}"),
        }
    }
}

/// One issuer key named by the trust list (also the answer to adding one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuerKey {
    /// Key id: first 8 bytes of SHA-256 of `public_key`, base64.
    pub kid: String,
    /// What the key may sign.
    pub role: IssuerRole,
    /// Where its signatures count, as text (see [`KeyScope`] for the forms and [`IssuerKey::key_scope`]).
    pub scope: String,
    /// Human name of the issuer, for display on a verifier's screen.
    pub name: String,
    /// The public key, base64 SPKI DER.
    pub public_key: String,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
}

impl IssuerKey {
    /// The typed scope of this key.
    pub fn key_scope(&self) -> KeyScope {
        KeyScope::parse(self.role, &self.scope)
    }
}

/// What a revocation entry revokes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RevocationKind {
    /// An issuer key, by kid: nothing it signed counts any more.
    IssuerKey,
    /// One credential, by its identifier (a hash, never personal data).
    Credential,
}

impl RevocationKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IssuerKey => "issuer_key",
            Self::Credential => "credential",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "issuer_key" => Some(Self::IssuerKey),
            "credential" => Some(Self::Credential),
            _ => None,
        }
    }
}

/// One revoked key or credential (also the answer to adding one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revocation {
    /// Kind of thing revoked.
    pub kind: RevocationKind,
    /// Its identifier: a kid, or a credential identifier.
    pub id: String,
    /// When it was revoked.
    pub revoked_at: DateTime<Utc>,
    /// Why, in words a verifier can show.
    pub reason: String,
}

/// An issuer key to add to the trust list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddIssuerKeyRequest {
    /// `authority`, `agency`, `lab` or `vaccination_site`.
    pub role: IssuerRole,
    /// Where the key's signatures count (agency id, lab id, `province:NN`, or `*`).
    pub scope: String,
    /// Display name of the issuer.
    pub name: String,
    /// P-256 public key, base64 SPKI DER.
    pub public_key: String,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
}

/// A revocation to add to the revocation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddRevocationRequest {
    /// `issuer_key` or `credential`.
    pub kind: RevocationKind,
    /// A kid, or a credential identifier (a hash, never personal data).
    pub id: String,
    /// Why, in words a verifier can show.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enum_strings, round_trip};
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn issuer_role_and_revocation_kind_strings() {
        enum_strings(
            &[
                (IssuerRole::Authority, "authority"),
                (IssuerRole::Agency, "agency"),
                (IssuerRole::Lab, "lab"),
                (IssuerRole::VaccinationSite, "vaccination_site"),
            ],
            "root",
        );
        for role in IssuerRole::ALL {
            assert_eq!(IssuerRole::parse(role.as_str()), Some(role));
        }
        enum_strings(&[(RevocationKind::IssuerKey, "issuer_key"), (RevocationKind::Credential, "credential")], "person");
        assert_eq!(RevocationKind::parse("credential"), Some(RevocationKind::Credential));
        assert_eq!(RevocationKind::parse("key"), None);
    }

    #[test]
    fn scopes_read_from_legacy_and_typed_text() {
        assert_eq!(KeyScope::parse(IssuerRole::Authority, "*"), KeyScope::National);
        assert_eq!(KeyScope::parse(IssuerRole::Authority, "declaration-receipts"), KeyScope::National);
        assert_eq!(KeyScope::parse(IssuerRole::Lab, "province:79"), KeyScope::Province("79".into()));
        assert_eq!(KeyScope::parse(IssuerRole::Agency, "agency:a1"), KeyScope::Agency("a1".into()));
        assert_eq!(KeyScope::parse(IssuerRole::VaccinationSite, "site:7"), KeyScope::VaccinationSite("7".into()));
        for scope in [KeyScope::Province("01".into()), KeyScope::Agency("a".into()), KeyScope::National] {
            assert_eq!(KeyScope::parse(IssuerRole::Agency, &scope.to_wire()), scope);
        }
    }

    #[test]
    fn trust_bodies_round_trip() {
        let t0 = Utc.with_ymd_and_hms(2021, 7, 1, 0, 0, 0).unwrap();
        let t1 = Utc.with_ymd_and_hms(2022, 7, 1, 0, 0, 0).unwrap();
        let key = IssuerKey {
            kid: "AAAAAAAAAAA=".into(),
            role: IssuerRole::Agency,
            scope: "agency-1".into(),
            name: "Chợ Bến Thành".into(),
            public_key: "MFkw".into(),
            not_before: t0,
            not_after: t1,
        };
        assert_eq!(key.key_scope(), KeyScope::Agency("agency-1".into()));
        round_trip(
            &key,
            json!({ "kid": "AAAAAAAAAAA=", "role": "agency", "scope": "agency-1", "name": "Chợ Bến Thành", "public_key": "MFkw",
                "not_before": "2021-07-01T00:00:00Z", "not_after": "2022-07-01T00:00:00Z" }),
        );
        round_trip(
            &AddIssuerKeyRequest { role: IssuerRole::Lab, scope: "lab-3".into(), name: "Lab".into(), public_key: "MFkw".into(), not_before: t0, not_after: t1 },
            json!({ "role": "lab", "scope": "lab-3", "name": "Lab", "public_key": "MFkw", "not_before": "2021-07-01T00:00:00Z", "not_after": "2022-07-01T00:00:00Z" }),
        );
        round_trip(
            &Revocation { kind: RevocationKind::IssuerKey, id: "kid".into(), revoked_at: t0, reason: "lost".into() },
            json!({ "kind": "issuer_key", "id": "kid", "revoked_at": "2021-07-01T00:00:00Z", "reason": "lost" }),
        );
        round_trip(
            &AddRevocationRequest { kind: RevocationKind::Credential, id: "abcd".into(), reason: "fraud".into() },
            json!({ "kind": "credential", "id": "abcd", "reason": "fraud" }),
        );
        assert!(serde_json::from_value::<AddRevocationRequest>(json!({ "kind": "credential", "id": "a", "reason": "r", "x": 1 })).is_err());
    }
}
