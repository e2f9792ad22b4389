//! The citizen's vaccination (issue 12): each profile's registration, doses, invitations and certificate wallet.
//!
//! Registering and answering an invitation go through the outbox (stored and queued in one transaction, sent
//! with a fixed idempotency key), so that neither is lost offline nor sent twice; the phone then tries to
//! deliver at once. While an answer waits, the invitation shows it with `answer_pending`. A `409
//! invitation_closed` is final: the invitation is marked closed with its reason instead of being retried.
//! [`Vaccinations::refresh`] reads the records and invitations of the device's bound profiles and replaces the
//! phone's view in one transaction, after verifying every certificate offline with the phone's trust store:
//! when one does not verify (or does not state what its record says) nothing is stored and the error names the
//! problem. Certificates are never deleted by a refresh: one the server replaced stays in the history.
//!
//! Files: `model.rs` (what the phone keeps and shows), `db.rs` (schema 13 tables, sealed), `error.rs`.

// The files sit beside this one in `vaccination/` (with the communes' lists), so their paths are given.
#[path = "db.rs"]
pub mod db;
#[path = "error.rs"]
mod error;
#[path = "model.rs"]
pub mod model;

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use healthbook_protocol::vaccination::{
    next_dose_due, AnswerInvitationRequest, CertificateView, InvitationList, InvitationView, RegisterRequest, RegistrationView,
    VaccinationRecords,
};
use healthbook_protocol::volunteers::DoseView;
use healthbook_protocol::ErrorCode;
use rusqlite::{OptionalExtension, Transaction};
use serde_json::Value;

pub use error::VaccinationError;
pub use model::{
    local_date, Certificate, CertificateProblem, ClosedReason, Dose, DoseSource, Invitation, InvitationAnswer, InvitationState,
    ProfileRecord, Registration, RegistrationSource, RegistrationState, Reminder, ReminderKind, VaccineProduct,
};

use self::db::{InvitationRow, StoredInvitation, ANSWER_KIND, REGISTRATION_KIND};
use crate::clock::Clock;
use crate::credentials::{CredentialKind, DccEntry, FailedStage, PayloadSummary};
use crate::healthbook::Healthbook;
use crate::outbox::{self, NewOutboxItem, OutboxError, OutboxItem, ReceiptError, ReceiptHandler, SyncEngine, SyncReport};
use crate::persons::{HttpPersonsTransport, Persons, PersonsTransport, TransportError, Verb};
use crate::profiles::Profiles;
use crate::sealing::Sealer;
use crate::session::{Session, SessionError};
use crate::storage::{Database, StorageError};
use crate::trust::{Trust, TrustStoreError};

/// Records of the device's bound profiles (device).
pub const RECORDS_PATH: &str = "/v1/vaccination/records";
/// Invitations of the device's bound profiles (device).
pub const INVITATIONS_PATH: &str = "/v1/vaccination/invitations";
/// Registration of a bound profile (device).
pub const REGISTER_PATH: &str = "/v1/vaccination/registrations";
/// Days an invitation is kept after its slot ended.
pub const INVITATION_RETENTION_DAYS: i64 = 30;

/// How the vaccination area reaches the server: reads, and delivery of the outbox.
#[async_trait]
pub trait VaccinationTransport: Send + Sync {
    /// GETs `path` as this device; the JSON answer.
    async fn get(&self, path: &str) -> Result<Value, TransportError>;
    /// Delivers what is due in the outbox with `engine` (the phone's whole queue, in order).
    async fn deliver(&self, engine: &SyncEngine) -> Result<SyncReport, OutboxError>;
}

/// The transport to the configured server, signed in as this installation's device.
pub struct HttpVaccinationTransport {
    session: Session,
    reads: HttpPersonsTransport,
}

impl HttpVaccinationTransport {
    /// A transport through `session`.
    pub fn new(session: Session) -> Self {
        Self { reads: HttpPersonsTransport::new(session.clone()), session }
    }
}

#[async_trait]
impl VaccinationTransport for HttpVaccinationTransport {
    async fn get(&self, path: &str) -> Result<Value, TransportError> {
        self.reads.send(Verb::Get, path, None).await
    }

    async fn deliver(&self, engine: &SyncEngine) -> Result<SyncReport, OutboxError> {
        let url = self.session.server_url().await?.ok_or(OutboxError::NoServer)?;
        match self.session.connect(&url).await {
            Ok(client) => engine.sync_now(&outbox::http::ServerTransport::new(client), None).await,
            // Offline: the items wait for the next sync; nothing was attempted.
            Err(SessionError::Client(e)) if e.is_transient() => Ok(SyncReport { server_unreachable: true, ..SyncReport::default() }),
            Err(e) => Err(e.into()),
        }
    }
}

/// The citizen's vaccination area; obtained from [`Healthbook::vaccinations`].
#[derive(Clone)]
pub struct Vaccinations {
    db: Database,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
    profiles: Profiles,
    persons: Persons,
    trust: Trust,
    engine: Arc<SyncEngine>,
    transport: Arc<dyn VaccinationTransport>,
}

impl Vaccinations {
    /// Registers the bound profile `profile_id` for vaccination in the commune `ward_code` (five digits). The
    /// request is queued in the outbox and sent at once when the server can be reached. Registering again in
    /// the same commune changes nothing; a registration the server refused can be sent again.
    pub async fn register(&self, profile_id: &str, ward_code: &str) -> Result<ProfileRecord, VaccinationError> {
        let ward = ward_code.trim().to_owned();
        if !crate::admin_units::is_ward_code(&ward) {
            return Err(VaccinationError::InvalidWard);
        }
        let profile = self.profiles.get(profile_id).await?;
        if self.persons.binding(&profile.id).await?.is_none() {
            return Err(VaccinationError::NotBound);
        }
        let (sealer, now, id) = (self.sealer.clone(), self.clock.now(), profile.id.clone());
        self.db
            .write(move |tx| {
                let mut stored = db::record(tx, &sealer, &id)?.map(|(r, _)| r).unwrap_or_default();
                match &stored.registration {
                    Some(r) if r.state == RegistrationState::Registered && r.ward_code == ward => return Ok(()),
                    Some(r) if r.state == RegistrationState::Registered => return Err(VaccinationError::AlreadyRegistered),
                    Some(r) if r.state == RegistrationState::Queued && r.ward_code == ward => return Ok(()),
                    _ => {}
                }
                // A queued request for another commune is replaced by this one.
                tx.execute("DELETE FROM outbox WHERE kind = ?1 AND subject_id = ?2", (REGISTRATION_KIND, &id))?;
                stored.registration = Some(Registration {
                    ward_code: ward.clone(),
                    state: RegistrationState::Queued,
                    registration_id: None,
                    priority_group: None,
                    source: None,
                    requested_at: now,
                    registered_at: None,
                    refused_reason: None,
                });
                db::put_record(tx, &sealer, &id, &stored, None)?;
                let body = serde_json::to_value(RegisterRequest { profile_ref: id.clone(), ward_code: ward })
                    .map_err(|_| VaccinationError::Corrupt("request body"))?;
                outbox::db::enqueue(tx, &sealer, now, NewOutboxItem {
                    kind: REGISTRATION_KIND.into(),
                    subject_id: Some(id.clone()),
                    path: REGISTER_PATH.into(),
                    body,
                })?;
                Ok(())
            })
            .await?;
        self.deliver().await;
        self.record(&profile.id).await
    }

    /// Confirms (`true`) or declines (`false`) an invitation. The answer is queued in the outbox and sent at once
    /// when the server can be reached; until then the invitation shows it with `answer_pending`.
    pub async fn answer(&self, invitation_id: &str, confirm: bool) -> Result<Invitation, VaccinationError> {
        let answer = if confirm { InvitationAnswer::Confirm } else { InvitationAnswer::Decline };
        let current = self.invitation(invitation_id).await?;
        let now = self.clock.now();
        if current.pending_answer == Some(answer) {
            self.deliver().await;
            return self.invitation(invitation_id).await;
        }
        if !current.open_for_answer(now) {
            return Err(VaccinationError::InvitationClosed);
        }
        if current.pending_answer.is_none() && current.server_state == InvitationState::Confirmed && answer == InvitationAnswer::Confirm {
            return Ok(current);
        }
        let (sealer, id) = (self.sealer.clone(), invitation_id.to_owned());
        self.db
            .write(move |tx| {
                let mut row = db::invitation(tx, &sealer, &id)?.ok_or(VaccinationError::UnknownInvitation)?;
                // The person changed their mind before the first answer left: only the last one is sent.
                db::unqueue_answers(tx, &id)?;
                let body = serde_json::to_value(AnswerInvitationRequest { answer }).map_err(|_| VaccinationError::Corrupt("request body"))?;
                outbox::db::enqueue(tx, &sealer, now, NewOutboxItem {
                    kind: ANSWER_KIND.into(),
                    subject_id: Some(id.clone()),
                    path: format!("{INVITATIONS_PATH}/{}/answer", crate::client::segment(&id)),
                    body,
                })?;
                row.stored.pending_answer = Some(answer);
                row.stored.closed_reason = None;
                db::put_invitation(tx, &sealer, &row.profile_id, &row.stored)
            })
            .await?;
        self.deliver().await;
        self.invitation(invitation_id).await
    }

    /// Reads the records and invitations of the device's bound profiles from the server, verifies every
    /// certificate offline, and replaces the phone's view in one transaction; returns every profile's record.
    pub async fn refresh(&self) -> Result<Vec<ProfileRecord>, VaccinationError> {
        // Queued registrations and answers go first, so that the server's answer already counts them.
        self.deliver().await;
        let records: VaccinationRecords =
            serde_json::from_value(self.transport.get(RECORDS_PATH).await?).map_err(|_| VaccinationError::BadAnswer)?;
        let invitations: InvitationList =
            serde_json::from_value(self.transport.get(INVITATIONS_PATH).await?).map_err(|_| VaccinationError::BadAnswer)?;
        self.check_certificates(&records).await.map_err(VaccinationError::Certificate)?;
        let (sealer, now) = (self.sealer.clone(), self.clock.now());
        self.db.write(move |tx| apply_refresh(tx, &sealer, records, invitations, now)).await?;
        self.records().await
    }

    /// Every profile's record from the phone's store (works offline), in the profiles' order.
    pub async fn records(&self) -> Result<Vec<ProfileRecord>, VaccinationError> {
        let profiles = self.profiles.list().await?;
        let sealer = self.sealer.clone();
        self.db
            .read(move |conn| {
                profiles
                    .into_iter()
                    .map(|p| {
                        let kept = db::record(conn, &sealer, &p.id)?;
                        let certificates = db::certificates(conn, &sealer, &p.id)?;
                        Ok(build_record(p.id, p.details.full_name, kept, certificates))
                    })
                    .collect()
            })
            .await
    }

    /// The record of one profile.
    pub async fn record(&self, profile_id: &str) -> Result<ProfileRecord, VaccinationError> {
        let profile = self.profiles.get(profile_id).await?;
        let sealer = self.sealer.clone();
        self.db
            .read(move |conn| {
                let kept = db::record(conn, &sealer, &profile.id)?;
                let certificates = db::certificates(conn, &sealer, &profile.id)?;
                Ok(build_record(profile.id, profile.details.full_name, kept, certificates))
            })
            .await
    }

    /// Every kept invitation, newest slot first.
    pub async fn invitations(&self) -> Result<Vec<Invitation>, VaccinationError> {
        let sealer = self.sealer.clone();
        let mut list: Vec<Invitation> = self.db.read(move |conn| db::invitations(conn, &sealer)).await?.into_iter().map(invitation_of).collect();
        list.sort_by(|a, b| b.starts_at.cmp(&a.starts_at).then_with(|| a.invitation_id.cmp(&b.invitation_id)));
        Ok(list)
    }

    /// The kept invitation `invitation_id`.
    pub async fn invitation(&self, invitation_id: &str) -> Result<Invitation, VaccinationError> {
        let (sealer, id) = (self.sealer.clone(), invitation_id.to_owned());
        let row = self.db.read(move |conn| db::invitation(conn, &sealer, &id)).await?;
        row.map(invitation_of).ok_or(VaccinationError::UnknownInvitation)
    }

    /// What the shell should remind the person of at `now`: profiles with a dose due within `within_days` days
    /// (or overdue) that no open invitation covers yet, and invitations waiting for an answer.
    pub async fn reminders(&self, now: DateTime<Utc>, within_days: u32) -> Result<Vec<Reminder>, VaccinationError> {
        let records = self.records().await?;
        let invitations = self.invitations().await?;
        let horizon = local_date(now).checked_add_days(chrono::Days::new(within_days.into())).unwrap_or(NaiveDate::MAX);
        let mut reminders = Vec::new();
        for record in &records {
            let covered = invitations.iter().any(|i| {
                i.profile_id == record.profile_id
                    && i.ends_at > now
                    && i.closed_reason.is_none()
                    && matches!(i.state, InvitationState::Pending | InvitationState::Confirmed)
            });
            if let Some(due) = record.next_due.filter(|due| *due <= horizon && !covered) {
                reminders.push(Reminder {
                    profile_id: record.profile_id.clone(),
                    profile_name: record.profile_name.clone(),
                    kind: ReminderKind::DoseDue,
                    due_on: Some(due),
                    invitation_id: None,
                    answer_by: None,
                });
            }
        }
        for invitation in invitations.iter().rev() {
            let waiting = invitation.server_state == InvitationState::Pending && !invitation.answer_pending && invitation.open_for_answer(now);
            if waiting {
                let name = records.iter().find(|r| r.profile_id == invitation.profile_id).map(|r| r.profile_name.clone()).unwrap_or_default();
                reminders.push(Reminder {
                    profile_id: invitation.profile_id.clone(),
                    profile_name: name,
                    kind: ReminderKind::InvitationToAnswer,
                    due_on: None,
                    invitation_id: Some(invitation.invitation_id.clone()),
                    answer_by: Some(invitation.answer_by),
                });
            }
        }
        Ok(reminders)
    }

    /// Deletes invitations [`INVITATION_RETENTION_DAYS`] after their slot ended; returns how many.
    pub async fn purge_expired(&self) -> Result<usize, VaccinationError> {
        let cutoff = self.clock.now() - Duration::days(INVITATION_RETENTION_DAYS);
        self.db.write(move |tx| db::purge_invitations(tx, cutoff)).await
    }

    /// Tries to send what waits in the outbox; a failure leaves it queued for the next sync.
    async fn deliver(&self) {
        match self.transport.deliver(&self.engine).await {
            Ok(report) if report.server_unreachable => tracing::info!("server unreachable: vaccination requests stay queued"),
            Ok(_) | Err(OutboxError::NoServer) => {}
            Err(e) => tracing::warn!(error = %e, "could not deliver the outbox"),
        }
    }

    /// Verifies every certificate of `records`, fetching the trust list once when a signer is unknown.
    async fn check_certificates(&self, records: &VaccinationRecords) -> Result<(), CertificateProblem> {
        let unknown = CertificateProblem::DoesNotVerify(FailedStage::UnknownKey.as_str().to_owned());
        match self.check_each(records) {
            Err(problem) if problem == unknown => match self.trust.refresh().await {
                Ok(_) => self.check_each(records),
                Err(TrustStoreError::NoRootKey | TrustStoreError::NoServer) => Err(CertificateProblem::NoTrustList),
                Err(_) => Err(problem),
            },
            other => other,
        }
    }

    fn check_each(&self, records: &VaccinationRecords) -> Result<(), CertificateProblem> {
        for profile in &records.profiles {
            for certificate in profile.certificate.iter().chain(&profile.history) {
                self.check_certificate(certificate)?;
            }
        }
        Ok(())
    }

    /// Verifies one certificate offline and checks that it states what its record says.
    fn check_certificate(&self, view: &CertificateView) -> Result<(), CertificateProblem> {
        let verdict = self.trust.verify(&view.qr).map_err(|_| CertificateProblem::NoTrustList)?;
        // An expired certificate is still authentic (signature, signer and role checked first): a replaced one
        // in the history often is, and the wallet shows its expiry.
        if !verdict.valid && verdict.stage != Some(FailedStage::Expired) {
            return Err(CertificateProblem::DoesNotVerify(verdict.stage.map_or("unknown", FailedStage::as_str).to_owned()));
        }
        if verdict.kind != CredentialKind::EuDccVaccination {
            return Err(CertificateProblem::NotVaccination);
        }
        let Some(PayloadSummary::EuDcc(dcc)) = &verdict.payload else { return Err(CertificateProblem::NotVaccination) };
        let Some(DccEntry::Vaccination { dose_number, total_doses, date, product, uvci, .. }) = dcc.entries.first() else {
            return Err(CertificateProblem::NotVaccination);
        };
        let mismatch = |field: &str| Err(CertificateProblem::Mismatch(field.to_owned()));
        if *uvci != view.uvci {
            return mismatch("uvci");
        }
        if *dose_number != u64::from(view.dose_number) {
            return mismatch("dose_number");
        }
        if *total_doses != u64::from(view.series_doses) {
            return mismatch("series_doses");
        }
        if *date != view.date.to_string() {
            return mismatch("date");
        }
        if product != view.product.eu_product() {
            return mismatch("product");
        }
        Ok(())
    }
}

/// Replaces the phone's view with the server's, inside one transaction.
fn apply_refresh(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    records: VaccinationRecords,
    invitations: InvitationList,
    now: DateTime<Utc>,
) -> Result<(), VaccinationError> {
    for profile in records.profiles {
        let id = profile.profile_ref.clone();
        if !db::profile_exists(tx, &id)? {
            continue;
        }
        let mut stored = db::record(tx, sealer, &id)?.map(|(r, _)| r).unwrap_or_default();
        stored.registration = match (profile.registration, stored.registration.take()) {
            (Some(view), kept) => Some(registered(view, kept.as_ref())),
            // What the server has not received yet (or refused) stays as the phone knows it.
            (None, Some(kept)) if kept.state != RegistrationState::Registered => Some(kept),
            (None, _) => None,
        };
        stored.doses = profile.doses;
        stored.server_next_due = profile.next_due;
        db::put_record(tx, sealer, &id, &stored, Some(now))?;

        let kept = db::certificates(tx, sealer, &id)?;
        if let Some(current) = &profile.certificate {
            for mut older in kept.iter().filter(|c| c.replaced_at.is_none() && c.uvci != current.uvci).cloned() {
                older.replaced_at = Some(now);
                db::put_certificate(tx, sealer, &id, &older)?;
            }
        }
        for view in &profile.history {
            let known = kept.iter().find(|c| c.uvci == view.uvci).and_then(|c| c.replaced_at);
            let replaced_at = view.replaced_at.or(known).unwrap_or(now);
            db::put_certificate(tx, sealer, &id, &certificate_of(view, Some(replaced_at)))?;
        }
        if let Some(current) = &profile.certificate {
            db::put_certificate(tx, sealer, &id, &certificate_of(current, None))?;
        }
    }
    let mut listed = Vec::with_capacity(invitations.invitations.len());
    for view in invitations.invitations {
        let profile_id = view.profile_ref.clone();
        if !db::profile_exists(tx, &profile_id)? {
            continue;
        }
        listed.push(view.invitation_id.clone());
        let kept = db::invitation(tx, sealer, &view.invitation_id)?.map(|r| r.stored);
        let pending_answer = if db::answer_queued(tx, &view.invitation_id)? { kept.as_ref().and_then(|k| k.pending_answer) } else { None };
        // A state the server gives after the refusal explains it; until then the refusal stands.
        let closed_reason = match view.state {
            InvitationState::Pending | InvitationState::Confirmed => kept.and_then(|k| k.closed_reason),
            _ => None,
        };
        db::put_invitation(tx, sealer, &profile_id, &StoredInvitation { view, pending_answer, closed_reason })?;
    }
    db::drop_invitations_except(tx, &listed)?;
    Ok(())
}

fn registered(view: RegistrationView, kept: Option<&Registration>) -> Registration {
    Registration {
        ward_code: view.ward_code,
        state: RegistrationState::Registered,
        registration_id: Some(view.registration_id),
        priority_group: view.priority_group,
        source: Some(view.source),
        requested_at: kept.map_or(view.registered_at, |k| k.requested_at),
        registered_at: Some(view.registered_at),
        refused_reason: None,
    }
}

fn certificate_of(view: &CertificateView, replaced_at: Option<DateTime<Utc>>) -> Certificate {
    Certificate {
        uvci: view.uvci.clone(),
        qr: view.qr.clone(),
        dose_number: view.dose_number,
        series_doses: view.series_doses,
        product: view.product,
        date: view.date,
        issued_at: view.issued_at,
        expires_at: view.expires_at,
        replaced_at,
    }
}

/// A dose as shown: a self-reported dose counts only once an officer confirmed it.
fn dose_of(view: &DoseView) -> Dose {
    let confirmed = match view.source {
        DoseSource::Site => true,
        DoseSource::SelfReported => view.confirmed_at.is_some(),
    };
    Dose {
        dose_id: view.dose_id.clone(),
        dose_number: view.dose_number,
        date: view.date,
        product_code: view.product.clone(),
        product_name: VaccineProduct::parse(&view.product).map_or_else(|| view.product.clone(), |p| p.display_name().to_owned()),
        lot: view.lot.clone(),
        source: view.source,
        self_reported: view.source == DoseSource::SelfReported && !confirmed,
        confirmed,
    }
}

/// The next due date from the latest counted dose (the contract's rule, as the server applies it); the
/// server's date when the product is not one the rule knows.
fn next_due(doses: &[Dose], server: Option<NaiveDate>) -> Option<NaiveDate> {
    let latest = doses.iter().filter(|d| d.confirmed).max_by_key(|d| (d.dose_number, d.date));
    match latest.and_then(|d| d.product().map(|p| (p, d))) {
        Some((product, dose)) => next_dose_due(product, dose.dose_number, dose.date),
        None => server,
    }
}

fn build_record(
    profile_id: String,
    profile_name: String,
    kept: Option<db::KeptRecord>,
    certificates: Vec<Certificate>,
) -> ProfileRecord {
    let (stored, refreshed_at) = kept.unwrap_or_default();
    let mut doses: Vec<Dose> = stored.doses.iter().map(dose_of).collect();
    doses.sort_by_key(|d| (d.date, d.dose_number));
    let (mut history, mut current): (Vec<Certificate>, Vec<Certificate>) = certificates.into_iter().partition(|c| c.replaced_at.is_some());
    history.sort_by(|a, b| b.replaced_at.cmp(&a.replaced_at).then_with(|| b.issued_at.cmp(&a.issued_at)));
    current.sort_by_key(|c| std::cmp::Reverse(c.issued_at));
    ProfileRecord {
        next_due: next_due(&doses, stored.server_next_due),
        profile_id,
        profile_name,
        registration: stored.registration,
        doses,
        certificate: current.into_iter().next(),
        history,
        refreshed_at,
    }
}

fn invitation_of(row: InvitationRow) -> Invitation {
    let InvitationRow { profile_id, stored } = row;
    let view: InvitationView = stored.view;
    let state = match (stored.pending_answer, stored.closed_reason) {
        (Some(InvitationAnswer::Confirm), _) => InvitationState::Confirmed,
        (Some(InvitationAnswer::Decline), _) => InvitationState::Declined,
        // The server closed a place the person had not answered for: it went to someone else.
        (None, Some(ClosedReason::InvitationClosed)) if view.state == InvitationState::Pending => InvitationState::Expired,
        _ => view.state,
    };
    Invitation {
        invitation_id: view.invitation_id,
        profile_id,
        site_name: view.site_name,
        site_address: view.site_address,
        starts_at: view.starts_at,
        ends_at: view.ends_at,
        product: view.product,
        dose_number: view.dose_number,
        state,
        server_state: view.state,
        answer_by: view.answer_by,
        answer_pending: stored.pending_answer.is_some(),
        pending_answer: stored.pending_answer,
        closed_reason: stored.closed_reason,
    }
}

fn receipt_error(e: VaccinationError) -> ReceiptError {
    match e {
        VaccinationError::Storage(s) => ReceiptError::Storage(s),
        VaccinationError::Sealing(s) => ReceiptError::Sealing(s),
        other => ReceiptError::Storage(StorageError::Task(other.to_string())),
    }
}

fn storage_error(e: VaccinationError) -> StorageError {
    match e {
        VaccinationError::Storage(s) => s,
        other => StorageError::Task(other.to_string()),
    }
}

/// Applies the server's answer to a queued registration.
pub struct RegistrationReceipts {
    sealer: Arc<Sealer>,
}

impl RegistrationReceipts {
    /// A handler sealing with `sealer`.
    pub fn new(sealer: Arc<Sealer>) -> Self {
        Self { sealer }
    }

    fn update(&self, tx: &Transaction<'_>, item: &OutboxItem, change: impl FnOnce(Option<Registration>) -> Option<Registration>) -> Result<(), VaccinationError> {
        let profile_id = item.subject_id.as_deref().unwrap_or_default();
        // The profile was removed while the request waited: nothing to update.
        if !db::profile_exists(tx, profile_id)? {
            return Ok(());
        }
        let mut stored = db::record(tx, &self.sealer, profile_id)?.map(|(r, _)| r).unwrap_or_default();
        stored.registration = change(stored.registration.take());
        db::put_record(tx, &self.sealer, profile_id, &stored, None)
    }
}

impl ReceiptHandler for RegistrationReceipts {
    fn kind(&self) -> &'static str {
        REGISTRATION_KIND
    }

    fn apply(&self, tx: &Transaction<'_>, item: &OutboxItem, receipt: &Value) -> Result<(), ReceiptError> {
        let view: RegistrationView = serde_json::from_value(receipt.clone())
            .map_err(|_| crate::declarations::ReceiptRefusal::Malformed("not a vaccination registration"))?;
        self.update(tx, item, |kept| Some(registered(view, kept.as_ref()))).map_err(receipt_error)
    }

    fn rejected(&self, tx: &Transaction<'_>, item: &OutboxItem, reason: &str) -> Result<(), StorageError> {
        self.update(tx, item, |kept| {
            kept.map(|mut r| {
                r.state = RegistrationState::Refused;
                r.refused_reason = Some(reason.to_owned());
                r
            })
        })
        .map_err(storage_error)
    }
}

/// Applies the server's answer to a queued invitation answer.
pub struct AnswerReceipts {
    sealer: Arc<Sealer>,
}

impl AnswerReceipts {
    /// A handler sealing with `sealer`.
    pub fn new(sealer: Arc<Sealer>) -> Self {
        Self { sealer }
    }

    fn update(&self, tx: &Transaction<'_>, item: &OutboxItem, change: impl FnOnce(&mut StoredInvitation)) -> Result<(), VaccinationError> {
        let id = item.subject_id.as_deref().unwrap_or_default();
        let Some(mut row) = db::invitation(tx, &self.sealer, id)? else { return Ok(()) };
        change(&mut row.stored);
        // A newer answer queued while this one was on its way is still pending.
        let newer: Option<i64> = tx
            .query_row(
                "SELECT id FROM outbox WHERE kind = ?1 AND subject_id = ?2 AND state = 'pending' AND id != ?3 LIMIT 1",
                (ANSWER_KIND, id, item.id),
                |r| r.get(0),
            )
            .optional()?;
        if newer.is_none() {
            row.stored.pending_answer = None;
        }
        db::put_invitation(tx, &self.sealer, &row.profile_id, &row.stored)
    }
}

impl ReceiptHandler for AnswerReceipts {
    fn kind(&self) -> &'static str {
        ANSWER_KIND
    }

    fn apply(&self, tx: &Transaction<'_>, item: &OutboxItem, receipt: &Value) -> Result<(), ReceiptError> {
        let view: InvitationView = serde_json::from_value(receipt.clone())
            .map_err(|_| crate::declarations::ReceiptRefusal::Malformed("not an invitation"))?;
        self.update(tx, item, |stored| {
            // The answer's view names no profile (the list does); the kept one stays.
            let profile_ref = std::mem::take(&mut stored.view.profile_ref);
            stored.view = InvitationView { profile_ref, ..view };
            stored.closed_reason = None;
        })
        .map_err(receipt_error)
    }

    fn rejected(&self, tx: &Transaction<'_>, item: &OutboxItem, reason: &str) -> Result<(), StorageError> {
        let closed = reason.contains(ErrorCode::InvitationClosed.as_str());
        self.update(tx, item, |stored| {
            stored.closed_reason = Some(if closed { ClosedReason::InvitationClosed } else { ClosedReason::AnswerRefused });
        })
        .map_err(storage_error)
    }
}

impl Healthbook {
    /// The citizen's vaccination area, through the configured server.
    pub fn vaccinations(&self) -> Vaccinations {
        self.vaccinations_with(Arc::new(HttpVaccinationTransport::new(self.session())))
    }

    /// The vaccination area through another transport (tests, or a server reached another way).
    pub fn vaccinations_with(&self, transport: Arc<dyn VaccinationTransport>) -> Vaccinations {
        Vaccinations {
            db: self.db.clone(),
            sealer: self.sealer.clone(),
            clock: self.clock.clone(),
            profiles: self.profiles(),
            persons: self.persons(),
            trust: self.trust(),
            engine: self.sync.clone(),
            transport,
        }
    }
}
