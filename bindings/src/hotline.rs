//! The hotline over the FFI: records mirroring the core's (the cached Q&A set's entries and info, the citizen's
//! questions), the async `Hotline` object and the area's error enum. Instants are timestamps. Names carry a
//! `Hotline` prefix: the Kotlin wrapper has its own `QaCategory`, `QaEntry` and so on for the screens.

use std::time::SystemTime;

use healthbook_core::hotline as hot;
use hot::wire;

/// What a Q&A entry or a question is about (mirror of the contract's `QaCategory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HotlineCategory {
    /// Health declarations.
    Declarations,
    /// The personal QR pass and status colours.
    Pass,
    /// Venue check-in and gate passages.
    CheckIn,
    /// Home quarantine.
    Quarantine,
    /// Tests and results.
    Testing,
    /// Vaccination and certificates.
    Vaccination,
    /// Travel between provinces.
    Travel,
    /// The app itself.
    App,
    /// Anything else.
    Other,
}

impl From<wire::QaCategory> for HotlineCategory {
    fn from(c: wire::QaCategory) -> Self {
        use wire::QaCategory as C;
        match c {
            C::Declarations => Self::Declarations,
            C::Pass => Self::Pass,
            C::CheckIn => Self::CheckIn,
            C::Quarantine => Self::Quarantine,
            C::Testing => Self::Testing,
            C::Vaccination => Self::Vaccination,
            C::Travel => Self::Travel,
            C::App => Self::App,
            C::Other => Self::Other,
        }
    }
}

impl From<HotlineCategory> for wire::QaCategory {
    fn from(c: HotlineCategory) -> Self {
        use HotlineCategory as C;
        match c {
            C::Declarations => Self::Declarations,
            C::Pass => Self::Pass,
            C::CheckIn => Self::CheckIn,
            C::Quarantine => Self::Quarantine,
            C::Testing => Self::Testing,
            C::Vaccination => Self::Vaccination,
            C::Travel => Self::Travel,
            C::App => Self::App,
            C::Other => Self::Other,
        }
    }
}

/// A question for the hotline, or a report of a problem (mirror of the contract's `QuestionKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HotlineQuestionKind {
    /// A question.
    Question,
    /// A report of a problem (a venue that does not scan).
    Report,
}

impl From<wire::QuestionKind> for HotlineQuestionKind {
    fn from(k: wire::QuestionKind) -> Self {
        match k {
            wire::QuestionKind::Question => Self::Question,
            wire::QuestionKind::Report => Self::Report,
        }
    }
}

impl From<HotlineQuestionKind> for wire::QuestionKind {
    fn from(k: HotlineQuestionKind) -> Self {
        match k {
            HotlineQuestionKind::Question => Self::Question,
            HotlineQuestionKind::Report => Self::Report,
        }
    }
}

/// Where one of the phone's questions is; `Sending` while it waits in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HotlineQuestionState {
    /// Waiting in the outbox.
    Sending,
    /// The server has it.
    Received,
    /// An officer is handling it.
    Assigned,
    /// Answered.
    Answered,
    /// Closed without an answer.
    Closed,
}

impl From<hot::QuestionStatus> for HotlineQuestionState {
    fn from(s: hot::QuestionStatus) -> Self {
        match s {
            hot::QuestionStatus::Sending => Self::Sending,
            hot::QuestionStatus::Received => Self::Received,
            hot::QuestionStatus::Assigned => Self::Assigned,
            hot::QuestionStatus::Answered => Self::Answered,
            hot::QuestionStatus::Closed => Self::Closed,
        }
    }
}

/// The field of a new question that is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HotlineQuestionField {
    /// The province code.
    Province,
    /// The ward code.
    Ward,
    /// The text.
    Text,
    /// The venue id.
    Venue,
    /// The call-back number.
    Phone,
    /// The language.
    Language,
}

impl From<hot::QuestionField> for HotlineQuestionField {
    fn from(f: hot::QuestionField) -> Self {
        match f {
            hot::QuestionField::Province => Self::Province,
            hot::QuestionField::Ward => Self::Ward,
            hot::QuestionField::Text => Self::Text,
            hot::QuestionField::Venue => Self::Venue,
            hot::QuestionField::Phone => Self::Phone,
            hot::QuestionField::Language => Self::Language,
        }
    }
}

/// One entry of the province's published Q&A set, in both languages (English may be empty).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HotlineQaEntry {
    /// Stable id.
    pub id: String,
    /// Category.
    pub category: HotlineCategory,
    /// The question in Vietnamese.
    pub question_vi: String,
    /// The answer in Vietnamese.
    pub answer_vi: String,
    /// The question in English (empty when not translated).
    pub question_en: String,
    /// The answer in English (empty when not translated).
    pub answer_en: String,
    /// When the entry was last edited.
    pub updated_at: SystemTime,
}

impl From<wire::QaEntry> for HotlineQaEntry {
    fn from(e: wire::QaEntry) -> Self {
        Self {
            id: e.id,
            category: e.category.into(),
            question_vi: e.question_vi,
            answer_vi: e.answer_vi,
            question_en: e.question_en,
            answer_en: e.answer_en,
            updated_at: e.updated_at.into(),
        }
    }
}

/// Which published set the phone holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HotlineQaSetInfo {
    /// Two-digit province code.
    pub province: String,
    /// The published version.
    pub version: u32,
    /// When it was published.
    pub published_at: SystemTime,
    /// How many entries it has.
    pub entry_count: u32,
    /// When the phone last checked the server successfully.
    pub checked_at: SystemTime,
}

impl From<hot::QaSetInfo> for HotlineQaSetInfo {
    fn from(i: hot::QaSetInfo) -> Self {
        Self {
            province: i.province,
            version: i.version,
            published_at: i.published_at.into(),
            entry_count: i.entry_count,
            checked_at: i.checked_at.into(),
        }
    }
}

/// What the citizen writes and chooses to add; nothing else is sent.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HotlineNewQuestion {
    /// Question or report.
    pub kind: HotlineQuestionKind,
    /// Category.
    pub category: HotlineCategory,
    /// Two-digit province code of the hotline that answers.
    pub province: String,
    /// Five-digit ward code, only if the citizen chose one.
    pub ward: Option<String>,
    /// The text, 1 to 2,000 characters.
    pub text: String,
    /// For a report about a venue: the venue id read from its poster.
    pub venue_id: Option<String>,
    /// A call-back number (Vietnamese mobile), only if the citizen chose to give one.
    pub contact_phone: Option<String>,
    /// `vi` or `en`.
    pub language: String,
}

impl From<HotlineNewQuestion> for hot::NewQuestion {
    fn from(q: HotlineNewQuestion) -> Self {
        Self {
            kind: q.kind.into(),
            category: q.category.into(),
            province: q.province,
            ward: q.ward,
            text: q.text,
            venue_id: q.venue_id,
            contact_phone: q.contact_phone,
            language: q.language,
        }
    }
}

/// One of the phone's own questions, with its answer once given.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HotlineQuestion {
    /// The question's id.
    pub id: String,
    /// Question or report.
    pub kind: HotlineQuestionKind,
    /// Category.
    pub category: HotlineCategory,
    /// The text as sent.
    pub text: String,
    /// When the citizen asked.
    pub asked_at: SystemTime,
    /// Where it is.
    pub state: HotlineQuestionState,
    /// The answer, once answered.
    pub answer: Option<String>,
    /// When it was (last) answered.
    pub answered_at: Option<SystemTime>,
    /// Why the server refused it for good, when it did (it stays `Sending`).
    pub refused_reason: Option<String>,
}

impl From<hot::CitizenQuestion> for HotlineQuestion {
    fn from(q: hot::CitizenQuestion) -> Self {
        Self {
            id: q.id,
            kind: q.kind.into(),
            category: q.category.into(),
            text: q.text,
            asked_at: q.asked_at.into(),
            state: q.status.into(),
            answer: q.answer,
            answered_at: q.answered_at.map(Into::into),
            refused_reason: q.refused_reason,
        }
    }
}

/// Why a hotline operation failed; messages carry no personal data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum HotlineError {
    /// A field of the question (or the province asked for) is not acceptable; nothing was kept or sent.
    #[error("invalid {field:?}: {reason}")]
    Invalid {
        /// The field.
        field: HotlineQuestionField,
        /// Why, without the value.
        reason: String,
    },
    /// No server configured.
    #[error("no server configured")]
    NoServer,
    /// The server can't be reached.
    #[error("server unreachable: {reason}")]
    Unreachable {
        /// Details.
        reason: String,
    },
    /// The server refused or failed.
    #[error("server error: {reason}")]
    Server {
        /// Details.
        reason: String,
    },
    /// The data key could not seal or open a value.
    #[error("data key failed: {reason}")]
    DataKey {
        /// Details.
        reason: String,
    },
    /// Storage failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

impl From<hot::HotlineError> for HotlineError {
    fn from(e: hot::HotlineError) -> Self {
        use hot::HotlineError as E;
        match e {
            E::Invalid { field, reason } => Self::Invalid { field: field.into(), reason: reason.to_owned() },
            E::NoServer => Self::NoServer,
            E::Unreachable(reason) => Self::Unreachable { reason },
            E::Sealing(s) => Self::DataKey { reason: s.to_string() },
            e @ (E::Session(_) | E::Server(_) | E::BadAnswer) => Self::Server { reason: e.to_string() },
            e @ (E::Storage(_) | E::Corrupt(_) | E::Outbox(_)) => Self::Storage { reason: e.to_string() },
        }
    }
}

/// The hotline on the phone: the cached Q&A set searched offline, and the citizen's own questions.
#[derive(uniffi::Object)]
pub struct Hotline(pub(crate) hot::Hotline);

#[uniffi::export(async_runtime = "tokio")]
impl Hotline {
    /// Fetches a newer published set of `province` if there is one (no account needed); the cached set's info,
    /// `None` when the province has published nothing. Offline: `Unreachable` (then `qa_info` has the cached one).
    pub async fn refresh_qa(&self, province: String) -> Result<Option<HotlineQaSetInfo>, HotlineError> {
        Ok(self.0.refresh_qa(&province).await?.map(Into::into))
    }

    /// The cached set's info, `None` before the first successful fetch.
    pub async fn qa_info(&self) -> Result<Option<HotlineQaSetInfo>, HotlineError> {
        Ok(self.0.qa_info().await?.map(Into::into))
    }

    /// Searches the cached set offline, insensitive to case and diacritics, in both languages; question hits
    /// first. An empty query lists the entries (of `category` when given).
    pub async fn search(&self, query: String, category: Option<HotlineCategory>) -> Result<Vec<HotlineQaEntry>, HotlineError> {
        Ok(self.0.search(&query, category.map(Into::into)).await?.into_iter().map(Into::into).collect())
    }

    /// Checks the question, queues it in the outbox and tries to send it; answers it (`Sending` until delivered).
    pub async fn ask(&self, question: HotlineNewQuestion) -> Result<HotlineQuestion, HotlineError> {
        Ok(self.0.ask(question.into()).await?.into())
    }

    /// The phone's questions as kept, newest first (offline).
    pub async fn questions(&self) -> Result<Vec<HotlineQuestion>, HotlineError> {
        Ok(self.0.questions().await?.into_iter().map(Into::into).collect())
    }

    /// Sends what waits in the outbox and fetches states and answers. Offline: `Unreachable` or `NoServer`
    /// (then `questions` has the kept list).
    pub async fn refresh_questions(&self) -> Result<Vec<HotlineQuestion>, HotlineError> {
        Ok(self.0.refresh_questions().await?.into_iter().map(Into::into).collect())
    }

    /// Deletes questions answered or closed over 90 days ago; returns how many.
    pub async fn purge_expired(&self) -> Result<u32, HotlineError> {
        Ok(u32::try_from(self.0.purge_expired().await?).unwrap_or(u32::MAX))
    }
}
