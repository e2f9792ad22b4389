//! The phone's connection to a server: its registered device identity (key sealed at rest) and sign-in.
//!
//! The device key and the idempotency key of its registration are stored before the registration is sent,
//! so a phone killed mid-registration repeats the same request on restart and gets the same device id back,
//! instead of becoming a second device.

use std::sync::Arc;

use rusqlite::OptionalExtension;
use thiserror::Error;

use crate::client::{ClientConfig, ClientError, ServerClient};
use crate::clock::Clock;
use crate::sealing::{Sealer, SealingError};
use crate::storage::{Database, StorageError};
use crate::trust::SigningKey;

/// Errors from connecting to the server.
#[derive(Debug, Error)]
pub enum SessionError {
    /// The server or the network failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The stored device key is unusable.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<rusqlite::Error> for SessionError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

fn context(server_url: &str) -> String {
    format!("device_identity:{server_url}")
}

struct StoredIdentity {
    device_id: Option<String>,
    pkcs8: Vec<u8>,
    registration_key: String,
}

/// Loads this installation's identity for `url`, creating (and storing) a new key the first time.
async fn identity_for(db: &Database, sealer: &Arc<Sealer>, clock: &Arc<dyn Clock>, url: &str) -> Result<StoredIdentity, SessionError> {
    let (sealer, url, now) = (sealer.clone(), url.to_owned(), clock.now().timestamp_millis());
    db.write(move |tx| {
        let row: Option<(Option<String>, Vec<u8>, String)> = tx
            .query_row(
                "SELECT device_id, sealed_key, registration_key FROM device_identity WHERE server_url = ?1",
                [&url],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((device_id, sealed, registration_key)) = row {
            return Ok(StoredIdentity { device_id, pkcs8: sealer.open(&context(&url), &sealed)?, registration_key });
        }
        let (_, pkcs8) = SigningKey::generate().map_err(|e| ClientError::DeviceKey(e.to_string()))?;
        let registration_key = uuid::Uuid::new_v4().to_string();
        tx.execute(
            "INSERT INTO device_identity (server_url, device_id, sealed_key, registration_key, created_at) VALUES (?1, NULL, ?2, ?3, ?4)",
            (&url, sealer.seal(&context(&url), &pkcs8)?, &registration_key, now),
        )?;
        Ok(StoredIdentity { device_id: None, pkcs8, registration_key })
    })
    .await
}

/// Opens a signed-in client for `server_url`, registering this installation as a device the first time.
pub async fn connect(
    db: &Database,
    sealer: &Arc<Sealer>,
    clock: Arc<dyn Clock>,
    server_url: &str,
    config: impl FnOnce(ClientConfig) -> ClientConfig,
) -> Result<ServerClient, SessionError> {
    let client = ServerClient::new(config(ClientConfig::new(server_url)), clock.clone())?;
    let url = client.base_url().to_owned();
    let stored = identity_for(db, sealer, &clock, &url).await?;
    let identity = match stored.device_id {
        Some(device_id) => crate::client::DeviceIdentity::new(device_id, stored.pkcs8)?,
        None => {
            let identity = client.register_device_key(stored.pkcs8, std::env::consts::OS, &stored.registration_key).await?;
            let device_id = identity.device_id().to_owned();
            db.write(move |tx| {
                tx.execute("UPDATE device_identity SET device_id = ?2 WHERE server_url = ?1", (&url, &device_id))?;
                Ok::<_, SessionError>(())
            })
            .await?;
            identity
        }
    };
    client.sign_in_device(&identity).await?;
    Ok(client)
}
