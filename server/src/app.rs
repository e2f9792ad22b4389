//! The application: shared state, the router with its layers, and serving with graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use healthbook_core::Clock;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use healthbook_protocol::{ErrorCode, ErrorDetail, ErrorResponse, Health};

use crate::config::ServerConfig;
use crate::error::ApiError;
use crate::hashing::HashPool;
use crate::storage::{Backend, Database};
use crate::persons::sms::{LogSmsSender, SmsSender};
use crate::{access, accounts, agencies, auth, checkin, console, dcc_signers, declarations, hotline, passes, persons, quarantine, reports, results, trust, vaccination, volunteers};

/// What every handler shares: the database, the clock, the settings and the password hashing threads. No session,
/// nonce or counter lives in memory, so any number of instances can serve the same database.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Database,
    /// The time source (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// Limits and lifetimes.
    pub config: Arc<ServerConfig>,
    /// The bounded pool that computes password hashes.
    pub hasher: Arc<HashPool>,
    /// Where text messages go (binding codes, notices); the server log unless a gateway is configured.
    pub sms: Arc<dyn SmsSender>,
}

impl AppState {
    /// Bundles the parts.
    pub fn new(db: Database, clock: Arc<dyn Clock>, config: ServerConfig) -> Self {
        let hasher = Arc::new(HashPool::new(config.password_hash_threads, config.password_hash_queue));
        Self { db, clock, config: Arc::new(config), hasher, sms: Arc::new(LogSmsSender) }
    }

    /// The same state sending text messages through `sms`.
    pub fn with_sms(mut self, sms: Arc<dyn SmsSender>) -> Self {
        self.sms = sms;
        self
    }

    /// The current time at the precision the database keeps (milliseconds).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        crate::util::truncate_to_ms(self.clock.now())
    }
}

/// The router with every endpoint and layer.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi_json))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/device/challenge", post(auth::device_challenge))
        .route("/v1/auth/device/token", post(auth::device_token))
        .route("/v1/auth/logout", post(auth::logout))
        .route("/v1/devices", post(accounts::register_device))
        .route("/v1/devices/{device_id}", get(accounts::get_device))
        .route("/v1/me", get(accounts::me))
        .route("/v1/accounts", post(accounts::create_account))
        .route("/v1/access-log", get(access::list_access_log))
        .route("/v1/accounts/{account_id}/disable", post(accounts::disable_account))
        .route("/v1/accounts/{account_id}/enable", post(accounts::enable_account))
        .route("/v1/agencies", post(agencies::create_agency).get(agencies::list_agencies))
        .route("/v1/agencies/{agency_id}", get(agencies::get_agency))
        .route("/v1/agencies/{agency_id}/gates", post(agencies::create_gate).get(agencies::list_gates))
        .route("/v1/agencies/{agency_id}/keys", post(agencies::submit_key).get(agencies::list_keys))
        .route("/v1/agencies/{agency_id}/keys/{kid}/certify", post(agencies::certify_key))
        .route(
            "/v1/agencies/{agency_id}/staff",
            post(agencies::import_staff)
                .get(agencies::list_staff)
                .layer(DefaultBodyLimit::max(agencies::rules::STAFF_BODY_LIMIT_BYTES.max(body_limit))),
        )
        .route(
            "/v1/agencies/{agency_id}/cards",
            post(agencies::register_cards).layer(DefaultBodyLimit::max(agencies::rules::CARDS_BODY_LIMIT_BYTES.max(body_limit))),
        )
        .route("/v1/agencies/{agency_id}/cards/{card_id}/revoke", post(agencies::revoke_card))
        .route("/v1/agencies/{agency_id}/adoption", get(agencies::agency_adoption))
        .route("/v1/adoption/agencies", get(agencies::adoption_rollup))
        .route("/v1/trust-list", get(trust::get_trust_list))
        .route("/v1/trust-list/keys", post(trust::add_issuer_key))
        .route("/v1/revocations", get(trust::get_revocations).post(trust::add_revocation))
        .route(
            "/v1/dcc-signers",
            get(dcc_signers::get_dcc_signers).post(dcc_signers::import_dcc_signers).layer(DefaultBodyLimit::max(
                dcc_signers::DCC_SIGNER_BODY_LIMIT_BYTES.max(body_limit),
            )),
        )
        .route("/v1/forms", get(declarations::list_forms).post(declarations::publish_form))
        .route("/v1/forms/{form_id}/versions/{version}", get(declarations::get_form))
        .route("/v1/declarations", post(declarations::submit_declaration).get(declarations::list_declarations))
        .route("/v1/passes", post(passes::issue_pass))
        .route("/v1/bindings", get(persons::list_bindings))
        .route("/v1/bindings/sms", post(persons::start_sms_binding))
        .route("/v1/bindings/sms/{challenge_id}/verify", post(persons::verify_sms_binding))
        .route("/v1/bindings/attestation", post(persons::start_attestation))
        .route("/v1/bindings/attest", post(persons::attest_binding))
        .route("/v1/bindings/remove-other", post(persons::remove_other_binding))
        .route("/v1/bindings/{profile_ref}", delete(persons::delete_binding))
        .route("/v1/persons", post(persons::enrol_person))
        .route("/v1/persons/{person_id}", get(persons::get_person))
        .route("/v1/persons/{person_id}/citizen-id", get(persons::get_citizen_id))
        .route("/v1/persons/{person_id}/bindings", get(persons::get_person_bindings))
        .route("/v1/persons/{person_id}/bindings/{device_id}/{profile_ref}", delete(persons::delete_person_binding))
        .route("/v1/persons/{person_id}/audit", get(persons::get_person_audit))
        .route("/v1/bindings/{profile_ref}/audit", get(persons::get_own_audit))
        .route("/v1/volunteers/people", get(volunteers::list_people))
        .route("/v1/volunteers/people/{person_id}", get(volunteers::get_person))
        .route("/v1/volunteers/people/{person_id}/consent", post(volunteers::record_consent))
        .route("/v1/volunteers/people/{person_id}/doses", post(volunteers::record_dose))
        .route("/v1/volunteers/people/{person_id}/control-card", post(volunteers::issue_control_card))
        .route("/v1/doses/{dose_id}/confirm", post(volunteers::confirm_dose))
        .route("/v1/volunteers/people/{person_id}/vaccination-registration", post(vaccination::volunteer_register))
        .route("/v1/vaccination/registrations", post(vaccination::register))
        .route("/v1/vaccination/sites", post(vaccination::create_site).get(vaccination::list_sites))
        .route("/v1/vaccination/sites/{site_id}/deliveries", post(vaccination::add_delivery))
        .route("/v1/vaccination/sites/{site_id}/stock", get(vaccination::get_stock))
        .route("/v1/vaccination/sessions", post(vaccination::plan_session))
        .route("/v1/vaccination/sessions/{session_id}", get(vaccination::get_session))
        .route("/v1/vaccination/sessions/{session_id}/invite", post(vaccination::invite))
        .route("/v1/vaccination/invitations", get(vaccination::list_invitations))
        .route("/v1/vaccination/invitations/{invitation_id}/answer", post(vaccination::answer_invitation))
        .route("/v1/vaccination/lookup", post(vaccination::lookup))
        .route("/v1/vaccination/doses", post(vaccination::administer_dose))
        .route("/v1/vaccination/records", get(vaccination::records))
        .route(
            "/v1/vaccination/lists",
            post(vaccination::lists::upload_list)
                .layer(DefaultBodyLimit::max(vaccination::lists::LISTS_BODY_LIMIT_BYTES.max(body_limit))),
        )
        .route("/v1/vaccination/coverage", get(vaccination::coverage::coverage))
        .route(
            "/v1/vaccination/reconciliation",
            post(vaccination::reconcile::reconcile)
                .layer(DefaultBodyLimit::max(vaccination::reconcile::RECONCILIATION_BODY_LIMIT_BYTES.max(body_limit))),
        )
        .route("/v1/quarantine/wards", get(quarantine::list_wards))
        .route("/v1/quarantine/wards/{ward_code}", put(quarantine::put_ward))
        .route("/v1/quarantine/commitments/{version}", get(quarantine::get_commitment))
        .route("/v1/quarantine/orders", post(quarantine::create_order).get(quarantine::list_orders))
        .route("/v1/quarantine/orders/{order_id}", get(quarantine::get_order))
        .route("/v1/quarantine/mine", get(quarantine::mine))
        .route("/v1/quarantine/orders/{order_id}/home-token", post(quarantine::home_token))
        .route("/v1/quarantine/orders/{order_id}/commitment", post(quarantine::sign_commitment))
        .route("/v1/quarantine/orders/{order_id}/enrolment", post(quarantine::enrol))
        .route("/v1/quarantine/orders/{order_id}/challenge", get(quarantine::challenges::get_challenge))
        .route(
            "/v1/quarantine/orders/{order_id}/check-ins",
            post(quarantine::verify::post_check_in).get(quarantine::verify::list_check_ins),
        )
        .route("/v1/quarantine/orders/{order_id}/cases", get(quarantine::cases::order_cases))
        .route("/v1/quarantine/cases", get(quarantine::cases::list_cases))
        .route("/v1/quarantine/cases/{case_id}/explanation", post(quarantine::cases::explain))
        .route("/v1/quarantine/cases/{case_id}/decision", post(quarantine::cases::decide))
        .route("/v1/results/registrations", post(results::register_sample))
        .route("/v1/results/poll", post(results::poll_result))
        .route("/v1/results/samples", post(results::link_sample))
        .route("/v1/results/pools", post(results::create_pool))
        .route(
            "/v1/results/lab",
            post(results::upload_lab_results).layer(DefaultBodyLimit::max(results::LAB_BODY_LIMIT_BYTES.max(body_limit))),
        )
        .route("/v1/results/report", get(results::results_report))
        .route("/v1/agencies/{agency_id}/venues", post(checkin::create_venue).get(checkin::list_venues))
        .route("/v1/venues/{venue_id}", get(checkin::get_venue))
        .route("/v1/venues/{venue_id}/poster", get(checkin::get_poster))
        .route("/v1/venues/{venue_id}/gates", post(checkin::create_venue_gate))
        .route("/v1/venues/{venue_id}/passages", get(checkin::list_passages))
        .route("/v1/gates/{gate_id}", get(checkin::get_gate))
        .route(
            "/v1/gates/{gate_id}/passages",
            post(checkin::upload_passages)
                .layer(DefaultBodyLimit::max(checkin::PASSAGES_BODY_LIMIT_BYTES.max(body_limit))),
        )
        .route("/v1/risky-venues", post(checkin::mark_risky).get(checkin::list_risky))
        .route("/v1/checkin/compliance", get(checkin::compliance))
        .route("/v1/reports/{kind}", get(reports::get_report))
        .route("/v1/hotline/qa/{province}", get(hotline::get_published))
        .route("/v1/hotline/qa/{province}/draft", get(hotline::get_draft))
        .route("/v1/hotline/qa/{province}/draft/{entry_id}", put(hotline::put_entry).delete(hotline::remove_entry))
        .route("/v1/hotline/qa/{province}/publish", post(hotline::publish_draft))
        .route("/v1/hotline/questions", post(hotline::submit_question).get(hotline::my_questions))
        .route("/v1/hotline/inbox", get(hotline::get_inbox))
        .route("/v1/hotline/inbox/{question_id}", get(hotline::get_question))
        .route("/v1/hotline/inbox/{question_id}/assign", post(hotline::assign_question))
        .route("/v1/hotline/inbox/{question_id}/answer", post(hotline::answer_question))
        .route("/v1/hotline/inbox/{question_id}/close", post(hotline::close_question))
        .nest("/console", console::router())
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::map_response(json_errors))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// Gives any error response that is not JSON yet (one made by a layer rather than a handler) the JSON shape.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // The console's HTML pages carry their own errors.
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::RouteNotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => {
            // No handler answers with these (the extractors map their rejections), so only a layer can: the code
            // says whose side the fault is on, the message names the status.
            let code = if status.is_server_error() { ErrorCode::Internal } else { ErrorCode::InvalidRequest };
            let body = ErrorResponse { error: ErrorDetail::new(code, status.canonical_reason().unwrap_or("error")) };
            return (status, Json(body)).into_response();
        }
    };
    error.into_response()
}

/// Liveness and database check.
#[utoipa::path(
    get, path = "/healthz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = ErrorResponse))
)]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.db.read(|tx| tx.query("SELECT 1", &[]).map(|_| ())).await?;
    let database = match state.db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    Ok(Json(Health { status: "ok".into(), database: database.into() }))
}

async fn openapi_json() -> Response {
    match crate::openapi::document_json() {
        Ok(json) => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], json).into_response(),
        Err(e) => ApiError::Internal(e.to_string()).into_response(),
    }
}

/// Serves on `listener` until `shutdown` completes, then lets requests in flight finish. Meanwhile it keeps the
/// signed trust documents within their promised update time ([`crate::trust::keep_documents_fresh`]) and deletes
/// test results past their retention ([`crate::results::keep_purging`]) and gate passages past theirs
/// ([`crate::checkin::keep_purging`]), and sweeps missed quarantine check-ins and purges old orders
/// ([`crate::quarantine::challenges::keep_sweeping`]), deletes hotline questions past their retention
/// ([`crate::hotline::keep_purging`]), ended console sessions ([`crate::console::session::keep_purging`]) and
/// roster ledger rows past their window ([`crate::agencies::roster_limit::keep_purging`]).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let resigner = tokio::spawn(crate::trust::keep_documents_fresh(state.clone()));
    let purger = tokio::spawn(crate::results::keep_purging(state.clone()));
    let passage_purger = tokio::spawn(crate::checkin::keep_purging(state.clone()));
    let quarantine_sweeper = tokio::spawn(crate::quarantine::challenges::keep_sweeping(state.clone()));
    let hotline_purger = tokio::spawn(crate::hotline::keep_purging(state.clone()));
    let session_purger = tokio::spawn(crate::console::session::keep_purging(state.clone()));
    let roster_ledger_purger = tokio::spawn(crate::agencies::roster_limit::keep_purging(state.clone()));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    resigner.abort();
    purger.abort();
    passage_purger.abort();
    quarantine_sweeper.abort();
    hotline_purger.abort();
    session_purger.abort();
    roster_ledger_purger.abort();
    served
}

/// A server running on a background task; for tests and embedding.
#[derive(Debug)]
pub struct RunningServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Binds `addr` (port 0 picks a free port) and serves in the background.
    pub async fn start(state: AppState, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state, async move {
            let _ = rx.await;
        }));
        Ok(Self { addr, shutdown: Some(tx), task })
    }

    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Shuts down gracefully and waits for the server task.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
