//! The phone's SQLite database: WAL, numbered migrations, and every change inside a transaction.
//!
//! SQLite calls block, so async callers go through [`Database::read`] and [`Database::write`], which run the
//! closure on tokio's blocking pool. `write` wraps the closure in an immediate transaction: it commits when
//! the closure returns `Ok` and rolls back otherwise, so a multi-row change is all or nothing, even when the
//! process is killed half-way.

pub mod schema;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use thiserror::Error;

/// Errors from the storage layer.
#[derive(Debug, Error)]
pub enum StorageError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a newer version of the app.
    #[error("database schema version {found} is newer than this app supports ({supported})")]
    NewerSchema {
        /// Version found in the file.
        found: u32,
        /// Newest version this build knows.
        supported: u32,
    },
    /// A migration step failed; the database is left at its previous version.
    #[error("migration to version {version} failed: {reason}")]
    Migration {
        /// The version the failed step would have reached.
        version: u32,
        /// Why it failed.
        reason: String,
    },
    /// The blocking task running the query was cancelled or panicked.
    #[error("database task failed: {0}")]
    Task(String),
}

/// A handle on the app database, cheap to clone.
#[derive(Clone, Debug)]
pub struct Database {
    conn: Arc<Mutex<Connection>>,
    // Every time the connection is taken; lets tests prove a hot path never touches the database.
    accesses: Arc<AtomicU64>,
    // Bumped whenever what the verifier trusts changes, so the shared trust store knows to rebuild without
    // reading the database to find out.
    trust_generation: Arc<AtomicU64>,
}

impl Database {
    /// Opens (creating if needed) the database file at `path` and applies the connection settings.
    /// Migrations are run separately by [`schema::migrate`], because some steps need the data key.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Self::configure(&conn)?;
        Ok(Self::wrap(conn))
    }

    fn wrap(conn: Connection) -> Self {
        Self {
            conn: Arc::new(Mutex::new(conn)),
            accesses: Arc::new(AtomicU64::new(0)),
            trust_generation: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many times the connection has been taken (reads and writes) since the database was opened.
    pub fn access_count(&self) -> u64 {
        self.accesses.load(Ordering::Relaxed)
    }

    /// The current trust generation (see [`Database::note_trust_changed`]).
    pub fn trust_generation(&self) -> u64 {
        self.trust_generation.load(Ordering::Acquire)
    }

    /// Records that the trust list, revocations, DCC certificates or pinned root key changed.
    pub fn note_trust_changed(&self) {
        self.trust_generation.fetch_add(1, Ordering::AcqRel);
    }

    /// An in-memory database; for tests.
    pub fn open_in_memory() -> Result<Self, StorageError> {
        let conn = Connection::open_in_memory()?;
        Self::configure(&conn)?;
        Ok(Self::wrap(conn))
    }

    fn configure(conn: &Connection) -> Result<(), StorageError> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // WAL keeps readers and the writer apart and makes a commit atomic on a crash; FULL sync because a
        // health record the user saw as saved must survive a power cut too. secure_delete overwrites removed
        // personal data instead of leaving it in free pages.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        Ok(())
    }

    /// Locks the connection for synchronous use: only start-up (key check and migrations) and tests; everything
    /// else goes through [`Database::read`], [`Database::write`] or their blocking forms.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock can only come from a bug in a closure; the connection itself is
        // still consistent (SQLite rolled the transaction back), so keep serving.
        self.accesses.fetch_add(1, Ordering::Relaxed);
        self.conn.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// Runs `f` on the blocking pool with the connection, outside any explicit transaction.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = db.lock();
            f(&conn)
        })
        .await
        .map_err(|e| E::from(StorageError::Task(e.to_string())))?
    }

    /// Runs `f` on the blocking pool inside an immediate transaction, committing only if it returns `Ok`.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f))
            .await
            .map_err(|e| E::from(StorageError::Task(e.to_string())))?
    }

    /// The synchronous form of [`Database::read`], for the few callers that can't await (the offline verifier,
    /// which a scan calls synchronously). Like `read`, it runs no explicit transaction.
    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<StorageError>,
        F: FnOnce(&Connection) -> Result<T, E>,
    {
        f(&self.lock())
    }

    /// The synchronous form of [`Database::write`].
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<StorageError>,
        F: FnOnce(&Transaction<'_>) -> Result<T, E>,
    {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| E::from(StorageError::from(e)))?;
        let value = f(&tx)?;
        tx.commit().map_err(|e| E::from(StorageError::from(e)))?;
        Ok(value)
    }
}
