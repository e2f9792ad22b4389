//! The UniFFI surface of Healthbook (namespace `healthbook`): a thin layer of newtypes over `healthbook-core`.
//!
//! Kotlin sees package `org.healthbook.core`, Swift the module `HealthbookCore`. Each area has one public
//! error enum whose variants an app can act on; internal errors are mapped to them in `error.rs`.

uniffi::setup_scaffolding!("healthbook");

mod checkin;
mod declarations;
mod error;
mod gate;
mod hotline;
mod outbox;
mod passes;
mod persons;
mod platform;
mod profiles;
mod quarantine;
mod results;
mod root;
mod settings;
mod setup;
mod vaccination;
mod vaccination_site;
mod verifier;
mod volunteers;

pub use checkin::{AlertWords, CheckInError, CheckIns, DiaryEntry, ExposureAdvice, ExposureAlert, PosterRefusal, explain_exposure, explain_poster_refusal};
pub use declarations::{AnswerValue, Declaration, DeclarationForm, Declarations, FieldError};
pub use gate::{BoundGate, Gate, GateDirection, GateError, GateQueue, GateScan, GateVerdict, PassageReason, ScannedCard};
pub use outbox::{Outbox, SyncEvent, SyncListener, SyncReport};
pub use error::{DeclarationError, OpenError, PassError, ProfileError, SettingsError, SyncError};
pub use hotline::{
    Hotline, HotlineCategory, HotlineError, HotlineNewQuestion, HotlineQaEntry, HotlineQaSetInfo, HotlineQuestion, HotlineQuestionField,
    HotlineQuestionKind, HotlineQuestionState,
};
pub use passes::{HealthPass, Passes};
pub use verifier::{Verdict, Verifier};
pub use persons::{AttestationCode, Binding, BindingList, BindingMethod, BoundPerson, OtherDevice, PersonError, PersonVerification, Persons, SmsChallenge};
pub use platform::{Clock, PlatformKeyStore, PlatformKeyStoreError};
pub use profiles::{Address, BirthDate, Profile, ProfileField, ProfileInput, ProfileRelation, Profiles};
pub use results::{
    explain_sample, parse_sample_code, Explanation, PollReport, Results, ResultsError, ResultsListener, Sample, SampleCodeInfo,
    SampleCodeKind, SampleReason, SampleState,
};
pub use quarantine::{
    LocationSource, Quarantine, QuarantineCase, QuarantineCaseState, QuarantineChallenge, QuarantineCheckIn, QuarantineCommitment,
    QuarantineDecision, QuarantineError, QuarantineExplanationReason, QuarantineFix, QuarantineFixSource, QuarantineOrder,
    QuarantineOrderState, QuarantineRadioScan, QuarantineSensorError, QuarantineSensorProblem, QuarantineVerdict, QuarantineVerdictReason, RadioScanner,
};
pub use root::Healthbook;
pub use settings::{Language, Settings};
pub use setup::{PlatformFacts, SetupCheck, SetupState, SetupStep};
pub use vaccination::{
    InvitationClosedReason, ProfileVaccinationRecord, VaccinationCertificate, VaccinationDose, VaccinationDoseSource, VaccinationError,
    VaccinationInvitation, VaccinationInvitationState, VaccinationRegistration, VaccinationRegistrationState, VaccinationReminder,
    VaccinationReminderKind, Vaccinations,
};
pub use vaccination_site::{
    check_vaccination_scan, SiteCertificate, SiteDose, SiteDoseCandidate, SiteHeldDoses, SiteInfo, SiteInvitation, SiteInvitationRound,
    SiteRecordedDose, SiteScanProblem, SiteSession, SiteSlot, SiteSlotPlan, SiteStockLot, SiteStockReport,
    VaccinationSite, VaccinationSiteError,
};
pub use volunteers::{ConsentMethod, ManagedPerson, VolunteerError, Volunteers};
