//! Typed answers: what a screen or a terminal prompt hands to the core, and how they map to the JSON answers
//! that are validated, stored and sent. One implementation for the bindings and the CLI.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::forms::{FieldKind, FormField};

/// An answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Yes or no.
    Bool(bool),
    /// One choice id.
    Choice(String),
    /// Several choice ids.
    Choices(Vec<String>),
    /// A date, `YYYY-MM-DD` (checked by validation, not here).
    Date(String),
    /// Free text.
    Text(String),
    /// An administrative unit: two-digit province code, optional five-digit ward code.
    AdminUnit {
        /// Province code.
        province: String,
        /// Ward code.
        ward: Option<String>,
    },
}

impl Answer {
    /// The JSON form validation and storage use.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Bool(value) => Value::Bool(*value),
            Self::Choice(id) | Self::Date(id) | Self::Text(id) => Value::String(id.clone()),
            Self::Choices(ids) => Value::Array(ids.iter().cloned().map(Value::String).collect()),
            Self::AdminUnit { province, ward } => {
                let mut unit = Map::new();
                unit.insert("province".into(), Value::String(province.clone()));
                if let Some(ward) = ward {
                    unit.insert("ward".into(), Value::String(ward.clone()));
                }
                Value::Object(unit)
            }
        }
    }

    /// Reads a stored answer back, typed by the question's kind (a string is a choice, a date or text);
    /// `None` for JSON no answer kind produces.
    pub fn from_json(value: &Value, kind: Option<&FieldKind>) -> Option<Self> {
        Some(match value {
            Value::Bool(value) => Self::Bool(*value),
            Value::Array(items) => Self::Choices(items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()),
            Value::Object(unit) => Self::AdminUnit {
                province: unit.get("province")?.as_str()?.to_owned(),
                ward: unit.get("ward").and_then(Value::as_str).map(str::to_owned),
            },
            Value::String(text) => match kind {
                Some(FieldKind::SingleChoice { .. }) => Self::Choice(text.clone()),
                Some(FieldKind::Date { .. }) => Self::Date(text.clone()),
                _ => Self::Text(text.clone()),
            },
            _ => return None,
        })
    }

    /// Parses what a person typed for `field` at a prompt: `y`/`n` (or `c`/`k`, `có`/`không`), choice numbers
    /// from 1 (comma-separated for several), `province [ward]`, or the text itself. `None` when it is not an
    /// answer of the field's kind; whether the answer is acceptable is validation's call.
    pub fn parse_typed(field: &FormField, line: &str) -> Option<Self> {
        let line = line.trim();
        let choice = |text: &str, choices: &[super::forms::Choice]| {
            text.trim().parse::<usize>().ok().and_then(|n| choices.get(n.wrapping_sub(1))).map(|c| c.id.clone())
        };
        match &field.kind {
            FieldKind::Boolean => match line.to_lowercase().as_str() {
                "y" | "yes" | "c" | "có" | "co" => Some(Self::Bool(true)),
                "n" | "no" | "k" | "không" | "khong" => Some(Self::Bool(false)),
                _ => None,
            },
            FieldKind::SingleChoice { choices } => choice(line, choices).map(Self::Choice),
            FieldKind::MultiChoice { choices } => line.split(',').map(|part| choice(part, choices)).collect::<Option<Vec<_>>>().map(Self::Choices),
            FieldKind::AdminUnit => {
                let mut parts = line.split_whitespace();
                let province = parts.next().unwrap_or_default().to_owned();
                Some(Self::AdminUnit { province, ward: parts.next().map(str::to_owned) })
            }
            FieldKind::Date { .. } => Some(Self::Date(line.to_owned())),
            FieldKind::Text { .. } => Some(Self::Text(line.to_owned())),
        }
    }
}

/// Answers keyed by question id, as the JSON object validation and storage take.
pub fn answers_json(answers: &HashMap<String, Answer>) -> Value {
    Value::Object(answers.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

/// Stored JSON answers typed by `form` (the form they were made with, or a later version); values no answer
/// kind produces are left out.
pub fn typed_answers(answers: &Map<String, Value>, form: Option<&super::Form>) -> HashMap<String, Answer> {
    let kind_of = |id: &str| form.and_then(|f| f.field(id)).map(|f| &f.kind);
    answers.iter().filter_map(|(k, v)| Answer::from_json(v, kind_of(k)).map(|a| (k.clone(), a))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declarations::forms::{self, bundled_forms};

    fn field(form_id: &str, pick: impl Fn(&FieldKind) -> bool) -> FormField {
        let form = bundled_forms().into_iter().find(|f| f.id == form_id).unwrap();
        form.fields.into_iter().find(|f| pick(&f.kind)).unwrap()
    }

    #[test]
    fn every_kind_round_trips_through_json() {
        let cases = [
            (Answer::Bool(true), FieldKind::Boolean),
            (Answer::Choice("car".into()), FieldKind::SingleChoice { choices: vec![] }),
            (Answer::Choices(vec!["fever".into(), "cough".into()]), FieldKind::MultiChoice { choices: vec![] }),
            (Answer::Date("2021-08-01".into()), FieldKind::Date { max_days_past: None, max_days_future: None }),
            (Answer::Text("Hà Nội".into()), FieldKind::Text { max_len: 10, charset: None }),
            (Answer::AdminUnit { province: "79".into(), ward: Some("26734".into()) }, FieldKind::AdminUnit),
            (Answer::AdminUnit { province: "01".into(), ward: None }, FieldKind::AdminUnit),
        ];
        for (answer, kind) in cases {
            assert_eq!(Answer::from_json(&answer.to_json(), Some(&kind)), Some(answer));
        }
        assert_eq!(Answer::from_json(&Value::Null, None), None);
        assert_eq!(Answer::from_json(&serde_json::json!({ "ward": "1" }), None), None, "a unit needs a province");
    }

    #[test]
    fn typed_input_is_parsed_by_the_field_kind() {
        let yes_no = field(forms::HEALTH_DECLARATION, |k| matches!(k, FieldKind::Boolean));
        assert_eq!(Answer::parse_typed(&yes_no, " Có "), Some(Answer::Bool(true)));
        assert_eq!(Answer::parse_typed(&yes_no, "n"), Some(Answer::Bool(false)));
        assert_eq!(Answer::parse_typed(&yes_no, "maybe"), None);
        let multi = field(forms::HEALTH_DECLARATION, |k| matches!(k, FieldKind::MultiChoice { .. }));
        let FieldKind::MultiChoice { choices } = &multi.kind else { unreachable!() };
        assert_eq!(Answer::parse_typed(&multi, "1, 2"), Some(Answer::Choices(vec![choices[0].id.clone(), choices[1].id.clone()])));
        assert_eq!(Answer::parse_typed(&multi, "1,99"), None, "every number must name an option");
        assert_eq!(Answer::parse_typed(&multi, "0"), None);
        let unit = field(forms::MOVEMENT_DECLARATION, |k| matches!(k, FieldKind::AdminUnit));
        assert_eq!(Answer::parse_typed(&unit, "79 26734"), Some(Answer::AdminUnit { province: "79".into(), ward: Some("26734".into()) }));
    }

    #[test]
    fn stored_answers_are_typed_by_their_form() {
        let form = bundled_forms().into_iter().find(|f| f.id == forms::MOVEMENT_DECLARATION).unwrap();
        let date = form.fields.iter().find(|f| matches!(f.kind, FieldKind::Date { .. })).unwrap();
        let mut stored = Map::new();
        stored.insert(date.id.clone(), Value::String("2021-08-01".into()));
        stored.insert("unknown".into(), Value::String("x".into()));
        stored.insert("broken".into(), Value::Null);
        let typed = typed_answers(&stored, Some(&form));
        assert_eq!(typed.get(&date.id), Some(&Answer::Date("2021-08-01".into())));
        assert_eq!(typed.get("unknown"), Some(&Answer::Text("x".into())));
        assert!(!typed.contains_key("broken"));
        assert_eq!(answers_json(&typed).as_object().unwrap().len(), 2);
    }
}
