//! Health officers' vaccination commands: import a commune's list, read coverage, reconcile another platform's
//! export. Every problem is printed with its line and reason, in Vietnamese then English, never with a value.

use std::path::PathBuf;

use chrono::{Duration, NaiveDate};
use clap::Subcommand;
use healthbook_core::Healthbook;
use healthbook_core::vaccination::list::describe;
use healthbook_core::vaccination::officer_lists::{self, OfficerListError};
use serde_json::json;

use crate::output::{CliError, Output};
use crate::results::{StaffArgs, client_error, staff_client};

/// Officers' list, coverage and reconciliation commands (flattened into `healthbook vaccine`).
#[derive(Debug, Subcommand)]
pub enum VaccineListsCommand {
    /// Communes' resident lists.
    #[command(subcommand)]
    List(ListCommand),
    /// Registered and vaccinated people by commune and priority group, and who still needs following up.
    Coverage {
        /// One commune (5 digits); every commune in your area when left out.
        #[arg(long)]
        ward: Option<String>,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Compare another platform's dose export (CSV or XLSX) with the doses recorded here.
    Reconcile {
        /// The export file.
        file: PathBuf,
        /// The other platform's name, as the report shows it.
        #[arg(long)]
        platform: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

/// List commands.
#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// Check a commune's list (the health department's template, CSV or XLSX) and, with --accept, store it in
    /// place of the commune's current list. Without --accept nothing is stored.
    Import {
        /// The list file.
        file: PathBuf,
        /// The commune's ward code (5 digits).
        #[arg(long)]
        ward: String,
        /// Store the valid rows.
        #[arg(long)]
        accept: bool,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

fn read(path: &PathBuf) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError { exit: 2, ..CliError::failed("unreadable_file", format!("{}: {}", path.display(), e.kind())) })
}

fn lists_error(e: OfficerListError) -> CliError {
    match e {
        OfficerListError::Client(e) => client_error(e),
        OfficerListError::Argument(m) => CliError { exit: 2, ..CliError::failed("invalid_argument", m) },
        other => CliError { exit: 2, ..CliError::failed("unreadable_file", other.to_string()) },
    }
}

/// Today in Vietnam (UTC+7), the bound of dates in the files.
fn today(hb: &Healthbook) -> NaiveDate {
    (hb.clock().now() + Duration::hours(7)).date_naive()
}

/// Runs an officer's list command.
pub async fn run(hb: &Healthbook, command: &VaccineListsCommand, out: &Output) -> Result<(), CliError> {
    match command {
        VaccineListsCommand::List(ListCommand::Import { file, ward, accept, staff }) => {
            // The file is read and checked before signing in: a file that does not read needs no server.
            let list = officer_lists::read_commune_list(&read(file)?, ward, today(hb)).map_err(lists_error)?;
            let client = staff_client(hb, staff).await?;
            let report = officer_lists::upload_list(&client, &list, ward, *accept).await.map_err(lists_error)?;
            out.print(&serde_json::to_value(&report).unwrap_or_default(), || {
                let mut lines: Vec<String> = report.problems.iter().map(|p| format!("{} / {}", describe(p, true), describe(p, false))).collect();
                lines.push(format!(
                    "xã {}: {} dòng, {} hợp lệ, {} vấn đề; {} / ward {}: {} rows, {} valid, {} problems; {}",
                    report.ward_code,
                    report.rows,
                    report.valid_rows,
                    report.problems.len(),
                    if report.stored { format!("đã lưu, {} dòng mới hoặc thay đổi", report.changed) } else { "chưa lưu".to_owned() },
                    report.ward_code,
                    report.rows,
                    report.valid_rows,
                    report.problems.len(),
                    if report.stored { format!("stored, {} new or changed", report.changed) } else { "not stored".to_owned() },
                ));
                lines.join("\n")
            });
            Ok(())
        }
        VaccineListsCommand::Coverage { ward, staff } => {
            let client = staff_client(hb, staff).await?;
            let report = officer_lists::coverage(&client, ward.as_deref()).await.map_err(lists_error)?;
            out.print(&serde_json::to_value(&report).unwrap_or_default(), || {
                let mut lines = vec!["ward  group  listed  registered  with_dose  fully".to_owned()];
                for row in &report.rows {
                    let group = row.priority_group.map_or("-".to_owned(), |g| g.to_string());
                    lines.push(format!(
                        "{}  {group:>5}  {:>6}  {:>10}  {:>9}  {:>5}",
                        row.ward_code, row.listed, row.registered, row.with_dose, row.fully_vaccinated
                    ));
                }
                for gap in &report.gaps {
                    let state = if gap.registered { "đã đăng ký, chưa tiêm / registered, no dose" } else { "chưa đăng ký / not registered" };
                    lines.push(format!("{} dòng/line {}: {} (nhóm/group {}): {state}", gap.ward_code, gap.line, gap.full_name, gap.priority_group));
                }
                lines.join("\n")
            });
            Ok(())
        }
        VaccineListsCommand::Reconcile { file, platform, staff } => {
            let bytes = read(file)?;
            // A file that does not read needs no server.
            healthbook_core::vaccination::reconcile::read_export(&bytes, today(hb)).map_err(|e| lists_error(e.into()))?;
            let client = staff_client(hb, staff).await?;
            let (export, report) = officer_lists::reconcile(&client, platform, &bytes, today(hb)).await.map_err(lists_error)?;
            let problems: Vec<String> = export.problems.iter().map(|p| format!("{} / {}", p.describe(true), p.describe(false))).collect();
            out.print(&json!({ "unread": problems, "report": report }), || {
                let mut lines = problems.clone();
                for d in &report.discrepancies {
                    lines.push(format!(
                        "{} dose {} {:?}: ours {} theirs {}{}",
                        d.person_id.as_deref().unwrap_or("-"),
                        d.dose_number,
                        d.kind,
                        d.ours.as_deref().unwrap_or("-"),
                        d.theirs.as_deref().unwrap_or("-"),
                        d.line.map(|l| format!(" (line {l})")).unwrap_or_default()
                    ));
                }
                lines.push(format!("{}: {} rows, {} matching, {} discrepancies", report.platform, report.rows, report.matching, report.discrepancies.len()));
                lines.join("\n")
            });
            Ok(())
        }
    }
}
