//! Storage of the hotline, inside the caller's transaction: Q&A draft entries and published versions, citizens'
//! questions with their handling, the inbox page and the retention purge.

use chrono::{DateTime, Utc};
use healthbook_protocol::hotline::{
    CitizenQuestionRequest, CitizenQuestionView, InboxQuestion, QaCategory, QaEntry, QaEntryInput, QaSet, QuestionKind,
    QuestionState,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::access::Reach;
use crate::error::ApiError;
use crate::storage::{Row, Tx, Value};
use crate::util::{from_ms, to_ms};

/// Published versions kept per province.
pub const KEPT_VERSIONS: i64 = 5;

/// An enum's wire name (`check_in`).
pub fn name<T: Serialize>(value: T) -> Result<String, ApiError> {
    match serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))? {
        serde_json::Value::String(s) => Ok(s),
        _ => Err(ApiError::Internal("not a named value".into())),
    }
}

/// An enum from its wire name.
pub fn named<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| ApiError::Internal("unknown stored hotline name".into()))
}

fn opt_time(value: Option<i64>) -> Result<Option<DateTime<Utc>>, ApiError> {
    Ok(value.map(from_ms).transpose()?)
}

// ---- Q&A -----------------------------------------------------------------------------------------------------

const ENTRY_COLUMNS: &str = "entry_id, category, question_vi, answer_vi, question_en, answer_en, updated_at";

fn entry_from(row: &Row) -> Result<QaEntry, ApiError> {
    Ok(QaEntry {
        id: row.text(0)?,
        category: named(&row.text(1)?)?,
        question_vi: row.text(2)?,
        answer_vi: row.text(3)?,
        question_en: row.text(4)?,
        answer_en: row.text(5)?,
        updated_at: from_ms(row.int(6)?)?,
    })
}

/// Sorts entries the way every answer lists them: by category, then Vietnamese question, then id.
pub fn sort_entries(entries: &mut [QaEntry]) {
    entries.sort_by(|a, b| (a.category, &a.question_vi, &a.id).cmp(&(b.category, &b.question_vi, &b.id)));
}

/// The draft entries of a province, sorted.
pub fn draft_entries(tx: &mut dyn Tx, province: &str) -> Result<Vec<QaEntry>, ApiError> {
    let rows = tx.query(&format!("SELECT {ENTRY_COLUMNS} FROM hotline_qa_drafts WHERE province_code = $1"), &[province.into()])?;
    let mut entries = rows.iter().map(entry_from).collect::<Result<Vec<_>, _>>()?;
    sort_entries(&mut entries);
    Ok(entries)
}

/// One draft entry.
pub fn draft_entry(tx: &mut dyn Tx, province: &str, entry_id: &str) -> Result<Option<QaEntry>, ApiError> {
    tx.query_opt(
        &format!("SELECT {ENTRY_COLUMNS} FROM hotline_qa_drafts WHERE province_code = $1 AND entry_id = $2"),
        &[province.into(), entry_id.into()],
    )?
    .as_ref()
    .map(entry_from)
    .transpose()
}

/// How many entries the draft holds.
pub fn draft_count(tx: &mut dyn Tx, province: &str) -> Result<usize, ApiError> {
    let row = tx.query_opt("SELECT COUNT(*) FROM hotline_qa_drafts WHERE province_code = $1", &[province.into()])?;
    Ok(row.map(|r| r.int(0)).transpose()?.unwrap_or(0).max(0) as usize)
}

/// Creates or replaces a draft entry.
pub fn put_draft_entry(
    tx: &mut dyn Tx,
    province: &str,
    entry_id: &str,
    input: &QaEntryInput,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO hotline_qa_drafts (province_code, entry_id, category, question_vi, answer_vi, question_en, answer_en, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (province_code, entry_id) DO UPDATE \
         SET category = $3, question_vi = $4, answer_vi = $5, question_en = $6, answer_en = $7, updated_at = $8",
        &[
            province.into(),
            entry_id.into(),
            input.category.as_str().into(),
            input.question_vi.clone().into(),
            input.answer_vi.clone().into(),
            input.question_en.clone().into(),
            input.answer_en.clone().into(),
            Value::Int(to_ms(at)),
        ],
    )?;
    Ok(())
}

/// Deletes a draft entry; returns whether there was one.
pub fn delete_draft_entry(tx: &mut dyn Tx, province: &str, entry_id: &str) -> Result<bool, ApiError> {
    Ok(tx.execute("DELETE FROM hotline_qa_drafts WHERE province_code = $1 AND entry_id = $2", &[province.into(), entry_id.into()])? > 0)
}

/// The latest published version of a province.
pub fn latest_version(tx: &mut dyn Tx, province: &str) -> Result<Option<QaSet>, ApiError> {
    let row = tx.query_opt(
        "SELECT version, published_at, entries FROM hotline_qa_versions WHERE province_code = $1 ORDER BY version DESC LIMIT 1",
        &[province.into()],
    )?;
    let Some(row) = row else { return Ok(None) };
    let entries: Vec<QaEntry> =
        serde_json::from_str(&row.text(2)?).map_err(|_| ApiError::Internal("a stored Q&A version does not parse".into()))?;
    Ok(Some(QaSet {
        province: province.to_owned(),
        version: u32::try_from(row.int(0)?).map_err(|_| ApiError::Internal("Q&A version out of range".into()))?,
        published_at: from_ms(row.int(1)?)?,
        entries,
    }))
}

/// The number of the latest published version (0 when none), read without its entries.
pub fn latest_version_number(tx: &mut dyn Tx, province: &str) -> Result<u32, ApiError> {
    let row = tx.query_opt("SELECT MAX(version) FROM hotline_qa_versions WHERE province_code = $1", &[province.into()])?;
    let version = row.map(|r| r.opt_int(0)).transpose()?.flatten().unwrap_or(0);
    u32::try_from(version).map_err(|_| ApiError::Internal("Q&A version out of range".into()))
}

/// Stores a published version and deletes those older than the latest [`KEPT_VERSIONS`]. A concurrent publish
/// of the same number loses on the primary key (409 for the caller).
pub fn insert_version(tx: &mut dyn Tx, set: &QaSet, account_id: &str) -> Result<(), ApiError> {
    let entries = serde_json::to_string(&set.entries).map_err(|e| ApiError::Internal(e.to_string()))?;
    let inserted = tx.execute(
        "INSERT INTO hotline_qa_versions (province_code, version, published_at, published_by, entries) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (province_code, version) DO NOTHING",
        &[set.province.clone().into(), Value::Int(i64::from(set.version)), Value::Int(to_ms(set.published_at)), account_id.into(), entries.into()],
    )?;
    if inserted == 0 {
        return Err(ApiError::Conflict {
            code: healthbook_protocol::ErrorCode::Conflict,
            message: "another publish of this province came first".into(),
        });
    }
    tx.execute(
        "DELETE FROM hotline_qa_versions WHERE province_code = $1 AND version <= $2",
        &[set.province.clone().into(), Value::Int(i64::from(set.version) - KEPT_VERSIONS)],
    )?;
    Ok(())
}

// ---- questions -----------------------------------------------------------------------------------------------

/// A stored question with what only the server keeps (the device, the request's hash, the close note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionRow {
    /// As officers see it.
    pub view: InboxQuestion,
    /// The sending device.
    pub device_id: String,
    /// SHA-256 (hex) of the request as received.
    pub request_sha256: String,
    /// The officers' note when closed.
    pub close_note: Option<String>,
}

impl QuestionRow {
    /// As the sending phone sees it: the answer only once answered, never the note.
    pub fn citizen_view(&self) -> CitizenQuestionView {
        let answered = self.view.state == QuestionState::Answered;
        CitizenQuestionView {
            id: self.view.id.clone(),
            kind: self.view.kind,
            category: self.view.category,
            text: self.view.text.clone(),
            received_at: self.view.received_at,
            state: self.view.state,
            answer: if answered { self.view.answer.clone() } else { None },
            answered_at: if answered { self.view.answered_at } else { None },
        }
    }
}

const QUESTION_COLUMNS: &str = "id, kind, category, province_code, ward_code, text, venue_id, contact_phone, language, received_at, \
     state, assignee, answer, answered_by, answered_at, device_id, request_sha256, close_note, inbox_rank, sort_at";

fn question_from(row: &Row) -> Result<QuestionRow, ApiError> {
    Ok(QuestionRow {
        view: InboxQuestion {
            id: row.text(0)?,
            kind: named::<QuestionKind>(&row.text(1)?)?,
            category: named::<QaCategory>(&row.text(2)?)?,
            province: row.text(3)?,
            ward: row.opt_text(4)?,
            text: row.text(5)?,
            venue_id: row.opt_text(6)?,
            contact_phone: row.opt_text(7)?,
            language: row.text(8)?,
            received_at: from_ms(row.int(9)?)?,
            state: named::<QuestionState>(&row.text(10)?)?,
            assignee: row.opt_text(11)?,
            answer: row.opt_text(12)?,
            answered_by: row.opt_text(13)?,
            answered_at: opt_time(row.opt_int(14)?)?,
        },
        device_id: row.text(15)?,
        request_sha256: row.text(16)?,
        close_note: row.opt_text(17)?,
    })
}

/// One question; with `lock`, its row is written first so that concurrent handlers of it wait for each other
/// (the same statement locks on both backends).
pub fn question(tx: &mut dyn Tx, id: &str, lock: bool) -> Result<Option<QuestionRow>, ApiError> {
    if lock {
        tx.execute("UPDATE hotline_questions SET id = id WHERE id = $1", &[id.into()])?;
    }
    tx.query_opt(&format!("SELECT {QUESTION_COLUMNS} FROM hotline_questions WHERE id = $1"), &[id.into()])?
        .as_ref()
        .map(question_from)
        .transpose()
}

/// Stores a new question, received now.
pub fn insert_question(
    tx: &mut dyn Tx,
    request: &CitizenQuestionRequest,
    device_id: &str,
    request_sha256: &str,
    received_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let received = to_ms(received_at);
    tx.execute(
        "INSERT INTO hotline_questions (id, device_id, request_sha256, kind, category, province_code, ward_code, text, venue_id, \
         contact_phone, language, asked_at, received_at, state, inbox_rank, sort_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, $13)",
        &[
            request.id.clone().into(),
            device_id.into(),
            request_sha256.into(),
            name(request.kind)?.into(),
            request.category.as_str().into(),
            request.province.clone().into(),
            request.ward.clone().into(),
            request.text.clone().into(),
            request.venue_id.clone().into(),
            request.contact_phone.clone().into(),
            request.language.clone().into(),
            Value::Int(to_ms(request.asked_at)),
            Value::Int(received),
            name(QuestionState::Received)?.into(),
        ],
    )?;
    Ok(())
}

/// A device's own questions, newest first (at most `limit`).
pub fn device_questions(tx: &mut dyn Tx, device_id: &str, limit: i64) -> Result<Vec<QuestionRow>, ApiError> {
    tx.query(
        &format!("SELECT {QUESTION_COLUMNS} FROM hotline_questions WHERE device_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2"),
        &[device_id.into(), Value::Int(limit)],
    )?
    .iter()
    .map(question_from)
    .collect()
}

/// Where a question sorts in the inbox: open ones first, oldest first; then the others, latest handled first.
pub fn inbox_position(state: QuestionState, received_at: DateTime<Utc>, answered_at: Option<DateTime<Utc>>) -> (i64, i64) {
    match state {
        QuestionState::Received | QuestionState::Assigned => (0, to_ms(received_at)),
        QuestionState::Answered | QuestionState::Closed => (1, -to_ms(answered_at.unwrap_or(received_at))),
    }
}

/// Writes a question's handling (state, assignee, answer, close note) and its place in the inbox.
pub fn update_handling(tx: &mut dyn Tx, row: &QuestionRow, closed_by: Option<&str>) -> Result<(), ApiError> {
    let view = &row.view;
    let (rank, sort_at) = inbox_position(view.state, view.received_at, view.answered_at);
    tx.execute(
        "UPDATE hotline_questions SET state = $2, assignee = $3, answer = $4, answered_by = $5, answered_at = $6, close_note = $7, \
         closed_by = $8, inbox_rank = $9, sort_at = $10 WHERE id = $1",
        &[
            view.id.clone().into(),
            name(view.state)?.into(),
            view.assignee.clone().into(),
            view.answer.clone().into(),
            view.answered_by.clone().into(),
            view.answered_at.map(to_ms).into(),
            row.close_note.clone().into(),
            closed_by.into(),
            Value::Int(rank),
            Value::Int(sort_at),
        ],
    )?;
    Ok(())
}

/// A position in the inbox, as the opaque `next` cursor carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// 0 open, 1 handled.
    pub rank: i64,
    /// The sort time within the rank.
    pub sort_at: i64,
    /// The question id, breaking ties.
    pub id: String,
}

impl Cursor {
    /// `rank.sort_at.id`.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.rank, self.sort_at, self.id)
    }

    /// Parses [`Cursor::encode`]'s form; `None` for anything else.
    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, '.');
        let rank: i64 = parts.next()?.parse().ok()?;
        let sort_at: i64 = parts.next()?.parse().ok()?;
        let id = parts.next()?.to_owned();
        ((rank == 0 || rank == 1) && !id.is_empty() && id.len() <= super::rules::MAX_ID_CHARS).then_some(Self { rank, sort_at, id })
    }
}

/// Filters of an inbox page, already limited to the caller's reach.
#[derive(Debug, Clone)]
pub struct InboxFilter<'a> {
    /// Who reads.
    pub reach: &'a Reach,
    /// Only this province.
    pub province: Option<&'a str>,
    /// Only this state.
    pub state: Option<QuestionState>,
    /// Only this assignee.
    pub assignee: Option<&'a str>,
    /// After this position.
    pub after: Option<&'a Cursor>,
    /// Most rows.
    pub limit: i64,
}

/// One page of the inbox in its order, with the cursor of the row after it when there is one.
pub fn inbox_page(tx: &mut dyn Tx, filter: &InboxFilter<'_>) -> Result<(Vec<QuestionRow>, Option<Cursor>), ApiError> {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    let bind = |params: &mut Vec<Value>, value: Value| {
        params.push(value);
        format!("${}", params.len())
    };
    if let Some(province) = filter.province {
        let p = bind(&mut params, province.into());
        clauses.push(format!("province_code = {p}"));
    }
    if let Reach::Area(area) = filter.reach {
        let p = bind(&mut params, area.province.clone().into());
        clauses.push(format!("province_code = {p}"));
        if !area.wards.is_empty() {
            let wards: Vec<String> = area.wards.iter().map(|w| bind(&mut params, w.clone().into())).collect();
            clauses.push(format!("ward_code IN ({})", wards.join(", ")));
        }
    }
    if let Some(state) = filter.state {
        let p = bind(&mut params, name(state)?.into());
        clauses.push(format!("state = {p}"));
    }
    if let Some(assignee) = filter.assignee {
        let p = bind(&mut params, assignee.into());
        clauses.push(format!("assignee = {p}"));
    }
    if let Some(after) = filter.after {
        let r = bind(&mut params, Value::Int(after.rank));
        let s = bind(&mut params, Value::Int(after.sort_at));
        let i = bind(&mut params, after.id.clone().into());
        clauses.push(format!("(inbox_rank > {r} OR (inbox_rank = {r} AND (sort_at > {s} OR (sort_at = {s} AND id > {i}))))"));
    }
    let limit = bind(&mut params, Value::Int(filter.limit + 1));
    let where_clause = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let rows = tx.query(
        &format!("SELECT {QUESTION_COLUMNS} FROM hotline_questions {where_clause} ORDER BY inbox_rank, sort_at, id LIMIT {limit}"),
        &params,
    )?;
    let more = rows.len() as i64 > filter.limit;
    let mut page = Vec::with_capacity(rows.len());
    let mut next = None;
    for row in rows.iter().take(filter.limit as usize) {
        page.push(question_from(row)?);
        if more {
            next = Some(Cursor { rank: row.int(18)?, sort_at: row.int(19)?, id: row.text(0)? });
        }
    }
    Ok((page, next))
}

/// The enabled health officers whose area includes `province` (every ward scope; the caller narrows by ward):
/// (account id, username, wards column).
pub fn officers_of_province(tx: &mut dyn Tx, province: &str) -> Result<Vec<(String, String, Option<String>)>, ApiError> {
    tx.query(
        "SELECT id, username, area_wards FROM accounts WHERE role = 'health_officer' AND disabled = 0 AND area_province = $1 \
         ORDER BY username",
        &[province.into()],
    )?
    .iter()
    .map(|row| Ok((row.text(0)?, row.opt_text(1)?.unwrap_or_default(), row.opt_text(2)?)))
    .collect()
}

/// Deletes questions answered or closed before `handled_cutoff` and open ones received before `open_cutoff`;
/// returns how many.
pub fn purge(tx: &mut dyn Tx, handled_cutoff: DateTime<Utc>, open_cutoff: DateTime<Utc>) -> Result<u64, ApiError> {
    let handled = tx.execute(
        "DELETE FROM hotline_questions WHERE state IN ('answered', 'closed') AND answered_at < $1",
        &[Value::Int(to_ms(handled_cutoff))],
    )?;
    let open = tx.execute(
        "DELETE FROM hotline_questions WHERE state IN ('received', 'assigned') AND received_at < $1",
        &[Value::Int(to_ms(open_cutoff))],
    )?;
    Ok(handled + open)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor { rank: 1, sort_at: -1_625_126_400_000, id: "0b6a4b1e-3c1f-4f5e-9d2a-6f1e2d3c4b5a".into() };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        for bad in ["", "1", "1.2", "2.5.x", "a.b.c", "0.1.", &format!("0.1.{}", "x".repeat(65))] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn open_questions_sort_before_handled_ones_and_the_latest_handled_first() {
        let t = |s: i64| from_ms(s * 1000).unwrap();
        let open_old = inbox_position(QuestionState::Received, t(1), None);
        let open_new = inbox_position(QuestionState::Assigned, t(5), None);
        let handled_old = inbox_position(QuestionState::Answered, t(0), Some(t(10)));
        let handled_new = inbox_position(QuestionState::Closed, t(0), Some(t(20)));
        let mut all = vec![handled_old, open_new, handled_new, open_old];
        all.sort();
        assert_eq!(all, vec![open_old, open_new, handled_new, handled_old]);
    }
}
