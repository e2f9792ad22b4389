//! The vaccination rule: what the person's counted doses say (doses given at a site, or self-reported and
//! confirmed by an officer with a known product; see `crate::vaccination`).
//!
//! | counted doses | status | reasons |
//! |---|---|---|
//! | a completed primary series (the product's series length reached; boosters count too) | green | vaccination |
//! | fewer doses, or none | – | – |
//!
//! A vaccination record never makes anyone yellow or red, and never hides what another rule found: the worst
//! status wins, so a vaccinated person with a positive test stays red and one without a recent declaration
//! stays yellow, with `vaccination` listed beside the other reasons as a record the status looked at. A
//! self-reported dose counts only once an officer confirmed it. One index seek by person (`doses_person`).

use chrono::{DateTime, Utc};

use super::{Finding, Reason, Status, StatusRule};
use crate::error::ApiError;
use crate::storage::Tx;
use crate::vaccination::{db, rules};

/// The vaccination rule (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct VaccinationRule;

impl StatusRule for VaccinationRule {
    fn name(&self) -> &'static str {
        "vaccination"
    }

    fn evaluate(&self, tx: &mut dyn Tx, person_id: &str, _now: DateTime<Utc>) -> Result<Option<Finding>, ApiError> {
        let doses = db::counted_doses(tx, person_id)?;
        Ok(rules::series_complete(&doses).then(|| Finding { status: Status::Green, reasons: vec![Reason::Vaccination] }))
    }
}
