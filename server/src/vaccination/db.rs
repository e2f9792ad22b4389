//! Storage of the vaccination area (migrations 0015 and 0016), inside the caller's transaction: registrations,
//! sites, stock and its movements, sessions and slots, invitations, site doses and certificates.

use chrono::{DateTime, NaiveDate, Utc};
use healthbook_protocol::vaccination::{
    CertificateView, HeldDoses, InvitationCounts, InvitationState, RegistrationSource, RegistrationView, SiteView, StockLine,
    VaccineProduct,
};

use super::rules::CountedDose;
use crate::error::ApiError;
use crate::storage::{Row, Tx, Value};
use crate::util::{from_ms, new_id, to_ms};

fn corrupt(what: &str) -> ApiError {
    ApiError::Internal(format!("a stored vaccination row has an invalid {what}"))
}

fn product_of(text: &str) -> Result<VaccineProduct, ApiError> {
    VaccineProduct::parse(text).ok_or_else(|| corrupt("product"))
}

fn date_of(text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| corrupt("date"))
}

fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The stored name of an invitation state.
pub fn state_name(state: InvitationState) -> &'static str {
    match state {
        InvitationState::Pending => "pending",
        InvitationState::Confirmed => "confirmed",
        InvitationState::Declined => "declined",
        InvitationState::Expired => "expired",
        InvitationState::Attended => "attended",
    }
}

fn state_of(text: &str) -> Result<InvitationState, ApiError> {
    Ok(match text {
        "pending" => InvitationState::Pending,
        "confirmed" => InvitationState::Confirmed,
        "declined" => InvitationState::Declined,
        "expired" => InvitationState::Expired,
        "attended" => InvitationState::Attended,
        _ => return Err(corrupt("invitation state")),
    })
}

// ---- registrations -------------------------------------------------------------------------------------------

const REGISTRATION_COLUMNS: &str = "id, person_id, ward_code, source, registered_at";

fn registration_from_row(row: &Row, priority_group: Option<u8>) -> Result<RegistrationView, ApiError> {
    Ok(RegistrationView {
        registration_id: row.text(0)?,
        person_id: row.text(1)?,
        ward_code: row.text(2)?,
        priority_group,
        source: match row.text(3)?.as_str() {
            "phone" => RegistrationSource::Phone,
            "volunteer" => RegistrationSource::Volunteer,
            _ => return Err(corrupt("registration source")),
        },
        registered_at: from_ms(row.int(4)?)?,
    })
}

/// The registration of `person_id`, with the group the communes' lists give them.
pub fn registration_of(tx: &mut dyn Tx, person_id: &str) -> Result<Option<RegistrationView>, ApiError> {
    let Some(row) = tx.query_opt(
        &format!("SELECT {REGISTRATION_COLUMNS} FROM vaccination_registrations WHERE person_id = $1"),
        &[person_id.into()],
    )?
    else {
        return Ok(None);
    };
    let group = super::lists::priority_group_of(tx, person_id)?;
    registration_from_row(&row, group).map(Some)
}

/// Stores a registration; false when the person registered already (the caller reads that one).
pub fn insert_registration(
    tx: &mut dyn Tx,
    person_id: &str,
    province_code: &str,
    ward_code: &str,
    source: RegistrationSource,
    registered_by: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let source = match source {
        RegistrationSource::Phone => "phone",
        RegistrationSource::Volunteer => "volunteer",
    };
    let inserted = tx.execute(
        "INSERT INTO vaccination_registrations (id, person_id, province_code, ward_code, source, registered_by, registered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (person_id) DO NOTHING",
        &[
            new_id().into(),
            person_id.into(),
            province_code.into(),
            ward_code.into(),
            source.into(),
            registered_by.into(),
            Value::Int(to_ms(now)),
        ],
    )?;
    Ok(inserted == 1)
}

/// A registered person waiting for a place.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The person.
    pub person_id: String,
    /// When they registered.
    pub registered_at: i64,
}

/// Registered people of `wards` with no open invitation anywhere and none in `session_id` (a person who
/// declined or let one expire is not asked again for the same session), by registration time.
pub fn candidates(tx: &mut dyn Tx, wards: &[String], session_id: &str) -> Result<Vec<Candidate>, ApiError> {
    let mut out = Vec::new();
    for ward in wards {
        let rows = tx.query(
            "SELECT r.person_id, r.registered_at FROM vaccination_registrations r WHERE r.ward_code = $1 \
             AND NOT EXISTS (SELECT 1 FROM vaccination_invitations i WHERE i.person_id = r.person_id \
                 AND (i.session_id = $2 OR i.state IN ('pending', 'confirmed'))) \
             ORDER BY r.registered_at, r.person_id",
            &[ward.clone().into(), session_id.into()],
        )?;
        for row in rows {
            out.push(Candidate { person_id: row.text(0)?, registered_at: row.int(1)? });
        }
    }
    out.sort_by(|a, b| a.registered_at.cmp(&b.registered_at).then_with(|| a.person_id.cmp(&b.person_id)));
    Ok(out)
}

// ---- sites ---------------------------------------------------------------------------------------------------

const SITE_COLUMNS: &str = "id, name, address, province_code, ward_code, key_id";

fn site_from_row(row: &Row) -> Result<SiteView, ApiError> {
    Ok(SiteView {
        site_id: row.text(0)?,
        name: row.text(1)?,
        address: row.text(2)?,
        province_code: row.text(3)?,
        ward_code: row.text(4)?,
        key_id: row.text(5)?,
    })
}

/// Stores a site.
pub fn insert_site(tx: &mut dyn Tx, site: &SiteView, created_by: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO vaccination_sites (id, name, address, province_code, ward_code, key_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            site.site_id.clone().into(),
            site.name.clone().into(),
            site.address.clone().into(),
            site.province_code.clone().into(),
            site.ward_code.clone().into(),
            site.key_id.clone().into(),
            created_by.into(),
            Value::Int(to_ms(now)),
        ],
    )?;
    Ok(())
}

/// One site.
pub fn site(tx: &mut dyn Tx, site_id: &str) -> Result<Option<SiteView>, ApiError> {
    tx.query_opt(&format!("SELECT {SITE_COLUMNS} FROM vaccination_sites WHERE id = $1"), &[site_id.into()])?
        .as_ref()
        .map(site_from_row)
        .transpose()
}

/// The sites of a province (every province with `None`), by name.
pub fn sites_in(tx: &mut dyn Tx, province: Option<&str>) -> Result<Vec<SiteView>, ApiError> {
    let rows = match province {
        Some(p) => tx.query(&format!("SELECT {SITE_COLUMNS} FROM vaccination_sites WHERE province_code = $1 ORDER BY name, id"), &[p.into()])?,
        None => tx.query(&format!("SELECT {SITE_COLUMNS} FROM vaccination_sites ORDER BY name, id"), &[])?,
    };
    rows.iter().map(site_from_row).collect()
}

// ---- stock ---------------------------------------------------------------------------------------------------

/// The lines of a site's stock, by product then lot.
pub fn stock_lines(tx: &mut dyn Tx, site_id: &str) -> Result<Vec<StockLine>, ApiError> {
    tx.query("SELECT product, lot, remaining, expires_on FROM vaccine_stock WHERE site_id = $1 ORDER BY product, lot", &[site_id.into()])?
        .iter()
        .map(|row| {
            Ok(StockLine {
                product: product_of(&row.text(0)?)?,
                lot: row.text(1)?,
                remaining: u32::try_from(row.int(2)?).map_err(|_| corrupt("remaining"))?,
                expires_on: row.opt_text(3)?.map(|d| date_of(&d)).transpose()?,
            })
        })
        .collect()
}

/// A stock change to apply.
pub struct StockChange<'a> {
    /// The site.
    pub site_id: &'a str,
    /// Product.
    pub product: VaccineProduct,
    /// Lot.
    pub lot: &'a str,
    /// Doses added (positive) or taken (negative).
    pub doses: i64,
    /// Lot expiry, when a delivery gives it.
    pub expires_on: Option<NaiveDate>,
    /// Why (write-offs).
    pub note: Option<&'a str>,
    /// The dose given (doses).
    pub dose_id: Option<&'a str>,
    /// Who.
    pub recorded_by: &'a str,
}

/// Applies a stock change and records its movement; false (and nothing changed) when it would leave the lot
/// below zero or take from a lot the site does not have.
pub fn change_stock(tx: &mut dyn Tx, change: &StockChange<'_>, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let key: [Value; 3] = [change.site_id.into(), change.product.as_str().into(), change.lot.into()];
    let changed = if change.doses >= 0 {
        tx.execute(
            "INSERT INTO vaccine_stock (site_id, product, lot, remaining, expires_on) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (site_id, product, lot) DO UPDATE SET remaining = vaccine_stock.remaining + $4, \
             expires_on = COALESCE($5, vaccine_stock.expires_on)",
            &[key[0].clone(), key[1].clone(), key[2].clone(), Value::Int(change.doses), change.expires_on.map(date_text).into()],
        )?
    } else {
        // The condition in the statement itself keeps concurrent takers from going below zero.
        tx.execute(
            "UPDATE vaccine_stock SET remaining = remaining + $4 WHERE site_id = $1 AND product = $2 AND lot = $3 AND remaining + $4 >= 0",
            &[key[0].clone(), key[1].clone(), key[2].clone(), Value::Int(change.doses)],
        )?
    };
    if changed == 0 {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO vaccine_stock_moves (id, site_id, product, lot, doses, note, dose_id, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            new_id().into(),
            key[0].clone(),
            key[1].clone(),
            key[2].clone(),
            Value::Int(change.doses),
            change.note.map(str::to_owned).into(),
            change.dose_id.map(str::to_owned).into(),
            change.recorded_by.into(),
            Value::Int(to_ms(now)),
        ],
    )?;
    Ok(true)
}

/// Doses of `product` left at a site, all lots together.
pub fn remaining(tx: &mut dyn Tx, site_id: &str, product: VaccineProduct) -> Result<i64, ApiError> {
    let row = tx.query_opt(
        "SELECT CAST(COALESCE(SUM(remaining), 0) AS BIGINT) FROM vaccine_stock WHERE site_id = $1 AND product = $2",
        &[site_id.into(), product.as_str().into()],
    )?;
    Ok(row.map(|r| r.int(0)).transpose()?.unwrap_or(0))
}

/// Doses that a site's sessions not yet over hold (their places less the doses given in them), by product.
pub fn held(tx: &mut dyn Tx, site_id: &str, now: DateTime<Utc>) -> Result<Vec<HeldDoses>, ApiError> {
    let rows = tx.query(
        "SELECT s.product, \
             (SELECT CAST(COALESCE(SUM(capacity), 0) AS BIGINT) FROM vaccination_slots WHERE session_id = s.id), \
             (SELECT COUNT(*) FROM doses WHERE session_id = s.id) \
         FROM vaccination_sessions s WHERE s.site_id = $1 AND s.ends_at > $2 ORDER BY s.product",
        &[site_id.into(), Value::Int(to_ms(now))],
    )?;
    let mut out: Vec<HeldDoses> = Vec::new();
    for row in rows {
        let product = product_of(&row.text(0)?)?;
        let doses = u32::try_from((row.int(1)? - row.int(2)?).max(0)).map_err(|_| corrupt("capacity"))?;
        match out.iter_mut().find(|h| h.product == product) {
            Some(h) => h.doses += doses,
            None => out.push(HeldDoses { product, doses }),
        }
    }
    Ok(out)
}

// ---- sessions ------------------------------------------------------------------------------------------------

/// A session as stored.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Id.
    pub id: String,
    /// The site.
    pub site_id: String,
    /// Local date.
    pub date: NaiveDate,
    /// Product.
    pub product: VaccineProduct,
    /// Communes served.
    pub ward_codes: Vec<String>,
    /// End of its last slot.
    pub ends_at: DateTime<Utc>,
}

/// A slot as stored.
#[derive(Debug, Clone, Copy)]
pub struct SlotRow {
    /// Number.
    pub slot: u32,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Places.
    pub capacity: u32,
}

/// Stores a session and its slots.
pub fn insert_session(tx: &mut dyn Tx, session: &SessionRow, slots: &[SlotRow], created_by: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO vaccination_sessions (id, site_id, session_date, product, ward_codes, ends_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            session.id.clone().into(),
            session.site_id.clone().into(),
            date_text(session.date).into(),
            session.product.as_str().into(),
            session.ward_codes.join(",").into(),
            Value::Int(to_ms(session.ends_at)),
            created_by.into(),
            Value::Int(to_ms(now)),
        ],
    )?;
    for slot in slots {
        tx.execute(
            "INSERT INTO vaccination_slots (session_id, slot, starts_at, ends_at, capacity) VALUES ($1, $2, $3, $4, $5)",
            &[
                session.id.clone().into(),
                Value::Int(i64::from(slot.slot)),
                Value::Int(to_ms(slot.starts_at)),
                Value::Int(to_ms(slot.ends_at)),
                Value::Int(i64::from(slot.capacity)),
            ],
        )?;
    }
    Ok(())
}

/// One session.
pub fn session(tx: &mut dyn Tx, session_id: &str) -> Result<Option<SessionRow>, ApiError> {
    let Some(row) = tx.query_opt(
        "SELECT id, site_id, session_date, product, ward_codes, ends_at FROM vaccination_sessions WHERE id = $1",
        &[session_id.into()],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(SessionRow {
        id: row.text(0)?,
        site_id: row.text(1)?,
        date: date_of(&row.text(2)?)?,
        product: product_of(&row.text(3)?)?,
        ward_codes: row.text(4)?.split(',').filter(|w| !w.is_empty()).map(str::to_owned).collect(),
        ends_at: from_ms(row.int(5)?)?,
    }))
}

/// The session of a site on a local date for a product, if one was planned (the latest planned first).
pub fn session_on(tx: &mut dyn Tx, site_id: &str, date: NaiveDate, product: VaccineProduct) -> Result<Option<String>, ApiError> {
    tx.query_opt(
        "SELECT id FROM vaccination_sessions WHERE site_id = $1 AND session_date = $2 AND product = $3 ORDER BY created_at DESC, id LIMIT 1",
        &[site_id.into(), date_text(date).into(), product.as_str().into()],
    )?
    .map(|row| Ok(row.text(0)?))
    .transpose()
}

/// The slots of a session, in order.
pub fn slots(tx: &mut dyn Tx, session_id: &str) -> Result<Vec<SlotRow>, ApiError> {
    tx.query("SELECT slot, starts_at, ends_at, capacity FROM vaccination_slots WHERE session_id = $1 ORDER BY slot", &[session_id.into()])?
        .iter()
        .map(|row| {
            Ok(SlotRow {
                slot: u32::try_from(row.int(0)?).map_err(|_| corrupt("slot"))?,
                starts_at: from_ms(row.int(1)?)?,
                ends_at: from_ms(row.int(2)?)?,
                capacity: u32::try_from(row.int(3)?).map_err(|_| corrupt("capacity"))?,
            })
        })
        .collect()
}

/// Places taken per slot (pending, confirmed or attended invitations).
pub fn taken_per_slot(tx: &mut dyn Tx, session_id: &str) -> Result<Vec<(u32, u32)>, ApiError> {
    tx.query(
        "SELECT slot, COUNT(*) FROM vaccination_invitations WHERE session_id = $1 AND state IN ('pending', 'confirmed', 'attended') GROUP BY slot",
        &[session_id.into()],
    )?
    .iter()
    .map(|row| Ok((u32::try_from(row.int(0)?).map_err(|_| corrupt("slot"))?, u32::try_from(row.int(1)?).map_err(|_| corrupt("count"))?)))
    .collect()
}

/// A session's invitations by state.
pub fn invitation_counts(tx: &mut dyn Tx, session_id: &str) -> Result<InvitationCounts, ApiError> {
    let mut counts = InvitationCounts::default();
    for row in tx.query("SELECT state, COUNT(*) FROM vaccination_invitations WHERE session_id = $1 GROUP BY state", &[session_id.into()])? {
        let n = u32::try_from(row.int(1)?).map_err(|_| corrupt("count"))?;
        match state_of(&row.text(0)?)? {
            InvitationState::Pending => counts.pending = n,
            InvitationState::Confirmed => counts.confirmed = n,
            InvitationState::Declined => counts.declined = n,
            InvitationState::Expired => counts.expired = n,
            InvitationState::Attended => counts.attended = n,
        }
    }
    Ok(counts)
}

/// Doses given in a session.
pub fn doses_given(tx: &mut dyn Tx, session_id: &str) -> Result<u32, ApiError> {
    let n = tx.query("SELECT COUNT(*) FROM doses WHERE session_id = $1", &[session_id.into()])?[0].int(0)?;
    u32::try_from(n).map_err(|_| corrupt("count"))
}

// ---- invitations ---------------------------------------------------------------------------------------------

/// An invitation as stored.
#[derive(Debug, Clone)]
pub struct InvitationRow {
    /// Id.
    pub id: String,
    /// The session.
    pub session_id: String,
    /// The slot.
    pub slot: u32,
    /// The person.
    pub person_id: String,
    /// Which dose.
    pub dose_number: u8,
    /// State.
    pub state: InvitationState,
    /// Answer before.
    pub answer_by: DateTime<Utc>,
    /// When invited.
    pub invited_at: DateTime<Utc>,
}

const INVITATION_COLUMNS: &str = "id, session_id, slot, person_id, dose_number, state, answer_by, invited_at";

fn invitation_from_row(row: &Row) -> Result<InvitationRow, ApiError> {
    Ok(InvitationRow {
        id: row.text(0)?,
        session_id: row.text(1)?,
        slot: u32::try_from(row.int(2)?).map_err(|_| corrupt("slot"))?,
        person_id: row.text(3)?,
        dose_number: u8::try_from(row.int(4)?).map_err(|_| corrupt("dose number"))?,
        state: state_of(&row.text(5)?)?,
        answer_by: from_ms(row.int(6)?)?,
        invited_at: from_ms(row.int(7)?)?,
    })
}

/// Stores a pending invitation.
pub fn insert_invitation(tx: &mut dyn Tx, invitation: &InvitationRow) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO vaccination_invitations (id, session_id, slot, person_id, dose_number, state, invited_at, answer_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            invitation.id.clone().into(),
            invitation.session_id.clone().into(),
            Value::Int(i64::from(invitation.slot)),
            invitation.person_id.clone().into(),
            Value::Int(i64::from(invitation.dose_number)),
            state_name(invitation.state).into(),
            Value::Int(to_ms(invitation.invited_at)),
            Value::Int(to_ms(invitation.answer_by)),
        ],
    )?;
    Ok(())
}

/// One invitation.
pub fn invitation(tx: &mut dyn Tx, id: &str) -> Result<Option<InvitationRow>, ApiError> {
    tx.query_opt(&format!("SELECT {INVITATION_COLUMNS} FROM vaccination_invitations WHERE id = $1"), &[id.into()])?
        .as_ref()
        .map(invitation_from_row)
        .transpose()
}

/// A person's invitations, newest first.
pub fn invitations_of(tx: &mut dyn Tx, person_id: &str) -> Result<Vec<InvitationRow>, ApiError> {
    tx.query(
        &format!("SELECT {INVITATION_COLUMNS} FROM vaccination_invitations WHERE person_id = $1 ORDER BY invited_at DESC, id DESC"),
        &[person_id.into()],
    )?
    .iter()
    .map(invitation_from_row)
    .collect()
}

/// Moves an invitation from one of `from` to `to`; false when it was in another state.
pub fn move_invitation(tx: &mut dyn Tx, id: &str, from: &[InvitationState], to: InvitationState, now: DateTime<Utc>, dose_id: Option<&str>) -> Result<bool, ApiError> {
    let allowed = from.iter().map(|s| format!("'{}'", state_name(*s))).collect::<Vec<_>>().join(", ");
    let changed = tx.execute(
        &format!(
            "UPDATE vaccination_invitations SET state = $1, answered_at = COALESCE(answered_at, $2), dose_id = COALESCE($3, dose_id) \
             WHERE id = $4 AND state IN ({allowed})"
        ),
        &[state_name(to).into(), Value::Int(to_ms(now)), dose_id.map(str::to_owned).into(), id.into()],
    )?;
    Ok(changed == 1)
}

/// Marks every pending invitation whose answer time has passed as expired; returns the sessions that lost a
/// place (to be refilled).
pub fn expire_due(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<Vec<String>, ApiError> {
    let rows = tx.query(
        "SELECT DISTINCT session_id FROM vaccination_invitations WHERE state = 'pending' AND answer_by <= $1 ORDER BY session_id",
        &[Value::Int(to_ms(now))],
    )?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    tx.execute("UPDATE vaccination_invitations SET state = 'expired' WHERE state = 'pending' AND answer_by <= $1", &[Value::Int(to_ms(now))])?;
    rows.iter().map(|r| Ok(r.text(0)?)).collect()
}

/// Records that an invitation's SMS went to the sender.
pub fn mark_sms_sent(tx: &mut dyn Tx, id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute("UPDATE vaccination_invitations SET sms_sent_at = $1 WHERE id = $2", &[Value::Int(to_ms(now)), id.into()])?;
    Ok(())
}

// ---- doses ---------------------------------------------------------------------------------------------------

/// A person's counted doses: given at a site, or self-reported and confirmed with a known product.
pub fn counted_doses(tx: &mut dyn Tx, person_id: &str) -> Result<Vec<CountedDose>, ApiError> {
    tx.query(
        "SELECT product_code, dose_number, dose_date FROM doses WHERE person_id = $1 AND product_code IS NOT NULL \
         AND (source = 'site' OR confirmed_at IS NOT NULL) ORDER BY dose_number, dose_date",
        &[person_id.into()],
    )?
    .iter()
    .map(|row| {
        Ok(CountedDose {
            product: product_of(&row.text(0)?)?,
            dose_number: u8::try_from(row.int(1)?).map_err(|_| corrupt("dose number"))?,
            date: date_of(&row.text(2)?)?,
        })
    })
    .collect()
}

/// A person's dose record with `dose_number`: its id, date and product code.
pub fn dose_numbered(tx: &mut dyn Tx, person_id: &str, dose_number: u8) -> Result<Option<(String, NaiveDate, Option<String>)>, ApiError> {
    tx.query_opt(
        "SELECT id, dose_date, product_code FROM doses WHERE person_id = $1 AND dose_number = $2 ORDER BY recorded_at, id LIMIT 1",
        &[person_id.into(), Value::Int(i64::from(dose_number))],
    )?
    .map(|row| Ok((row.text(0)?, date_of(&row.text(1)?)?, row.opt_text(2)?)))
    .transpose()
}

/// Sets where a dose was given and its product code.
pub fn set_dose_origin(tx: &mut dyn Tx, dose_id: &str, site_id: Option<&str>, session_id: Option<&str>, product: VaccineProduct) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE doses SET site_id = $1, session_id = $2, product_code = $3 WHERE id = $4",
        &[site_id.map(str::to_owned).into(), session_id.map(str::to_owned).into(), product.as_str().into(), dose_id.into()],
    )?;
    Ok(())
}

/// The site that gave a dose, if a site did.
pub fn site_of_dose(tx: &mut dyn Tx, dose_id: &str) -> Result<Option<String>, ApiError> {
    Ok(tx.query_opt("SELECT site_id FROM doses WHERE id = $1", &[dose_id.into()])?.map(|r| r.opt_text(0)).transpose()?.flatten())
}

// ---- certificates --------------------------------------------------------------------------------------------

/// A certificate to store.
pub struct NewCertificate<'a> {
    /// `ci`.
    pub uvci: &'a str,
    /// The person.
    pub person_id: &'a str,
    /// The dose it states.
    pub dose_id: &'a str,
    /// What it states.
    pub view: &'a CertificateView,
    /// The signing site (or `records` for the records key).
    pub site_id: &'a str,
}

/// Stores a certificate as the person's current one, marking the previous current one replaced.
pub fn insert_certificate(tx: &mut dyn Tx, cert: &NewCertificate<'_>, now: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE vaccination_certificates SET replaced_at = $1 WHERE person_id = $2 AND replaced_at IS NULL",
        &[Value::Int(to_ms(now)), cert.person_id.into()],
    )?;
    let view = cert.view;
    tx.execute(
        "INSERT INTO vaccination_certificates (uvci, person_id, dose_id, dose_number, series_doses, product, dose_date, qr, site_id, issued_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            cert.uvci.into(),
            cert.person_id.into(),
            cert.dose_id.into(),
            Value::Int(i64::from(view.dose_number)),
            Value::Int(i64::from(view.series_doses)),
            view.product.as_str().into(),
            date_text(view.date).into(),
            view.qr.clone().into(),
            cert.site_id.into(),
            Value::Int(to_ms(view.issued_at)),
            Value::Int(to_ms(view.expires_at)),
        ],
    )?;
    Ok(())
}

const CERTIFICATE_COLUMNS: &str = "uvci, qr, dose_number, series_doses, product, dose_date, issued_at, expires_at, replaced_at";

fn certificate_from_row(row: &Row) -> Result<CertificateView, ApiError> {
    Ok(CertificateView {
        uvci: row.text(0)?,
        qr: row.text(1)?,
        dose_number: u8::try_from(row.int(2)?).map_err(|_| corrupt("dose number"))?,
        series_doses: u8::try_from(row.int(3)?).map_err(|_| corrupt("series"))?,
        product: product_of(&row.text(4)?)?,
        date: date_of(&row.text(5)?)?,
        issued_at: from_ms(row.int(6)?)?,
        expires_at: from_ms(row.int(7)?)?,
        replaced_at: row.opt_int(8)?.map(from_ms).transpose()?,
    })
}

/// The current certificate of a person.
pub fn current_certificate(tx: &mut dyn Tx, person_id: &str) -> Result<Option<CertificateView>, ApiError> {
    tx.query_opt(
        &format!("SELECT {CERTIFICATE_COLUMNS} FROM vaccination_certificates WHERE person_id = $1 AND replaced_at IS NULL ORDER BY issued_at DESC LIMIT 1"),
        &[person_id.into()],
    )?
    .as_ref()
    .map(certificate_from_row)
    .transpose()
}

/// The current certificate issued for one dose, if that dose's certificate is still the current one.
pub fn certificate_of_dose(tx: &mut dyn Tx, dose_id: &str) -> Result<Option<CertificateView>, ApiError> {
    tx.query_opt(
        &format!("SELECT {CERTIFICATE_COLUMNS} FROM vaccination_certificates WHERE dose_id = $1 ORDER BY issued_at DESC, uvci LIMIT 1"),
        &[dose_id.into()],
    )?
    .as_ref()
    .map(certificate_from_row)
    .transpose()
}

/// The certificates a person's current one replaced, newest first.
pub fn certificate_history(tx: &mut dyn Tx, person_id: &str) -> Result<Vec<CertificateView>, ApiError> {
    tx.query(
        &format!("SELECT {CERTIFICATE_COLUMNS} FROM vaccination_certificates WHERE person_id = $1 AND replaced_at IS NOT NULL ORDER BY issued_at DESC, replaced_at DESC, uvci"),
        &[person_id.into()],
    )?
    .iter()
    .map(certificate_from_row)
    .collect()
}
