//! Reading and checking a commune's list of the largest size an upload takes (`MAX_LIST_ROWS`, 20,000 rows), as
//! CSV and as XLSX, on the officer's machine (`core::vaccination::list::read_list`); the server runs the same
//! row checks again. Measured on the 2-core build machine shared with other builds: about 260 ms for the CSV
//! and 600 ms for the XLSX (release); in a debug build about 4.2 s and 9.2 s.
//!
//! Run: `cargo bench -p healthbook-core --bench vaccination_list`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use healthbook_core::vaccination::list::{ListContext, read_list};
use healthbook_protocol::vaccination::MAX_LIST_ROWS;

const HEADER: [&str; 9] =
    ["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD/CMND", "Số điện thoại", "Mã tỉnh", "Mã xã", "Địa chỉ", "Nhóm ưu tiên"];

fn row(i: usize) -> [String; 9] {
    let year = 1940 + (i % 64);
    let female = i % 2 == 1;
    let code = if year >= 2000 { 2 } else { 0 } + usize::from(female);
    [
        format!("Nguyễn Văn {}", ["An", "Bình", "Chi", "Dũng"][i % 4]),
        format!("{}/{}/{year}", 1 + i % 28, 1 + i % 12),
        (if female { "Nữ" } else { "Nam" }).to_owned(),
        format!("079{code}{:02}{i:06}", year % 100),
        format!("09{:08}", 12_345_678 + i),
        "79".to_owned(),
        "26734".to_owned(),
        format!("{} Nguyễn Trãi", i + 1),
        if i % 10 == 3 { format!("Nhóm {}", 1 + i % 11) } else { String::new() },
    ]
}

fn csv() -> Vec<u8> {
    let mut text = HEADER.join(";");
    text.push('\n');
    for i in 0..MAX_LIST_ROWS {
        text.push_str(&row(i).join(";"));
        text.push('\n');
    }
    text.into_bytes()
}

fn xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..MAX_LIST_ROWS {
        for (c, cell) in row(i).iter().enumerate() {
            sheet.write_string(i as u32 + 1, c as u16, cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn bench(c: &mut Criterion) {
    let context = ListContext { ward_code: "26734", province_code: Some("79"), today: NaiveDate::from_ymd_opt(2021, 9, 1).unwrap() };
    let (csv, xlsx) = (csv(), xlsx());
    let check = read_list(&csv, &context).unwrap();
    assert_eq!((check.rows.len(), check.problems.len()), (MAX_LIST_ROWS, 0), "the generated list is clean");
    let mut group = c.benchmark_group("commune_list_20000_rows");
    group.sample_size(10);
    group.bench_function("csv", |b| b.iter(|| read_list(black_box(&csv), &context).unwrap()));
    group.bench_function("xlsx", |b| b.iter(|| read_list(black_box(&xlsx), &context).unwrap()));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
