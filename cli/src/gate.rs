//! `healthbook gate ...`: a laptop or phone at a gate (the reverse model). `bind` signs a gate operator in
//! (`--user`, the password in `HEALTHBOOK_PASSWORD`, never on the command line) and binds this installation to
//! one gate; `scan` verifies a card offline and queues the passage, printing the verdict in large simple words
//! with the reason (exit 0 admit or check, 1 refuse); `sync` uploads the queue; `status` shows it.

use chrono::Duration;
use clap::{Subcommand, ValueEnum};
use serde_json::{Value, json};

use healthbook_core::Healthbook;
use healthbook_core::gate::{GateError, GateScan, GateStatus, explain};
use healthbook_protocol::{Direction, GateVerdict, Language};

use crate::output::{CliError, Output};
use crate::results::StaffArgs;

/// Gate device commands.
#[derive(Debug, Subcommand)]
pub enum GateCommand {
    /// Sign in as gate staff and bind this installation to a gate.
    Bind {
        /// The gate's id (from the agency's admin).
        gate_id: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Verify a card offline and record the passage (`-` reads the QR text from stdin).
    Scan {
        /// The scanned QR text (`HB1:`, `HS1:`, `HK1:`, `HC1:`).
        qr_text: String,
        /// Which way the person passes.
        #[arg(long, value_enum)]
        direction: DirectionArg,
    },
    /// Upload the waiting passages.
    Sync,
    /// Show the bound gate, the waiting passages and the last sync.
    Status,
    /// Unbind this installation (refused while passages wait for upload).
    Unbind,
    /// Set how long a second scan of the same card the same way is not recorded again (minutes, 0-1440).
    RepeatWindow {
        /// Minutes.
        minutes: i64,
    },
}

/// Which way, as typed.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DirectionArg {
    /// Entering.
    In,
    /// Leaving.
    Out,
}

impl From<DirectionArg> for Direction {
    fn from(d: DirectionArg) -> Self {
        match d {
            DirectionArg::In => Direction::In,
            DirectionArg::Out => Direction::Out,
        }
    }
}

/// The CLI error for a gate error: a stable code, no personal data.
fn gate_error(e: GateError) -> CliError {
    let code = match &e {
        GateError::NotBound => "not_bound",
        GateError::PassagesWaiting(_) => "passages_waiting",
        GateError::NotSignedIn | GateError::SignInAgain => "sign_in_again",
        GateError::SignInFailed => "sign_in_failed",
        GateError::NoServer => "no_server",
        GateError::Refused { status: 403, .. } => "forbidden",
        GateError::Refused { status: 404, .. } => "not_found",
        GateError::Refused { .. } => "refused",
        GateError::Unreachable(_) => "unreachable",
        GateError::Request(_) => "request_failed",
        GateError::BadAnswer => "bad_answer",
        GateError::InvalidRepeatWindow => "invalid_repeat_window",
        GateError::Corrupt(_) | GateError::Sealing(_) | GateError::Storage(_) => "storage",
        GateError::Trust(_) => "trust",
    };
    CliError::failed(code, e.to_string())
}

fn wire<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn scan_json(scan: &GateScan, language: Language) -> Value {
    json!({
        "passage_id": scan.passage_id,
        "verdict": wire(&scan.verdict),
        "reason": wire(&scan.reason),
        "card": scan.card.map(|c| wire(&c)),
        "headline": explain::headline(scan.verdict, language),
        "reason_text": explain::reason(scan.reason, language),
        "card_label": explain::card_label(scan.card, scan.kind, language),
        "holder": scan.holder.as_ref().map(|h| json!({ "name": h.name, "birth_year": h.birth_year })),
        "direction": wire(&scan.direction),
        "scanned_at": scan.scanned_at,
        "recorded": scan.recorded,
        "trust_list_stale": scan.trust_list_stale,
    })
}

fn scan_text(scan: &GateScan, language: Language) -> String {
    let vi = language == Language::Vi;
    let headline = explain::headline(scan.verdict, language).to_uppercase();
    let bar = "=".repeat(headline.chars().count() + 8);
    let mut lines = vec![bar.clone(), format!("    {headline}"), bar];
    let reason = explain::reason(scan.reason, language);
    if !reason.is_empty() {
        lines.push(reason.to_owned());
    }
    lines.push(explain::card_label(scan.card, scan.kind, language).to_owned());
    if let Some(holder) = &scan.holder {
        let born = holder.birth_year.as_deref().map(|y| format!(" ({y})")).unwrap_or_default();
        lines.push(format!("{}{born}", holder.name));
    }
    if !scan.recorded {
        lines.push(if vi { "Đã quét trong khoảng lặp lại: không ghi lại lần nữa." } else { "Scanned within the repeat window: not recorded again." }.to_owned());
    }
    if scan.trust_list_stale {
        lines.push(
            if vi { "Danh sách tin cậy đã cũ: có thể thiếu thẻ bị thu hồi." } else { "The trust list is stale: a revocation may be missing." }.to_owned(),
        );
    }
    lines.join("\n")
}

fn status_json(status: &GateStatus) -> Value {
    json!({
        "gate": status.gate.as_ref().map(|g| json!({
            "gate_id": g.gate_id, "gate_name": g.gate_name, "venue_id": g.venue_id, "venue_name": g.venue_name,
            "agency_id": g.agency_id, "agency_name": g.agency_name, "server_url": g.server_url, "bound_at": g.bound_at,
        })),
        "pending": status.pending,
        "uploaded": status.uploaded,
        "last_sync_at": status.last_sync_at,
        "last_error": status.last_error,
        "next_sync_at": status.next_sync_at,
    })
}

fn status_text(status: &GateStatus) -> String {
    let gate = match &status.gate {
        Some(g) => format!("gate {} ({}) at {}, {}", g.gate_name, g.gate_id, g.venue_name, g.agency_name),
        None => "not bound to a gate".to_owned(),
    };
    let last = status.last_sync_at.map_or_else(|| "never synced".to_owned(), |at| format!("last sync {at}"));
    let error = status.last_error.as_deref().map(|e| format!("\nlast error: {e}")).unwrap_or_default();
    format!("{gate}\n{} waiting, {} uploaded; {last}{error}", status.pending, status.uploaded)
}

/// Runs a gate command.
pub async fn run(hb: &Healthbook, command: &GateCommand, out: &Output) -> Result<(), CliError> {
    let language = hb.settings().language().await?;
    let gate = hb.gate();
    match command {
        GateCommand::Bind { gate_id, staff } => {
            let password = std::env::var("HEALTHBOOK_PASSWORD").map_err(|_| CliError {
                exit: 2,
                ..CliError::failed("password_required", "set HEALTHBOOK_PASSWORD to the staff password")
            })?;
            let bound = gate.sign_in_and_bind(&staff.user, &password, gate_id).await.map_err(gate_error)?;
            let status = gate.status().await.map_err(gate_error)?;
            out.print(&status_json(&status), || format!("bound to gate {} at {}", bound.gate_name, bound.venue_name));
            Ok(())
        }
        GateCommand::Scan { qr_text, direction } => {
            let text = if qr_text == "-" {
                use std::io::Read;
                let mut buffer = String::new();
                std::io::stdin()
                    .take(64 * 1024)
                    .read_to_string(&mut buffer)
                    .map_err(|e| CliError { exit: 2, ..CliError::failed("usage", format!("reading stdin: {e}")) })?;
                buffer
            } else {
                qr_text.clone()
            };
            // Only the line ending a terminal or file adds: a space is a Base45 digit.
            let text = text.trim_end_matches(['\r', '\n']);
            let scan = gate.scan(text, (*direction).into()).await.map_err(gate_error)?;
            out.print(&scan_json(&scan, language), || scan_text(&scan, language));
            if scan.verdict == GateVerdict::Refuse {
                return Err(CliError { silent: true, ..CliError::failed("refused", "refused") });
            }
            Ok(())
        }
        GateCommand::Sync => {
            let outcome = gate.sync().await;
            let status = gate.status().await.map_err(gate_error)?;
            let report = outcome.map_err(gate_error)?;
            out.print(
                &json!({ "batches": report.batches, "uploaded": report.uploaded, "stored": report.stored,
                         "already_stored": report.already_stored, "status": status_json(&status) }),
                || format!("{} passages uploaded in {} batches; {} waiting", report.uploaded, report.batches, report.pending),
            );
            Ok(())
        }
        GateCommand::Status => {
            let status = gate.status().await.map_err(gate_error)?;
            out.print(&status_json(&status), || status_text(&status));
            Ok(())
        }
        GateCommand::Unbind => {
            gate.unbind().await.map_err(gate_error)?;
            out.print(&json!({ "unbound": true }), || "this installation is bound to no gate".to_owned());
            Ok(())
        }
        GateCommand::RepeatWindow { minutes } => {
            let window = Duration::try_minutes(*minutes).ok_or_else(|| gate_error(GateError::InvalidRepeatWindow))?;
            gate.set_repeat_window(window).await.map_err(gate_error)?;
            out.print(&json!({ "repeat_window_minutes": minutes }), || format!("repeat window: {minutes} minutes"));
            Ok(())
        }
    }
}
