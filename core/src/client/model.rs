//! Wire types of the reference server's API, as the phone sees them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::trust::{IssuerRole, RevocationKind};

/// Account roles known to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A citizen's phone.
    Device,
    /// Administers one agency: its gates and gate operators.
    AgencyAdmin,
    /// Scans at the gates of one agency.
    GateOperator,
    /// Helps people set up and enrols people without phones.
    Volunteer,
    /// Issues quarantine orders and venue alerts.
    HealthOfficer,
    /// Uploads test results.
    Lab,
    /// Runs the authority: accounts, agencies, the trust list.
    AuthorityAdmin,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 7] = [
        Role::Device,
        Role::AgencyAdmin,
        Role::GateOperator,
        Role::Volunteer,
        Role::HealthOfficer,
        Role::Lab,
        Role::AuthorityAdmin,
    ];

    /// The wire name, e.g. `gate_operator`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Device => "device",
            Self::AgencyAdmin => "agency_admin",
            Self::GateOperator => "gate_operator",
            Self::Volunteer => "volunteer",
            Self::HealthOfficer => "health_officer",
            Self::Lab => "lab",
            Self::AuthorityAdmin => "authority_admin",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Whether accounts of this role belong to one agency.
    pub fn is_agency_scoped(self) -> bool {
        matches!(self, Self::AgencyAdmin | Self::GateOperator)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A bearer token and what it stands for; the token itself is never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    /// The bearer secret.
    pub token: String,
    /// When the server stops accepting it.
    pub expires_at: DateTime<Utc>,
    /// The account it authenticates.
    pub account_id: String,
    /// The account's role.
    pub role: Role,
    /// The account's agency, for agency-scoped roles.
    #[serde(default)]
    pub agency_id: Option<String>,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("account_id", &self.account_id)
            .field("role", &self.role)
            .field("agency_id", &self.agency_id)
            .finish()
    }
}

impl AccessToken {
    /// Whether the token has expired at `now`.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }
}

/// An account as the server describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Account id.
    pub id: String,
    /// Role.
    pub role: Role,
    /// Login name (staff only).
    #[serde(default)]
    pub username: Option<String>,
    /// Agency (agency-scoped roles only).
    #[serde(default)]
    pub agency_id: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// What is needed to create a staff account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    /// Role (any but `device`).
    pub role: Role,
    /// Login name.
    pub username: String,
    /// Initial password.
    pub password: String,
    /// Agency, required for agency-scoped roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_id: Option<String>,
}

/// A registered device, as the device itself (or the authority) may read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// Device (account) id.
    pub id: String,
    /// Key id of the device's public key.
    pub kid: String,
    /// Platform the device said it runs (`android`, `ios`, `cli`, ...).
    pub platform: String,
    /// Registration time.
    pub created_at: DateTime<Utc>,
}

/// An agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// Agency id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A gate (entrance or checkpoint) of an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    /// Gate id.
    pub id: String,
    /// Owning agency.
    pub agency_id: String,
    /// Display name.
    pub name: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An issuer key to add to the trust list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewIssuerKey {
    /// What the key may sign.
    pub role: IssuerRole,
    /// Where its signatures count.
    pub scope: String,
    /// Display name of the issuer.
    pub name: String,
    /// Base64 SPKI DER public key.
    pub public_key: String,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
}

/// A revocation to add to the revocation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRevocation {
    /// What is revoked.
    pub kind: RevocationKind,
    /// Its identifier.
    pub id: String,
    /// Why.
    pub reason: String,
}

/// The error body every server error carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Code and message of a server error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable code.
    pub code: String,
    /// Human explanation.
    pub message: String,
}
