//! The hotline (issue 13): each province's Q&A set, edited as a draft and published as numbered versions, and
//! the questions and reports citizens send from their phones, which officers assign, answer or close. The
//! contract is `healthbook_protocol::hotline`.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the operations (shared with the console, each checking the caller's reach) and the HTTP handlers |
//! | [`rules`] | the pure checks of what editors and citizens send, and which areas cover a question |
//! | [`db`] | storage, inside the caller's transaction |
//!
//! The operations take a [`Reach`] and answer 404 for anything outside it, as for an unknown id; the handlers
//! check roles (403) first. The sending device of a question is kept only to return the answer to it: no
//! officer's answer carries it.

pub mod db;
pub mod rules;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::hotline::{
    AnswerQuestionRequest, AssignQuestionRequest, CitizenQuestionList, CitizenQuestionReceipt, CitizenQuestionRequest,
    CloseQuestionRequest, InboxPage, InboxQuery, InboxQuestion, MAX_TEXT_CHARS, QaDraft, QaEntry, QaEntryInput, QaSet, QaSetQuery,
    QuestionState,
};
use healthbook_protocol::{Empty, ErrorCode, ErrorResponse, Role};

use crate::access::{Reach, area_from_columns, reach_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, IdempotentJson};
use crate::idempotency;
use crate::ratelimit;
use crate::storage::{Database, Tx};
use crate::util::{sha256_hex, to_ms};

/// New questions one device may send per hour.
pub const QUESTIONS_PER_DEVICE_PER_HOUR: u32 = 20;
/// Most questions a device's list returns (the newest).
pub const DEVICE_LIST_LIMIT: i64 = 200;
/// Default inbox page size.
pub const DEFAULT_PAGE: u32 = 50;
/// Largest inbox page.
pub const MAX_PAGE: u32 = 200;
/// Days an answered or closed question is kept.
pub const HANDLED_RETENTION_DAYS: i64 = 90;
/// Days an unanswered question is kept.
pub const OPEN_RETENTION_DAYS: i64 = 180;
/// How often the retention purge runs: every minute, with the server's other minute tasks (two indexed deletes).
pub const PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

fn conflict(message: &str) -> ApiError {
    ApiError::Conflict { code: ErrorCode::Conflict, message: message.into() }
}

/// A province the caller may edit: a known code (else 422) inside the reach (else 404).
fn editable_province(reach: &Reach, province: &str) -> Result<(), ApiError> {
    rules::province("province", province)?;
    if rules::edits_province(reach, province) {
        return Ok(());
    }
    Err(ApiError::NotFound("province"))
}

// ---- the operations (shared with the console) ----------------------------------------------------------------

/// A province's draft with its published version and whether they differ.
pub fn draft(tx: &mut dyn Tx, reach: &Reach, province: &str) -> Result<QaDraft, ApiError> {
    editable_province(reach, province)?;
    let entries = db::draft_entries(tx, province)?;
    let latest = db::latest_version(tx, province)?;
    let unpublished_changes = latest.as_ref().map_or(!entries.is_empty(), |set| set.entries != entries);
    Ok(QaDraft { province: province.to_owned(), published_version: latest.map_or(0, |s| s.version), unpublished_changes, entries })
}

/// Creates or replaces one draft entry (`entry_id` is the editor's UUID). Saving the same content again keeps
/// its time, so the draft shows no change that is not one.
pub fn save_entry(
    tx: &mut dyn Tx,
    reach: &Reach,
    province: &str,
    entry_id: &str,
    input: QaEntryInput,
    now: DateTime<Utc>,
) -> Result<QaEntry, ApiError> {
    editable_province(reach, province)?;
    rules::client_id("entry_id", entry_id)?;
    let input = rules::qa_entry(input)?;
    let existing = db::draft_entry(tx, province, entry_id)?;
    match &existing {
        Some(entry)
            if entry.category == input.category
                && entry.question_vi == input.question_vi
                && entry.answer_vi == input.answer_vi
                && entry.question_en == input.question_en
                && entry.answer_en == input.answer_en =>
        {
            return Ok(entry.clone());
        }
        Some(_) => {}
        None => rules::room_for_entry(db::draft_count(tx, province)?)?,
    }
    db::put_draft_entry(tx, province, entry_id, &input, now)?;
    Ok(QaEntry {
        id: entry_id.to_owned(),
        category: input.category,
        question_vi: input.question_vi,
        answer_vi: input.answer_vi,
        question_en: input.question_en,
        answer_en: input.answer_en,
        updated_at: now,
    })
}

/// Removes a draft entry (404 when the draft has none with this id).
pub fn delete_entry(tx: &mut dyn Tx, reach: &Reach, province: &str, entry_id: &str) -> Result<(), ApiError> {
    editable_province(reach, province)?;
    if db::delete_draft_entry(tx, province, entry_id)? {
        return Ok(());
    }
    Err(ApiError::NotFound("entry"))
}

/// Publishes the draft as the next version, keeping the latest 5; an empty draft or one equal to the latest
/// version is 409 `conflict`.
pub fn publish(tx: &mut dyn Tx, reach: &Reach, province: &str, account_id: &str, now: DateTime<Utc>) -> Result<QaSet, ApiError> {
    editable_province(reach, province)?;
    let entries = db::draft_entries(tx, province)?;
    if entries.is_empty() {
        return Err(conflict("the draft is empty: there is nothing to publish"));
    }
    let latest = db::latest_version(tx, province)?;
    if latest.as_ref().is_some_and(|set| set.entries == entries) {
        return Err(conflict("the draft is the latest published version already"));
    }
    let set = QaSet { province: province.to_owned(), version: latest.map_or(0, |s| s.version) + 1, published_at: now, entries };
    db::insert_version(tx, &set, account_id)?;
    tracing::info!(version = set.version, entries = set.entries.len(), "hotline Q&A published");
    Ok(set)
}

/// The latest published set of a province (public).
pub fn published(tx: &mut dyn Tx, province: &str) -> Result<Option<QaSet>, ApiError> {
    db::latest_version(tx, province)
}

/// One page of the inbox within the caller's reach.
pub fn inbox(tx: &mut dyn Tx, reach: &Reach, query: &InboxQuery) -> Result<InboxPage, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::InvalidField { field: "limit", field_code: "out_of_range", message: format!("limit must be 1 to {MAX_PAGE}") });
    }
    if let Some(province) = query.province.as_deref() {
        editable_province(reach, province)?;
    }
    let after = match query.after.as_deref() {
        None | Some("") => None,
        Some(text) => Some(db::Cursor::decode(text).ok_or_else(|| ApiError::InvalidField {
            field: "after",
            field_code: "invalid",
            message: "after must be the next of an earlier page".into(),
        })?),
    };
    if query.assignee.as_deref().is_some_and(|a| a.len() > rules::MAX_ID_CHARS) {
        return Err(ApiError::InvalidField { field: "assignee", field_code: "invalid", message: "assignee is not an account id".into() });
    }
    let filter = db::InboxFilter {
        reach,
        province: query.province.as_deref(),
        state: query.state,
        assignee: query.assignee.as_deref().filter(|a| !a.is_empty()),
        after: after.as_ref(),
        limit: i64::from(limit),
    };
    let (rows, next) = db::inbox_page(tx, &filter)?;
    Ok(InboxPage { questions: rows.into_iter().map(|row| row.view).collect(), next: next.map(|c| c.encode()) })
}

fn question_in_reach(tx: &mut dyn Tx, reach: &Reach, question_id: &str, lock: bool) -> Result<db::QuestionRow, ApiError> {
    db::question(tx, question_id, lock)?
        .filter(|q| rules::covers(reach, &q.view.province, q.view.ward.as_deref()))
        .ok_or(ApiError::NotFound("question"))
}

/// One question within the caller's reach.
pub fn question(tx: &mut dyn Tx, reach: &Reach, question_id: &str) -> Result<InboxQuestion, ApiError> {
    Ok(question_in_reach(tx, reach, question_id, false)?.view)
}

fn officers_covering(tx: &mut dyn Tx, row: &db::QuestionRow) -> Result<Vec<(String, String)>, ApiError> {
    let province = row.view.province.clone();
    Ok(db::officers_of_province(tx, &province)?
        .into_iter()
        .filter(|(_, _, wards)| {
            area_from_columns(Some(province.clone()), wards.clone())
                .is_some_and(|area| rules::area_covers(&area, &province, row.view.ward.as_deref()))
        })
        .map(|(id, username, _)| (id, username))
        .collect())
}

/// The enabled health officers whose area includes the question, as (account id, username), by username.
pub fn assignable_officers(tx: &mut dyn Tx, reach: &Reach, question_id: &str) -> Result<Vec<(String, String)>, ApiError> {
    let row = question_in_reach(tx, reach, question_id, false)?;
    officers_covering(tx, &row)
}

/// Assigns a question to an enabled health officer whose area includes it (else 422); a closed question is 409.
pub fn assign(tx: &mut dyn Tx, reach: &Reach, question_id: &str, assignee: &str, _now: DateTime<Utc>) -> Result<InboxQuestion, ApiError> {
    let mut row = question_in_reach(tx, reach, question_id, true)?;
    if row.view.state == QuestionState::Closed {
        return Err(conflict("the question is closed"));
    }
    if !officers_covering(tx, &row)?.iter().any(|(id, _)| id == assignee) {
        return Err(ApiError::InvalidField {
            field: "assignee",
            field_code: "not_assignable",
            message: "assignee must be an enabled health officer whose area includes the question".into(),
        });
    }
    row.view.assignee = Some(assignee.to_owned());
    if row.view.state == QuestionState::Received {
        row.view.state = QuestionState::Assigned;
    }
    db::update_handling(tx, &row, None)?;
    Ok(row.view)
}

/// Answers a question, or replaces its answer (a correction, with a new `answered_at`); a closed question is
/// 409. An unassigned question becomes the answerer's.
pub fn answer(tx: &mut dyn Tx, reach: &Reach, question_id: &str, account_id: &str, answer: &str, now: DateTime<Utc>) -> Result<InboxQuestion, ApiError> {
    let answer = rules::text("answer", answer, MAX_TEXT_CHARS, true, true)?;
    let mut row = question_in_reach(tx, reach, question_id, true)?;
    if row.view.state == QuestionState::Closed {
        return Err(conflict("the question is closed"));
    }
    row.view.state = QuestionState::Answered;
    row.view.answer = Some(answer);
    row.view.answered_by = Some(account_id.to_owned());
    row.view.answered_at = Some(now);
    row.view.assignee.get_or_insert_with(|| account_id.to_owned());
    db::update_handling(tx, &row, None)?;
    tracing::info!("hotline question answered");
    Ok(row.view)
}

/// Closes a question without an answer, with a note for the officers (never sent to the phone); an answered or
/// closed question is 409.
pub fn close(tx: &mut dyn Tx, reach: &Reach, question_id: &str, account_id: &str, note: &str, now: DateTime<Utc>) -> Result<InboxQuestion, ApiError> {
    let note = rules::text("note", note, rules::MAX_NOTE_CHARS, false, true)?;
    let mut row = question_in_reach(tx, reach, question_id, true)?;
    if matches!(row.view.state, QuestionState::Answered | QuestionState::Closed) {
        return Err(conflict("the question is answered or closed already"));
    }
    row.view.state = QuestionState::Closed;
    row.view.answered_at = Some(now);
    row.close_note = Some(note);
    db::update_handling(tx, &row, Some(account_id))?;
    Ok(row.view)
}

/// Deletes questions past their retention: 90 days after they were answered or closed, 180 days after they
/// arrived when never handled. Old Q&A versions go at each publish.
pub async fn purge_expired(database: &Database, now: DateTime<Utc>) -> Result<u64, ApiError> {
    database.write(move |tx| purge_before(tx, now)).await
}

/// [`purge_expired`] in the caller's transaction.
fn purge_before(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<u64, ApiError> {
    db::purge(tx, now - Duration::days(HANDLED_RETENTION_DAYS), now - Duration::days(OPEN_RETENTION_DAYS))
}

/// Runs the purge of [`purge_expired`] now and then every [`PURGE_INTERVAL`], for as long as the server serves.
pub async fn keep_purging(state: AppState) {
    crate::util::keep_purging(state, PURGE_INTERVAL, "hotline questions past their retention", purge_before).await
}

// ---- HTTP handlers -------------------------------------------------------------------------------------------

/// The reach of a Q&A editor or inbox reader: health officers and the authority admin (403 for others).
fn officer_reach(tx: &mut dyn Tx, principal: &Principal) -> Result<Reach, ApiError> {
    principal.require(&[Role::HealthOfficer, Role::AuthorityAdmin])?;
    reach_of(tx, principal)
}

const EDITORS: &[Role] = &[Role::HealthOfficer, Role::AuthorityAdmin];

/// The published Q&A set of a province (anyone, no account needed); `304` when the caller's `since_version` is
/// the latest.
#[utoipa::path(
    get, path = "/v1/hotline/qa/{province}", tag = "hotline",
    params(
        ("province" = String, Path, description = "Two-digit province code"),
        ("since_version" = Option<u32>, Query, description = "The version the caller holds: nothing newer gives 304"),
    ),
    responses(
        (status = 200, body = QaSet),
        (status = 304, description = "Nothing newer than `since_version` is published"),
        (status = 404, description = "The province has published no set", body = ErrorResponse),
        (status = 422, description = "Unknown province code", body = ErrorResponse),
    )
)]
pub async fn get_published(
    State(state): State<AppState>,
    ApiPath(province): ApiPath<String>,
    Query(query): Query<QaSetQuery>,
) -> Result<Response, ApiError> {
    rules::province("province", &province)?;
    let since = query.since_version;
    let set = state
        .db
        .read(move |tx| {
            let latest = db::latest_version_number(tx, &province)?;
            if latest == 0 {
                return Err(ApiError::NotFound("published Q&A set"));
            }
            if since.is_some_and(|since| since >= latest) {
                return Ok(None);
            }
            published(tx, &province)
        })
        .await?;
    Ok(match set {
        Some(set) => Json(set).into_response(),
        None => StatusCode::NOT_MODIFIED.into_response(),
    })
}

/// A province's draft (its health officers, the authority admin).
#[utoipa::path(
    get, path = "/v1/hotline/qa/{province}/draft", tag = "hotline", security(("bearer" = [])),
    params(("province" = String, Path)),
    responses(
        (status = 200, body = QaDraft), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, description = "Another province than the officer's", body = ErrorResponse), (status = 422, body = ErrorResponse),
    )
)]
pub async fn get_draft(State(state): State<AppState>, principal: Principal, ApiPath(province): ApiPath<String>) -> Result<Json<QaDraft>, ApiError> {
    principal.require(EDITORS)?;
    let draft = state
        .db
        .read(move |tx| {
            let reach = officer_reach(tx, &principal)?;
            draft(tx, &reach, &province)
        })
        .await?;
    Ok(Json(draft))
}

/// Creates or replaces one draft entry (the province's health officers, the authority admin).
#[utoipa::path(
    put, path = "/v1/hotline/qa/{province}/draft/{entry_id}", tag = "hotline", security(("bearer" = [])),
    params(
        ("province" = String, Path), ("entry_id" = String, Path, description = "The editor's UUID for the entry"),
        ("Idempotency-Key" = String, Header, description = "Unique per logical request"),
    ),
    request_body = QaEntryInput,
    responses(
        (status = 200, body = QaEntry), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse), (status = 422, description = "A field is invalid (named), or the set is full", body = ErrorResponse),
    )
)]
pub async fn put_entry(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((province, entry_id)): ApiPath<(String, String)>,
    request: IdempotentJson<QaEntryInput>,
) -> Result<Response, ApiError> {
    principal.require(EDITORS)?;
    let now = state.now();
    let body = request.body.clone();
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let reach = officer_reach(tx, &actor)?;
        Ok((StatusCode::OK, save_entry(tx, &reach, &province, &entry_id, body, now)?))
    })
    .await
}

/// Removes a draft entry (the province's health officers, the authority admin).
#[utoipa::path(
    delete, path = "/v1/hotline/qa/{province}/draft/{entry_id}", tag = "hotline", security(("bearer" = [])),
    params(("province" = String, Path), ("entry_id" = String, Path)),
    responses(
        (status = 200, body = Empty), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse),
    )
)]
pub async fn remove_entry(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((province, entry_id)): ApiPath<(String, String)>,
) -> Result<Json<Empty>, ApiError> {
    principal.require(EDITORS)?;
    state
        .db
        .write(move |tx| {
            let reach = officer_reach(tx, &principal)?;
            delete_entry(tx, &reach, &province, &entry_id)
        })
        .await?;
    Ok(Json(Empty {}))
}

/// Publishes the draft as the next version (the province's health officers, the authority admin); body `{}`.
#[utoipa::path(
    post, path = "/v1/hotline/qa/{province}/publish", tag = "hotline", security(("bearer" = [])),
    params(("province" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = Empty,
    responses(
        (status = 200, body = QaSet), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 409, description = "`conflict`: the draft is empty or equal to the latest version", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn publish_draft(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(province): ApiPath<String>,
    request: IdempotentJson<Empty>,
) -> Result<Response, ApiError> {
    principal.require(EDITORS)?;
    let now = state.now();
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let reach = officer_reach(tx, &actor)?;
        Ok((StatusCode::OK, publish(tx, &reach, &province, &actor.account_id, now)?))
    })
    .await
}

/// A citizen's question or report (device). The same id again answers the same receipt; the same id with another
/// body is 409 `conflict`. At most [`QUESTIONS_PER_DEVICE_PER_HOUR`] new questions per device and hour.
#[utoipa::path(
    post, path = "/v1/hotline/questions", tag = "hotline", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = CitizenQuestionRequest,
    responses(
        (status = 200, body = CitizenQuestionReceipt), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 409, description = "`conflict`: the id was sent before with another body", body = ErrorResponse),
        (status = 422, description = "A field is invalid (named)", body = ErrorResponse),
        (status = 429, body = ErrorResponse),
    )
)]
pub async fn submit_question(State(state): State<AppState>, principal: Principal, request: IdempotentJson<CitizenQuestionRequest>) -> Result<Response, ApiError> {
    principal.require(&[Role::Device])?;
    let body = rules::question(request.body.clone())?;
    let digest = sha256_hex(serde_json::to_string(&body).map_err(|e| ApiError::Internal(e.to_string()))?.as_bytes());
    let now = state.now();
    let device = principal.account_id.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        if let Some(existing) = db::question(tx, &body.id, false)? {
            // Another device's id answers the same as another body, so that ids reveal nothing.
            if existing.device_id != device || existing.request_sha256 != digest {
                return Err(conflict("this question id was already sent with another body"));
            }
            return Ok((StatusCode::OK, CitizenQuestionReceipt { id: existing.view.id, received_at: existing.view.received_at }));
        }
        let bucket = format!("hotline-questions:{device}");
        if ratelimit::record(tx, &bucket, to_ms(now), ratelimit::HOUR_MS)? > i64::from(QUESTIONS_PER_DEVICE_PER_HOUR) {
            return Err(ApiError::RateLimited { retry_after_secs: ratelimit::retry_after_secs(to_ms(now), ratelimit::HOUR_MS) });
        }
        db::insert_question(tx, &body, &device, &digest, now)?;
        tracing::info!(kind = ?body.kind, "hotline question received");
        Ok((StatusCode::OK, CitizenQuestionReceipt { id: body.id.clone(), received_at: now }))
    })
    .await
}

/// The calling device's own questions with their state and answer, newest first (device).
#[utoipa::path(
    get, path = "/v1/hotline/questions", tag = "hotline", security(("bearer" = [])),
    responses((status = 200, body = CitizenQuestionList), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse))
)]
pub async fn my_questions(State(state): State<AppState>, principal: Principal) -> Result<Json<CitizenQuestionList>, ApiError> {
    principal.require(&[Role::Device])?;
    let list = state
        .db
        .read(move |tx| {
            let rows = db::device_questions(tx, &principal.account_id, DEVICE_LIST_LIMIT)?;
            Ok::<_, ApiError>(CitizenQuestionList { questions: rows.iter().map(db::QuestionRow::citizen_view).collect() })
        })
        .await?;
    Ok(Json(list))
}

/// The questions of the caller's area (health officers) or of all provinces (the authority admin), open ones
/// oldest first, then the handled ones latest first.
#[utoipa::path(
    get, path = "/v1/hotline/inbox", tag = "hotline", security(("bearer" = [])),
    params(
        ("state" = Option<QuestionState>, Query, description = "Only questions in this state"),
        ("assignee" = Option<String>, Query, description = "Only questions assigned to this account"),
        ("province" = Option<String>, Query, description = "Only this province"),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 200 (default 50)"),
        ("after" = Option<String>, Query, description = "The `next` of the previous page"),
    ),
    responses(
        (status = 200, body = InboxPage), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, description = "A province outside the officer's area", body = ErrorResponse), (status = 422, body = ErrorResponse),
    )
)]
pub async fn get_inbox(State(state): State<AppState>, principal: Principal, Query(query): Query<InboxQuery>) -> Result<Json<InboxPage>, ApiError> {
    principal.require(EDITORS)?;
    let page = state
        .db
        .read(move |tx| {
            let reach = officer_reach(tx, &principal)?;
            inbox(tx, &reach, &query)
        })
        .await?;
    Ok(Json(page))
}

/// One question of the caller's area (health officers, the authority admin).
#[utoipa::path(
    get, path = "/v1/hotline/inbox/{question_id}", tag = "hotline", security(("bearer" = [])),
    params(("question_id" = String, Path)),
    responses(
        (status = 200, body = InboxQuestion), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
    )
)]
pub async fn get_question(State(state): State<AppState>, principal: Principal, ApiPath(question_id): ApiPath<String>) -> Result<Json<InboxQuestion>, ApiError> {
    principal.require(EDITORS)?;
    let found = state
        .db
        .read(move |tx| {
            let reach = officer_reach(tx, &principal)?;
            question(tx, &reach, &question_id)
        })
        .await?;
    Ok(Json(found))
}

/// Assigns a question to a health officer whose area includes it (health officers, the authority admin).
#[utoipa::path(
    post, path = "/v1/hotline/inbox/{question_id}/assign", tag = "hotline", security(("bearer" = [])),
    params(("question_id" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = AssignQuestionRequest,
    responses(
        (status = 200, body = InboxQuestion), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse), (status = 409, description = "`conflict`: the question is closed", body = ErrorResponse),
        (status = 422, description = "The assignee may not handle this question", body = ErrorResponse),
    )
)]
pub async fn assign_question(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(question_id): ApiPath<String>,
    request: IdempotentJson<AssignQuestionRequest>,
) -> Result<Response, ApiError> {
    principal.require(EDITORS)?;
    let now = state.now();
    let assignee = request.body.assignee.clone();
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let reach = officer_reach(tx, &actor)?;
        Ok((StatusCode::OK, assign(tx, &reach, &question_id, &assignee, now)?))
    })
    .await
}

/// Answers a question, or corrects the answer (health officers, the authority admin); the phone gets it on its
/// next `GET /v1/hotline/questions`.
#[utoipa::path(
    post, path = "/v1/hotline/inbox/{question_id}/answer", tag = "hotline", security(("bearer" = [])),
    params(("question_id" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = AnswerQuestionRequest,
    responses(
        (status = 200, body = InboxQuestion), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse), (status = 409, description = "`conflict`: the question is closed", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn answer_question(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(question_id): ApiPath<String>,
    request: IdempotentJson<AnswerQuestionRequest>,
) -> Result<Response, ApiError> {
    principal.require(EDITORS)?;
    let now = state.now();
    let text = request.body.answer.clone();
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let reach = officer_reach(tx, &actor)?;
        Ok((StatusCode::OK, answer(tx, &reach, &question_id, &actor.account_id, &text, now)?))
    })
    .await
}

/// Closes a question without an answer (health officers, the authority admin); the note stays with the
/// officers.
#[utoipa::path(
    post, path = "/v1/hotline/inbox/{question_id}/close", tag = "hotline", security(("bearer" = [])),
    params(("question_id" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = CloseQuestionRequest,
    responses(
        (status = 200, body = InboxQuestion), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 409, description = "`conflict`: the question is answered or closed already", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn close_question(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(question_id): ApiPath<String>,
    request: IdempotentJson<CloseQuestionRequest>,
) -> Result<Response, ApiError> {
    principal.require(EDITORS)?;
    let now = state.now();
    let note = request.body.note.clone();
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let reach = officer_reach(tx, &actor)?;
        Ok((StatusCode::OK, close(tx, &reach, &question_id, &actor.account_id, &note, now)?))
    })
    .await
}
