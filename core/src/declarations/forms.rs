//! Declaration forms as data: versioned, localised (vi, en), published by the server and cached by the phone.
//!
//! The forms shipped in `core/forms/` are compiled in, so a fresh install works offline; a newer version
//! fetched from the server replaces them in the cache.

use serde::{Deserialize, Serialize};

use crate::settings::Language;

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

/// Id of the health declaration form.
pub const HEALTH_DECLARATION: &str = "health_declaration";
/// Id of the domestic movement declaration form.
pub const MOVEMENT_DECLARATION: &str = "movement_declaration";

/// The forms compiled into this build, used until the server publishes newer ones.
pub fn bundled_forms() -> Vec<Form> {
    // Parsed once per process: every validation and submission starts from these.
    static BUNDLED: std::sync::OnceLock<Vec<Form>> = std::sync::OnceLock::new();
    BUNDLED
        .get_or_init(|| {
            [include_str!("../../forms/health_declaration.json"), include_str!("../../forms/movement_declaration.json")]
                .iter()
                // The bundled files are checked by a unit test; a parse failure here would be a build defect.
                .filter_map(|text| serde_json::from_str(text).ok())
                .collect()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_forms_parse_and_are_fully_translated() {
        let forms = bundled_forms();
        assert_eq!(forms.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), [HEALTH_DECLARATION, MOVEMENT_DECLARATION]);
        for form in &forms {
            let mut texts = vec![&form.title];
            for field in &form.fields {
                texts.push(&field.label);
                if let FieldKind::SingleChoice { choices } | FieldKind::MultiChoice { choices } = &field.kind {
                    texts.extend(choices.iter().map(|c| &c.label));
                }
                if let Some(cond) = &field.required_if {
                    assert!(form.field(&cond.field).is_some(), "{} depends on unknown {}", field.id, cond.field);
                }
            }
            for text in texts {
                assert!(!text.vi.trim().is_empty() && !text.en.trim().is_empty(), "{text:?}");
                assert_ne!(text.vi, text.en, "untranslated: {text:?}");
            }
        }
    }
}
