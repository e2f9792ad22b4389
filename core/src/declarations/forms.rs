//! Declaration forms as data: versioned, localised (vi, en), published by the server and cached by the phone.
//!
//! The forms shipped in `core/forms/` are compiled in, so a fresh install works offline; a newer version
//! fetched from the server replaces them in the cache.




/// The form types travel as they are (`GET /v1/forms`): defined once, in the wire contract.
pub use healthbook_protocol::forms::{Choice, Condition, FieldKind, Form, FormField, Localized, TextCharset};

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
