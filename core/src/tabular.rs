//! Spreadsheets from outside (CSV or XLSX) read into numbered rows of cells, for the readers of specific
//! templates (the communes' vaccination lists, reconciliation exports, and later the agency rosters).
//!
//! The reader knows nothing of columns' meaning: it finds the header row, keeps each row's line number as the
//! person who made the file sees it (the header being line 1 when it is the first row), and bounds the work an
//! outside file can cause. Errors name lines and never repeat cell contents.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

/// Largest file read, in bytes.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// Why a file does not read as a table at all (row problems are the template reader's to report).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TabularError {
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("the file is larger than {MAX_FILE_BYTES} bytes")]
    TooLarge,
    /// More data rows than the caller allows.
    #[error("the file has more than {0} rows")]
    TooManyRows(usize),
    /// The CSV is malformed at a line.
    #[error("line {line}: the CSV does not read ({reason})")]
    Csv {
        /// Line where reading stopped.
        line: u32,
        /// What kind of fault.
        reason: &'static str,
    },
    /// The XLSX container or its first sheet does not read.
    #[error("the XLSX file does not read")]
    Xlsx,
    /// No row has any content.
    #[error("the file has no header row")]
    NoHeader,
}

/// One cell: text, a number as a spreadsheet typed it (which loses leading zeros), or a date cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text as written.
    Text(String),
    /// A number cell.
    Number(f64),
    /// A date cell (its serial number turned into a date).
    Date(NaiveDate),
}

impl Cell {
    /// The cell as text (whole numbers without a fraction, dates as ISO).
    pub fn text(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Self::Number(n) => n.to_string(),
            Self::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }

    /// Whether the cell holds nothing but spaces.
    pub fn is_blank(&self) -> bool {
        matches!(self, Self::Text(t) if t.trim().is_empty())
    }
}

/// One row of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Line (CSV) or row number (XLSX), 1-based.
    pub line: u32,
    /// Cells, left to right (XLSX columns left of the used range are empty cells).
    pub cells: Vec<Cell>,
    /// Whether every CSV cell was valid UTF-8 (invalid bytes were replaced).
    pub utf8: bool,
}

impl Record {
    /// The cell at `index`, or an empty one.
    pub fn cell(&self, index: Option<usize>) -> Cell {
        index.and_then(|i| self.cells.get(i)).cloned().unwrap_or(Cell::Text(String::new()))
    }
}

/// A table: the header row and the data rows after it (blank rows dropped).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The header.
    pub header: Record,
    /// Data rows in file order.
    pub rows: Vec<Record>,
}

impl Table {
    /// The index of the first header cell whose [`header_key`] is one of `keys`.
    pub fn column(&self, keys: &[&str]) -> Option<usize> {
        self.header.cells.iter().position(|c| keys.contains(&header_key(&c.text()).as_str()))
    }
}

/// A header cell reduced for matching: NFD with combining marks dropped, `đ` as `d`, lower case, and no spaces,
/// `_`, `-`, `.` or `/`. "Số CCCD/CMND" and "so_cccd_cmnd" both give `socccdcmnd`.
pub fn header_key(cell: &str) -> String {
    fold(cell).chars().filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.' | '/' | '\u{feff}')).collect()
}

/// Text without diacritics (NFD with combining marks dropped, `đ` as `d`), in lower case; everything else kept.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads a CSV (UTF-8, optional BOM; comma, semicolon or tab separated, guessed from the first line) with at
/// most `max_rows` data rows.
pub fn read_csv(bytes: &[u8], max_rows: usize) -> Result<Table, TabularError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(TabularError::TooLarge);
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t'].into_iter().max_by_key(|d| first_line.iter().filter(|b| *b == d).count()).unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(bytes);
    let mut records = Vec::new();
    // Lines counted so far: (byte offset, line there); records come in order, so counting is linear.
    let mut counted = (0usize, 1u32);
    for record in reader.byte_records() {
        match record {
            Ok(record) => {
                let fallback = u32::try_from(records.len() + 1).unwrap_or(u32::MAX);
                let line = record.position().map_or(fallback, |p| line_at(bytes, &mut counted, p.byte() as usize));
                let cells: Vec<Cell> = record.iter().map(|c| Cell::Text(String::from_utf8_lossy(c).into_owned())).collect();
                let utf8 = record.iter().all(|c| std::str::from_utf8(c).is_ok());
                if !cells.iter().all(Cell::is_blank) {
                    records.push(Record { line, cells, utf8 });
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
                let reason = match e.kind() {
                    csv::ErrorKind::Io(_) => "read error",
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8",
                    _ => "malformed",
                };
                return Err(TabularError::Csv { line, reason });
            }
        }
        if records.len() > max_rows + 1 {
            return Err(TabularError::TooManyRows(max_rows));
        }
    }
    into_table(records)
}

/// Reads the first sheet of an XLSX file with at most `max_rows` data rows.
pub fn read_xlsx(bytes: &[u8], max_rows: usize) -> Result<Table, TabularError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(TabularError::TooLarge);
    }
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| TabularError::Xlsx)?;
    let range = workbook.worksheet_range_at(0).ok_or(TabularError::Xlsx)?.map_err(|_| TabularError::Xlsx)?;
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let first_col = range.start().map_or(0, |(_, col)| col as usize);
    if range.height() > max_rows + 1 || first_col > 16_384 {
        return Err(TabularError::TooManyRows(max_rows));
    }
    let mut records = Vec::with_capacity(range.height());
    for (i, row) in range.rows().enumerate() {
        // Columns left of the used range are empty: keep header positions absolute.
        let mut cells = vec![Cell::Text(String::new()); first_col];
        cells.extend(row.iter().map(|c| match c {
            Data::Empty => Cell::Text(String::new()),
            Data::String(s) | Data::DateTimeIso(s) => Cell::Text(s.clone()),
            Data::Float(f) => Cell::Number(*f),
            Data::Int(n) => Cell::Number(*n as f64),
            Data::Bool(b) => Cell::Text(b.to_string()),
            Data::DateTime(d) if !d.is_duration() => {
                serial_date(d.as_f64()).map_or_else(|| Cell::Number(d.as_f64()), Cell::Date)
            }
            other => Cell::Text(other.to_string()),
        }));
        if !cells.iter().all(Cell::is_blank) {
            let line = u32::try_from(first_row + i + 1).unwrap_or(u32::MAX);
            records.push(Record { line, cells, utf8: true });
        }
    }
    into_table(records)
}

/// Reads CSV or XLSX, told apart by the ZIP signature XLSX files start with.
pub fn read_any(bytes: &[u8], max_rows: usize) -> Result<Table, TabularError> {
    if bytes.starts_with(b"PK\x03\x04") { read_xlsx(bytes, max_rows) } else { read_csv(bytes, max_rows) }
}

/// A spreadsheet serial number (days since 1899-12-30, the 1900 system as every current spreadsheet writes it)
/// as a date, for serials in a plausible range (years 1900 to 2199).
pub fn serial_date(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..=109_574.0).contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    epoch.checked_add_days(chrono::Days::new(serial.floor() as u64))
}

fn into_table(records: Vec<Record>) -> Result<Table, TabularError> {
    let mut records = records.into_iter();
    let header = records.next().ok_or(TabularError::NoHeader)?;
    Ok(Table { header, rows: records.collect() })
}

/// The line a record starts on: the reader reports where it began looking, which may be a blank line it
/// skipped, so count up to the first character past any line breaks.
fn line_at(bytes: &[u8], counted: &mut (usize, u32), offset: usize) -> u32 {
    let mut start = offset.min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    let (from, line) = *counted;
    let from = from.min(start);
    // A line ends at "\n", "\r\n" or a lone "\r" (old spreadsheets), as the CSV reader ends records.
    let breaks = (from..start).filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))).count();
    let line = line.saturating_add(u32::try_from(breaks).unwrap_or(u32::MAX));
    *counted = (start, line);
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_keys_ignore_case_diacritics_and_separators() {
        assert_eq!(header_key("Số CCCD/CMND"), "socccdcmnd");
        assert_eq!(header_key("\u{feff}Họ và tên"), "hovaten");
        assert_eq!(header_key("ĐỊA CHỈ"), "diachi");
        assert_eq!(header_key("full_name"), "fullname");
    }

    #[test]
    fn csv_keeps_line_numbers_across_blank_lines_and_quoted_breaks() {
        let table = read_csv(b"\xef\xbb\xbfa;b\n1;2\n\n\"x\ny\";3\r\n4;5\n", 10).unwrap();
        assert_eq!(table.header.cells[0], Cell::Text("a".into()));
        let lines: Vec<u32> = table.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 4, 6]);
        assert_eq!(table.rows[1].cells[0].text(), "x\ny");
    }

    #[test]
    fn too_many_rows_and_empty_files_are_refused() {
        assert_eq!(read_csv(b"a\n1\n2\n3\n", 2), Err(TabularError::TooManyRows(2)));
        assert_eq!(read_csv(b"\n\n", 2), Err(TabularError::NoHeader));
        assert_eq!(read_xlsx(b"PK\x03\x04garbage", 2), Err(TabularError::Xlsx));
    }

    #[test]
    fn serial_numbers_are_dates_of_the_1900_system() {
        assert_eq!(serial_date(22_345.0), NaiveDate::from_ymd_opt(1961, 3, 5));
        assert_eq!(serial_date(0.0), None);
        assert_eq!(serial_date(f64::NAN), None);
    }

    #[test]
    fn xlsx_reads_text_numbers_and_date_cells() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "name").unwrap();
        sheet.write_string(0, 1, "born").unwrap();
        sheet.write_string(2, 0, "Lê Văn A").unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(1961, 3, 5).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        sheet.write_datetime_with_format(2, 1, &date, &format).unwrap();
        sheet.write_number(3, 0, 912_345_678.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let table = read_any(&bytes, 10).unwrap();
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].line, 3);
        assert_eq!(table.rows[0].cells[1], Cell::Date(NaiveDate::from_ymd_opt(1961, 3, 5).unwrap()));
        assert_eq!(table.rows[1].cells[0].text(), "912345678");
    }
}
