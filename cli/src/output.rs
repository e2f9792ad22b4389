//! Text or JSON output, and the CLI's error type with its exit code.

use std::io::Write;

use serde_json::{json, Value};

use healthbook_core::profiles::ProfileError;
use healthbook_core::settings::SettingsError;
use healthbook_core::OpenError;

/// An error to report on stderr: a stable code, an optional field and a message.
#[derive(Debug)]
pub struct CliError {
    /// Stable machine-readable code, e.g. `invalid_field`.
    pub code: &'static str,
    /// The input field at fault, for validation errors.
    pub field: Option<&'static str>,
    /// Human-readable explanation.
    pub message: String,
    /// 1 for a refused or failed operation, 2 for a usage error.
    pub exit: u8,
    /// The field at fault when it is not a fixed name (form answers).
    pub field_name: Option<String>,
    /// Structured details, e.g. every field error of a form.
    pub details: Option<Value>,
    /// Set when the answer was already printed and only the exit code remains (a "not valid" verdict).
    pub silent: bool,
}

impl CliError {
    /// An operation that failed or was refused (exit code 1).
    pub fn failed(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, field: None, message: message.into(), exit: 1, field_name: None, details: None, silent: false }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        self.exit
    }
}

impl From<OpenError> for CliError {
    fn from(e: OpenError) -> Self {
        let code = match &e {
            OpenError::InvalidDataDir(_) => "invalid_data_dir",
            OpenError::KeyStore(_) => "key_store",
            OpenError::KeyMismatch(_) => "key_mismatch",
            OpenError::Storage(_) => "storage",
        };
        Self::failed(code, e.to_string())
    }
}

impl From<ProfileError> for CliError {
    fn from(e: ProfileError) -> Self {
        match &e {
            ProfileError::InvalidField { field, reason } => {
                Self { field: Some(field.as_str()), message: reason.clone(), ..Self::failed("invalid_field", "") }
            }
            ProfileError::NotFound(_) => Self::failed("not_found", e.to_string()),
            ProfileError::DuplicateCitizenId => Self { field: Some("citizen_id"), ..Self::failed("duplicate_citizen_id", e.to_string()) },
            ProfileError::SelfProfileExists => Self { field: Some("relation"), ..Self::failed("self_profile_exists", e.to_string()) },
            ProfileError::Corrupt { .. } => Self::failed("corrupt", e.to_string()),
            ProfileError::Sealing(_) | ProfileError::Storage(_) => Self::failed("storage", e.to_string()),
        }
    }
}

impl From<SettingsError> for CliError {
    fn from(e: SettingsError) -> Self {
        let code = match &e {
            SettingsError::InvalidServerUrl(_) | SettingsError::InsecureServerUrl(_) => "invalid_server_url",
            SettingsError::InvalidRootKey(_) => "invalid_root_key",
            SettingsError::InvalidTrustMaxAge => "invalid_trust_max_age",
            SettingsError::Storage(_) => "storage",
        };
        Self::failed(code, e.to_string())
    }
}

/// Where results go: text for people, JSON for scripts.
pub struct Output {
    /// Print JSON.
    pub json: bool,
}

impl Output {
    /// Prints a result: `value` as JSON, or `text` for people.
    pub fn print(&self, value: &Value, text: impl FnOnce() -> String) {
        let rendered = if self.json { serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()) } else { text() };
        // A closed pipe (`healthbook profile list | head`) is the reader's choice, not an error worth a panic.
        let _ = writeln!(std::io::stdout().lock(), "{rendered}");
    }

    /// Prints an error on stderr.
    pub fn error(&self, e: &CliError) {
        if e.silent {
            return;
        }
        if self.json {
            let field = e.field.map(str::to_owned).or_else(|| e.field_name.clone());
            eprintln!("{}", json!({ "error": { "code": e.code, "field": field, "message": e.message, "details": e.details } }));
        } else {
            match e.field {
                Some(field) => eprintln!("error: {field}: {}", e.message),
                None => eprintln!("error: {}", e.message),
            }
        }
    }
}
