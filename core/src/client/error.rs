//! Errors of the server client.

use thiserror::Error;

use crate::trust::TrustError;

/// What went wrong talking to the server; variants are what the app can act on.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The client was configured wrongly (a base URL that is not http or https, say).
    #[error("client configuration: {0}")]
    Config(String),
    /// The server URL is plain `http://` to a host other than loopback, so traffic could be read or changed
    /// on the way; the host is named.
    #[error("refusing plain http:// to {0}: only https, or http to loopback (127.0.0.0/8, ::1, localhost)")]
    InsecureUrl(String),
    /// The server could not be reached (no network, connection refused or reset).
    #[error("network error: {0}")]
    Network(String),
    /// The server did not answer in time.
    #[error("request timed out")]
    Timeout,
    /// The server answered with an error status and its stable error code.
    #[error("server said {status} {code}: {message}")]
    Http {
        /// HTTP status.
        status: u16,
        /// Stable machine-readable code, e.g. `forbidden` or `idempotency_key_reused`.
        code: String,
        /// Human-readable explanation from the server.
        message: String,
    },
    /// The server's answer could not be understood.
    #[error("could not decode the server's answer: {0}")]
    Decode(String),
    /// A trust list or revocation list was refused (bad signature, wrong root key, rollback, ...).
    #[error("trust document refused: {0}")]
    TrustList(#[from] TrustError),
    /// The trust-document cache failed.
    #[error("trust cache: {0}")]
    Cache(String),
    /// A device key could not be made or used.
    #[error("device key: {0}")]
    DeviceKey(String),
    /// The call needs a signed-in session and there is none.
    #[error("not signed in")]
    NotSignedIn,
}

impl ClientError {
    /// Whether a retry of the same request could succeed (network trouble or a transient server error).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network(_) | Self::Timeout => true,
            Self::Http { status, .. } => matches!(status, 408 | 500 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// The server's error code, when the server answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Http { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}
