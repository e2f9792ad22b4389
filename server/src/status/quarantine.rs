//! The quarantine rule: a person under a home quarantine order that has not ended is red, with the quarantine
//! reason (see `crate::quarantine`).
//!
//! | orders | status | reasons |
//! |---|---|---|
//! | one not cancelled whose end (`ends_at`, the order's zone) is still ahead, signed or not | red | quarantine |
//! | none, or all ended or cancelled | – | – |
//!
//! The order itself is the authority, not the check-ins: a missed check-in changes nothing here (only an
//! officer's extension moves the end). One index seek by person (`quarantine_orders_person`).

use chrono::{DateTime, Utc};

use super::{Finding, Reason, Status, StatusRule};
use crate::error::ApiError;
use crate::quarantine::db;
use crate::storage::Tx;

/// The quarantine rule (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct QuarantineRule;

impl StatusRule for QuarantineRule {
    fn name(&self) -> &'static str {
        "quarantine"
    }

    fn evaluate(&self, tx: &mut dyn Tx, person_id: &str, now: DateTime<Utc>) -> Result<Option<Finding>, ApiError> {
        Ok(db::has_running_order(tx, person_id, now)?.then(|| Finding { status: Status::Red, reasons: vec![Reason::Quarantine] }))
    }
}
