//! The phone's connection to a server: its registered device identity (key sealed at rest) and sign-in.
//!
//! The device key and the idempotency key of its registration are stored before the registration is sent,
//! so a phone killed mid-registration repeats the same request on restart and gets the same device id back,
//! instead of becoming a second device.
//!
//! The bearer token is kept too (sealed, per server) and reused until [`TOKEN_RENEWAL_MARGIN`] before it
//! expires, so frequent syncs cost no sign-ins; a 401 to a request signs in again once and resends it.

use std::sync::Arc;

use rusqlite::OptionalExtension;
use thiserror::Error;

use chrono::{DateTime, Duration, Utc};

use crate::client::{AccessToken, ClientConfig, ClientError, DeviceIdentity, ServerClient, SessionRenewer};
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

fn token_context(server_url: &str) -> String {
    format!("device_tokens:{server_url}")
}

/// How long before its expiry a kept token is replaced: a request that starts with it must still be accepted
/// when it arrives, also on a slow network and with the phone's clock a little off.
pub const TOKEN_RENEWAL_MARGIN: Duration = Duration::minutes(2);

/// Whether a kept token can be used at `now` for `device_id`.
fn reusable(token: &AccessToken, device_id: &str, now: DateTime<Utc>) -> bool {
    token.account_id == device_id && now + TOKEN_RENEWAL_MARGIN < token.expires_at
}

/// The token kept for `url`, if any; one that no longer opens (a new data key) counts as none.
async fn stored_token(db: &Database, sealer: &Arc<Sealer>, url: &str) -> Result<Option<AccessToken>, SessionError> {
    let (sealer, url) = (sealer.clone(), url.to_owned());
    db.read(move |conn| {
        let sealed: Option<Vec<u8>> = conn
            .query_row("SELECT sealed_token FROM device_tokens WHERE server_url = ?1", [&url], |r| r.get(0))
            .optional()?;
        let Some(sealed) = sealed else { return Ok(None) };
        let token = sealer.open(&token_context(&url), &sealed).ok().and_then(|plain| serde_json::from_slice(&plain).ok());
        Ok::<_, SessionError>(token)
    })
    .await
}

/// Keeps `token` for `url`, replacing the previous one.
async fn store_token(db: &Database, sealer: &Arc<Sealer>, url: &str, token: &AccessToken) -> Result<(), SessionError> {
    let plain = serde_json::to_vec(token).map_err(|e| ClientError::Decode(e.to_string()))?;
    let sealed = sealer.seal(&token_context(url), &plain)?;
    let url = url.to_owned();
    db.write(move |tx| {
        tx.execute(
            "INSERT INTO device_tokens (server_url, sealed_token) VALUES (?1, ?2)
             ON CONFLICT (server_url) DO UPDATE SET sealed_token = excluded.sealed_token",
            (&url, sealed),
        )?;
        Ok::<_, SessionError>(())
    })
    .await
}

/// Signs the device in and keeps the new token; also the client's renewer after a 401.
struct DeviceSession {
    db: Database,
    sealer: Arc<Sealer>,
    url: String,
    identity: DeviceIdentity,
    /// One sign-in at a time: requests refused together share the sign-in of the first.
    signing_in: tokio::sync::Mutex<()>,
}

impl DeviceSession {
    async fn sign_in(&self, client: &ServerClient) -> Result<(), ClientError> {
        let token = client.sign_in_device(&self.identity).await?;
        // The client already holds the new session; a token that could not be kept only costs a sign-in at the
        // next start, so it must not fail the request that is waiting for it.
        if let Err(e) = store_token(&self.db, &self.sealer, &self.url, &token).await {
            tracing::warn!(error = %e, "could not keep the device token");
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl SessionRenewer for DeviceSession {
    async fn renew(&self, client: &ServerClient, refused: Option<&str>) -> Result<(), ClientError> {
        let _one = self.signing_in.lock().await;
        if client.session().map(|s| s.token).as_deref() != refused {
            return Ok(());
        }
        self.sign_in(client).await
    }
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

/// What a sub-client needs to talk to the configured server as this device: the database (device identity,
/// token, settings), the data key and the clock. Cheap to clone.
#[derive(Clone)]
pub struct Session {
    db: Database,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
}

impl Session {
    /// A session over this data directory's database and key.
    pub(crate) fn new(db: Database, sealer: Arc<Sealer>, clock: Arc<dyn Clock>) -> Self {
        Self { db, sealer, clock }
    }

    /// The configured server URL, if any.
    pub async fn server_url(&self) -> Result<Option<String>, crate::settings::SettingsError> {
        crate::settings::Settings::new(self.db.clone()).server_url().await
    }

    /// A signed-in client for `server_url` (see [`connect`]).
    pub async fn connect(&self, server_url: &str) -> Result<ServerClient, SessionError> {
        connect(&self.db, &self.sealer, self.clock.clone(), server_url, |c| c).await
    }

    /// The injected clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }
}

/// Opens a signed-in client for `server_url`, registering this installation as a device the first time; a kept
/// token that is still good for more than [`TOKEN_RENEWAL_MARGIN`] is reused, otherwise the device signs in.
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
        Some(device_id) => DeviceIdentity::new(device_id, stored.pkcs8)?,
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
    let session = Arc::new(DeviceSession {
        db: db.clone(),
        sealer: sealer.clone(),
        url: client.base_url().to_owned(),
        identity,
        signing_in: tokio::sync::Mutex::new(()),
    });
    let client = client.with_session_renewer(session.clone());
    match stored_token(db, sealer, &session.url).await? {
        Some(token) if reusable(&token, session.identity.device_id(), clock.now()) => client.set_session(Some(token)),
        _ => session.sign_in(&client).await?,
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Role;
    use chrono::TimeZone;

    fn token(account: &str, expires_at: DateTime<Utc>) -> AccessToken {
        AccessToken { token: "secret".into(), expires_at, account_id: account.into(), role: Role::Device, agency_id: None }
    }

    #[test]
    fn a_token_is_reused_until_the_margin_before_expiry() {
        let now = Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap();
        assert!(reusable(&token("d1", now + Duration::minutes(30)), "d1", now));
        assert!(reusable(&token("d1", now + TOKEN_RENEWAL_MARGIN + Duration::seconds(1)), "d1", now));
        assert!(!reusable(&token("d1", now + TOKEN_RENEWAL_MARGIN), "d1", now));
        assert!(!reusable(&token("d1", now - Duration::minutes(1)), "d1", now));
        assert!(!reusable(&token("d2", now + Duration::minutes(30)), "d1", now), "another device's token");
    }

    #[tokio::test]
    async fn the_token_is_kept_sealed_and_bound_to_its_server() {
        let db = Database::open_in_memory().unwrap();
        let sealer = Arc::new(Sealer::new(&Sealer::generate_key().unwrap()).unwrap());
        crate::storage::schema::migrate(&mut db.lock(), &sealer).unwrap();
        let expires = Utc.with_ymd_and_hms(2021, 7, 1, 8, 30, 0).unwrap();
        store_token(&db, &sealer, "https://a.example", &token("d1", expires)).await.unwrap();
        assert_eq!(stored_token(&db, &sealer, "https://a.example").await.unwrap(), Some(token("d1", expires)));
        assert_eq!(stored_token(&db, &sealer, "https://b.example").await.unwrap(), None);
        let raw: Vec<u8> = db.lock().query_row("SELECT sealed_token FROM device_tokens", [], |r| r.get(0)).unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("secret"), "the bearer secret is not stored in clear");
        // Moved to another server's row, the sealed token does not open, so it is never sent there.
        db.lock().execute("UPDATE device_tokens SET server_url = 'https://b.example'", []).unwrap();
        assert_eq!(stored_token(&db, &sealer, "https://b.example").await.unwrap(), None);
    }
}
