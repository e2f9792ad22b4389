//! Validation and normalisation of profile input: Vietnamese names, birth dates, phones, citizen ids, codes.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use unicode_normalization::UnicodeNormalization;

use super::error::{ProfileError, ProfileField};
use crate::admin_units::{is_known_province, is_ward_code};
use super::model::{Address, BirthDate, PersonalDetails, ProfileInput};

/// Longest accepted full name, in characters.
pub const MAX_NAME_CHARS: usize = 120;
/// Longest accepted street part of an address, in characters.
pub const MAX_STREET_CHARS: usize = 200;
/// Earliest accepted birth year.
pub const MIN_BIRTH_YEAR: u16 = 1900;

/// Validates `input` at time `now` and returns the normalised details to store.
pub fn validate(input: &ProfileInput, now: DateTime<Utc>) -> Result<PersonalDetails, ProfileError> {
    let full_name = normalize_name(&input.full_name)?;
    let birth = validate_birth(input.birth, now)?;
    let phone = input.phone.as_deref().filter(|p| !p.trim().is_empty()).map(normalize_phone).transpose()?;
    let citizen_id = input
        .citizen_id
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|c| normalize_citizen_id(c, birth.year))
        .transpose()?;
    let address = input.address.as_ref().map(validate_address).transpose()?;
    Ok(PersonalDetails { full_name, birth, phone, citizen_id, address })
}

/// Trims, collapses inner white space and normalises to NFC, so that names typed with different Vietnamese
/// keyboards (composed or decomposed diacritics) compare equal.
pub fn normalize_name(raw: &str) -> Result<String, ProfileError> {
    let name: String = raw.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(ProfileError::invalid(ProfileField::FullName, "must not be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ProfileError::invalid(ProfileField::FullName, format!("longer than {MAX_NAME_CHARS} characters")));
    }
    if name.chars().any(|c| c.is_control() || c.is_ascii_digit()) {
        return Err(ProfileError::invalid(ProfileField::FullName, "contains digits or control characters"));
    }
    if !name.chars().any(char::is_alphabetic) {
        return Err(ProfileError::invalid(ProfileField::FullName, "contains no letters"));
    }
    Ok(name)
}

fn validate_birth(birth: BirthDate, now: DateTime<Utc>) -> Result<BirthDate, ProfileError> {
    let invalid = |reason: &str| ProfileError::invalid(ProfileField::BirthDate, reason);
    // Birth dates are calendar dates in Vietnam; a child born today in UTC+7 may still be "tomorrow" in UTC,
    // so "today" is the latest date anywhere on Earth (UTC+14).
    let latest_today = (now + Duration::hours(14)).date_naive();
    if birth.year < MIN_BIRTH_YEAR || i32::from(birth.year) > latest_today.year() {
        return Err(invalid("year out of range"));
    }
    match (birth.month, birth.day) {
        (None, Some(_)) => Err(invalid("a day needs a month")),
        (None, None) => Ok(birth),
        (Some(month), day) => {
            if !(1..=12).contains(&month) {
                return Err(invalid("month must be 1 to 12"));
            }
            let first_possible = NaiveDate::from_ymd_opt(i32::from(birth.year), u32::from(month), u32::from(day.unwrap_or(1)))
                .ok_or_else(|| invalid("no such date"))?;
            if first_possible > latest_today {
                return Err(invalid("in the future"));
            }
            Ok(birth)
        }
    }
}

/// Normalises a Vietnamese phone number to E.164 (`+84` and 9 or 10 digits).
///
/// Accepts the national form with a leading 0, `84...` and `+84...`, ignoring spaces, dots, dashes and
/// brackets. Mobile numbers have 9 digits after the country code and start with 3, 5, 7, 8 or 9; landlines
/// have 10 and start with 2.
pub fn normalize_phone(raw: &str) -> Result<String, ProfileError> {
    let invalid = |reason: &str| ProfileError::invalid(ProfileField::Phone, reason);
    let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')')).collect();
    let national = if let Some(rest) = compact.strip_prefix("+84") {
        rest
    } else if let Some(rest) = compact.strip_prefix("84").filter(|r| r.len() >= 9 && !compact.starts_with('0')) {
        rest
    } else if let Some(rest) = compact.strip_prefix('0') {
        rest
    } else {
        return Err(invalid("must start with 0, 84 or +84"));
    };
    if !national.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid("may contain only digits"));
    }
    let well_formed = match national.as_bytes().first() {
        Some(b'3' | b'5' | b'7' | b'8' | b'9') => national.len() == 9,
        Some(b'2') => national.len() == 10,
        _ => false,
    };
    if !well_formed {
        return Err(invalid("not a Vietnamese mobile (9 digits after 0) or landline (10 digits) number"));
    }
    Ok(format!("+84{national}"))
}

/// Validates a citizen id: a 12-digit CCCD (checked against the birth year it encodes) or a 9-digit CMND.
pub fn normalize_citizen_id(raw: &str, birth_year: u16) -> Result<String, ProfileError> {
    let invalid = |reason: String| ProfileError::invalid(ProfileField::CitizenId, reason);
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid("may contain only digits".into()));
    }
    match digits.len() {
        9 => Ok(digits),
        12 => {
            let bytes = digits.as_bytes();
            let province: u16 = digits[0..3].parse().map_err(|_| invalid("bad province part".into()))?;
            if !(1..=96).contains(&province) {
                return Err(invalid("the first three digits are not a province code".into()));
            }
            // Digit 4 encodes sex and century (0/1: 1900s, 2/3: 2000s, ...), digits 5-6 the year's last two.
            let century = 1900 + u16::from((bytes[3] - b'0') / 2) * 100;
            let year = century + digits[4..6].parse::<u16>().map_err(|_| invalid("bad year part".into()))?;
            if year != birth_year {
                // The message names no year: errors reach logs and crash reports, and a birth year is personal data.
                return Err(invalid("the birth year it encodes differs from the profile's birth date".into()));
            }
            Ok(digits)
        }
        n => Err(invalid(format!("must have 12 digits (CCCD) or 9 digits (CMND), not {n}"))),
    }
}

fn validate_address(address: &Address) -> Result<Address, ProfileError> {
    let invalid = |reason: &str| ProfileError::invalid(ProfileField::Address, reason);
    let province_code = address.province_code.trim().to_owned();
    if !is_known_province(&province_code) {
        return Err(invalid("unknown province code"));
    }
    let ward_code = match address.ward_code.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        Some(ward) if is_ward_code(ward) => Some(ward.to_owned()),
        Some(_) => return Err(invalid("ward code must have 5 digits")),
        None => None,
    };
    let street = match address.street.as_deref() {
        Some(street) => {
            let street: String = street.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
            if street.chars().count() > MAX_STREET_CHARS {
                return Err(invalid("street is too long"));
            }
            if street.chars().any(char::is_control) {
                return Err(invalid("street contains control characters"));
            }
            Some(street).filter(|s| !s.is_empty())
        }
        None => None,
    };
    Ok(Address { province_code, ward_code, street })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::model::ProfileRelation;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 8, 15, 3, 0, 0).unwrap()
    }

    fn input() -> ProfileInput {
        ProfileInput {
            relation: ProfileRelation::Myself,
            full_name: "Nguyễn Văn An".into(),
            birth: BirthDate { year: 1990, month: Some(5), day: Some(17) },
            phone: Some("0912 345 678".into()),
            citizen_id: Some("001090012345".into()),
            address: Some(Address { province_code: "01".into(), ward_code: Some("00001".into()), street: Some(" 12 Hàng Bài ".into()) }),
        }
    }

    fn field_of(err: ProfileError) -> ProfileField {
        match err {
            ProfileError::InvalidField { field, .. } => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn valid_input_is_normalised() {
        let details = validate(&input(), now()).unwrap();
        assert_eq!(details.phone.as_deref(), Some("+84912345678"));
        assert_eq!(details.address.unwrap().street.as_deref(), Some("12 Hàng Bài"));
    }

    #[test]
    fn decomposed_name_becomes_nfc() {
        let decomposed: String = "Nguyễn Thị Ánh".nfd().collect();
        assert_ne!(decomposed, "Nguyễn Thị Ánh");
        assert_eq!(normalize_name(&format!("  {decomposed}  ")).unwrap(), "Nguyễn Thị Ánh");
    }

    #[test]
    fn bad_names_are_refused() {
        for bad in ["", "   ", "Nguyen 2", "a\u{7}b", &"a".repeat(121), "--"] {
            assert_eq!(field_of(normalize_name(bad).unwrap_err()), ProfileField::FullName, "{bad:?}");
        }
    }

    #[test]
    fn phone_forms() {
        for ok in ["0912345678", "+84912345678", "84912345678", "091-234-5678", "(+84) 912.345.678", "02438251234"] {
            assert!(normalize_phone(ok).is_ok(), "{ok}");
        }
        assert_eq!(normalize_phone("84912345678").unwrap(), "+84912345678");
        assert_eq!(normalize_phone("02438251234").unwrap(), "+842438251234");
        for bad in ["912345678", "091234567", "09123456789", "0112345678", "+1 415 555 0100", "09123x5678", ""] {
            assert_eq!(field_of(normalize_phone(bad).unwrap_err()), ProfileField::Phone, "{bad}");
        }
    }

    #[test]
    fn citizen_ids() {
        assert_eq!(normalize_citizen_id("001 090 012345", 1990).unwrap(), "001090012345");
        assert_eq!(normalize_citizen_id("079305001234", 2005).unwrap(), "079305001234");
        assert!(normalize_citizen_id("123456789", 1970).is_ok());
        for (bad, year) in [("00109001234", 1990), ("0010900123456", 1990), ("00109001234a", 1990), ("001090012345", 1991), ("099090012345", 1990)] {
            let error = normalize_citizen_id(bad, year).unwrap_err();
            // Neither the id nor the birth year is repeated in the message.
            let message = error.to_string();
            assert!(!message.contains(&year.to_string()) && !message.contains(&bad[..6]), "{message}");
            assert_eq!(field_of(error), ProfileField::CitizenId, "{bad}");
        }
    }

    #[test]
    fn birth_dates() {
        let ok = |b: BirthDate| validate_birth(b, now()).is_ok();
        assert!(ok(BirthDate { year: 1950, month: None, day: None }));
        assert!(ok(BirthDate { year: 2000, month: Some(2), day: Some(29) }));
        assert!(!ok(BirthDate { year: 2001, month: Some(2), day: Some(29) }));
        assert!(!ok(BirthDate { year: 1990, month: None, day: Some(3) }));
        assert!(!ok(BirthDate { year: 1990, month: Some(13), day: None }));
        assert!(!ok(BirthDate { year: 1899, month: None, day: None }));
        assert!(!ok(BirthDate { year: 2021, month: Some(8), day: Some(17) }));
        // 15 Aug 03:00 UTC is already 15 Aug in Vietnam: a baby born today is fine.
        assert!(ok(BirthDate { year: 2021, month: Some(8), day: Some(15) }));
    }

    #[test]
    fn addresses() {
        let addr = |p: &str, w: Option<&str>| Address { province_code: p.into(), ward_code: w.map(Into::into), street: None };
        assert!(validate_address(&addr("79", Some("26734"))).is_ok());
        for bad in [addr("03", None), addr("1", None), addr("79", Some("2673")), addr("79", Some("2673a"))] {
            assert_eq!(field_of(validate_address(&bad).unwrap_err()), ProfileField::Address);
        }
    }
}
