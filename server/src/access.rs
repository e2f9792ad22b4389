//! Who may read whose personal data, and the record of every such read: officer accounts carry an area scope
//! (a province, optionally narrowed to wards); the authority admin is national. Each read of personal data is
//! written to `access_log` in the transaction that reads, so no read goes unrecorded; the authority admin
//! pages through the log at `GET /v1/access-log`.

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use healthbook_protocol::{ErrorResponse, Role};

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::storage::{Tx, Value};
use crate::util::{from_ms, to_ms};

/// Most wards one account's scope may list.
const MAX_WARDS: usize = 200;

pub use healthbook_protocol::AreaScope;

/// Checks an area's codes, dropping duplicate wards and keeping them sorted.
pub fn validated_area(mut area: AreaScope) -> Result<AreaScope, ApiError> {
    if !healthbook_core::admin_units::is_known_province(&area.province) {
        return Err(ApiError::InvalidRequest("area.province must be a known two-digit province code".into()));
    }
    if area.wards.len() > MAX_WARDS || !area.wards.iter().all(|w| healthbook_core::admin_units::is_ward_code(w)) {
        return Err(ApiError::InvalidRequest(format!("area.wards must be at most {MAX_WARDS} five-digit ward codes")));
    }
    area.wards.sort_unstable();
    area.wards.dedup();
    Ok(area)
}

/// Checks a role and its area together: health officers need one, volunteers may have one, every other role
/// (the authority admin is national) has none.
pub fn validate_area(role: Role, area: Option<AreaScope>) -> Result<Option<AreaScope>, ApiError> {
    match (role, area) {
        (Role::HealthOfficer, None) => Err(ApiError::InvalidRequest(format!("role {role} needs an area (a province)"))),
        (Role::HealthOfficer | Role::Volunteer, Some(area)) => Ok(Some(validated_area(area)?)),
        (_, Some(_)) => Err(ApiError::InvalidRequest(format!("role {role} has no area"))),
        (_, None) => Ok(None),
    }
}

/// The stored form of a scope's wards: comma-separated (the codes are digits only).
pub fn wards_column(area: &AreaScope) -> Option<String> {
    (!area.wards.is_empty()).then(|| area.wards.join(","))
}

/// A scope from its stored columns.
pub fn area_from_columns(province: Option<String>, wards: Option<String>) -> Option<AreaScope> {
    province.map(|province| AreaScope {
        province,
        wards: wards.map(|w| w.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()).unwrap_or_default(),
    })
}

/// What a caller may read of personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Everything (the authority admin).
    National,
    /// One area.
    Area(AreaScope),
}

/// The reach of the signed-in caller, read from its account in `tx`: national for the authority admin, the
/// account's area for officers, and refused for anyone else or an officer without an area.
pub fn reach_of(tx: &mut dyn Tx, principal: &Principal) -> Result<Reach, ApiError> {
    match principal.role {
        Role::AuthorityAdmin => Ok(Reach::National),
        Role::HealthOfficer | Role::Volunteer => {
            let row = tx
                .query_opt(
                    "SELECT area_province, area_wards FROM accounts WHERE id = $1",
                    &[principal.account_id.clone().into()],
                )?
                .ok_or(ApiError::InvalidToken)?;
            area_from_columns(row.opt_text(0)?, row.opt_text(1)?)
                .map(Reach::Area)
                .ok_or_else(|| ApiError::Forbidden("this account has no area to read".into()))
        }
        _ => Err(ApiError::Forbidden("this role reads no personal data".into())),
    }
}

/// One read of personal data, as logged.
#[derive(Debug, Clone)]
pub struct AccessRecord<'a> {
    /// Who read.
    pub principal: &'a Principal,
    /// The endpoint, e.g. `GET /v1/declarations`.
    pub endpoint: &'static str,
    /// The filters and area asked for.
    pub filters: serde_json::Value,
    /// `ok`, or `denied` for a read refused by the scope.
    pub outcome: &'static str,
    /// Ids of the records returned.
    pub record_ids: Vec<String>,
}

/// Writes one access record in the caller's (write) transaction.
pub fn log_access(tx: &mut dyn Tx, record: AccessRecord<'_>, now: DateTime<Utc>) -> Result<(), ApiError> {
    let id = next_log_id(tx, now)?;
    let ids = serde_json::to_string(&record.record_ids).map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO access_log (id, account_id, role, at, endpoint, filters, outcome, record_count, record_ids) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            id.into(),
            record.principal.account_id.clone().into(),
            record.principal.role.as_str().into(),
            Value::Int(to_ms(now)),
            record.endpoint.into(),
            record.filters.to_string().into(),
            record.outcome.into(),
            Value::Int(record.record_ids.len() as i64),
            ids.into(),
        ],
    )?;
    Ok(())
}

/// The id of a new log entry: `{ms:013}-{seq:06}-{random}`. Ids sort in the order entries were written (a
/// sequence breaks ties within one millisecond, and a clock that steps back does not reorder), so the log pages
/// by id alone; the random part keeps concurrent writers on PostgreSQL from colliding.
fn next_log_id(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<String, ApiError> {
    let now_ms = to_ms(now).max(0);
    let last =
        tx.query_opt("SELECT id FROM access_log ORDER BY id DESC LIMIT 1", &[])?.map(|row| row.text(0)).transpose()?;
    let (ms, seq) = match last.as_deref().and_then(parse_log_id) {
        Some((last_ms, last_seq)) if last_ms >= now_ms => (last_ms, last_seq + 1),
        _ => (now_ms, 0),
    };
    Ok(format!("{ms:013}-{seq:06}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]))
}

fn parse_log_id(id: &str) -> Option<(i64, u32)> {
    let mut parts = id.split('-');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

pub use healthbook_protocol::{AccessLogEntry, AccessLogPage, AccessLogQuery};

/// Reads of personal data, oldest first (authority admin).
#[utoipa::path(
    get, path = "/v1/access-log", tag = "accounts", security(("bearer" = [])),
    params(AccessLogQuery),
    responses((status = 200, body = AccessLogPage), (status = 403, body = ErrorResponse))
)]
pub async fn list_access_log(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<AccessLogQuery>,
) -> Result<Json<AccessLogPage>, ApiError> {
    principal.require(&[Role::AuthorityAdmin])?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let page = state
        .db
        .read(move |tx| {
            let rows = tx.query(
                "SELECT id, account_id, role, at, endpoint, filters, outcome, record_count, record_ids FROM access_log \
                 WHERE ($1 = '' OR account_id = $1) AND id > $2 ORDER BY id LIMIT $3",
                &[
                    query.account.unwrap_or_default().into(),
                    query.after.unwrap_or_default().into(),
                    Value::Int(i64::from(limit) + 1),
                ],
            )?;
            let json = |text: String| serde_json::from_str(&text).map_err(|e| ApiError::Internal(e.to_string()));
            let mut entries = rows
                .iter()
                .map(|row| {
                    Ok(AccessLogEntry {
                        id: row.text(0)?,
                        account_id: row.text(1)?,
                        role: row.text(2)?,
                        at: from_ms(row.int(3)?)?,
                        endpoint: row.text(4)?,
                        filters: json(row.text(5)?)?,
                        outcome: row.text(6)?,
                        record_count: u32::try_from(row.int(7)?).unwrap_or(u32::MAX),
                        record_ids: json(row.text(8)?)
                            .and_then(|v| serde_json::from_value(v).map_err(|e| ApiError::Internal(e.to_string())))?,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            let next_after = (entries.len() > limit as usize)
                .then(|| {
                    entries.truncate(limit as usize);
                    entries.last().map(|e| e.id.clone())
                })
                .flatten();
            Ok::<_, ApiError>(AccessLogPage { entries, next_after })
        })
        .await?;
    Ok(Json(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(province: &str, wards: &[&str]) -> AreaScope {
        AreaScope { province: province.into(), wards: wards.iter().map(|w| (*w).to_owned()).collect() }
    }

    #[test]
    fn officers_need_a_known_province_and_others_have_no_area() {
        assert!(validate_area(Role::HealthOfficer, None).is_err());
        assert!(validate_area(Role::HealthOfficer, Some(area("00", &[]))).is_err());
        assert!(validate_area(Role::HealthOfficer, Some(area("01", &["123"]))).is_err());
        let ok = validate_area(Role::HealthOfficer, Some(area("01", &["00004", "00001", "00004"]))).unwrap();
        assert_eq!(ok, Some(area("01", &["00001", "00004"])));
        assert_eq!(validate_area(Role::Volunteer, None).unwrap(), None);
        assert!(validate_area(Role::AuthorityAdmin, Some(area("01", &[]))).is_err());
        assert_eq!(validate_area(Role::AuthorityAdmin, None).unwrap(), None);
    }

    #[test]
    fn log_ids_parse_back() {
        assert_eq!(parse_log_id("1625126400000-000003-ab12cd34"), Some((1_625_126_400_000, 3)));
        assert_eq!(parse_log_id("garbage"), None);
    }

    #[test]
    fn stored_columns_round_trip_and_wards_narrow_the_scope() {
        let scoped = area("79", &["26734", "26737"]);
        assert_eq!(area_from_columns(Some("79".into()), wards_column(&scoped)), Some(scoped.clone()));
        assert_eq!(area_from_columns(Some("79".into()), None), Some(area("79", &[])));
        assert_eq!(area_from_columns(None, None), None);
        assert!(scoped.covers_ward("26734") && !scoped.covers_ward("00001"));
        assert!(area("79", &[]).covers_ward("00001"));
    }
}
