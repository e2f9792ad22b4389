//! People, not devices (issue 8): person records keyed by a keyed hash of the citizen id, and the bindings of
//! phone profiles to persons, proved by an SMS code to the phone on record or by an officer's attestation.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the request and response bodies and the handlers of `/v1/bindings*` and `/v1/persons*` |
//! | [`db`] | the HMAC secrets (sealed with the KEK), persons, bindings, challenges, the identity audit trail |
//! | [`rules`] | normalising ids, names, births and phones; codes; masking |
//! | [`sms`] | the pluggable SMS sender (log, HTTP gateway, recording for tests) |
//!
//! The clear citizen id is sealed at rest, never logged, never in an error, and never in an answer to a device;
//! staff views carry its kind and last 3 characters, and `GET /v1/persons/{id}/citizen-id` (logged twice: the
//! access log and the identity audit) is the one way to read it.

pub mod db;
pub mod rules;
pub mod sms;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Datelike, Duration, Utc};
use healthbook_core::admin_units::{is_known_province, is_ward_code};
use serde::Serialize;
use serde_json::json;
use healthbook_protocol::{ErrorCode, ErrorDetail, ErrorResponse, Role};

pub use db::person_id_hash;
use db::{BindingRow, NewPerson, PersonRow};
use rules::IdKind;

use crate::access::{AccessRecord, Reach, log_access, reach_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::IdempotentJson;
use crate::idempotency;
use crate::ratelimit::{self, HOUR_MS};
use crate::storage::{Tx, Value};
use crate::util::{from_ms, new_id, to_ms};

/// Roles that enrol persons and attest bindings (officers and volunteers within their area).
const STAFF: &[Role] = &[Role::HealthOfficer, Role::Volunteer, Role::AuthorityAdmin];
/// Attestation codes one device may ask for in an hour.
const ATTESTATION_CODES_PER_DEVICE_PER_HOUR: i64 = 20;
/// Characters of a device id shown to the person's other devices.
const DEVICE_PREFIX_CHARS: usize = 8;

// ---------------------------------------------------------------------------------------------------------
// Bodies

pub use healthbook_protocol::persons::{
    AttestBindingRequest, AttestationCodeRequest, AttestationCodeView, AuditEntry, AuditList, BindingCreated, BindingMethod,
    BindingView, BoundPerson, CitizenIdView, EnrolPersonRequest, OtherDevice, PersonView, PhoneBindingList, RemoveOtherRequest,
    Removed, SmsBindingRequest, SmsChallengeView, StaffBindingList, StaffBindingView, Verification, VerifyCodeRequest,
};

// ---------------------------------------------------------------------------------------------------------
// Helpers

/// An answer computed in a transaction that must commit even when it is a refusal (a wrong code counts).
type Answer = (StatusCode, serde_json::Value);

fn ok<T: Serialize>(status: StatusCode, value: T) -> Result<Answer, ApiError> {
    Ok((status, serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))?))
}

/// A refusal that commits (the transaction's counters and audit rows stay).
fn refusal(status: StatusCode, error: ErrorDetail) -> Answer {
    // The body is the wire contract's error shape; serialising it can't fail, the fallback only keeps the type.
    (status, serde_json::to_value(ErrorResponse { error }).unwrap_or_default())
}

fn challenge_closed() -> Answer {
    refusal(StatusCode::GONE, ErrorDetail::new(ErrorCode::ChallengeClosed, "this code was used, expired or burned; ask for a new one"))
}

fn person_view(tx: &mut dyn Tx, person: &PersonRow) -> Result<PersonView, ApiError> {
    let id_last3 = match &person.citizen_id_sealed {
        Some(sealed) => Some(rules::last3(&db::open_citizen_id(tx, &person.id, sealed)?)),
        None => None,
    };
    Ok(PersonView {
        person_id: person.id.clone(),
        id_kind: person.id_kind,
        id_last3,
        full_name: person.full_name.clone(),
        birth_year: person.birth_year,
        birth_date: person.birth_date.clone(),
        phone: person.phone.clone(),
        province_code: person.province_code.clone(),
        ward_code: person.ward_code.clone(),
        guardian_person_id: person.guardian_person_id.clone(),
        verification: person.verification,
        created_at: person.created_at,
    })
}

fn bound_person(person: &PersonRow) -> BoundPerson {
    BoundPerson {
        person_id: person.id.clone(),
        full_name: person.full_name.clone(),
        birth_year: person.birth_year,
        province_code: Some(person.province_code.clone()),
        verification: person.verification,
    }
}

fn binding_view(binding: &BindingRow, person: &PersonRow) -> BindingView {
    BindingView {
        profile_ref: binding.profile_ref.clone(),
        person: bound_person(person),
        method: binding.method,
        created_at: binding.created_at,
        other_devices: None,
    }
}

fn staff_binding_view(binding: BindingRow) -> StaffBindingView {
    StaffBindingView {
        device_id: binding.device_id,
        profile_ref: binding.profile_ref,
        person_id: binding.person_id,
        method: binding.method,
        created_at: binding.created_at,
        attested_by: binding.attested_by,
    }
}

fn device_prefix(device_id: &str) -> String {
    device_id.chars().take(DEVICE_PREFIX_CHARS).collect()
}

fn load_person(tx: &mut dyn Tx, id: &str) -> Result<PersonRow, ApiError> {
    db::person(tx, id)?.ok_or(ApiError::NotFound("person"))
}

/// Refuses unless the caller's area covers `province`/`ward` (the authority admin covers everything).
fn require_area(tx: &mut dyn Tx, actor: &Principal, province: &str, ward: Option<&str>) -> Result<(), ApiError> {
    match reach_of(tx, actor)? {
        Reach::National => Ok(()),
        Reach::Area(area) if area.province == province && (area.wards.is_empty() || ward.is_some_and(|w| area.covers_ward(w))) => {
            Ok(())
        }
        Reach::Area(_) => Err(ApiError::Forbidden("this person is outside your area".into())),
    }
}

pub(crate) fn require_person_in_area(tx: &mut dyn Tx, actor: &Principal, person: &PersonRow) -> Result<(), ApiError> {
    require_area(tx, actor, &person.province_code, person.ward_code.as_deref())
}

/// Loads a person for a staff read: 404 when unknown, refused outside the reader's area, and the read logged in
/// the same transaction, so that no staff read of a person can skip the area check or the access log.
fn read_person_in_area(
    tx: &mut dyn Tx,
    actor: &Principal,
    person_id: &str,
    endpoint: &'static str,
    now: DateTime<Utc>,
) -> Result<PersonRow, ApiError> {
    let person = load_person(tx, person_id)?;
    require_person_in_area(tx, actor, &person)?;
    log_person_read(tx, actor, endpoint, &person.id, now)?;
    Ok(person)
}

fn log_person_read(tx: &mut dyn Tx, actor: &Principal, endpoint: &'static str, person_id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    log_access(
        tx,
        AccessRecord { principal: actor, endpoint, filters: json!({}), outcome: "ok", record_ids: vec![person_id.to_owned()] },
        now,
    )
}

/// A volunteer who enrols or attests a person manages them from now on (the volunteer area's endpoints).
fn record_volunteer_enrolment(tx: &mut dyn Tx, actor: &Principal, person_id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    if actor.role == Role::Volunteer {
        crate::volunteers::db::record_enrolment(tx, person_id, actor, now)?;
    }
    Ok(())
}

fn area_codes(province: &str, ward: Option<&str>) -> Result<(String, Option<String>), ApiError> {
    let province = province.trim();
    if !is_known_province(province) {
        return Err(ApiError::InvalidRequest("province_code must be a known two-digit province code".into()));
    }
    let ward = ward.map(str::trim).filter(|w| !w.is_empty());
    if ward.is_some_and(|w| !is_ward_code(w)) {
        return Err(ApiError::InvalidRequest("ward_code must have 5 digits".into()));
    }
    Ok((province.to_owned(), ward.map(str::to_owned)))
}

/// A text message a transaction queued, sent after it committed (a rolled-back request sends nothing, and a
/// replayed one does not run its transaction, so it sends nothing either).
struct Pending {
    to: String,
    text: String,
    /// The SMS challenge whose code it carries.
    challenge_id: Option<String>,
}

type Outbox = Arc<Mutex<Option<Pending>>>;

fn take(outbox: &Outbox) -> Option<Pending> {
    outbox.lock().ok().and_then(|mut slot| slot.take())
}

fn queue(outbox: &Outbox, pending: Pending) {
    if let Ok(mut slot) = outbox.lock() {
        *slot = Some(pending);
    }
}

/// Undoes a committed start whose code could not be texted: the challenge goes (it proves nothing and must not
/// count towards the person's hourly three) and so does the stored answer, so that a retry with the same
/// idempotency key tries again instead of replaying "sent".
async fn forget_unsent_challenge(state: &AppState, actor: &Principal, idempotency_key: &str, challenge_id: String) -> Result<(), ApiError> {
    let now = state.now();
    let (actor, scope, key) = (actor.clone(), actor.idempotency_scope(), idempotency_key.to_owned());
    state
        .db
        .write(move |tx| {
            let person = db::sms_challenge(tx, &challenge_id)?.map(|c| c.person_id);
            tx.execute("DELETE FROM binding_challenges WHERE id = $1", &[challenge_id.into()])?;
            tx.execute("DELETE FROM idempotency_records WHERE scope = $1 AND idem_key = $2", &[scope.into(), key.into()])?;
            db::audit(tx, now, &actor, "sms_failed", person.as_deref(), None, None)
        })
        .await
}

// ---------------------------------------------------------------------------------------------------------
// Devices

/// Sends a 6-digit code to the phone on record of the person with this citizen id (device).
#[utoipa::path(
    post, path = "/v1/bindings/sms", tag = "persons", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = SmsBindingRequest,
    responses(
        (status = 201, body = SmsChallengeView),
        (status = 409, description = "`attestation_required`: no phone on record", body = ErrorResponse),
        (status = 422, description = "`identity_mismatch` or `invalid_request`", body = ErrorResponse),
        (status = 429, description = "`binding_locked` (per person) or `rate_limited` (per device)", body = ErrorResponse),
    )
)]
pub async fn start_sms_binding(
    State(state): State<AppState>,
    principal: Principal,
    request: IdempotentJson<SmsBindingRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Device])?;
    let now = state.now();
    let body = request.body.clone();
    let profile_ref = rules::profile_ref(&body.profile_ref)?;
    let birth_year = rules::birth_year(body.birth_year, now.year())?;
    let (citizen_id, id_kind) = rules::citizen_id(&body.citizen_id, birth_year)?;
    let full_name = rules::full_name(&body.full_name)?;
    let phone = body.phone.as_deref().filter(|p| !p.trim().is_empty()).map(rules::phone).transpose()?;
    let area = match body.province_code.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(province) => Some(area_codes(province, body.ward_code.as_deref())?),
        None => rules::cccd_province(&citizen_id).map(|p| (p, None)),
    };
    let outbox = Outbox::default();
    let queued = outbox.clone();
    let retry_after: Arc<Mutex<Option<u64>>> = Arc::default();
    let retry_slot = retry_after.clone();
    let actor = principal.clone();
    let mut response = idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| -> Result<Answer, ApiError> {
        let now_ms = to_ms(now);
        let device_id = actor.account_id.clone();
        if ratelimit::record(tx, &format!("bind-sms:{device_id}"), now_ms, HOUR_MS)? > rules::SMS_STARTS_PER_DEVICE_PER_HOUR {
            return Err(ApiError::RateLimited { retry_after_secs: ratelimit::retry_after_secs(now_ms, HOUR_MS) });
        }
        db::sweep_challenges(tx, now)?;
        let id_hash = db::person_id_hash(tx, &citizen_id)?;
        let person = match db::person_by_hash(tx, &id_hash)? {
            Some(person) => {
                if !(person.birth_year == birth_year && rules::names_match(&full_name, &person.full_name)) {
                    // Committed, so the device's hourly count keeps the guess, and the person's trail shows it.
                    db::audit(tx, now, &actor, "identity_mismatch", Some(&person.id), None, None)?;
                    return Ok(refusal(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        ErrorDetail::new(ErrorCode::IdentityMismatch, "the name or birth year does not match the record of this id"),
                    ));
                }
                person
            }
            None => {
                let phone = phone.clone().ok_or_else(|| {
                    ApiError::InvalidRequest("phone is required for a person the server does not know yet".into())
                })?;
                let (province_code, ward_code) = area.clone().ok_or_else(|| {
                    ApiError::InvalidRequest("province_code is required with a CMND".into())
                })?;
                let new = NewPerson {
                    citizen_id: Some((citizen_id.clone(), id_hash)),
                    id_kind,
                    full_name: full_name.clone(),
                    birth_year,
                    birth_date: None,
                    phone: Some(phone),
                    province_code,
                    ward_code,
                    guardian_person_id: None,
                    verification: "self_declared",
                    created_by: device_id.clone(),
                };
                let person = db::insert_person(tx, new, now)?;
                db::audit(tx, now, &actor, "person_created", Some(&person.id), None, Some("self_declared".into()))?;
                person
            }
        };
        let Some(to) = person.phone.clone() else {
            return Err(ApiError::Conflict {
                code: ErrorCode::AttestationRequired,
                message: "no phone is on record for this person: ask an officer or volunteer to attest".into(),
            });
        };
        db::lock_person(tx, &person.id)?;
        let window = tx.query(
            "SELECT created_at FROM binding_challenges WHERE person_id = $1 AND method = 'sms' AND created_at > $2 \
             ORDER BY created_at",
            &[person.id.clone().into(), Value::Int(now_ms - HOUR_MS)],
        )?;
        if window.len() as i64 >= rules::SMS_CHALLENGES_PER_PERSON_PER_HOUR {
            let oldest = window[0].int(0)?;
            let wait_ms = (oldest + HOUR_MS - now_ms).max(1);
            let retry_after_secs = (wait_ms as u64).div_ceil(1000);
            let message = "too many codes for this person in the last hour; try later, or ask an officer to attest";
            let told = tx
                .query_opt(
                    "SELECT id FROM identity_audit WHERE person_id = $1 AND action = 'binding_locked' AND at >= $2",
                    &[person.id.clone().into(), Value::Int(oldest)],
                )?
                .is_some();
            if told {
                return Err(ApiError::Throttled { code: ErrorCode::BindingLocked, message: message.into(), retry_after_secs });
            }
            // The first refusal of a lock commits, so the person is told once per lock, not once per attempt.
            db::audit(tx, now, &actor, "binding_locked", Some(&person.id), None, None)?;
            queue(&queued, Pending { to, text: sms::locked_notice(), challenge_id: None });
            if let Ok(mut slot) = retry_slot.lock() {
                *slot = Some(retry_after_secs);
            }
            return Ok(refusal(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorDetail { retry_after_secs: Some(retry_after_secs), ..ErrorDetail::new(ErrorCode::BindingLocked, message) },
            ));
        }
        // Only the newest code of a profile works.
        tx.execute(
            "UPDATE binding_challenges SET closed_at = $1 WHERE device_id = $2 AND profile_ref = $3 AND method = 'sms' \
             AND closed_at IS NULL",
            &[Value::Int(now_ms), device_id.clone().into(), profile_ref.clone().into()],
        )?;
        let challenge_id = new_id();
        let code = rules::sms_code()?;
        let code_hash = db::code_hash(tx, &challenge_id, &code)?;
        let expires_at = now + Duration::minutes(rules::SMS_CODE_MINUTES);
        tx.execute(
            "INSERT INTO binding_challenges (id, device_id, profile_ref, person_id, method, code_hash, attempts, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, 'sms', $5, 0, $6, $7)",
            &[
                challenge_id.clone().into(),
                device_id.into(),
                profile_ref.clone().into(),
                person.id.clone().into(),
                code_hash.into(),
                Value::Int(now_ms),
                Value::Int(to_ms(expires_at)),
            ],
        )?;
        db::audit(tx, now, &actor, "sms_code_sent", Some(&person.id), None, None)?;
        queue(
            &queued,
            Pending { to: to.clone(), text: sms::code_message(&code, rules::SMS_CODE_MINUTES), challenge_id: Some(challenge_id.clone()) },
        );
        ok(StatusCode::CREATED, SmsChallengeView { challenge_id, sent_to: rules::mask_phone(&to), expires_at })
    })
    .await?;
    if let Some(secs) = retry_after.lock().ok().and_then(|slot| *slot)
        && let Ok(value) = axum::http::HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
    }
    if let Some(pending) = take(&outbox)
        && let Err(e) = state.sms.send(&pending.to, &pending.text).await
    {
        let Some(challenge_id) = pending.challenge_id else {
            // A lock notice: the refusal stands, the audit trail has the lock.
            tracing::warn!(error = %e, "a binding-locked notice could not be sent");
            return Ok(response);
        };
        tracing::warn!(error = %e, "a binding code could not be sent");
        forget_unsent_challenge(&state, &principal, &request.key, challenge_id).await?;
        return Err(ApiError::Unavailable {
            code: ErrorCode::SmsUnavailable,
            message: "the code could not be sent; try again shortly".into(),
        });
    }
    Ok(response)
}

/// Checks the SMS code; the right one binds the profile, five wrong ones burn the challenge (device).
#[utoipa::path(
    post, path = "/v1/bindings/sms/{challenge_id}/verify", tag = "persons", security(("bearer" = [])),
    params(("challenge_id" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = VerifyCodeRequest,
    responses(
        (status = 201, body = BindingCreated),
        (status = 410, description = "`challenge_closed`", body = ErrorResponse),
        (status = 422, description = "`wrong_code` with `attempts_left`", body = ErrorResponse),
    )
)]
pub async fn verify_sms_binding(
    State(state): State<AppState>,
    principal: Principal,
    Path(challenge_id): Path<String>,
    request: IdempotentJson<VerifyCodeRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Device])?;
    let now = state.now();
    let code = request.body.code.trim().to_owned();
    let outbox = Outbox::default();
    let queued = outbox.clone();
    let actor = principal.clone();
    let response = idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| -> Result<Answer, ApiError> {
        let now_ms = to_ms(now);
        let challenge = db::sms_challenge(tx, &challenge_id)?
            .filter(|c| c.device_id == actor.account_id)
            .ok_or(ApiError::NotFound("binding challenge"))?;
        if challenge.closed_at.is_some() || challenge.expires_at <= now_ms {
            return Ok(challenge_closed());
        }
        let right = rules::is_sms_code_shape(&code) && db::code_matches(tx, &challenge_id, &code, &challenge.code_hash)?;
        if right {
            let closed = tx.execute(
                "UPDATE binding_challenges SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL",
                &[Value::Int(now_ms), challenge_id.clone().into()],
            )?;
            if closed == 0 {
                return Ok(challenge_closed());
            }
            let binding =
                db::bind(tx, &actor.account_id, &challenge.profile_ref, &challenge.person_id, "sms", None, now)?;
            db::audit(tx, now, &actor, "bound", Some(&challenge.person_id), None, Some("sms".into()))?;
            let person = load_person(tx, &challenge.person_id)?;
            return ok(StatusCode::CREATED, BindingCreated { binding: binding_view(&binding, &person) });
        }
        let rows = tx.query(
            "UPDATE binding_challenges SET attempts = attempts + 1, \
             closed_at = CASE WHEN attempts + 1 >= $1 THEN CAST($2 AS BIGINT) ELSE NULL END \
             WHERE id = $3 AND closed_at IS NULL RETURNING attempts",
            &[Value::Int(rules::SMS_MAX_ATTEMPTS), Value::Int(now_ms), challenge_id.clone().into()],
        )?;
        let Some(row) = rows.first() else { return Ok(challenge_closed()) };
        let attempts_left = u32::try_from((rules::SMS_MAX_ATTEMPTS - row.int(0)?).max(0)).unwrap_or(0);
        if attempts_left == 0 {
            db::audit(tx, now, &actor, "challenge_burned", Some(&challenge.person_id), None, None)?;
            if let Some(phone) = load_person(tx, &challenge.person_id)?.phone {
                queue(&queued, Pending { to: phone, text: sms::burned_notice(), challenge_id: None });
            }
        }
        Ok(refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorDetail { attempts_left: Some(attempts_left), ..ErrorDetail::new(ErrorCode::WrongCode, "the code is wrong") },
        ))
    })
    .await?;
    if let Some(pending) = take(&outbox)
        && let Err(e) = state.sms.send(&pending.to, &pending.text).await
    {
        // The refusal stands; only the notice is lost, and the audit trail still has the burn.
        tracing::warn!(error = %e, "a burned-challenge notice could not be sent");
    }
    Ok(response)
}

/// Issues a code for the phone to show an officer or volunteer, who binds the profile after checking the id card
/// (device).
#[utoipa::path(
    post, path = "/v1/bindings/attestation", tag = "persons", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = AttestationCodeRequest,
    responses((status = 201, body = AttestationCodeView), (status = 429, body = ErrorResponse))
)]
pub async fn start_attestation(
    State(state): State<AppState>,
    principal: Principal,
    request: IdempotentJson<AttestationCodeRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Device])?;
    let now = state.now();
    let profile_ref = rules::profile_ref(&request.body.profile_ref)?;
    let device_id = principal.account_id.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let now_ms = to_ms(now);
        if ratelimit::record(tx, &format!("bind-attest:{device_id}"), now_ms, HOUR_MS)? > ATTESTATION_CODES_PER_DEVICE_PER_HOUR {
            return Err(ApiError::RateLimited { retry_after_secs: ratelimit::retry_after_secs(now_ms, HOUR_MS) });
        }
        db::sweep_challenges(tx, now)?;
        tx.execute(
            "UPDATE attestation_challenges SET closed_at = $1 WHERE device_id = $2 AND profile_ref = $3 AND closed_at IS NULL",
            &[Value::Int(now_ms), device_id.clone().into(), profile_ref.clone().into()],
        )?;
        let challenge_id = new_id();
        let code = rules::attestation_code()?;
        let code_hash = db::code_hash(tx, "attestation", &code)?;
        let expires_at = now + Duration::minutes(rules::ATTESTATION_CODE_MINUTES);
        tx.execute(
            "INSERT INTO attestation_challenges (id, device_id, profile_ref, code_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                challenge_id.clone().into(),
                device_id.into(),
                profile_ref.into(),
                code_hash.into(),
                Value::Int(now_ms),
                Value::Int(to_ms(expires_at)),
            ],
        )?;
        Ok((StatusCode::CREATED, AttestationCodeView { challenge_id, code, expires_at }))
    })
    .await
}

/// This phone's bound profiles, each with the other phones bound to the same person (device).
#[utoipa::path(
    get, path = "/v1/bindings", tag = "persons", security(("bearer" = [])),
    responses((status = 200, body = PhoneBindingList), (status = 403, body = ErrorResponse))
)]
pub async fn list_bindings(State(state): State<AppState>, principal: Principal) -> Result<Json<PhoneBindingList>, ApiError> {
    principal.require(&[Role::Device])?;
    let device_id = principal.account_id.clone();
    let list = state
        .db
        .read(move |tx| {
            let mut bindings = Vec::new();
            for binding in db::bindings_of_device(tx, &device_id)? {
                let person = load_person(tx, &binding.person_id)?;
                let others = db::bindings_of_person(tx, &person.id)?
                    .into_iter()
                    .filter(|other| other.device_id != device_id)
                    .map(|other| OtherDevice {
                        device: device_prefix(&other.device_id),
                        profile_ref: None,
                        method: other.method,
                        created_at: other.created_at,
                    })
                    .collect();
                let mut view = binding_view(&binding, &person);
                view.other_devices = Some(others);
                bindings.push(view);
            }
            Ok::<_, ApiError>(PhoneBindingList { bindings })
        })
        .await?;
    Ok(Json(list))
}

/// Removes this phone's binding of one profile (device).
#[utoipa::path(
    delete, path = "/v1/bindings/{profile_ref}", tag = "persons", security(("bearer" = [])),
    params(("profile_ref" = String, Path)),
    responses((status = 200, body = Removed), (status = 404, body = ErrorResponse))
)]
pub async fn delete_binding(
    State(state): State<AppState>,
    principal: Principal,
    Path(profile_ref): Path<String>,
) -> Result<Json<Removed>, ApiError> {
    principal.require(&[Role::Device])?;
    let now = state.now();
    let removed = state
        .db
        .write(move |tx| {
            let binding = db::unbind(tx, &principal.account_id, &profile_ref)?.ok_or(ApiError::NotFound("binding"))?;
            db::audit(tx, now, &principal, "unbound", Some(&binding.person_id), None, Some("by the device itself".into()))?;
            Ok::<_, ApiError>(Removed { removed: 1 })
        })
        .await?;
    Ok(Json(removed))
}

/// A phone bound to a person removes another phone's binding to that person (device).
#[utoipa::path(
    post, path = "/v1/bindings/remove-other", tag = "persons", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = RemoveOtherRequest,
    responses((status = 200, body = Removed), (status = 404, body = ErrorResponse))
)]
pub async fn remove_other_binding(
    State(state): State<AppState>,
    principal: Principal,
    request: IdempotentJson<RemoveOtherRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Device])?;
    let now = state.now();
    let body = request.body.clone();
    let other = body.device_id.trim().to_owned();
    if other.chars().count() < DEVICE_PREFIX_CHARS {
        return Err(ApiError::InvalidRequest(format!("device_id must have at least {DEVICE_PREFIX_CHARS} characters")));
    }
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let own = db::binding(tx, &actor.account_id, &body.profile_ref)?.ok_or(ApiError::NotFound("binding"))?;
        let targets: Vec<BindingRow> = db::bindings_of_person(tx, &own.person_id)?
            .into_iter()
            .filter(|b| b.device_id != actor.account_id && b.device_id.starts_with(&other))
            .collect();
        let devices: std::collections::BTreeSet<&str> = targets.iter().map(|b| b.device_id.as_str()).collect();
        match devices.len() {
            0 => return Err(ApiError::NotFound("binding")),
            1 => {}
            _ => return Err(ApiError::InvalidRequest("device_id matches several devices; give more of it".into())),
        }
        for target in &targets {
            db::unbind(tx, &target.device_id, &target.profile_ref)?;
            db::audit(
                tx,
                now,
                &actor,
                "unbound",
                Some(&own.person_id),
                None,
                Some(format!("device {} removed by another device of the person", device_prefix(&target.device_id))),
            )?;
        }
        Ok((StatusCode::OK, Removed { removed: targets.len() as u64 }))
    })
    .await
}

// ---------------------------------------------------------------------------------------------------------
// Staff

/// Records a person whose id card (or guardian's) an officer or volunteer checked; an existing record with the
/// same id is returned, upgraded to `attested` (health officer or volunteer within its area, authority admin).
#[utoipa::path(
    post, path = "/v1/persons", tag = "persons", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = EnrolPersonRequest,
    responses(
        (status = 201, body = PersonView), (status = 200, description = "an existing person, now attested", body = PersonView),
        (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse),
    )
)]
pub async fn enrol_person(
    State(state): State<AppState>,
    principal: Principal,
    request: IdempotentJson<EnrolPersonRequest>,
) -> Result<Response, ApiError> {
    principal.require(STAFF)?;
    let now = state.now();
    let body = request.body.clone();
    let full_name = rules::full_name(&body.full_name)?;
    let (birth_year, birth_date) = rules::birth(&body.birth, now.year())?;
    let phone = body.phone.as_deref().filter(|p| !p.trim().is_empty()).map(rules::phone).transpose()?;
    let (province_code, ward_code) = area_codes(&body.province_code, body.ward_code.as_deref())?;
    let place = rules::place(&body.place)?;
    let given_id = body.citizen_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
    let citizen_id = match body.id_kind {
        IdKind::Cccd | IdKind::Cmnd => {
            let (id, kind) = rules::citizen_id(given_id.unwrap_or_default(), birth_year)?;
            if kind != body.id_kind {
                return Err(ApiError::InvalidRequest("citizen_id does not have the length of its id_kind".into()));
            }
            Some(id)
        }
        IdKind::OfficerAssigned => match given_id {
            Some(id) if rules::is_officer_assigned_id(id) => Some(id.to_owned()),
            Some(_) => return Err(ApiError::InvalidRequest("an officer-assigned id looks like OA-PP-XXXXXXXX".into())),
            None => Some(rules::officer_assigned_id(&province_code)?),
        },
        IdKind::None => {
            if given_id.is_some() {
                return Err(ApiError::InvalidRequest("id_kind none takes no citizen_id".into()));
            }
            if body.guardian_person_id.is_none() {
                return Err(ApiError::InvalidRequest("a person without an id needs a guardian_person_id".into()));
            }
            None
        }
    };
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| -> Result<Answer, ApiError> {
        require_area(tx, &actor, &province_code, ward_code.as_deref())?;
        if let Some(guardian) = &body.guardian_person_id {
            let guardian = db::person(tx, guardian)?.ok_or(ApiError::NotFound("guardian"))?;
            require_person_in_area(tx, &actor, &guardian)?;
        }
        let hashed = match citizen_id {
            Some(clear) => {
                let hash = db::person_id_hash(tx, &clear)?;
                if let Some(existing) = db::person_by_hash(tx, &hash)? {
                    require_person_in_area(tx, &actor, &existing)?;
                    // The card was seen: its details replace what a phone declared.
                    tx.execute(
                        "UPDATE persons SET verification = 'attested', full_name = $1, birth_year = $2, \
                         birth_date = COALESCE($3, birth_date), phone = COALESCE($4, phone) WHERE id = $5",
                        &[
                            full_name.clone().into(),
                            Value::Int(i64::from(birth_year)),
                            birth_date.clone().into(),
                            phone.clone().into(),
                            existing.id.clone().into(),
                        ],
                    )?;
                    db::audit(tx, now, &actor, "attested", Some(&existing.id), Some(&place), Some("existing record".into()))?;
                    record_volunteer_enrolment(tx, &actor, &existing.id, now)?;
                    let person = load_person(tx, &existing.id)?;
                    return ok(StatusCode::OK, person_view(tx, &person)?);
                }
                Some((clear, hash))
            }
            None => None,
        };
        let new = NewPerson {
            citizen_id: hashed,
            id_kind: body.id_kind,
            full_name,
            birth_year,
            birth_date,
            phone,
            province_code,
            ward_code,
            guardian_person_id: body.guardian_person_id.clone(),
            verification: "attested",
            created_by: actor.account_id.clone(),
        };
        let person = db::insert_person(tx, new, now)?;
        db::audit(tx, now, &actor, "person_created", Some(&person.id), Some(&place), Some(body.id_kind.as_str().into()))?;
        record_volunteer_enrolment(tx, &actor, &person.id, now)?;
        ok(StatusCode::CREATED, person_view(tx, &person)?)
    })
    .await
}

/// Binds the profile showing `challenge_code` to a person whose id card the caller checked (health officer or
/// volunteer within its area, authority admin).
#[utoipa::path(
    post, path = "/v1/bindings/attest", tag = "persons", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = AttestBindingRequest,
    responses(
        (status = 201, body = StaffBindingView), (status = 403, body = ErrorResponse),
        (status = 410, description = "`challenge_closed`", body = ErrorResponse),
    )
)]
pub async fn attest_binding(
    State(state): State<AppState>,
    principal: Principal,
    request: IdempotentJson<AttestBindingRequest>,
) -> Result<Response, ApiError> {
    principal.require(STAFF)?;
    let now = state.now();
    let body = request.body.clone();
    let code = rules::read_attestation_code(&body.challenge_code)
        .ok_or_else(|| ApiError::InvalidRequest("challenge_code must be the 8 characters the phone shows".into()))?;
    let place = rules::place(&body.place)?;
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| -> Result<Answer, ApiError> {
        let now_ms = to_ms(now);
        let person = load_person(tx, &body.person_id)?;
        require_person_in_area(tx, &actor, &person)?;
        let code_hash = db::code_hash(tx, "attestation", &code)?;
        let Some(row) = tx.query_opt(
            "SELECT id, device_id, profile_ref, expires_at, closed_at FROM attestation_challenges WHERE code_hash = $1",
            &[code_hash.into()],
        )?
        else {
            return Ok(challenge_closed());
        };
        let (challenge_id, device_id, profile_ref) = (row.text(0)?, row.text(1)?, row.text(2)?);
        if row.opt_int(4)?.is_some() || row.int(3)? <= now_ms {
            return Ok(challenge_closed());
        }
        let closed = tx.execute(
            "UPDATE attestation_challenges SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL",
            &[Value::Int(now_ms), challenge_id.into()],
        )?;
        if closed == 0 {
            return Ok(challenge_closed());
        }
        let binding = db::bind(tx, &device_id, &profile_ref, &person.id, "attestation", Some(&actor.account_id), now)?;
        tx.execute("UPDATE persons SET verification = 'attested' WHERE id = $1", &[person.id.clone().into()])?;
        db::audit(
            tx,
            now,
            &actor,
            "attested",
            Some(&person.id),
            Some(&place),
            Some(format!("device {} bound", device_prefix(&device_id))),
        )?;
        record_volunteer_enrolment(tx, &actor, &person.id, now)?;
        ok(StatusCode::CREATED, staff_binding_view(binding))
    })
    .await
}

/// A person's record (staff within its area); the read is logged.
#[utoipa::path(
    get, path = "/v1/persons/{person_id}", tag = "persons", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = PersonView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_person(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<String>,
) -> Result<Json<PersonView>, ApiError> {
    principal.require(STAFF)?;
    let now = state.now();
    let view = state
        .db
        .write(move |tx| {
            let person = read_person_in_area(tx, &principal, &person_id, "GET /v1/persons/{id}", now)?;
            person_view(tx, &person)
        })
        .await?;
    Ok(Json(view))
}

/// The clear citizen id (staff within its area); written to the access log and the identity audit.
#[utoipa::path(
    get, path = "/v1/persons/{person_id}/citizen-id", tag = "persons", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = CitizenIdView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_citizen_id(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<String>,
) -> Result<Json<CitizenIdView>, ApiError> {
    principal.require(STAFF)?;
    let now = state.now();
    let view = state
        .db
        .write(move |tx| {
            let person = load_person(tx, &person_id)?;
            require_person_in_area(tx, &principal, &person)?;
            let sealed = person.citizen_id_sealed.clone().ok_or(ApiError::NotFound("citizen id"))?;
            let citizen_id = db::open_citizen_id(tx, &person.id, &sealed)?;
            log_person_read(tx, &principal, "GET /v1/persons/{id}/citizen-id", &person.id, now)?;
            db::audit(tx, now, &principal, "citizen_id_read", Some(&person.id), None, None)?;
            Ok::<_, ApiError>(CitizenIdView { citizen_id })
        })
        .await?;
    Ok(Json(view))
}

/// The phones bound to a person (staff within its area); the read is logged.
#[utoipa::path(
    get, path = "/v1/persons/{person_id}/bindings", tag = "persons", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = StaffBindingList), (status = 403, body = ErrorResponse))
)]
pub async fn get_person_bindings(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<String>,
) -> Result<Json<StaffBindingList>, ApiError> {
    principal.require(STAFF)?;
    let now = state.now();
    let list = state
        .db
        .write(move |tx| {
            let person = read_person_in_area(tx, &principal, &person_id, "GET /v1/persons/{id}/bindings", now)?;
            let bindings = db::bindings_of_person(tx, &person.id)?.into_iter().map(staff_binding_view).collect();
            Ok::<_, ApiError>(StaffBindingList { bindings })
        })
        .await?;
    Ok(Json(list))
}

/// Removes one phone's binding to a person (staff within its area).
#[utoipa::path(
    delete, path = "/v1/persons/{person_id}/bindings/{device_id}/{profile_ref}", tag = "persons", security(("bearer" = [])),
    params(("person_id" = String, Path), ("device_id" = String, Path), ("profile_ref" = String, Path)),
    responses((status = 200, body = Removed), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn delete_person_binding(
    State(state): State<AppState>,
    principal: Principal,
    Path((person_id, device_id, profile_ref)): Path<(String, String, String)>,
) -> Result<Json<Removed>, ApiError> {
    principal.require(STAFF)?;
    let now = state.now();
    let removed = state
        .db
        .write(move |tx| {
            let person = load_person(tx, &person_id)?;
            require_person_in_area(tx, &principal, &person)?;
            match db::binding(tx, &device_id, &profile_ref)? {
                Some(binding) if binding.person_id == person.id => {}
                _ => return Err(ApiError::NotFound("binding")),
            }
            db::unbind(tx, &device_id, &profile_ref)?;
            db::audit(
                tx,
                now,
                &principal,
                "unbound",
                Some(&person.id),
                None,
                Some(format!("device {} removed by staff", device_prefix(&device_id))),
            )?;
            Ok::<_, ApiError>(Removed { removed: 1 })
        })
        .await?;
    Ok(Json(removed))
}

/// A person's identity audit trail (authority admin, or a health officer of the person's area); the read is
/// logged.
#[utoipa::path(
    get, path = "/v1/persons/{person_id}/audit", tag = "persons", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = AuditList), (status = 403, body = ErrorResponse))
)]
pub async fn get_person_audit(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<String>,
) -> Result<Json<AuditList>, ApiError> {
    principal.require(&[Role::AuthorityAdmin, Role::HealthOfficer])?;
    let now = state.now();
    let list = state
        .db
        .write(move |tx| {
            let person = load_person(tx, &person_id)?;
            // The supervisor of a volunteer who enrolled the person reads it too, even when the person's ward
            // lies outside the supervisor's own wards.
            if let Err(refused) = require_person_in_area(tx, &principal, &person)
                && !crate::volunteers::supervises(tx, &principal, &person.id)?
            {
                return Err(refused);
            }
            log_person_read(tx, &principal, "GET /v1/persons/{id}/audit", &person.id, now)?;
            Ok::<_, ApiError>(AuditList { entries: audit_entries(tx, &person.id)? })
        })
        .await?;
    Ok(Json(list))
}

/// A person's identity audit trail, oldest first.
fn audit_entries(tx: &mut dyn Tx, person_id: &str) -> Result<Vec<AuditEntry>, ApiError> {
    let rows = tx.query(
        "SELECT at, actor_account_id, actor_role, action, place, detail FROM identity_audit \
         WHERE person_id = $1 ORDER BY at, id",
        &[person_id.into()],
    )?;
    rows.iter()
        .map(|row| {
            Ok(AuditEntry {
                at: from_ms(row.int(0)?)?,
                actor_account_id: row.text(1)?,
                actor_role: row.text(2)?,
                action: row.text(3)?,
                place: row.opt_text(4)?,
                detail: row.opt_text(5)?,
            })
        })
        .collect()
}

/// The audit trail of the person one of the calling phone's profiles is bound to: what officers and volunteers
/// did on the person's behalf (device; 404 for a profile not bound on this phone).
#[utoipa::path(
    get, path = "/v1/bindings/{profile_ref}/audit", tag = "persons", security(("bearer" = [])),
    params(("profile_ref" = String, Path)),
    responses((status = 200, body = AuditList), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_own_audit(
    State(state): State<AppState>,
    principal: Principal,
    Path(profile_ref): Path<String>,
) -> Result<Json<AuditList>, ApiError> {
    principal.require(&[Role::Device])?;
    let list = state
        .db
        .read(move |tx| {
            let binding = db::binding(tx, &principal.account_id, &profile_ref)?.ok_or(ApiError::NotFound("binding"))?;
            Ok::<_, ApiError>(AuditList { entries: audit_entries(tx, &binding.person_id)? })
        })
        .await?;
    Ok(Json(list))
}
