//! Communes' vaccination lists, coverage and reconciliation (issue 12), end to end over HTTP against SQLite and
//! PostgreSQL, through the same core path as `healthbook vaccine …` (`core::vaccination::officer_lists`).
//!
//! Registrations (`POST /v1/vaccination/registrations`) belong to another branch, so the registrations and
//! doses these scenarios need are inserted with SQL, persons with the server's own keyed id hash.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use healthbook_core::Clock;
use healthbook_core::client::ServerClient;
use healthbook_core::vaccination::officer_lists::{self, OfficerListError};
use healthbook_e2e::server::{TestBackend, TestServer, assert_http_error, assert_json_error, raw_request};
use healthbook_e2e::server_scenarios;
use healthbook_protocol::vaccination::{
    CommuneListReport, CommuneListRow, CommuneListUpload, CoverageReport, Discrepancy, DiscrepancyKind, ListField, ListProblem,
    ListProblemKind, MAX_LIST_ROWS, MAX_RECONCILIATION_ROWS, ReconciliationReport, ReconciliationRow, ReconciliationUpload, Sex,
    VaccineProduct,
};
use healthbook_server::persons::db::person_id_hash;
use healthbook_server::storage::{StorageError, Value};
use serde_json::{Value as Json, json};

server_scenarios!(
    a_commune_list_reports_exactly_its_planted_problems,
    who_may_call_the_list_endpoints_and_what_they_see,
    too_many_rows_and_oversized_bodies_are_refused_and_store_nothing,
    coverage_equals_a_direct_count,
    reconciliation_finds_every_kind_of_difference,
);

const WARD: &str = "26734";
const OTHER_WARD: &str = "26740";
const ROWS: usize = 2_000;

/// Creates a staff account through the API and signs it in; returns the client and the account id.
async fn staff(server: &TestServer, role: &str, username: &str, area: Json) -> (ServerClient, String) {
    let admin = server.admin_client().await;
    let body = json!({ "role": role, "username": username, "password": "staff-password", "area": area });
    let account: Json = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, "staff-password").await.unwrap();
    (client, account["id"].as_str().unwrap().to_owned())
}

async fn officer(server: &TestServer) -> (ServerClient, String) {
    staff(server, "health_officer", "officer-79", json!({ "province": "79", "wards": [WARD, OTHER_WARD] })).await
}

fn today(server: &TestServer) -> NaiveDate {
    server.clock.now().date_naive()
}

/// A person record with the server's keyed hash of `citizen_id`, in province 79 and `ward`; registered for
/// vaccination there when `registered`.
#[derive(Debug, Clone)]
struct Person {
    id: String,
    citizen_id: String,
    ward: String,
    registered: bool,
}

impl Person {
    fn new(citizen_id: &str, ward: &str, registered: bool) -> Self {
        Self { id: uuid::Uuid::new_v4().to_string(), citizen_id: citizen_id.into(), ward: ward.into(), registered }
    }
}

async fn insert_people(server: &TestServer, people: Vec<Person>, registered_by: &str) {
    let registered_by = registered_by.to_owned();
    let now = server.clock.now().timestamp_millis();
    server
        .db
        .write(move |tx| {
            for person in &people {
                let hash = person_id_hash(tx, &person.citizen_id).map_err(|e| StorageError::Worker(e.to_string()))?;
                let province = if person.ward == "00004" { "01" } else { "79" };
                tx.execute(
                    "INSERT INTO persons (id, id_hash, id_kind, full_name, birth_year, province_code, ward_code, verification, \
                     created_at) VALUES ($1, $2, 'cccd', 'Người Thử', 1960, $3, $4, 'attested', $5)",
                    &[person.id.clone().into(), hash.into(), province.into(), person.ward.clone().into(), Value::Int(now)],
                )?;
                if person.registered {
                    tx.execute(
                        "INSERT INTO vaccination_registrations (id, person_id, province_code, ward_code, source, registered_by, \
                         registered_at) VALUES ($1, $2, $3, $4, 'volunteer', $5, $6)",
                        &[
                            uuid::Uuid::new_v4().to_string().into(),
                            person.id.clone().into(),
                            province.into(),
                            person.ward.clone().into(),
                            registered_by.clone().into(),
                            Value::Int(now),
                        ],
                    )?;
                }
            }
            Ok::<_, StorageError>(())
        })
        .await
        .unwrap();
}

/// How a dose was recorded.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Recorded {
    /// At a site (counted).
    Site,
    /// Shown on paper and confirmed by an officer (counted).
    ConfirmedPaper,
    /// Shown on paper, not confirmed (not counted).
    Paper,
}

/// A dose of `person`, with a product code when `product` is given.
async fn insert_dose(server: &TestServer, person: &str, number: i64, date: &str, product: Option<VaccineProduct>, recorded: Recorded, by: &str) {
    let (site, confirmed) = (recorded == Recorded::Site, recorded == Recorded::ConfirmedPaper);
    let (person, date, by) = (person.to_owned(), date.to_owned(), by.to_owned());
    let now = server.clock.now().timestamp_millis();
    server
        .db
        .write(move |tx| {
            tx.execute(
                "INSERT INTO doses (id, person_id, product, dose_number, dose_date, source, recorded_by, recorded_at, \
                 confirmed_by, confirmed_at, product_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    uuid::Uuid::new_v4().to_string().into(),
                    person.into(),
                    product.map_or("AstraZeneca (paper)", |p| p.display_name()).into(),
                    Value::Int(number),
                    date.into(),
                    (if site { "site" } else { "self_reported" }).into(),
                    by.clone().into(),
                    Value::Int(now),
                    confirmed.then(|| by.clone()).into(),
                    confirmed.then_some(now).into(),
                    product.map(|p| p.as_str()).into(),
                ],
            )
        })
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------------------------
// The generated list.

const FAMILY: [&str; 7] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng"];
const MIDDLE: [&str; 5] = ["Văn", "Thị", "Minh", "Ngọc", "Hữu"];
const GIVEN: [&str; 11] = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Mai", "Phúc", "Quỳnh"];

/// One row of the file, as cells (all text, as a clerk types them).
#[derive(Debug, Clone)]
struct Line {
    name: String,
    birth: String,
    /// The birth date, when the row has a valid one (XLSX writes some as date cells).
    birth_date: Option<NaiveDate>,
    sex: String,
    citizen_id: String,
    phone: String,
    group: String,
    address: String,
}

/// What was planted on a row, and the problem it must give.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Plant {
    MissingName,
    MissingBirth,
    MissingSex,
    MissingIdAndPhone,
    BadId(usize),
    BadDate(usize),
    BadPhone(usize),
    BadGroup(usize),
    DuplicateOf(usize),
    DuplicateElsewhere,
    PriorityUnregistered { has_person: bool },
}

fn birth_of(i: usize) -> (i32, u32, u32) {
    (1940 + (i % 64) as i32, 1 + (i % 12) as u32, 1 + (i % 28) as u32)
}

fn male(i: usize) -> bool {
    i.is_multiple_of(2)
}

fn citizen_id(serial: usize, male: bool, year: i32) -> String {
    let code = if year >= 2000 { 2 } else { 0 } + u32::from(!male);
    format!("079{code}{:02}{serial:06}", year % 100)
}

fn is_priority(i: usize) -> bool {
    i % 10 == 3
}

fn group_of(i: usize) -> u8 {
    1 + ((i / 10) % 11) as u8
}

fn clean_line(i: usize) -> Line {
    let (year, month, day) = birth_of(i);
    let date = NaiveDate::from_ymd_opt(year, month, day).unwrap();
    let year_only = i.is_multiple_of(97);
    let birth = if year_only {
        year.to_string()
    } else {
        match i % 5 {
            0 => format!("{day:02}/{month:02}/{year}"),
            1 => format!("{day}/{month}/{year}"),
            2 => format!("{year}-{month:02}-{day:02}"),
            3 => format!("ngày {day} tháng {month} năm {year}"),
            _ => format!("{day:02}.{month:02}.{year}"),
        }
    };
    let number = 12_345_678 + i;
    let phone = match i % 4 {
        0 => format!("09{} {} {}", &number.to_string()[..2], &number.to_string()[2..5], &number.to_string()[5..]),
        1 => format!("+84 9{number}"),
        2 => format!("849{number}"),
        _ => format!("0162{}", &format!("{number:08}")[1..]),
    };
    Line {
        name: format!("{} {} {}", FAMILY[i % 7], MIDDLE[i % 5], GIVEN[i % 11]),
        birth,
        birth_date: (!year_only).then_some(date),
        sex: (if male(i) { ["Nam", "M", "male"][i % 3] } else { ["Nữ", "F", "nu"][i % 3] }).to_owned(),
        citizen_id: citizen_id(i, male(i), year),
        phone,
        group: if is_priority(i) { if i % 20 == 3 { format!("Nhóm {}", group_of(i)) } else { group_of(i).to_string() } } else { String::new() },
        address: format!("{} Nguyễn Trãi, Phường 1", i + 1),
    }
}

/// Index of the k-th planted row among the non-priority rows (all end in 7), spread through the file.
fn spread(k: usize) -> usize {
    7 + 20 * k
}

/// The 100 plants: 85 spread over non-priority rows, 15 on priority rows.
fn plants() -> BTreeMap<usize, Plant> {
    let mut kinds = Vec::new();
    kinds.extend([Plant::MissingName; 10]);
    kinds.extend([Plant::MissingBirth; 5]);
    kinds.extend([Plant::MissingSex; 5]);
    kinds.extend([Plant::MissingIdAndPhone; 5]);
    kinds.extend((0..10).map(Plant::BadId));
    kinds.extend((0..10).map(Plant::BadDate));
    kinds.extend((0..10).map(Plant::BadPhone));
    kinds.extend((0..5).map(Plant::BadGroup));
    kinds.extend([Plant::DuplicateElsewhere; 10]);
    let mut plants: BTreeMap<usize, Plant> = kinds.into_iter().enumerate().map(|(k, plant)| (spread(k), plant)).collect();
    // Duplicates copy the id of a clean row two above.
    for k in 0..15 {
        let i = spread(80 + k);
        plants.insert(i, Plant::DuplicateOf(i - 2));
    }
    for k in 0..15 {
        let i = 3 + 10 * (9 + 13 * k);
        plants.insert(i, Plant::PriorityUnregistered { has_person: k % 2 == 0 });
    }
    assert_eq!(plants.len(), 100);
    assert!(plants.iter().all(|(i, p)| *i < ROWS && (is_priority(*i) == matches!(p, Plant::PriorityUnregistered { .. }))));
    plants
}

fn planted_line(i: usize, plant: Plant) -> Line {
    let mut line = clean_line(i);
    match plant {
        Plant::MissingName => line.name.clear(),
        Plant::MissingBirth => {
            line.birth.clear();
            line.birth_date = None;
        }
        Plant::MissingSex => line.sex.clear(),
        Plant::MissingIdAndPhone => {
            line.citizen_id.clear();
            line.phone.clear();
        }
        Plant::BadId(v) => {
            let (year, _, _) = birth_of(i);
            line.citizen_id = match v % 5 {
                0 => line.citizen_id[..11].to_owned(),
                1 => citizen_id(i, !male(i), year),
                2 => format!("003{}", &line.citizen_id[3..]),
                3 => format!("{}AB", &line.citizen_id[..10]),
                _ => citizen_id(i, male(i), year + 1),
            };
        }
        Plant::BadDate(v) => {
            line.birth = ["31/02/1960", "05/03/2030", "1899", "không rõ", "32/01/1970"][v % 5].to_owned();
            line.birth_date = None;
        }
        Plant::BadPhone(v) => line.phone = ["12345", "0112345678", "+1 555 0100", "091234567", "09123456789"][v % 5].to_owned(),
        Plant::BadGroup(v) => line.group = ["Nhóm 20", "0", "nhóm", "99", "Nhóm -1"][v % 5].to_owned(),
        Plant::DuplicateOf(source) => {
            let source = clean_line(source);
            line.citizen_id = source.citizen_id;
            line.sex = source.sex;
            line.birth = source.birth;
            line.birth_date = source.birth_date;
        }
        Plant::DuplicateElsewhere | Plant::PriorityUnregistered { .. } => {}
    }
    line
}

fn lines() -> Vec<Line> {
    let plants = plants();
    (0..ROWS).map(|i| plants.get(&i).map_or_else(|| clean_line(i), |p| planted_line(i, *p))).collect()
}

/// The problem each plant must give, by line (header = 1, so row i is line i + 2).
fn expected_problems() -> Vec<ListProblem> {
    let problem = |i: usize, field, kind| ListProblem { line: (i + 2) as u32, field, kind, other_line: None, other_ward_code: None };
    plants()
        .into_iter()
        .map(|(i, plant)| match plant {
            Plant::MissingName => problem(i, ListField::FullName, ListProblemKind::Missing),
            Plant::MissingBirth => problem(i, ListField::BirthDate, ListProblemKind::Missing),
            Plant::MissingSex => problem(i, ListField::Sex, ListProblemKind::Missing),
            Plant::MissingIdAndPhone => problem(i, ListField::CitizenId, ListProblemKind::Missing),
            Plant::BadId(_) => problem(i, ListField::CitizenId, ListProblemKind::Invalid),
            Plant::BadDate(_) => problem(i, ListField::BirthDate, ListProblemKind::Invalid),
            Plant::BadPhone(_) => problem(i, ListField::Phone, ListProblemKind::Invalid),
            Plant::BadGroup(_) => problem(i, ListField::PriorityGroup, ListProblemKind::Invalid),
            Plant::DuplicateOf(source) => ListProblem { other_line: Some((source + 2) as u32), ..problem(i, ListField::CitizenId, ListProblemKind::DuplicateInFile) },
            Plant::DuplicateElsewhere => {
                ListProblem { other_ward_code: Some(OTHER_WARD.into()), ..problem(i, ListField::CitizenId, ListProblemKind::DuplicateInOtherCommune) }
            }
            Plant::PriorityUnregistered { .. } => problem(i, ListField::Row, ListProblemKind::PriorityNotRegistered),
        })
        .collect()
}

const HEADER: [&str; 9] =
    ["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD/CMND", "Số điện thoại", "Mã tỉnh", "Mã xã", "Địa chỉ", "Nhóm ưu tiên"];

fn quoted(cell: &str) -> String {
    format!("\"{}\"", cell.replace('"', "\"\""))
}

fn to_csv(lines: &[Line]) -> Vec<u8> {
    let mut text = String::from("\u{feff}");
    text.push_str(&HEADER.map(quoted).join(","));
    text.push_str("\r\n");
    for l in lines {
        let cells = [&l.name, &l.birth, &l.sex, &l.citizen_id, &l.phone, "79", WARD, &l.address, &l.group];
        text.push_str(&cells.map(quoted).join(","));
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// The same rows as a spreadsheet: codes as number cells, some birth dates as date cells, the rest as text.
fn to_xlsx(lines: &[Line]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (i, l) in lines.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &l.name).unwrap();
        match l.birth_date {
            Some(d) if i % 3 == 0 => {
                let cell = rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).unwrap();
                sheet.write_datetime_with_format(r, 1, &cell, &date_format).unwrap();
            }
            _ => {
                sheet.write_string(r, 1, &l.birth).unwrap();
            }
        }
        sheet.write_string(r, 2, &l.sex).unwrap();
        sheet.write_string(r, 3, &l.citizen_id).unwrap();
        sheet.write_string(r, 4, &l.phone).unwrap();
        sheet.write_number(r, 5, 79.0).unwrap();
        sheet.write_number(r, 6, 26_734.0).unwrap();
        sheet.write_string(r, 7, &l.address).unwrap();
        sheet.write_string(r, 8, &l.group).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// The other commune's list: the ids that the main list repeats, and a few of its own.
fn other_commune_csv() -> Vec<u8> {
    let plants = plants();
    let mut lines: Vec<Line> =
        plants.iter().filter(|(_, p)| **p == Plant::DuplicateElsewhere).map(|(i, _)| clean_line(*i)).collect();
    lines.extend((0..5).map(|k| {
        let mut line = clean_line(ROWS + k);
        line.group.clear();
        line
    }));
    let mut bytes = to_csv(&lines);
    let text = String::from_utf8(bytes.clone()).unwrap().replace(&format!("\"{WARD}\""), &format!("\"{OTHER_WARD}\""));
    bytes.clear();
    bytes.extend(text.into_bytes());
    bytes
}

/// Equal lists of problems; on a difference, prints only what differs.
fn assert_same_problems(got: &[ListProblem], expected: &[ListProblem]) {
    let extra: Vec<&ListProblem> = got.iter().filter(|p| !expected.contains(p)).collect();
    let lacking: Vec<&ListProblem> = expected.iter().filter(|p| !got.contains(p)).collect();
    assert!(extra.is_empty() && lacking.is_empty(), "reported but not planted: {extra:#?}\nplanted but not reported: {lacking:#?}");
    assert_eq!(got, expected, "same problems, in line then field order");
}

async fn import(server: &TestServer, client: &ServerClient, bytes: &[u8], ward: &str, accept: bool) -> CommuneListReport {
    officer_lists::import_list(client, bytes, ward, today(server), accept).await.unwrap().1
}

async fn entries_of(server: &TestServer, ward: &'static str) -> i64 {
    server
        .db
        .read(move |tx| tx.query("SELECT COUNT(*) FROM vaccination_list_entries WHERE ward_code = $1", &[ward.into()])?[0].int(0))
        .await
        .map_err(|e: StorageError| e)
        .unwrap()
}

async fn a_commune_list_reports_exactly_its_planted_problems(backend: TestBackend) {
    // Installed before the server starts, so that everything it logs is captured.
    let log = healthbook_e2e::log::captured_log();
    let server = TestServer::start(backend).await;
    let (officer, officer_id) = officer(&server).await;

    // The other commune's list first, so that ten of this list's people are already on a list.
    let other = import(&server, &officer, &other_commune_csv(), OTHER_WARD, true).await;
    assert_eq!((other.rows, other.valid_rows, other.problems.len(), other.changed), (15, 15, 0, 15), "{:?}", other.problems);

    // Every priority-group person is registered except the planted ones (half of those have no person at all).
    let plants = plants();
    let mut people = Vec::new();
    for i in (0..ROWS).filter(|i| is_priority(*i)) {
        let line = clean_line(i);
        match plants.get(&i) {
            Some(Plant::PriorityUnregistered { has_person: false }) => {}
            Some(Plant::PriorityUnregistered { has_person: true }) => people.push(Person::new(&line.citizen_id, WARD, false)),
            _ => people.push(Person::new(&line.citizen_id, WARD, true)),
        }
    }
    insert_people(&server, people, &officer_id).await;

    let lines = lines();
    let csv = to_csv(&lines);
    let xlsx = to_xlsx(&lines);
    let expected = expected_problems();
    let blocked = expected.iter().filter(|p| healthbook_core::vaccination::list::blocks_storage(p.kind)).count();
    assert_eq!(blocked, 75);

    // A dry run reports every planted problem, by line and reason, and stores nothing.
    let started = Instant::now();
    let dry = import(&server, &officer, &csv, WARD, false).await;
    eprintln!("dry run of {ROWS} rows (CSV, {backend:?}): {:?}", started.elapsed());
    assert_same_problems(&dry.problems, &expected);
    assert_eq!((dry.rows, dry.valid_rows, dry.stored, dry.changed), (2_000, 1_925, false, 0));
    assert_eq!(entries_of(&server, WARD).await, 0);
    // The spreadsheet of the same rows gives the same report.
    let started = Instant::now();
    let from_xlsx = import(&server, &officer, &xlsx, WARD, false).await;
    eprintln!("dry run of {ROWS} rows (XLSX, {backend:?}): {:?}", started.elapsed());
    assert_eq!(from_xlsx, dry);
    // Reasons as the CLI prints them name the line and field, never the value.
    let bad_id = dry.problems.iter().find(|p| p.kind == ListProblemKind::Invalid && p.field == ListField::CitizenId).unwrap();
    let text = healthbook_core::vaccination::list::describe(bad_id, false);
    assert_eq!(text, format!("line {}: citizen id is not valid", bad_id.line));
    assert_eq!(
        healthbook_core::vaccination::list::describe(bad_id, true),
        format!("dòng {}: Số CCCD/CMND: không hợp lệ", bad_id.line)
    );

    // Accepting stores the valid rows; the same list again (as CSV or as XLSX) changes nothing.
    let started = Instant::now();
    let stored = import(&server, &officer, &csv, WARD, true).await;
    eprintln!("import of {ROWS} rows ({backend:?}): {:?}", started.elapsed());
    assert_eq!((stored.stored, stored.changed, stored.problems.len()), (true, 1_925, 100));
    assert_eq!(entries_of(&server, WARD).await, 1_925);
    let again = import(&server, &officer, &csv, WARD, true).await;
    assert_eq!((again.stored, again.changed), (true, 0));
    let again = import(&server, &officer, &xlsx, WARD, true).await;
    assert_eq!((again.stored, again.changed), (true, 0));
    assert_eq!(entries_of(&server, WARD).await, 1_925);

    // One changed row is one change; a row left out is gone.
    let mut edited = lines.clone();
    edited[10].address = "Địa chỉ mới".into();
    edited.pop();
    let changed = import(&server, &officer, &to_csv(&edited), WARD, true).await;
    assert_eq!(changed.changed, 1);
    assert_eq!(entries_of(&server, WARD).await, 1_924);

    // No citizen id is stored in clear: only the persons' keyed hash. (Compared here, not in SQL, so that no
    // clear id goes to the database as a parameter, where the driver's debug log would show it.)
    let first_id = clean_line(0).citizen_id;
    let (first_hash, stored_hashes) = server
        .db
        .write(move |tx| {
            let hash = person_id_hash(tx, &first_id).map_err(|e| StorageError::Worker(e.to_string()))?;
            let stored = tx.query("SELECT id_hash FROM vaccination_list_entries WHERE ward_code = $1", &[WARD.into()])?;
            let stored: Vec<String> = stored.iter().map(|r| r.opt_text(0)).collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect();
            Ok::<_, StorageError>((hash, stored))
        })
        .await
        .unwrap();
    assert!(stored_hashes.contains(&first_hash));
    for line in &lines {
        assert!(line.citizen_id.is_empty() || !stored_hashes.contains(&line.citizen_id), "a clear citizen id is stored");
    }

    // A registered priority person's group is read from the list; a person on no list has none.
    let listed_id = clean_line(13).citizen_id;
    let groups = server
        .db
        .write(move |tx| {
            let hash = person_id_hash(tx, &listed_id).map_err(|e| StorageError::Worker(e.to_string()))?;
            let listed = tx.query_opt("SELECT id FROM persons WHERE id_hash = $1", &[hash.into()])?.expect("person").text(0)?;
            let group_of = |tx: &mut dyn healthbook_server::storage::Tx, person: &str| {
                healthbook_server::vaccination::lists::priority_group_of(tx, person).map_err(|e| StorageError::Worker(e.to_string()))
            };
            Ok::<_, StorageError>((group_of(tx, &listed)?, group_of(tx, "no-such-person")?))
        })
        .await
        .unwrap();
    assert_eq!(groups, (Some(group_of(13)), None));

    // The server's log holds counts, never a citizen id or a name. (tokio_postgres traces every statement's
    // parameters at DEBUG, while the server logs at INFO by default, so its lines are left out, as elsewhere.)
    let logged: String = String::from_utf8_lossy(&log.lock().unwrap())
        .lines()
        .filter(|line| !line.contains("tokio_postgres"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(logged.contains("commune list checked"), "the import is logged");
    for line in lines.iter().take(200) {
        for value in [&line.citizen_id, &line.name, &line.phone].into_iter().filter(|v| !v.is_empty()) {
            if let Some(at) = logged.find(value.as_str()) {
                let start = logged[..at].rfind('\n').unwrap_or(0);
                panic!("personal data in the log: {}", &logged[start..(at + 200).min(logged.len())]);
            }
        }
    }
    server.stop().await;
}

fn raw_row(line: u32, citizen_id: &str, province: &str) -> CommuneListRow {
    CommuneListRow {
        line,
        full_name: Some("Nguyễn Văn An".into()),
        birth_date: NaiveDate::from_ymd_opt(1960, 3, 5),
        birth_year_only: false,
        sex: Some(Sex::Male),
        citizen_id: Some(citizen_id.into()),
        phone: None,
        province_code: Some(province.into()),
        ward_code: Some(WARD.into()),
        address: None,
        priority_group: None,
    }
}

async fn who_may_call_the_list_endpoints_and_what_they_see(backend: TestBackend) {
    let log = healthbook_e2e::log::captured_log();
    let server = TestServer::start(backend).await;
    let (officer, _) = officer(&server).await;
    let (ward_officer, _) = staff(&server, "health_officer", "officer-ward", json!({ "province": "79", "wards": [WARD] })).await;
    let (elsewhere, _) = staff(&server, "health_officer", "officer-01", json!({ "province": "01" })).await;
    let (volunteer, _) = staff(&server, "volunteer", "volunteer-1", json!({ "province": "79", "wards": [WARD] })).await;
    let device = server.client();
    let identity = device.register_device("android").await.unwrap();
    device.sign_in_device(&identity).await.unwrap();

    let csv = b"full_name,birth_date,sex,citizen_id,ward_code,priority_group\nNguyen Van An,05/03/1960,Nam,079060001234,26734,1\n";
    let today = today(&server);
    let reconcile = ReconciliationUpload {
        platform: "National platform".into(),
        rows: vec![ReconciliationRow {
            line: 2,
            citizen_id: "079060001234".into(),
            dose_number: 1,
            date: NaiveDate::from_ymd_opt(2021, 6, 1).unwrap(),
            product: VaccineProduct::Comirnaty,
        }],
    };
    // Volunteers and devices may not call any of it.
    for client in [&volunteer, &device] {
        match officer_lists::import_list(client, csv, WARD, today, false).await {
            Err(OfficerListError::Client(e)) => assert_http_error::<()>(Err(e), 403, "forbidden"),
            other => panic!("expected 403, got {other:?}"),
        }
        assert_http_error(client.get_json::<CoverageReport>("/v1/vaccination/coverage").await, 403, "forbidden");
        assert_http_error(client.post_json::<_, ReconciliationReport>("/v1/vaccination/reconciliation", &reconcile).await, 403, "forbidden");
    }
    // Nor may anyone signed out.
    assert_http_error(server.client().get_json::<CoverageReport>("/v1/vaccination/coverage").await, 401, "unauthenticated");

    // An officer of another ward gets 404 for the commune, as if it did not exist.
    let upload = CommuneListUpload { ward_code: WARD.into(), rows: vec![raw_row(2, "079060001234", "79")], accept: true };
    let other_ward = CommuneListUpload { ward_code: OTHER_WARD.into(), ..upload.clone() };
    assert_http_error(ward_officer.post_json::<_, CommuneListReport>("/v1/vaccination/lists", &other_ward).await, 404, "not_found");
    assert_http_error(ward_officer.get_json::<CoverageReport>(&format!("/v1/vaccination/coverage?ward_code={OTHER_WARD}")).await, 404, "not_found");
    assert_eq!(entries_of(&server, OTHER_WARD).await, 0, "refused calls store nothing");
    // Bad input is 422.
    let bad_ward = CommuneListUpload { ward_code: "2673".into(), ..upload.clone() };
    assert_http_error(officer.post_json::<_, CommuneListReport>("/v1/vaccination/lists", &bad_ward).await, 422, "invalid_request");
    let same_lines = CommuneListUpload { rows: vec![raw_row(2, "079060001234", "79"), raw_row(2, "123456789", "79")], ..upload.clone() };
    assert_http_error(officer.post_json::<_, CommuneListReport>("/v1/vaccination/lists", &same_lines).await, 422, "invalid_request");

    // The server checks rows again: a hand-made upload with a bad id, another province or a duplicate is caught.
    let hand_made = CommuneListUpload {
        ward_code: WARD.into(),
        rows: vec![raw_row(2, "079160001234", "79"), raw_row(3, "079060001234", "01"), raw_row(4, "123456789", "79"), raw_row(5, "123456789", "79")],
        accept: true,
    };
    let report: CommuneListReport = officer.post_json("/v1/vaccination/lists", &hand_made).await.unwrap();
    let found: Vec<(u32, ListField, ListProblemKind)> = report.problems.iter().map(|p| (p.line, p.field, p.kind)).collect();
    assert_eq!(
        found,
        vec![
            (2, ListField::CitizenId, ListProblemKind::Invalid),
            (3, ListField::ProvinceCode, ListProblemKind::Invalid),
            (5, ListField::CitizenId, ListProblemKind::DuplicateInFile),
        ]
    );
    assert_eq!((report.valid_rows, report.changed), (1, 1));
    assert_eq!(entries_of(&server, WARD).await, 1);

    // Once the commune is known to be in province 79, an officer of province 01 gets 404 for it, and cannot
    // replace or read its list.
    assert_http_error(elsewhere.post_json::<_, CommuneListReport>("/v1/vaccination/lists", &upload).await, 404, "not_found");
    let theirs = CommuneListUpload { rows: vec![raw_row(2, "079060001234", "01")], ..upload.clone() };
    assert_http_error(elsewhere.post_json::<_, CommuneListReport>("/v1/vaccination/lists", &theirs).await, 404, "not_found");
    assert_http_error(elsewhere.get_json::<CoverageReport>(&format!("/v1/vaccination/coverage?ward_code={WARD}")).await, 404, "not_found");
    assert_eq!(entries_of(&server, WARD).await, 1, "refused calls change nothing");

    // The ward officer stores its own commune's list; the other province's officer sees none of it in
    // reconciliation (the person is unknown there) and no coverage rows.
    let stored = officer_lists::import_list(&ward_officer, csv, WARD, today, true).await.unwrap().1;
    assert!(stored.stored);
    let person = Person::new("079060001234", WARD, true);
    let (_, admin_id) = staff(&server, "health_officer", "officer-x", json!({ "province": "79" })).await;
    insert_people(&server, vec![person.clone()], &admin_id).await;
    insert_dose(&server, &person.id, 1, "2021-06-01", Some(VaccineProduct::Comirnaty), Recorded::Site, &admin_id).await;
    let theirs: ReconciliationReport = elsewhere.post_json("/v1/vaccination/reconciliation", &reconcile).await.unwrap();
    assert_eq!(theirs.discrepancies.len(), 1);
    assert_eq!((theirs.discrepancies[0].kind, theirs.discrepancies[0].person_id.as_deref()), (DiscrepancyKind::UnknownPerson, None));
    let coverage: CoverageReport = elsewhere.get_json("/v1/vaccination/coverage").await.unwrap();
    assert_eq!(coverage, CoverageReport { rows: vec![], gaps: vec![] });
    let ours: ReconciliationReport = ward_officer.post_json("/v1/vaccination/reconciliation", &reconcile).await.unwrap();
    assert_eq!((ours.matching, ours.discrepancies.len()), (1, 0));
    let coverage: CoverageReport = ward_officer.get_json("/v1/vaccination/coverage").await.unwrap();
    assert_eq!(coverage.rows.len(), 1);
    assert_eq!((coverage.rows[0].listed, coverage.rows[0].registered, coverage.rows[0].with_dose), (1, 1, 1));

    // The three endpoints are documented.
    let doc: Json = reqwest::get(format!("{}/openapi.json", server.base_url)).await.unwrap().json().await.unwrap();
    for (path, method) in [("/v1/vaccination/lists", "post"), ("/v1/vaccination/coverage", "get"), ("/v1/vaccination/reconciliation", "post")] {
        assert!(doc["paths"][path][method]["responses"]["200"].is_object(), "{method} {path} documented");
    }

    // The reads are in the access log, and the server's log never holds a citizen id.
    let logged = server.count("access_log").await;
    assert!(logged >= 4, "{logged} access log entries");
    let log: String = String::from_utf8_lossy(&log.lock().unwrap())
        .lines()
        .filter(|line| !line.contains("tokio_postgres"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(log.contains("reconciliation"), "the reconciliation is logged");
    assert!(!log.contains("079060001234") && !log.contains("079160001234"));
    server.stop().await;
}

async fn coverage_equals_a_direct_count(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let (officer, officer_id) = officer(&server).await;
    // 60 residents: groups 1 and 2 and the general population; 45 with a person record, 30 registered; doses of
    // every kind (site, confirmed paper, unconfirmed paper, second doses completing a series).
    let mut text = String::from("Họ và tên,Ngày sinh,Giới tính,Số CCCD/CMND,Mã tỉnh,Mã xã,Nhóm ưu tiên\n");
    let mut people = Vec::new();
    for i in 0..60 {
        let (year, month, day) = birth_of(i);
        let id = citizen_id(900_000 + i, male(i), year);
        let group = match i % 3 {
            0 => "1",
            1 => "Nhóm 2",
            _ => "",
        };
        let sex = if male(i) { "Nam" } else { "Nữ" };
        text.push_str(&format!("{} {},{day}/{month}/{year},{sex},{id},79,{WARD},{group}\n", FAMILY[i % 7], GIVEN[i % 11]));
        if i < 45 {
            people.push(Person::new(&id, WARD, i < 30));
        }
    }
    let report = import(&server, &officer, text.as_bytes(), WARD, true).await;
    assert_eq!(report.valid_rows, 60, "{:?}", report.problems);
    insert_people(&server, people.clone(), &officer_id).await;
    // The dose pattern runs across groups (a group is i % 3), so every group has every kind.
    for (i, person) in people.iter().enumerate() {
        match (i / 3) % 6 {
            0 => insert_dose(&server, &person.id, 1, "2021-06-01", Some(VaccineProduct::Comirnaty), Recorded::Site, &officer_id).await,
            1 => {
                insert_dose(&server, &person.id, 1, "2021-05-01", Some(VaccineProduct::Comirnaty), Recorded::Site, &officer_id).await;
                insert_dose(&server, &person.id, 2, "2021-05-22", Some(VaccineProduct::Comirnaty), Recorded::Site, &officer_id).await;
            }
            2 => insert_dose(&server, &person.id, 1, "2021-06-01", None, Recorded::ConfirmedPaper, &officer_id).await,
            3 => insert_dose(&server, &person.id, 1, "2021-06-01", None, Recorded::Paper, &officer_id).await,
            4 => insert_dose(&server, &person.id, 1, "2021-06-01", Some(VaccineProduct::Janssen), Recorded::Site, &officer_id).await,
            _ => {}
        }
    }

    let coverage: CoverageReport = officer.get_json(&format!("/v1/vaccination/coverage?ward_code={WARD}")).await.unwrap();
    let whole_area: CoverageReport = officer.get_json("/v1/vaccination/coverage").await.unwrap();
    assert_eq!(coverage, whole_area, "the officer's area holds only this commune's list");

    // The same numbers counted directly in the database.
    let direct = server
        .db
        .read(|tx| {
            let counted = "(d.source = 'site' OR d.confirmed_at IS NOT NULL)";
            let rows = tx.query(
                &format!(
                    "SELECT e.priority_group, COUNT(*), \
                     SUM(CASE WHEN EXISTS (SELECT 1 FROM persons p JOIN vaccination_registrations r ON r.person_id = p.id \
                         WHERE p.id_hash = e.id_hash) THEN 1 ELSE 0 END), \
                     SUM(CASE WHEN EXISTS (SELECT 1 FROM persons p JOIN doses d ON d.person_id = p.id \
                         WHERE p.id_hash = e.id_hash AND {counted}) THEN 1 ELSE 0 END), \
                     SUM(CASE WHEN EXISTS (SELECT 1 FROM persons p JOIN doses d ON d.person_id = p.id \
                         WHERE p.id_hash = e.id_hash AND {counted} AND (d.dose_number >= 2 OR d.product_code = 'janssen')) \
                         THEN 1 ELSE 0 END) \
                     FROM vaccination_list_entries e WHERE e.ward_code = '{WARD}' GROUP BY e.priority_group"
                ),
                &[],
            )?;
            let mut counts = BTreeMap::new();
            for row in rows {
                counts.insert(row.opt_int(0)?, (row.int(1)?, row.int(2)?, row.int(3)?, row.int(4)?));
            }
            Ok::<_, StorageError>(counts)
        })
        .await
        .unwrap();
    let reported: BTreeMap<Option<i64>, (i64, i64, i64, i64)> = coverage
        .rows
        .iter()
        .map(|r| (r.priority_group.map(i64::from), (i64::from(r.listed), i64::from(r.registered), i64::from(r.with_dose), i64::from(r.fully_vaccinated))))
        .collect();
    assert_eq!(reported, direct);
    assert_eq!(coverage.rows.iter().map(|r| r.priority_group).collect::<Vec<_>>(), vec![Some(1), Some(2), None], "groups ascending, general last");
    assert!(coverage.rows.iter().all(|r| r.with_dose > 0 && r.fully_vaccinated > 0 && r.registered < r.listed), "{coverage:?}");
    // Gaps: priority-group people with no counted dose, by line.
    let with_dose: std::collections::HashSet<usize> = (0..45).filter(|i| matches!((i / 3) % 6, 0 | 1 | 2 | 4)).collect();
    let expected_gaps: Vec<(u32, bool)> =
        (0..60).filter(|i| i % 3 != 2 && !with_dose.contains(i)).map(|i| ((i + 2) as u32, i < 30)).collect();
    assert_eq!(coverage.gaps.iter().map(|g| (g.line, g.registered)).collect::<Vec<_>>(), expected_gaps);
    server.stop().await;
}

/// Discrepancies in the report's order: by person (unknown ones first), dose number, then line.
fn ordered(mut list: Vec<Discrepancy>) -> Vec<Discrepancy> {
    list.sort_by(|a, b| {
        (a.person_id.as_deref().unwrap_or(""), a.dose_number, a.line.unwrap_or(u32::MAX))
            .cmp(&(b.person_id.as_deref().unwrap_or(""), b.dose_number, b.line.unwrap_or(u32::MAX)))
    });
    list
}

async fn reconciliation_finds_every_kind_of_difference(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let (officer, officer_id) = officer(&server).await;
    let ids = ["079060000001", "079160000002", "079070000003", "079170000004", "079080000005"];
    let p1 = Person::new(ids[0], WARD, false);
    let p2 = Person::new(ids[1], OTHER_WARD, true);
    let p3 = Person::new(ids[2], WARD, false);
    // In province 01: outside the officer's area.
    let outside = Person::new(ids[3], "00004", true);
    insert_people(&server, vec![p1.clone(), p2.clone(), p3.clone(), outside.clone()], &officer_id).await;
    let by = officer_id.as_str();
    insert_dose(&server, &p1.id, 1, "2021-05-01", Some(VaccineProduct::Comirnaty), Recorded::Site, by).await;
    insert_dose(&server, &p1.id, 2, "2021-05-22", Some(VaccineProduct::Comirnaty), Recorded::Site, by).await;
    insert_dose(&server, &p2.id, 1, "2021-05-05", Some(VaccineProduct::Vaxzevria), Recorded::Site, by).await;
    insert_dose(&server, &p3.id, 1, "2021-04-10", None, Recorded::ConfirmedPaper, by).await;
    // Not counted (unconfirmed paper record): nothing to reconcile.
    insert_dose(&server, &p3.id, 2, "2021-06-10", None, Recorded::Paper, by).await;
    insert_dose(&server, &outside.id, 1, "2021-05-01", Some(VaccineProduct::Spikevax), Recorded::Site, by).await;

    let csv = format!(
        "Số CCCD/CMND;Mũi số;Ngày tiêm;Loại vắc xin\n\
         {};1;01/05/2021;Pfizer\n\
         {};2;23/05/2021;EU/1/20/1528\n\
         {};1;2021-05-05;Pfizer-BioNTech\n\
         {};2;2021-08-01;AstraZeneca\n\
         {};1;01/05/2021;Moderna\n\
         {};1;01/06/2021;Vero Cell\n\
         12345;1;01/06/2021;Vero Cell\n",
        ids[0], ids[0], ids[1], ids[1], ids[3], ids[4]
    );
    // 2021-08-01 is after the test clock's today: that line does not read, and is reported as such.
    let (export, report) = officer_lists::reconcile(&officer, "Nền tảng quốc gia", csv.as_bytes(), today(&server)).await.unwrap();
    let unread: Vec<String> = export.problems.iter().map(|p| p.describe(false)).collect();
    assert_eq!(unread, vec!["line 5: date is not valid", "line 8: citizen id is not valid"]);
    assert_eq!((report.platform.as_str(), report.rows, report.matching), ("Nền tảng quốc gia", 5, 1));
    let d = |person: Option<&Person>, line: Option<u32>, dose: u8, kind, ours: Option<&str>, theirs: Option<&str>| Discrepancy {
        person_id: person.map(|p| p.id.clone()),
        line,
        dose_number: dose,
        kind,
        ours: ours.map(str::to_owned),
        theirs: theirs.map(str::to_owned),
    };
    assert_eq!(
        report.discrepancies,
        ordered(vec![
            d(Some(&p1), Some(3), 2, DiscrepancyKind::DateDiffers, Some("2021-05-22"), Some("2021-05-23")),
            d(Some(&p2), Some(4), 1, DiscrepancyKind::ProductDiffers, Some("vaxzevria"), Some("comirnaty")),
            d(None, Some(6), 1, DiscrepancyKind::UnknownPerson, None, Some("2021-05-01 spikevax")),
            d(None, Some(7), 1, DiscrepancyKind::UnknownPerson, None, Some("2021-06-01 sinopharm")),
            d(Some(&p3), None, 1, DiscrepancyKind::MissingThere, Some("2021-04-10"), None),
        ])
    );

    // A dose they have and we don't; every counted dose of ours the file leaves out.
    let missing_here = format!("citizen_id,dose_number,date,product\n{},2,2021-06-05,AstraZeneca\n", ids[1]);
    let (_, report) = officer_lists::reconcile(&officer, "Nền tảng quốc gia", missing_here.as_bytes(), today(&server)).await.unwrap();
    assert_eq!(report.matching, 0);
    assert_eq!(
        report.discrepancies,
        ordered(vec![
            d(Some(&p2), Some(2), 2, DiscrepancyKind::MissingHere, None, Some("2021-06-05 vaxzevria")),
            d(Some(&p1), None, 1, DiscrepancyKind::MissingThere, Some("2021-05-01 comirnaty"), None),
            d(Some(&p1), None, 2, DiscrepancyKind::MissingThere, Some("2021-05-22 comirnaty"), None),
            d(Some(&p2), None, 1, DiscrepancyKind::MissingThere, Some("2021-05-05 vaxzevria"), None),
            d(Some(&p3), None, 1, DiscrepancyKind::MissingThere, Some("2021-04-10"), None),
        ])
    );
    server.stop().await;
}

async fn too_many_rows_and_oversized_bodies_are_refused_and_store_nothing(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let (officer, _) = officer(&server).await;
    let token = officer.session().unwrap().token;
    let post = |path: &str, body: Vec<u8>| {
        raw_request(
            reqwest::Client::new()
                .post(format!("{}{path}", server.base_url))
                .bearer_auth(&token)
                .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                .header("content-type", "application/json")
                .body(body),
        )
    };
    // One row more than the contract allows: named, refused, nothing stored.
    let rows: Vec<Json> = (0..=MAX_LIST_ROWS as u32).map(|line| json!({ "line": line + 2 })).collect();
    let list = json!({ "ward_code": WARD, "rows": rows, "accept": true });
    assert_json_error(&post("/v1/vaccination/lists", serde_json::to_vec(&list).unwrap()).await, 422, "invalid_request");
    let rows: Vec<Json> = (0..=MAX_RECONCILIATION_ROWS as u32)
        .map(|line| json!({ "line": line + 2, "citizen_id": "079060001234", "dose_number": 1, "date": "2021-09-01", "product": "comirnaty" }))
        .collect();
    let export = json!({ "platform": "other", "rows": rows });
    assert_json_error(&post("/v1/vaccination/reconciliation", serde_json::to_vec(&export).unwrap()).await, 422, "invalid_request");
    // A body over the endpoints' own limit (16 MiB) is refused before it is read as JSON. Only just over: the
    // server answers 413 and closes once the limit is passed, and with a whole MiB still to send the client's
    // write could meet the closed connection (a broken pipe) before it read the answer; it did once in CI.
    let huge = format!("{{\"ward_code\": \"{WARD}\", \"accept\": true, \"rows\": [], \"pad\": \"{}\"}}", "x".repeat(16 * 1024 * 1024 + 1024));
    for path in ["/v1/vaccination/lists", "/v1/vaccination/reconciliation"] {
        assert_json_error(&post(path, huge.clone().into_bytes()).await, 413, "payload_too_large");
    }
    assert_eq!(server.count("vaccination_list_entries").await, 0);
    server.stop().await;
}
