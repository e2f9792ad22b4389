//! Test results on the phone, after Corona-Warn-App's verification protocol: the person enters the sample code
//! (scanned or typed), the phone checks it (a short code's check character catches a typo before anything is
//! sent), keeps it and exchanges its SHA-256 once for a registration token, then polls with the token, honouring
//! the interval the server suggests and backing off on failures, until the state is final. Every state comes
//! with a reason, and [`explain`] turns both into words. A certificate that comes with a result is verified
//! with the trust sub-client before it is kept. Samples are deleted 21 days after their final state unless the
//! person keeps the certificate.
//!
//! Files: `code.rs` (sample codes, their check character and hash), `model.rs` (states, reasons, the kept
//! sample), `explain.rs` (the words, vi and en), `db.rs` (sealed storage), `error.rs`. Without the `phone`
//! feature only the codes, the model and the words are built (what a server or a site tool shares).

pub mod code;
#[cfg(feature = "phone")]
pub mod db;
#[cfg(feature = "phone")]
mod error;
pub mod explain;
pub mod model;

#[cfg(all(test, feature = "phone"))]
mod tests;

pub use code::{SampleCode, SampleCodeError};
#[cfg(feature = "phone")]
pub use error::ResultsError;
pub use explain::{explain, Explanation};
pub use healthbook_protocol::SampleCodeKind;
pub use model::{CertificateProblem, Sample, SampleReason, SampleState};

#[cfg(feature = "phone")]
pub use phone::*;

#[cfg(feature = "phone")]
mod phone {
    use std::sync::Arc;

    use async_trait::async_trait;
    use chrono::{DateTime, Duration, Utc};
    use healthbook_protocol::{PollResultRequest, RegisterSampleRequest, SampleRegistration, TestResultView};
    use serde_json::Value;

    use super::code::SampleCode;
    use super::db::{self, SampleRow};
    use super::error::ResultsError;
    use super::model::{CertificateProblem, Sample, SampleReason, SampleState};
    use crate::clock::Clock;
    use crate::credentials::{CredentialKind, FailedStage};
    use crate::healthbook::Healthbook;
    use crate::outbox::Backoff;
    use crate::persons::TransportError;
    use crate::profiles::Profiles;
    use crate::sealing::Sealer;
    use crate::session::{Session, SessionError};
    use crate::storage::Database;
    use crate::trust::{Trust, TrustStoreError};

    /// Days a sample is kept after its final state (the server keeps results as long).
    pub const RETENTION_DAYS: i64 = 21;
    /// The poll interval when the server suggests none for a state that is not final.
    pub const DEFAULT_POLL_SECS: u32 = 15 * 60;
    /// The shortest poll interval the phone accepts, whatever the server suggests.
    pub const MIN_POLL_SECS: u32 = 60;
    /// Registration of a code (device).
    pub const REGISTER_PATH: &str = "/v1/results/registrations";
    /// Poll of a registered code (device).
    pub const POLL_PATH: &str = "/v1/results/poll";

    /// Reports changes of followed samples (the shell shows a notification).
    pub trait ResultsListener: Send + Sync {
        /// `sample` changed state or reason.
        fn on_sample_changed(&self, sample: &Sample);
    }

    /// Sends one POST of the results API.
    #[async_trait]
    pub trait ResultsTransport: Send + Sync {
        /// POSTs `body` to `path` with `idempotency_key`; the answer's JSON body on success.
        async fn post(&self, path: &str, body: Value, idempotency_key: &str) -> Result<Value, TransportError>;
    }

    /// The transport to the configured server, signed in as this installation's device.
    pub struct HttpResultsTransport {
        session: Session,
    }

    impl HttpResultsTransport {
        /// A transport through `session`.
        pub fn new(session: Session) -> Self {
            Self { session }
        }
    }

    #[async_trait]
    impl ResultsTransport for HttpResultsTransport {
        async fn post(&self, path: &str, body: Value, idempotency_key: &str) -> Result<Value, TransportError> {
            let url = self
                .session
                .server_url()
                .await
                .map_err(|e| match e {
                    crate::settings::SettingsError::Storage(s) => TransportError::Session(SessionError::Storage(s)),
                    _ => TransportError::NoServer,
                })?
                .ok_or(TransportError::NoServer)?;
            let client = self.session.connect(&url).await.map_err(|e| match e {
                SessionError::Client(c) => TransportError::Client(c),
                other => TransportError::Session(other),
            })?;
            match client.post_json_with_key::<Value, Value>(path, &body, idempotency_key).await {
                Ok(answer) => Ok(answer),
                Err(crate::client::ClientError::Http { status, code, message }) => Err(TransportError::Refused {
                    status,
                    body: serde_json::json!({ "error": { "code": code, "message": message } }),
                    code,
                    retry_after_secs: None,
                }),
                Err(e) => Err(TransportError::Client(e)),
            }
        }
    }

    /// What one poll cycle did.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct PollReport {
        /// Samples asked about (or registered).
        pub checked: usize,
        /// Samples whose state or reason changed.
        pub changed: usize,
        /// Requests that failed (rescheduled with backoff).
        pub failed: usize,
    }

    /// Test results; obtained from [`Healthbook::results`].
    #[derive(Clone)]
    pub struct Results {
        db: Database,
        sealer: Arc<Sealer>,
        clock: Arc<dyn Clock>,
        profiles: Profiles,
        trust: Trust,
        transport: Arc<dyn ResultsTransport>,
        backoff: Backoff,
    }

    fn body_of<T: serde::Serialize>(request: &T) -> Result<Value, ResultsError> {
        serde_json::to_value(request).map_err(|_| ResultsError::Corrupt("request body"))
    }

    impl Results {
        /// Samples kept in `db`, for the profiles of `profiles`, certificates checked with `trust`.
        pub(crate) fn new(
            db: Database,
            sealer: Arc<Sealer>,
            clock: Arc<dyn Clock>,
            profiles: Profiles,
            trust: Trust,
            transport: Arc<dyn ResultsTransport>,
        ) -> Self {
            Self { db, sealer, clock, profiles, trust, transport, backoff: Backoff::default() }
        }

        /// Checks `code` (scanned or typed), keeps it for `profile_id` and registers its hash; then asks for its
        /// state once. A mistyped code is refused before any request; offline, the sample is kept as
        /// `registering` and sent by a later [`Results::poll_due`]. A code registered elsewhere is kept as
        /// `registered_elsewhere`, with its reason.
        pub async fn register(&self, profile_id: &str, code: &str) -> Result<Sample, ResultsError> {
            let code = SampleCode::parse(code)?;
            let profile = self.profiles.get(profile_id).await?;
            let now = self.clock.now();
            let row = SampleRow {
                sample: Sample {
                    id: uuid::Uuid::new_v4().to_string(),
                    profile_id: profile.id,
                    kind: code.kind(),
                    state: SampleState::Registering,
                    reason: SampleReason::NotSentYet,
                    created_at: now,
                    registered_at: None,
                    sampled_at: None,
                    result_at: None,
                    next_check_at: Some(now),
                    final_at: None,
                    certificate: None,
                    certificate_problem: None,
                    keep_certificate: false,
                },
                code_hash: code.hash(),
                token: None,
                idempotency_key: uuid::Uuid::new_v4().to_string(),
                attempts: 0,
            };
            let (sealer, kept) = (self.sealer.clone(), row.clone());
            self.db.write(move |tx| db::insert(tx, &sealer, &kept)).await?;
            let (row, failure) = self.advance(row).await?;
            match failure {
                // Refused for good (not a network failure): nothing to follow, so nothing is kept.
                Some(e) if !e.is_transient() && row.sample.state == SampleState::Registering => {
                    let id = row.sample.id.clone();
                    self.db.write(move |tx| Ok::<_, ResultsError>(tx.execute("DELETE FROM samples WHERE id = ?1", [&id])?)).await?;
                    Err(e)
                }
                _ => Ok(row.sample),
            }
        }

        /// Every followed sample, newest first.
        pub async fn samples(&self) -> Result<Vec<Sample>, ResultsError> {
            let sealer = self.sealer.clone();
            self.db.read(move |conn| db::list(conn, &sealer)).await
        }

        /// The followed sample `sample_id`.
        pub async fn sample(&self, sample_id: &str) -> Result<Sample, ResultsError> {
            Ok(self.row(sample_id).await?.sample)
        }

        async fn row(&self, sample_id: &str) -> Result<SampleRow, ResultsError> {
            let (sealer, id) = (self.sealer.clone(), sample_id.to_owned());
            self.db.read(move |conn| db::get(conn, &sealer, &id)).await?.ok_or_else(|| ResultsError::NotFound(sample_id.to_owned()))
        }

        /// Registers what waits to be registered and polls every sample whose next check is due; reports each
        /// change to `listener`. Failures are rescheduled with backoff, not returned.
        pub async fn poll_due(&self, listener: Option<&dyn ResultsListener>) -> Result<PollReport, ResultsError> {
            let now = self.clock.now();
            let due = self.db.read(move |conn| db::due(conn, now)).await?;
            let mut report = PollReport::default();
            for id in due {
                let before = self.row(&id).await?;
                let (after, failure) = self.advance(before.clone()).await?;
                report.checked += 1;
                report.failed += usize::from(failure.is_some());
                if (after.sample.state, after.sample.reason) != (before.sample.state, before.sample.reason) {
                    report.changed += 1;
                    if let Some(listener) = listener {
                        listener.on_sample_changed(&after.sample);
                    }
                }
            }
            Ok(report)
        }

        /// Keeps the certificate of `sample_id` past the retention period.
        pub async fn keep_certificate(&self, sample_id: &str) -> Result<Sample, ResultsError> {
            let mut row = self.row(sample_id).await?;
            if row.sample.certificate.is_none() {
                return Err(ResultsError::NoCertificate);
            }
            row.sample.keep_certificate = true;
            let (sealer, kept) = (self.sealer.clone(), row.clone());
            self.db.write(move |tx| db::update(tx, &sealer, &kept)).await?;
            Ok(row.sample)
        }

        /// Deletes samples whose final state is older than the retention period, except kept certificates.
        pub async fn purge_expired(&self) -> Result<usize, ResultsError> {
            let cutoff = self.clock.now() - Duration::days(RETENTION_DAYS);
            self.db.write(move |tx| db::purge(tx, cutoff)).await
        }

        /// One network step for `row` (registration, or a poll), and a poll right after a registration that
        /// went through; the row as kept afterwards and the failure, if any (already rescheduled).
        async fn advance(&self, mut row: SampleRow) -> Result<(SampleRow, Option<ResultsError>), ResultsError> {
            let registering = row.token.is_none();
            let mut outcome = if registering { self.register_step(&mut row).await } else { self.poll_step(&mut row).await };
            if registering && outcome.is_ok() && row.token.is_some() {
                self.save(&row).await?;
                outcome = self.poll_step(&mut row).await;
            }
            let failure = match outcome {
                Ok(()) => {
                    row.attempts = 0;
                    None
                }
                Err(e) => {
                    row.attempts = row.attempts.saturating_add(1);
                    let delay = self.backoff.delay(row.attempts, &mut rand::thread_rng());
                    row.sample.next_check_at = Some(self.clock.now() + delay);
                    Some(e)
                }
            };
            self.save(&row).await?;
            Ok((row, failure))
        }

        async fn save(&self, row: &SampleRow) -> Result<(), ResultsError> {
            let (sealer, kept) = (self.sealer.clone(), row.clone());
            self.db.write(move |tx| db::update(tx, &sealer, &kept)).await
        }

        async fn register_step(&self, row: &mut SampleRow) -> Result<(), ResultsError> {
            let body = body_of(&RegisterSampleRequest {
                code_hash: row.code_hash.clone(),
                kind: row.sample.kind,
                profile_ref: row.sample.profile_id.clone(),
            })?;
            let now = self.clock.now();
            match self.transport.post(REGISTER_PATH, body, &row.idempotency_key).await {
                Ok(answer) => {
                    let registration: SampleRegistration = serde_json::from_value(answer).map_err(|_| ResultsError::BadAnswer)?;
                    row.token = Some(registration.registration_token);
                    let sample = &mut row.sample;
                    sample.registered_at = Some(registration.registered_at);
                    sample.state = SampleState::UnknownToLab;
                    sample.reason = SampleReason::NotYetReported;
                    sample.next_check_at = Some(now);
                    Ok(())
                }
                Err(TransportError::Refused { status: 409, code, .. }) if code == "sample_already_registered" => {
                    let sample = &mut row.sample;
                    sample.state = SampleState::RegisteredElsewhere;
                    sample.reason = SampleReason::AlreadyRegistered;
                    sample.next_check_at = None;
                    sample.final_at = Some(now);
                    Ok(())
                }
                Err(e) => Err(e.into()),
            }
        }

        async fn poll_step(&self, row: &mut SampleRow) -> Result<(), ResultsError> {
            let token = row.token.clone().ok_or(ResultsError::Corrupt("token"))?;
            let body = body_of(&PollResultRequest { registration_token: token })?;
            let now = self.clock.now();
            // A poll changes nothing on the server; a fresh key per request keeps its idempotency cache out of it.
            let key = uuid::Uuid::new_v4().to_string();
            match self.transport.post(POLL_PATH, body, &key).await {
                Ok(answer) => {
                    let view: TestResultView = serde_json::from_value(answer).map_err(|_| ResultsError::BadAnswer)?;
                    self.apply(&mut row.sample, view, now).await;
                    Ok(())
                }
                // The server deleted the registration (retention passed): nothing more will come.
                Err(TransportError::Refused { status: 404, .. }) => {
                    let sample = &mut row.sample;
                    sample.state = SampleState::Expired;
                    sample.reason = SampleReason::RetentionPassed;
                    sample.next_check_at = None;
                    sample.final_at.get_or_insert(now);
                    Ok(())
                }
                Err(e) => Err(e.into()),
            }
        }

        async fn apply(&self, sample: &mut Sample, view: TestResultView, now: DateTime<Utc>) {
            sample.state = view.state.into();
            sample.reason = view.reason.into();
            sample.sampled_at = view.sampled_at.or(sample.sampled_at);
            sample.result_at = view.result_at.or(sample.result_at);
            if sample.state.is_final() {
                sample.next_check_at = None;
                // The retention period runs from the result, as on the server; never from the future.
                sample.final_at.get_or_insert(view.result_at.unwrap_or(now).min(now));
                if let Some(certificate) = view.certificate {
                    match self.check_certificate(&certificate).await {
                        Ok(()) => {
                            sample.certificate = Some(certificate);
                            sample.certificate_problem = None;
                        }
                        Err(problem) => sample.certificate_problem = Some(problem),
                    }
                }
            } else {
                let secs = view.poll_after_secs.unwrap_or(DEFAULT_POLL_SECS).max(MIN_POLL_SECS);
                sample.next_check_at = Some(now + Duration::seconds(secs.into()));
            }
        }

        /// Verifies a result's certificate offline, fetching the trust list once when its signer is unknown.
        async fn check_certificate(&self, certificate: &str) -> Result<(), CertificateProblem> {
            let verify = || match self.trust.verify(certificate) {
                Ok(verdict) if verdict.valid && verdict.kind == CredentialKind::EuDccTest => Ok(()),
                Ok(verdict) if verdict.valid => Err(CertificateProblem::DoesNotVerify("not a test certificate".into())),
                Ok(verdict) => Err(CertificateProblem::DoesNotVerify(stage_name(verdict.stage))),
                Err(_) => Err(CertificateProblem::NoTrustList),
            };
            match verify() {
                Err(CertificateProblem::DoesNotVerify(stage)) if stage == stage_name(Some(FailedStage::UnknownKey)) => {
                    match self.trust.refresh().await {
                        Ok(_) => verify(),
                        Err(TrustStoreError::NoRootKey | TrustStoreError::NoServer) => Err(CertificateProblem::NoTrustList),
                        Err(_) => Err(CertificateProblem::DoesNotVerify(stage)),
                    }
                }
                other => other,
            }
        }
    }

    fn stage_name(stage: Option<FailedStage>) -> String {
        stage.map_or_else(|| "unknown".to_owned(), |s| format!("{s:?}"))
    }

    impl Healthbook {
        /// Test results of this phone's profiles, through the configured server.
        pub fn results(&self) -> Results {
            self.results_with(Arc::new(HttpResultsTransport::new(self.session())))
        }

        /// Test results through another transport (tests, or a server reached another way).
        pub fn results_with(&self, transport: Arc<dyn ResultsTransport>) -> Results {
            Results::new(self.db.clone(), self.sealer.clone(), self.clock.clone(), self.profiles(), self.trust(), transport)
        }
    }
}
