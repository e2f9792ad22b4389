//! The hotline (issue 13): the province's question-and-answer set for the 1022 hotline, and the questions and
//! reports citizens send in from the app.
//!
//! **Q&A sets.** Each province has one set, edited as a draft by that province's health officers (and the
//! authority admin) in the console or through the API, and published as a numbered version. Phones cache the
//! published set of their province and search it offline with [`fold_for_search`] and [`qa_matches`], so that
//! "khai bao" finds "khai báo"; hotline operators search the same set in the console with the same functions.
//!
//! Endpoints (Q&A):
//! - `GET /v1/hotline/qa/{province}` (anyone, no account needed: the set is public information): the published
//!   [`QaSet`]. With `?since_version=N` and nothing newer published, `304 Not Modified` with no body. A province
//!   without a published set: 404 `not_found`. An unknown province code: 422.
//! - `GET /v1/hotline/qa/{province}/draft` (health officers of that province, the authority admin): [`QaDraft`].
//! - `PUT /v1/hotline/qa/{province}/draft/{entry_id}` (same callers; `Idempotency-Key`): body [`QaEntryInput`],
//!   creates or replaces one draft entry; answers the [`QaEntry`] as stored. `entry_id` is the client's UUID.
//! - `DELETE /v1/hotline/qa/{province}/draft/{entry_id}` (same callers): removes a draft entry ([`crate::Empty`]).
//! - `POST /v1/hotline/qa/{province}/publish` (same callers; `Idempotency-Key`): publishes the draft as the next
//!   version; answers the [`QaSet`]. Publishing an empty draft, or one equal to the latest version, is 409
//!   `conflict`.
//!
//! A health officer whose scope is another province gets 404 on every `{province}` route above except the public
//! GET (another province's draft is not theirs to learn); other roles get 403 and anonymous callers 401.
//!
//! **Citizens' questions and reports.** A citizen sends a [`CitizenQuestionRequest`] from the app through the
//! outbox (its `id` is the client's UUID, so a resend is the same question). Nothing personal is attached beyond
//! what the citizen typed and chose to add (an optional phone number for a call back); the server keeps the
//! sending device only to return the answer to it, and never shows it in the console.
//!
//! Endpoints (questions):
//! - `POST /v1/hotline/questions` (device; `Idempotency-Key`): [`CitizenQuestionRequest`] →
//!   [`CitizenQuestionReceipt`]. The same `id` sent again answers the same receipt; the same `id` with another
//!   body is 409 `conflict`.
//! - `GET /v1/hotline/questions` (device): [`CitizenQuestionList`], that device's own questions with their state
//!   and answer, newest first (a device never sees another device's questions).
//! - `GET /v1/hotline/inbox` (health officers: the questions of their area; the authority admin: all), query
//!   [`InboxQuery`]: [`InboxPage`].
//! - `POST /v1/hotline/inbox/{question_id}/assign` (same callers; `Idempotency-Key`): [`AssignQuestionRequest`] →
//!   [`InboxQuestion`]. The assignee must be an enabled health officer whose area includes the question (else
//!   422 `invalid_request`).
//! - `POST /v1/hotline/inbox/{question_id}/answer` (same callers; `Idempotency-Key`): [`AnswerQuestionRequest`] →
//!   [`InboxQuestion`]; the question becomes `answered` and the answer reaches the phone on its next
//!   `GET /v1/hotline/questions`. Answering again replaces the answer (a correction) and sets `answered_at` to
//!   the new time, so the phone shows the correction as new.
//! - `POST /v1/hotline/inbox/{question_id}/close` (same callers): closes without an answer (spam, duplicate);
//!   body [`CloseQuestionRequest`].
//!
//! An officer gets 404 for a question outside their area (province, and wards when their scope lists wards: a
//! question without a ward is seen by officers of the whole province only).
//!
//! Retention: questions are deleted 90 days after they are answered or closed, and unanswered ones 180 days
//! after they arrive; published Q&A versions other than the latest 5 are deleted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest question or answer text, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Longest Q&A question title, in characters.
pub const MAX_QA_QUESTION_CHARS: usize = 300;
/// Most entries in one province's set.
pub const MAX_QA_ENTRIES: usize = 2000;

/// What a Q&A entry or a citizen's question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QaCategory {
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
    /// The app itself (setup, phones, accounts).
    App,
    /// Anything else.
    Other,
}

impl QaCategory {
    /// Every category, in display order.
    pub const ALL: [QaCategory; 9] = [
        QaCategory::Declarations,
        QaCategory::Pass,
        QaCategory::CheckIn,
        QaCategory::Quarantine,
        QaCategory::Testing,
        QaCategory::Vaccination,
        QaCategory::Travel,
        QaCategory::App,
        QaCategory::Other,
    ];

    /// The wire name, e.g. `check_in`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Declarations => "declarations",
            Self::Pass => "pass",
            Self::CheckIn => "check_in",
            Self::Quarantine => "quarantine",
            Self::Testing => "testing",
            Self::Vaccination => "vaccination",
            Self::Travel => "travel",
            Self::App => "app",
            Self::Other => "other",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// One question and its answer, in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QaEntry {
    /// Stable id (a UUID chosen by the editor's client), kept across versions.
    pub id: String,
    /// Category.
    pub category: QaCategory,
    /// The question in Vietnamese (required).
    pub question_vi: String,
    /// The answer in Vietnamese (required).
    pub answer_vi: String,
    /// The question in English (empty when not translated yet; phones then show the Vietnamese).
    pub question_en: String,
    /// The answer in English (empty when not translated yet).
    pub answer_en: String,
    /// When this entry was last edited.
    pub updated_at: DateTime<Utc>,
}

/// The body of `PUT /v1/hotline/qa/{province}/draft/{entry_id}`. Texts are trimmed; a question or answer that is
/// empty (Vietnamese) or too long is 422 naming the field; an English question without its answer (or the
/// reverse) is 422 too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QaEntryInput {
    /// Category.
    pub category: QaCategory,
    /// The question in Vietnamese.
    pub question_vi: String,
    /// The answer in Vietnamese.
    pub answer_vi: String,
    /// The question in English (may be empty).
    #[serde(default)]
    pub question_en: String,
    /// The answer in English (may be empty).
    #[serde(default)]
    pub answer_en: String,
}

/// A province's draft: what the next publish would make the set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QaDraft {
    /// Two-digit province code.
    pub province: String,
    /// The latest published version (0 when none yet).
    pub published_version: u32,
    /// Whether the draft differs from the latest published version.
    pub unpublished_changes: bool,
    /// The entries, by category then Vietnamese question.
    pub entries: Vec<QaEntry>,
}

/// A published version of a province's Q&A set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QaSet {
    /// Two-digit province code.
    pub province: String,
    /// Version, from 1, one more with each publish.
    pub version: u32,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// The entries, by category then Vietnamese question.
    pub entries: Vec<QaEntry>,
}

/// Query of `GET /v1/hotline/qa/{province}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct QaSetQuery {
    /// The version the phone already holds: nothing newer gives 304.
    pub since_version: Option<u32>,
}

/// Whether a citizen asks something or reports a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// A question for the hotline.
    Question,
    /// A report of a problem (for example a venue that does not scan).
    Report,
}

/// Where a citizen's question is in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionState {
    /// Received, nobody assigned yet.
    Received,
    /// An officer is handling it.
    Assigned,
    /// Answered (the answer is in the response).
    Answered,
    /// Closed without an answer (duplicate, out of scope, spam).
    Closed,
}

/// The body of `POST /v1/hotline/questions`: only what the citizen typed and chose to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitizenQuestionRequest {
    /// The client's UUID for this question (a resend is the same question).
    pub id: String,
    /// Question or report.
    pub kind: QuestionKind,
    /// Category (chosen by the citizen).
    pub category: QaCategory,
    /// Two-digit province code the question is for (the hotline that answers it).
    pub province: String,
    /// Five-digit ward code, when the citizen chose one (it routes the question to that ward's officers).
    #[serde(default)]
    pub ward: Option<String>,
    /// The text, 1 to [`MAX_TEXT_CHARS`] characters after trimming.
    pub text: String,
    /// For a report about a venue: the venue's id as read from its poster.
    #[serde(default)]
    pub venue_id: Option<String>,
    /// A phone number for a call back, only if the citizen chose to give one (Vietnamese mobile format).
    #[serde(default)]
    pub contact_phone: Option<String>,
    /// The language the citizen wrote in and wants the answer in (`vi` or `en`).
    pub language: String,
    /// When the citizen sent it (from the phone's clock; shown, never trusted for ordering).
    pub asked_at: DateTime<Utc>,
}

/// The server's answer to a submitted question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitizenQuestionReceipt {
    /// The question's id (the client's).
    pub id: String,
    /// When the server received it first.
    pub received_at: DateTime<Utc>,
}

/// One of a device's own questions, as the phone sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitizenQuestionView {
    /// The question's id.
    pub id: String,
    /// Question or report.
    pub kind: QuestionKind,
    /// Category.
    pub category: QaCategory,
    /// The text as sent.
    pub text: String,
    /// When the server received it.
    pub received_at: DateTime<Utc>,
    /// Where it is.
    pub state: QuestionState,
    /// The answer, once answered.
    pub answer: Option<String>,
    /// When it was (last) answered.
    pub answered_at: Option<DateTime<Utc>>,
}

/// The payload of `GET /v1/hotline/questions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitizenQuestionList {
    /// The device's questions, newest first.
    pub questions: Vec<CitizenQuestionView>,
}

/// Query of `GET /v1/hotline/inbox`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct InboxQuery {
    /// Only questions in this state (all states when absent).
    pub state: Option<QuestionState>,
    /// Only questions assigned to this account.
    pub assignee: Option<String>,
    /// Only this province (the authority admin; officers are limited to their own anyway).
    pub province: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}

/// A citizen's question as officers see it: no device, no account, nothing the citizen didn't type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxQuestion {
    /// The question's id.
    pub id: String,
    /// Question or report.
    pub kind: QuestionKind,
    /// Category.
    pub category: QaCategory,
    /// Province.
    pub province: String,
    /// Ward, when the citizen chose one.
    pub ward: Option<String>,
    /// The text.
    pub text: String,
    /// The venue reported, when given.
    pub venue_id: Option<String>,
    /// The call-back number, when the citizen gave one.
    pub contact_phone: Option<String>,
    /// The citizen's language (`vi` or `en`).
    pub language: String,
    /// When the server received it.
    pub received_at: DateTime<Utc>,
    /// Where it is.
    pub state: QuestionState,
    /// The account handling it.
    pub assignee: Option<String>,
    /// The answer, once answered.
    pub answer: Option<String>,
    /// Who answered (an account id).
    pub answered_by: Option<String>,
    /// When it was (last) answered or closed.
    pub answered_at: Option<DateTime<Utc>>,
}

/// One page of the inbox, oldest unanswered first then newest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxPage {
    /// The questions.
    pub questions: Vec<InboxQuestion>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

/// The body of `POST /v1/hotline/inbox/{question_id}/assign`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignQuestionRequest {
    /// The health officer's account id.
    pub assignee: String,
}

/// The body of `POST /v1/hotline/inbox/{question_id}/answer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswerQuestionRequest {
    /// The answer, 1 to [`MAX_TEXT_CHARS`] characters after trimming.
    pub answer: String,
}

/// The body of `POST /v1/hotline/inbox/{question_id}/close`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CloseQuestionRequest {
    /// Why (kept for the officers; never sent to the phone), up to 500 characters.
    pub note: String,
}

/// Folds text for search: Unicode NFD, combining marks dropped, `đ`/`Đ` to `d`, lower case, every run of
/// non-alphanumeric characters to one space, trimmed. "Khai báo Y TẾ!" and "khai bao y te" fold the same.
pub fn fold_for_search(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut folded = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_alphanumeric() {
            if pending_space && !folded.is_empty() {
                folded.push(' ');
            }
            pending_space = false;
            folded.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    folded
}

/// Whether every word of a folded query occurs in a folded text (as a substring, so a word being typed already
/// matches). An empty query matches everything.
pub fn qa_matches(folded_text: &str, folded_query: &str) -> bool {
    folded_query.split(' ').filter(|w| !w.is_empty()).all(|word| folded_text.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_vietnamese_marks_case_and_punctuation() {
        assert_eq!(fold_for_search("Khai báo Y TẾ!"), "khai bao y te");
        assert_eq!(fold_for_search("  Đăng ký tiêm chủng? "), "dang ky tiem chung");
        assert_eq!(fold_for_search("Thẻ xanh/đỏ — mã QR"), "the xanh do ma qr");
        assert_eq!(fold_for_search("Quarantine: 14 days"), "quarantine 14 days");
        assert_eq!(fold_for_search(""), "");
        assert_eq!(fold_for_search("!!!"), "");
    }

    #[test]
    fn matching_needs_every_word_and_accepts_a_word_being_typed() {
        let text = fold_for_search("Làm sao để khai báo y tế cho con nhỏ?");
        assert!(qa_matches(&text, &fold_for_search("khai bao")));
        assert!(qa_matches(&text, &fold_for_search("KHAI BÁO con")));
        assert!(qa_matches(&text, &fold_for_search("khai ba")));
        assert!(qa_matches(&text, ""));
        assert!(!qa_matches(&text, &fold_for_search("khai bao tiem")));
    }

    #[test]
    fn categories_round_trip_through_their_wire_names() {
        for category in QaCategory::ALL {
            assert_eq!(QaCategory::parse(category.as_str()), Some(category));
            let json = serde_json::to_string(&category).unwrap();
            assert_eq!(json, format!("\"{}\"", category.as_str()));
        }
        assert_eq!(QaCategory::parse("nope"), None);
    }
}
