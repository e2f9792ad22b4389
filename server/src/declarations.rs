//! Declaration forms and declarations: phones fetch the published forms, submit declarations validated
//! against the form version they were made with, and get a signed receipt with their health status; health
//! officers list declarations by area and date.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use healthbook_core::declarations::forms::{bundled_forms, Form};
use healthbook_core::declarations::validate::{service_today, validate_answers};
use healthbook_protocol::Language;
use healthbook_core::trust::jws;
use serde_json::Value as Json_;
use healthbook_protocol::{ErrorCode, ErrorResponse, ReceiptClaims, Role, StatusReason};

use crate::access::{AccessRecord, Reach, log_access, reach_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, IdempotentJson};
use crate::idempotency;
use crate::status::{self, Finding};
use crate::storage::{Row, Tx, Value};
use crate::util::{from_ms, to_ms};

/// `typ` of a declaration receipt JWS (shared with the phone, which checks it).
pub use healthbook_protocol::RECEIPT_TYP;
/// Id of the service key that signs receipts (see `trust::SERVICE_KEYS`).
const RECEIPT_KEY: &str = "receipts";
/// The officers' list as the access log names it.
const LIST_ENDPOINT: &str = "GET /v1/declarations";

pub use healthbook_protocol::{
    DeclarationList, DeclarationQuery, DeclarationReceipt, DeclarationRecord, DeclarationSubject, FilledBy, FormList,
    HealthStatusView, SubmitDeclarationRequest,
};

/// Seeds the forms bundled with this build as published versions, when missing.
pub fn publish_bundled_forms(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<(), ApiError> {
    for form in bundled_forms() {
        let body = serde_json::to_string(&form).map_err(|e| ApiError::Internal(e.to_string()))?;
        tx.execute(
            "INSERT INTO forms (form_id, version, body, published_at) VALUES ($1, $2, $3, $4) ON CONFLICT (form_id, version) DO NOTHING",
            &[form.id.clone().into(), Value::Int(i64::from(form.version)), body.into(), Value::Int(to_ms(now))],
        )?;
    }
    Ok(())
}

/// Seeds the bundled forms once, at start-up (and `admin init`), so that reading forms never writes.
pub async fn seed_bundled_forms(db: &crate::storage::Database, now: DateTime<Utc>) -> Result<(), ApiError> {
    db.write(move |tx| publish_bundled_forms(tx, now)).await
}

fn form_from_row(row: &Row) -> Result<Form, ApiError> {
    serde_json::from_str(&row.text(0)?).map_err(|e| ApiError::Internal(format!("stored form: {e}")))
}

fn load_form(tx: &mut dyn Tx, form_id: &str, version: u32) -> Result<Option<Form>, ApiError> {
    tx.query_opt("SELECT body FROM forms WHERE form_id = $1 AND version = $2", &[form_id.into(), Value::Int(i64::from(version))])?
        .map(|row| form_from_row(&row))
        .transpose()
}

/// The newest version of every published form.
#[utoipa::path(get, path = "/v1/forms", tag = "declarations", responses((status = 200, body = FormList)))]
pub async fn list_forms(State(state): State<AppState>) -> Result<Json<FormList>, ApiError> {
    let forms = state
        .db
        .read(move |tx| {
            let rows = tx.query(
                "SELECT f.body FROM forms f WHERE f.version = (SELECT max(g.version) FROM forms g WHERE g.form_id = f.form_id) ORDER BY f.form_id",
                &[],
            )?;
            rows.iter().map(form_from_row).collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(Json(FormList { forms }))
}

/// One version of a form.
#[utoipa::path(
    get, path = "/v1/forms/{form_id}/versions/{version}", tag = "declarations",
    params(("form_id" = String, Path, description = "Form id"), ("version" = u32, Path, description = "Version")),
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse))
)]
pub async fn get_form(State(state): State<AppState>, ApiPath((form_id, version)): ApiPath<(String, u32)>) -> Result<Json<Form>, ApiError> {
    let form = state
        .db
        .read(move |tx| load_form(tx, &form_id, version))
        .await?
        .ok_or(ApiError::NotFound("form version"))?;
    Ok(Json(form))
}

/// Publishes the next version of a form (authority admin): exactly one more than the latest, or 1 for a new
/// form, so that no version number can be skipped (a huge one would block every later version).
#[utoipa::path(
    post, path = "/v1/forms", tag = "declarations", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries")),
    request_body = Object,
    responses(
        (status = 201, body = Object),
        (status = 403, body = ErrorResponse),
        (status = 409, description = "`form_version_not_next`, with a field error on `version`", body = ErrorResponse),
    )
)]
pub async fn publish_form(State(state): State<AppState>, principal: Principal, request: IdempotentJson<Form>) -> Result<Response, ApiError> {
    // Forms are national and decide every phone's health status: not an officer's to change.
    principal.require(&[Role::AuthorityAdmin])?;
    let form = request.body.clone();
    if form.id.is_empty() || form.fields.is_empty() || form.fields.iter().any(|f| f.id.is_empty()) {
        return Err(ApiError::InvalidRequest("a form needs an id and at least one field, each with an id".into()));
    }
    let now = state.now();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        publish_bundled_forms(tx, now)?;
        let latest = tx
            .query_opt("SELECT max(version) FROM forms WHERE form_id = $1", &[form.id.clone().into()])?
            .and_then(|row| row.opt_int(0).ok().flatten())
            .unwrap_or(0);
        if i64::from(form.version) != latest + 1 {
            return Err(ApiError::FieldConflict {
                code: ErrorCode::FormVersionNotNext,
                field: "version",
                field_code: "not_next",
                message: format!("version must be {} (the latest is {latest})", latest + 1),
            });
        }
        let body = serde_json::to_string(&form).map_err(|e| ApiError::Internal(e.to_string()))?;
        tx.execute(
            "INSERT INTO forms (form_id, version, body, published_at) VALUES ($1, $2, $3, $4)",
            &[form.id.clone().into(), Value::Int(i64::from(form.version)), body.into(), Value::Int(to_ms(now))],
        )?;
        Ok((StatusCode::CREATED, form))
    })
    .await
}

/// The status a health declaration's receipt gives, from the self-declaration rule's finding for it (see
/// `status::declaration`: symptoms, contact or travel ask for caution, contact with symptoms is red). The
/// receipt keeps naming the declaration as its reason; the pass carries the detailed reasons.
pub fn status_from_answers(form_id: &str, answers: &serde_json::Map<String, Json_>) -> Option<HealthStatusView> {
    status::declaration::classify(form_id, answers).map(|finding| receipt_status(&finding))
}

fn receipt_status(finding: &Finding) -> HealthStatusView {
    HealthStatusView { status: finding.status, reasons: vec![StatusReason::Declaration] }
}

fn check_subject(subject: &DeclarationSubject) -> Result<(), ApiError> {
    let name_ok = !subject.full_name.trim().is_empty() && subject.full_name.chars().count() <= 120 && !subject.full_name.chars().any(char::is_control);
    if !name_ok || subject.profile_ref.len() > 64 || !(1900..=2100).contains(&subject.birth_year) {
        return Err(ApiError::InvalidRequest("subject: name, birth year or profile_ref is invalid".into()));
    }
    Ok(())
}

/// Receives a declaration from a phone (device): validates it against its form version, stores it once, and
/// answers with a signed receipt and the resulting health status.
#[utoipa::path(
    post, path = "/v1/declarations", tag = "declarations", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries")),
    request_body = SubmitDeclarationRequest,
    responses(
        (status = 201, body = DeclarationReceipt),
        (status = 404, description = "Unknown form version", body = ErrorResponse),
        (status = 409, description = "The declaration id belongs to another device", body = ErrorResponse),
        (status = 422, description = "Invalid answers, with one error per field", body = ErrorResponse),
    )
)]
pub async fn submit_declaration(
    State(state): State<AppState>,
    principal: Principal,
    request: IdempotentJson<SubmitDeclarationRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Device])?;
    let submission = request.body.clone();
    if uuid::Uuid::parse_str(&submission.declaration_id).is_err() {
        return Err(ApiError::InvalidRequest("declaration_id must be a UUID".into()));
    }
    check_subject(&submission.subject)?;
    let now = state.now();
    if submission.declared_at > now + chrono::Duration::minutes(10) {
        return Err(ApiError::InvalidRequest("declared_at is in the future".into()));
    }
    let device_id = principal.account_id.clone();
    let principal_for_audit = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        publish_bundled_forms(tx, now)?;
        // The same declaration sent again under another key (a reinstalled outbox, say) gets its first receipt.
        if let Some(row) = tx.query_opt("SELECT device_id, receipt, received_at, health_status FROM declarations WHERE id = $1", &[submission.declaration_id.clone().into()])? {
            if row.text(0)? != device_id {
                return Err(ApiError::Conflict { code: ErrorCode::DeclarationIdTaken, message: "this declaration id belongs to another device".into() });
            }
            let health_status = row.opt_text(3)?.map(|s| serde_json::from_str(&s)).transpose().map_err(|e| ApiError::Internal(e.to_string()))?;
            return Ok((StatusCode::OK, DeclarationReceipt {
                declaration_id: submission.declaration_id.clone(),
                receipt: row.text(1)?,
                received_at: from_ms(row.int(2)?)?,
                health_status,
            }));
        }
        let form = load_form(tx, &submission.form_id, submission.form_version)?.ok_or(ApiError::NotFound("form version"))?;
        // Validated as at the moment of declaring, so a queued declaration sent days later is judged fairly.
        let answers = validate_answers(&form, &submission.answers, submission.declared_at, Language::En).map_err(ApiError::InvalidAnswers)?;
        let finding = status::declaration::classify(&form.id, &answers);
        let health_status = finding.as_ref().map(receipt_status);
        // The person the declaration is about, when this phone's profile is bound to one: the status rules
        // find it by person from now on, whichever phone or profile asks.
        let person_id = tx
            .query_opt(
                "SELECT person_id FROM person_bindings WHERE device_id = $1 AND profile_ref = $2",
                &[device_id.clone().into(), submission.subject.profile_ref.clone().into()],
            )?
            .map(|row| row.text(0))
            .transpose()?;
        // A declaration a volunteer's phone made for someone they manage is an act on that person's behalf: it
        // goes into the person's audit trail, naming the volunteer who attested the binding.
        if let Some(person) = person_id.as_deref().filter(|_| submission.filled_by.relation == "managed_by_volunteer") {
            let volunteer = tx
                .query_opt(
                    "SELECT attested_by FROM person_bindings WHERE device_id = $1 AND profile_ref = $2",
                    &[device_id.clone().into(), submission.subject.profile_ref.clone().into()],
                )?
                .map(|row| row.opt_text(0))
                .transpose()?
                .flatten();
            let detail = match volunteer {
                Some(volunteer) => format!("form {}; binding attested by {volunteer}", form.id),
                None => format!("form {}", form.id),
            };
            crate::persons::db::audit(tx, now, &principal_for_audit, "declared_on_behalf", Some(person), None, Some(detail))?;
        }
        let key = crate::trust::service_key(tx, RECEIPT_KEY, now)?;
        // The phone applies only signed claims, so everything it applies is here: whose declaration, for which of
        // its profiles, when, and the status.
        let claims = ReceiptClaims {
            declaration_id: submission.declaration_id.clone(),
            form_id: Some(form.id.clone()),
            form_version: Some(form.version),
            device_id: device_id.clone(),
            profile_ref: submission.subject.profile_ref.clone(),
            received_at: now,
            health_status: health_status.clone(),
        };
        let claims = serde_json::to_vec(&claims).map_err(|e| ApiError::Internal(e.to_string()))?;
        let receipt = jws::sign_compact(&key, RECEIPT_TYP, &claims).map_err(|e| ApiError::Internal(e.to_string()))?;
        let mut stored = submission.clone();
        stored.answers = Json_::Object(answers);
        let body = serde_json::to_string(&stored).map_err(|e| ApiError::Internal(e.to_string()))?;
        let status_text = health_status.as_ref().map(serde_json::to_string).transpose().map_err(|e| ApiError::Internal(e.to_string()))?;
        let finding_text = finding.as_ref().map(serde_json::to_string).transpose().map_err(|e| ApiError::Internal(e.to_string()))?;
        tx.execute(
            "INSERT INTO declarations (id, device_id, form_id, form_version, province_code, ward_code, declared_date, declared_at, received_at, body, \
             health_status, receipt, person_id, profile_ref, finding_status, finding) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            &[
                submission.declaration_id.clone().into(),
                device_id.into(),
                form.id.clone().into(),
                Value::Int(i64::from(form.version)),
                submission.subject.province_code.clone().into(),
                submission.subject.ward_code.clone().into(),
                service_today(submission.declared_at).format("%Y-%m-%d").to_string().into(),
                Value::Int(to_ms(submission.declared_at)),
                Value::Int(to_ms(now)),
                body.into(),
                status_text.into(),
                receipt.clone().into(),
                person_id.into(),
                submission.subject.profile_ref.clone().into(),
                finding.as_ref().map(|f| f.status.as_str().to_owned()).into(),
                finding_text.into(),
            ],
        )?;
        Ok((StatusCode::CREATED, DeclarationReceipt { declaration_id: submission.declaration_id, received_at: now, receipt, health_status }))
    })
    .await
}

/// Lists declarations of people living in an area, declared on a date (health officer within its area,
/// authority admin anywhere). Every call, refused or not, is written to the access log in the same transaction.
#[utoipa::path(
    get, path = "/v1/declarations", tag = "declarations", security(("bearer" = [])),
    params(DeclarationQuery),
    responses(
        (status = 200, body = DeclarationList),
        (status = 403, description = "Not an officer, or a province or ward outside the officer's area", body = ErrorResponse),
    )
)]
pub async fn list_declarations(State(state): State<AppState>, principal: Principal, Query(query): Query<DeclarationQuery>) -> Result<Json<DeclarationList>, ApiError> {
    principal.require(&[Role::HealthOfficer, Role::AuthorityAdmin])?;
    if !healthbook_core::admin_units::is_known_province(&query.province) {
        return Err(ApiError::InvalidRequest("province must be a known two-digit province code".into()));
    }
    if chrono::NaiveDate::parse_from_str(&query.date, "%Y-%m-%d").is_err() {
        return Err(ApiError::InvalidRequest("date must be YYYY-MM-DD".into()));
    }
    if query.ward.as_deref().is_some_and(|w| !healthbook_core::admin_units::is_ward_code(w)) {
        return Err(ApiError::InvalidRequest("ward must be a five-digit ward code".into()));
    }
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let now = state.now();
    // A write transaction, because the access log entry must commit with the read or not at all.
    let outcome = state
        .db
        .write(move |tx| {
            let reach = reach_of(tx, &principal)?;
            let mut filters = serde_json::json!({
                "province": query.province, "date": query.date, "ward": query.ward, "after": query.after, "limit": limit,
            });
            // Wards the caller is limited to when it names none: its scope's wards (empty: the whole province).
            let mut wards: Vec<String> = query.ward.iter().cloned().collect();
            if let Reach::Area(area) = &reach {
                filters["scope"] = serde_json::json!(area);
                let refusal = if area.province != query.province {
                    Some("this province is outside the account's area")
                } else if query.ward.as_deref().is_some_and(|w| !area.covers_ward(w)) {
                    Some("this ward is outside the account's area")
                } else {
                    None
                };
                if let Some(reason) = refusal {
                    log_access(tx, AccessRecord { principal: &principal, endpoint: LIST_ENDPOINT, filters, outcome: "denied", record_ids: Vec::new() }, now)?;
                    return Ok(Err(reason));
                }
                if wards.is_empty() {
                    wards = area.wards.clone();
                }
            }
            let mut params: Vec<Value> = vec![
                query.province.into(),
                query.date.into(),
                query.after.unwrap_or_default().into(),
                Value::Int(i64::from(limit) + 1),
            ];
            let ward_filter = if wards.is_empty() {
                String::new()
            } else {
                let placeholders: Vec<String> = (0..wards.len()).map(|i| format!("${}", params.len() + 1 + i)).collect();
                params.extend(wards.into_iter().map(Value::Text));
                format!(" AND ward_code IN ({})", placeholders.join(", "))
            };
            let sql = format!(
                "SELECT id, form_id, form_version, province_code, ward_code, declared_at, received_at, body, health_status FROM declarations \
                 WHERE province_code = $1 AND declared_date = $2 AND id > $3{ward_filter} ORDER BY id LIMIT $4"
            );
            let rows = tx.query(&sql, &params)?;
            let mut declarations = rows
                .iter()
                .map(|row| {
                    Ok(DeclarationRecord {
                        id: row.text(0)?,
                        form_id: row.text(1)?,
                        form_version: u32::try_from(row.int(2)?).unwrap_or(0),
                        province_code: row.opt_text(3)?,
                        ward_code: row.opt_text(4)?,
                        declared_at: from_ms(row.int(5)?)?,
                        received_at: from_ms(row.int(6)?)?,
                        declaration: serde_json::from_str(&row.text(7)?).map_err(|e| ApiError::Internal(e.to_string()))?,
                        health_status: row.opt_text(8)?.map(|s| serde_json::from_str(&s)).transpose().map_err(|e| ApiError::Internal(e.to_string()))?,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            let next_after = (declarations.len() > limit as usize).then(|| {
                declarations.truncate(limit as usize);
                declarations.last().map(|d| d.id.clone())
            }).flatten();
            let record_ids = declarations.iter().map(|d| d.id.clone()).collect();
            log_access(tx, AccessRecord { principal: &principal, endpoint: LIST_ENDPOINT, filters, outcome: "ok", record_ids }, now)?;
            Ok::<_, ApiError>(Ok(DeclarationList { declarations, next_after }))
        })
        .await?;
    outcome.map(Json).map_err(|reason| ApiError::Forbidden(reason.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use healthbook_core::declarations::forms::HEALTH_DECLARATION;
    use serde_json::json;

    #[test]
    fn status_follows_the_answers() {
        let map = |v: Json_| v.as_object().unwrap().clone();
        let clear = map(json!({ "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false }));
        assert_eq!(status_from_answers(HEALTH_DECLARATION, &clear).unwrap().status.as_str(), "green");
        let cough = map(json!({ "symptoms": ["cough"], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false }));
        assert_eq!(status_from_answers(HEALTH_DECLARATION, &cough).unwrap().status.as_str(), "yellow");
        let contact = map(json!({ "contact_with_confirmed_case": true }));
        assert_eq!(status_from_answers(HEALTH_DECLARATION, &contact).unwrap().status.as_str(), "yellow");
        let suspected = map(json!({ "symptoms": ["fever"], "contact_with_confirmed_case": true }));
        assert_eq!(status_from_answers(HEALTH_DECLARATION, &suspected).unwrap(), HealthStatusView { status: healthbook_protocol::PassStatus::Red, reasons: vec![StatusReason::Declaration] });
        assert_eq!(status_from_answers("movement_declaration", &clear), None);
    }
}
