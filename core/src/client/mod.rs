//! HTTP client for the reference server: timeouts, bounded retries with backoff and jitter, idempotency keys.
//!
//! Every mutating request carries an `Idempotency-Key` that stays the same across the retries of one logical
//! request, so a retry after a lost answer never stores anything twice on the server. Only transient failures
//! (network, timeout, 408/500/502/503/504) are retried; a 429 is handed back to the caller because the fixed
//! rate-limit window can be longer than any sensible retry delay. See `README.md` beside this file.

mod config;
mod device;
mod error;
mod model;
mod persons;
mod staff;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH, RETRY_AFTER};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::trust::cache::{CachedDocument, FileTrustCache, MemoryTrustCache, TrustCache, TrustDocumentKind};
pub use config::{ClientConfig, RetryPolicy, check_server_url};
pub use device::{DeviceIdentity, device_auth_message};
pub use error::ClientError;
pub use model::AccessToken;
pub use staff::{StaffSession, StaffSignInError};
// The wire contract's types under the names the core's API has always used.
pub use healthbook_protocol::{
    AccountView as Account, AddIssuerKeyRequest as NewIssuerKey, AddRevocationRequest as NewRevocation, AgencyView as Agency,
    AuditEntry, CreateAccountRequest as NewAccount, DeviceView as DeviceRecord, EnrolPersonRequest as NewPerson, ErrorResponse as ErrorBody,
    ErrorCode, ErrorDetail, GateView as Gate, IdKind, PersonView as PersonRecord, Role, StaffBindingView as StaffBinding,
};

use healthbook_protocol::{
    ChallengeRequest, DccSignerList, ChallengeResponse, CreateAgencyRequest, CreateGateRequest, DeviceTokenRequest, Empty, GateList, LoginRequest,
    RegisterDeviceRequest, RegisteredDevice, TokenResponse,
};

use crate::clock::Clock;
use crate::trust::{IssuerKey, Revocation, RevocationList, SigningKey, TrustError, TrustList, VerifyingKey};

/// Header that carries the idempotency key of a mutating request.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// Where a verified trust document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustSource {
    /// Downloaded just now.
    Server,
    /// The server confirmed the cached copy is current (HTTP 304).
    NotModified,
    /// The server could not be reached; the cached copy was used.
    Cache,
}

/// A trust document whose signature was checked against the pinned root key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<T> {
    /// The document.
    pub document: T,
    /// Where it came from.
    pub source: TrustSource,
    /// When the server last confirmed it current.
    pub fetched_at: DateTime<Utc>,
}

/// Obtains a fresh session when the server refuses the current token (revoked, expired early, server restored).
#[async_trait::async_trait]
pub trait SessionRenewer: Send + Sync {
    /// Signs in again and installs the new session on `client`, unless the session is no longer `refused` (another
    /// request renewed it meanwhile).
    async fn renew(&self, client: &ServerClient, refused: Option<&str>) -> Result<(), ClientError>;
}

/// A client of the reference server; clones share the HTTP connection pool and the signed-in session.
#[derive(Clone)]
pub struct ServerClient {
    http: reqwest::Client,
    base_url: String,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    session: Arc<Mutex<Option<AccessToken>>>,
    renewer: Option<Arc<dyn SessionRenewer>>,
}

impl std::fmt::Debug for ServerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerClient").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

/// An answer as received, before its status is judged.
struct RawResponse {
    status: u16,
    etag: Option<String>,
    retry_after: Option<u64>,
    body: Vec<u8>,
}

/// An answer of any status, for callers whose refusals carry more than a code (a `Retry-After`, fields of the
/// error body such as the attempts left).
#[derive(Debug, Clone, PartialEq)]
pub struct DetailedAnswer {
    /// HTTP status.
    pub status: u16,
    /// Seconds of the `Retry-After` header, when the server sent one.
    pub retry_after_secs: Option<u64>,
    /// The JSON body (`Null` when empty or not JSON).
    pub body: serde_json::Value,
}

impl DetailedAnswer {
    /// Whether the status is a success.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error this answer stands for, as [`check_status`] would have made it.
    pub fn to_client_error(&self) -> ClientError {
        let error = &self.body["error"];
        match (error["code"].as_str(), error["message"].as_str()) {
            (Some(code), message) => ClientError::Http {
                status: self.status,
                code: code.to_owned(),
                message: message.unwrap_or_default().to_owned(),
            },
            _ => ClientError::Http { status: self.status, code: format!("http_{}", self.status), message: String::new() },
        }
    }
}

impl ServerClient {
    /// A client for the server at `config.base_url`.
    pub fn new(config: ClientConfig, clock: Arc<dyn Clock>) -> Result<Self, ClientError> {
        check_server_url(&config.base_url)?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("healthbook-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Config(e.to_string()))?;
        Ok(Self {
            http,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            retry: config.retry,
            clock,
            session: Arc::new(Mutex::new(None)),
            renewer: None,
        })
    }

    /// This client, answering a 401 to a request sent with a token by renewing the session through `renewer`
    /// and sending the request once more.
    pub fn with_session_renewer(mut self, renewer: Arc<dyn SessionRenewer>) -> Self {
        self.renewer = Some(renewer);
        self
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The signed-in session, if any.
    pub fn session(&self) -> Option<AccessToken> {
        self.session.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the session (e.g. with a token restored from storage, or `None` to forget it).
    pub fn set_session(&self, token: Option<AccessToken>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = token;
    }

    /// Checks that the server answers `/healthz`.
    pub async fn health(&self) -> Result<(), ClientError> {
        let raw = self.execute(Method::GET, "/healthz", None, None, None).await?;
        check_status(raw).map(|_| ())
    }

    /// Sends a GET and decodes the JSON answer.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let raw = check_status(self.execute(Method::GET, path, None, None, None).await?)?;
        decode(&raw.body)
    }

    /// Sends a POST with a fresh idempotency key (kept across retries) and decodes the JSON answer.
    pub async fn post_json<B, T>(&self, path: &str, body: &B) -> Result<T, ClientError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let key = uuid::Uuid::new_v4().to_string();
        self.post_json_with_key(path, body, &key).await
    }

    /// Sends a POST with the caller's idempotency key, for a logical request that outlives this call (e.g. a
    /// queued upload that the app resends after a restart).
    pub async fn post_json_with_key<B, T>(&self, path: &str, body: &B, idempotency_key: &str) -> Result<T, ClientError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let bytes = serde_json::to_vec(body).map_err(|e| ClientError::Decode(e.to_string()))?;
        let raw = self.execute(Method::POST, path, Some(bytes), Some(idempotency_key.to_owned()), None).await?;
        decode(&check_status(raw)?.body)
    }

    /// Sends `method` to `path` with an optional JSON body (a fresh idempotency key, kept across retries, on
    /// every method but GET) and returns the answer whatever its status; only a failure to get an answer at all
    /// is an error.
    pub async fn send_detailed(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<DetailedAnswer, ClientError> {
        let bytes = body.map(serde_json::to_vec).transpose().map_err(|e| ClientError::Decode(e.to_string()))?;
        let key = (method != Method::GET).then(|| uuid::Uuid::new_v4().to_string());
        let raw = self.execute(method, path, bytes, key, None).await?;
        let body = if raw.body.is_empty() { serde_json::Value::Null } else { serde_json::from_slice(&raw.body).unwrap_or_default() };
        Ok(DetailedAnswer { status: raw.status, retry_after_secs: raw.retry_after, body })
    }

    /// Sends a POST without the session's token and without renewal: for registration and sign-in, which must
    /// neither present a stale token nor start another sign-in when they are refused.
    async fn post_json_anonymous<B, T>(&self, path: &str, body: &B, idempotency_key: &str) -> Result<T, ClientError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let bytes = serde_json::to_vec(body).map_err(|e| ClientError::Decode(e.to_string()))?;
        let raw = self.execute_with(Method::POST, path, Some(bytes), Some(idempotency_key.to_owned()), None, None).await?;
        decode(&check_status(raw)?.body)
    }

    /// Generates a device key pair, registers its public key and returns the identity to keep.
    pub async fn register_device(&self, platform: &str) -> Result<DeviceIdentity, ClientError> {
        let (_, pkcs8) = SigningKey::generate().map_err(|e| ClientError::DeviceKey(e.to_string()))?;
        self.register_device_key(pkcs8, platform, &uuid::Uuid::new_v4().to_string()).await
    }

    /// Registers an existing device key under `idempotency_key`. A phone that stored the key and the
    /// idempotency key before calling can repeat this after a crash and gets the same device id back.
    pub async fn register_device_key(&self, pkcs8: Vec<u8>, platform: &str, idempotency_key: &str) -> Result<DeviceIdentity, ClientError> {
        let key = SigningKey::from_pkcs8(&pkcs8).map_err(|e| ClientError::DeviceKey(e.to_string()))?;
        let body = RegisterDeviceRequest { public_key: key.verifying_key().spki_base64(), platform: platform.to_owned() };
        let registered: RegisteredDevice = self.post_json_anonymous("/v1/devices", &body, idempotency_key).await?;
        DeviceIdentity::new(registered.device_id, pkcs8)
    }

    /// Proves possession of the device key (server nonce, signed) and keeps the short-lived token as the session.
    pub async fn sign_in_device(&self, identity: &DeviceIdentity) -> Result<AccessToken, ClientError> {
        let device_id = identity.device_id().to_owned();
        let challenge: ChallengeResponse = self
            .post_json_anonymous(
                "/v1/auth/device/challenge",
                &ChallengeRequest { device_id: device_id.clone() },
                &uuid::Uuid::new_v4().to_string(),
            )
            .await?;
        let signature = identity.sign_challenge(&challenge.nonce)?;
        let answer: TokenResponse = self
            .post_json_anonymous(
                "/v1/auth/device/token",
                &DeviceTokenRequest { device_id, nonce: challenge.nonce, signature },
                &uuid::Uuid::new_v4().to_string(),
            )
            .await?;
        let token = AccessToken::from(answer);
        self.set_session(Some(token.clone()));
        Ok(token)
    }

    /// Signs a staff member in with username and password and keeps the short-lived token as the session.
    pub async fn sign_in_staff(&self, username: &str, password: &str) -> Result<AccessToken, ClientError> {
        let login = LoginRequest { username: username.to_owned(), password: password.to_owned() };
        let answer: TokenResponse = self.post_json_anonymous("/v1/auth/login", &login, &uuid::Uuid::new_v4().to_string()).await?;
        let token = AccessToken::from(answer);
        self.set_session(Some(token.clone()));
        Ok(token)
    }

    /// Revokes the session's token on the server and forgets it.
    pub async fn sign_out(&self) -> Result<(), ClientError> {
        if self.session().is_none() {
            return Err(ClientError::NotSignedIn);
        }
        let _: Empty = self.post_json("/v1/auth/logout", &Empty {}).await?;
        self.set_session(None);
        Ok(())
    }

    /// The signed-in account.
    pub async fn me(&self) -> Result<Account, ClientError> {
        self.get_json("/v1/me").await
    }

    /// A device's record; a device may read only its own.
    pub async fn device(&self, device_id: &str) -> Result<DeviceRecord, ClientError> {
        self.get_json(&format!("/v1/devices/{}", segment(device_id))).await
    }

    /// Creates a staff account (authority admin: any staff role; agency admin: gate operators of its agency).
    pub async fn create_account(&self, account: &NewAccount) -> Result<Account, ClientError> {
        self.post_json("/v1/accounts", account).await
    }

    /// Creates an agency (authority admin).
    pub async fn create_agency(&self, name: &str) -> Result<Agency, ClientError> {
        self.post_json("/v1/agencies", &CreateAgencyRequest { name: name.to_owned() }).await
    }

    /// Reads an agency (authority admin, or staff of that agency).
    pub async fn agency(&self, agency_id: &str) -> Result<Agency, ClientError> {
        self.get_json(&format!("/v1/agencies/{}", segment(agency_id))).await
    }

    /// Creates a gate in an agency (authority admin, or that agency's admin).
    pub async fn create_gate(&self, agency_id: &str, name: &str) -> Result<Gate, ClientError> {
        self.post_json(&format!("/v1/agencies/{}/gates", segment(agency_id)), &CreateGateRequest { name: name.to_owned() })
            .await
    }

    /// Lists an agency's gates (authority admin, or staff of that agency).
    pub async fn gates(&self, agency_id: &str) -> Result<Vec<Gate>, ClientError> {
        let list: GateList = self.get_json(&format!("/v1/agencies/{}/gates", segment(agency_id))).await?;
        Ok(list.gates)
    }

    /// Adds an issuer key to the trust list, which the server signs again (authority admin).
    pub async fn add_issuer_key(&self, key: &NewIssuerKey) -> Result<IssuerKey, ClientError> {
        self.post_json("/v1/trust-list/keys", key).await
    }

    /// Adds a revocation to the revocation list, which the server signs again (authority admin).
    pub async fn add_revocation(&self, revocation: &NewRevocation) -> Result<Revocation, ClientError> {
        self.post_json("/v1/revocations", revocation).await
    }

    /// Fetches the trust list (conditionally, with the cached ETag), verifies it against `root`, caches it;
    /// falls back to the verified cached copy when the server cannot be reached. A download that fails
    /// verification (tampered, foreign root, older version, a captive portal's page) is an error and leaves the
    /// cache untouched; [`cached_trust_list`] still returns the last good copy.
    pub async fn fetch_trust_list(
        &self,
        root: &VerifyingKey,
        cache: &dyn TrustCache,
    ) -> Result<Verified<TrustList>, ClientError> {
        self.fetch_signed::<TrustList>(root, cache).await
    }

    /// Same as [`Self::fetch_trust_list`] for the EU DCC document signers the server republishes (`GET
    /// /v1/dcc-signers`); `Ok(None)` when the server has published none yet (404).
    pub async fn fetch_dcc_signers(
        &self,
        root: &VerifyingKey,
        cache: &dyn TrustCache,
    ) -> Result<Option<Verified<DccSignerList>>, ClientError> {
        match self.fetch_signed::<DccSignerList>(root, cache).await {
            Ok(verified) => Ok(Some(verified)),
            Err(ClientError::Http { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// GETs `path` (may be empty: the base URL itself) and returns the body as text, refusing one longer than
    /// `max_bytes` while it streams in rather than after; for documents from other servers (a national
    /// backend's document-signer list), with this client's timeouts and retries.
    pub async fn get_text_bounded(&self, path: &str, max_bytes: usize) -> Result<String, ClientError> {
        let url = format!("{}{}", self.base_url, path);
        let mut retry = 0;
        loop {
            let outcome = async {
                let mut response = self.http.get(&url).send().await.map_err(|e| map_reqwest_error(&e))?;
                let status = response.status().as_u16();
                if !(200..300).contains(&status) {
                    return Err(ClientError::Http { status, code: format!("http_{status}"), message: String::new() });
                }
                if response.content_length().is_some_and(|len| len > max_bytes as u64) {
                    return Err(ClientError::Decode(format!("the document is larger than {max_bytes} bytes")));
                }
                let mut body = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(|e| map_reqwest_error(&e))? {
                    if body.len() + chunk.len() > max_bytes {
                        return Err(ClientError::Decode(format!("the document is larger than {max_bytes} bytes")));
                    }
                    body.extend_from_slice(&chunk);
                }
                String::from_utf8(body).map_err(|_| ClientError::Decode("the document is not UTF-8".into()))
            }
            .await;
            let transient = outcome.as_ref().err().is_some_and(ClientError::is_transient);
            if transient && retry + 1 < self.retry.max_attempts {
                tokio::time::sleep(self.retry.delay(retry)).await;
                retry += 1;
                continue;
            }
            return outcome;
        }
    }

    /// Same as [`Self::fetch_trust_list`] for the revocation list.
    pub async fn fetch_revocations(
        &self,
        root: &VerifyingKey,
        cache: &dyn TrustCache,
    ) -> Result<Verified<RevocationList>, ClientError> {
        self.fetch_signed::<RevocationList>(root, cache).await
    }

    async fn fetch_signed<D: SignedDocument>(
        &self,
        root: &VerifyingKey,
        cache: &dyn TrustCache,
    ) -> Result<Verified<D>, ClientError> {
        let cached = load_verified::<D>(root, cache)?;
        let etag = cached.as_ref().and_then(|(doc, _)| doc.etag.clone());
        let outcome = match self.execute(Method::GET, D::PATH, None, None, etag.as_deref()).await {
            Ok(raw) => check_status(raw),
            Err(e) => Err(e),
        };
        let now = self.clock.now();
        match outcome {
            Ok(raw) if raw.status == 304 => {
                let Some((mut stored, document)) = cached else {
                    return Err(ClientError::Decode("304 Not Modified without a cached document".into()));
                };
                stored.fetched_at = now;
                cache.store(D::KIND, &stored)?;
                Ok(Verified { document, source: TrustSource::NotModified, fetched_at: now })
            }
            Ok(raw) => {
                let jws = String::from_utf8(raw.body).map_err(|_| ClientError::Decode("JWS is not UTF-8".into()))?;
                let document = D::verify(&jws, root)?;
                if let Some((_, accepted)) = &cached
                    && document.version() < accepted.version()
                {
                    return Err(ClientError::TrustList(TrustError::Rollback {
                        offered: document.version(),
                        accepted: accepted.version(),
                    }));
                }
                cache.store(D::KIND, &CachedDocument { jws, etag: raw.etag, fetched_at: now })?;
                Ok(Verified { document, source: TrustSource::Server, fetched_at: now })
            }
            Err(e) if e.is_transient() => match cached {
                Some((stored, document)) => {
                    tracing::info!(kind = D::KIND.as_str(), "server unreachable, using cached trust document");
                    Ok(Verified { document, source: TrustSource::Cache, fetched_at: stored.fetched_at })
                }
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// Sends one logical request with the session's token; a 401 to it renews the session (when a renewer is
    /// set) and sends the request once more, with the same idempotency key.
    async fn execute(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        idempotency_key: Option<String>,
        if_none_match: Option<&str>,
    ) -> Result<RawResponse, ClientError> {
        let token = self.session().map(|session| session.token);
        let raw = self
            .execute_with(method.clone(), path, body.clone(), idempotency_key.clone(), if_none_match, token.clone())
            .await?;
        let Some(renewer) = self.renewer.as_ref().filter(|_| raw.status == 401 && token.is_some()) else {
            return Ok(raw);
        };
        tracing::info!(path, "the server refused the session's token; signing in again");
        renewer.renew(self, token.as_deref()).await?;
        let token = self.session().map(|session| session.token);
        self.execute_with(method, path, body, idempotency_key, if_none_match, token).await
    }

    /// Sends one logical request with `token`, retrying transient failures with the same idempotency key.
    async fn execute_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        idempotency_key: Option<String>,
        if_none_match: Option<&str>,
        token: Option<String>,
    ) -> Result<RawResponse, ClientError> {
        let url = format!("{}{}", self.base_url, path);
        let mut retry = 0;
        loop {
            let mut request = self.http.request(method.clone(), &url);
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            if let Some(key) = &idempotency_key {
                request = request.header(IDEMPOTENCY_KEY_HEADER, key);
            }
            if let Some(tag) = if_none_match {
                request = request.header(IF_NONE_MATCH, tag);
            }
            if let Some(body) = &body {
                request = request.header(CONTENT_TYPE, "application/json").body(body.clone());
            }
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let etag = response.headers().get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
                    let retry_after =
                        response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
                    match response.bytes().await {
                        Ok(bytes) => Ok(RawResponse { status, etag, retry_after, body: bytes.to_vec() }),
                        Err(e) => Err(map_reqwest_error(&e)),
                    }
                }
                Err(e) => Err(map_reqwest_error(&e)),
            };
            let transient = match &outcome {
                Ok(raw) => matches!(raw.status, 408 | 500 | 502 | 503 | 504),
                Err(e) => e.is_transient(),
            };
            if transient && retry + 1 < self.retry.max_attempts {
                let delay = self.retry.delay(retry);
                tracing::debug!(path, retry, ?delay, "transient failure, retrying");
                tokio::time::sleep(delay).await;
                retry += 1;
                continue;
            }
            return outcome;
        }
    }
}

/// A signed document the client knows how to fetch and verify.
trait SignedDocument: Sized {
    const KIND: TrustDocumentKind;
    const PATH: &'static str;
    fn verify(jws: &str, root: &VerifyingKey) -> Result<Self, TrustError>;
    fn version(&self) -> u64;
}

impl SignedDocument for TrustList {
    const KIND: TrustDocumentKind = TrustDocumentKind::TrustList;
    const PATH: &'static str = "/v1/trust-list";
    fn verify(jws: &str, root: &VerifyingKey) -> Result<Self, TrustError> {
        TrustList::verify(jws, root)
    }
    fn version(&self) -> u64 {
        self.version
    }
}

impl SignedDocument for RevocationList {
    const KIND: TrustDocumentKind = TrustDocumentKind::RevocationList;
    const PATH: &'static str = "/v1/revocations";
    fn verify(jws: &str, root: &VerifyingKey) -> Result<Self, TrustError> {
        RevocationList::verify(jws, root)
    }
    fn version(&self) -> u64 {
        self.version
    }
}

impl SignedDocument for DccSignerList {
    const KIND: TrustDocumentKind = TrustDocumentKind::DccSigners;
    const PATH: &'static str = "/v1/dcc-signers";
    fn verify(jws: &str, root: &VerifyingKey) -> Result<Self, TrustError> {
        crate::trust::dcc_signers::verify_dcc_signer_list(jws, root)
    }
    fn version(&self) -> u64 {
        self.version
    }
}

/// The cached trust list, verified against `root`, without touching the network.
pub fn cached_trust_list(
    root: &VerifyingKey,
    cache: &dyn TrustCache,
) -> Result<Option<Verified<TrustList>>, ClientError> {
    Ok(load_verified::<TrustList>(root, cache)?.map(|(stored, document)| Verified {
        document,
        source: TrustSource::Cache,
        fetched_at: stored.fetched_at,
    }))
}

/// The cached revocation list, verified against `root`, without touching the network.
pub fn cached_revocations(
    root: &VerifyingKey,
    cache: &dyn TrustCache,
) -> Result<Option<Verified<RevocationList>>, ClientError> {
    Ok(load_verified::<RevocationList>(root, cache)?.map(|(stored, document)| Verified {
        document,
        source: TrustSource::Cache,
        fetched_at: stored.fetched_at,
    }))
}

/// The cached document if it still verifies; a cached copy that fails is ignored, as if there were none.
fn load_verified<D: SignedDocument>(
    root: &VerifyingKey,
    cache: &dyn TrustCache,
) -> Result<Option<(CachedDocument, D)>, ClientError> {
    let Some(stored) = cache.load(D::KIND)? else { return Ok(None) };
    match D::verify(&stored.jws, root) {
        Ok(document) => Ok(Some((stored, document))),
        Err(e) => {
            tracing::warn!(kind = D::KIND.as_str(), error = %e, "cached trust document refused; ignoring it");
            Ok(None)
        }
    }
}

fn map_reqwest_error(e: &reqwest::Error) -> ClientError {
    if e.is_timeout() {
        ClientError::Timeout
    } else if e.is_builder() {
        ClientError::Config(e.to_string())
    } else {
        // Keep the source chain: "error sending request" alone says nothing about refused vs reset.
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(inner) = source {
            text.push_str(": ");
            text.push_str(&inner.to_string());
            source = inner.source();
        }
        ClientError::Network(text)
    }
}

/// Turns an error status into [`ClientError::Http`] with the server's code.
fn check_status(raw: RawResponse) -> Result<RawResponse, ClientError> {
    if (200..300).contains(&raw.status) || raw.status == 304 {
        return Ok(raw);
    }
    if let Ok(body) = serde_json::from_slice::<ErrorBody>(&raw.body) {
        return Err(ClientError::Http { status: raw.status, code: body.error.code.as_str().to_owned(), message: body.error.message });
    }
    // A code this build does not know yet (a newer server's) still reaches the caller as text.
    let untyped: serde_json::Value = serde_json::from_slice(&raw.body).unwrap_or_default();
    match (untyped["error"]["code"].as_str(), untyped["error"]["message"].as_str()) {
        (Some(code), message) => {
            Err(ClientError::Http { status: raw.status, code: code.to_owned(), message: message.unwrap_or_default().to_owned() })
        }
        _ => Err(ClientError::Http {
            status: raw.status,
            code: format!("http_{}", raw.status),
            message: String::from_utf8_lossy(&raw.body).chars().take(200).collect(),
        }),
    }
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(body).map_err(|e| ClientError::Decode(e.to_string()))
}

/// Percent-encodes one path segment, so that an id can never change the path's shape.
pub(crate) fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    #[test]
    fn segments_cannot_escape_the_path() {
        assert_eq!(segment("abc-123"), "abc-123");
        assert_eq!(segment("../x?y"), "..%2Fx%3Fy");
    }

    #[test]
    fn non_http_base_url_is_refused() {
        let err = ServerClient::new(ClientConfig::new("ftp://x"), Arc::new(SystemClock)).unwrap_err();
        assert!(matches!(err, ClientError::Config(_)));
    }

    #[test]
    fn plain_http_is_refused_unless_loopback() {
        let err = ServerClient::new(ClientConfig::new("http://example.com"), Arc::new(SystemClock)).unwrap_err();
        assert_eq!(err, ClientError::InsecureUrl("example.com".into()));
        assert!(ServerClient::new(ClientConfig::new("http://127.0.0.1:8080"), Arc::new(SystemClock)).is_ok());
        assert!(ServerClient::new(ClientConfig::new("https://example.com"), Arc::new(SystemClock)).is_ok());
    }

    #[tokio::test]
    async fn unreachable_server_is_a_transient_network_error_after_bounded_retries() {
        // Port 9 on loopback: nothing listens there, so the connection is refused at once.
        let mut config = ClientConfig::new("http://127.0.0.1:9");
        config.retry = RetryPolicy::tiny();
        let client = ServerClient::new(config, Arc::new(SystemClock)).unwrap();
        let err = client.health().await.unwrap_err();
        assert!(matches!(err, ClientError::Network(_)), "{err:?}");
        assert!(err.is_transient());
    }
}
