//! Bootstrap and administration used by the `admin` subcommands (and by tests): they act on the database
//! directly, because they run before any account exists that could call the API.

use std::sync::Arc;

use healthbook_core::Clock;
use chrono::{DateTime, Utc};
use healthbook_core::trust::{IssuerKey, IssuerRole, VerifyingKey};
use thiserror::Error;
use healthbook_protocol::{AccountView, AgencyView, Role};

use crate::access::{AreaScope, validate_area};
use crate::accounts::{NewStaffAccount, insert_staff_account, validate_password, validate_role, validate_username};
use crate::agencies::insert_agency;
use crate::auth::hash_password;
use crate::error::ApiError;
use crate::storage::{Database, StorageError};
use crate::declarations::publish_bundled_forms;
use crate::trust::{Rotation, init_root, insert_issuer_key, root_public_key, rotate_service_key as rotate};
use crate::util::clean_name;

/// Errors of the admin commands.
#[derive(Debug, Error)]
pub enum AdminError {
    /// `admin init` ran on an initialised database.
    #[error("already initialised; root public key: {root_public_key}")]
    AlreadyInitialized {
        /// The existing root public key, base64 SPKI.
        root_public_key: String,
    },
    /// A command other than `init` ran before `init`.
    #[error("not initialised; run `healthbook-server admin init` first")]
    NotInitialized,
    /// Bad input or a refused change.
    #[error("{0}")]
    Refused(String),
    /// The database failed.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

impl From<ApiError> for AdminError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Storage(inner) => Self::Storage(inner),
            ApiError::NotInitialized => Self::NotInitialized,
            other => Self::Refused(other.to_string()),
        }
    }
}

/// What `admin init` made.
#[derive(Debug, Clone)]
pub struct InitReport {
    /// Root public key, base64 SPKI DER: phones pin this.
    pub root_public_key: String,
    /// Key id of the root key.
    pub root_kid: String,
    /// The first authority admin.
    pub admin: AccountView,
}

/// Creates the authority root key, the first signed trust documents and the first authority admin, in one
/// transaction: either all exist afterwards or none does.
pub async fn init(
    db: &Database,
    clock: Arc<dyn Clock>,
    username: &str,
    password: &str,
    pbkdf2_iterations: u32,
) -> Result<InitReport, AdminError> {
    let username = validate_username(username)?;
    validate_password(password)?;
    let password_hash = hash_password(password, pbkdf2_iterations)?;
    let now = crate::util::truncate_to_ms(clock.now());
    db.write(move |tx| {
        let Some(root) = init_root(tx, now)? else {
            let existing = root_public_key(tx)?.map(|k| k.spki_base64()).unwrap_or_default();
            return Err(AdminError::AlreadyInitialized { root_public_key: existing });
        };
        let admin = insert_staff_account(
            tx,
            NewStaffAccount { role: Role::AuthorityAdmin, username, password_hash, agency_id: None, area: None },
            now,
        )?;
        publish_bundled_forms(tx, now)?;
        Ok(InitReport { root_public_key: root.spki_base64(), root_kid: root.kid().to_owned(), admin })
    })
    .await
}

/// The root public key (base64 SPKI DER), if initialised.
pub async fn root_key(db: &Database) -> Result<Option<String>, AdminError> {
    Ok(db.read(|tx| Ok::<_, ApiError>(root_public_key(tx)?.map(|k| k.spki_base64()))).await?)
}

/// Creates a staff account (health officers get their area with [`create_account_in_area`]).
pub async fn create_account(
    db: &Database,
    clock: Arc<dyn Clock>,
    role: Role,
    username: &str,
    password: &str,
    agency_id: Option<String>,
    pbkdf2_iterations: u32,
) -> Result<AccountView, AdminError> {
    create_account_in_area(db, clock, role, username, password, agency_id, None, pbkdf2_iterations).await
}

/// Creates a staff account with an area scope (required for health officers, optional for volunteers).
#[allow(clippy::too_many_arguments)]
pub async fn create_account_in_area(
    db: &Database,
    clock: Arc<dyn Clock>,
    role: Role,
    username: &str,
    password: &str,
    agency_id: Option<String>,
    area: Option<AreaScope>,
    pbkdf2_iterations: u32,
) -> Result<AccountView, AdminError> {
    validate_role(role, agency_id.as_deref())?;
    let area = validate_area(role, area)?;
    let username = validate_username(username)?;
    validate_password(password)?;
    let password_hash = hash_password(password, pbkdf2_iterations)?;
    let now = crate::util::truncate_to_ms(clock.now());
    Ok(db
        .write(move |tx| insert_staff_account(tx, NewStaffAccount { role, username, password_hash, agency_id, area }, now))
        .await?)
}

/// Creates an agency.
pub async fn create_agency(db: &Database, clock: Arc<dyn Clock>, name: &str) -> Result<AgencyView, AdminError> {
    let name = clean_name("name", name, 200)?;
    let now = crate::util::truncate_to_ms(clock.now());
    Ok(db.write(move |tx| insert_agency(tx, &name, now)).await?)
}

/// Replaces the signing key of a service (`receipts`, `passes`, `lab-results`, `venue-posters` or `control-cards`) without downtime; see
/// [`crate::trust::rotate_service_key`].
pub async fn rotate_service_key(db: &Database, clock: Arc<dyn Clock>, service: &str) -> Result<Rotation, AdminError> {
    let service = service.to_owned();
    let now = crate::util::truncate_to_ms(clock.now());
    Ok(db.write(move |tx| rotate(tx, &service, now)).await?)
}

/// An `authority` key to add to the trust list.
#[derive(Debug, Clone)]
pub struct NewAuthorityKey {
    /// P-256 public key, base64 SPKI DER.
    pub public_key: String,
    /// Where its signatures count.
    pub scope: String,
    /// Display name.
    pub name: String,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
}

/// Lists an `authority` issuer key and signs the trust list with the root key: only whoever holds the database
/// and its key-encryption key can do this, since the API refuses authority keys.
pub async fn add_authority_key(db: &Database, clock: Arc<dyn Clock>, key: NewAuthorityKey) -> Result<IssuerKey, AdminError> {
    let verifying = VerifyingKey::from_spki_base64(&key.public_key)
        .map_err(|_| AdminError::Refused("the public key must be a base64 SPKI DER P-256 public key".into()))?;
    if key.not_after <= key.not_before {
        return Err(AdminError::Refused("not_after must be later than not_before".into()));
    }
    let entry = IssuerKey {
        kid: verifying.kid().to_owned(),
        role: IssuerRole::Authority,
        scope: clean_name("scope", &key.scope, 200)?,
        name: clean_name("name", &key.name, 200)?,
        public_key: verifying.spki_base64(),
        not_before: key.not_before,
        not_after: key.not_after,
    };
    let now = crate::util::truncate_to_ms(clock.now());
    Ok(db.write(move |tx| insert_issuer_key(tx, entry, now)).await?)
}
