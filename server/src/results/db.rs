//! Storage of test results, through the storage layer's [`Tx`] (the same SQL for SQLite and PostgreSQL). Each
//! function runs inside the caller's transaction, so a multi-row change (a pool, a lab batch) commits whole.

use chrono::{DateTime, NaiveDate, Utc};
use healthbook_core::credentials::{self, CredentialKind, KeyRole, TrustedKey};
use healthbook_protocol::{
    ErrorCode, LabResultBatch, LabUploadReport, LinkSampleRequest, SampleCodeKind, TestKind, TestResultReason,
    TestResultState,
};

use super::certificate::{self, TestCertificate};
use super::rules::{self, Known};
use crate::error::ApiError;
use crate::storage::{Tx, Value};
use crate::util::{from_ms, to_ms};

/// A registration as stored (the token itself is not).
#[derive(Debug, Clone)]
pub struct Registration {
    /// The registered code's hash.
    pub code_hash: String,
    /// The device that registered it.
    pub device_id: String,
    /// The device's profile it is for.
    pub profile_ref: String,
    /// When.
    pub registered_at: DateTime<Utc>,
}

fn kind_name(kind: SampleCodeKind) -> &'static str {
    match kind {
        SampleCodeKind::Qr => "qr",
        SampleCodeKind::ShortCode => "short_code",
    }
}

/// Stores a registration; refuses a code registered before, by any device.
pub fn register(
    tx: &mut dyn Tx,
    token_hash: &str,
    code_hash: &str,
    kind: SampleCodeKind,
    device_id: &str,
    profile_ref: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiError> {
    let inserted = tx.execute(
        "INSERT INTO result_registrations (token_hash, code_hash, device_id, profile_ref, kind, registered_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code_hash) DO NOTHING",
        &[token_hash.into(), code_hash.into(), device_id.into(), profile_ref.into(), kind_name(kind).into(), Value::Int(to_ms(now))],
    )?;
    if inserted == 1 {
        return Ok(now);
    }
    // The same phone asking again for the same profile is a retry whose answer was lost (a dropped connection):
    // it gets a fresh token and the one it never received stops working. Answering 409 would make the phone
    // show "registered on another phone" for its own sample. Any other device is refused.
    let existing = tx.query_opt(
        "SELECT device_id, profile_ref, registered_at FROM result_registrations WHERE code_hash = $1",
        &[code_hash.into()],
    )?;
    if let Some(row) = existing
        && row.text(0)? == device_id
        && row.text(1)? == profile_ref
    {
        let registered_at = from_ms(row.int(2)?)?;
        tx.execute("UPDATE result_registrations SET token_hash = $1 WHERE code_hash = $2", &[token_hash.into(), code_hash.into()])?;
        return Ok(registered_at);
    }
    Err(ApiError::Conflict {
        code: ErrorCode::SampleAlreadyRegistered,
        message: "this sample code is already registered (on another phone, or for another profile)".into(),
    })
}

/// The registration behind a token's hash.
pub fn registration(tx: &mut dyn Tx, token_hash: &str) -> Result<Option<Registration>, ApiError> {
    let row = tx.query_opt(
        "SELECT code_hash, device_id, profile_ref, registered_at FROM result_registrations WHERE token_hash = $1",
        &[token_hash.into()],
    )?;
    row.map(|row| {
        Ok(Registration { code_hash: row.text(0)?, device_id: row.text(1)?, profile_ref: row.text(2)?, registered_at: from_ms(row.int(3)?)? })
    })
    .transpose()
}

/// What is known about a registered code. A certificate that is due, because the person became known only after
/// the result (a profile bound later), is signed first when a `signer` is given; without one (a read
/// transaction) the answer says that it is due, and the caller asks again with a signer in a write transaction.
pub fn known(tx: &mut dyn Tx, code_hash: &str, signer: Option<&mut Signer>, now: DateTime<Utc>) -> Result<(Known, bool), ApiError> {
    let sampled_at = tx
        .query_opt("SELECT sampled_at FROM result_samples WHERE code_hash = $1", &[code_hash.into()])?
        .map(|row| row.int(0))
        .transpose()?
        .map(from_ms)
        .transpose()?;
    let mut result = stored_result(tx, code_hash)?;
    if result.is_none() && sampled_at.is_none() {
        // A lab reported a code no site linked: the result stands on its own, but there is no sample time for a
        // certificate.
        if let Some(row) = tx.query_opt("SELECT outcome, tested_at FROM lab_results WHERE code_hash = $1", &[code_hash.into()])? {
            let outcome = rules::outcome_from_name(&row.text(0)?).ok_or_else(|| ApiError::Internal("stored outcome".into()))?;
            let (state, reason) = rules::sample_outcome(outcome, false);
            return Ok((Known { sampled_at: None, result: Some((state, reason, from_ms(row.int(1)?)?)), certificate: None }, false));
        }
    }
    let mut due = false;
    if let Some(stored) = &result
        && rules::gets_certificate(stored.state)
        && stored.certificate.is_none()
    {
        match signer {
            Some(signer) => {
                certify(tx, code_hash, signer, now)?;
                result = stored_result(tx, code_hash)?;
            }
            None => due = person_of_sample(tx, code_hash)?.is_some(),
        }
    }
    let known = Known {
        sampled_at,
        certificate: result.as_ref().and_then(|r| r.certificate.clone()),
        result: result.map(|r| (r.state, r.reason, r.tested_at)),
    };
    Ok((known, due))
}

struct StoredResult {
    state: TestResultState,
    reason: TestResultReason,
    tested_at: DateTime<Utc>,
    certificate: Option<String>,
}

fn stored_result(tx: &mut dyn Tx, code_hash: &str) -> Result<Option<StoredResult>, ApiError> {
    let row = tx.query_opt("SELECT state, reason, tested_at, certificate FROM sample_results WHERE code_hash = $1", &[code_hash.into()])?;
    row.map(|row| {
        Ok(StoredResult {
            state: rules::state_from_name(&row.text(0)?).ok_or_else(|| ApiError::Internal("stored state".into()))?,
            reason: rules::reason_from_name(&row.text(1)?).ok_or_else(|| ApiError::Internal("stored reason".into()))?,
            tested_at: from_ms(row.int(2)?)?,
            certificate: row.opt_text(3)?,
        })
    })
    .transpose()
}

/// The person a scanned pass was issued for, after checking its signature against the server's own pass keys
/// (current and rotated). Nothing the pass says about the person is used: only its credential id.
pub fn person_of_pass(tx: &mut dyn Tx, text: &str) -> Result<String, ApiError> {
    let refuse = || ApiError::InvalidField {
        field: "person_credential",
        field_code: "not_our_pass",
        message: "person_credential is not a pass this server issued".into(),
    };
    let decoded = credentials::decode(text.trim()).map_err(|_| refuse())?;
    // A pass, or the control card a volunteer printed for someone without a phone: each is found by its `cti`.
    let (scope, table) = match decoded.kind {
        CredentialKind::PersonalPass => ("health-pass", "issued_passes"),
        CredentialKind::ControlCard => ("control-cards", "control_cards"),
        _ => return Err(refuse()),
    };
    let keys = tx.query("SELECT public_key FROM issuer_keys WHERE scope = $1", &[scope.into()])?;
    let mut signed_by_us = false;
    for row in keys {
        let spki = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, row.text(0)?).map_err(|e| ApiError::Internal(e.to_string()))?;
        let key = TrustedKey::from_spki_der(&spki, KeyRole::AUTHORITY, "passes").map_err(|e| ApiError::Internal(e.to_string()))?;
        if decoded.key_id == Some(key.kid()) && decoded.verify_with(&key) {
            signed_by_us = true;
            break;
        }
    }
    let credential_id = decoded.credential_id().filter(|_| signed_by_us).ok_or_else(refuse)?;
    tx.query_opt(&format!("SELECT person_id FROM {table} WHERE credential_id = $1"), &[credential_id.into()])?
        .map(|row| row.text(0))
        .transpose()?
        .ok_or_else(refuse)
}

/// Stores a sample taken at a site (in province `province`), then applies a result a lab already sent for it.
pub fn link_sample(
    tx: &mut dyn Tx,
    request: &LinkSampleRequest,
    province: &str,
    person_id: Option<&str>,
    linked_by: &str,
    signer: &mut Signer,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if tx.query_opt("SELECT 1 FROM result_pools WHERE pool_code_hash = $1", &[request.code_hash.clone().into()])?.is_some() {
        return Err(ApiError::Conflict { code: ErrorCode::SampleAlreadyPooled, message: "this code is a pool's".into() });
    }
    let inserted = tx.execute(
        "INSERT INTO result_samples (code_hash, site_province, site_ward, test_kind, sampled_at, sampled_day, person_id, linked_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (code_hash) DO NOTHING",
        &[
            request.code_hash.clone().into(),
            province.into(),
            request.site_ward.clone().into(),
            rules::test_kind_name(request.test_kind).into(),
            Value::Int(to_ms(request.sampled_at)),
            request.sampled_at.date_naive().format("%Y-%m-%d").to_string().into(),
            person_id.map(str::to_owned).into(),
            linked_by.into(),
            Value::Int(to_ms(now)),
        ],
    )?;
    if inserted == 0 {
        return Err(ApiError::Conflict { code: ErrorCode::SampleAlreadyRegistered, message: "this sample was already reported by a site".into() });
    }
    if let Some((outcome, tested_at)) = lab_result(tx, &request.code_hash)? {
        let (state, reason) = rules::sample_outcome(outcome, false);
        apply(tx, &request.code_hash, state, reason, tested_at, signer, now)?;
    }
    Ok(())
}

fn lab_result(tx: &mut dyn Tx, code_hash: &str) -> Result<Option<(healthbook_protocol::LabOutcome, DateTime<Utc>)>, ApiError> {
    let row = tx.query_opt("SELECT outcome, tested_at FROM lab_results WHERE code_hash = $1", &[code_hash.into()])?;
    row.map(|row| {
        let outcome = rules::outcome_from_name(&row.text(0)?).ok_or_else(|| ApiError::Internal("stored outcome".into()))?;
        Ok((outcome, from_ms(row.int(1)?)?))
    })
    .transpose()
}

/// A sample as a pool check needs it: where it was taken and whether it is pooled already.
pub struct PoolMember {
    /// Province of the site.
    pub site_province: String,
    /// Ward of the site.
    pub site_ward: String,
    /// Its pool, if any.
    pub pool_code_hash: Option<String>,
}

/// A sample's site and pool, if a site reported it.
pub fn pool_member(tx: &mut dyn Tx, code_hash: &str) -> Result<Option<PoolMember>, ApiError> {
    let row = tx.query_opt("SELECT site_province, site_ward, pool_code_hash FROM result_samples WHERE code_hash = $1", &[code_hash.into()])?;
    row.map(|row| Ok(PoolMember { site_province: row.text(0)?, site_ward: row.text(1)?, pool_code_hash: row.opt_text(2)? })).transpose()
}

/// Stores a pool of checked members, then applies a result a lab already sent for the pool.
pub fn create_pool(
    tx: &mut dyn Tx,
    pool_code_hash: &str,
    members: &[String],
    created_by: &str,
    signer: &mut Signer,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let pooled = || ApiError::Conflict { code: ErrorCode::SampleAlreadyPooled, message: "a member or the pool code is already in a pool".into() };
    let taken = tx.query_opt("SELECT 1 FROM result_samples WHERE code_hash = $1", &[pool_code_hash.into()])?.is_some();
    let inserted = if taken {
        0
    } else {
        tx.execute(
            "INSERT INTO result_pools (pool_code_hash, members, created_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (pool_code_hash) DO NOTHING",
            &[pool_code_hash.into(), Value::Int(members.len() as i64), created_by.into(), Value::Int(to_ms(now))],
        )?
    };
    if inserted == 0 {
        return Err(pooled());
    }
    for member in members {
        // Guarded by the NULL check, so two pools racing for one member cannot both take it.
        let updated = tx.execute(
            "UPDATE result_samples SET pool_code_hash = $1 WHERE code_hash = $2 AND pool_code_hash IS NULL",
            &[pool_code_hash.into(), member.clone().into()],
        )?;
        if updated == 0 {
            return Err(pooled());
        }
    }
    if let Some((outcome, tested_at)) = lab_result(tx, pool_code_hash)? {
        apply_to_pool(tx, pool_code_hash, outcome, tested_at, signer, now)?;
    }
    Ok(())
}

fn apply_to_pool(
    tx: &mut dyn Tx,
    pool_code_hash: &str,
    outcome: healthbook_protocol::LabOutcome,
    tested_at: DateTime<Utc>,
    signer: &mut Signer,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let (state, reason) = rules::sample_outcome(outcome, true);
    let members = tx.query("SELECT code_hash FROM result_samples WHERE pool_code_hash = $1", &[pool_code_hash.into()])?;
    for row in members {
        apply(tx, &row.text(0)?, state, reason, tested_at, signer, now)?;
    }
    Ok(())
}

/// Stores a sample's result once (a second one for the same sample changes nothing), and certifies it.
fn apply(
    tx: &mut dyn Tx,
    code_hash: &str,
    state: TestResultState,
    reason: TestResultReason,
    tested_at: DateTime<Utc>,
    signer: &mut Signer,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let person_id = person_of_sample(tx, code_hash)?;
    let inserted = tx.execute(
        "INSERT INTO sample_results (code_hash, state, reason, tested_at, received_at, person_id) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (code_hash) DO NOTHING",
        &[
            code_hash.into(),
            state.as_str().into(),
            rules::reason_name(reason).into(),
            Value::Int(to_ms(tested_at)),
            Value::Int(to_ms(now)),
            person_id.clone().into(),
        ],
    )?;
    if inserted == 1 {
        queue_sms(tx, code_hash, now)?;
    }
    if inserted == 1
        && rules::gets_certificate(state)
        && let Some(person_id) = person_id
    {
        certify_for(tx, code_hash, &person_id, signer, now)?;
    }
    Ok(())
}

/// Queues the result's SMS when a site linked the sample to a person with a phone on record. A sample only a
/// phone registered gets none: that phone polls.
fn queue_sms(tx: &mut dyn Tx, code_hash: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    let phone = tx
        .query_opt("SELECT p.phone FROM result_samples s JOIN persons p ON p.id = s.person_id WHERE s.code_hash = $1", &[code_hash.into()])?
        .map(|row| row.opt_text(0))
        .transpose()?
        .flatten();
    if phone.is_some_and(|p| !p.trim().is_empty()) {
        tx.execute(
            "INSERT INTO result_sms (code_hash, queued_at) VALUES ($1, $2) ON CONFLICT (code_hash) DO NOTHING",
            &[code_hash.into(), Value::Int(to_ms(now))],
        )?;
    }
    Ok(())
}

/// One result SMS to send, claimed by the caller.
#[derive(Debug, Clone)]
pub struct DueSms {
    /// The sample's code hash (the row's key).
    pub code_hash: String,
    /// The number on record now.
    pub phone: String,
    /// The result.
    pub state: TestResultState,
    /// When the sample was taken.
    pub sampled_at: DateTime<Utc>,
}

/// Claims every unsent result SMS queued at or after `since` whose claim is free or older than `stale_before`,
/// so that two senders (an upload and the hourly task, or two instances) do not send the same one.
pub fn claim_due_sms(tx: &mut dyn Tx, since: DateTime<Utc>, stale_before: DateTime<Utc>, now: DateTime<Utc>) -> Result<Vec<DueSms>, ApiError> {
    let rows = tx.query(
        "SELECT m.code_hash, p.phone, r.state, s.sampled_at FROM result_sms m \
         JOIN sample_results r ON r.code_hash = m.code_hash JOIN result_samples s ON s.code_hash = m.code_hash \
         JOIN persons p ON p.id = s.person_id \
         WHERE m.sent_at IS NULL AND m.queued_at >= $1 AND (m.claimed_at IS NULL OR m.claimed_at < $2) AND p.phone IS NOT NULL",
        &[Value::Int(to_ms(since)), Value::Int(to_ms(stale_before))],
    )?;
    let mut due = Vec::new();
    for row in rows {
        let code_hash = row.text(0)?;
        // Guarded like the SELECT, so a sender that raced us to this row keeps it.
        let claimed = tx.execute(
            "UPDATE result_sms SET claimed_at = $1 WHERE code_hash = $2 AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < $3)",
            &[Value::Int(to_ms(now)), code_hash.clone().into(), Value::Int(to_ms(stale_before))],
        )?;
        if claimed == 1 {
            due.push(DueSms {
                code_hash,
                phone: row.text(1)?,
                state: rules::state_from_name(&row.text(2)?).ok_or_else(|| ApiError::Internal("stored state".into()))?,
                sampled_at: from_ms(row.int(3)?)?,
            });
        }
    }
    Ok(due)
}

/// Records that a claimed SMS was sent (`sent`), or frees its claim for the next retry.
pub fn finish_sms(tx: &mut dyn Tx, code_hash: &str, sent: bool, now: DateTime<Utc>) -> Result<(), ApiError> {
    if sent {
        tx.execute("UPDATE result_sms SET sent_at = $1 WHERE code_hash = $2", &[Value::Int(to_ms(now)), code_hash.into()])?;
    } else {
        tx.execute("UPDATE result_sms SET claimed_at = NULL WHERE code_hash = $1", &[code_hash.into()])?;
    }
    Ok(())
}

/// The person a sample belongs to: the one linked at the site, else the one the registering profile is bound to.
fn person_of_sample(tx: &mut dyn Tx, code_hash: &str) -> Result<Option<String>, ApiError> {
    let row = tx.query_opt(
        "SELECT s.person_id, b.person_id FROM result_samples s \
         LEFT JOIN result_registrations r ON r.code_hash = s.code_hash \
         LEFT JOIN person_bindings b ON b.device_id = r.device_id AND b.profile_ref = r.profile_ref WHERE s.code_hash = $1",
        &[code_hash.into()],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(row.opt_text(0)?.or(row.opt_text(1)?))
}

/// The lab-results signer, loaded once per transaction (unsealing the key costs more than signing with it).
#[derive(Default)]
pub struct Signer {
    signer: Option<credentials::CredentialSigner>,
}

impl Signer {
    fn get(&mut self, tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<&credentials::CredentialSigner, ApiError> {
        if self.signer.is_none() {
            self.signer = Some(certificate::signer(tx, now)?);
        }
        self.signer.as_ref().ok_or_else(|| ApiError::Internal("no signer".into()))
    }
}

/// Signs the certificate of a sample's negative or positive result when its person and sample are known, and
/// stores it with the person (the status rule reads results by person).
fn certify(tx: &mut dyn Tx, code_hash: &str, signer: &mut Signer, now: DateTime<Utc>) -> Result<(), ApiError> {
    match person_of_sample(tx, code_hash)? {
        Some(person_id) => certify_for(tx, code_hash, &person_id, signer, now),
        None => Ok(()),
    }
}

/// [`certify`] for a person already looked up.
fn certify_for(tx: &mut dyn Tx, code_hash: &str, person_id: &str, signer: &mut Signer, now: DateTime<Utc>) -> Result<(), ApiError> {
    let row = tx.query_opt(
        "SELECT r.state, s.test_kind, s.sampled_at, s.site_ward, p.full_name, p.birth_year FROM sample_results r \
         JOIN result_samples s ON s.code_hash = r.code_hash JOIN persons p ON p.id = $2 WHERE r.code_hash = $1",
        &[code_hash.into(), person_id.into()],
    )?;
    let Some(row) = row else {
        return Ok(());
    };
    let state = rules::state_from_name(&row.text(0)?).ok_or_else(|| ApiError::Internal("stored state".into()))?;
    let test_kind: TestKind = rules::test_kind_from_name(&row.text(1)?).ok_or_else(|| ApiError::Internal("stored test kind".into()))?;
    let (site_ward, full_name) = (row.text(3)?, row.text(4)?);
    let cert = TestCertificate {
        full_name: &full_name,
        birth_year: row.opt_int(5)?,
        state,
        test_kind,
        sampled_at: from_ms(row.int(2)?)?,
        site_ward: &site_ward,
    };
    let text = certificate::sign(signer.get(tx, now)?, &cert, now)?;
    tx.execute(
        "UPDATE sample_results SET certificate = $1, person_id = $2 WHERE code_hash = $3",
        &[text.into(), person_id.into(), code_hash.into()],
    )?;
    Ok(())
}

/// Applies a lab's batch, result by result: a code's first outcome is stored and applied to its sample or its
/// pool's members; the same outcome again changes nothing and counts as accepted; a different one is a conflict.
pub fn lab_upload(tx: &mut dyn Tx, batch: &LabResultBatch, lab_account: &str, now: DateTime<Utc>) -> Result<LabUploadReport, ApiError> {
    let mut report = LabUploadReport { accepted: 0, unknown_samples: 0, conflicts: Vec::new() };
    let mut signer = Signer::default();
    for result in &batch.results {
        let code = result.code_hash.as_str();
        if let Some((stored, _)) = lab_result(tx, code)? {
            if stored == result.outcome {
                report.accepted += 1;
                if !is_known_code(tx, code)? {
                    report.unknown_samples += 1;
                }
            } else {
                report.conflicts.push(result.code_hash.clone());
            }
            continue;
        }
        tx.execute(
            "INSERT INTO lab_results (code_hash, outcome, tested_at, lab_account, received_at) VALUES ($1, $2, $3, $4, $5)",
            &[code.into(), rules::outcome_name(result.outcome).into(), Value::Int(to_ms(result.tested_at)), lab_account.into(), Value::Int(to_ms(now))],
        )?;
        report.accepted += 1;
        match code_is(tx, code)? {
            Some(Code::Pool) => apply_to_pool(tx, code, result.outcome, result.tested_at, &mut signer, now)?,
            Some(Code::Sample) => {
                let (state, reason) = rules::sample_outcome(result.outcome, false);
                apply(tx, code, state, reason, result.tested_at, &mut signer, now)?;
            }
            None => report.unknown_samples += 1,
        }
    }
    Ok(report)
}

/// What a code hash a lab reports stands for.
enum Code {
    Pool,
    Sample,
}

/// Whether a code is a pool's or a sample's (one query: a batch asks it for every result).
fn code_is(tx: &mut dyn Tx, code: &str) -> Result<Option<Code>, ApiError> {
    let row = tx.query_opt(
        "SELECT (SELECT COUNT(*) FROM result_pools WHERE pool_code_hash = $1), (SELECT COUNT(*) FROM result_samples WHERE code_hash = $1)",
        &[code.into()],
    )?;
    let (pools, samples) = match row {
        Some(row) => (row.int(0)?, row.int(1)?),
        None => (0, 0),
    };
    Ok(if pools > 0 {
        Some(Code::Pool)
    } else if samples > 0 {
        Some(Code::Sample)
    } else {
        None
    })
}

fn is_known_code(tx: &mut dyn Tx, code: &str) -> Result<bool, ApiError> {
    Ok(code_is(tx, code)?.is_some())
}

/// One sample as the report counts it.
#[derive(Debug, Clone)]
pub struct ReportSample {
    /// Province of the site.
    pub site_province: String,
    /// Ward of the site.
    pub site_ward: String,
    /// The day it was taken.
    pub day: NaiveDate,
    /// When it was taken.
    pub sampled_at: DateTime<Utc>,
    /// Its result's state and when the server received it.
    pub result: Option<(TestResultState, DateTime<Utc>)>,
}

/// The samples taken from `from` to `to` (inclusive), in `province` (every province with `None`).
pub fn report_samples(tx: &mut dyn Tx, province: Option<&str>, from: NaiveDate, to: NaiveDate) -> Result<Vec<ReportSample>, ApiError> {
    let day = |d: NaiveDate| Value::Text(d.format("%Y-%m-%d").to_string());
    let mut params = vec![day(from), day(to)];
    let mut sql = "SELECT s.site_province, s.site_ward, s.sampled_day, s.sampled_at, r.state, r.received_at FROM result_samples s \
                   LEFT JOIN sample_results r ON r.code_hash = s.code_hash WHERE s.sampled_day >= $1 AND s.sampled_day <= $2"
        .to_owned();
    if let Some(province) = province {
        sql.push_str(" AND s.site_province = $3");
        params.push(province.into());
    }
    let rows = tx.query(&sql, &params)?;
    rows.iter()
        .map(|row| {
            let result = match (row.opt_text(4)?, row.opt_int(5)?) {
                (Some(state), Some(at)) => {
                    Some((rules::state_from_name(&state).ok_or_else(|| ApiError::Internal("stored state".into()))?, from_ms(at)?))
                }
                _ => None,
            };
            Ok(ReportSample {
                site_province: row.text(0)?,
                site_ward: row.text(1)?,
                day: NaiveDate::parse_from_str(&row.text(2)?, "%Y-%m-%d").map_err(|e| ApiError::Internal(e.to_string()))?,
                sampled_at: from_ms(row.int(3)?)?,
                result,
            })
        })
        .collect()
}

/// Deletes every registration, sample, pool and result older than `cutoff`; returns the rows deleted.
pub fn purge(tx: &mut dyn Tx, cutoff: DateTime<Utc>) -> Result<u64, ApiError> {
    let cutoff = Value::Int(to_ms(cutoff));
    let mut deleted = 0;
    for sql in [
        "DELETE FROM result_registrations WHERE registered_at < $1",
        "DELETE FROM sample_results WHERE received_at < $1",
        "DELETE FROM lab_results WHERE received_at < $1",
        "DELETE FROM result_samples WHERE created_at < $1",
        "DELETE FROM result_pools WHERE created_at < $1",
        "DELETE FROM result_sms WHERE queued_at < $1",
    ] {
        deleted += tx.execute(sql, std::slice::from_ref(&cutoff))?;
    }
    Ok(deleted)
}
