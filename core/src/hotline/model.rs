//! What the phone keeps and shows of the hotline: the cached set's description, the citizen's questions, and the
//! folded search index over the cached set.

use chrono::{DateTime, Utc};
use healthbook_protocol::hotline::{
    fold_for_search, qa_matches, CitizenQuestionRequest, CitizenQuestionView, QaCategory, QaEntry, QaSet, QuestionKind, QuestionState,
};
use serde::{Deserialize, Serialize};

/// Which published set the phone holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaSetInfo {
    /// Two-digit province code.
    pub province: String,
    /// The published version.
    pub version: u32,
    /// When the province published it.
    pub published_at: DateTime<Utc>,
    /// How many entries it has.
    pub entry_count: u32,
    /// When the phone last checked the server successfully.
    pub checked_at: DateTime<Utc>,
}

/// Where one of the phone's questions is: the server's states, and [`QuestionStatus::Sending`] while it waits
/// in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuestionStatus {
    /// Waiting in the outbox (or refused by the server: see [`CitizenQuestion::refused_reason`]).
    Sending,
    /// The server has it; nobody assigned yet.
    Received,
    /// An officer is handling it.
    Assigned,
    /// Answered.
    Answered,
    /// Closed without an answer.
    Closed,
}

impl QuestionStatus {
    /// The status of a question the server reported in `state`.
    pub fn of(state: QuestionState) -> Self {
        match state {
            QuestionState::Received => Self::Received,
            QuestionState::Assigned => Self::Assigned,
            QuestionState::Answered => Self::Answered,
            QuestionState::Closed => Self::Closed,
        }
    }

    /// The name kept in the clear `state` column (and shown by the CLI).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Received => "received",
            Self::Assigned => "assigned",
            Self::Answered => "answered",
            Self::Closed => "closed",
        }
    }
}

/// What the citizen writes and chooses to add; nothing else is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuestion {
    /// Question or report.
    pub kind: QuestionKind,
    /// Category.
    pub category: QaCategory,
    /// Two-digit province code of the hotline that answers.
    pub province: String,
    /// Five-digit ward code, only if the citizen chose one.
    pub ward: Option<String>,
    /// The text.
    pub text: String,
    /// For a report about a venue: the venue id read from its poster.
    pub venue_id: Option<String>,
    /// A call-back number, only if the citizen chose to give one.
    pub contact_phone: Option<String>,
    /// `vi` or `en`.
    pub language: String,
}

/// One of the phone's own questions, with its answer once given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenQuestion {
    /// The question's id (chosen on the phone).
    pub id: String,
    /// Question or report.
    pub kind: QuestionKind,
    /// Category.
    pub category: QaCategory,
    /// The text as sent.
    pub text: String,
    /// When the citizen asked (the phone's clock).
    pub asked_at: DateTime<Utc>,
    /// Where it is.
    pub status: QuestionStatus,
    /// The answer, once answered.
    pub answer: Option<String>,
    /// When it was (last) answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// Why the server refused it for good, when it did (it stays [`QuestionStatus::Sending`] in the outbox's list).
    pub refused_reason: Option<String>,
}

/// A question as kept (sealed): the request as queued, and the server's view once it gave one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredQuestion {
    /// What was (or will be) sent.
    pub request: CitizenQuestionRequest,
    /// The server's latest view of it.
    #[serde(default)]
    pub view: Option<CitizenQuestionView>,
    /// When the server received it, from its receipt (before any view was fetched).
    #[serde(default)]
    pub received_at: Option<DateTime<Utc>>,
    /// The server's final refusal.
    #[serde(default)]
    pub refused_reason: Option<String>,
}

impl StoredQuestion {
    /// Where the question is.
    pub fn status(&self) -> QuestionStatus {
        match (&self.view, self.received_at) {
            (Some(view), _) => QuestionStatus::of(view.state),
            (None, Some(_)) => QuestionStatus::Received,
            (None, None) => QuestionStatus::Sending,
        }
    }

    /// The phone's form of it.
    pub fn to_question(&self) -> CitizenQuestion {
        let r = &self.request;
        CitizenQuestion {
            id: r.id.clone(),
            kind: r.kind,
            category: r.category,
            text: r.text.clone(),
            asked_at: r.asked_at,
            status: self.status(),
            answer: self.view.as_ref().and_then(|v| v.answer.clone()),
            answered_at: self.view.as_ref().and_then(|v| v.answered_at),
            refused_reason: self.refused_reason.clone(),
        }
    }
}

/// One entry with its texts folded once for search.
#[derive(Debug, Clone)]
struct FoldedEntry {
    /// Both questions, folded.
    title: String,
    /// Questions and answers, folded.
    all: String,
}

/// The cached set with every entry folded once, so that a search only compares prepared text.
#[derive(Debug, Clone)]
pub struct QaIndex {
    set: QaSet,
    folded: Vec<FoldedEntry>,
}

impl QaIndex {
    /// Folds every entry of `set`.
    pub fn new(set: QaSet) -> Self {
        let folded = set
            .entries
            .iter()
            .map(|e| {
                let title = fold_for_search(&format!("{} {}", e.question_vi, e.question_en));
                let answers = fold_for_search(&format!("{} {}", e.answer_vi, e.answer_en));
                FoldedEntry { all: format!("{title} {answers}"), title }
            })
            .collect();
        Self { set, folded }
    }

    /// The set indexed.
    pub fn set(&self) -> &QaSet {
        &self.set
    }

    /// The entries matching every word of `query` (insensitive to case and diacritics, in both languages), of
    /// `category` when given: entries whose question holds every word first, then those that need the answer,
    /// each group by category and then in the set's order. An empty query lists the entries by category.
    pub fn search(&self, query: &str, category: Option<QaCategory>) -> Vec<QaEntry> {
        let query = fold_for_search(query);
        let mut hits: Vec<(u8, QaCategory, usize)> = self
            .set
            .entries
            .iter()
            .zip(&self.folded)
            .enumerate()
            .filter(|(_, (entry, _))| category.is_none_or(|c| entry.category == c))
            .filter_map(|(position, (entry, folded))| {
                if qa_matches(&folded.title, &query) {
                    Some((0, entry.category, position))
                } else if qa_matches(&folded.all, &query) {
                    Some((1, entry.category, position))
                } else {
                    None
                }
            })
            .collect();
        hits.sort_unstable();
        hits.into_iter().map(|(_, _, position)| self.set.entries[position].clone()).collect()
    }
}

/// The folded index of the cached set, shared by every [`super::Hotline`] of one opened data directory and
/// replaced when a newer set is cached.
#[derive(Default)]
pub struct QaIndexCache(std::sync::Mutex<Option<std::sync::Arc<QaIndex>>>);

impl QaIndexCache {
    /// The index, when one was built since the data directory was opened.
    pub fn get(&self) -> Option<std::sync::Arc<QaIndex>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the index (`None`: build it again from storage at the next search).
    pub fn set(&self, index: Option<std::sync::Arc<QaIndex>>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = index;
    }
}
