//! Errors as they travel: the stable codes the server sends and the body every error response carries,
//! `{"error": {"code", "message", "fields"?, "attempts_left"?, "retry_after_secs"?}}`.

use serde::{Deserialize, Serialize};

/// Every stable error code the server sends; the wire strings never change once published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No bearer token.
    Unauthenticated,
    /// The token is unknown or was revoked.
    InvalidToken,
    /// The token has expired.
    TokenExpired,
    /// Username or password wrong (never says which).
    InvalidCredentials,
    /// The device challenge is unknown, used, or belongs to another device.
    InvalidChallenge,
    /// The device challenge has expired.
    ChallengeExpired,
    /// The device's signature does not verify.
    InvalidSignature,
    /// The account's role or scope does not allow this.
    Forbidden,
    /// The account or device was disabled by an admin.
    AccountDisabled,
    /// Password hashing is at capacity; try again shortly.
    ServerBusy,
    /// The resource does not exist (or the caller may not know that it does).
    NotFound,
    /// No route for this method and path.
    RouteNotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// A mutating request came without an `Idempotency-Key` header.
    MissingIdempotencyKey,
    /// The `Idempotency-Key` header is empty, too long or not printable ASCII.
    InvalidIdempotencyKey,
    /// The idempotency key was already used for a different request.
    IdempotencyKeyReused,
    /// The body is not JSON.
    MalformedJson,
    /// The body is JSON but not the expected shape, or a field is invalid.
    InvalidRequest,
    /// Declaration answers failed validation; `fields` names each.
    InvalidAnswers,
    /// The body is over the size limit.
    PayloadTooLarge,
    /// Too many requests in the current window.
    RateLimited,
    /// The server has no authority key yet (`admin init` was not run).
    NotInitialized,
    /// The database pool is exhausted or unreachable; the request may be retried.
    DatabaseUnavailable,
    /// Anything else that is the server's fault.
    Internal,
    /// The username is taken.
    UsernameTaken,
    /// The device key is already registered.
    DeviceKeyRegistered,
    /// Only the root key holder may add an authority key.
    AuthorityKeyNeedsRootHolder,
    /// The issuer key is already listed.
    IssuerKeyExists,
    /// The key or credential is already revoked.
    AlreadyRevoked,
    /// A published form's version is not the next one.
    FormVersionNotNext,
    /// The declaration id belongs to another device.
    DeclarationIdTaken,
    /// The profile is not bound to a person (no pass without one).
    ProfileNotBound,
    /// The pass request's nonce was already used for this profile.
    PassNonceReused,
    /// The profile is already bound to another person.
    ProfileAlreadyBound,
    /// No phone on record: the person must be attested in person.
    AttestationRequired,
    /// The name or birth year does not match the record of this id.
    IdentityMismatch,
    /// Too many wrong codes: binding to this person is locked for a while.
    BindingLocked,
    /// The code is wrong (`attempts_left` says how many tries remain).
    WrongCode,
    /// The code was used, expired or burned.
    ChallengeClosed,
    /// The SMS gateway is unavailable; the request may be retried.
    SmsUnavailable,
    /// The sample code is already registered (by another phone, or by this one for another profile).
    SampleAlreadyRegistered,
    /// The registration token is unknown, or its data passed the retention period.
    UnknownRegistration,
    /// The sample code is already part of a pool, or the pool code is already used.
    SampleAlreadyPooled,
    /// An EU DCC document-signer list whose signature does not verify with the pinned publisher key, or that is
    /// older than the list already imported.
    DccSignerListRefused,
    /// A volunteer asked for a control card before recording the person's consent.
    ConsentRequired,
    /// A vaccination session's capacity exceeds the site's remaining doses of its product.
    CapacityAboveStock,
    /// The site has no remaining dose of this product and lot.
    OutOfStock,
    /// The invitation was already answered, expired, or its session is over.
    InvitationClosed,
    /// The person already has this dose number recorded with a different date or product.
    DoseConflict,
    /// The ward does not allow home quarantine (no officer has confirmed its criteria).
    HomeQuarantineNotAllowed,
    /// An officer tried to decide a case before the person explained or the explanation window closed.
    CaseAwaitingExplanation,
    /// The request conflicts with the current state (a question id already used with another body, a publish
    /// with nothing new).
    Conflict,
    /// A roster import would bring more citizen ids new to the agency's roster than its daily limit allows
    /// (429; the message and `Retry-After` say when to try again).
    RosterCitizenIdLimit,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [Self; 53] = [
        Self::Unauthenticated,
        Self::InvalidToken,
        Self::TokenExpired,
        Self::InvalidCredentials,
        Self::InvalidChallenge,
        Self::ChallengeExpired,
        Self::InvalidSignature,
        Self::Forbidden,
        Self::AccountDisabled,
        Self::ServerBusy,
        Self::NotFound,
        Self::RouteNotFound,
        Self::MethodNotAllowed,
        Self::MissingIdempotencyKey,
        Self::InvalidIdempotencyKey,
        Self::IdempotencyKeyReused,
        Self::MalformedJson,
        Self::InvalidRequest,
        Self::InvalidAnswers,
        Self::PayloadTooLarge,
        Self::RateLimited,
        Self::NotInitialized,
        Self::DatabaseUnavailable,
        Self::Internal,
        Self::UsernameTaken,
        Self::DeviceKeyRegistered,
        Self::AuthorityKeyNeedsRootHolder,
        Self::IssuerKeyExists,
        Self::AlreadyRevoked,
        Self::FormVersionNotNext,
        Self::DeclarationIdTaken,
        Self::ProfileNotBound,
        Self::PassNonceReused,
        Self::ProfileAlreadyBound,
        Self::AttestationRequired,
        Self::IdentityMismatch,
        Self::BindingLocked,
        Self::WrongCode,
        Self::ChallengeClosed,
        Self::SmsUnavailable,
        Self::SampleAlreadyRegistered,
        Self::UnknownRegistration,
        Self::SampleAlreadyPooled,
        Self::DccSignerListRefused,
        Self::ConsentRequired,
        Self::CapacityAboveStock,
        Self::OutOfStock,
        Self::InvitationClosed,
        Self::DoseConflict,
        Self::HomeQuarantineNotAllowed,
        Self::CaseAwaitingExplanation,
        Self::Conflict,
        Self::RosterCitizenIdLimit,
    ];

    /// The wire string, e.g. `invalid_request`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidToken => "invalid_token",
            Self::TokenExpired => "token_expired",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidChallenge => "invalid_challenge",
            Self::ChallengeExpired => "challenge_expired",
            Self::InvalidSignature => "invalid_signature",
            Self::Forbidden => "forbidden",
            Self::AccountDisabled => "account_disabled",
            Self::ServerBusy => "server_busy",
            Self::NotFound => "not_found",
            Self::RouteNotFound => "route_not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::MissingIdempotencyKey => "missing_idempotency_key",
            Self::InvalidIdempotencyKey => "invalid_idempotency_key",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::MalformedJson => "malformed_json",
            Self::InvalidRequest => "invalid_request",
            Self::InvalidAnswers => "invalid_answers",
            Self::PayloadTooLarge => "payload_too_large",
            Self::RateLimited => "rate_limited",
            Self::NotInitialized => "not_initialized",
            Self::DatabaseUnavailable => "database_unavailable",
            Self::Internal => "internal",
            Self::UsernameTaken => "username_taken",
            Self::DeviceKeyRegistered => "device_key_registered",
            Self::AuthorityKeyNeedsRootHolder => "authority_key_needs_root_holder",
            Self::IssuerKeyExists => "issuer_key_exists",
            Self::AlreadyRevoked => "already_revoked",
            Self::FormVersionNotNext => "form_version_not_next",
            Self::DeclarationIdTaken => "declaration_id_taken",
            Self::ProfileNotBound => "profile_not_bound",
            Self::PassNonceReused => "pass_nonce_reused",
            Self::ProfileAlreadyBound => "profile_already_bound",
            Self::AttestationRequired => "attestation_required",
            Self::IdentityMismatch => "identity_mismatch",
            Self::BindingLocked => "binding_locked",
            Self::WrongCode => "wrong_code",
            Self::ChallengeClosed => "challenge_closed",
            Self::SmsUnavailable => "sms_unavailable",
            Self::SampleAlreadyRegistered => "sample_already_registered",
            Self::UnknownRegistration => "unknown_registration",
            Self::SampleAlreadyPooled => "sample_already_pooled",
            Self::DccSignerListRefused => "dcc_signer_list_refused",
            Self::ConsentRequired => "consent_required",
            Self::CapacityAboveStock => "capacity_above_stock",
            Self::OutOfStock => "out_of_stock",
            Self::InvitationClosed => "invitation_closed",
            Self::DoseConflict => "dose_conflict",
            Self::HomeQuarantineNotAllowed => "home_quarantine_not_allowed",
            Self::CaseAwaitingExplanation => "case_awaiting_explanation",
            Self::Conflict => "conflict",
            Self::RosterCitizenIdLimit => "roster_citizen_id_limit",
        }
    }

    /// Parses a wire string; `None` for a code this build does not know (a newer server's).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == text)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorResponse {
    /// The error.
    pub error: ErrorDetail,
}

/// Code and message of an error, and what more the code calls for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation; never contains personal data.
    pub message: String,
    /// Per-field problems (invalid form answers, an invalid or conflicting field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldErrorDetail>>,
    /// Tries left after a `wrong_code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// Seconds until a `binding_locked` refusal lifts (also sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl ErrorDetail {
    /// A code and message with nothing more.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), fields: None, attempts_left: None, retry_after_secs: None }
    }
}

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldErrorDetail {
    /// The field id.
    pub field: String,
    /// Stable code of the field's problem, e.g. `date_in_future`.
    pub code: String,
    /// Explanation (English).
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enum_strings, round_trip};
    use serde_json::json;

    /// The strings the server sent before the codes were typed; a change here breaks deployed phones.
    const GOLDEN: &[(ErrorCode, &str)] = &[
        (ErrorCode::Unauthenticated, "unauthenticated"),
        (ErrorCode::InvalidToken, "invalid_token"),
        (ErrorCode::TokenExpired, "token_expired"),
        (ErrorCode::InvalidCredentials, "invalid_credentials"),
        (ErrorCode::InvalidChallenge, "invalid_challenge"),
        (ErrorCode::ChallengeExpired, "challenge_expired"),
        (ErrorCode::InvalidSignature, "invalid_signature"),
        (ErrorCode::Forbidden, "forbidden"),
        (ErrorCode::AccountDisabled, "account_disabled"),
        (ErrorCode::ServerBusy, "server_busy"),
        (ErrorCode::NotFound, "not_found"),
        (ErrorCode::RouteNotFound, "route_not_found"),
        (ErrorCode::MethodNotAllowed, "method_not_allowed"),
        (ErrorCode::MissingIdempotencyKey, "missing_idempotency_key"),
        (ErrorCode::InvalidIdempotencyKey, "invalid_idempotency_key"),
        (ErrorCode::IdempotencyKeyReused, "idempotency_key_reused"),
        (ErrorCode::MalformedJson, "malformed_json"),
        (ErrorCode::InvalidRequest, "invalid_request"),
        (ErrorCode::InvalidAnswers, "invalid_answers"),
        (ErrorCode::PayloadTooLarge, "payload_too_large"),
        (ErrorCode::RateLimited, "rate_limited"),
        (ErrorCode::NotInitialized, "not_initialized"),
        (ErrorCode::DatabaseUnavailable, "database_unavailable"),
        (ErrorCode::Internal, "internal"),
        (ErrorCode::UsernameTaken, "username_taken"),
        (ErrorCode::DeviceKeyRegistered, "device_key_registered"),
        (ErrorCode::AuthorityKeyNeedsRootHolder, "authority_key_needs_root_holder"),
        (ErrorCode::IssuerKeyExists, "issuer_key_exists"),
        (ErrorCode::AlreadyRevoked, "already_revoked"),
        (ErrorCode::FormVersionNotNext, "form_version_not_next"),
        (ErrorCode::DeclarationIdTaken, "declaration_id_taken"),
        (ErrorCode::ProfileNotBound, "profile_not_bound"),
        (ErrorCode::PassNonceReused, "pass_nonce_reused"),
        (ErrorCode::ProfileAlreadyBound, "profile_already_bound"),
        (ErrorCode::AttestationRequired, "attestation_required"),
        (ErrorCode::IdentityMismatch, "identity_mismatch"),
        (ErrorCode::BindingLocked, "binding_locked"),
        (ErrorCode::WrongCode, "wrong_code"),
        (ErrorCode::ChallengeClosed, "challenge_closed"),
        (ErrorCode::SmsUnavailable, "sms_unavailable"),
        (ErrorCode::SampleAlreadyRegistered, "sample_already_registered"),
        (ErrorCode::UnknownRegistration, "unknown_registration"),
        (ErrorCode::SampleAlreadyPooled, "sample_already_pooled"),
        (ErrorCode::DccSignerListRefused, "dcc_signer_list_refused"),
        (ErrorCode::ConsentRequired, "consent_required"),
        (ErrorCode::CapacityAboveStock, "capacity_above_stock"),
        (ErrorCode::OutOfStock, "out_of_stock"),
        (ErrorCode::InvitationClosed, "invitation_closed"),
        (ErrorCode::DoseConflict, "dose_conflict"),
        (ErrorCode::HomeQuarantineNotAllowed, "home_quarantine_not_allowed"),
        (ErrorCode::CaseAwaitingExplanation, "case_awaiting_explanation"),
        (ErrorCode::Conflict, "conflict"),
        (ErrorCode::RosterCitizenIdLimit, "roster_citizen_id_limit"),
    ];

    #[test]
    fn error_code_strings() {
        enum_strings(GOLDEN, "teapot");
        assert_eq!(GOLDEN.len(), ErrorCode::ALL.len(), "every code has a golden string");
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(ErrorCode::parse("Forbidden"), None);
    }

    #[test]
    fn error_bodies_have_their_shape() {
        round_trip(
            &ErrorResponse { error: ErrorDetail::new(ErrorCode::Forbidden, "no") },
            json!({ "error": { "code": "forbidden", "message": "no" } }),
        );
        round_trip(
            &ErrorResponse {
                error: ErrorDetail {
                    fields: Some(vec![FieldErrorDetail { field: "declared_at".into(), code: "date_in_future".into(), message: "m".into() }]),
                    ..ErrorDetail::new(ErrorCode::InvalidAnswers, "1 answer(s) are invalid")
                },
            },
            json!({ "error": { "code": "invalid_answers", "message": "1 answer(s) are invalid",
                "fields": [{ "field": "declared_at", "code": "date_in_future", "message": "m" }] } }),
        );
        round_trip(
            &ErrorResponse { error: ErrorDetail { attempts_left: Some(3), ..ErrorDetail::new(ErrorCode::WrongCode, "the code is wrong") } },
            json!({ "error": { "code": "wrong_code", "message": "the code is wrong", "attempts_left": 3 } }),
        );
        round_trip(
            &ErrorResponse { error: ErrorDetail { retry_after_secs: Some(1800), ..ErrorDetail::new(ErrorCode::BindingLocked, "locked") } },
            json!({ "error": { "code": "binding_locked", "message": "locked", "retry_after_secs": 1800 } }),
        );
        assert!(serde_json::from_value::<ErrorResponse>(json!({ "error": { "code": "teapot", "message": "m" } })).is_err());
    }
}
