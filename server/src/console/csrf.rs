//! Cross-site request forgery: every console form that changes something carries the session's token in a
//! hidden `csrf` field (the sign-in form carries the pre-session cookie's), compared in constant time; a request
//! whose `Origin` names another origin is refused before the token is even looked at.

use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};

/// Whether the token a form sent equals the expected one: an empty token never matches, and the comparison is
/// ring's constant-time `hmac::verify` of the sent token against the expected one's tag under a one-off key
/// (ring's bare slice comparison is deprecated), so its time says nothing about how many bytes matched.
pub fn tokens_match(expected: &str, sent: &str) -> bool {
    use ring::hmac;
    use ring::rand::SystemRandom;
    if expected.is_empty() {
        return false;
    }
    let Ok(key) = hmac::Key::generate(hmac::HMAC_SHA256, &SystemRandom::new()) else { return false };
    let tag = hmac::sign(&key, expected.as_bytes());
    hmac::verify(&key, sent.as_bytes(), tag.as_ref()).is_ok()
}

/// Whether the request's `Origin` (when it sends one) is this server's own: its host and port equal the `Host`
/// the request was sent to. Browsers send `Origin` on every cross-site POST, so a foreign one is refused; a
/// request without one (an old browser, a same-origin navigation in some browsers) falls back on the token alone.
pub fn origin_allowed(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN) else { return true };
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), headers.get(HOST).map(|h| h.to_str())) else {
        return false;
    };
    // The console's own pages send `Referrer-Policy: no-referrer`, under which browsers write the `Origin` of
    // their form posts as `null` (Fetch, "serializing a request origin"); such a post is the console's own only
    // when the browser also says the request is same-origin (`Sec-Fetch-Site`, which pages cannot set).
    if origin == "null" {
        return headers.get("sec-fetch-site").is_some_and(|site| site.as_bytes() == b"same-origin");
    }
    let authority = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    match authority {
        Some(authority) => !authority.contains('/') && authority.eq_ignore_ascii_case(host.trim()),
        // Anything unparsable.
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_compare_whole_and_never_empty() {
        assert!(tokens_match("abc123", "abc123"));
        assert!(!tokens_match("abc123", "abc124"));
        assert!(!tokens_match("abc123", "abc12"));
        assert!(!tokens_match("abc123", "abc1234"));
        assert!(!tokens_match("abc123", ""));
        assert!(!tokens_match("", ""));
    }

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            map.insert(ORIGIN, HeaderValue::from_static(origin));
        }
        map
    }

    #[test]
    fn only_the_own_origin_or_none_passes() {
        assert!(origin_allowed(&headers(None, "console.example:8443")));
        assert!(origin_allowed(&headers(Some("https://console.example:8443"), "console.example:8443")));
        assert!(origin_allowed(&headers(Some("http://127.0.0.1:8080"), "127.0.0.1:8080")));
        assert!(!origin_allowed(&headers(Some("https://evil.example"), "console.example")));
        assert!(!origin_allowed(&headers(Some("https://console.example:9999"), "console.example:8443")));
        assert!(!origin_allowed(&headers(Some("https://console.example.evil.example"), "console.example")));
        assert!(!origin_allowed(&headers(Some("null"), "console.example")));
        // `null` from the console's own form (no-referrer pages) passes only with the browser's same-origin mark.
        let mut own_form = headers(Some("null"), "console.example");
        own_form.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(origin_allowed(&own_form));
        for site in ["cross-site", "same-site", "none"] {
            let mut forged = headers(Some("null"), "console.example");
            forged.insert("sec-fetch-site", HeaderValue::from_static(site));
            assert!(!origin_allowed(&forged), "{site}");
        }
        assert!(!origin_allowed(&headers(Some("https://console.example/x"), "console.example")));
    }
}
