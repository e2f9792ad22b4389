//! How the persons client reaches the server: a small trait, so that tests can script the server's answers,
//! and its HTTP implementation over the signed-in device client.

use async_trait::async_trait;
use healthbook_protocol::{ErrorCode, ErrorResponse};
use serde_json::Value;

use super::error::PersonError;
use crate::client::ClientError;
use crate::session::Session;
use crate::session::SessionError;

/// The HTTP verbs the bindings endpoints use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Read.
    Get,
    /// Create or act (with an idempotency key).
    Post,
    /// Remove (with an idempotency key).
    Delete,
}

/// What a request to the server came to, when it did not succeed.
#[derive(Debug)]
pub enum TransportError {
    /// No server is configured.
    NoServer,
    /// The server answered with an error status: its code, its whole body and its `Retry-After`.
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's stable error code.
        code: String,
        /// The JSON body, for fields beside the code (`attempts_left`).
        body: Value,
        /// Seconds of the `Retry-After` header.
        retry_after_secs: Option<u64>,
    },
    /// The request failed before an answer (network, timeout, sign-in, an unreadable answer).
    Client(ClientError),
    /// Signing in failed for a reason other than the network.
    Session(SessionError),
}

/// Sends one request of the bindings API; the answer's JSON body on success.
#[async_trait]
pub trait PersonsTransport: Send + Sync {
    /// Sends `verb` to `path` (with `body` as JSON when given).
    async fn send(&self, verb: Verb, path: &str, body: Option<Value>) -> Result<Value, TransportError>;
}

/// The transport to the configured server, signed in as this installation's device.
pub struct HttpPersonsTransport {
    session: Session,
}

impl HttpPersonsTransport {
    /// A transport that connects to the configured server through `session` (this installation's device).
    pub fn new(session: Session) -> Self {
        Self { session }
    }
}

#[async_trait]
impl PersonsTransport for HttpPersonsTransport {
    async fn send(&self, verb: Verb, path: &str, body: Option<Value>) -> Result<Value, TransportError> {
        let url = self
            .session
            .server_url()
            .await
            .map_err(|e| match e {
                crate::settings::SettingsError::Storage(s) => TransportError::Session(SessionError::Storage(s)),
                // A stored URL that no longer parses is as good as none.
                _ => TransportError::NoServer,
            })?
            .ok_or(TransportError::NoServer)?;
        let client = self.session.connect(&url).await.map_err(|e| match e {
            SessionError::Client(c) => TransportError::Client(c),
            other => TransportError::Session(other),
        })?;
        let method = match verb {
            Verb::Get => reqwest::Method::GET,
            Verb::Post => reqwest::Method::POST,
            Verb::Delete => reqwest::Method::DELETE,
        };
        let answer = client.send_detailed(method, path, body.as_ref()).await.map_err(TransportError::Client)?;
        if answer.is_success() {
            return Ok(answer.body);
        }
        let code = answer.to_client_error().code().unwrap_or_default().to_owned();
        Err(TransportError::Refused { status: answer.status, code, body: answer.body, retry_after_secs: answer.retry_after_secs })
    }
}

/// Maps a failed request onto the area's errors; `profile_id` names the profile a `profile_not_bound` is about.
pub(crate) fn to_person_error(error: TransportError, profile_id: Option<&str>) -> PersonError {
    match error {
        TransportError::NoServer => PersonError::NoServer,
        TransportError::Session(reason) => PersonError::Session(reason),
        TransportError::Client(e) if e.is_transient() => PersonError::Unreachable(e.to_string()),
        TransportError::Client(e) => PersonError::Server(e),
        TransportError::Refused { status, code, body, retry_after_secs } => {
            // The error body is the wire contract's; a body that does not read (another server, a proxy's page)
            // still gives its status and code.
            let message = body["error"]["message"].as_str().unwrap_or_default().to_owned();
            let detail = serde_json::from_value::<ErrorResponse>(body).ok().map(|b| b.error);
            match ErrorCode::parse(&code) {
                Some(ErrorCode::WrongCode) => {
                    PersonError::WrongCode { attempts_left: detail.and_then(|d| d.attempts_left).unwrap_or(0) }
                }
                Some(ErrorCode::BindingLocked | ErrorCode::RateLimited) => PersonError::Locked {
                    // Without a header the server's hourly window is the safe guess.
                    retry_after_secs: retry_after_secs.or_else(|| detail.and_then(|d| d.retry_after_secs)).unwrap_or(3600),
                },
                Some(ErrorCode::ChallengeClosed | ErrorCode::ChallengeExpired) => PersonError::ChallengeClosed,
                Some(ErrorCode::IdentityMismatch) => PersonError::IdentityMismatch,
                Some(ErrorCode::AttestationRequired) => PersonError::AttestationRequired,
                Some(ErrorCode::ProfileNotBound) => PersonError::NotBound(profile_id.unwrap_or_default().to_owned()),
                Some(ErrorCode::InvalidRequest) => PersonError::Invalid(if message.is_empty() { code } else { message }),
                _ if matches!(status, 408 | 500 | 502 | 503 | 504) => {
                    PersonError::Unreachable(format!("server answered {status} {code}"))
                }
                _ => PersonError::Server(ClientError::Http { status, code, message }),
            }
        }
    }
}
