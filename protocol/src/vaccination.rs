//! Vaccination (issue 12): communes' resident lists, sites and their stock, sessions and invitations, dose
//! records, and EU DCC vaccination certificates (`HC1:`).
//!
//! Who is who: a *list entry* is a resident row a commune imported (its citizen id kept only as the persons'
//! keyed hash); a *registration* is a person (persons area) asking to be vaccinated, from their phone or through
//! the volunteer who enrolled them. The priority group comes only from a commune list (authoritative), never from
//! the phone. Sessions invite registered people in priority order (group 1 first, people on no list last, then by
//! registration time).
//!
//! Endpoints (health officers and volunteers are area-scoped: a ward or province outside their area is 404):
//! - `POST /v1/vaccination/lists` (health officer): [`CommuneListUpload`] → [`CommuneListReport`]. With
//!   `accept: false` nothing is stored (a dry run that reports every problem); with `accept: true` the valid rows
//!   replace the commune's list (rows with problems are left out). Importing the same list again changes nothing.
//! - `GET /v1/vaccination/coverage?ward_code=` (health officer): [`CoverageReport`].
//! - `POST /v1/vaccination/registrations` (device, for a bound profile): [`RegisterRequest`] → 201
//!   [`RegistrationView`]; registering again returns the same registration (200).
//! - `POST /v1/volunteers/people/{person_id}/vaccination-registration` (the enrolling volunteer):
//!   [`VolunteerRegisterRequest`] → 201 [`RegistrationView`].
//! - `POST /v1/vaccination/sites` (health officer): [`CreateSiteRequest`] → 201 [`SiteView`]; the site gets its own
//!   signing key, listed in the trust list with role `vaccination_site` and scope `site:{site_id}`.
//! - `GET /v1/vaccination/sites` (health officer): [`SiteList`] within the caller's area.
//! - `POST /v1/vaccination/sites/{site_id}/deliveries` (health officer): [`StockDelivery`] → [`SiteStock`].
//! - `GET /v1/vaccination/sites/{site_id}/stock` (health officer): [`SiteStock`].
//! - `POST /v1/vaccination/sessions` (health officer): [`PlanSessionRequest`] → 201 [`SessionView`]; 409
//!   `capacity_above_stock` when the slots hold more people than the site's remaining doses of the product
//!   (less what other open sessions already hold).
//! - `POST /v1/vaccination/sessions/{session_id}/invite` (health officer): → [`InvitationRound`]: fills every free
//!   place (never above capacity) with the next registered people in line, and sends each an SMS.
//! - `GET /v1/vaccination/sessions/{session_id}` (health officer): [`SessionView`].
//! - `GET /v1/vaccination/invitations` (device): [`InvitationList`] for the profiles bound on the device.
//! - `POST /v1/vaccination/invitations/{invitation_id}/answer` (the device the person is bound on):
//!   [`AnswerInvitationRequest`] → [`InvitationView`]; 409 `invitation_closed`. A decline frees the place and the
//!   server invites the next person in line at once.
//! - `POST /v1/vaccination/lookup` (health officer): [`DoseLookupRequest`] (the scanned pass or
//!   control card) → [`DoseLookup`]: who it is, their doses, and today's invitation at this site.
//! - `POST /v1/vaccination/doses` (health officer): [`AdministerDoseRequest`] → 201 [`AdministeredDose`]
//!   (the dose and its new certificate); the same dose again (same person, dose number, date and product)
//!   returns the stored one (200), never a second record or a second stock decrement; a different dose with
//!   the same number is 409 `dose_conflict`; no stock left is 409 `out_of_stock`.
//! - `GET /v1/vaccination/records` (device): [`VaccinationRecords`], per bound profile: doses, next due date,
//!   the current certificate and the ones it replaced.
//! - `POST /v1/doses/{dose_id}/confirm` (health officer; volunteers area) confirms a self-reported dose, after
//!   which it counts and a certificate is issued for it.
//! - `POST /v1/vaccination/reconciliation` (health officer): [`ReconciliationUpload`] → [`ReconciliationReport`].
//!
//! Site staff are health officers (the vaccinators of a commune health station) whose area covers the site's
//! ward; no new role. "Counted" doses are those recorded at a site, or self-reported and confirmed by an officer.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::volunteers::DoseView;

/// Highest priority group in the health department's template (Resolution 21/NQ-CP lists groups 1 to 11; a
/// later extension added more, so the range is wider than the original list).
pub const MAX_PRIORITY_GROUP: u8 = 16;
/// Most rows in one commune list upload.
pub const MAX_LIST_ROWS: usize = 20_000;
/// Most rows in one reconciliation upload.
pub const MAX_RECONCILIATION_ROWS: usize = 100_000;
/// How long an invited person has to answer before the place goes to the next person, in hours.
pub const INVITATION_ANSWER_HOURS: i64 = 48;
/// Days after the last dose of a completed primary series when a booster is due.
pub const BOOSTER_INTERVAL_DAYS: u32 = 90;
/// Most doses recorded per person (primary series and boosters).
pub const MAX_DOSE_NUMBER: u8 = 6;

/// A COVID-19 vaccine product, with its EU DCC value-set codes (`mp`, `ma`, `vp`) and schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VaccineProduct {
    /// Pfizer-BioNTech Comirnaty.
    Comirnaty,
    /// Moderna Spikevax.
    Spikevax,
    /// AstraZeneca Vaxzevria (and Covishield, the same vaccine).
    Vaxzevria,
    /// Janssen (one dose).
    Janssen,
    /// Sinopharm BIBP (Vero Cell).
    Sinopharm,
    /// Gamaleya Sputnik V.
    SputnikV,
    /// CIGB Abdala (three doses).
    Abdala,
}

impl VaccineProduct {
    /// Every product.
    pub const ALL: [Self; 7] =
        [Self::Comirnaty, Self::Spikevax, Self::Vaxzevria, Self::Janssen, Self::Sinopharm, Self::SputnikV, Self::Abdala];

    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Comirnaty => "comirnaty",
            Self::Spikevax => "spikevax",
            Self::Vaxzevria => "vaxzevria",
            Self::Janssen => "janssen",
            Self::Sinopharm => "sinopharm",
            Self::SputnikV => "sputnik_v",
            Self::Abdala => "abdala",
        }
    }

    /// Parses a wire or stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// EU DCC `mp` (vaccine-medicinal-product value set).
    pub fn eu_product(self) -> &'static str {
        match self {
            Self::Comirnaty => "EU/1/20/1528",
            Self::Spikevax => "EU/1/20/1507",
            Self::Vaxzevria => "EU/1/21/1529",
            Self::Janssen => "EU/1/20/1525",
            Self::Sinopharm => "BBIBP-CorV",
            Self::SputnikV => "Sputnik-V",
            Self::Abdala => "Abdala",
        }
    }

    /// Reads an EU DCC `mp` back (for reconciliation files and decoded certificates).
    pub fn from_eu_product(mp: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.eu_product() == mp)
    }

    /// EU DCC `ma` (vaccine-mah-manf value set).
    pub fn eu_manufacturer(self) -> &'static str {
        match self {
            Self::Comirnaty => "ORG-100030215",
            Self::Spikevax => "ORG-100031184",
            Self::Vaxzevria => "ORG-100001699",
            Self::Janssen => "ORG-100001417",
            Self::Sinopharm => "ORG-100020693",
            Self::SputnikV => "Gamaleya-Research-Institute",
            Self::Abdala => "CIGB",
        }
    }

    /// EU DCC `vp` (vaccine-prophylaxis value set).
    pub fn eu_prophylaxis(self) -> &'static str {
        match self {
            Self::Comirnaty | Self::Spikevax => "1119349007",
            Self::Sinopharm | Self::Abdala => "1119305005",
            Self::Vaxzevria | Self::Janssen | Self::SputnikV => "J07BX03",
        }
    }

    /// Name shown to people.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Comirnaty => "Pfizer-BioNTech (Comirnaty)",
            Self::Spikevax => "Moderna (Spikevax)",
            Self::Vaxzevria => "AstraZeneca (Vaxzevria)",
            Self::Janssen => "Janssen",
            Self::Sinopharm => "Sinopharm (Vero Cell)",
            Self::SputnikV => "Sputnik V",
            Self::Abdala => "Abdala",
        }
    }

    /// Doses in the primary series (the EU DCC `sd`).
    pub fn series_doses(self) -> u8 {
        match self {
            Self::Janssen => 1,
            Self::Abdala => 3,
            _ => 2,
        }
    }

    /// Days from one primary-series dose to the next (Ministry of Health guidance, the shortest interval).
    pub fn interval_days(self) -> u32 {
        match self {
            Self::Comirnaty | Self::Sinopharm | Self::SputnikV => 21,
            Self::Spikevax => 28,
            Self::Vaxzevria => 56,
            Self::Janssen => 0,
            Self::Abdala => 14,
        }
    }
}

/// When the next dose is due after `last` (the person's latest dose, `dose_number` of it, with `product`):
/// the next primary-series dose after the product's interval, a booster [`BOOSTER_INTERVAL_DAYS`] after the
/// series, none after [`MAX_DOSE_NUMBER`]. Phone and server both compute it with this function.
pub fn next_dose_due(product: VaccineProduct, dose_number: u8, last: NaiveDate) -> Option<NaiveDate> {
    if dose_number >= MAX_DOSE_NUMBER {
        return None;
    }
    let days = if dose_number < product.series_doses() { product.interval_days() } else { BOOSTER_INTERVAL_DAYS };
    last.checked_add_days(chrono::Days::new(u64::from(days)))
}

/// Sex as the health department's template writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
    /// Khác.
    Other,
}

/// One row of a commune's list after the officer's machine normalised it (`core::vaccination::list`); the
/// server checks every field again with the same rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CommuneListRow {
    /// Line number in the source file (header is line 1), for reports.
    pub line: u32,
    /// Full name, NFC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Birth date (ISO), or only a year when the list gives only that (then 1 January and `birth_year_only`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// The list gave only a birth year.
    #[serde(default)]
    pub birth_year_only: bool,
    /// Sex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Citizen id (CCCD 12 digits or CMND 9 digits), digits only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// Phone in E.164 (`+84…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Province code (2 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    /// Ward code (5 digits); must be the uploaded commune's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward_code: Option<String>,
    /// Street address, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Priority group, 1 to [`MAX_PRIORITY_GROUP`]; none for the general population.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_group: Option<u8>,
}

/// A commune's list, sent by a health officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CommuneListUpload {
    /// The commune (ward code, 5 digits) the list belongs to.
    pub ward_code: String,
    /// Rows, at most [`MAX_LIST_ROWS`].
    pub rows: Vec<CommuneListRow>,
    /// Store the valid rows (true) or only report (false).
    pub accept: bool,
}

/// Which field a list problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ListField {
    /// Full name.
    FullName,
    /// Birth date.
    BirthDate,
    /// Sex.
    Sex,
    /// Citizen id.
    CitizenId,
    /// Phone.
    Phone,
    /// Province code.
    ProvinceCode,
    /// Ward code.
    WardCode,
    /// Priority group.
    PriorityGroup,
    /// The row as a whole (duplicates, registration).
    Row,
}

/// Why a list row is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ListProblemKind {
    /// A required field is empty (name, birth date, sex, citizen id or phone, ward code).
    Missing,
    /// The field is present but not valid (a bad date, a citizen id of the wrong length or province, a phone
    /// that is not Vietnamese, a code that does not exist, a group out of range).
    Invalid,
    /// The same citizen id appears earlier in this file (`other_line`).
    DuplicateInFile,
    /// The same citizen id is on another commune's list (`other_ward_code`).
    DuplicateInOtherCommune,
    /// A person in a priority group has no vaccination registration.
    PriorityNotRegistered,
}

/// One problem of one row. A row may have several; only rows without `Missing`, `Invalid` or `DuplicateInFile`
/// are stored (`PriorityNotRegistered` and `DuplicateInOtherCommune` are reported and still stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListProblem {
    /// Line in the source file.
    pub line: u32,
    /// The field.
    pub field: ListField,
    /// What is wrong.
    pub kind: ListProblemKind,
    /// The earlier line with the same citizen id, for `duplicate_in_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_line: Option<u32>,
    /// The other commune, for `duplicate_in_other_commune`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_ward_code: Option<String>,
}

/// The answer to a list upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommuneListReport {
    /// The commune.
    pub ward_code: String,
    /// Rows received.
    pub rows: u32,
    /// Rows that can be stored.
    pub valid_rows: u32,
    /// Every problem, ordered by line then field.
    pub problems: Vec<ListProblem>,
    /// Whether the valid rows were stored (`accept: true`).
    pub stored: bool,
    /// Stored rows that were new or changed (0 when the same list is imported again).
    pub changed: u32,
}

/// Registered and vaccinated counts for one priority group of one commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageRow {
    /// The commune.
    pub ward_code: String,
    /// The group; none for the general population.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_group: Option<u8>,
    /// People on the list.
    pub listed: u32,
    /// Of them, registered.
    pub registered: u32,
    /// Of them, with at least one counted dose (site-recorded or confirmed).
    pub with_dose: u32,
    /// Of them, with a completed primary series.
    pub fully_vaccinated: u32,
}

/// A listed person in a priority group still lacking a registration or a dose, for the commune to follow up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageGap {
    /// The commune.
    pub ward_code: String,
    /// Line in the commune's stored list.
    pub line: u32,
    /// Name as listed.
    pub full_name: String,
    /// Group.
    pub priority_group: u8,
    /// Registered (but no dose yet) or not.
    pub registered: bool,
}

/// The coverage of one commune (or every commune in the officer's area when `ward_code` is left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageReport {
    /// By commune and group, communes in code order, groups ascending, the general population last.
    pub rows: Vec<CoverageRow>,
    /// Priority-group people without a registration or a dose.
    pub gaps: Vec<CoverageGap>,
}

/// Query of `GET /v1/vaccination/coverage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CoverageQuery {
    /// One commune; every commune in the caller's area when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward_code: Option<String>,
}

/// Where a registration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegistrationSource {
    /// The person's own phone.
    Phone,
    /// The volunteer who enrolled them.
    Volunteer,
}

/// A phone registers one of its bound profiles for vaccination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The bound profile.
    pub profile_ref: String,
    /// The commune where the person will be vaccinated (5 digits).
    pub ward_code: String,
}

/// A volunteer registers a person they enrolled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VolunteerRegisterRequest {
    /// The commune (5 digits).
    pub ward_code: String,
}

/// A registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationView {
    /// Registration id.
    pub registration_id: String,
    /// The person.
    pub person_id: String,
    /// The commune.
    pub ward_code: String,
    /// The group from the commune's list, if the person is on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_group: Option<u8>,
    /// Where it came from.
    pub source: RegistrationSource,
    /// When.
    pub registered_at: DateTime<Utc>,
}

/// A health officer creates a vaccination site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSiteRequest {
    /// Name, 1-120 characters (NFC).
    pub name: String,
    /// Address, 1-200 characters.
    pub address: String,
    /// Ward (5 digits) within the officer's area.
    pub ward_code: String,
}

/// A vaccination site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteView {
    /// Site id.
    pub site_id: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Province (2 digits).
    pub province_code: String,
    /// Ward.
    pub ward_code: String,
    /// Kid of the site's signing key in the trust list.
    pub key_id: String,
}

/// Sites in the caller's area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteList {
    /// Sites, by name.
    pub sites: Vec<SiteView>,
}

/// Doses delivered to a site (a positive count), or written off (negative, with a reason in `note`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockDelivery {
    /// Product.
    pub product: VaccineProduct,
    /// Lot, 1-40 characters.
    pub lot: String,
    /// Doses added (positive) or written off (negative); never leaves the lot below zero.
    pub doses: i32,
    /// Lot expiry date, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
    /// Why doses are written off (required for a negative count), 1-200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Remaining doses of one product and lot at a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLine {
    /// Product.
    pub product: VaccineProduct,
    /// Lot.
    pub lot: String,
    /// Doses left.
    pub remaining: u32,
    /// Expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
}

/// A site's stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteStock {
    /// The site.
    pub site_id: String,
    /// Lines by product then lot.
    pub lines: Vec<StockLine>,
    /// Doses held by open sessions' places (invited or confirmed, not yet given), by product.
    pub held: Vec<HeldDoses>,
}

/// Doses of one product that open sessions hold for invited people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldDoses {
    /// Product.
    pub product: VaccineProduct,
    /// Places planned in sessions not yet over, less doses already given in them.
    pub doses: u32,
}

/// One time slot of a session, in the site's local time (Asia/Ho_Chi_Minh; the server converts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlotPlan {
    /// Start (local time of day).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "08:00:00"))]
    pub start: NaiveTime,
    /// End, after start.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "09:00:00"))]
    pub end: NaiveTime,
    /// People in the slot, 1-500.
    pub capacity: u32,
}

/// A health officer plans a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanSessionRequest {
    /// The site.
    pub site_id: String,
    /// The day (local), today or later.
    pub date: NaiveDate,
    /// Slots, 1-24, not overlapping.
    pub slots: Vec<SlotPlan>,
    /// The vaccine given.
    pub product: VaccineProduct,
    /// Communes whose registered people are invited (within the officer's area); the site's own when empty.
    #[serde(default)]
    pub ward_codes: Vec<String>,
}

/// A slot and how many places in it are taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotView {
    /// Slot number within the session (0-based).
    pub slot: u32,
    /// Start, UTC.
    pub starts_at: DateTime<Utc>,
    /// End, UTC.
    pub ends_at: DateTime<Utc>,
    /// Capacity.
    pub capacity: u32,
    /// Places taken by open or confirmed invitations.
    pub taken: u32,
}

/// A session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// Session id.
    pub session_id: String,
    /// The site.
    pub site_id: String,
    /// Local date.
    pub date: NaiveDate,
    /// Product.
    pub product: VaccineProduct,
    /// Communes served.
    pub ward_codes: Vec<String>,
    /// Slots.
    pub slots: Vec<SlotView>,
    /// Invitations by state.
    pub invitations: InvitationCounts,
    /// Doses given in this session.
    pub doses_given: u32,
}

/// Invitations of a session by state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationCounts {
    /// Waiting for an answer.
    pub pending: u32,
    /// Confirmed.
    pub confirmed: u32,
    /// Declined.
    pub declined: u32,
    /// Not answered in time.
    pub expired: u32,
    /// Vaccinated (a dose recorded for the invitation).
    pub attended: u32,
}

/// The answer to an invitation round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationRound {
    /// New invitations made in this round.
    pub invited: u32,
    /// SMS handed to the sender (a failed SMS still leaves the invitation on the phone).
    pub sms_sent: u32,
    /// Registered people still waiting for a place after this round.
    pub waiting: u32,
    /// The session after the round.
    pub session: SessionView,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Waiting for the person's answer.
    Pending,
    /// The person will come.
    Confirmed,
    /// The person declined; the place went to the next person.
    Declined,
    /// No answer in time; the place went to the next person.
    Expired,
    /// The dose was given.
    Attended,
}

/// An invitation as the person sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationView {
    /// Invitation id.
    pub invitation_id: String,
    /// The phone's profile it is for (in [`InvitationList`]; empty elsewhere).
    #[serde(default)]
    pub profile_ref: String,
    /// The site's name and address.
    pub site_name: String,
    /// Address.
    pub site_address: String,
    /// Slot start, UTC (the phone shows it in local time).
    pub starts_at: DateTime<Utc>,
    /// Slot end, UTC.
    pub ends_at: DateTime<Utc>,
    /// Product.
    pub product: VaccineProduct,
    /// Which dose this will be.
    pub dose_number: u8,
    /// State.
    pub state: InvitationState,
    /// Answer before this time.
    pub answer_by: DateTime<Utc>,
}

/// Invitations for the device's bound profiles, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationList {
    /// Invitations.
    pub invitations: Vec<InvitationView>,
}

/// The person's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationAnswer {
    /// Will come.
    Confirm,
    /// Won't come.
    Decline,
}

/// Body of an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerInvitationRequest {
    /// Confirm or decline.
    pub answer: InvitationAnswer,
}

/// Site staff scanned a pass (`HB1:`) or control card (`HK1:`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DoseLookupRequest {
    /// The QR text as scanned (verified on the server, which finds the person by the credential's id).
    pub scanned: String,
    /// The site doing the lookup.
    pub site_id: String,
}

/// What site staff see after a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DoseLookup {
    /// The person.
    pub person_id: String,
    /// Name.
    pub full_name: String,
    /// Birth year.
    pub birth_year: i32,
    /// The registration, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<RegistrationView>,
    /// Doses so far.
    pub doses: Vec<DoseView>,
    /// The next dose number.
    pub next_dose_number: u8,
    /// Earliest date of the next dose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due: Option<NaiveDate>,
    /// Today's invitation at this site, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<InvitationView>,
}

/// Site staff record a dose given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdministerDoseRequest {
    /// The person (from [`DoseLookup`]).
    pub person_id: String,
    /// The site.
    pub site_id: String,
    /// Product.
    pub product: VaccineProduct,
    /// Lot (must be in the site's stock).
    pub lot: String,
    /// Dose number, 1 to [`MAX_DOSE_NUMBER`].
    pub dose_number: u8,
    /// Date given (local date; not in the future).
    pub date: NaiveDate,
    /// The invitation it fulfils, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
}

/// A recorded dose and the certificate issued for the person's doses so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdministeredDose {
    /// The dose (source `site`).
    pub dose: DoseView,
    /// The new certificate.
    pub certificate: CertificateView,
}

/// An EU DCC vaccination certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateView {
    /// The unique certificate identifier (`ci`, `URN:UVCI:01:VN:…`).
    pub uvci: String,
    /// The QR text (`HC1:…`).
    pub qr: String,
    /// The dose it states (`dn`).
    pub dose_number: u8,
    /// The series length it states (`sd`).
    pub series_doses: u8,
    /// Product.
    pub product: VaccineProduct,
    /// Date of vaccination.
    pub date: NaiveDate,
    /// Issued.
    pub issued_at: DateTime<Utc>,
    /// Expires (`exp`).
    pub expires_at: DateTime<Utc>,
    /// When a newer certificate replaced it (history entries only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_at: Option<DateTime<Utc>>,
}

/// One profile's vaccination record on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileVaccination {
    /// The phone's profile.
    pub profile_ref: String,
    /// The registration, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<RegistrationView>,
    /// Doses, oldest first (self-reported ones included, marked by their source and confirmation).
    pub doses: Vec<DoseView>,
    /// When the next dose is due ([`next_dose_due`] on the latest counted dose).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due: Option<NaiveDate>,
    /// The current certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateView>,
    /// Certificates it replaced, newest first.
    pub history: Vec<CertificateView>,
}

/// The records of every profile bound on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VaccinationRecords {
    /// One per bound profile.
    pub profiles: Vec<ProfileVaccination>,
}

/// One row of another platform's export (the national platform's CSV: citizen id, dose number, date, product).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReconciliationRow {
    /// Line in the source file.
    pub line: u32,
    /// Citizen id, digits.
    pub citizen_id: String,
    /// Dose number.
    pub dose_number: u8,
    /// Date.
    pub date: NaiveDate,
    /// Product (EU `mp` codes and common names are mapped by the officer's machine).
    pub product: VaccineProduct,
}

/// An export from another platform, for the officer's area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReconciliationUpload {
    /// A name for the other platform, 1-60 characters (shown in the report).
    pub platform: String,
    /// Rows, at most [`MAX_RECONCILIATION_ROWS`].
    pub rows: Vec<ReconciliationRow>,
}

/// How the two sides differ for one person and dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyKind {
    /// The other platform has the dose; we don't.
    MissingHere,
    /// We have the dose; the other platform doesn't.
    MissingThere,
    /// Both have the dose number with different dates.
    DateDiffers,
    /// Both have the dose number with different products.
    ProductDiffers,
    /// The citizen id matches no person we know.
    UnknownPerson,
}

/// One discrepancy, for an officer to resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Discrepancy {
    /// The person, when known here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    /// The line in the other platform's file, when the row came from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Dose number.
    pub dose_number: u8,
    /// What differs.
    pub kind: DiscrepancyKind,
    /// Our value (date or product name), when we have the dose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ours: Option<String>,
    /// Their value, when they have it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theirs: Option<String>,
}

/// The reconciliation report: only people in the officer's area are compared; `missing_there` covers our
/// counted doses of people in the area that the file does not mention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReconciliationReport {
    /// The other platform's name.
    pub platform: String,
    /// Rows read.
    pub rows: u32,
    /// Doses that agree.
    pub matching: u32,
    /// Discrepancies, by person then dose number.
    pub discrepancies: Vec<Discrepancy>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enum_strings, round_trip};

    #[test]
    fn products_keep_their_names_and_eu_codes() {
        enum_strings(
            &[
                (VaccineProduct::Comirnaty, "comirnaty"),
                (VaccineProduct::Spikevax, "spikevax"),
                (VaccineProduct::Vaxzevria, "vaxzevria"),
                (VaccineProduct::Janssen, "janssen"),
                (VaccineProduct::Sinopharm, "sinopharm"),
                (VaccineProduct::SputnikV, "sputnik_v"),
                (VaccineProduct::Abdala, "abdala"),
            ],
            "pfizer",
        );
        for product in VaccineProduct::ALL {
            assert_eq!(VaccineProduct::parse(product.as_str()), Some(product));
            assert_eq!(VaccineProduct::from_eu_product(product.eu_product()), Some(product));
        }
    }

    #[test]
    fn the_next_dose_follows_the_series_then_the_booster() {
        let day = NaiveDate::from_ymd_opt(2021, 9, 1).unwrap();
        assert_eq!(next_dose_due(VaccineProduct::Vaxzevria, 1, day), NaiveDate::from_ymd_opt(2021, 10, 27));
        assert_eq!(next_dose_due(VaccineProduct::Comirnaty, 2, day), NaiveDate::from_ymd_opt(2021, 11, 30));
        assert_eq!(next_dose_due(VaccineProduct::Janssen, 1, day), NaiveDate::from_ymd_opt(2021, 11, 30));
        assert_eq!(next_dose_due(VaccineProduct::Abdala, 2, day), NaiveDate::from_ymd_opt(2021, 9, 15));
        assert_eq!(next_dose_due(VaccineProduct::Comirnaty, MAX_DOSE_NUMBER, day), None);
    }

    #[test]
    fn list_problems_read_as_the_contract_says() {
        round_trip(
            &ListProblem {
                line: 12,
                field: ListField::CitizenId,
                kind: ListProblemKind::DuplicateInFile,
                other_line: Some(4),
                other_ward_code: None,
            },
            serde_json::json!({"line": 12, "field": "citizen_id", "kind": "duplicate_in_file", "other_line": 4}),
        );
        enum_strings(
            &[
                (InvitationState::Pending, "pending"),
                (InvitationState::Confirmed, "confirmed"),
                (InvitationState::Declined, "declined"),
                (InvitationState::Expired, "expired"),
                (InvitationState::Attended, "attended"),
            ],
            "late",
        );
    }
}
