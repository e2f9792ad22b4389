//! The OpenAPI document, generated from the handlers' annotations and served at `/openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use healthbook_protocol as protocol;

use crate::{access, accounts, agencies, app, auth, checkin, dcc_signers, declarations, hotline, passes, persons, quarantine, results, trust, vaccination, volunteers};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Healthbook reference server",
        description = "Accounts and roles, agencies and gates, the signed trust list. Every error is \
            `{\"error\": {\"code\", \"message\"}}`; every mutating resource endpoint needs an `Idempotency-Key`."
    ),
    paths(
        app::healthz,
        auth::login,
        auth::device_challenge,
        auth::device_token,
        auth::logout,
        accounts::register_device,
        accounts::get_device,
        accounts::me,
        accounts::create_account,
        access::list_access_log,
        accounts::disable_account,
        accounts::enable_account,
        agencies::create_agency,
        agencies::list_agencies,
        agencies::get_agency,
        agencies::create_gate,
        agencies::list_gates,
        agencies::keys::submit_key,
        agencies::keys::list_keys,
        agencies::keys::certify_key,
        agencies::staff::import_staff,
        agencies::staff::list_staff,
        agencies::cards::register_cards,
        agencies::cards::revoke_card,
        agencies::adoption::agency_adoption,
        agencies::adoption::adoption_rollup,
        trust::get_trust_list,
        trust::get_revocations,
        trust::add_issuer_key,
        trust::add_revocation,
        dcc_signers::import_dcc_signers,
        dcc_signers::get_dcc_signers,
        declarations::list_forms,
        declarations::get_form,
        declarations::publish_form,
        declarations::submit_declaration,
        declarations::list_declarations,
        passes::issue_pass,
        persons::start_sms_binding,
        persons::verify_sms_binding,
        persons::start_attestation,
        persons::list_bindings,
        persons::delete_binding,
        persons::remove_other_binding,
        persons::enrol_person,
        persons::attest_binding,
        persons::get_person,
        persons::get_citizen_id,
        persons::get_person_bindings,
        persons::delete_person_binding,
        persons::get_person_audit,
        persons::get_own_audit,
        volunteers::list_people,
        volunteers::get_person,
        volunteers::record_consent,
        volunteers::record_dose,
        volunteers::confirm_dose,
        volunteers::issue_control_card,
        vaccination::register,
        vaccination::volunteer_register,
        vaccination::create_site,
        vaccination::list_sites,
        vaccination::add_delivery,
        vaccination::get_stock,
        vaccination::plan_session,
        vaccination::get_session,
        vaccination::invite,
        vaccination::list_invitations,
        vaccination::answer_invitation,
        vaccination::lookup,
        vaccination::administer_dose,
        vaccination::records,
        vaccination::lists::upload_list,
        vaccination::coverage::coverage,
        vaccination::reconcile::reconcile,
        results::register_sample,
        results::poll_result,
        results::link_sample,
        results::create_pool,
        results::upload_lab_results,
        results::results_report,
        checkin::create_venue,
        checkin::list_venues,
        checkin::get_venue,
        checkin::get_poster,
        checkin::create_venue_gate,
        checkin::get_gate,
        checkin::upload_passages,
        checkin::mark_risky,
        checkin::list_risky,
        checkin::list_passages,
        checkin::compliance,
        quarantine::put_ward,
        quarantine::list_wards,
        quarantine::get_commitment,
        quarantine::create_order,
        quarantine::list_orders,
        quarantine::get_order,
        quarantine::mine,
        quarantine::home_token,
        quarantine::sign_commitment,
        quarantine::enrol,
        quarantine::challenges::get_challenge,
        quarantine::verify::post_check_in,
        quarantine::verify::list_check_ins,
        quarantine::cases::list_cases,
        quarantine::cases::order_cases,
        quarantine::cases::explain,
        quarantine::cases::decide,
        hotline::get_published,
        hotline::get_draft,
        hotline::put_entry,
        hotline::remove_entry,
        hotline::publish_draft,
        hotline::submit_question,
        hotline::my_questions,
        hotline::get_inbox,
        hotline::get_question,
        hotline::assign_question,
        hotline::answer_question,
        hotline::close_question,
    ),
    components(schemas(
        // Every body is the wire contract's (`healthbook_protocol`), so the document describes what both sides use.
        protocol::ErrorResponse, protocol::ErrorDetail, protocol::FieldErrorDetail, protocol::ErrorCode, protocol::Empty,
        protocol::Health, protocol::Role, protocol::IssuerRole, protocol::RevocationKind, protocol::PassStatus,
        protocol::StatusReason, protocol::IdKind, protocol::Verification, protocol::BindingMethod,
        protocol::LoginRequest, protocol::TokenResponse, protocol::RegisterDeviceRequest, protocol::RegisteredDevice,
        protocol::ChallengeRequest, protocol::ChallengeResponse, protocol::DeviceTokenRequest, protocol::DeviceView,
        protocol::CreateAccountRequest, protocol::AccountView, protocol::AccountStatusRequest, protocol::AccountStatusView,
        protocol::AreaScope, protocol::AccessLogEntry, protocol::AccessLogPage,
        protocol::CreateAgencyRequest, protocol::AgencyView, protocol::AgencyList, protocol::CreateGateRequest,
        protocol::GateView, protocol::GateList,
        protocol::agencies::SubmitAgencyKeyRequest, protocol::AgencyKeyStatus, protocol::AgencyKeyView, protocol::AgencyKeyList,
        protocol::StaffMember, protocol::StaffImportRequest, protocol::StaffConflict, protocol::StaffImportReport,
        protocol::StaffView, protocol::StaffList, protocol::IssuedCard, protocol::RegisterCardsRequest,
        protocol::RegisterCardsReport, protocol::RevokeCardRequest,
        protocol::AdoptionCounts, protocol::DepartmentAdoption, protocol::NotJoined, protocol::AgencyAdoption,
        protocol::AgencyAdoptionSummary, protocol::AdoptionRollup,
        protocol::AddIssuerKeyRequest, protocol::IssuerKey, protocol::AddRevocationRequest, protocol::Revocation,
        protocol::FormList, protocol::SubmitDeclarationRequest, protocol::DeclarationSubject, protocol::FilledBy,
        protocol::DeclarationReceipt, protocol::HealthStatusView, protocol::DeclarationRecord, protocol::DeclarationList,
        protocol::PassRequest, protocol::PassResponse,
        protocol::SmsBindingRequest, protocol::SmsChallengeView, protocol::VerifyCodeRequest,
        protocol::AttestationCodeRequest, protocol::AttestationCodeView, protocol::BoundPerson, protocol::OtherDevice,
        protocol::BindingView, protocol::BindingCreated, protocol::PhoneBindingList, protocol::RemoveOtherRequest,
        protocol::Removed, protocol::EnrolPersonRequest, protocol::PersonView, protocol::AttestBindingRequest,
        protocol::StaffBindingView, protocol::StaffBindingList, protocol::CitizenIdView, protocol::AuditEntry,
        protocol::AuditList,
        protocol::SampleCodeKind, protocol::RegisterSampleRequest, protocol::SampleRegistration, protocol::PollResultRequest,
        protocol::TestResultState, protocol::TestResultReason, protocol::TestResultView, protocol::LabOutcome,
        protocol::TestKind, protocol::LinkSampleRequest, protocol::LinkedSample, protocol::CreatePoolRequest,
        protocol::PoolView, protocol::LabResult, protocol::LabResultBatch, protocol::LabUploadReport,
        protocol::ResultsReportQuery, protocol::ResultsReportRow, protocol::ResultsReport,
        protocol::DccSigner, protocol::DccSignerList, protocol::DccSignerImportReport,
        protocol::VenueKind, protocol::CreateVenueRequest, protocol::VenueView, protocol::VenueList, protocol::PosterView,
        protocol::Direction, protocol::GateVerdict, protocol::PassageReason, protocol::ScannedCard, protocol::Passage,
        protocol::PassageBatch, protocol::PassageBatchReport, protocol::ExposureAdvice, protocol::MarkRiskyRequest,
        protocol::RiskyWindow, protocol::RiskyVenueList, protocol::PassageQuery, protocol::PassageRecord,
        protocol::PassagePage, protocol::ComplianceQuery, protocol::VenueDay, protocol::SilentVenue,
        protocol::ComplianceReport,
        protocol::ConsentMethod, protocol::ConsentGiver, protocol::DoseSource, protocol::RecordConsentRequest,
        protocol::ConsentView, protocol::RecordDoseRequest, protocol::DoseView, protocol::ControlCardRequest,
        protocol::ControlCardView, protocol::ManagedPersonView, protocol::ManagedPeopleList,
        protocol::vaccination::VaccineProduct, protocol::vaccination::RegistrationSource,
        protocol::vaccination::RegisterRequest, protocol::vaccination::VolunteerRegisterRequest,
        protocol::vaccination::RegistrationView, protocol::vaccination::CreateSiteRequest, protocol::vaccination::SiteView,
        protocol::vaccination::SiteList, protocol::vaccination::StockDelivery, protocol::vaccination::StockLine,
        protocol::vaccination::SiteStock, protocol::vaccination::HeldDoses, protocol::vaccination::SlotPlan,
        protocol::vaccination::PlanSessionRequest, protocol::vaccination::SlotView, protocol::vaccination::SessionView,
        protocol::vaccination::InvitationCounts, protocol::vaccination::InvitationRound,
        protocol::vaccination::InvitationState, protocol::vaccination::InvitationView, protocol::vaccination::InvitationList,
        protocol::vaccination::InvitationAnswer, protocol::vaccination::AnswerInvitationRequest,
        protocol::vaccination::DoseLookupRequest, protocol::vaccination::DoseLookup,
        protocol::vaccination::AdministerDoseRequest, protocol::vaccination::AdministeredDose,
        protocol::vaccination::CertificateView, protocol::vaccination::ProfileVaccination,
        protocol::vaccination::VaccinationRecords,
        protocol::vaccination::Sex, protocol::vaccination::CommuneListRow, protocol::vaccination::CommuneListUpload,
        protocol::vaccination::ListField, protocol::vaccination::ListProblemKind, protocol::vaccination::ListProblem,
        protocol::vaccination::CommuneListReport, protocol::vaccination::CoverageRow, protocol::vaccination::CoverageGap,
        protocol::vaccination::CoverageReport, protocol::vaccination::CoverageQuery,
        protocol::vaccination::ReconciliationRow, protocol::vaccination::ReconciliationUpload,
        protocol::vaccination::DiscrepancyKind, protocol::vaccination::Discrepancy, protocol::vaccination::ReconciliationReport,
        protocol::quarantine::EligibilityCriterion, protocol::quarantine::WardEligibilityRequest,
        protocol::quarantine::WardEligibility, protocol::quarantine::WardEligibilityList, protocol::quarantine::CommitmentText,
        protocol::quarantine::Geofence, protocol::quarantine::DailyWindow, protocol::quarantine::CheckInSchedule,
        protocol::quarantine::ExtensionRules, protocol::quarantine::CreateOrderRequest, protocol::quarantine::OrderState,
        protocol::quarantine::OrderView, protocol::quarantine::OrderList, protocol::quarantine::HomeTokenView,
        protocol::quarantine::SignCommitmentRequest, protocol::quarantine::RadioEnvironment, protocol::quarantine::EnrolRequest,
        protocol::quarantine::ChallengeKind, protocol::quarantine::ChallengeView, protocol::quarantine::ChallengeStatus,
        protocol::quarantine::FixSource, protocol::quarantine::LocationFix, protocol::quarantine::CheckInRecord,
        protocol::quarantine::FenceVerdict, protocol::quarantine::QuarantineVerdict, protocol::quarantine::VerdictReason,
        protocol::quarantine::CheckInVerdict, protocol::quarantine::CheckInList, protocol::quarantine::ExplanationReason,
        protocol::quarantine::ExplanationRequest, protocol::quarantine::DecisionOutcome, protocol::quarantine::DecisionRequest,
        protocol::quarantine::CaseState, protocol::quarantine::CaseView, protocol::quarantine::CaseList,
        protocol::hotline::QaCategory, protocol::hotline::QaEntry, protocol::hotline::QaEntryInput, protocol::hotline::QaDraft,
        protocol::hotline::QaSet, protocol::hotline::QuestionKind, protocol::hotline::QuestionState,
        protocol::hotline::CitizenQuestionRequest, protocol::hotline::CitizenQuestionReceipt, protocol::hotline::CitizenQuestionView,
        protocol::hotline::CitizenQuestionList, protocol::hotline::InboxQuestion, protocol::hotline::InboxPage,
        protocol::hotline::AssignQuestionRequest, protocol::hotline::AnswerQuestionRequest, protocol::hotline::CloseQuestionRequest,
    )),
    modifiers(&BearerAuth, &ResponseDescriptions),
    tags(
        (name = "auth", description = "Staff login, device challenge-response, tokens"),
        (name = "devices", description = "Citizen phones"),
        (name = "accounts", description = "Staff accounts"),
        (name = "agencies", description = "Agencies and their gates, signing keys, staff rosters and staff cards"),
        (name = "trust", description = "Signed trust list and revocation list"),
        (name = "declarations", description = "Declaration forms, declarations and their signed receipts"),
        (name = "passes", description = "Short-lived signed personal health passes"),
        (name = "persons", description = "Person records and the bindings of phone profiles to persons"),
        (name = "volunteers", description = "People a volunteer enrolled: consent, doses shown on paper, control cards"),
        (name = "results", description = "Test results: sample registration, polling, sampling sites, pools, lab uploads, the report"),
        (name = "vaccination", description = "Vaccination: communes' lists and coverage, registrations, sites and stock, sessions and invitations, the site's lookup, doses, certificates, the phone's records, reconciliation"),
        (name = "quarantine", description = "Home quarantine: wards, orders, the signed commitment, enrolment, challenges, verified check-ins, cases and decisions"),
        (name = "hotline", description = "The hotline: each province's published Q&A set and its draft, citizens' questions and reports, the officers' inbox"),
        (name = "checkin", description = "Venues and posters, gate passages, risky venues, the officer's query, compliance"),
        (name = "ops", description = "Operations"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Gives every response that its annotation left without a description (OpenAPI requires one) the standard
/// reason phrase of its status, so that a new endpoint can't make the document invalid.
struct ResponseDescriptions;

impl Modify for ResponseDescriptions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, response) in &mut operation.responses.responses {
                    if let utoipa::openapi::RefOr::T(response) = response
                        && response.description.trim().is_empty()
                    {
                        response.description = reason_phrase(status).to_owned();
                    }
                }
            }
        }
    }
}

fn reason_phrase(status: &str) -> &'static str {
    status
        .parse::<u16>()
        .ok()
        .and_then(|code| axum::http::StatusCode::from_u16(code).ok())
        .and_then(|code| code.canonical_reason())
        .unwrap_or("Response")
}

/// The OpenAPI document as pretty JSON (served at `/openapi.json`, printed by `healthbook-server openapi`).
pub fn document_json() -> Result<String, serde_json::Error> {
    ApiDoc::openapi().to_pretty_json()
}
