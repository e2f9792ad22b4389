//! Adoption per agency (issue 14): the agency admin's figures of how many staff joined, by department, and the
//! follow-up list of those who have not, as a CSV that Excel opens with Vietnamese names intact. The server
//! calls ([`AdoptionClient`], phone feature) go over a signed-in staff client like the rest of this module; the
//! CSV and the percentages are pure.

use healthbook_protocol::adoption::NotJoined;

use super::error::AgencyError;

/// Byte order mark that makes Excel read a CSV as UTF-8 (without it, it guesses the ANSI code page and breaks
/// every diacritic).
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The follow-up CSV's header, in the agency's language.
pub const NOT_JOINED_HEADER: [&str; 4] = ["Mã nhân viên", "Họ và tên", "Phòng ban", "CCCD trong danh sách"];

/// A cell as a spreadsheet should show it: text starting with `=`, `+`, `-`, `@` (or a tab or carriage return) would
/// be run as a formula by Excel, so it gets a leading apostrophe, which Excel hides.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

/// The staff not joined as CSV for follow-up: UTF-8 with a BOM, CRLF line ends, one row per entry in the order
/// given, quoted where needed.
pub fn not_joined_csv(rows: &[NotJoined]) -> Result<Vec<u8>, AgencyError> {
    let mut out = UTF8_BOM.to_vec();
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        let csv_error = |e: csv::Error| AgencyError::Roster(format!("writing the follow-up list: {e}"));
        writer.write_record(NOT_JOINED_HEADER).map_err(csv_error)?;
        for row in rows {
            let has_id = if row.has_citizen_id { "có" } else { "chưa có" };
            writer.write_record([cell(&row.staff_number), cell(&row.full_name), cell(&row.department), has_id.to_owned()]).map_err(csv_error)?;
        }
        writer.flush().map_err(|e| AgencyError::Roster(format!("writing the follow-up list: {e}")))?;
    }
    Ok(out)
}

/// `part` of `whole` in whole percent, rounded down so that 99.6% never shows as 100% (0 of 0 is 0).
pub fn percent(part: u32, whole: u32) -> u32 {
    if whole == 0 { 0 } else { ((u64::from(part) * 100) / u64::from(whole)) as u32 }
}

#[cfg(feature = "phone")]
pub use client::AdoptionClient;

#[cfg(feature = "phone")]
mod client {
    use healthbook_protocol::adoption::{AdoptionRollup, AgencyAdoption};

    use super::AgencyError;
    use crate::client::{ServerClient, segment};

    /// Adoption figures over a signed-in staff client.
    pub struct AdoptionClient<'a> {
        client: &'a ServerClient,
    }

    impl<'a> AdoptionClient<'a> {
        /// Calls over `client` (an agency admin's or the authority admin's session).
        pub fn new(client: &'a ServerClient) -> Self {
            Self { client }
        }

        /// One agency's figures by department and the staff not joined (its admin, or the authority admin).
        pub async fn agency(&self, agency_id: &str) -> Result<AgencyAdoption, AgencyError> {
            Ok(self.client.get_json(&format!("/v1/agencies/{}/adoption", segment(agency_id))).await?)
        }

        /// Every agency's figures for the province (the authority admin).
        pub async fn rollup(&self) -> Result<AdoptionRollup, AgencyError> {
            Ok(self.client.get_json("/v1/adoption/agencies").await?)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use healthbook_protocol::adoption::{AdoptionCounts, AdoptionRollup, AgencyAdoption, DepartmentAdoption};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn entry(staff_number: &str, full_name: &str, department: &str, has_citizen_id: bool) -> NotJoined {
        NotJoined { staff_number: staff_number.into(), full_name: full_name.into(), department: department.into(), has_citizen_id }
    }

    #[test]
    fn csv_has_a_bom_the_header_and_every_row_read_back_intact() {
        let rows = vec![
            entry("NV-001", "Nguyễn Thị Phượng", "Tổ chức – Hành chính", true),
            entry("NV-002", "Trần Văn \"Út\", em", "Kế toán", false),
            entry("NV-003", "Lê Hữu Ước", "=HYPERLINK(\"http://x\")", true),
        ];
        let bytes = not_joined_csv(&rows).unwrap();
        assert!(bytes.starts_with(UTF8_BOM));
        let text = std::str::from_utf8(&bytes[UTF8_BOM.len()..]).unwrap();
        assert!(text.ends_with("\r\n"), "CRLF, as Excel writes");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), NOT_JOINED_HEADER);
        let read: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        assert_eq!(read, vec![
            vec!["NV-001", "Nguyễn Thị Phượng", "Tổ chức – Hành chính", "có"],
            vec!["NV-002", "Trần Văn \"Út\", em", "Kế toán", "chưa có"],
            // A department that Excel would run as a formula is shown as text instead.
            vec!["NV-003", "Lê Hữu Ước", "'=HYPERLINK(\"http://x\")", "có"],
        ]);
        assert_eq!(not_joined_csv(&[]).unwrap(), [UTF8_BOM, "Mã nhân viên,Họ và tên,Phòng ban,CCCD trong danh sách\r\n".as_bytes()].concat());
    }

    #[test]
    fn percent_rounds_down_and_survives_an_empty_department() {
        assert_eq!((percent(0, 0), percent(320, 500), percent(996, 1000), percent(5, 5)), (0, 64, 99, 100));
        assert_eq!(percent(u32::MAX, u32::MAX), 100);
    }

    /// The server's answers are outside input to the client: random and mutated bodies get an error or a value,
    /// never a panic (as the credential fuzz does for QR text).
    #[test]
    fn random_and_mutated_answers_never_panic() {
        let counts = AdoptionCounts { roster: 12, joined: 7, fresh_pass: 5, valid_card: 9 };
        let sample = AgencyAdoption {
            agency_id: "a1".into(),
            agency_name: "Ủy ban nhân dân Phường 1".into(),
            as_of: chrono::DateTime::from_timestamp(1_625_126_400, 0).unwrap(),
            departments: vec![DepartmentAdoption { department: "Kế toán".into(), counts }],
            total: counts,
            not_joined: vec![entry("NV-1", "Võ Thị Sáu", "Kế toán", false)],
        };
        let seed = serde_json::to_vec(&sample).unwrap();
        let mut rng = StdRng::seed_from_u64(14);
        for round in 0..3_000 {
            let input: Vec<u8> = if round % 3 == 0 {
                (0..rng.gen_range(0..200)).map(|_| rng.r#gen()).collect()
            } else {
                let mut bytes = seed.clone();
                for _ in 0..rng.gen_range(1..8) {
                    let at = rng.gen_range(0..bytes.len());
                    match rng.gen_range(0..3) {
                        0 => bytes[at] = rng.r#gen(),
                        1 => {
                            bytes.remove(at);
                        }
                        _ => bytes.insert(at, b"{}[]\",:0-9e"[rng.gen_range(0..11)]),
                    }
                    if bytes.is_empty() {
                        bytes.push(b'{');
                    }
                }
                bytes
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let agency = serde_json::from_slice::<AgencyAdoption>(&input);
                let rollup = serde_json::from_slice::<AdoptionRollup>(&input);
                if let Ok(agency) = agency {
                    let _ = not_joined_csv(&agency.not_joined);
                    let _ = percent(agency.total.joined, agency.total.roster);
                }
                rollup.is_ok()
            }));
            assert!(outcome.is_ok(), "panicked on {:?}", String::from_utf8_lossy(&input));
        }
        assert_eq!(serde_json::from_slice::<AgencyAdoption>(&seed).unwrap(), sample, "the unmutated answer reads back");
    }
}
