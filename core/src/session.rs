//! The phone's connection to a server: its registered device identity (key sealed at rest) and sign-in.

use std::sync::Arc;

use chrono::Utc;
use rusqlite::OptionalExtension;
use thiserror::Error;

use crate::client::{ClientConfig, ClientError, DeviceIdentity, ServerClient};
use crate::clock::Clock;
use crate::sealing::{Sealer, SealingError};
use crate::storage::{Database, StorageError};

/// Errors from connecting to the server.
#[derive(Debug, Error)]
pub enum SessionError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
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

/// Opens a signed-in client for `server_url`, registering this installation as a device the first time.
pub async fn connect(db: &Database, sealer: &Arc<Sealer>, clock: Arc<dyn Clock>, server_url: &str, config: impl FnOnce(ClientConfig) -> ClientConfig) -> Result<ServerClient, SessionError> {
    let client = ServerClient::new(config(ClientConfig::new(server_url)), clock)?;
    let url = client.base_url().to_owned();
    let stored = {
        let (sealer, url) = (sealer.clone(), url.clone());
        db.read(move |conn| {
            let row: Option<(String, Vec<u8>)> = conn
                .query_row("SELECT device_id, sealed_key FROM device_identity WHERE server_url = ?1", [&url], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match row {
                Some((device_id, sealed)) => Ok::<_, SessionError>(Some((device_id, sealer.open(&context(&url), &sealed)?))),
                None => Ok(None),
            }
        })
        .await?
    };
    let identity = match stored {
        Some((device_id, pkcs8)) => DeviceIdentity::new(device_id, pkcs8)?,
        None => {
            let identity = client.register_device(std::env::consts::OS).await?;
            let sealed = sealer.seal(&context(&url), identity.pkcs8())?;
            let device_id = identity.device_id().to_owned();
            db.write(move |tx| {
                tx.execute(
                    "INSERT INTO device_identity (server_url, device_id, sealed_key, registered_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (server_url) DO NOTHING",
                    (&url, &device_id, sealed, Utc::now().timestamp_millis()),
                )?;
                Ok::<_, SessionError>(())
            })
            .await?;
            identity
        }
    };
    client.sign_in_device(&identity).await?;
    Ok(client)
}
