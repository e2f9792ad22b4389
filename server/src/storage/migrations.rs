//! Numbered migrations, the same files for SQLite and PostgreSQL.

use super::{Backend, StorageError, Tx, Value};

/// One numbered migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number; applied in increasing order, each once.
    pub version: i64,
    /// Its name, for the record.
    pub name: &'static str,
    /// Its SQL, statements separated by `;` at the end of a line.
    pub sql: &'static str,
}

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] =
    &[
        Migration { version: 1, name: "init", sql: include_str!("../../migrations/0001_init.sql") },
        Migration { version: 2, name: "declarations", sql: include_str!("../../migrations/0002_declarations.sql") },
        Migration { version: 3, name: "account_status", sql: include_str!("../../migrations/0003_account_status.sql") },
        Migration { version: 4, name: "scope_and_access_log", sql: include_str!("../../migrations/0004_scope_and_access_log.sql") },
        Migration { version: 5, name: "idempotency_replays", sql: include_str!("../../migrations/0005_idempotency_replays.sql") },
        Migration { version: 6, name: "persons", sql: include_str!("../../migrations/0006_persons.sql") },
        Migration { version: 7, name: "attestation_challenges", sql: include_str!("../../migrations/0007_attestation_challenges.sql") },
        Migration { version: 8, name: "issued_passes", sql: include_str!("../../migrations/0008_issued_passes.sql") },
        Migration { version: 9, name: "results", sql: include_str!("../../migrations/0009_results.sql") },
        Migration { version: 10, name: "result_sms", sql: include_str!("../../migrations/0010_result_sms.sql") },
        Migration { version: 11, name: "checkin", sql: include_str!("../../migrations/0011_checkin.sql") },
        Migration { version: 12, name: "dcc_signers", sql: include_str!("../../migrations/0012_dcc_signers.sql") },
        Migration { version: 13, name: "agency_staff", sql: include_str!("../../migrations/0013_agency_staff.sql") },
        Migration { version: 14, name: "volunteers", sql: include_str!("../../migrations/0014_volunteers.sql") },
        Migration {
            version: 15,
            name: "vaccination_registrations",
            sql: include_str!("../../migrations/0015_vaccination_registrations.sql"),
        },
        Migration { version: 16, name: "vaccination_sites", sql: include_str!("../../migrations/0016_vaccination_sites.sql") },
        Migration {
            version: 17,
            name: "vaccination_lists",
            sql: include_str!("../../migrations/0017_vaccination_lists.sql"),
        },
        Migration { version: 18, name: "quarantine", sql: include_str!("../../migrations/0018_quarantine.sql") },
        Migration { version: 19, name: "hotline", sql: include_str!("../../migrations/0019_hotline.sql") },
        Migration { version: 20, name: "console_sessions", sql: include_str!("../../migrations/0020_console_sessions.sql") },
        Migration { version: 21, name: "report_indexes", sql: include_str!("../../migrations/0021_report_indexes.sql") },
        Migration {
            version: 22,
            name: "roster_citizen_id_ledger",
            sql: include_str!("../../migrations/0022_roster_citizen_id_ledger.sql"),
        },
    ];

/// Arbitrary constant naming the advisory lock that serialises migrations across server instances.
const MIGRATION_LOCK_ID: i64 = 0x4842_4d49_4752;

/// Applies the missing migrations up to `up_to` (all of them with `None`) inside the caller's transaction.
pub(super) fn apply(tx: &mut dyn Tx, backend: Backend, up_to: Option<i64>) -> Result<(), StorageError> {
    if backend == Backend::Postgres {
        // Several instances may start at once against one database; only one migrates, the others wait and
        // then find nothing left to do. SQLite needs nothing: its write transaction is already exclusive.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[Value::Int(MIGRATION_LOCK_ID)])?;
    }
    tx.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
         applied_at BIGINT NOT NULL)",
        &[],
    )?;
    let applied: Vec<i64> = tx
        .query("SELECT version FROM schema_migrations ORDER BY version", &[])?
        .iter()
        .map(|row| row.int(0))
        .collect::<Result<_, _>>()?;
    let wanted = |m: &&Migration| !applied.contains(&m.version) && up_to.is_none_or(|last| m.version <= last);
    for migration in MIGRATIONS.iter().filter(wanted) {
        tx.execute_script(migration.sql)
            .map_err(|e| StorageError::Migration { version: migration.version, problem: e.to_string() })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[Value::Int(migration.version), migration.name.into(), Value::Int(chrono::Utc::now().timestamp_millis())],
        )?;
        tracing::info!(version = migration.version, name = migration.name, "applied migration");
    }
    Ok(())
}

/// Splits a migration file into statements: comment lines dropped, `;` at a line's end ends a statement.
pub(super) fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if trimmed.ends_with(';') {
            let statement = current.trim().trim_end_matches(';').trim().to_owned();
            if !statement.is_empty() {
                out.push(statement);
            }
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_and_drops_comments() {
        let parts = statements("-- hi\nCREATE TABLE a (x BIGINT);\n\nCREATE INDEX b\n  ON a (x);\n");
        assert_eq!(parts, vec!["CREATE TABLE a (x BIGINT)".to_owned(), "CREATE INDEX b\n  ON a (x)".to_owned()]);
    }

    #[test]
    fn migrations_are_numbered_in_order() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version);
        }
        assert_eq!(MIGRATIONS[0].version, 1);
    }
}
