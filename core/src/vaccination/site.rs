//! The vaccination site's and health officer's tools (issue 12): sites, stock and deliveries, sessions and
//! invitation rounds, looking a person up from a scanned pass or control card, recording the dose given, and
//! confirming a dose a volunteer recorded from paper. Only HTTP calls: nothing is stored on this machine, since
//! the server is the record of stock and doses and a site works online.
//!
//! Sign-in is the staff sign-in every staff tool uses ([`ServerClient::sign_in_staff`]); the session is held in
//! memory by this object (and its clones) for as long as the app keeps it, and the password is never kept.
//!
//! What staff type or scan is checked here first (a scan must be a pass `HB1:` or control card `HK1:`, within the
//! QR size limit; counts, lengths and dates within the contract's ranges) so that a mistake is named at once,
//! offline, instead of as a server refusal. The server checks everything again.

use std::sync::Arc;

use chrono::{FixedOffset, NaiveDate};
use healthbook_protocol::vaccination::{DoseLookupRequest, MAX_DOSE_NUMBER, SiteList};
use healthbook_protocol::{Empty, ErrorCode, Role};
/// The wire contract's bodies these calls take and return (front ends need no other crate for them).
pub use healthbook_protocol::vaccination::{
    AdministerDoseRequest, AdministeredDose, CertificateView, CreateSiteRequest, DoseLookup, HeldDoses, InvitationCounts,
    InvitationRound, InvitationState, InvitationView, PlanSessionRequest, RegistrationView, SessionView, SiteStock, SiteView,
    SlotPlan, SlotView, StockDelivery, StockLine, VaccineProduct,
};
pub use healthbook_protocol::{DoseSource, DoseView};
use thiserror::Error;

use crate::client::{ClientError, ServerClient, StaffSession, StaffSignInError, segment};
use crate::clock::Clock;
use crate::credentials::container::{CredentialType, base45_decode, strip_prefix};
use crate::credentials::MAX_QR_TEXT_LEN;
use crate::healthbook::Healthbook;

/// Sites' offset from UTC (Asia/Ho_Chi_Minh has no daylight saving time): "today" for a dose date.
pub const SITE_UTC_OFFSET_SECS: i32 = 7 * 3600;
/// Most slots in one session (the contract's limit).
pub const MAX_SLOTS: usize = 24;
/// Most people in one slot (the contract's limit).
pub const MAX_SLOT_CAPACITY: u32 = 500;

/// Why a scanned text is not a pass or control card; found before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScanError {
    /// Nothing was scanned.
    #[error("nothing was scanned")]
    Empty,
    /// Longer than any QR code holds.
    #[error("the scanned text is {len} bytes, more than the {max} a QR code holds")]
    TooLong {
        /// Bytes scanned.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A Healthbook or EU credential, but not a personal pass or control card (a venue poster, a staff card, a
    /// certificate).
    #[error("this QR is a {0:?}, not a personal pass (HB1:) or control card (HK1:)")]
    WrongKind(CredentialType),
    /// No known credential prefix.
    #[error("this QR is not a personal pass (HB1:) or control card (HK1:)")]
    NotACredential,
    /// The prefix is right but the rest is not a readable QR text (damaged or mistyped).
    #[error("the scanned text is damaged; scan it again")]
    Damaged,
}

/// A site or officer action that failed; no message names a person.
#[derive(Debug, Error)]
pub enum SiteError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// The server could not be reached; nothing was changed on it (a retry of the same dose is safe).
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
    /// No such site, session, person or dose in the officer's area.
    #[error("not found in your area")]
    NotFound,
    /// The session's places exceed the site's remaining doses of the product (less what other sessions hold).
    #[error("the session holds more people than the site has doses left")]
    CapacityAboveStock,
    /// The site has no dose of this product and lot left.
    #[error("no dose of this product and lot is left at the site")]
    OutOfStock,
    /// The person already has this dose number recorded with another date or product.
    #[error("this dose number is already recorded with another date or product")]
    DoseConflict,
    /// The invitation is answered, expired, or its session is over.
    #[error("the invitation is closed")]
    InvitationClosed,
    /// The scanned text is not a pass or control card.
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// Something typed is refused (here or by the server); the reason names the field, never a value.
    #[error("invalid: {0}")]
    Invalid(String),
    /// Another failure of the server or the client.
    #[error(transparent)]
    Server(ClientError),
}

impl From<StaffSignInError> for SiteError {
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

impl From<ClientError> for SiteError {
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
            (_, Some(ErrorCode::CapacityAboveStock)) => Self::CapacityAboveStock,
            (_, Some(ErrorCode::OutOfStock)) => Self::OutOfStock,
            (_, Some(ErrorCode::DoseConflict)) => Self::DoseConflict,
            (_, Some(ErrorCode::InvitationClosed)) => Self::InvitationClosed,
            (401, _) => Self::NotSignedIn,
            (403, _) => Self::Forbidden,
            (404, _) => Self::NotFound,
            (400 | 422, Some(ErrorCode::InvalidRequest | ErrorCode::MalformedJson)) => Self::Invalid(message.clone()),
            _ => Self::Server(e),
        }
    }
}

impl SiteError {
    /// Whether the server could not be reached (the action may simply be repeated later).
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Offline(_) | Self::NoServer)
    }
}

/// Checks a scanned pass (`HB1:`) or control card (`HK1:`) before it is sent: its size, prefix and Base45 body.
/// A line ending the scanner or terminal added is dropped; nothing else is changed (a space is a Base45 digit).
pub fn check_scan(scanned: &str) -> Result<(CredentialType, &str), ScanError> {
    let text = scanned.trim_end_matches(['\r', '\n']);
    if text.is_empty() {
        return Err(ScanError::Empty);
    }
    if text.len() > MAX_QR_TEXT_LEN {
        return Err(ScanError::TooLong { len: text.len(), max: MAX_QR_TEXT_LEN });
    }
    let (kind, body) = strip_prefix(text).map_err(|_| ScanError::NotACredential)?;
    if !matches!(kind, CredentialType::PersonalPass | CredentialType::ControlCard) {
        return Err(ScanError::WrongKind(kind));
    }
    base45_decode(body).map_err(|_| ScanError::Damaged)?;
    Ok((kind, text))
}

/// The idempotency key of a dose: derived from the whole request, so that sending the same dose again (after a
/// lost answer, a restart, or a second tap) is the same request to the server, while a corrected one (another
/// lot, say) is a new request the server judges by its content.
pub fn dose_key(request: &AdministerDoseRequest) -> String {
    let bytes = serde_json::to_vec(request).unwrap_or_default();
    let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
    let hex: String = digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("dose-{hex}")
}

/// Today at the sites (their local date).
pub fn site_today(clock: &dyn Clock) -> NaiveDate {
    let offset = FixedOffset::east_opt(SITE_UTC_OFFSET_SECS).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    clock.now().with_timezone(&offset).date_naive()
}

fn invalid(reason: &str) -> SiteError {
    SiteError::Invalid(reason.to_owned())
}

fn is_code(text: &str, digits: usize) -> bool {
    text.len() == digits && text.bytes().all(|b| b.is_ascii_digit())
}

fn check_site(request: &CreateSiteRequest) -> Result<(), SiteError> {
    let name = request.name.trim().chars().count();
    if !(1..=120).contains(&name) {
        return Err(invalid("the site name must be 1 to 120 characters"));
    }
    if !(1..=200).contains(&request.address.trim().chars().count()) {
        return Err(invalid("the address must be 1 to 200 characters"));
    }
    if !is_code(&request.ward_code, 5) {
        return Err(invalid("the ward code must be 5 digits"));
    }
    Ok(())
}

fn check_delivery(delivery: &StockDelivery) -> Result<(), SiteError> {
    if !(1..=40).contains(&delivery.lot.trim().chars().count()) {
        return Err(invalid("the lot must be 1 to 40 characters"));
    }
    if delivery.doses == 0 {
        return Err(invalid("the number of doses must not be zero"));
    }
    let note = delivery.note.as_deref().map(str::trim).unwrap_or_default().chars().count();
    if delivery.doses < 0 && note == 0 {
        return Err(invalid("a write-off needs a note saying why"));
    }
    if note > 200 {
        return Err(invalid("the note must be at most 200 characters"));
    }
    Ok(())
}

fn check_plan(plan: &PlanSessionRequest, today: NaiveDate) -> Result<(), SiteError> {
    if plan.date < today {
        return Err(invalid("the session date is in the past"));
    }
    if plan.slots.is_empty() || plan.slots.len() > MAX_SLOTS {
        return Err(invalid("a session has 1 to 24 slots"));
    }
    let mut slots: Vec<_> = plan.slots.iter().collect();
    slots.sort_by_key(|s| s.start);
    for (i, slot) in slots.iter().enumerate() {
        if slot.end <= slot.start {
            return Err(invalid("a slot must end after it starts"));
        }
        if !(1..=MAX_SLOT_CAPACITY).contains(&slot.capacity) {
            return Err(invalid("a slot holds 1 to 500 people"));
        }
        if i > 0 && slots[i - 1].end > slot.start {
            return Err(invalid("slots must not overlap"));
        }
    }
    if plan.ward_codes.iter().any(|w| !is_code(w, 5)) {
        return Err(invalid("ward codes must be 5 digits"));
    }
    Ok(())
}

fn check_dose(dose: &AdministerDoseRequest, today: NaiveDate) -> Result<(), SiteError> {
    if dose.person_id.trim().is_empty() {
        return Err(invalid("look the person up first"));
    }
    if !(1..=MAX_DOSE_NUMBER).contains(&dose.dose_number) {
        return Err(invalid("the dose number must be 1 to 6"));
    }
    if !(1..=40).contains(&dose.lot.trim().chars().count()) {
        return Err(invalid("the lot must be 1 to 40 characters"));
    }
    if dose.date > today {
        return Err(invalid("the dose date is in the future"));
    }
    Ok(())
}

/// The site's and officer's calls; obtained from [`Healthbook::vaccination_site`]. Clones share the session.
#[derive(Clone)]
pub struct VaccinationSite {
    staff: StaffSession,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for VaccinationSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaccinationSite").field("staff", &self.staff).finish_non_exhaustive()
    }
}

impl VaccinationSite {
    /// Calls over `client`, already signed in as a health officer (a tool that signs in by itself).
    pub fn with_client(client: ServerClient, clock: Arc<dyn Clock>) -> Self {
        Self { staff: StaffSession::with_client(client, clock.clone(), Role::HealthOfficer), clock }
    }

    /// Signs `username` in as a health officer at the configured server and holds the session in memory; the
    /// password is used for this sign-in only.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<(), SiteError> {
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
    fn client(&self) -> Result<ServerClient, SiteError> {
        self.staff.client().ok_or(SiteError::NotSignedIn)
    }

    /// Turns a failed call into its error, forgetting a session the server no longer accepts.
    fn failed(&self, e: ClientError) -> SiteError {
        let e = SiteError::from(e);
        if matches!(e, SiteError::NotSignedIn) {
            self.staff.forget();
        }
        e
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, SiteError> {
        self.client()?.get_json(path).await.map_err(|e| self.failed(e))
    }

    async fn post<B: serde::Serialize, T: serde::de::DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, SiteError> {
        self.client()?.post_json(path, body).await.map_err(|e| self.failed(e))
    }

    /// Creates a site in a ward of the officer's area; the server gives it its own signing key.
    pub async fn create_site(&self, request: &CreateSiteRequest) -> Result<SiteView, SiteError> {
        check_site(request)?;
        self.post("/v1/vaccination/sites", request).await
    }

    /// The sites in the officer's area, by name.
    pub async fn sites(&self) -> Result<Vec<SiteView>, SiteError> {
        let list: SiteList = self.get("/v1/vaccination/sites").await?;
        Ok(list.sites)
    }

    /// The site's remaining doses by product and lot, and what open sessions hold.
    pub async fn stock(&self, site_id: &str) -> Result<SiteStock, SiteError> {
        self.get(&format!("/v1/vaccination/sites/{}/stock", segment(site_id))).await
    }

    /// Adds delivered doses (positive) or writes doses off (negative, with a note); the new stock.
    pub async fn deliver(&self, site_id: &str, delivery: &StockDelivery) -> Result<SiteStock, SiteError> {
        check_delivery(delivery)?;
        self.post(&format!("/v1/vaccination/sites/{}/deliveries", segment(site_id)), delivery).await
    }

    /// Plans a session; refused with [`SiteError::CapacityAboveStock`] when its places exceed the stock.
    pub async fn plan_session(&self, plan: &PlanSessionRequest) -> Result<SessionView, SiteError> {
        check_plan(plan, site_today(self.clock.as_ref()))?;
        self.post("/v1/vaccination/sessions", plan).await
    }

    /// A session with its slots, invitation counts and doses given.
    pub async fn session(&self, session_id: &str) -> Result<SessionView, SiteError> {
        self.get(&format!("/v1/vaccination/sessions/{}", segment(session_id))).await
    }

    /// Fills the session's free places with the next registered people in line, each told by SMS.
    pub async fn invite(&self, session_id: &str) -> Result<InvitationRound, SiteError> {
        self.post(&format!("/v1/vaccination/sessions/{}/invite", segment(session_id)), &Empty {}).await
    }

    /// Finds the person whose pass or control card was scanned at `site_id`: their doses, the next dose, and
    /// today's invitation here. The scan is checked first ([`check_scan`]).
    pub async fn lookup(&self, site_id: &str, scanned: &str) -> Result<DoseLookup, SiteError> {
        let (_, text) = check_scan(scanned)?;
        let request = DoseLookupRequest { scanned: text.to_owned(), site_id: site_id.to_owned() };
        self.post("/v1/vaccination/lookup", &request).await
    }

    /// Records a dose given here and returns it with the person's new certificate. The request carries
    /// [`dose_key`], so repeating the same dose (after [`SiteError::Offline`], say) stores it once.
    pub async fn record_dose(&self, dose: &AdministerDoseRequest) -> Result<AdministeredDose, SiteError> {
        check_dose(dose, site_today(self.clock.as_ref()))?;
        let client = self.client()?;
        client.post_json_with_key("/v1/vaccination/doses", dose, &dose_key(dose)).await.map_err(|e| self.failed(e))
    }

    /// Confirms a dose a volunteer recorded from paper; it then counts and a certificate is issued for it.
    pub async fn confirm_dose(&self, dose_id: &str) -> Result<DoseView, SiteError> {
        self.post(&format!("/v1/doses/{}/confirm", segment(dose_id)), &Empty {}).await
    }
}

impl Healthbook {
    /// The vaccination site's and officer's tools (sign in first).
    pub fn vaccination_site(&self) -> VaccinationSite {
        VaccinationSite {
            staff: StaffSession::from_settings(self.settings(), self.clock.clone(), Role::HealthOfficer),
            clock: self.clock.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
