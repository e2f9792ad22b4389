//! `healthbook declare`, `healthbook outbox list` and `healthbook sync`: declarations saved offline and sent
//! when the server can be reached.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::{json, Map, Value};

use healthbook_core::declarations::{validate, Answer, Declaration, DeclarationError, FieldError, Form, FormField, LocalizedKind};
use healthbook_core::outbox::{OutboxError, OutboxItem, OutboxState, SyncEvent, SyncListener};
use healthbook_core::settings::Language;
use healthbook_core::Healthbook;

use crate::output::{CliError, Output};

/// Which form to fill in.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormArg {
    /// The health declaration (symptoms, contacts, travel, vaccination).
    Health,
    /// The domestic movement declaration (from, to, date, transport).
    Movement,
}

impl FormArg {
    fn id(self) -> &'static str {
        match self {
            Self::Health => healthbook_core::declarations::forms::HEALTH_DECLARATION,
            Self::Movement => healthbook_core::declarations::forms::MOVEMENT_DECLARATION,
        }
    }
}

/// Arguments of `healthbook declare`.
#[derive(Debug, Args)]
pub struct DeclareArgs {
    /// The form.
    #[arg(value_enum)]
    pub form: FormArg,
    /// The profile the declaration is for.
    #[arg(long)]
    pub profile: String,
    /// Answers as a JSON object keyed by field id; without it, the questions are asked one by one.
    #[arg(long)]
    pub answers: Option<PathBuf>,
    /// Who filled it in, when not the person themself (default: the owner's profile).
    #[arg(long)]
    pub filled_by: Option<String>,
    /// Language of questions and messages (default: the saved setting).
    #[arg(long, value_parser = ["vi", "en"])]
    pub lang: Option<String>,
}

fn field_errors(errors: &[FieldError]) -> CliError {
    let message = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
    let mut error = CliError::failed("invalid_answers", message);
    error.details = Some(Value::Array(
        errors.iter().map(|e| json!({ "field": e.field, "code": e.code.as_str(), "message": e.message })).collect(),
    ));
    if let [only] = errors {
        error.field_name = Some(only.field.clone());
    }
    error
}

impl From<DeclarationError> for CliError {
    fn from(e: DeclarationError) -> Self {
        match e {
            DeclarationError::Invalid(errors) => field_errors(&errors),
            DeclarationError::UnknownForm(_) => CliError::failed("unknown_form", e.to_string()),
            DeclarationError::NotFound(_) => CliError::failed("not_found", e.to_string()),
            DeclarationError::Profile(p) => p.into(),
            DeclarationError::Outbox(o) => o.into(),
            DeclarationError::Client(ref c) if c.is_transient() => CliError::failed("server_unreachable", e.to_string()),
            DeclarationError::Client(_) => CliError::failed("server_error", e.to_string()),
            DeclarationError::Corrupt(_) => CliError::failed("corrupt", e.to_string()),
            DeclarationError::Sealing(_) | DeclarationError::Storage(_) => CliError::failed("storage", e.to_string()),
        }
    }
}

impl From<OutboxError> for CliError {
    fn from(e: OutboxError) -> Self {
        match e {
            OutboxError::NoServer => CliError::failed("no_server", "no server configured: pass --server URL (or set HEALTHBOOK_SERVER)"),
            OutboxError::NotFound(_) => CliError::failed("not_found", e.to_string()),
            OutboxError::Session(_) => CliError::failed("sign_in_failed", e.to_string()),
            OutboxError::Settings(s) => s.into(),
            OutboxError::Corrupt(..) => CliError::failed("corrupt", e.to_string()),
            OutboxError::Sealing(_) | OutboxError::Storage(_) => CliError::failed("storage", e.to_string()),
        }
    }
}

/// Prompts for one answer until it is well-formed for the field's kind; `None` skips an optional field. Labels
/// come from the core's localised form and answers are parsed by the core, as on the phones.
fn ask(field: &FormField, language: Language, input: &mut impl BufRead, prompt: &mut impl Write) -> Result<Option<Value>, CliError> {
    let io = |e: std::io::Error| CliError::failed("io", e.to_string());
    let question = healthbook_core::declarations::localized_question(field, language);
    let (yes, no) = if language == Language::Vi { ("c", "k") } else { ("y", "n") };
    writeln!(prompt, "\n{}{}", question.label, if question.required { " *" } else { "" }).map_err(io)?;
    if let Some(help) = &question.help {
        writeln!(prompt, "  ({help})").map_err(io)?;
    }
    let hint = match &question.kind {
        LocalizedKind::Boolean => format!("[{yes}/{no}]"),
        LocalizedKind::SingleChoice(choices) | LocalizedKind::MultiChoice(choices) => {
            for (i, c) in choices.iter().enumerate() {
                writeln!(prompt, "  {}. {}", i + 1, c.label).map_err(io)?;
            }
            if matches!(question.kind, LocalizedKind::MultiChoice(_)) { "1,3,...".to_owned() } else { "1..".to_owned() + &choices.len().to_string() }
        }
        LocalizedKind::Date { .. } => "YYYY-MM-DD".to_owned(),
        LocalizedKind::AdminUnit => if language == Language::Vi { "mã tỉnh [mã xã]".to_owned() } else { "province code [ward code]".to_owned() },
        LocalizedKind::Text { .. } => String::new(),
    };
    loop {
        write!(prompt, "{hint}> ").map_err(io)?;
        prompt.flush().map_err(io)?;
        let mut line = String::new();
        if input.read_line(&mut line).map_err(io)? == 0 {
            return Err(CliError::failed("input_ended", "input ended before the form was complete"));
        }
        let line = line.trim();
        if line.is_empty() {
            return Ok(None);
        }
        match Answer::parse_typed(field, line) {
            Some(answer) => return Ok(Some(answer.to_json())),
            None => writeln!(prompt, "{}", if language == Language::Vi { "Không hiểu câu trả lời, vui lòng nhập lại." } else { "Didn't understand that, please try again." }).map_err(io)?,
        }
    }
}

/// Asks the form's questions, skipping conditional ones that don't apply, until the answers validate.
fn interview(form: &Form, language: Language, now: chrono::DateTime<chrono::Utc>) -> Result<Value, CliError> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut prompt = std::io::stderr();
    let _ = writeln!(prompt, "{}", form.title.get(language));
    let mut answers = Map::new();
    let mut pending: Vec<&FormField> = form.fields.iter().collect();
    while !pending.is_empty() {
        for field in std::mem::take(&mut pending) {
            let applies = field.required || field.required_if.as_ref().is_none_or(|c| c.holds(answers.get(&c.field)));
            if !applies {
                continue;
            }
            match ask(field, language, &mut input, &mut prompt)? {
                Some(value) => {
                    answers.insert(field.id.clone(), value);
                }
                None => {
                    answers.remove(&field.id);
                }
            }
        }
        if let Err(errors) = validate::validate_answers(form, &Value::Object(answers.clone()), now, language) {
            for error in &errors {
                let _ = writeln!(prompt, "! {}: {}", form.field(&error.field).map(|f| f.label.get(language)).unwrap_or(&error.field), error.message);
            }
            pending = errors.iter().filter_map(|e| form.field(&e.field)).collect();
            if pending.is_empty() {
                return Err(field_errors(&errors));
            }
        }
    }
    Ok(Value::Object(answers))
}

fn declaration_json(d: &Declaration) -> Value {
    json!({
        "id": d.id,
        "profile_id": d.profile_id,
        "filled_by_profile_id": d.filled_by_profile_id,
        "form_id": d.form_id,
        "form_version": d.form_version,
        "answers": d.answers,
        "declared_at": d.declared_at.to_rfc3339(),
        "status": match d.status {
            healthbook_core::declarations::DeclarationStatus::Queued => "queued",
            healthbook_core::declarations::DeclarationStatus::Accepted => "accepted",
            healthbook_core::declarations::DeclarationStatus::Rejected => "rejected",
        },
        "rejection_reason": d.rejection_reason,
    })
}

/// Runs `healthbook declare`.
pub async fn declare(healthbook: &Healthbook, args: &DeclareArgs, out: &Output) -> Result<(), CliError> {
    let language = match &args.lang {
        Some(tag) => Language::from_tag(tag).unwrap_or_default(),
        None => healthbook.settings().language().await?,
    };
    let declarations = healthbook.declarations();
    let answers = match &args.answers {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| CliError::failed("io", format!("{}: {e}", path.display())))?;
            serde_json::from_str(&text).map_err(|e| CliError::failed("invalid_json", format!("{}: {e}", path.display())))?
        }
        None => {
            // Check the profile first, so nobody answers a whole form for a mistyped id.
            healthbook.profiles().get(&args.profile).await?;
            interview(&declarations.form(args.form.id()).await?, language, healthbook.clock().now())?
        }
    };
    let declaration = declarations.submit(&args.profile, args.form.id(), answers, args.filled_by.clone(), language).await?;
    out.print(&declaration_json(&declaration), || {
        format!("saved declaration {} ({}); it will be sent at the next `healthbook sync`", declaration.id, declaration.form_id)
    });
    Ok(())
}

fn outbox_json(item: &OutboxItem) -> Value {
    json!({
        "id": item.id,
        "kind": item.kind,
        "subject_id": item.subject_id,
        "state": match item.state { OutboxState::Pending => "pending", OutboxState::Rejected => "rejected" },
        "attempts": item.attempts,
        "created_at": item.created_at.to_rfc3339(),
        "next_attempt_at": item.next_attempt_at.to_rfc3339(),
        "last_error": item.last_error,
    })
}

/// Runs `healthbook outbox list`.
pub async fn outbox_list(healthbook: &Healthbook, out: &Output) -> Result<(), CliError> {
    let items = healthbook.outbox().list().await?;
    out.print(&Value::Array(items.iter().map(outbox_json).collect()), || {
        if items.is_empty() {
            return "outbox empty: everything has been sent".to_owned();
        }
        items
            .iter()
            .map(|i| {
                format!(
                    "{:>6}  {:<12} {:<8} attempts {:<3} next {}  {}",
                    i.id,
                    i.kind,
                    if i.state == OutboxState::Pending { "pending" } else { "rejected" },
                    i.attempts,
                    i.next_attempt_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    i.last_error.as_deref().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// Prints sync progress on stderr for people; silent in JSON mode.
struct ProgressPrinter {
    enabled: bool,
}

impl SyncListener for ProgressPrinter {
    fn on_event(&self, event: SyncEvent) {
        if !self.enabled {
            return;
        }
        match event {
            SyncEvent::Started { due } => eprintln!("sending {due} item(s)..."),
            SyncEvent::Failed { item_id, error, retry_at, .. } => match retry_at {
                Some(at) => eprintln!("item {item_id} failed ({error}); retry after {}", at.format("%H:%M:%S UTC")),
                None => eprintln!("item {item_id} refused by the server: {error}"),
            },
            SyncEvent::Delivered { .. } | SyncEvent::Finished(_) => {}
        }
    }
}

/// Runs `healthbook sync`: exit 0 when the outbox was processed (even if items wait for a retry), 1 when the
/// server could not be reached.
pub async fn sync(healthbook: &Healthbook, out: &Output) -> Result<(), CliError> {
    let _ = healthbook.purge_expired().await;
    let report = healthbook.outbox().sync_now(Some(&ProgressPrinter { enabled: !out.json })).await?;
    let value = json!({
        "delivered": report.delivered,
        "failed": report.failed,
        "rejected": report.rejected,
        "pending": report.pending,
        "server_unreachable": report.server_unreachable,
    });
    out.print(&value, || {
        format!("sent {}, failed {}, refused {}, still waiting {}", report.delivered, report.failed, report.rejected, report.pending)
    });
    if report.server_unreachable {
        return Err(CliError::failed("server_unreachable", format!("the server could not be reached; {} item(s) wait in the outbox", report.pending)));
    }
    Ok(())
}
