//! Sending SMS: one pluggable [`SmsSender`]. The default [`LogSmsSender`] writes each message to the server log
//! (target `sms`), which is enough to run the system without a gateway; [`HttpSmsSender`] posts to a gateway;
//! tests inject a [`RecordingSmsSender`] through `AppState::with_sms` and read what was sent.
//!
//! Binding codes use it today; later capabilities (vaccination invitations, test results) reuse it.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use thiserror::Error;

/// Why a message was not sent.
#[derive(Debug, Error)]
pub enum SmsError {
    /// The gateway could not be reached or did not answer in time.
    #[error("the SMS gateway could not be reached: {0}")]
    Unreachable(String),
    /// The gateway answered with an error status.
    #[error("the SMS gateway refused the message with HTTP {0}")]
    Refused(u16),
    /// The sender is misconfigured (a bad URL or key).
    #[error("SMS sender configuration: {0}")]
    Config(String),
}

/// Sends one text message to one phone number.
#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends `text` to `to_e164` (`+84...`).
    async fn send(&self, to_e164: &str, text: &str) -> Result<(), SmsError>;
}

/// The default sender: writes each message to the server log. The one deliberate place where a phone number and
/// a message (possibly a code) reach the log, because the log *is* the gateway until one is configured.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogSmsSender;

#[async_trait]
impl SmsSender for LogSmsSender {
    async fn send(&self, to_e164: &str, text: &str) -> Result<(), SmsError> {
        tracing::info!(target: "sms", to = to_e164, text, "SMS (log sender: no gateway configured)");
        Ok(())
    }
}

/// Posts `{"to": ..., "text": ...}` as JSON to a gateway URL with `Authorization: Bearer KEY`, over rustls, with
/// timeouts and a bounded number of retries on connection failures and 5xx answers.
pub struct HttpSmsSender {
    client: reqwest::Client,
    url: String,
    key: String,
    attempts: u32,
    backoff: Duration,
}

impl std::fmt::Debug for HttpSmsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of debug output.
        f.debug_struct("HttpSmsSender").field("url", &self.url).field("attempts", &self.attempts).finish()
    }
}

impl HttpSmsSender {
    /// Attempts per message (the first plus retries).
    pub const ATTEMPTS: u32 = 3;

    /// A sender for `url` (http or https) with the bearer `key`.
    pub fn new(url: &str, key: &str) -> Result<Self, SmsError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| SmsError::Config(format!("gateway URL: {e}")))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(SmsError::Config("the gateway URL must be http or https".into()));
        }
        let key = key.trim();
        if key.is_empty() {
            return Err(SmsError::Config("the gateway key is empty".into()));
        }
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| SmsError::Config(e.to_string()))?;
        Ok(Self { client, url: url.to_owned(), key: key.to_owned(), attempts: Self::ATTEMPTS, backoff: Duration::from_millis(500) })
    }

    /// The same sender with another pause between attempts (tests use a short one).
    pub fn with_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }
}

#[async_trait]
impl SmsSender for HttpSmsSender {
    async fn send(&self, to_e164: &str, text: &str) -> Result<(), SmsError> {
        let body = serde_json::json!({ "to": to_e164, "text": text });
        let mut last = SmsError::Unreachable("no attempt made".into());
        for attempt in 0..self.attempts {
            if attempt > 0 {
                tokio::time::sleep(self.backoff * attempt).await;
            }
            match self.client.post(&self.url).bearer_auth(&self.key).json(&body).send().await {
                Ok(response) if response.status().is_success() => return Ok(()),
                // A 4xx will not get better by retrying (a bad key, a refused number).
                Ok(response) if response.status().is_client_error() => {
                    return Err(SmsError::Refused(response.status().as_u16()));
                }
                Ok(response) => last = SmsError::Refused(response.status().as_u16()),
                // reqwest's error text names the URL, never the body, so no number or code reaches the log.
                Err(e) => last = SmsError::Unreachable(e.without_url().to_string()),
            }
        }
        Err(last)
    }
}

/// One message a [`RecordingSmsSender`] kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    /// The number, E.164.
    pub to: String,
    /// The text.
    pub text: String,
}

/// A sender for tests: keeps every message in memory.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct RecordingSmsSender {
    sent: Mutex<Vec<SentSms>>,
    failing: std::sync::atomic::AtomicBool,
    attempts: std::sync::atomic::AtomicUsize,
    attempted: tokio::sync::Notify,
}

impl RecordingSmsSender {
    /// Makes every send fail as an unreachable gateway would (`true`), or succeed again (`false`).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every message sent so far, oldest first.
    pub fn sent(&self) -> Vec<SentSms> {
        self.sent.lock().map(|sent| sent.clone()).unwrap_or_default()
    }

    /// Waits (at most ten seconds) until `count` sends were attempted, failed ones included: messages that go out
    /// after a request has been answered arrive a moment later. Returns the attempts counted.
    pub async fn wait_for_attempts(&self, count: usize) -> usize {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let notified = self.attempted.notified();
            let now = self.attempts.load(std::sync::atomic::Ordering::SeqCst);
            if now >= count || tokio::time::Instant::now() >= deadline {
                return now;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
}

#[async_trait]
impl SmsSender for RecordingSmsSender {
    async fn send(&self, to_e164: &str, text: &str) -> Result<(), SmsError> {
        let outcome = if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            Err(SmsError::Unreachable("the test recorder is set to fail".into()))
        } else {
            if let Ok(mut sent) = self.sent.lock() {
                sent.push(SentSms { to: to_e164.to_owned(), text: text.to_owned() });
            }
            Ok(())
        };
        self.attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.attempted.notify_waiters();
        outcome
    }
}

/// The text carrying a binding code, in Vietnamese and English.
pub fn code_message(code: &str, minutes: i64) -> String {
    format!(
        "Healthbook: mã liên kết của bạn là {code} (hết hạn sau {minutes} phút). Không chia sẻ mã này. / \
         Your Healthbook binding code is {code} (expires in {minutes} minutes). Do not share it."
    )
}

/// The marker every "someone tried" notice starts with, so tests and gateways can tell them apart.
pub const BURNED_NOTICE_MARKER: &str = "Healthbook: Có người đang cố liên kết CCCD của bạn";

/// The notice sent to the person when a challenge for them was burned by wrong codes.
pub fn burned_notice() -> String {
    format!(
        "{BURNED_NOTICE_MARKER} với một điện thoại và đã nhập sai mã nhiều lần. Nếu không phải bạn, đừng chia sẻ \
         mã nào và liên hệ cán bộ y tế. / Someone is trying to link your citizen id to a phone and entered wrong \
         codes several times. If it was not you, share no code and contact a health officer."
    )
}

/// The marker every "binding locked" notice starts with.
pub const LOCKED_NOTICE_MARKER: &str = "Healthbook: Việc liên kết CCCD của bạn đã bị tạm khoá";

/// The notice sent to the person, once per lock, when too many codes were asked for them in an hour.
pub fn locked_notice() -> String {
    format!(
        "{LOCKED_NOTICE_MARKER} trong 1 giờ vì có quá nhiều yêu cầu mã. Nếu không phải bạn, hãy liên hệ cán bộ y tế. / \
         Linking your citizen id to a phone is locked for an hour after too many code requests. If it was not you, \
         contact a health officer."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn recording_sender_keeps_messages_in_order() {
        let sender = RecordingSmsSender::default();
        sender.send("+84912345678", "one").await.unwrap();
        sender.send("+84987654321", "two").await.unwrap();
        let sent = sender.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!((sent[0].to.as_str(), sent[1].text.as_str()), ("+84912345678", "two"));
    }

    #[test]
    fn http_sender_needs_a_url_and_a_key_and_hides_the_key() {
        assert!(matches!(HttpSmsSender::new("ftp://gateway", "k"), Err(SmsError::Config(_))));
        assert!(matches!(HttpSmsSender::new("https://gateway.example/sms", "  "), Err(SmsError::Config(_))));
        let sender = HttpSmsSender::new("https://gateway.example/sms", "secret-key").unwrap();
        assert!(!format!("{sender:?}").contains("secret-key"));
    }

    #[tokio::test]
    async fn http_sender_posts_json_with_the_bearer_key_and_retries_server_errors() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let mut requests = Vec::new();
            for status in ["503 Service Unavailable", "200 OK"] {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut buffer = vec![0u8; 8192];
                let mut read = 0;
                // Reads until the JSON body's closing brace: enough for this small request.
                while !buffer[..read].ends_with(b"}") {
                    read += socket.read(&mut buffer[read..]).await.unwrap();
                }
                requests.push(String::from_utf8_lossy(&buffer[..read]).into_owned());
                let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                socket.write_all(answer.as_bytes()).await.unwrap();
            }
            requests
        });
        let sender = HttpSmsSender::new(&format!("http://{addr}/send"), "gateway-key")
            .unwrap()
            .with_backoff(Duration::from_millis(1));
        sender.send("+84912345678", "xin chào").await.unwrap();
        let requests = server.await.unwrap();
        assert_eq!(requests.len(), 2, "one retry after the 503");
        let last = requests[1].to_ascii_lowercase();
        assert!(last.starts_with("post /send "), "{last}");
        assert!(last.contains("authorization: bearer gateway-key"), "{last}");
        assert!(requests[1].contains(r#""to":"+84912345678""#) && requests[1].contains("xin chào"));
    }
}
