//! Declarations: the published forms, a declaration as the phone submits it, its receipt, and the health
//! officers' list.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::forms::Form;
use crate::status::HealthStatusView;

/// The published forms, newest version of each (`GET /v1/forms`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormList {
    /// Forms as data (see `core/forms/*.json`).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub forms: Vec<Form>,
}

/// Who a declaration is about: the minimum a health officer needs to follow up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclarationSubject {
    /// The phone's own id for the profile (pseudonymous, stable per phone).
    pub profile_ref: String,
    /// Full name.
    pub full_name: String,
    /// Birth year.
    pub birth_year: u16,
    /// Phone, E.164.
    #[serde(default)]
    pub phone: Option<String>,
    /// Citizen id.
    #[serde(default)]
    pub citizen_id: Option<String>,
    /// Province code of the home address.
    #[serde(default)]
    pub province_code: Option<String>,
    /// Ward code of the home address.
    #[serde(default)]
    pub ward_code: Option<String>,
}

/// Who filled a declaration in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FilledBy {
    /// The subject's relation to the phone owner: `myself`, `family_member`, `managed_by_volunteer`.
    pub relation: String,
    /// The name of whoever filled it in for someone else.
    #[serde(default)]
    pub full_name: Option<String>,
}

/// A declaration as a phone submits it (`POST /v1/declarations`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitDeclarationRequest {
    /// Id chosen by the phone (a UUID).
    pub declaration_id: String,
    /// Form id.
    pub form_id: String,
    /// Form version the answers were made with.
    pub form_version: u32,
    /// When the person declared.
    pub declared_at: DateTime<Utc>,
    /// Answers keyed by field id.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: serde_json::Value,
    /// Whom it is about.
    pub subject: DeclarationSubject,
    /// Who filled it in.
    pub filled_by: FilledBy,
}

/// The answer to an accepted declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclarationReceipt {
    /// The declaration.
    pub declaration_id: String,
    /// When the server stored it.
    pub received_at: DateTime<Utc>,
    /// JWS (ES256) over the receipt claims, by a key in the trust list.
    pub receipt: String,
    /// The status it leads to, for health declarations.
    #[serde(default)]
    pub health_status: Option<HealthStatusView>,
}

/// The claims the server signs in a declaration receipt (a JWS, `typ` `healthbook-receipt+jws`); the phone
/// applies only these, never the unsigned copies beside the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptClaims {
    /// The declaration received.
    pub declaration_id: String,
    /// Its form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_id: Option<String>,
    /// The form version it was validated against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_version: Option<u32>,
    /// The device that sent it.
    pub device_id: String,
    /// The phone's profile id the declaration is about.
    pub profile_ref: String,
    /// When the server stored it.
    pub received_at: DateTime<Utc>,
    /// The status it leads to (health declarations only).
    #[serde(default)]
    pub health_status: Option<HealthStatusView>,
}

/// One declaration in a health officer's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclarationRecord {
    /// Id.
    pub id: String,
    /// Form id.
    pub form_id: String,
    /// Form version.
    pub form_version: u32,
    /// Province of the person's address.
    pub province_code: Option<String>,
    /// Ward of the person's address.
    pub ward_code: Option<String>,
    /// When the person declared.
    pub declared_at: DateTime<Utc>,
    /// When the server received it.
    pub received_at: DateTime<Utc>,
    /// The declaration as submitted.
    pub declaration: SubmitDeclarationRequest,
    /// The resulting status.
    pub health_status: Option<HealthStatusView>,
}

/// A page of declarations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclarationList {
    /// Declarations, oldest first.
    pub declarations: Vec<DeclarationRecord>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next_after: Option<String>,
}

/// Filters of the officers' list (`GET /v1/declarations` query).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DeclarationQuery {
    /// Two-digit province code.
    pub province: String,
    /// Calendar date of the declaration (Vietnam time), `YYYY-MM-DD`.
    pub date: String,
    /// Five-digit ward code, to narrow down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward: Option<String>,
    /// The last id of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Page size, at most 500 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{PassStatus, StatusReason};
    use crate::testing::round_trip;
    use chrono::TimeZone;
    use serde_json::json;

    fn submission() -> (SubmitDeclarationRequest, serde_json::Value) {
        let at = Utc.with_ymd_and_hms(2021, 8, 20, 10, 0, 0).unwrap();
        let request = SubmitDeclarationRequest {
            declaration_id: "d1".into(),
            form_id: "health_declaration".into(),
            form_version: 1,
            declared_at: at,
            answers: json!({ "fever": false }),
            subject: DeclarationSubject {
                profile_ref: "p1".into(),
                full_name: "Nguyễn Văn An".into(),
                birth_year: 1990,
                phone: None,
                citizen_id: None,
                province_code: Some("79".into()),
                ward_code: None,
            },
            filled_by: FilledBy { relation: "myself".into(), full_name: None },
        };
        let json = json!({ "declaration_id": "d1", "form_id": "health_declaration", "form_version": 1,
            "declared_at": "2021-08-20T10:00:00Z", "answers": { "fever": false },
            "subject": { "profile_ref": "p1", "full_name": "Nguyễn Văn An", "birth_year": 1990, "phone": null,
                "citizen_id": null, "province_code": "79", "ward_code": null },
            "filled_by": { "relation": "myself", "full_name": null } });
        (request, json)
    }

    #[test]
    fn declaration_bodies_round_trip() {
        let (request, json) = submission();
        round_trip(&request, json.clone());
        let at = Utc.with_ymd_and_hms(2021, 8, 20, 10, 0, 1).unwrap();
        let status = HealthStatusView { status: PassStatus::Green, reasons: vec![StatusReason::Declaration] };
        round_trip(
            &DeclarationReceipt { declaration_id: "d1".into(), received_at: at, receipt: "jws".into(), health_status: Some(status.clone()) },
            json!({ "declaration_id": "d1", "received_at": "2021-08-20T10:00:01Z", "receipt": "jws",
                "health_status": { "status": "green", "reasons": ["declaration"] } }),
        );
        round_trip(
            &DeclarationList {
                declarations: vec![DeclarationRecord {
                    id: "d1".into(),
                    form_id: "health_declaration".into(),
                    form_version: 1,
                    province_code: Some("79".into()),
                    ward_code: None,
                    declared_at: request.declared_at,
                    received_at: at,
                    declaration: request,
                    health_status: Some(status),
                }],
                next_after: None,
            },
            json!({ "declarations": [{ "id": "d1", "form_id": "health_declaration", "form_version": 1, "province_code": "79",
                "ward_code": null, "declared_at": "2021-08-20T10:00:00Z", "received_at": "2021-08-20T10:00:01Z",
                "declaration": json, "health_status": { "status": "green", "reasons": ["declaration"] } }], "next_after": null }),
        );
        round_trip(
            &DeclarationQuery { province: "79".into(), date: "2021-08-20".into(), ward: None, after: None, limit: Some(10) },
            json!({ "province": "79", "date": "2021-08-20", "limit": 10 }),
        );
        round_trip(&FormList { forms: vec![] }, json!({ "forms": [] }));
    }

    #[test]
    fn receipt_claims_round_trip() {
        let at = Utc.with_ymd_and_hms(2021, 8, 15, 2, 0, 0).unwrap();
        round_trip(
            &ReceiptClaims {
                declaration_id: "d1".into(),
                form_id: Some("health_declaration".into()),
                form_version: Some(1),
                device_id: "device-1".into(),
                profile_ref: "p1".into(),
                received_at: at,
                health_status: Some(HealthStatusView { status: PassStatus::Yellow, reasons: vec![StatusReason::Declaration] }),
            },
            json!({ "declaration_id": "d1", "form_id": "health_declaration", "form_version": 1, "device_id": "device-1",
                "profile_ref": "p1", "received_at": "2021-08-15T02:00:00Z",
                "health_status": { "status": "yellow", "reasons": ["declaration"] } }),
        );
        let movement: ReceiptClaims = serde_json::from_value(json!({ "declaration_id": "d2", "device_id": "device-1",
            "profile_ref": "p1", "received_at": "2021-08-15T02:00:00Z" }))
        .unwrap();
        assert_eq!((movement.form_id, movement.health_status), (None, None));
    }

    #[test]
    fn a_receipt_with_an_unknown_status_is_refused() {
        let answer = json!({ "declaration_id": "d1", "received_at": "2021-08-20T10:00:01Z", "receipt": "jws",
            "health_status": { "status": "purple", "reasons": [] } });
        assert!(serde_json::from_value::<DeclarationReceipt>(answer).is_err());
    }
}

/// `typ` of the JWS the server signs a declaration receipt with.
pub const RECEIPT_TYP: &str = "healthbook-declaration-receipt+jwt";
