//! Staff rosters: CSV or XLSX with a header row, read into [`StaffMember`]s. Every row is validated and every bad
//! row is reported with its line (the spreadsheet's row number, the header being 1) and a reason; nothing is
//! dropped silently. Reasons name the column at fault, never its value (no phone or citizen id in a report).

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use healthbook_protocol::agencies::{StaffList, StaffMember};
use unicode_normalization::UnicodeNormalization;

use super::error::AgencyError;
use crate::profiles::validate::normalize_citizen_id;

/// Most data rows in one roster file: a bound on work and memory for a file from outside.
pub const MAX_ROWS: usize = 50_000;
/// Largest roster file read, in bytes.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// The columns a roster may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// Full name (required).
    Name,
    /// Staff number (required).
    StaffNumber,
    /// Department.
    Department,
    /// Phone.
    Phone,
    /// Citizen id (CCCD or CMND).
    CitizenId,
    /// Birth year.
    BirthYear,
    /// Photo: a JPEG file path relative to the roster.
    Photo,
}

impl Column {
    /// The column's English name, as reports show it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::StaffNumber => "staff number",
            Self::Department => "department",
            Self::Phone => "phone",
            Self::CitizenId => "citizen id",
            Self::BirthYear => "birth year",
            Self::Photo => "photo",
        }
    }

    /// Recognises a header cell, English or Vietnamese, ignoring case, spaces, `_` and `-`.
    pub fn from_header(cell: &str) -> Option<Self> {
        let key: String = cell.nfc().collect::<String>().to_lowercase().chars().filter(|c| !matches!(c, ' ' | '_' | '-' | '.')).collect();
        Some(match key.as_str() {
            "name" | "fullname" | "họvàtên" | "họtên" | "tên" | "hovaten" | "hoten" => Self::Name,
            "staffnumber" | "staffno" | "staffid" | "employeeid" | "mãnhânviên" | "mãnv" | "mãsố" | "manhanvien" | "manv" => {
                Self::StaffNumber
            }
            "department" | "phòngban" | "bộphận" | "đơnvị" | "phongban" => Self::Department,
            "phone" | "phonenumber" | "mobile" | "sốđiệnthoại" | "điệnthoại" | "sđt" | "sodienthoai" | "sdt" => Self::Phone,
            "citizenid" | "cccd" | "cmnd" | "cccd/cmnd" | "sốcccd" | "căncướccôngdân" | "idnumber" => Self::CitizenId,
            "birthyear" | "yearofbirth" | "nămsinh" | "namsinh" => Self::BirthYear,
            "photo" | "picture" | "ảnh" | "hìnhảnh" | "ảnhthẻ" | "anh" => Self::Photo,
            _ => return None,
        })
    }
}

/// How rows are checked.
#[derive(Debug, Clone)]
pub struct RosterOptions {
    /// The current year (birth years after it are refused).
    pub this_year: i32,
    /// The roster's folder: photo paths are relative to it, and each photo must exist and be a JPEG. `None`
    /// skips the photo file checks (e.g. a roster received as bytes).
    pub base_dir: Option<PathBuf>,
}

/// A valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// The row's number in the file (header = 1).
    pub line: usize,
    /// The staff member as the wire contract carries them.
    pub member: StaffMember,
    /// The photo file, resolved against the roster's folder.
    pub photo: Option<PathBuf>,
}

/// A bad row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The row's number in the file (header = 1).
    pub line: usize,
    /// Every reason, joined with "; " (no personal data).
    pub reason: String,
}

/// A roster read and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    /// The valid rows, in file order.
    pub rows: Vec<RosterRow>,
    /// The bad rows, in file order.
    pub problems: Vec<RowProblem>,
}

impl Roster {
    /// Reads a CSV roster (UTF-8, optional BOM; comma, semicolon or tab separated, guessed from the header).
    pub fn from_csv(bytes: &[u8], options: &RosterOptions) -> Result<Self, AgencyError> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(AgencyError::Roster("the file is too large".into()));
        }
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
        let delimiter = [b',', b';', b'\t'].into_iter().max_by_key(|d| first_line.iter().filter(|b| *b == d).count()).unwrap_or(b',');
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(bytes);
        let mut records = Vec::new();
        // Lines counted so far: (byte offset, line there); records come in order, so counting is linear.
        let mut counted = (0usize, 1usize);
        for record in reader.byte_records() {
            let line = records.len() + 2;
            match record {
                Ok(record) => {
                    let line = record.position().map_or(line, |p| line_at(bytes, &mut counted, p.byte() as usize));
                    let cells: Vec<Cell> = record.iter().map(|c| Cell::Text(String::from_utf8_lossy(c).into_owned())).collect();
                    let utf8 = record.iter().all(|c| std::str::from_utf8(c).is_ok());
                    records.push((line, cells, utf8));
                }
                Err(e) => {
                    let line = e.position().map_or(line, |p| p.line() as usize);
                    return Err(AgencyError::Roster(format!("line {line}: the CSV does not read ({})", csv_error_kind(&e))));
                }
            }
            if records.len() > MAX_ROWS + 1 {
                return Err(AgencyError::Roster(format!("more than {MAX_ROWS} rows")));
            }
        }
        Self::from_records(records, options)
    }

    /// Reads the first sheet of an XLSX roster.
    pub fn from_xlsx(bytes: &[u8], options: &RosterOptions) -> Result<Self, AgencyError> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(AgencyError::Roster("the file is too large".into()));
        }
        let unreadable = |_| AgencyError::Roster("the XLSX file does not read".into());
        let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
        let range = workbook.worksheet_range_at(0).ok_or_else(|| AgencyError::Roster("the XLSX file has no sheet".into()))?.map_err(unreadable)?;
        let first_row = range.start().map_or(0, |(row, _)| row as usize);
        let first_col = range.start().map_or(0, |(_, col)| col as usize);
        if range.height() > MAX_ROWS + 1 {
            return Err(AgencyError::Roster(format!("more than {MAX_ROWS} rows")));
        }
        let mut records = Vec::with_capacity(range.height());
        for (i, row) in range.rows().enumerate() {
            // Columns left of the used range are empty: keep header positions absolute.
            let mut cells = vec![Cell::Text(String::new()); first_col];
            cells.extend(row.iter().map(|c| match c {
                Data::Empty => Cell::Text(String::new()),
                Data::String(s) => Cell::Text(s.clone()),
                Data::Float(f) => Cell::Number(*f),
                Data::Int(n) => Cell::Number(*n as f64),
                Data::Bool(b) => Cell::Text(b.to_string()),
                other => Cell::Text(other.to_string()),
            }));
            records.push((first_row + i + 1, cells, true));
        }
        Self::from_records(records, options)
    }

    /// Reads a roster file, CSV or XLSX by its extension (or, failing that, by its content).
    pub fn from_file(path: &Path, this_year: i32) -> Result<Self, AgencyError> {
        let bytes = std::fs::read(path).map_err(|e| AgencyError::Roster(format!("the file does not open ({})", e.kind())))?;
        let options = RosterOptions { this_year, base_dir: path.parent().map(Path::to_path_buf) };
        let xlsx = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) || bytes.starts_with(b"PK\x03\x04");
        if xlsx { Self::from_xlsx(&bytes, &options) } else { Self::from_csv(&bytes, &options) }
    }

    fn from_records(records: Vec<(usize, Vec<Cell>, bool)>, options: &RosterOptions) -> Result<Self, AgencyError> {
        let mut records = records.into_iter().filter(|(_, cells, _)| !cells.iter().all(Cell::is_blank));
        let (header_line, header, _) = records.next().ok_or_else(|| AgencyError::Roster("the file has no header row".into()))?;
        let mut columns: HashMap<Column, usize> = HashMap::new();
        for (i, cell) in header.iter().enumerate() {
            if let Some(column) = Column::from_header(&cell.text())
                && columns.insert(column, i).is_some()
            {
                return Err(AgencyError::Roster(format!("line {header_line}: the {} column appears twice", column.label())));
            }
        }
        for required in [Column::Name, Column::StaffNumber] {
            if !columns.contains_key(&required) {
                return Err(AgencyError::Roster(format!("line {header_line}: the header has no {} column", required.label())));
            }
        }
        let mut roster = Roster::default();
        let mut seen_staff: HashMap<String, usize> = HashMap::new();
        let mut seen_citizen: HashMap<String, usize> = HashMap::new();
        let mut seen_phone: HashMap<String, usize> = HashMap::new();
        for (line, cells, utf8) in records {
            let cell = |c: Column| columns.get(&c).and_then(|&i| cells.get(i)).cloned().unwrap_or(Cell::Text(String::new()));
            let mut reasons = Vec::new();
            if !utf8 {
                reasons.push("the row is not valid UTF-8 (save the CSV as UTF-8)".to_owned());
            }
            let name = check(&mut reasons, validate_name(&cell(Column::Name).text()));
            let staff_number = check(&mut reasons, validate_staff_number(&cell(Column::StaffNumber).text()));
            let department = check(&mut reasons, validate_department(&cell(Column::Department).text()));
            let phone = check(&mut reasons, validate_phone(&cell(Column::Phone)));
            let birth_year = check(&mut reasons, validate_birth_year(&cell(Column::BirthYear), options.this_year));
            let citizen_id = check(&mut reasons, validate_citizen_id(&cell(Column::CitizenId), birth_year.flatten()));
            let photo = check(&mut reasons, validate_photo(&cell(Column::Photo).text(), options.base_dir.as_deref()));
            if let Some(number) = &staff_number {
                duplicate(&mut reasons, &mut seen_staff, number.to_lowercase(), line, "staff number");
            }
            if let Some(Some(id)) = &citizen_id {
                duplicate(&mut reasons, &mut seen_citizen, id.clone(), line, "citizen id");
            }
            if let Some(Some(phone)) = &phone {
                duplicate(&mut reasons, &mut seen_phone, phone.clone(), line, "phone");
            }
            match (name, staff_number, department, phone, citizen_id, birth_year, photo) {
                (Some(full_name), Some(staff_number), Some(department), Some(phone), Some(citizen_id), Some(birth_year), Some(photo))
                    if reasons.is_empty() =>
                {
                    roster.rows.push(RosterRow {
                        line,
                        member: StaffMember { staff_number, full_name, department, phone, citizen_id, birth_year },
                        photo,
                    });
                }
                _ => roster.problems.push(RowProblem { line, reason: reasons.join("; ") }),
            }
        }
        Ok(roster)
    }

    /// Splits the valid rows by whether their staff number is already registered with the agency (`GET
    /// /v1/agencies/{id}/staff`): those rows update the record rather than add one.
    pub fn already_registered(&self, staff: &StaffList) -> Vec<&RosterRow> {
        let known: std::collections::HashSet<String> = staff.staff.iter().map(|s| s.staff_number.to_lowercase()).collect();
        self.rows.iter().filter(|r| known.contains(&r.member.staff_number.to_lowercase())).collect()
    }

    /// The accepted rows as the import request carries them.
    pub fn members(&self) -> Vec<StaffMember> {
        self.rows.iter().map(|r| r.member.clone()).collect()
    }
}

/// One cell: text, or a number as a spreadsheet typed it (which loses leading zeros of phones and ids).
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Number(f64),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Self::Number(n) => n.to_string(),
        }
    }

    fn is_blank(&self) -> bool {
        matches!(self, Self::Text(t) if t.trim().is_empty())
    }
}

/// The line a record starts on: the reader reports where it began looking, which may be a blank line it
/// skipped, so count up to the first character past any line breaks.
fn line_at(bytes: &[u8], counted: &mut (usize, usize), offset: usize) -> usize {
    let mut start = offset.min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    let (from, line) = *counted;
    let from = from.min(start);
    // A line ends at "\n", "\r\n" or a lone "\r" (old spreadsheets), as the CSV reader ends records.
    let breaks = (from..start).filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))).count();
    let line = line + breaks;
    *counted = (start, line);
    line
}

fn csv_error_kind(e: &csv::Error) -> &'static str {
    match e.kind() {
        csv::ErrorKind::Io(_) => "read error",
        csv::ErrorKind::Utf8 { .. } => "not UTF-8",
        _ => "malformed",
    }
}

fn check<T>(reasons: &mut Vec<String>, result: Result<T, String>) -> Option<T> {
    result.map_err(|reason| reasons.push(reason)).ok()
}

fn duplicate(reasons: &mut Vec<String>, seen: &mut HashMap<String, usize>, key: String, line: usize, what: &str) {
    match seen.get(&key) {
        Some(first) => reasons.push(format!("same {what} as line {first}")),
        None => {
            seen.insert(key, line);
        }
    }
}

/// A full name: NFC, spaces collapsed, 1-200 characters, letters, spaces and `'.-` only.
pub fn validate_name(raw: &str) -> Result<String, String> {
    let name = raw.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
    let len = name.chars().count();
    if len == 0 {
        return Err("name is empty".into());
    }
    if len > 200 {
        return Err("name is longer than 200 characters".into());
    }
    if !name.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '\'' | '.' | '-')) {
        return Err("name may hold only letters, spaces and ' . -".into());
    }
    if !name.chars().any(char::is_alphabetic) {
        return Err("name has no letter".into());
    }
    Ok(name)
}

/// A staff number: 1-40 of `A-Z a-z 0-9 . _ -`.
pub fn validate_staff_number(raw: &str) -> Result<String, String> {
    let number = raw.trim();
    if number.is_empty() {
        return Err("staff number is empty".into());
    }
    if number.len() > 40 || !number.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err("staff number must be 1-40 of A-Z, a-z, 0-9, '.', '_', '-'".into());
    }
    Ok(number.to_owned())
}

fn validate_department(raw: &str) -> Result<String, String> {
    let department = raw.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
    if department.chars().count() > 200 {
        return Err("department is longer than 200 characters".into());
    }
    if department.chars().any(char::is_control) {
        return Err("department has control characters".into());
    }
    Ok(department)
}

/// A Vietnamese phone (`0xxxxxxxxx`, `+84…`, `84…`, with spaces, dots, dashes or brackets) as E.164.
pub fn normalise_phone(raw: &str) -> Option<String> {
    let kept: String = raw.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}')).collect();
    let national = if let Some(rest) = kept.strip_prefix("+84") {
        rest.strip_prefix('0').unwrap_or(rest)
    } else if let Some(rest) = kept.strip_prefix("0084") {
        rest
    } else if let Some(rest) = kept.strip_prefix('0') {
        rest
    } else if kept.len() == 11 {
        kept.strip_prefix("84")?
    } else {
        return None;
    };
    if !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Mobiles: 9 digits after the 0, starting 3, 5, 7, 8 or 9; landlines: 10 digits starting 2.
    let ok = match national.as_bytes().first() {
        Some(b'3' | b'5' | b'7' | b'8' | b'9') => national.len() == 9,
        Some(b'2') => national.len() == 10,
        _ => false,
    };
    ok.then(|| format!("+84{national}"))
}

fn validate_phone(cell: &Cell) -> Result<Option<String>, String> {
    let text = match cell {
        // A spreadsheet that typed the phone as a number dropped its leading 0.
        Cell::Number(_) => format!("0{}", cell.text()),
        Cell::Text(t) => t.clone(),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    normalise_phone(&text).map(Some).ok_or_else(|| "phone is not a Vietnamese number (0xxxxxxxxx or +84xxxxxxxxx)".into())
}

/// A citizen id: a 12-digit CCCD (a province code 001-096, and the birth year it encodes equal to `birth_year`
/// when the row gives one) or a 9-digit CMND; spaces, dots and dashes are dropped. The rule itself is the
/// profiles' ([`normalize_citizen_id`]), which the server applies to every imported row too.
pub fn normalise_citizen_id(raw: &str, birth_year: Option<u16>) -> Option<String> {
    let id: String = raw.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
    // Without a birth year on the row, the year the CCCD encodes is taken as given, so the rest is still checked.
    let year = birth_year.or_else(|| encoded_birth_year(&id)).unwrap_or(0);
    normalize_citizen_id(&id, year).ok()
}

/// The birth year a 12-digit CCCD encodes (digit 4: century and sex, digits 5-6: the year's last two).
fn encoded_birth_year(id: &str) -> Option<u16> {
    let bytes = id.as_bytes();
    if bytes.len() != 12 || !bytes[3].is_ascii_digit() {
        return None;
    }
    Some(1900 + u16::from((bytes[3] - b'0') / 2) * 100 + id.get(4..6)?.parse::<u16>().ok()?)
}

fn validate_citizen_id(cell: &Cell, birth_year: Option<u16>) -> Result<Option<String>, String> {
    let mut text = cell.text();
    // A CCCD typed as a number lost its leading zero (province codes 001-096 all start with 0).
    if matches!(cell, Cell::Number(_)) && text.len() == 11 {
        text.insert(0, '0');
    }
    if text.trim().is_empty() {
        return Ok(None);
    }
    normalise_citizen_id(&text, birth_year).map(Some).ok_or_else(|| {
        "citizen id must be a 12-digit CCCD (a province code 001-096, and the birth year of the row) or a 9-digit CMND".into()
    })
}

fn validate_birth_year(cell: &Cell, this_year: i32) -> Result<Option<u16>, String> {
    let text = cell.text();
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i32>() {
        Ok(year) if (1900..=this_year).contains(&year) => Ok(u16::try_from(year).ok()),
        _ => Err(format!("birth year must be a year from 1900 to {this_year}")),
    }
}

fn validate_photo(raw: &str, base_dir: Option<&Path>) -> Result<Option<PathBuf>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let path = Path::new(raw);
    // Relative and downward only: a roster must not make the CLI read files elsewhere on the machine.
    if path.is_absolute() || path.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
        return Err("photo must be a path inside the roster's folder".into());
    }
    let Some(base) = base_dir else { return Ok(Some(path.to_path_buf())) };
    let full = base.join(path);
    let mut head = [0u8; 3];
    let is_jpeg = std::fs::File::open(&full).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head)).is_ok() && head == [0xff, 0xd8, 0xff];
    if !is_jpeg {
        return Err("photo is missing or not a JPEG file".into());
    }
    Ok(Some(full))
}
