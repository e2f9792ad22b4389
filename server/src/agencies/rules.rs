//! The pure rules of rosters, keys and cards: each roster row and card checked again on the server (the admin's
//! device checked them first; this is the defence against a client that did not), key ids, card ids. No
//! database, no clock; errors name the field and never repeat its value.

use chrono::{DateTime, Utc};
use healthbook_core::profiles::validate::{normalize_citizen_id, normalize_phone};
use healthbook_protocol::{IssuedCard, StaffMember};
use unicode_normalization::UnicodeNormalization;

use crate::error::ApiError;

/// Most rows one roster import or card batch may hold.
pub const MAX_BATCH_ROWS: usize = 5_000;
/// Longest staff number.
pub const MAX_STAFF_NUMBER_CHARS: usize = 40;
/// Longest full name on a roster (the wire contract's limit; longer than a profile's, as rosters print titles).
pub const MAX_STAFF_NAME_CHARS: usize = 200;
/// Longest department.
pub const MAX_DEPARTMENT_CHARS: usize = 200;
/// Earliest birth year a roster may give.
pub const MIN_BIRTH_YEAR: u16 = 1900;

/// Body limit of a roster import: 5,000 rows at the longest every field may be (a staff number of 40
/// characters, a name and a department of 200 three-byte characters, the phone, the id, the year and the keys).
pub const STAFF_BODY_LIMIT_BYTES: usize = 8 * 1024 * 1024;
/// Body limit of a card batch: 5,000 cards of about 200 bytes each, with room to spare.
pub const CARDS_BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// A roster row once checked: the forms stored, and the clear citizen id, which is only ever hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedStaff {
    /// Staff number, trimmed.
    pub staff_number: String,
    /// Full name, NFC, white space collapsed.
    pub full_name: String,
    /// Department, NFC, white space collapsed (may be empty).
    pub department: String,
    /// E.164 phone.
    pub phone: Option<String>,
    /// Digits of the citizen id (hash it, never store it).
    pub citizen_id: Option<String>,
    /// Birth year.
    pub birth_year: Option<u16>,
}

/// A row problem: field, stable code, explanation.
pub type RowProblem = (&'static str, &'static str, String);

/// The refusal of a whole batch for its row `index`.
pub fn row_error(list: &'static str, index: usize, (field, field_code, message): RowProblem) -> ApiError {
    ApiError::InvalidRow { list, index, field, field_code, message }
}

/// Checks the number of rows of a batch.
pub fn batch_size(field: &'static str, rows: usize) -> Result<(), ApiError> {
    if rows == 0 || rows > MAX_BATCH_ROWS {
        return Err(ApiError::InvalidField {
            field,
            field_code: "batch_size",
            message: format!("{field} must hold 1 to {MAX_BATCH_ROWS} rows"),
        });
    }
    Ok(())
}

/// NFC, trimmed, inner white space collapsed: how names compare equal across Vietnamese keyboards.
fn nfc_collapsed(raw: &str) -> String {
    raw.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A staff number: 1-40 characters, no control characters; trimmed.
pub fn staff_number(raw: &str) -> Result<String, RowProblem> {
    let number = raw.trim();
    let chars = number.chars().count();
    if chars == 0 || chars > MAX_STAFF_NUMBER_CHARS || number.chars().any(char::is_control) {
        return Err(("staff_number", "invalid", format!("must be 1 to {MAX_STAFF_NUMBER_CHARS} printable characters")));
    }
    Ok(number.to_owned())
}

/// A full name: NFC, 1-200 characters, letters (with diacritics) and no digits or control characters.
pub fn full_name(raw: &str) -> Result<String, RowProblem> {
    let name = nfc_collapsed(raw);
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_STAFF_NAME_CHARS {
        return Err(("full_name", "invalid", format!("must be 1 to {MAX_STAFF_NAME_CHARS} characters")));
    }
    if name.chars().any(|c| c.is_control() || c.is_ascii_digit()) || !name.chars().any(char::is_alphabetic) {
        return Err(("full_name", "invalid", "must be letters, without digits or control characters".into()));
    }
    Ok(name)
}

/// A department: NFC, 0-200 characters, no control characters.
pub fn department(raw: &str) -> Result<String, RowProblem> {
    let department = nfc_collapsed(raw);
    if department.chars().count() > MAX_DEPARTMENT_CHARS || department.chars().any(char::is_control) {
        return Err(("department", "invalid", format!("must be at most {MAX_DEPARTMENT_CHARS} printable characters")));
    }
    Ok(department)
}

/// Checks one roster row as of year `current_year`.
pub fn staff_member(row: &StaffMember, current_year: i32) -> Result<CheckedStaff, RowProblem> {
    let staff_number = staff_number(&row.staff_number)?;
    let full_name = full_name(&row.full_name)?;
    let department = department(&row.department)?;
    let birth_year = match row.birth_year {
        Some(year) if year < MIN_BIRTH_YEAR || i32::from(year) > current_year => {
            return Err(("birth_year", "invalid", format!("must be from {MIN_BIRTH_YEAR} to this year")));
        }
        other => other,
    };
    let phone = match row.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(raw) => Some(
            normalize_phone(raw).map_err(|_| ("phone", "invalid", "must be a Vietnamese number in E.164 (+84...)".to_owned()))?,
        ),
        None => None,
    };
    let citizen_id = match row.citizen_id.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(raw) => Some(citizen_id(raw, birth_year)?),
        None => None,
    };
    Ok(CheckedStaff { staff_number, full_name, department, phone, citizen_id, birth_year })
}

/// A citizen id: a 12-digit CCCD (province part checked, and its encoded birth year against the row's, when the
/// row gives one) or a 9-digit CMND.
fn citizen_id(raw: &str, birth_year: Option<u16>) -> Result<String, RowProblem> {
    let bad = || ("citizen_id", "invalid", "must be a 12-digit CCCD (matching the birth year) or a 9-digit CMND".to_owned());
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 9 | 12) {
        return Err(bad());
    }
    // Without a birth year on the row, the year the CCCD encodes is taken as given, so the rest is still checked.
    let year = birth_year.unwrap_or_else(|| encoded_birth_year(&digits).unwrap_or(0));
    normalize_citizen_id(&digits, year).map_err(|_| bad())
}

/// The birth year a 12-digit CCCD encodes (digit 4: century and sex, digits 5-6: the year's last two).
fn encoded_birth_year(digits: &str) -> Option<u16> {
    let bytes = digits.as_bytes();
    if bytes.len() != 12 {
        return None;
    }
    let century = 1900 + u16::from((bytes[3] - b'0') / 2) * 100;
    Some(century + digits.get(4..6)?.parse::<u16>().ok()?)
}

/// A key id as the trust list writes it (8 bytes, standard base64); the URL-safe alphabet is read too, since a
/// `/` in a path segment has to be escaped.
pub fn key_id(raw: &str) -> Option<String> {
    let standard: String = raw.trim().chars().map(|c| match c {
        '-' => '+',
        '_' => '/',
        other => other,
    }).collect();
    healthbook_core::credentials::KeyId::from_base64(&standard)
        .map(|kid| kid.to_base64())
        .filter(|canonical| *canonical == standard)
}

/// A card id: the card's `cti` as 16 lowercase hex characters, whose bytes are not UTF-8 text. Verifiers match a
/// `cti` that is valid UTF-8 as that text, not as hex (`CwtClaims::credential_id`), so such a card could never be
/// revoked by its hex id; the signer's `CredentialId` sets the first byte's top bit for this reason.
pub fn card_id(raw: &str) -> Result<String, RowProblem> {
    let bad = |message: &str| ("card_id", "invalid", message.to_owned());
    if raw.len() != 16 || !raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(bad("must be the card's cti as 16 lowercase hex characters"));
    }
    let bytes: Vec<u8> = (0..8).filter_map(|i| u8::from_str_radix(&raw[2 * i..2 * i + 2], 16).ok()).collect();
    if std::str::from_utf8(&bytes).is_ok() {
        return Err(bad("a cti that reads as UTF-8 text is matched as text by verifiers and could not be revoked"));
    }
    Ok(raw.to_owned())
}

/// A card once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCard {
    /// The `cti` hex.
    pub card_id: String,
    /// Whose card.
    pub staff_number: String,
    /// The signing key, canonical base64.
    pub kid: String,
    /// Start of validity.
    pub issued_at: DateTime<Utc>,
    /// End of validity.
    pub expires_at: DateTime<Utc>,
}

/// Checks one card's shape (whether its key and staff member exist is the database's question).
pub fn card(row: &IssuedCard) -> Result<CheckedCard, RowProblem> {
    let card_id = card_id(&row.card_id)?;
    let staff_number = staff_number(&row.staff_number)?;
    let kid = key_id(&row.kid).ok_or(("kid", "invalid", "must be a key id: 8 bytes in standard base64".to_owned()))?;
    if row.expires_at <= row.issued_at {
        return Err(("expires_at", "invalid", "must be later than issued_at".into()));
    }
    Ok(CheckedCard { card_id, staff_number, kid, issued_at: row.issued_at, expires_at: row.expires_at })
}

/// Checks a card's revocation reason: 1-200 printable characters.
pub fn revocation_reason(raw: &str) -> Result<String, ApiError> {
    let reason = nfc_collapsed(raw);
    let chars = reason.chars().count();
    if chars == 0 || chars > 200 || reason.chars().any(char::is_control) {
        return Err(ApiError::InvalidField { field: "reason", field_code: "invalid", message: "must be 1 to 200 printable characters".into() });
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn row(number: &str, name: &str) -> StaffMember {
        StaffMember {
            staff_number: number.into(),
            full_name: name.into(),
            department: String::new(),
            phone: None,
            citizen_id: None,
            birth_year: None,
        }
    }

    #[test]
    fn a_good_row_is_normalised() {
        let mut good = row(" NV-001 ", "Nguye\u{0302}\u{0303}n  Văn An");
        good.department = "  Kế   toán ".into();
        good.phone = Some("0901 234 567".into());
        good.citizen_id = Some("079080001234".into());
        good.birth_year = Some(1980);
        let checked = staff_member(&good, 2021).unwrap();
        assert_eq!(checked.staff_number, "NV-001");
        assert_eq!(checked.full_name, "Nguyễn Văn An");
        assert_eq!(checked.department, "Kế toán");
        assert_eq!(checked.phone.as_deref(), Some("+84901234567"));
        assert_eq!(checked.citizen_id.as_deref(), Some("079080001234"));
    }

    #[test]
    fn each_bad_field_is_named_without_its_value() {
        let field = |member: StaffMember| staff_member(&member, 2021).unwrap_err();
        assert_eq!(field(row("", "An")).0, "staff_number");
        assert_eq!(field(row(&"x".repeat(41), "An")).0, "staff_number");
        assert_eq!(field(row("1", "An 2")).0, "full_name");
        assert_eq!(field(row("1", &"a".repeat(201))).0, "full_name");
        assert!(staff_member(&row("1", &"ă".repeat(200)), 2021).is_ok(), "200 characters are allowed");
        let with = |f: &dyn Fn(&mut StaffMember)| {
            let mut member = row("1", "An");
            f(&mut member);
            field(member)
        };
        assert_eq!(with(&|m| m.phone = Some("12345".into())).0, "phone");
        assert_eq!(with(&|m| m.citizen_id = Some("0790800012".into())).0, "citizen_id");
        assert_eq!(with(&|m| m.citizen_id = Some("07908000123X".into())).0, "citizen_id");
        assert_eq!(with(&|m| m.citizen_id = Some("999080001234".into())).0, "citizen_id", "no province 999");
        assert_eq!(
            with(&|m| {
                m.citizen_id = Some("079080001234".into());
                m.birth_year = Some(1990);
            })
            .0,
            "citizen_id",
            "the CCCD encodes 1980"
        );
        assert_eq!(with(&|m| m.birth_year = Some(2030)).0, "birth_year");
        assert_eq!(with(&|m| m.department = "a\u{7}b".into()).0, "department");
        let problem = with(&|m| m.phone = Some("+8490123".into()));
        assert!(!problem.2.contains("8490123"), "the message never repeats the value");
        // A CMND has no year to check; a CCCD without a birth year is checked for the rest.
        let mut cmnd = row("1", "An");
        cmnd.citizen_id = Some("123 456 789".into());
        assert_eq!(staff_member(&cmnd, 2021).unwrap().citizen_id.as_deref(), Some("123456789"));
        let mut cccd = row("1", "An");
        cccd.citizen_id = Some("001203001234".into());
        assert!(staff_member(&cccd, 2021).is_ok(), "born 2003 as encoded");
    }

    #[test]
    fn key_and_card_ids() {
        assert_eq!(key_id("AAECAwQFBgc=").as_deref(), Some("AAECAwQFBgc="));
        assert_eq!(key_id("+/8AAAAAAAA=").as_deref(), Some("+/8AAAAAAAA="));
        assert_eq!(key_id("-_8AAAAAAAA=").as_deref(), Some("+/8AAAAAAAA="), "URL-safe alphabet read");
        assert_eq!(key_id("AAECAwQFBg=="), None, "7 bytes");
        assert_eq!(key_id("not a kid"), None);
        assert!(card_id("80112233aabbccdd").is_ok());
        assert_eq!(card_id("0011223344556677").unwrap_err().0, "card_id", "ASCII bytes read as text");
        assert!(card_id("00112233aabbccdd").is_ok(), "not UTF-8: matched as hex");
        assert!(card_id("80112233AABBCCDD").is_err(), "uppercase");
        assert!(card_id("80112233aabbcc").is_err(), "short");
    }

    /// Random and mutated rows and cards: every one gets a verdict, none panics.
    #[test]
    fn random_and_mutated_inputs_never_panic() {
        let mut rng = StdRng::seed_from_u64(9);
        let alphabet: Vec<char> = "0123456789abcdefAF +-_/=.ăếỗƯđ\u{0}\u{7}\u{301}\u{1F600}x".chars().collect();
        let random_text = |rng: &mut StdRng, max: usize| -> String {
            let len = rng.gen_range(0..max);
            (0..len).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect()
        };
        let mutate = |rng: &mut StdRng, seed: &str| -> String {
            let mut chars: Vec<char> = seed.chars().collect();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..=chars.len());
                match rng.gen_range(0..3) {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 if at < chars.len() => chars[at] = alphabet[rng.gen_range(0..alphabet.len())],
                    _ => chars.insert(at, alphabet[rng.gen_range(0..alphabet.len())]),
                }
            }
            chars.into_iter().collect()
        };
        let at = DateTime::<Utc>::from_timestamp(1_630_000_000, 0).unwrap();
        let mut accepted = 0;
        for i in 0..10_000 {
            let (number, name, phone, citizen, card_text, kid) = if i % 2 == 0 {
                (
                    random_text(&mut rng, 50),
                    random_text(&mut rng, 220),
                    random_text(&mut rng, 16),
                    random_text(&mut rng, 14),
                    random_text(&mut rng, 18),
                    random_text(&mut rng, 14),
                )
            } else {
                (
                    mutate(&mut rng, "NV-001"),
                    mutate(&mut rng, "Nguyễn Văn An"),
                    mutate(&mut rng, "+84901234567"),
                    mutate(&mut rng, "079080001234"),
                    mutate(&mut rng, "80112233aabbccdd"),
                    mutate(&mut rng, "AAECAwQFBgc="),
                )
            };
            let member = StaffMember {
                staff_number: number.clone(),
                full_name: name,
                department: random_text(&mut rng, 30),
                phone: Some(phone),
                citizen_id: Some(citizen),
                birth_year: Some(rng.gen_range(1850..2100)),
            };
            if staff_member(&member, 2021).is_ok() {
                accepted += 1;
            }
            let expires_at = if i % 3 == 0 { at } else { at + chrono::Duration::days(365) };
            let issued = IssuedCard { card_id: card_text, staff_number: number, kid, issued_at: at, expires_at };
            let verdict = card(&issued);
            if expires_at == at {
                assert!(verdict.is_err(), "a card that expires when it is issued is refused");
            }
            let _ = revocation_reason(&random_text(&mut rng, 210));
        }
        assert!(accepted < 10_000, "random rows are not all accepted");
    }
}
