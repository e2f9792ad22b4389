//! Storage of home quarantine, inside the caller's transaction: wards, orders and their keys, challenges,
//! check-ins with verdicts, cases; the sweep of missed challenges and the retention purge.

use chrono::{DateTime, NaiveDate, Utc};
use healthbook_protocol::quarantine::{
    CaseState, CaseView, ChallengeKind, CheckInSchedule, CheckInVerdict, DecisionRequest, ExplanationRequest, ExtensionRules,
    Geofence, OrderState, OrderView, RadioEnvironment, WardEligibility,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::storage::{Row, Tx, Value};
use crate::util::{from_ms, to_ms};

/// A value as JSON text.
pub fn json<T: Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// JSON text back as a value.
pub fn unjson<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|_| ApiError::Internal("a stored quarantine value does not parse".into()))
}

/// An enum's wire name (`awaiting_commitment`).
pub fn name<T: Serialize>(value: T) -> Result<String, ApiError> {
    match serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))? {
        serde_json::Value::String(s) => Ok(s),
        _ => Err(ApiError::Internal("not a named value".into())),
    }
}

/// An enum from its wire name.
pub fn named<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| ApiError::Internal("unknown stored name".into()))
}

fn opt_time(value: Option<i64>) -> Result<Option<DateTime<Utc>>, ApiError> {
    Ok(value.map(from_ms).transpose()?)
}

fn date(text: &str) -> Result<NaiveDate, ApiError> {
    text.parse().map_err(|_| ApiError::Internal("a stored date does not parse".into()))
}

// ---- wards ---------------------------------------------------------------------------------------------------

/// Records an officer's decision about a ward (replacing the earlier one).
pub fn put_ward(tx: &mut dyn Tx, province: &str, ward: &WardEligibility) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO quarantine_wards (province_code, ward_code, allowed, criteria, note, decided_by, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (province_code, ward_code) DO UPDATE SET allowed = $3, criteria = $4, \
         note = $5, decided_by = $6, decided_at = $7",
        &[
            province.into(),
            ward.ward_code.clone().into(),
            ward.allowed.into(),
            json(&ward.criteria)?.into(),
            ward.note.clone().into(),
            ward.decided_by.clone().into(),
            Value::Int(to_ms(ward.decided_at)),
        ],
    )?;
    Ok(())
}

/// The decisions about the wards of a province, by ward code.
pub fn wards_in(tx: &mut dyn Tx, province: &str) -> Result<Vec<WardEligibility>, ApiError> {
    let rows = tx.query(
        "SELECT ward_code, allowed, criteria, note, decided_by, decided_at FROM quarantine_wards WHERE province_code = $1 ORDER BY ward_code",
        &[province.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(WardEligibility {
                ward_code: r.text(0)?,
                allowed: r.int(1)? != 0,
                criteria: unjson(&r.text(2)?)?,
                note: r.text(3)?,
                decided_by: r.text(4)?,
                decided_at: from_ms(r.int(5)?)?,
            })
        })
        .collect()
}

/// Whether home quarantine is allowed in a ward now.
pub fn ward_allows(tx: &mut dyn Tx, province: &str, ward: &str) -> Result<bool, ApiError> {
    let row = tx.query_opt("SELECT allowed FROM quarantine_wards WHERE province_code = $1 AND ward_code = $2", &[province.into(), ward.into()])?;
    Ok(row.map(|r| r.int(0)).transpose()?.is_some_and(|a| a != 0))
}

// ---- orders --------------------------------------------------------------------------------------------------

/// An order as stored.
#[derive(Debug, Clone)]
pub struct OrderRow {
    /// Id.
    pub id: String,
    /// The person.
    pub person_id: String,
    /// Province of the ward.
    pub province_code: String,
    /// Ward.
    pub ward_code: String,
    /// Address.
    pub home_address: String,
    /// Fence.
    pub geofence: Geofence,
    /// Schedule.
    pub schedule: CheckInSchedule,
    /// Extension rules.
    pub extension_rules: ExtensionRules,
    /// First day.
    pub start_date: NaiveDate,
    /// Days ordered.
    pub days: u32,
    /// Days added.
    pub extension_days: u32,
    /// Extension decisions so far.
    pub extensions: u32,
    /// Zone.
    pub time_zone: String,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Grace, minutes.
    pub grace_minutes: u32,
    /// Commitment version.
    pub commitment_version: u32,
    /// When signed.
    pub commitment_signed_at: Option<DateTime<Utc>>,
    /// Current order key's kid.
    pub device_key_id: Option<String>,
    /// Current order key (base64 SPKI).
    pub device_public_key: Option<String>,
    /// SHA-256 of the current home token.
    pub home_token_sha256: Option<String>,
    /// Baseline.
    pub baseline: Option<RadioEnvironment>,
    /// When enrolled.
    pub enrolled_at: Option<DateTime<Utc>>,
    /// Stored state (never `ended`: that one is derived).
    pub state: OrderState,
    /// Last local day whose challenges exist.
    pub challenges_through: Option<NaiveDate>,
    /// Officer.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl OrderRow {
    /// The state at `now`: past its end, a running order is ended.
    pub fn state_at(&self, now: DateTime<Utc>) -> OrderState {
        if self.state != OrderState::Cancelled && now >= self.ends_at { OrderState::Ended } else { self.state }
    }

    /// The order as answered (`profile_ref` empty for officers).
    pub fn view(&self, now: DateTime<Utc>, profile_ref: &str) -> OrderView {
        OrderView {
            order_id: self.id.clone(),
            person_id: self.person_id.clone(),
            profile_ref: profile_ref.to_owned(),
            home_address: self.home_address.clone(),
            ward_code: self.ward_code.clone(),
            geofence: self.geofence,
            start_date: self.start_date,
            days: self.days,
            extension_days: self.extension_days,
            time_zone: self.time_zone.clone(),
            ends_at: self.ends_at,
            schedule: self.schedule.clone(),
            grace_minutes: self.grace_minutes,
            extension_rules: self.extension_rules.clone(),
            commitment_version: self.commitment_version,
            commitment_signed_at: self.commitment_signed_at,
            device_key_id: self.device_key_id.clone(),
            enrolled_at: self.enrolled_at,
            state: self.state_at(now),
            created_by: self.created_by.clone(),
            created_at: self.created_at,
        }
    }
}

const ORDER_COLUMNS: &str = "id, person_id, province_code, ward_code, home_address, geofence, schedule, extension_rules, start_date, \
     days, extension_days, extensions, time_zone, ends_at, grace_minutes, commitment_version, commitment_signed_at, device_key_id, \
     device_public_key, home_token_sha256, baseline, enrolled_at, state, challenges_through, created_by, created_at";

fn order_from_row(r: &Row) -> Result<OrderRow, ApiError> {
    let small = |i: usize| -> Result<u32, ApiError> { u32::try_from(r.int(i)?).map_err(|_| ApiError::Internal("a stored count is out of range".into())) };
    Ok(OrderRow {
        id: r.text(0)?,
        person_id: r.text(1)?,
        province_code: r.text(2)?,
        ward_code: r.text(3)?,
        home_address: r.text(4)?,
        geofence: unjson(&r.text(5)?)?,
        schedule: unjson(&r.text(6)?)?,
        extension_rules: unjson(&r.text(7)?)?,
        start_date: date(&r.text(8)?)?,
        days: small(9)?,
        extension_days: small(10)?,
        extensions: small(11)?,
        time_zone: r.text(12)?,
        ends_at: from_ms(r.int(13)?)?,
        grace_minutes: small(14)?,
        commitment_version: small(15)?,
        commitment_signed_at: opt_time(r.opt_int(16)?)?,
        device_key_id: r.opt_text(17)?,
        device_public_key: r.opt_text(18)?,
        home_token_sha256: r.opt_text(19)?,
        baseline: r.opt_text(20)?.map(|t| unjson(&t)).transpose()?,
        enrolled_at: opt_time(r.opt_int(21)?)?,
        state: named(&r.text(22)?)?,
        challenges_through: r.opt_text(23)?.map(|t| date(&t)).transpose()?,
        created_by: r.text(24)?,
        created_at: from_ms(r.int(25)?)?,
    })
}

/// Stores a new order.
pub fn insert_order(tx: &mut dyn Tx, o: &OrderRow) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO quarantine_orders (id, person_id, province_code, ward_code, home_address, geofence, schedule, extension_rules, \
         start_date, days, extension_days, extensions, time_zone, ends_at, grace_minutes, commitment_version, state, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 0, $11, $12, $13, $14, $15, $16, $17)",
        &[
            o.id.clone().into(),
            o.person_id.clone().into(),
            o.province_code.clone().into(),
            o.ward_code.clone().into(),
            o.home_address.clone().into(),
            json(&o.geofence)?.into(),
            json(&o.schedule)?.into(),
            json(&o.extension_rules)?.into(),
            o.start_date.to_string().into(),
            Value::Int(i64::from(o.days)),
            o.time_zone.clone().into(),
            Value::Int(to_ms(o.ends_at)),
            Value::Int(i64::from(o.grace_minutes)),
            Value::Int(i64::from(o.commitment_version)),
            name(o.state)?.into(),
            o.created_by.clone().into(),
            Value::Int(to_ms(o.created_at)),
        ],
    )?;
    Ok(())
}

/// One order.
pub fn order(tx: &mut dyn Tx, id: &str) -> Result<Option<OrderRow>, ApiError> {
    tx.query_opt(&format!("SELECT {ORDER_COLUMNS} FROM quarantine_orders WHERE id = $1"), &[id.into()])?.as_ref().map(order_from_row).transpose()
}

/// One order, locked for the rest of the transaction (PostgreSQL row lock; SQLite writes are serial anyway), so
/// that two check-ins of one order are judged one after the other.
pub fn lock_order(tx: &mut dyn Tx, id: &str) -> Result<Option<OrderRow>, ApiError> {
    tx.execute("UPDATE quarantine_orders SET id = id WHERE id = $1", &[id.into()])?;
    order(tx, id)
}

/// A person's orders, newest first.
pub fn orders_of_person(tx: &mut dyn Tx, person_id: &str) -> Result<Vec<OrderRow>, ApiError> {
    let rows = tx.query(&format!("SELECT {ORDER_COLUMNS} FROM quarantine_orders WHERE person_id = $1 ORDER BY created_at DESC, id"), &[person_id.into()])?;
    rows.iter().map(order_from_row).collect()
}

/// The orders of a province, newest first.
pub fn orders_in(tx: &mut dyn Tx, province: &str) -> Result<Vec<OrderRow>, ApiError> {
    let rows = tx.query(&format!("SELECT {ORDER_COLUMNS} FROM quarantine_orders WHERE province_code = $1 ORDER BY created_at DESC, id"), &[province.into()])?;
    rows.iter().map(order_from_row).collect()
}

/// Whether a person has an order running at `now` (for the status rule; one index seek by person).
pub fn has_running_order(tx: &mut dyn Tx, person_id: &str, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let row = tx.query(
        "SELECT COUNT(*) FROM quarantine_orders WHERE person_id = $1 AND ends_at > $2 AND state <> 'cancelled'",
        &[person_id.into(), Value::Int(to_ms(now))],
    )?;
    Ok(row.first().map(|r| r.int(0)).transpose()?.unwrap_or(0) > 0)
}

/// A new order key signed the commitment: earlier keys retire, the order moves on from awaiting its signature.
pub struct NewKey<'a> {
    /// Order.
    pub order_id: &'a str,
    /// Kid.
    pub kid: &'a str,
    /// Base64 SPKI.
    pub public_key: &'a str,
    /// The signing device.
    pub device_id: &'a str,
    /// Version signed.
    pub version: u32,
    /// Signature.
    pub signature: &'a str,
    /// Phone's time of signing.
    pub signed_at: DateTime<Utc>,
}

/// Stores the signature and makes its key the order's key.
pub fn set_order_key(tx: &mut dyn Tx, key: &NewKey<'_>, now: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE quarantine_order_keys SET retired_at = $1 WHERE order_id = $2 AND retired_at IS NULL",
        &[Value::Int(to_ms(now)), key.order_id.into()],
    )?;
    tx.execute(
        "INSERT INTO quarantine_order_keys (id, order_id, kid, public_key, device_id, commitment_version, signature, signed_at, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            crate::util::new_id().into(),
            key.order_id.into(),
            key.kid.into(),
            key.public_key.into(),
            key.device_id.into(),
            Value::Int(i64::from(key.version)),
            key.signature.into(),
            Value::Int(to_ms(key.signed_at)),
            Value::Int(to_ms(now)),
        ],
    )?;
    tx.execute(
        "UPDATE quarantine_orders SET commitment_signed_at = $1, device_key_id = $2, device_public_key = $3, \
         state = CASE WHEN state = 'awaiting_commitment' THEN 'awaiting_enrolment' ELSE state END WHERE id = $4",
        &[Value::Int(to_ms(key.signed_at)), key.kid.into(), key.public_key.into(), key.order_id.into()],
    )?;
    Ok(())
}

/// Keys that are not the order's current one but could sign for someone: this order's retired keys and the
/// current keys of other orders still running or within retention.
pub fn other_keys(tx: &mut dyn Tx, order_id: &str, since: DateTime<Utc>) -> Result<Vec<String>, ApiError> {
    let rows = tx.query(
        "SELECT k.public_key FROM quarantine_order_keys k JOIN quarantine_orders o ON o.id = k.order_id \
         WHERE (k.order_id = $1 AND k.retired_at IS NOT NULL) OR (k.order_id <> $1 AND o.ends_at > $2)",
        &[order_id.into(), Value::Int(to_ms(since))],
    )?;
    rows.iter().map(|r| Ok(r.text(0)?)).collect()
}

/// Replaces the home token's hash.
pub fn set_home_token(tx: &mut dyn Tx, order_id: &str, sha256: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE quarantine_orders SET home_token_sha256 = $1, home_token_issued_at = $2 WHERE id = $3",
        &[sha256.into(), Value::Int(to_ms(now)), order_id.into()],
    )?;
    Ok(())
}

/// Stores the baseline; the order becomes active.
pub fn enrol(tx: &mut dyn Tx, order_id: &str, baseline: &RadioEnvironment, now: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE quarantine_orders SET baseline = $1, enrolled_at = $2, state = 'active' WHERE id = $3",
        &[json(baseline)?.into(), Value::Int(to_ms(now)), order_id.into()],
    )?;
    Ok(())
}

/// Records an extension decision: new days and end.
pub fn extend(tx: &mut dyn Tx, order_id: &str, extension_days: u32, extensions: u32, ends_at: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE quarantine_orders SET extension_days = $1, extensions = $2, ends_at = $3 WHERE id = $4",
        &[Value::Int(i64::from(extension_days)), Value::Int(i64::from(extensions)), Value::Int(to_ms(ends_at)), order_id.into()],
    )?;
    Ok(())
}

/// Notes the last local day whose challenges exist.
pub fn set_challenges_through(tx: &mut dyn Tx, order_id: &str, day: NaiveDate) -> Result<(), ApiError> {
    tx.execute("UPDATE quarantine_orders SET challenges_through = $1 WHERE id = $2", &[day.to_string().into(), order_id.into()])?;
    Ok(())
}

/// Running orders with challenges whose grace ended, not answered nor swept yet.
pub fn orders_with_due_challenges(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<Vec<String>, ApiError> {
    let rows = tx.query(
        "SELECT DISTINCT order_id FROM quarantine_challenges WHERE grace_ends_at < $1 AND answered_by IS NULL AND missed_at IS NULL",
        &[Value::Int(to_ms(now))],
    )?;
    rows.iter().map(|r| Ok(r.text(0)?)).collect()
}

/// Active orders whose challenges may need making (the sweep materialises them too).
pub fn active_order_ids(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<Vec<String>, ApiError> {
    let rows = tx.query("SELECT id FROM quarantine_orders WHERE state = 'active' AND ends_at > $1", &[Value::Int(to_ms(now))])?;
    rows.iter().map(|r| Ok(r.text(0)?)).collect()
}

// ---- challenges ----------------------------------------------------------------------------------------------

/// A challenge as stored.
#[derive(Debug, Clone)]
pub struct ChallengeRow {
    /// Id.
    pub id: String,
    /// Order.
    pub order_id: String,
    /// Kind.
    pub kind: ChallengeKind,
    /// Nonce.
    pub nonce: String,
    /// Opens.
    pub opens_at: DateTime<Utc>,
    /// Closes.
    pub closes_at: DateTime<Utc>,
    /// Closes plus grace.
    pub grace_ends_at: DateTime<Utc>,
    /// Token required.
    pub home_token_required: bool,
    /// Answering record.
    pub answered_by: Option<String>,
    /// Swept as missed.
    pub missed_at: Option<DateTime<Utc>>,
}

const CHALLENGE_COLUMNS: &str = "id, order_id, kind, nonce, opens_at, closes_at, grace_ends_at, home_token_required, answered_by, missed_at";

fn challenge_from_row(r: &Row) -> Result<ChallengeRow, ApiError> {
    Ok(ChallengeRow {
        id: r.text(0)?,
        order_id: r.text(1)?,
        kind: named(&r.text(2)?)?,
        nonce: r.text(3)?,
        opens_at: from_ms(r.int(4)?)?,
        closes_at: from_ms(r.int(5)?)?,
        grace_ends_at: from_ms(r.int(6)?)?,
        home_token_required: r.int(7)? != 0,
        answered_by: r.opt_text(8)?,
        missed_at: opt_time(r.opt_int(9)?)?,
    })
}

/// Stores a challenge unless one of the order already opens then (idempotent).
pub fn insert_challenge(tx: &mut dyn Tx, c: &ChallengeRow) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO quarantine_challenges (id, order_id, kind, nonce, opens_at, closes_at, grace_ends_at, home_token_required) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (order_id, opens_at) DO NOTHING",
        &[
            c.id.clone().into(),
            c.order_id.clone().into(),
            name(c.kind)?.into(),
            c.nonce.clone().into(),
            Value::Int(to_ms(c.opens_at)),
            Value::Int(to_ms(c.closes_at)),
            Value::Int(to_ms(c.grace_ends_at)),
            c.home_token_required.into(),
        ],
    )?;
    Ok(())
}

/// An order's challenges, by opening.
pub fn challenges_of(tx: &mut dyn Tx, order_id: &str) -> Result<Vec<ChallengeRow>, ApiError> {
    let rows = tx.query(&format!("SELECT {CHALLENGE_COLUMNS} FROM quarantine_challenges WHERE order_id = $1 ORDER BY opens_at"), &[order_id.into()])?;
    rows.iter().map(challenge_from_row).collect()
}

/// One challenge of an order.
pub fn challenge(tx: &mut dyn Tx, order_id: &str, id: &str) -> Result<Option<ChallengeRow>, ApiError> {
    tx.query_opt(&format!("SELECT {CHALLENGE_COLUMNS} FROM quarantine_challenges WHERE order_id = $1 AND id = $2"), &[order_id.into(), id.into()])?
        .as_ref()
        .map(challenge_from_row)
        .transpose()
}

/// Marks a challenge answered by a record.
pub fn answer_challenge(tx: &mut dyn Tx, id: &str, check_in_id: &str) -> Result<(), ApiError> {
    tx.execute("UPDATE quarantine_challenges SET answered_by = $1 WHERE id = $2 AND answered_by IS NULL", &[check_in_id.into(), id.into()])?;
    Ok(())
}

/// Claims a due challenge for the sweep; false when another sweep (or an answer) got there first.
pub fn claim_missed(tx: &mut dyn Tx, id: &str, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let changed = tx.execute(
        "UPDATE quarantine_challenges SET missed_at = $1 WHERE id = $2 AND missed_at IS NULL AND answered_by IS NULL",
        &[Value::Int(to_ms(now)), id.into()],
    )?;
    Ok(changed == 1)
}

// ---- check-ins -----------------------------------------------------------------------------------------------

/// A verdict to store (with its record, when there was one).
pub struct NewCheckIn<'a> {
    /// Id.
    pub id: &'a str,
    /// Order.
    pub order_id: &'a str,
    /// The verdict as answered.
    pub verdict: &'a CheckInVerdict,
    /// The record as received (JSON).
    pub body: Option<&'a str>,
    /// SHA-256 of its hash input.
    pub record_hash: Option<&'a str>,
    /// A link of the chain.
    pub in_chain: bool,
}

/// Stores a verdict.
pub fn insert_check_in(tx: &mut dyn Tx, c: &NewCheckIn<'_>) -> Result<(), ApiError> {
    let v = c.verdict;
    tx.execute(
        "INSERT INTO quarantine_check_ins (id, order_id, challenge_id, sequence, body, record_hash, in_chain, verdict, reasons, \
         radio_similarity, fence, case_id, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        &[
            c.id.into(),
            c.order_id.into(),
            v.challenge_id.clone().into(),
            v.sequence.map(|s| Value::Int(s as i64)).unwrap_or(Value::Null),
            c.body.into(),
            c.record_hash.into(),
            c.in_chain.into(),
            name(v.verdict)?.into(),
            json(&v.reasons)?.into(),
            v.radio_similarity.map(|s| json(&s)).transpose()?.into(),
            v.fence.map(name).transpose()?.into(),
            v.case_id.clone().into(),
            Value::Int(to_ms(v.decided_at)),
        ],
    )?;
    Ok(())
}

const CHECK_IN_COLUMNS: &str = "challenge_id, sequence, verdict, reasons, radio_similarity, fence, case_id, decided_at";

fn verdict_from_row(r: &Row, at: usize) -> Result<CheckInVerdict, ApiError> {
    Ok(CheckInVerdict {
        challenge_id: r.text(at)?,
        sequence: r.opt_int(at + 1)?.map(|s| s as u64),
        verdict: named(&r.text(at + 2)?)?,
        reasons: unjson(&r.text(at + 3)?)?,
        radio_similarity: r.opt_text(at + 4)?.map(|t| unjson(&t)).transpose()?,
        fence: r.opt_text(at + 5)?.map(|t| named(&t)).transpose()?,
        case_id: r.opt_text(at + 6)?,
        decided_at: from_ms(r.int(at + 7)?)?,
    })
}

/// The stored verdict of a record received before with exactly this body.
pub fn same_record(tx: &mut dyn Tx, order_id: &str, sequence: u64, body: &str) -> Result<Option<CheckInVerdict>, ApiError> {
    tx.query_opt(
        &format!("SELECT {CHECK_IN_COLUMNS} FROM quarantine_check_ins WHERE order_id = $1 AND sequence = $2 AND body = $3 ORDER BY decided_at LIMIT 1"),
        &[order_id.into(), Value::Int(sequence as i64), body.into()],
    )?
    .map(|r| verdict_from_row(&r, 0))
    .transpose()
}

/// Whether the chain has a link with this sequence.
pub fn chain_has(tx: &mut dyn Tx, order_id: &str, sequence: u64) -> Result<bool, ApiError> {
    Ok(tx
        .query_opt("SELECT id FROM quarantine_check_ins WHERE order_id = $1 AND sequence = $2 AND in_chain = 1", &[order_id.into(), Value::Int(sequence as i64)])?
        .is_some())
}

/// The chain's last link: its sequence and hash.
pub fn chain_head(tx: &mut dyn Tx, order_id: &str) -> Result<Option<(u64, String)>, ApiError> {
    let row = tx.query_opt(
        "SELECT sequence, record_hash FROM quarantine_check_ins WHERE order_id = $1 AND in_chain = 1 ORDER BY sequence DESC LIMIT 1",
        &[order_id.into()],
    )?;
    row.map(|r| Ok((r.int(0)? as u64, r.text(1)?))).transpose()
}

/// Whether a link of the chain already carries this nonce.
pub fn nonce_answered(tx: &mut dyn Tx, order_id: &str, challenge_id: &str) -> Result<bool, ApiError> {
    Ok(tx
        .query_opt(
            "SELECT id FROM quarantine_check_ins WHERE order_id = $1 AND challenge_id = $2 AND in_chain = 1 AND sequence IS NOT NULL",
            &[order_id.into(), challenge_id.into()],
        )?
        .is_some())
}

/// An order's verdicts, oldest first.
pub fn check_ins_of(tx: &mut dyn Tx, order_id: &str) -> Result<Vec<CheckInVerdict>, ApiError> {
    let rows = tx.query(&format!("SELECT {CHECK_IN_COLUMNS} FROM quarantine_check_ins WHERE order_id = $1 ORDER BY decided_at, id"), &[order_id.into()])?;
    rows.iter().map(|r| verdict_from_row(r, 0)).collect()
}

// ---- cases ---------------------------------------------------------------------------------------------------

/// Opens a case for a stored verdict.
pub fn insert_case(tx: &mut dyn Tx, id: &str, order_id: &str, check_in_id: &str, explain_by: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO quarantine_cases (id, order_id, check_in_id, explain_by, opened_at) VALUES ($1, $2, $3, $4, $5)",
        &[id.into(), order_id.into(), check_in_id.into(), Value::Int(to_ms(explain_by)), Value::Int(to_ms(now))],
    )?;
    Ok(())
}

const CASE_COLUMNS: &str = "c.id, c.order_id, c.explain_by, c.explanation_reason, c.explanation_text, c.explained_at, c.decision_outcome, \
     c.decision_note, c.decided_by, c.decided_at, c.opened_at, k.challenge_id, k.sequence, k.verdict, k.reasons, k.radio_similarity, \
     k.fence, k.case_id, k.decided_at";

fn case_from_row(r: &Row, now: DateTime<Utc>) -> Result<CaseView, ApiError> {
    let explain_by = from_ms(r.int(2)?)?;
    let explanation = match r.opt_text(3)? {
        Some(reason) => Some(ExplanationRequest { reason: named(&reason)?, text: r.opt_text(4)?.unwrap_or_default() }),
        None => None,
    };
    let explained_at = opt_time(r.opt_int(5)?)?;
    let decision = match r.opt_text(6)? {
        Some(outcome) => Some(DecisionRequest { outcome: named(&outcome)?, note: r.opt_text(7)?.unwrap_or_default() }),
        None => None,
    };
    let state = if decision.is_some() {
        CaseState::Decided
    } else if explained_at.is_some() || now >= explain_by {
        CaseState::AwaitingDecision
    } else {
        CaseState::AwaitingExplanation
    };
    Ok(CaseView {
        case_id: r.text(0)?,
        order_id: r.text(1)?,
        check_in: verdict_from_row(r, 11)?,
        state,
        explain_by,
        explanation,
        explained_at,
        decision,
        decided_by: r.opt_text(8)?,
        decided_at: opt_time(r.opt_int(9)?)?,
        opened_at: from_ms(r.int(10)?)?,
    })
}

/// One case, as it stands at `now`.
pub fn case(tx: &mut dyn Tx, id: &str, now: DateTime<Utc>) -> Result<Option<CaseView>, ApiError> {
    tx.query_opt(
        &format!("SELECT {CASE_COLUMNS} FROM quarantine_cases c JOIN quarantine_check_ins k ON k.id = c.check_in_id WHERE c.id = $1"),
        &[id.into()],
    )?
    .map(|r| case_from_row(&r, now))
    .transpose()
}

/// An order's cases, newest first.
pub fn cases_of(tx: &mut dyn Tx, order_id: &str, now: DateTime<Utc>) -> Result<Vec<CaseView>, ApiError> {
    let rows = tx.query(
        &format!(
            "SELECT {CASE_COLUMNS} FROM quarantine_cases c JOIN quarantine_check_ins k ON k.id = c.check_in_id \
             WHERE c.order_id = $1 ORDER BY c.opened_at DESC, c.id"
        ),
        &[order_id.into()],
    )?;
    rows.iter().map(|r| case_from_row(r, now)).collect()
}

/// Stores the person's explanation, once; false when there was one already.
pub fn explain(tx: &mut dyn Tx, id: &str, explanation: &ExplanationRequest, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let changed = tx.execute(
        "UPDATE quarantine_cases SET explanation_reason = $1, explanation_text = $2, explained_at = $3 WHERE id = $4 AND explained_at IS NULL",
        &[name(explanation.reason)?.into(), explanation.text.clone().into(), Value::Int(to_ms(now)), id.into()],
    )?;
    Ok(changed == 1)
}

/// Stores an officer's decision, once; false when the case was decided already.
pub fn decide(tx: &mut dyn Tx, id: &str, decision: &DecisionRequest, officer: &str, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let changed = tx.execute(
        "UPDATE quarantine_cases SET decision_outcome = $1, decision_note = $2, decided_by = $3, decided_at = $4 WHERE id = $5 AND decided_at IS NULL",
        &[name(decision.outcome)?.into(), decision.note.clone().into(), officer.into(), Value::Int(to_ms(now)), id.into()],
    )?;
    Ok(changed == 1)
}

// ---- retention -----------------------------------------------------------------------------------------------

/// Deletes the orders that ended before `cutoff`, with their keys, challenges, check-ins and cases; returns
/// how many rows went.
pub fn purge(tx: &mut dyn Tx, cutoff: DateTime<Utc>) -> Result<u64, ApiError> {
    let old = "SELECT id FROM quarantine_orders WHERE ends_at < $1";
    let cutoff = [Value::Int(to_ms(cutoff))];
    let mut deleted = 0;
    for table in ["quarantine_cases", "quarantine_check_ins", "quarantine_challenges", "quarantine_order_keys"] {
        deleted += tx.execute(&format!("DELETE FROM {table} WHERE order_id IN ({old})"), &cutoff)?;
    }
    deleted += tx.execute("DELETE FROM quarantine_orders WHERE ends_at < $1", &cutoff)?;
    Ok(deleted)
}
