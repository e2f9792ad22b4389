//! PostgreSQL backend: tokio-postgres with a deadpool pool, without TLS (loopback or a private network only).
//!
//! Transaction closures are synchronous (the same ones SQLite runs), so each runs on a blocking thread and
//! drives its statements with `Handle::block_on`, which tokio allows on blocking threads.

use std::any::Any;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio::runtime::Handle;
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::{Backend, Row, Storage, StorageError, Tx, TxMode, TxWork, Value};

/// A PostgreSQL database reached through a connection pool.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
}

impl PostgresStorage {
    /// A pool of at most `pool_size` connections to `url`; connections open lazily.
    pub fn connect(url: &str, pool_size: usize) -> Result<Self, StorageError> {
        let config = tokio_postgres::Config::from_str(url).map_err(|e| StorageError::Postgres(e.to_string()))?;
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(15)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| StorageError::Pool(e.to_string()))?;
        Ok(Self { pool })
    }

    fn run_blocking(&self, handle: &Handle, mode: TxMode, work: TxWork) -> Result<Box<dyn Any + Send>, StorageError> {
        let mut client = handle.block_on(self.pool.get()).map_err(|e| StorageError::Pool(e.to_string()))?;
        let tx =
            handle.block_on(client.build_transaction().read_only(mode == TxMode::Read).start()).map_err(pg_error)?;
        let (commit, output) = {
            let mut pg = PgTx { tx: &tx, handle };
            work(&mut pg)
        };
        if commit { handle.block_on(tx.commit()) } else { handle.block_on(tx.rollback()) }.map_err(pg_error)?;
        Ok(output)
    }
}

fn pg_error(e: tokio_postgres::Error) -> StorageError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        return StorageError::UniqueViolation;
    }
    // The driver's Display says only "db error"; the database's own message is in the source.
    match e.as_db_error() {
        Some(db) => StorageError::Postgres(format!("{}: {}", db.code().code(), db.message())),
        None => StorageError::Postgres(e.to_string()),
    }
}

struct PgTx<'a> {
    tx: &'a deadpool_postgres::Transaction<'a>,
    handle: &'a Handle,
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut tokio_postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                _ => Err(format!("cannot bind an integer to a {ty} parameter").into()),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::INT8 | Type::INT4 | Type::INT2 | Type::BOOL) || <&str as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

impl PgTx<'_> {
    fn params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
        params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
    }
}

impl Tx for PgTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        self.handle.block_on(async {
            let statement = self.tx.prepare_cached(sql).await.map_err(pg_error)?;
            self.tx.execute(&statement, &Self::params(params)).await.map_err(pg_error)
        })
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError> {
        let rows = self.handle.block_on(async {
            let statement = self.tx.prepare_cached(sql).await.map_err(pg_error)?;
            self.tx.query(&statement, &Self::params(params)).await.map_err(pg_error)
        })?;
        rows.iter().map(convert_row).collect()
    }
}

fn convert_row(row: &tokio_postgres::Row) -> Result<Row, StorageError> {
    let mut values = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let column_error = |e: tokio_postgres::Error| StorageError::Column { index, problem: e.to_string() };
        let value = match *column.type_() {
            Type::INT8 => row.try_get::<_, Option<i64>>(index).map_err(column_error)?.into(),
            Type::INT4 => row.try_get::<_, Option<i32>>(index).map_err(column_error)?.map(i64::from).into(),
            Type::INT2 => row.try_get::<_, Option<i16>>(index).map_err(column_error)?.map(i64::from).into(),
            Type::BOOL => row.try_get::<_, Option<bool>>(index).map_err(column_error)?.map(i64::from).into(),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                row.try_get::<_, Option<String>>(index).map_err(column_error)?.into()
            }
            ref other => {
                return Err(StorageError::Column { index, problem: format!("unsupported PostgreSQL type {other}") });
            }
        };
        values.push(value);
    }
    Ok(Row(values))
}

#[async_trait]
impl Storage for PostgresStorage {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn run(&self, mode: TxMode, work: TxWork) -> Result<Box<dyn Any + Send>, StorageError> {
        let this = self.clone();
        let handle = Handle::current();
        tokio::task::spawn_blocking(move || this.run_blocking(&handle, mode, work))
            .await
            .map_err(|e| StorageError::Worker(e.to_string()))?
    }
}
