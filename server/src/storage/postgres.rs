//! PostgreSQL backend: tokio-postgres with a deadpool pool. TLS (rustls with ring, the server's certificate
//! verified against a given CA file or Mozilla's roots) is required for any database that is not on loopback;
//! on loopback the connection stays plain unless the URL asks for `sslmode=require`.
//!
//! Transaction closures are synchronous (the same ones SQLite runs), so each runs on a blocking thread and
//! drives its statements with `Handle::block_on`, which tokio allows on blocking threads.

use std::any::Any;
use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio::runtime::Handle;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres::NoTls;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::{Backend, Row, Storage, StorageError, Tx, TxMode, TxWork, Value};

/// A PostgreSQL database reached through a connection pool.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
}

impl PostgresStorage {
    /// A pool of at most `pool_size` connections to `url`; connections open lazily. `ca_file` (PEM) names the
    /// authorities trusted for the database's certificate; without it, Mozilla's root store.
    pub fn connect(url: &str, pool_size: usize, ca_file: Option<&Path>) -> Result<Self, StorageError> {
        let mut config = tokio_postgres::Config::from_str(url).map_err(|e| StorageError::Postgres(e.to_string()))?;
        let manager_config = ManagerConfig { recycling_method: RecyclingMethod::Fast };
        let manager = match transport(&config)? {
            Transport::Plain => Manager::from_config(config, NoTls, manager_config),
            Transport::VerifiedTls => {
                // Require, never prefer: a server (or a man in the middle) answering "no TLS" must not get plain.
                config.ssl_mode(SslMode::Require);
                Manager::from_config(config, MakeRustlsConnect::new(tls_config(ca_file)?), manager_config)
            }
        };
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

/// How connections reach the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// Plain TCP or a Unix socket: only for a database on this machine.
    Plain,
    /// TLS with the server's certificate and name verified.
    VerifiedTls,
}

/// Plain is allowed only when every host is on loopback (or a Unix socket) and the URL does not ask for TLS;
/// anything else gets verified TLS, and a remote database with `sslmode=disable` is refused.
fn transport(config: &tokio_postgres::Config) -> Result<Transport, StorageError> {
    let loopback = !config.get_hosts().is_empty()
        && config.get_hosts().iter().all(|host| match host {
            Host::Tcp(name) => is_loopback(name),
            Host::Unix(_) => true,
        })
        && config.get_hostaddrs().iter().all(IpAddr::is_loopback);
    match (loopback, config.get_ssl_mode()) {
        (true, SslMode::Require) => Ok(Transport::VerifiedTls),
        (true, _) => Ok(Transport::Plain),
        (false, SslMode::Disable) => Err(StorageError::TlsRequired(
            "the URL says sslmode=disable for a database that is not on loopback".into(),
        )),
        (false, _) => Ok(Transport::VerifiedTls),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A rustls client configuration on ring that trusts `ca_file`'s certificates, or Mozilla's roots without one.
fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, StorageError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let certificates = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| StorageError::Tls(format!("{}: {e}", path.display())))?;
            let (added, _) = roots.add_parsable_certificates(certificates);
            if added == 0 {
                return Err(StorageError::Tls(format!("{}: no usable CA certificate", path.display())));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| StorageError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
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

    // One round trip per script (the simple query protocol) instead of a prepare and an execute per statement:
    // a migration file has dozens of statements, and every fresh database runs all of them.
    fn execute_script(&mut self, sql: &str) -> Result<(), StorageError> {
        self.handle.block_on(self.tx.batch_execute(sql)).map_err(pg_error)
    }
    fn prepare_for_aggregates(&mut self) -> Result<(), StorageError> {
        // SET LOCAL lasts until this transaction ends, so a pooled connection goes back with the defaults.
        self.execute_script("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(url: &str) -> Result<Transport, StorageError> {
        transport(&tokio_postgres::Config::from_str(url).unwrap())
    }

    #[test]
    fn loopback_may_stay_plain_unless_tls_is_asked_for() {
        for url in [
            "postgres://u:p@127.0.0.1:5432/db",
            "postgres://u:p@localhost/db",
            "postgres://u:p@[::1]:5432/db",
            "postgres://u:p@127.0.0.2/db?sslmode=prefer",
            "postgresql://u:p@%2Fvar%2Frun%2Fpostgresql/db",
        ] {
            assert_eq!(plan(url).unwrap(), Transport::Plain, "{url}");
        }
        assert_eq!(plan("postgres://u:p@127.0.0.1/db?sslmode=require").unwrap(), Transport::VerifiedTls);
    }

    #[test]
    fn any_other_host_gets_verified_tls_and_cannot_turn_it_off() {
        for url in [
            "postgres://u:p@db.example.vn/db",
            "postgres://u:p@10.0.0.5/db?sslmode=prefer",
            "postgres://u:p@localhost.example.vn/db",
            "postgres://u:p@127.0.0.1,db.example.vn/db",
            "postgres://u:p@localhost/db?hostaddr=192.0.2.1",
        ] {
            assert_eq!(plan(url).unwrap(), Transport::VerifiedTls, "{url}");
        }
        assert!(matches!(plan("postgres://u:p@db.example.vn/db?sslmode=disable"), Err(StorageError::TlsRequired(_))));
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("ca.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        assert!(matches!(tls_config(Some(&empty)), Err(StorageError::Tls(_))));
        assert!(matches!(tls_config(Some(&dir.path().join("missing.pem"))), Err(StorageError::Tls(_))));
        assert!(tls_config(None).is_ok());
    }
}
