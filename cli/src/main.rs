//! `healthbook`: the terminal front end of the Healthbook core (agencies, checkpoint laptops, scripts).
//!
//! Exit codes: 0 success, 1 a refused or failed operation (message on stderr), 2 a usage error, 3 a roster import
//! that was checked but not accepted (nothing sent).

mod agency;
mod checkin;
mod credentials;
mod declare;
mod doctor;
mod gate;
mod hotline;
mod keyfile;
mod output;
mod person;
mod poster;
mod profile;
mod quarantine;
mod results;
mod vaccination;
mod volunteer;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use healthbook_cli::print;
use healthbook_core::{Healthbook, HealthbookConfig};

use crate::output::{CliError, Output};

/// Healthbook: health declarations, passes, check-ins and more, from the terminal.
#[derive(Debug, Parser)]
#[command(name = "healthbook", version, about)]
struct Cli {
    /// Directory holding this installation's database and keys.
    #[arg(long, env = "HEALTHBOOK_DATA_DIR", default_value = "./healthbook-data", global = true)]
    data_dir: PathBuf,
    /// Base URL of the Healthbook server (overrides the saved setting for this run).
    #[arg(long, env = "HEALTHBOOK_SERVER", global = true)]
    server: Option<String>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage the people on this installation (owner, family, people a volunteer manages).
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Fill in a health or movement declaration; it is saved offline and sent at the next sync.
    Declare(declare::DeclareArgs),
    /// Show what waits to be sent.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Send everything due to the server.
    Sync,
    /// Verify a QR offline (our passes and cards, EU DCC): exit 0 valid, 1 not valid, 2 usage error.
    Verify(credentials::VerifyArgs),
    /// Bind profiles to their person records on the server (needed for a pass), list and remove bindings.
    #[command(subcommand)]
    Person(person::PersonCommand),
    /// The personal health pass.
    #[command(subcommand)]
    Pass(credentials::PassCommand),
    /// Trust sources for verification: the root key, the trust list, EU DCC certificates.
    #[command(subcommand)]
    Trust(credentials::TrustCommand),
    /// Test results: register a sample code, follow its result; sampling-site commands.
    #[command(subcommand)]
    Test(results::TestCommand),
    /// Lab commands: upload results.
    #[command(subcommand)]
    Lab(results::LabCommand),
    /// Check in at a venue by its poster, check out, or add a place by hand.
    #[command(subcommand)]
    Checkin(checkin::CheckInCommand),
    /// Show the check-in diary (kept on this device for 21 days), in local time.
    Diary,
    /// Match the diary against the risky venues the health authority publishes.
    #[command(subcommand)]
    Exposure(checkin::ExposureCommand),
    /// Agency staff: register venues and gates, print posters.
    #[command(subcommand)]
    Venue(checkin::VenueCommand),
    /// A gate device: bind to a gate, scan cards in and out, sync the passages.
    #[command(subcommand)]
    Gate(gate::GateCommand),
    /// Agency admins: the agency key, staff rosters, staff cards.
    #[command(subcommand)]
    Agency(agency::AgencyCommand),
    /// The set-up check: server, trust list, bindings, passes, outbox (phone permissions: not checked here).
    Doctor(doctor::DoctorArgs),
    /// Volunteers: enrol people without smartphones, record consent and doses, declare for them, print cards.
    #[command(subcommand)]
    Volunteer(volunteer::VolunteerCommand),
    /// Vaccination: register, answer invitations, see doses and the certificate.
    #[command(subcommand)]
    Vaccine(vaccination::VaccineCommand),
    /// Home quarantine: the countdown, commitment, enrolment, check-ins with simulated sensors, explanations.
    #[command(subcommand)]
    Quarantine(quarantine::QuarantineCommand),
    /// The hotline: search the province's Q&A offline, send a question or a report, see the answers.
    #[command(subcommand)]
    Hotline(hotline::HotlineCommand),
}

#[derive(Debug, Subcommand)]
enum OutboxCommand {
    /// List queued and refused items with their attempts and last error.
    List,
    /// Make an item due now (also one the server refused).
    Retry {
        /// Outbox item id.
        id: i64,
    },
}

fn open(cli: &Cli) -> Result<Healthbook, CliError> {
    let keys = keyfile::KeyFileStore::new(cli.data_dir.join("keys"), std::env::var("HEALTHBOOK_DATA_KEY").ok())
        .map_err(|e| CliError::failed("key_store", e.to_string()))?;
    Healthbook::open(HealthbookConfig::new(cli.data_dir.clone(), Arc::new(keys))).map_err(CliError::from)
}

async fn run(cli: &Cli, out: &Output) -> Result<(), CliError> {
    let healthbook = open(cli)?;
    if let Some(server) = &cli.server {
        healthbook.settings().set_server_url(Some(server.clone())).await?;
    }
    match &cli.command {
        Command::Profile(command) => profile::run(&healthbook, command, out).await,
        Command::Declare(args) => declare::declare(&healthbook, args, out).await,
        Command::Outbox(OutboxCommand::List) => declare::outbox_list(&healthbook, out).await,
        Command::Outbox(OutboxCommand::Retry { id }) => {
            healthbook.outbox().retry(*id).await?;
            out.print(&serde_json::json!({ "retry": id }), || format!("item {id} will be sent at the next sync"));
            Ok(())
        }
        Command::Sync => declare::sync(&healthbook, out).await,
        Command::Verify(args) => credentials::verify(&healthbook, args, out).await,
        Command::Person(command) => person::run(&healthbook, command, out).await,
        Command::Pass(command) => credentials::pass(&healthbook, command, out).await,
        Command::Trust(command) => credentials::trust(&healthbook, command, out).await,
        Command::Test(command) => results::run_test(&healthbook, command, out).await,
        Command::Lab(command) => results::run_lab(&healthbook, command, out).await,
        Command::Checkin(command) => checkin::run_checkin(&healthbook, command, out).await,
        Command::Diary => checkin::run_diary(&healthbook, out).await,
        Command::Exposure(command) => checkin::run_exposure(&healthbook, command, out).await,
        Command::Venue(command) => checkin::run_venue(&healthbook, command, out).await,
        Command::Gate(command) => gate::run(&healthbook, command, out).await,
        Command::Agency(command) => agency::run(&healthbook, &cli.data_dir, command, out).await,
        Command::Doctor(args) => doctor::run(&healthbook, args, out).await,
        Command::Volunteer(command) => volunteer::run(&healthbook, command, out).await,
        Command::Vaccine(command) => vaccination::run(&healthbook, command, out).await,
        Command::Quarantine(command) => quarantine::run(&healthbook, command, out).await,
        Command::Hotline(command) => hotline::run(&healthbook, command, out).await,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output { json: cli.json };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            out.error(&CliError::failed("runtime", e.to_string()));
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(&cli, &out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}
