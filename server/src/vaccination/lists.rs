//! Communes' resident lists: `POST /v1/vaccination/lists` checks every uploaded row with the core rules
//! (`healthbook_core::vaccination::list`), adds what only the server can see (the same person on another
//! commune's list, priority-group people with no registration), and with `accept: true` replaces the commune's
//! list in one transaction. Table `vaccination_list_entries` (migration 0017); citizen ids are kept only as
//! `persons.id_hash`-style keyed hashes.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Duration, Utc};
use healthbook_core::admin_units::is_ward_code;
use healthbook_core::vaccination::list::{ListContext, blocks_storage, check_row, duplicates_in_file, sort_problems};
use healthbook_protocol::vaccination::{
    CommuneListReport, CommuneListRow, CommuneListUpload, ListField, ListProblem, ListProblemKind, MAX_LIST_ROWS, Sex,
};
use healthbook_protocol::{ErrorResponse, Role};

use crate::access::{Reach, reach_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::persons::db::{person_id_hash_with, person_id_key};
use crate::storage::{Tx, Value};
use crate::util::{new_id, to_ms};

/// Body limit of a list upload: [`MAX_LIST_ROWS`] rows of about 400 bytes of JSON each, with room.
pub const LISTS_BODY_LIMIT_BYTES: usize = 16 * 1024 * 1024;
/// Values bound in one `IN (...)` or multi-row `INSERT` (well under both engines' limits).
const CHUNK: usize = 500;
/// Rows per multi-row insert (13 values each).
const INSERT_ROWS: usize = 100;

/// The officer's area if it covers `ward`: 404 for a ward outside it (as for one that does not exist), 403 for
/// an account without an area.
///
/// A province-wide area names no wards, and the admin-unit codes carry no ward-to-province table, so a ward's
/// province is taken from what is stored for it (communes' lists, registrations): a ward known only in other
/// provinces is outside the area.
pub(crate) fn officer_area(tx: &mut dyn Tx, principal: &Principal, ward: Option<&str>) -> Result<healthbook_protocol::AreaScope, ApiError> {
    let Reach::Area(area) = reach_of(tx, principal)? else {
        return Err(ApiError::Forbidden("this endpoint is for area-scoped health officers".into()));
    };
    if let Some(ward) = ward {
        if !area.covers_ward(ward) {
            return Err(ApiError::NotFound("ward"));
        }
        let known = tx.query(
            "SELECT DISTINCT province_code FROM vaccination_list_entries WHERE ward_code = $1 \
             UNION SELECT DISTINCT province_code FROM vaccination_registrations WHERE ward_code = $1",
            &[ward.into()],
        )?;
        let provinces: Vec<String> = known.iter().map(|row| row.text(0)).collect::<Result<_, _>>()?;
        if !provinces.is_empty() && !provinces.contains(&area.province) {
            return Err(ApiError::NotFound("ward"));
        }
    }
    Ok(area)
}

/// `$from, $from+1, …` for `count` parameters.
pub(crate) fn placeholders(from: usize, count: usize) -> String {
    (from..from + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Runs `sql` (with `{}` where the `IN` list goes, after the `fixed` parameters) for `values` in chunks.
pub(crate) fn query_in(
    tx: &mut dyn Tx,
    sql: &str,
    fixed: &[Value],
    values: &[String],
) -> Result<Vec<crate::storage::Row>, ApiError> {
    let mut rows = Vec::new();
    for chunk in values.chunks(CHUNK) {
        let sql = sql.replace("{}", &placeholders(fixed.len() + 1, chunk.len()));
        let params: Vec<Value> = fixed.iter().cloned().chain(chunk.iter().map(Value::from)).collect();
        rows.extend(tx.query(&sql, &params)?);
    }
    Ok(rows)
}

/// The priority group of a person from the communes' lists (the most urgent when listed more than once), or
/// none when they are on no list or listed in the general population. Registrations call it.
pub fn priority_group_of(tx: &mut dyn Tx, person_id: &str) -> Result<Option<u8>, ApiError> {
    let row = tx.query_opt(
        "SELECT MIN(e.priority_group) FROM vaccination_list_entries e JOIN persons p ON p.id_hash = e.id_hash \
         WHERE p.id = $1",
        &[person_id.into()],
    )?;
    let group = match row {
        Some(row) => row.opt_int(0)?,
        None => None,
    };
    group.map(|g| u8::try_from(g).map_err(|_| ApiError::Internal("bad priority group in the database".into()))).transpose()
}

fn sex_str(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Other => "other",
    }
}

/// A row ready to store, or read back.
struct Entry {
    line: u32,
    id_hash: Option<String>,
    full_name: String,
    birth_date: String,
    year_only: bool,
    sex: String,
    phone: Option<String>,
    province: String,
    address: Option<String>,
    group: Option<i64>,
}

impl Entry {
    /// The row without its line: what "changed" compares.
    fn fingerprint(&self) -> String {
        let group = self.group.map(|g| g.to_string()).unwrap_or_default();
        let parts = [
            self.id_hash.as_deref().unwrap_or(""),
            &self.full_name,
            &self.birth_date,
            if self.year_only { "1" } else { "0" },
            &self.sex,
            self.phone.as_deref().unwrap_or(""),
            &self.province,
            self.address.as_deref().unwrap_or(""),
            &group,
        ];
        parts.join("\u{1f}")
    }
}

/// Checks a commune's list and, with `accept: true`, stores its valid rows in place of the commune's list
/// (health officer whose area covers the ward).
#[utoipa::path(
    post, path = "/v1/vaccination/lists", tag = "vaccination", security(("bearer" = [])),
    request_body = CommuneListUpload,
    responses(
        (status = 200, body = CommuneListReport),
        (status = 422, description = "A ward code that is not 5 digits, too many rows, or two rows with one line number", body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, description = "The ward is outside the officer's area", body = ErrorResponse),
    )
)]
pub async fn upload_list(
    State(state): State<AppState>,
    principal: Principal,
    Json(upload): Json<CommuneListUpload>,
) -> Result<Json<CommuneListReport>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    if !is_ward_code(&upload.ward_code) {
        return Err(ApiError::InvalidRequest("ward_code must have 5 digits".into()));
    }
    if upload.rows.len() > MAX_LIST_ROWS {
        return Err(ApiError::InvalidRequest(format!("a list has at most {MAX_LIST_ROWS} rows")));
    }
    let mut lines = HashSet::new();
    if !upload.rows.iter().all(|r| lines.insert(r.line)) {
        return Err(ApiError::InvalidRequest("two rows have the same line number".into()));
    }
    let now = state.now();
    let report = state.db.write(move |tx| import(tx, &principal, &upload, now)).await?;
    tracing::info!(rows = report.rows, valid = report.valid_rows, problems = report.problems.len(), changed = report.changed, "commune list checked");
    Ok(Json(report))
}

fn import(tx: &mut dyn Tx, principal: &Principal, upload: &CommuneListUpload, now: DateTime<Utc>) -> Result<CommuneListReport, ApiError> {
    let ward = upload.ward_code.as_str();
    let area = officer_area(tx, principal, Some(ward))?;
    // Birth dates are local calendar dates; "today" is the latest date anywhere (UTC+14).
    let today = (now + Duration::hours(14)).date_naive();
    let context = ListContext { ward_code: ward, province_code: Some(&area.province), today };
    let mut problems: Vec<ListProblem> = upload.rows.iter().flat_map(|row| check_row(row, &context)).collect();
    problems.extend(duplicates_in_file(&upload.rows));
    let blocked: HashSet<u32> = problems.iter().filter(|p| blocks_storage(p.kind)).map(|p| p.line).collect();
    let valid: Vec<&CommuneListRow> = upload.rows.iter().filter(|r| !blocked.contains(&r.line)).collect();

    let key = person_id_key(tx)?;
    let hashes: HashMap<u32, String> =
        valid.iter().filter_map(|r| r.citizen_id.as_deref().map(|id| (r.line, person_id_hash_with(&key, id)))).collect();
    let all_hashes: Vec<String> = hashes.values().cloned().collect();

    // The same person on another commune's list: reported, still stored (people move; the communes settle it).
    let mut elsewhere: HashMap<String, String> = HashMap::new();
    let sql = "SELECT id_hash, ward_code FROM vaccination_list_entries WHERE ward_code <> $1 AND id_hash IN ({}) \
               ORDER BY ward_code";
    for row in query_in(tx, sql, &[ward.into()], &all_hashes)? {
        elsewhere.entry(row.text(0)?).or_insert(row.text(1)?);
    }
    let priority_hashes: Vec<String> =
        valid.iter().filter(|r| r.priority_group.is_some()).filter_map(|r| hashes.get(&r.line).cloned()).collect();
    let sql = "SELECT p.id_hash FROM persons p JOIN vaccination_registrations r ON r.person_id = p.id WHERE p.id_hash IN ({})";
    let registered: HashSet<String> =
        query_in(tx, sql, &[], &priority_hashes)?.iter().map(|row| row.text(0)).collect::<Result<_, _>>()?;
    for row in &valid {
        let hash = hashes.get(&row.line);
        if let Some(other) = hash.and_then(|h| elsewhere.get(h)) {
            problems.push(ListProblem {
                line: row.line,
                field: ListField::CitizenId,
                kind: ListProblemKind::DuplicateInOtherCommune,
                other_line: None,
                other_ward_code: Some(other.clone()),
            });
        }
        if row.priority_group.is_some() && !hash.is_some_and(|h| registered.contains(h)) {
            problems.push(healthbook_core::vaccination::list::problem(row.line, ListField::Row, ListProblemKind::PriorityNotRegistered));
        }
    }
    sort_problems(&mut problems);

    let entries: Vec<Entry> = valid
        .iter()
        .map(|row| Entry {
            line: row.line,
            id_hash: hashes.get(&row.line).cloned(),
            full_name: row.full_name.clone().unwrap_or_default(),
            birth_date: row.birth_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            year_only: row.birth_year_only,
            sex: row.sex.map_or("other", sex_str).to_owned(),
            phone: row.phone.clone(),
            province: row.province_code.clone().unwrap_or_else(|| area.province.clone()),
            address: row.address.clone(),
            group: row.priority_group.map(i64::from),
        })
        .collect();
    let (stored, changed) =
        if upload.accept { (true, replace(tx, ward, &area.province, &entries, principal, now)?) } else { (false, 0) };
    Ok(CommuneListReport {
        ward_code: ward.to_owned(),
        rows: u32::try_from(upload.rows.len()).unwrap_or(u32::MAX),
        valid_rows: u32::try_from(valid.len()).unwrap_or(u32::MAX),
        problems,
        stored,
        changed,
    })
}

/// Replaces the commune's stored rows (those of the officer's province: an officer never touches another
/// province's rows) with `entries` and returns how many of them are new or changed. When nothing differs (line
/// numbers included) nothing is written.
fn replace(
    tx: &mut dyn Tx,
    ward: &str,
    province: &str,
    entries: &[Entry],
    principal: &Principal,
    now: DateTime<Utc>,
) -> Result<u32, ApiError> {
    let stored = tx.query(
        "SELECT line, id_hash, full_name, birth_date, birth_year_only, sex, phone, province_code, address, priority_group \
         FROM vaccination_list_entries WHERE ward_code = $1 AND province_code = $2",
        &[ward.into(), province.into()],
    )?;
    let mut old: HashMap<String, u32> = HashMap::new();
    let mut old_with_lines: HashSet<(i64, String)> = HashSet::new();
    for row in &stored {
        let entry = Entry {
            line: u32::try_from(row.int(0)?).map_err(|_| ApiError::Internal("bad line".into()))?,
            id_hash: row.opt_text(1)?,
            full_name: row.text(2)?,
            birth_date: row.text(3)?,
            year_only: row.int(4)? != 0,
            sex: row.text(5)?,
            phone: row.opt_text(6)?,
            province: row.text(7)?,
            address: row.opt_text(8)?,
            group: row.opt_int(9)?,
        };
        let print = entry.fingerprint();
        *old.entry(print.clone()).or_default() += 1;
        old_with_lines.insert((i64::from(entry.line), print));
    }
    let mut changed = 0u32;
    for entry in entries {
        match old.get_mut(&entry.fingerprint()) {
            Some(count) if *count > 0 => *count -= 1,
            _ => changed += 1,
        }
    }
    let same = stored.len() == entries.len() && entries.iter().all(|e| old_with_lines.contains(&(i64::from(e.line), e.fingerprint())));
    if same {
        return Ok(0);
    }
    tx.execute("DELETE FROM vaccination_list_entries WHERE ward_code = $1 AND province_code = $2", &[ward.into(), province.into()])?;
    for chunk in entries.chunks(INSERT_ROWS) {
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 14);
        let mut tuples = Vec::with_capacity(chunk.len());
        for entry in chunk {
            tuples.push(format!("({})", placeholders(params.len() + 1, 14)));
            params.extend([
                new_id().into(),
                ward.into(),
                entry.province.clone().into(),
                Value::Int(i64::from(entry.line)),
                entry.id_hash.clone().into(),
                entry.full_name.clone().into(),
                entry.birth_date.clone().into(),
                entry.year_only.into(),
                entry.sex.clone().into(),
                entry.phone.clone().into(),
                entry.address.clone().into(),
                entry.group.into(),
                Value::Int(to_ms(now)),
                principal.account_id.clone().into(),
            ]);
        }
        tx.execute(
            &format!(
                "INSERT INTO vaccination_list_entries (id, ward_code, province_code, line, id_hash, full_name, birth_date, \
                 birth_year_only, sex, phone, address, priority_group, imported_at, imported_by) VALUES {}",
                tuples.join(", ")
            ),
            &params,
        )?;
    }
    Ok(changed)
}
