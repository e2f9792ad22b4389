//! The test-result rule: what the labs found for the person (results are stored per sample with the person
//! they belong to, `sample_results.person_id`, see `crate::results`).
//!
//! | latest results | status | reasons |
//! |---|---|---|
//! | a positive result tested within [`POSITIVE_DAYS`] days | red | recent_test |
//! | otherwise the latest result within [`POSITIVE_DAYS`] days is "retest required" (its pool was positive) | yellow | recent_test |
//! | otherwise a negative result tested within [`NEGATIVE_HOURS`] hours | green | recent_test |
//! | nothing of the above (an unusable sample says nothing) | – | – |
//!
//! Both look-ups are one index seek each, by person and time (`sample_results_person_time`).

use chrono::{DateTime, Duration, Utc};

use super::{Finding, Reason, Status, StatusRule};
use crate::error::ApiError;
use crate::storage::{Tx, Value};
use crate::util::to_ms;

/// How long a positive result keeps the person red (the isolation period).
pub const POSITIVE_DAYS: i64 = 14;
/// How long a negative result counts towards a green status.
pub const NEGATIVE_HOURS: i64 = 72;

/// The test-result rule (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct TestResultRule;

impl StatusRule for TestResultRule {
    fn name(&self) -> &'static str {
        "test_results"
    }

    fn evaluate(&self, tx: &mut dyn Tx, person_id: &str, now: DateTime<Utc>) -> Result<Option<Finding>, ApiError> {
        let since = Value::Int(to_ms(now - Duration::days(POSITIVE_DAYS)));
        let positive = tx.query_opt(
            "SELECT 1 FROM sample_results WHERE person_id = $1 AND tested_at >= $2 AND state = 'positive' LIMIT 1",
            &[person_id.into(), since.clone()],
        )?;
        if positive.is_some() {
            return Ok(Some(Finding { status: Status::Red, reasons: vec![Reason::RecentTest] }));
        }
        let latest = tx.query_opt(
            "SELECT state, tested_at FROM sample_results WHERE person_id = $1 AND tested_at >= $2 AND state IN ('negative', 'retest_required') \
             ORDER BY tested_at DESC LIMIT 1",
            &[person_id.into(), since],
        )?;
        let Some(row) = latest else {
            return Ok(None);
        };
        let finding = match row.text(0)?.as_str() {
            "retest_required" => Some(Finding { status: Status::Yellow, reasons: vec![Reason::RecentTest] }),
            _ if row.int(1)? >= to_ms(now - Duration::hours(NEGATIVE_HOURS)) => {
                Some(Finding { status: Status::Green, reasons: vec![Reason::RecentTest] })
            }
            _ => None,
        };
        Ok(finding)
    }
}
