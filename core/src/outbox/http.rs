//! Delivers outbox items to the reference server with the core's HTTP client.

use async_trait::async_trait;

use super::db::OutboxItem;
use super::engine::{DeliveryError, OutboxTransport};
use crate::client::{ClientError, ServerClient};

/// The outbox transport over a signed-in [`ServerClient`].
pub struct ServerTransport {
    client: ServerClient,
}

impl ServerTransport {
    /// A transport over `client`, which must already be signed in.
    pub fn new(client: ServerClient) -> Self {
        Self { client }
    }
}

/// Sorts a client error into stop / retry later / give up.
pub fn classify(error: ClientError) -> DeliveryError {
    match error {
        ClientError::Network(_) | ClientError::Timeout => DeliveryError::Unreachable(error.to_string()),
        // A closed invitation stays closed: retrying its answer would go on forever.
        ClientError::Http { status: 409, ref code, .. } if code == healthbook_protocol::ErrorCode::InvitationClosed.as_str() => {
            DeliveryError::Rejected(error.to_string())
        }
        // The session lapsed, the server is overloaded or failing, or it throttles us: all pass with time.
        ClientError::Http { status: 401 | 408 | 409 | 425 | 429, .. } => DeliveryError::Retryable(error.to_string()),
        ClientError::Http { status, .. } if status >= 500 => DeliveryError::Retryable(error.to_string()),
        ClientError::Http { .. } => DeliveryError::Rejected(error.to_string()),
        // An answer we can't read: the server may have stored the item, so keep it and resend with the same key.
        other => DeliveryError::Retryable(other.to_string()),
    }
}

#[async_trait]
impl OutboxTransport for ServerTransport {
    async fn deliver(&self, item: &OutboxItem) -> Result<serde_json::Value, DeliveryError> {
        self.client.post_json_with_key(&item.path, &item.body, &item.idempotency_key).await.map_err(classify)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, code: &str) -> ClientError {
        ClientError::Http { status, code: code.into(), message: "refused".into() }
    }

    #[test]
    fn a_closed_invitation_is_final_other_conflicts_are_retried() {
        assert!(matches!(classify(http(409, "invitation_closed")), DeliveryError::Rejected(reason) if reason.contains("invitation_closed")));
        assert!(matches!(classify(http(409, "idempotency_key_in_flight")), DeliveryError::Retryable(_)));
        assert!(matches!(classify(http(400, "invalid_request")), DeliveryError::Rejected(_)));
        assert!(matches!(classify(http(503, "unavailable")), DeliveryError::Retryable(_)));
    }
}
