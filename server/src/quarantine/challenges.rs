//! Challenges: made lazily, a local day at a time, whenever anything reads or judges an active order (and by the
//! minute task), idempotently (one per order and opening); the open challenge for the phone; the sweep that
//! gives a challenge nobody trustworthy answered its `missed` verdict and case; the retention purge.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::quarantine::{
    ChallengeKind, ChallengeStatus, ChallengeView, CheckInVerdict, OrderState, QuarantineVerdict, VerdictReason, EXPLANATION_WINDOW_HOURS,
    RECORD_RETENTION_DAYS, local_start_of_day,
};
use healthbook_protocol::{ErrorResponse, Role};
use ring::hmac;

use super::db::{self, ChallengeRow, OrderRow};
use super::{device_order, rules};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::storage::{Database, Tx};
use crate::util::{new_id, random_secret};

/// How often the server sweeps missed challenges and purges old orders.
pub const SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// The key that draws random challenge times: derived from the server's person-id secret (sealed with the KEK)
/// under its own label, so it needs no row of its own and every instance derives the same.
pub fn schedule_key(tx: &mut dyn Tx) -> Result<hmac::Key, ApiError> {
    let base = crate::persons::db::person_id_key(tx)?;
    let derived = hmac::sign(&base, b"healthbook-quarantine-random-challenges-v1");
    Ok(hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()))
}

/// Makes the challenges of an active order from the day after the last one made through tomorrow (local),
/// within the order's days, after its enrolment and before its end.
pub fn materialise(tx: &mut dyn Tx, order: &OrderRow, now: DateTime<Utc>, key: &hmac::Key) -> Result<(), ApiError> {
    let Some(enrolled_at) = order.enrolled_at else { return Ok(()) };
    if order.state_at(now) != OrderState::Active {
        return Ok(());
    }
    let zone = rules::zone(&order.time_zone)?;
    let today = now.with_timezone(&zone).date_naive();
    let Some(last_day) = order.start_date.checked_add_days(chrono::Days::new(u64::from(order.days + order.extension_days).saturating_sub(1))) else {
        return Ok(());
    };
    let upto = last_day.min(today + Duration::days(1));
    let mut day = match order.challenges_through {
        Some(done) => done + Duration::days(1),
        None => order.start_date.max(enrolled_at.with_timezone(&zone).date_naive()),
    };
    if day > upto {
        return Ok(());
    }
    let starts_at = local_start_of_day(zone, order.start_date).unwrap_or(order.created_at);
    let grace = Duration::minutes(i64::from(order.grace_minutes));
    while day <= upto {
        for planned in rules::challenges_for_day(zone, day, &order.schedule, key, &order.id) {
            if planned.opens_at < starts_at || planned.opens_at >= order.ends_at || planned.closes_at <= enrolled_at {
                continue;
            }
            let row = ChallengeRow {
                id: new_id(),
                order_id: order.id.clone(),
                kind: planned.kind,
                nonce: random_secret(32)?,
                opens_at: planned.opens_at,
                closes_at: planned.closes_at,
                grace_ends_at: planned.closes_at + grace,
                home_token_required: order.schedule.home_token_each_time,
                answered_by: None,
                missed_at: None,
            };
            db::insert_challenge(tx, &row)?;
        }
        day += Duration::days(1);
    }
    db::set_challenges_through(tx, &order.id, upto)
}

/// Opens the case `case_id` for a stored verdict, explainable for [`EXPLANATION_WINDOW_HOURS`].
pub fn open_case(tx: &mut dyn Tx, order_id: &str, check_in_id: &str, case_id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    db::insert_case(tx, case_id, order_id, check_in_id, now + Duration::hours(EXPLANATION_WINDOW_HOURS), now)
}

/// Makes the order's challenges and gives every challenge past its grace with no trustworthy answer its missed
/// verdict and case (once: a challenge is claimed before it is recorded).
pub fn sweep_order(tx: &mut dyn Tx, order: &OrderRow, now: DateTime<Utc>, key: &hmac::Key) -> Result<u32, ApiError> {
    materialise(tx, order, now, key)?;
    let mut missed = 0;
    for challenge in db::challenges_of(tx, &order.id)? {
        if challenge.grace_ends_at >= now || challenge.answered_by.is_some() || challenge.missed_at.is_some() {
            continue;
        }
        if !db::claim_missed(tx, &challenge.id, now)? {
            continue;
        }
        let (check_in_id, case_id) = (new_id(), new_id());
        let verdict = CheckInVerdict {
            challenge_id: challenge.id.clone(),
            sequence: None,
            verdict: QuarantineVerdict::Missed,
            reasons: vec![VerdictReason::NoAnswer],
            radio_similarity: None,
            fence: None,
            case_id: Some(case_id.clone()),
            decided_at: now,
        };
        db::insert_check_in(tx, &db::NewCheckIn { id: &check_in_id, order_id: &order.id, verdict: &verdict, body: None, record_hash: None, in_chain: false })?;
        open_case(tx, &order.id, &check_in_id, &case_id, now)?;
        missed += 1;
    }
    Ok(missed)
}

/// Sweeps one order by id (in the caller's transaction).
pub fn sweep_order_id(tx: &mut dyn Tx, order_id: &str, now: DateTime<Utc>) -> Result<u32, ApiError> {
    let Some(order) = db::lock_order(tx, order_id)? else { return Ok(0) };
    let key = schedule_key(tx)?;
    sweep_order(tx, &order, now, &key)
}

/// Sweeps every active order and every order with a due challenge, one transaction each; returns the missed
/// challenges recorded.
pub async fn sweep_all(database: &Database, now: DateTime<Utc>) -> Result<u32, ApiError> {
    let ids = database
        .read(move |tx| {
            let mut ids = db::active_order_ids(tx, now)?;
            ids.extend(db::orders_with_due_challenges(tx, now)?);
            ids.sort();
            ids.dedup();
            Ok::<_, ApiError>(ids)
        })
        .await?;
    let mut missed = 0;
    for id in ids {
        missed += database.write(move |tx| sweep_order_id(tx, &id, now)).await?;
    }
    Ok(missed)
}

/// Deletes the orders that ended more than [`RECORD_RETENTION_DAYS`] ago, with their check-ins, challenges,
/// keys and cases.
pub async fn purge_expired(database: &Database, now: DateTime<Utc>) -> Result<u64, ApiError> {
    database.write(move |tx| db::purge(tx, now - Duration::days(RECORD_RETENTION_DAYS))).await
}

/// Runs the sweep and the purge now and then every [`SWEEP_INTERVAL`], for as long as the server serves.
pub async fn keep_sweeping(state: AppState) {
    let mut ticks = tokio::time::interval(SWEEP_INTERVAL);
    loop {
        ticks.tick().await;
        match sweep_all(&state.db, state.now()).await {
            Ok(0) => {}
            Ok(missed) => tracing::info!(missed, "missed quarantine check-ins recorded"),
            // The database is away: the next tick tries again.
            Err(e) => tracing::warn!(error = %e, "could not sweep quarantine challenges"),
        }
        match purge_expired(&state.db, state.now()).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "quarantine records past their retention deleted"),
            Err(e) => tracing::warn!(error = %e, "could not delete quarantine records past their retention"),
        }
    }
}

/// The open challenge, if any, and when the next scheduled window opens (the phone the person is bound on).
/// A challenge shows (with its nonce) from its opening to the end of its grace, until answered.
#[utoipa::path(
    get, path = "/v1/quarantine/orders/{order_id}/challenge", tag = "quarantine", security(("bearer" = [])),
    params(("order_id" = String, Path)),
    responses((status = 200, body = ChallengeStatus), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_challenge(State(state): State<AppState>, principal: Principal, ApiPath(order_id): ApiPath<String>) -> Result<Json<ChallengeStatus>, ApiError> {
    principal.require(&[Role::Device])?;
    let now = state.now();
    let status = state
        .db
        .write(move |tx| {
            let (order, _) = device_order(tx, &principal, &order_id, true)?;
            let key = schedule_key(tx)?;
            sweep_order(tx, &order, now, &key)?;
            let all = db::challenges_of(tx, &order.id)?;
            let open = all
                .iter()
                .find(|c| c.opens_at <= now && now <= c.grace_ends_at && c.answered_by.is_none() && c.missed_at.is_none())
                .map(|c| ChallengeView {
                    challenge_id: c.id.clone(),
                    nonce: c.nonce.clone(),
                    kind: c.kind,
                    opens_at: c.opens_at,
                    closes_at: c.closes_at,
                    home_token_required: c.home_token_required,
                });
            let next_scheduled_at = all.iter().filter(|c| c.kind == ChallengeKind::Scheduled && c.opens_at > now).map(|c| c.opens_at).min();
            Ok::<_, ApiError>(ChallengeStatus { open, next_scheduled_at })
        })
        .await?;
    Ok(Json(status))
}
