//! Test results, after Corona-Warn-App's verification protocol: the phone never sends a sample code in clear,
//! only its SHA-256 (`code_hash`, 64 lowercase hex), exchanges it once for a registration token, and polls the
//! result with that token. Sampling sites link samples to people (by scanning their pass or control card) and
//! group swabs into pools; labs upload results by code hash and never learn who the person is.
//!
//! Endpoints:
//! - `POST /v1/results/registrations` (device): [`RegisterSampleRequest`] → 201 [`SampleRegistration`];
//!   409 `sample_already_registered`; 429 when a device tries too many codes.
//! - `POST /v1/results/poll` (device that registered): [`PollResultRequest`] → [`TestResultView`];
//!   404 `unknown_registration`. A POST so that the token never appears in a URL or an access log.
//! - `POST /v1/results/samples` (volunteer, health officer; area-scoped): [`LinkSampleRequest`] →
//!   [`LinkedSample`] — a sample taken at a site, optionally linked to the person whose card was scanned.
//! - `POST /v1/results/pools` (volunteer, health officer): [`CreatePoolRequest`] → [`PoolView`];
//!   409 `sample_already_pooled`.
//! - `POST /v1/results/lab` (lab): [`LabResultBatch`] → [`LabUploadReport`], idempotent per code hash.
//! - `GET /v1/results/report` (health officer, area-scoped): [`ResultsReportQuery`] → [`ResultsReport`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How the person got the sample code: scanned from the tube label or receipt (a long random code), or a short
/// code read out over the phone (nine characters and a check character, like CWA's teleTAN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SampleCodeKind {
    /// The QR on the receipt or tube label.
    Qr,
    /// The short code with a check character.
    ShortCode,
}

/// A phone registers a sample code it was given, for one of its profiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterSampleRequest {
    /// SHA-256 of the normalised code, 64 lowercase hex characters; the clear code never leaves the phone.
    pub code_hash: String,
    /// How the code was entered.
    pub kind: SampleCodeKind,
    /// The phone's profile the sample belongs to (the result attaches to the person it is bound to, if any).
    pub profile_ref: String,
}

/// The server's answer to a registration: the token the phone polls with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleRegistration {
    /// Opaque token (UUID v4); only this device may poll with it.
    pub registration_token: String,
    /// When the server registered it.
    pub registered_at: DateTime<Utc>,
}

/// A phone asks for the state of a registered sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PollResultRequest {
    /// The token from [`SampleRegistration`].
    pub registration_token: String,
}

/// Where a sample stands. Every state has a reason the phone can show (see [`TestResultView::reason`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TestResultState {
    /// No sampling site or lab has reported this code yet (typed wrong, or the site has not synced).
    UnknownToLab,
    /// The sample was taken and is waiting for its result.
    Pending,
    /// Not detected.
    Negative,
    /// Detected.
    Positive,
    /// The lab could not give a result (damaged or insufficient sample): a new sample is needed.
    Invalid,
    /// The pool this sample was in tested positive: the person must be tested again on their own.
    RetestRequired,
    /// No result arrived within the retention period, or the result has been deleted after it.
    Expired,
}

impl TestResultState {
    /// Every state.
    pub const ALL: [Self; 7] =
        [Self::UnknownToLab, Self::Pending, Self::Negative, Self::Positive, Self::Invalid, Self::RetestRequired, Self::Expired];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownToLab => "unknown_to_lab",
            Self::Pending => "pending",
            Self::Negative => "negative",
            Self::Positive => "positive",
            Self::Invalid => "invalid",
            Self::RetestRequired => "retest_required",
            Self::Expired => "expired",
        }
    }

    /// True when the state will not change any more (polling stops).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Negative | Self::Positive | Self::Invalid | Self::RetestRequired | Self::Expired)
    }
}

/// Why a sample is in its state, as a code the phone turns into words in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TestResultReason {
    /// The code is not known yet: the site may not have synced; check the code if it stays so for a day.
    NotYetReported,
    /// The sample reached the lab and is being analysed.
    InLab,
    /// The lab reported a result.
    LabReported,
    /// The lab reported the sample unusable.
    SampleUnusable,
    /// The pool containing this sample tested positive.
    PoolPositive,
    /// The pool containing this sample tested negative; the result is each member's.
    PoolNegative,
    /// The retention period passed without a result, or the result was deleted after it.
    RetentionPassed,
}

/// The state of a registered sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestResultView {
    /// Where the sample stands.
    pub state: TestResultState,
    /// Why.
    pub reason: TestResultReason,
    /// When the sample was taken, if a site reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampled_at: Option<DateTime<Utc>>,
    /// When the lab reported the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_at: Option<DateTime<Utc>>,
    /// The server's suggestion for the next poll, in seconds (the phone never polls sooner; absent when final).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_after_secs: Option<u32>,
    /// The signed EU DCC test certificate (`HC1:...`) for a negative or positive result of a bound person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

/// What the lab found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LabOutcome {
    /// Not detected.
    Negative,
    /// Detected.
    Positive,
    /// No usable result.
    Invalid,
}

/// The kind of test, mapped to the EU value set `covid-19-lab-test-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    /// Nucleic acid amplification (RT-PCR): `LP6464-4`.
    Pcr,
    /// Rapid antigen test: `LP217198-3`.
    RapidAntigen,
}

/// A sample taken at a sampling site (`POST /v1/results/samples`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkSampleRequest {
    /// SHA-256 of the sample code.
    pub code_hash: String,
    /// When the swab was taken.
    pub sampled_at: DateTime<Utc>,
    /// The sampling site (its ward code; the caller's area must contain it).
    pub site_ward: String,
    /// The kind of test.
    pub test_kind: TestKind,
    /// The scanned pass (`HB1:`) or control card of the person, so that people without a phone get their result
    /// (the server resolves the person from a credential it issued; nothing else about the person is sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_credential: Option<String>,
}

/// A sample as the site sees it after linking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedSample {
    /// The code hash.
    pub code_hash: String,
    /// True when a person was linked from the scanned credential.
    pub person_linked: bool,
}

/// Several people's swabs in one tube (`POST /v1/results/pools`): the lab reports the pool's code hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatePoolRequest {
    /// SHA-256 of the pool tube's code.
    pub pool_code_hash: String,
    /// The members' sample code hashes (2 to 20, each a sample already taken at a site).
    pub member_code_hashes: Vec<String>,
}

/// A pool as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolView {
    /// The pool's code hash.
    pub pool_code_hash: String,
    /// How many members it has.
    pub members: u32,
}

/// One result from a lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabResult {
    /// SHA-256 of the sample's (or the pool's) code.
    pub code_hash: String,
    /// What the lab found.
    pub outcome: LabOutcome,
    /// When the lab finished the analysis.
    pub tested_at: DateTime<Utc>,
}

/// Results uploaded by a lab in one request (at most 1,000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabResultBatch {
    /// The results.
    pub results: Vec<LabResult>,
}

/// What became of a lab's batch. Sending the same batch again changes nothing and reports the same numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabUploadReport {
    /// Results stored (new, or the same as already stored).
    pub accepted: u32,
    /// Code hashes no site reported (kept, in case the site syncs later).
    pub unknown_samples: u32,
    /// Results that contradict one already stored for the code (not applied; the lab must correct by hand).
    pub conflicts: Vec<String>,
}

/// The reporting query for the health department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct ResultsReportQuery {
    /// First day (UTC), inclusive.
    pub from: NaiveDate,
    /// Last day (UTC), inclusive.
    pub to: NaiveDate,
}

/// One site's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultsReportRow {
    /// The sampling site's ward code.
    pub site_ward: String,
    /// The day the samples were taken (UTC).
    pub day: NaiveDate,
    /// Samples taken.
    pub samples_taken: u32,
    /// Of those, results returned.
    pub results_returned: u32,
    /// Positive results among them.
    pub positive: u32,
    /// Median hours from sampling to result (absent when no result returned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_hours_to_result: Option<f64>,
}

/// Samples and results per site and day, within the caller's area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultsReport {
    /// One row per site and day with samples, ordered by day then site.
    pub rows: Vec<ResultsReportRow>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enum_strings, round_trip};
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn result_enums_keep_their_strings() {
        enum_strings(&[(SampleCodeKind::Qr, "qr"), (SampleCodeKind::ShortCode, "short_code")], "tan");
        let states: Vec<(TestResultState, &str)> = TestResultState::ALL.iter().map(|s| (*s, s.as_str())).collect();
        enum_strings(&states, "stuck");
        enum_strings(
            &[(LabOutcome::Negative, "negative"), (LabOutcome::Positive, "positive"), (LabOutcome::Invalid, "invalid")],
            "maybe",
        );
        enum_strings(&[(TestKind::Pcr, "pcr"), (TestKind::RapidAntigen, "rapid_antigen")], "antibody");
        enum_strings(
            &[
                (TestResultReason::NotYetReported, "not_yet_reported"),
                (TestResultReason::InLab, "in_lab"),
                (TestResultReason::LabReported, "lab_reported"),
                (TestResultReason::SampleUnusable, "sample_unusable"),
                (TestResultReason::PoolPositive, "pool_positive"),
                (TestResultReason::PoolNegative, "pool_negative"),
                (TestResultReason::RetentionPassed, "retention_passed"),
            ],
            "because",
        );
        assert!(TestResultState::Negative.is_final() && !TestResultState::Pending.is_final());
        assert!(!TestResultState::UnknownToLab.is_final());
    }

    #[test]
    fn result_bodies_round_trip() {
        let at = Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap();
        let hash = "ab".repeat(32);
        round_trip(
            &RegisterSampleRequest { code_hash: hash.clone(), kind: SampleCodeKind::ShortCode, profile_ref: "p1".into() },
            json!({ "code_hash": hash, "kind": "short_code", "profile_ref": "p1" }),
        );
        round_trip(
            &TestResultView {
                state: TestResultState::Pending,
                reason: TestResultReason::InLab,
                sampled_at: Some(at),
                result_at: None,
                poll_after_secs: Some(900),
                certificate: None,
            },
            json!({ "state": "pending", "reason": "in_lab", "sampled_at": "2021-09-01T08:00:00Z", "poll_after_secs": 900 }),
        );
        round_trip(
            &LabResultBatch { results: vec![LabResult { code_hash: hash.clone(), outcome: LabOutcome::Positive, tested_at: at }] },
            json!({ "results": [{ "code_hash": hash, "outcome": "positive", "tested_at": "2021-09-01T08:00:00Z" }] }),
        );
        round_trip(
            &LinkSampleRequest {
                code_hash: hash.clone(),
                sampled_at: at,
                site_ward: "00001".into(),
                test_kind: TestKind::Pcr,
                person_credential: None,
            },
            json!({ "code_hash": hash, "sampled_at": "2021-09-01T08:00:00Z", "site_ward": "00001", "test_kind": "pcr" }),
        );
    }
}
