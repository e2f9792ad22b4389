//! `healthbook agency ...`: the agency admin's terminal. Generate the agency's signing key (it never leaves this
//! machine) and submit its public half, import a staff roster (CSV or XLSX; every bad row reported with its line,
//! nothing sent until `--accept`), sign the staff cards and print them as A4 sheets, revoke a card, see how many
//! staff joined (`adoption`, with a CSV of those not joined for follow-up). Server
//! commands sign in with `--user` and the password in `HEALTHBOOK_PASSWORD`.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use healthbook_cli::cardsheet::{self, CardFace};
use healthbook_core::Healthbook;
use healthbook_core::agency::client::AgencyAdmin;
use healthbook_core::agency::adoption::{AdoptionClient, not_joined_csv, percent};
use healthbook_core::agency::{AgencyError, AgencyKey, CardIssuer, Roster, RosterRow};
use healthbook_protocol::adoption::AdoptionCounts;
use healthbook_protocol::agencies::StaffMember;

use crate::output::{CliError, Output};
use crate::results::{StaffArgs, client_error, staff_client};

/// Exit code of a roster import that found rows but was not accepted (nothing sent).
pub const EXIT_NOT_ACCEPTED: u8 = 3;

/// Agency admin commands.
#[derive(Debug, Subcommand)]
pub enum AgencyCommand {
    /// Generate the agency's P-256 signing key into a new file (mode 0600; never overwritten); prints its kid.
    Keygen {
        /// The key file to create.
        #[arg(long)]
        out: PathBuf,
    },
    /// The agency key on the server.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Staff rosters.
    #[command(subcommand)]
    Roster(RosterCommand),
    /// Staff cards.
    #[command(subcommand)]
    Cards(CardsCommand),
    /// How many staff joined, by department: a bound person on a phone, a fresh pass, a valid staff card; with
    /// `--all`, every agency's figures (the authority admin).
    Adoption {
        /// The agency id.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        agency: Option<String>,
        /// Every agency's figures for the province instead (authority admin; numbers only).
        #[arg(long)]
        all: bool,
        /// Also list the staff who have not joined yet.
        #[arg(long, conflicts_with = "all")]
        not_joined: bool,
        /// Write those not joined to this CSV (UTF-8 with BOM, for Excel) for follow-up.
        #[arg(long, value_name = "FILE", conflicts_with = "all")]
        csv: Option<PathBuf>,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

/// Agency key commands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Submit the key's public half with a proof of possession; the authority then certifies it.
    Submit {
        /// The agency id.
        #[arg(long)]
        agency: String,
        /// The key file from `agency keygen`.
        #[arg(long)]
        key: PathBuf,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// The agency's keys on the server, pending and certified.
    List {
        /// The agency id.
        #[arg(long)]
        agency: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Certify a submitted key into the trust list (an authority admin's command).
    Certify {
        /// The agency id.
        #[arg(long)]
        agency: String,
        /// The key id, as `key submit` printed it.
        #[arg(long)]
        kid: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

/// Roster commands.
#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Check a roster (CSV or XLSX) and, with `--accept`, import its valid rows. Without `--accept` the report is
    /// printed and nothing is sent (exit 3).
    Import {
        /// The roster file.
        file: PathBuf,
        /// The agency id.
        #[arg(long)]
        agency: String,
        /// Send the valid rows (the bad ones stay out).
        #[arg(long)]
        accept: bool,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

/// Card commands.
#[derive(Debug, Subcommand)]
pub enum CardsCommand {
    /// Sign cards for the imported staff who hold none yet, register them with the server and print them as A4
    /// sheets; with `--reissue`, new cards for everyone, and each one's earlier cards revoked.
    Issue {
        /// The agency id.
        #[arg(long)]
        agency: String,
        /// The agency key file.
        #[arg(long)]
        key: PathBuf,
        /// The PDF to write.
        #[arg(long)]
        out: PathBuf,
        /// The roster to print from (default: the one last imported from this installation; failing that, the
        /// staff list on the server, without photos or birth years).
        #[arg(long)]
        roster: Option<PathBuf>,
        /// Also sign new cards for staff who already hold one (a lost card, a changed name), and revoke their
        /// earlier cards once the new ones are registered and printed, so that nobody carries two valid cards.
        #[arg(long)]
        reissue: bool,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Revoke a card (the person left): gates refuse it after their next refresh.
    Revoke {
        /// The card id (16 hex), as printed by `cards issue`.
        card_id: String,
        /// The agency id.
        #[arg(long)]
        agency: String,
        /// Why, in words a gate can show.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

fn agency_error(e: AgencyError) -> CliError {
    match e {
        AgencyError::Client(c) => client_error(c),
        AgencyError::KeyFileExists => CliError { exit: 2, ..CliError::failed("key_file_exists", e.to_string()) },
        AgencyError::KeyFile(_) | AgencyError::InvalidKey => CliError { exit: 2, ..CliError::failed("invalid_key_file", e.to_string()) },
        AgencyError::Roster(_) => CliError { exit: 2, ..CliError::failed("invalid_roster", e.to_string()) },
        AgencyError::Signing(_) => CliError::failed("signing", e.to_string()),
    }
}

/// Where this installation remembers the roster last imported for an agency.
fn roster_memo(data_dir: &Path, agency: &str) -> PathBuf {
    let safe: String = agency.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    data_dir.join("agency").join(format!("{safe}.roster"))
}

fn bar(len: usize, what: &'static str) -> ProgressBar {
    // Only on a terminal: scripts and logs get the summary lines, not redraws.
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template(&format!("{what:>10} [{{bar:40}}] {{pos}}/{{len}} {{eta}}")) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Runs an `agency` command.
pub async fn run(hb: &Healthbook, data_dir: &Path, command: &AgencyCommand, out: &Output) -> Result<(), CliError> {
    match command {
        AgencyCommand::Keygen { out: path } => {
            let key = AgencyKey::generate().map_err(agency_error)?;
            key.write_new(path).map_err(agency_error)?;
            let (kid, spki) = (key.kid().to_base64(), key.spki_base64());
            out.print(&json!({ "kid": kid, "public_key": spki, "file": path }), || {
                format!("key written to {} (keep it safe: it signs every card)\nkid: {kid}\npublic key (SPKI): {spki}", path.display())
            });
            Ok(())
        }
        AgencyCommand::Key(KeyCommand::Submit { agency, key, staff }) => {
            let key = AgencyKey::load(key).map_err(agency_error)?;
            let client = staff_client(hb, staff).await?;
            let view = AgencyAdmin::new(&client, agency).submit_key(&key).await.map_err(agency_error)?;
            out.print(&serde_json::to_value(&view).unwrap_or_default(), || {
                format!("key {} submitted for agency {agency}: {:?}; the authority certifies it next", view.kid, view.status)
            });
            Ok(())
        }
        AgencyCommand::Key(KeyCommand::List { agency, staff }) => {
            let client = staff_client(hb, staff).await?;
            let list = AgencyAdmin::new(&client, agency).keys().await.map_err(agency_error)?;
            out.print(&serde_json::to_value(&list).unwrap_or_default(), || {
                let lines: Vec<String> = list.keys.iter().map(|k| format!("{}  {:?}", k.kid, k.status)).collect();
                if lines.is_empty() { "no keys submitted".to_owned() } else { lines.join("\n") }
            });
            Ok(())
        }
        AgencyCommand::Key(KeyCommand::Certify { agency, kid, staff }) => {
            let client = staff_client(hb, staff).await?;
            let view = AgencyAdmin::new(&client, agency).certify_key(kid).await.map_err(agency_error)?;
            out.print(&serde_json::to_value(&view).unwrap_or_default(), || {
                format!("key {} of agency {agency}: {:?}; phones trust it after their next trust-list refresh", view.kid, view.status)
            });
            Ok(())
        }
        AgencyCommand::Roster(RosterCommand::Import { file, agency, accept, staff }) => {
            roster_import(hb, data_dir, file, agency, *accept, staff, out).await
        }
        AgencyCommand::Cards(CardsCommand::Issue { agency, key, out: pdf_path, roster, reissue, staff }) => {
            let request = IssueRequest { agency, key_path: key, pdf_path, roster_path: roster.as_deref(), reissue: *reissue };
            cards_issue(hb, data_dir, &request, staff, out).await
        }
        AgencyCommand::Adoption { agency: Some(agency), not_joined, csv, staff, .. } => {
            adoption(hb, agency, *not_joined, csv.as_deref(), staff, out).await
        }
        AgencyCommand::Adoption { agency: None, staff, .. } => adoption_rollup(hb, staff, out).await,
        AgencyCommand::Cards(CardsCommand::Revoke { card_id, agency, reason, staff }) => {
            let client = staff_client(hb, staff).await?;
            let revocation = AgencyAdmin::new(&client, agency).revoke_card(card_id, reason).await.map_err(agency_error)?;
            out.print(&serde_json::to_value(&revocation).unwrap_or_default(), || {
                format!("card {} revoked; gates refuse it after their next refresh", revocation.id)
            });
            Ok(())
        }
    }
}

/// One line of the adoption table: a label padded to `width` characters, then each figure with its share.
fn adoption_line(label: &str, width: usize, counts: &AdoptionCounts) -> String {
    let share = |n: u32| format!("{n} ({}%)", percent(n, counts.roster));
    let pad = width.saturating_sub(label.chars().count());
    format!(
        "{label}{}  {:>6}  {:>12}  {:>12}  {:>12}",
        " ".repeat(pad),
        counts.roster,
        share(counts.joined),
        share(counts.fresh_pass),
        share(counts.valid_card)
    )
}

fn adoption_header(first: &str, width: usize) -> String {
    let pad = width.saturating_sub(first.chars().count());
    format!("{first}{}  {:>6}  {:>12}  {:>12}  {:>12}", " ".repeat(pad), "staff", "joined", "fresh pass", "valid card")
}

async fn adoption(
    hb: &Healthbook,
    agency: &str,
    list: bool,
    csv: Option<&Path>,
    staff: &StaffArgs,
    out: &Output,
) -> Result<(), CliError> {
    let client = staff_client(hb, staff).await?;
    let adoption = AdoptionClient::new(&client).agency(agency).await.map_err(agency_error)?;
    if let Some(path) = csv {
        let bytes = not_joined_csv(&adoption.not_joined).map_err(agency_error)?;
        std::fs::write(path, bytes)
            .map_err(|e| CliError { exit: 2, ..CliError::failed("csv_write", format!("{}: {e}", path.display())) })?;
    }
    let mut value = serde_json::to_value(&adoption).unwrap_or_default();
    if !list {
        // The names go out only when asked for: a figures check should not print them on a shared screen.
        value["not_joined"] = json!(adoption.not_joined.len());
    }
    out.print(&value, || {
        let unnamed = "(no department)";
        let width = adoption
            .departments
            .iter()
            .map(|d| if d.department.is_empty() { unnamed.chars().count() } else { d.department.chars().count() })
            .chain([10])
            .max()
            .unwrap_or(10);
        let mut lines = vec![
            format!("{} — as of {}", adoption.agency_name, adoption.as_of.format("%Y-%m-%d %H:%M UTC")),
            adoption_header("department", width),
        ];
        for d in &adoption.departments {
            lines.push(adoption_line(if d.department.is_empty() { unnamed } else { &d.department }, width, &d.counts));
        }
        lines.push(adoption_line("total", width, &adoption.total));
        lines.push(format!("{} not joined yet", adoption.not_joined.len()));
        if list {
            for n in &adoption.not_joined {
                let note = if n.has_citizen_id { "" } else { "  (no citizen id on the roster: add it, or they can't be matched)" };
                lines.push(format!("  {}  {}  {}{note}", n.staff_number, n.full_name, n.department));
            }
        }
        if let Some(path) = csv {
            lines.push(format!("follow-up list written to {}", path.display()));
        }
        lines.join("\n")
    });
    Ok(())
}

async fn adoption_rollup(hb: &Healthbook, staff: &StaffArgs, out: &Output) -> Result<(), CliError> {
    let client = staff_client(hb, staff).await?;
    let rollup = AdoptionClient::new(&client).rollup().await.map_err(agency_error)?;
    out.print(&serde_json::to_value(&rollup).unwrap_or_default(), || {
        let width = rollup.agencies.iter().map(|a| a.agency_name.chars().count()).chain([10]).max().unwrap_or(10);
        let mut lines = vec![format!("as of {}", rollup.as_of.format("%Y-%m-%d %H:%M UTC")), adoption_header("agency", width)];
        lines.extend(rollup.agencies.iter().map(|a| adoption_line(&a.agency_name, width, &a.counts)));
        lines.push(adoption_line("total", width, &rollup.total));
        lines.join("\n")
    });
    Ok(())
}

async fn roster_import(
    hb: &Healthbook,
    data_dir: &Path,
    file: &Path,
    agency: &str,
    accept: bool,
    staff: &StaffArgs,
    out: &Output,
) -> Result<(), CliError> {
    let roster = Roster::from_file(file, hb.clock().now().year()).map_err(agency_error)?;
    let client = staff_client(hb, staff).await?;
    let admin = AgencyAdmin::new(&client, agency);
    let registered = admin.staff().await.map_err(agency_error)?;
    let known = roster.already_registered(&registered).len();
    let problems: Vec<_> = roster.problems.iter().map(|p| json!({ "line": p.line, "reason": p.reason })).collect();
    let report = json!({
        "valid_rows": roster.rows.len(),
        "already_registered": known,
        "bad_rows": problems,
        "accepted": accept,
    });
    let text = || {
        let mut lines: Vec<String> = roster.problems.iter().map(|p| format!("line {}: {}", p.line, p.reason)).collect();
        lines.push(format!(
            "{} valid row(s) ({known} already registered: they update or stay as they are), {} bad row(s)",
            roster.rows.len(),
            roster.problems.len()
        ));
        lines.join("\n")
    };
    if !accept {
        out.print(&report, text);
        return Err(CliError {
            exit: EXIT_NOT_ACCEPTED,
            ..CliError::failed("not_accepted", format!("nothing was sent; run again with --accept to import the {} valid row(s)", roster.rows.len()))
        });
    }
    if roster.rows.is_empty() {
        out.print(&report, text);
        return Err(CliError::failed("no_valid_rows", "the roster has no valid row; nothing was sent"));
    }
    let result = admin.import_staff(&roster.members()).await.map_err(agency_error)?;
    // Remember the roster so that `cards issue` prints photos and birth years without asking for it again.
    let memo = roster_memo(data_dir, agency);
    if let Some(parent) = memo.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let absolute = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let _ = std::fs::write(&memo, absolute.to_string_lossy().as_bytes());
    let mut value = report;
    value["import"] = serde_json::to_value(&result).unwrap_or_default();
    out.print(&value, || {
        let mut lines = vec![text()];
        lines.push(format!("imported: {} added, {} updated, {} unchanged, {} conflict(s)", result.added, result.updated, result.unchanged, result.conflicts.len()));
        lines.extend(result.conflicts.iter().map(|c| format!("  not taken: staff number {}: {}", c.staff_number, c.reason)));
        lines.join("\n")
    });
    Ok(())
}

/// What `cards issue` was asked for.
struct IssueRequest<'a> {
    agency: &'a str,
    key_path: &'a Path,
    pdf_path: &'a Path,
    roster_path: Option<&'a Path>,
    reissue: bool,
}

/// The reason a replaced card is revoked with, as gates show it (Vietnamese first, as the gates' staff read it).
pub const REPLACED_REASON: &str = "Đã cấp thẻ mới thay thẻ này / replaced by a new card";

async fn cards_issue(hb: &Healthbook, data_dir: &Path, request: &IssueRequest<'_>, staff: &StaffArgs, out: &Output) -> Result<(), CliError> {
    let IssueRequest { agency, key_path, pdf_path, roster_path, reissue } = *request;
    let key = AgencyKey::load(key_path).map_err(agency_error)?;
    let now = hb.clock().now();
    let roster_path = roster_path.map(Path::to_path_buf).or_else(|| {
        std::fs::read_to_string(roster_memo(data_dir, agency)).ok().map(|p| PathBuf::from(p.trim())).filter(|p| p.exists())
    });
    let client = staff_client(hb, staff).await?;
    let admin = AgencyAdmin::new(&client, agency);
    let agency_name = client.agency(agency).await.map_err(client_error)?.name;
    let registered = admin.staff().await.map_err(agency_error)?;
    let rows: Vec<RosterRow> = match &roster_path {
        Some(path) => {
            let roster = Roster::from_file(path, now.year()).map_err(agency_error)?;
            // Cards only for staff the server knows: a card for a row never imported could not be revoked.
            let known: HashSet<String> = registered.staff.iter().map(|s| s.staff_number.to_lowercase()).collect();
            roster.rows.into_iter().filter(|r| known.contains(&r.member.staff_number.to_lowercase())).collect()
        }
        None => registered
            .staff
            .iter()
            .map(|s| RosterRow {
                line: 0,
                member: StaffMember {
                    staff_number: s.staff_number.clone(),
                    full_name: s.full_name.clone(),
                    department: s.department.clone(),
                    phone: None,
                    citizen_id: None,
                    birth_year: None,
                },
                photo: None,
            })
            .collect(),
    };
    if rows.is_empty() {
        return Err(CliError::failed("no_staff", "no imported staff to issue cards for; run `agency roster import --accept` first"));
    }
    // Without --reissue, staff who hold a card keep it and get none: running the command again after a new roster
    // import prints cards for the newcomers only, and never leaves anyone with two valid cards.
    let held: HashMap<String, Vec<String>> = registered
        .staff
        .iter()
        .filter(|s| !s.active_cards.is_empty())
        .map(|s| (s.staff_number.to_lowercase(), s.active_cards.clone()))
        .collect();
    let (rows, holding): (Vec<RosterRow>, Vec<RosterRow>) =
        rows.into_iter().partition(|r| reissue || !held.contains_key(&r.member.staff_number.to_lowercase()));
    if rows.is_empty() {
        return Err(CliError::failed(
            "all_staff_have_cards",
            format!("all {} staff already hold a card; pass --reissue to replace their cards (the earlier ones are revoked)", holding.len()),
        ));
    }
    let replaced: Vec<String> = if reissue {
        rows.iter().filter_map(|r| held.get(&r.member.staff_number.to_lowercase())).flatten().cloned().collect()
    } else {
        Vec::new()
    };
    let issuer = CardIssuer::new(&key, agency).map_err(agency_error)?;
    let progress = bar(rows.len(), "signing");
    let mut signed = Vec::with_capacity(rows.len());
    for row in &rows {
        signed.push(issuer.issue(&row.member, now).map_err(agency_error)?);
        progress.inc(1);
    }
    progress.finish_and_clear();
    let progress = bar(signed.len(), "registering");
    let cards: Vec<_> = signed.iter().map(|s| s.card.clone()).collect();
    let report = admin.register_cards(&cards, |done| progress.set_position(done as u64)).await.map_err(agency_error)?;
    progress.finish_and_clear();
    let faces: Vec<CardFace> = rows
        .iter()
        .zip(&signed)
        .map(|(row, card)| CardFace {
            qr_text: card.qr_text.clone(),
            name: row.member.full_name.clone(),
            department: row.member.department.clone(),
            staff_number: row.member.staff_number.clone(),
            agency_name: agency_name.clone(),
            photo_jpeg: row.photo.as_ref().and_then(|p| std::fs::read(p).ok()),
        })
        .collect();
    let progress = bar(faces.len(), "printing");
    let pdf = cardsheet::pdf(&faces, |done| progress.set_position(done as u64)).map_err(|e| CliError::failed("pdf", e))?;
    progress.finish_and_clear();
    std::fs::write(pdf_path, &pdf).map_err(|e| CliError::failed("unwritable_file", e.to_string()))?;
    // The earlier cards go only now: the new ones are registered and on paper, so nobody is left without a card
    // that gates accept. A failure leaves the rest of them valid and says which, for `cards revoke`.
    let mut revoked = Vec::with_capacity(replaced.len());
    for (n, card_id) in replaced.iter().enumerate() {
        if let Err(e) = admin.revoke_card(card_id, REPLACED_REASON).await {
            let left = replaced[n..].join(", ");
            let message = format!(
                "the new cards are registered and written to {}, but revoking the earlier cards stopped ({}): still valid: {left}; \
                 revoke them with `agency cards revoke`",
                pdf_path.display(),
                agency_error(e).message
            );
            return Err(CliError::failed("revocation_incomplete", message));
        }
        revoked.push(card_id.clone());
    }
    let pages = faces.len().div_ceil(cardsheet::PER_PAGE);
    let ids: Vec<_> = cards.iter().map(|c| json!({ "card_id": c.card_id, "staff_number": c.staff_number })).collect();
    out.print(
        &json!({ "cards": ids, "pages": pages, "file": pdf_path, "registered": report.registered,
            "already_registered": report.already_registered, "skipped_holding_a_card": holding.len(), "revoked": revoked }),
        || {
            let mut text = format!(
                "{} card(s) signed and registered ({} new), {pages} page(s) written to {}",
                cards.len(),
                report.registered,
                pdf_path.display()
            );
            if !holding.is_empty() {
                text.push_str(&format!("\n{} staff already hold a card and got none (--reissue replaces them)", holding.len()));
            }
            if !revoked.is_empty() {
                text.push_str(&format!("\n{} earlier card(s) revoked; gates refuse them after their next refresh", revoked.len()));
            }
            text
        },
    );
    Ok(())
}
