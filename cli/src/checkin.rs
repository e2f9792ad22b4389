//! The citizen's check-in diary from the terminal (`checkin scan|out|add`, `diary`, `exposure check`), and the
//! agency side of venues (`venue create|gate-add|poster`), whose commands sign in with `--user` and the password
//! in `HEALTHBOOK_PASSWORD`.

use std::path::PathBuf;

use chrono::{DateTime, Local, Utc};
use clap::{Args, Subcommand};
use healthbook_core::Healthbook;
use healthbook_core::checkin::{self, CheckInError, DiaryEntry, ExposureAlert};
use healthbook_core::settings::Language;
use healthbook_protocol::{CreateGateRequest, CreateVenueRequest, GateView, PosterView, VenueKind, VenueView};
use serde_json::{Value, json};

use crate::output::{CliError, Output};
use crate::poster;
use crate::results::{StaffArgs, client_error, staff_client};

/// `healthbook checkin ...`.
#[derive(Debug, Subcommand)]
pub enum CheckInCommand {
    /// Verify a venue poster offline and check in (a second scan during the visit returns the open visit).
    Scan {
        /// The poster's QR text (`HP1:...`).
        qr_text: String,
        /// The profile (default: the owner's).
        #[arg(long)]
        profile: Option<String>,
    },
    /// Check a visit out now.
    Out {
        /// The diary entry's id.
        entry_id: String,
    },
    /// Add a visit to a place without a poster.
    Add {
        /// The place, 1-200 characters.
        place: String,
        /// Arrival (RFC 3339).
        #[arg(long)]
        from: DateTime<Utc>,
        /// Departure (RFC 3339); without it the visit is open and closes after four hours.
        #[arg(long)]
        to: Option<DateTime<Utc>>,
        /// The profile (default: the owner's).
        #[arg(long)]
        profile: Option<String>,
    },
}

/// `healthbook exposure ...`.
#[derive(Debug, Subcommand)]
pub enum ExposureCommand {
    /// Download the risky venues, match them against the diary on this device and print every alert.
    Check,
}

/// Reads a kind of venue by its wire name (`market`, `road_checkpoint`, ...).
fn parse_kind(text: &str) -> Result<VenueKind, String> {
    VenueKind::parse(text).ok_or_else(|| {
        let names: Vec<&str> = VenueKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("one of {}", names.join(", "))
    })
}

/// Arguments of `healthbook venue create`.
#[derive(Debug, Args)]
pub struct CreateVenueArgs {
    /// The agency that runs the venue.
    #[arg(long)]
    pub agency: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// What kind of place: market, shop, supermarket, bank, office, factory, school, hospital, restaurant,
    /// road_checkpoint, transport_hub or other.
    #[arg(long, value_parser = parse_kind)]
    pub kind: VenueKind,
    /// Street address.
    #[arg(long)]
    pub address: String,
    /// Two-digit province code.
    #[arg(long)]
    pub province: String,
    /// Five-digit ward code.
    #[arg(long)]
    pub ward: String,
    /// Usual length of a visit, in minutes (5-720).
    #[arg(long, default_value_t = 60)]
    pub stay: u32,
    #[command(flatten)]
    pub staff: StaffArgs,
}

/// `healthbook venue ...` (agency staff).
#[derive(Debug, Subcommand)]
pub enum VenueCommand {
    /// Register a venue.
    Create(CreateVenueArgs),
    /// Add a gate to a venue.
    GateAdd {
        /// The venue.
        venue_id: String,
        /// The gate's name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Fetch a venue's signed poster and print it: A4 PDF and/or SVG with a QR of 16 cm, the name and the
    /// instructions in Vietnamese and English.
    Poster {
        /// The venue.
        venue_id: String,
        /// Write the PDF here.
        #[arg(long)]
        pdf: Option<PathBuf>,
        /// Write the SVG here.
        #[arg(long)]
        svg: Option<PathBuf>,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

fn usage(message: impl Into<String>) -> CliError {
    CliError { exit: 2, ..CliError::failed("usage", message) }
}

fn checkin_error(e: CheckInError, language: Language) -> CliError {
    match e {
        CheckInError::Refused(r) => CliError {
            field: Some("qr_text"),
            ..CliError::failed("poster_refused", format!("{} ({r})", checkin::refusal_text(r, language)))
        },
        CheckInError::InvalidPlace => CliError { exit: 2, field: Some("place"), ..CliError::failed("invalid_field", e.to_string()) },
        CheckInError::InvalidTimes => CliError { exit: 2, field: Some("from"), ..CliError::failed("invalid_field", e.to_string()) },
        CheckInError::NotFound(_) => CliError::failed("not_found", e.to_string()),
        CheckInError::Profile(p) => CliError::from(p),
        CheckInError::Trust(_) => CliError::failed("no_trust_list", format!("{e}; run `healthbook trust refresh` first")),
        CheckInError::NoServer => CliError::failed("no_server", e.to_string()),
        CheckInError::Unreachable(_) => CliError::failed("server_unreachable", e.to_string()),
        other => CliError::failed("failed", other.to_string()),
    }
}

async fn profile_or_owner(hb: &Healthbook, profile: &Option<String>) -> Result<String, CliError> {
    match profile {
        Some(id) => Ok(id.clone()),
        None => hb
            .profiles()
            .list()
            .await?
            .into_iter()
            .find(|p| p.relation == healthbook_core::profiles::ProfileRelation::Myself)
            .map(|p| p.id)
            .ok_or_else(|| usage("no owner profile: pass --profile ID")),
    }
}

fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

fn entry_json(e: &DiaryEntry, language: Language) -> Value {
    json!({
        "id": e.id, "profile_id": e.profile_id, "venue_id": e.venue_id, "venue_name": e.venue_name,
        "venue_kind": e.venue_kind.map(|k| checkin::kind_name(k, language)), "ward_code": e.ward_code,
        "checked_in_at": e.checked_in_at, "checked_out_at": e.checked_out_at, "auto_checked_out": e.auto_checked_out,
        "stay_minutes": e.stay_minutes, "manual": e.manual,
    })
}

fn entry_line(e: &DiaryEntry, language: Language) -> String {
    let until = match (e.checked_out_at, e.auto_checked_out) {
        (Some(out), true) => format!("{} (auto)", local(out)),
        (Some(out), false) => local(out),
        (None, _) => "still there".to_owned(),
    };
    let kind = e.venue_kind.map(|k| format!(" [{}]", checkin::kind_name(k, language))).unwrap_or_default();
    let manual = if e.manual { " (typed)" } else { "" };
    format!("{}  {} → {}  {}{kind}{manual}", e.id, local(e.checked_in_at), until, e.venue_name)
}

fn alert_json(a: &ExposureAlert, language: Language) -> Value {
    let words = checkin::alert_words(a.advice, &a.venue_name, language);
    json!({
        "id": a.id, "entry_id": a.entry_id, "venue_name": a.venue_name, "visited_at": a.visited_at, "left_at": a.left_at,
        "advice": a.advice, "headline": words.headline, "what_to_do": words.advice, "found_at": a.found_at, "seen": a.seen,
    })
}

/// Runs `healthbook checkin ...`.
pub async fn run_checkin(hb: &Healthbook, command: &CheckInCommand, out: &Output) -> Result<(), CliError> {
    let language = hb.settings().language().await?;
    let checkins = hb.checkins();
    let entry = match command {
        CheckInCommand::Scan { qr_text, profile } => {
            let profile = profile_or_owner(hb, profile).await?;
            checkins.check_in(&profile, qr_text.trim_end_matches(['\r', '\n'])).await
        }
        CheckInCommand::Out { entry_id } => checkins.check_out(entry_id).await,
        CheckInCommand::Add { place, from, to, profile } => {
            let profile = profile_or_owner(hb, profile).await?;
            checkins.add_manual(&profile, place, *from, *to).await
        }
    }
    .map_err(|e| checkin_error(e, language))?;
    out.print(&entry_json(&entry, language), || entry_line(&entry, language));
    Ok(())
}

/// Runs `healthbook diary`: every visit, newest first, in local time.
pub async fn run_diary(hb: &Healthbook, out: &Output) -> Result<(), CliError> {
    let language = hb.settings().language().await?;
    let entries = hb.checkins().diary().await.map_err(|e| checkin_error(e, language))?;
    let value = Value::Array(entries.iter().map(|e| entry_json(e, language)).collect());
    out.print(&json!({ "entries": value }), || {
        if entries.is_empty() {
            "the diary is empty".to_owned()
        } else {
            entries.iter().map(|e| entry_line(e, language)).collect::<Vec<_>>().join("\n")
        }
    });
    Ok(())
}

/// Runs `healthbook exposure check`.
pub async fn run_exposure(hb: &Healthbook, command: &ExposureCommand, out: &Output) -> Result<(), CliError> {
    let ExposureCommand::Check = command;
    let language = hb.settings().language().await?;
    let checkins = hb.checkins();
    let refresh = checkins.refresh_risky().await.map_err(|e| checkin_error(e, language))?;
    let fresh = checkins.match_exposure().await.map_err(|e| checkin_error(e, language))?;
    let alerts = checkins.alerts().await.map_err(|e| checkin_error(e, language))?;
    let value = json!({
        "windows": refresh.windows, "skipped": refresh.skipped, "new_alerts": fresh.len(),
        "alerts": alerts.iter().map(|a| alert_json(a, language)).collect::<Vec<_>>(),
    });
    out.print(&value, || {
        let mut lines = vec![format!("{} risky windows checked; {} new alert(s)", refresh.windows, fresh.len())];
        for a in &alerts {
            let words = checkin::alert_words(a.advice, &a.venue_name, language);
            lines.push(format!("{}  {} → {}\n  {}\n  {}", a.id, local(a.visited_at), local(a.left_at), words.headline, words.advice));
        }
        lines.join("\n")
    });
    Ok(())
}

/// Runs `healthbook venue ...`.
pub async fn run_venue(hb: &Healthbook, command: &VenueCommand, out: &Output) -> Result<(), CliError> {
    match command {
        VenueCommand::Create(args) => {
            let body = CreateVenueRequest {
                name: args.name.clone(),
                kind: args.kind,
                address: args.address.clone(),
                province_code: args.province.clone(),
                ward_code: args.ward.clone(),
                default_stay_minutes: args.stay,
            };
            let client = staff_client(hb, &args.staff).await?;
            let path = format!("/v1/agencies/{}/venues", args.agency);
            let venue: VenueView = client.post_json(&path, &body).await.map_err(client_error)?;
            let value = serde_json::to_value(&venue).unwrap_or(Value::Null);
            out.print(&value, || format!("venue {} created: {} ({}, ward {})", venue.id, venue.name, venue.kind.as_str(), venue.ward_code));
        }
        VenueCommand::GateAdd { venue_id, name, staff } => {
            let client = staff_client(hb, staff).await?;
            let gate: GateView =
                client.post_json(&format!("/v1/venues/{venue_id}/gates"), &CreateGateRequest { name: name.clone() }).await.map_err(client_error)?;
            let value = serde_json::to_value(&gate).unwrap_or(Value::Null);
            out.print(&value, || format!("gate {} added: {}", gate.id, gate.name));
        }
        VenueCommand::Poster { venue_id, pdf, svg, staff } => {
            if pdf.is_none() && svg.is_none() {
                return Err(usage("pass --pdf FILE and/or --svg FILE"));
            }
            let client = staff_client(hb, staff).await?;
            let venue: VenueView = client.get_json(&format!("/v1/venues/{venue_id}")).await.map_err(client_error)?;
            let poster_view: PosterView = client.get_json(&format!("/v1/venues/{venue_id}/poster")).await.map_err(client_error)?;
            let written = write_poster(&venue.name, &poster_view.qr_text, pdf.as_ref(), svg.as_ref())?;
            let value = json!({ "venue_id": venue.id, "qr_text": poster_view.qr_text, "expires_at": poster_view.expires_at, "written": written });
            out.print(&value, || format!("poster of {} written to {}", venue.name, written.join(", ")));
        }
    }
    Ok(())
}

/// Renders the poster of `name` with `qr_text` into the files asked for; the paths written.
pub fn write_poster(name: &str, qr_text: &str, pdf: Option<&PathBuf>, svg: Option<&PathBuf>) -> Result<Vec<String>, CliError> {
    let layout = poster::layout(name, qr_text).map_err(|e| CliError::failed("poster", e))?;
    let mut written = Vec::new();
    let write = |path: &PathBuf, bytes: &[u8]| {
        std::fs::write(path, bytes).map_err(|e| CliError::failed("write_failed", format!("{}: {e}", path.display())))
    };
    if let Some(path) = pdf {
        write(path, &poster::pdf(&layout))?;
        written.push(path.display().to_string());
    }
    if let Some(path) = svg {
        write(path, poster::svg(name, &layout).as_bytes())?;
        written.push(path.display().to_string());
    }
    Ok(written)
}
