//! The health officer's home-quarantine tools (issue 10): which wards allow home quarantine, orders, the home
//! token for the sticker, an order's check-ins with their verdicts, cases and decisions. Only HTTP calls:
//! nothing is stored on this machine, since the server is the record of orders and cases.
//!
//! Sign-in is the staff sign-in every staff tool uses ([`ServerClient::sign_in_staff`]); the session is held in
//! memory by this object (and its clones), and the password is never kept.
//!
//! What the officer types is checked here first, against the contract's ranges (ward codes, fence, days,
//! schedule, extension rules, note lengths), so that a mistake is named at once instead of as a server refusal.
//! The server checks everything again. Mutations carry idempotency keys: an order or a decision repeated after
//! a lost answer is the same request to the server.

use std::sync::Arc;

use healthbook_protocol::quarantine::{
    CaseList, CheckInList, MAX_ORDER_DAYS, OrderList, WardEligibilityList, quarantine_end,
};
/// The wire contract's bodies these calls take and return (front ends need no other crate for them).
pub use healthbook_protocol::quarantine::{
    CaseState, CaseView, CheckInSchedule, CheckInVerdict, CommitmentText, CreateOrderRequest, DailyWindow, DecisionOutcome,
    DecisionRequest, EligibilityCriterion, ExplanationReason, ExplanationRequest, ExtensionRules, FenceVerdict, Geofence,
    HOME_TOKEN_PREFIX, HomeTokenView, OrderState, OrderView, QuarantineVerdict, VerdictReason, WardEligibility, WardEligibilityRequest,
};
use healthbook_protocol::{Empty, ErrorCode, Role};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::client::{ClientError, ServerClient, StaffSession, StaffSignInError, segment};
use crate::clock::Clock;
use crate::healthbook::Healthbook;

/// Most daily windows in a schedule (the contract's limit).
pub const MAX_DAILY_WINDOWS: usize = 6;
/// Most random challenges a day (the contract's limit).
pub const MAX_RANDOM_PER_DAY: u8 = 4;
/// Longest grace after a challenge closes, in minutes (a day: a longer grace would overlap the next day's).
pub const MAX_GRACE_MINUTES: u32 = 24 * 60;

/// A home-quarantine action that failed; no message names a person, an address or a place.
#[derive(Debug, Error)]
pub enum OfficerError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// The server could not be reached; repeating the same order or decision later is safe.
    #[error("server unreachable: {0}")]
    Offline(String),
    /// Nobody is signed in here, or the session ran out or was revoked.
    #[error("sign in as a health officer first")]
    NotSignedIn,
    /// The user name or password was refused.
    #[error("the user name or password is wrong")]
    SignInFailed,
    /// The account that signed in is not a health officer's.
    #[error("this account is not a health officer's")]
    NotAnOfficer,
    /// The account may not do this.
    #[error("your account may not do this")]
    Forbidden,
    /// No such ward, order, case or person in the officer's area.
    #[error("not found in your area")]
    NotFound,
    /// The person's ward does not allow home quarantine (allow it first with its criteria).
    #[error("the ward does not allow home quarantine")]
    NotAllowedInWard,
    /// The person has not explained yet and the explanation window is still open: no decision before that.
    #[error("the person can still explain; decide after the explanation or once the window has closed")]
    AwaitingExplanation,
    /// The server refused the change as conflicting with what it holds (a case already decided, no
    /// extension left); the server's reason.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Something typed is refused (here or by the server); the reason names the field, never a value.
    #[error("invalid: {0}")]
    Invalid(String),
    /// The server's answer is not what the contract promises.
    #[error("the server's answer is not a home token")]
    BadAnswer,
    /// Another failure of the server or the client.
    #[error(transparent)]
    Server(ClientError),
}

impl From<StaffSignInError> for OfficerError {
    fn from(e: StaffSignInError) -> Self {
        match e {
            StaffSignInError::NoServer => Self::NoServer,
            StaffSignInError::Settings(reason) => Self::Invalid(reason),
            StaffSignInError::Refused => Self::SignInFailed,
            StaffSignInError::WrongRole(_) => Self::NotAnOfficer,
            StaffSignInError::Client(e) => e.into(),
        }
    }
}

impl From<ClientError> for OfficerError {
    fn from(e: ClientError) -> Self {
        if e.is_transient() {
            return Self::Offline(e.to_string());
        }
        let ClientError::Http { status, code, message } = &e else {
            return match e {
                ClientError::NotSignedIn => Self::NotSignedIn,
                other => Self::Server(other),
            };
        };
        match (status, ErrorCode::parse(code)) {
            (_, Some(ErrorCode::HomeQuarantineNotAllowed)) => Self::NotAllowedInWard,
            (_, Some(ErrorCode::CaseAwaitingExplanation)) => Self::AwaitingExplanation,
            (401, _) => Self::NotSignedIn,
            (403, _) => Self::Forbidden,
            (404, _) => Self::NotFound,
            (409, _) => Self::Conflict(message.clone()),
            (400 | 422, Some(ErrorCode::InvalidRequest | ErrorCode::MalformedJson)) => Self::Invalid(message.clone()),
            _ => Self::Server(e),
        }
    }
}

impl OfficerError {
    /// Whether the server could not be reached (the action may simply be repeated later).
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Offline(_) | Self::NoServer)
    }
}

fn invalid(reason: &str) -> OfficerError {
    OfficerError::Invalid(reason.to_owned())
}

fn is_ward_code(text: &str) -> bool {
    text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a ward decision: a 5-digit code, at least one criterion to allow, a note of at most 500 characters.
pub fn check_ward(ward_code: &str, request: &WardEligibilityRequest) -> Result<(), OfficerError> {
    if !is_ward_code(ward_code) {
        return Err(invalid("the ward code must be 5 digits"));
    }
    if request.allowed && request.criteria.is_empty() {
        return Err(invalid("allowing home quarantine needs at least one criterion met"));
    }
    if request.note.chars().count() > 500 {
        return Err(invalid("the note must be at most 500 characters"));
    }
    Ok(())
}

/// Checks an order against the contract's ranges before it is sent.
pub fn check_order(order: &CreateOrderRequest) -> Result<(), OfficerError> {
    if order.person_id.trim().is_empty() {
        return Err(invalid("the person id is missing"));
    }
    if !(1..=200).contains(&order.home_address.trim().chars().count()) {
        return Err(invalid("the home address must be 1 to 200 characters"));
    }
    if !is_ward_code(&order.ward_code) {
        return Err(invalid("the ward code must be 5 digits"));
    }
    let fence = &order.geofence;
    if !(fence.lat.is_finite() && (-90.0..=90.0).contains(&fence.lat)) {
        return Err(invalid("the latitude must be -90 to 90"));
    }
    if !(fence.lon.is_finite() && (-180.0..=180.0).contains(&fence.lon)) {
        return Err(invalid("the longitude must be -180 to 180"));
    }
    if !(fence.radius_m.is_finite() && (20.0..=1_000.0).contains(&fence.radius_m)) {
        return Err(invalid("the radius must be 20 to 1,000 metres"));
    }
    if !(1..=MAX_ORDER_DAYS).contains(&order.days) {
        return Err(invalid("an order lasts 1 to 60 days"));
    }
    if quarantine_end(order.start_date, order.days, 0, &order.time_zone).is_none() {
        return Err(invalid("the time zone is not an IANA zone such as Asia/Ho_Chi_Minh"));
    }
    check_schedule(&order.schedule)?;
    if order.grace_minutes > MAX_GRACE_MINUTES {
        return Err(invalid("the grace period must be at most 1,440 minutes"));
    }
    let rules = &order.extension_rules;
    if !(1..=14).contains(&rules.extension_days) {
        return Err(invalid("an extension adds 1 to 14 days"));
    }
    let longest = u64::from(order.days) + u64::from(rules.extension_days) * u64::from(rules.max_extensions);
    if longest > u64::from(MAX_ORDER_DAYS) {
        return Err(invalid("the days with every extension allowed must be at most 60"));
    }
    if order.commitment_version == 0 {
        return Err(invalid("the commitment version starts at 1"));
    }
    Ok(())
}

fn check_schedule(schedule: &CheckInSchedule) -> Result<(), OfficerError> {
    if schedule.daily_windows.len() > MAX_DAILY_WINDOWS {
        return Err(invalid("a schedule has at most 6 daily windows"));
    }
    if schedule.random_per_day > MAX_RANDOM_PER_DAY {
        return Err(invalid("at most 4 random challenges a day"));
    }
    if schedule.daily_windows.is_empty() && schedule.random_per_day == 0 {
        return Err(invalid("the schedule needs a daily window or random challenges"));
    }
    if !(5..=120).contains(&schedule.random_window_minutes) {
        return Err(invalid("a random challenge stays open 5 to 120 minutes"));
    }
    let mut windows: Vec<&DailyWindow> = schedule.daily_windows.iter().collect();
    windows.sort_by_key(|w| w.start);
    for (i, window) in windows.iter().enumerate() {
        if window.end <= window.start {
            return Err(invalid("a daily window must close after it opens"));
        }
        if i > 0 && windows[i - 1].end > window.start {
            return Err(invalid("daily windows must not overlap"));
        }
    }
    Ok(())
}

/// Checks a decision: a note of 1 to 1,000 characters (the person reads it).
pub fn check_decision(decision: &DecisionRequest) -> Result<(), OfficerError> {
    if !(1..=1_000).contains(&decision.note.trim().chars().count()) {
        return Err(invalid("the note must be 1 to 1,000 characters"));
    }
    Ok(())
}

/// An idempotency key derived from what is sent, so that the same order or decision sent again (after a lost
/// answer, a restart, or a second run of the command) is the same request, while a corrected one is new.
pub fn request_key<B: Serialize>(kind: &str, scope: &str, body: &B) -> String {
    let mut bytes = format!("{kind}\n{scope}\n").into_bytes();
    bytes.extend(serde_json::to_vec(body).unwrap_or_default());
    let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
    let hex: String = digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{kind}-{hex}")
}

/// The wire name of an order state (the `state` query).
pub fn order_state_name(state: OrderState) -> &'static str {
    match state {
        OrderState::AwaitingCommitment => "awaiting_commitment",
        OrderState::AwaitingEnrolment => "awaiting_enrolment",
        OrderState::Active => "active",
        OrderState::Ended => "ended",
        OrderState::Cancelled => "cancelled",
    }
}

/// The wire name of a case state (the `state` query).
pub fn case_state_name(state: CaseState) -> &'static str {
    match state {
        CaseState::AwaitingExplanation => "awaiting_explanation",
        CaseState::AwaitingDecision => "awaiting_decision",
        CaseState::Decided => "decided",
    }
}

/// The health officer's home-quarantine calls; obtained from [`Healthbook::quarantine_officer`]. Clones share
/// the session.
#[derive(Clone, Debug)]
pub struct QuarantineOfficer {
    staff: StaffSession,
}

impl QuarantineOfficer {
    /// Calls over `client`, already signed in as a health officer (a tool that signs in by itself).
    pub fn with_client(client: ServerClient, clock: Arc<dyn Clock>) -> Self {
        Self { staff: StaffSession::with_client(client, clock, Role::HealthOfficer) }
    }

    /// Signs `username` in as a health officer at the configured server and holds the session in memory; the
    /// password is used for this sign-in only.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<(), OfficerError> {
        self.staff.sign_in(username, password).await.map_err(Into::into)
    }

    /// Signs out on the server (best effort) and forgets the session.
    pub async fn sign_out(&self) {
        self.staff.sign_out().await;
    }

    /// Whether a session is held and not expired.
    pub fn signed_in(&self) -> bool {
        self.client().is_ok()
    }

    /// The signed-in client; an expired session counts as none.
    fn client(&self) -> Result<ServerClient, OfficerError> {
        self.staff.client().ok_or(OfficerError::NotSignedIn)
    }

    /// Turns a failed call into its error, forgetting a session the server no longer accepts.
    fn failed(&self, e: ClientError) -> OfficerError {
        let e = OfficerError::from(e);
        if matches!(e, OfficerError::NotSignedIn) {
            self.staff.forget();
        }
        e
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, OfficerError> {
        self.client()?.get_json(path).await.map_err(|e| self.failed(e))
    }

    async fn post_keyed<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B, key: &str) -> Result<T, OfficerError> {
        self.client()?.post_json_with_key(path, body, key).await.map_err(|e| self.failed(e))
    }

    /// A PUT (idempotent by its nature; the client still sends a key, kept across its retries).
    async fn put<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, OfficerError> {
        let body = serde_json::to_value(body).map_err(|e| OfficerError::Server(ClientError::Decode(e.to_string())))?;
        let answer = self.client()?.send_detailed(Method::PUT, path, Some(&body)).await.map_err(|e| self.failed(e))?;
        if !answer.is_success() {
            return Err(self.failed(answer.to_client_error()));
        }
        serde_json::from_value(answer.body).map_err(|e| OfficerError::Server(ClientError::Decode(e.to_string())))
    }

    /// Allows or stops home quarantine in a ward of the officer's area.
    pub async fn set_ward(&self, ward_code: &str, request: &WardEligibilityRequest) -> Result<WardEligibility, OfficerError> {
        check_ward(ward_code, request)?;
        self.put(&format!("/v1/quarantine/wards/{}", segment(ward_code)), request).await
    }

    /// Allows home quarantine in a ward, with the criteria officers confirmed.
    pub async fn allow_ward(
        &self,
        ward_code: &str,
        criteria: Vec<EligibilityCriterion>,
        note: &str,
    ) -> Result<WardEligibility, OfficerError> {
        self.set_ward(ward_code, &WardEligibilityRequest { allowed: true, criteria, note: note.to_owned() }).await
    }

    /// Stops new orders in a ward (running orders go on).
    pub async fn stop_ward(&self, ward_code: &str, note: &str) -> Result<WardEligibility, OfficerError> {
        self.set_ward(ward_code, &WardEligibilityRequest { allowed: false, criteria: Vec::new(), note: note.to_owned() }).await
    }

    /// The wards of the officer's area with a decision, by ward code.
    pub async fn wards(&self) -> Result<Vec<WardEligibility>, OfficerError> {
        let list: WardEligibilityList = self.get("/v1/quarantine/wards").await?;
        Ok(list.wards)
    }

    /// A version of the commitment text the person signs.
    pub async fn commitment(&self, version: u32) -> Result<CommitmentText, OfficerError> {
        self.get(&format!("/v1/quarantine/commitments/{version}")).await
    }

    /// Orders home quarantine for a bound person; refused with [`OfficerError::NotAllowedInWard`] when the
    /// ward does not allow it. Sending the same order again (after [`OfficerError::Offline`]) makes it once.
    pub async fn create_order(&self, order: &CreateOrderRequest) -> Result<OrderView, OfficerError> {
        check_order(order)?;
        self.post_keyed("/v1/quarantine/orders", order, &request_key("order", "", order)).await
    }

    /// The orders of the officer's area, newest first, optionally only those in `state`.
    pub async fn orders(&self, state: Option<OrderState>) -> Result<Vec<OrderView>, OfficerError> {
        let path = match state {
            Some(state) => format!("/v1/quarantine/orders?state={}", order_state_name(state)),
            None => "/v1/quarantine/orders".to_owned(),
        };
        let list: OrderList = self.get(&path).await?;
        Ok(list.orders)
    }

    /// One order.
    pub async fn order(&self, order_id: &str) -> Result<OrderView, OfficerError> {
        self.get(&format!("/v1/quarantine/orders/{}", segment(order_id))).await
    }

    /// Makes the home token for the sticker; a new token replaces the old one (a lost or damaged sticker).
    pub async fn home_token(&self, order_id: &str) -> Result<HomeTokenView, OfficerError> {
        // One key per call, kept across the client's retries: running the command again is a new sticker.
        let key = format!("home-token-{}", uuid::Uuid::new_v4());
        let token: HomeTokenView =
            self.post_keyed(&format!("/v1/quarantine/orders/{}/home-token", segment(order_id)), &Empty {}, &key).await?;
        if !token.qr_text.starts_with(HOME_TOKEN_PREFIX) || token.qr_text.len() > 100 {
            return Err(OfficerError::BadAnswer);
        }
        Ok(token)
    }

    /// An order's check-ins with their verdicts, oldest first.
    pub async fn check_ins(&self, order_id: &str) -> Result<Vec<CheckInVerdict>, OfficerError> {
        let list: CheckInList = self.get(&format!("/v1/quarantine/orders/{}/check-ins", segment(order_id))).await?;
        Ok(list.check_ins)
    }

    /// The cases of the officer's area, newest first, optionally only those in `state`.
    pub async fn cases(&self, state: Option<CaseState>) -> Result<Vec<CaseView>, OfficerError> {
        let path = match state {
            Some(state) => format!("/v1/quarantine/cases?state={}", case_state_name(state)),
            None => "/v1/quarantine/cases".to_owned(),
        };
        let list: CaseList = self.get(&path).await?;
        Ok(list.cases)
    }

    /// The cases of one order, newest first.
    pub async fn order_cases(&self, order_id: &str) -> Result<Vec<CaseView>, OfficerError> {
        let list: CaseList = self.get(&format!("/v1/quarantine/orders/{}/cases", segment(order_id))).await?;
        Ok(list.cases)
    }

    /// Decides a case; refused with [`OfficerError::AwaitingExplanation`] while the person can still explain.
    /// The same decision sent again is the same request.
    pub async fn decide(&self, case_id: &str, decision: &DecisionRequest) -> Result<CaseView, OfficerError> {
        check_decision(decision)?;
        let key = request_key("decision", case_id, decision);
        self.post_keyed(&format!("/v1/quarantine/cases/{}/decision", segment(case_id)), decision, &key).await
    }
}

impl Healthbook {
    /// The health officer's home-quarantine tools (sign in first).
    pub fn quarantine_officer(&self) -> QuarantineOfficer {
        QuarantineOfficer { staff: StaffSession::from_settings(self.settings(), self.clock.clone(), Role::HealthOfficer) }
    }
}

#[cfg(test)]
mod tests;
