//! Test results over the FFI: records mirroring the core's samples, the words for every state, the async
//! `Results` object and the area's error enum.

use std::sync::Arc;
use std::time::SystemTime;

use healthbook_core::results as res;

use crate::settings::Language;

/// Where a followed sample stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SampleState {
    /// Waiting to be sent (offline).
    Registering,
    /// Registered on another phone or for another profile.
    RegisteredElsewhere,
    /// No site or lab has reported the code yet.
    UnknownToLab,
    /// Waiting for the lab.
    Pending,
    /// Not detected.
    Negative,
    /// Detected.
    Positive,
    /// No usable result.
    Invalid,
    /// The pool tested positive: test again alone.
    RetestRequired,
    /// No result within the retention period.
    Expired,
}

/// Why a sample is in its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SampleReason {
    /// Waits to be sent.
    NotSentYet,
    /// Registered already.
    AlreadyRegistered,
    /// Mistyped; nothing was sent.
    WrongCode,
    /// Not reported by a site or lab yet.
    NotYetReported,
    /// In the lab.
    InLab,
    /// The lab reported a result.
    LabReported,
    /// The sample was unusable.
    SampleUnusable,
    /// The pool tested positive.
    PoolPositive,
    /// The pool tested negative.
    PoolNegative,
    /// The retention period passed.
    RetentionPassed,
}

/// How a sample code was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SampleCodeKind {
    /// Scanned from the QR.
    Qr,
    /// Typed short code with a check character.
    ShortCode,
}

macro_rules! mirror {
    ($from:ty => $to:ident { $($v:ident),* }) => {
        impl From<$from> for $to {
            fn from(v: $from) -> Self {
                match v { $(<$from>::$v => Self::$v),* }
            }
        }
        impl From<$to> for $from {
            fn from(v: $to) -> Self {
                match v { $($to::$v => Self::$v),* }
            }
        }
    };
}

mirror!(res::SampleState => SampleState {
    Registering, RegisteredElsewhere, UnknownToLab, Pending, Negative, Positive, Invalid, RetestRequired, Expired
});
mirror!(res::SampleReason => SampleReason {
    NotSentYet, AlreadyRegistered, WrongCode, NotYetReported, InLab, LabReported, SampleUnusable, PoolPositive,
    PoolNegative, RetentionPassed
});
mirror!(res::SampleCodeKind => SampleCodeKind { Qr, ShortCode });

/// A sample this phone follows.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Sample {
    /// Local id.
    pub sample_id: String,
    /// The profile it belongs to.
    pub profile_id: String,
    /// How the code was entered.
    pub kind: SampleCodeKind,
    /// Where it stands.
    pub state: SampleState,
    /// Why.
    pub reason: SampleReason,
    /// When the code was entered.
    pub created_at: SystemTime,
    /// When the server registered it.
    pub registered_at: Option<SystemTime>,
    /// When the sample was taken.
    pub sampled_at: Option<SystemTime>,
    /// When the lab reported.
    pub result_at: Option<SystemTime>,
    /// When the phone asks again (none once final).
    pub next_check_at: Option<SystemTime>,
    /// When the state became final.
    pub final_at: Option<SystemTime>,
    /// The verified EU DCC test certificate (`HC1:`).
    pub certificate: Option<String>,
    /// Why a certificate that came was not kept (no personal data).
    pub certificate_problem: Option<String>,
    /// True when the certificate is kept past the retention period.
    pub keep_certificate: bool,
}

impl From<res::Sample> for Sample {
    fn from(s: res::Sample) -> Self {
        Self {
            sample_id: s.id,
            profile_id: s.profile_id,
            kind: s.kind.into(),
            state: s.state.into(),
            reason: s.reason.into(),
            created_at: s.created_at.into(),
            registered_at: s.registered_at.map(Into::into),
            sampled_at: s.sampled_at.map(Into::into),
            result_at: s.result_at.map(Into::into),
            next_check_at: s.next_check_at.map(Into::into),
            final_at: s.final_at.map(Into::into),
            certificate: s.certificate,
            certificate_problem: s.certificate_problem.map(|p| match p {
                res::CertificateProblem::NoTrustList => "no_trust_list".to_owned(),
                res::CertificateProblem::DoesNotVerify(stage) => format!("does_not_verify:{stage}"),
            }),
            keep_certificate: s.keep_certificate,
        }
    }
}

/// What to show about a sample.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Explanation {
    /// Where it stands.
    pub headline: String,
    /// Why.
    pub reason: String,
    /// What to do now.
    pub next_step: String,
}

/// A checked sample code (nothing sent).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SampleCodeInfo {
    /// QR or short code.
    pub kind: SampleCodeKind,
    /// The SHA-256 that is sent, 64 lowercase hex.
    pub code_hash: String,
}

/// What one poll cycle did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PollReport {
    /// Samples asked about.
    pub checked: u32,
    /// Samples whose state or reason changed.
    pub changed: u32,
    /// Requests that failed (retried later).
    pub failed: u32,
}

/// Why a results operation failed; messages carry no code, hash or token.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ResultsError {
    /// Nothing was entered.
    #[error("no code entered")]
    EmptyCode,
    /// Not the length of a sample code.
    #[error("a sample code has 10 characters (32 in the QR)")]
    WrongLength,
    /// A character no code has.
    #[error("a character no sample code has")]
    BadCharacter,
    /// The check character does not match: mistyped.
    #[error("the check character does not match")]
    BadCheckCharacter,
    /// This phone follows the code already.
    #[error("this code is already followed")]
    AlreadyFollowed,
    /// No such sample.
    #[error("no sample {id}")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// The sample has no certificate.
    #[error("no certificate")]
    NoCertificate,
    /// No such profile.
    #[error("no profile {id}")]
    ProfileNotFound {
        /// The id asked for.
        id: String,
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

impl From<res::SampleCodeError> for ResultsError {
    fn from(e: res::SampleCodeError) -> Self {
        match e {
            res::SampleCodeError::Empty => Self::EmptyCode,
            res::SampleCodeError::WrongLength => Self::WrongLength,
            res::SampleCodeError::BadCharacter => Self::BadCharacter,
            res::SampleCodeError::BadCheckCharacter => Self::BadCheckCharacter,
        }
    }
}

impl From<res::ResultsError> for ResultsError {
    fn from(e: res::ResultsError) -> Self {
        use res::ResultsError as E;
        match e {
            E::Code(c) => c.into(),
            E::AlreadyFollowed => Self::AlreadyFollowed,
            E::NotFound(id) => Self::NotFound { id },
            E::NoCertificate => Self::NoCertificate,
            E::NoServer => Self::NoServer,
            E::Unreachable(reason) => Self::Unreachable { reason },
            E::Profile(healthbook_core::profiles::ProfileError::NotFound(id)) => Self::ProfileNotFound { id },
            E::Sealing(s) => Self::DataKey { reason: s.to_string() },
            e @ (E::Storage(_) | E::Corrupt(_) | E::Profile(_)) => Self::Storage { reason: e.to_string() },
            e @ (E::Session(_) | E::Server(_) | E::BadAnswer) => Self::Server { reason: e.to_string() },
        }
    }
}

/// Receives changes of followed samples (to show a notification).
#[uniffi::export(with_foreign)]
pub trait ResultsListener: Send + Sync {
    /// `sample` changed state or reason.
    fn on_sample_changed(&self, sample: Sample);
}

struct ListenerAdapter(Arc<dyn ResultsListener>);

impl res::ResultsListener for ListenerAdapter {
    fn on_sample_changed(&self, sample: &res::Sample) {
        self.0.on_sample_changed(sample.clone().into());
    }
}

/// Checks a scanned or typed sample code without sending anything.
#[uniffi::export]
pub fn parse_sample_code(code: String) -> Result<SampleCodeInfo, ResultsError> {
    let parsed = res::SampleCode::parse(&code)?;
    Ok(SampleCodeInfo { kind: parsed.kind().into(), code_hash: parsed.hash() })
}

/// The words for `state` with `reason` in `language`.
#[uniffi::export]
pub fn explain_sample(state: SampleState, reason: SampleReason, language: Language) -> Explanation {
    let e = res::explain(state.into(), reason.into(), language.into());
    Explanation { headline: e.headline, reason: e.reason, next_step: e.next_step }
}

/// Test results of this phone's profiles.
#[derive(uniffi::Object)]
pub struct Results(pub(crate) res::Results);

#[uniffi::export(async_runtime = "tokio")]
impl Results {
    /// Checks `code`, keeps it for `profile_id` and registers it (offline: kept as registering).
    pub async fn register(&self, profile_id: String, code: String) -> Result<Sample, ResultsError> {
        Ok(self.0.register(&profile_id, &code).await?.into())
    }

    /// Every followed sample, newest first.
    pub async fn samples(&self) -> Result<Vec<Sample>, ResultsError> {
        Ok(self.0.samples().await?.into_iter().map(Into::into).collect())
    }

    /// One followed sample.
    pub async fn sample(&self, sample_id: String) -> Result<Sample, ResultsError> {
        Ok(self.0.sample(&sample_id).await?.into())
    }

    /// Registers what waits and polls what is due; changes go to `listener`.
    pub async fn poll_due(&self, listener: Option<Arc<dyn ResultsListener>>) -> Result<PollReport, ResultsError> {
        let adapter = listener.map(ListenerAdapter);
        let report = self.0.poll_due(adapter.as_ref().map(|a| a as &dyn res::ResultsListener)).await?;
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(PollReport { checked: count(report.checked), changed: count(report.changed), failed: count(report.failed) })
    }

    /// Keeps the certificate of `sample_id` past the retention period.
    pub async fn keep_certificate(&self, sample_id: String) -> Result<Sample, ResultsError> {
        Ok(self.0.keep_certificate(&sample_id).await?.into())
    }
}
