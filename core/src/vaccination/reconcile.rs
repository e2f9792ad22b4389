//! Another platform's dose export (the national platform's CSV or an XLSX of it) read into
//! [`ReconciliationRow`]s for `POST /v1/vaccination/reconciliation`.
//!
//! Columns (header names matched ignoring case, diacritics and separators): citizen id (`citizen_id`, `cccd`,
//! `Số CCCD/CMND`), dose number (`dose_number`, `Mũi số`, `Mũi tiêm`), date (`date`, `Ngày tiêm`), product
//! (`product`, `vaccine`, `Loại vắc xin`): an EU DCC `mp` code or a common name ("AstraZeneca", "Pfizer",
//! "Moderna", "Vero Cell", "Sputnik V", "Abdala", ...). Every row that does not read is reported with its line
//! and the field at fault, never the value.

use chrono::NaiveDate;
use healthbook_protocol::vaccination::{MAX_DOSE_NUMBER, MAX_RECONCILIATION_ROWS, ReconciliationRow, VaccineProduct};
use thiserror::Error;

use super::list::{parse_birth_date, small_number};
use crate::tabular::{self, Cell, Table, TabularError, header_key};

/// Why a file cannot be read as an export at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReconcileError {
    /// The file is not a readable table.
    #[error(transparent)]
    Table(#[from] TabularError),
    /// The header lacks a column.
    #[error("the header has no {0} column")]
    MissingColumn(&'static str),
}

/// A field of an export row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportField {
    /// Citizen id.
    CitizenId,
    /// Dose number.
    DoseNumber,
    /// Date.
    Date,
    /// Product.
    Product,
}

impl ExportField {
    /// The field's name in a report, Vietnamese then English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::CitizenId => ("Số CCCD/CMND", "citizen id"),
            Self::DoseNumber => ("Mũi số", "dose number"),
            Self::Date => ("Ngày tiêm", "date"),
            Self::Product => ("Vắc xin", "product"),
        }
    }
}

/// A field of a row that does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportProblem {
    /// Line in the file.
    pub line: u32,
    /// The field.
    pub field: ExportField,
    /// Empty (true) or not valid (false).
    pub missing: bool,
}

impl ExportProblem {
    /// The problem as a sentence, Vietnamese or English.
    pub fn describe(&self, vietnamese: bool) -> String {
        let (vi, en) = self.field.label();
        match (vietnamese, self.missing) {
            (true, true) => format!("dòng {}: {vi}: còn trống", self.line),
            (true, false) => format!("dòng {}: {vi}: không hợp lệ", self.line),
            (false, true) => format!("line {}: {en} is missing", self.line),
            (false, false) => format!("line {}: {en} is not valid", self.line),
        }
    }
}

/// An export read: the rows that read and the problems of the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Export {
    /// Rows, in file order.
    pub rows: Vec<ReconciliationRow>,
    /// Problems, by line then field.
    pub problems: Vec<ExportProblem>,
}

/// Reads an export (CSV or XLSX, told apart by content); `today` bounds the dates.
pub fn read_export(bytes: &[u8], today: NaiveDate) -> Result<Export, ReconcileError> {
    let table = tabular::read_any(bytes, MAX_RECONCILIATION_ROWS)?;
    export_from_table(&table, today)
}

/// Reads the rows of a table already read.
pub fn export_from_table(table: &Table, today: NaiveDate) -> Result<Export, ReconcileError> {
    let column = |keys: &[&str], name: &'static str| table.column(keys).ok_or(ReconcileError::MissingColumn(name));
    let id_col = column(&["citizenid", "socccdcmnd", "cccdcmnd", "socccd", "cccd", "cmnd", "socmnd", "idnumber"], "citizen_id")?;
    let dose_col = column(&["dosenumber", "dose", "muiso", "muitiem", "muitiemthu", "mui", "somui"], "dose_number")?;
    let date_col = column(&["date", "dosedate", "vaccinationdate", "ngaytiem", "ngay"], "date")?;
    let product_col = column(&["product", "vaccine", "mp", "loaivacxin", "vacxin", "tenvacxin", "loaivaccine"], "product")?;
    let mut export = Export::default();
    for record in &table.rows {
        let line = record.line;
        let mut problems = Vec::new();
        let mut fail = |field, cell: &Cell| problems.push(ExportProblem { line, field, missing: cell.is_blank() });
        let id_cell = record.cell(Some(id_col));
        let citizen_id = citizen_id(&id_cell);
        if citizen_id.is_none() {
            fail(ExportField::CitizenId, &id_cell);
        }
        let dose_cell = record.cell(Some(dose_col));
        let dose_number = dose_number(&dose_cell);
        if dose_number.is_none() {
            fail(ExportField::DoseNumber, &dose_cell);
        }
        let date_cell = record.cell(Some(date_col));
        let date = parse_birth_date(&date_cell)
            .filter(|(d, year_only)| !year_only && *d <= today && *d >= NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or(*d))
            .map(|(d, _)| d);
        if date.is_none() {
            fail(ExportField::Date, &date_cell);
        }
        let product_cell = record.cell(Some(product_col));
        let product = product_of(&product_cell.text());
        if product.is_none() {
            fail(ExportField::Product, &product_cell);
        }
        match (citizen_id, dose_number, date, product) {
            (Some(citizen_id), Some(dose_number), Some(date), Some(product)) => {
                export.rows.push(ReconciliationRow { line, citizen_id, dose_number, date, product });
            }
            _ => export.problems.extend(problems),
        }
    }
    Ok(export)
}

fn citizen_id(cell: &Cell) -> Option<String> {
    let mut digits: String = cell.text().chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '\'')).collect();
    if matches!(cell, Cell::Number(_)) && digits.len() == 11 {
        digits.insert(0, '0');
    }
    (matches!(digits.len(), 9 | 12) && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

fn dose_number(cell: &Cell) -> Option<u8> {
    small_number(&cell.text(), &["mui", "dose"]).filter(|n| (1..=MAX_DOSE_NUMBER).contains(n))
}

/// A product by EU `mp` code, wire name or a common name.
pub fn product_of(text: &str) -> Option<VaccineProduct> {
    let trimmed = text.trim();
    if let Some(product) = VaccineProduct::from_eu_product(trimmed).or_else(|| VaccineProduct::parse(trimmed)) {
        return Some(product);
    }
    let key = header_key(trimmed);
    if key.is_empty() {
        return None;
    }
    const NAMES: [(&str, VaccineProduct); 15] = [
        ("astrazeneca", VaccineProduct::Vaxzevria),
        ("vaxzevria", VaccineProduct::Vaxzevria),
        ("covishield", VaccineProduct::Vaxzevria),
        ("pfizer", VaccineProduct::Comirnaty),
        ("comirnaty", VaccineProduct::Comirnaty),
        ("moderna", VaccineProduct::Spikevax),
        ("spikevax", VaccineProduct::Spikevax),
        ("verocell", VaccineProduct::Sinopharm),
        ("sinopharm", VaccineProduct::Sinopharm),
        ("bbibpcorv", VaccineProduct::Sinopharm),
        ("sputnik", VaccineProduct::SputnikV),
        ("gamcovidvac", VaccineProduct::SputnikV),
        ("abdala", VaccineProduct::Abdala),
        ("janssen", VaccineProduct::Janssen),
        ("johnson", VaccineProduct::Janssen),
    ];
    NAMES.iter().find(|(name, _)| key.contains(name)).map(|(_, product)| *product)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 12, 1).unwrap()
    }

    #[test]
    fn products_read_by_code_and_common_name() {
        for (text, product) in [
            ("EU/1/21/1529", VaccineProduct::Vaxzevria),
            ("AstraZeneca", VaccineProduct::Vaxzevria),
            ("Pfizer-BioNTech", VaccineProduct::Comirnaty),
            ("Moderna", VaccineProduct::Spikevax),
            ("Vero Cell", VaccineProduct::Sinopharm),
            ("Sputnik V", VaccineProduct::SputnikV),
            ("Abdala", VaccineProduct::Abdala),
            ("BBIBP-CorV", VaccineProduct::Sinopharm),
            ("comirnaty", VaccineProduct::Comirnaty),
        ] {
            assert_eq!(product_of(text), Some(product), "{text}");
        }
        assert_eq!(product_of("Covaxin"), None);
        assert_eq!(product_of(""), None);
    }

    #[test]
    fn an_export_reads_into_rows_and_reports_bad_lines() {
        let csv = "Số CCCD/CMND;Mũi số;Ngày tiêm;Loại vắc xin\n079060001234;1;05/08/2021;AstraZeneca\n\
                   079060001234;Mũi 2;2021-10-01;EU/1/21/1529\n12345;1;05/08/2021;Pfizer\n123456789;9;05/13/2021;Covaxin\n\
                   123456789;1;;Moderna\n";
        let export = read_export(csv.as_bytes(), today()).unwrap();
        assert_eq!(export.rows.len(), 2);
        assert_eq!(export.rows[1].dose_number, 2);
        assert_eq!(export.rows[1].product, VaccineProduct::Vaxzevria);
        let found: Vec<(u32, ExportField, bool)> = export.problems.iter().map(|p| (p.line, p.field, p.missing)).collect();
        assert_eq!(
            found,
            vec![
                (4, ExportField::CitizenId, false),
                (5, ExportField::DoseNumber, false),
                (5, ExportField::Date, false),
                (5, ExportField::Product, false),
                (6, ExportField::Date, true),
            ]
        );
        assert_eq!(export.problems[0].describe(false), "line 4: citizen id is not valid");
    }

    #[test]
    fn future_dates_and_missing_columns_are_refused() {
        let export = read_export(b"citizen_id,dose_number,date,product\n123456789,1,2021-12-02,Pfizer\n", today()).unwrap();
        assert_eq!(export.problems.len(), 1);
        assert_eq!(read_export(b"citizen_id,date,product\n", today()), Err(ReconcileError::MissingColumn("dose_number")));
    }
}
