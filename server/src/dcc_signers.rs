//! EU DCC document signers: the authority imports the document-signer list of a national backend of the EU DCC
//! gateway (checked against the publisher key the server is configured with), and the server republishes the
//! signers to phones as a JWS signed by the root key, beside the trust list, so that gates verify foreign and
//! Vietnamese certificates without manual steps. The parsing and its checks are the core's
//! (`healthbook_core::trust::dcc_signers`), shared with the phone's own import.

use std::collections::BTreeSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use healthbook_core::trust::dcc_signers::{self, DscListError, ParsedDscList, PublisherKey, count_countries};
use healthbook_protocol::{DccSignerImportReport, DccSignerList, ErrorCode, ErrorResponse, Role};

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::storage::{Tx, Value};
use crate::trust::{lock_root, next_version, serve_document, store_document};
use crate::util::{from_ms, sha256_hex, to_ms};

/// Stored kind of the republished list in `signed_documents`.
const DCC_SIGNERS: &str = "dcc_signers";

/// Largest upload accepted on `POST /v1/dcc-signers` (the parser's own limit).
pub const DCC_SIGNER_BODY_LIMIT_BYTES: usize = dcc_signers::MAX_DSC_LIST_BYTES;

fn refused(message: impl Into<String>) -> ApiError {
    ApiError::Unprocessable { code: ErrorCode::DccSignerListRefused, message: message.into() }
}

/// The list checked with the publisher key, off the async threads (megabytes of JSON, hundreds of certificates).
pub async fn parse(text: String, key: PublisherKey) -> Result<ParsedDscList, ApiError> {
    tokio::task::spawn_blocking(move || dcc_signers::parse_dsc_list_with(&text, &key))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| refused(e.to_string()))
}

/// Stores a verified list in place of the previous one and publishes it signed by the root key; refuses a list
/// dated before the last one. The root key's row lock serialises concurrent imports.
pub fn store_list(
    tx: &mut dyn Tx,
    list: &ParsedDscList,
    source: &str,
    imported_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DccSignerImportReport, ApiError> {
    let root = lock_root(tx, now)?;
    let last = tx.query_opt("SELECT list_date, version, source FROM dcc_signer_lists ORDER BY version DESC LIMIT 1", &[])?;
    if let Some(row) = last {
        let accepted = from_ms(row.int(0)?)?;
        if list.list_date < accepted {
            return Err(refused(DscListError::Older { offered: list.list_date, accepted }.to_string()));
        }
        // The same list uploaded again (a retry after a lost answer) changes nothing and publishes nothing new,
        // which is what makes this endpoint safe to repeat without an idempotency key.
        if list.list_date == accepted && row.text(2)? == source && same_signers(tx, list)? {
            let version = u64::try_from(row.int(1)?).unwrap_or(0);
            return Ok(report(list, version));
        }
    }
    let version = next_version(tx, DCC_SIGNERS)?;
    tx.execute("DELETE FROM dcc_signers", &[])?;
    for signer in &list.signers {
        let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &signer.certificate)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        tx.execute(
            "INSERT INTO dcc_signers (thumbprint, kid, country, certificate, list_version) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (thumbprint) DO NOTHING",
            &[
                sha256_hex(&der).into(),
                signer.kid.clone().into(),
                signer.country.clone().into(),
                signer.certificate.clone().into(),
                Value::Int(version as i64),
            ],
        )?;
    }
    let accepted = u32::try_from(list.signers.len()).unwrap_or(u32::MAX);
    tx.execute(
        "INSERT INTO dcc_signer_lists (version, source, list_date, imported_at, imported_by, accepted, skipped) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Value::Int(version as i64),
            source.into(),
            Value::Int(to_ms(list.list_date)),
            Value::Int(to_ms(now)),
            imported_by.map_or(Value::Null, Value::from),
            Value::Int(i64::from(accepted)),
            Value::Int(i64::from(list.skipped)),
        ],
    )?;
    let published = DccSignerList {
        source: source.to_owned(),
        list_date: list.list_date,
        imported_at: now,
        version,
        signers: list.signers.clone(),
    };
    let jws = dcc_signers::sign_dcc_signer_list(&published, &root).map_err(|e| ApiError::Internal(e.to_string()))?;
    store_document(tx, DCC_SIGNERS, version, &jws, now)?;
    // Lists are megabytes and phones only ever want the newest; the import rows keep the history.
    tx.execute("DELETE FROM signed_documents WHERE kind = $1 AND version < $2", &[DCC_SIGNERS.into(), Value::Int(version as i64)])?;
    tracing::info!(version, accepted, skipped = list.skipped, "EU DCC document-signer list imported and republished");
    Ok(report(list, version))
}

fn report(list: &ParsedDscList, version: u64) -> DccSignerImportReport {
    DccSignerImportReport {
        list_date: list.list_date,
        accepted: u32::try_from(list.signers.len()).unwrap_or(u32::MAX),
        skipped: list.skipped,
        countries: count_countries(&list.signers),
        version,
    }
}

/// Whether the stored signers are exactly `list`'s.
fn same_signers(tx: &mut dyn Tx, list: &ParsedDscList) -> Result<bool, ApiError> {
    let stored: BTreeSet<(String, String)> = tx
        .query("SELECT kid, certificate FROM dcc_signers", &[])?
        .iter()
        .map(|row| Ok((row.text(0)?, row.text(1)?)))
        .collect::<Result<_, ApiError>>()?;
    let offered: BTreeSet<(String, String)> = list.signers.iter().map(|s| (s.kid.clone(), s.certificate.clone())).collect();
    Ok(stored == offered)
}

/// Imports a national backend's document-signer list (authority admin): the body is the list exactly as the
/// backend serves it (a signature line, then the JSON), checked with the publisher key the server is configured
/// with (`--dcc-signer-list-key`), and republished to phones signed by the root key.
#[utoipa::path(
    post, path = "/v1/dcc-signers", tag = "trust",
    security(("bearer" = [])),
    request_body(content = String, content_type = "text/plain", description = "The list as the national backend serves it (at most 16 MiB)"),
    responses(
        (status = 200, body = DccSignerImportReport),
        (status = 403, body = ErrorResponse),
        (status = 413, body = ErrorResponse),
        (status = 422, description = "`dcc_signer_list_refused`: no publisher key configured, a signature that does not verify, malformed, or older than the list imported", body = ErrorResponse),
    )
)]
pub async fn import_dcc_signers(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<Json<DccSignerImportReport>, ApiError> {
    principal.require(&[Role::AuthorityAdmin])?;
    let Some(key) = state.config.dcc_signer_list_key.clone() else {
        return Err(refused(
            "no document-signer list publisher key is configured on this server (--dcc-signer-list-key or \
             HEALTHBOOK_DCC_SIGNER_LIST_KEY_FILE)",
        ));
    };
    let text = String::from_utf8(body.to_vec()).map_err(|_| refused("the document-signer list is not UTF-8 text"))?;
    let list = parse(text, key).await?;
    let source = state.config.dcc_signer_list_source.clone();
    let now = state.now();
    let account = principal.account_id.clone();
    let report = state.db.write(move |tx| store_list(tx, &list, &source, Some(&account), now)).await?;
    Ok(Json(report))
}

/// The EU DCC document signers, republished (JWS compact, ES256, `typ` `healthbook-dcc-signers+jws`, payload a
/// `DccSignerList`); 404 until a list was imported.
#[utoipa::path(
    get, path = "/v1/dcc-signers", tag = "trust",
    params(("If-None-Match" = Option<String>, Header, description = "ETag of the cached copy")),
    responses(
        (status = 200, description = "The JWS", body = String, content_type = "application/jose"),
        (status = 304, description = "The cached copy is current"),
        (status = 404, description = "No list imported yet", body = ErrorResponse),
    )
)]
pub async fn get_dcc_signers(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    serve_document(&state, DCC_SIGNERS, &headers, || ApiError::NotFound("EU DCC document-signer list")).await
}
