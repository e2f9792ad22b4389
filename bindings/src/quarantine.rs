//! Home quarantine over the FFI: the person's `Quarantine` object (from `Healthbook.quarantine(location,
//! radio)`), the sensor traits the shells implement (`LocationSource`, `RadioScanner`), records mirroring the
//! core's model, and the area's one error enum. The sensor methods are synchronous: the core calls them on its
//! blocking pool, only inside `enrol` (radio) and `check_in` (one fix, one scan). Dates are `YYYY-MM-DD` text.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeZone, Utc};
use healthbook_core::quarantine as q;
use healthbook_core::quarantine::wire;

/// Why a sensor gave nothing (thrown by the shell's implementations).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum QuarantineSensorError {
    /// The person has not allowed it.
    #[error("permission denied")]
    PermissionDenied,
    /// Switched off or absent.
    #[error("unavailable")]
    Unavailable,
    /// No answer in time.
    #[error("timed out")]
    TimedOut,
}

impl From<uniffi::UnexpectedUniFFICallbackError> for QuarantineSensorError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // An exception the shell did not declare: the sensor gave nothing usable.
        Self::Unavailable
    }
}

impl From<QuarantineSensorError> for q::SensorError {
    fn from(e: QuarantineSensorError) -> Self {
        match e {
            QuarantineSensorError::PermissionDenied => Self::PermissionDenied,
            QuarantineSensorError::Unavailable => Self::Unavailable,
            QuarantineSensorError::TimedOut => Self::TimedOut,
        }
    }
}

/// Which sensor problem stopped an operation (inside [`QuarantineError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QuarantineSensorProblem {
    /// The person has not allowed it.
    PermissionDenied,
    /// Switched off or absent.
    Unavailable,
    /// No answer in time.
    TimedOut,
}

impl std::fmt::Display for QuarantineSensorProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::PermissionDenied => "permission denied",
            Self::Unavailable => "unavailable",
            Self::TimedOut => "timed out",
        })
    }
}

/// Where a fix came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QuarantineFixSource {
    /// Satellite.
    Gps,
    /// Cell and Wi-Fi positioning.
    Network,
    /// The platform's fused provider.
    Fused,
}

/// One location fix.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct QuarantineFix {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Horizontal accuracy, metres.
    pub accuracy_m: f64,
    /// Source.
    pub source: QuarantineFixSource,
    /// The platform's mock-location flag.
    pub mock: bool,
    /// When the fix was taken.
    pub taken_at: SystemTime,
}

/// What the radios see now, raw (the core hashes it at once).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuarantineRadioScan {
    /// Wi-Fi BSSIDs.
    pub wifi: Vec<String>,
    /// Bluetooth addresses.
    pub bluetooth: Vec<String>,
}

/// One current location fix, taken when asked (Android: the fused provider's `getCurrentLocation`).
#[uniffi::export(with_foreign)]
pub trait LocationSource: Send + Sync {
    /// One fix now (may block until the platform has one).
    fn current_fix(&self) -> Result<QuarantineFix, QuarantineSensorError>;
}

/// One scan of Wi-Fi access points and Bluetooth devices.
#[uniffi::export(with_foreign)]
pub trait RadioScanner: Send + Sync {
    /// What is seen now.
    fn scan(&self) -> Result<QuarantineRadioScan, QuarantineSensorError>;
}

fn utc(at: SystemTime) -> DateTime<Utc> {
    // A time out of chrono's range from the shell is a shell bug; clamp rather than panic across the FFI.
    let millis = match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    };
    Utc.timestamp_millis_opt(millis).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

struct LocationAdapter(Arc<dyn LocationSource>);

impl q::LocationSource for LocationAdapter {
    fn current_fix(&self) -> Result<wire::LocationFix, q::SensorError> {
        let fix = self.0.current_fix()?;
        let source = match fix.source {
            QuarantineFixSource::Gps => wire::FixSource::Gps,
            QuarantineFixSource::Network => wire::FixSource::Network,
            QuarantineFixSource::Fused => wire::FixSource::Fused,
        };
        Ok(wire::LocationFix { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m, source, mock: fix.mock, taken_at: utc(fix.taken_at) })
    }
}

struct RadioAdapter(Arc<dyn RadioScanner>);

impl q::RadioScanner for RadioAdapter {
    fn scan(&self) -> Result<q::RadioScan, q::SensorError> {
        let scan = self.0.scan()?;
        Ok(q::RadioScan { wifi: scan.wifi, bluetooth: scan.bluetooth })
    }
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QuarantineOrderState {
    /// The commitment is not signed yet.
    AwaitingCommitment,
    /// The home is not enrolled yet.
    AwaitingEnrolment,
    /// Running.
    Active,
    /// Past its end.
    Ended,
    /// Ended early by an officer.
    Cancelled,
}

impl From<wire::OrderState> for QuarantineOrderState {
    fn from(s: wire::OrderState) -> Self {
        match s {
            wire::OrderState::AwaitingCommitment => Self::AwaitingCommitment,
            wire::OrderState::AwaitingEnrolment => Self::AwaitingEnrolment,
            wire::OrderState::Active => Self::Active,
            wire::OrderState::Ended => Self::Ended,
            wire::OrderState::Cancelled => Self::Cancelled,
        }
    }
}

/// An open challenge.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuarantineChallenge {
    /// Challenge id.
    pub challenge_id: String,
    /// Opened.
    pub opens_at: SystemTime,
    /// Closes (then late).
    pub closes_at: SystemTime,
    /// When answers stop counting (closes_at + grace).
    pub grace_ends_at: SystemTime,
    /// The home token must be scanned.
    pub home_token_required: bool,
    /// A random challenge, not a daily window.
    pub random: bool,
}

/// An order of one of the phone's profiles, with its countdown.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuarantineOrder {
    /// Order id.
    pub order_id: String,
    /// The profile.
    pub profile_id: String,
    /// Its name.
    pub profile_name: String,
    /// Home address.
    pub home_address: String,
    /// First day, `YYYY-MM-DD`.
    pub start_date: String,
    /// End of the last day (shared rule, extensions included).
    pub ends_at: SystemTime,
    /// Days left, a started day counting as one.
    pub days_left: u32,
    /// Days added by extensions.
    pub extension_days: u32,
    /// IANA zone of the home.
    pub time_zone: String,
    /// State.
    pub state: QuarantineOrderState,
    /// The commitment version to sign.
    pub commitment_version: u32,
    /// This phone holds the order key.
    pub signed_here: bool,
    /// The open challenge not yet answered.
    pub open_challenge: Option<QuarantineChallenge>,
    /// When the next daily window opens.
    pub next_check_in_at: Option<SystemTime>,
    /// Check-ins waiting in the outbox.
    pub pending_check_ins: u32,
}

/// The commitment text.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuarantineCommitment {
    /// Version.
    pub version: u32,
    /// Vietnamese text (the one signed).
    pub text_vi: String,
    /// English text.
    pub text_en: String,
}

/// A check-in's verdict; pending while it waits in the outbox, refused when the server turned it down for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QuarantineVerdict {
    /// Waiting to be sent or answered.
    Pending,
    /// Every check passed.
    Ok,
    /// An officer will look at it (never a violation by itself).
    NeedsReview,
    /// No valid answer.
    Missed,
    /// The server refused the record for good: no verdict will come (`refused_reason` says why).
    Refused,
}

/// Why a check-in got its verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QuarantineVerdictReason {
    /// Bad signature.
    BadSignature,
    /// Another device's key.
    WrongDeviceKey,
    /// A sequence used again.
    Replayed,
    /// A record missing from the chain.
    SequenceGap,
    /// The chain does not link.
    ChainBroken,
    /// Not the challenge's nonce.
    UnknownNonce,
    /// The challenge had closed.
    StaleNonce,
    /// Within the grace period.
    Late,
    /// Outside the fence.
    OutsideFence,
    /// Can't tell from the fix.
    UncertainLocation,
    /// The fix was mocked.
    MockLocation,
    /// The home token was missing or wrong.
    HomeTokenMissing,
    /// Radio unlike home.
    RadioUnlikeHome,
    /// An old fix.
    StaleFix,
    /// No answer at all.
    NoAnswer,
}

impl From<wire::VerdictReason> for QuarantineVerdictReason {
    fn from(r: wire::VerdictReason) -> Self {
        use wire::VerdictReason as R;
        match r {
            R::BadSignature => Self::BadSignature,
            R::WrongDeviceKey => Self::WrongDeviceKey,
            R::Replayed => Self::Replayed,
            R::SequenceGap => Self::SequenceGap,
            R::ChainBroken => Self::ChainBroken,
            R::UnknownNonce => Self::UnknownNonce,
            R::StaleNonce => Self::StaleNonce,
            R::Late => Self::Late,
            R::OutsideFence => Self::OutsideFence,
            R::UncertainLocation => Self::UncertainLocation,
            R::MockLocation => Self::MockLocation,
            R::HomeTokenMissing => Self::HomeTokenMissing,
            R::RadioUnlikeHome => Self::RadioUnlikeHome,
            R::StaleFix => Self::StaleFix,
            R::NoAnswer => Self::NoAnswer,
        }
    }
}

/// One check-in as the phone knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuarantineCheckIn {
    /// The record's sequence; none for a missed challenge.
    pub sequence: Option<u64>,
    /// The challenge.
    pub challenge_id: String,
    /// When the record was made (or the server decided, for a missed one).
    pub at: SystemTime,
    /// The verdict.
    pub verdict: QuarantineVerdict,
    /// Its reasons.
    pub reasons: Vec<QuarantineVerdictReason>,
    /// The server's words when it refused the record for good (technical: show plain words first, this small).
    pub refused_reason: Option<String>,
}

impl From<q::CheckIn> for QuarantineCheckIn {
    fn from(c: q::CheckIn) -> Self {
        let verdict = match c.state {
            q::CheckInState::Pending => QuarantineVerdict::Pending,
            q::CheckInState::Decided(wire::QuarantineVerdict::Ok) => QuarantineVerdict::Ok,
            q::CheckInState::Decided(wire::QuarantineVerdict::NeedsReview) => QuarantineVerdict::NeedsReview,
            q::CheckInState::Decided(wire::QuarantineVerdict::Missed) => QuarantineVerdict::Missed,
            q::CheckInState::Refused => QuarantineVerdict::Refused,
        };
        Self {
            sequence: c.sequence,
            challenge_id: c.challenge_id,
            at: c.at.into(),
            verdict,
            reasons: c.reasons.into_iter().map(Into::into).collect(),
            refused_reason: c.refused_reason,
        }
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QuarantineCaseState {
    /// Waiting for the person's explanation.
    AwaitingExplanation,
    /// Waiting for an officer.
    AwaitingDecision,
    /// Decided.
    Decided,
}

/// What the person says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QuarantineExplanationReason {
    /// The battery died.
    BatteryDied,
    /// Asleep.
    Asleep,
    /// A permitted hospital visit.
    HospitalVisit,
    /// No signal.
    NoSignal,
    /// Something else (with words).
    Other,
}

impl From<wire::ExplanationReason> for QuarantineExplanationReason {
    fn from(r: wire::ExplanationReason) -> Self {
        match r {
            wire::ExplanationReason::BatteryDied => Self::BatteryDied,
            wire::ExplanationReason::Asleep => Self::Asleep,
            wire::ExplanationReason::HospitalVisit => Self::HospitalVisit,
            wire::ExplanationReason::NoSignal => Self::NoSignal,
            wire::ExplanationReason::Other => Self::Other,
        }
    }
}

impl From<QuarantineExplanationReason> for wire::ExplanationReason {
    fn from(r: QuarantineExplanationReason) -> Self {
        match r {
            QuarantineExplanationReason::BatteryDied => Self::BatteryDied,
            QuarantineExplanationReason::Asleep => Self::Asleep,
            QuarantineExplanationReason::HospitalVisit => Self::HospitalVisit,
            QuarantineExplanationReason::NoSignal => Self::NoSignal,
            QuarantineExplanationReason::Other => Self::Other,
        }
    }
}

/// What an officer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QuarantineDecision {
    /// No violation.
    Dismissed,
    /// A warning.
    Warning,
    /// The order is extended.
    Extension,
    /// Referred to the ward's committee.
    Referral,
}

/// A case opened by a missed or doubtful check-in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuarantineCase {
    /// Case id.
    pub case_id: String,
    /// The order.
    pub order_id: String,
    /// The check-in that opened it.
    pub check_in: QuarantineCheckIn,
    /// State.
    pub state: QuarantineCaseState,
    /// Opened.
    pub opened_at: SystemTime,
    /// Explain before then.
    pub explain_by: SystemTime,
    /// The explanation's reason.
    pub explanation: Option<QuarantineExplanationReason>,
    /// Its words.
    pub explanation_text: String,
    /// The explanation waits in the outbox.
    pub explanation_pending: bool,
    /// The decision.
    pub decision: Option<QuarantineDecision>,
    /// The officer's words.
    pub decision_note: Option<String>,
    /// When decided.
    pub decided_at: Option<SystemTime>,
}

impl From<q::Case> for QuarantineCase {
    fn from(c: q::Case) -> Self {
        Self {
            case_id: c.case_id,
            order_id: c.order_id,
            check_in: c.check_in.into(),
            state: match c.state {
                wire::CaseState::AwaitingExplanation => QuarantineCaseState::AwaitingExplanation,
                wire::CaseState::AwaitingDecision => QuarantineCaseState::AwaitingDecision,
                wire::CaseState::Decided => QuarantineCaseState::Decided,
            },
            opened_at: c.opened_at.into(),
            explain_by: c.explain_by.into(),
            explanation: c.explanation.map(Into::into),
            explanation_text: c.explanation_text,
            explanation_pending: c.explanation_pending,
            decision: c.decision.map(|d| match d {
                wire::DecisionOutcome::Dismissed => QuarantineDecision::Dismissed,
                wire::DecisionOutcome::Warning => QuarantineDecision::Warning,
                wire::DecisionOutcome::Extension => QuarantineDecision::Extension,
                wire::DecisionOutcome::Referral => QuarantineDecision::Referral,
            }),
            decision_note: c.decision_note,
            decided_at: c.decided_at.map(Into::into),
        }
    }
}

impl From<q::Order> for QuarantineOrder {
    fn from(o: q::Order) -> Self {
        Self {
            order_id: o.order_id,
            profile_id: o.profile_id,
            profile_name: o.profile_name,
            home_address: o.home_address,
            start_date: o.start_date.to_string(),
            ends_at: o.ends_at.into(),
            days_left: o.days_left,
            extension_days: o.extension_days,
            time_zone: o.time_zone,
            state: o.state.into(),
            commitment_version: o.commitment_version,
            signed_here: o.signed_here,
            open_challenge: o.open_challenge.map(|c| QuarantineChallenge {
                challenge_id: c.challenge_id,
                opens_at: c.opens_at.into(),
                closes_at: c.closes_at.into(),
                grace_ends_at: c.grace_ends_at.into(),
                home_token_required: c.home_token_required,
                random: c.random,
            }),
            next_check_in_at: o.next_check_in_at.map(Into::into),
            pending_check_ins: o.pending_check_ins,
        }
    }
}

/// Why a quarantine operation failed; messages carry no personal data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum QuarantineError {
    /// No such order on this phone.
    #[error("no such order")]
    UnknownOrder,
    /// No such case on this phone.
    #[error("no such case")]
    UnknownCase,
    /// Not the commitment version the order asks for.
    #[error("the order asks for commitment version {expected}")]
    WrongCommitmentVersion {
        /// The order's version.
        expected: u32,
    },
    /// The commitment text does not match its hash.
    #[error("the commitment text does not match its hash")]
    CommitmentMismatch,
    /// Already signed.
    #[error("the commitment is already signed")]
    AlreadySigned,
    /// Not signed on this phone yet.
    #[error("the commitment has not been signed on this phone")]
    NotSigned,
    /// The home is not enrolled yet.
    #[error("the home is not enrolled")]
    NotEnrolled,
    /// Not a home token.
    #[error("not a home-quarantine token")]
    InvalidHomeToken,
    /// The server says the sticker is another home's.
    #[error("this sticker belongs to another home")]
    NotThisHome,
    /// The home token must be scanned for this check-in.
    #[error("the home token must be scanned")]
    HomeTokenRequired,
    /// No check-in is open now.
    #[error("no check-in is open now")]
    NoOpenChallenge,
    /// Already answered.
    #[error("already answered")]
    AlreadyAnswered,
    /// The order is over.
    #[error("the order is over")]
    OrderOver,
    /// The location could not be read.
    #[error("location: {reason}")]
    Location {
        /// Why.
        reason: QuarantineSensorProblem,
    },
    /// The radio scan failed.
    #[error("radio scan: {reason}")]
    Radio {
        /// Why.
        reason: QuarantineSensorProblem,
    },
    /// `Other` needs words.
    #[error("say what happened")]
    ExplanationTextRequired,
    /// Over 1,000 characters.
    #[error("the explanation is too long")]
    ExplanationTooLong,
    /// The case no longer takes an explanation.
    #[error("the case no longer takes an explanation")]
    CaseClosed,
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
    /// The order key or the data key failed.
    #[error("key failed: {reason}")]
    Key {
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

fn sensor(e: q::SensorError) -> QuarantineSensorProblem {
    match e {
        q::SensorError::PermissionDenied => QuarantineSensorProblem::PermissionDenied,
        q::SensorError::Unavailable => QuarantineSensorProblem::Unavailable,
        q::SensorError::TimedOut => QuarantineSensorProblem::TimedOut,
    }
}

impl From<q::QuarantineError> for QuarantineError {
    fn from(e: q::QuarantineError) -> Self {
        use q::QuarantineError as E;
        match e {
            E::UnknownOrder => Self::UnknownOrder,
            E::UnknownCase => Self::UnknownCase,
            E::WrongCommitmentVersion { expected, .. } => Self::WrongCommitmentVersion { expected },
            E::CommitmentMismatch => Self::CommitmentMismatch,
            E::AlreadySigned => Self::AlreadySigned,
            E::NotSigned => Self::NotSigned,
            E::NotEnrolled => Self::NotEnrolled,
            E::InvalidHomeToken => Self::InvalidHomeToken,
            E::NotThisHome => Self::NotThisHome,
            E::HomeTokenRequired => Self::HomeTokenRequired,
            E::NoOpenChallenge => Self::NoOpenChallenge,
            E::AlreadyAnswered => Self::AlreadyAnswered,
            E::OrderOver => Self::OrderOver,
            E::Location(s) => Self::Location { reason: sensor(s) },
            E::Radio(s) => Self::Radio { reason: sensor(s) },
            E::ExplanationTextRequired => Self::ExplanationTextRequired,
            E::ExplanationTooLong => Self::ExplanationTooLong,
            E::CaseClosed => Self::CaseClosed,
            E::NoServer => Self::NoServer,
            E::Unreachable(reason) => Self::Unreachable { reason },
            e @ (E::Session(_) | E::Server(_) | E::BadAnswer) => Self::Server { reason: e.to_string() },
            e @ (E::Key(_) | E::Sealing(_)) => Self::Key { reason: e.to_string() },
            e @ (E::Storage(_) | E::Corrupt(_) | E::Profile(_) | E::Outbox(_)) => Self::Storage { reason: e.to_string() },
        }
    }
}

/// Home quarantine on the person's phone.
#[derive(uniffi::Object)]
pub struct Quarantine(pub(crate) q::Quarantine);

impl Quarantine {
    /// The area over `healthbook` with the shell's sensors.
    pub(crate) fn new(healthbook: &healthbook_core::Healthbook, location: Arc<dyn LocationSource>, radio: Arc<dyn RadioScanner>) -> Self {
        Self(healthbook.quarantine(Arc::new(LocationAdapter(location)), Arc::new(RadioAdapter(radio))))
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Quarantine {
    /// Fetches the orders, open challenges and cases; offline, returns the last copy kept.
    pub async fn refresh(&self) -> Result<Vec<QuarantineOrder>, QuarantineError> {
        match self.0.refresh().await {
            Ok(orders) => Ok(orders.into_iter().map(Into::into).collect()),
            Err(e) if e.is_transient() => self.orders().await,
            Err(e) => Err(e.into()),
        }
    }

    /// The orders as kept (offline).
    pub async fn orders(&self) -> Result<Vec<QuarantineOrder>, QuarantineError> {
        Ok(self.0.orders().await?.into_iter().map(Into::into).collect())
    }

    /// The commitment text the order asks to sign.
    pub async fn commitment(&self, order_id: String) -> Result<QuarantineCommitment, QuarantineError> {
        let text = self.0.commitment(&order_id).await?;
        Ok(QuarantineCommitment { version: text.version, text_vi: text.vi, text_en: text.en })
    }

    /// Signs the commitment with a new order key.
    pub async fn sign_commitment(&self, order_id: String, version: u32) -> Result<QuarantineOrder, QuarantineError> {
        Ok(self.0.sign_commitment(&order_id, version).await?.into())
    }

    /// Enrols the home with the scanned token and a radio baseline.
    pub async fn enrol(&self, order_id: String, home_token: String) -> Result<QuarantineOrder, QuarantineError> {
        Ok(self.0.enrol(&order_id, &home_token).await?.into())
    }

    /// Answers the open challenge (one fix, one scan); queued offline.
    pub async fn check_in(&self, order_id: String, home_token: Option<String>) -> Result<QuarantineCheckIn, QuarantineError> {
        Ok(self.0.check_in(&order_id, home_token.as_deref()).await?.into())
    }

    /// The order's check-ins, newest first.
    pub async fn check_ins(&self, order_id: String) -> Result<Vec<QuarantineCheckIn>, QuarantineError> {
        Ok(self.0.check_ins(&order_id).await?.into_iter().map(Into::into).collect())
    }

    /// The order's cases, newest first.
    pub async fn cases(&self, order_id: String) -> Result<Vec<QuarantineCase>, QuarantineError> {
        Ok(self.0.cases(&order_id).await?.into_iter().map(Into::into).collect())
    }

    /// Explains a case (queued offline).
    pub async fn explain(&self, case_id: String, reason: QuarantineExplanationReason, text: String) -> Result<QuarantineCase, QuarantineError> {
        Ok(self.0.explain(&case_id, reason.into(), &text).await?.into())
    }

    /// Deletes orders ended over 30 days ago with their records; returns how many orders went.
    pub async fn purge_expired(&self) -> Result<u32, QuarantineError> {
        Ok(u32::try_from(self.0.purge_expired().await?).unwrap_or(u32::MAX))
    }
}
