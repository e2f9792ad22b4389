//! `healthbook verify`, `healthbook pass show` and `healthbook trust ...`: the checkpoint and the health pass
//! from the terminal.

use std::io::Read;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use healthbook_core::trust::store::CheckpointTrustStore;
use healthbook_core::credentials::{self, TerminalTheme, Verdict, Verifier};
use healthbook_core::passes::{PassError, StoredPass};
use healthbook_core::session::SessionError;
use healthbook_core::trust::{TrustList, VerifyingKey};
use healthbook_core::Healthbook;

use crate::output::{CliError, Output};

/// Arguments of `healthbook verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The QR text (`HC1:...`, `HB1:...`, ...), or `-` to read it from standard input.
    qr_text: String,
    /// Trust this EU DCC signing certificate (base64 DER) for this check; repeatable.
    #[arg(long = "trust-cert", value_name = "BASE64_DER")]
    trust_certs: Vec<String>,
    /// Trust the issuer keys of this signed trust list (the JWS from the server's /v1/trust-list), checked
    /// against the pinned root key or --root-key.
    #[arg(long, value_name = "FILE")]
    trust_list: Option<PathBuf>,
    /// Root public key (base64 SPKI DER) to check --trust-list with, instead of the pinned one.
    #[arg(long)]
    root_key: Option<String>,
    /// Verify as at this time (RFC 3339), instead of now.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// With `-`: read one QR text per line and verify each (a batch, e.g. certificates exported by a lab or a
    /// site); prints one verdict per line (`--json`: an array) and exits 0 only when every one is valid.
    #[arg(long, requires = "qr_text")]
    each_line: bool,
}

/// Most text `verify - --each-line` reads from standard input: a few thousand QR texts.
const MAX_BATCH_INPUT: u64 = 16 * 1024 * 1024;

/// `healthbook pass ...`.
#[derive(Debug, Subcommand)]
pub enum PassCommand {
    /// Show a profile's health pass as a QR code (refreshed first when due and the server is reachable).
    Show {
        /// The profile (default: the owner's).
        #[arg(long)]
        profile: Option<String>,
        /// Also write the QR as SVG (for print, error correction Q, 50 mm).
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Also write the QR as PNG (for screens and sharing, error correction M).
        #[arg(long)]
        png: Option<PathBuf>,
    },
}

/// `healthbook trust ...`.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Pin the health authority's root public key (base64 SPKI DER), printed by `healthbook-server admin init`.
    Pin {
        /// The key.
        root_key: String,
    },
    /// Fetch the trust list and revocation list from the server and cache them for offline checks.
    Refresh,
    /// Trust an EU DCC signing certificate (base64 DER) on this installation.
    AddDccCert {
        /// The certificate.
        certificate: String,
    },
    /// Import a national backend's EU DCC document-signer list (e.g. Germany's
    /// https://de.dscg.ubirch.com/trustList/DSC/), checked with its publisher key; it replaces the signers of the
    /// list imported before (certificates added with add-dcc-cert stay).
    ImportDsc {
        /// A file holding the list, or an https:// URL serving it.
        source: String,
        /// The backend's publisher public key: a PEM file (or a file holding base64 DER SPKI).
        #[arg(long, value_name = "PEM_FILE")]
        publisher_key: PathBuf,
    },
    /// Show the trust sources in use: the pinned root key, the EU DCC document-signer list and its date.
    Status,
}

fn usage(message: impl Into<String>) -> CliError {
    CliError { exit: 2, ..CliError::failed("usage", message) }
}

fn pass_error(e: impl Into<PassError>) -> CliError {
    let e = e.into();
    if let PassError::NotBound(profile) = &e {
        return CliError::failed("not_bound", format!("profile {profile} is not bound to a person: run `healthbook person bind --profile {profile}` first"));
    }
    let e = match e {
        PassError::Settings(settings) => return settings.into(),
        other => other,
    };
    let code = match &e {
        PassError::Settings(_) => "settings",
        PassError::NoServer => "no_server",
        PassError::NoRootKey => "no_root_key",
        PassError::Unreachable(_) => "server_unreachable",
        PassError::Untrusted(_) => "untrusted_pass",
        PassError::NotBound(_) => "not_bound",
        PassError::Profile(_) => "not_found",
        PassError::Client(_) | PassError::Session(SessionError::Client(_)) => "server_error",
        PassError::Session(SessionError::Sealing(_) | SessionError::Storage(_)) => "storage",
        PassError::Checkpoint(_) => "bad_certificate",
        PassError::Corrupt(_) => "corrupt",
        PassError::Sealing(_) | PassError::Storage(_) => "storage",
    };
    CliError::failed(code, e.to_string())
}

/// The verdict as `--json` prints it.
pub fn verdict_json(verdict: &Verdict) -> Value {
    let mut value = serde_json::to_value(verdict).unwrap_or_else(|_| json!({}));
    if let Some(payload) = &verdict.payload {
        value["summary"] = Value::String(payload.describe());
    }
    value
}

fn verdict_text(verdict: &Verdict) -> String {
    let mut lines = Vec::new();
    let kind = serde_json::to_value(verdict.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    if verdict.valid {
        lines.push(format!("VALID {kind}"));
    } else {
        let stage = verdict.stage.map(|s| s.as_str()).unwrap_or("unknown");
        lines.push(format!("NOT VALID {kind}: {stage}: {}", verdict.error.as_deref().unwrap_or("")));
    }
    if let Some(holder) = &verdict.holder {
        lines.push(format!("holder: {}  born {}", holder.name, holder.birth_date.as_deref().unwrap_or("?")));
    }
    if let Some(payload) = &verdict.payload {
        lines.push(payload.describe());
    }
    if let Some(issuer) = verdict.signer.as_ref().or(verdict.issuer.as_ref()) {
        lines.push(format!("issuer: {issuer}"));
    }
    if let (Some(iat), Some(exp)) = (verdict.issued_at, verdict.expires_at) {
        lines.push(format!("valid {} to {} (UTC)", iat.format("%Y-%m-%d %H:%M"), exp.format("%Y-%m-%d %H:%M")));
    }
    if verdict.trust_list_stale {
        lines.push("WARNING: the trust list is stale; refresh it (revocations may be missing)".to_owned());
    }
    lines.join("\n")
}

/// Runs `healthbook verify`: exit 0 when valid, 1 when not, 2 on a usage error.
pub async fn verify(healthbook: &Healthbook, args: &VerifyArgs, out: &Output) -> Result<(), CliError> {
    if args.each_line && args.qr_text != "-" {
        return Err(usage("--each-line reads standard input: pass `-` as the QR text"));
    }
    let texts: Vec<String> = if args.each_line {
        let mut buffer = String::new();
        std::io::stdin().take(MAX_BATCH_INPUT).read_to_string(&mut buffer).map_err(|e| usage(format!("reading stdin: {e}")))?;
        // Each line exactly as given but for its line ending (a space is a Base45 digit); blank lines are skipped.
        buffer.lines().map(|line| line.trim_end_matches('\r')).filter(|line| !line.is_empty()).map(str::to_owned).collect()
    } else if args.qr_text == "-" {
        let mut buffer = String::new();
        // Read a bounded amount: a QR holds a few KiB; anything larger is not a QR text.
        std::io::stdin().take(64 * 1024).read_to_string(&mut buffer).map_err(|e| usage(format!("reading stdin: {e}")))?;
        // Only the line ending the terminal or file adds: a space is a Base45 digit, so the text is otherwise
        // taken exactly as given.
        vec![buffer.trim_end_matches(['\r', '\n']).to_owned()]
    } else {
        vec![args.qr_text.clone()]
    };
    let at: DateTime<Utc> = match &args.at {
        Some(at) => DateTime::parse_from_rfc3339(at).map_err(|e| usage(format!("--at must be RFC 3339 ({e})")))?.with_timezone(&Utc),
        None => healthbook.clock().now(),
    };
    let mut store: CheckpointTrustStore = healthbook.trust().store().map_err(pass_error)?;
    for cert in &args.trust_certs {
        store.add_dcc_certificate_base64(cert).map_err(|e| usage(format!("--trust-cert: {e}")))?;
    }
    if let Some(path) = &args.trust_list {
        let jws = std::fs::read_to_string(path).map_err(|e| usage(format!("--trust-list {}: {e}", path.display())))?;
        let root_text = match &args.root_key {
            Some(key) => key.clone(),
            None => healthbook
                .settings()
                .root_key()
                .await
                .map_err(|e| CliError::failed("storage", e.to_string()))?
                .ok_or_else(|| usage("--trust-list needs a root key: pass --root-key or pin one with `healthbook trust pin`"))?,
        };
        let root = VerifyingKey::from_spki_base64(&root_text).map_err(|e| usage(format!("--root-key: {e}")))?;
        let list = TrustList::verify(jws.trim(), &root).map_err(|e| CliError::failed("untrusted_trust_list", format!("{}: {e}", path.display())))?;
        store.add_trust_list(&list).map_err(|e| CliError::failed("untrusted_trust_list", e.to_string()))?;
    }
    if texts.is_empty() {
        return Err(usage("no QR text on standard input"));
    }
    let verifier = Verifier::new(store);
    let verdicts: Vec<_> = texts.iter().map(|text| verifier.verify(text, at)).collect();
    let all_valid = verdicts.iter().all(|v| v.valid);
    if args.each_line {
        let json = Value::Array(verdicts.iter().map(verdict_json).collect());
        out.print(&json, || {
            let valid = verdicts.iter().filter(|v| v.valid).count();
            let mut lines: Vec<String> = verdicts.iter().map(verdict_text).collect();
            lines.push(format!("{valid} of {} valid", verdicts.len()));
            lines.join("\n")
        });
    } else if let Some(verdict) = verdicts.first() {
        out.print(&verdict_json(verdict), || verdict_text(verdict));
    }
    if all_valid {
        Ok(())
    } else {
        // The verdict is the answer and is already printed; only the exit code says "not valid".
        Err(CliError { silent: true, ..CliError::failed("not_valid", "not valid") })
    }
}

fn pass_json(pass: &StoredPass, now: DateTime<Utc>) -> Value {
    json!({
        "profile_id": pass.profile_id,
        "qr": pass.qr,
        "credential_id": pass.credential_id,
        "status": pass.status,
        "reasons": pass.reasons,
        "issued_at": pass.issued_at.to_rfc3339(),
        "expires_at": pass.expires_at.to_rfc3339(),
        "expired": pass.is_expired(now),
    })
}

/// Runs `healthbook pass show`.
pub async fn pass(healthbook: &Healthbook, command: &PassCommand, out: &Output) -> Result<(), CliError> {
    let PassCommand::Show { profile, svg, png } = command;
    let profile_id = match profile {
        Some(id) => id.clone(),
        None => healthbook
            .profiles()
            .list()
            .await?
            .into_iter()
            .find(|p| p.relation == healthbook_core::profiles::ProfileRelation::Myself)
            .map(|p| p.id)
            .ok_or_else(|| usage("no owner profile: pass --profile ID"))?,
    };
    let pass = healthbook
        .passes()
        .current(&profile_id)
        .await
        .map_err(pass_error)?
        .ok_or_else(|| CliError::failed("no_pass", "no pass yet: connect to the server once (`--server URL`)"))?;
    if let Some(path) = svg {
        let svg = credentials::render_svg(&pass.qr, 50).map_err(|e| CliError::failed("render", e.to_string()))?;
        std::fs::write(path, svg).map_err(|e| CliError::failed("io", format!("{}: {e}", path.display())))?;
    }
    if let Some(path) = png {
        let png = credentials::render_png(&pass.qr, 8).map_err(|e| CliError::failed("render", e.to_string()))?;
        std::fs::write(path, png).map_err(|e| CliError::failed("io", format!("{}: {e}", path.display())))?;
    }
    let now = healthbook.clock().now();
    out.print(&pass_json(&pass, now), || {
        let qr = credentials::render_unicode(&pass.qr, TerminalTheme::Dark).unwrap_or_default();
        let state = if pass.is_expired(now) { " (EXPIRED: connect to refresh)" } else { "" };
        format!(
            "{qr}\nstatus: {} ({}){state}\nvalid until {} UTC",
            pass.status.to_uppercase(),
            pass.reasons.join(", "),
            pass.expires_at.format("%Y-%m-%d %H:%M")
        )
    });
    Ok(())
}

/// Runs `healthbook trust ...`.
pub async fn trust(healthbook: &Healthbook, command: &TrustCommand, out: &Output) -> Result<(), CliError> {
    match command {
        TrustCommand::Pin { root_key } => {
            healthbook.settings().set_root_key(Some(root_key.clone())).await.map_err(|e| usage(e.to_string()))?;
            out.print(&json!({ "pinned": true }), || "root key pinned".to_owned());
        }
        TrustCommand::Refresh => {
            let refresh = healthbook.trust().refresh().await.map_err(pass_error)?;
            out.print(
                &json!({ "trust_list_version": refresh.trust_list_version, "revocations_version": refresh.revocations_version, "online": refresh.online }),
                || format!("trust list v{}, revocations v{}{}", refresh.trust_list_version, refresh.revocations_version, if refresh.online { "" } else { " (offline: cached copies)" }),
            );
        }
        TrustCommand::AddDccCert { certificate } => {
            let kid = healthbook.trust().add_dcc_certificate(certificate).await.map_err(pass_error)?;
            out.print(&json!({ "kid": kid }), || format!("trusted EU DCC signer {kid}"));
        }
        TrustCommand::ImportDsc { source, publisher_key } => {
            let key = std::fs::read_to_string(publisher_key)
                .map_err(|e| usage(format!("--publisher-key {}: {e}", publisher_key.display())))?;
            let trust = healthbook.trust();
            let imported = if source.starts_with("https://") || source.starts_with("http://") {
                trust.import_dcc_signers_from_url(source, &key).await
            } else {
                let text = read_bounded(source)?;
                trust.import_dcc_signers(&text, &key).await
            }
            .map_err(dsc_error)?;
            out.print(
                &json!({
                    "accepted": imported.accepted,
                    "skipped": imported.skipped,
                    "countries": imported.countries,
                    "list_date": imported.list_date,
                }),
                || {
                    format!(
                        "EU DCC signers: {} accepted, {} skipped, {} countries; list of {}",
                        imported.accepted,
                        imported.skipped,
                        imported.countries,
                        imported.list_date.to_rfc3339()
                    )
                },
            );
        }
        TrustCommand::Status => {
            let root = healthbook.settings().root_key().await.map_err(|e| CliError::failed("storage", e.to_string()))?;
            let dcc = healthbook.trust().dcc_signer_status().await.map_err(pass_error)?;
            let list = dcc.list.as_ref();
            out.print(
                &json!({
                    "root_key_pinned": root.is_some(),
                    "dcc_signer_list": list.map(|l| json!({
                        "source": l.source,
                        "list_date": l.list_date,
                        "imported_at": l.imported_at,
                        "signers": l.signers,
                        "server_version": l.server_version,
                    })),
                    "dcc_signers_added_by_hand": dcc.manual,
                }),
                || {
                    let mut lines = vec![format!("root key: {}", if root.is_some() { "pinned" } else { "not pinned" })];
                    lines.push(match list {
                        Some(l) => format!(
                            "EU DCC signer list: {} signers, list of {} (source {}, imported {})",
                            l.signers,
                            l.list_date.to_rfc3339(),
                            l.source,
                            l.imported_at.to_rfc3339()
                        ),
                        None => "EU DCC signer list: none imported".to_owned(),
                    });
                    lines.push(format!("EU DCC signers added by hand: {}", dcc.manual));
                    lines.join("\n")
                },
            );
        }
    }
    Ok(())
}

/// Reads a document-signer list file, refusing one larger than the parser accepts before reading it all.
fn read_bounded(path: &str) -> Result<String, CliError> {
    let limit = healthbook_core::trust::dcc_signers::MAX_DSC_LIST_BYTES as u64;
    let file = std::fs::File::open(path).map_err(|e| usage(format!("{path}: {e}")))?;
    let mut text = String::new();
    file.take(limit + 1).read_to_string(&mut text).map_err(|e| usage(format!("{path}: {e}")))?;
    if text.len() as u64 > limit {
        return Err(CliError::failed("dsc_list_refused", "the document-signer list is larger than 16 MiB"));
    }
    Ok(text)
}

/// A refused or unreachable document-signer list, as the CLI reports it.
fn dsc_error(e: healthbook_core::trust::TrustStoreError) -> CliError {
    use healthbook_core::trust::TrustStoreError;
    use healthbook_core::trust::store::CheckpointError;
    match e {
        TrustStoreError::Checkpoint(CheckpointError::DscList(refusal)) => {
            let code = if matches!(refusal, healthbook_core::trust::DscListError::BadPublisherKey) { "bad_publisher_key" } else { "dsc_list_refused" };
            CliError::failed(code, refusal.to_string())
        }
        other => pass_error(other),
    }
}
