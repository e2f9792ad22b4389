//! The vaccination area's pure rules: local time of sites, slot checks, the next dose a person is due, the
//! invitation deadline, UVCI identifiers and the invitation SMS.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use healthbook_protocol::vaccination::{INVITATION_ANSWER_HOURS, MAX_DOSE_NUMBER, SlotPlan, VaccineProduct, next_dose_due};

use crate::error::ApiError;

/// Viet Nam's offset from UTC (Asia/Ho_Chi_Minh, no daylight saving since 1975), in seconds.
pub const VIETNAM_OFFSET_SECS: i32 = 7 * 3_600;
/// Most slots in one session.
pub const MAX_SLOTS: usize = 24;
/// Most people in one slot.
pub const MAX_SLOT_CAPACITY: u32 = 500;
/// Most communes one session serves.
pub const MAX_SESSION_WARDS: usize = 50;
/// The alphabet of the UVCI's Luhn mod N check character (EU DCC schema FAQ, "UVCI checksum").
const UVCI_CHECK_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:";
/// Characters of the random part of a UVCI: enough for 129 bits, far past any collision.
const UVCI_RANDOM_CHARS: usize = 25;

/// Viet Nam's fixed offset.
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(VIETNAM_OFFSET_SECS).expect("a valid offset")
}

/// The local date in Viet Nam at `at`.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&vietnam()).date_naive()
}

/// A local date and time of day in Viet Nam as UTC.
pub fn local_to_utc(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    // A fixed offset has exactly one mapping for every local time.
    vietnam().from_local_datetime(&date.and_time(time)).single().expect("fixed offsets are unambiguous").with_timezone(&Utc)
}

/// A checked slot in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Places.
    pub capacity: u32,
}

/// Checks a session's slots (1 to [`MAX_SLOTS`], each ending after it starts, 1 to [`MAX_SLOT_CAPACITY`]
/// places, none overlapping another) and converts them to UTC, in the order given.
pub fn slots(date: NaiveDate, plans: &[SlotPlan]) -> Result<Vec<Slot>, ApiError> {
    let invalid = |code: &'static str, message: &str| ApiError::InvalidField { field: "slots", field_code: code, message: message.into() };
    if plans.is_empty() || plans.len() > MAX_SLOTS {
        return Err(invalid("count", "a session has 1 to 24 slots"));
    }
    let mut out: Vec<Slot> = Vec::with_capacity(plans.len());
    for plan in plans {
        if plan.end <= plan.start {
            return Err(invalid("end_before_start", "a slot ends after it starts"));
        }
        if !(1..=MAX_SLOT_CAPACITY).contains(&plan.capacity) {
            return Err(invalid("capacity", "a slot holds 1 to 500 people"));
        }
        let slot = Slot { starts_at: local_to_utc(date, plan.start), ends_at: local_to_utc(date, plan.end), capacity: plan.capacity };
        if out.iter().any(|other| slot.starts_at < other.ends_at && other.starts_at < slot.ends_at) {
            return Err(invalid("overlapping", "slots must not overlap"));
        }
        out.push(slot);
    }
    Ok(out)
}

/// A counted dose as the schedule reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedDose {
    /// Product.
    pub product: VaccineProduct,
    /// Dose number.
    pub dose_number: u8,
    /// Date given.
    pub date: NaiveDate,
}

/// The next dose a person is due: its number and earliest date, from the latest counted dose (dose 1 at once
/// with none); `None` once [`MAX_DOSE_NUMBER`] doses are counted.
pub fn next_dose(doses: &[CountedDose]) -> Option<(u8, Option<NaiveDate>)> {
    let Some(latest) = doses.iter().max_by_key(|d| (d.dose_number, d.date)) else {
        return Some((1, None));
    };
    if latest.dose_number >= MAX_DOSE_NUMBER {
        return None;
    }
    Some((latest.dose_number + 1, next_dose_due(latest.product, latest.dose_number, latest.date)))
}

/// Whether a person with `doses` is due a dose on `date`, and which.
pub fn due_on(doses: &[CountedDose], date: NaiveDate) -> Option<u8> {
    match next_dose(doses)? {
        (number, None) => Some(number),
        (number, Some(due)) if due <= date => Some(number),
        _ => None,
    }
}

/// Whether the completed primary series of `doses` is there: the series length of the latest dose's product
/// reached (boosters count as completing it too).
pub fn series_complete(doses: &[CountedDose]) -> bool {
    doses.iter().max_by_key(|d| (d.dose_number, d.date)).is_some_and(|d| d.dose_number >= d.product.series_doses())
}

/// The order of the waiting line: priority group 1 first, people on no list last, then by registration time
/// (milliseconds), then by person id so that the order never depends on the database's whim.
pub fn line_order(a: (Option<u8>, i64, &str), b: (Option<u8>, i64, &str)) -> std::cmp::Ordering {
    (a.0.is_none(), a.0, a.1, a.2).cmp(&(b.0.is_none(), b.0, b.1, b.2))
}

/// The time an invitation made at `now` for a slot starting at `slot_start` must be answered by.
pub fn answer_by(now: DateTime<Utc>, slot_start: DateTime<Utc>) -> DateTime<Utc> {
    (now + Duration::hours(INVITATION_ANSWER_HOURS)).min(slot_start)
}

/// The Luhn mod N check character of `text` over [`UVCI_CHECK_ALPHABET`]; `None` if a character is outside it.
pub fn uvci_check_char(text: &str) -> Option<char> {
    let n = UVCI_CHECK_ALPHABET.len();
    let mut factor = 2;
    let mut sum = 0;
    for byte in text.bytes().rev() {
        let code = UVCI_CHECK_ALPHABET.iter().position(|c| *c == byte)?;
        let addend = factor * code;
        sum += addend / n + addend % n;
        factor = if factor == 2 { 1 } else { 2 };
    }
    Some(char::from(UVCI_CHECK_ALPHABET[(n - sum % n) % n]))
}

/// Whether `uvci` ends with the right check character (`…#C`).
pub fn uvci_checks(uvci: &str) -> bool {
    uvci.rsplit_once('#').is_some_and(|(body, check)| check.len() == 1 && uvci_check_char(body).map(String::from).as_deref() == Some(check))
}

/// A fresh UVCI, `URN:UVCI:01:VN:<25 random characters>#<check>` (EU eHealth Network guidelines, Annex 2,
/// option 3: an opaque unique string), from `random` bytes (at least [`UVCI_RANDOM_CHARS`] usable ones).
pub fn uvci_from(random: &[u8]) -> Option<String> {
    const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    // Rejecting bytes above the largest multiple of 36 keeps every character equally likely.
    let chars: String = random
        .iter()
        .filter(|b| usize::from(**b) < 252)
        .take(UVCI_RANDOM_CHARS)
        .map(|b| char::from(ALPHANUMERIC[usize::from(*b) % ALPHANUMERIC.len()]))
        .collect();
    if chars.len() < UVCI_RANDOM_CHARS {
        return None;
    }
    let body = format!("URN:UVCI:01:VN:{chars}");
    let check = uvci_check_char(&body)?;
    Some(format!("{body}#{check}"))
}

/// The invitation SMS, in Vietnamese: the time and place only, nothing about the person.
pub fn invitation_sms(site_name: &str, site_address: &str, starts_at: DateTime<Utc>, answer_by: DateTime<Utc>) -> String {
    let start = starts_at.with_timezone(&vietnam());
    let by = answer_by.with_timezone(&vietnam());
    format!(
        "Healthbook: Bạn được mời tiêm vắc-xin COVID-19 lúc {} ngày {} tại {}, {}. Vui lòng xác nhận trên ứng dụng trước {} ngày {}.",
        start.format("%H:%M"),
        start.format("%d/%m/%Y"),
        site_name,
        site_address,
        by.format("%H:%M"),
        by.format("%d/%m"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn local_slots_become_utc_and_must_not_overlap() {
        let plan = |s: u32, e: u32| SlotPlan { start: time(s, 0), end: time(e, 0), capacity: 10 };
        let converted = slots(day(2021, 7, 2), &[plan(8, 9), plan(9, 10)]).unwrap();
        assert_eq!(converted[0].starts_at, Utc.with_ymd_and_hms(2021, 7, 2, 1, 0, 0).unwrap());
        assert_eq!(converted[1].ends_at, Utc.with_ymd_and_hms(2021, 7, 2, 3, 0, 0).unwrap());
        // 06:00 local is the previous day in UTC.
        assert_eq!(local_to_utc(day(2021, 7, 2), time(6, 0)), Utc.with_ymd_and_hms(2021, 7, 1, 23, 0, 0).unwrap());
        assert!(slots(day(2021, 7, 2), &[plan(8, 10), plan(9, 11)]).is_err());
        assert!(slots(day(2021, 7, 2), &[plan(9, 8)]).is_err());
        assert!(slots(day(2021, 7, 2), &[]).is_err());
        assert!(slots(day(2021, 7, 2), &[SlotPlan { start: time(8, 0), end: time(9, 0), capacity: 0 }]).is_err());
        assert_eq!(local_date(Utc.with_ymd_and_hms(2021, 7, 1, 18, 0, 0).unwrap()), day(2021, 7, 2));
    }

    #[test]
    fn the_next_dose_follows_the_latest_counted_one() {
        assert_eq!(next_dose(&[]), Some((1, None)));
        let first = CountedDose { product: VaccineProduct::Comirnaty, dose_number: 1, date: day(2021, 6, 1) };
        assert_eq!(next_dose(&[first]), Some((2, Some(day(2021, 6, 22)))));
        assert_eq!(due_on(&[first], day(2021, 6, 21)), None);
        assert_eq!(due_on(&[first], day(2021, 6, 22)), Some(2));
        assert!(!series_complete(&[first]));
        let second = CountedDose { dose_number: 2, date: day(2021, 6, 22), ..first };
        assert!(series_complete(&[first, second]));
        let janssen = CountedDose { product: VaccineProduct::Janssen, dose_number: 1, date: day(2021, 6, 1) };
        assert!(series_complete(&[janssen]));
        let last = CountedDose { dose_number: MAX_DOSE_NUMBER, ..first };
        assert_eq!(next_dose(&[last]), None);
    }

    #[test]
    fn the_line_puts_priority_groups_first_and_people_on_no_list_last() {
        let mut line = vec![(None, 1, "a"), (Some(3), 5, "b"), (Some(1), 9, "c"), (Some(3), 2, "d"), (None, 0, "e")];
        line.sort_by(|a, b| line_order(*a, *b));
        let ids: Vec<&str> = line.iter().map(|p| p.2).collect();
        assert_eq!(ids, ["c", "d", "b", "e", "a"]);
    }

    #[test]
    fn the_answer_is_due_in_48_hours_or_at_the_slot() {
        let now = Utc.with_ymd_and_hms(2021, 7, 1, 0, 0, 0).unwrap();
        assert_eq!(answer_by(now, now + Duration::days(5)), now + Duration::hours(48));
        assert_eq!(answer_by(now, now + Duration::hours(3)), now + Duration::hours(3));
    }

    #[test]
    fn uvcis_carry_a_luhn_mod_n_check_character() {
        let uvci = uvci_from(&[7u8; 40]).unwrap();
        assert!(uvci.starts_with("URN:UVCI:01:VN:"));
        assert!(uvci_checks(&uvci), "{uvci}");
        // Any single changed character is caught.
        let body = uvci.rsplit_once('#').unwrap().0;
        let changed = format!("{}B{}", &body[..20], &body[21..]);
        assert_ne!(uvci_check_char(&changed), uvci_check_char(body));
        assert!(!uvci_checks("URN:UVCI:01:VN:ABC"));
        assert!(uvci_from(&[255u8; 40]).is_none(), "rejected bytes never make a short id");
        assert_eq!(uvci_check_char("a"), None);
    }

    #[test]
    fn the_sms_names_the_time_and_place_only() {
        let start = Utc.with_ymd_and_hms(2021, 7, 2, 1, 0, 0).unwrap();
        let text = invitation_sms("Trạm Y tế Phường 1", "12 Lê Lợi", start, start - Duration::hours(2));
        assert!(text.contains("08:00") && text.contains("02/07/2021") && text.contains("Trạm Y tế Phường 1"), "{text}");
    }
}
