//! `healthbook hotline ...`: the hotline on this installation, for the citizen: fetch the province's published
//! Q&A set (no account needed), search it offline (diacritics and case ignored), send a question or a report
//! through the outbox, and follow one's questions and their answers. Times are shown in local time.

use chrono::{DateTime, Local, Utc};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use healthbook_core::hotline::wire::{QaCategory, QaEntry, QuestionKind};
use healthbook_core::hotline::{CitizenQuestion, HotlineError, NewQuestion, QaSetInfo, QuestionStatus};
use healthbook_core::settings::Language;
use healthbook_core::Healthbook;

use crate::output::{CliError, Output};
use crate::quarantine::officer::parse_wire;

/// The citizen's hotline commands.
#[derive(Debug, Subcommand)]
pub enum HotlineCommand {
    /// The province's published question-and-answer set, kept on this device.
    #[command(subcommand)]
    Qa(QaCommand),
    /// Search the kept Q&A set offline ("khai bao" finds "khai báo"); an empty query lists every entry.
    Search {
        /// Words to look for, in Vietnamese or English.
        #[arg(default_value = "")]
        query: String,
        /// Only this category: declarations, pass, check_in, quarantine, testing, vaccination, travel, app or other.
        #[arg(long, value_parser = parse_wire::<QaCategory>)]
        category: Option<QaCategory>,
    },
    /// Send a question or a report to the province's hotline (queued when offline). Only what is given here is sent.
    Ask(AskArgs),
    /// This device's questions with their state and answer, newest first.
    Questions {
        /// Send what waits and fetch states and answers first (shown as kept when offline).
        #[arg(long)]
        refresh: bool,
    },
}

/// The Q&A set commands.
#[derive(Debug, Subcommand)]
pub enum QaCommand {
    /// Fetch the province's set when a newer one is published (the server answers "not modified" otherwise).
    Refresh {
        /// Two-digit province code, e.g. 79.
        #[arg(long)]
        province: String,
    },
    /// Which set this device keeps.
    Info,
}

/// A question or report.
#[derive(Debug, Args)]
pub struct AskArgs {
    /// question or report (a problem, e.g. a venue that does not scan).
    #[arg(long, value_parser = parse_wire::<QuestionKind>)]
    kind: QuestionKind,
    /// What it is about: declarations, pass, check_in, quarantine, testing, vaccination, travel, app or other.
    #[arg(long, value_parser = parse_wire::<QaCategory>)]
    category: QaCategory,
    /// Two-digit province code of the hotline that answers.
    #[arg(long)]
    province: String,
    /// Five-digit ward code, only to route it to that ward's officers.
    #[arg(long)]
    ward: Option<String>,
    /// For a report about a venue: the venue id from its poster.
    #[arg(long)]
    venue: Option<String>,
    /// A mobile number for a call back, only if you want one.
    #[arg(long)]
    phone: Option<String>,
    /// The language of the text and the answer: vi or en (default: the app's language).
    #[arg(long)]
    language: Option<String>,
    /// The question or report.
    text: String,
}

fn hotline_error(e: HotlineError) -> CliError {
    let code = match &e {
        HotlineError::Invalid { field, reason } => {
            return CliError { field: Some(field.as_str()), ..CliError::failed("invalid_field", format!("{}: {reason}", field.as_str())) };
        }
        HotlineError::NoServer => "no_server",
        HotlineError::Unreachable(_) => "server_unreachable",
        HotlineError::Session(_) | HotlineError::Server(_) | HotlineError::BadAnswer => "server_error",
        HotlineError::Corrupt(_) | HotlineError::Outbox(_) | HotlineError::Sealing(_) | HotlineError::Storage(_) => "storage",
    };
    CliError::failed(code, e.to_string())
}

fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

fn wire_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn info_json(info: &QaSetInfo) -> Value {
    json!({
        "province": info.province, "version": info.version, "published_at": info.published_at,
        "entry_count": info.entry_count, "checked_at": info.checked_at,
    })
}

fn info_text(info: &QaSetInfo) -> String {
    format!(
        "Q&A set of province {}: version {} published {}, {} entries (checked {})",
        info.province,
        info.version,
        local(info.published_at),
        info.entry_count,
        local(info.checked_at)
    )
}

fn entry_text(entry: &QaEntry, language: Language) -> String {
    // English shown when chosen and translated; Vietnamese otherwise.
    let (question, answer) = match language {
        Language::En if !entry.question_en.is_empty() => (&entry.question_en, &entry.answer_en),
        _ => (&entry.question_vi, &entry.answer_vi),
    };
    format!("[{}] {question}\n    {answer}", entry.category.as_str())
}

fn question_json(q: &CitizenQuestion) -> Value {
    json!({
        "id": q.id, "kind": wire_name(&q.kind), "category": q.category.as_str(), "text": q.text, "asked_at": q.asked_at,
        "state": q.status.as_str(), "answer": q.answer, "answered_at": q.answered_at, "refused_reason": q.refused_reason,
    })
}

fn question_text(q: &CitizenQuestion) -> String {
    let state = match (q.status, &q.refused_reason) {
        (QuestionStatus::Sending, Some(reason)) => format!("REFUSED ({reason})"),
        (QuestionStatus::Sending, None) => "SENDING (waits in the outbox)".to_owned(),
        (status, _) => status.as_str().to_uppercase(),
    };
    let mut text = format!("{}  {}  {} [{}]  {state}\n  {}", q.id, local(q.asked_at), wire_name(&q.kind), q.category.as_str(), q.text);
    if let Some(answer) = &q.answer {
        text.push_str(&format!("\n  answer ({}): {answer}", q.answered_at.map(local).unwrap_or_default()));
    }
    text
}

fn questions_output(out: &Output, list: &[CitizenQuestion], note: Option<String>) {
    out.print(&json!({ "questions": list.iter().map(question_json).collect::<Vec<_>>(), "note": note }), || {
        let mut text = if list.is_empty() { "no question sent from this device".to_owned() } else {
            list.iter().map(question_text).collect::<Vec<_>>().join("\n\n")
        };
        if let Some(note) = &note {
            text.push_str(&format!("\n({note})"));
        }
        text
    });
}

/// Runs a hotline command.
pub async fn run(healthbook: &Healthbook, command: &HotlineCommand, out: &Output) -> Result<(), CliError> {
    let hotline = healthbook.hotline();
    match command {
        HotlineCommand::Qa(QaCommand::Refresh { province }) => {
            let (info, note) = match hotline.refresh_qa(province).await {
                Ok(info) => (info, None),
                Err(e) if e.is_transient() => (hotline.qa_info().await.map_err(hotline_error)?, Some(format!("the set kept on this device ({e})"))),
                Err(e) => return Err(hotline_error(e)),
            };
            out.print(&json!({ "set": info.as_ref().map(info_json), "note": note }), || {
                let mut text = info.as_ref().map_or_else(|| format!("province {} has published no Q&A set yet", province.trim()), info_text);
                if let Some(note) = &note {
                    text.push_str(&format!("\n({note})"));
                }
                text
            });
            Ok(())
        }
        HotlineCommand::Qa(QaCommand::Info) => {
            let info = hotline.qa_info().await.map_err(hotline_error)?;
            out.print(&json!({ "set": info.as_ref().map(info_json) }), || {
                info.as_ref().map_or_else(|| "no Q&A set on this device yet: run `healthbook hotline qa refresh --province P`".to_owned(), info_text)
            });
            Ok(())
        }
        HotlineCommand::Search { query, category } => {
            let info = hotline.qa_info().await.map_err(hotline_error)?;
            let entries = hotline.search(query, *category).await.map_err(hotline_error)?;
            let language = healthbook.settings().language().await.unwrap_or(Language::Vi);
            let note = info.is_none().then(|| "no Q&A set on this device yet: run `healthbook hotline qa refresh --province P`".to_owned());
            out.print(&json!({ "entries": entries, "set": info.as_ref().map(info_json), "note": note }), || match (&note, entries.is_empty()) {
                (Some(note), _) => note.clone(),
                (None, true) => "nothing found; ask the hotline with `healthbook hotline ask`".to_owned(),
                (None, false) => entries.iter().map(|e| entry_text(e, language)).collect::<Vec<_>>().join("\n\n"),
            });
            Ok(())
        }
        HotlineCommand::Ask(args) => {
            let language = match &args.language {
                Some(language) => language.clone(),
                None => match healthbook.settings().language().await.unwrap_or(Language::Vi) {
                    Language::En => "en".to_owned(),
                    Language::Vi => "vi".to_owned(),
                },
            };
            let question = NewQuestion {
                kind: args.kind,
                category: args.category,
                province: args.province.clone(),
                ward: args.ward.clone(),
                text: args.text.clone(),
                venue_id: args.venue.clone(),
                contact_phone: args.phone.clone(),
                language,
            };
            let asked = hotline.ask(question).await.map_err(hotline_error)?;
            out.print(&question_json(&asked), || match asked.status {
                QuestionStatus::Sending => format!("question {} kept; it will be sent when the server can be reached", asked.id),
                _ => format!("question {} sent; see `healthbook hotline questions --refresh` for the answer", asked.id),
            });
            Ok(())
        }
        HotlineCommand::Questions { refresh } => {
            let (list, note) = if *refresh {
                match hotline.refresh_questions().await {
                    Ok(list) => (list, None),
                    Err(e) if e.is_transient() => (hotline.questions().await.map_err(hotline_error)?, Some(format!("shown as kept on this device ({e})"))),
                    Err(e) => return Err(hotline_error(e)),
                }
            } else {
                (hotline.questions().await.map_err(hotline_error)?, None)
            };
            questions_output(out, &list, note);
            Ok(())
        }
    }
}
