//! `healthbook quarantine ...`: home quarantine on this installation, for the person: see the orders with their
//! countdown and cases, read and sign the commitment, enrol the home, check in, explain a case. The sensors are
//! simulated from flags: one fix (`--lat --lon --accuracy [--source] [--mock]`) and the radio environment from
//! files (`--wifi FILE`, `--bluetooth FILE`, one identifier a line), read only by `enrol` and `checkin`. Check-ins
//! and explanations are queued in the outbox and sent at once when the server can be reached. Times are shown
//! in local time.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Local, Utc};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use healthbook_core::quarantine::{
    Case, CheckIn, CheckInState, LocationSource, Order, Quarantine, QuarantineError, RadioScan, RadioScanner, SensorError,
};
use healthbook_core::Healthbook;
use healthbook_protocol::quarantine::{CaseState, ExplanationReason, FixSource, LocationFix, OrderState, QuarantineVerdict};

use crate::output::{CliError, Output};

pub mod officer;

/// The person's home-quarantine commands.
#[derive(Debug, Subcommand)]
pub enum QuarantineCommand {
    /// Show the orders with days left, the open check-in, the check-ins and cases (refreshed when possible).
    Status {
        /// Only this order.
        #[arg(long)]
        order: Option<String>,
    },
    /// Show the commitment text an order asks to sign.
    Commitment {
        /// The order.
        #[arg(long)]
        order: String,
    },
    /// Sign the commitment with a new order key kept on this installation.
    Sign {
        /// The order.
        #[arg(long)]
        order: String,
        /// The commitment version read (as `quarantine commitment` shows it).
        #[arg(long)]
        version: u32,
    },
    /// Enrol the home: the sticker's QR text and a baseline of the Wi-Fi and Bluetooth environment.
    Enrol {
        /// The order.
        #[arg(long)]
        order: String,
        /// The home token's QR text (`HQ1:...`).
        #[arg(long)]
        token: String,
        /// The radio environment.
        #[command(flatten)]
        radio: RadioArgs,
    },
    /// Answer the open check-in with one location fix and the radio environment (queued when offline).
    Checkin(CheckInArgs),
    /// Explain a case before an officer decides (queued when offline).
    Explain {
        /// The case.
        #[arg(long)]
        case: String,
        /// What happened: battery_died, asleep, hospital_visit, no_signal or other.
        #[arg(long, value_parser = officer::parse_wire::<ExplanationReason>)]
        reason: ExplanationReason,
        /// Words (required for `other`).
        #[arg(long, default_value = "")]
        text: String,
    },
    /// The health officer's commands (wards, orders, stickers, check-ins, cases, decisions).
    #[command(flatten)]
    Officer(officer::QuarantineOfficerCommand),
}

/// Simulated radio scan: files with one identifier a line.
#[derive(Debug, Args)]
pub struct RadioArgs {
    /// Wi-Fi BSSIDs seen, one a line.
    #[arg(long)]
    wifi: Option<PathBuf>,
    /// Bluetooth addresses seen, one a line.
    #[arg(long)]
    bluetooth: Option<PathBuf>,
}

/// A simulated check-in.
#[derive(Debug, Args)]
pub struct CheckInArgs {
    /// The order.
    #[arg(long)]
    order: String,
    /// Latitude, degrees.
    #[arg(long, allow_negative_numbers = true)]
    lat: f64,
    /// Longitude, degrees.
    #[arg(long, allow_negative_numbers = true)]
    lon: f64,
    /// Horizontal accuracy, metres.
    #[arg(long)]
    accuracy: f64,
    /// Where the fix came from: gps, network or fused.
    #[arg(long, default_value = "gps", value_parser = officer::parse_wire::<FixSource>)]
    source: FixSource,
    /// The platform flagged the fix as mocked.
    #[arg(long)]
    mock: bool,
    /// The home token's QR text, when scanned.
    #[arg(long)]
    token: Option<String>,
    /// The radio environment.
    #[command(flatten)]
    radio: RadioArgs,
}

/// One fix given on the command line, taken "now" by the core's clock.
struct FlagLocation(Option<LocationFix>);

impl LocationSource for FlagLocation {
    fn current_fix(&self) -> Result<LocationFix, SensorError> {
        self.0.ok_or(SensorError::Unavailable)
    }
}

/// The identifiers read from the files given.
struct FileRadio(RadioScan);

impl RadioScanner for FileRadio {
    fn scan(&self) -> Result<RadioScan, SensorError> {
        Ok(self.0.clone())
    }
}

fn read_ids(path: Option<&Path>, field: &'static str) -> Result<Vec<String>, CliError> {
    let Some(path) = path else { return Ok(vec![]) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError { field: Some(field), ..CliError::failed("invalid_field", format!("cannot read the file: {e}")) })?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect())
}

fn radio_of(args: &RadioArgs) -> Result<RadioScan, CliError> {
    Ok(RadioScan { wifi: read_ids(args.wifi.as_deref(), "wifi")?, bluetooth: read_ids(args.bluetooth.as_deref(), "bluetooth")? })
}

fn quarantine_error(e: QuarantineError) -> CliError {
    let e = match e {
        QuarantineError::Profile(p) => return CliError::from(p),
        other => other,
    };
    let field = |field: &'static str, e: &QuarantineError| CliError { field: Some(field), ..CliError::failed("invalid_field", e.to_string()) };
    let code = match &e {
        QuarantineError::InvalidHomeToken | QuarantineError::NotThisHome => return field("token", &e),
        QuarantineError::ExplanationTextRequired | QuarantineError::ExplanationTooLong => return field("text", &e),
        QuarantineError::WrongCommitmentVersion { .. } => return field("version", &e),
        QuarantineError::UnknownOrder | QuarantineError::UnknownCase => "not_found",
        QuarantineError::CommitmentMismatch => "commitment_mismatch",
        QuarantineError::AlreadySigned => "already_signed",
        QuarantineError::NotSigned => "not_signed",
        QuarantineError::NotEnrolled => "not_enrolled",
        QuarantineError::HomeTokenRequired => "home_token_required",
        QuarantineError::NoOpenChallenge => "no_open_challenge",
        QuarantineError::AlreadyAnswered => "already_answered",
        QuarantineError::OrderOver => "order_over",
        QuarantineError::Location(_) => "location_unavailable",
        QuarantineError::Radio(_) => "radio_unavailable",
        QuarantineError::CaseClosed => "case_closed",
        QuarantineError::NoServer => "no_server",
        QuarantineError::Unreachable(_) => "server_unreachable",
        QuarantineError::Session(_) | QuarantineError::Server(_) | QuarantineError::BadAnswer => "server_error",
        QuarantineError::Key(_) => "key",
        // Mapped through `CliError::from` above.
        QuarantineError::Profile(_) => "not_found",
        QuarantineError::Outbox(_) | QuarantineError::Corrupt(_) | QuarantineError::Sealing(_) | QuarantineError::Storage(_) => "storage",
    };
    CliError::failed(code, e.to_string())
}

fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

fn state_name(state: OrderState) -> &'static str {
    match state {
        OrderState::AwaitingCommitment => "awaiting_commitment",
        OrderState::AwaitingEnrolment => "awaiting_enrolment",
        OrderState::Active => "active",
        OrderState::Ended => "ended",
        OrderState::Cancelled => "cancelled",
    }
}

fn verdict_name(state: CheckInState) -> &'static str {
    match state {
        CheckInState::Pending => "pending",
        CheckInState::Decided(QuarantineVerdict::Ok) => "ok",
        CheckInState::Decided(QuarantineVerdict::NeedsReview) => "needs_review",
        CheckInState::Decided(QuarantineVerdict::Missed) => "missed",
        CheckInState::Refused => "refused",
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn order_json(o: &Order) -> Value {
    let challenge = o.open_challenge.as_ref().map(|c| {
        json!({
            "challenge_id": c.challenge_id, "opens_at": c.opens_at, "closes_at": c.closes_at, "grace_ends_at": c.grace_ends_at,
            "home_token_required": c.home_token_required, "random": c.random,
        })
    });
    json!({
        "order_id": o.order_id, "profile_id": o.profile_id, "profile_name": o.profile_name, "home_address": o.home_address,
        "start_date": o.start_date, "ends_at": o.ends_at, "days_left": o.days_left, "extension_days": o.extension_days,
        "time_zone": o.time_zone, "state": state_name(o.state), "commitment_version": o.commitment_version,
        "signed_here": o.signed_here, "open_challenge": challenge, "next_check_in_at": o.next_check_in_at,
        "pending_check_ins": o.pending_check_ins,
    })
}

fn check_in_json(c: &CheckIn) -> Value {
    json!({
        "sequence": c.sequence, "challenge_id": c.challenge_id, "at": c.at, "verdict": verdict_name(c.state),
        "reasons": to_json(&c.reasons), "refused_reason": c.refused_reason,
    })
}

fn case_json(c: &Case) -> Value {
    json!({
        "case_id": c.case_id, "order_id": c.order_id, "check_in": check_in_json(&c.check_in), "state": to_json(&c.state),
        "opened_at": c.opened_at, "explain_by": c.explain_by, "explanation": c.explanation.map(|r| to_json(&r)),
        "explanation_text": c.explanation_text, "explanation_pending": c.explanation_pending,
        "decision": c.decision.map(|d| to_json(&d)), "decision_note": c.decision_note, "decided_at": c.decided_at,
    })
}

fn check_in_line(c: &CheckIn) -> String {
    let sequence = c.sequence.map_or_else(|| "—".to_owned(), |s| format!("#{s}"));
    let reasons = if c.reasons.is_empty() { String::new() } else { format!(" ({})", to_json(&c.reasons).to_string().trim_matches(['[', ']'])) };
    let refusal = c.refused_reason.as_deref().map(|r| format!(" (not accepted: {r})")).unwrap_or_default();
    format!("  {sequence} {}  {}{reasons}{refusal}", local(c.at), verdict_name(c.state).to_uppercase())
}

fn case_line(c: &Case) -> String {
    let state = match c.state {
        CaseState::AwaitingExplanation => format!("explain before {}", local(c.explain_by)),
        CaseState::AwaitingDecision if c.explanation_pending => "explanation waiting to be sent".to_owned(),
        CaseState::AwaitingDecision => "waiting for an officer".to_owned(),
        CaseState::Decided => format!(
            "decided: {} — {}",
            c.decision.map(|d| to_json(&d)).unwrap_or_default().as_str().unwrap_or_default(),
            c.decision_note.as_deref().unwrap_or_default()
        ),
    };
    format!("  case {}  {}  {state}", c.case_id, local(c.opened_at))
}

fn order_text(o: &Order, check_ins: &[CheckIn], cases: &[Case]) -> String {
    let mut lines = vec![
        format!("{}  {}  {}", o.order_id, o.profile_name, state_name(o.state).to_uppercase().replace('_', " ")),
        format!("  ends {} ({} days left{})", local(o.ends_at), o.days_left, if o.extension_days > 0 { format!(", extended {} days", o.extension_days) } else { String::new() }),
    ];
    match &o.open_challenge {
        Some(c) => lines.push(format!(
            "  CHECK IN NOW: open until {} (late until {}){}",
            local(c.closes_at),
            local(c.grace_ends_at),
            if c.home_token_required { ", scan the home token" } else { "" }
        )),
        None => {
            if let Some(next) = o.next_check_in_at {
                lines.push(format!("  next check-in window opens {}", local(next)));
            }
        }
    }
    if o.pending_check_ins > 0 {
        lines.push(format!("  {} check-in(s) waiting to be sent", o.pending_check_ins));
    }
    lines.extend(check_ins.iter().map(check_in_line));
    lines.extend(cases.iter().map(case_line));
    lines.join("\n")
}

/// Runs a quarantine command.
pub async fn run(healthbook: &Healthbook, command: &QuarantineCommand, out: &Output) -> Result<(), CliError> {
    let no_radio = || Arc::new(FileRadio(RadioScan::default()));
    match command {
        QuarantineCommand::Officer(command) => officer::run(healthbook, command, out).await,
        QuarantineCommand::Status { order } => {
            let quarantine = healthbook.quarantine(Arc::new(FlagLocation(None)), no_radio());
            let note = match quarantine.refresh().await {
                Ok(_) => None,
                Err(e) if e.is_transient() => Some(format!("shown as kept on this device ({e})")),
                Err(e) => return Err(quarantine_error(e)),
            };
            let orders: Vec<Order> =
                quarantine.orders().await.map_err(quarantine_error)?.into_iter().filter(|o| order.as_ref().is_none_or(|id| *id == o.order_id)).collect();
            if let Some(id) = order
                && orders.is_empty()
            {
                return Err(CliError::failed("not_found", format!("no order {id} on this device")));
            }
            let mut values = Vec::new();
            let mut texts = Vec::new();
            for o in &orders {
                let check_ins = quarantine.check_ins(&o.order_id).await.map_err(quarantine_error)?;
                let cases = quarantine.cases(&o.order_id).await.map_err(quarantine_error)?;
                let mut value = order_json(o);
                value["check_ins"] = check_ins.iter().map(check_in_json).collect();
                value["cases"] = cases.iter().map(case_json).collect();
                values.push(value);
                texts.push(order_text(o, &check_ins, &cases));
            }
            out.print(&json!({ "orders": values, "note": note }), || {
                let mut text = if texts.is_empty() { "no home-quarantine order on this device".to_owned() } else { texts.join("\n\n") };
                if let Some(note) = &note {
                    text.push_str(&format!("\n({note})"));
                }
                text
            });
            Ok(())
        }
        QuarantineCommand::Commitment { order } => {
            let quarantine = healthbook.quarantine(Arc::new(FlagLocation(None)), no_radio());
            let text = quarantine.commitment(order).await.map_err(quarantine_error)?;
            out.print(&to_json(&text), || format!("Commitment version {}\n\n{}\n\n{}", text.version, text.vi, text.en));
            Ok(())
        }
        QuarantineCommand::Sign { order, version } => {
            let quarantine = healthbook.quarantine(Arc::new(FlagLocation(None)), no_radio());
            let signed = quarantine.sign_commitment(order, *version).await.map_err(quarantine_error)?;
            out.print(&order_json(&signed), || format!("commitment signed; next: enrol the home ({})", state_name(signed.state)));
            Ok(())
        }
        QuarantineCommand::Enrol { order, token, radio } => {
            let quarantine = healthbook.quarantine(Arc::new(FlagLocation(None)), Arc::new(FileRadio(radio_of(radio)?)));
            let enrolled = quarantine.enrol(order, token).await.map_err(quarantine_error)?;
            out.print(&order_json(&enrolled), || format!("home enrolled; {} days left", enrolled.days_left));
            Ok(())
        }
        QuarantineCommand::Checkin(args) => {
            let source = args.source;
            let fix = LocationFix { lat: args.lat, lon: args.lon, accuracy_m: args.accuracy, source, mock: args.mock, taken_at: healthbook.clock().now() };
            let quarantine = healthbook.quarantine(Arc::new(FlagLocation(Some(fix))), Arc::new(FileRadio(radio_of(&args.radio)?)));
            let check_in = quarantine.check_in(&args.order, args.token.as_deref()).await.map_err(quarantine_error)?;
            out.print(&check_in_json(&check_in), || match check_in.state {
                CheckInState::Pending => "check-in recorded; it will be sent when the server can be reached".to_owned(),
                _ => format!("check-in recorded:\n{}", check_in_line(&check_in)),
            });
            Ok(())
        }
        QuarantineCommand::Explain { case, reason, text } => {
            let reason = *reason;
            let quarantine: Quarantine = healthbook.quarantine(Arc::new(FlagLocation(None)), no_radio());
            let explained = quarantine.explain(case, reason, text).await.map_err(quarantine_error)?;
            out.print(&case_json(&explained), || {
                if explained.explanation_pending {
                    "explanation recorded; it will be sent when the server can be reached".to_owned()
                } else {
                    "explanation sent; an officer will decide".to_owned()
                }
            });
            Ok(())
        }
    }
}
