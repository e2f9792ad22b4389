//! The pure rules of the hotline: checking and normalising what editors and citizens send, and whether an area
//! covers a question. Every refusal names the field, never its value.

use healthbook_protocol::hotline::{
    CitizenQuestionRequest, MAX_QA_ENTRIES, MAX_QA_QUESTION_CHARS, MAX_TEXT_CHARS, QaEntryInput,
};
use unicode_normalization::UnicodeNormalization;

use crate::access::{AreaScope, Reach};
use crate::error::ApiError;

/// Longest note when closing a question, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// Longest venue id a report may carry, in characters.
pub const MAX_VENUE_ID_CHARS: usize = 64;
/// Longest question id (a UUID is 36).
pub const MAX_ID_CHARS: usize = 64;

fn invalid(field: &'static str, field_code: &'static str, message: String) -> ApiError {
    ApiError::InvalidField { field, field_code, message }
}

/// NFC and trimmed; refuses control characters other than line breaks and tabs (`multiline`) or any (single
/// line), and texts longer than `max` characters or empty when `required`.
pub fn text(field: &'static str, raw: &str, max: usize, required: bool, multiline: bool) -> Result<String, ApiError> {
    let cleaned: String = raw.nfc().collect::<String>().trim().to_owned();
    if required && cleaned.is_empty() {
        return Err(invalid(field, "required", format!("{field} must not be empty")));
    }
    if cleaned.chars().count() > max {
        return Err(invalid(field, "too_long", format!("{field} must be at most {max} characters")));
    }
    let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\t' | '\r'));
    if !cleaned.chars().all(allowed) {
        return Err(invalid(field, "invalid", format!("{field} holds control characters")));
    }
    Ok(cleaned)
}

/// A two-digit province code the server knows, else 422 naming `field`.
pub fn province(field: &'static str, code: &str) -> Result<(), ApiError> {
    if healthbook_core::admin_units::is_known_province(code) {
        return Ok(());
    }
    Err(invalid(field, "unknown_province", format!("{field} must be a known two-digit province code")))
}

/// An id chosen by a client: a UUID in its canonical (lowercase, hyphenated) form.
pub fn client_id(field: &'static str, id: &str) -> Result<(), ApiError> {
    if id.len() <= MAX_ID_CHARS && uuid::Uuid::parse_str(id).is_ok_and(|u| u.hyphenated().to_string() == id) {
        return Ok(());
    }
    Err(invalid(field, "invalid", format!("{field} must be a lowercase hyphenated UUID")))
}

/// A Q&A entry as it will be stored: texts cleaned; the Vietnamese pair required, the English pair both or none.
pub fn qa_entry(input: QaEntryInput) -> Result<QaEntryInput, ApiError> {
    let question_vi = text("question_vi", &input.question_vi, MAX_QA_QUESTION_CHARS, true, false)?;
    let answer_vi = text("answer_vi", &input.answer_vi, MAX_TEXT_CHARS, true, true)?;
    let question_en = text("question_en", &input.question_en, MAX_QA_QUESTION_CHARS, false, false)?;
    let answer_en = text("answer_en", &input.answer_en, MAX_TEXT_CHARS, false, true)?;
    if question_en.is_empty() && !answer_en.is_empty() {
        return Err(invalid("question_en", "required", "question_en is needed with answer_en".into()));
    }
    if answer_en.is_empty() && !question_en.is_empty() {
        return Err(invalid("answer_en", "required", "answer_en is needed with question_en".into()));
    }
    Ok(QaEntryInput { category: input.category, question_vi, answer_vi, question_en, answer_en })
}

/// Refuses a new entry once the draft holds [`MAX_QA_ENTRIES`].
pub fn room_for_entry(current: usize) -> Result<(), ApiError> {
    if current < MAX_QA_ENTRIES {
        return Ok(());
    }
    Err(invalid("entry_id", "too_many", format!("a province's set holds at most {MAX_QA_ENTRIES} entries")))
}

/// A Vietnamese mobile number as E.164 (`+84` and nine digits starting 3, 5, 7, 8 or 9).
pub fn mobile_phone(raw: &str) -> Result<String, ApiError> {
    let bad = || invalid("contact_phone", "invalid", "contact_phone must be a Vietnamese mobile number".into());
    let e164 = healthbook_core::profiles::validate::normalize_phone(raw).map_err(|_| bad())?;
    match e164.as_bytes().get(3) {
        Some(b'3' | b'5' | b'7' | b'8' | b'9') if e164.len() == 12 => Ok(e164),
        _ => Err(bad()),
    }
}

/// A citizen's question as it will be stored: every field checked, texts cleaned, the phone in E.164.
pub fn question(request: CitizenQuestionRequest) -> Result<CitizenQuestionRequest, ApiError> {
    client_id("id", &request.id)?;
    province("province", &request.province)?;
    if let Some(ward) = &request.ward
        && !healthbook_core::admin_units::is_ward_code(ward)
    {
        return Err(invalid("ward", "not_a_ward", "ward must be a five-digit ward code".into()));
    }
    let text = text("text", &request.text, MAX_TEXT_CHARS, true, true)?;
    let venue_id = match request.venue_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(venue) => {
            if venue.chars().count() > MAX_VENUE_ID_CHARS || !venue.chars().all(|c| c.is_ascii_graphic()) {
                return Err(invalid("venue_id", "invalid", format!("venue_id must be 1 to {MAX_VENUE_ID_CHARS} printable ASCII characters")));
            }
            Some(venue.to_owned())
        }
    };
    let contact_phone = match request.contact_phone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(mobile_phone(raw)?),
    };
    if !matches!(request.language.as_str(), "vi" | "en") {
        return Err(invalid("language", "unsupported", "language must be vi or en".into()));
    }
    Ok(CitizenQuestionRequest { text, venue_id, contact_phone, ..request })
}

/// Whether `reach` covers a question of `province` and `ward`: a ward-less question is seen only by those who
/// reach the whole province.
pub fn covers(reach: &Reach, province: &str, ward: Option<&str>) -> bool {
    match reach {
        Reach::National => true,
        Reach::Area(area) => area_covers(area, province, ward),
    }
}

/// [`covers`] for one area.
pub fn area_covers(area: &AreaScope, province: &str, ward: Option<&str>) -> bool {
    area.province == province
        && match ward {
            Some(ward) => area.covers_ward(ward),
            None => area.wards.is_empty(),
        }
}

/// Whether `reach` may edit and publish `province`'s Q&A set: the authority admin, or an officer of that
/// province (any ward scope: the set is the province's).
pub fn edits_province(reach: &Reach, province: &str) -> bool {
    match reach {
        Reach::National => true,
        Reach::Area(area) => area.province == province,
    }
}

#[cfg(test)]
mod tests {
    use healthbook_protocol::hotline::{QaCategory, QuestionKind};

    use super::*;

    fn input(q: &str, a: &str, qe: &str, ae: &str) -> QaEntryInput {
        QaEntryInput { category: QaCategory::Pass, question_vi: q.into(), answer_vi: a.into(), question_en: qe.into(), answer_en: ae.into() }
    }

    fn field_of(error: ApiError) -> &'static str {
        match error {
            ApiError::InvalidField { field, .. } => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    fn request() -> CitizenQuestionRequest {
        CitizenQuestionRequest {
            id: "0b6a4b1e-3c1f-4f5e-9d2a-6f1e2d3c4b5a".into(),
            kind: QuestionKind::Report,
            category: QaCategory::CheckIn,
            province: "79".into(),
            ward: Some("26734".into()),
            text: "  Quán không quét được mã  ".into(),
            venue_id: Some("venue-1".into()),
            contact_phone: Some("0912 345 678".into()),
            language: "vi".into(),
            asked_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn entries_are_trimmed_and_each_bad_field_is_named() {
        let ok = qa_entry(input("  Khai báo? ", "Mở ứng dụng.\nChọn Khai báo.", "", "")).unwrap();
        assert_eq!((ok.question_vi.as_str(), ok.answer_vi.as_str()), ("Khai báo?", "Mở ứng dụng.\nChọn Khai báo."));
        assert_eq!(field_of(qa_entry(input(" ", "a", "", "")).unwrap_err()), "question_vi");
        assert_eq!(field_of(qa_entry(input("q", "", "", "")).unwrap_err()), "answer_vi");
        assert_eq!(field_of(qa_entry(input(&"x".repeat(MAX_QA_QUESTION_CHARS + 1), "a", "", "")).unwrap_err()), "question_vi");
        assert_eq!(field_of(qa_entry(input("q", &"x".repeat(MAX_TEXT_CHARS + 1), "", "")).unwrap_err()), "answer_vi");
        assert_eq!(field_of(qa_entry(input("q", "a", "How?", "")).unwrap_err()), "answer_en");
        assert_eq!(field_of(qa_entry(input("q", "a", "", "This.")).unwrap_err()), "question_en");
        assert_eq!(field_of(qa_entry(input("q\u{7}", "a", "", "")).unwrap_err()), "question_vi");
        assert!(qa_entry(input("q", &"ế".repeat(MAX_TEXT_CHARS), "Q", "A")).is_ok());
        assert!(room_for_entry(MAX_QA_ENTRIES - 1).is_ok());
        assert_eq!(field_of(room_for_entry(MAX_QA_ENTRIES).unwrap_err()), "entry_id");
    }

    #[test]
    fn questions_are_checked_field_by_field_and_the_phone_becomes_e164() {
        let ok = question(request()).unwrap();
        assert_eq!(ok.text, "Quán không quét được mã");
        assert_eq!(ok.contact_phone.as_deref(), Some("+84912345678"));
        let with = |change: fn(&mut CitizenQuestionRequest)| {
            let mut r = request();
            change(&mut r);
            question(r)
        };
        assert_eq!(field_of(with(|r| r.id = "not-a-uuid".into()).unwrap_err()), "id");
        assert_eq!(field_of(with(|r| r.id = r.id.to_uppercase()).unwrap_err()), "id");
        assert_eq!(field_of(with(|r| r.province = "00".into()).unwrap_err()), "province");
        assert_eq!(field_of(with(|r| r.ward = Some("2673".into())).unwrap_err()), "ward");
        assert_eq!(field_of(with(|r| r.text = " \n ".into()).unwrap_err()), "text");
        assert_eq!(field_of(with(|r| r.text = "x".repeat(MAX_TEXT_CHARS + 1)).unwrap_err()), "text");
        assert_eq!(field_of(with(|r| r.venue_id = Some("v".repeat(MAX_VENUE_ID_CHARS + 1))).unwrap_err()), "venue_id");
        assert_eq!(field_of(with(|r| r.contact_phone = Some("0241234567".into())).unwrap_err()), "contact_phone");
        assert_eq!(field_of(with(|r| r.contact_phone = Some("02412345678".into())).unwrap_err()), "contact_phone");
        assert_eq!(field_of(with(|r| r.language = "fr".into()).unwrap_err()), "language");
        assert_eq!(with(|r| r.contact_phone = Some(" ".into())).unwrap().contact_phone, None);
        assert_eq!(with(|r| r.ward = None).unwrap().ward, None);
    }

    #[test]
    fn ward_scoped_areas_do_not_see_ward_less_questions() {
        let province = Reach::Area(AreaScope { province: "79".into(), wards: vec![] });
        let wards = Reach::Area(AreaScope { province: "79".into(), wards: vec!["26734".into()] });
        assert!(covers(&Reach::National, "01", None));
        assert!(covers(&province, "79", None) && covers(&province, "79", Some("26740")));
        assert!(!covers(&province, "01", Some("26734")));
        assert!(covers(&wards, "79", Some("26734")));
        assert!(!covers(&wards, "79", Some("26740")) && !covers(&wards, "79", None));
        assert!(edits_province(&wards, "79") && !edits_province(&wards, "01") && edits_province(&Reach::National, "01"));
    }

    #[test]
    fn random_and_mutated_texts_never_panic_the_checks() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(13);
        let seeds = ["Khai báo y tế", "0912345678", "+84 912 345 678", "26734", "đ\u{301}\u{0}\n", "ꙮ😀\u{202e}"];
        for round in 0..400 {
            let mut s: Vec<char> = seeds[round % seeds.len()].chars().collect();
            for _ in 0..rng.gen_range(0..6) {
                let at = rng.gen_range(0..=s.len());
                s.insert(at, char::from_u32(rng.gen_range(0..0x3_0000)).unwrap_or('\u{fffd}'));
            }
            let s: String = s.into_iter().collect();
            let _ = text("t", &s, 10, round % 2 == 0, round % 3 == 0);
            let _ = mobile_phone(&s);
            let _ = client_id("id", &s);
            let _ = province("province", &s);
            let mut r = request();
            r.text = s.clone();
            r.contact_phone = Some(s.clone());
            r.venue_id = Some(s);
            let _ = question(r);
        }
    }
}
