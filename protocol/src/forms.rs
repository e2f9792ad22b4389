//! Declaration forms as data: versioned, localised (vi, en), published by the server (`GET /v1/forms`) and
//! cached by the phone. The forms bundled with the app live in the core (`core/forms/`).

use serde::{Deserialize, Serialize};

use crate::language::Language;

/// A text in every language the app supports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    /// Vietnamese.
    pub vi: String,
    /// English.
    pub en: String,
}

impl Localized {
    /// The text in `language`.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Vi => &self.vi,
            Language::En => &self.en,
        }
    }
}

/// One option of a choice field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Stable id stored in answers.
    pub id: String,
    /// What the user sees.
    pub label: Localized,
}

/// The kind of answer a field takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    /// Yes or no.
    Boolean,
    /// Exactly one of the choices.
    SingleChoice {
        /// The options.
        choices: Vec<Choice>,
    },
    /// Any number of the choices.
    MultiChoice {
        /// The options.
        choices: Vec<Choice>,
    },
    /// A calendar date, `YYYY-MM-DD`.
    Date {
        /// How far back the date may lie, in days.
        #[serde(default)]
        max_days_past: Option<u32>,
        /// How far ahead it may lie; none means not in the future at all.
        #[serde(default)]
        max_days_future: Option<u32>,
    },
    /// Free text.
    Text {
        /// Longest accepted answer, in characters.
        max_len: u32,
        /// A named character set the answer must stay within.
        #[serde(default)]
        charset: Option<TextCharset>,
    },
    /// An administrative unit: `{"province": "01", "ward": "00001"}` (ward optional).
    AdminUnit,
}

/// Named character sets for text answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextCharset {
    /// Letters, digits, space, `-` and `.`: number plates (29A-123.45) and trip numbers (VN123).
    VehicleNumber,
}

/// When a field becomes required because of another answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// The other field's id.
    pub field: String,
    /// Required when the other answer equals this value.
    #[serde(default)]
    pub equals: Option<serde_json::Value>,
    /// Required when the other answer is one of these choice ids.
    #[serde(default)]
    pub one_of: Option<Vec<String>>,
    /// Required when the other answer is a non-empty list.
    #[serde(default)]
    pub not_empty: Option<bool>,
}

impl Condition {
    /// Whether the condition holds for `other`, the other field's answer.
    pub fn holds(&self, other: Option<&serde_json::Value>) -> bool {
        let Some(other) = other.filter(|v| !v.is_null()) else { return false };
        if let Some(expected) = &self.equals {
            return other == expected;
        }
        if let Some(options) = &self.one_of {
            return other.as_str().is_some_and(|s| options.iter().any(|o| o == s));
        }
        if self.not_empty == Some(true) {
            return other.as_array().is_some_and(|a| !a.is_empty());
        }
        false
    }
}

/// One question of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Stable id used as the answer's key.
    pub id: String,
    /// The question.
    pub label: Localized,
    /// An explanation or example.
    #[serde(default)]
    pub help: Option<Localized>,
    /// Whether an answer is always needed.
    #[serde(default)]
    pub required: bool,
    /// When an answer is needed because of another answer.
    #[serde(default)]
    pub required_if: Option<Condition>,
    /// The kind of answer.
    #[serde(flatten)]
    pub kind: FieldKind,
}

/// A versioned declaration form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    /// Stable id, e.g. `health_declaration`.
    pub id: String,
    /// Increases with every published change; answers are validated against the version they were made with.
    pub version: u32,
    /// The form's title.
    pub title: Localized,
    /// The questions, in display order.
    pub fields: Vec<FormField>,
}

impl Form {
    /// The field with id `id`.
    pub fn field(&self, id: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use serde_json::json;

    #[test]
    fn a_form_round_trips_with_its_flattened_field_kinds() {
        let label = |text: &str| Localized { vi: text.into(), en: text.into() };
        let form = Form {
            id: "health_declaration".into(),
            version: 2,
            title: label("T"),
            fields: vec![
                FormField { id: "fever".into(), label: label("F"), help: None, required: true, required_if: None, kind: FieldKind::Boolean },
                FormField {
                    id: "plate".into(),
                    label: label("P"),
                    help: Some(label("H")),
                    required: false,
                    required_if: Some(Condition { field: "transport".into(), equals: None, one_of: Some(vec!["car".into()]), not_empty: None }),
                    kind: FieldKind::Text { max_len: 20, charset: Some(TextCharset::VehicleNumber) },
                },
            ],
        };
        round_trip(
            &form,
            json!({ "id": "health_declaration", "version": 2, "title": { "vi": "T", "en": "T" }, "fields": [
                { "id": "fever", "label": { "vi": "F", "en": "F" }, "help": null, "required": true, "required_if": null, "type": "boolean" },
                { "id": "plate", "label": { "vi": "P", "en": "P" }, "help": { "vi": "H", "en": "H" }, "required": false,
                  "required_if": { "field": "transport", "equals": null, "one_of": ["car"], "not_empty": null },
                  "type": "text", "max_len": 20, "charset": "vehicle_number" }
            ] }),
        );
        assert_eq!(form.field("plate").map(|f| f.label.get(Language::En)), Some("P"));
        let condition = form.fields[1].required_if.as_ref().unwrap();
        assert!(condition.holds(Some(&json!("car"))) && !condition.holds(Some(&json!("plane"))) && !condition.holds(None));
        assert!(serde_json::from_value::<TextCharset>(json!("emoji")).is_err());
    }
}
