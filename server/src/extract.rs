//! Request extractors that turn every malformed input into the API's JSON errors.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

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

/// The peer's address when known (absent in tests that call the router directly).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let addr = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip());
        Ok(Self(addr))
    }
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
