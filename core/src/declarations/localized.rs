//! A form in one language: what a screen or a prompt shows, with every label resolved. One implementation for
//! the bindings and the CLI.

use super::forms::{Choice, FieldKind, Form, FormField};
use healthbook_protocol::Language;

/// One option of a choice question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalizedChoice {
    /// Stable id for the answer.
    pub id: String,
    /// Label in the requested language.
    pub label: String,
}

/// When a question becomes required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalizedCondition {
    /// The other question's id.
    pub field: String,
    /// Required when the other answer is yes/no equal to this.
    pub equals_bool: Option<bool>,
    /// Required when the other answer is one of these option ids.
    pub one_of: Vec<String>,
    /// Required when the other answer is a non-empty selection.
    pub not_empty: bool,
}

/// What kind of answer a question takes, with option labels resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalizedKind {
    /// Yes or no.
    Boolean,
    /// Exactly one option.
    SingleChoice(Vec<LocalizedChoice>),
    /// Any number of options.
    MultiChoice(Vec<LocalizedChoice>),
    /// A date within the allowed window.
    Date {
        /// Days back allowed.
        max_days_past: Option<u32>,
        /// Days ahead allowed (none: not in the future).
        max_days_future: Option<u32>,
    },
    /// Free text.
    Text {
        /// Longest answer in characters.
        max_len: u32,
    },
    /// Province and optional ward code.
    AdminUnit,
}

/// A question in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalizedQuestion {
    /// Stable id (the answer's key).
    pub id: String,
    /// The question.
    pub label: String,
    /// Help text.
    pub help: Option<String>,
    /// Always required.
    pub required: bool,
    /// Required depending on another answer.
    pub required_if: Option<LocalizedCondition>,
    /// The kind of answer.
    pub kind: LocalizedKind,
}

/// A form in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalizedForm {
    /// Stable id.
    pub id: String,
    /// Version the answers will be validated against.
    pub version: u32,
    /// Title.
    pub title: String,
    /// The questions in display order.
    pub questions: Vec<LocalizedQuestion>,
}

fn choices(choices: &[Choice], language: Language) -> Vec<LocalizedChoice> {
    choices.iter().map(|c| LocalizedChoice { id: c.id.clone(), label: c.label.get(language).to_owned() }).collect()
}

/// The question `field` in `language` (a free function: the form types are the wire contract's).
pub fn localized_question(field: &FormField, language: Language) -> LocalizedQuestion {
    LocalizedQuestion {
        id: field.id.clone(),
        label: field.label.get(language).to_owned(),
        help: field.help.as_ref().map(|h| h.get(language).to_owned()),
        required: field.required,
        required_if: field.required_if.as_ref().map(|c| LocalizedCondition {
            field: c.field.clone(),
            equals_bool: c.equals.as_ref().and_then(serde_json::Value::as_bool),
            one_of: c.one_of.clone().unwrap_or_default(),
            not_empty: c.not_empty.unwrap_or(false),
        }),
        kind: match &field.kind {
            FieldKind::Boolean => LocalizedKind::Boolean,
            FieldKind::SingleChoice { choices: cs } => LocalizedKind::SingleChoice(choices(cs, language)),
            FieldKind::MultiChoice { choices: cs } => LocalizedKind::MultiChoice(choices(cs, language)),
            FieldKind::Date { max_days_past, max_days_future } => {
                LocalizedKind::Date { max_days_past: *max_days_past, max_days_future: *max_days_future }
            }
            FieldKind::Text { max_len, .. } => LocalizedKind::Text { max_len: *max_len },
            FieldKind::AdminUnit => LocalizedKind::AdminUnit,
        },
    }
}

/// `form` in `language` (a free function: the form types are the wire contract's).
pub fn localized_form(form: &Form, language: Language) -> LocalizedForm {
    LocalizedForm {
        id: form.id.clone(),
        version: form.version,
        title: form.title.get(language).to_owned(),
        questions: form.fields.iter().map(|f| localized_question(f, language)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declarations::forms::bundled_forms;

    #[test]
    fn every_label_is_resolved_in_the_language_asked() {
        for form in bundled_forms() {
            let vi = localized_form(&form, Language::Vi);
            let en = localized_form(&form, Language::En);
            assert_eq!((vi.id.as_str(), vi.version), (form.id.as_str(), form.version));
            assert_eq!(vi.title, form.title.get(Language::Vi));
            assert_eq!(en.title, form.title.get(Language::En));
            assert_eq!(vi.questions.len(), form.fields.len());
            for ((q, e), f) in vi.questions.iter().zip(&en.questions).zip(&form.fields) {
                assert_eq!((q.id.as_str(), q.required), (f.id.as_str(), f.required));
                assert_eq!((q.label.as_str(), e.label.as_str()), (f.label.get(Language::Vi), f.label.get(Language::En)));
                if let (FieldKind::SingleChoice { choices } | FieldKind::MultiChoice { choices }, LocalizedKind::SingleChoice(l) | LocalizedKind::MultiChoice(l)) =
                    (&f.kind, &e.kind)
                {
                    assert_eq!(l.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(), choices.iter().map(|c| c.label.get(Language::En)).collect::<Vec<_>>());
                }
            }
        }
    }

    #[test]
    fn conditions_keep_their_rule() {
        let conditional: Vec<_> = bundled_forms().iter().flat_map(|f| f.fields.clone()).filter(|f| f.required_if.is_some()).collect();
        assert!(!conditional.is_empty(), "the bundled forms have conditional questions");
        for field in conditional {
            let rule = field.required_if.as_ref().unwrap();
            let localized = localized_question(&field, Language::En).required_if.unwrap();
            assert_eq!(localized.field, rule.field);
            assert_eq!(localized.equals_bool, rule.equals.as_ref().and_then(|v| v.as_bool()));
            assert_eq!(localized.one_of, rule.one_of.clone().unwrap_or_default());
            assert_eq!(localized.not_empty, rule.not_empty.unwrap_or(false));
        }
    }
}
