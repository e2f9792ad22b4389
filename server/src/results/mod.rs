//! Test results (issue 11), after Corona-Warn-App's verification protocol: phones register the SHA-256 of a
//! sample code for a token and poll with it; sampling sites report samples (linked to the person whose pass
//! they scanned) and pools; labs upload outcomes by code hash; a negative or positive result of a known person
//! becomes an EU DCC test certificate signed by the lab-results key. Only hashes of codes and of tokens are
//! stored, and everything is deleted after the retention period ([`purge_expired`]).
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the handlers: who may call what, input checks |
//! | `db.rs` | storage, inside the caller's transaction |
//! | `rules.rs` | states, reasons, poll intervals, pool outcomes |
//! | `certificate.rs` | the EU DCC test certificate |

pub mod certificate;
pub mod db;
pub mod rules;

use std::collections::{BTreeMap, HashSet};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::{ErrorCode, ErrorResponse, Role};

pub use healthbook_protocol::{
    CreatePoolRequest, LabResultBatch, LabUploadReport, LinkSampleRequest, LinkedSample, PollResultRequest, PoolView,
    RegisterSampleRequest, ResultsReport, ResultsReportQuery, ResultsReportRow, SampleRegistration, TestResultState,
    TestResultView,
};

use crate::access::{AccessRecord, Reach, log_access, reach_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::persons::sms::SmsSender;
use crate::ratelimit;
use crate::storage::Database;
use crate::util::{sha256_hex, to_ms};

/// The report as the access log names it.
const REPORT_ENDPOINT: &str = "GET /v1/results/report";
/// Longest period one report covers.
const MAX_REPORT_DAYS: i64 = 92;
/// Largest lab upload body: 1,000 results of about 150 bytes, with room for formatting.
pub const LAB_BODY_LIMIT_BYTES: usize = 512 * 1024;
/// How often a serving instance deletes what has passed the retention period.
pub const PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3_600);

fn check_code_hash(field: &'static str, value: &str) -> Result<(), ApiError> {
    if rules::is_code_hash(value) {
        return Ok(());
    }
    Err(ApiError::InvalidField { field, field_code: "not_a_code_hash", message: format!("{field} must be 64 lowercase hex characters (SHA-256)") })
}

fn unknown_registration() -> ApiError {
    ApiError::Unknown { code: ErrorCode::UnknownRegistration, message: "no such registration for this phone".into() }
}

/// Exchanges a sample code's hash for a registration token (device). A code registers once; the same phone
/// asking again for the same profile (a lost answer) gets a fresh token that replaces the first. Each device may
/// register a limited number per hour, counted even when refused, so that guessing codes stays slow.
#[utoipa::path(
    post, path = "/v1/results/registrations", tag = "results", security(("bearer" = [])),
    request_body = RegisterSampleRequest,
    responses(
        (status = 201, body = SampleRegistration),
        (status = 403, body = ErrorResponse),
        (status = 409, description = "`sample_already_registered`", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
        (status = 429, description = "Too many registrations from this device", body = ErrorResponse),
    )
)]
pub async fn register_sample(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<RegisterSampleRequest>,
) -> Result<(StatusCode, Json<SampleRegistration>), ApiError> {
    principal.require(&[Role::Device])?;
    check_code_hash("code_hash", &request.code_hash)?;
    if request.profile_ref.is_empty() || request.profile_ref.len() > 64 {
        return Err(ApiError::InvalidRequest("profile_ref must be 1 to 64 characters".into()));
    }
    let now = state.now();
    let limit = state.config.result_registrations_per_hour;
    let bucket = format!("results-register:{}", principal.account_id);
    // Counted in its own transaction, so that refused attempts (a code taken, say) count too.
    let hits = state.db.write(move |tx| ratelimit::record(tx, &bucket, to_ms(now), ratelimit::HOUR_MS)).await?;
    if limit > 0 && hits > i64::from(limit) {
        if hits == i64::from(limit) + 1 {
            tracing::warn!(limit, "a device reached the hourly limit of sample registrations (possible code guessing)");
        }
        return Err(ApiError::RateLimited { retry_after_secs: ratelimit::retry_after_secs(to_ms(now), ratelimit::HOUR_MS) });
    }
    let token = uuid::Uuid::new_v4().to_string();
    let token_hash = sha256_hex(token.as_bytes());
    let device_id = principal.account_id.clone();
    let registered_at = state
        .db
        .write(move |tx| db::register(tx, &token_hash, &request.code_hash, request.kind, &device_id, &request.profile_ref, now))
        .await?;
    Ok((StatusCode::CREATED, Json(SampleRegistration { registration_token: token, registered_at })))
}

/// The state of a registered sample, with its reason, the next poll interval and, when final, its certificate
/// (the device that registered it; any other gets 404 as for an unknown token).
#[utoipa::path(
    post, path = "/v1/results/poll", tag = "results", security(("bearer" = [])),
    request_body = PollResultRequest,
    responses(
        (status = 200, body = TestResultView),
        (status = 403, body = ErrorResponse),
        (status = 404, description = "`unknown_registration`", body = ErrorResponse),
    )
)]
pub async fn poll_result(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<PollResultRequest>,
) -> Result<Json<TestResultView>, ApiError> {
    principal.require(&[Role::Device])?;
    if uuid::Uuid::parse_str(&request.registration_token).is_err() {
        return Err(unknown_registration());
    }
    let token_hash = sha256_hex(request.registration_token.as_bytes());
    let now = state.now();
    let retention = state.config.results_retention;
    let device_id = principal.account_id.clone();
    // Phones poll often: a read transaction answers, unless a certificate has to be signed first.
    let look = move |tx: &mut dyn crate::storage::Tx, signer: Option<&mut db::Signer>| {
        let registration = db::registration(tx, &token_hash)?.filter(|r| r.device_id == device_id).ok_or_else(unknown_registration)?;
        let (known, due) = if now - registration.registered_at >= retention {
            (rules::Known::default(), false)
        } else {
            db::known(tx, &registration.code_hash, signer, now)?
        };
        Ok::<_, ApiError>((rules::poll_view(known, registration.registered_at, now, retention), due))
    };
    let again = look.clone();
    let (view, due) = state.db.read(move |tx| look(tx, None)).await?;
    if !due {
        return Ok(Json(view));
    }
    let (view, _) = state.db.write(move |tx| again(tx, Some(&mut db::Signer::default()))).await?;
    Ok(Json(view))
}

/// The area a site account works in; refused unless it covers `ward`.
fn site_area(tx: &mut dyn crate::storage::Tx, principal: &Principal, ward: &str) -> Result<healthbook_protocol::AreaScope, ApiError> {
    match reach_of(tx, principal)? {
        Reach::Area(area) if area.covers_ward(ward) => Ok(area),
        Reach::Area(_) => Err(ApiError::Forbidden("this sampling site is outside the account's area".into())),
        Reach::National => Err(ApiError::Forbidden("samples are reported by sampling site staff".into())),
    }
}

/// Reports a sample taken at a sampling site in the caller's area (volunteer, health officer), linked to the
/// person whose pass was scanned, if any.
#[utoipa::path(
    post, path = "/v1/results/samples", tag = "results", security(("bearer" = [])),
    request_body = LinkSampleRequest,
    responses(
        (status = 201, body = LinkedSample),
        (status = 403, description = "Not site staff, or a site outside the account's area", body = ErrorResponse),
        (status = 409, description = "`sample_already_registered`: a site already reported this sample; `sample_already_pooled`: the code is a pool's", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn link_sample(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<LinkSampleRequest>,
) -> Result<(StatusCode, Json<LinkedSample>), ApiError> {
    principal.require(&[Role::Volunteer, Role::HealthOfficer])?;
    check_code_hash("code_hash", &request.code_hash)?;
    if !healthbook_core::admin_units::is_ward_code(&request.site_ward) {
        return Err(ApiError::InvalidField { field: "site_ward", field_code: "not_a_ward", message: "site_ward must be a five-digit ward code".into() });
    }
    let now = state.now();
    if request.sampled_at > now + Duration::minutes(10) || request.sampled_at < now - state.config.results_retention {
        return Err(ApiError::InvalidField { field: "sampled_at", field_code: "out_of_range", message: "sampled_at is in the future or past retention".into() });
    }
    if request.person_credential.as_ref().is_some_and(|c| c.len() > 2_000) {
        return Err(ApiError::InvalidRequest("person_credential is too long".into()));
    }
    let linked_by = principal.account_id.clone();
    let linked = state
        .db
        .write(move |tx| {
            let area = site_area(tx, &principal, &request.site_ward)?;
            let person_id = request.person_credential.as_deref().map(|text| db::person_of_pass(tx, text)).transpose()?;
            db::link_sample(tx, &request, &area.province, person_id.as_deref(), &linked_by, &mut db::Signer::default(), now)?;
            Ok::<_, ApiError>(LinkedSample { code_hash: request.code_hash, person_linked: person_id.is_some() })
        })
        .await?;
    // A lab result that arrived before the site reported the sample is applied now, and may have an SMS due.
    send_result_sms(&state, now);
    Ok((StatusCode::CREATED, Json(linked)))
}

/// Groups 2 to 20 samples taken in the caller's area into a pool (volunteer, health officer); the lab reports
/// the pool's code hash and its outcome becomes each member's.
#[utoipa::path(
    post, path = "/v1/results/pools", tag = "results", security(("bearer" = [])),
    request_body = CreatePoolRequest,
    responses(
        (status = 201, body = PoolView),
        (status = 403, description = "Not site staff, or a member taken outside the account's area", body = ErrorResponse),
        (status = 409, description = "`sample_already_pooled`", body = ErrorResponse),
        (status = 422, description = "Too few or too many members, a repeated member, or a member no site reported", body = ErrorResponse),
    )
)]
pub async fn create_pool(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<CreatePoolRequest>,
) -> Result<(StatusCode, Json<PoolView>), ApiError> {
    principal.require(&[Role::Volunteer, Role::HealthOfficer])?;
    check_code_hash("pool_code_hash", &request.pool_code_hash)?;
    let count = request.member_code_hashes.len();
    if !(rules::MIN_POOL_MEMBERS..=rules::MAX_POOL_MEMBERS).contains(&count) {
        return Err(ApiError::InvalidField { field: "member_code_hashes", field_code: "count", message: "a pool has 2 to 20 members".into() });
    }
    let mut seen = HashSet::new();
    for member in &request.member_code_hashes {
        check_code_hash("member_code_hashes", member)?;
        if !seen.insert(member.as_str()) || *member == request.pool_code_hash {
            return Err(ApiError::InvalidField { field: "member_code_hashes", field_code: "repeated", message: "a member is listed twice, or is the pool itself".into() });
        }
    }
    let now = state.now();
    let created_by = principal.account_id.clone();
    let view = state
        .db
        .write(move |tx| {
            let area = match reach_of(tx, &principal)? {
                Reach::Area(area) => area,
                Reach::National => return Err(ApiError::Forbidden("pools are made by sampling site staff".into())),
            };
            for member in &request.member_code_hashes {
                let sample = db::pool_member(tx, member)?.ok_or_else(|| ApiError::InvalidField {
                    field: "member_code_hashes",
                    field_code: "not_a_sample",
                    message: "a member is not a sample any site reported".into(),
                })?;
                if sample.site_province != area.province || !area.covers_ward(&sample.site_ward) {
                    return Err(ApiError::Forbidden("a member was taken outside the account's area".into()));
                }
                if sample.pool_code_hash.is_some() {
                    return Err(ApiError::Conflict { code: ErrorCode::SampleAlreadyPooled, message: "a member is already in a pool".into() });
                }
            }
            db::create_pool(tx, &request.pool_code_hash, &request.member_code_hashes, &created_by, &mut db::Signer::default(), now)?;
            Ok(PoolView { pool_code_hash: request.pool_code_hash, members: count as u32 })
        })
        .await?;
    send_result_sms(&state, now);
    Ok((StatusCode::CREATED, Json(view)))
}

/// Uploads a lab's results (lab), at most 1,000 per request, by code hash; idempotent per code.
#[utoipa::path(
    post, path = "/v1/results/lab", tag = "results", security(("bearer" = [])),
    request_body = LabResultBatch,
    responses(
        (status = 200, body = LabUploadReport),
        (status = 403, body = ErrorResponse),
        (status = 413, body = ErrorResponse),
        (status = 422, description = "Over 1,000 results, a malformed code hash, or a result dated in the future", body = ErrorResponse),
    )
)]
pub async fn upload_lab_results(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(batch): JsonBody<LabResultBatch>,
) -> Result<Json<LabUploadReport>, ApiError> {
    principal.require(&[Role::Lab])?;
    if batch.results.is_empty() || batch.results.len() > rules::MAX_LAB_BATCH {
        return Err(ApiError::InvalidField { field: "results", field_code: "count", message: "a batch has 1 to 1,000 results".into() });
    }
    let now = state.now();
    for result in &batch.results {
        check_code_hash("results.code_hash", &result.code_hash)?;
        if result.tested_at > now + Duration::minutes(10) {
            return Err(ApiError::InvalidField { field: "results.tested_at", field_code: "in_future", message: "a result is dated in the future".into() });
        }
    }
    let lab = principal.account_id.clone();
    let report = state.db.write(move |tx| db::lab_upload(tx, &batch, &lab, now)).await?;
    tracing::info!(accepted = report.accepted, unknown = report.unknown_samples, conflicts = report.conflicts.len(), "lab results uploaded");
    send_result_sms(&state, now);
    Ok(Json(report))
}

/// Samples taken, results returned, positives and the median time from sampling to result, per site and day,
/// for the sites inside the caller's area (health officer; the authority admin sees every site). Every call is
/// written to the access log.
#[utoipa::path(
    get, path = "/v1/results/report", tag = "results", security(("bearer" = [])),
    params(
        ("from" = String, Query, format = Date, description = "First day (UTC), inclusive, YYYY-MM-DD"),
        ("to" = String, Query, format = Date, description = "Last day (UTC), inclusive, YYYY-MM-DD"),
    ),
    responses(
        (status = 200, body = ResultsReport),
        (status = 403, body = ErrorResponse),
        (status = 422, description = "`to` before `from`, or a period over 92 days", body = ErrorResponse),
    )
)]
pub async fn results_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<ResultsReportQuery>,
) -> Result<Json<ResultsReport>, ApiError> {
    principal.require(&[Role::HealthOfficer, Role::AuthorityAdmin])?;
    if query.to < query.from || (query.to - query.from).num_days() >= MAX_REPORT_DAYS {
        return Err(ApiError::InvalidRequest(format!("from..to must be 1 to {MAX_REPORT_DAYS} days, in order")));
    }
    let now = state.now();
    // A write transaction, because the access log entry must commit with the read or not at all.
    let report = state
        .db
        .write(move |tx| {
            let reach = reach_of(tx, &principal)?;
            let mut filters = serde_json::json!({ "from": query.from, "to": query.to });
            let province = match &reach {
                Reach::Area(area) => {
                    filters["scope"] = serde_json::json!(area);
                    Some(area.province.clone())
                }
                Reach::National => None,
            };
            let samples = db::report_samples(tx, province.as_deref(), query.from, query.to)?;
            let rows = report_rows(samples.into_iter().filter(|s| match &reach {
                Reach::Area(area) => area.covers_ward(&s.site_ward),
                Reach::National => true,
            }));
            let record_ids = rows.iter().map(|r| format!("{}/{}", r.site_ward, r.day)).collect();
            log_access(tx, AccessRecord { principal: &principal, endpoint: REPORT_ENDPOINT, filters, outcome: "ok", record_ids }, now)?;
            Ok::<_, ApiError>(ResultsReport { rows })
        })
        .await?;
    Ok(Json(report))
}

/// One site's day while counting.
#[derive(Default)]
struct Tally {
    samples_taken: u32,
    results_returned: u32,
    positive: u32,
    hours_to_result: Vec<f64>,
}

/// Counts samples per (day, site), ordered by day then site.
fn report_rows(samples: impl Iterator<Item = db::ReportSample>) -> Vec<ResultsReportRow> {
    let mut groups: BTreeMap<(chrono::NaiveDate, String), Tally> = BTreeMap::new();
    for sample in samples {
        let tally = groups.entry((sample.day, sample.site_ward.clone())).or_default();
        tally.samples_taken += 1;
        if let Some((state, received_at)) = sample.result {
            tally.results_returned += 1;
            if state == TestResultState::Positive {
                tally.positive += 1;
            }
            tally.hours_to_result.push((received_at - sample.sampled_at).num_seconds() as f64 / 3_600.0);
        }
    }
    groups
        .into_iter()
        .map(|((day, site_ward), tally)| ResultsReportRow {
            site_ward,
            day,
            samples_taken: tally.samples_taken,
            results_returned: tally.results_returned,
            positive: tally.positive,
            median_hours_to_result: rules::median(tally.hours_to_result),
        })
        .collect()
}

/// How long a sender's claim on a result SMS holds before another sender takes it as abandoned.
const SMS_CLAIM_MINUTES: i64 = 10;

/// Sends the result SMS queued by the request that ran at `now`, after its transaction committed, in a task of
/// its own: a lab's batch can queue hundreds of messages, and a slow gateway must not hold the lab's request
/// open until it times out (and is retried). A failed send is logged (without number or text) and left for
/// [`send_unsent_sms`]; the result stays stored either way.
fn send_result_sms(state: &AppState, now: DateTime<Utc>) {
    let (db, sms) = (state.db.clone(), state.sms.clone());
    tokio::spawn(async move {
        if let Err(e) = send_sms_queued_since(&db, sms.as_ref(), now, now).await {
            tracing::warn!(error = %e, "could not send test result SMS; the hourly task retries");
        }
    });
}

/// Sends every result SMS not sent yet (the hourly retry); returns how many went out.
pub async fn send_unsent_sms(db: &Database, sms: &dyn SmsSender, now: DateTime<Utc>) -> Result<u64, ApiError> {
    send_sms_queued_since(db, sms, DateTime::<Utc>::MIN_UTC, now).await
}

async fn send_sms_queued_since(db: &Database, sms: &dyn SmsSender, since: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64, ApiError> {
    let stale_before = now - Duration::minutes(SMS_CLAIM_MINUTES);
    let due = db.write(move |tx| db::claim_due_sms(tx, since, stale_before, now)).await?;
    let mut sent = 0;
    for message in due {
        let ok = match sms.send(&message.phone, &rules::sms_text(message.state, message.sampled_at)).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "a test result SMS was not sent; the hourly task retries");
                false
            }
        };
        sent += u64::from(ok);
        let code_hash = message.code_hash;
        db.write(move |tx| db::finish_sms(tx, &code_hash, ok, now)).await?;
    }
    Ok(sent)
}

/// Deletes every registration, sample, pool and result older than `retention` at `now`; returns the rows deleted.
pub async fn purge_expired(db: &Database, now: DateTime<Utc>, retention: Duration) -> Result<u64, ApiError> {
    db.write(move |tx| db::purge(tx, now - retention)).await
}

/// Runs [`purge_expired`] and [`send_unsent_sms`] now and then every [`PURGE_INTERVAL`], for as long as the
/// server serves.
pub async fn keep_purging(state: AppState) {
    let mut ticks = tokio::time::interval(PURGE_INTERVAL);
    loop {
        ticks.tick().await;
        match purge_expired(&state.db, state.now(), state.config.results_retention).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "test results past their retention deleted"),
            // The database is away: the next tick tries again.
            Err(e) => tracing::warn!(error = %e, "could not delete test results past their retention"),
        }
        match send_unsent_sms(&state.db, state.sms.as_ref(), state.now()).await {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "test result SMS sent on retry"),
            Err(e) => tracing::warn!(error = %e, "could not retry test result SMS"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    #[test]
    fn report_rows_count_per_day_and_site_with_the_median_time() {
        let day = NaiveDate::from_ymd_opt(2021, 9, 1).unwrap();
        let at = |h: u32| Utc.with_ymd_and_hms(2021, 9, 1, h, 0, 0).unwrap();
        let sample = |ward: &str, result: Option<(TestResultState, u32)>| db::ReportSample {
            site_province: "79".into(),
            site_ward: ward.into(),
            day,
            sampled_at: at(0),
            result: result.map(|(s, h)| (s, at(h))),
        };
        let rows = report_rows(
            vec![
                sample("26734", Some((TestResultState::Positive, 10))),
                sample("26734", Some((TestResultState::Negative, 20))),
                sample("26734", None),
                sample("00001", None),
            ]
            .into_iter(),
        );
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].site_ward.as_str(), rows[0].samples_taken, rows[0].median_hours_to_result), ("00001", 1, None));
        let busy = &rows[1];
        assert_eq!((busy.samples_taken, busy.results_returned, busy.positive, busy.median_hours_to_result), (3, 2, 1, Some(15.0)));
    }
}
