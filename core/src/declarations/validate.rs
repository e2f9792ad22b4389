//! Validation of a declaration's answers against the form version they were made with.
//!
//! Every problem becomes a [`FieldError`] naming the field, with a stable code and a message in the user's
//! language, so a UI can show it next to the field. All problems are reported at once, not just the first.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;

use super::forms::{FieldKind, Form, TextCharset};
use crate::admin_units::{is_known_province, is_ward_code};
use healthbook_protocol::Language;

/// Largest accepted answers object, serialised, in bytes.
pub const MAX_ANSWERS_BYTES: usize = 16 * 1024;
/// Pseudo-field id for problems with the answers as a whole.
pub const WHOLE_FORM: &str = "_form";

/// Vietnam's offset from UTC (no daylight saving). Date answers are calendar dates where the user lives.
const SERVICE_UTC_OFFSET_HOURS: i64 = 7;

/// What is wrong with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldErrorCode {
    /// A needed answer is missing.
    Required,
    /// The answer has the wrong JSON type (text for a yes/no question, ...).
    WrongType,
    /// A choice id the form doesn't offer.
    UnknownChoice,
    /// Not a `YYYY-MM-DD` calendar date.
    InvalidDate,
    /// A date later than the form allows.
    DateInFuture,
    /// A date earlier than the form allows.
    DateTooOld,
    /// Longer than the form allows.
    TooLong,
    /// Characters outside the allowed set.
    InvalidCharacters,
    /// A province or ward code that doesn't exist.
    UnknownAdminUnit,
    /// An answer to a question the form doesn't have.
    UnknownField,
    /// The answers as a whole are too large.
    TooLarge,
}

impl FieldErrorCode {
    /// Stable machine-readable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::WrongType => "wrong_type",
            Self::UnknownChoice => "unknown_choice",
            Self::InvalidDate => "invalid_date",
            Self::DateInFuture => "date_in_future",
            Self::DateTooOld => "date_too_old",
            Self::TooLong => "too_long",
            Self::InvalidCharacters => "invalid_characters",
            Self::UnknownAdminUnit => "unknown_admin_unit",
            Self::UnknownField => "unknown_field",
            Self::TooLarge => "too_large",
        }
    }

    /// The message shown to the user.
    pub fn message(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::Required, Language::Vi) => "Vui lòng trả lời câu hỏi này.",
            (Self::Required, Language::En) => "Please answer this question.",
            (Self::WrongType, Language::Vi) => "Câu trả lời không đúng dạng.",
            (Self::WrongType, Language::En) => "This answer has the wrong form.",
            (Self::UnknownChoice, Language::Vi) => "Lựa chọn không hợp lệ.",
            (Self::UnknownChoice, Language::En) => "This is not one of the options.",
            (Self::InvalidDate, Language::Vi) => "Ngày không hợp lệ.",
            (Self::InvalidDate, Language::En) => "This is not a valid date.",
            (Self::DateInFuture, Language::Vi) => "Ngày không được ở tương lai.",
            (Self::DateInFuture, Language::En) => "The date can't be in the future.",
            (Self::DateTooOld, Language::Vi) => "Ngày quá xa trong quá khứ.",
            (Self::DateTooOld, Language::En) => "The date is too far in the past.",
            (Self::TooLong, Language::Vi) => "Câu trả lời quá dài.",
            (Self::TooLong, Language::En) => "This answer is too long.",
            (Self::InvalidCharacters, Language::Vi) => "Câu trả lời chứa ký tự không hợp lệ.",
            (Self::InvalidCharacters, Language::En) => "This answer contains characters that aren't allowed.",
            (Self::UnknownAdminUnit, Language::Vi) => "Mã đơn vị hành chính không tồn tại.",
            (Self::UnknownAdminUnit, Language::En) => "This administrative unit code doesn't exist.",
            (Self::UnknownField, Language::Vi) => "Biểu mẫu không có câu hỏi này.",
            (Self::UnknownField, Language::En) => "The form has no such question.",
            (Self::TooLarge, Language::Vi) => "Tờ khai quá lớn.",
            (Self::TooLarge, Language::En) => "The declaration is too large.",
        }
    }
}

/// A problem with one field's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's id (or [`WHOLE_FORM`]).
    pub field: String,
    /// What is wrong.
    pub code: FieldErrorCode,
    /// The message in the requested language.
    pub message: String,
}

/// The calendar date today where the service runs.
pub fn service_today(now: DateTime<Utc>) -> NaiveDate {
    (now + Duration::hours(SERVICE_UTC_OFFSET_HOURS)).date_naive()
}

/// Checks `answers` against `form` at time `now`; returns the normalised answers (text in NFC, trimmed) or
/// every problem found.
pub fn validate_answers(form: &Form, answers: &Value, now: DateTime<Utc>, language: Language) -> Result<Map<String, Value>, Vec<FieldError>> {
    let error = |field: &str, code: FieldErrorCode| FieldError { field: field.to_owned(), code, message: code.message(language).to_owned() };
    let Some(object) = answers.as_object() else {
        return Err(vec![error(WHOLE_FORM, FieldErrorCode::WrongType)]);
    };
    if serde_json::to_vec(answers).map(|b| b.len()).unwrap_or(usize::MAX) > MAX_ANSWERS_BYTES {
        return Err(vec![error(WHOLE_FORM, FieldErrorCode::TooLarge)]);
    }
    let today = service_today(now);
    let mut errors = Vec::new();
    let mut normalized = Map::new();
    for key in object.keys() {
        if form.field(key).is_none() {
            errors.push(error(key, FieldErrorCode::UnknownField));
        }
    }
    for field in &form.fields {
        let answer = object.get(&field.id).filter(|v| !v.is_null() && *v != &Value::String(String::new()));
        let needed = field.required || field.required_if.as_ref().is_some_and(|c| c.holds(object.get(&c.field)));
        let Some(answer) = answer else {
            if needed {
                errors.push(error(&field.id, FieldErrorCode::Required));
            }
            continue;
        };
        match check(&field.kind, answer, today) {
            Ok(value) => {
                if needed && value.as_array().is_some_and(|a| a.is_empty()) {
                    errors.push(error(&field.id, FieldErrorCode::Required));
                }
                normalized.insert(field.id.clone(), value);
            }
            Err(code) => errors.push(error(&field.id, code)),
        }
    }
    if errors.is_empty() { Ok(normalized) } else { Err(errors) }
}

fn check(kind: &FieldKind, answer: &Value, today: NaiveDate) -> Result<Value, FieldErrorCode> {
    match kind {
        FieldKind::Boolean => answer.as_bool().map(Value::Bool).ok_or(FieldErrorCode::WrongType),
        FieldKind::SingleChoice { choices } => {
            let id = answer.as_str().ok_or(FieldErrorCode::WrongType)?;
            if choices.iter().any(|c| c.id == id) { Ok(answer.clone()) } else { Err(FieldErrorCode::UnknownChoice) }
        }
        FieldKind::MultiChoice { choices } => {
            let items = answer.as_array().ok_or(FieldErrorCode::WrongType)?;
            let mut ids: Vec<&str> = Vec::with_capacity(items.len());
            for item in items {
                let id = item.as_str().ok_or(FieldErrorCode::WrongType)?;
                if !choices.iter().any(|c| c.id == id) {
                    return Err(FieldErrorCode::UnknownChoice);
                }
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Ok(Value::Array(ids.into_iter().map(|s| Value::String(s.to_owned())).collect()))
        }
        FieldKind::Date { max_days_past, max_days_future } => {
            let text = answer.as_str().ok_or(FieldErrorCode::WrongType)?;
            let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| FieldErrorCode::InvalidDate)?;
            if date > today + Duration::days(i64::from(max_days_future.unwrap_or(0))) {
                return Err(FieldErrorCode::DateInFuture);
            }
            if max_days_past.is_some_and(|days| date < today - Duration::days(i64::from(days))) {
                return Err(FieldErrorCode::DateTooOld);
            }
            Ok(Value::String(date.format("%Y-%m-%d").to_string()))
        }
        FieldKind::Text { max_len, charset } => {
            let text = answer.as_str().ok_or(FieldErrorCode::WrongType)?;
            let text: String = text.nfc().collect::<String>().trim().to_owned();
            if text.chars().count() > *max_len as usize {
                return Err(FieldErrorCode::TooLong);
            }
            let allowed = |c: char| match charset {
                Some(TextCharset::VehicleNumber) => c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.'),
                None => !c.is_control(),
            };
            if !text.chars().all(allowed) {
                return Err(FieldErrorCode::InvalidCharacters);
            }
            Ok(Value::String(text))
        }
        FieldKind::AdminUnit => {
            let unit = answer.as_object().ok_or(FieldErrorCode::WrongType)?;
            let province = unit.get("province").and_then(Value::as_str).ok_or(FieldErrorCode::WrongType)?;
            if !is_known_province(province) {
                return Err(FieldErrorCode::UnknownAdminUnit);
            }
            let mut out = Map::new();
            out.insert("province".into(), Value::String(province.to_owned()));
            match unit.get("ward") {
                None | Some(Value::Null) => {}
                Some(Value::String(ward)) if is_ward_code(ward) => {
                    out.insert("ward".into(), Value::String(ward.clone()));
                }
                Some(Value::String(_)) => return Err(FieldErrorCode::UnknownAdminUnit),
                Some(_) => return Err(FieldErrorCode::WrongType),
            }
            if unit.keys().any(|k| k != "province" && k != "ward") {
                return Err(FieldErrorCode::WrongType);
            }
            Ok(Value::Object(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declarations::forms::{bundled_forms, HEALTH_DECLARATION, MOVEMENT_DECLARATION};
    use chrono::TimeZone;
    use serde_json::json;

    fn form(id: &str) -> Form {
        bundled_forms().into_iter().find(|f| f.id == id).unwrap()
    }

    fn now() -> DateTime<Utc> {
        // 20:00 UTC on 14 Aug is already 15 Aug in Vietnam.
        Utc.with_ymd_and_hms(2021, 8, 14, 20, 0, 0).unwrap()
    }

    fn errors(form_id: &str, answers: Value) -> Vec<(String, FieldErrorCode)> {
        validate_answers(&form(form_id), &answers, now(), Language::En).unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn a_complete_health_declaration_passes_and_is_normalised() {
        let answers = json!({
            "symptoms": ["fever", "cough", "fever"],
            "symptom_onset": "2021-08-15",
            "contact_with_confirmed_case": false,
            "travel_from_outbreak_area": true,
            "outbreak_area": { "province": "79", "ward": "26734" },
            "vaccination_status": "one_dose"
        });
        let ok = validate_answers(&form(HEALTH_DECLARATION), &answers, now(), Language::Vi).unwrap();
        assert_eq!(ok["symptoms"], json!(["fever", "cough"]));
    }

    #[test]
    fn conditional_requirements() {
        let got = errors(HEALTH_DECLARATION, json!({
            "symptoms": ["fever"], "contact_with_confirmed_case": false, "travel_from_outbreak_area": true, "vaccination_status": "booster"
        }));
        assert_eq!(got, [("symptom_onset".to_owned(), FieldErrorCode::Required), ("outbreak_area".to_owned(), FieldErrorCode::Required)]);
        // No symptoms, no travel: nothing conditional is needed.
        assert!(validate_answers(&form(HEALTH_DECLARATION), &json!({
            "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false, "vaccination_status": "booster"
        }), now(), Language::En).is_ok());
    }

    #[test]
    fn wrong_types_future_dates_unknown_codes_and_oversized_fields_are_refused_per_field() {
        let got = errors(HEALTH_DECLARATION, json!({
            "symptoms": ["fever"],
            "symptom_onset": "2021-08-16",
            "contact_with_confirmed_case": "no",
            "travel_from_outbreak_area": true,
            "outbreak_area": { "province": "03" },
            "vaccination_status": "three_doses",
            "favourite_colour": "blue"
        }));
        assert_eq!(got, [
            ("favourite_colour".to_owned(), FieldErrorCode::UnknownField),
            ("symptom_onset".to_owned(), FieldErrorCode::DateInFuture),
            ("contact_with_confirmed_case".to_owned(), FieldErrorCode::WrongType),
            ("outbreak_area".to_owned(), FieldErrorCode::UnknownAdminUnit),
            ("vaccination_status".to_owned(), FieldErrorCode::UnknownChoice),
        ]);
        let got = errors(MOVEMENT_DECLARATION, json!({
            "from": { "province": "01", "ward": "123" }, "to": { "province": "79" }, "departure_date": "2021-02-30",
            "transport": "car", "vehicle_number": "29A-123.45-AAAAAAAAAAAAAAAAAAAAAAAAA"
        }));
        assert_eq!(got, [
            ("from".to_owned(), FieldErrorCode::UnknownAdminUnit),
            ("departure_date".to_owned(), FieldErrorCode::InvalidDate),
            ("vehicle_number".to_owned(), FieldErrorCode::TooLong),
        ]);
        let huge = "x".repeat(MAX_ANSWERS_BYTES);
        assert_eq!(errors(MOVEMENT_DECLARATION, json!({ "vehicle_number": huge })), [(WHOLE_FORM.to_owned(), FieldErrorCode::TooLarge)]);
        assert_eq!(errors(MOVEMENT_DECLARATION, json!(["not", "an", "object"])), [(WHOLE_FORM.to_owned(), FieldErrorCode::WrongType)]);
    }

    #[test]
    fn movement_dates_may_be_planned_ahead_and_messages_are_localised() {
        let answers = json!({ "from": { "province": "01" }, "to": { "province": "48" }, "departure_date": "2021-08-20", "transport": "plane", "vehicle_number": "VN 123" });
        assert!(validate_answers(&form(MOVEMENT_DECLARATION), &answers, now(), Language::En).is_ok());
        let missing_plate = json!({ "from": { "province": "01" }, "to": { "province": "48" }, "departure_date": "2021-08-20", "transport": "car" });
        let vi = validate_answers(&form(MOVEMENT_DECLARATION), &missing_plate, now(), Language::Vi).unwrap_err();
        assert_eq!(vi[0].field, "vehicle_number");
        assert_eq!(vi[0].message, "Vui lòng trả lời câu hỏi này.");
        let bad_chars = json!({ "from": { "province": "01" }, "to": { "province": "48" }, "departure_date": "2021-08-20", "transport": "car", "vehicle_number": "29A<script>" });
        let en = validate_answers(&form(MOVEMENT_DECLARATION), &bad_chars, now(), Language::En).unwrap_err();
        assert_eq!((en[0].code, en[0].message.as_str()), (FieldErrorCode::InvalidCharacters, "This answer contains characters that aren't allowed."));
    }
}
