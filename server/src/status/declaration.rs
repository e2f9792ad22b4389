//! The self-declaration rule: what the person said about themself in their health declarations of the last
//! [`DECLARATION_VALID_DAYS`] days.
//!
//! Each health declaration is classified once, when it is submitted ([`classify`]), and its finding is stored
//! beside it (`declarations.finding_status`, `declarations.finding`), so the rule never reads declaration
//! bodies. One declaration's finding:
//!
//! | declared | status | reasons |
//! |---|---|---|
//! | nothing of the below | green | declaration |
//! | symptoms, or contact with a confirmed case, or travel from an outbreak area | yellow | declaration + each of symptoms, contact, travel declared |
//! | contact with a confirmed case **and** symptoms | red | declaration, symptoms, contact (+ travel) |
//!
//! Contact with symptoms is the case definition of a suspected case: the person must not pass a checkpoint
//! until a test or an officer decides otherwise. The person's status from their declarations:
//! - a red declaration of the window holds for the whole window, whatever is declared after it (a new profile,
//!   a second phone or a reinstall all declare for the same person, and "all clear" a day later does not
//!   lift a suspected case; a negative test will, through its own rule);
//! - otherwise the latest declaration of the window decides;
//! - with none in the window, yellow, for want of a declaration.
//!
//! Both look-ups are one index seek each, by person and time: `declarations_person_status_time` for the red one,
//! `declarations_person_time` for the latest.

use chrono::{DateTime, Duration, Utc};
use healthbook_core::declarations::forms::HEALTH_DECLARATION;
use serde_json::Value as Json;

use super::{Finding, Reason, Status, StatusRule};
use crate::error::ApiError;
use crate::storage::{Tx, Value};
use crate::util::to_ms;

/// How long a declaration counts towards a status.
pub const DECLARATION_VALID_DAYS: i64 = 7;

/// The finding of one declaration, from its validated answers; `None` for forms that say nothing about health.
pub fn classify(form_id: &str, answers: &serde_json::Map<String, Json>) -> Option<Finding> {
    if form_id != HEALTH_DECLARATION {
        return None;
    }
    let symptoms = answers.get("symptoms").and_then(Json::as_array).is_some_and(|s| !s.is_empty());
    let contact = answers.get("contact_with_confirmed_case").and_then(Json::as_bool).unwrap_or(false);
    let travel = answers.get("travel_from_outbreak_area").and_then(Json::as_bool).unwrap_or(false);
    let status = if contact && symptoms {
        Status::Red
    } else if symptoms || contact || travel {
        Status::Yellow
    } else {
        Status::Green
    };
    let mut reasons = vec![Reason::Declaration];
    for (declared, reason) in [(symptoms, Reason::Symptoms), (contact, Reason::Contact), (travel, Reason::Travel)] {
        if declared {
            reasons.push(reason);
        }
    }
    Some(Finding { status, reasons })
}

/// The self-declaration rule (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct SelfDeclarationRule;

/// A stored finding; one stored before the finding column existed has only its status, and the declaration as
/// its reason.
fn stored_finding(status: &str, finding: Option<String>) -> Result<Finding, ApiError> {
    if let Some(text) = finding {
        return serde_json::from_str(&text).map_err(|e| ApiError::Internal(format!("stored finding: {e}")));
    }
    let status = Status::from_name(status).ok_or_else(|| ApiError::Internal("stored finding status".into()))?;
    Ok(Finding { status, reasons: vec![Reason::Declaration] })
}

impl StatusRule for SelfDeclarationRule {
    fn name(&self) -> &'static str {
        "self_declaration"
    }

    fn evaluate(&self, tx: &mut dyn Tx, person_id: &str, now: DateTime<Utc>) -> Result<Option<Finding>, ApiError> {
        let since = Value::Int(to_ms(now - Duration::days(DECLARATION_VALID_DAYS)));
        let red = tx.query_opt(
            "SELECT finding_status, finding FROM declarations WHERE person_id = $1 AND finding_status = 'red' AND declared_at >= $2 \
             ORDER BY declared_at DESC LIMIT 1",
            &[person_id.into(), since.clone()],
        )?;
        let row = match red {
            Some(row) => Some(row),
            None => tx.query_opt(
                "SELECT finding_status, finding FROM declarations WHERE person_id = $1 AND declared_at >= $2 AND finding_status IS NOT NULL \
                 ORDER BY declared_at DESC LIMIT 1",
                &[person_id.into(), since],
            )?,
        };
        Ok(Some(match row {
            Some(row) => stored_finding(&row.text(0)?, row.opt_text(1)?)?,
            None => Finding { status: Status::Yellow, reasons: vec![Reason::NoRecentDeclaration] },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finding(answers: Json) -> Finding {
        classify(HEALTH_DECLARATION, answers.as_object().unwrap()).unwrap()
    }

    #[test]
    fn each_declaration_is_classified_with_its_reasons() {
        let clear = finding(json!({ "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false }));
        assert_eq!(clear, Finding { status: Status::Green, reasons: vec![Reason::Declaration] });
        let travel = finding(json!({ "symptoms": [], "travel_from_outbreak_area": true }));
        assert_eq!(travel, Finding { status: Status::Yellow, reasons: vec![Reason::Declaration, Reason::Travel] });
        let contact = finding(json!({ "contact_with_confirmed_case": true }));
        assert_eq!(contact.status, Status::Yellow);
        let suspected = finding(json!({ "symptoms": ["fever"], "contact_with_confirmed_case": true }));
        assert_eq!(suspected, Finding { status: Status::Red, reasons: vec![Reason::Declaration, Reason::Symptoms, Reason::Contact] });
        assert_eq!(classify("movement_declaration", clear_map().as_object().unwrap()), None);
    }

    fn clear_map() -> Json {
        json!({ "symptoms": [] })
    }

    #[test]
    fn a_finding_stored_before_findings_had_reasons_reads_as_the_declaration() {
        assert_eq!(stored_finding("yellow", None).unwrap(), Finding { status: Status::Yellow, reasons: vec![Reason::Declaration] });
        let text = serde_json::to_string(&Finding { status: Status::Red, reasons: vec![Reason::Contact] }).unwrap();
        assert_eq!(stored_finding("red", Some(text)).unwrap().reasons, vec![Reason::Contact]);
        assert!(stored_finding("purple", None).is_err());
    }
}
