//! `healthbook doctor`: the set-up check of the core, as a volunteer would run it beside a new user. A laptop
//! knows nothing of phone permissions, so the camera, notification and location steps say "not checked".
//! Exit 0 when no step is a problem, 1 otherwise (the steps are printed either way).

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use healthbook_core::Healthbook;
use healthbook_core::setup::{PlatformFacts, SetupState, SetupStep};
use healthbook_protocol::Language;

use crate::output::{CliError, Output};

/// Options of `healthbook doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Language of the words (the app's setting when omitted).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
}

/// A language as typed.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// Vietnamese.
    Vi,
    /// English.
    En,
}

/// Runs the check and prints every step.
pub async fn run(healthbook: &Healthbook, args: &DoctorArgs, out: &Output) -> Result<(), CliError> {
    let language = match args.lang {
        Some(LangArg::Vi) => Language::Vi,
        Some(LangArg::En) => Language::En,
        None => healthbook.settings().language().await?,
    };
    let steps = healthbook.setup_check(PlatformFacts::default()).await;
    let value = json!({
        "language": language.tag(),
        "steps": steps.iter().map(|s| step_json(s, language)).collect::<Vec<Value>>(),
    });
    out.print(&value, || steps.iter().map(|s| step_text(s, language)).collect::<Vec<_>>().join("\n"));
    if steps.iter().any(|s| s.state == SetupState::Problem) {
        // The steps already say what is wrong; only the exit code is left to give.
        return Err(CliError { silent: true, ..CliError::failed("setup_problem", "set-up problem") });
    }
    Ok(())
}

fn step_json(step: &SetupStep, language: Language) -> Value {
    json!({
        "id": step.id.as_str(),
        "state": step.state.as_str(),
        "title": step.title.get(language),
        "detail": step.detail.get(language),
        "action": step.action.get(language),
    })
}

/// One step as a line with a word for its state (a terminal may show no colour), then what to do.
fn step_text(step: &SetupStep, language: Language) -> String {
    let mark = match (step.state, language) {
        (SetupState::Ok, _) => "[OK]",
        (SetupState::Warning, Language::Vi) => "[CHÚ Ý]",
        (SetupState::Warning, Language::En) => "[WARNING]",
        (SetupState::Problem, Language::Vi) => "[CẦN SỬA]",
        (SetupState::Problem, Language::En) => "[PROBLEM]",
        (SetupState::NotChecked, Language::Vi) => "[CHƯA KIỂM TRA]",
        (SetupState::NotChecked, Language::En) => "[NOT CHECKED]",
    };
    let mut line = format!("{mark} {}: {}", step.title.get(language), step.detail.get(language));
    let action = step.action.get(language);
    if !action.is_empty() {
        line.push_str(&format!("\n    -> {action}"));
    }
    line
}
