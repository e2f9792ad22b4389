//! Declarations over the FFI.
//!
//! Forms are handed out already localised to the requested language (by the core's `LocalizedForm`), so the UI
//! only renders. Answers cross the FFI as a typed map (`AnswerValue`, the core's `Answer`), validated by the core.

use std::collections::HashMap;
use std::time::SystemTime;

use healthbook_core::declarations as decl;
use serde_json::Value;

use crate::error::DeclarationError;
use crate::settings::Language;

/// An answer to one question.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AnswerValue {
    /// Yes or no.
    Bool {
        /// The answer.
        value: bool,
    },
    /// One choice id.
    Choice {
        /// The chosen option's id.
        id: String,
    },
    /// Several choice ids.
    Choices {
        /// The chosen options' ids.
        ids: Vec<String>,
    },
    /// A date, `YYYY-MM-DD`.
    Date {
        /// ISO date.
        iso: String,
    },
    /// Free text.
    Text {
        /// The text.
        value: String,
    },
    /// An administrative unit.
    AdminUnit {
        /// Two-digit province code.
        province: String,
        /// Five-digit ward code.
        ward: Option<String>,
    },
}

impl From<AnswerValue> for decl::Answer {
    fn from(a: AnswerValue) -> Self {
        match a {
            AnswerValue::Bool { value } => Self::Bool(value),
            AnswerValue::Choice { id } => Self::Choice(id),
            AnswerValue::Choices { ids } => Self::Choices(ids),
            AnswerValue::Date { iso } => Self::Date(iso),
            AnswerValue::Text { value } => Self::Text(value),
            AnswerValue::AdminUnit { province, ward } => Self::AdminUnit { province, ward },
        }
    }
}

impl From<decl::Answer> for AnswerValue {
    fn from(a: decl::Answer) -> Self {
        match a {
            decl::Answer::Bool(value) => Self::Bool { value },
            decl::Answer::Choice(id) => Self::Choice { id },
            decl::Answer::Choices(ids) => Self::Choices { ids },
            decl::Answer::Date(iso) => Self::Date { iso },
            decl::Answer::Text(value) => Self::Text { value },
            decl::Answer::AdminUnit { province, ward } => Self::AdminUnit { province, ward },
        }
    }
}

fn answers_json(answers: HashMap<String, AnswerValue>) -> Value {
    decl::answers_json(&answers.into_iter().map(|(k, v)| (k, v.into())).collect())
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FormFieldKind {
    /// Yes or no.
    Boolean,
    /// Exactly one option.
    SingleChoice {
        /// The options.
        choices: Vec<FormChoice>,
    },
    /// Any number of options.
    MultiChoice {
        /// The options.
        choices: Vec<FormChoice>,
    },
    /// A date within the allowed window.
    Date {
        /// Days back allowed.
        max_days_past: Option<u32>,
        /// Days ahead allowed (none: not in the future).
        max_days_future: Option<u32>,
    },
    /// Free text.
    Text {
        /// Longest answer in characters.
        max_len: u32,
    },
    /// Province and optional ward code.
    AdminUnit,
}

/// One option of a choice question, localised.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormChoice {
    /// Stable id for the answer.
    pub id: String,
    /// Label in the requested language.
    pub label: String,
}

/// When a question becomes required.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormCondition {
    /// The other question's id.
    pub field: String,
    /// Required when the other answer is yes/no equal to this.
    pub equals_bool: Option<bool>,
    /// Required when the other answer is one of these option ids.
    pub one_of: Vec<String>,
    /// Required when the other answer is a non-empty selection.
    pub not_empty: bool,
}

/// A question, localised.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormQuestion {
    /// Stable id (the answer's key).
    pub id: String,
    /// The question in the requested language.
    pub label: String,
    /// Help text in the requested language.
    pub help: Option<String>,
    /// Always required.
    pub required: bool,
    /// Required depending on another answer.
    pub required_if: Option<FormCondition>,
    /// The kind of answer.
    pub kind: FormFieldKind,
}

/// A declaration form, localised.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeclarationForm {
    /// Stable id (`health_declaration`, `movement_declaration`).
    pub id: String,
    /// Version the answers will be validated against.
    pub version: u32,
    /// Title in the requested language.
    pub title: String,
    /// The questions in display order.
    pub questions: Vec<FormQuestion>,
}

impl From<decl::LocalizedChoice> for FormChoice {
    fn from(c: decl::LocalizedChoice) -> Self {
        Self { id: c.id, label: c.label }
    }
}

impl From<decl::LocalizedQuestion> for FormQuestion {
    fn from(q: decl::LocalizedQuestion) -> Self {
        let choices = |cs: Vec<decl::LocalizedChoice>| cs.into_iter().map(Into::into).collect();
        Self {
            id: q.id,
            label: q.label,
            help: q.help,
            required: q.required,
            required_if: q.required_if.map(|c| FormCondition { field: c.field, equals_bool: c.equals_bool, one_of: c.one_of, not_empty: c.not_empty }),
            kind: match q.kind {
                decl::LocalizedKind::Boolean => FormFieldKind::Boolean,
                decl::LocalizedKind::SingleChoice(cs) => FormFieldKind::SingleChoice { choices: choices(cs) },
                decl::LocalizedKind::MultiChoice(cs) => FormFieldKind::MultiChoice { choices: choices(cs) },
                decl::LocalizedKind::Date { max_days_past, max_days_future } => FormFieldKind::Date { max_days_past, max_days_future },
                decl::LocalizedKind::Text { max_len } => FormFieldKind::Text { max_len },
                decl::LocalizedKind::AdminUnit => FormFieldKind::AdminUnit,
            },
        }
    }
}

impl From<decl::LocalizedForm> for DeclarationForm {
    fn from(f: decl::LocalizedForm) -> Self {
        Self { id: f.id, version: f.version, title: f.title, questions: f.questions.into_iter().map(Into::into).collect() }
    }
}

/// What is wrong with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FieldErrorCode {
    /// Missing.
    Required,
    /// Wrong kind of value.
    WrongType,
    /// Not one of the options.
    UnknownChoice,
    /// Not a date.
    InvalidDate,
    /// Later than allowed.
    DateInFuture,
    /// Earlier than allowed.
    DateTooOld,
    /// Too long.
    TooLong,
    /// Characters not allowed.
    InvalidCharacters,
    /// No such administrative unit.
    UnknownAdminUnit,
    /// No such question.
    UnknownField,
    /// The answers are too large.
    TooLarge,
}

impl From<decl::FieldErrorCode> for FieldErrorCode {
    fn from(c: decl::FieldErrorCode) -> Self {
        use decl::FieldErrorCode as C;
        match c {
            C::Required => Self::Required,
            C::WrongType => Self::WrongType,
            C::UnknownChoice => Self::UnknownChoice,
            C::InvalidDate => Self::InvalidDate,
            C::DateInFuture => Self::DateInFuture,
            C::DateTooOld => Self::DateTooOld,
            C::TooLong => Self::TooLong,
            C::InvalidCharacters => Self::InvalidCharacters,
            C::UnknownAdminUnit => Self::UnknownAdminUnit,
            C::UnknownField => Self::UnknownField,
            C::TooLarge => Self::TooLarge,
        }
    }
}

/// A problem with one answer, to show next to its question.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FieldError {
    /// The question's id (`_form` for the whole form).
    pub field: String,
    /// What is wrong.
    pub code: FieldErrorCode,
    /// Message in the requested language.
    pub message: String,
}

impl From<decl::FieldError> for FieldError {
    fn from(e: decl::FieldError) -> Self {
        Self { field: e.field, code: e.code.into(), message: e.message }
    }
}

/// Where a declaration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DeclarationStatus {
    /// Saved, waiting to be sent.
    Queued,
    /// Accepted by the server, with a signed receipt.
    Accepted,
    /// Refused by the server.
    Rejected,
}

/// A saved declaration.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Declaration {
    /// Id (shared with the server).
    pub id: String,
    /// Whom it is about.
    pub profile_id: String,
    /// Who filled it in, when not the person themself.
    pub filled_by_profile_id: Option<String>,
    /// Form id.
    pub form_id: String,
    /// Form version.
    pub form_version: u32,
    /// The normalised answers.
    pub answers: HashMap<String, AnswerValue>,
    /// When it was made.
    pub declared_at: SystemTime,
    /// Queued, accepted or rejected.
    pub status: DeclarationStatus,
    /// Why the server refused it.
    pub rejection_reason: Option<String>,
}

impl Declaration {
    /// The FFI form of `d`, with answers typed by `form` (the form it was made with, or a later version).
    fn new(d: decl::Declaration, form: Option<&decl::Form>) -> Self {
        Self {
            id: d.id,
            profile_id: d.profile_id,
            filled_by_profile_id: d.filled_by_profile_id,
            form_id: d.form_id,
            form_version: d.form_version,
            answers: decl::typed_answers(&d.answers, form).into_iter().map(|(k, a)| (k, a.into())).collect(),
            declared_at: d.declared_at.into(),
            status: match d.status {
                decl::DeclarationStatus::Queued => DeclarationStatus::Queued,
                decl::DeclarationStatus::Accepted => DeclarationStatus::Accepted,
                decl::DeclarationStatus::Rejected => DeclarationStatus::Rejected,
            },
            rejection_reason: d.rejection_reason,
        }
    }
}

/// A profile's health status as the server last gave it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HealthStatus {
    /// `green`, `yellow` or `red`.
    pub status: String,
    /// Reason codes behind it.
    pub reasons: Vec<String>,
    /// When the server decided it.
    pub updated_at: SystemTime,
}

/// Health and movement declarations.
#[derive(uniffi::Object)]
pub struct Declarations(pub(crate) decl::Declarations);

#[uniffi::export(async_runtime = "tokio")]
impl Declarations {
    /// The newest version of every form, in `language`.
    pub async fn forms(&self, language: Language) -> Result<Vec<DeclarationForm>, DeclarationError> {
        Ok(self.0.forms().await?.iter().map(|f| healthbook_core::declarations::localized_form(f, language.into()).into()).collect())
    }

    /// Checks answers without saving; an empty list means they are valid.
    pub async fn validate(&self, form_id: String, answers: HashMap<String, AnswerValue>, language: Language) -> Result<Vec<FieldError>, DeclarationError> {
        match self.0.validate(&form_id, &answers_json(answers), language.into()).await {
            Ok(()) => Ok(Vec::new()),
            Err(decl::DeclarationError::Invalid(errors)) => Ok(errors.into_iter().map(Into::into).collect()),
            Err(e) => Err(e.into()),
        }
    }

    /// Validates, saves and queues a declaration for `profile_id`; throws `InvalidAnswers` with every field error.
    pub async fn submit(
        &self,
        profile_id: String,
        form_id: String,
        answers: HashMap<String, AnswerValue>,
        filled_by_profile_id: Option<String>,
        language: Language,
    ) -> Result<Declaration, DeclarationError> {
        let declaration = self.0.submit(&profile_id, &form_id, answers_json(answers), filled_by_profile_id, language.into()).await?;
        let form = self.0.form(&form_id).await.ok();
        Ok(Declaration::new(declaration, form.as_ref()))
    }

    /// Declarations, newest first, of one profile or everyone.
    pub async fn list(&self, profile_id: Option<String>) -> Result<Vec<Declaration>, DeclarationError> {
        let forms = self.0.forms().await?;
        let form_of = |id: &str| forms.iter().find(|f| f.id == id);
        Ok(self.0.list(profile_id).await?.into_iter().map(|d| {
            let form = form_of(&d.form_id);
            Declaration::new(d, form)
        }).collect())
    }

    /// The health status the server last gave `profile_id`.
    pub async fn health_status(&self, profile_id: String) -> Result<Option<HealthStatus>, DeclarationError> {
        Ok(self.0.health_status(&profile_id).await?.map(|s| HealthStatus { status: s.status, reasons: s.reasons, updated_at: s.updated_at.into() }))
    }
}
