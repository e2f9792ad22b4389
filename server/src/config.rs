//! Tunable limits and lifetimes of the server.

use chrono::Duration;

/// Settings that shape the API's behaviour; the listen address and database live in the binary's flags.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Lifetime of a bearer token (staff and devices alike).
    pub token_ttl: Duration,
    /// Lifetime of a device challenge nonce.
    pub challenge_ttl: Duration,
    /// Requests per minute per signed-in account (0 = unlimited).
    pub rate_limit_per_minute: u32,
    /// Unauthenticated requests per minute per client address (device registration).
    pub anonymous_rate_limit_per_minute: u32,
    /// Login attempts per minute per username, to slow password guessing.
    pub login_attempts_per_minute: u32,
    /// Largest request body accepted.
    pub body_limit_bytes: usize,
    /// PBKDF2-HMAC-SHA256 iterations for new staff passwords (stored with each hash, so it can change later).
    pub pbkdf2_iterations: u32,
    /// How long an idempotency record (and its stored response) is kept.
    pub idempotency_retention: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            token_ttl: Duration::minutes(30),
            challenge_ttl: Duration::minutes(2),
            rate_limit_per_minute: 600,
            anonymous_rate_limit_per_minute: 60,
            login_attempts_per_minute: 10,
            body_limit_bytes: 64 * 1024,
            // OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
            pbkdf2_iterations: 600_000,
            idempotency_retention: Duration::hours(24),
        }
    }
}
