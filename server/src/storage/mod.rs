//! The storage interface: one async [`Storage`] trait, served by SQLite (embedded) and PostgreSQL (scale-out).
//!
//! Domain code never talks to a driver. It runs a synchronous closure inside one transaction
//! ([`Database::write`] / [`Database::read`]) and issues SQL written once, with `$1` placeholders, over a small
//! [`Tx`] interface; each backend runs the closure on a blocking thread. Every change is a transaction, and the
//! same numbered migrations build both schemas.

mod migrations;
mod postgres;
mod sqlite;

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use thiserror::Error;

pub use migrations::{MIGRATIONS, Migration};
pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;

/// Errors of the storage layer.
#[derive(Debug, Error)]
pub enum StorageError {
    /// The SQLite driver failed.
    #[error("sqlite: {0}")]
    Sqlite(String),
    /// The PostgreSQL driver failed.
    #[error("postgres: {0}")]
    Postgres(String),
    /// No database connection could be had.
    #[error("connection pool: {0}")]
    Pool(String),
    /// A unique constraint refused a row (a race lost to another request).
    #[error("unique constraint violated")]
    UniqueViolation,
    /// A column did not hold the type the code expected.
    #[error("column {index}: {problem}")]
    Column {
        /// Zero-based column index.
        index: usize,
        /// What was wrong.
        problem: String,
    },
    /// The storage worker failed (a panic in a transaction closure, say).
    #[error("storage worker: {0}")]
    Worker(String),
    /// The database is not on loopback and the connection would not be protected by verified TLS.
    #[error("TLS to the database is required unless it is on loopback: {0}")]
    TlsRequired(String),
    /// The TLS settings for the database could not be used (an unreadable or empty CA file).
    #[error("database TLS: {0}")]
    Tls(String),
    /// A migration could not be applied.
    #[error("migration {version}: {problem}")]
    Migration {
        /// Migration number.
        version: i64,
        /// What failed.
        problem: String,
    },
}

/// A value bound to or read from SQL: only the types both backends share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// BIGINT (booleans are 0/1, times Unix milliseconds).
    Int(i64),
    /// TEXT.
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn get(&self, index: usize) -> Result<&Value, StorageError> {
        self.0.get(index).ok_or(StorageError::Column { index, problem: "no such column".into() })
    }

    /// A TEXT column that must not be NULL.
    pub fn text(&self, index: usize) -> Result<String, StorageError> {
        match self.get(index)? {
            Value::Text(s) => Ok(s.clone()),
            other => Err(StorageError::Column { index, problem: format!("expected text, found {other:?}") }),
        }
    }

    /// A TEXT column that may be NULL.
    pub fn opt_text(&self, index: usize) -> Result<Option<String>, StorageError> {
        match self.get(index)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            other => Err(StorageError::Column { index, problem: format!("expected text, found {other:?}") }),
        }
    }

    /// A BIGINT column that must not be NULL.
    pub fn int(&self, index: usize) -> Result<i64, StorageError> {
        match self.get(index)? {
            Value::Int(v) => Ok(*v),
            other => Err(StorageError::Column { index, problem: format!("expected integer, found {other:?}") }),
        }
    }

    /// A BIGINT column that may be NULL.
    pub fn opt_int(&self, index: usize) -> Result<Option<i64>, StorageError> {
        match self.get(index)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            other => Err(StorageError::Column { index, problem: format!("expected integer, found {other:?}") }),
        }
    }
}

/// SQL access inside one open transaction. SQL uses `$1`, `$2`, ... placeholders on every backend.
///
/// On PostgreSQL any failed statement aborts the whole transaction, so a closure must give up (return an error)
/// after a failed statement rather than carry on; expected conflicts are written as `ON CONFLICT DO NOTHING`.
pub trait Tx {
    /// Runs a statement; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError>;
    /// Runs a query; returns every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError>;
    /// Runs a query expected to return at most one row.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StorageError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
    /// Runs a migration script without parameters (statements end with `;` at a line's end).
    fn execute_script(&mut self, sql: &str) -> Result<(), StorageError> {
        for statement in migrations::statements(sql) {
            self.execute(&statement, &[])?;
        }
        Ok(())
    }
    /// The key-encryption key of the database this transaction belongs to, if one was given.
    fn kek(&self) -> Option<&crate::keys::Kek> {
        None
    }
    /// Readies this transaction for a few large aggregate queries (the reports): a no-op on SQLite; on
    /// PostgreSQL, no JIT (compiling the plan costs more than it saves on sub-second queries) and more memory
    /// for sorts and hashes (the percentiles' sorts otherwise spill to disk), for this transaction only.
    fn prepare_for_aggregates(&mut self) -> Result<(), StorageError> {
        Ok(())
    }
}

/// A transaction of a database that has a key-encryption key: forwards SQL, and lends the KEK to the code
/// that seals and opens private keys (see [`crate::keys`]).
struct KeyedTx<'a> {
    inner: &'a mut dyn Tx,
    kek: &'a crate::keys::Kek,
}

impl Tx for KeyedTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        self.inner.execute(sql, params)
    }
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError> {
        self.inner.query(sql, params)
    }
    fn execute_script(&mut self, sql: &str) -> Result<(), StorageError> {
        self.inner.execute_script(sql)
    }
    fn kek(&self) -> Option<&crate::keys::Kek> {
        Some(self.kek)
    }
    fn prepare_for_aggregates(&mut self) -> Result<(), StorageError> {
        self.inner.prepare_for_aggregates()
    }
}

/// Whether a transaction only reads (SQLite may then run it beside the writer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// Reads only.
    Read,
    /// Reads and writes.
    Write,
}

/// Which database engine serves the storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// Work to run in one transaction: returns whether to commit, and its result (type-erased for the trait object).
pub type TxWork = Box<dyn FnOnce(&mut dyn Tx) -> (bool, Box<dyn Any + Send>) + Send>;

/// A database that runs transactions; implemented by [`SqliteStorage`] and [`PostgresStorage`].
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// The engine behind this storage.
    fn backend(&self) -> Backend;
    /// Runs `work` in one transaction on a blocking thread, committing only if it says so.
    async fn run(&self, mode: TxMode, work: TxWork) -> Result<Box<dyn Any + Send>, StorageError>;
}

/// Cheap-to-clone handle on a [`Storage`], with typed transaction helpers.
#[derive(Clone)]
pub struct Database {
    inner: Arc<dyn Storage>,
    kek: Option<Arc<crate::keys::Kek>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("backend", &self.inner.backend()).finish()
    }
}

impl Database {
    /// Wraps a storage.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self { inner: storage, kek: None }
    }

    /// This database with a key-encryption key, which its transactions lend to [`crate::keys`].
    pub fn with_kek(mut self, kek: crate::keys::Kek) -> Self {
        self.kek = Some(Arc::new(kek));
        self
    }

    /// Opens the database a URL names: `postgres://...` (or `postgresql://...`), else a SQLite file path.
    pub async fn open(location: &DatabaseLocation) -> Result<Self, StorageError> {
        let db = match location {
            DatabaseLocation::Sqlite(path) => Self::new(Arc::new(SqliteStorage::open(path)?)),
            DatabaseLocation::Postgres { url, pool_size, ca_file } => {
                Self::new(Arc::new(PostgresStorage::connect(url, *pool_size, ca_file.as_deref())?))
            }
        };
        db.migrate().await?;
        Ok(db)
    }

    /// The engine behind this database.
    pub fn backend(&self) -> Backend {
        self.inner.backend()
    }

    /// Runs `work` in a write transaction; commits if it returns `Ok`, rolls back if it returns `Err`.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        self.run(TxMode::Write, work).await
    }

    /// Runs `work` in a read transaction.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        self.run(TxMode::Read, work).await
    }

    async fn run<T, E, F>(&self, mode: TxMode, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let kek = self.kek.clone();
        let erased: TxWork = Box::new(move |tx| {
            let result = match &kek {
                Some(kek) => work(&mut KeyedTx { inner: tx, kek }),
                None => work(tx),
            };
            (result.is_ok(), Box::new(result))
        });
        let output = self.inner.run(mode, erased).await?;
        match output.downcast::<Result<T, E>>() {
            Ok(result) => *result,
            Err(_) => Err(StorageError::Worker("transaction result of an unexpected type".into()).into()),
        }
    }

    /// Applies the migrations not yet applied, in order, in one transaction.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        let backend = self.backend();
        self.write(move |tx| migrations::apply(tx, backend, None)).await
    }

    /// Applies the missing migrations up to `version` only: for upgrade tests, which fill an older schema with
    /// data before migrating it further.
    pub async fn migrate_to(&self, version: i64) -> Result<(), StorageError> {
        let backend = self.backend();
        self.write(move |tx| migrations::apply(tx, backend, Some(version))).await
    }
}

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL server.
    Postgres {
        /// `postgres://user:password@host:port/db?options=...`
        url: String,
        /// Most connections this process keeps open.
        pool_size: usize,
        /// PEM file of the certificate authorities to trust for the database's TLS certificate; `None` trusts
        /// Mozilla's root store. TLS is required unless the database is on loopback.
        ca_file: Option<std::path::PathBuf>,
    },
}

impl DatabaseLocation {
    /// `postgres://` and `postgresql://` URLs name PostgreSQL; anything else is a SQLite path.
    pub fn parse(text: &str, pool_size: usize) -> Self {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Self::Postgres { url: text.to_owned(), pool_size, ca_file: None }
        } else {
            Self::Sqlite(text.into())
        }
    }
}
