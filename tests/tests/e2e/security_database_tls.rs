//! Issue 18, "TLS to PostgreSQL": the server reaches a database over TLS that verifies the server's certificate
//! and name, and a certificate it has no reason to trust stops the connection. (That TLS is required for any
//! database off loopback is unit-tested in `server/src/storage/postgres.rs`, since no remote database exists here.)

use std::path::PathBuf;
use std::sync::Arc;

use healthbook_e2e::server::POSTGRES_ENV;
use healthbook_server::Database;
use healthbook_server::storage::{PostgresStorage, StorageError};

/// The test CA that `scripts/postgres.sh` made for the cluster (exported by `scripts/test.sh`).
const CA_ENV: &str = "HEALTHBOOK_TEST_POSTGRES_CA";

fn url_for_host(host: &str) -> String {
    let url = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| panic!("{POSTGRES_ENV} is not set"));
    let url = url.replacen("@127.0.0.1:", &format!("@{host}:"), 1);
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}sslmode=require")
}

fn ca_file() -> PathBuf {
    std::env::var(CA_ENV).unwrap_or_else(|_| panic!("{CA_ENV} is not set: run scripts/test.sh")).into()
}

/// Whether this session's connection is encrypted, and with which protocol, as the database itself reports.
async fn session_tls(url: &str, ca: Option<&std::path::Path>) -> Result<(i64, String), StorageError> {
    let db = Database::new(Arc::new(PostgresStorage::connect(url, 1, ca)?));
    db.read(|tx| {
        let row = tx
            .query_opt(
                "SELECT CAST(CASE WHEN ssl THEN 1 ELSE 0 END AS BIGINT), COALESCE(version, '') FROM pg_stat_ssl \
                 WHERE pid = pg_backend_pid()",
                &[],
            )?
            .expect("pg_stat_ssl has a row for this session");
        Ok((row.int(0)?, row.text(1)?))
    })
    .await
}

#[tokio::test]
#[cfg_attr(not(postgres_configured), ignore = "needs HEALTHBOOK_TEST_POSTGRES_URL (scripts/postgres.sh)")]
async fn postgres_connection_is_tls_verified_against_the_given_ca() {
    let ca = ca_file();
    for host in ["localhost", "127.0.0.1"] {
        let (encrypted, version) = session_tls(&url_for_host(host), Some(&ca)).await.unwrap();
        assert_eq!(encrypted, 1, "{host}: session not encrypted");
        assert!(version.starts_with("TLSv1."), "{host}: {version}");
        println!("{host}: encrypted with {version}, certificate verified against the test CA");
    }
}

#[tokio::test]
#[cfg_attr(not(postgres_configured), ignore = "needs HEALTHBOOK_TEST_POSTGRES_URL (scripts/postgres.sh)")]
async fn postgres_certificate_from_an_untrusted_ca_or_for_another_name_is_refused() {
    // Mozilla's roots do not include the test CA.
    let untrusted = session_tls(&url_for_host("localhost"), None).await;
    // The same server under a name its certificate does not carry (the address is given apart, as hostaddr).
    let url = url_for_host("db.healthbook.test");
    let wrong_name = session_tls(&format!("{url}&hostaddr=127.0.0.1"), Some(&ca_file())).await;
    for (what, outcome) in [("untrusted CA", &untrusted), ("wrong name", &wrong_name)] {
        let error = format!("{:?}", outcome.as_ref().expect_err(what));
        assert!(error.contains("TLS handshake"), "{what}: refused for another reason: {error}");
    }
}
