//! A health officer's calls for communes' lists, coverage and reconciliation, over a signed-in
//! [`ServerClient`]: the file is read and checked here ([`super::list`], [`super::reconcile`]), only clean rows
//! are sent, and the server's report is completed with what was found here.

use chrono::NaiveDate;
use healthbook_protocol::vaccination::{CommuneListReport, CoverageReport, ReconciliationReport, ReconciliationUpload};
use thiserror::Error;

use super::list::{ListContext, ListError, ListFile, read_list};
use super::reconcile::{Export, ReconcileError, read_export};
use crate::admin_units::is_ward_code;
use crate::client::{ClientError, ServerClient};

/// Why an officer's list call failed.
#[derive(Debug, Error)]
pub enum OfficerListError {
    /// The list file does not read.
    #[error(transparent)]
    List(#[from] ListError),
    /// The export file does not read.
    #[error(transparent)]
    Export(#[from] ReconcileError),
    /// A ward code is not 5 digits, or a platform name is empty or too long.
    #[error("{0}")]
    Argument(&'static str),
    /// The server refused or could not be reached.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Longest platform name the contract accepts.
const MAX_PLATFORM_CHARS: usize = 60;

/// Reads the list file, sends its clean rows for `ward_code` (stored when `accept`), and returns the file
/// with the report of the whole file (this machine's problems and the server's).
pub async fn import_list(
    client: &ServerClient,
    bytes: &[u8],
    ward_code: &str,
    today: NaiveDate,
    accept: bool,
) -> Result<(ListFile, CommuneListReport), OfficerListError> {
    let file = read_commune_list(bytes, ward_code, today)?;
    let report = upload_list(client, &file, ward_code, accept).await?;
    Ok((file, report))
}

/// Reads and checks a list file for `ward_code` on this machine (no server needed).
pub fn read_commune_list(bytes: &[u8], ward_code: &str, today: NaiveDate) -> Result<ListFile, OfficerListError> {
    if !is_ward_code(ward_code) {
        return Err(OfficerListError::Argument("the ward code must have 5 digits"));
    }
    // The province is the server's to check (it knows the officer's area).
    let context = ListContext { ward_code, province_code: None, today };
    Ok(read_list(bytes, &context)?)
}

/// Sends the clean rows of a list read with [`read_commune_list`] and returns the report of the whole file.
pub async fn upload_list(
    client: &ServerClient,
    file: &ListFile,
    ward_code: &str,
    accept: bool,
) -> Result<CommuneListReport, OfficerListError> {
    let report: CommuneListReport = client.post_json("/v1/vaccination/lists", &file.upload(ward_code, accept)).await?;
    Ok(file.merge_report(report))
}

/// The coverage of one commune, or of every commune in the officer's area.
pub async fn coverage(client: &ServerClient, ward_code: Option<&str>) -> Result<CoverageReport, OfficerListError> {
    let path = match ward_code {
        Some(ward) if is_ward_code(ward) => format!("/v1/vaccination/coverage?ward_code={ward}"),
        Some(_) => return Err(OfficerListError::Argument("the ward code must have 5 digits")),
        None => "/v1/vaccination/coverage".to_owned(),
    };
    Ok(client.get_json(&path).await?)
}

/// Reads another platform's export and compares its readable rows with the doses recorded here.
pub async fn reconcile(
    client: &ServerClient,
    platform: &str,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<(Export, ReconciliationReport), OfficerListError> {
    let platform = platform.trim();
    if platform.is_empty() || platform.chars().count() > MAX_PLATFORM_CHARS {
        return Err(OfficerListError::Argument("the platform name must be 1 to 60 characters"));
    }
    let export = read_export(bytes, today)?;
    let upload = ReconciliationUpload { platform: platform.to_owned(), rows: export.rows.clone() };
    let report = client.post_json("/v1/vaccination/reconciliation", &upload).await?;
    Ok((export, report))
}
