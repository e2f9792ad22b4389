//! `healthbook-server`: serve the API, or administer the database (`admin init`, `admin create-account`, ...).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use healthbook_core::{Clock, SystemClock};
use healthbook_server::admin::{self, AdminError};
use healthbook_server::access::AreaScope;
use healthbook_server::keys::{KEK_ENV, KekSettings, open_database};
use healthbook_server::persons::sms::{HttpSmsSender, LogSmsSender, SmsSender};
use healthbook_server::{AppState, Database, DatabaseLocation, ServerConfig};
use tracing_subscriber::EnvFilter;
use healthbook_protocol::Role;

#[derive(Debug, Parser)]
#[command(name = "healthbook-server", version, about = "Healthbook reference backend")]
struct Cli {
    /// Directory for the embedded SQLite database.
    #[arg(long, env = "HEALTHBOOK_DATA_DIR", default_value = "healthbook-data", global = true)]
    data_dir: PathBuf,
    /// `postgres://user:pass@host/db` to use PostgreSQL; otherwise SQLite in the data directory.
    #[arg(long, env = "HEALTHBOOK_DATABASE", global = true)]
    database: Option<String>,
    /// PEM file of the certificate authorities trusted for PostgreSQL's TLS certificate (default: Mozilla's
    /// roots). TLS is required unless the database is on loopback.
    #[arg(long, env = "HEALTHBOOK_DATABASE_CA_FILE", global = true)]
    database_ca_file: Option<PathBuf>,
    /// Most PostgreSQL connections this instance keeps open.
    #[arg(long, env = "HEALTHBOOK_DB_POOL_SIZE", default_value_t = 16, global = true)]
    db_pool_size: usize,
    /// Address to listen on.
    #[arg(long, env = "HEALTHBOOK_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    listen: SocketAddr,
    /// Log format.
    #[arg(long, env = "HEALTHBOOK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    /// PBKDF2 iterations for new passwords.
    #[arg(long, env = "HEALTHBOOK_PBKDF2_ITERATIONS", default_value_t = 600_000, global = true)]
    pbkdf2_iterations: u32,
    /// Bearer token lifetime, in seconds.
    #[arg(long, env = "HEALTHBOOK_TOKEN_TTL_SECS", default_value_t = 1800, global = true)]
    token_ttl_secs: i64,
    /// Requests per minute per account (0 = unlimited).
    #[arg(long, env = "HEALTHBOOK_RATE_LIMIT_PER_MINUTE", default_value_t = 600, global = true)]
    rate_limit_per_minute: u32,
    /// File holding the key-encryption key (base64 of 32 bytes) that seals the private keys in the database;
    /// `HEALTHBOOK_KEK` may hold the key itself instead. Without either, `kek` in the data directory (generated
    /// on first start).
    #[arg(long, env = "HEALTHBOOK_KEK_FILE", global = true)]
    kek_file: Option<PathBuf>,
    /// Proxies (comma-separated addresses) whose `X-Forwarded-For` is believed for per-address limits; none by
    /// default, so behind a load balancer list the balancer's addresses here.
    #[arg(long, env = "HEALTHBOOK_TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Password hashes computed at once (0 = one fewer than the cores, at least one).
    #[arg(long, env = "HEALTHBOOK_PASSWORD_HASH_THREADS", default_value_t = 0, global = true)]
    password_hash_threads: usize,
    /// Password hashes that may wait for a thread before logins are answered 503 (0 = four per thread).
    #[arg(long, env = "HEALTHBOOK_PASSWORD_HASH_QUEUE", default_value_t = 0, global = true)]
    password_hash_queue: usize,
    /// Failed logins per minute per client address before it is backed off (0 = unlimited).
    #[arg(long, env = "HEALTHBOOK_LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE", default_value_t = 30, global = true)]
    login_failures_per_address_per_minute: u32,
    /// Device challenge (and, separately, token) requests per minute per client address (0 = unlimited).
    #[arg(long, env = "HEALTHBOOK_DEVICE_AUTH_PER_ADDRESS_PER_MINUTE", default_value_t = 300, global = true)]
    device_auth_per_address_per_minute: u32,
    /// Days after which test-result registrations, samples, pools and results are deleted.
    #[arg(long, env = "HEALTHBOOK_RESULTS_RETENTION_DAYS", default_value_t = 21, global = true)]
    results_retention_days: u32,
    /// Days after which gate passages are deleted (counted from their scan).
    #[arg(long, env = "HEALTHBOOK_PASSAGES_RETENTION_DAYS", default_value_t = 21, global = true)]
    passages_retention_days: u32,
    /// Sample registrations per device per hour (0 = unlimited).
    #[arg(long, env = "HEALTHBOOK_RESULT_REGISTRATIONS_PER_HOUR", default_value_t = 10, global = true)]
    result_registrations_per_hour: u32,
    /// Citizen ids that may enter one agency's staff roster in any 24 hours (added, or changed on a row).
    #[arg(long, env = "HEALTHBOOK_ROSTER_NEW_CITIZEN_IDS_PER_DAY", default_value_t = 20_000, global = true)]
    roster_new_citizen_ids_per_day: u32,
    /// Largest request body, in bytes.
    #[arg(long, env = "HEALTHBOOK_BODY_LIMIT_BYTES", default_value_t = 64 * 1024, global = true)]
    body_limit_bytes: usize,
    /// The console is served over plain HTTP (local use: a laptop, a demo), so its cookies go without `Secure`,
    /// which a browser would never send back over HTTP. Never set behind a TLS proxy: there the cookies must
    /// stay `Secure` even though this server itself listens without TLS.
    #[arg(long, env = "HEALTHBOOK_CONSOLE_PLAIN_HTTP", global = true)]
    console_plain_http: bool,
    /// URL of an SMS gateway that takes `{"to", "text"}` as JSON with a bearer key; without one, text messages
    /// (binding codes) are written to the server log.
    #[arg(long, env = "HEALTHBOOK_SMS_GATEWAY_URL", global = true)]
    sms_gateway_url: Option<String>,
    /// File holding the SMS gateway's bearer key; `HEALTHBOOK_SMS_GATEWAY_KEY` may hold the key itself instead.
    #[arg(long, env = "HEALTHBOOK_SMS_GATEWAY_KEY_FILE", global = true)]
    sms_gateway_key_file: Option<PathBuf>,
    /// PEM file (or base64 DER) of the P-256 public key that signs the EU DCC document-signer lists of the national
    /// backend the authority imports from (`POST /v1/dcc-signers`, `admin import-dcc-signers`); without it every
    /// list is refused with `dcc_signer_list_refused`.
    #[arg(long, env = "HEALTHBOOK_DCC_SIGNER_LIST_KEY_FILE", global = true)]
    dcc_signer_list_key: Option<PathBuf>,
    /// Whose document-signer lists those are, as republished to phones (`DE` for Germany's backend).
    #[arg(long, env = "HEALTHBOOK_DCC_SIGNER_LIST_SOURCE", default_value = "DE", global = true)]
    dcc_signer_list_source: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Administer the database directly.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Print the OpenAPI document (the same as `GET /openapi.json`) and exit; touches no database.
    Openapi,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create the authority root key and the first authority admin; prints the root public key to pin.
    Init {
        /// Username of the first authority admin.
        #[arg(long, default_value = "admin")]
        username: String,
        /// Its password (generated and printed when absent).
        #[arg(long, env = "HEALTHBOOK_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Create a staff account.
    CreateAccount {
        /// agency_admin, gate_operator, volunteer, health_officer, lab or authority_admin.
        #[arg(long)]
        role: String,
        /// Login name.
        #[arg(long)]
        username: String,
        /// Agency id (agency_admin and gate_operator).
        #[arg(long)]
        agency: Option<String>,
        /// Province code of the area the account may read (required for health_officer).
        #[arg(long)]
        province: Option<String>,
        /// Ward codes narrowing the area, comma-separated.
        #[arg(long, value_delimiter = ',')]
        wards: Vec<String>,
        /// Password (generated and printed when absent).
        #[arg(long, env = "HEALTHBOOK_ACCOUNT_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Create an agency; prints its id.
    CreateAgency {
        /// Display name.
        #[arg(long)]
        name: String,
    },
    /// Print the root public key (base64 SPKI DER) that phones pin.
    RootKey,
    /// Replace a service's signing key: the new key is listed and signs at once, the old one stays listed
    /// until what it signed has expired.
    RotateServiceKey {
        /// `receipts`, `passes`, `lab-results`, `venue-posters` or `control-cards`.
        #[arg(value_parser = ["receipts", "passes", "lab-results", "venue-posters", "control-cards"])]
        service: String,
    },
    /// Import an EU DCC document-signer list from a file (as the national backend serves it), checked with
    /// `--dcc-signer-list-key`, and republish it to phones; the same as `POST /v1/dcc-signers`.
    ImportDccSigners {
        /// The list file.
        file: PathBuf,
    },
    /// List an `authority` issuer key (the API refuses them): needs the database and its key-encryption key.
    AddAuthorityKey {
        /// P-256 public key, base64 SPKI DER.
        #[arg(long)]
        public_key: String,
        /// Where its signatures count.
        #[arg(long, default_value = "*")]
        scope: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Days of validity from now.
        #[arg(long, default_value_t = 365)]
        days: i64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

fn database_location(cli: &Cli) -> DatabaseLocation {
    match &cli.database {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            DatabaseLocation::Postgres {
                url: url.clone(),
                pool_size: cli.db_pool_size,
                ca_file: cli.database_ca_file.clone(),
            }
        }
        Some(path) => DatabaseLocation::Sqlite(PathBuf::from(path.strip_prefix("sqlite://").unwrap_or(path))),
        None => DatabaseLocation::Sqlite(cli.data_dir.join("healthbook.db")),
    }
}

fn generated_password() -> Result<String, String> {
    healthbook_server::util::random_secret(18).map_err(|e| e.to_string())
}

/// The document-signer list publisher key the flags name, if any; a file that does not hold one stops the start.
fn dcc_signer_list_key(cli: &Cli) -> Result<Option<healthbook_core::trust::PublisherKey>, String> {
    let Some(path) = &cli.dcc_signer_list_key else { return Ok(None) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the document-signer list key file {}: {e}", path.display()))?;
    healthbook_core::trust::PublisherKey::parse(&text).map(Some).map_err(|e| format!("{}: {e}", path.display()))
}

/// The SMS sender the flags ask for: the gateway when a URL is given (then a key is required), else the log.
fn sms_sender(cli: &Cli) -> Result<Arc<dyn SmsSender>, String> {
    let Some(url) = cli.sms_gateway_url.as_deref().filter(|u| !u.trim().is_empty()) else {
        tracing::info!("no SMS gateway configured: text messages are written to the log (target sms)");
        return Ok(Arc::new(LogSmsSender));
    };
    let key = match &cli.sms_gateway_key_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the SMS gateway key file {}: {e}", path.display()))?,
        None => std::env::var("HEALTHBOOK_SMS_GATEWAY_KEY")
            .map_err(|_| "--sms-gateway-url needs --sms-gateway-key-file or HEALTHBOOK_SMS_GATEWAY_KEY".to_owned())?,
    };
    let sender = HttpSmsSender::new(url, &key).map_err(|e| e.to_string())?;
    Ok(Arc::new(sender))
}

async fn run(cli: Cli) -> Result<(), String> {
    if matches!(cli.command, Some(Command::Openapi)) {
        println!("{}", healthbook_server::openapi::document_json().map_err(|e| e.to_string())?);
        return Ok(());
    }
    let location = database_location(&cli);
    let kek = KekSettings {
        file: cli.kek_file.clone(),
        base64: std::env::var(KEK_ENV).ok().filter(|v| !v.trim().is_empty()),
        data_dir: cli.data_dir.clone(),
    };
    let db = open_database(&location, &kek).await.map_err(|e| format!("cannot open the database: {e}"))?;
    let clock = Arc::new(SystemClock);
    match cli.command {
        None | Some(Command::Serve) => {
            // Before listening, so that a half-configured gateway stops the start rather than the first binding.
            let sms = sms_sender(&cli)?;
            let dcc_signer_list_key = dcc_signer_list_key(&cli)?;
            let defaults = ServerConfig::default();
            let password_hash_threads =
                if cli.password_hash_threads == 0 { defaults.password_hash_threads } else { cli.password_hash_threads };
            let password_hash_queue =
                if cli.password_hash_queue == 0 { 4 * password_hash_threads } else { cli.password_hash_queue };
            let config = ServerConfig {
                token_ttl: chrono::Duration::seconds(cli.token_ttl_secs.max(1)),
                rate_limit_per_minute: cli.rate_limit_per_minute,
                body_limit_bytes: cli.body_limit_bytes,
                pbkdf2_iterations: cli.pbkdf2_iterations,
                trusted_proxies: cli.trusted_proxies.clone(),
                password_hash_threads,
                password_hash_queue,
                login_failures_per_address_per_minute: cli.login_failures_per_address_per_minute,
                device_auth_per_address_per_minute: cli.device_auth_per_address_per_minute,
                results_retention: chrono::Duration::days(i64::from(cli.results_retention_days.max(1))),
                passages_retention: chrono::Duration::days(i64::from(cli.passages_retention_days.max(1))),
                result_registrations_per_hour: cli.result_registrations_per_hour,
                roster_new_citizen_ids_per_day: cli.roster_new_citizen_ids_per_day,
                dcc_signer_list_key,
                dcc_signer_list_source: cli.dcc_signer_list_source.clone(),
                // Only an explicit opt-in drops `Secure`: listening on loopback alone is also what a server behind a
                // TLS-terminating proxy on the same host does.
                console_secure_cookies: !cli.console_plain_http,
                ..defaults
            };
            healthbook_server::declarations::seed_bundled_forms(&db, clock.now())
                .await
                .map_err(|e| format!("cannot seed the bundled forms: {e}"))?;
            if admin::root_key(&db).await.map_err(|e| e.to_string())?.is_none() {
                tracing::warn!("not initialised: run `healthbook-server admin init` to create the authority key");
            }
            let listener = tokio::net::TcpListener::bind(cli.listen)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", cli.listen))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!(%addr, database = ?db.backend(), "listening");
            healthbook_server::persons::db::ensure_secrets(&db, clock.now())
                .await
                .map_err(|e| format!("cannot prepare the identity secrets: {e}"))?;
            let state = AppState::new(db, clock, config).with_sms(sms);
            healthbook_server::serve(listener, state, shutdown_signal()).await.map_err(|e| e.to_string())?;
            tracing::info!("stopped");
            Ok(())
        }
        Some(Command::Admin(AdminCommand::ImportDccSigners { ref file })) => {
            let key = dcc_signer_list_key(&cli)?.ok_or("--dcc-signer-list-key (or HEALTHBOOK_DCC_SIGNER_LIST_KEY_FILE) is required")?;
            let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let list = healthbook_server::dcc_signers::parse(text, key).await.map_err(|e| e.to_string())?;
            let source = cli.dcc_signer_list_source.clone();
            let now = clock.now();
            let report = db
                .write(move |tx| healthbook_server::dcc_signers::store_list(tx, &list, &source, None, now))
                .await
                .map_err(|e: healthbook_server::ApiError| e.to_string())?;
            println!(
                "EU DCC signers: {} accepted, {} skipped, {} countries; list of {}; published as version {}",
                report.accepted,
                report.skipped,
                report.countries,
                report.list_date.to_rfc3339(),
                report.version
            );
            Ok(())
        }
        Some(Command::Admin(command)) => run_admin(&db, clock, command, cli.pbkdf2_iterations).await,
        Some(Command::Openapi) => Ok(()),
    }
}

async fn run_admin(
    db: &Database,
    clock: Arc<SystemClock>,
    command: AdminCommand,
    iterations: u32,
) -> Result<(), String> {
    match command {
        AdminCommand::Init { username, password } => {
            let generated = password.is_none();
            let password = match password {
                Some(p) => p,
                None => generated_password()?,
            };
            let report = admin::init(db, clock, &username, &password, iterations).await.map_err(describe)?;
            println!("root public key (pin this in the apps): {}", report.root_public_key);
            println!("root key id: {}", report.root_kid);
            println!("authority admin: {} ({})", username, report.admin.id);
            if generated {
                println!("authority admin password (shown once): {password}");
            }
            Ok(())
        }
        AdminCommand::CreateAccount { role, username, agency, province, wards, password } => {
            let role = Role::parse(&role).ok_or_else(|| format!("unknown role {role:?}"))?;
            let generated = password.is_none();
            let password = match password {
                Some(p) => p,
                None => generated_password()?,
            };
            let area = province.map(|province| AreaScope { province, wards });
            let account = admin::create_account_in_area(db, clock, role, &username, &password, agency, area, iterations)
                .await
                .map_err(describe)?;
            println!("account: {} ({}, role {})", username, account.id, account.role);
            if generated {
                println!("password (shown once): {password}");
            }
            Ok(())
        }
        AdminCommand::CreateAgency { name } => {
            let agency = admin::create_agency(db, clock, &name).await.map_err(describe)?;
            println!("{}", agency.id);
            Ok(())
        }
        AdminCommand::RootKey => match admin::root_key(db).await.map_err(describe)? {
            Some(key) => {
                println!("{key}");
                Ok(())
            }
            None => Err(AdminError::NotInitialized.to_string()),
        },
        AdminCommand::RotateServiceKey { service } => {
            let rotation = admin::rotate_service_key(db, clock, &service).await.map_err(describe)?;
            println!("{}: signing with {} from now on", rotation.service, rotation.new_kid);
            if !rotation.old_kid.is_empty() {
                println!("old key {} stays in the trust list until {}", rotation.old_kid, rotation.old_not_after.to_rfc3339());
            }
            Ok(())
        }
        // Needs the flags, so `run` handles it before coming here.
        AdminCommand::ImportDccSigners { .. } => Err("import-dcc-signers is run with the server's flags".into()),
        AdminCommand::AddAuthorityKey { public_key, scope, name, days } => {
            let now = clock.now();
            let key = admin::NewAuthorityKey {
                public_key,
                scope,
                name,
                not_before: now,
                not_after: now + chrono::Duration::days(days.max(1)),
            };
            let added = admin::add_authority_key(db, clock, key).await.map_err(describe)?;
            println!("authority key {} listed until {}", added.kid, added.not_after.to_rfc3339());
            Ok(())
        }
    }
}

fn describe(e: AdminError) -> String {
    e.to_string()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
