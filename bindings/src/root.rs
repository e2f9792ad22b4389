//! The root object the shells create once per process.

use std::sync::Arc;

use healthbook_core as core;

use crate::checkin::CheckIns;
use crate::declarations::Declarations;
use crate::outbox::Outbox;
use crate::error::OpenError;
use crate::gate::Gate;
use crate::hotline::Hotline;
use crate::passes::Passes;
use crate::verifier::Verifier;
use crate::persons::Persons;
use crate::vaccination_site::VaccinationSite;
use crate::volunteers::Volunteers;
use crate::platform::{Clock, ClockAdapter, KeyStoreAdapter, PlatformKeyStore};
use crate::profiles::Profiles;
use crate::results::Results;
use crate::settings::Settings;
use crate::setup::SetupCheck;
use crate::vaccination::Vaccinations;
use crate::quarantine::{LocationSource, Quarantine, RadioScanner};

/// An opened Healthbook data directory; hands out one object per area.
#[derive(uniffi::Object)]
pub struct Healthbook(core::Healthbook);

#[uniffi::export]
impl Healthbook {
    /// Opens (or creates) the data directory `data_dir`, with the data key kept by `key_store`.
    #[uniffi::constructor]
    pub fn new(data_dir: String, key_store: Arc<dyn PlatformKeyStore>) -> Result<Arc<Self>, OpenError> {
        let config = core::HealthbookConfig::new(data_dir, Arc::new(KeyStoreAdapter(key_store)));
        Ok(Arc::new(Self(core::Healthbook::open(config)?)))
    }

    /// Like the constructor, with an injected clock (for tests and demos).
    #[uniffi::constructor]
    pub fn with_clock(
        data_dir: String,
        key_store: Arc<dyn PlatformKeyStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, OpenError> {
        let config = core::HealthbookConfig {
            data_dir: data_dir.into(),
            key_store: Arc::new(KeyStoreAdapter(key_store)),
            clock: Arc::new(ClockAdapter(clock)),
        };
        Ok(Arc::new(Self(core::Healthbook::open(config)?)))
    }

    /// The people on this phone.
    pub fn profiles(&self) -> Arc<Profiles> {
        Arc::new(Profiles(self.0.profiles()))
    }

    /// Health and movement declarations.
    pub fn declarations(&self) -> Arc<Declarations> {
        Arc::new(Declarations(self.0.declarations()))
    }

    /// The outbox and sync.
    pub fn outbox(&self) -> Arc<Outbox> {
        Arc::new(Outbox(self.0.outbox()))
    }

    /// Personal health passes.
    pub fn passes(&self) -> Arc<Passes> {
        Arc::new(Passes(self.0.passes()))
    }

    /// Bindings of the profiles to person records (needed for a pass).
    pub fn persons(&self) -> Arc<Persons> {
        Arc::new(Persons(self.0.persons()))
    }

    /// The volunteer's people: enrol, consent, doses, control cards.
    pub fn volunteers(&self) -> Arc<Volunteers> {
        Arc::new(Volunteers(self.0.volunteers()))
    }

    /// The vaccination site's and officer's tools (sign in as a health officer first). Each call hands out a
    /// new object with its own session: keep one for the app's life.
    pub fn vaccination_site(&self) -> Arc<VaccinationSite> {
        Arc::new(VaccinationSite(self.0.vaccination_site()))
    }

    /// Test results: samples registered by code and followed until their result.
    pub fn results(&self) -> Arc<Results> {
        Arc::new(Results(self.0.results()))
    }

    /// Home quarantine with the shell's sensors (read only inside `enrol` and `check_in`).
    pub fn quarantine(&self, location: Arc<dyn LocationSource>, radio: Arc<dyn RadioScanner>) -> Arc<Quarantine> {
        Arc::new(Quarantine::new(&self.0, location, radio))
    }

    /// The citizen's vaccination: registrations, doses, invitations and the certificate wallet.
    pub fn vaccinations(&self) -> Arc<Vaccinations> {
        Arc::new(Vaccinations(self.0.vaccinations()))
    }

    /// The citizen's check-in diary and exposure check.
    pub fn checkins(&self) -> Arc<CheckIns> {
        Arc::new(CheckIns { inner: self.0.checkins(), settings: self.0.settings() })
    }

    /// The hotline: the province's Q&A set searched offline, and the citizen's questions and their answers.
    pub fn hotline(&self) -> Arc<Hotline> {
        Arc::new(Hotline(self.0.hotline()))
    }

    /// The offline checkpoint verifier.
    pub fn verifier(&self) -> Arc<Verifier> {
        Arc::new(Verifier(self.0.trust()))
    }

    /// The gate device (the reverse model): bind to a gate, scan cards, sync the passages.
    pub fn gate(&self) -> Arc<Gate> {
        Arc::new(Gate { gate: self.0.gate(), settings: self.0.settings() })
    }

    /// The app settings.
    pub fn settings(&self) -> Arc<Settings> {
        Arc::new(Settings(self.0.settings()))
    }

    /// The set-up check (permissions, server, trust list, bindings, passes, outbox).
    pub fn setup_check(&self) -> Arc<SetupCheck> {
        Arc::new(SetupCheck(self.0.clone()))
    }

    /// The database schema version in use.
    pub fn schema_version(&self) -> u32 {
        self.0.schema_version()
    }
}
