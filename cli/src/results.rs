//! `healthbook test ...` and `healthbook lab ...`: follow a sample's result on this installation (register a code,
//! show every sample with its reason and next step), and the staff side: link a sample taken at a site to the
//! person whose card was scanned, group samples into a pool, upload a lab's results from a CSV file. Staff
//! commands sign in with `--user` and the password in `HEALTHBOOK_PASSWORD` (never on the command line).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Subcommand, ValueEnum};
use serde_json::{json, Value};

use healthbook_core::client::{ClientConfig, ClientError, ServerClient};
use healthbook_core::results::{code, explain, ResultsError, Sample, SampleCodeError, SampleReason, SampleState};
use healthbook_core::Healthbook;
use healthbook_protocol::{
    CreatePoolRequest, LabOutcome, LabResult, LabResultBatch, LabUploadReport, LinkSampleRequest, LinkedSample, PoolView, TestKind,
};

use crate::output::{CliError, Output};

/// Most results in one upload request (the wire contract's limit).
pub const LAB_BATCH_SIZE: usize = 1000;

/// Test-result commands of a phone or a sampling site.
#[derive(Debug, Subcommand)]
pub enum TestCommand {
    /// Register a sample code (scanned QR text or typed short code) for a profile and follow its result.
    Register {
        /// The code on the receipt or tube label.
        code: String,
        /// The profile the sample belongs to.
        #[arg(long)]
        profile: String,
    },
    /// Show every followed sample with its state, reason and next step (asks the server first for what is due).
    Status,
    /// Keep a sample's certificate past the retention period.
    KeepCertificate {
        /// The sample id, as `test status` shows it.
        sample: String,
    },
    /// Sampling-site commands (volunteers, health officers).
    #[command(subcommand)]
    Site(SiteCommand),
}

/// The kind of test, as typed.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// RT-PCR.
    Pcr,
    /// Rapid antigen.
    RapidAntigen,
}

/// How a staff member signs in.
#[derive(Debug, clap::Args)]
pub struct StaffArgs {
    /// The staff account's username (the password is read from HEALTHBOOK_PASSWORD).
    #[arg(long, env = "HEALTHBOOK_USER")]
    pub user: String,
}

/// Commands at a sampling site.
#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Report a sample taken here, linked to the person whose pass or control card was scanned.
    Link {
        /// The sample's code, or its SHA-256 (64 hex).
        code_or_hash: String,
        /// The site's ward code.
        #[arg(long)]
        ward: String,
        /// The scanned pass (`HB1:`) or control card text of the person.
        #[arg(long)]
        card: Option<String>,
        /// The kind of test.
        #[arg(long, value_enum, default_value = "pcr")]
        kind: KindArg,
        /// When the swab was taken (RFC 3339; now by default).
        #[arg(long)]
        sampled_at: Option<DateTime<Utc>>,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Group samples already taken into a pool tube.
    Pool {
        /// The pool tube's code, or its SHA-256.
        pool_code: String,
        /// The members' codes or hashes (2 to 20).
        #[arg(required = true, num_args = 2..=20)]
        members: Vec<String>,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

/// Lab commands.
#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Upload results from a CSV file (columns `code_hash` or `code`, `outcome`, `tested_at`), in batches of
    /// 1,000; every row is checked first, and nothing is sent when one is wrong. Sending the same file again
    /// changes nothing.
    Upload {
        /// The CSV file.
        #[arg(long)]
        csv: PathBuf,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

fn results_error(e: ResultsError) -> CliError {
    let e = match e {
        ResultsError::Profile(p) => return CliError::from(p),
        other => other,
    };
    let code = match &e {
        ResultsError::Code(_) => "wrong_code",
        ResultsError::AlreadyFollowed => "already_followed",
        ResultsError::NotFound(_) => "not_found",
        ResultsError::NoCertificate => "no_certificate",
        ResultsError::NoServer => "no_server",
        ResultsError::Unreachable(_) => "server_unreachable",
        // Mapped through `CliError::from` above, so each profile error keeps its own code.
        ResultsError::Profile(_) => "not_found",
        ResultsError::Session(_) | ResultsError::Server(_) | ResultsError::BadAnswer => "server_error",
        ResultsError::Corrupt(_) | ResultsError::Sealing(_) | ResultsError::Storage(_) => "storage",
    };
    CliError::failed(code, e.to_string())
}

fn code_error(e: SampleCodeError, what: &str) -> CliError {
    CliError { field_name: Some(what.to_owned()), ..CliError::failed("wrong_code", e.to_string()) }
}

fn time(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, |t| json!(t.to_rfc3339()))
}

fn sample_json(s: &Sample, language: healthbook_core::settings::Language) -> Value {
    let words = explain(s.state, s.reason, language);
    json!({
        "id": s.id,
        "profile_id": s.profile_id,
        "state": s.state.as_str(),
        "reason": s.reason.as_str(),
        "headline": words.headline,
        "explanation": words.reason,
        "next_step": words.next_step,
        "sampled_at": time(s.sampled_at),
        "result_at": time(s.result_at),
        "next_check_at": time(s.next_check_at),
        "certificate": s.certificate,
        "certificate_problem": s.certificate_problem.as_ref().map(|p| format!("{p:?}")),
        "keep_certificate": s.keep_certificate,
    })
}

fn sample_text(s: &Sample, language: healthbook_core::settings::Language) -> String {
    let words = explain(s.state, s.reason, language);
    let mut lines = vec![
        format!("{}  {}  [{}]  {}", s.id, s.profile_id, s.state.as_str(), words.headline),
        format!("    {}", words.reason),
        format!("    → {}", words.next_step),
    ];
    if let Some(at) = s.next_check_at {
        lines.push(format!("    next check {}", at.format("%Y-%m-%d %H:%M UTC")));
    }
    if s.certificate.is_some() {
        lines.push(format!("    certificate kept{}", if s.keep_certificate { " (past retention)" } else { "" }));
    }
    if let Some(problem) = &s.certificate_problem {
        lines.push(format!("    certificate not kept: {problem:?}"));
    }
    lines.join("\n")
}

/// Runs a `test` command.
pub async fn run_test(hb: &Healthbook, command: &TestCommand, out: &Output) -> Result<(), CliError> {
    let language = hb.settings().language().await?;
    let results = hb.results();
    match command {
        TestCommand::Register { code, profile } => {
            let sample = match results.register(profile, code).await {
                Ok(sample) => sample,
                Err(ResultsError::Code(e)) => {
                    let words = explain(SampleState::Registering, SampleReason::WrongCode, language);
                    let mut error = code_error(e, "code");
                    error.message = format!("{} {}", words.reason, words.next_step);
                    return Err(error);
                }
                Err(e) => return Err(results_error(e)),
            };
            out.print(&sample_json(&sample, language), || sample_text(&sample, language));
            Ok(())
        }
        TestCommand::Status => {
            results.poll_due(None).await.map_err(results_error)?;
            let samples = results.samples().await.map_err(results_error)?;
            let list: Vec<Value> = samples.iter().map(|s| sample_json(s, language)).collect();
            out.print(&json!({ "samples": list }), || {
                if samples.is_empty() {
                    return "no samples followed".to_owned();
                }
                samples.iter().map(|s| sample_text(s, language)).collect::<Vec<_>>().join("\n")
            });
            Ok(())
        }
        TestCommand::KeepCertificate { sample } => {
            let sample = results.keep_certificate(sample).await.map_err(results_error)?;
            out.print(&sample_json(&sample, language), || format!("the certificate of {} is kept", sample.id));
            Ok(())
        }
        TestCommand::Site(site) => run_site(hb, site, out).await,
    }
}

/// Signs a staff member in to the configured server.
pub async fn staff_client(hb: &Healthbook, staff: &StaffArgs) -> Result<ServerClient, CliError> {
    let password = std::env::var("HEALTHBOOK_PASSWORD")
        .map_err(|_| CliError { exit: 2, ..CliError::failed("password_required", "set HEALTHBOOK_PASSWORD to the staff password") })?;
    let url = hb.settings().server_url().await?.ok_or_else(|| CliError::failed("no_server", "no server configured"))?;
    let client = ServerClient::new(ClientConfig::new(url), hb.clock()).map_err(client_error)?;
    client.sign_in_staff(&staff.user, &password).await.map_err(client_error)?;
    Ok(client)
}

pub fn client_error(e: ClientError) -> CliError {
    let code = match &e {
        ClientError::Http { status: 401, .. } => "sign_in_failed",
        ClientError::Http { status: 403, .. } => "forbidden",
        ClientError::Http { status: 409, .. } => "conflict",
        // A limit, not an outage: the server's message says which and when to try again (e.g. an agency's daily
        // cap of new citizen ids in its roster).
        ClientError::Http { status: 429, .. } => "rate_limited",
        e if e.is_transient() => "server_unreachable",
        _ => "server_error",
    };
    CliError::failed(code, e.to_string())
}

async fn run_site(hb: &Healthbook, command: &SiteCommand, out: &Output) -> Result<(), CliError> {
    match command {
        SiteCommand::Link { code_or_hash, ward, card, kind, sampled_at, staff } => {
            let code_hash = code::hash_of_code_or_hash(code_or_hash).map_err(|e| code_error(e, "code"))?;
            let body = LinkSampleRequest {
                code_hash,
                sampled_at: sampled_at.unwrap_or_else(|| hb.clock().now()),
                site_ward: ward.clone(),
                test_kind: match kind {
                    KindArg::Pcr => TestKind::Pcr,
                    KindArg::RapidAntigen => TestKind::RapidAntigen,
                },
                person_credential: card.clone(),
            };
            let client = staff_client(hb, staff).await?;
            let linked: LinkedSample = client.post_json("/v1/results/samples", &body).await.map_err(client_error)?;
            out.print(&json!({ "code_hash": linked.code_hash, "person_linked": linked.person_linked }), || {
                format!("sample recorded{}", if linked.person_linked { ", linked to the scanned person" } else { "" })
            });
            Ok(())
        }
        SiteCommand::Pool { pool_code, members, staff } => {
            let pool_code_hash = code::hash_of_code_or_hash(pool_code).map_err(|e| code_error(e, "pool_code"))?;
            let member_code_hashes = members
                .iter()
                .enumerate()
                .map(|(i, m)| code::hash_of_code_or_hash(m).map_err(|e| code_error(e, &format!("member {}", i + 1))))
                .collect::<Result<Vec<_>, _>>()?;
            let client = staff_client(hb, staff).await?;
            let body = CreatePoolRequest { pool_code_hash, member_code_hashes };
            let pool: PoolView = client.post_json("/v1/results/pools", &body).await.map_err(client_error)?;
            out.print(&json!({ "pool_code_hash": pool.pool_code_hash, "members": pool.members }), || {
                format!("pool of {} samples recorded", pool.members)
            });
            Ok(())
        }
    }
}

/// A CSV row that does not read, with its line number (1 = the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line in the file.
    pub line: usize,
    /// What is wrong (never the code itself).
    pub problem: String,
}

fn cells(line: &str) -> Vec<String> {
    line.split(',').map(|c| c.trim().trim_matches('"').trim().to_owned()).collect()
}

/// Reads a lab's CSV: a header naming `code_hash` (or `code`), `outcome` and `tested_at` in any order, then one
/// result per line (blank lines skipped). Every row is checked; all problems are returned, each with its line.
pub fn parse_lab_csv(text: &str) -> Result<Vec<LabResult>, Vec<RowError>> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_start_matches('\u{feff}'))).filter(|(_, l)| !l.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(vec![RowError { line: 1, problem: "the file is empty".into() }]);
    };
    let names = cells(header).into_iter().map(|c| c.to_ascii_lowercase()).collect::<Vec<_>>();
    let column = |name: &str| names.iter().position(|n| n == name);
    let (hash_col, code_col) = (column("code_hash"), column("code"));
    let (Some(outcome_col), Some(tested_col)) = (column("outcome"), column("tested_at")) else {
        return Err(vec![RowError { line: header_line, problem: "the header needs outcome and tested_at columns".into() }]);
    };
    if hash_col.is_none() && code_col.is_none() {
        return Err(vec![RowError { line: header_line, problem: "the header needs a code_hash or code column".into() }]);
    }
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for (line, row) in lines {
        let cells = cells(row);
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).map(String::as_str).filter(|c| !c.is_empty());
        let code_hash = match (cell(hash_col), cell(code_col)) {
            (Some(hash), _) if code::is_code_hash(&hash.to_ascii_lowercase()) => Ok(hash.to_ascii_lowercase()),
            (Some(_), _) => Err("code_hash is not 64 hex characters".to_owned()),
            (None, Some(c)) => code::SampleCode::parse(c).map(|c| c.hash()).map_err(|e| format!("code: {e}")),
            (None, None) => Err("no code_hash or code".to_owned()),
        };
        let outcome = match cell(Some(outcome_col)).map(str::to_ascii_lowercase).as_deref() {
            Some("negative") => Ok(LabOutcome::Negative),
            Some("positive") => Ok(LabOutcome::Positive),
            Some("invalid") => Ok(LabOutcome::Invalid),
            _ => Err("outcome must be negative, positive or invalid".to_owned()),
        };
        let tested_at = cell(Some(tested_col))
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| "tested_at must be an RFC 3339 time (2021-09-01T08:00:00Z)".to_owned());
        match (code_hash, outcome, tested_at) {
            (Ok(code_hash), Ok(outcome), Ok(tested_at)) => results.push(LabResult { code_hash, outcome, tested_at }),
            (a, b, c) => {
                let problems: Vec<String> = [a.err(), b.err(), c.err()].into_iter().flatten().collect();
                errors.push(RowError { line, problem: problems.join("; ") });
            }
        }
    }
    if errors.is_empty() { Ok(results) } else { Err(errors) }
}

/// The idempotency key of a batch: derived from its content, so that sending the same file again (after a
/// crash, or by mistake) is recognised by the server as the same request.
pub fn batch_key(batch: &LabResultBatch) -> String {
    let bytes = serde_json::to_string(batch).unwrap_or_default();
    format!("lab-{}", &code::sha256_hex(&bytes)[..32])
}

/// Runs a `lab` command.
pub async fn run_lab(hb: &Healthbook, command: &LabCommand, out: &Output) -> Result<(), CliError> {
    let LabCommand::Upload { csv, staff } = command;
    let text = std::fs::read_to_string(csv).map_err(|e| CliError { exit: 2, ..CliError::failed("unreadable_file", e.to_string()) })?;
    let results = parse_lab_csv(&text).map_err(|errors| {
        let message = errors.iter().map(|e| format!("line {}: {}", e.line, e.problem)).collect::<Vec<_>>().join("\n");
        let details = json!(errors.iter().map(|e| json!({ "line": e.line, "problem": e.problem })).collect::<Vec<_>>());
        CliError { details: Some(details), ..CliError::failed("invalid_csv", message) }
    })?;
    let client = staff_client(hb, staff).await?;
    let (mut accepted, mut unknown, mut conflicts) = (0u32, 0u32, Vec::new());
    let mut batches = 0usize;
    for chunk in results.chunks(LAB_BATCH_SIZE) {
        let batch = LabResultBatch { results: chunk.to_vec() };
        let report: LabUploadReport =
            client.post_json_with_key("/v1/results/lab", &batch, &batch_key(&batch)).await.map_err(client_error)?;
        accepted += report.accepted;
        unknown += report.unknown_samples;
        conflicts.extend(report.conflicts);
        batches += 1;
    }
    out.print(
        &json!({ "rows": results.len(), "batches": batches, "accepted": accepted, "unknown_samples": unknown, "conflicts": conflicts }),
        || {
            format!(
                "{} rows in {batches} batch(es): {accepted} accepted, {unknown} not yet reported by a site, {} conflict(s)",
                results.len(),
                conflicts.len()
            )
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn a_lab_csv_reads_by_header_with_codes_or_hashes() {
        let hash = "AB".repeat(32);
        let csv = format!(
            "\u{feff}outcome,tested_at,code_hash,code\nnegative,2021-09-01T08:00:00Z,{hash},\n\nPOSITIVE,2021-09-01T09:00:00+07:00,,fe9a-5mak-6c\n"
        );
        let rows = parse_lab_csv(&csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].code_hash, "ab".repeat(32));
        assert_eq!(rows[1].code_hash, code::sha256_hex("FE9A5MAK6C"));
        assert_eq!(rows[1].outcome, LabOutcome::Positive);
        assert_eq!(rows[1].tested_at.to_rfc3339(), "2021-09-01T02:00:00+00:00");
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_without_the_code() {
        let csv = "code,outcome,tested_at\nFE9A5MAK6D,negative,2021-09-01T08:00:00Z\nFE9A5MAK6C,maybe,yesterday\nWPHSATMHD4,invalid,2021-09-01T08:00:00Z\n,negative,2021-09-01T08:00:00Z\n";
        let errors = parse_lab_csv(csv).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 3, 5]);
        assert!(errors[0].problem.contains("check character"), "{}", errors[0].problem);
        assert!(errors[1].problem.contains("outcome") && errors[1].problem.contains("tested_at"));
        assert!(errors.iter().all(|e| !e.problem.contains("FE9A")), "no code in a message");
        assert_eq!(parse_lab_csv("code_hash,outcome\n").unwrap_err()[0].line, 1);
        assert_eq!(parse_lab_csv("").unwrap_err()[0].problem, "the file is empty");
    }

    #[test]
    fn batch_keys_follow_the_content() {
        let row = |o| LabResult { code_hash: "ab".repeat(32), outcome: o, tested_at: DateTime::<Utc>::MIN_UTC };
        let a = LabResultBatch { results: vec![row(LabOutcome::Negative)] };
        let b = LabResultBatch { results: vec![row(LabOutcome::Positive)] };
        assert_eq!(batch_key(&a), batch_key(&a.clone()));
        assert_ne!(batch_key(&a), batch_key(&b));
    }

    #[test]
    fn the_csv_parser_never_panics_on_random_or_mutated_input() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let seed: Vec<char> = "code,outcome,tested_at\nFE9A5MAK6C,negative,2021-09-01T08:00:00Z\n".chars().collect();
        let pool: Vec<char> = ",\n\"\r\u{feff}ab9Z:-T+ệ💉\u{0}".chars().collect();
        for _ in 0..5_000 {
            let mut text = seed.clone();
            for _ in 0..rng.gen_range(1..8) {
                let at = rng.gen_range(0..=text.len());
                if rng.gen_bool(0.5) && at < text.len() {
                    text.remove(at);
                } else {
                    text.insert(at, pool[rng.gen_range(0..pool.len())]);
                }
            }
            let text: String = text.into_iter().collect();
            match parse_lab_csv(&text) {
                Ok(rows) => assert!(rows.iter().all(|r| code::is_code_hash(&r.code_hash))),
                Err(errors) => assert!(!errors.is_empty()),
            }
        }
    }
}
