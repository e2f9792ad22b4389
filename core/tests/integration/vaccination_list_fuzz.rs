//! The commune-list and reconciliation readers take files from outside: random bytes, and seeded mutations of
//! valid CSV and XLSX files (bytes flipped, cut, repeated, cells swapped for hostile text), must each give a list
//! or a typed error, never a panic. A failure prints the seed of the input that broke.

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::NaiveDate;
use healthbook_core::vaccination::list::{ListContext, read_list};
use healthbook_core::vaccination::reconcile::read_export;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CASES: u64 = 3_000;

const LIST_CSV: &str = "\u{feff}Họ và tên;Ngày sinh;Giới tính;Số CCCD/CMND;Số điện thoại;Mã tỉnh;Mã xã;Địa chỉ;Nhóm ưu tiên\n\
Nguyễn Văn An;05/03/1960;Nam;079060001234;0912 345 678;79;26734;12 Lê Lợi;Nhóm 3\n\
Trần Thị Bình;ngày 5 tháng 3 năm 1961;Nữ;079161001234;01662345678;79;26734;\"3, \"\"B\"\" street\";2\n\
Lê Chi;1970;Khác;123456789;+84 912.345.679;79;26734;;\n";

const EXPORT_CSV: &str = "citizen_id,dose_number,date,product\n079060001234,1,05/08/2021,AstraZeneca\n\
123456789,Mũi 2,2021-08-30,EU/1/20/1528\n";

const HOSTILE: [&str; 12] = [
    "",
    "\"",
    "ngày 99 tháng 99 năm 99999",
    "99999999999999999999999",
    "-1",
    "1e308",
    "Nhóm 255",
    "\u{0}\u{1}\u{7f}",
    "e\u{301}\u{301}\u{301}\u{301}",
    "31/02/2021",
    "+84",
    "０９１２３４５６７８",
];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 9, 1).unwrap()
}

fn list_xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in LIST_CSV.trim_start_matches('\u{feff}').lines().enumerate() {
        for (c, cell) in line.split(';').enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell.parse::<f64>() {
                Ok(n) if r > 0 => sheet.write_number(r, c, n).unwrap(),
                _ => sheet.write_string(r, c, cell).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

fn mutate(rng: &mut StdRng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..rng.gen_range(1..6) {
        if bytes.is_empty() {
            bytes.push(rng.r#gen());
            continue;
        }
        let at = rng.gen_range(0..bytes.len());
        match rng.gen_range(0..6) {
            0 => bytes[at] = rng.r#gen(),
            1 => bytes.truncate(at),
            2 => {
                let end = (at + rng.gen_range(1..64)).min(bytes.len());
                let chunk = bytes[at..end].to_vec();
                bytes.splice(at..at, chunk);
            }
            3 => {
                let hostile = HOSTILE[rng.gen_range(0..HOSTILE.len())].as_bytes();
                bytes.splice(at..at, hostile.iter().copied());
            }
            4 => bytes.insert(at, [b';', b',', b'"', b'\n', b'\r', b'\t'][rng.gen_range(0..6)]),
            _ => {
                bytes.remove(at);
            }
        }
    }
    bytes
}

fn check(case: u64, bytes: &[u8]) {
    let context = ListContext { ward_code: "26734", province_code: Some("79"), today: today() };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if let Ok(file) = read_list(bytes, &context) {
            // Every problem points at a row that was read.
            for problem in &file.problems {
                assert!(file.rows.iter().any(|r| r.line == problem.line), "problem on a line with no row");
            }
        }
        let _ = read_export(bytes, today());
    }));
    assert!(outcome.is_ok(), "case {case} panicked on {} bytes: {:?}", bytes.len(), String::from_utf8_lossy(bytes));
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = StdRng::seed_from_u64(12);
    for case in 0..CASES {
        let len = rng.gen_range(0..400);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.r#gen()).collect();
        if case % 3 == 0 {
            bytes.splice(0..0, b"PK\x03\x04".iter().copied());
        }
        check(case, &bytes);
    }
}

#[test]
fn mutated_csv_lists_and_exports_never_panic() {
    let mut rng = StdRng::seed_from_u64(1212);
    let clean = read_list(LIST_CSV.as_bytes(), &ListContext { ward_code: "26734", province_code: Some("79"), today: today() }).unwrap();
    assert_eq!((clean.rows.len(), clean.problems.len()), (3, 0), "the seed list itself reads cleanly");
    assert_eq!(read_export(EXPORT_CSV.as_bytes(), today()).unwrap().rows.len(), 2);
    for case in 0..CASES {
        let seed = if case % 2 == 0 { LIST_CSV.as_bytes() } else { EXPORT_CSV.as_bytes() };
        check(case, &mutate(&mut rng, seed));
    }
}

#[test]
fn mutated_xlsx_lists_never_panic() {
    let xlsx = list_xlsx();
    let clean = read_list(&xlsx, &ListContext { ward_code: "26734", province_code: Some("79"), today: today() }).unwrap();
    assert_eq!(clean.rows.len(), 3);
    let mut rng = StdRng::seed_from_u64(1213);
    for case in 0..CASES / 3 {
        check(case, &mutate(&mut rng, &xlsx));
    }
}
