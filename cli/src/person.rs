//! `healthbook person ...`: bind a profile to its person record on the server (by a code sent by SMS, or by
//! showing an officer or volunteer an attestation code), list the bindings, unbind.

use std::io::{BufRead, Write};

use clap::Subcommand;
use serde_json::{json, Value};

use healthbook_core::credentials::{self, TerminalTheme};
use healthbook_core::persons::{AttestationCode, Binding, BindingList, PersonError, SmsChallenge};
use healthbook_core::session::SessionError;
use healthbook_core::Healthbook;

use crate::output::{CliError, Output};

/// Person commands.
#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Bind a profile to its person: a code is sent by SMS to the phone number on record, then entered here
    /// (asked for, or given with --code later).
    Bind {
        /// The profile.
        #[arg(long)]
        profile: String,
        /// The code received by SMS, for the binding started earlier for this profile.
        #[arg(long, conflicts_with = "attest")]
        code: Option<String>,
        /// The citizen id (12-digit CCCD or 9-digit CMND), when the profile has none.
        #[arg(long)]
        citizen_id: Option<String>,
        /// The phone number to send the code to, when the profile has none (a known person's code goes to
        /// the number on record).
        #[arg(long)]
        phone: Option<String>,
        /// Show a code for an officer or volunteer to attest instead (as `person attest-code`).
        #[arg(long)]
        attest: bool,
    },
    /// Show a code (and its QR) to give an officer or volunteer who checks the id card and binds the profile.
    AttestCode {
        /// The profile.
        #[arg(long)]
        profile: String,
    },
    /// List the bound profiles with their person, and the other phones bound to the same person.
    List {
        /// Only this profile.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Remove this installation's binding of a profile (and the pass kept for it).
    Unbind {
        /// The profile.
        #[arg(long)]
        profile: String,
    },
    /// Remove another phone's binding to the person a profile is bound to.
    RemoveOther {
        /// The profile.
        #[arg(long)]
        profile: String,
        /// The other device, as `person list` shows it.
        #[arg(long)]
        device: String,
    },
}

fn person_error(e: PersonError) -> CliError {
    let e = match e {
        PersonError::Profile(p) => return CliError::from(p),
        other => other,
    };
    let code = match &e {
        PersonError::NoServer => "no_server",
        PersonError::Unreachable(_) => "server_unreachable",
        PersonError::CitizenIdRequired => "citizen_id_required",
        PersonError::PhoneRequired => "phone_required",
        PersonError::WrongCode { .. } => "wrong_code",
        PersonError::Locked { .. } => "binding_locked",
        PersonError::ChallengeClosed => "challenge_closed",
        PersonError::NoPendingChallenge => "no_pending_challenge",
        PersonError::IdentityMismatch => "identity_mismatch",
        PersonError::AttestationRequired => "attestation_required",
        PersonError::NotBound(_) => "not_bound",
        PersonError::Invalid(_) => "invalid_request",
        PersonError::Server(_) | PersonError::BadAnswer | PersonError::Session(SessionError::Client(_)) => "server_error",
        // Mapped through `CliError::from` above, so each profile error keeps its own code.
        PersonError::Profile(_) => "invalid_field",
        PersonError::Sealing(_)
        | PersonError::Storage(_)
        | PersonError::Corrupt(_)
        | PersonError::Session(SessionError::Sealing(_) | SessionError::Storage(_)) => "storage",
    };
    let details = match &e {
        PersonError::WrongCode { attempts_left } => Some(json!({ "attempts_left": attempts_left })),
        PersonError::Locked { retry_after_secs } => Some(json!({ "retry_after_secs": retry_after_secs })),
        _ => None,
    };
    CliError { details, ..CliError::failed(code, e.to_string()) }
}

fn binding_json(b: &Binding) -> Value {
    json!({
        "profile_id": b.profile_id,
        "person": {
            "person_id": b.person.person_id,
            "full_name": b.person.full_name,
            "birth_year": b.person.birth_year,
            "province_code": b.person.province_code,
            "verification": b.person.verification,
        },
        "method": b.method,
        "created_at": b.created_at.to_rfc3339(),
        "other_devices": b.other_devices.iter().map(|d| json!({
            "device": d.device,
            "created_at": d.created_at.to_rfc3339(),
            "method": d.method,
        })).collect::<Vec<_>>(),
    })
}

fn wire(value: impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn binding_text(b: &Binding) -> String {
    let mut lines = vec![format!(
        "{}  {} (born {}), {} record, bound by {} on {}",
        b.profile_id,
        b.person.full_name,
        b.person.birth_year,
        wire(b.person.verification).replace('_', "-"),
        wire(b.method),
        b.created_at.format("%Y-%m-%d")
    )];
    for d in &b.other_devices {
        lines.push(format!("    also on device {}… (by {}, {})", d.device, wire(d.method), d.created_at.format("%Y-%m-%d")));
    }
    lines.join("\n")
}

fn list_output(list: &BindingList, out: &Output) {
    out.print(
        &json!({ "online": list.online, "bindings": list.bindings.iter().map(binding_json).collect::<Vec<_>>() }),
        || {
            let mut lines: Vec<String> = list.bindings.iter().map(binding_text).collect();
            if lines.is_empty() {
                lines.push("no profile is bound yet: `healthbook person bind --profile ID`".into());
            }
            if !list.online {
                lines.push("(offline: the bindings kept on this installation)".into());
            }
            lines.join("\n")
        },
    );
}

fn challenge_json(c: &SmsChallenge) -> Value {
    json!({ "challenge_id": c.challenge_id, "profile_id": c.profile_id, "sent_to": c.sent_to, "expires_at": c.expires_at.to_rfc3339() })
}

fn attestation_output(code: &AttestationCode, out: &Output) {
    out.print(
        &json!({ "challenge_id": code.challenge_id, "profile_id": code.profile_id, "code": code.code, "expires_at": code.expires_at.to_rfc3339() }),
        || {
            let qr = credentials::render_unicode(&code.code, TerminalTheme::Dark).unwrap_or_default();
            format!(
                "{qr}\nattestation code: {}\nshow it to an officer or volunteer with the person's id card, before {} UTC;\nthen `healthbook person list` shows the binding",
                code.code,
                code.expires_at.format("%H:%M")
            )
        },
    );
}

/// Asks for the code on stderr and reads it from `input`, again after a wrong code while tries are left.
/// Returns `None` when no code is entered (end of input or an empty line): the challenge stays pending.
async fn ask_code(healthbook: &Healthbook, challenge: &SmsChallenge, input: &mut impl BufRead) -> Result<Option<Binding>, CliError> {
    let mut prompt = std::io::stderr();
    loop {
        let _ = write!(prompt, "code received by SMS (empty to enter it later): ");
        let _ = prompt.flush();
        let mut line = String::new();
        let read = input.read_line(&mut line).map_err(|e| CliError::failed("io", format!("reading the code: {e}")))?;
        if read == 0 || line.trim().is_empty() {
            return Ok(None);
        }
        match healthbook.persons().verify_code(&challenge.challenge_id, &line).await {
            Ok(binding) => return Ok(Some(binding)),
            Err(PersonError::WrongCode { attempts_left }) if attempts_left > 0 => {
                let _ = writeln!(prompt, "wrong code, {attempts_left} attempt(s) left");
            }
            Err(e) => return Err(person_error(e)),
        }
    }
}

/// Runs `healthbook person ...`.
pub async fn run(healthbook: &Healthbook, command: &PersonCommand, out: &Output) -> Result<(), CliError> {
    let persons = healthbook.persons();
    match command {
        PersonCommand::Bind { profile, attest: true, .. } | PersonCommand::AttestCode { profile } => {
            let code = persons.start_attestation(profile).await.map_err(person_error)?;
            attestation_output(&code, out);
        }
        PersonCommand::Bind { profile, code: Some(code), .. } => {
            let binding = persons.verify_pending(profile, code).await.map_err(|e| match e {
                PersonError::NoPendingChallenge => CliError::failed(
                    "no_pending_challenge",
                    "no code was asked for this profile (or it expired): run `healthbook person bind --profile ID` first",
                ),
                other => person_error(other),
            })?;
            out.print(&binding_json(&binding), || format!("bound:\n{}", binding_text(&binding)));
        }
        PersonCommand::Bind { profile, code: None, citizen_id, phone, attest: false } => {
            let challenge = persons.start_sms_binding(profile, citizen_id.as_deref(), phone.as_deref()).await.map_err(person_error)?;
            let _ = writeln!(
                std::io::stderr(),
                "a code was sent by SMS to {} (the number on record); it works until {} UTC",
                challenge.sent_to,
                challenge.expires_at.format("%H:%M")
            );
            let binding = ask_code(healthbook, &challenge, &mut std::io::stdin().lock()).await?;
            let mut value = challenge_json(&challenge);
            value["binding"] = binding.as_ref().map(binding_json).unwrap_or(Value::Null);
            out.print(&value, || match &binding {
                Some(b) => format!("bound:\n{}", binding_text(b)),
                None => format!(
                    "code sent to {}; finish with `healthbook person bind --profile {} --code CODE`",
                    challenge.sent_to, challenge.profile_id
                ),
            });
        }
        PersonCommand::List { profile } => {
            let list = persons.bindings(profile.as_deref()).await.map_err(person_error)?;
            list_output(&list, out);
        }
        PersonCommand::Unbind { profile } => {
            persons.unbind(profile).await.map_err(person_error)?;
            out.print(&json!({ "unbound": profile }), || format!("profile {profile} unbound"));
        }
        PersonCommand::RemoveOther { profile, device } => {
            let list = persons.remove_other_device(profile, device).await.map_err(person_error)?;
            list_output(&list, out);
        }
    }
    Ok(())
}
