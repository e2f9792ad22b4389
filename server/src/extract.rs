//! Request extractors that turn every malformed input into the API's JSON errors.

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::error::ApiError;

/// Header carrying the idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// A JSON body, parsed with the API's error mapping (400 for broken JSON, 422 for the wrong shape, 413 for size).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await?;
        Ok(Self(parse_json(&bytes)?))
    }
}

/// A JSON body of a mutating request, with its idempotency key and a digest of the request for replay checks.
#[derive(Debug)]
pub struct IdempotentJson<T> {
    /// The `Idempotency-Key` header.
    pub key: String,
    /// SHA-256 over method, path and body: what a replay must match.
    pub digest: Vec<u8>,
    /// The parsed body.
    pub body: T,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for IdempotentJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let key = idempotency_key(req.headers())?;
        let mut context = Vec::new();
        context.extend_from_slice(req.method().as_str().as_bytes());
        context.push(b' ');
        context.extend_from_slice(req.uri().path().as_bytes());
        context.push(b'\n');
        let bytes = Bytes::from_request(req, state).await?;
        let body = parse_json(&bytes)?;
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(&context);
        ctx.update(&bytes);
        Ok(Self { key, digest: ctx.finish().as_ref().to_vec(), body })
    }
}

/// The client's address: the socket peer, or, when the peer is a trusted proxy, the address that proxy (and any
/// trusted proxies before it) forwarded in `X-Forwarded-For`. Absent in tests that call the router directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// The address as a rate-limit bucket key (`unknown` when there is none).
    pub fn key(&self) -> String {
        self.0.map_or_else(|| "unknown".to_owned(), |addr| addr.to_string())
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        Ok(Self(peer.map(|peer| client_ip(peer, &parts.headers, &state.config.trusted_proxies))))
    }
}

/// Header a proxy appends the address it received a request from to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address as far as trusted proxies vouch for it.
///
/// `X-Forwarded-For` is read from the right: each proxy appends the address it was reached from, so the last
/// entry was written by the peer, the one before it by the proxy before, and so on. The walk goes left only
/// while the current hop is a trusted proxy; entries further left were written by the client itself and could
/// say anything. A malformed entry stops the walk at the proxy that passed it on.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    let trusted = |addr: &IpAddr| trusted_proxies.contains(&addr.to_canonical());
    let mut client = peer.to_canonical();
    if !trusted(&client) {
        return client;
    }
    let hops: Vec<&str> = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        if !trusted(&client) {
            break;
        }
        match hop.parse::<IpAddr>() {
            Ok(addr) => client = addr.to_canonical(),
            Err(_) => break,
        }
    }
    client
}

fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<String, ApiError> {
    let value = headers.get(IDEMPOTENCY_KEY).ok_or(ApiError::MissingIdempotencyKey)?;
    let text = value.to_str().map_err(|_| ApiError::InvalidIdempotencyKey)?;
    if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::InvalidIdempotencyKey);
    }
    Ok(text.to_owned())
}

/// Parses JSON: syntax errors are 400 `malformed_json`, shape errors 422 `invalid_request`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::InvalidRequest(e.to_string()),
        _ => ApiError::MalformedJson(e.to_string()),
    })
}

/// Path parameters with the API's JSON error on a mismatch.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        let headers = forwarded(&["203.0.113.7"]);
        // No proxy trusted (the default): the header is ignored, whoever sends it.
        assert_eq!(client_ip(proxy, &headers, &[]), proxy);
        // An untrusted peer cannot pick its own address.
        assert_eq!(client_ip(ip("198.51.100.9"), &headers, &[proxy]), ip("198.51.100.9"));
        // The trusted proxy's word is taken.
        assert_eq!(client_ip(proxy, &headers, &[proxy]), ip("203.0.113.7"));
        // A trusted proxy without the header: the proxy is the client.
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }

    #[test]
    fn forwarded_for_is_walked_from_the_right_through_trusted_proxies_only() {
        let edge = ip("10.0.0.1");
        let inner = ip("10.0.0.2");
        // The client wrote "1.2.3.4" itself; the edge proxy appended the real client, the inner proxy the edge.
        let headers = forwarded(&["1.2.3.4, 203.0.113.7", "10.0.0.1"]);
        assert_eq!(client_ip(inner, &headers, &[edge, inner]), ip("203.0.113.7"));
        // Trusting only the inner proxy stops at the edge proxy's address.
        assert_eq!(client_ip(inner, &headers, &[inner]), edge);
        // A malformed hop stops the walk at the proxy that passed it on.
        assert_eq!(client_ip(inner, &forwarded(&["203.0.113.7, garbage"]), &[inner]), inner);
        // IPv4-mapped IPv6 peers match their IPv4 form.
        assert_eq!(client_ip(ip("::ffff:10.0.0.2"), &forwarded(&["203.0.113.8"]), &[inner]), ip("203.0.113.8"));
    }
}
