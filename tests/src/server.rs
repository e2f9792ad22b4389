//! Starting the real reference server in-process on a random loopback port, against a temporary SQLite file or
//! a fresh PostgreSQL schema, and talking to it through the core's client.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use healthbook_core::ManualClock;
use healthbook_core::client::{ClientConfig, RetryPolicy, ServerClient};
use healthbook_core::trust::VerifyingKey;
use healthbook_server::persons::sms::{RecordingSmsSender, SentSms};
use healthbook_server::storage::{StorageError, Value};
use healthbook_server::{AppState, Database, DatabaseLocation, RunningServer, ServerConfig, admin};

/// Environment variable naming the PostgreSQL server the tests may use.
pub const POSTGRES_ENV: &str = "HEALTHBOOK_TEST_POSTGRES_URL";

/// Username of the authority admin every test server starts with.
pub const ADMIN_USERNAME: &str = "admin";
/// Its password.
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
/// The key-encryption key of every test server (fixed, so a second instance opens the same keys).
pub const TEST_KEK: [u8; 32] = [0x4b; 32];

/// [`TEST_KEK`] as the server takes it.
pub fn test_kek() -> healthbook_server::keys::Kek {
    healthbook_server::keys::Kek::from_bytes(&TEST_KEK).expect("test KEK")
}

/// Opens a test database with [`TEST_KEK`], as the server binary opens its own.
pub async fn open_test_database(location: &DatabaseLocation) -> Database {
    let db = Database::open(location).await.expect("open database").with_kek(test_kek());
    healthbook_server::keys::unlock(&db).await.expect("unlock the keys with the test KEK");
    db
}

/// PBKDF2 iterations in tests: enough to exercise the code, few enough to keep the suite fast.
pub const TEST_PBKDF2_ITERATIONS: u32 = 1_000;

/// Which database a scenario runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh schema in the database named by [`POSTGRES_ENV`].
    Postgres,
}

/// Settings for tests: few PBKDF2 iterations, generous rate limits unless a test lowers them.
pub fn test_config() -> ServerConfig {
    ServerConfig {
        pbkdf2_iterations: TEST_PBKDF2_ITERATIONS,
        rate_limit_per_minute: 10_000,
        anonymous_rate_limit_per_minute: 10_000,
        login_attempts_per_minute: 10_000,
        login_failures_per_address_per_minute: 10_000,
        login_failures_per_address_per_hour: 100_000,
        device_auth_per_address_per_minute: 10_000,
        // The test server speaks plain HTTP on loopback.
        console_secure_cookies: false,
        ..ServerConfig::default()
    }
}

/// A person record for [`TestServer::bind_profile`].
#[derive(Debug, Clone)]
pub struct TestPerson {
    /// The person id.
    pub id: String,
    /// Full name, NFC.
    pub full_name: String,
    /// Birth year.
    pub birth_year: u16,
    /// Province code.
    pub province_code: String,
}

impl TestPerson {
    /// A new person with a fresh id, living in province 01.
    pub fn new(full_name: &str, birth_year: u16) -> Self {
        Self { id: uuid::Uuid::new_v4().to_string(), full_name: full_name.into(), birth_year, province_code: "01".into() }
    }
}

/// Where a test's database lives, so that a second instance can share it.
#[derive(Debug, Clone)]
pub struct SharedDatabase {
    location: DatabaseLocation,
    schema: Option<(String, String)>,
}

/// A running reference server with a fresh database, initialised with a root key and an authority admin.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The root public key that clients pin.
    pub root_key: VerifyingKey,
    /// The clock the server (and the clients made here) read; move it to expire tokens.
    pub clock: Arc<ManualClock>,
    /// The server's database, for counting rows.
    pub db: Database,
    /// The database's location.
    pub shared: SharedDatabase,
    /// Every text message the server sent (its SMS sender records instead of sending).
    pub sms_sender: Arc<RecordingSmsSender>,
    config: ServerConfig,
    server: Option<RunningServer>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server on `backend` with [`test_config`].
    ///
    /// A PostgreSQL scenario without [`POSTGRES_ENV`] fails rather than passes: the variants are compiled as
    /// ignored when no database is configured (see `build.rs`), so reaching this without one is a mistake.
    pub async fn start(backend: TestBackend) -> Self {
        Self::start_with(backend, test_config()).await
    }

    /// Starts a server on `backend` with `config`.
    pub async fn start_with(backend: TestBackend, config: ServerConfig) -> Self {
        Self::start_at(backend, config, "127.0.0.1:0".parse().expect("address")).await
    }

    /// Starts a server on `backend` with `config`, listening on `addr` (a port chosen before the server existed,
    /// for tests where clients queue work while the server is down).
    pub async fn start_at(backend: TestBackend, config: ServerConfig, addr: std::net::SocketAddr) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let shared = match backend {
            TestBackend::Sqlite => {
                SharedDatabase { location: DatabaseLocation::Sqlite(dir.path().join("server.db")), schema: None }
            }
            TestBackend::Postgres => {
                let url = std::env::var(POSTGRES_ENV)
                    .unwrap_or_else(|_| panic!("{POSTGRES_ENV} is not set: run scripts/postgres.sh or scripts/test.sh"));
                let schema = format!("hb_test_{}", uuid::Uuid::new_v4().simple());
                run_admin_sql(&url, &format!("CREATE SCHEMA {schema}")).await.expect("create test schema");
                let separator = if url.contains('?') { '&' } else { '?' };
                let scoped = format!("{url}{separator}options=-csearch_path%3D{schema}");
                SharedDatabase {
                    location: DatabaseLocation::Postgres { url: scoped, pool_size: 4, ca_file: None },
                    schema: Some((url, schema)),
                }
            }
        };
        let db = open_test_database(&shared.location).await;
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap()));
        let report = admin::init(&db, clock.clone(), ADMIN_USERNAME, ADMIN_PASSWORD, TEST_PBKDF2_ITERATIONS)
            .await
            .expect("init");
        let root_key = VerifyingKey::from_spki_base64(&report.root_public_key).expect("root key");
        let sms_sender = Arc::new(RecordingSmsSender::default());
        let state = AppState::new(db.clone(), clock.clone(), config.clone()).with_sms(sms_sender.clone());
        let server = RunningServer::start(state, addr).await.expect("start server");
        Self { base_url: server.base_url(), root_key, clock, db, shared, sms_sender, config, server: Some(server), _dir: dir }
    }

    /// A second server instance on the same database (as behind a load balancer), with its own clock.
    pub async fn another_instance(&self, config: ServerConfig) -> RunningServer {
        let db = open_test_database(&self.shared.location).await;
        let state = AppState::new(db, self.clock.clone(), config).with_sms(self.sms_sender.clone());
        RunningServer::start(state, "127.0.0.1:0".parse().unwrap()).await.expect("start server")
    }

    /// The text messages the server sent so far, oldest first.
    pub fn sms(&self) -> Vec<SentSms> {
        self.sms_sender.sent()
    }

    /// Where the database lives (a SQLite path, or a PostgreSQL URL with its test schema).
    pub fn location(&self) -> &DatabaseLocation {
        &self.shared.location
    }

    /// A client of this server with tiny retry delays, reading the server's clock.
    pub fn client(&self) -> ServerClient {
        client_for(&self.base_url, self.clock.clone())
    }

    /// A client signed in as the authority admin.
    pub async fn admin_client(&self) -> ServerClient {
        let client = self.client();
        client.sign_in_staff(ADMIN_USERNAME, ADMIN_PASSWORD).await.expect("admin login");
        client
    }

    /// Number of rows in `table` (a fixed name from the test, never user input).
    pub async fn count(&self, table: &'static str) -> i64 {
        self.db
            .read(move |tx| tx.query(&format!("SELECT COUNT(*) FROM {table}"), &[])?[0].int(0))
            .await
            .map_err(|e: StorageError| e)
            .expect("count rows")
    }

    /// Runs one SQL statement on the server's database (to tamper with it, as an attacker could).
    pub async fn execute_sql(&self, sql: &'static str) -> u64 {
        self.db.write(move |tx| tx.execute(sql, &[])).await.map_err(|e: StorageError| e).expect("execute sql")
    }

    /// Binds `device_id`'s `profile_ref` to a person by direct inserts (the person is created when `person` is
    /// new), standing in for the SMS or attestation binding flows in tests about what a binding gives.
    pub async fn bind_profile(&self, device_id: &str, profile_ref: &str, person: &TestPerson) {
        let (device_id, profile_ref, person) = (device_id.to_owned(), profile_ref.to_owned(), person.clone());
        let now = healthbook_core::Clock::now(&*self.clock).timestamp_millis();
        self.db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO persons (id, id_hash, id_kind, full_name, birth_year, province_code, verification, created_at) \
                     VALUES ($1, $2, 'cccd', $3, $4, $5, 'attested', $6) ON CONFLICT (id) DO NOTHING",
                    &[
                        person.id.clone().into(),
                        format!("test-hash-{}", person.id).into(),
                        person.full_name.clone().into(),
                        Value::Int(i64::from(person.birth_year)),
                        person.province_code.clone().into(),
                        Value::Int(now),
                    ],
                )?;
                tx.execute(
                    "INSERT INTO person_bindings (device_id, profile_ref, person_id, method, created_at) VALUES ($1, $2, $3, 'attestation', $4)",
                    &[device_id.into(), profile_ref.into(), person.id.into(), Value::Int(now)],
                )
            })
            .await
            .map_err(|e: StorageError| e)
            .expect("bind profile");
    }

    /// Creates persons known by their citizen ids (kept as the server's keyed hash, as enrolment keeps them) and
    /// binds (device, profile) pairs to them, all in one transaction: hundreds of joined people in milliseconds for
    /// tests that count them. A person may be listed without a binding (known, on no phone) or bound twice.
    pub async fn add_citizens(&self, persons: &[(String, TestPerson)], bindings: &[(String, String, String)]) {
        let (persons, bindings) = (persons.to_vec(), bindings.to_vec());
        let now = healthbook_core::Clock::now(&*self.clock).timestamp_millis();
        self.db
            .write(move |tx| {
                let key = healthbook_server::persons::db::person_id_key(tx)?;
                for (citizen_id, person) in &persons {
                    tx.execute(
                        "INSERT INTO persons (id, id_hash, id_kind, full_name, birth_year, province_code, verification, created_at) \
                         VALUES ($1, $2, 'cccd', $3, $4, $5, 'attested', $6)",
                        &[
                            person.id.clone().into(),
                            healthbook_server::persons::db::person_id_hash_with(&key, citizen_id).into(),
                            person.full_name.clone().into(),
                            Value::Int(i64::from(person.birth_year)),
                            person.province_code.clone().into(),
                            Value::Int(now),
                        ],
                    )?;
                }
                for (device_id, profile_ref, person_id) in &bindings {
                    tx.execute(
                        "INSERT INTO person_bindings (device_id, profile_ref, person_id, method, created_at) VALUES ($1, $2, $3, 'attestation', $4)",
                        &[device_id.clone().into(), profile_ref.clone().into(), person_id.clone().into(), Value::Int(now)],
                    )?;
                }
                Ok::<_, healthbook_server::ApiError>(())
            })
            .await
            .expect("add citizens");
    }

    /// Stops the HTTP server (the database stays), e.g. to test offline behaviour.
    pub async fn stop_http(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("server stopped cleanly");
        }
    }

    /// Serves again at the same address after [`Self::stop_http`] (same database and settings), so that clients
    /// that kept the address find the server back.
    pub async fn restart_http(&mut self) {
        assert!(self.server.is_none(), "the server is still running");
        let addr = self.base_url.trim_start_matches("http://").parse().expect("address");
        let state = AppState::new(self.db.clone(), self.clock.clone(), self.config.clone()).with_sms(self.sms_sender.clone());
        self.server = Some(RunningServer::start(state, addr).await.expect("restart server"));
    }

    /// Stops the server and drops the PostgreSQL schema.
    pub async fn stop(mut self) {
        self.stop_http().await;
        if let Some((url, schema)) = self.shared.schema.take() {
            let _ = run_admin_sql(&url, &format!("DROP SCHEMA {schema} CASCADE")).await;
        }
    }
}

/// A client of `base_url` with short timeouts and tiny retry delays.
pub fn client_for(base_url: &str, clock: Arc<ManualClock>) -> ServerClient {
    let mut config = ClientConfig::new(base_url);
    config.connect_timeout = Duration::from_secs(2);
    config.request_timeout = Duration::from_secs(10);
    config.retry = RetryPolicy::tiny();
    ServerClient::new(config, clock).expect("client")
}

/// An empty database (a SQLite file, or a fresh PostgreSQL schema) that nothing has migrated yet, for tests that
/// build an older schema by hand.
pub struct ScratchDatabase {
    /// Where it is.
    pub location: DatabaseLocation,
    schema: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl ScratchDatabase {
    /// Makes one on `backend`.
    pub async fn new(backend: TestBackend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            TestBackend::Sqlite => {
                Self { location: DatabaseLocation::Sqlite(dir.path().join("scratch.db")), schema: None, _dir: dir }
            }
            TestBackend::Postgres => {
                let url = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| panic!("{POSTGRES_ENV} is not set"));
                let schema = format!("hb_scratch_{}", uuid::Uuid::new_v4().simple());
                run_admin_sql(&url, &format!("CREATE SCHEMA {schema}")).await.expect("create scratch schema");
                let separator = if url.contains('?') { '&' } else { '?' };
                let scoped = format!("{url}{separator}options=-csearch_path%3D{schema}");
                Self {
                    location: DatabaseLocation::Postgres { url: scoped, pool_size: 2, ca_file: None },
                    schema: Some((url, schema)),
                    _dir: dir,
                }
            }
        }
    }

    /// A handle on it that runs no migration.
    pub fn open_unmigrated(&self) -> Database {
        use healthbook_server::storage::{PostgresStorage, SqliteStorage};
        match &self.location {
            DatabaseLocation::Sqlite(path) => Database::new(Arc::new(SqliteStorage::open(path).expect("open sqlite"))),
            DatabaseLocation::Postgres { url, pool_size, ca_file } => Database::new(Arc::new(
                PostgresStorage::connect(url, *pool_size, ca_file.as_deref()).expect("connect postgres"),
            )),
        }
    }

    /// The PostgreSQL schema's name, which introspection output contains and comparisons must ignore.
    pub fn schema_name(&self) -> Option<&str> {
        self.schema.as_ref().map(|(_, schema)| schema.as_str())
    }

    /// Drops the PostgreSQL schema (SQLite's file goes with the temporary directory).
    pub async fn drop(mut self) {
        if let Some((url, schema)) = self.schema.take() {
            let _ = run_admin_sql(&url, &format!("DROP SCHEMA {schema} CASCADE")).await;
        }
    }
}

async fn run_admin_sql(url: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await?;
    drop(client);
    let _ = task.await;
    Ok(())
}

/// Declares each scenario `fn name(backend: TestBackend)` as two tests, `sqlite::name` and `postgres::name`; the
/// PostgreSQL one is ignored (reported as skipped) when the tests were built without a test database.
#[macro_export]
macro_rules! server_scenarios {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::server::TestBackend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(postgres_configured), ignore = "needs HEALTHBOOK_TEST_POSTGRES_URL (scripts/postgres.sh)")]
                async fn $name() {
                    super::$name($crate::server::TestBackend::Postgres).await
                }
            )*
        }
    };
}

/// Sends a raw request (for inputs the core client would never produce) and returns status, headers and JSON.
pub async fn raw_request(
    builder: reqwest::RequestBuilder,
) -> (u16, reqwest::header::HeaderMap, Option<serde_json::Value>) {
    let response = builder.send().await.expect("raw request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("raw response body");
    (status, headers, serde_json::from_slice(&bytes).ok())
}

/// Asserts that a raw answer is the API's JSON error with `status` and `code`.
pub fn assert_json_error(
    answer: &(u16, reqwest::header::HeaderMap, Option<serde_json::Value>),
    status: u16,
    code: &str,
) {
    let (got_status, headers, body) = answer;
    assert_eq!(*got_status, status, "status; body: {body:?}");
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("application/json"), "content type {content_type:?}");
    let body = body.as_ref().expect("JSON body");
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "message in {body}");
}

/// Asserts that a client call failed with the server's `status` and `code`.
pub fn assert_http_error<T: std::fmt::Debug>(
    result: Result<T, healthbook_core::client::ClientError>,
    status: u16,
    code: &str,
) {
    match result {
        Err(healthbook_core::client::ClientError::Http { status: got, code: got_code, .. }) => {
            assert_eq!((got, got_code.as_str()), (status, code));
        }
        other => panic!("expected HTTP {status} {code}, got {other:?}"),
    }
}
