//! Administrative units of Vietnam by official (General Statistics Office) code.

/// Province codes: the 63 units before the 2025 merger. The 34 units after it kept codes from this set, so
/// records from either period validate.
pub const PROVINCE_CODES: [&str; 63] = [
    "01", "02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "19", "20", "22", "24", "25", "26", "27",
    "30", "31", "33", "34", "35", "36", "37", "38", "40", "42", "44", "45", "46", "48", "49", "51", "52", "54",
    "56", "58", "60", "62", "64", "66", "67", "68", "70", "72", "74", "75", "77", "79", "80", "82", "83", "84",
    "86", "87", "89", "91", "92", "93", "94", "95", "96",
];

/// Whether `code` is a known two-digit province code.
pub fn is_known_province(code: &str) -> bool {
    PROVINCE_CODES.contains(&code)
}

/// Whether `code` has the shape of a ward or commune code (five digits).
pub fn is_ward_code(code: &str) -> bool {
    code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit())
}
