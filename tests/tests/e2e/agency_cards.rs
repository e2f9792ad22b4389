//! Issue 9's acceptance for the agency admin's side. A generated 5,000-row roster (CSV and XLSX) with exactly 50
//! bad rows of ten kinds reports exactly those 50 with their line numbers; the 4,950 others get signed staff
//! cards laid out as A4 sheets; every page of the PDF is RENDERED to pixels (Poppler's pdftoppm, an independent renderer)
//! and every QR on it decoded back from the pixels (rqrr) and verified by a `Verifier` that trusts the agency's
//! key: 4,950 valid cards, each staff number once. Then, against the real server: the key is submitted with its
//! proof and certified, the roster imported (again: nothing changes), cards registered and one revoked, which
//! a gate refuses after its refresh, while a card signed by an uncertified key never verifies.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use healthbook_cli::cardsheet::{self, CardFace};
use healthbook_core::agency::client::AgencyAdmin;
use healthbook_core::agency::{AgencyKey, CardIssuer, Roster, RosterOptions};
use healthbook_core::client::ServerClient;
use healthbook_core::credentials::{CheckpointTrustStore, KeyRole, PayloadSummary, Verifier};
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::trust::KeyScope;
use healthbook_core::{Clock, Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestServer};
use healthbook_e2e::server_scenarios;
use healthbook_pdfscan::Turn;
use healthbook_protocol::agencies::AgencyKeyStatus;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const ROWS: usize = 5_000;
const BAD: usize = 50;
const AGENCY: &str = "agency-ubnd-q1";
const THIS_YEAR: i32 = 2021;
/// Pixels a point at which the sheets are rendered for scanning: 144 dpi, 4.3-4.5 pixels a module for the
/// version 12-13 symbols these cards carry. The QRs are 1-bit images drawn without interpolation, so every module
/// is a solid block; probing 1,600 cards, 1.5 (3.3-3.5 pixels a module) decoded all, 1.7 none of the version-12
/// symbols (rqrr misjudges that one module size), 1.2 nothing: 2.0 keeps a margin on both sides.
const SCAN_SCALE: f32 = 2.0;
/// The further looks at a card rqrr did not read at [`SCAN_SCALE`], in order, until it reads; only the pages with
/// such a card are rendered again. A phone's camera meets a card at another distance and angle from frame to
/// frame, and rqrr misses a few symbols at one resolution that it reads at another (whole symbol versions at
/// some scales: every version 12 at 1.7 px/pt; it read every card of a 1,600-card probe at 1.5468). Now and then
/// a run met a card that neither 2.0 nor 1.5468 read upright (the cards' signatures, so their symbols, differ from
/// run to run): the turned looks hand the decoder the same pixels along other rows, which changes its
/// thresholding. Every card must still decode, and verify, in the end.
const FURTHER_LOOKS: [(f32, Turn); 4] = [(1.5468, Turn::None), (SCAN_SCALE, Turn::Quarter), (1.5468, Turn::Quarter), (2.5, Turn::None)];
const HEADER: [&str; 7] = ["Họ và tên", "Mã nhân viên", "Phòng ban", "Số điện thoại", "CCCD", "Năm sinh", "Ảnh"];

const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng"];
const MIDDLE: [&str; 6] = ["Văn", "Thị", "Hữu", "Ngọc", "Minh", "Thanh"];
const GIVEN: [&str; 10] = ["An", "Bình", "Cường", "Dũng", "Hạnh", "Hương", "Khoa", "Lộc", "Phượng", "Ước"];
const DEPARTMENTS: [&str; 5] = ["Kế toán", "Tổ chức – Hành chính", "Phòng Kỹ thuật", "Văn phòng Ủy ban", ""];

/// A generated roster: the cells of each data row, the lines of the bad ones, and the good rows' staff numbers.
struct Generated {
    rows: Vec<[String; 7]>,
    bad_lines: BTreeSet<usize>,
    good_staff: BTreeSet<String>,
}

fn phone(i: usize) -> String {
    let digits = format!("9{:08}", i);
    match i % 4 {
        0 => format!("0{digits}"),
        1 => format!("+84 {} {} {}", &digits[..2], &digits[2..5], &digits[5..]),
        2 => format!("84{digits}"),
        _ => format!("0{}.{}.{}", &digits[..2], &digits[2..5], &digits[5..]),
    }
}

/// Row `i`'s 12-digit CCCD: province 079, then the birth year it encodes (digit 4: 0/1 for the 1900s by sex,
/// digits 5-6 the year), as the server checks against the row's birth year.
fn cccd(i: usize) -> String {
    format!("079{}{:02}{:06}", i % 2, (1960 + i % 40) % 100, i)
}

fn generate(seed: u64) -> Generated {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut rows: Vec<[String; 7]> = (0..ROWS)
        .map(|i| {
            let name = format!("{} {} {}", FAMILY[rng.gen_range(0..8)], MIDDLE[rng.gen_range(0..6)], GIVEN[rng.gen_range(0..10)]);
            let photo = match i % 500 {
                7 => "photos/staff-photo.jpg",
                8 => "photos/staff-photo-grey.jpg",
                _ => "",
            };
            [
                name,
                format!("NV-{i:05}"),
                DEPARTMENTS[i % 5].to_owned(),
                phone(i),
                if i % 3 == 0 { cccd(i) } else if i % 3 == 1 { format!("{:09}", 100_000_000 + i) } else { String::new() },
                if i % 7 == 0 { String::new() } else { (1960 + i % 40).to_string() },
                photo.to_owned(),
            ]
        })
        .collect();
    // 50 bad rows, none among the first 100 (which the duplicates copy from), five of each kind.
    let mut candidates: Vec<usize> = (100..ROWS).collect();
    candidates.shuffle(&mut rng);
    let bad: Vec<usize> = candidates[..BAD].to_vec();
    for (n, &i) in bad.iter().enumerate() {
        let source = i % 100;
        let row = &mut rows[i];
        match n % 10 {
            0 => row[0] = String::new(),
            1 => row[0] = format!("Nguyễn Văn {}", i % 10),
            2 => row[1] = format!("NV {i}"),
            3 => row[1] = format!("NV-{source:05}"),
            4 => row[3] = phone(source),
            5 => {
                // Another row's CCCD, with that row's birth year so that only the duplicate is wrong.
                row[4] = cccd(source - source % 3);
                row[5] = if (source - source % 3) % 7 == 0 { String::new() } else { (1960 + (source - source % 3) % 40).to_string() };
            }
            6 => row[3] = "12345".into(),
            7 => row[4] = format!("097{:09}", i),
            8 => row[5] = "2030".into(),
            _ => row[0] = "Ă".repeat(201),
        }
    }
    let bad_lines = bad.iter().map(|i| i + 2).collect();
    let bad_set: HashSet<usize> = bad.iter().copied().collect();
    let good_staff = (0..ROWS).filter(|i| !bad_set.contains(i)).map(|i| rows[i][1].clone()).collect();
    Generated { rows, bad_lines, good_staff }
}

fn write_roster(dir: &Path, roster: &Generated) -> (std::path::PathBuf, std::path::PathBuf) {
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for name in ["staff-photo.jpg", "staff-photo-grey.jpg"] {
        std::fs::copy(fixtures.join(name), photos.join(name)).unwrap();
    }
    let mut csv = HEADER.join(",");
    csv.push('\n');
    for row in &roster.rows {
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    let csv_path = dir.join("roster.csv");
    std::fs::write(&csv_path, csv).unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in roster.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let at = (r as u32 + 1, c as u16);
            // Birth years as numbers, as a spreadsheet types them; everything else as text.
            match cell.parse::<f64>() {
                Ok(n) if c == 5 => sheet.write_number(at.0, at.1, n).map(|_| ()),
                _ if cell.is_empty() => Ok(()),
                _ => sheet.write_string(at.0, at.1, cell).map(|_| ()),
            }
            .unwrap();
        }
    }
    let xlsx_path = dir.join("roster.xlsx");
    book.save(&xlsx_path).unwrap();
    (csv_path, xlsx_path)
}

fn verifier(key: &AgencyKey, agency: &str) -> Verifier<CheckpointTrustStore> {
    let mut store = CheckpointTrustStore::new();
    store.add_key(key.signer(agency).unwrap().trusted_key(KeyRole::AGENCY).with_scope(KeyScope::Agency(agency.into())));
    Verifier::new(store)
}

/// Renders every page at `scale` pixels a point and decodes every card's QR from the pixels inside its box (the
/// symbol and its quiet zone, 4.5 mm beyond the symbol each side: less than the gap to the text column), on two
/// threads: (page count, the decoded texts, undecodable extra grids, the scan's timings). Every card slot must
/// hold exactly one symbol that decodes, and the empty slots of the last page nothing; every failure is listed
/// before the test fails.
fn render_and_decode(pdf: Vec<u8>, scale: f32) -> (usize, Vec<String>, usize, healthbook_pdfscan::Scan) {
    let boxes: Vec<healthbook_pdfscan::BoxMm> = (0..cardsheet::PER_PAGE)
        .map(|slot| {
            let left = cardsheet::MARGIN_X + (slot % cardsheet::COLUMNS) as f64 * cardsheet::CARD_W + cardsheet::QR_LEFT;
            let top = cardsheet::MARGIN_Y + (slot / cardsheet::COLUMNS) as f64 * cardsheet::CARD_H + cardsheet::QR_TOP;
            (left - 4.5, top - 4.5, cardsheet::QR_MM + 9.0, cardsheet::QR_MM + 9.0)
        })
        .collect();
    let mut scan = healthbook_pdfscan::scan(pdf.clone(), scale, &boxes, 2).expect("the PDF renders");
    let on_page = |n: usize| (ROWS - BAD).saturating_sub(n * cardsheet::PER_PAGE).min(cardsheet::PER_PAGE);
    let read = |found: &healthbook_pdfscan::BoxResult| found.iter().filter(|r| r.is_ok()).count() == 1;
    // The cards that did not read get further looks (FURTHER_LOOKS), each only at the cards still unread; a card
    // read at a look keeps that look's symbols.
    let mut unread: Vec<(usize, usize)> = scan
        .pages
        .iter()
        .enumerate()
        .flat_map(|(n, page)| page.iter().enumerate().map(move |(slot, found)| (n, slot, found)))
        .filter(|(n, slot, found)| *slot < on_page(*n) && !read(found))
        .map(|(n, slot, _)| (n, slot))
        .collect();
    let mut looks = Vec::new();
    for (look_scale, turn) in FURTHER_LOOKS {
        if unread.is_empty() {
            break;
        }
        let mut pages: Vec<usize> = unread.iter().map(|(n, _)| *n).collect();
        pages.dedup();
        let again = healthbook_pdfscan::scan_pages_turned(pdf.clone(), look_scale, turn, &boxes, &pages).expect("the pages render");
        let before = unread.len();
        for (n, boxes_found) in again {
            for &(page, slot) in unread.iter().filter(|(page, _)| *page == n) {
                scan.pages[page][slot] = boxes_found[slot].clone();
            }
        }
        unread.retain(|&(page, slot)| !read(&scan.pages[page][slot]));
        looks.push(format!("{} of {before} read at {look_scale} px/pt {turn:?}", before - unread.len()));
    }
    eprintln!("further looks: {}", if looks.is_empty() { "none needed".to_owned() } else { looks.join("; ") });
    let (mut texts, mut failures, mut phantoms) = (Vec::new(), Vec::new(), 0);
    for (n, page) in scan.pages.iter().enumerate() {
        let on_page = on_page(n);
        for (slot, found) in page.iter().enumerate() {
            let decoded: Vec<&String> = found.iter().filter_map(|r| r.as_ref().ok()).collect();
            if decoded.len() != usize::from(slot < on_page) || (slot >= on_page && !found.is_empty()) {
                failures.push(format!("page {} card {}: {} symbols decoded of {} found: {found:?}", n + 1, slot + 1, decoded.len(), found.len()));
            }
            texts.extend(decoded.into_iter().cloned());
            // rqrr now and then also groups a finder pattern with look-alikes in the data into a second grid that
            // does not decode: counted, and allowed only beside the card's own symbol, which must decode.
            phantoms += found.len() - found.iter().filter(|r| r.is_ok()).count();
        }
    }
    assert!(failures.is_empty(), "at scale {scale}, then the further looks ({looks:?}): {failures:#?}");
    (scan.pages.len(), texts, phantoms, scan)
}

#[test]
fn a_5000_row_roster_with_50_bad_rows_reports_them_and_prints_4950_cards_whose_rendered_qrs_all_verify() {
    let started = Instant::now();
    let generated = generate(0x0009_ca7d);
    let dir = tempfile::tempdir().unwrap();
    let (csv_path, xlsx_path) = write_roster(dir.path(), &generated);
    let options = RosterOptions { this_year: THIS_YEAR, base_dir: Some(dir.path().to_path_buf()) };

    let t = Instant::now();
    let csv = Roster::from_csv(&std::fs::read(&csv_path).unwrap(), &options).unwrap();
    let csv_time = t.elapsed();
    let t = Instant::now();
    let xlsx = Roster::from_xlsx(&std::fs::read(&xlsx_path).unwrap(), &options).unwrap();
    let xlsx_time = t.elapsed();
    for (kind, roster) in [("CSV", &csv), ("XLSX", &xlsx)] {
        let lines: BTreeSet<usize> = roster.problems.iter().map(|p| p.line).collect();
        assert_eq!(roster.problems.len(), BAD, "{kind}: {:?}", roster.problems);
        assert_eq!(lines, generated.bad_lines, "{kind}: exactly the bad rows, by line");
        assert_eq!(roster.rows.len(), ROWS - BAD, "{kind}");
        for p in &roster.problems {
            assert!(!p.reason.is_empty(), "{kind}: line {} has a reason", p.line);
        }
    }
    assert_eq!(csv.rows, xlsx.rows, "CSV and XLSX read to the same rows");
    // Each kind of mistake is named.
    let reasons: Vec<&str> = csv.problems.iter().map(|p| p.reason.as_str()).collect();
    for needle in ["name is empty", "name may hold only", "staff number must be", "same staff number as line", "same phone as line",
        "same citizen id as line", "phone is not", "citizen id must be", "birth year must be", "longer than 200"] {
        assert_eq!(reasons.iter().filter(|r| r.contains(needle)).count(), 5, "{needle}");
    }
    let photos = csv.rows.iter().filter(|r| r.photo.is_some()).count();
    assert_eq!(photos, 20);

    let key = AgencyKey::generate().unwrap();
    let issuer = CardIssuer::new(&key, AGENCY).unwrap();
    let now: DateTime<Utc> = "2021-09-01T08:00:00Z".parse().unwrap();
    let t = Instant::now();
    let signed: Vec<_> = csv.rows.iter().map(|r| issuer.issue(&r.member, now).unwrap()).collect();
    let sign_time = t.elapsed();
    let faces: Vec<CardFace> = csv
        .rows
        .iter()
        .zip(&signed)
        .map(|(row, card)| CardFace {
            qr_text: card.qr_text.clone(),
            name: row.member.full_name.clone(),
            department: row.member.department.clone(),
            staff_number: row.member.staff_number.clone(),
            agency_name: "Ủy ban nhân dân Quận 1".into(),
            photo_jpeg: row.photo.as_ref().map(|p| std::fs::read(p).unwrap()),
        })
        .collect();
    let t = Instant::now();
    let mut laid_out = 0;
    let pdf = cardsheet::pdf(&faces, |n| laid_out = n).unwrap();
    let pdf_time = t.elapsed();
    assert_eq!(laid_out, ROWS - BAD);
    let pdf_len = pdf.len();
    let photo_objects = pdf.windows(b"/DCTDecode".len()).filter(|w| *w == b"/DCTDecode").count();
    assert_eq!(photo_objects, 20, "every photo embedded as a JPEG");

    let t = Instant::now();
    let (pages, texts, phantoms, scan) = render_and_decode(pdf, SCAN_SCALE);
    let scan_time = t.elapsed();
    assert_eq!(pages, (ROWS - BAD).div_ceil(cardsheet::PER_PAGE));
    assert_eq!(texts.len(), ROWS - BAD);
    let trusted = verifier(&key, AGENCY);
    let mut staff_seen: HashMap<String, usize> = HashMap::new();
    let card_ids: HashSet<&str> = signed.iter().map(|s| s.card.card_id.as_str()).collect();
    for text in &texts {
        let verdict = trusted.verify(text, now + Duration::hours(1));
        assert!(verdict.valid, "{verdict:?}");
        assert!(card_ids.contains(verdict.credential_id.as_deref().unwrap()), "a card this run signed");
        match verdict.payload {
            Some(PayloadSummary::StaffCard(card)) => {
                assert_eq!(card.agency_id, AGENCY);
                *staff_seen.entry(card.staff_id).or_default() += 1;
            }
            other => panic!("not a staff card: {other:?}"),
        }
    }
    assert!(staff_seen.values().all(|&n| n == 1), "each staff number once");
    assert_eq!(staff_seen.keys().cloned().collect::<BTreeSet<_>>(), generated.good_staff);
    // Another agency's key does not vouch for these cards.
    let stranger = verifier(&AgencyKey::generate().unwrap(), AGENCY);
    assert!(!stranger.verify(&texts[0], now + Duration::hours(1)).valid);
    println!(
        "agency cards: CSV read {csv_time:?}, XLSX read {xlsx_time:?}, {} cards signed in {sign_time:?}, PDF of {pages} pages \
         ({:.1} MB) in {pdf_time:?}, rendered and decoded in {scan_time:?} on 2 threads (render {:?}, decode {:?}, summed \
         over the threads; {phantoms} undecodable extra grids beside decoded cards); total {:?}",
        ROWS - BAD,
        pdf_len as f64 / 1e6,
        scan.render,
        scan.decode,
        started.elapsed()
    );
}

const PASSWORD: &str = "agency-test-password-1";

async fn staff(server: &TestServer, role: &str, username: &str, agency: &str) -> ServerClient {
    let admin = server.admin_client().await;
    let body = json!({ "role": role, "username": username, "password": PASSWORD, "agency_id": agency });
    let _: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, PASSWORD).await.unwrap();
    client
}

async fn agency_admin_certifies_imports_registers_and_a_revoked_card_fails_at_the_gate(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let agency = admin.create_agency("Ủy ban nhân dân Quận 1").await.unwrap().id;
    let other = admin.create_agency("Chợ Bến Thành").await.unwrap().id;
    let agency_admin = staff(&server, "agency_admin", "q1-admin", &agency).await;
    let other_admin = staff(&server, "agency_admin", "ben-thanh-admin", &other).await;
    let calls = AgencyAdmin::new(&agency_admin, &agency);

    // The key: submitted with its proof (pending), certified by the authority. Another agency's admin can't
    // submit for this one.
    let key = AgencyKey::generate().unwrap();
    assert!(AgencyAdmin::new(&other_admin, &agency).submit_key(&key).await.is_err());
    let view = calls.submit_key(&key).await.unwrap();
    assert_eq!((view.status, view.kid.as_str()), (AgencyKeyStatus::Pending, key.kid().to_base64().as_str()));
    assert!(calls.certify_key(&view.kid).await.is_err(), "the agency's admin does not certify its own key");
    let certified = AgencyAdmin::new(&admin, &agency).certify_key(&view.kid).await.unwrap();
    assert_eq!((certified.status, certified.kid.as_str()), (AgencyKeyStatus::Certified, view.kid.as_str()));
    let listed = calls.keys().await.unwrap().keys;
    assert_eq!((listed.len(), listed[0].status), (1, AgencyKeyStatus::Certified));

    // A small roster: imported once, then again with no change.
    let generated = generate(7);
    let dir = tempfile::tempdir().unwrap();
    let (csv_path, _) = write_roster(dir.path(), &generated);
    let roster = Roster::from_file(&csv_path, THIS_YEAR).unwrap();
    let members: Vec<_> = roster.members().into_iter().take(20).collect();
    let first = calls.import_staff(&members).await.unwrap();
    assert_eq!((first.added, first.conflicts.len()), (20, 0));
    let again = calls.import_staff(&members).await.unwrap();
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 20));
    assert_eq!(calls.staff().await.unwrap().staff.len(), 20);
    assert!(AgencyAdmin::new(&other_admin, &agency).staff().await.is_err(), "another agency's admin sees nothing");

    let issuer = CardIssuer::new(&key, &agency).unwrap();
    let now = server.clock.now();
    let signed: Vec<_> = members.iter().map(|m| issuer.issue(m, now).unwrap()).collect();
    let cards: Vec<_> = signed.iter().map(|s| s.card.clone()).collect();
    let mut progress = Vec::new();
    let report = calls.register_cards(&cards, |n| progress.push(n)).await.unwrap();
    assert_eq!((report.registered, report.already_registered), (20, 0));
    assert_eq!(calls.register_cards(&cards, |_| {}).await.unwrap().already_registered, 20);
    assert_eq!(progress, vec![20]);

    // A gate that trusts the authority's lists admits the card, and refuses it once revoked and refreshed.
    let gate_dir = tempfile::tempdir().unwrap();
    let gate = Healthbook::open(HealthbookConfig {
        data_dir: gate_dir.path().into(),
        key_store: Arc::new(MemoryKeyStore::default()),
        clock: server.clock.clone(),
    })
    .unwrap();
    gate.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    gate.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    gate.trust().refresh().await.unwrap();
    assert!(gate.trust().verify(&signed[0].qr_text).unwrap().valid);
    let revocation = calls.revoke_card(&signed[0].card.card_id, "left the agency").await.unwrap();
    assert_eq!(revocation.id, signed[0].card.card_id);
    assert!(gate.trust().verify(&signed[0].qr_text).unwrap().valid, "offline, the gate knows nothing yet");
    gate.trust().refresh().await.unwrap();
    assert!(!gate.trust().verify(&signed[0].qr_text).unwrap().valid, "refused after the refresh");
    assert!(gate.trust().verify(&signed[1].qr_text).unwrap().valid, "the others still pass");

    // A key never certified signs nothing a gate accepts.
    let rogue = CardIssuer::new(&AgencyKey::generate().unwrap(), &agency).unwrap();
    assert!(!gate.trust().verify(&rogue.issue(&members[1], now).unwrap().qr_text).unwrap().valid);
    // Agency A's key naming agency B: refused.
    let forged = CardIssuer::new(&key, &other).unwrap().issue(&members[1], now).unwrap();
    assert!(!gate.trust().verify(&forged.qr_text).unwrap().valid);
    server.stop().await;
}

server_scenarios!(agency_admin_certifies_imports_registers_and_a_revoked_card_fails_at_the_gate);
