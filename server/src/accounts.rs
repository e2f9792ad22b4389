//! Accounts: device registration, staff account creation, and reading one's own records.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use healthbook_core::trust::VerifyingKey;
use healthbook_protocol::{AccountStatusRequest, AccountStatusView, AccountView, CreateAccountRequest, DeviceView, ErrorCode, ErrorResponse, RegisterDeviceRequest, RegisteredDevice, Role};

use crate::access::{AreaScope, area_from_columns, validate_area, wards_column};
use crate::app::AppState;
use crate::auth::{Principal, hash_password_pooled};
use crate::error::ApiError;
use crate::extract::{ApiPath, ClientAddr, IdempotentJson};
use crate::idempotency;
use crate::ratelimit;
use crate::storage::{Row, Tx, Value};
use crate::util::{from_ms, new_id, to_ms};

/// A staff account checked and ready to insert (the password already hashed).
#[derive(Debug, Clone)]
pub struct NewStaffAccount {
    /// Role (never `device`).
    pub role: Role,
    /// Login name.
    pub username: String,
    /// PBKDF2 hash of the password.
    pub password_hash: String,
    /// Agency, for agency-scoped roles.
    pub agency_id: Option<String>,
    /// Area, for officer roles (checked with [`crate::access::validate_area`]).
    pub area: Option<AreaScope>,
}

/// Checks a login name: 3 to 64 characters of letters, digits, `.`, `_`, `-`, `@`.
pub fn validate_username(username: &str) -> Result<String, ApiError> {
    let username = username.trim();
    let ok = (3..=64).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
    if !ok {
        return Err(ApiError::InvalidRequest(
            "username must be 3 to 64 characters of letters, digits, '.', '_', '-', '@'".into(),
        ));
    }
    Ok(username.to_owned())
}

/// Checks a new password's length (8 to 1024 characters).
pub fn validate_password(password: &str) -> Result<(), ApiError> {
    if !(8..=1024).contains(&password.chars().count()) {
        return Err(ApiError::InvalidRequest("password must be 8 to 1024 characters".into()));
    }
    Ok(())
}

/// Checks role and agency together: staff roles only, and an agency exactly for agency-scoped roles.
pub fn validate_role(role: Role, agency_id: Option<&str>) -> Result<(), ApiError> {
    if role == Role::Device {
        return Err(ApiError::InvalidRequest("devices register themselves at POST /v1/devices".into()));
    }
    match (role.is_agency_scoped(), agency_id) {
        (true, None) => Err(ApiError::InvalidRequest(format!("role {role} needs an agency_id"))),
        (false, Some(_)) => Err(ApiError::InvalidRequest(format!("role {role} does not belong to an agency"))),
        _ => Ok(()),
    }
}

/// Inserts a staff account; refuses a taken username or an unknown agency.
pub fn insert_staff_account(
    tx: &mut dyn Tx,
    account: NewStaffAccount,
    now: DateTime<Utc>,
) -> Result<AccountView, ApiError> {
    if let Some(agency_id) = &account.agency_id
        && tx.query_opt("SELECT id FROM agencies WHERE id = $1", &[agency_id.into()])?.is_none()
    {
        return Err(ApiError::NotFound("agency"));
    }
    let id = new_id();
    let inserted = tx.execute(
        "INSERT INTO accounts (id, role, username, password_hash, agency_id, created_at, area_province, area_wards) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (username) DO NOTHING",
        &[
            id.clone().into(),
            account.role.as_str().into(),
            account.username.clone().into(),
            account.password_hash.into(),
            account.agency_id.clone().into(),
            Value::Int(to_ms(now)),
            account.area.as_ref().map(|a| a.province.clone()).into(),
            account.area.as_ref().and_then(wards_column).into(),
        ],
    )?;
    if inserted == 0 {
        return Err(ApiError::Conflict { code: ErrorCode::UsernameTaken, message: "this username is taken".into() });
    }
    Ok(AccountView {
        id,
        role: account.role,
        username: Some(account.username),
        agency_id: account.agency_id,
        area: account.area,
        created_at: now,
    })
}

fn account_from_row(row: &Row) -> Result<AccountView, ApiError> {
    Ok(AccountView {
        id: row.text(0)?,
        role: Role::parse(&row.text(1)?).ok_or_else(|| ApiError::Internal("unknown role".into()))?,
        username: row.opt_text(2)?,
        agency_id: row.opt_text(3)?,
        area: area_from_columns(row.opt_text(5)?, row.opt_text(6)?),
        created_at: from_ms(row.int(4)?)?,
    })
}

/// Registers a device key generated on the phone.
#[utoipa::path(
    post, path = "/v1/devices", tag = "devices",
    request_body = RegisterDeviceRequest,
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries")),
    responses(
        (status = 201, description = "Registered", body = RegisteredDevice),
        (status = 409, description = "This key is already registered", body = ErrorResponse),
        (status = 422, description = "Not a P-256 SPKI key, or the key was reused for another body", body = ErrorResponse),
    )
)]
pub async fn register_device(
    State(state): State<AppState>,
    addr: ClientAddr,
    request: IdempotentJson<RegisterDeviceRequest>,
) -> Result<Response, ApiError> {
    let key = VerifyingKey::from_spki_base64(&request.body.public_key)
        .map_err(|_| ApiError::InvalidRequest("public_key must be a base64 SPKI DER P-256 public key".into()))?;
    let platform = request.body.platform.trim().to_owned();
    if platform.is_empty()
        || platform.len() > 32
        || !platform.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(ApiError::InvalidRequest("platform must be 1 to 32 letters, digits, '-', '_', '.'".into()));
    }
    let now = state.now();
    let limit = state.config.anonymous_rate_limit_per_minute;
    let bucket = format!("register:{}", addr.key());
    let check_bucket = bucket.clone();
    // An address already over its limit is refused on a read, without waiting for the write lock.
    state.db.read(move |tx| ratelimit::check(tx, &check_bucket, to_ms(now), ratelimit::MINUTE_MS, limit)).await?;
    state.db.write(move |tx| ratelimit::hit(tx, &bucket, to_ms(now), limit)).await?;
    // Devices have no account before this call, so their keys share one namespace; keys are random UUIDs.
    idempotency::run(&state, "anonymous".into(), &request, move |tx| {
        let id = new_id();
        let inserted = tx.execute(
            "INSERT INTO accounts (id, role, public_key, kid, platform, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (public_key) DO NOTHING",
            &[
                id.clone().into(),
                Role::Device.as_str().into(),
                key.spki_base64().into(),
                key.kid().into(),
                platform.into(),
                Value::Int(to_ms(now)),
            ],
        )?;
        if inserted == 0 {
            return Err(ApiError::Conflict {
                code: ErrorCode::DeviceKeyRegistered,
                message: "this public key is already registered".into(),
            });
        }
        Ok((StatusCode::CREATED, RegisteredDevice { device_id: id, kid: key.kid().to_owned(), created_at: now }))
    })
    .await
}

/// A device's record: the device itself, or the authority.
#[utoipa::path(
    get, path = "/v1/devices/{device_id}", tag = "devices",
    security(("bearer" = [])),
    params(("device_id" = String, Path, description = "Device id")),
    responses(
        (status = 200, body = DeviceView),
        (status = 403, description = "Staff other than the authority", body = ErrorResponse),
        (status = 404, description = "No such device, or another device's", body = ErrorResponse),
    )
)]
pub async fn get_device(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(device_id): ApiPath<String>,
) -> Result<Json<DeviceView>, ApiError> {
    match principal.role {
        Role::AuthorityAdmin => {}
        // Another device's id answers exactly like an unknown one, so ids cannot be probed.
        Role::Device if principal.account_id == device_id => {}
        Role::Device => return Err(ApiError::NotFound("device")),
        _ => principal.require(&[Role::Device, Role::AuthorityAdmin])?,
    }
    let device = state
        .db
        .read(move |tx| {
            let row = tx
                .query_opt(
                    "SELECT id, kid, platform, created_at FROM accounts WHERE id = $1 AND role = $2",
                    &[device_id.into(), Role::Device.as_str().into()],
                )?
                .ok_or(ApiError::NotFound("device"))?;
            Ok::<_, ApiError>(DeviceView {
                id: row.text(0)?,
                kid: row.opt_text(1)?.unwrap_or_default(),
                platform: row.opt_text(2)?.unwrap_or_default(),
                created_at: from_ms(row.int(3)?)?,
            })
        })
        .await?;
    Ok(Json(device))
}

/// The caller's own account.
#[utoipa::path(
    get, path = "/v1/me", tag = "accounts",
    security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = 401, body = ErrorResponse))
)]
pub async fn me(State(state): State<AppState>, principal: Principal) -> Result<Json<AccountView>, ApiError> {
    let id = principal.account_id.clone();
    let account = state
        .db
        .read(move |tx| {
            let row = tx
                .query_opt(
                    "SELECT id, role, username, agency_id, created_at, area_province, area_wards FROM accounts WHERE id = $1",
                    &[id.into()],
                )?
                .ok_or(ApiError::NotFound("account"))?;
            account_from_row(&row)
        })
        .await?;
    Ok(Json(account))
}

/// Creates a staff account: the authority creates any staff role; an agency admin creates gate operators of
/// its own agency.
#[utoipa::path(
    post, path = "/v1/accounts", tag = "accounts",
    security(("bearer" = [])),
    request_body = CreateAccountRequest,
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries")),
    responses(
        (status = 201, body = AccountView),
        (status = 403, description = "Role or agency not allowed for the caller", body = ErrorResponse),
        (status = 409, description = "Username taken", body = ErrorResponse),
    )
)]
pub async fn create_account(
    State(state): State<AppState>,
    principal: Principal,
    request: IdempotentJson<CreateAccountRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::AuthorityAdmin, Role::AgencyAdmin])?;
    let body = &request.body;
    let agency_id = match principal.role {
        Role::AgencyAdmin => {
            if body.role != Role::GateOperator {
                return Err(ApiError::Forbidden("an agency admin creates only gate operators".into()));
            }
            let own = principal.agency_id.clone();
            if body.agency_id.is_some() && body.agency_id != own {
                return Err(ApiError::Forbidden("an agency admin creates accounts of its own agency only".into()));
            }
            own
        }
        _ => body.agency_id.clone(),
    };
    validate_role(body.role, agency_id.as_deref())?;
    let area = validate_area(body.role, body.area.clone())?;
    let username = validate_username(&body.username)?;
    validate_password(&body.password)?;
    let password_hash = hash_password_pooled(&state, body.password.clone()).await?;
    let account = NewStaffAccount { role: body.role, username, password_hash, agency_id, area };
    let now = state.now();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let created = insert_staff_account(tx, account, now)?;
        Ok((StatusCode::CREATED, created))
    })
    .await
}

/// Disables an account or device at once: its tokens and pending challenges are deleted, and every later
/// request with a token of it, login, challenge or token request is refused with 403 `account_disabled`.
#[utoipa::path(
    post, path = "/v1/accounts/{account_id}/disable", tag = "accounts",
    security(("bearer" = [])),
    request_body = AccountStatusRequest,
    params(
        ("account_id" = String, Path, description = "Account or device id"),
        ("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries"),
    ),
    responses(
        (status = 200, description = "Disabled (or already disabled)", body = AccountStatusView),
        (status = 403, description = "Not the authority admin, or an agency admin outside its own gate operators, or one's own account", body = ErrorResponse),
        (status = 404, description = "No such account", body = ErrorResponse),
    )
)]
pub async fn disable_account(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(account_id): ApiPath<String>,
    request: IdempotentJson<AccountStatusRequest>,
) -> Result<Response, ApiError> {
    set_account_disabled(state, principal, account_id, request, true).await
}

/// Enables a disabled account or device again; it signs in anew (its old tokens are gone).
#[utoipa::path(
    post, path = "/v1/accounts/{account_id}/enable", tag = "accounts",
    security(("bearer" = [])),
    request_body = AccountStatusRequest,
    params(
        ("account_id" = String, Path, description = "Account or device id"),
        ("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries"),
    ),
    responses(
        (status = 200, description = "Enabled (or already enabled)", body = AccountStatusView),
        (status = 403, description = "Not the authority admin, or an agency admin outside its own gate operators", body = ErrorResponse),
        (status = 404, description = "No such account", body = ErrorResponse),
    )
)]
pub async fn enable_account(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(account_id): ApiPath<String>,
    request: IdempotentJson<AccountStatusRequest>,
) -> Result<Response, ApiError> {
    set_account_disabled(state, principal, account_id, request, false).await
}

async fn set_account_disabled(
    state: AppState,
    principal: Principal,
    account_id: String,
    request: IdempotentJson<AccountStatusRequest>,
    disable: bool,
) -> Result<Response, ApiError> {
    principal.require(&[Role::AuthorityAdmin, Role::AgencyAdmin])?;
    let reason = match request.body.reason.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(crate::util::clean_name("reason", text, 500)?),
    };
    if disable && account_id == principal.account_id {
        // The last authority admin disabling itself would leave nobody to undo it.
        return Err(ApiError::Forbidden("an account cannot disable itself".into()));
    }
    let now = state.now();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let target = tx
            .query_opt("SELECT role, agency_id, disabled FROM accounts WHERE id = $1", &[account_id.clone().into()])?
            .ok_or(ApiError::NotFound("account"))?;
        let role = Role::parse(&target.text(0)?).ok_or_else(|| ApiError::Internal("unknown role".into()))?;
        let in_scope = match principal.role {
            Role::AuthorityAdmin => true,
            // An agency admin answers for the gate operators it may create, and no one else.
            Role::AgencyAdmin => role == Role::GateOperator && target.opt_text(1)? == principal.agency_id,
            _ => false,
        };
        if !in_scope {
            return Err(ApiError::Forbidden("this account is outside the caller's scope".into()));
        }
        if (target.int(2)? != 0) != disable {
            tx.execute(
                "UPDATE accounts SET disabled = $1 WHERE id = $2",
                &[Value::from(disable), account_id.clone().into()],
            )?;
            if disable {
                // Effective at once: live tokens and pending challenges go with the change.
                tx.execute("DELETE FROM access_tokens WHERE account_id = $1", &[account_id.clone().into()])?;
                tx.execute("DELETE FROM device_challenges WHERE account_id = $1", &[account_id.clone().into()])?;
            }
            tx.execute(
                "INSERT INTO account_status_changes (id, account_id, disabled, changed_by, reason, changed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    new_id().into(),
                    account_id.clone().into(),
                    Value::from(disable),
                    principal.account_id.clone().into(),
                    reason.into(),
                    Value::Int(to_ms(now)),
                ],
            )?;
            tracing::warn!(account_id = %account_id, by = %principal.account_id, disabled = disable, "account status changed");
        }
        let last = tx.query_opt(
            "SELECT changed_by, changed_at, reason FROM account_status_changes WHERE account_id = $1 \
             ORDER BY changed_at DESC, id DESC LIMIT 1",
            &[account_id.clone().into()],
        )?;
        let (changed_by, changed_at, reason) = match last {
            Some(row) => (Some(row.text(0)?), Some(from_ms(row.int(1)?)?), row.opt_text(2)?),
            None => (None, None, None),
        };
        Ok((StatusCode::OK, AccountStatusView { id: account_id, role, disabled: disable, changed_by, changed_at, reason }))
    })
    .await
}
