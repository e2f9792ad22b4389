//! The vaccination site's and officer's tools over the FFI: sites, stock, sessions and invitation rounds, the
//! lookup of a scanned pass or control card, recording a dose, confirming a self-reported one. Records carry
//! the `Site` prefix so that they never meet the citizen's vaccination records of the same namespace. Products
//! travel by their wire name (`vaxzevria`) with the name shown to people beside it; dates as `YYYY-MM-DD`.

use std::time::SystemTime;

use chrono::{NaiveDate, NaiveTime};
use healthbook_core::vaccination::site::{
    self as core_site, AdministerDoseRequest, AdministeredDose, CertificateView, CreateSiteRequest, DoseLookup, DoseSource, DoseView,
    InvitationRound, InvitationState, InvitationView, PlanSessionRequest, ScanError, SessionView, SiteError, SiteStock, SiteView,
    SlotPlan, StockDelivery, VaccineProduct,
};

use crate::vaccination::VaccinationInvitationState;

/// Why a scanned text is not a personal pass or control card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SiteScanProblem {
    /// Nothing was scanned.
    Empty,
    /// Longer than any QR code.
    TooLong,
    /// A venue poster, staff card or certificate: not a person's pass or card.
    WrongKind,
    /// Not a Healthbook QR at all.
    NotACredential,
    /// Damaged or mistyped; scan again.
    Damaged,
}

/// Why a site or officer action failed; messages carry no personal data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum VaccinationSiteError {
    /// No server URL is configured.
    #[error("no server configured")]
    NoServer,
    /// The server can't be reached; recording the same dose again later stores it once.
    #[error("server unreachable: {reason}")]
    Offline {
        /// Details.
        reason: String,
    },
    /// Sign in as a health officer first (or again: the session ran out).
    #[error("sign in as a health officer first")]
    NotSignedIn,
    /// The user name or password is wrong.
    #[error("the user name or password is wrong")]
    SignInFailed,
    /// The account is not a health officer's.
    #[error("this account is not a health officer's")]
    NotAnOfficer,
    /// The account may not do this.
    #[error("your account may not do this")]
    Forbidden,
    /// No such site, session, person or dose in the officer's area.
    #[error("not found in your area")]
    NotFound,
    /// The session's places exceed the site's remaining doses.
    #[error("the session holds more people than the site has doses left")]
    CapacityAboveStock,
    /// No dose of this product and lot is left.
    #[error("no dose of this product and lot is left")]
    OutOfStock,
    /// This dose number is already recorded with another date or product.
    #[error("this dose number is already recorded with another date or product")]
    DoseConflict,
    /// The invitation is answered, expired, or its session is over.
    #[error("the invitation is closed")]
    InvitationClosed,
    /// The scanned text is not a pass or control card (found before anything was sent).
    #[error("not a pass or control card: {problem:?}")]
    InvalidScan {
        /// What is wrong with it.
        problem: SiteScanProblem,
    },
    /// Something typed is refused; the reason names the field, never a value.
    #[error("invalid: {reason}")]
    Invalid {
        /// Why.
        reason: String,
    },
    /// Another failure of the server.
    #[error("server error: {reason}")]
    Server {
        /// Details.
        reason: String,
    },
}

impl From<ScanError> for VaccinationSiteError {
    fn from(e: ScanError) -> Self {
        let problem = match e {
            ScanError::Empty => SiteScanProblem::Empty,
            ScanError::TooLong { .. } => SiteScanProblem::TooLong,
            ScanError::WrongKind(_) => SiteScanProblem::WrongKind,
            ScanError::NotACredential => SiteScanProblem::NotACredential,
            ScanError::Damaged => SiteScanProblem::Damaged,
        };
        Self::InvalidScan { problem }
    }
}

impl From<SiteError> for VaccinationSiteError {
    fn from(e: SiteError) -> Self {
        match e {
            SiteError::NoServer => Self::NoServer,
            e @ SiteError::Offline(_) => Self::Offline { reason: e.to_string() },
            SiteError::NotSignedIn => Self::NotSignedIn,
            SiteError::SignInFailed => Self::SignInFailed,
            SiteError::NotAnOfficer => Self::NotAnOfficer,
            SiteError::Forbidden => Self::Forbidden,
            SiteError::NotFound => Self::NotFound,
            SiteError::CapacityAboveStock => Self::CapacityAboveStock,
            SiteError::OutOfStock => Self::OutOfStock,
            SiteError::DoseConflict => Self::DoseConflict,
            SiteError::InvitationClosed => Self::InvitationClosed,
            SiteError::Scan(scan) => scan.into(),
            SiteError::Invalid(reason) => Self::Invalid { reason },
            e @ SiteError::Server(_) => Self::Server { reason: e.to_string() },
        }
    }
}

fn product(code: &str) -> Result<VaccineProduct, VaccinationSiteError> {
    VaccineProduct::parse(code.trim())
        .ok_or_else(|| VaccinationSiteError::Invalid { reason: "unknown vaccine product (use the wire name, e.g. vaxzevria)".into() })
}

fn date(text: &str, what: &str) -> Result<NaiveDate, VaccinationSiteError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| VaccinationSiteError::Invalid { reason: format!("{what} must be YYYY-MM-DD") })
}

fn time(text: &str) -> Result<NaiveTime, VaccinationSiteError> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| VaccinationSiteError::Invalid { reason: "slot times must be HH:MM".into() })
}

/// A vaccination site.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteInfo {
    /// Site id.
    pub site_id: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Province code.
    pub province_code: String,
    /// Ward code.
    pub ward_code: String,
    /// Kid of the site's signing key in the trust list.
    pub key_id: String,
}

impl From<SiteView> for SiteInfo {
    fn from(s: SiteView) -> Self {
        Self { site_id: s.site_id, name: s.name, address: s.address, province_code: s.province_code, ward_code: s.ward_code, key_id: s.key_id }
    }
}

/// Remaining doses of one product and lot.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteStockLot {
    /// The product's wire name (`vaxzevria`), what recording a dose takes.
    pub product_code: String,
    /// The product as shown to people.
    pub product_name: String,
    /// Lot.
    pub lot: String,
    /// Doses left.
    pub remaining: u32,
    /// Expiry (`YYYY-MM-DD`), when known.
    pub expires_on: Option<String>,
}

/// Doses of one product held for invited people.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteHeldDoses {
    /// The product's wire name.
    pub product_code: String,
    /// Doses held.
    pub doses: u32,
}

/// A site's stock.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteStockReport {
    /// The site.
    pub site_id: String,
    /// Lots by product then lot.
    pub lots: Vec<SiteStockLot>,
    /// What open sessions hold.
    pub held: Vec<SiteHeldDoses>,
}

impl From<SiteStock> for SiteStockReport {
    fn from(s: SiteStock) -> Self {
        Self {
            site_id: s.site_id,
            lots: s
                .lines
                .into_iter()
                .map(|l| SiteStockLot {
                    product_code: l.product.as_str().to_owned(),
                    product_name: l.product.display_name().to_owned(),
                    lot: l.lot,
                    remaining: l.remaining,
                    expires_on: l.expires_on.map(|d| d.to_string()),
                })
                .collect(),
            held: s.held.into_iter().map(|h| SiteHeldDoses { product_code: h.product.as_str().to_owned(), doses: h.doses }).collect(),
        }
    }
}

/// A slot to plan, in the site's local time.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteSlotPlan {
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM`.
    pub end: String,
    /// People in the slot, 1-500.
    pub capacity: u32,
}

/// A slot of a session and its places taken.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteSlot {
    /// Start.
    pub starts_at: SystemTime,
    /// End.
    pub ends_at: SystemTime,
    /// Capacity.
    pub capacity: u32,
    /// Places taken.
    pub taken: u32,
}

/// A session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteSession {
    /// Session id.
    pub session_id: String,
    /// The site.
    pub site_id: String,
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// The product's wire name.
    pub product_code: String,
    /// The product as shown to people.
    pub product_name: String,
    /// Communes served.
    pub ward_codes: Vec<String>,
    /// Slots.
    pub slots: Vec<SiteSlot>,
    /// Invitations waiting for an answer.
    pub pending: u32,
    /// Confirmed.
    pub confirmed: u32,
    /// Declined.
    pub declined: u32,
    /// Not answered in time.
    pub expired: u32,
    /// Vaccinated.
    pub attended: u32,
    /// Doses given in the session.
    pub doses_given: u32,
}

impl From<SessionView> for SiteSession {
    fn from(s: SessionView) -> Self {
        Self {
            session_id: s.session_id,
            site_id: s.site_id,
            date: s.date.to_string(),
            product_code: s.product.as_str().to_owned(),
            product_name: s.product.display_name().to_owned(),
            ward_codes: s.ward_codes,
            slots: s
                .slots
                .into_iter()
                .map(|slot| SiteSlot { starts_at: slot.starts_at.into(), ends_at: slot.ends_at.into(), capacity: slot.capacity, taken: slot.taken })
                .collect(),
            pending: s.invitations.pending,
            confirmed: s.invitations.confirmed,
            declined: s.invitations.declined,
            expired: s.invitations.expired,
            attended: s.invitations.attended,
            doses_given: s.doses_given,
        }
    }
}

/// The answer to an invitation round.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteInvitationRound {
    /// New invitations.
    pub invited: u32,
    /// SMS handed to the sender.
    pub sms_sent: u32,
    /// Registered people still waiting.
    pub waiting: u32,
    /// The session after the round.
    pub session: SiteSession,
}

impl From<InvitationRound> for SiteInvitationRound {
    fn from(r: InvitationRound) -> Self {
        Self { invited: r.invited, sms_sent: r.sms_sent, waiting: r.waiting, session: r.session.into() }
    }
}

/// One dose of the person looked up.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteDose {
    /// Dose id (what confirming takes).
    pub dose_id: String,
    /// Dose number.
    pub dose_number: u8,
    /// Date, `YYYY-MM-DD`.
    pub date: String,
    /// The product as recorded (a wire name for site doses; as written on paper for self-reported ones).
    pub product_code: String,
    /// The product as shown to people.
    pub product_name: String,
    /// Lot.
    pub lot: Option<String>,
    /// Shown on paper to a volunteer.
    pub self_reported: bool,
    /// Counts: given at a site, or self-reported and confirmed by an officer. A self-reported dose is never
    /// confirmed until an officer says so.
    pub confirmed: bool,
}

impl From<DoseView> for SiteDose {
    fn from(d: DoseView) -> Self {
        let self_reported = d.source == DoseSource::SelfReported;
        let product_name = VaccineProduct::parse(&d.product).map_or_else(|| d.product.clone(), |p| p.display_name().to_owned());
        Self {
            dose_id: d.dose_id,
            dose_number: d.dose_number,
            date: d.date.to_string(),
            product_code: d.product,
            product_name,
            lot: d.lot,
            self_reported,
            confirmed: !self_reported || d.confirmed_at.is_some(),
        }
    }
}


/// Today's invitation of the person looked up.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteInvitation {
    /// Invitation id (what recording the dose takes).
    pub invitation_id: String,
    /// Site name.
    pub site_name: String,
    /// Site address.
    pub site_address: String,
    /// Slot start.
    pub starts_at: SystemTime,
    /// Slot end.
    pub ends_at: SystemTime,
    /// The product's wire name.
    pub product_code: String,
    /// The product as shown to people.
    pub product_name: String,
    /// Which dose.
    pub dose_number: u8,
    /// State.
    pub state: VaccinationInvitationState,
    /// Answer before.
    pub answer_by: SystemTime,
}

impl From<InvitationView> for SiteInvitation {
    fn from(i: InvitationView) -> Self {
        Self {
            invitation_id: i.invitation_id,
            site_name: i.site_name,
            site_address: i.site_address,
            starts_at: i.starts_at.into(),
            ends_at: i.ends_at.into(),
            product_code: i.product.as_str().to_owned(),
            product_name: i.product.display_name().to_owned(),
            dose_number: i.dose_number,
            state: match i.state {
                InvitationState::Pending => VaccinationInvitationState::Pending,
                InvitationState::Confirmed => VaccinationInvitationState::Confirmed,
                InvitationState::Declined => VaccinationInvitationState::Declined,
                InvitationState::Expired => VaccinationInvitationState::Expired,
                InvitationState::Attended => VaccinationInvitationState::Attended,
            },
            answer_by: i.answer_by.into(),
        }
    }
}

/// Who was scanned: their doses, the next dose, today's invitation here.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteDoseCandidate {
    /// Person id (what recording the dose takes).
    pub person_id: String,
    /// Name, to compare with the id card.
    pub full_name: String,
    /// Birth year.
    pub birth_year: i32,
    /// Registered for vaccination.
    pub registered: bool,
    /// Priority group from the commune's list.
    pub priority_group: Option<u8>,
    /// Doses so far, oldest first.
    pub doses: Vec<SiteDose>,
    /// The next dose number.
    pub next_dose_number: u8,
    /// Earliest date of the next dose (`YYYY-MM-DD`).
    pub next_due: Option<String>,
    /// Today's invitation at this site.
    pub invitation: Option<SiteInvitation>,
}

impl From<DoseLookup> for SiteDoseCandidate {
    fn from(l: DoseLookup) -> Self {
        Self {
            person_id: l.person_id,
            full_name: l.full_name,
            birth_year: l.birth_year,
            registered: l.registration.is_some(),
            priority_group: l.registration.and_then(|r| r.priority_group),
            doses: l.doses.into_iter().map(Into::into).collect(),
            next_dose_number: l.next_dose_number,
            next_due: l.next_due.map(|d| d.to_string()),
            invitation: l.invitation.map(Into::into),
        }
    }
}

/// An EU DCC vaccination certificate issued for a recorded dose.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteCertificate {
    /// Unique certificate identifier.
    pub uvci: String,
    /// QR text (`HC1:`).
    pub qr: String,
    /// Dose it states.
    pub dose_number: u8,
    /// Series length it states.
    pub series_doses: u8,
    /// The product's wire name.
    pub product_code: String,
    /// The product as shown to people.
    pub product_name: String,
    /// Date of vaccination, `YYYY-MM-DD`.
    pub date: String,
    /// Issued.
    pub issued_at: SystemTime,
    /// Expires.
    pub expires_at: SystemTime,
    /// When a newer certificate replaced it.
    pub replaced_at: Option<SystemTime>,
}

impl From<CertificateView> for SiteCertificate {
    fn from(c: CertificateView) -> Self {
        Self {
            uvci: c.uvci,
            qr: c.qr,
            dose_number: c.dose_number,
            series_doses: c.series_doses,
            product_code: c.product.as_str().to_owned(),
            product_name: c.product.display_name().to_owned(),
            date: c.date.to_string(),
            issued_at: c.issued_at.into(),
            expires_at: c.expires_at.into(),
            replaced_at: c.replaced_at.map(Into::into),
        }
    }
}

/// A dose recorded at the site and the person's new certificate.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteRecordedDose {
    /// The dose.
    pub dose: SiteDose,
    /// The certificate.
    pub certificate: SiteCertificate,
}

impl From<AdministeredDose> for SiteRecordedDose {
    fn from(a: AdministeredDose) -> Self {
        Self { dose: a.dose.into(), certificate: a.certificate.into() }
    }
}

/// The site's and officer's tools; sign in first. The session is held in memory by this object.
#[derive(uniffi::Object)]
pub struct VaccinationSite(pub(crate) core_site::VaccinationSite);

#[uniffi::export(async_runtime = "tokio")]
impl VaccinationSite {
    /// Signs in as a health officer (the password is not kept).
    pub async fn sign_in(&self, username: String, password: String) -> Result<(), VaccinationSiteError> {
        Ok(self.0.sign_in(&username, &password).await?)
    }

    /// Signs out and forgets the session.
    pub async fn sign_out(&self) {
        self.0.sign_out().await;
    }

    /// Whether a session is held and not expired.
    pub fn signed_in(&self) -> bool {
        self.0.signed_in()
    }

    /// Creates a site in a ward (5 digits) of the officer's area.
    pub async fn create_site(&self, name: String, address: String, ward_code: String) -> Result<SiteInfo, VaccinationSiteError> {
        Ok(self.0.create_site(&CreateSiteRequest { name, address, ward_code }).await?.into())
    }

    /// The sites in the officer's area, by name.
    pub async fn sites(&self) -> Result<Vec<SiteInfo>, VaccinationSiteError> {
        Ok(self.0.sites().await?.into_iter().map(Into::into).collect())
    }

    /// The site's remaining doses by product and lot.
    pub async fn stock(&self, site_id: String) -> Result<SiteStockReport, VaccinationSiteError> {
        Ok(self.0.stock(&site_id).await?.into())
    }

    /// Adds delivered doses (positive) or writes doses off (negative, with a note); the new stock.
    pub async fn deliver(
        &self,
        site_id: String,
        product_code: String,
        lot: String,
        doses: i32,
        expires_on: Option<String>,
        note: Option<String>,
    ) -> Result<SiteStockReport, VaccinationSiteError> {
        let delivery = StockDelivery {
            product: product(&product_code)?,
            lot,
            doses,
            expires_on: expires_on.as_deref().map(|d| date(d, "the expiry date")).transpose()?,
            note,
        };
        Ok(self.0.deliver(&site_id, &delivery).await?.into())
    }

    /// Plans a session (`date` as `YYYY-MM-DD`); refused when its places exceed the site's stock.
    pub async fn plan_session(
        &self,
        site_id: String,
        date_text: String,
        slots: Vec<SiteSlotPlan>,
        product_code: String,
        ward_codes: Vec<String>,
    ) -> Result<SiteSession, VaccinationSiteError> {
        let slots = slots
            .iter()
            .map(|s| Ok(SlotPlan { start: time(&s.start)?, end: time(&s.end)?, capacity: s.capacity }))
            .collect::<Result<Vec<_>, VaccinationSiteError>>()?;
        let plan = PlanSessionRequest { site_id, date: date(&date_text, "the date")?, slots, product: product(&product_code)?, ward_codes };
        Ok(self.0.plan_session(&plan).await?.into())
    }

    /// A session with its slots and invitation counts.
    pub async fn session(&self, session_id: String) -> Result<SiteSession, VaccinationSiteError> {
        Ok(self.0.session(&session_id).await?.into())
    }

    /// Invites the next registered people in line into every free place (each gets an SMS).
    pub async fn invite(&self, session_id: String) -> Result<SiteInvitationRound, VaccinationSiteError> {
        Ok(self.0.invite(&session_id).await?.into())
    }

    /// Looks up the person whose pass (`HB1:`) or control card (`HK1:`) was scanned; a wrong scan is refused
    /// before anything is sent.
    pub async fn lookup(&self, site_id: String, scanned: String) -> Result<SiteDoseCandidate, VaccinationSiteError> {
        Ok(self.0.lookup(&site_id, &scanned).await?.into())
    }

    /// Records a dose (`date` as `YYYY-MM-DD`); recording the same dose again stores it once.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_dose(
        &self,
        site_id: String,
        person_id: String,
        product_code: String,
        lot: String,
        dose_number: u8,
        date_text: String,
        invitation_id: Option<String>,
    ) -> Result<SiteRecordedDose, VaccinationSiteError> {
        let dose = AdministerDoseRequest {
            person_id,
            site_id,
            product: product(&product_code)?,
            lot,
            dose_number,
            date: date(&date_text, "the date")?,
            invitation_id: invitation_id.filter(|i| !i.trim().is_empty()),
        };
        Ok(self.0.record_dose(&dose).await?.into())
    }

    /// Confirms a dose a volunteer recorded from paper.
    pub async fn confirm_dose(&self, dose_id: String) -> Result<SiteDose, VaccinationSiteError> {
        Ok(self.0.confirm_dose(&dose_id).await?.into())
    }
}

/// Checks a scanned text locally: a personal pass (`HB1:`) or control card (`HK1:`), within the QR size limit.
#[uniffi::export]
pub fn check_vaccination_scan(scanned: String) -> Result<(), VaccinationSiteError> {
    core_site::check_scan(&scanned)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_reported_dose_is_confirmed_only_once_an_officer_confirms_it() {
        let dose = |source, confirmed: bool| DoseView {
            dose_id: "d".into(),
            person_id: "p".into(),
            product: "vaxzevria".into(),
            dose_number: 1,
            date: NaiveDate::from_ymd_opt(2021, 9, 1).unwrap(),
            lot: None,
            source,
            recorded_by: "a".into(),
            recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            confirmed_by: None,
            confirmed_at: confirmed.then_some(chrono::DateTime::<chrono::Utc>::MIN_UTC),
        };
        let paper = SiteDose::from(dose(DoseSource::SelfReported, false));
        assert!(paper.self_reported && !paper.confirmed);
        assert!(SiteDose::from(dose(DoseSource::SelfReported, true)).confirmed);
        let site = SiteDose::from(dose(DoseSource::Site, false));
        assert!(!site.self_reported && site.confirmed);
        assert_eq!(site.product_name, "AstraZeneca (Vaxzevria)");
    }

    #[test]
    fn wrong_input_is_named() {
        assert!(matches!(product("pfizer"), Err(VaccinationSiteError::Invalid { .. })));
        assert!(matches!(date("01/09/2021", "the date"), Err(VaccinationSiteError::Invalid { reason }) if reason.contains("YYYY-MM-DD")));
        assert!(matches!(check_vaccination_scan("HP1:ABC".into()), Err(VaccinationSiteError::InvalidScan { problem: SiteScanProblem::WrongKind })));
        assert!(matches!(check_vaccination_scan(String::new()), Err(VaccinationSiteError::InvalidScan { problem: SiteScanProblem::Empty })));
    }
}
