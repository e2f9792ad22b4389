//! Staff rosters come from outside (an agency's spreadsheet): random bytes, and seeded mutations of a valid CSV
//! and a valid XLSX (bytes flipped, cut, spliced), must each read to a roster or a typed error, never a panic.
//! Every row the reader accepts must satisfy the rules (a mutation must not sneak a bad row through).

use std::panic::{AssertUnwindSafe, catch_unwind};

use healthbook_core::agency::roster::{normalise_citizen_id, normalise_phone, validate_name, validate_staff_number};
use healthbook_core::agency::{Roster, RosterOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CSV_SEED: &str = "Họ và tên,Mã nhân viên,Phòng ban,Số điện thoại,CCCD,Năm sinh,Ảnh\n\
Nguyễn Văn An,NV-001,Kế toán,0901234567,079180001234,1980,\n\
\"Trần Thị Bình\",NV-002,\"Phòng \"\"Kỹ thuật\"\"\",+84 912 345 678,123456789,,\n\
Lê Văn Cường,NV-003,,090.123.4569,,1975,\n";

fn xlsx_seed() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, header) in ["Họ và tên", "Mã nhân viên", "Phòng ban", "Số điện thoại", "CCCD", "Năm sinh"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    for row in 1..20u32 {
        sheet.write_string(row, 0, format!("Nguyễn Văn {row}").replace(char::is_numeric, "A")).unwrap();
        sheet.write_string(row, 1, format!("NV-{row:03}")).unwrap();
        sheet.write_string(row, 2, "Kế toán").unwrap();
        // Numbers, as a spreadsheet types them (leading zeros lost).
        sheet.write_number(row, 3, f64::from(901_234_500 + row)).unwrap();
        sheet.write_number(row, 4, 79_180_001_200.0 + f64::from(row)).unwrap();
        sheet.write_number(row, 5, 1980.0).unwrap();
    }
    book.save_to_buffer().unwrap()
}

fn options() -> RosterOptions {
    RosterOptions { this_year: 2021, base_dir: None }
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
            1 => bytes[at] ^= 1 << rng.gen_range(0..8),
            2 => bytes.truncate(at),
            3 => {
                let len = rng.gen_range(1..64).min(bytes.len() - at);
                let chunk = bytes[at..at + len].to_vec();
                let to = rng.gen_range(0..bytes.len());
                bytes.splice(to..to, chunk);
            }
            4 => bytes.insert(at, b",;\"\n\r\t\xff"[rng.gen_range(0..7)]),
            _ => {
                let end = (at + rng.gen_range(1..32)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

fn check(kind: &str, bytes: &[u8], read: impl Fn(&[u8]) -> Result<Roster, healthbook_core::agency::AgencyError>) {
    let outcome = catch_unwind(AssertUnwindSafe(|| read(bytes)));
    let Ok(result) = outcome else {
        panic!("the {kind} reader panicked on {} bytes: {:?}", bytes.len(), &bytes[..bytes.len().min(200)]);
    };
    if let Ok(roster) = result {
        for row in &roster.rows {
            let m = &row.member;
            assert_eq!(validate_name(&m.full_name).as_deref(), Ok(m.full_name.as_str()));
            assert_eq!(validate_staff_number(&m.staff_number).as_deref(), Ok(m.staff_number.as_str()));
            if let Some(phone) = &m.phone {
                assert_eq!(normalise_phone(phone).as_deref(), Some(phone.as_str()));
            }
            if let Some(id) = &m.citizen_id {
                assert_eq!(normalise_citizen_id(id, m.birth_year).as_deref(), Some(id.as_str()));
            }
            assert!(row.line >= 2, "data rows start below the header");
        }
        let mut lines: Vec<usize> = roster.rows.iter().map(|r| r.line).chain(roster.problems.iter().map(|p| p.line)).collect();
        let count = lines.len();
        lines.sort_unstable();
        lines.dedup();
        assert_eq!(lines.len(), count, "each row reported once");
    }
}

#[test]
fn the_seeds_read_cleanly() {
    let csv = Roster::from_csv(CSV_SEED.as_bytes(), &options()).unwrap();
    assert_eq!((csv.rows.len(), csv.problems.len()), (3, 0), "{:?}", csv.problems);
    let xlsx = Roster::from_xlsx(&xlsx_seed(), &options()).unwrap();
    assert_eq!((xlsx.rows.len(), xlsx.problems.len()), (19, 0), "{:?}", xlsx.problems);
    // The spreadsheet's numbers got their leading zeros back.
    assert_eq!(xlsx.rows[0].member.phone.as_deref(), Some("+84901234501"));
    assert_eq!(xlsx.rows[0].member.citizen_id.as_deref(), Some("079180001201"));
    assert_eq!(xlsx.rows[0].line, 2);
}

#[test]
fn random_and_mutated_csv_never_panics() {
    let mut rng = StdRng::seed_from_u64(0x05ee_dc5f);
    for _ in 0..2_000 {
        let len = rng.gen_range(0..400);
        let bytes: Vec<u8> = (0..len).map(|_| rng.r#gen()).collect();
        check("CSV", &bytes, |b| Roster::from_csv(b, &options()));
    }
    for _ in 0..5_000 {
        let bytes = mutate(&mut rng, CSV_SEED.as_bytes());
        check("CSV", &bytes, |b| Roster::from_csv(b, &options()));
    }
}

#[test]
fn random_and_mutated_xlsx_never_panics() {
    let mut rng = StdRng::seed_from_u64(0x5eed_1515);
    let seed = xlsx_seed();
    for _ in 0..500 {
        let len = rng.gen_range(0..400);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.r#gen()).collect();
        // Half of them look like a zip file at first glance.
        if rng.gen_bool(0.5) && bytes.len() >= 4 {
            bytes[..4].copy_from_slice(b"PK\x03\x04");
        }
        check("XLSX", &bytes, |b| Roster::from_xlsx(b, &options()));
    }
    for _ in 0..1_500 {
        let bytes = mutate(&mut rng, &seed);
        check("XLSX", &bytes, |b| Roster::from_xlsx(b, &options()));
    }
}
