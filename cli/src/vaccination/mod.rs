//! `healthbook vaccine ...`: the citizen's vaccination on this installation: register a bound profile in a
//! commune, see and answer invitations, see doses and when the next is due, and show the current EU DCC
//! certificate as a QR (terminal blocks, or a PNG). Registering and answering are queued in the outbox and sent
//! at once when the server can be reached; the reading commands refresh from the server first and show what
//! the phone keeps when it can't. Times are shown in local time. Health officers' commands sit under the same
//! `vaccine` word: communes' lists, coverage and reconciliation ([`lists`]) and the site's work ([`site`]).

pub mod lists;
pub mod site;

use std::path::PathBuf;

use chrono::{DateTime, Local, Utc};
use clap::Subcommand;
use serde_json::{json, Value};

use healthbook_core::credentials::{self, TerminalTheme};
use healthbook_core::vaccination::{
    Certificate, Dose, Invitation, InvitationState, ProfileRecord, RegistrationState, Reminder, ReminderKind, VaccinationError,
    Vaccinations,
};
use healthbook_core::Healthbook;

use crate::output::{CliError, Output};

/// Citizen vaccination commands.
#[derive(Debug, Subcommand)]
pub enum VaccineCommand {
    /// Register a bound profile for vaccination in a commune (queued when offline).
    Register {
        /// The profile.
        #[arg(long)]
        profile: String,
        /// The commune's ward code (5 digits).
        #[arg(long)]
        ward: String,
    },
    /// Show the invitations of every profile, newest first (refreshed from the server when it can be reached).
    Invitations,
    /// Confirm an invitation (queued when offline).
    Confirm {
        /// The invitation id, as `vaccine invitations` shows it.
        invitation: String,
    },
    /// Decline an invitation; the place goes to the next person (queued when offline).
    Decline {
        /// The invitation id.
        invitation: String,
    },
    /// Show a profile's doses, registration and when the next dose is due.
    Doses {
        /// The profile.
        #[arg(long)]
        profile: String,
    },
    /// Show a profile's current EU DCC vaccination certificate as a QR, with the ones it replaced.
    Certificate {
        /// The profile.
        #[arg(long)]
        profile: String,
        /// Also write the QR as a PNG here.
        #[arg(long)]
        qr_png: Option<PathBuf>,
    },
    /// What to remind of: doses due within the given days, invitations waiting for an answer.
    Reminders {
        /// How many days ahead a due dose counts.
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
    /// Health officers: communes' lists, coverage, reconciliation.
    #[command(flatten)]
    Lists(lists::VaccineListsCommand),
    /// Health officers at a site: sites, stock, sessions and invitations, lookup, doses.
    #[command(flatten)]
    Site(site::VaccineSiteCommand),
}

fn vaccination_error(e: VaccinationError) -> CliError {
    let e = match e {
        VaccinationError::Profile(p) => return CliError::from(p),
        other => other,
    };
    let code = match &e {
        VaccinationError::InvalidWard => {
            return CliError { field: Some("ward"), ..CliError::failed("invalid_field", e.to_string()) };
        }
        VaccinationError::NotBound => "not_bound",
        VaccinationError::AlreadyRegistered => "already_registered",
        VaccinationError::UnknownInvitation => "not_found",
        VaccinationError::InvitationClosed => "invitation_closed",
        VaccinationError::Certificate(_) => "certificate_not_verified",
        VaccinationError::NoServer => "no_server",
        VaccinationError::Unreachable(_) => "server_unreachable",
        VaccinationError::Session(_) | VaccinationError::Server(_) | VaccinationError::BadAnswer => "server_error",
        // Mapped through `CliError::from` above.
        VaccinationError::Profile(_) => "not_found",
        VaccinationError::Person(_)
        | VaccinationError::Outbox(_)
        | VaccinationError::Corrupt(_)
        | VaccinationError::Sealing(_)
        | VaccinationError::Storage(_) => "storage",
    };
    CliError::failed(code, e.to_string())
}

fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// Refreshes from the server; offline (or without a server) the kept data is shown, with a note.
async fn refreshed(vaccinations: &Vaccinations) -> Result<Option<String>, CliError> {
    match vaccinations.refresh().await {
        Ok(_) => Ok(None),
        Err(e) if e.is_transient() => Ok(Some(format!("shown as kept on this device ({e})"))),
        Err(e) => Err(vaccination_error(e)),
    }
}

fn state_name(state: InvitationState) -> &'static str {
    match state {
        InvitationState::Pending => "pending",
        InvitationState::Confirmed => "confirmed",
        InvitationState::Declined => "declined",
        InvitationState::Expired => "expired",
        InvitationState::Attended => "attended",
    }
}

fn invitation_json(i: &Invitation) -> Value {
    json!({
        "invitation_id": i.invitation_id, "profile_id": i.profile_id, "site_name": i.site_name,
        "site_address": i.site_address, "starts_at": i.starts_at, "ends_at": i.ends_at, "product": i.product.as_str(),
        "product_name": i.product.display_name(), "dose_number": i.dose_number, "state": state_name(i.state),
        "answer_by": i.answer_by, "answer_pending": i.answer_pending, "closed_reason": i.closed_reason,
    })
}

fn invitation_line(i: &Invitation) -> String {
    let pending = if i.answer_pending { " (answer waiting to be sent)" } else { "" };
    let closed = if i.closed_reason.is_some() { " (closed by the server)" } else { "" };
    let answer = if i.state == InvitationState::Pending { format!("\n  answer before {}", local(i.answer_by)) } else { String::new() };
    format!(
        "{}  {} → {}  {}{pending}{closed}\n  {}, {}\n  dose {} of {}{answer}",
        i.invitation_id,
        local(i.starts_at),
        i.ends_at.with_timezone(&Local).format("%H:%M"),
        state_name(i.state).to_uppercase(),
        i.site_name,
        i.site_address,
        i.dose_number,
        i.product.display_name()
    )
}

fn dose_json(d: &Dose) -> Value {
    json!({
        "dose_id": d.dose_id, "dose_number": d.dose_number, "date": d.date, "product": d.product_code,
        "product_name": d.product_name, "lot": d.lot, "source": d.source.as_str(), "self_reported": d.self_reported,
        "confirmed": d.confirmed,
    })
}

fn certificate_json(c: &Certificate) -> Value {
    json!({
        "uvci": c.uvci, "qr": c.qr, "dose_number": c.dose_number, "series_doses": c.series_doses,
        "product": c.product.as_str(), "product_name": c.product.display_name(), "date": c.date,
        "issued_at": c.issued_at, "expires_at": c.expires_at, "replaced_at": c.replaced_at,
    })
}

fn record_json(r: &ProfileRecord) -> Value {
    let registration = r.registration.as_ref().map(|g| {
        json!({
            "ward_code": g.ward_code, "state": g.state, "priority_group": g.priority_group, "requested_at": g.requested_at,
            "registered_at": g.registered_at, "refused_reason": g.refused_reason,
        })
    });
    json!({
        "profile_id": r.profile_id, "profile_name": r.profile_name, "registered": r.registered(),
        "registration": registration, "priority_group": r.priority_group(), "doses": r.doses.iter().map(dose_json).collect::<Vec<_>>(),
        "next_due": r.next_due, "certificate": r.certificate.as_ref().map(certificate_json),
        "history": r.history.iter().map(certificate_json).collect::<Vec<_>>(), "refreshed_at": r.refreshed_at,
    })
}

fn registration_line(r: &ProfileRecord) -> String {
    match &r.registration {
        None => "not registered for vaccination".to_owned(),
        Some(g) => {
            let group = g.priority_group.map(|p| format!(", priority group {p}")).unwrap_or_default();
            match g.state {
                RegistrationState::Queued => format!("registration in commune {} waiting to be sent", g.ward_code),
                RegistrationState::Registered => format!("registered in commune {}{group}", g.ward_code),
                RegistrationState::Refused => {
                    format!("registration in commune {} refused: {}", g.ward_code, g.refused_reason.as_deref().unwrap_or("no reason given"))
                }
            }
        }
    }
}

fn record_text(r: &ProfileRecord) -> String {
    let mut lines = vec![format!("{}: {}", r.profile_name, registration_line(r))];
    if r.doses.is_empty() {
        lines.push("no doses recorded".to_owned());
    }
    for d in &r.doses {
        let lot = d.lot.as_deref().map(|l| format!(", lot {l}")).unwrap_or_default();
        let status = if d.self_reported { " (self-reported, not confirmed yet)" } else { "" };
        lines.push(format!("dose {}  {}  {}{lot}{status}", d.dose_number, d.date, d.product_name));
    }
    if let Some(due) = r.next_due {
        lines.push(format!("next dose due from {due}"));
    }
    if let Some(at) = r.refreshed_at {
        lines.push(format!("as of {}", local(at)));
    }
    lines.join("\n")
}

fn reminder_json(r: &Reminder) -> Value {
    json!({
        "profile_id": r.profile_id, "profile_name": r.profile_name, "kind": r.kind, "due_on": r.due_on,
        "invitation_id": r.invitation_id, "answer_by": r.answer_by,
    })
}

fn reminder_line(r: &Reminder) -> String {
    match r.kind {
        ReminderKind::DoseDue => format!("{}: next dose due from {}", r.profile_name, r.due_on.map(|d| d.to_string()).unwrap_or_default()),
        ReminderKind::InvitationToAnswer => format!(
            "{}: answer invitation {} before {}",
            r.profile_name,
            r.invitation_id.as_deref().unwrap_or_default(),
            r.answer_by.map(local).unwrap_or_default()
        ),
    }
}

fn with_note(text: String, note: &Option<String>) -> String {
    match note {
        Some(note) => format!("{text}\n({note})"),
        None => text,
    }
}

/// Runs `healthbook vaccine ...`.
pub async fn run(hb: &Healthbook, command: &VaccineCommand, out: &Output) -> Result<(), CliError> {
    let vaccinations = hb.vaccinations();
    match command {
        VaccineCommand::Lists(command) => return lists::run(hb, command, out).await,
        VaccineCommand::Site(command) => return site::run(hb, command, out).await,
        VaccineCommand::Register { profile, ward } => {
            let record = vaccinations.register(profile, ward).await.map_err(vaccination_error)?;
            out.print(&record_json(&record), || registration_line(&record));
        }
        VaccineCommand::Invitations => {
            let note = refreshed(&vaccinations).await?;
            let list = vaccinations.invitations().await.map_err(vaccination_error)?;
            out.print(&json!({ "invitations": list.iter().map(invitation_json).collect::<Vec<_>>(), "note": note }), || {
                let text = if list.is_empty() { "no invitations".to_owned() } else { list.iter().map(invitation_line).collect::<Vec<_>>().join("\n") };
                with_note(text, &note)
            });
        }
        VaccineCommand::Confirm { invitation } | VaccineCommand::Decline { invitation } => {
            let confirm = matches!(command, VaccineCommand::Confirm { .. });
            let shown = vaccinations.answer(invitation, confirm).await.map_err(vaccination_error)?;
            out.print(&invitation_json(&shown), || invitation_line(&shown));
        }
        VaccineCommand::Doses { profile } => {
            let note = refreshed(&vaccinations).await?;
            let record = vaccinations.record(profile).await.map_err(vaccination_error)?;
            let mut value = record_json(&record);
            value["note"] = json!(note);
            out.print(&value, || with_note(record_text(&record), &note));
        }
        VaccineCommand::Certificate { profile, qr_png } => {
            let note = refreshed(&vaccinations).await?;
            let record = vaccinations.record(profile).await.map_err(vaccination_error)?;
            let certificate = record
                .certificate
                .clone()
                .ok_or_else(|| CliError::failed("no_certificate", "no vaccination certificate for this profile yet"))?;
            if let Some(path) = qr_png {
                let png = credentials::render_png(&certificate.qr, 8).map_err(|e| CliError::failed("render", e.to_string()))?;
                std::fs::write(path, png).map_err(|e| CliError::failed("io", format!("{}: {e}", path.display())))?;
            }
            let value = json!({
                "profile_id": record.profile_id, "certificate": certificate_json(&certificate),
                "history": record.history.iter().map(certificate_json).collect::<Vec<_>>(), "note": note,
            });
            out.print(&value, || {
                let qr = credentials::render_unicode(&certificate.qr, TerminalTheme::Dark).unwrap_or_default();
                let mut text = format!(
                    "{qr}\n{}: dose {}/{} of {} on {}\nvalid until {}",
                    record.profile_name,
                    certificate.dose_number,
                    certificate.series_doses,
                    certificate.product.display_name(),
                    certificate.date,
                    local(certificate.expires_at)
                );
                for older in &record.history {
                    let replaced = older.replaced_at.map(local).unwrap_or_default();
                    text.push_str(&format!("\nreplaced {replaced}: dose {}/{} on {}", older.dose_number, older.series_doses, older.date));
                }
                with_note(text, &note)
            });
        }
        VaccineCommand::Reminders { days } => {
            let reminders = vaccinations.reminders(hb.clock().now(), *days).await.map_err(vaccination_error)?;
            out.print(&json!(reminders.iter().map(reminder_json).collect::<Vec<_>>()), || {
                if reminders.is_empty() { "nothing to remind".to_owned() } else { reminders.iter().map(reminder_line).collect::<Vec<_>>().join("\n") }
            });
        }
    }
    Ok(())
}
