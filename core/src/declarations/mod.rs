//! Health and movement declarations: forms as data, validation per field, and offline submission through
//! the outbox, so a declaration is never lost and never sent twice.
//!
//! Files: `forms.rs` (form model, bundled forms), `localized.rs` (a form in one language, for screens and
//! prompts), `answers.rs` (typed answers and their JSON form), `validate.rs` (answers against a form version, localised
//! field errors), `db.rs` (declarations, form cache, health status), `receipt.rs` (checking the server's signed
//! receipt), `error.rs`.

pub mod answers;
#[cfg(feature = "phone")]
pub mod db;
#[cfg(feature = "phone")]
pub mod error;
pub mod forms;
pub mod localized;
#[cfg(feature = "phone")]
pub mod receipt;
pub mod validate;

#[cfg(feature = "phone")]
use std::sync::Arc;

#[cfg(feature = "phone")]
use chrono::{Duration, SubsecRound};
#[cfg(feature = "phone")]
use rusqlite::Transaction;
#[cfg(feature = "phone")]
use serde_json::Value;

#[cfg(feature = "phone")]
pub use db::{Declaration, DeclarationStatus, HealthStatus};
#[cfg(feature = "phone")]
pub use error::DeclarationError;
pub use answers::{Answer, answers_json, typed_answers};
pub use forms::{Form, FormField, FieldKind, Localized};
pub use localized::{localized_form, localized_question, LocalizedChoice, LocalizedCondition, LocalizedForm, LocalizedKind, LocalizedQuestion};
#[cfg(feature = "phone")]
pub use receipt::{ReceiptClaims, ReceiptRefusal};
pub use validate::{FieldError, FieldErrorCode};
pub use healthbook_protocol::RECEIPT_TYP;

#[cfg(feature = "phone")]
use healthbook_protocol::{DeclarationSubject, FilledBy, SubmitDeclarationRequest};

#[cfg(feature = "phone")]
use crate::clock::Clock;
#[cfg(feature = "phone")]
use crate::outbox::{self, NewOutboxItem, OutboxItem, ReceiptError, ReceiptHandler};
#[cfg(feature = "phone")]
use crate::profiles::{self, ProfileRelation};
#[cfg(feature = "phone")]
use crate::sealing::Sealer;
#[cfg(feature = "phone")]
use crate::settings::Language;
#[cfg(feature = "phone")]
use crate::storage::{Database, StorageError};

/// Outbox kind of a declaration submission.
#[cfg(feature = "phone")]
pub const OUTBOX_KIND: &str = "declaration";
/// Server path declarations are posted to.
#[cfg(feature = "phone")]
pub const SUBMIT_PATH: &str = "/v1/declarations";
/// How long the phone keeps a sent declaration (the incubation period plus a margin, as in CWA's 14-21 days).
#[cfg(feature = "phone")]
pub const RETENTION_DAYS: i64 = 21;

#[cfg(feature = "phone")]
/// Declaration operations; obtained from [`crate::Healthbook::declarations`].
#[derive(Clone)]
pub struct Declarations {
    db: Database,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
}

#[cfg(feature = "phone")]
impl Declarations {
    pub(crate) fn new(db: Database, sealer: Arc<Sealer>, clock: Arc<dyn Clock>) -> Self {
        Self { db, sealer, clock }
    }

    /// The newest version of every form: cached from the server, else bundled with the app.
    pub async fn forms(&self) -> Result<Vec<Form>, DeclarationError> {
        let cached = self.db.read(db::cached_forms).await?;
        let mut forms = forms::bundled_forms();
        for form in cached {
            match forms.iter_mut().find(|f| f.id == form.id) {
                Some(existing) if existing.version >= form.version => {}
                Some(existing) => *existing = form,
                None => forms.push(form),
            }
        }
        Ok(forms)
    }

    /// The newest version of form `form_id`.
    pub async fn form(&self, form_id: &str) -> Result<Form, DeclarationError> {
        self.forms().await?.into_iter().find(|f| f.id == form_id).ok_or_else(|| DeclarationError::UnknownForm(form_id.to_owned()))
    }

    /// Fetches the published forms through `client` and caches those newer than the cached or bundled ones;
    /// returns how many changed.
    pub async fn refresh_forms(&self, client: &crate::client::ServerClient) -> Result<usize, DeclarationError> {
        let list: healthbook_protocol::FormList = client.get_json("/v1/forms").await?;
        self.cache_forms(list.forms).await
    }

    /// Caches forms fetched from the server; older versions than the cached ones are ignored. Returns how
    /// many forms changed.
    pub async fn cache_forms(&self, fetched: Vec<Form>) -> Result<usize, DeclarationError> {
        let now = self.clock.now();
        self.db
            .write(move |tx| {
                let mut changed = 0;
                for form in &fetched {
                    if db::cache_form(tx, form, now)? {
                        changed += 1;
                    }
                }
                Ok(changed)
            })
            .await
    }

    /// Checks answers without saving them, for live feedback in a form.
    pub async fn validate(&self, form_id: &str, answers: &Value, language: Language) -> Result<(), DeclarationError> {
        let form = self.form(form_id).await?;
        validate::validate_answers(&form, answers, self.clock.now(), language).map(|_| ()).map_err(DeclarationError::Invalid)
    }

    /// Validates and saves a declaration for `profile_id`, and queues it for the server in the same
    /// transaction. `filled_by_profile_id` names who filled it in when it is not the person themself; it
    /// defaults to the phone owner's profile when the declaration is for someone else.
    pub async fn submit(
        &self,
        profile_id: &str,
        form_id: &str,
        answers: Value,
        filled_by_profile_id: Option<String>,
        language: Language,
    ) -> Result<Declaration, DeclarationError> {
        let form = self.form(form_id).await?;
        let now = self.clock.now().trunc_subsecs(3);
        let normalized = validate::validate_answers(&form, &answers, now, language).map_err(DeclarationError::Invalid)?;
        let sealer = self.sealer.clone();
        let profile_id = profile_id.to_owned();
        self.db
            .write(move |tx| {
                let subject = profiles::db::get(tx, &sealer, &profile_id)?;
                let owner = profiles::db::list(tx, &sealer)?.into_iter().find(|p| p.relation == ProfileRelation::Myself);
                let filled_by = match filled_by_profile_id {
                    Some(id) => Some(profiles::db::get(tx, &sealer, &id)?),
                    None if subject.relation != ProfileRelation::Myself => owner,
                    None => None,
                };
                let declaration = Declaration {
                    id: uuid::Uuid::new_v4().to_string(),
                    profile_id: subject.id.clone(),
                    filled_by_profile_id: filled_by.as_ref().map(|p| p.id.clone()),
                    form_id: form.id.clone(),
                    form_version: form.version,
                    answers: normalized,
                    declared_at: now,
                    status: DeclarationStatus::Queued,
                    receipt: None,
                    rejection_reason: None,
                };
                db::insert(tx, &sealer, &declaration)?;
                let body = serde_json::to_value(submission_body(&declaration, &subject, filled_by.as_ref()))
                    .map_err(|_| DeclarationError::Corrupt("the submission body is not serialisable"))?;
                outbox::db::enqueue(tx, &sealer, now, NewOutboxItem {
                    kind: OUTBOX_KIND.into(),
                    subject_id: Some(declaration.id.clone()),
                    path: SUBMIT_PATH.into(),
                    body,
                })?;
                Ok(declaration)
            })
            .await
    }

    /// Declarations, newest first, of one profile or of everyone.
    pub async fn list(&self, profile_id: Option<String>) -> Result<Vec<Declaration>, DeclarationError> {
        let sealer = self.sealer.clone();
        self.db.read(move |conn| db::list(conn, &sealer, profile_id.as_deref())).await
    }

    /// One declaration.
    pub async fn get(&self, id: &str) -> Result<Declaration, DeclarationError> {
        let sealer = self.sealer.clone();
        let id = id.to_owned();
        self.db.read(move |conn| db::get(conn, &sealer, &id)).await
    }

    /// The health status the server last gave `profile_id`.
    pub async fn health_status(&self, profile_id: &str) -> Result<Option<HealthStatus>, DeclarationError> {
        let id = profile_id.to_owned();
        let sealer = self.sealer.clone();
        self.db.read(move |conn| db::status(conn, &sealer, &id)).await
    }

    /// Deletes sent declarations older than [`RETENTION_DAYS`]; returns how many.
    pub async fn purge_expired(&self) -> Result<usize, StorageError> {
        let cutoff = self.clock.now() - Duration::days(RETENTION_DAYS);
        self.db.write(move |tx| Ok(db::purge_before(tx, cutoff)?)).await
    }
}

#[cfg(feature = "phone")]
/// The body the server receives: the answers and the minimum about the person that a health officer needs to
/// follow up (name, birth year, phone, area), plus who filled it in.
fn submission_body(d: &Declaration, subject: &profiles::Profile, filled_by: Option<&profiles::Profile>) -> SubmitDeclarationRequest {
    let details = &subject.details;
    SubmitDeclarationRequest {
        declaration_id: d.id.clone(),
        form_id: d.form_id.clone(),
        form_version: d.form_version,
        declared_at: d.declared_at,
        answers: Value::Object(d.answers.clone()),
        subject: DeclarationSubject {
            profile_ref: subject.id.clone(),
            full_name: details.full_name.clone(),
            birth_year: details.birth.year,
            phone: details.phone.clone(),
            citizen_id: details.citizen_id.clone(),
            province_code: details.address.as_ref().map(|a| a.province_code.clone()),
            ward_code: details.address.as_ref().and_then(|a| a.ward_code.clone()),
        },
        filled_by: FilledBy {
            relation: subject.relation.as_str().to_owned(),
            full_name: filled_by.map(|p| p.details.full_name.clone()),
        },
    }
}

#[cfg(feature = "phone")]
/// Applies declaration receipts from their signed claims: marks the declaration accepted and updates the
/// profile's health status.
pub struct DeclarationReceipts {
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
}

#[cfg(feature = "phone")]
impl DeclarationReceipts {
    /// A handler judging key validity at `clock`'s time and sealing statuses with `sealer`.
    pub fn new(sealer: Arc<Sealer>, clock: Arc<dyn Clock>) -> Self {
        Self { sealer, clock }
    }

    /// Checks the receipt in `answer` for `item` and applies it.
    fn apply_checked(&self, tx: &Transaction<'_>, item: &OutboxItem, answer: &Value) -> Result<(), ReceiptError> {
        use rusqlite::OptionalExtension;
        let jws = receipt::receipt_jws(answer)?;
        let declaration_id = item.subject_id.as_deref().unwrap_or_default();
        let profile_id: Option<String> =
            tx.query_row("SELECT profile_id FROM declarations WHERE id = ?1", [declaration_id], |r| r.get(0)).optional()?;
        // The declaration was deleted (its profile removed) while queued: the receipt has nothing to update.
        let Some(profile_id) = profile_id else { return Ok(()) };
        let device_id = receipt::device_id(tx)?;
        let expected = receipt::Expected { declaration_id, profile_id: &profile_id, device_id: device_id.as_deref() };
        let receipt::CheckedReceipt { claims, verified } = receipt::check(tx, jws, expected, self.clock.now())?;
        db::mark_accepted(tx, declaration_id, db::seal_receipt(&self.sealer, declaration_id, jws)?, claims.received_at)?;
        if !verified {
            tracing::warn!("no root key is pinned: the receipt marks the declaration delivered, its status is not taken");
            return Ok(());
        }
        if let Some(status) = claims.health_status {
            let reasons: Vec<String> = status.reasons.iter().map(|r| r.as_str().to_owned()).collect();
            let sealed = db::seal_status(&self.sealer, &profile_id, status.status.as_str(), &reasons)?;
            db::set_status(tx, &profile_id, sealed, claims.received_at)?;
        }
        Ok(())
    }
}

#[cfg(feature = "phone")]
impl ReceiptHandler for DeclarationReceipts {
    fn kind(&self) -> &'static str {
        OUTBOX_KIND
    }

    fn apply(&self, tx: &Transaction<'_>, item: &OutboxItem, receipt: &Value) -> Result<(), ReceiptError> {
        self.apply_checked(tx, item, receipt)
    }

    fn rejected(&self, tx: &Transaction<'_>, item: &OutboxItem, reason: &str) -> Result<(), StorageError> {
        if let Some(id) = &item.subject_id {
            db::mark_rejected(tx, id, reason)?;
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "phone"))]
mod tests;
