//! Roster reading and validation.

use super::roster::{Column, Roster, RosterOptions, normalise_citizen_id, normalise_phone, validate_name, validate_staff_number};
use healthbook_protocol::agencies::{StaffList, StaffView};

fn options() -> RosterOptions {
    RosterOptions { this_year: 2021, base_dir: None }
}

#[test]
fn vietnamese_phones_normalise_to_e164_and_others_are_refused() {
    for (raw, e164) in [
        ("0901234567", "+84901234567"),
        ("090 123 4567", "+84901234567"),
        ("090.123.4567", "+84901234567"),
        ("+84 90 123 4567", "+84901234567"),
        ("+840901234567", "+84901234567"),
        ("84901234567", "+84901234567"),
        ("(028) 3829-1234", "+842838291234"),
    ] {
        assert_eq!(normalise_phone(raw).as_deref(), Some(e164), "{raw}");
    }
    for raw in ["", "12345", "0101234567", "090123456", "09012345678", "+1 415 555 0100", "09O1234567", "+84"] {
        assert_eq!(normalise_phone(raw), None, "{raw}");
    }
}

#[test]
fn citizen_ids_are_12_digit_cccd_with_a_province_code_or_9_digit_cmnd() {
    assert_eq!(normalise_citizen_id("079 203 001 234", None).as_deref(), Some("079203001234"));
    assert_eq!(normalise_citizen_id("001203001234", None).as_deref(), Some("001203001234"));
    assert_eq!(normalise_citizen_id("096203001234", None).as_deref(), Some("096203001234"));
    assert_eq!(normalise_citizen_id("123456789", None).as_deref(), Some("123456789"));
    for raw in ["000203001234", "097203001234", "12345678", "1234567890", "07920300123X", ""] {
        assert_eq!(normalise_citizen_id(raw, None), None, "{raw}");
    }
    // The CCCD's digits 4-6 encode the birth year (2/3: 2000s, 0/1: 1900s): they must match the row's, as the
    // server checks; a CMND encodes none.
    assert_eq!(normalise_citizen_id("079203001234", Some(2003)).as_deref(), Some("079203001234"));
    assert_eq!(normalise_citizen_id("079185001234", Some(1985)).as_deref(), Some("079185001234"));
    assert_eq!(normalise_citizen_id("079203001234", Some(2004)), None);
    assert_eq!(normalise_citizen_id("079003001234", Some(2003)), None, "the century counts");
    assert_eq!(normalise_citizen_id("123456789", Some(1970)).as_deref(), Some("123456789"));
}

#[test]
fn names_are_nfc_letters_and_staff_numbers_a_safe_alphabet() {
    // "Nguyễn" typed with combining marks comes out precomposed.
    let decomposed = "Nguye\u{302}\u{303}n  Văn   An";
    assert_eq!(validate_name(decomposed).unwrap(), "Nguyễn Văn An");
    assert_eq!(validate_name("O'Neil-Trần J.").unwrap(), "O'Neil-Trần J.");
    assert!(validate_name("").is_err());
    assert!(validate_name("An2").is_err());
    assert!(validate_name("An <b>").is_err());
    assert!(validate_name(&"A".repeat(201)).is_err());
    assert!(validate_name(&"Ă".repeat(200)).is_ok());
    assert!(validate_name("-.'").is_err());
    assert_eq!(validate_staff_number(" NV-001_a.b ").unwrap(), "NV-001_a.b");
    assert!(validate_staff_number("NV 001").is_err());
    assert!(validate_staff_number(&"1".repeat(41)).is_err());
    assert!(validate_staff_number("").is_err());
}

#[test]
fn english_and_vietnamese_headers_are_recognised() {
    for (header, column) in [
        ("Họ và tên", Column::Name),
        ("HỌ VÀ TÊN", Column::Name),
        ("full_name", Column::Name),
        ("Mã nhân viên", Column::StaffNumber),
        ("Staff number", Column::StaffNumber),
        ("Phòng ban", Column::Department),
        ("Số điện thoại", Column::Phone),
        ("CCCD", Column::CitizenId),
        ("Năm sinh", Column::BirthYear),
        ("Ảnh", Column::Photo),
    ] {
        assert_eq!(Column::from_header(header), Some(column), "{header}");
    }
    assert_eq!(Column::from_header("Ghi chú"), None);
}

#[test]
fn every_bad_row_is_reported_with_its_line_and_reasons_without_personal_data() {
    let csv = "\u{feff}Họ và tên,Mã nhân viên,Phòng ban,Số điện thoại,CCCD,Năm sinh,Ghi chú\n\
               Nguyễn Văn An,NV-001,Kế toán,0901234567,079180001234,1980,x\n\
               ,NV-002,Kế toán,0901234568,,,\n\
               Trần Thị Bình,NV-001,,0901234569,,1990,\n\
               \n\
               Lê Văn Cường,NV-004,,0901234567,079180001234,2030,\n\
               \"Phạm, Thị Dung\",NV-005,\"Phòng\nKỹ thuật\",+84 912 345 678,123456789,,\n\
               Hoàng Văn Em,NV 006,,123,999999999999,abc,\n";
    let roster = Roster::from_csv(csv.as_bytes(), &options()).unwrap();
    let lines: Vec<usize> = roster.problems.iter().map(|p| p.line).collect();
    // Line 5 is blank; the quoted department spans lines 7-8, so the last row starts on line 9.
    assert_eq!(lines, vec![3, 4, 6, 7, 9]);
    assert_eq!(roster.rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2]);
    let reason = |line: usize| roster.problems.iter().find(|p| p.line == line).unwrap().reason.clone();
    assert!(reason(3).contains("name is empty"));
    assert!(reason(4).contains("same staff number as line 2"));
    assert!(reason(6).contains("same phone as line 2") && reason(6).contains("same citizen id as line 2") && reason(6).contains("birth year"));
    assert!(reason(7).contains("name may hold only"), "{}", reason(7));
    let last = reason(9);
    assert!(last.contains("staff number") && last.contains("phone") && last.contains("citizen id") && last.contains("birth year"), "{last}");
    for p in &roster.problems {
        for secret in ["0901234567", "079180001234", "999999999999", "NV 006"] {
            assert!(!p.reason.contains(secret), "line {} leaks: {}", p.line, p.reason);
        }
    }
    let row = &roster.rows[0].member;
    assert_eq!(row.phone.as_deref(), Some("+84901234567"));
    assert_eq!(row.citizen_id.as_deref(), Some("079180001234"));
    assert_eq!(row.birth_year, Some(1980));
}

#[test]
fn semicolon_separated_files_and_missing_columns() {
    let roster = Roster::from_csv("name;staff number\nAn;A1\nBình;B2\n".as_bytes(), &options()).unwrap();
    assert_eq!(roster.rows.len(), 2);
    assert_eq!(roster.rows[1].member.full_name, "Bình");
    assert!(Roster::from_csv(b"name,department\nAn,x\n", &options()).is_err(), "no staff number column");
    assert!(Roster::from_csv(b"", &options()).is_err());
    assert!(Roster::from_csv(b"name,name,staff number\n", &options()).is_err(), "a column twice");
    let bad_utf8 = b"name,staff number\n\xff\xfeAn,A1\n";
    let roster = Roster::from_csv(bad_utf8, &options()).unwrap();
    assert_eq!(roster.problems.len(), 1);
    assert!(roster.problems[0].reason.contains("UTF-8"));
}

#[test]
fn photos_must_be_jpeg_files_inside_the_roster_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("an.jpg"), [0xff, 0xd8, 0xff, 0xe0, 0, 0]).unwrap();
    std::fs::write(dir.path().join("binh.png"), b"\x89PNG").unwrap();
    let csv = "name,staff number,photo\nAn,A1,an.jpg\nBình,B2,binh.png\nChi,C3,../an.jpg\nDung,D4,/etc/passwd\nEm,E5,missing.jpg\n";
    let options = RosterOptions { this_year: 2021, base_dir: Some(dir.path().to_path_buf()) };
    let roster = Roster::from_csv(csv.as_bytes(), &options).unwrap();
    assert_eq!(roster.rows.len(), 1);
    assert_eq!(roster.rows[0].photo.as_deref(), Some(dir.path().join("an.jpg").as_path()));
    assert_eq!(roster.problems.iter().map(|p| p.line).collect::<Vec<_>>(), vec![3, 4, 5, 6]);
}

#[test]
fn rows_already_registered_are_told_apart() {
    let roster = Roster::from_csv("name,staff number\nAn,A1\nBình,B2\n".as_bytes(), &options()).unwrap();
    let staff = StaffList {
        staff: vec![StaffView {
            staff_number: "a1".into(),
            full_name: "An".into(),
            department: String::new(),
            has_citizen_id: false,
            active_cards: vec![],
        }],
    };
    let known = roster.already_registered(&staff);
    assert_eq!(known.len(), 1);
    assert_eq!(known[0].member.staff_number, "A1");
}
