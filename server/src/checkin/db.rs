//! Storage of venues, gates under venues, passages and risky windows, inside the caller's transaction.

use chrono::{DateTime, NaiveDate, Utc};
use healthbook_protocol::{
    CreateVenueRequest, ExposureAdvice, GateView, Passage, PassageRecord, RiskyWindow, VenueKind, VenueView,
};

use super::rules::{self, Cursor};
use crate::error::ApiError;
use crate::storage::{Row, Tx, Value};
use crate::util::{from_ms, new_id, to_ms};

/// Columns of a passage row as inserted.
const PASSAGE_COLUMNS: usize = 12;
/// Passages per INSERT statement: a batch of 1,000 takes a handful of statements, each well under SQLite's
/// 32,766 and PostgreSQL's 65,535 bound parameters.
const ROWS_PER_STATEMENT: usize = 250;

const VENUE_SELECT: &str = "SELECT id, agency_id, name, kind, address, province_code, ward_code, default_stay_minutes, \
    created_at FROM venues";

fn venue_from_row(row: &Row) -> Result<VenueView, ApiError> {
    Ok(VenueView {
        id: row.text(0)?,
        agency_id: row.text(1)?,
        name: row.text(2)?,
        kind: rules::from_wire_name::<VenueKind>(row.text(3)?)?,
        address: row.text(4)?,
        province_code: row.text(5)?,
        ward_code: row.text(6)?,
        default_stay_minutes: u32::try_from(row.int(7)?).map_err(|e| ApiError::Internal(e.to_string()))?,
        created_at: from_ms(row.int(8)?)?,
    })
}

/// Inserts a venue of `agency_id` (the request already checked).
pub fn insert_venue(tx: &mut dyn Tx, agency_id: &str, request: CreateVenueRequest, now: DateTime<Utc>) -> Result<VenueView, ApiError> {
    let venue = VenueView {
        id: new_id(),
        agency_id: agency_id.to_owned(),
        name: request.name,
        kind: request.kind,
        address: request.address,
        province_code: request.province_code,
        ward_code: request.ward_code,
        default_stay_minutes: request.default_stay_minutes,
        created_at: now,
    };
    tx.execute(
        "INSERT INTO venues (id, agency_id, name, kind, address, province_code, ward_code, default_stay_minutes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            venue.id.clone().into(),
            venue.agency_id.clone().into(),
            venue.name.clone().into(),
            venue.kind.as_str().into(),
            venue.address.clone().into(),
            venue.province_code.clone().into(),
            venue.ward_code.clone().into(),
            Value::Int(i64::from(venue.default_stay_minutes)),
            Value::Int(to_ms(now)),
        ],
    )?;
    Ok(venue)
}

/// A venue by id.
pub fn venue(tx: &mut dyn Tx, venue_id: &str) -> Result<Option<VenueView>, ApiError> {
    tx.query_opt(&format!("{VENUE_SELECT} WHERE id = $1"), &[venue_id.into()])?.as_ref().map(venue_from_row).transpose()
}

/// An agency's venues, by name.
pub fn agency_venues(tx: &mut dyn Tx, agency_id: &str) -> Result<Vec<VenueView>, ApiError> {
    tx.query(&format!("{VENUE_SELECT} WHERE agency_id = $1 ORDER BY name, id"), &[agency_id.into()])?
        .iter()
        .map(venue_from_row)
        .collect()
}

/// Venues of one agency, one province, or (both `None`) all, by ward then name.
pub fn venues_where(tx: &mut dyn Tx, agency_id: Option<&str>, province: Option<&str>) -> Result<Vec<VenueView>, ApiError> {
    tx.query(
        &format!(
            "{VENUE_SELECT} WHERE ($1 = '' OR agency_id = $1) AND ($2 = '' OR province_code = $2) \
             ORDER BY ward_code, name, id"
        ),
        &[agency_id.unwrap_or_default().into(), province.unwrap_or_default().into()],
    )?
    .iter()
    .map(venue_from_row)
    .collect()
}

/// Inserts a gate of `venue`.
pub fn insert_venue_gate(tx: &mut dyn Tx, venue: &VenueView, name: String, now: DateTime<Utc>) -> Result<GateView, ApiError> {
    let gate = GateView { id: new_id(), agency_id: venue.agency_id.clone(), name, venue_id: Some(venue.id.clone()), created_at: now };
    tx.execute(
        "INSERT INTO gates (id, agency_id, name, venue_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[gate.id.clone().into(), gate.agency_id.clone().into(), gate.name.clone().into(), venue.id.clone().into(), Value::Int(to_ms(now))],
    )?;
    Ok(gate)
}

/// A gate by id, with its venue if it has one.
pub fn gate(tx: &mut dyn Tx, gate_id: &str) -> Result<Option<GateView>, ApiError> {
    let Some(row) = tx.query_opt("SELECT id, agency_id, name, venue_id, created_at FROM gates WHERE id = $1", &[gate_id.into()])? else {
        return Ok(None);
    };
    Ok(Some(GateView {
        id: row.text(0)?,
        agency_id: row.text(1)?,
        name: row.text(2)?,
        venue_id: row.opt_text(3)?,
        created_at: from_ms(row.int(4)?)?,
    }))
}

/// Stores the passages of one batch from `gate`, each id once, in a few multi-row statements; returns how many
/// were stored now (the rest were stored before, or repeat an id of the same batch).
pub fn store_passages(
    tx: &mut dyn Tx,
    gate: &GateView,
    passages: &[Passage],
    uploaded_by: &str,
    now: DateTime<Utc>,
) -> Result<u64, ApiError> {
    let mut stored = 0;
    for chunk in passages.chunks(ROWS_PER_STATEMENT) {
        let mut sql = String::with_capacity(200 + chunk.len() * 80);
        sql.push_str(
            "INSERT INTO gate_passages (id, gate_id, venue_id, direction, scanned_at, scanned_day, verdict, reason, card, \
             credential_id, uploaded_by, received_at) VALUES ",
        );
        let mut params = Vec::with_capacity(chunk.len() * PASSAGE_COLUMNS);
        for (row, passage) in chunk.iter().enumerate() {
            if row > 0 {
                sql.push(',');
            }
            sql.push('(');
            for column in 0..PASSAGE_COLUMNS {
                if column > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("${}", row * PASSAGE_COLUMNS + column + 1));
            }
            sql.push(')');
            params.extend([
                Value::from(passage.id.as_str()),
                gate.id.as_str().into(),
                gate.venue_id.as_deref().into(),
                rules::wire_name(&passage.direction)?.into(),
                Value::Int(to_ms(passage.scanned_at)),
                rules::day_of(passage.scanned_at).into(),
                rules::wire_name(&passage.verdict)?.into(),
                rules::wire_name(&passage.reason)?.into(),
                passage.card.as_ref().map(rules::wire_name).transpose()?.into(),
                passage.credential_id.as_deref().into(),
                uploaded_by.into(),
                Value::Int(to_ms(now)),
            ]);
        }
        sql.push_str(" ON CONFLICT (id) DO NOTHING");
        stored += tx.execute(&sql, &params)?;
    }
    Ok(stored)
}

/// One page of a venue's passages in `[from, to)`, after `after`, ordered by scan time then id; one row more
/// than `limit` when there is a further page. Personal passes are resolved to their person from the server's
/// own record of the passes it issued, never from what the gate sent.
pub fn passage_page(
    tx: &mut dyn Tx,
    venue_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<&Cursor>,
    limit: u32,
) -> Result<Vec<(PassageRecord, i64)>, ApiError> {
    let (after_ms, after_id) = after.map_or((i64::MIN, String::new()), |c| (c.scanned_at_ms, c.id.clone()));
    let rows = tx.query(
        "SELECT p.id, p.gate_id, p.direction, p.scanned_at, p.verdict, p.reason, p.card, p.credential_id, i.person_id \
         FROM gate_passages p LEFT JOIN issued_passes i ON p.card = 'personal_pass' AND i.credential_id = p.credential_id \
         WHERE p.venue_id = $1 AND p.scanned_at >= $2 AND p.scanned_at < $3 \
         AND (p.scanned_at > $4 OR (p.scanned_at = $4 AND p.id > $5)) \
         ORDER BY p.scanned_at, p.id LIMIT $6",
        &[
            venue_id.into(),
            Value::Int(to_ms(from)),
            Value::Int(to_ms(to)),
            Value::Int(after_ms),
            after_id.into(),
            Value::Int(i64::from(limit) + 1),
        ],
    )?;
    rows.iter()
        .map(|row| {
            let scanned_at_ms = row.int(3)?;
            let record = PassageRecord {
                id: row.text(0)?,
                gate_id: row.text(1)?,
                direction: rules::from_wire_name(row.text(2)?)?,
                scanned_at: from_ms(scanned_at_ms)?,
                verdict: rules::from_wire_name(row.text(4)?)?,
                reason: rules::from_wire_name(row.text(5)?)?,
                card: row.opt_text(6)?.map(rules::from_wire_name).transpose()?,
                credential_id: row.opt_text(7)?,
                person_id: row.opt_text(8)?,
            };
            Ok((record, scanned_at_ms))
        })
        .collect()
}

/// Passages per (venue, UTC day) from `from` to `to` inclusive, for the venues of one agency, one province or
/// all; the caller narrows to wards.
pub fn passages_per_day(
    tx: &mut dyn Tx,
    agency_id: Option<&str>,
    province: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, NaiveDate, u32)>, ApiError> {
    let start = from.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).ok_or_else(|| ApiError::InvalidRequest("from is out of range".into()))?;
    let end = (to + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .ok_or_else(|| ApiError::InvalidRequest("to is out of range".into()))?;
    let rows = tx.query(
        "SELECT p.venue_id, p.scanned_day, COUNT(*) FROM gate_passages p JOIN venues v ON v.id = p.venue_id \
         WHERE p.scanned_at >= $1 AND p.scanned_at < $2 AND ($3 = '' OR v.agency_id = $3) AND ($4 = '' OR v.province_code = $4) \
         GROUP BY p.venue_id, p.scanned_day",
        &[
            Value::Int(to_ms(start)),
            Value::Int(to_ms(end)),
            agency_id.unwrap_or_default().into(),
            province.unwrap_or_default().into(),
        ],
    )?;
    rows.iter()
        .map(|row| {
            let day = NaiveDate::parse_from_str(&row.text(1)?, "%Y-%m-%d").map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok((row.text(0)?, day, u32::try_from(row.int(2)?).unwrap_or(u32::MAX)))
        })
        .collect()
}

/// Inserts a risky window of `venue_id`.
pub fn insert_risky_window(
    tx: &mut dyn Tx,
    venue_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    advice: ExposureAdvice,
    marked_by: &str,
    now: DateTime<Utc>,
) -> Result<RiskyWindow, ApiError> {
    let window = RiskyWindow { id: new_id(), venue_hash: rules::venue_hash(venue_id), from, to, advice };
    tx.execute(
        "INSERT INTO risky_windows (id, venue_id, venue_hash, window_from, window_to, advice, marked_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            window.id.clone().into(),
            venue_id.into(),
            window.venue_hash.clone().into(),
            Value::Int(to_ms(from)),
            Value::Int(to_ms(to)),
            rules::wire_name(&advice)?.into(),
            marked_by.into(),
            Value::Int(to_ms(now)),
        ],
    )?;
    Ok(window)
}

/// The risky windows that end at or after `since`, by start then id.
pub fn risky_windows_since(tx: &mut dyn Tx, since: DateTime<Utc>) -> Result<Vec<RiskyWindow>, ApiError> {
    tx.query(
        "SELECT id, venue_hash, window_from, window_to, advice FROM risky_windows WHERE window_to >= $1 \
         ORDER BY window_from, id",
        &[Value::Int(to_ms(since))],
    )?
    .iter()
    .map(|row| {
        Ok(RiskyWindow {
            id: row.text(0)?,
            venue_hash: row.text(1)?,
            from: from_ms(row.int(2)?)?,
            to: from_ms(row.int(3)?)?,
            advice: rules::from_wire_name(row.text(4)?)?,
        })
    })
    .collect()
}

/// Deletes passages scanned before `passages_cutoff` and risky windows that ended before `windows_cutoff`;
/// returns the rows deleted.
pub fn purge(tx: &mut dyn Tx, passages_cutoff: DateTime<Utc>, windows_cutoff: DateTime<Utc>) -> Result<u64, ApiError> {
    let passages = tx.execute("DELETE FROM gate_passages WHERE scanned_at < $1", &[Value::Int(to_ms(passages_cutoff))])?;
    let windows = tx.execute("DELETE FROM risky_windows WHERE window_to < $1", &[Value::Int(to_ms(windows_cutoff))])?;
    Ok(passages + windows)
}
