//! Storage of the volunteer area: who enrolled whom, consents, doses and control cards (migration 0014).

use chrono::{DateTime, NaiveDate, Utc};
use healthbook_protocol::{ConsentGiver, ConsentMethod, ConsentView, DoseSource, DoseView};

use crate::access::{AreaScope, area_from_columns};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::storage::{Row, Tx, Value};
use crate::util::{from_ms, to_ms};

/// Records that `volunteer` enrolled (or attested) `person_id`; a second time changes nothing.
pub fn record_enrolment(tx: &mut dyn Tx, person_id: &str, volunteer: &Principal, now: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO managed_people (person_id, volunteer_account_id, enrolled_at) VALUES ($1, $2, $3) \
         ON CONFLICT (person_id, volunteer_account_id) DO NOTHING",
        &[person_id.into(), volunteer.account_id.clone().into(), Value::Int(to_ms(now))],
    )?;
    Ok(())
}

/// When `volunteer_id` enrolled `person_id`, if they did.
pub fn enrolled_at(tx: &mut dyn Tx, person_id: &str, volunteer_id: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    tx.query_opt(
        "SELECT enrolled_at FROM managed_people WHERE person_id = $1 AND volunteer_account_id = $2",
        &[person_id.into(), volunteer_id.into()],
    )?
    .map(|row| Ok(from_ms(row.int(0)?)?))
    .transpose()
}

/// The people `volunteer_id` enrolled, with when.
pub fn people_of(tx: &mut dyn Tx, volunteer_id: &str) -> Result<Vec<(String, DateTime<Utc>)>, ApiError> {
    tx.query(
        "SELECT person_id, enrolled_at FROM managed_people WHERE volunteer_account_id = $1 ORDER BY enrolled_at, person_id",
        &[volunteer_id.into()],
    )?
    .iter()
    .map(|row| Ok((row.text(0)?, from_ms(row.int(1)?)?)))
    .collect()
}

/// The areas of the volunteers who enrolled `person_id`.
pub fn enrolling_volunteer_areas(tx: &mut dyn Tx, person_id: &str) -> Result<Vec<AreaScope>, ApiError> {
    let rows = tx.query(
        "SELECT a.area_province, a.area_wards FROM managed_people m JOIN accounts a ON a.id = m.volunteer_account_id \
         WHERE m.person_id = $1",
        &[person_id.into()],
    )?;
    let mut areas = Vec::new();
    for row in rows {
        if let Some(area) = area_from_columns(row.opt_text(0)?, row.opt_text(1)?) {
            areas.push(area);
        }
    }
    Ok(areas)
}

/// A consent to store.
pub struct NewConsent<'a> {
    /// Consent id.
    pub id: &'a str,
    /// The person.
    pub person_id: &'a str,
    /// Who gave it.
    pub given_by: ConsentGiver,
    /// The giver's name, normalised.
    pub giver_name: &'a str,
    /// How.
    pub method: ConsentMethod,
    /// When it was given.
    pub given_at: DateTime<Utc>,
    /// The recording volunteer.
    pub recorded_by: &'a str,
}

/// Stores a consent (a new row: consents are history, never overwritten).
pub fn insert_consent(tx: &mut dyn Tx, consent: &NewConsent<'_>, now: DateTime<Utc>) -> Result<ConsentView, ApiError> {
    tx.execute(
        "INSERT INTO volunteer_consents (id, person_id, given_by, giver_name, method, given_at, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            consent.id.into(),
            consent.person_id.into(),
            consent.given_by.as_str().into(),
            consent.giver_name.into(),
            consent.method.as_str().into(),
            Value::Int(to_ms(consent.given_at)),
            consent.recorded_by.into(),
            Value::Int(to_ms(now)),
        ],
    )?;
    latest_consent(tx, consent.person_id)?.ok_or_else(|| ApiError::Internal("a stored consent is missing".into()))
}

const CONSENT_COLUMNS: &str = "id, person_id, given_by, giver_name, method, given_at, recorded_by, recorded_at";

fn consent_from_row(row: &Row) -> Result<ConsentView, ApiError> {
    let corrupt = || ApiError::Internal("a stored consent has an unknown giver or method".into());
    Ok(ConsentView {
        consent_id: row.text(0)?,
        person_id: row.text(1)?,
        given_by: ConsentGiver::parse(&row.text(2)?).ok_or_else(corrupt)?,
        giver_name: row.text(3)?,
        method: ConsentMethod::parse(&row.text(4)?).ok_or_else(corrupt)?,
        given_at: from_ms(row.int(5)?)?,
        recorded_by: row.text(6)?,
        recorded_at: from_ms(row.int(7)?)?,
    })
}

/// The latest consent recorded for `person_id`.
pub fn latest_consent(tx: &mut dyn Tx, person_id: &str) -> Result<Option<ConsentView>, ApiError> {
    tx.query_opt(
        &format!("SELECT {CONSENT_COLUMNS} FROM volunteer_consents WHERE person_id = $1 ORDER BY recorded_at DESC, id DESC LIMIT 1"),
        &[person_id.into()],
    )?
    .as_ref()
    .map(consent_from_row)
    .transpose()
}

/// A dose to store.
pub struct NewDose<'a> {
    /// Dose id.
    pub id: &'a str,
    /// The person.
    pub person_id: &'a str,
    /// Product, normalised.
    pub product: &'a str,
    /// Dose number.
    pub dose_number: u8,
    /// Date.
    pub date: NaiveDate,
    /// Lot, normalised.
    pub lot: Option<&'a str>,
    /// Where it comes from.
    pub source: DoseSource,
    /// The recording account.
    pub recorded_by: &'a str,
}

/// Stores a dose record.
pub fn insert_dose(tx: &mut dyn Tx, dose: &NewDose<'_>, now: DateTime<Utc>) -> Result<DoseView, ApiError> {
    tx.execute(
        "INSERT INTO doses (id, person_id, product, dose_number, dose_date, lot, source, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            dose.id.into(),
            dose.person_id.into(),
            dose.product.into(),
            Value::Int(i64::from(dose.dose_number)),
            dose.date.format("%Y-%m-%d").to_string().into(),
            dose.lot.map(str::to_owned).into(),
            dose.source.as_str().into(),
            dose.recorded_by.into(),
            Value::Int(to_ms(now)),
        ],
    )?;
    self::dose(tx, dose.id)?.ok_or_else(|| ApiError::Internal("a stored dose is missing".into()))
}

const DOSE_COLUMNS: &str = "id, person_id, product, dose_number, dose_date, lot, source, recorded_by, recorded_at, confirmed_by, confirmed_at";

fn dose_from_row(row: &Row) -> Result<DoseView, ApiError> {
    let corrupt = |what: &str| ApiError::Internal(format!("a stored dose has an invalid {what}"));
    Ok(DoseView {
        dose_id: row.text(0)?,
        person_id: row.text(1)?,
        product: row.text(2)?,
        dose_number: u8::try_from(row.int(3)?).map_err(|_| corrupt("number"))?,
        date: NaiveDate::parse_from_str(&row.text(4)?, "%Y-%m-%d").map_err(|_| corrupt("date"))?,
        lot: row.opt_text(5)?,
        source: DoseSource::parse(&row.text(6)?).ok_or_else(|| corrupt("source"))?,
        recorded_by: row.text(7)?,
        recorded_at: from_ms(row.int(8)?)?,
        confirmed_by: row.opt_text(9)?,
        confirmed_at: row.opt_int(10)?.map(from_ms).transpose()?,
    })
}

/// One dose record.
pub fn dose(tx: &mut dyn Tx, dose_id: &str) -> Result<Option<DoseView>, ApiError> {
    tx.query_opt(&format!("SELECT {DOSE_COLUMNS} FROM doses WHERE id = $1"), &[dose_id.into()])?.as_ref().map(dose_from_row).transpose()
}

/// A person's dose records, oldest first.
pub fn doses_of(tx: &mut dyn Tx, person_id: &str) -> Result<Vec<DoseView>, ApiError> {
    tx.query(&format!("SELECT {DOSE_COLUMNS} FROM doses WHERE person_id = $1 ORDER BY dose_date, dose_number, id"), &[person_id.into()])?
        .iter()
        .map(dose_from_row)
        .collect()
}

/// Marks a dose confirmed by `officer_id` (a dose confirmed already keeps its first confirmation).
pub fn confirm_dose(tx: &mut dyn Tx, dose_id: &str, officer_id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE doses SET confirmed_by = $1, confirmed_at = $2 WHERE id = $3 AND confirmed_at IS NULL",
        &[officer_id.into(), Value::Int(to_ms(now)), dose_id.into()],
    )?;
    Ok(())
}

/// A signed control card to record.
pub struct NewControlCard<'a> {
    /// The card's `cti` as hex.
    pub credential_id: &'a str,
    /// The person.
    pub person_id: &'a str,
    /// The managed profile it stands for.
    pub profile_ref: &'a str,
    /// The volunteer.
    pub issued_by: &'a str,
    /// Validity.
    pub expires_at: DateTime<Utc>,
}

/// Records a control card; false when its id is taken already (draw another).
pub fn insert_control_card(tx: &mut dyn Tx, card: &NewControlCard<'_>, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let inserted = tx.execute(
        "INSERT INTO control_cards (credential_id, person_id, profile_ref, issued_by, issued_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (credential_id) DO NOTHING",
        &[
            card.credential_id.into(),
            card.person_id.into(),
            card.profile_ref.into(),
            card.issued_by.into(),
            Value::Int(to_ms(now)),
            Value::Int(to_ms(card.expires_at)),
        ],
    )?;
    Ok(inserted == 1)
}

/// When the latest control card of `person_id` was signed.
pub fn latest_card_at(tx: &mut dyn Tx, person_id: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    tx.query_opt("SELECT MAX(issued_at) FROM control_cards WHERE person_id = $1", &[person_id.into()])?
        .and_then(|row| row.opt_int(0).transpose())
        .map(|ms| Ok(from_ms(ms?)?))
        .transpose()
}

/// The person a control card (by its `cti` hex) was signed for.
pub fn person_of_card(tx: &mut dyn Tx, credential_id: &str) -> Result<Option<String>, ApiError> {
    tx.query_opt("SELECT person_id FROM control_cards WHERE credential_id = $1", &[credential_id.into()])?
        .map(|row| Ok(row.text(0)?))
        .transpose()
}
