//! Personal health passes: the phone's request and the signed pass the server answers with.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::status::HealthStatusView;

/// A phone asks for a pass for one of its profiles (`POST /v1/passes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassRequest {
    /// The phone's id of the profile (the same `profile_ref` its declarations carry); it must be bound to a
    /// person.
    pub profile_ref: String,
    /// A fresh value the phone chose for this request (1 to 64 printable ASCII characters): the pass's id is
    /// derived from it and the profile (`CredentialId::for_request`), so the phone can tell that the signed pass
    /// answers its own request for this profile. Without it the id is random.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Ignored (older phones send it): the name comes from the person record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Ignored (older phones send it): the birth year comes from the person record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<u16>,
}

/// A signed pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassResponse {
    /// The QR text (`HB1:...`).
    pub qr: String,
    /// The pass's id (its `cti` as hex, the revocation handle).
    pub credential_id: String,
    /// Status and reasons, as signed in the pass.
    pub health_status: HealthStatusView,
    /// Issue time.
    pub issued_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{PassStatus, StatusReason};
    use crate::testing::round_trip;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn pass_bodies_round_trip() {
        round_trip(
            &PassRequest { profile_ref: "p1".into(), nonce: Some("n1".into()), full_name: None, birth_year: None },
            json!({ "profile_ref": "p1", "nonce": "n1" }),
        );
        let old_phone: PassRequest = serde_json::from_value(json!({ "profile_ref": "p1", "full_name": "A", "birth_year": 1990 })).unwrap();
        assert_eq!(old_phone.nonce, None);
        let at = Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap();
        round_trip(
            &PassResponse {
                qr: "HB1:X".into(),
                credential_id: "ab".into(),
                health_status: HealthStatusView { status: PassStatus::Red, reasons: vec![StatusReason::Quarantine] },
                issued_at: at,
                expires_at: at + chrono::Duration::hours(24),
            },
            json!({ "qr": "HB1:X", "credential_id": "ab", "health_status": { "status": "red", "reasons": ["quarantine"] },
                "issued_at": "2021-09-01T08:00:00Z", "expires_at": "2021-09-02T08:00:00Z" }),
        );
    }
}
