//! Bootstrap and administration used by the `admin` subcommands (and by tests): they act on the database
//! directly, because they run before any account exists that could call the API.

use std::sync::Arc;

use healthbook_core::Clock;
use healthbook_core::client::Role;
use thiserror::Error;

use crate::accounts::{NewStaffAccount, insert_staff_account, validate_password, validate_role, validate_username};
use crate::agencies::insert_agency;
use crate::auth::hash_password;
use crate::error::ApiError;
use crate::models::{AccountView, AgencyView};
use crate::storage::{Database, StorageError};
use crate::trust::{init_root, root_public_key};
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
            NewStaffAccount { role: Role::AuthorityAdmin, username, password_hash, agency_id: None },
            now,
        )?;
        Ok(InitReport { root_public_key: root.spki_base64(), root_kid: root.kid().to_owned(), admin })
    })
    .await
}

/// The root public key (base64 SPKI DER), if initialised.
pub async fn root_key(db: &Database) -> Result<Option<String>, AdminError> {
    Ok(db.read(|tx| Ok::<_, ApiError>(root_public_key(tx)?.map(|k| k.spki_base64()))).await?)
}

/// Creates a staff account.
pub async fn create_account(
    db: &Database,
    clock: Arc<dyn Clock>,
    role: Role,
    username: &str,
    password: &str,
    agency_id: Option<String>,
    pbkdf2_iterations: u32,
) -> Result<AccountView, AdminError> {
    validate_role(role, agency_id.as_deref())?;
    let username = validate_username(username)?;
    validate_password(password)?;
    let password_hash = hash_password(password, pbkdf2_iterations)?;
    let now = crate::util::truncate_to_ms(clock.now());
    Ok(db
        .write(move |tx| insert_staff_account(tx, NewStaffAccount { role, username, password_hash, agency_id }, now))
        .await?)
}

/// Creates an agency.
pub async fn create_agency(db: &Database, clock: Arc<dyn Clock>, name: &str) -> Result<AgencyView, AdminError> {
    let name = clean_name("name", name, 200)?;
    let now = crate::util::truncate_to_ms(clock.now());
    Ok(db.write(move |tx| insert_agency(tx, &name, now)).await?)
}
