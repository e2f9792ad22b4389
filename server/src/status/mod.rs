//! The health status rule set: one typed place where every capability that knows something about a person's
//! health adds its rule, and which combines them into the status a pass carries.
//!
//! # Rules
//! A [`StatusRule`] looks at one person's records at one instant and gives a [`Finding`] (a [`Status`] and the
//! [`Reason`]s behind it) or nothing. The [`RuleSet`] runs every rule, authoritative records first, then the
//! person's own declarations, and combines the findings: the worst status wins, and the reasons of every finding
//! accumulate (in rule order, without repeats), so the phone can say why. Rules read the person's records through
//! indexes by person and time, so a status costs the same with 10 records as with 10,000.
//!
//! | order | rule | status it can give | file |
//! |---|---|---|---|
//! | 1 | test results: a positive test, red; a positive pool (retest required), yellow; a negative test within 72 h, green | green, yellow, red | `results.rs` |
//! | 2 | quarantine orders: an order not ended, red | red | `quarantine.rs` |
//! | 3 | vaccination records: a completed primary series, green with the vaccination reason (never worse, so it never hides another finding) | green | `vaccination.rs` |
//! | 4 | self-declaration: the person's health declarations of the last 7 days | green, yellow, red | `declaration.rs` |
//!
//! Each capability that brings an authoritative record adds its rule in `server/src/status/` and one line in
//! [`RuleSet::standard`], without touching the other rules or reaching into their tables.
//!
//! The typed [`Reason`]s map onto the reasons a signed pass can carry ([`StatusReason`], with Vietnamese and
//! English wording in the core for the phone); see [`Reason::pass_reason`].

pub mod declaration;
pub mod quarantine;
pub mod results;
pub mod vaccination;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use healthbook_protocol::StatusReason;

use crate::error::ApiError;
use crate::storage::Tx;

/// A health status; ordered so that the worse is the greater (`Green < Yellow < Red`). It is the pass's colour,
/// defined once in the wire contract.
pub use healthbook_protocol::PassStatus as Status;

/// Why a rule found what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A health declaration of the last 7 days.
    Declaration,
    /// No health declaration in the last 7 days.
    NoRecentDeclaration,
    /// Symptoms declared.
    Symptoms,
    /// Contact with a confirmed case declared.
    Contact,
    /// Travel from an outbreak area declared.
    Travel,
    /// A quarantine order.
    Quarantine,
    /// A recent test result.
    RecentTest,
    /// A vaccination record.
    Vaccination,
}

impl Reason {
    /// The reason a signed pass carries for this one. A missing declaration reads as the declaration: on a
    /// yellow pass with no other reason, that says "declare first", and it keeps the pass one byte shorter.
    pub fn pass_reason(self) -> StatusReason {
        match self {
            Self::Declaration | Self::NoRecentDeclaration => StatusReason::Declaration,
            Self::Symptoms => StatusReason::Symptoms,
            Self::Contact => StatusReason::Contact,
            Self::Travel => StatusReason::Travel,
            Self::Quarantine => StatusReason::Quarantine,
            Self::RecentTest => StatusReason::RecentTest,
            Self::Vaccination => StatusReason::Vaccination,
        }
    }
}

/// What one rule found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The status it asks for.
    pub status: Status,
    /// Why.
    pub reasons: Vec<Reason>,
}

/// The combined status of a person: the worst finding, with every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// The worst status any rule found.
    pub status: Status,
    /// The reasons of every finding, in rule order, without repeats.
    pub reasons: Vec<Reason>,
}

impl Assessment {
    /// The reasons a pass carries (several typed reasons can map onto one pass reason).
    pub fn pass_reasons(&self) -> Vec<StatusReason> {
        let mut out = Vec::new();
        for reason in self.reasons.iter().map(|r| r.pass_reason()) {
            if !out.contains(&reason) {
                out.push(reason);
            }
        }
        out
    }
}

/// One capability's rule.
pub trait StatusRule: Send + Sync {
    /// A short name, for logs and documentation.
    fn name(&self) -> &'static str;

    /// What this rule finds about `person_id` at `now`, reading the person's records in `tx`; `None` when it
    /// knows nothing about them.
    fn evaluate(&self, tx: &mut dyn Tx, person_id: &str, now: DateTime<Utc>) -> Result<Option<Finding>, ApiError>;
}

/// Every rule, in order: authoritative records first, then the self-declaration.
pub struct RuleSet {
    rules: Vec<Box<dyn StatusRule>>,
}

impl RuleSet {
    /// The rules of this build (see the table in the module documentation).
    pub fn standard() -> Self {
        // Authoritative rules go before the self-declaration as the capabilities that own those records land:
        // test results, then quarantine orders and vaccination records.
        Self::with_rules(vec![
            Box::new(results::TestResultRule),
            Box::new(quarantine::QuarantineRule),
            Box::new(vaccination::VaccinationRule),
            Box::new(declaration::SelfDeclarationRule),
        ])
    }

    /// A rule set of the given rules (tests, and capabilities composing their own).
    pub fn with_rules(rules: Vec<Box<dyn StatusRule>>) -> Self {
        Self { rules }
    }

    /// The names of the rules, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.rules.iter().map(|r| r.name()).collect()
    }

    /// Runs every rule for `person_id` and combines the findings; with none, yellow for lack of a declaration.
    pub fn evaluate(&self, tx: &mut dyn Tx, person_id: &str, now: DateTime<Utc>) -> Result<Assessment, ApiError> {
        let mut findings = Vec::with_capacity(self.rules.len());
        for rule in &self.rules {
            findings.extend(rule.evaluate(tx, person_id, now)?);
        }
        Ok(combine(&findings))
    }
}

/// The worst status wins; reasons accumulate in order without repeats. Nothing found is yellow: a checkpoint
/// should ask for a declaration rather than wave the person through.
pub fn combine(findings: &[Finding]) -> Assessment {
    let Some(status) = findings.iter().map(|f| f.status).max() else {
        return Assessment { status: Status::Yellow, reasons: vec![Reason::NoRecentDeclaration] };
    };
    let mut reasons = Vec::new();
    for reason in findings.iter().flat_map(|f| f.reasons.iter().copied()) {
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    Assessment { status, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(status: Status, reasons: &[Reason]) -> Finding {
        Finding { status, reasons: reasons.to_vec() }
    }

    #[test]
    fn the_worst_status_wins_and_reasons_accumulate() {
        let quarantine = finding(Status::Red, &[Reason::Quarantine]);
        let declared = finding(Status::Green, &[Reason::Declaration]);
        let vaccinated = finding(Status::Green, &[Reason::Vaccination, Reason::Declaration]);
        let combined = combine(&[quarantine, declared, vaccinated]);
        assert_eq!(combined.status, Status::Red);
        assert_eq!(combined.reasons, vec![Reason::Quarantine, Reason::Declaration, Reason::Vaccination]);
        assert!(Status::Green < Status::Yellow && Status::Yellow < Status::Red);
    }

    #[test]
    fn nothing_found_is_yellow_for_want_of_a_declaration() {
        let none = combine(&[]);
        assert_eq!((none.status, none.reasons.as_slice()), (Status::Yellow, [Reason::NoRecentDeclaration].as_slice()));
        assert_eq!(none.pass_reasons(), vec![StatusReason::Declaration]);
    }

    #[test]
    fn pass_reasons_do_not_repeat() {
        let a = Assessment { status: Status::Yellow, reasons: vec![Reason::NoRecentDeclaration, Reason::Declaration, Reason::Symptoms] };
        assert_eq!(a.pass_reasons(), vec![StatusReason::Declaration, StatusReason::Symptoms]);
        assert_eq!(Status::from_name("red"), Some(Status::Red));
        // The rule set's status is the pass's colour itself, so it needs no mapping.
        let red: healthbook_protocol::PassStatus = Status::Red;
        assert_eq!(red.as_str(), "red");
    }
}
