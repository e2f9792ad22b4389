//! The wire contract between the Healthbook phone core and the reference server: every JSON request and
//! response body, query and error, defined once and used by both sides.
//!
//! No storage and no HTTP: only serde types and the typed enums that travel (statuses, reasons, roles, key
//! roles, id kinds, error codes). With the `openapi` feature the types also derive `utoipa` schemas, from
//! which the server builds `/openapi.json`. One file per area; adding an endpoint means adding its types here.

pub mod access;
pub mod accounts;
pub mod adoption;
pub mod agencies;
pub mod checkin;
pub mod common;
pub mod declarations;
pub mod error;
pub mod forms;
pub mod hotline;
pub mod language;
pub mod passes;
pub mod persons;
pub mod quarantine;
pub mod reports;
pub mod results;
pub mod status;
pub mod trust;
pub mod vaccination;
pub mod volunteers;

pub use access::{AccessLogEntry, AccessLogPage, AccessLogQuery, AreaScope};
pub use accounts::{
    AccountStatusRequest, AccountStatusView, AccountView, ChallengeRequest, ChallengeResponse, CreateAccountRequest,
    DeviceTokenRequest, DeviceView, LoginRequest, RegisterDeviceRequest, RegisteredDevice, Role, TokenResponse,
};
pub use adoption::{AdoptionCounts, AdoptionRollup, AgencyAdoption, AgencyAdoptionSummary, DepartmentAdoption, NotJoined};
pub use agencies::{
    AgencyKeyList, AgencyKeyStatus, AgencyKeyView, AgencyList, AgencyView, CreateAgencyRequest, CreateGateRequest, GateList,
    GateView, IssuedCard, RegisterCardsReport, RegisterCardsRequest, RevokeCardRequest, StaffConflict, StaffImportReport,
    StaffImportRequest, StaffList, StaffMember, StaffView, agency_key_proof_message,
};
pub use checkin::{
    ComplianceQuery, ComplianceReport, CreateVenueRequest, DccSigner, DccSignerImportReport, DccSignerList, Direction,
    ExposureAdvice, GateVerdict, MarkRiskyRequest, Passage, PassageBatch, PassageBatchReport, PassagePage, PassageQuery,
    PassageReason, PassageRecord, PosterView, RiskyVenueList, RiskyWindow, ScannedCard, SilentVenue, VenueDay, VenueKind,
    VenueList, VenueView,
};
pub use common::{Empty, Health};
pub use declarations::{
    DeclarationList, DeclarationQuery, DeclarationReceipt, DeclarationRecord, DeclarationSubject, FilledBy, FormList,
    ReceiptClaims, SubmitDeclarationRequest,
};
pub use error::{ErrorResponse, ErrorCode, ErrorDetail, FieldErrorDetail};
pub use forms::{Choice, Condition, FieldKind, Form, FormField, Localized, TextCharset};
pub use accounts::device_auth_message;
pub use declarations::RECEIPT_TYP;
pub use language::Language;
pub use passes::{PassRequest, PassResponse};
pub use persons::{
    AttestBindingRequest, AttestationCodeRequest, AttestationCodeView, AuditEntry, AuditList, BindingCreated, PhoneBindingList,
    BindingMethod, BindingView, BoundPerson, CitizenIdView, EnrolPersonRequest, IdKind, OtherDevice, PersonView,
    RemoveOtherRequest, Removed, SmsBindingRequest, SmsChallengeView, StaffBindingList, StaffBindingView, Verification,
    VerifyCodeRequest,
};
pub use results::{
    CreatePoolRequest, LabOutcome, LabResult, LabResultBatch, LabUploadReport, LinkSampleRequest, LinkedSample, PollResultRequest,
    PoolView, RegisterSampleRequest, ResultsReport, ResultsReportQuery, ResultsReportRow, SampleCodeKind, SampleRegistration,
    TestKind, TestResultReason, TestResultState, TestResultView,
};
pub use status::{HealthStatusView, PassStatus, StatusReason};
pub use volunteers::{
    CONTROL_CARD_VALIDITY_DAYS, ConsentGiver, ConsentMethod, ConsentView, ControlCardRequest, ControlCardView, DoseSource, DoseView, ManagedPeopleList,
    ManagedPersonView, RecordConsentRequest, RecordDoseRequest,
};
pub use vaccination::{
    AdministerDoseRequest, AdministeredDose, AnswerInvitationRequest, CertificateView, CommuneListReport, CommuneListRow,
    CommuneListUpload, CoverageGap, CoverageQuery, CoverageReport, CoverageRow, CreateSiteRequest, Discrepancy,
    DiscrepancyKind, DoseLookup, DoseLookupRequest, HeldDoses, InvitationAnswer, InvitationCounts, InvitationList,
    InvitationRound, InvitationState, InvitationView, ListField, ListProblem, ListProblemKind, PlanSessionRequest,
    ProfileVaccination, ReconciliationReport, ReconciliationRow, ReconciliationUpload, RegisterRequest,
    RegistrationSource, RegistrationView, Sex, SessionView, SiteList, SiteStock, SiteView, SlotPlan, SlotView,
    StockDelivery, StockLine, VaccinationRecords, VaccineProduct, VolunteerRegisterRequest, next_dose_due,
};
pub use trust::{AddIssuerKeyRequest, AddRevocationRequest, IssuerKey, IssuerRole, KeyScope, Revocation, RevocationKind};

/// Serde test helpers shared by the area modules' tests.
#[cfg(test)]
pub(crate) mod testing {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// Serialises `value`, checks the JSON equals `expected`, and reads it back to an equal value.
    pub fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T, expected: serde_json::Value) {
        let json = serde_json::to_value(value).expect("serialises");
        assert_eq!(json, expected, "wire form");
        let back: T = serde_json::from_value(json).expect("reads back");
        assert_eq!(&back, value, "round trip");
    }

    /// Checks each (variant, wire string) pair in both directions and that `unknown` is refused by serde.
    pub fn enum_strings<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug + Copy>(pairs: &[(T, &str)], unknown: &str) {
        for (variant, text) in pairs {
            assert_eq!(serde_json::to_value(variant).unwrap(), serde_json::Value::String((*text).to_owned()), "{variant:?}");
            let read: T = serde_json::from_value(serde_json::Value::String((*text).to_owned())).unwrap();
            assert_eq!(&read, variant);
        }
        let refused = serde_json::from_value::<T>(serde_json::Value::String(unknown.to_owned()));
        let error = refused.expect_err("unknown name is refused");
        assert!(error.to_string().contains("unknown variant"), "{error}");
    }
}
