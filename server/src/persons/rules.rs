//! The pure rules of identities: normalising citizen ids, names, births and phones; matching a claim against a
//! record; making and reading codes; masking a phone for display. No database, no clock.

use healthbook_core::profiles::validate::{normalize_citizen_id as core_citizen_id, normalize_name, normalize_phone};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::ApiError;

/// Lifetime of an SMS code.
pub const SMS_CODE_MINUTES: i64 = 5;
/// Wrong codes that burn an SMS challenge.
pub const SMS_MAX_ATTEMPTS: i64 = 5;
/// SMS challenges one person may have in an hour (open, used or burned); then `binding_locked`.
pub const SMS_CHALLENGES_PER_PERSON_PER_HOUR: i64 = 3;
/// SMS binding starts one device may make in an hour, whoever they are for.
pub const SMS_STARTS_PER_DEVICE_PER_HOUR: i64 = 10;
/// Lifetime of an attestation code.
pub const ATTESTATION_CODE_MINUTES: i64 = 15;
/// Longest `profile_ref` a phone may use.
pub const MAX_PROFILE_REF: usize = 64;
/// Longest `place` of an attestation.
pub const MAX_PLACE_CHARS: usize = 200;

/// Crockford's base32 alphabet (no I, L, O, U), for codes read aloud or typed from a screen.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// What kind of id a person record is keyed by.
pub use healthbook_protocol::IdKind;

/// A citizen id from a phone or an officer: digits only, a 12-digit CCCD whose encoded birth year matches, or a
/// 9-digit CMND. The error never repeats the id or the year.
pub fn citizen_id(raw: &str, birth_year: u16) -> Result<(String, IdKind), ApiError> {
    let digits = core_citizen_id(raw, birth_year).map_err(|_| {
        ApiError::InvalidRequest(
            "citizen_id must be a 12-digit CCCD (matching the birth year) or a 9-digit CMND".into(),
        )
    })?;
    let kind = if digits.len() == 12 { IdKind::Cccd } else { IdKind::Cmnd };
    Ok((digits, kind))
}

/// An officer-assigned id: `OA-`, the province, and 8 random Crockford characters.
pub fn officer_assigned_id(province: &str) -> Result<String, ApiError> {
    Ok(format!("OA-{province}-{}", random_crockford(8)?))
}

/// Whether `text` has the shape of an officer-assigned id.
pub fn is_officer_assigned_id(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && parts[0] == "OA"
        && parts[1].len() == 2
        && parts[1].bytes().all(|b| b.is_ascii_digit())
        && parts[2].len() == 8
        && parts[2].bytes().all(|b| CROCKFORD.contains(&b))
}

/// A full name, NFC with collapsed white space.
pub fn full_name(raw: &str) -> Result<String, ApiError> {
    normalize_name(raw).map_err(|_| ApiError::InvalidRequest("full_name must be 1 to 120 characters of letters, without digits".into()))
}

/// Whether a claimed name is the recorded one: NFC, white space collapsed, case-insensitive.
pub fn names_match(claimed: &str, recorded: &str) -> bool {
    let fold = |s: &str| normalize_name(s).map(|n| n.to_lowercase()).ok();
    matches!((fold(claimed), fold(recorded)), (Some(a), Some(b)) if a == b)
}

/// A phone number as E.164 (`+84...`).
pub fn phone(raw: &str) -> Result<String, ApiError> {
    normalize_phone(raw).map_err(|_| ApiError::InvalidRequest("phone must be a Vietnamese number (0..., 84... or +84...)".into()))
}

/// A birth given as `YYYY` or `YYYY-MM-DD`: the year, and the date when known.
pub fn birth(raw: &str, current_year: i32) -> Result<(u16, Option<String>), ApiError> {
    let bad = || ApiError::InvalidRequest("birth must be YYYY or YYYY-MM-DD, not in the future".into());
    let raw = raw.trim();
    let (year, date) = if raw.len() == 4 {
        (raw.parse::<i32>().map_err(|_| bad())?, None)
    } else {
        let date = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| bad())?;
        (chrono::Datelike::year(&date), Some(date.format("%Y-%m-%d").to_string()))
    };
    if !(1900..=current_year).contains(&year) {
        return Err(bad());
    }
    Ok((year as u16, date))
}

/// A birth year from a phone.
pub fn birth_year(year: i64, current_year: i32) -> Result<u16, ApiError> {
    if !(1900..=i64::from(current_year)).contains(&year) {
        return Err(ApiError::InvalidRequest("birth_year out of range".into()));
    }
    Ok(year as u16)
}

/// A `profile_ref` as phones send it.
pub fn profile_ref(raw: &str) -> Result<String, ApiError> {
    if raw.is_empty() || raw.len() > MAX_PROFILE_REF || raw.chars().any(char::is_control) {
        return Err(ApiError::InvalidRequest(format!("profile_ref must be 1 to {MAX_PROFILE_REF} characters")));
    }
    Ok(raw.to_owned())
}

/// Where an attestation happened: 1 to 200 printable characters, NFC.
pub fn place(raw: &str) -> Result<String, ApiError> {
    use unicode_normalization::UnicodeNormalization;
    let place: String = raw.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
    if place.is_empty() || place.chars().count() > MAX_PLACE_CHARS || place.chars().any(char::is_control) {
        return Err(ApiError::InvalidRequest(format!("place must be 1 to {MAX_PLACE_CHARS} printable characters")));
    }
    Ok(place)
}

fn random_u32() -> Result<u32, ApiError> {
    let mut bytes = [0u8; 4];
    SystemRandom::new().fill(&mut bytes).map_err(|_| ApiError::Internal("random source failed".into()))?;
    Ok(u32::from_le_bytes(bytes))
}

/// A uniformly random 6-digit SMS code (rejection sampling, so no digit is likelier than another).
pub fn sms_code() -> Result<String, ApiError> {
    const LIMIT: u32 = u32::MAX - u32::MAX % 1_000_000;
    loop {
        let n = random_u32()?;
        if n < LIMIT {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

fn random_crockford(len: usize) -> Result<String, ApiError> {
    let mut bytes = vec![0u8; len];
    SystemRandom::new().fill(&mut bytes).map_err(|_| ApiError::Internal("random source failed".into()))?;
    // 256 is a multiple of 32, so masking keeps the characters uniform.
    Ok(bytes.iter().map(|b| CROCKFORD[usize::from(b & 31)] as char).collect())
}

/// A random 8-character attestation code (40 bits, Crockford base32).
pub fn attestation_code() -> Result<String, ApiError> {
    random_crockford(8)
}

/// An attestation code as an officer typed it: case, spaces and dashes ignored, and the letters Crockford reads
/// as digits (O as 0, I and L as 1) mapped. `None` when it cannot be a code.
pub fn read_attestation_code(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (code.len() == 8 && code.bytes().all(|b| CROCKFORD.contains(&b))).then_some(code)
}

/// Whether an SMS code has the right shape (anything else counts as a wrong guess all the same).
pub fn is_sms_code_shape(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// A phone masked for display to a device: `+84 9** *** *21`.
pub fn mask_phone(e164: &str) -> String {
    let national: Vec<char> = e164.strip_prefix("+84").unwrap_or(e164).chars().collect();
    if national.len() < 4 {
        return "+84 ***".into();
    }
    let last = national.len() - 2;
    let masked: String = national.iter().enumerate().map(|(i, c)| if i == 0 || i >= last { *c } else { '*' }).collect();
    // Grouped as people write mobile numbers: 3-3-3.
    let grouped: Vec<String> = masked.chars().collect::<Vec<_>>().chunks(3).map(|c| c.iter().collect()).collect();
    format!("+84 {}", grouped.join(" "))
}

/// The last 3 characters of an id, for staff views (enough to compare with a card, not enough to use).
pub fn last3(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    chars[chars.len().saturating_sub(3)..].iter().collect()
}

/// The province a CCCD was issued for (its first three digits, `0PP`), when it is a known province.
pub fn cccd_province(cccd: &str) -> Option<String> {
    let province = cccd.get(1..3)?;
    (cccd.len() == 12 && healthbook_core::admin_units::is_known_province(province)).then(|| province.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citizen_ids_are_digits_of_a_cccd_or_cmnd_and_errors_repeat_nothing() {
        assert_eq!(citizen_id("001 085 012345", 1985).unwrap(), ("001085012345".into(), IdKind::Cccd));
        assert_eq!(citizen_id("123456789", 1960).unwrap(), ("123456789".into(), IdKind::Cmnd));
        for bad in ["001085012345", "12345", "00108501234a"] {
            let err = citizen_id(bad, 1990).unwrap_err().to_string();
            assert!(!err.contains("0010850") && !err.contains("1990"), "{err}");
        }
    }

    #[test]
    fn names_match_across_keyboards_and_case() {
        let composed = "Trần Thị Hoa";
        let decomposed = "Tra\u{0302}\u{0300}n  thi\u{0323} HOA";
        assert!(names_match(decomposed, composed));
        assert!(!names_match("Trần Thị Hòa", composed));
    }

    #[test]
    fn births_are_a_year_or_a_date() {
        assert_eq!(birth("1975", 2021).unwrap(), (1975, None));
        assert_eq!(birth("2019-02-28", 2021).unwrap(), (2019, Some("2019-02-28".into())));
        for bad in ["2022", "1899", "2019-02-30", "75"] {
            assert!(birth(bad, 2021).is_err(), "{bad}");
        }
    }

    #[test]
    fn sms_codes_are_six_digits_and_attestation_codes_eight_crockford() {
        for _ in 0..200 {
            let code = sms_code().unwrap();
            assert!(is_sms_code_shape(&code), "{code}");
            let code = attestation_code().unwrap();
            assert_eq!(read_attestation_code(&code.to_lowercase()), Some(code.clone()));
        }
        assert_eq!(read_attestation_code("ab1o-il23"), Some("AB10-1123".replace('-', "")));
        assert_eq!(read_attestation_code("ABCDEFGU"), None);
        assert_eq!(read_attestation_code("ABC"), None);
    }

    #[test]
    fn officer_assigned_ids_have_their_shape() {
        let id = officer_assigned_id("01").unwrap();
        assert!(is_officer_assigned_id(&id), "{id}");
        assert!(!is_officer_assigned_id("OA-1-ABCDEFGH") && !is_officer_assigned_id("001085012345"));
    }

    #[test]
    fn phones_are_masked_to_first_and_last_two_digits() {
        assert_eq!(mask_phone("+84912345621"), "+84 9** *** *21");
        assert_eq!(last3("001085012345"), "345");
        assert_eq!(cccd_province("001085012345").as_deref(), Some("01"));
        assert_eq!(cccd_province("123456789"), None);
    }
}
