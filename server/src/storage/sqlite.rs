//! SQLite backend: one writer connection, a few reader connections, WAL, work on tokio's blocking threads.

use std::any::Any;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use super::{Backend, Row, Storage, StorageError, Tx, TxMode, TxWork, Value};

/// Reader connections kept open for reuse; more may be opened under load and are closed after use.
const IDLE_READERS: usize = 4;

/// A SQLite database file.
#[derive(Clone)]
pub struct SqliteStorage {
    path: PathBuf,
    // SQLite allows one writer at a time; taking this lock in-process avoids spinning on SQLITE_BUSY.
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
}

impl SqliteStorage {
    /// Opens (creating if needed) the database at `path`, in WAL mode.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let io_error = |e: std::io::Error| StorageError::Sqlite(format!("{}: {e}", path.display()));
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            crate::keys::create_private_dir(parent).map_err(io_error)?;
        }
        create_private_file(path).map_err(io_error)?;
        let writer = open_connection(path)?;
        Ok(Self {
            path: path.to_owned(),
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(Mutex::new(Vec::new())),
        })
    }

    fn run_blocking(&self, mode: TxMode, work: TxWork) -> Result<Box<dyn Any + Send>, StorageError> {
        match mode {
            TxMode::Write => {
                let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
                run_in_tx(&mut conn, TransactionBehavior::Immediate, work)
            }
            TxMode::Read => {
                let reused = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let mut conn = match reused {
                    Some(conn) => conn,
                    None => open_connection(&self.path)?,
                };
                let result = run_in_tx(&mut conn, TransactionBehavior::Deferred, work);
                let mut idle = self.readers.lock().unwrap_or_else(|p| p.into_inner());
                if idle.len() < IDLE_READERS {
                    idle.push(conn);
                }
                result
            }
        }
    }
}

/// Creates the database file with mode 0600 before SQLite opens it, or takes an existing one down to 0600:
/// SQLite gives its `-wal` and `-shm` files the database file's mode, so they follow.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

fn open_connection(path: &Path) -> Result<Connection, StorageError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(sqlite_error)?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(sqlite_error)?;
    // NORMAL is durable across application crashes in WAL mode; only a power cut may lose the last commits.
    // A 32 MiB page cache (the default is 2 MiB) keeps the upper levels of large indexes in memory: passage
    // ingestion into a table of 200,000 rows ran at half its speed with the default.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32768;",
    )
    .map_err(sqlite_error)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

fn run_in_tx(
    conn: &mut Connection,
    behavior: TransactionBehavior,
    work: TxWork,
) -> Result<Box<dyn Any + Send>, StorageError> {
    let tx = conn.transaction_with_behavior(behavior).map_err(sqlite_error)?;
    let (commit, output) = {
        let mut handle = SqliteTx { conn: &tx };
        work(&mut handle)
    };
    if commit { tx.commit() } else { tx.rollback() }.map_err(sqlite_error)?;
    Ok(output)
}

fn sqlite_error(e: rusqlite::Error) -> StorageError {
    if let rusqlite::Error::SqliteFailure(failure, _) = &e
        && failure.code == ErrorCode::ConstraintViolation
        && matches!(
            failure.extended_code,
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        )
    {
        return StorageError::UniqueViolation;
    }
    StorageError::Sqlite(e.to_string())
}

/// Rewrites `$1` placeholders as SQLite's `?1`, which binds by number exactly as PostgreSQL does.
fn translate(sql: &str) -> Cow<'_, str> {
    if sql.contains('$') { Cow::Owned(sql.replace('$', "?")) } else { Cow::Borrowed(sql) }
}

struct SqliteTx<'a> {
    conn: &'a Connection,
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        let mut statement = self.conn.prepare_cached(&translate(sql)).map_err(sqlite_error)?;
        // `raw_execute` semantics: statements that return rows (e.g. `SELECT` of a lock function) still run.
        if statement.column_count() > 0 {
            let mut rows = statement.query(rusqlite::params_from_iter(params.iter())).map_err(sqlite_error)?;
            while rows.next().map_err(sqlite_error)?.is_some() {}
            return Ok(0);
        }
        let changed = statement.execute(rusqlite::params_from_iter(params.iter())).map_err(sqlite_error)?;
        Ok(changed as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError> {
        let mut statement = self.conn.prepare_cached(&translate(sql)).map_err(sqlite_error)?;
        let columns = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params.iter())).map_err(sqlite_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sqlite_error)? {
            let mut values = Vec::with_capacity(columns);
            for index in 0..columns {
                use rusqlite::types::ValueRef;
                values.push(match row.get_ref(index).map_err(sqlite_error)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    other => {
                        return Err(StorageError::Column {
                            index,
                            problem: format!("unsupported SQLite type {:?}", other.data_type()),
                        });
                    }
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }
}

#[async_trait]
impl Storage for SqliteStorage {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn run(&self, mode: TxMode, work: TxWork) -> Result<Box<dyn Any + Send>, StorageError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.run_blocking(mode, work))
            .await
            .map_err(|e| StorageError::Worker(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Database;

    #[test]
    fn placeholders_are_translated() {
        assert_eq!(translate("SELECT $1, $12"), "SELECT ?1, ?12");
        assert_eq!(translate("SELECT 1"), "SELECT 1");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn database_wal_and_shm_files_are_0600_in_a_0700_directory() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let path = data.join("t.db");
        let db = Database::new(Arc::new(SqliteStorage::open(&path).unwrap()));
        db.migrate().await.unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        for file in ["t.db", "t.db-wal", "t.db-shm"] {
            assert_eq!(mode(&data.join(file)), 0o600, "{file}");
        }
        // An existing file left readable by others is taken down to 0600 on open.
        drop(db);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let _again = SqliteStorage::open(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[tokio::test]
    async fn write_commits_on_ok_and_rolls_back_on_err() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::new(Arc::new(SqliteStorage::open(&dir.path().join("t.db")).unwrap()));
        db.migrate().await.unwrap();
        db.migrate().await.unwrap();
        db.write(|tx| {
            tx.execute(
                "INSERT INTO agencies (id, name, created_at) VALUES ($1, $2, $3)",
                &["a".into(), "A".into(), 1.into()],
            )
        })
        .await
        .unwrap();
        let failed: Result<(), StorageError> = db
            .write(|tx| {
                tx.execute(
                    "INSERT INTO agencies (id, name, created_at) VALUES ($1, $2, $3)",
                    &["b".into(), "B".into(), 1.into()],
                )?;
                Err(StorageError::Worker("give up".into()))
            })
            .await;
        assert!(failed.is_err());
        let duplicate: Result<u64, StorageError> = db
            .write(|tx| {
                tx.execute(
                    "INSERT INTO agencies (id, name, created_at) VALUES ($1, $2, $3)",
                    &["a".into(), "A".into(), 1.into()],
                )
            })
            .await;
        assert!(matches!(duplicate, Err(StorageError::UniqueViolation)));
        let count = db.read(|tx| tx.query("SELECT COUNT(*) FROM agencies", &[])?[0].int(0)).await.unwrap();
        assert_eq!(count, 1);
    }
}
