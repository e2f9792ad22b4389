//! Tunable limits and lifetimes of the server.

use std::net::IpAddr;

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
    /// Failed logins per minute per (username, client address) before that pair is refused with 429 until the
    /// minute ends (0 = unlimited). Only failures count, and only from that address: the right password from
    /// another address still gets in.
    pub login_attempts_per_minute: u32,
    /// Failed logins per minute per client address, whatever the usernames, before the address is backed off
    /// until the minute ends (0 = unlimited).
    pub login_failures_per_address_per_minute: u32,
    /// Failed logins per hour per client address before the address is backed off until the hour ends
    /// (0 = unlimited): the longer back-off for an address that keeps failing minute after minute.
    pub login_failures_per_address_per_hour: u32,
    /// Failed logins per minute against one username, from all addresses, at which a warning is logged. Never
    /// blocks anything: blocking on it would let anyone lock out the right password.
    pub login_failures_warn_per_username: u32,
    /// Password hashes computed at once, on dedicated threads (not tokio's blocking pool).
    pub password_hash_threads: usize,
    /// Password hashes that may wait for a thread; beyond that a login is answered 503 `server_busy` at once.
    pub password_hash_queue: usize,
    /// Device challenge requests, and separately device token requests, per minute per client address
    /// (0 = unlimited). Counted per address, never per device, so that knowing a device id cannot starve it.
    pub device_auth_per_address_per_minute: u32,
    /// Proxies whose `X-Forwarded-For` is believed; requests from any other peer are counted by the peer's
    /// own address. Empty by default: no header is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Largest request body accepted.
    pub body_limit_bytes: usize,
    /// PBKDF2-HMAC-SHA256 iterations for new staff passwords (stored with each hash, so it can change later).
    pub pbkdf2_iterations: u32,
    /// How long an idempotency record (and its stored response) is kept.
    pub idempotency_retention: Duration,
    /// How long test-result registrations, samples, pools and results are kept (then deleted).
    pub results_retention: Duration,
    /// Sample registrations per device per hour (0 = unlimited): slows down guessing sample codes.
    pub result_registrations_per_hour: u32,
    /// The pinned publisher key of the national backend whose EU DCC document-signer lists the authority
    /// imports; without it `POST /v1/dcc-signers` refuses every list.
    pub dcc_signer_list_key: Option<healthbook_core::trust::PublisherKey>,
    /// Whose lists those are, as republished to phones (`DE` for Germany's backend).
    pub dcc_signer_list_source: String,
    /// How long gate passages are kept after their scan (then deleted).
    pub passages_retention: Duration,
    /// Whether the console's cookies carry `Secure` (true unless the server serves plain HTTP on a loopback
    /// address for local use, where browsers would not send them back).
    pub console_secure_cookies: bool,
    /// Citizen ids that may enter one agency's roster in any 24 hours (rows added with an id, rows whose id
    /// changes); an import that would go over is refused with 429 `roster_citizen_id_limit`. Roster entries are
    /// matched against people on phones, so this bounds how many ids an agency admin can test for app use.
    pub roster_new_citizen_ids_per_day: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        let hash_threads = crate::hashing::HashPool::default_threads();
        Self {
            token_ttl: Duration::minutes(30),
            challenge_ttl: Duration::minutes(2),
            rate_limit_per_minute: 600,
            anonymous_rate_limit_per_minute: 60,
            login_attempts_per_minute: 10,
            login_failures_per_address_per_minute: 30,
            login_failures_per_address_per_hour: 300,
            login_failures_warn_per_username: 50,
            password_hash_threads: hash_threads,
            password_hash_queue: 4 * hash_threads,
            // Generous, since many phones may share one carrier-grade NAT address.
            device_auth_per_address_per_minute: 300,
            trusted_proxies: Vec::new(),
            body_limit_bytes: 64 * 1024,
            // OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
            pbkdf2_iterations: 600_000,
            idempotency_retention: Duration::hours(24),
            results_retention: Duration::days(21),
            result_registrations_per_hour: 10,
            dcc_signer_list_key: None,
            dcc_signer_list_source: "DE".into(),
            passages_retention: Duration::days(21),
            console_secure_cookies: true,
            // Four full 5,000-row imports: a large agency's first roster goes through in a day.
            roster_new_citizen_ids_per_day: 20_000,
        }
    }
}
