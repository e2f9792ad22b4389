//! A report as files: one section as CSV (UTF-8 with a BOM so that Excel keeps the diacritics, CRLF line ends,
//! headings in the viewer's language), or the whole report as an XLSX workbook with one sheet per section
//! (named by the section's key, headings in the first row). Text that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe, as the agencies'
//! adoption CSV does; counts and measures stay numbers.

use healthbook_protocol::Language;
use healthbook_protocol::reports::{Report, ReportCell, ReportColumn, ReportSection};
use rust_xlsxwriter::{Format, Workbook};

use crate::error::ApiError;

/// Byte order mark that makes Excel read a CSV as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A column's heading in `language`.
pub fn heading(column: &ReportColumn, language: Language) -> &str {
    match language {
        Language::Vi => &column.label_vi,
        Language::En => &column.label_en,
    }
}

/// A section's title in `language`.
pub fn title(section: &ReportSection, language: Language) -> &str {
    match language {
        Language::Vi => &section.title_vi,
        Language::En => &section.title_en,
    }
}

/// Text as a spreadsheet should show it: a leading apostrophe for text it would otherwise run as a formula.
pub fn neutralised(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

/// A cell's raw value as text: counts as digits, measures with a point and one decimal, empty as nothing.
pub fn raw_value(cell: &ReportCell) -> String {
    match cell {
        ReportCell::Count(n) => n.to_string(),
        ReportCell::Measure(v) if v.is_finite() => format!("{v:.1}"),
        ReportCell::Measure(_) | ReportCell::Empty(()) => String::new(),
        ReportCell::Text(text) => text.clone(),
    }
}

/// One CSV field, quoted when it holds a separator, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

/// One section as CSV: a BOM, the headings in `language`, then one line per row, CRLF after each.
pub fn csv(section: &ReportSection, language: Language) -> Vec<u8> {
    let mut out = String::new();
    let headings: Vec<String> = section.columns.iter().map(|c| csv_field(&neutralised(heading(c, language)))).collect();
    out.push_str(&headings.join(","));
    out.push_str("\r\n");
    for row in &section.rows {
        let fields: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                ReportCell::Text(text) => csv_field(&neutralised(text)),
                other => raw_value(other),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    let mut bytes = UTF8_BOM.to_vec();
    bytes.extend_from_slice(out.as_bytes());
    bytes
}

/// The whole report as an XLSX workbook: one sheet per section, named by its key, headings (bold) in row 1.
pub fn xlsx(report: &Report, language: Language) -> Result<Vec<u8>, ApiError> {
    let failed = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(format!("writing the workbook: {e}"));
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    for section in &report.sections {
        let sheet = workbook.add_worksheet();
        // Section keys are short snake_case words: valid and unique sheet names.
        sheet.set_name(sheet_name(&section.key)).map_err(failed)?;
        for (c, column) in section.columns.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| ApiError::Internal("too many columns".into()))?;
            sheet.write_string_with_format(0, c, neutralised(heading(column, language)), &bold).map_err(failed)?;
            sheet.set_column_width(c, 16).map_err(failed)?;
        }
        for (r, row) in section.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| ApiError::Internal("too many rows".into()))?;
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).map_err(|_| ApiError::Internal("too many columns".into()))?;
                match cell {
                    ReportCell::Count(n) => sheet.write_number(r, c, *n as f64).map(|_| ()),
                    ReportCell::Measure(v) if v.is_finite() => sheet.write_number(r, c, *v).map(|_| ()),
                    ReportCell::Measure(_) | ReportCell::Empty(()) => Ok(()),
                    // Strings are never formulas in XLSX, but a copy-paste into a cell may make them one.
                    ReportCell::Text(text) => sheet.write_string(r, c, neutralised(text)).map(|_| ()),
                }
                .map_err(failed)?;
            }
        }
    }
    workbook.save_to_buffer().map_err(failed)
}

/// A sheet name from a section key: at most 31 characters, none of those Excel refuses.
fn sheet_name(key: &str) -> String {
    let cleaned: String = key.chars().map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { '_' } else { c }).collect();
    let cleaned: String = cleaned.chars().take(31).collect();
    if cleaned.is_empty() { "section".into() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use chrono::{NaiveDate, TimeZone, Utc};
    use healthbook_protocol::reports::ReportKind;

    fn section() -> ReportSection {
        ReportSection {
            key: "per_venue".into(),
            title_vi: "Theo địa điểm".into(),
            title_en: "Per venue".into(),
            columns: vec![
                ReportColumn { key: "venue".into(), label_vi: "Địa điểm".into(), label_en: "Venue".into() },
                ReportColumn { key: "count".into(), label_vi: "Số lượt".into(), label_en: "Count".into() },
                ReportColumn { key: "hours".into(), label_vi: "Giờ".into(), label_en: "Hours".into() },
            ],
            rows: vec![
                vec![ReportCell::Text("Chợ Bến Thành, cổng \"A\"".into()), ReportCell::Count(1234), ReportCell::Measure(2.5)],
                vec![ReportCell::Text("=HYPERLINK(\"http://x\")".into()), ReportCell::Count(0), ReportCell::Empty(())],
                vec![ReportCell::Text("-1+2".into()), ReportCell::Count(7), ReportCell::Measure(10.0)],
            ],
            chart: None,
        }
    }

    #[test]
    fn csv_has_a_bom_crlf_headings_in_the_language_and_neutralised_cells() {
        let bytes = csv(&section(), Language::Vi);
        assert!(bytes.starts_with(UTF8_BOM));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "Địa điểm,Số lượt,Giờ");
        assert_eq!(lines[1], "\"Chợ Bến Thành, cổng \"\"A\"\"\",1234,2.5");
        assert_eq!(lines[2], "\"'=HYPERLINK(\"\"http://x\"\")\",0,");
        assert_eq!(lines[3], "'-1+2,7,10.0");
        assert_eq!(lines[4], "");
        assert!(!text.replace("\r\n", "").contains('\n'));
        let english = String::from_utf8(csv(&section(), Language::En)).unwrap();
        assert!(english.starts_with("\u{feff}Venue,Count,Hours\r\n"));
    }

    #[test]
    fn xlsx_has_one_sheet_per_section_with_numbers_as_numbers() {
        let mut other = section();
        other.key = "silent_venues".into();
        other.rows.truncate(1);
        let report = Report {
            kind: ReportKind::Passages,
            from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 11, 14).unwrap(),
            province: Some("79".into()),
            wards: vec![],
            generated_at: Utc.with_ymd_and_hms(2026, 11, 14, 8, 0, 0).unwrap(),
            sections: vec![section(), other],
        };
        let bytes = xlsx(&report, Language::En).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["per_venue".to_owned(), "silent_venues".to_owned()]);
        let range = book.worksheet_range("per_venue").unwrap();
        assert_eq!(range.get((0, 0)), Some(&Data::String("Venue".into())));
        assert_eq!(range.get((1, 0)), Some(&Data::String("Chợ Bến Thành, cổng \"A\"".into())));
        assert_eq!(range.get((1, 1)), Some(&Data::Float(1234.0)));
        assert_eq!(range.get((1, 2)), Some(&Data::Float(2.5)));
        assert_eq!(range.get((2, 0)), Some(&Data::String("'=HYPERLINK(\"http://x\")".into())));
        assert!(matches!(range.get((2, 2)), None | Some(Data::Empty)));
        assert_eq!(range.get((3, 1)), Some(&Data::Float(7.0)));
        let silent = book.worksheet_range("silent_venues").unwrap();
        assert_eq!(silent.height(), 2);
    }

    #[test]
    fn random_cells_always_export() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(21);
        let alphabet: Vec<char> = "aă=+-@\t\r\n\",;'ệ🙂\u{0}x ".chars().collect();
        for _ in 0..200 {
            let text = |rng: &mut rand::rngs::StdRng| {
                (0..rng.gen_range(0..12)).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect::<String>()
            };
            let mut s = section();
            s.columns[0].label_en = text(&mut rng);
            s.rows = (0..rng.gen_range(0..5))
                .map(|_| vec![ReportCell::Text(text(&mut rng)), ReportCell::Count(rng.r#gen()), ReportCell::Measure(f64::from_bits(rng.r#gen()))])
                .collect();
            let bytes = csv(&s, Language::En);
            assert!(bytes.starts_with(UTF8_BOM) && std::str::from_utf8(&bytes).is_ok());
            assert!(String::from_utf8(bytes).unwrap().ends_with("\r\n"));
            for row in &s.rows {
                let ReportCell::Text(t) = &row[0] else { unreachable!() };
                assert!(!neutralised(t).starts_with(['=', '+', '-', '@', '\t', '\r']), "{t:?}");
            }
        }
    }

    #[test]
    fn sheet_names_are_valid() {
        assert_eq!(sheet_name("a/b:c"), "a_b_c");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
        assert_eq!(sheet_name(""), "section");
    }
}
