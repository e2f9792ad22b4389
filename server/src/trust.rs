//! The authority root key and the signed trust documents it produces; the documents are signed again, inside
//! the same transaction, whenever an issuer key or a revocation is added, and served with ETags.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use healthbook_core::credentials::KeyId;
use healthbook_core::trust::{
    IssuerKey, IssuerRole, Revocation, RevocationKind, RevocationList, SigningKey, TrustList, VerifyingKey,
};
use healthbook_protocol::{AddIssuerKeyRequest, AddRevocationRequest, ErrorCode, ErrorResponse, KeyScope, Role};

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::IdempotentJson;
use crate::idempotency;
use crate::keys::{load_private_key, seal_private_key};
use crate::storage::{Tx, Value};
use crate::util::{clean_name, from_ms, to_ms};

/// Stored kind of the trust list in `signed_documents`.
const TRUST_LIST: &str = "trust_list";
/// Stored kind of the revocation list in `signed_documents`.
const REVOCATIONS: &str = "revocations";
/// Media type of a JWS in compact serialisation (RFC 7515).
const JOSE: &str = "application/jose";
/// Row id of the root key in `authority_keys`.
const ROOT: &str = "root";

/// Creates the root key and the service keys, and signs the first trust list (naming the service keys) and the
/// first (empty) revocation list; refuses if a root key exists.
pub fn init_root(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<Option<VerifyingKey>, ApiError> {
    if tx.query_opt("SELECT kid FROM authority_keys WHERE id = 'root'", &[])?.is_some() {
        return Ok(None);
    }
    let (root, pkcs8) = SigningKey::generate().map_err(|e| ApiError::Internal(e.to_string()))?;
    let sealed = seal_private_key(tx, ROOT, root.kid(), &pkcs8)?;
    tx.execute(
        "INSERT INTO authority_keys (id, kid, public_key, private_key, created_at, last_signed_at) \
         VALUES ('root', $1, $2, $3, $4, $4)",
        &[
            root.kid().into(),
            root.verifying_key().spki_base64().into(),
            sealed.into(),
            Value::Int(to_ms(now)),
        ],
    )?;
    for (id, role, scope) in SERVICE_KEYS {
        insert_service_key(tx, id, *role, scope, now)?;
    }
    resign_trust_list(tx, &root, now)?;
    resign_revocations(tx, &root, now)?;
    Ok(Some(root.verifying_key().clone()))
}

/// The root public key, if the server was initialised.
pub fn root_public_key(tx: &mut dyn Tx) -> Result<Option<VerifyingKey>, ApiError> {
    let Some(row) = tx.query_opt("SELECT public_key FROM authority_keys WHERE id = 'root'", &[])? else {
        return Ok(None);
    };
    VerifyingKey::from_spki_base64(&row.text(0)?).map(Some).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Loads the root signing key and locks it for this transaction, so that concurrent changes sign one after
/// the other and versions never collide (a no-op update takes PostgreSQL's row lock; SQLite is serial anyway).
pub(crate) fn lock_root(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<SigningKey, ApiError> {
    let updated =
        tx.execute("UPDATE authority_keys SET last_signed_at = $1 WHERE id = 'root'", &[Value::Int(to_ms(now))])?;
    if updated == 0 {
        return Err(ApiError::NotInitialized);
    }
    let (_, pkcs8) = load_private_key(tx, ROOT)?.ok_or(ApiError::NotInitialized)?;
    SigningKey::from_pkcs8(&pkcs8).map_err(|e| ApiError::Internal(e.to_string()))
}

pub(crate) fn next_version(tx: &mut dyn Tx, kind: &str) -> Result<u64, ApiError> {
    let rows =
        tx.query("SELECT version FROM signed_documents WHERE kind = $1 ORDER BY version DESC LIMIT 1", &[kind.into()])?;
    let current = rows.first().map(|row| row.int(0)).transpose()?.unwrap_or(0);
    Ok(u64::try_from(current).unwrap_or(0) + 1)
}

pub(crate) fn store_document(tx: &mut dyn Tx, kind: &str, version: u64, jws: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    let digest = ring::digest::digest(&ring::digest::SHA256, jws.as_bytes());
    let etag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16]));
    tx.execute(
        "INSERT INTO signed_documents (kind, version, jws, etag, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[kind.into(), Value::Int(version as i64), jws.into(), etag.into(), Value::Int(to_ms(now))],
    )?;
    Ok(())
}

/// How long after signing the trust documents promise a newer version: the day phones are told to refresh by.
/// Set with `HEALTHBOOK_TRUST_UPDATE_HOURS` (1 to 168; 24 by default). A document is signed again at every
/// change, and [`resign_if_due`] signs it again on quiet days, so the promise is kept.
fn update_interval() -> chrono::Duration {
    let hours = std::env::var("HEALTHBOOK_TRUST_UPDATE_HOURS")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|h| (1..=168).contains(h))
        .unwrap_or(healthbook_core::trust::DEFAULT_UPDATE_INTERVAL_HOURS);
    chrono::Duration::hours(hours)
}

/// Signs the trust list and the revocation list again, unchanged but for their version, times and
/// `next_update`, when half of their update interval has passed since the last signature; returns how many were
/// signed. Without this, a quiet week would leave every checkpoint with a list past its maximum age (flagged
/// stale) though nothing changed. The root key's row lock is taken first and the age read after it, so two
/// instances running this together sign once.
pub fn resign_if_due(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let due = |tx: &mut dyn Tx, kind: &str| -> Result<bool, ApiError> {
        let last = tx.query_opt(
            "SELECT created_at FROM signed_documents WHERE kind = $1 ORDER BY version DESC LIMIT 1",
            &[kind.into()],
        )?;
        Ok(match last {
            Some(row) => now >= from_ms(row.int(0)?)? + update_interval() / 2,
            None => false,
        })
    };
    if !due(tx, TRUST_LIST)? && !due(tx, REVOCATIONS)? {
        return Ok(0);
    }
    let root = lock_root(tx, now)?;
    let mut signed = 0;
    if due(tx, TRUST_LIST)? {
        resign_trust_list(tx, &root, now)?;
        signed += 1;
    }
    if due(tx, REVOCATIONS)? {
        resign_revocations(tx, &root, now)?;
        signed += 1;
    }
    Ok(signed)
}

/// How often a serving instance checks whether the trust documents are due to be signed again.
pub const RESIGN_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(600);

/// Runs [`resign_if_due`] now and then every [`RESIGN_CHECK_INTERVAL`], for as long as the server serves.
pub async fn keep_documents_fresh(state: AppState) {
    let mut ticks = tokio::time::interval(RESIGN_CHECK_INTERVAL);
    loop {
        ticks.tick().await;
        let now = state.now();
        match state.db.write(move |tx| resign_if_due(tx, now)).await {
            Ok(0) => {}
            Ok(signed) => tracing::info!(signed, "trust documents signed again before their next_update"),
            // Not initialised yet, or the database is away: the next tick tries again.
            Err(e) => tracing::warn!(error = %e, "could not check whether the trust documents are due"),
        }
    }
}

fn resign_trust_list(tx: &mut dyn Tx, root: &SigningKey, now: DateTime<Utc>) -> Result<(), ApiError> {
    let keys = tx
        .query(
            "SELECT kid, role, scope, name, public_key, not_before, not_after FROM issuer_keys ORDER BY added_at, kid",
            &[],
        )?
        .iter()
        .map(|row| {
            Ok(IssuerKey {
                kid: row.text(0)?,
                role: IssuerRole::parse(&row.text(1)?).ok_or_else(|| ApiError::Internal("issuer role".into()))?,
                scope: row.text(2)?,
                name: row.text(3)?,
                public_key: row.text(4)?,
                not_before: from_ms(row.int(5)?)?,
                not_after: from_ms(row.int(6)?)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let version = next_version(tx, TRUST_LIST)?;
    let jws = TrustList { version, issued_at: now, keys, next_update: Some(now + update_interval()) }.sign(root).map_err(|e| ApiError::Internal(e.to_string()))?;
    store_document(tx, TRUST_LIST, version, &jws, now)
}

fn resign_revocations(tx: &mut dyn Tx, root: &SigningKey, now: DateTime<Utc>) -> Result<(), ApiError> {
    let entries = tx
        .query("SELECT kind, target, revoked_at, reason FROM revocations ORDER BY revoked_at, kind, target", &[])?
        .iter()
        .map(|row| {
            Ok(Revocation {
                kind: RevocationKind::parse(&row.text(0)?)
                    .ok_or_else(|| ApiError::Internal("revocation kind".into()))?,
                id: row.text(1)?,
                revoked_at: from_ms(row.int(2)?)?,
                reason: row.text(3)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let version = next_version(tx, REVOCATIONS)?;
    let jws = RevocationList { version, issued_at: now, entries, next_update: Some(now + update_interval()) }
        .sign(root)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    store_document(tx, REVOCATIONS, version, &jws, now)
}

/// Serves the newest version of a signed document with its ETag; `missing` is the answer when there is none.
pub(crate) async fn serve_document(
    state: &AppState,
    kind: &'static str,
    headers: &HeaderMap,
    missing: fn() -> ApiError,
) -> Result<Response, ApiError> {
    let (jws, etag) = state
        .db
        .read(move |tx| {
            let row = tx
                .query_opt(
                    "SELECT jws, etag FROM signed_documents WHERE kind = $1 ORDER BY version DESC LIMIT 1",
                    &[kind.into()],
                )?
                .ok_or_else(missing)?;
            Ok::<_, ApiError>((row.text(0)?, row.text(1)?))
        })
        .await?;
    let etag_value = HeaderValue::from_str(&etag).map_err(|e| ApiError::Internal(e.to_string()))?;
    // Phones revalidate on every refresh; a 304 costs a few bytes.
    let cache_control = HeaderValue::from_static("no-cache");
    if if_none_match_matches(headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value), (header::CACHE_CONTROL, cache_control)])
            .into_response());
    }
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(JOSE)),
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, cache_control),
        ],
        jws,
    )
        .into_response())
}

/// Whether `If-None-Match` names `etag` (or `*`); weak validators compare equal to strong ones (RFC 9110).
fn if_none_match_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
    })
}

/// The signed trust list (JWS compact, ES256, `typ` `healthbook-trust-list+jws`).
#[utoipa::path(
    get, path = "/v1/trust-list", tag = "trust",
    params(("If-None-Match" = Option<String>, Header, description = "ETag of the cached copy")),
    responses(
        (status = 200, description = "The JWS", body = String, content_type = "application/jose"),
        (status = 304, description = "The cached copy is current"),
        (status = 503, description = "Not initialised", body = ErrorResponse),
    )
)]
pub async fn get_trust_list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    serve_document(&state, TRUST_LIST, &headers, || ApiError::NotInitialized).await
}

/// The signed revocation list (JWS compact, ES256, `typ` `healthbook-revocation-list+jws`).
#[utoipa::path(
    get, path = "/v1/revocations", tag = "trust",
    params(("If-None-Match" = Option<String>, Header, description = "ETag of the cached copy")),
    responses(
        (status = 200, description = "The JWS", body = String, content_type = "application/jose"),
        (status = 304, description = "The cached copy is current"),
        (status = 503, description = "Not initialised", body = ErrorResponse),
    )
)]
pub async fn get_revocations(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    serve_document(&state, REVOCATIONS, &headers, || ApiError::NotInitialized).await
}

/// Adds an issuer key to the trust list and signs the list again (authority admin).
#[utoipa::path(
    post, path = "/v1/trust-list/keys", tag = "trust",
    security(("bearer" = [])),
    request_body = AddIssuerKeyRequest,
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries")),
    responses(
        (status = 201, body = IssuerKey),
        (status = 403, body = ErrorResponse),
        (status = 409, description = "The key is already listed", body = ErrorResponse),
    )
)]
pub async fn add_issuer_key(
    State(state): State<AppState>,
    principal: Principal,
    request: IdempotentJson<AddIssuerKeyRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::AuthorityAdmin])?;
    let body = &request.body;
    if body.role == IssuerRole::Authority {
        // An authority key can sign anything the authority signs; adding one needs the root key holder
        // (`healthbook-server admin add-authority-key`), not a password that can be phished.
        return Err(ApiError::Refused {
            code: ErrorCode::AuthorityKeyNeedsRootHolder,
            message: "authority keys are added offline with `healthbook-server admin add-authority-key`".into(),
        });
    }
    let key = VerifyingKey::from_spki_base64(&body.public_key)
        .map_err(|_| ApiError::InvalidRequest("public_key must be a base64 SPKI DER P-256 public key".into()))?;
    if body.not_after <= body.not_before {
        return Err(ApiError::InvalidRequest("not_after must be later than not_before".into()));
    }
    let entry = IssuerKey {
        kid: key.kid().to_owned(),
        role: body.role,
        scope: checked_scope(body.role, &clean_name("scope", &body.scope, 200)?)?,
        name: clean_name("name", &body.name, 200)?,
        public_key: key.spki_base64(),
        not_before: body.not_before,
        not_after: body.not_after,
    };
    let now = state.now();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let entry = insert_issuer_key(tx, entry, now)?;
        Ok((StatusCode::CREATED, entry))
    })
    .await
}

/// The scope text of a new issuer key, if it says where the key's signatures count in a way the verifier reads
/// as meant: a province scope must name a province that exists, and an agency, lab or vaccination-site key must
/// name its agency, lab or site (or a province), never everything — otherwise one agency's key would sign cards
/// for every agency. Another role's prefix (`lab:` on an agency key) is refused rather than read as a name.
pub(crate) fn checked_scope(role: IssuerRole, scope: &str) -> Result<String, ApiError> {
    let invalid = |field_code: &'static str, message: &str| ApiError::InvalidField { field: "scope", field_code, message: message.into() };
    let own_prefix = match role {
        IssuerRole::Authority => None,
        IssuerRole::Agency => Some("agency:"),
        IssuerRole::Lab => Some("lab:"),
        IssuerRole::VaccinationSite => Some("site:"),
    };
    if ["agency:", "lab:", "site:"].iter().any(|p| scope.starts_with(p) && Some(*p) != own_prefix) {
        return Err(invalid("scope_of_another_role", "the scope names another kind of issuer than the key's role"));
    }
    match KeyScope::parse(role, scope) {
        KeyScope::Province(code) if !healthbook_core::admin_units::is_known_province(&code) => {
            Err(invalid("unknown_province", "the scope names a province code that does not exist"))
        }
        KeyScope::National if role != IssuerRole::Authority => {
            Err(invalid("scope_required", "an agency, lab or vaccination-site key must name what it signs for"))
        }
        KeyScope::Agency(id) | KeyScope::Lab(id) | KeyScope::VaccinationSite(id) if id.trim().is_empty() => {
            Err(invalid("scope_required", "the scope names no agency, lab or site"))
        }
        _ => Ok(scope.to_owned()),
    }
}

/// Lists an issuer key and signs the trust list again; refuses a kid already listed.
pub fn insert_issuer_key(tx: &mut dyn Tx, entry: IssuerKey, now: DateTime<Utc>) -> Result<IssuerKey, ApiError> {
    let root = lock_root(tx, now)?;
    let inserted = tx.execute(
        "INSERT INTO issuer_keys (kid, role, scope, name, public_key, not_before, not_after, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (kid) DO NOTHING",
        &[
            entry.kid.clone().into(),
            entry.role.as_str().into(),
            entry.scope.clone().into(),
            entry.name.clone().into(),
            entry.public_key.clone().into(),
            Value::Int(to_ms(entry.not_before)),
            Value::Int(to_ms(entry.not_after)),
            Value::Int(to_ms(now)),
        ],
    )?;
    if inserted == 0 {
        return Err(ApiError::Conflict { code: ErrorCode::IssuerKeyExists, message: "this key is already listed".into() });
    }
    resign_trust_list(tx, &root, now)?;
    tracing::info!(kid = %entry.kid, role = entry.role.as_str(), "issuer key added; trust list signed again");
    Ok(entry)
}

/// Adds a revocation and signs the revocation list again (authority admin).
#[utoipa::path(
    post, path = "/v1/revocations", tag = "trust",
    security(("bearer" = [])),
    request_body = AddRevocationRequest,
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries")),
    responses(
        (status = 201, body = Revocation),
        (status = 403, body = ErrorResponse),
        (status = 409, description = "Already revoked", body = ErrorResponse),
    )
)]
pub async fn add_revocation(
    State(state): State<AppState>,
    principal: Principal,
    request: IdempotentJson<AddRevocationRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::AuthorityAdmin])?;
    // A key id that is not 8 bytes of standard base64 (as `kid_for_spki` writes them) could never match a
    // verifier's key and would sit in the list looking like a revocation that works.
    if request.body.kind == RevocationKind::IssuerKey
        && KeyId::from_base64(&request.body.id).is_none_or(|kid| kid.to_base64() != request.body.id)
    {
        return Err(ApiError::InvalidField {
            field: "id",
            field_code: "invalid_key_id",
            message: "an issuer key id is 8 bytes in standard base64 (12 characters)".into(),
        });
    }
    let now = state.now();
    let entry = Revocation {
        kind: request.body.kind,
        id: clean_name("id", &request.body.id, 200)?,
        revoked_at: now,
        reason: clean_name("reason", &request.body.reason, 500)?,
    };
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        Ok((StatusCode::CREATED, insert_revocation(tx, entry, now)?))
    })
    .await
}

/// Adds a revocation and signs the revocation list again; refuses one already listed (`already_revoked`).
pub fn insert_revocation(tx: &mut dyn Tx, entry: Revocation, now: DateTime<Utc>) -> Result<Revocation, ApiError> {
    let root = lock_root(tx, now)?;
    let inserted = tx.execute(
        "INSERT INTO revocations (kind, target, reason, revoked_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (kind, target) DO NOTHING",
        &[entry.kind.as_str().into(), entry.id.clone().into(), entry.reason.clone().into(), Value::Int(to_ms(entry.revoked_at))],
    )?;
    if inserted == 0 {
        return Err(ApiError::Conflict { code: ErrorCode::AlreadyRevoked, message: "this is already revoked".into() });
    }
    resign_revocations(tx, &root, now)?;
    tracing::info!(kind = entry.kind.as_str(), "revocation added; revocation list signed again");
    Ok(entry)
}

/// Loads the signing key of one of the server's own services (declaration receipts, health passes), creating it
/// the first time and listing it in the trust list under `role` and `scope`, so phones and checkpoints can
/// verify what it signs offline. Kept apart from the root key, which only signs the trust documents. Databases
/// initialised before a service existed get its key on first use.
pub fn service_key(tx: &mut dyn Tx, id: &str, now: DateTime<Utc>) -> Result<SigningKey, ApiError> {
    let pkcs8 = service_key_pkcs8(tx, id, now)?;
    SigningKey::from_pkcs8(&pkcs8).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Like [`service_key`], giving the private key as PKCS#8 (for signers outside the JWS code, e.g. COSE).
pub fn service_key_pkcs8(tx: &mut dyn Tx, id: &str, now: DateTime<Utc>) -> Result<Vec<u8>, ApiError> {
    let (_, role, scope) = SERVICE_KEYS
        .iter()
        .find(|(name, _, _)| *name == id)
        .ok_or_else(|| ApiError::Internal(format!("unknown service key {id}")))?;
    let load = |tx: &mut dyn Tx| -> Result<Option<Vec<u8>>, ApiError> { Ok(load_private_key(tx, id)?.map(|(_, pkcs8)| pkcs8)) };
    if let Some(key) = load(tx)? {
        return Ok(key);
    }
    // Taking the root lock first serialises concurrent first uses; look again once it is held.
    let root = lock_root(tx, now)?;
    if let Some(key) = load(tx)? {
        return Ok(key);
    }
    let pkcs8 = insert_service_key(tx, id, *role, scope, now)?;
    resign_trust_list(tx, &root, now)?;
    tracing::info!(service = id, "service signing key created and listed");
    Ok(pkcs8)
}

/// Generates a service key and lists it as an issuer; the caller signs the trust list again.
fn insert_service_key(tx: &mut dyn Tx, id: &str, role: IssuerRole, scope: &str, now: DateTime<Utc>) -> Result<Vec<u8>, ApiError> {
    let (key, pkcs8) = SigningKey::generate().map_err(|e| ApiError::Internal(e.to_string()))?;
    let sealed = seal_private_key(tx, id, key.kid(), &pkcs8)?;
    tx.execute(
        "INSERT INTO authority_keys (id, kid, public_key, private_key, created_at, last_signed_at) VALUES ($1, $2, $3, $4, $5, $5)",
        &[id.into(), key.kid().into(), key.verifying_key().spki_base64().into(), sealed.into(), Value::Int(to_ms(now))],
    )?;
    tx.execute(
        "INSERT INTO issuer_keys (kid, role, scope, name, public_key, not_before, not_after, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $6)",
        &[
            key.kid().into(),
            role.as_str().into(),
            scope.into(),
            format!("healthbook-server {id}").into(),
            key.verifying_key().spki_base64().into(),
            Value::Int(to_ms(now)),
            Value::Int(to_ms(now + chrono::Duration::days(730))),
        ],
    )?;
    Ok(pkcs8)
}

/// How long what a service key signed stays verifiable after the key is replaced: a pass lives
/// [`crate::passes::PASS_VALIDITY_HOURS`]; a receipt is checked when the phone receives it, which for a stored
/// receipt sent again to a phone that resubmits a declaration can be later, so receipts get a month, as do test
/// certificates ([`crate::results::certificate::CERTIFICATE_VALIDITY_DAYS`]). An hour more covers clocks that
/// run behind.
pub fn service_signature_lifetime(id: &str) -> chrono::Duration {
    let lifetime = match id {
        "passes" => chrono::Duration::hours(crate::passes::PASS_VALIDITY_HOURS),
        "venue-posters" => chrono::Duration::days(crate::checkin::POSTER_VALIDITY_DAYS),
        "control-cards" => chrono::Duration::days(healthbook_protocol::CONTROL_CARD_VALIDITY_DAYS),
        _ => chrono::Duration::days(30),
    };
    lifetime + chrono::Duration::hours(1)
}

/// What a service key rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The service (`receipts` or `passes`).
    pub service: String,
    /// The replaced key; it stays in the trust list until `old_not_after`.
    pub old_kid: String,
    /// When the replaced key leaves validity.
    pub old_not_after: DateTime<Utc>,
    /// The key that signs from now on.
    pub new_kid: String,
}

/// Replaces a service's signing key: the new key is listed in the trust list and signs from the next request
/// on (every instance reads the key per request); the old key stays listed, with its validity cut to cover
/// what it signed ([`service_signature_lifetime`]), and its private key is gone.
pub fn rotate_service_key(tx: &mut dyn Tx, id: &str, now: DateTime<Utc>) -> Result<Rotation, ApiError> {
    let (_, role, scope) = SERVICE_KEYS
        .iter()
        .find(|(name, _, _)| *name == id)
        .ok_or_else(|| ApiError::InvalidRequest(format!("unknown service {id:?}; one of: receipts, passes, lab-results, venue-posters, control-cards")))?;
    let root = lock_root(tx, now)?;
    let Some((old_kid, _)) = load_private_key(tx, id)? else {
        // Never created (an older database): creating it is all a rotation has to do.
        service_key_pkcs8(tx, id, now)?;
        let (new_kid, _) = load_private_key(tx, id)?.ok_or(ApiError::NotInitialized)?;
        return Ok(Rotation { service: id.to_owned(), old_kid: String::new(), old_not_after: now, new_kid });
    };
    let (key, pkcs8) = SigningKey::generate().map_err(|e| ApiError::Internal(e.to_string()))?;
    let sealed = seal_private_key(tx, id, key.kid(), &pkcs8)?;
    tx.execute(
        "UPDATE authority_keys SET kid = $1, public_key = $2, private_key = $3, created_at = $4 WHERE id = $5",
        &[key.kid().into(), key.verifying_key().spki_base64().into(), sealed.into(), Value::Int(to_ms(now)), id.into()],
    )?;
    let cut = to_ms(now + service_signature_lifetime(id));
    tx.execute(
        "UPDATE issuer_keys SET not_after = $1 WHERE kid = $2 AND not_after > $1",
        &[Value::Int(cut), old_kid.clone().into()],
    )?;
    let old_not_after = tx
        .query_opt("SELECT not_after FROM issuer_keys WHERE kid = $1", &[old_kid.clone().into()])?
        .map(|row| row.int(0))
        .transpose()?
        .map(from_ms)
        .transpose()?
        .unwrap_or(now);
    tx.execute(
        "INSERT INTO issuer_keys (kid, role, scope, name, public_key, not_before, not_after, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $6)",
        &[
            key.kid().into(),
            role.as_str().into(),
            (*scope).into(),
            format!("healthbook-server {id}").into(),
            key.verifying_key().spki_base64().into(),
            Value::Int(to_ms(now)),
            Value::Int(to_ms(now + chrono::Duration::days(730))),
        ],
    )?;
    resign_trust_list(tx, &root, now)?;
    tracing::info!(service = id, old_kid = %old_kid, new_kid = key.kid(), "service key rotated; trust list signed again");
    Ok(Rotation { service: id.to_owned(), old_kid, old_not_after, new_kid: key.kid().to_owned() })
}

/// The server's own signing services: id, role in the trust list, scope. Created with the root key, so that the
/// first trust list a phone fetches already names them and their first signatures verify.
pub const SERVICE_KEYS: &[(&str, IssuerRole, &str)] =
    &[
        ("receipts", IssuerRole::Authority, "declaration-receipts"),
        ("passes", IssuerRole::Authority, "health-pass"),
        ("lab-results", IssuerRole::Lab, "lab-results"),
        ("venue-posters", IssuerRole::Authority, "venue-posters"),
        ("control-cards", IssuerRole::Authority, "control-cards"),
    ];
