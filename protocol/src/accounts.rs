//! Accounts and authentication: roles, staff login, device registration and challenge-response, tokens, staff
//! accounts and their enabled state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::AreaScope;

/// Account roles known to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// Staff login.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A body may be logged on failure; the password never is.
        f.debug_struct("LoginRequest").field("username", &self.username).field("password", &"<redacted>").finish()
    }
}

/// A bearer token and the account it stands for.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    pub role: Role,
    /// Agency of an agency-scoped account.
    #[serde(default)]
    pub agency_id: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Registration of a device key generated on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterDeviceRequest {
    /// P-256 public key, base64 SPKI DER.
    pub public_key: String,
    /// `android`, `ios`, `cli`, ...
    pub platform: String,
}

/// A registered device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisteredDevice {
    /// The new device (account) id.
    pub device_id: String,
    /// Key id of the device key.
    pub kid: String,
    /// Registration time.
    pub created_at: DateTime<Utc>,
}

/// A device asking for a challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// Device id.
    pub device_id: String,
}

/// A one-time nonce for the device to sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChallengeResponse {
    /// The nonce; sign `healthbook-device-auth-v1\n{device_id}\n{nonce}` with the device key (ES256).
    pub nonce: String,
    /// When the nonce stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// A signed challenge, exchanged for a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceTokenRequest {
    /// Device id.
    pub device_id: String,
    /// The nonce received.
    pub nonce: String,
    /// ES256 signature (64 bytes r||s), base64url without padding.
    pub signature: String,
}

/// A registered device, as the device itself (or the authority) may read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceView {
    /// Device id.
    pub id: String,
    /// Key id of the device key.
    pub kid: String,
    /// Platform the device said it runs (`android`, `ios`, `cli`, ...).
    pub platform: String,
    /// Registration time.
    pub created_at: DateTime<Utc>,
}

/// A staff account to create.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAccountRequest {
    /// Role (any but `device`).
    pub role: Role,
    /// Login name: 3-64 characters of letters, digits, `.`, `_`, `-`, `@`.
    pub username: String,
    /// Initial password, 8-1024 characters.
    pub password: String,
    /// Agency, required for `agency_admin` and `gate_operator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_id: Option<String>,
    /// Area the account may read, required for `health_officer`, optional for `volunteer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<AreaScope>,
}

impl std::fmt::Debug for CreateAccountRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateAccountRequest")
            .field("role", &self.role)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("agency_id", &self.agency_id)
            .field("area", &self.area)
            .finish()
    }
}

/// An account as the server describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountView {
    /// Account id.
    pub id: String,
    /// Role.
    pub role: Role,
    /// Login name (staff).
    #[serde(default)]
    pub username: Option<String>,
    /// Agency (agency-scoped roles).
    #[serde(default)]
    pub agency_id: Option<String>,
    /// Area of an officer account (absent: national or none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<AreaScope>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Why an account is disabled or enabled; the body of both requests.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountStatusRequest {
    /// Why, for the record (at most 500 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An account's enabled state and its last change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountStatusView {
    /// Account id (for a device, the device id).
    pub id: String,
    /// Role.
    pub role: Role,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Who made the last change, if it was ever changed.
    #[serde(default)]
    pub changed_by: Option<String>,
    /// When the last change was made.
    #[serde(default)]
    pub changed_at: Option<DateTime<Utc>>,
    /// Why, as recorded with the last change.
    #[serde(default)]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enum_strings, round_trip};
    use chrono::TimeZone;
    use serde_json::json;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap()
    }

    #[test]
    fn role_strings() {
        enum_strings(
            &[
                (Role::Device, "device"),
                (Role::AgencyAdmin, "agency_admin"),
                (Role::GateOperator, "gate_operator"),
                (Role::Volunteer, "volunteer"),
                (Role::HealthOfficer, "health_officer"),
                (Role::Lab, "lab"),
                (Role::AuthorityAdmin, "authority_admin"),
            ],
            "superuser",
        );
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(role.to_string(), role.as_str());
        }
        assert_eq!(Role::parse("Device"), None);
    }

    #[test]
    fn auth_bodies_round_trip() {
        round_trip(&LoginRequest { username: "op".into(), password: "pw".into() }, json!({ "username": "op", "password": "pw" }));
        round_trip(
            &TokenResponse {
                token: "t".into(),
                token_type: "Bearer".into(),
                expires_at: t0(),
                account_id: "a1".into(),
                role: Role::GateOperator,
                agency_id: Some("ag".into()),
            },
            json!({ "token": "t", "token_type": "Bearer", "expires_at": "2021-09-01T08:00:00Z", "account_id": "a1", "role": "gate_operator", "agency_id": "ag" }),
        );
        round_trip(&RegisterDeviceRequest { public_key: "k".into(), platform: "cli".into() }, json!({ "public_key": "k", "platform": "cli" }));
        round_trip(
            &RegisteredDevice { device_id: "d".into(), kid: "kid".into(), created_at: t0() },
            json!({ "device_id": "d", "kid": "kid", "created_at": "2021-09-01T08:00:00Z" }),
        );
        round_trip(&ChallengeRequest { device_id: "d".into() }, json!({ "device_id": "d" }));
        round_trip(&ChallengeResponse { nonce: "n".into(), expires_at: t0() }, json!({ "nonce": "n", "expires_at": "2021-09-01T08:00:00Z" }));
        round_trip(
            &DeviceTokenRequest { device_id: "d".into(), nonce: "n".into(), signature: "s".into() },
            json!({ "device_id": "d", "nonce": "n", "signature": "s" }),
        );
        round_trip(
            &DeviceView { id: "d".into(), kid: "k".into(), platform: "ios".into(), created_at: t0() },
            json!({ "id": "d", "kid": "k", "platform": "ios", "created_at": "2021-09-01T08:00:00Z" }),
        );
    }

    #[test]
    fn account_bodies_round_trip_and_requests_refuse_unknown_fields() {
        let request = CreateAccountRequest {
            role: Role::HealthOfficer,
            username: "officer".into(),
            password: "correct horse".into(),
            agency_id: None,
            area: Some(AreaScope { province: "79".into(), wards: vec![] }),
        };
        round_trip(
            &request,
            json!({ "role": "health_officer", "username": "officer", "password": "correct horse", "area": { "province": "79", "wards": [] } }),
        );
        assert!(!format!("{request:?}").contains("correct horse"), "Debug hides the password");
        assert!(serde_json::from_value::<CreateAccountRequest>(json!({ "role": "lab", "username": "u", "password": "p", "admin": true })).is_err());
        round_trip(
            &AccountView { id: "a".into(), role: Role::Lab, username: Some("lab1".into()), agency_id: None, area: None, created_at: t0() },
            json!({ "id": "a", "role": "lab", "username": "lab1", "agency_id": null, "created_at": "2021-09-01T08:00:00Z" }),
        );
        round_trip(&AccountStatusRequest { reason: Some("lost".into()) }, json!({ "reason": "lost" }));
        round_trip(&AccountStatusRequest::default(), json!({}));
        round_trip(
            &AccountStatusView { id: "a".into(), role: Role::Device, disabled: true, changed_by: Some("admin".into()), changed_at: Some(t0()), reason: None },
            json!({ "id": "a", "role": "device", "disabled": true, "changed_by": "admin", "changed_at": "2021-09-01T08:00:00Z", "reason": null }),
        );
    }
}

/// The exact bytes a device signs to answer a server challenge (`POST /v1/auth/device`).
///
/// A fixed prefix keeps this signature from ever being valid as anything else the device key signs.
pub fn device_auth_message(device_id: &str, nonce: &str) -> Vec<u8> {
    format!("healthbook-device-auth-v1\n{device_id}\n{nonce}").into_bytes()
}
