//! Server migrations upgrade a database that holds data: a schema built to migration 1 and then 2, filled with
//! rows at each step, migrated to the latest version, must end with exactly the schema of a fresh database and
//! keep every row, with the new columns at their defaults. On SQLite and on PostgreSQL.

use healthbook_e2e::server::{ScratchDatabase, TestBackend};
use healthbook_server::Database;
use healthbook_server::storage::{Backend, MIGRATIONS, StorageError, Value};

/// Tables, columns (type, nullability, default) and indexes, as text lines that can be compared.
async fn schema_of(db: &Database, schema_name: Option<&str>) -> Vec<String> {
    let backend = db.backend();
    let mut lines: Vec<String> = db
        .read(move |tx| -> Result<Vec<String>, StorageError> {
            let mut lines = Vec::new();
            match backend {
                Backend::Sqlite => {
                    let tables = tx.query(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                        &[],
                    )?;
                    for table in tables {
                        let table = table.text(0)?;
                        for column in tx.query(
                            "SELECT name, type, \"notnull\", COALESCE(dflt_value, ''), pk FROM pragma_table_info($1)",
                            &[table.clone().into()],
                        )? {
                            lines.push(format!(
                                "column {table}.{} {} notnull={} default={} pk={}",
                                column.text(0)?,
                                column.text(1)?,
                                column.int(2)?,
                                column.text(3)?,
                                column.int(4)?
                            ));
                        }
                    }
                    for index in tx.query(
                        "SELECT name, tbl_name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' ORDER BY name",
                        &[],
                    )? {
                        lines.push(format!("index {} on {}: {}", index.text(0)?, index.text(1)?, index.text(2)?));
                    }
                }
                Backend::Postgres => {
                    for column in tx.query(
                        "SELECT table_name, column_name, data_type, is_nullable, COALESCE(column_default, '') \
                         FROM information_schema.columns WHERE table_schema = current_schema() \
                         ORDER BY table_name, ordinal_position",
                        &[],
                    )? {
                        lines.push(format!(
                            "column {}.{} {} nullable={} default={}",
                            column.text(0)?,
                            column.text(1)?,
                            column.text(2)?,
                            column.text(3)?,
                            column.text(4)?
                        ));
                    }
                    for index in tx.query(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname",
                        &[],
                    )? {
                        lines.push(format!("index {}: {}", index.text(0)?, index.text(1)?));
                    }
                }
            }
            Ok(lines)
        })
        .await
        .unwrap();
    // PostgreSQL names the schema in index definitions; two databases live in two schemas.
    if let Some(name) = schema_name {
        for line in &mut lines {
            *line = line.replace(name, "SCHEMA");
        }
    }
    lines.sort();
    lines
}

async fn count(db: &Database, table: &'static str) -> i64 {
    db.read(move |tx| tx.query(&format!("SELECT COUNT(*) FROM {table}"), &[])?[0].int(0)).await.map_err(|e: StorageError| e).unwrap()
}

async fn exec(db: &Database, sql: &'static str) {
    db.write(move |tx| tx.execute(sql, &[])).await.map_err(|e: StorageError| e).unwrap();
}

async fn a_database_with_data_upgrades_to_the_fresh_schema(backend: TestBackend) {
    let latest = MIGRATIONS.last().unwrap().version;
    assert!(latest >= 3, "there is something to upgrade through");

    let old = ScratchDatabase::new(backend).await;
    let db = old.open_unmigrated();
    // Version 1: accounts, agencies, gates, tokens, challenges, idempotency records, rate limits, trust rows.
    db.migrate_to(1).await.unwrap();
    exec(&db, "INSERT INTO agencies (id, name, created_at) VALUES ('ag-1', 'Chợ Bến Thành', 1)").await;
    exec(&db, "INSERT INTO gates (id, agency_id, name, created_at) VALUES ('g-1', 'ag-1', 'Cổng 1', 1)").await;
    exec(
        &db,
        "INSERT INTO accounts (id, role, username, password_hash, agency_id, created_at) \
         VALUES ('acc-admin', 'agency_admin', 'market-admin', 'pbkdf2-sha256$1000$x$y', 'ag-1', 1)",
    )
    .await;
    exec(
        &db,
        "INSERT INTO accounts (id, role, public_key, kid, platform, created_at) \
         VALUES ('dev-1', 'device', 'spki-1', 'kid-1', 'android', 2)",
    )
    .await;
    exec(&db, "INSERT INTO access_tokens (token_hash, account_id, created_at, expires_at) VALUES ('h1', 'dev-1', 3, 4)")
        .await;
    exec(&db, "INSERT INTO device_challenges (nonce, account_id, expires_at) VALUES ('n1', 'dev-1', 5)").await;
    exec(
        &db,
        "INSERT INTO idempotency_records (scope, idem_key, fingerprint, status, body, created_at) \
         VALUES ('account:dev-1', 'k1', 'v1$s$t', 201, '{}', 6)",
    )
    .await;
    exec(&db, "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ('account:dev-1', 0, 3)").await;
    exec(
        &db,
        "INSERT INTO revocations (kind, target, reason, revoked_at) VALUES ('credential', 'c-1', 'lost', 7)",
    )
    .await;
    // Version 2: forms and declarations.
    db.migrate_to(2).await.unwrap();
    exec(&db, "INSERT INTO forms (form_id, version, body, published_at) VALUES ('health_declaration', 1, '{}', 8)").await;
    exec(
        &db,
        "INSERT INTO declarations (id, device_id, form_id, form_version, province_code, ward_code, declared_date, \
         declared_at, received_at, body, health_status, receipt) VALUES ('d-1', 'dev-1', 'health_declaration', 1, \
         '79', '26734', '2021-07-01', 9, 10, '{\"answers\":{}}', '{\"status\":\"green\"}', 'a.b.c')",
    )
    .await;
    // Then every later migration at once, as a server upgraded over several releases would.
    db.migrate().await.unwrap();

    let fresh = ScratchDatabase::new(backend).await;
    let fresh_db = fresh.open_unmigrated();
    fresh_db.migrate().await.unwrap();
    let upgraded_schema = schema_of(&db, old.schema_name()).await;
    let fresh_schema = schema_of(&fresh_db, fresh.schema_name()).await;
    assert!(upgraded_schema.len() > 50, "introspection found the schema: {upgraded_schema:?}");
    assert_eq!(upgraded_schema, fresh_schema, "an upgraded database has the fresh schema");

    // Every row is still there; the columns later migrations added are at their defaults.
    for (table, rows) in [
        ("agencies", 1),
        ("gates", 1),
        ("accounts", 2),
        ("access_tokens", 1),
        ("device_challenges", 1),
        ("idempotency_records", 1),
        ("rate_limits", 1),
        ("revocations", 1),
        ("forms", 1),
        ("declarations", 1),
    ] {
        assert_eq!(count(&db, table).await, rows, "{table}");
    }
    let (replays, person, area): (i64, Option<String>, Option<String>) = db
        .read(|tx| {
            let replays = tx.query("SELECT replays FROM idempotency_records", &[])?[0].int(0)?;
            let person = tx.query("SELECT person_id FROM declarations WHERE id = 'd-1'", &[])?[0].opt_text(0)?;
            let area = tx.query("SELECT area_province FROM accounts WHERE id = 'acc-admin'", &[])?[0].opt_text(0)?;
            Ok::<_, StorageError>((replays, person, area))
        })
        .await
        .unwrap();
    assert_eq!((replays, person, area), (0, None, None));
    let declaration: (String, String) = db
        .read(|tx| {
            let row = tx.query_opt("SELECT body, receipt FROM declarations WHERE id = $1", &[Value::from("d-1")])?.unwrap();
            Ok::<_, StorageError>((row.text(0)?, row.text(1)?))
        })
        .await
        .unwrap();
    assert_eq!(declaration, ("{\"answers\":{}}".to_owned(), "a.b.c".to_owned()));
    // Migrating again finds nothing to do.
    db.migrate().await.unwrap();
    assert_eq!(schema_of(&db, old.schema_name()).await, upgraded_schema);

    drop(db);
    drop(fresh_db);
    old.drop().await;
    fresh.drop().await;
}

healthbook_e2e::server_scenarios!(a_database_with_data_upgrades_to_the_fresh_schema);
