//! Staff sign-in with the role a tool expects, and the in-memory session of the staff tools that keep nothing on
//! disk (the vaccination site's and the health officer's): one place, so that every tool refuses another role's
//! account the same way and forgets an expired or revoked session the same way.

use std::sync::{Arc, Mutex};

use healthbook_protocol::Role;
use thiserror::Error;

use super::{AccessToken, ClientConfig, ClientError, ServerClient};
use crate::clock::Clock;
use crate::settings::Settings;

/// Why a staff sign-in failed; no message names the account.
#[derive(Debug, Error)]
pub enum StaffSignInError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// The configured server URL could not be read.
    #[error("the server address could not be read: {0}")]
    Settings(String),
    /// The user name or password was refused.
    #[error("the user name or password is wrong")]
    Refused,
    /// The account signed in, but it has another role than the tool's (it was signed out again).
    #[error("this account has another role ({0})")]
    WrongRole(Role),
    /// Another failure of the server or the client.
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl ServerClient {
    /// Signs in as staff and keeps the session only when the account has `role`; an account of another role is
    /// signed out again at once, so a tool never holds a session it may not use.
    pub async fn sign_in_staff_as(&self, username: &str, password: &str, role: Role) -> Result<AccessToken, StaffSignInError> {
        let token = self.sign_in_staff(username, password).await.map_err(|e| match e {
            ClientError::Http { status: 401, .. } => StaffSignInError::Refused,
            other => StaffSignInError::Client(other),
        })?;
        if token.role != role {
            // Best effort: the answer that matters is the refusal.
            let _ = self.sign_out().await;
            self.set_session(None);
            return Err(StaffSignInError::WrongRole(token.role));
        }
        Ok(token)
    }
}

/// A staff session held in memory only, for one role; clones share it. Signing in again replaces it.
#[derive(Clone)]
pub struct StaffSession {
    /// Where the server URL is read at sign-in (the app's settings)...
    settings: Option<Settings>,
    /// ...or the server of the client this session was made with.
    fixed_url: Option<String>,
    clock: Arc<dyn Clock>,
    role: Role,
    held: Arc<Mutex<Option<ServerClient>>>,
}

impl std::fmt::Debug for StaffSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffSession").field("role", &self.role).finish_non_exhaustive()
    }
}

impl StaffSession {
    /// No session yet; sign-in reads the server URL from the app's settings.
    pub fn from_settings(settings: Settings, clock: Arc<dyn Clock>, role: Role) -> Self {
        Self { settings: Some(settings), fixed_url: None, clock, role, held: Arc::new(Mutex::new(None)) }
    }

    /// The session of `client`, already signed in with `role` by the caller (a tool that signs in by itself).
    pub fn with_client(client: ServerClient, clock: Arc<dyn Clock>, role: Role) -> Self {
        Self {
            settings: None,
            fixed_url: Some(client.base_url().to_owned()),
            clock,
            role,
            held: Arc::new(Mutex::new(Some(client))),
        }
    }

    /// Signs `username` in with this session's role and holds the session; the password is used for this
    /// sign-in only.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<(), StaffSignInError> {
        let url = match &self.settings {
            Some(settings) => settings.server_url().await.map_err(|e| StaffSignInError::Settings(e.to_string()))?,
            None => self.fixed_url.clone(),
        }
        .ok_or(StaffSignInError::NoServer)?;
        let client = ServerClient::new(ClientConfig::new(url), self.clock.clone())?;
        client.sign_in_staff_as(username, password, self.role).await?;
        *self.lock() = Some(client);
        Ok(())
    }

    /// Signs out on the server (best effort) and forgets the session.
    pub async fn sign_out(&self) {
        let client = self.lock().take();
        if let Some(client) = client {
            let _ = client.sign_out().await;
        }
    }

    /// The signed-in client, or `None` when no session is held or it has expired.
    pub fn client(&self) -> Option<ServerClient> {
        let client = self.lock().clone()?;
        match client.session() {
            Some(token) if !token.is_expired_at(self.clock.now()) => Some(client),
            _ => None,
        }
    }

    /// Forgets the session (the server no longer accepts it).
    pub fn forget(&self) {
        self.lock().take();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ServerClient>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }
}
