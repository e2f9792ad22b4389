//! The API's error type; its JSON shape, `{"error": {"code": "stable_snake_code", "message": "..."}}`, and the
//! codes are the wire contract's (`healthbook_protocol::error`).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use thiserror::Error;
use healthbook_protocol::{ErrorCode, ErrorDetail, FieldErrorDetail};

pub use healthbook_protocol::ErrorResponse;

use crate::storage::StorageError;

/// Everything a request can fail with; each variant has a stable code and a status.
#[derive(Debug, Error)]
pub enum ApiError {
    /// No bearer token.
    #[error("a bearer token is required")]
    Unauthenticated,
    /// The token is unknown or was revoked.
    #[error("the bearer token is not valid")]
    InvalidToken,
    /// The token has expired.
    #[error("the bearer token has expired")]
    TokenExpired,
    /// Username or password wrong (never says which).
    #[error("username or password is wrong")]
    InvalidCredentials,
    /// The device challenge is unknown, used, or belongs to another device.
    #[error("the challenge is unknown or was already used")]
    InvalidChallenge,
    /// The device challenge has expired.
    #[error("the challenge has expired")]
    ChallengeExpired,
    /// The device's signature does not verify.
    #[error("the signature does not verify with the device's key")]
    InvalidSignature,
    /// The account or device was disabled by an admin.
    #[error("this account is disabled")]
    AccountDisabled,
    /// Password hashing is at capacity; try again shortly.
    #[error("the server is busy; try again shortly")]
    Busy {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The account's role or scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// Refused for a reason with its own stable code (e.g. `authority_key_needs_root_holder`).
    #[error("{message}")]
    Refused {
        /// Stable code.
        code: ErrorCode,
        /// Explanation.
        message: String,
    },
    /// A well-formed request refused for a reason with its own stable code (e.g. `dcc_signer_list_refused`).
    #[error("{message}")]
    Unprocessable {
        /// Stable code.
        code: ErrorCode,
        /// Explanation.
        message: String,
    },
    /// A field's value conflicts with the current state (e.g. a form version that is not the next one).
    #[error("{message}")]
    FieldConflict {
        /// Stable code of the error.
        code: ErrorCode,
        /// The field.
        field: &'static str,
        /// Stable code of the field's problem.
        field_code: &'static str,
        /// Explanation.
        message: String,
    },
    /// The resource does not exist (or the caller may not know that it does).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The resource does not exist (or the caller may not know that it does), with its own stable code (e.g.
    /// `unknown_registration`).
    #[error("{message}")]
    Unknown {
        /// Stable code.
        code: ErrorCode,
        /// Explanation.
        message: String,
    },
    /// No route for this method and path.
    #[error("no such endpoint")]
    RouteNotFound,
    /// The route exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A mutating request came without an `Idempotency-Key` header.
    #[error("the Idempotency-Key header is required on this request")]
    MissingIdempotencyKey,
    /// The `Idempotency-Key` header is empty, too long or not printable ASCII.
    #[error("the Idempotency-Key header must be 1 to 255 printable ASCII characters")]
    InvalidIdempotencyKey,
    /// The idempotency key was already used for a different request.
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    /// The body is not JSON.
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The body is JSON but not the expected shape, or a field is invalid.
    #[error("{0}")]
    InvalidRequest(String),
    /// One field of the body is invalid; answered like [`Self::InvalidRequest`] plus the field.
    #[error("{message}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// Stable code of the field's problem.
        field_code: &'static str,
        /// Explanation, without the value.
        message: String,
    },
    /// One row of a batch (a roster, a card batch) is invalid, and so the whole batch is refused: the first bad
    /// row's index in the request's list (from 0) and field, never its value.
    #[error("{list}[{index}]: {message}")]
    InvalidRow {
        /// The request's list (`staff`, `cards`).
        list: &'static str,
        /// The row's index in that list, from 0.
        index: usize,
        /// The row's field.
        field: &'static str,
        /// Stable code of the field's problem.
        field_code: &'static str,
        /// Explanation, without the value.
        message: String,
    },
    /// Declaration answers failed validation; one error per field.
    #[error("{} answer(s) are invalid", .0.len())]
    InvalidAnswers(Vec<healthbook_core::declarations::FieldError>),
    /// The body is over the size limit.
    #[error("the request body is over the size limit")]
    PayloadTooLarge,
    /// The resource already exists.
    #[error("{message}")]
    Conflict {
        /// Stable code, e.g. `username_taken`.
        code: ErrorCode,
        /// Explanation.
        message: String,
    },
    /// Too many requests in the current window.
    #[error("too many requests; retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the window ends.
        retry_after_secs: u64,
    },
    /// Refused for a while, with its own stable code (e.g. `binding_locked`) and a `Retry-After`.
    #[error("{message}")]
    Throttled {
        /// Stable code.
        code: ErrorCode,
        /// Explanation.
        message: String,
        /// Seconds until it may be tried again.
        retry_after_secs: u64,
    },
    /// A service the request needs (e.g. the SMS gateway) is unavailable; the request may be retried.
    #[error("{message}")]
    Unavailable {
        /// Stable code, e.g. `sms_unavailable`.
        code: ErrorCode,
        /// Explanation.
        message: String,
    },
    /// The server has no authority key yet (`admin init` was not run).
    #[error("the server is not initialised; run `healthbook-server admin init`")]
    NotInitialized,
    /// Storage failed.
    #[error("storage error")]
    Storage(#[from] StorageError),
    /// Anything else that is the server's fault.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated
            | Self::InvalidToken
            | Self::TokenExpired
            | Self::InvalidCredentials
            | Self::InvalidChallenge
            | Self::ChallengeExpired
            | Self::InvalidSignature => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::Refused { .. } | Self::AccountDisabled => StatusCode::FORBIDDEN,
            Self::FieldConflict { .. } => StatusCode::CONFLICT,
            Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotFound(_) | Self::Unknown { .. } | Self::RouteNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::MissingIdempotencyKey | Self::InvalidIdempotencyKey | Self::MalformedJson(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::IdempotencyKeyReused
            | Self::InvalidRequest(_)
            | Self::InvalidField { .. }
            | Self::InvalidRow { .. }
            | Self::InvalidAnswers(_)
            | Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::RateLimited { .. } | Self::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotInitialized => StatusCode::SERVICE_UNAVAILABLE,
            Self::Storage(StorageError::Pool(_)) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Storage(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable code of the error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::InvalidToken => ErrorCode::InvalidToken,
            Self::TokenExpired => ErrorCode::TokenExpired,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::InvalidChallenge => ErrorCode::InvalidChallenge,
            Self::ChallengeExpired => ErrorCode::ChallengeExpired,
            Self::InvalidSignature => ErrorCode::InvalidSignature,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::Refused { code, .. } | Self::FieldConflict { code, .. } | Self::Unprocessable { code, .. } => *code,
            Self::AccountDisabled => ErrorCode::AccountDisabled,
            Self::Busy { .. } => ErrorCode::ServerBusy,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::RouteNotFound => ErrorCode::RouteNotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::MissingIdempotencyKey => ErrorCode::MissingIdempotencyKey,
            Self::InvalidIdempotencyKey => ErrorCode::InvalidIdempotencyKey,
            Self::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            Self::MalformedJson(_) => ErrorCode::MalformedJson,
            Self::InvalidRequest(_) | Self::InvalidField { .. } | Self::InvalidRow { .. } => ErrorCode::InvalidRequest,
            Self::InvalidAnswers(_) => ErrorCode::InvalidAnswers,
            Self::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Self::Conflict { code, .. } | Self::Throttled { code, .. } | Self::Unavailable { code, .. } | Self::Unknown { code, .. } => *code,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::NotInitialized => ErrorCode::NotInitialized,
            Self::Storage(StorageError::Pool(_)) => ErrorCode::DatabaseUnavailable,
            Self::Storage(_) | Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The JSON body of the error.
    pub fn body(&self) -> ErrorResponse {
        let fields = match self {
            Self::InvalidAnswers(errors) => Some(
                errors
                    .iter()
                    .map(|e| FieldErrorDetail { field: e.field.clone(), code: e.code.as_str().to_owned(), message: e.message.clone() })
                    .collect(),
            ),
            Self::FieldConflict { field, field_code, message, .. } | Self::InvalidField { field, field_code, message } => Some(vec![FieldErrorDetail {
                field: (*field).to_owned(),
                code: (*field_code).to_owned(),
                message: message.clone(),
            }]),
            Self::InvalidRow { list, index, field, field_code, message } => Some(vec![FieldErrorDetail {
                field: format!("{list}[{index}].{field}"),
                code: (*field_code).to_owned(),
                message: message.clone(),
            }]),
            _ => None,
        };
        ErrorResponse { error: ErrorDetail { fields, ..ErrorDetail::new(self.code(), self.to_string()) } }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        // Busy is the hashing pool shedding load by design, not a fault worth an error line per request.
        if status.is_server_error() && !matches!(self, Self::Busy { .. }) {
            // Details go to the log, never to the client.
            tracing::error!(error = ?self, "request failed");
        }
        let mut response = (status, Json(self.body())).into_response();
        match &self {
            Self::RateLimited { retry_after_secs }
            | Self::Busy { retry_after_secs }
            | Self::Throttled { retry_after_secs, .. } => {
                if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
            Self::Unauthenticated | Self::InvalidToken | Self::TokenExpired => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        Self::InvalidRequest(rejection.body_text())
    }
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::PayloadTooLarge
        } else {
            Self::InvalidRequest(rejection.body_text())
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection;
        match rejection {
            JsonRejection::JsonSyntaxError(e) => Self::MalformedJson(e.body_text()),
            JsonRejection::JsonDataError(e) => Self::InvalidRequest(e.body_text()),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            other => Self::InvalidRequest(other.body_text()),
        }
    }
}
