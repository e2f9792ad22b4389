//! Client configuration: where the server is, timeouts and the retry policy.

use std::time::Duration;

use rand::Rng;

use super::ClientError;

/// Parses a server base URL and refuses what the phone must not talk to: schemes other than `https`, and
/// `http` to anything but this machine's loopback (`127.0.0.0/8`, `::1`, `localhost`), where nothing crosses
/// a network that could read or change the traffic.
pub fn check_server_url(text: &str) -> Result<reqwest::Url, ClientError> {
    let url = reqwest::Url::parse(text.trim()).map_err(|e| ClientError::Config(e.to_string()))?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ClientError::InsecureUrl(url.host_str().unwrap_or_default().to_owned())),
        _ => Err(ClientError::Config("base URL must be an https URL with a host".into())),
    }
}

/// Whether the URL's host is loopback by address or by the name `localhost`.
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    // The URL parser has already normalised IP literals (`[::1]`, `127.1` → `127.0.0.1`).
    match host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// How the client reaches the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Base URL of the server, e.g. `https://api.example.vn` (no trailing path needed).
    pub base_url: String,
    /// Longest wait for a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Longest wait for a whole request, answer included.
    pub request_timeout: Duration,
    /// When and how often to try again.
    pub retry: RetryPolicy,
}

impl ClientConfig {
    /// Defaults suited to a phone on a mobile network.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            retry: RetryPolicy::default(),
        }
    }
}

/// Bounded retries with exponential backoff and full jitter.
///
/// Full jitter (a uniform delay in `[0, min(max, base * 2^n)]`) spreads phones that lost the network at the
/// same moment, so they do not come back in lockstep and knock the server over again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included; 1 means no retry.
    pub max_attempts: u32,
    /// Ceiling of the first retry's delay.
    pub base_delay: Duration,
    /// Ceiling of any delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 4, base_delay: Duration::from_millis(250), max_delay: Duration::from_secs(8) }
    }
}

impl RetryPolicy {
    /// A single attempt.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Retries with delays of a few milliseconds, so that tests of the retry path stay fast.
    pub fn tiny() -> Self {
        Self { max_attempts: 3, base_delay: Duration::from_millis(1), max_delay: Duration::from_millis(5) }
    }

    /// Ceiling of the delay before retry number `retry` (0 for the first retry).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// A delay drawn uniformly from `[0, ceiling(retry)]`.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry).as_micros().min(u128::from(u64::MAX)) as u64;
        Duration::from_micros(rand::thread_rng().gen_range(0..=ceiling))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_is_refused_except_on_loopback() {
        for ok in ["https://api.example.vn", "http://127.0.0.1:8080", "http://127.0.0.3", "http://[::1]:80", "http://localhost:1", "http://LOCALHOST"] {
            assert!(check_server_url(ok).is_ok(), "{ok}");
        }
        for (insecure, host) in [("http://example.com", "example.com"), ("http://10.0.2.2:8080", "10.0.2.2"), ("http://128.0.0.1", "128.0.0.1"), ("http://localhost.example.com", "localhost.example.com"), ("http://[::ffff:127.0.0.1]", "[::ffff:7f00:1]")] {
            assert_eq!(check_server_url(insecure).unwrap_err(), ClientError::InsecureUrl(host.into()), "{insecure}");
        }
        assert!(matches!(check_server_url("ftp://example.com"), Err(ClientError::Config(_))));
        assert!(matches!(check_server_url("not a url"), Err(ClientError::Config(_))));
    }

    #[test]
    fn backoff_grows_then_caps_and_jitter_stays_below_the_ceiling() {
        let policy =
            RetryPolicy { max_attempts: 10, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        assert_eq!(policy.ceiling(0), Duration::from_millis(100));
        assert_eq!(policy.ceiling(2), Duration::from_millis(400));
        assert_eq!(policy.ceiling(5), Duration::from_secs(1));
        assert_eq!(policy.ceiling(200), Duration::from_secs(1));
        for retry in 0..8 {
            assert!(policy.delay(retry) <= policy.ceiling(retry));
        }
    }
}
