//! What the phone keeps and shows of home quarantine.

use chrono::{DateTime, NaiveDate, Utc};
use healthbook_protocol::quarantine::{
    CaseState, CaseView, ChallengeStatus, CheckInVerdict, CommitmentText, DecisionOutcome, ExplanationReason, ExplanationRequest,
    OrderState, OrderView, RadioEnvironment, QuarantineVerdict, VerdictReason,
};
use serde::{Deserialize, Serialize};

/// A challenge the server opened: answer before `closes_at` (then it is late, then missed at `grace_ends_at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Challenge id.
    pub challenge_id: String,
    /// Opened.
    pub opens_at: DateTime<Utc>,
    /// Closes.
    pub closes_at: DateTime<Utc>,
    /// When answers stop counting (`closes_at` + the order's grace).
    pub grace_ends_at: DateTime<Utc>,
    /// Whether the home token must be scanned.
    pub home_token_required: bool,
    /// A random challenge (not a daily window).
    pub random: bool,
}

/// An order of one of the phone's profiles, with its countdown.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Order id.
    pub order_id: String,
    /// The phone's profile.
    pub profile_id: String,
    /// Its name, for display.
    pub profile_name: String,
    /// Home address.
    pub home_address: String,
    /// First day (order's zone).
    pub start_date: NaiveDate,
    /// End of the last day ([`healthbook_protocol::quarantine::quarantine_end`], extensions included).
    pub ends_at: DateTime<Utc>,
    /// Days left, a started day counting as one.
    pub days_left: u32,
    /// Days added by extensions.
    pub extension_days: u32,
    /// IANA zone of the home.
    pub time_zone: String,
    /// State (an active order past its end shows as ended).
    pub state: OrderState,
    /// The commitment version to sign.
    pub commitment_version: u32,
    /// Whether this phone holds the order key (signed here).
    pub signed_here: bool,
    /// The open challenge not yet answered from this phone.
    pub open_challenge: Option<Challenge>,
    /// When the next daily window opens.
    pub next_check_in_at: Option<DateTime<Utc>>,
    /// Check-ins waiting in the outbox.
    pub pending_check_ins: u32,
}

/// Where a check-in stands on the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckInState {
    /// Waiting in the outbox for the server's verdict.
    Pending,
    /// The server's verdict.
    Decided(QuarantineVerdict),
    /// The server refused the record for good (the order had ended, the challenge was unknown or closed, the chain
    /// did not link, ...): no verdict will come; [`CheckIn::refused_reason`] says why.
    Refused,
}

/// One check-in as the phone knows it (or a missed challenge the server reported).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckIn {
    /// The record's sequence; `None` for a missed challenge.
    pub sequence: Option<u64>,
    /// The challenge.
    pub challenge_id: String,
    /// When the record was made (for a missed one, when the server decided).
    pub at: DateTime<Utc>,
    /// Pending, the verdict, or refused.
    pub state: CheckInState,
    /// The verdict's reasons.
    pub reasons: Vec<VerdictReason>,
    /// The server's words when it refused the record for good (as the outbox had them, e.g. "server said 422
    /// invalid_request: ..."): screens put plain words first and this small under them.
    pub refused_reason: Option<String>,
}

/// A case opened by a missed or doubtful check-in.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Case id.
    pub case_id: String,
    /// The order.
    pub order_id: String,
    /// The check-in that opened it.
    pub check_in: CheckIn,
    /// State (awaiting decision once an explanation is queued).
    pub state: CaseState,
    /// Opened.
    pub opened_at: DateTime<Utc>,
    /// The person may explain until then.
    pub explain_by: DateTime<Utc>,
    /// The explanation's reason, sent or queued.
    pub explanation: Option<ExplanationReason>,
    /// The explanation's words.
    pub explanation_text: String,
    /// True while the explanation waits in the outbox.
    pub explanation_pending: bool,
    /// The officer's decision.
    pub decision: Option<DecisionOutcome>,
    /// The officer's words.
    pub decision_note: Option<String>,
    /// When decided.
    pub decided_at: Option<DateTime<Utc>>,
}

/// A kept order: the server's view, the last challenge fetched and what the phone made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredOrder {
    /// The server's view.
    pub view: OrderView,
    /// The last challenge status fetched (for offline check-ins).
    pub challenge: Option<ChallengeStatus>,
    /// The enrolled baseline (hashed identifiers).
    pub baseline: Option<RadioEnvironment>,
    /// The commitment text, once fetched.
    pub commitment: Option<CommitmentText>,
}

/// A kept case and the explanation waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCase {
    /// The server's view.
    pub view: CaseView,
    /// The explanation queued and not yet answered.
    pub pending: Option<ExplanationRequest>,
}

/// A check-in as shown, from the server's verdict.
pub fn check_in_of_verdict(verdict: &CheckInVerdict) -> CheckIn {
    CheckIn {
        sequence: verdict.sequence,
        challenge_id: verdict.challenge_id.clone(),
        at: verdict.decided_at,
        state: CheckInState::Decided(verdict.verdict),
        reasons: verdict.reasons.clone(),
        refused_reason: None,
    }
}

/// A case as shown: a queued explanation counts as given.
pub fn case_of(stored: &StoredCase) -> Case {
    let view = &stored.view;
    let explanation = stored.pending.as_ref().or(view.explanation.as_ref());
    let state = match (view.state, &stored.pending) {
        (CaseState::AwaitingExplanation, Some(_)) => CaseState::AwaitingDecision,
        (state, _) => state,
    };
    Case {
        case_id: view.case_id.clone(),
        order_id: view.order_id.clone(),
        check_in: check_in_of_verdict(&view.check_in),
        state,
        opened_at: view.opened_at,
        explain_by: view.explain_by,
        explanation: explanation.map(|e| e.reason),
        explanation_text: explanation.map(|e| e.text.clone()).unwrap_or_default(),
        explanation_pending: stored.pending.is_some(),
        decision: view.decision.as_ref().map(|d| d.outcome),
        decision_note: view.decision.as_ref().map(|d| d.note.clone()),
        decided_at: view.decided_at,
    }
}
