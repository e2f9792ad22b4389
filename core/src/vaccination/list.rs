//! A commune's resident list in the health department's template, read from CSV or XLSX and checked row by
//! row; the server checks the uploaded rows again with [`check_row`] and [`duplicates_in_file`].
//!
//! # The template
//!
//! One sheet (XLSX: the first), a header row, one resident per row. Columns may come in any order; header names
//! are matched ignoring case, diacritics, spaces, `_`, `-`, `.` and `/`:
//!
//! | column | Vietnamese header | English header | required | accepted values |
//! |---|---|---|---|---|
//! | full name | Họ và tên | full_name | yes | letters; spaces collapsed, NFC, capitals kept as written |
//! | birth date | Ngày sinh | birth_date | yes | `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy`, `yyyy-mm-dd`, `ngày 5 tháng 3 năm 1960`, a year alone, a spreadsheet date; 1900 to today |
//! | sex | Giới tính | sex | yes | Nam / Nữ / Khác, M / F, male / female / other |
//! | citizen id | Số CCCD/CMND | citizen_id | this or phone | 12-digit CCCD (province code 001-096, 4th digit agreeing with sex and birth century, 5th-6th with the year) or 9-digit CMND |
//! | phone | Số điện thoại | phone | this or citizen id | `0xxxxxxxxx`, `84…`, `+84…`, spaces and dots allowed; old 11-digit `01xx` mobiles are mapped to their 2018 numbers |
//! | province code | Mã tỉnh | province_code | no | a known 2-digit code, the commune's |
//! | ward code | Mã xã | ward_code | yes | the uploaded commune's 5-digit code |
//! | address | Địa chỉ | address | no | free text (at most [`MAX_ADDRESS_CHARS`] characters kept) |
//! | priority group | Nhóm ưu tiên | priority_group | no | `1` to [`MAX_PRIORITY_GROUP`], also `Nhóm 3` |
//!
//! See `docs/vaccination-list-template.md` for the same in Vietnamese.
//!
//! Every problem is reported with its line (the header being line 1) and field ([`ListProblem`]); none repeats a
//! cell's value, so reports can be logged and shared. A row with a problem is not uploaded by the officer's
//! machine ([`ListFile::upload`]), and the server stores no row with a `missing`, `invalid` or
//! `duplicate_in_file` problem either.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use healthbook_protocol::vaccination::{
    CommuneListReport, CommuneListRow, CommuneListUpload, ListField, ListProblem, ListProblemKind, MAX_LIST_ROWS,
    MAX_PRIORITY_GROUP, Sex,
};
use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

use crate::admin_units::{is_known_province, is_ward_code};
use crate::profiles::validate::{MIN_BIRTH_YEAR, normalize_name};
use crate::tabular::{self, Cell, Record, Table, TabularError, header_key};

/// Longest address kept, in characters (longer ones are cut: the address is only shown to staff).
pub const MAX_ADDRESS_CHARS: usize = 300;

/// Why a file cannot be read as a list at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ListError {
    /// The file is not a readable table.
    #[error(transparent)]
    Table(#[from] TabularError),
    /// The header lacks a required column.
    #[error("the header has no {0} column")]
    MissingColumn(&'static str),
    /// A column appears twice in the header.
    #[error("the {0} column appears twice")]
    DuplicateColumn(&'static str),
}

/// What the checks need besides the row.
#[derive(Debug, Clone, Copy)]
pub struct ListContext<'a> {
    /// The commune the list is uploaded for.
    pub ward_code: &'a str,
    /// Its province, when known (the server knows it from the officer's area).
    pub province_code: Option<&'a str>,
    /// Today's date (no birth date after it).
    pub today: NaiveDate,
}

/// A list file read and checked on the officer's machine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListFile {
    /// Every data row, normalised (a field that did not read is left empty, with a problem).
    pub rows: Vec<CommuneListRow>,
    /// Every problem, by line then field.
    pub problems: Vec<ListProblem>,
}

impl ListFile {
    /// The rows without any problem: what the officer's machine sends.
    pub fn clean_rows(&self) -> Vec<CommuneListRow> {
        let bad: std::collections::HashSet<u32> = self.problems.iter().map(|p| p.line).collect();
        self.rows.iter().filter(|r| !bad.contains(&r.line)).cloned().collect()
    }

    /// The upload of the clean rows.
    pub fn upload(&self, ward_code: &str, accept: bool) -> CommuneListUpload {
        CommuneListUpload { ward_code: ward_code.to_owned(), rows: self.clean_rows(), accept }
    }

    /// The server's report on [`Self::upload`] completed with the problems found here: rows counts the whole
    /// file, problems are both sides' (each once), by line then field.
    pub fn merge_report(&self, server: CommuneListReport) -> CommuneListReport {
        let mut problems = self.problems.clone();
        for problem in server.problems {
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        }
        sort_problems(&mut problems);
        CommuneListReport { rows: u32::try_from(self.rows.len()).unwrap_or(u32::MAX), problems, ..server }
    }
}

/// The template's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    FullName,
    BirthDate,
    Sex,
    CitizenId,
    Phone,
    ProvinceCode,
    WardCode,
    Address,
    PriorityGroup,
}

impl Column {
    const ALL: [Self; 9] = [
        Self::FullName,
        Self::BirthDate,
        Self::Sex,
        Self::CitizenId,
        Self::Phone,
        Self::ProvinceCode,
        Self::WardCode,
        Self::Address,
        Self::PriorityGroup,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::FullName => "full_name (Họ và tên)",
            Self::BirthDate => "birth_date (Ngày sinh)",
            Self::Sex => "sex (Giới tính)",
            Self::CitizenId => "citizen_id (Số CCCD/CMND)",
            Self::Phone => "phone (Số điện thoại)",
            Self::ProvinceCode => "province_code (Mã tỉnh)",
            Self::WardCode => "ward_code (Mã xã)",
            Self::Address => "address (Địa chỉ)",
            Self::PriorityGroup => "priority_group (Nhóm ưu tiên)",
        }
    }

    /// Header keys ([`header_key`]) naming the column.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Self::FullName => &["hovaten", "hoten", "fullname", "name"],
            Self::BirthDate => &["ngaysinh", "ngaythangnamsinh", "birthdate", "dateofbirth", "dob"],
            Self::Sex => &["gioitinh", "sex", "gender"],
            Self::CitizenId => &["socccdcmnd", "cccdcmnd", "socccd", "cccd", "socmnd", "cmnd", "citizenid"],
            Self::Phone => &["sodienthoai", "dienthoai", "sdt", "phone", "phonenumber", "mobile"],
            Self::ProvinceCode => &["matinh", "matinhthanhpho", "provincecode", "province"],
            Self::WardCode => &["maxa", "maxaphuong", "maphuongxa", "wardcode", "ward"],
            Self::Address => &["diachi", "address"],
            Self::PriorityGroup => &["nhomuutien", "nhom", "prioritygroup", "priority"],
        }
    }
}

/// Reads a list file (CSV or XLSX, told apart by content) and checks every row.
pub fn read_list(bytes: &[u8], context: &ListContext<'_>) -> Result<ListFile, ListError> {
    let table = tabular::read_any(bytes, MAX_LIST_ROWS)?;
    list_from_table(&table, context)
}

/// Checks the rows of a table already read.
pub fn list_from_table(table: &Table, context: &ListContext<'_>) -> Result<ListFile, ListError> {
    let mut columns: HashMap<Column, usize> = HashMap::new();
    for (i, cell) in table.header.cells.iter().enumerate() {
        let key = header_key(&cell.text());
        if let Some(column) = Column::ALL.into_iter().find(|c| c.keys().contains(&key.as_str()))
            && columns.insert(column, i).is_some()
        {
            return Err(ListError::DuplicateColumn(column.label()));
        }
    }
    for required in [Column::FullName, Column::BirthDate, Column::Sex, Column::WardCode] {
        if !columns.contains_key(&required) {
            return Err(ListError::MissingColumn(required.label()));
        }
    }
    if !columns.contains_key(&Column::CitizenId) && !columns.contains_key(&Column::Phone) {
        return Err(ListError::MissingColumn(Column::CitizenId.label()));
    }
    let mut file = ListFile::default();
    for record in &table.rows {
        let (row, mut problems) = parse_record(record, &columns);
        if problems.iter().all(|p| p.field != ListField::Row) && !record.utf8 {
            problems.push(problem(row.line, ListField::Row, ListProblemKind::Invalid));
        }
        for found in check_row(&row, context) {
            // A field that did not read is already reported; don't add "missing" for it (nor for the citizen id
            // when the phone that could stand in for it did not read).
            let phone_unread = found.field == ListField::CitizenId && problems.iter().any(|p| p.field == ListField::Phone);
            if !problems.iter().any(|p| p.field == found.field) && !phone_unread {
                problems.push(found);
            }
        }
        file.problems.extend(problems);
        file.rows.push(row);
    }
    file.problems.extend(duplicates_in_file(&file.rows));
    sort_problems(&mut file.problems);
    Ok(file)
}

/// Turns one record's cells into a row; cells that do not read give an `invalid` problem and an empty field.
fn parse_record(record: &Record, columns: &HashMap<Column, usize>) -> (CommuneListRow, Vec<ListProblem>) {
    let line = record.line;
    let cell = |c: Column| record.cell(columns.get(&c).copied());
    let mut problems = Vec::new();
    let mut read = |field: ListField, cell: Cell, parse: &dyn Fn(&Cell) -> Result<Option<String>, ()>| match parse(&cell) {
        Ok(value) => value,
        Err(()) => {
            problems.push(problem(line, field, ListProblemKind::Invalid));
            None
        }
    };
    let full_name = read(ListField::FullName, cell(Column::FullName), &|c| Ok(text_of(c).map(|t| collapse(&t))));
    let citizen_id = read(ListField::CitizenId, cell(Column::CitizenId), &citizen_id_text);
    let phone = read(ListField::Phone, cell(Column::Phone), &|c| match phone_text(c) {
        None => Ok(None),
        Some(text) => normalize_phone(&text).map(Some).ok_or(()),
    });
    let province_code = read(ListField::ProvinceCode, cell(Column::ProvinceCode), &|c| Ok(code_text(c, 2)));
    let ward_code = read(ListField::WardCode, cell(Column::WardCode), &|c| Ok(code_text(c, 5)));
    let address = text_of(&cell(Column::Address)).map(|t| collapse(&t).chars().filter(|c| !c.is_control()).take(MAX_ADDRESS_CHARS).collect());
    let mut row = CommuneListRow {
        line,
        full_name,
        birth_date: None,
        birth_year_only: false,
        sex: None,
        citizen_id,
        phone,
        province_code,
        ward_code,
        address,
        priority_group: None,
    };
    let birth = cell(Column::BirthDate);
    if !birth.is_blank() {
        match parse_birth_date(&birth) {
            Some((date, year_only)) => {
                row.birth_date = Some(date);
                row.birth_year_only = year_only;
            }
            None => problems.push(problem(line, ListField::BirthDate, ListProblemKind::Invalid)),
        }
    }
    if let Some(text) = text_of(&cell(Column::Sex)) {
        match parse_sex(&text) {
            Some(sex) => row.sex = Some(sex),
            None => problems.push(problem(line, ListField::Sex, ListProblemKind::Invalid)),
        }
    }
    if let Some(text) = text_of(&cell(Column::PriorityGroup)) {
        match parse_priority_group(&text) {
            Some(group) => row.priority_group = Some(group),
            None => problems.push(problem(line, ListField::PriorityGroup, ListProblemKind::Invalid)),
        }
    }
    (row, problems)
}

/// Checks one normalised row against the template's rules (the officer's machine and the server both call it):
/// required fields, the citizen id's structure and its agreement with sex and birth date, the phone, the codes
/// and their agreement with the commune, the date range, the group range.
pub fn check_row(row: &CommuneListRow, context: &ListContext<'_>) -> Vec<ListProblem> {
    let line = row.line;
    let mut problems = Vec::new();
    let mut report = |field, kind| problems.push(problem(line, field, kind));
    match row.full_name.as_deref() {
        None => report(ListField::FullName, ListProblemKind::Missing),
        Some(name) => {
            if normalize_name(name).ok().as_deref() != Some(name) {
                report(ListField::FullName, ListProblemKind::Invalid);
            }
        }
    }
    // The birth year the citizen id must agree with, when the date itself is valid.
    let mut birth_year = None;
    match row.birth_date {
        None => report(ListField::BirthDate, ListProblemKind::Missing),
        Some(date) => {
            let year_only_shape = !row.birth_year_only || (date.month() == 1 && date.day() == 1);
            if date.year() < i32::from(MIN_BIRTH_YEAR) || date > context.today || !year_only_shape {
                report(ListField::BirthDate, ListProblemKind::Invalid);
            } else {
                birth_year = Some(date.year());
            }
        }
    }
    if row.sex.is_none() {
        report(ListField::Sex, ListProblemKind::Missing);
    }
    match row.citizen_id.as_deref() {
        None if row.phone.is_none() => report(ListField::CitizenId, ListProblemKind::Missing),
        None => {}
        Some(id) if !citizen_id_valid(id, row.sex, birth_year) => report(ListField::CitizenId, ListProblemKind::Invalid),
        Some(_) => {}
    }
    if let Some(phone) = row.phone.as_deref()
        && normalize_phone(phone).as_deref() != Some(phone)
    {
        report(ListField::Phone, ListProblemKind::Invalid);
    }
    if let Some(province) = row.province_code.as_deref()
        && (!is_known_province(province) || context.province_code.is_some_and(|p| p != province))
    {
        report(ListField::ProvinceCode, ListProblemKind::Invalid);
    }
    match row.ward_code.as_deref() {
        None => report(ListField::WardCode, ListProblemKind::Missing),
        Some(ward) => {
            if !is_ward_code(ward) || ward != context.ward_code {
                report(ListField::WardCode, ListProblemKind::Invalid);
            }
        }
    }
    if let Some(group) = row.priority_group
        && !(1..=MAX_PRIORITY_GROUP).contains(&group)
    {
        report(ListField::PriorityGroup, ListProblemKind::Invalid);
    }
    if row.address.as_deref().is_some_and(|a| a.chars().count() > MAX_ADDRESS_CHARS || a.chars().any(char::is_control)) {
        report(ListField::Row, ListProblemKind::Invalid);
    }
    problems
}

/// `duplicate_in_file` for every row whose citizen id appeared on an earlier row (rows without an id are not
/// compared: a shared family phone is common).
pub fn duplicates_in_file(rows: &[CommuneListRow]) -> Vec<ListProblem> {
    let mut seen: HashMap<&str, u32> = HashMap::new();
    let mut problems = Vec::new();
    for row in rows {
        let Some(id) = row.citizen_id.as_deref() else { continue };
        match seen.get(id) {
            Some(&first) => problems.push(ListProblem {
                line: row.line,
                field: ListField::CitizenId,
                kind: ListProblemKind::DuplicateInFile,
                other_line: Some(first),
                other_ward_code: None,
            }),
            None => {
                seen.insert(id, row.line);
            }
        }
    }
    problems
}

/// Orders problems by line, then field in template order, then kind.
pub fn sort_problems(problems: &mut [ListProblem]) {
    problems.sort_by_key(|p| (p.line, field_rank(p.field), kind_rank(p.kind)));
}

fn field_rank(field: ListField) -> u8 {
    match field {
        ListField::FullName => 0,
        ListField::BirthDate => 1,
        ListField::Sex => 2,
        ListField::CitizenId => 3,
        ListField::Phone => 4,
        ListField::ProvinceCode => 5,
        ListField::WardCode => 6,
        ListField::PriorityGroup => 7,
        ListField::Row => 8,
    }
}

fn kind_rank(kind: ListProblemKind) -> u8 {
    match kind {
        ListProblemKind::Missing => 0,
        ListProblemKind::Invalid => 1,
        ListProblemKind::DuplicateInFile => 2,
        ListProblemKind::DuplicateInOtherCommune => 3,
        ListProblemKind::PriorityNotRegistered => 4,
    }
}

/// A problem without a reference to another line or commune.
pub fn problem(line: u32, field: ListField, kind: ListProblemKind) -> ListProblem {
    ListProblem { line, field, kind, other_line: None, other_ward_code: None }
}

/// Whether a problem keeps its row out of the stored list.
pub fn blocks_storage(kind: ListProblemKind) -> bool {
    matches!(kind, ListProblemKind::Missing | ListProblemKind::Invalid | ListProblemKind::DuplicateInFile)
}

fn text_of(cell: &Cell) -> Option<String> {
    let text = cell.text();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn collapse(text: &str) -> String {
    text.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A code cell (province 2 digits, ward 5): a number cell lost its leading zeros, so they are put back.
fn code_text(cell: &Cell, width: usize) -> Option<String> {
    let text = text_of(cell)?;
    match cell {
        Cell::Number(_) if text.len() < width && text.bytes().all(|b| b.is_ascii_digit()) => Some(format!("{text:0>width$}")),
        _ => Some(text),
    }
}

/// The citizen id's digits (spaces, dots and dashes dropped); a CCCD typed as a number lost its leading 0.
fn citizen_id_text(cell: &Cell) -> Result<Option<String>, ()> {
    let Some(text) = text_of(cell) else { return Ok(None) };
    let mut digits: String = text.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}' | '\'')).collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.is_empty() {
        return Err(());
    }
    if matches!(cell, Cell::Number(_)) && digits.len() == 11 {
        digits.insert(0, '0');
    }
    Ok(Some(digits))
}

fn phone_text(cell: &Cell) -> Option<String> {
    let text = text_of(cell)?;
    // A spreadsheet that typed the phone as a number dropped its leading 0 (but not an 84 prefix).
    Some(if matches!(cell, Cell::Number(_)) && !text.starts_with("84") { format!("0{text}") } else { text })
}

/// Whether `id` is a 9-digit CMND, or a 12-digit CCCD whose first three digits are a province code, whose 4th
/// digit encodes the given sex and birth century, and whose 5th-6th digits the birth year's last two.
pub fn citizen_id_valid(id: &str, sex: Option<Sex>, birth_year: Option<i32>) -> bool {
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match id.len() {
        9 => true,
        12 => {
            let bytes = id.as_bytes();
            if bytes[0] != b'0' || !is_known_province(&id[1..3]) {
                return false;
            }
            let code = i32::from(bytes[3] - b'0');
            // 0/1: 1900s, 2/3: 2000s, 4/5: 2100s, 6/7: 2200s, 8/9: 1800s; even for men, odd for women.
            let century = if code >= 8 { 1800 } else { 1900 + (code / 2) * 100 };
            let sex_agrees = match sex {
                Some(Sex::Male) => code % 2 == 0,
                Some(Sex::Female) => code % 2 == 1,
                Some(Sex::Other) | None => true,
            };
            let year_agrees = birth_year.is_none_or(|year| {
                let two = i32::from(bytes[4] - b'0') * 10 + i32::from(bytes[5] - b'0');
                year == century + two
            });
            sex_agrees && year_agrees
        }
        _ => false,
    }
}

/// The 2018 renumbering of 11-digit mobiles: the old three digits after the 0 and the new two.
const OLD_MOBILE_PREFIXES: [(&str, &str); 21] = [
    ("162", "32"),
    ("163", "33"),
    ("164", "34"),
    ("165", "35"),
    ("166", "36"),
    ("167", "37"),
    ("168", "38"),
    ("169", "39"),
    ("120", "70"),
    ("121", "79"),
    ("122", "77"),
    ("126", "76"),
    ("128", "78"),
    ("123", "83"),
    ("124", "84"),
    ("125", "85"),
    ("127", "81"),
    ("129", "82"),
    ("186", "56"),
    ("188", "58"),
    ("199", "59"),
];

/// A Vietnamese phone as E.164 (`+84…`): `0xxxxxxxxx`, `84…`, `+84…`, `0084…`, with spaces, dots, dashes or
/// brackets; an old 11-digit `01xx` mobile becomes its 2018 10-digit number.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let kept: String = raw.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}')).collect();
    let national = if let Some(rest) = kept.strip_prefix("+84") {
        rest.strip_prefix('0').unwrap_or(rest)
    } else if let Some(rest) = kept.strip_prefix("0084") {
        rest
    } else if let Some(rest) = kept.strip_prefix('0') {
        rest
    } else if kept.len() >= 11 {
        kept.strip_prefix("84")?
    } else {
        return None;
    };
    if !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let national = match OLD_MOBILE_PREFIXES.iter().find(|(old, _)| national.len() == 10 && national.starts_with(old)) {
        Some((old, new)) => format!("{new}{}", &national[old.len()..]),
        None => national.to_owned(),
    };
    // Mobiles: 9 digits after the 0, starting 3, 5, 7, 8 or 9; landlines: 10 digits starting 2.
    let ok = match national.as_bytes().first() {
        Some(b'3' | b'5' | b'7' | b'8' | b'9') => national.len() == 9,
        Some(b'2') => national.len() == 10,
        _ => false,
    };
    ok.then(|| format!("+84{national}"))
}

/// Sex as lists write it.
pub fn parse_sex(text: &str) -> Option<Sex> {
    match header_key(text).as_str() {
        "nam" | "m" | "male" | "man" | "trai" => Some(Sex::Male),
        "nu" | "f" | "female" | "woman" | "gai" => Some(Sex::Female),
        "khac" | "other" | "o" | "x" => Some(Sex::Other),
        _ => None,
    }
}

/// A priority group: `3`, `Nhóm 3`, `nhom 3`, `group 3` (a spreadsheet's `3.0` too); 1 to [`MAX_PRIORITY_GROUP`].
pub fn parse_priority_group(text: &str) -> Option<u8> {
    small_number(text, &["nhom", "group"]).filter(|g| (1..=MAX_PRIORITY_GROUP).contains(g))
}

/// A small whole number, optionally after one of `prefixes` (compared without case or diacritics), written as
/// digits or as a spreadsheet's `3.0`; signs, fractions and anything else are refused.
pub fn small_number(text: &str, prefixes: &[&str]) -> Option<u8> {
    let folded = tabular::fold(text);
    let rest = folded.trim();
    let rest = prefixes.iter().find_map(|p| rest.strip_prefix(p)).unwrap_or(rest).trim();
    let rest = rest.strip_suffix(".0").unwrap_or(rest);
    if rest.is_empty() || rest.len() > 3 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

/// A birth date as a list writes it, and whether only the year was given (then 1 January). Range checks are
/// [`check_row`]'s.
pub fn parse_birth_date(cell: &Cell) -> Option<(NaiveDate, bool)> {
    match cell {
        Cell::Date(date) => Some((*date, false)),
        Cell::Number(n) if n.fract() == 0.0 && (1000.0..=9999.0).contains(n) && *n <= 2200.0 => {
            Some((NaiveDate::from_ymd_opt(*n as i32, 1, 1)?, true))
        }
        Cell::Number(n) => tabular::serial_date(*n).map(|d| (d, false)),
        Cell::Text(text) => parse_date_text(text),
    }
}

/// Parses the text forms of a date: `d/m/yyyy` with `/`, `-` or `.`, `yyyy-mm-dd`, `ngày d tháng m năm yyyy`,
/// or a year alone. A time after the date (`05/03/1960 00:00:00`) is ignored.
pub fn parse_date_text(text: &str) -> Option<(NaiveDate, bool)> {
    let text = text.trim();
    let folded = header_key(text);
    if folded.starts_with("ngay") || folded.contains("thang") {
        let numbers: Vec<&str> = text.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).collect();
        let [day, month, year] = numbers.as_slice() else { return None };
        if year.len() != 4 {
            return None;
        }
        return Some((NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)?, false));
    }
    let date_part = text.split_whitespace().next()?;
    if date_part.len() == 4 && date_part.bytes().all(|b| b.is_ascii_digit()) {
        return Some((NaiveDate::from_ymd_opt(date_part.parse().ok()?, 1, 1)?, true));
    }
    let date_part = date_part.split('T').next()?;
    let parts: Vec<&str> = date_part.split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else { return None };
    if !parts.iter().all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let (year, month, day) = if a.len() == 4 && b.len() <= 2 && c.len() <= 2 {
        (a, b, c)
    } else if c.len() == 4 && a.len() <= 2 && b.len() <= 2 {
        (c, b, a)
    } else {
        return None;
    };
    Some((NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)?, false))
}

/// The field's name in a report, Vietnamese then English.
pub fn field_label(field: ListField) -> (&'static str, &'static str) {
    match field {
        ListField::FullName => ("Họ và tên", "full name"),
        ListField::BirthDate => ("Ngày sinh", "birth date"),
        ListField::Sex => ("Giới tính", "sex"),
        ListField::CitizenId => ("Số CCCD/CMND", "citizen id"),
        ListField::Phone => ("Số điện thoại", "phone"),
        ListField::ProvinceCode => ("Mã tỉnh", "province code"),
        ListField::WardCode => ("Mã xã", "ward code"),
        ListField::PriorityGroup => ("Nhóm ưu tiên", "priority group"),
        ListField::Row => ("Dòng", "row"),
    }
}

/// A problem as a sentence, in Vietnamese (`vietnamese: true`) or English; it names the line and field, never
/// the cell's value.
pub fn describe(problem: &ListProblem, vietnamese: bool) -> String {
    let (vi, en) = field_label(problem.field);
    let other_line = problem.other_line.map(|l| l.to_string()).unwrap_or_default();
    let other_ward = problem.other_ward_code.clone().unwrap_or_default();
    if vietnamese {
        let reason = match problem.kind {
            ListProblemKind::Missing => format!("{vi}: còn trống"),
            ListProblemKind::Invalid => format!("{vi}: không hợp lệ"),
            ListProblemKind::DuplicateInFile => format!("{vi}: trùng với dòng {other_line}"),
            ListProblemKind::DuplicateInOtherCommune => format!("{vi}: đã có trong danh sách của xã {other_ward}"),
            ListProblemKind::PriorityNotRegistered => "thuộc nhóm ưu tiên nhưng chưa đăng ký tiêm".to_owned(),
        };
        format!("dòng {}: {reason}", problem.line)
    } else {
        let reason = match problem.kind {
            ListProblemKind::Missing => format!("{en} is missing"),
            ListProblemKind::Invalid => format!("{en} is not valid"),
            ListProblemKind::DuplicateInFile => format!("{en} repeats line {other_line}"),
            ListProblemKind::DuplicateInOtherCommune => format!("{en} is already on the list of ward {other_ward}"),
            ListProblemKind::PriorityNotRegistered => "in a priority group but not registered for vaccination".to_owned(),
        };
        format!("line {}: {reason}", problem.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn context() -> ListContext<'static> {
        ListContext { ward_code: "26734", province_code: Some("79"), today: date(2021, 9, 1) }
    }

    const HEADER: &str = "Họ và tên,Ngày sinh,Giới tính,Số CCCD/CMND,Số điện thoại,Mã tỉnh,Mã xã,Địa chỉ,Nhóm ưu tiên\n";

    fn read(rows: &str) -> ListFile {
        read_list(format!("{HEADER}{rows}").as_bytes(), &context()).unwrap()
    }

    fn kinds(file: &ListFile) -> Vec<(u32, ListField, ListProblemKind)> {
        file.problems.iter().map(|p| (p.line, p.field, p.kind)).collect()
    }

    #[test]
    fn a_good_row_reads_into_the_contract_row() {
        let file = read("  Nguyễn  Văn An ,05/03/1960,Nam,079060001234,0912 345 678,79,26734,12 Lê Lợi,Nhóm 3\n");
        assert_eq!(file.problems, vec![]);
        assert_eq!(
            file.rows,
            vec![CommuneListRow {
                line: 2,
                full_name: Some("Nguyễn Văn An".into()),
                birth_date: Some(date(1960, 3, 5)),
                birth_year_only: false,
                sex: Some(Sex::Male),
                citizen_id: Some("079060001234".into()),
                phone: Some("+84912345678".into()),
                province_code: Some("79".into()),
                ward_code: Some("26734".into()),
                address: Some("12 Lê Lợi".into()),
                priority_group: Some(3),
            }]
        );
        assert_eq!(file.clean_rows().len(), 1);
    }

    #[test]
    fn names_are_nfc_with_spaces_collapsed_and_capitals_kept() {
        // "Lê" written with a combining circumflex (NFD) becomes the composed form.
        let file = read("le\u{302}  THỊ   bình,1960,Nữ,,0912345678,79,26734,,\n");
        assert_eq!(file.rows[0].full_name.as_deref(), Some("lê THỊ bình"));
        assert_eq!(file.problems, vec![]);
        let file = read("Nguyễn 2,1960,Nữ,,0912345678,79,26734,,\n");
        assert_eq!(kinds(&file), vec![(2, ListField::FullName, ListProblemKind::Invalid)]);
    }

    #[test]
    fn dates_read_in_every_common_form() {
        for text in ["05/03/1960", "5/3/1960", "05-03-1960", "05.03.1960", "1960-03-05", "ngày 5 tháng 3 năm 1960", "Ngay 05 thang 03 nam 1960", "05/03/1960 00:00:00"] {
            assert_eq!(parse_date_text(text), Some((date(1960, 3, 5), false)), "{text}");
        }
        assert_eq!(parse_date_text("1960"), Some((date(1960, 1, 1), true)));
        assert_eq!(parse_birth_date(&Cell::Number(1960.0)), Some((date(1960, 1, 1), true)));
        assert_eq!(parse_birth_date(&Cell::Number(22_345.0)), Some((date(1961, 3, 5), false)));
        assert_eq!(parse_birth_date(&Cell::Date(date(1961, 3, 5))), Some((date(1961, 3, 5), false)));
        for bad in ["31/02/1960", "5/3/60", "1960/3", "tomorrow", "ngày 5 tháng 3", "13/13/1960"] {
            assert_eq!(parse_date_text(bad), None, "{bad}");
        }
    }

    #[test]
    fn birth_dates_in_the_future_or_before_1900_are_invalid() {
        let file = read("An,02/09/2021,Nam,,0912345678,79,26734,,\nBình,31/12/1899,Nữ,,0912345679,79,26734,,\nChi,01/09/2021,Nữ,,0912345670,79,26734,,\n");
        assert_eq!(
            kinds(&file),
            vec![(2, ListField::BirthDate, ListProblemKind::Invalid), (3, ListField::BirthDate, ListProblemKind::Invalid)]
        );
        let file = read("An,1960,Nam,,0912345678,79,26734,,\n");
        assert!(file.rows[0].birth_year_only);
        // A citizen id is not held against a birth date that is itself wrong: one problem, not two.
        let file = read("An,05/03/2060,Nam,079060001234,,79,26734,,\n");
        assert_eq!(kinds(&file), vec![(2, ListField::BirthDate, ListProblemKind::Invalid)]);
    }

    #[test]
    fn sex_reads_in_vietnamese_and_english() {
        for (text, sex) in [("Nam", Sex::Male), ("NỮ", Sex::Female), ("nu", Sex::Female), ("Khác", Sex::Other), ("M", Sex::Male), ("F", Sex::Female), ("female", Sex::Female), ("male", Sex::Male)] {
            assert_eq!(parse_sex(text), Some(sex), "{text}");
        }
        assert_eq!(parse_sex("?"), None);
        let file = read("An,1960,?,,0912345678,79,26734,,\nBình,1960,,,0912345679,79,26734,,\n");
        assert_eq!(kinds(&file), vec![(2, ListField::Sex, ListProblemKind::Invalid), (3, ListField::Sex, ListProblemKind::Missing)]);
    }

    #[test]
    fn phones_become_e164_and_old_mobiles_get_their_new_numbers() {
        assert_eq!(normalize_phone("0912 345 678").as_deref(), Some("+84912345678"));
        assert_eq!(normalize_phone("0912.345.678").as_deref(), Some("+84912345678"));
        assert_eq!(normalize_phone("84912345678").as_deref(), Some("+84912345678"));
        assert_eq!(normalize_phone("+84 912 345 678").as_deref(), Some("+84912345678"));
        assert_eq!(normalize_phone("01662345678").as_deref(), Some("+84362345678"));
        assert_eq!(normalize_phone("+841232345678").as_deref(), Some("+84832345678"));
        assert_eq!(normalize_phone("0283 829 1234").as_deref(), Some("+842838291234"));
        for bad in ["12345", "0112345678", "+1 555 123 4567", "09123456789", "091234567x", ""] {
            assert_eq!(normalize_phone(bad), None, "{bad}");
        }
        let file = read("An,1960,Nam,,12345,79,26734,,\n");
        assert_eq!(kinds(&file), vec![(2, ListField::Phone, ListProblemKind::Invalid)]);
    }

    #[test]
    fn citizen_ids_agree_with_province_sex_century_and_year() {
        assert!(citizen_id_valid("079060001234", Some(Sex::Male), Some(1960)));
        assert!(citizen_id_valid("079160001234", Some(Sex::Female), Some(1960)));
        assert!(citizen_id_valid("079205001234", Some(Sex::Male), Some(2005)));
        assert!(citizen_id_valid("123456789", Some(Sex::Male), Some(1960)));
        assert!(!citizen_id_valid("079160001234", Some(Sex::Male), Some(1960)), "4th digit says female");
        assert!(!citizen_id_valid("079060001234", Some(Sex::Male), Some(2060)), "century");
        assert!(!citizen_id_valid("079061001234", Some(Sex::Male), Some(1960)), "year");
        assert!(!citizen_id_valid("003060001234", Some(Sex::Male), Some(1960)), "03 is no province");
        assert!(!citizen_id_valid("12345678", None, None));
        let file = read("An,1960,Nam,079 060 001 234,,79,26734,,\nBình,1960,Nữ,0790600012,,79,26734,,\nChi,1960,Nữ,12ab,,79,26734,,\nDũng,1960,Nam,,,79,26734,,\n");
        assert_eq!(file.rows[0].citizen_id.as_deref(), Some("079060001234"));
        assert_eq!(
            kinds(&file),
            vec![
                (3, ListField::CitizenId, ListProblemKind::Invalid),
                (4, ListField::CitizenId, ListProblemKind::Invalid),
                (5, ListField::CitizenId, ListProblemKind::Missing),
            ]
        );
    }

    #[test]
    fn codes_must_exist_and_agree_with_the_commune() {
        let file = read("An,1960,Nam,,0912345678,03,26734,,\nBình,1960,Nữ,,0912345679,01,26734,,\nChi,1960,Nữ,,0912345670,79,26735,,\nDũng,1960,Nam,,0912345671,79,,,\nEm,1960,Nam,,0912345672,79,2673,,\n");
        assert_eq!(
            kinds(&file),
            vec![
                (2, ListField::ProvinceCode, ListProblemKind::Invalid),
                (3, ListField::ProvinceCode, ListProblemKind::Invalid),
                (4, ListField::WardCode, ListProblemKind::Invalid),
                (5, ListField::WardCode, ListProblemKind::Missing),
                (6, ListField::WardCode, ListProblemKind::Invalid),
            ]
        );
    }

    #[test]
    fn priority_groups_read_as_numbers_or_nhom() {
        assert_eq!(parse_priority_group("3"), Some(3));
        assert_eq!(parse_priority_group("Nhóm 3"), Some(3));
        assert_eq!(parse_priority_group("nhom 12"), Some(12));
        assert_eq!(parse_priority_group("3.0"), Some(3));
        assert_eq!(parse_priority_group("0"), None);
        assert_eq!(parse_priority_group("17"), None);
        assert_eq!(parse_priority_group("Nhóm"), None);
        assert_eq!(parse_priority_group("Nhóm -1"), None);
        assert_eq!(parse_priority_group("3.5"), None);
        let file = read("An,1960,Nam,,0912345678,79,26734,,Nhóm 99\n");
        assert_eq!(kinds(&file), vec![(2, ListField::PriorityGroup, ListProblemKind::Invalid)]);
    }

    #[test]
    fn duplicates_in_the_file_point_at_the_first_line() {
        let file = read("An,1960,Nam,079060001234,,79,26734,,\nAn,1960,Nam,079060001234,,79,26734,,\n");
        assert_eq!(file.problems.len(), 1);
        assert_eq!(file.problems[0].kind, ListProblemKind::DuplicateInFile);
        assert_eq!((file.problems[0].line, file.problems[0].other_line), (3, Some(2)));
        assert_eq!(file.clean_rows().len(), 1);
    }

    #[test]
    fn semicolons_bom_english_headers_and_header_order_are_accepted() {
        let csv = "\u{feff}ward_code;Phone;FULL_NAME;sex;birth_date\n26734;0912345678;An;F;1960\n";
        let file = read_list(csv.as_bytes(), &context()).unwrap();
        assert_eq!(file.problems, vec![]);
        assert_eq!(file.rows[0].sex, Some(Sex::Female));
    }

    #[test]
    fn a_header_without_required_columns_is_refused() {
        let err = read_list(b"full_name,birth_date,sex\nAn,1960,Nam\n", &context()).unwrap_err();
        assert_eq!(err, ListError::MissingColumn("ward_code (Mã xã)"));
        let err = read_list(b"full_name,birth_date,sex,ward_code\nAn,1960,Nam,26734\n", &context()).unwrap_err();
        assert_eq!(err, ListError::MissingColumn("citizen_id (Số CCCD/CMND)"));
        let err = read_list(b"full_name,name,birth_date,sex,ward_code,phone\n", &context()).unwrap_err();
        assert_eq!(err, ListError::DuplicateColumn("full_name (Họ và tên)"));
    }

    #[test]
    fn xlsx_number_and_date_cells_read_like_text() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (i, h) in ["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD/CMND", "Số điện thoại", "Mã tỉnh", "Mã xã", "Nhóm ưu tiên"].iter().enumerate() {
            sheet.write_string(0, i as u16, *h).unwrap();
        }
        sheet.write_string(1, 0, "Trần Thị Bình").unwrap();
        let born = rust_xlsxwriter::ExcelDateTime::from_ymd(1960, 3, 5).unwrap();
        sheet.write_datetime_with_format(1, 1, &born, &rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy")).unwrap();
        sheet.write_string(1, 2, "Nữ").unwrap();
        sheet.write_number(1, 3, 79_160_001_234.0).unwrap();
        sheet.write_number(1, 4, 912_345_678.0).unwrap();
        sheet.write_number(1, 5, 79.0).unwrap();
        sheet.write_number(1, 6, 26_734.0).unwrap();
        sheet.write_number(1, 7, 2.0).unwrap();
        let file = read_list(&book.save_to_buffer().unwrap(), &context()).unwrap();
        assert_eq!(file.problems, vec![]);
        let row = &file.rows[0];
        assert_eq!(row.birth_date, Some(date(1960, 3, 5)));
        assert_eq!(row.citizen_id.as_deref(), Some("079160001234"));
        assert_eq!(row.phone.as_deref(), Some("+84912345678"));
        assert_eq!(row.priority_group, Some(2));
    }

    #[test]
    fn check_row_catches_what_a_hand_made_upload_gets_wrong() {
        let row = CommuneListRow {
            line: 7,
            full_name: Some("  An".into()),
            birth_date: Some(date(1960, 3, 5)),
            birth_year_only: true,
            sex: Some(Sex::Male),
            citizen_id: Some("079160001234".into()),
            phone: Some("0912345678".into()),
            province_code: Some("79".into()),
            ward_code: Some("26734".into()),
            address: None,
            priority_group: Some(0),
        };
        let found: Vec<ListField> = check_row(&row, &context()).iter().map(|p| p.field).collect();
        assert_eq!(
            found,
            vec![ListField::FullName, ListField::BirthDate, ListField::CitizenId, ListField::Phone, ListField::PriorityGroup]
        );
    }

    #[test]
    fn reports_merge_and_describe_without_values() {
        let file = read("An,1960,Nam,079060001234,,79,26734,,\nAn,1960,Nam,079060001234,,79,26734,,\n");
        let server = CommuneListReport {
            ward_code: "26734".into(),
            rows: 1,
            valid_rows: 1,
            problems: vec![problem(2, ListField::Row, ListProblemKind::PriorityNotRegistered)],
            stored: false,
            changed: 0,
        };
        let merged = file.merge_report(server);
        assert_eq!(merged.rows, 2);
        assert_eq!(merged.problems.len(), 2);
        assert_eq!(merged.problems[0].line, 2);
        let text = describe(&merged.problems[1], false);
        assert_eq!(text, "line 3: citizen id repeats line 2");
        assert_eq!(describe(&merged.problems[1], true), "dòng 3: Số CCCD/CMND: trùng với dòng 2");
        assert!(!text.contains("079060001234"));
    }
}
