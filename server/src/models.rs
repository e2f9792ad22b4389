//! Request and response bodies of the API (the OpenAPI schemas come from these types).

use chrono::{DateTime, Utc};
use healthbook_core::client::Role;
use healthbook_core::trust::{IssuerKey, IssuerRole, Revocation, RevocationKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /healthz` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server and its database answer.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// Staff login.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A bearer token and the account it stands for.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The bearer token; send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// When the token stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// Account id.
    pub account_id: String,
    /// Account role.
    #[schema(value_type = String, example = "gate_operator")]
    pub role: Role,
    /// Agency of an agency-scoped account.
    pub agency_id: Option<String>,
}

/// Registration of a device key generated on the phone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterDeviceRequest {
    /// P-256 public key, base64 SPKI DER.
    pub public_key: String,
    /// `android`, `ios`, `cli`, ...
    pub platform: String,
}

/// A registered device.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredDevice {
    /// The new device (account) id.
    pub device_id: String,
    /// Key id of the device key.
    pub kid: String,
    /// Registration time.
    pub created_at: DateTime<Utc>,
}

/// A device asking for a challenge.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// Device id.
    pub device_id: String,
}

/// A one-time nonce for the device to sign.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeResponse {
    /// The nonce; sign `healthbook-device-auth-v1\n{device_id}\n{nonce}` with the device key (ES256).
    pub nonce: String,
    /// When the nonce stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// A signed challenge, exchanged for a token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceTokenRequest {
    /// Device id.
    pub device_id: String,
    /// The nonce received.
    pub nonce: String,
    /// ES256 signature (64 bytes r||s), base64url without padding.
    pub signature: String,
}

/// A device's record.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceView {
    /// Device id.
    pub id: String,
    /// Key id of the device key.
    pub kid: String,
    /// Platform.
    pub platform: String,
    /// Registration time.
    pub created_at: DateTime<Utc>,
}

/// A staff account to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountRequest {
    /// Role (any but `device`).
    #[schema(value_type = String, example = "gate_operator")]
    pub role: Role,
    /// Login name: 3-64 characters of letters, digits, `.`, `_`, `-`, `@`.
    pub username: String,
    /// Initial password, 8-1024 characters.
    pub password: String,
    /// Agency, required for `agency_admin` and `gate_operator`.
    #[serde(default)]
    pub agency_id: Option<String>,
    /// Area the account may read, required for `health_officer`, optional for `volunteer`.
    #[serde(default)]
    pub area: Option<crate::access::AreaScope>,
}

/// An account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    /// Account id.
    pub id: String,
    /// Role.
    #[schema(value_type = String, example = "agency_admin")]
    pub role: Role,
    /// Login name (staff).
    pub username: Option<String>,
    /// Agency (agency-scoped roles).
    pub agency_id: Option<String>,
    /// Area of an officer account (absent: national or none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<crate::access::AreaScope>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An agency to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgencyRequest {
    /// Display name, 1-200 characters.
    pub name: String,
}

/// An agency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgencyView {
    /// Agency id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Every agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyList {
    /// The agencies, by name.
    pub agencies: Vec<AgencyView>,
}

/// A gate to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGateRequest {
    /// Display name, 1-200 characters.
    pub name: String,
}

/// A gate of an agency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GateView {
    /// Gate id.
    pub id: String,
    /// Owning agency.
    pub agency_id: String,
    /// Display name.
    pub name: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An agency's gates.
#[derive(Debug, Serialize, ToSchema)]
pub struct GateList {
    /// The gates, by name.
    pub gates: Vec<GateView>,
}

/// An issuer key to add to the trust list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddIssuerKeyRequest {
    /// `authority`, `agency`, `lab` or `vaccination_site`.
    #[schema(value_type = String, example = "agency")]
    pub role: IssuerRole,
    /// Where the key's signatures count (agency id, lab id, administrative unit code, or `*`).
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

/// An issuer key as the trust list names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuerKeyView {
    /// Key id (first 8 bytes of SHA-256 of the SPKI, base64).
    pub kid: String,
    /// Role.
    #[schema(value_type = String)]
    pub role: IssuerRole,
    /// Scope.
    pub scope: String,
    /// Display name.
    pub name: String,
    /// Base64 SPKI DER.
    pub public_key: String,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
}

impl From<IssuerKey> for IssuerKeyView {
    fn from(key: IssuerKey) -> Self {
        Self {
            kid: key.kid,
            role: key.role,
            scope: key.scope,
            name: key.name,
            public_key: key.public_key,
            not_before: key.not_before,
            not_after: key.not_after,
        }
    }
}

/// A revocation to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddRevocationRequest {
    /// `issuer_key` or `credential`.
    #[schema(value_type = String, example = "issuer_key")]
    pub kind: RevocationKind,
    /// A kid, or a credential identifier (a hash, never personal data).
    pub id: String,
    /// Why, in words a verifier can show.
    pub reason: String,
}

/// A revocation as the revocation list names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevocationView {
    /// Kind.
    #[schema(value_type = String)]
    pub kind: RevocationKind,
    /// Identifier.
    pub id: String,
    /// When.
    pub revoked_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

impl From<Revocation> for RevocationView {
    fn from(r: Revocation) -> Self {
        Self { kind: r.kind, id: r.id, revoked_at: r.revoked_at, reason: r.reason }
    }
}

/// An empty JSON object, for answers with nothing to say.
#[derive(Debug, Serialize, ToSchema)]
pub struct Empty {}
