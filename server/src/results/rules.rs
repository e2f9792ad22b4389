//! The rules of test results that need no database: which codes are well formed, what a lab's outcome makes of
//! a sample (alone or in a pool), what a registration shows at a poll, and how often the phone should ask.

use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::{LabOutcome, TestKind, TestResultReason, TestResultState, TestResultView};

/// Most results in one lab upload.
pub const MAX_LAB_BATCH: usize = 1_000;
/// Fewest members of a pool.
pub const MIN_POOL_MEMBERS: usize = 2;
/// Most members of a pool.
pub const MAX_POOL_MEMBERS: usize = 20;
/// Poll interval while no site or lab knows the code: it may take a day for a site to sync.
pub const POLL_UNKNOWN_SECS: u32 = 3_600;
/// Poll interval while the sample is in the lab.
pub const POLL_PENDING_SECS: u32 = 900;

/// True for a SHA-256 in 64 lowercase hex characters (the only form a code ever reaches the server in).
pub fn is_code_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What a sample's state and reason become when the lab reports `outcome` for it (`pooled`: for its pool).
pub fn sample_outcome(outcome: LabOutcome, pooled: bool) -> (TestResultState, TestResultReason) {
    match (outcome, pooled) {
        (LabOutcome::Negative, false) => (TestResultState::Negative, TestResultReason::LabReported),
        (LabOutcome::Positive, false) => (TestResultState::Positive, TestResultReason::LabReported),
        (LabOutcome::Negative, true) => (TestResultState::Negative, TestResultReason::PoolNegative),
        // A positive pool says only that someone in it is positive: each member is tested again alone.
        (LabOutcome::Positive, true) => (TestResultState::RetestRequired, TestResultReason::PoolPositive),
        (LabOutcome::Invalid, _) => (TestResultState::Invalid, TestResultReason::SampleUnusable),
    }
}

/// True when a result in this state gets an EU DCC test certificate (a retest or an unusable sample proves
/// nothing).
pub fn gets_certificate(state: TestResultState) -> bool {
    matches!(state, TestResultState::Negative | TestResultState::Positive)
}

/// The result SMS for a person without a smartphone, in Vietnamese then English: the result, the day the sample
/// was taken (Vietnam time, UTC+7) and what to do next. It never names the person, their id or the sample code.
pub fn sms_text(state: TestResultState, sampled_at: DateTime<Utc>) -> String {
    let day = sampled_at
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3_600).expect("UTC+7 is a valid offset"))
        .format("%d/%m/%Y");
    let (vi, en, vi_next, en_next) = match state {
        TestResultState::Negative => ("âm tính", "negative", "Tiếp tục đeo khẩu trang và giữ khoảng cách.", "Keep wearing a mask and keeping your distance."),
        TestResultState::Positive => (
            "dương tính",
            "positive",
            "Hãy tự cách ly tại nhà ngay và chờ trạm y tế gọi điện.",
            "Isolate at home now and wait for the health station's call.",
        ),
        TestResultState::RetestRequired => (
            "cần xét nghiệm lại",
            "retest required",
            "Hãy đến điểm lấy mẫu để lấy mẫu mới.",
            "Go to a sampling site for a new sample.",
        ),
        // Only final results are sent; anything else reads as an unusable sample, which also asks for a new one.
        _ => ("mẫu không dùng được", "invalid", "Hãy đến điểm lấy mẫu để lấy mẫu mới.", "Go to a sampling site for a new sample."),
    };
    format!(
        "Healthbook: Kết quả xét nghiệm mẫu lấy ngày {day}: {vi}. {vi_next} / Healthbook: Your test of the sample taken on {day}: {en}. {en_next}"
    )
}

/// A lab outcome's stored name.
pub fn outcome_name(outcome: LabOutcome) -> &'static str {
    match outcome {
        LabOutcome::Negative => "negative",
        LabOutcome::Positive => "positive",
        LabOutcome::Invalid => "invalid",
    }
}

/// A lab outcome from its stored name.
pub fn outcome_from_name(name: &str) -> Option<LabOutcome> {
    match name {
        "negative" => Some(LabOutcome::Negative),
        "positive" => Some(LabOutcome::Positive),
        "invalid" => Some(LabOutcome::Invalid),
        _ => None,
    }
}

/// A state from its stored name.
pub fn state_from_name(name: &str) -> Option<TestResultState> {
    TestResultState::ALL.into_iter().find(|s| s.as_str() == name)
}

/// A reason's stored name (its wire name).
pub fn reason_name(reason: TestResultReason) -> &'static str {
    match reason {
        TestResultReason::NotYetReported => "not_yet_reported",
        TestResultReason::InLab => "in_lab",
        TestResultReason::LabReported => "lab_reported",
        TestResultReason::SampleUnusable => "sample_unusable",
        TestResultReason::PoolPositive => "pool_positive",
        TestResultReason::PoolNegative => "pool_negative",
        TestResultReason::RetentionPassed => "retention_passed",
    }
}

/// A reason from its stored name.
pub fn reason_from_name(name: &str) -> Option<TestResultReason> {
    [
        TestResultReason::NotYetReported,
        TestResultReason::InLab,
        TestResultReason::LabReported,
        TestResultReason::SampleUnusable,
        TestResultReason::PoolPositive,
        TestResultReason::PoolNegative,
        TestResultReason::RetentionPassed,
    ]
    .into_iter()
    .find(|r| reason_name(*r) == name)
}

/// A test kind's stored name (its wire name).
pub fn test_kind_name(kind: TestKind) -> &'static str {
    match kind {
        TestKind::Pcr => "pcr",
        TestKind::RapidAntigen => "rapid_antigen",
    }
}

/// A test kind from its stored name.
pub fn test_kind_from_name(name: &str) -> Option<TestKind> {
    match name {
        "pcr" => Some(TestKind::Pcr),
        "rapid_antigen" => Some(TestKind::RapidAntigen),
        _ => None,
    }
}

/// What is known about a registered code at a poll.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    /// When a site took the sample, if one reported it.
    pub sampled_at: Option<DateTime<Utc>>,
    /// The sample's result: state, reason, when the lab tested it.
    pub result: Option<(TestResultState, TestResultReason, DateTime<Utc>)>,
    /// The certificate signed for it.
    pub certificate: Option<String>,
}

/// The phone's view of a registration made at `registered_at`, at `now`, with `retention` as the period after
/// which everything about it is deleted.
pub fn poll_view(known: Known, registered_at: DateTime<Utc>, now: DateTime<Utc>, retention: Duration) -> TestResultView {
    let view = |state, reason, poll_after_secs| TestResultView {
        state,
        reason,
        sampled_at: known.sampled_at,
        result_at: None,
        poll_after_secs,
        certificate: None,
    };
    if now - registered_at >= retention {
        // Whatever was known is about to be deleted (or already is): the phone keeps what it has.
        return TestResultView { sampled_at: None, ..view(TestResultState::Expired, TestResultReason::RetentionPassed, None) };
    }
    if let Some((state, reason, tested_at)) = known.result {
        return TestResultView { result_at: Some(tested_at), certificate: known.certificate.clone(), ..view(state, reason, None) };
    }
    if known.sampled_at.is_some() {
        return view(TestResultState::Pending, TestResultReason::InLab, Some(POLL_PENDING_SECS));
    }
    view(TestResultState::UnknownToLab, TestResultReason::NotYetReported, Some(POLL_UNKNOWN_SECS))
}

/// The median of `hours` (sorted here), or `None` when empty.
pub fn median(mut hours: Vec<f64>) -> Option<f64> {
    if hours.is_empty() {
        return None;
    }
    hours.sort_by(f64::total_cmp);
    let mid = hours.len() / 2;
    Some(if hours.len().is_multiple_of(2) { (hours[mid - 1] + hours[mid]) / 2.0 } else { hours[mid] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_text_says_the_result_the_local_day_and_what_to_do_in_both_languages() {
        use chrono::TimeZone;
        // 20:00 UTC is already the next day in Vietnam.
        let at = Utc.with_ymd_and_hms(2021, 8, 31, 20, 0, 0).unwrap();
        let positive = sms_text(TestResultState::Positive, at);
        assert!(positive.contains("01/09/2021: dương tính") && positive.contains("01/09/2021: positive"), "{positive}");
        assert!(positive.contains("cách ly") && positive.contains("wait for the health station's call"), "{positive}");
        assert!(positive.find("dương tính") < positive.find("positive"), "Vietnamese first");
        for (state, vi, en) in [
            (TestResultState::Negative, "âm tính", "negative"),
            (TestResultState::RetestRequired, "cần xét nghiệm lại", "retest required"),
            (TestResultState::Invalid, "mẫu không dùng được", "invalid"),
        ] {
            let text = sms_text(state, at);
            assert!(text.contains(&format!(": {vi}.")) && text.contains(&format!(": {en}.")), "{text}");
        }
    }
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 9, 1, hour, 0, 0).unwrap()
    }

    #[test]
    fn only_lowercase_sha256_hex_is_a_code_hash() {
        assert!(is_code_hash(&"0a".repeat(32)));
        assert!(!is_code_hash(&"0A".repeat(32)));
        assert!(!is_code_hash(&"0a".repeat(31)));
        assert!(!is_code_hash(&format!("{}g", "0".repeat(63))));
    }

    #[test]
    fn a_pool_outcome_becomes_each_members_with_its_reason() {
        assert_eq!(sample_outcome(LabOutcome::Positive, true), (TestResultState::RetestRequired, TestResultReason::PoolPositive));
        assert_eq!(sample_outcome(LabOutcome::Negative, true), (TestResultState::Negative, TestResultReason::PoolNegative));
        assert_eq!(sample_outcome(LabOutcome::Invalid, true), (TestResultState::Invalid, TestResultReason::SampleUnusable));
        assert_eq!(sample_outcome(LabOutcome::Positive, false), (TestResultState::Positive, TestResultReason::LabReported));
        assert!(gets_certificate(TestResultState::Negative) && !gets_certificate(TestResultState::RetestRequired));
    }

    #[test]
    fn every_state_has_a_reason_and_only_open_ones_an_interval() {
        let retention = Duration::days(21);
        let unknown = poll_view(Known::default(), at(8), at(9), retention);
        assert_eq!((unknown.state, unknown.reason, unknown.poll_after_secs), (TestResultState::UnknownToLab, TestResultReason::NotYetReported, Some(3_600)));
        let sampled = Known { sampled_at: Some(at(7)), ..Known::default() };
        let pending = poll_view(sampled.clone(), at(8), at(9), retention);
        assert_eq!((pending.state, pending.reason, pending.poll_after_secs), (TestResultState::Pending, TestResultReason::InLab, Some(900)));
        let done = Known { result: Some((TestResultState::Negative, TestResultReason::LabReported, at(10))), certificate: Some("HC1:x".into()), ..sampled };
        let negative = poll_view(done.clone(), at(8), at(11), retention);
        assert_eq!((negative.state, negative.poll_after_secs, negative.result_at, negative.certificate.as_deref()), (TestResultState::Negative, None, Some(at(10)), Some("HC1:x")));
        let expired = poll_view(done, at(8), at(8) + retention, retention);
        assert_eq!((expired.state, expired.reason, expired.certificate), (TestResultState::Expired, TestResultReason::RetentionPassed, None));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 10.0]), Some(3.0));
        for (reason, name) in [(TestResultReason::PoolPositive, "pool_positive"), (TestResultReason::InLab, "in_lab")] {
            assert_eq!((reason_name(reason), reason_from_name(name)), (name, Some(reason)));
        }
    }
}
