//! A followed sample as the phone keeps and shows it.

use chrono::{DateTime, Utc};
use healthbook_protocol::{SampleCodeKind, TestResultReason, TestResultState};
use serde::{Deserialize, Serialize};

/// Where a followed sample stands on this phone: the server's states plus two that only the phone knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleState {
    /// The code is kept and waits to be registered (offline, or the server could not be reached yet).
    Registering,
    /// The code was already registered, on another phone or for another profile: this phone can't follow it.
    RegisteredElsewhere,
    /// No site or lab has reported the code yet.
    UnknownToLab,
    /// Taken and waiting for the lab.
    Pending,
    /// Not detected.
    Negative,
    /// Detected.
    Positive,
    /// No usable result: a new sample is needed.
    Invalid,
    /// The pool tested positive: test again alone.
    RetestRequired,
    /// No result within the retention period, or deleted after it.
    Expired,
}

impl SampleState {
    /// Every state.
    pub const ALL: [Self; 9] = [
        Self::Registering,
        Self::RegisteredElsewhere,
        Self::UnknownToLab,
        Self::Pending,
        Self::Negative,
        Self::Positive,
        Self::Invalid,
        Self::RetestRequired,
        Self::Expired,
    ];

    /// The stable name (as the CLI prints it and the database stores it).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registering => "registering",
            Self::RegisteredElsewhere => "registered_elsewhere",
            Self::UnknownToLab => "unknown_to_lab",
            Self::Pending => "pending",
            Self::Negative => "negative",
            Self::Positive => "positive",
            Self::Invalid => "invalid",
            Self::RetestRequired => "retest_required",
            Self::Expired => "expired",
        }
    }

    /// True when the state will not change any more (polling stops, the retention period starts).
    pub fn is_final(self) -> bool {
        match self {
            Self::Registering | Self::UnknownToLab | Self::Pending => false,
            Self::RegisteredElsewhere | Self::Negative | Self::Positive | Self::Invalid | Self::RetestRequired | Self::Expired => true,
        }
    }
}

impl From<TestResultState> for SampleState {
    fn from(state: TestResultState) -> Self {
        match state {
            TestResultState::UnknownToLab => Self::UnknownToLab,
            TestResultState::Pending => Self::Pending,
            TestResultState::Negative => Self::Negative,
            TestResultState::Positive => Self::Positive,
            TestResultState::Invalid => Self::Invalid,
            TestResultState::RetestRequired => Self::RetestRequired,
            TestResultState::Expired => Self::Expired,
        }
    }
}

/// Why a sample is in its state: the server's reasons plus those only the phone knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleReason {
    /// The code waits to be sent (no connection yet).
    NotSentYet,
    /// The server says the code is registered already.
    AlreadyRegistered,
    /// The code was mistyped (its check character does not match); nothing was sent.
    WrongCode,
    /// Not reported by a site or lab yet.
    NotYetReported,
    /// In the lab.
    InLab,
    /// The lab reported a result.
    LabReported,
    /// The lab found the sample unusable.
    SampleUnusable,
    /// The pool tested positive.
    PoolPositive,
    /// The pool tested negative.
    PoolNegative,
    /// The retention period passed.
    RetentionPassed,
}

impl SampleReason {
    /// Every reason.
    pub const ALL: [Self; 10] = [
        Self::NotSentYet,
        Self::AlreadyRegistered,
        Self::WrongCode,
        Self::NotYetReported,
        Self::InLab,
        Self::LabReported,
        Self::SampleUnusable,
        Self::PoolPositive,
        Self::PoolNegative,
        Self::RetentionPassed,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotSentYet => "not_sent_yet",
            Self::AlreadyRegistered => "already_registered",
            Self::WrongCode => "wrong_code",
            Self::NotYetReported => "not_yet_reported",
            Self::InLab => "in_lab",
            Self::LabReported => "lab_reported",
            Self::SampleUnusable => "sample_unusable",
            Self::PoolPositive => "pool_positive",
            Self::PoolNegative => "pool_negative",
            Self::RetentionPassed => "retention_passed",
        }
    }
}

impl From<TestResultReason> for SampleReason {
    fn from(reason: TestResultReason) -> Self {
        match reason {
            TestResultReason::NotYetReported => Self::NotYetReported,
            TestResultReason::InLab => Self::InLab,
            TestResultReason::LabReported => Self::LabReported,
            TestResultReason::SampleUnusable => Self::SampleUnusable,
            TestResultReason::PoolPositive => Self::PoolPositive,
            TestResultReason::PoolNegative => Self::PoolNegative,
            TestResultReason::RetentionPassed => Self::RetentionPassed,
        }
    }
}

/// Why a certificate that came with a result was not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertificateProblem {
    /// No trust list is on the phone yet (no root key pinned or no server): it can't be checked.
    NoTrustList,
    /// It does not verify; the stage where it failed (no personal data).
    DoesNotVerify(String),
}

/// A sample this phone follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Local id (UUID).
    pub id: String,
    /// The profile the sample belongs to.
    pub profile_id: String,
    /// How the code was entered.
    pub kind: SampleCodeKind,
    /// Where it stands.
    pub state: SampleState,
    /// Why.
    pub reason: SampleReason,
    /// When the code was entered on this phone.
    pub created_at: DateTime<Utc>,
    /// When the server registered it.
    pub registered_at: Option<DateTime<Utc>>,
    /// When the sample was taken, if a site reported it.
    pub sampled_at: Option<DateTime<Utc>>,
    /// When the lab reported the result.
    pub result_at: Option<DateTime<Utc>>,
    /// When the phone asks again (`None` once final).
    pub next_check_at: Option<DateTime<Utc>>,
    /// When the state became final (the retention period runs from here).
    pub final_at: Option<DateTime<Utc>>,
    /// The verified EU DCC test certificate (`HC1:`), if one came and verified.
    pub certificate: Option<String>,
    /// Why a certificate that came was not kept.
    pub certificate_problem: Option<CertificateProblem>,
    /// True when the person chose to keep the certificate past the retention period.
    pub keep_certificate: bool,
}
