//! The phone's session token. The bodies it exchanges with the server are the wire contract's
//! (`healthbook_protocol`); the names the core's API has always used are re-exported from `client`.

use chrono::{DateTime, Utc};
use healthbook_protocol::{Role, TokenResponse};
use serde::{Deserialize, Serialize};

/// A bearer token and what it stands for; the token itself is never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    /// The bearer secret.
    pub token: String,
    /// When the server stops accepting it.
    pub expires_at: DateTime<Utc>,
    /// The account it authenticates.
    pub account_id: String,
    /// The account's role.
    pub role: Role,
    /// The account's agency, for agency-scoped roles.
    #[serde(default)]
    pub agency_id: Option<String>,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("account_id", &self.account_id)
            .field("role", &self.role)
            .field("agency_id", &self.agency_id)
            .finish()
    }
}

impl AccessToken {
    /// Whether the token has expired at `now`.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }
}

impl From<TokenResponse> for AccessToken {
    fn from(answer: TokenResponse) -> Self {
        Self { token: answer.token, expires_at: answer.expires_at, account_id: answer.account_id, role: answer.role, agency_id: answer.agency_id }
    }
}
