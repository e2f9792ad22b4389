//! The root object: opens a data directory and hands out the per-area clients, each holding only what it needs
//! (the database, the data key, the clock, a session, the shared verifier store), never the root itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::OptionalExtension;
use thiserror::Error;

use crate::clock::{Clock, SystemClock};
use crate::keystore::{KeyStoreError, PlatformKeyStore};
use crate::declarations::{DeclarationReceipts, Declarations};
use crate::outbox::{self, Outbox, SyncEngine};
use crate::passes::Passes;
use crate::profiles::Profiles;
use crate::sealing::{Sealer, SealingError};
use crate::session::Session;
use crate::settings::Settings;
use crate::storage::{schema, Database, StorageError};
use crate::trust::{SharedTrustStore, Trust};

/// Key-store alias of the key that encrypts personal data at rest.
pub const DATA_KEY_ALIAS: &str = "org.healthbook.data-key.v1";
const DATABASE_FILE: &str = "healthbook.sqlite3";
const KEY_CHECK_PLAINTEXT: &[u8] = b"healthbook key check";

/// Errors from opening a data directory.
#[derive(Debug, Error)]
pub enum OpenError {
    /// The data directory can't be created or used.
    #[error("data directory unusable: {0}")]
    InvalidDataDir(String),
    /// The platform key store failed.
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
    /// The key store has no key (or another key) for a database that already holds encrypted data.
    #[error("the key store's data key does not open this database: {0}")]
    KeyMismatch(String),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

/// What [`Healthbook::open`] needs.
pub struct HealthbookConfig {
    /// Directory for the database and caches; created if missing.
    pub data_dir: PathBuf,
    /// The platform's secret storage.
    pub key_store: Arc<dyn PlatformKeyStore>,
    /// The time source; [`SystemClock`] outside tests.
    pub clock: Arc<dyn Clock>,
}

impl HealthbookConfig {
    /// A configuration with the system clock.
    pub fn new(data_dir: impl Into<PathBuf>, key_store: Arc<dyn PlatformKeyStore>) -> Self {
        Self { data_dir: data_dir.into(), key_store, clock: Arc::new(SystemClock) }
    }
}

/// An opened Healthbook data directory.
#[derive(Clone)]
pub struct Healthbook {
    pub(crate) db: Database,
    pub(crate) sealer: Arc<Sealer>,
    pub(crate) clock: Arc<dyn Clock>,
    data_dir: PathBuf,
    pub(crate) sync: Arc<SyncEngine>,
    verifier_store: Arc<SharedTrustStore>,
    pub(crate) risky_index: Arc<crate::checkin::RiskyIndexCache>,
    pub(crate) gate_state: Arc<crate::gate::GateState>,
    pub(crate) qa_index: Arc<crate::hotline::QaIndexCache>,
}

impl Healthbook {
    /// Opens (or creates) the data directory, unlocks the data key and brings the database up to date.
    pub fn open(config: HealthbookConfig) -> Result<Self, OpenError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| OpenError::InvalidDataDir(e.to_string()))?;
        let db = Database::open(&config.data_dir.join(DATABASE_FILE))?;
        let sealer = {
            let mut conn = db.lock();
            let stored_check = read_key_check(&conn)?;
            let key = match (config.key_store.load_key(DATA_KEY_ALIAS)?, &stored_check) {
                (Some(key), _) => key,
                (None, Some(_)) => {
                    return Err(OpenError::KeyMismatch("the key store lost the data key of this database".into()));
                }
                (None, None) => {
                    let key = Sealer::generate_key().map_err(|e| OpenError::KeyMismatch(e.to_string()))?;
                    config.key_store.store_key(DATA_KEY_ALIAS, &key)?;
                    key
                }
            };
            let sealer = Sealer::new(&key).map_err(|e| OpenError::KeyMismatch(e.to_string()))?;
            if let Some(sealed) = &stored_check {
                sealer.open("key_check", sealed).map_err(|e: SealingError| OpenError::KeyMismatch(e.to_string()))?;
            }
            schema::migrate(&mut conn, &sealer)?;
            // Diary entries past retention go before anything can read them, however long the app was closed.
            crate::checkin::purge_at_open(&mut conn, &sealer, config.clock.now()).map_err(|e| match e {
                crate::checkin::CheckInError::Storage(s) => OpenError::Storage(s),
                other => OpenError::Storage(StorageError::Task(other.to_string())),
            })?;
            // Quarantine records past retention likewise.
            crate::quarantine::purge_at_open(&mut conn, config.clock.now()).map_err(|e| match e {
                crate::quarantine::QuarantineError::Storage(s) => OpenError::Storage(s),
                other => OpenError::Storage(StorageError::Task(other.to_string())),
            })?;
            // Answered hotline questions past retention likewise.
            crate::hotline::purge_at_open(&mut conn, config.clock.now()).map_err(|e| match e {
                crate::hotline::HotlineError::Storage(s) => OpenError::Storage(s),
                other => OpenError::Storage(StorageError::Task(other.to_string())),
            })?;
            if stored_check.is_none() {
                let sealed = sealer.seal("key_check", KEY_CHECK_PLAINTEXT).map_err(|e| OpenError::KeyMismatch(e.to_string()))?;
                conn.execute("INSERT INTO key_check (id, sealed) VALUES (1, ?1)", [sealed])?;
            }
            sealer
        };
        let sealer = Arc::new(sealer);
        let sync = Arc::new(SyncEngine::new(
            db.clone(),
            sealer.clone(),
            config.clock.clone(),
            outbox::Backoff::default(),
            vec![
                Arc::new(DeclarationReceipts::new(sealer.clone(), config.clock.clone())),
                Arc::new(crate::vaccination::RegistrationReceipts::new(sealer.clone())),
                Arc::new(crate::vaccination::AnswerReceipts::new(sealer.clone())),
                Arc::new(crate::quarantine::CheckInReceipts::new(sealer.clone())),
                Arc::new(crate::quarantine::ExplanationReceipts::new(sealer.clone())),
                Arc::new(crate::hotline::QuestionReceipts::new(sealer.clone(), config.clock.clone())),
            ],
        ));
        Ok(Self {
            db,
            sealer,
            clock: config.clock,
            data_dir: config.data_dir,
            sync,
            verifier_store: Arc::new(SharedTrustStore::new()),
            risky_index: Arc::default(),
            gate_state: Arc::new(crate::gate::GateState::new()),
            qa_index: Arc::default(),
        })
    }

    /// The profiles on this phone.
    pub fn profiles(&self) -> Profiles {
        Profiles::new(self.db.clone(), self.sealer.clone(), self.clock.clone())
    }

    /// Health and movement declarations.
    pub fn declarations(&self) -> Declarations {
        Declarations::new(self.db.clone(), self.sealer.clone(), self.clock.clone())
    }

    /// The outbox and sync.
    pub fn outbox(&self) -> Outbox {
        Outbox::new(self.db.clone(), self.sealer.clone(), self.session(), self.sync.clone(), self.declarations(), self.trust())
    }

    /// Trust lists, EU DCC certificates and the offline checkpoint verifier (one shared store for all scans).
    pub fn trust(&self) -> Trust {
        Trust::new(self.db.clone(), self.clock.clone(), self.verifier_store.clone())
    }

    /// Personal health passes.
    pub fn passes(&self) -> Passes {
        Passes::new(self.db.clone(), self.sealer.clone(), self.session(), self.profiles(), self.trust())
    }

    /// This installation's sign-in to the configured server.
    pub fn session(&self) -> Session {
        Session::new(self.db.clone(), self.sealer.clone(), self.clock.clone())
    }

    /// Deletes data past its retention period; run at start-up and daily by the platform's scheduler.
    pub async fn purge_expired(&self) -> Result<usize, StorageError> {
        let declarations = self.declarations().purge_expired().await?;
        let samples = self.results().purge_expired().await.map_err(|e| match e {
            crate::results::ResultsError::Storage(s) => s,
            other => StorageError::Task(other.to_string()),
        })?;
        let visits = self.checkins().purge_expired().await.map_err(|e| match e {
            crate::checkin::CheckInError::Storage(s) => s,
            other => StorageError::Task(other.to_string()),
        })?;
        let passages = self.gate().purge_expired().await.map_err(|e| match e {
            crate::gate::GateError::Storage(s) => s,
            other => StorageError::Task(other.to_string()),
        })?;
        let cutoff = self.clock.now() - chrono::Duration::days(healthbook_protocol::quarantine::RECORD_RETENTION_DAYS);
        let invitations = self.vaccinations().purge_expired().await.map_err(|e| match e {
            crate::vaccination::VaccinationError::Storage(s) => s,
            other => StorageError::Task(other.to_string()),
        })?;
        let quarantine = self.db.write(move |tx| crate::quarantine::db::purge(tx, cutoff)).await.map_err(|e| match e {
            crate::quarantine::QuarantineError::Storage(s) => s,
            other => StorageError::Task(other.to_string()),
        })?;
        let questions = self.hotline().purge_expired().await.map_err(|e| match e {
            crate::hotline::HotlineError::Storage(s) => s,
            other => StorageError::Task(other.to_string()),
        })?;
        Ok(declarations + samples + visits + passages + invitations + quarantine + questions)
    }

    /// The app settings.
    pub fn settings(&self) -> Settings {
        Settings::new(self.db.clone())
    }

    /// The database schema version in use.
    pub fn schema_version(&self) -> u32 {
        schema::LATEST_VERSION
    }

    /// The data directory this instance was opened on.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The injected clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }
}

fn read_key_check(conn: &rusqlite::Connection) -> Result<Option<Vec<u8>>, OpenError> {
    let has_table: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'key_check'",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(None);
    }
    Ok(conn.query_row("SELECT sealed FROM key_check WHERE id = 1", [], |r| r.get(0)).optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::keystore::MemoryKeyStore;
    use crate::profiles::{Address, BirthDate, ProfileError, ProfileInput, ProfileRelation};
    use chrono::{TimeZone, Utc};

    fn input(name: &str, cid: Option<&str>, relation: ProfileRelation) -> ProfileInput {
        ProfileInput {
            relation,
            full_name: name.into(),
            birth: BirthDate { year: 1990, month: None, day: None },
            phone: Some("0912345678".into()),
            citizen_id: cid.map(Into::into),
            address: Some(Address { province_code: "79".into(), ward_code: None, street: None }),
        }
    }

    fn open(dir: &Path, keys: Arc<dyn PlatformKeyStore>) -> Result<Healthbook, OpenError> {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 9, 1, 0, 0, 0).unwrap()));
        Healthbook::open(HealthbookConfig { data_dir: dir.to_owned(), key_store: keys, clock })
    }

    #[tokio::test]
    async fn profile_crud_round_trip_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Arc<dyn PlatformKeyStore> = Arc::new(MemoryKeyStore::default());
        let hb = open(dir.path(), keys.clone()).unwrap();
        let me = hb.profiles().add(input("Trần Thị Bình", Some("001190012345"), ProfileRelation::Myself)).await.unwrap();
        let child = hb.profiles().add(input("Trần Văn Cường", None, ProfileRelation::FamilyMember)).await.unwrap();
        assert_eq!(me.created_at, Utc.with_ymd_and_hms(2021, 9, 1, 0, 0, 0).unwrap());
        let updated = hb.profiles().update(&child.id, input("Trần Văn Cường Em", None, ProfileRelation::FamilyMember)).await.unwrap();
        assert_eq!(updated.created_at, child.created_at);
        drop(hb);

        let hb = open(dir.path(), keys).unwrap();
        let list = hb.profiles().list().await.unwrap();
        assert_eq!(list.iter().map(|p| p.details.full_name.as_str()).collect::<Vec<_>>(), ["Trần Thị Bình", "Trần Văn Cường Em"]);
        hb.profiles().remove(&me.id).await.unwrap();
        assert!(matches!(hb.profiles().get(&me.id).await, Err(ProfileError::NotFound(_))));
        assert!(matches!(hb.profiles().remove(&me.id).await, Err(ProfileError::NotFound(_))));
    }

    #[tokio::test]
    async fn one_owner_and_unique_citizen_ids() {
        let dir = tempfile::tempdir().unwrap();
        let hb = open(dir.path(), Arc::new(MemoryKeyStore::default())).unwrap();
        hb.profiles().add(input("An", Some("001090012345"), ProfileRelation::Myself)).await.unwrap();
        assert!(matches!(
            hb.profiles().add(input("Bình", None, ProfileRelation::Myself)).await,
            Err(ProfileError::SelfProfileExists)
        ));
        assert!(matches!(
            hb.profiles().add(input("Chi", Some("001 090 012345"), ProfileRelation::FamilyMember)).await,
            Err(ProfileError::DuplicateCitizenId)
        ));
        assert_eq!(hb.profiles().list().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn personal_data_is_not_stored_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let hb = open(dir.path(), Arc::new(MemoryKeyStore::default())).unwrap();
        hb.profiles().add(input("Phạm Quỳnh Hương", Some("001090012345"), ProfileRelation::Myself)).await.unwrap();
        drop(hb);
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        let haystack = String::from_utf8_lossy(&bytes);
        for secret in ["Quỳnh", "001090012345", "912345678"] {
            assert!(!haystack.contains(secret), "{secret} found in clear");
        }
    }

    #[tokio::test]
    async fn wrong_or_lost_key_is_refused_and_data_kept() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Arc<dyn PlatformKeyStore> = Arc::new(MemoryKeyStore::default());
        let hb = open(dir.path(), keys.clone()).unwrap();
        hb.profiles().add(input("An", None, ProfileRelation::Myself)).await.unwrap();
        drop(hb);
        let other = MemoryKeyStore::default();
        other.store_key(DATA_KEY_ALIAS, &Sealer::generate_key().unwrap()).unwrap();
        assert!(matches!(open(dir.path(), Arc::new(other)), Err(OpenError::KeyMismatch(_))));
        assert!(matches!(open(dir.path(), Arc::new(MemoryKeyStore::default())), Err(OpenError::KeyMismatch(_))));
        let hb = open(dir.path(), keys).unwrap();
        assert_eq!(hb.profiles().list().await.unwrap().len(), 1);
    }

    struct BrokenKeyStore;
    impl PlatformKeyStore for BrokenKeyStore {
        fn load_key(&self, _: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
            Err(KeyStoreError::Unavailable("device locked".into()))
        }
        fn store_key(&self, _: &str, _: &[u8]) -> Result<(), KeyStoreError> {
            Err(KeyStoreError::Unavailable("device locked".into()))
        }
    }

    #[test]
    fn key_store_failure_is_typed() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(open(dir.path(), Arc::new(BrokenKeyStore)), Err(OpenError::KeyStore(_))));
    }

    #[test]
    fn unusable_data_dir_is_typed() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let inside_a_file = file.path().join("sub");
        assert!(matches!(open(&inside_a_file, Arc::new(MemoryKeyStore::default())), Err(OpenError::InvalidDataDir(_))));
    }

    #[tokio::test]
    async fn settings_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let hb = open(dir.path(), Arc::new(MemoryKeyStore::default())).unwrap();
        let settings = hb.settings();
        assert_eq!(settings.language().await.unwrap(), crate::settings::Language::Vi);
        settings.set_language(crate::settings::Language::En).await.unwrap();
        assert_eq!(settings.language().await.unwrap(), crate::settings::Language::En);
        assert_eq!(settings.server_url().await.unwrap(), None);
        settings.set_server_url(Some("https://api.example.vn/".into())).await.unwrap();
        assert_eq!(settings.server_url().await.unwrap().as_deref(), Some("https://api.example.vn"));
        assert!(settings.set_server_url(Some("ftp://x".into())).await.is_err());
        assert!(matches!(
            settings.set_server_url(Some("http://example.com".into())).await,
            Err(crate::settings::SettingsError::InsecureServerUrl(host)) if host == "example.com"
        ));
        assert_eq!(settings.server_url().await.unwrap().as_deref(), Some("https://api.example.vn"), "a refused URL changes nothing");
        settings.set_server_url(Some("http://127.0.0.1:8080".into())).await.unwrap();
        settings.set_server_url(None).await.unwrap();
        assert_eq!(settings.server_url().await.unwrap(), None);
    }
}
