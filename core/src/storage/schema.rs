//! Numbered migrations of the app database, tracked in `PRAGMA user_version`.
//!
//! A fresh database is created directly at the latest version ([`CREATE_LATEST`]); an older one is upgraded
//! one step at a time, each step in its own transaction. A test upgrades every old version and checks that
//! the result has the same tables, columns and indexes as a fresh database.

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::StorageError;
use crate::sealing::Sealer;

/// The newest schema version this build knows.
pub const LATEST_VERSION: u32 = 16;

/// The tables version 3 adds: the outbox, declarations, the form cache, the device identity per server and
/// health status. A macro, so that
/// the fresh schema and the upgrade step share one text.
macro_rules! v3_tables {
    () => {
        "
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    subject_id TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE TABLE declarations (
    id TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    sensitive BLOB NOT NULL,
    declared_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    receipt TEXT,
    rejection_reason TEXT,
    accepted_at INTEGER
);
CREATE INDEX declarations_profile ON declarations (profile_id, declared_at);
CREATE TRIGGER declarations_unqueue AFTER DELETE ON declarations
BEGIN
    DELETE FROM outbox WHERE kind = 'declaration' AND subject_id = old.id;
END;
CREATE TABLE form_cache (
    form_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
);
CREATE TABLE device_identity (
    server_url TEXT PRIMARY KEY,
    device_id TEXT,
    sealed_key BLOB NOT NULL,
    registration_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE health_status (
    profile_id TEXT PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    reasons TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
"
    };
}

/// The tables version 4 adds: cached trust documents, EU DCC signing certificates trusted by this device, and
/// the last health pass of each profile.
macro_rules! v4_tables {
    () => {
        "
CREATE TABLE trust_documents (
    kind TEXT PRIMARY KEY,
    jws TEXT NOT NULL,
    etag TEXT,
    fetched_at INTEGER NOT NULL
);
CREATE TABLE dcc_certificates (
    kid TEXT PRIMARY KEY,
    der BLOB NOT NULL,
    added_at INTEGER NOT NULL
);
CREATE TABLE passes (
    profile_id TEXT PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    sealed BLOB NOT NULL,
    status TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
"
    };
}

/// The table version 5 adds: the device's bearer token per server, sealed with its expiry and account, so that
/// syncs reuse it instead of signing in each time.
macro_rules! v5_tables {
    () => {
        "
CREATE TABLE device_tokens (
    server_url TEXT PRIMARY KEY,
    sealed_token BLOB NOT NULL
);
"
    };
}

/// The tables version 6 adds: the bindings of profiles to person records on the server (sealed, kept for
/// offline display) and the SMS binding challenges started on this phone (sealed: the masked number).
macro_rules! v6_tables {
    () => {
        "
CREATE TABLE person_bindings (
    profile_id TEXT PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    sealed BLOB NOT NULL,
    fetched_at INTEGER NOT NULL
);
CREATE TABLE binding_challenges (
    profile_id TEXT PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    challenge_id TEXT NOT NULL,
    sealed BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX binding_challenges_id ON binding_challenges (challenge_id);
"
    };
}

/// The reshaping version 7 does: a health status and a kept pass's status are personal data, so the status
/// and its reasons move into a sealed column (bound to `health_status.sealed:<profile_id>`), the pass's
/// clear `status` column goes (the sealed pass already holds it), and a declaration's signed receipt, whose
/// claims name the health status, is kept sealed (bound to `declarations.receipt:<id>`). A fresh database runs it too, on empty tables,
/// so that the fresh schema and the upgrade share one text.
macro_rules! v7_reshape {
    () => {
        "
DROP TABLE health_status;
CREATE TABLE health_status (
    profile_id TEXT PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    sealed BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);
ALTER TABLE passes DROP COLUMN status;
ALTER TABLE declarations ADD COLUMN sealed_receipt BLOB;
ALTER TABLE declarations DROP COLUMN receipt;
"
    };
}

/// The table version 8 adds: the test samples this phone follows. The state, code hash, registration token and
/// certificate are sealed (bound to `samples.<column>:<id>`); a blind index of the code hash keeps one row per
/// code; the poll schedule and the retention rule read only the clear times.
macro_rules! v8_tables {
    () => {
        "
CREATE TABLE samples (
    id TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    code_index TEXT NOT NULL UNIQUE,
    idempotency_key TEXT NOT NULL,
    sealed_code_hash BLOB NOT NULL,
    sealed_token BLOB,
    sealed_certificate BLOB,
    sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    next_check_at INTEGER,
    final_at INTEGER,
    keep_certificate INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX samples_due ON samples (next_check_at);
"
    };
}

/// The tables version 9 adds: the check-in diary, the downloaded risky windows and the exposure alerts. An
/// entry's venue, name and times are sealed (bound to `checkins:<id>`); in clear only the profile, a blind index
/// of (profile, venue) and the arrival's UTC day for the retention rule. Alerts are sealed likewise, one per
/// (window, entry) through a blind index. Risky windows are public (hashed venue ids) and kept in clear.
macro_rules! v9_tables {
    () => {
        "
CREATE TABLE checkins (
    id TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    venue_index TEXT,
    sealed BLOB NOT NULL,
    day INTEGER NOT NULL
);
CREATE INDEX checkins_venue ON checkins (venue_index);
CREATE INDEX checkins_day ON checkins (day);
CREATE TABLE risky_windows (
    id TEXT PRIMARY KEY,
    venue_hash BLOB NOT NULL,
    from_at INTEGER NOT NULL,
    to_at INTEGER NOT NULL,
    advice TEXT NOT NULL
);
CREATE TABLE exposure_alerts (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
    match_index TEXT NOT NULL UNIQUE,
    sealed BLOB NOT NULL,
    found_at INTEGER NOT NULL,
    seen INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX exposure_alerts_entry ON exposure_alerts (entry_id);
"
    };
}

/// The tables version 10 adds: the gate device's binding (one gate per device; the gate's names in clear, the
/// staff token sealed) and its passage queue (the credential id sealed, a blind index for the repeat window, the
/// batch key an interrupted upload resends under).
macro_rules! v10_tables {
    () => {
        "
CREATE TABLE gate_binding (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    gate_id TEXT NOT NULL,
    server_url TEXT NOT NULL,
    details TEXT NOT NULL,
    sealed_token BLOB,
    bound_at INTEGER NOT NULL,
    last_sync_at INTEGER,
    last_error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_sync_at INTEGER
);
CREATE TABLE gate_passages (
    id TEXT PRIMARY KEY,
    gate_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    scanned_at INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    card TEXT,
    sealed_credential_id BLOB,
    repeat_index TEXT,
    batch_key TEXT,
    uploaded_at INTEGER
);
CREATE INDEX gate_passages_queue ON gate_passages (uploaded_at, gate_id, batch_key, scanned_at);
CREATE INDEX gate_passages_batch ON gate_passages (batch_key);
CREATE INDEX gate_passages_repeat ON gate_passages (repeat_index, scanned_at) WHERE repeat_index IS NOT NULL;
"
    };
}

/// What version 11 adds: EU DCC signers imported from document-signer lists sit beside the ones added by hand
/// (`source` tells them apart, so that a newer list replaces only its own), with their country; one row records
/// the list in effect (where it came from, its date, the server's version), so that a list never goes back.
macro_rules! v11_tables {
    () => {
        "
ALTER TABLE dcc_certificates ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE dcc_certificates ADD COLUMN country TEXT;
CREATE TABLE dcc_signer_list (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    origin TEXT NOT NULL,
    source TEXT NOT NULL,
    list_date INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    server_version INTEGER
);
"
    };
}

/// What version 12 adds (volunteers, issue 9): the volunteer's staff session on this phone (the token sealed, never
/// the password), and per managed profile the sealed record of what the server confirmed (person, consent,
/// doses, the control card's QR). Version 12 is the agencies' step, on another branch; this build keeps an
/// empty step 12 in its place until the two are merged.
macro_rules! v12_tables {
    () => {
        "
CREATE TABLE volunteer_session (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    server_url TEXT NOT NULL,
    sealed_token BLOB NOT NULL,
    signed_in_at INTEGER NOT NULL
);
CREATE TABLE managed_people (
    profile_id TEXT PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    sealed BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);
"
    };
}

/// What version 13 adds (vaccination, issue 12): per profile the registration and doses, the invitations and the
/// certificate wallet, each sealed and bound to its row. In clear only the profile, the invitation's slot end
/// (retention) and whether an answer waits in the outbox, and a blind index of each certificate's UVCI. Removing
/// a record or an invitation drops what it still had queued.
macro_rules! v13_tables {
    () => {
        "
CREATE TABLE vaccination_records (
    profile_id TEXT PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    sealed BLOB NOT NULL,
    refreshed_at INTEGER
);
CREATE TRIGGER vaccination_records_unqueue AFTER DELETE ON vaccination_records
BEGIN
    DELETE FROM outbox WHERE kind = 'vaccination_registration' AND subject_id = old.profile_id;
END;
CREATE TABLE vaccination_invitations (
    id TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    sealed BLOB NOT NULL,
    answer_pending INTEGER NOT NULL DEFAULT 0,
    ends_at INTEGER NOT NULL
);
CREATE INDEX vaccination_invitations_profile ON vaccination_invitations (profile_id);
CREATE INDEX vaccination_invitations_ends ON vaccination_invitations (ends_at);
CREATE TRIGGER vaccination_invitations_unqueue AFTER DELETE ON vaccination_invitations
BEGIN
    DELETE FROM outbox WHERE kind = 'vaccination_answer' AND subject_id = old.id;
END;
CREATE TABLE vaccination_certificates (
    id TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    uvci_index TEXT NOT NULL UNIQUE,
    sealed BLOB NOT NULL
);
CREATE INDEX vaccination_certificates_profile ON vaccination_certificates (profile_id);
"
    };
}

/// What version 14 adds (home quarantine, issue 10): the orders of the phone's profiles with the last challenge
/// fetched, the order key (PKCS#8, sealed), the hash-chained check-in records with their verdicts, and the cases.
/// Everything personal is sealed and bound to its row (address, fence, fixes, hashed radio identifiers, the home
/// token's hash); in clear only what queries need: the order, its profile, its end (retention), a record's
/// sequence and challenge, a case's order and opening time. Removing an order drops its key, records, cases and
/// whatever they still had queued.
macro_rules! v14_tables {
    () => {
        "
CREATE TABLE quarantine_orders (
    order_id TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    sealed BLOB NOT NULL,
    ends_at INTEGER NOT NULL,
    refreshed_at INTEGER NOT NULL
);
CREATE INDEX quarantine_orders_ends ON quarantine_orders (ends_at);
CREATE TABLE quarantine_keys (
    order_id TEXT PRIMARY KEY REFERENCES quarantine_orders (order_id) ON DELETE CASCADE,
    sealed_pkcs8 BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE quarantine_records (
    order_id TEXT NOT NULL REFERENCES quarantine_orders (order_id) ON DELETE CASCADE,
    sequence INTEGER NOT NULL,
    challenge_id TEXT NOT NULL,
    sealed BLOB NOT NULL,
    sealed_verdict BLOB,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (order_id, sequence)
);
CREATE TABLE quarantine_cases (
    case_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES quarantine_orders (order_id) ON DELETE CASCADE,
    sealed BLOB NOT NULL,
    opened_at INTEGER NOT NULL
);
CREATE INDEX quarantine_cases_order ON quarantine_cases (order_id);
CREATE TRIGGER quarantine_orders_unqueue AFTER DELETE ON quarantine_orders
BEGIN
    DELETE FROM outbox WHERE kind = 'quarantine_check_in' AND subject_id = old.order_id;
END;
CREATE TRIGGER quarantine_cases_unqueue AFTER DELETE ON quarantine_cases
BEGIN
    DELETE FROM outbox WHERE kind = 'quarantine_explanation' AND subject_id = old.case_id;
END;
"
    };
}

/// What version 15 adds (the hotline, issue 13): the one published Q&A set the phone caches (public
/// information, kept as the server's JSON with its version and when the phone last checked), and the citizen's own
/// questions, sealed and bound to their row (the text and what the citizen chose to add are personal); in clear
/// only the id, when it was asked, its state and when it was settled (answered or closed, for retention).
/// Removing a question drops whatever it still had queued.
macro_rules! v15_tables {
    () => {
        "
CREATE TABLE hotline_qa (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    province TEXT NOT NULL,
    version INTEGER NOT NULL,
    published_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    checked_at INTEGER NOT NULL
);
CREATE TABLE hotline_questions (
    id TEXT PRIMARY KEY,
    sealed BLOB NOT NULL,
    asked_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    settled_at INTEGER
);
CREATE INDEX hotline_questions_settled ON hotline_questions (settled_at) WHERE settled_at IS NOT NULL;
CREATE TRIGGER hotline_questions_unqueue AFTER DELETE ON hotline_questions
BEGIN
    DELETE FROM outbox WHERE kind = 'hotline_question' AND subject_id = old.id;
END;
"
    };
}

/// What version 16 changes: a quarantine check-in record the server refused for good keeps the server's reason,
/// sealed and bound to its row like the verdict, so that the phone shows it as refused (not as waiting) and says
/// why, even after the outbox row that carried it is gone.
macro_rules! v16_alter {
    () => {
        "
ALTER TABLE quarantine_records ADD COLUMN sealed_refusal BLOB;
"
    };
}

/// The whole schema at [`LATEST_VERSION`].
pub const CREATE_LATEST: &str = concat!("
CREATE TABLE key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sealed BLOB NOT NULL
);
CREATE TABLE profiles (
    id TEXT PRIMARY KEY,
    relation TEXT NOT NULL,
    sensitive BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    citizen_id_index TEXT
);
CREATE UNIQUE INDEX profiles_citizen_id ON profiles (citizen_id_index) WHERE citizen_id_index IS NOT NULL;
CREATE UNIQUE INDEX profiles_one_self ON profiles (relation) WHERE relation = 'myself';
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
", v3_tables!(), v4_tables!(), v5_tables!(), v6_tables!(), v7_reshape!(), v8_tables!(), v9_tables!(), v10_tables!(), v11_tables!(), v12_tables!(), v13_tables!(), v14_tables!(), v15_tables!(), v16_alter!());

const ADD_V3: &str = v3_tables!();
const ADD_V4: &str = v4_tables!();
const ADD_V5: &str = v5_tables!();
const ADD_V6: &str = v6_tables!();
const RESHAPE_V7: &str = v7_reshape!();
const ADD_V8: &str = v8_tables!();
const ADD_V9: &str = v9_tables!();
const ADD_V10: &str = v10_tables!();
const ADD_V11: &str = v11_tables!();
const ADD_V12: &str = v12_tables!();
const ADD_V13: &str = v13_tables!();
const ADD_V14: &str = v14_tables!();
const ADD_V15: &str = v15_tables!();
const ALTER_V16: &str = v16_alter!();

/// Schema version 1, as the first release shipped it; kept to test upgrades.
pub const CREATE_V1: &str = "
CREATE TABLE key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sealed BLOB NOT NULL
);
CREATE TABLE profiles (
    id TEXT PRIMARY KEY,
    relation TEXT NOT NULL,
    sensitive BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
";

/// Brings the database to [`LATEST_VERSION`]. `sealer` is needed by steps that rewrite encrypted data.
pub fn migrate(conn: &mut Connection, sealer: &Sealer) -> Result<u32, StorageError> {
    migrate_to(conn, sealer, LATEST_VERSION)
}

/// Brings an existing database up to `target` (at most [`LATEST_VERSION`]); tests use it to build an older
/// version with data in it.
fn migrate_to(conn: &mut Connection, sealer: &Sealer, target: u32) -> Result<u32, StorageError> {
    let found: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > LATEST_VERSION {
        return Err(StorageError::NewerSchema { found, supported: LATEST_VERSION });
    }
    if found == 0 && !has_tables(conn)? {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
        tx.execute_batch(CREATE_LATEST)?;
        tx.pragma_update(None, "user_version", LATEST_VERSION)?;
        tx.commit()?;
        return Ok(LATEST_VERSION);
    }
    for version in (found + 1)..=target.min(LATEST_VERSION) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
        upgrade_to(&tx, version, sealer).map_err(|e| StorageError::Migration { version, reason: e.to_string() })?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(target.min(LATEST_VERSION).max(found))
}

fn has_tables(conn: &Connection) -> Result<bool, StorageError> {
    let count: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |row| row.get(0))?;
    Ok(count > 0)
}

fn upgrade_to(tx: &Transaction<'_>, version: u32, sealer: &Sealer) -> Result<(), Box<dyn std::error::Error>> {
    match version {
        2 => {
            // Version 2 makes citizen ids unique per phone (through a blind index, since the id itself is
            // encrypted), allows one "myself" profile, and adds settings.
            tx.execute_batch(
                "ALTER TABLE profiles ADD COLUMN citizen_id_index TEXT;
                 CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
            )?;
            let rows: Vec<(String, Vec<u8>)> = tx
                .prepare("SELECT id, sensitive FROM profiles")?
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (id, sealed) in rows {
                let index = crate::profiles::db::citizen_id_index_of_sealed(sealer, &id, &sealed)?;
                tx.execute("UPDATE profiles SET citizen_id_index = ?1 WHERE id = ?2", (index, &id))?;
            }
            tx.execute_batch(
                "CREATE UNIQUE INDEX profiles_citizen_id ON profiles (citizen_id_index)
                     WHERE citizen_id_index IS NOT NULL;
                 CREATE UNIQUE INDEX profiles_one_self ON profiles (relation) WHERE relation = 'myself';",
            )?;
            Ok(())
        }
        3 => {
            tx.execute_batch(ADD_V3)?;
            Ok(())
        }
        4 => {
            tx.execute_batch(ADD_V4)?;
            Ok(())
        }
        5 => {
            tx.execute_batch(ADD_V5)?;
            Ok(())
        }
        6 => {
            tx.execute_batch(ADD_V6)?;
            Ok(())
        }
        7 => {
            // Read the clear rows before the table is rebuilt, then write them back sealed.
            let rows: Vec<(String, String, String, i64)> = tx
                .prepare("SELECT profile_id, status, reasons, updated_at FROM health_status")?
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
                .collect::<Result<_, _>>()?;
            let receipts: Vec<(String, String)> = tx
                .prepare("SELECT id, receipt FROM declarations WHERE receipt IS NOT NULL")?
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?;
            tx.execute_batch(RESHAPE_V7)?;
            for (id, receipt) in receipts {
                let sealed = crate::declarations::db::seal_receipt(sealer, &id, &receipt)?;
                tx.execute("UPDATE declarations SET sealed_receipt = ?1 WHERE id = ?2", (sealed, &id))?;
            }
            for (profile_id, status, reasons, updated_at) in rows {
                // Reasons written by an older build that no longer parse are dropped rather than failing the upgrade.
                let reasons: Vec<String> = serde_json::from_str(&reasons).unwrap_or_default();
                let sealed = crate::declarations::db::seal_status(sealer, &profile_id, &status, &reasons)?;
                tx.execute(
                    "INSERT INTO health_status (profile_id, sealed, updated_at) VALUES (?1, ?2, ?3)",
                    (&profile_id, sealed, updated_at),
                )?;
            }
            Ok(())
        }
        8 => {
            tx.execute_batch(ADD_V8)?;
            Ok(())
        }
        9 => {
            tx.execute_batch(ADD_V9)?;
            Ok(())
        }
        10 => {
            tx.execute_batch(ADD_V10)?;
            Ok(())
        }
        11 => {
            tx.execute_batch(ADD_V11)?;
            Ok(())
        }
        12 => {
            tx.execute_batch(ADD_V12)?;
            Ok(())
        }
        13 => {
            tx.execute_batch(ADD_V13)?;
            Ok(())
        }
        14 => {
            tx.execute_batch(ADD_V14)?;
            Ok(())
        }
        15 => {
            tx.execute_batch(ADD_V15)?;
            Ok(())
        }
        16 => {
            tx.execute_batch(ALTER_V16)?;
            Ok(())
        }
        other => Err(format!("no migration step to version {other}").into()),
    }
}

/// A comparable description of the schema: tables with their columns, and indexes with their definitions.
pub fn describe(conn: &Connection) -> Result<Vec<String>, StorageError> {
    let mut out = Vec::new();
    let objects: Vec<(String, String, Option<String>)> = conn
        .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (kind, name, sql) in objects {
        match kind.as_str() {
            "table" => {
                let mut columns: Vec<String> = conn
                    .prepare(&format!("PRAGMA table_info(\"{name}\")"))?
                    .query_map([], |row| {
                        Ok(format!(
                            "{}:{}:notnull={}:default={:?}:pk={}",
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, i64>(3)?,
                            row.get::<_, Option<String>>(4)?,
                            row.get::<_, i64>(5)?
                        ))
                    })?
                    .collect::<Result<_, _>>()?;
                columns.sort();
                out.push(format!("table {name} [{}]", columns.join(", ")));
            }
            _ => {
                let normalized = sql.unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
                out.push(format!("{kind} {name}: {normalized}"));
            }
        }
    }
    let version: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    out.push(format!("user_version {version}"));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::{db as profile_db, Address, BirthDate, PersonalDetails, Profile, ProfileRelation};
    use crate::storage::Database;
    use chrono::{TimeZone, Utc};

    fn sealer() -> Sealer {
        Sealer::new(&Sealer::generate_key().unwrap()).unwrap()
    }

    fn details(cid: Option<&str>) -> PersonalDetails {
        PersonalDetails {
            full_name: "Lê Văn Dũng".into(),
            birth: BirthDate { year: 1990, month: None, day: None },
            phone: None,
            citizen_id: cid.map(Into::into),
            address: Some(Address { province_code: "48".into(), ward_code: None, street: None }),
        }
    }

    #[test]
    fn fresh_database_is_at_latest_version() {
        let db = Database::open_in_memory().unwrap();
        let mut conn = db.lock();
        assert_eq!(migrate(&mut conn, &sealer()).unwrap(), LATEST_VERSION);
        // Running again is a no-op.
        assert_eq!(migrate(&mut conn, &sealer()).unwrap(), LATEST_VERSION);
    }

    #[test]
    fn upgrade_from_v1_matches_fresh_schema_and_keeps_data() {
        let sealer = sealer();
        let old = Database::open_in_memory().unwrap();
        {
            let conn = old.lock();
            conn.execute_batch(CREATE_V1).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            // Write a row as version 1 did: same sealed format, no blind index column.
            let profile = Profile {
                id: "p1".into(),
                relation: ProfileRelation::Myself,
                details: details(Some("048090001234")),
                created_at: Utc.with_ymd_and_hms(2021, 7, 1, 0, 0, 0).unwrap(),
                updated_at: Utc.with_ymd_and_hms(2021, 7, 1, 0, 0, 0).unwrap(),
            };
            let sealed = sealer.seal("profiles.sensitive:p1", &serde_json::to_vec(&profile.details).unwrap()).unwrap();
            conn.execute(
                "INSERT INTO profiles (id, relation, sensitive, created_at, updated_at) VALUES ('p1', 'myself', ?1, 0, 0)",
                [sealed],
            )
            .unwrap();
        }
        migrate(&mut old.lock(), &sealer).unwrap();

        let fresh = Database::open_in_memory().unwrap();
        migrate(&mut fresh.lock(), &sealer).unwrap();
        assert_eq!(describe(&old.lock()).unwrap(), describe(&fresh.lock()).unwrap());

        let conn = old.lock();
        let profile = profile_db::get(&conn, &sealer, "p1").unwrap();
        assert_eq!(profile.details.full_name, "Lê Văn Dũng");
        let index: Option<String> = conn.query_row("SELECT citizen_id_index FROM profiles WHERE id = 'p1'", [], |r| r.get(0)).unwrap();
        assert_eq!(index, profile_db::citizen_id_index(&sealer, Some("048090001234")));
    }

    #[test]
    fn upgrade_from_v6_seals_health_status_and_receipts_and_drops_the_clear_pass_status() {
        let sealer = sealer();
        let old = Database::open_in_memory().unwrap();
        {
            let mut conn = old.lock();
            conn.execute_batch(CREATE_V1).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            assert_eq!(migrate_to(&mut conn, &sealer, 6).unwrap(), 6);
            let sealed = sealer.seal("profiles.sensitive:p1", &serde_json::to_vec(&details(None)).unwrap()).unwrap();
            conn.execute("INSERT INTO profiles (id, relation, sensitive, created_at, updated_at) VALUES ('p1', 'myself', ?1, 0, 0)", [sealed])
                .unwrap();
            // As versions 3 to 6 wrote them: status and reasons in clear.
            conn.execute(
                "INSERT INTO health_status (profile_id, status, reasons, updated_at) VALUES ('p1', 'red', '[\"quarantine\",\"recent_test\"]', 1625097600000)",
                [],
            )
            .unwrap();
            conn.execute("INSERT INTO passes (profile_id, sealed, status, issued_at, expires_at) VALUES ('p1', x'01', 'red', 1, 2)", []).unwrap();
            let answers = sealer.seal("declarations:d1", br#"{"answers":{},"filled_by_profile_id":null}"#).unwrap();
            conn.execute(
                "INSERT INTO declarations (id, profile_id, form_id, form_version, sensitive, declared_at, status, receipt, accepted_at)
                 VALUES ('d1', 'p1', 'health_declaration', 1, ?1, 0, 'accepted', 'eyJhbGciOiJFUzI1NiJ9.eyJoZWFsdGhfc3RhdHVzIjoicmVkIn0.c2ln', 5)",
                [answers],
            )
            .unwrap();
        }
        migrate(&mut old.lock(), &sealer).unwrap();

        let fresh = Database::open_in_memory().unwrap();
        migrate(&mut fresh.lock(), &sealer).unwrap();
        assert_eq!(describe(&old.lock()).unwrap(), describe(&fresh.lock()).unwrap());

        let conn = old.lock();
        let status = crate::declarations::db::status(&conn, &sealer, "p1").unwrap().unwrap();
        assert_eq!((status.status.as_str(), status.reasons.as_slice()), ("red", ["quarantine".to_owned(), "recent_test".to_owned()].as_slice()));
        assert_eq!(status.updated_at, Utc.with_ymd_and_hms(2021, 7, 1, 0, 0, 0).unwrap());
        let raw: Vec<u8> = conn.query_row("SELECT sealed FROM health_status", [], |r| r.get(0)).unwrap();
        assert!(!raw.windows(3).any(|w| w == b"red"), "the status is no longer stored in clear");
        let pass: (Vec<u8>, i64, i64) = conn.query_row("SELECT sealed, issued_at, expires_at FROM passes", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
        assert_eq!(pass, (vec![1], 1, 2), "the kept pass survives");
        let declaration = crate::declarations::db::get(&conn, &sealer, "d1").unwrap();
        assert_eq!(declaration.receipt.as_deref(), Some("eyJhbGciOiJFUzI1NiJ9.eyJoZWFsdGhfc3RhdHVzIjoicmVkIn0.c2ln"), "the receipt survives, sealed");
        let raw_receipt: Vec<u8> = conn.query_row("SELECT sealed_receipt FROM declarations", [], |r| r.get(0)).unwrap();
        assert!(!raw_receipt.windows(8).any(|w| w == b"eyJoZWFs"), "the receipt is no longer stored in clear");
        // The sealed status is bound to its row: moved to another profile it does not open.
        conn.execute("INSERT INTO profiles (id, relation, sensitive, created_at, updated_at) VALUES ('p2', 'child', x'00', 0, 0)", []).unwrap();
        conn.execute("INSERT INTO health_status (profile_id, sealed, updated_at) VALUES ('p2', ?1, 0)", [raw]).unwrap();
        assert!(crate::declarations::db::status(&conn, &sealer, "p2").is_err());
    }

    #[test]
    fn upgrade_from_v15_keeps_quarantine_records_without_a_refusal() {
        let sealer = sealer();
        let old = Database::open_in_memory().unwrap();
        {
            let mut conn = old.lock();
            conn.execute_batch(CREATE_V1).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            assert_eq!(migrate_to(&mut conn, &sealer, 15).unwrap(), 15);
            conn.execute_batch(
                "INSERT INTO profiles (id, relation, sensitive, created_at, updated_at) VALUES ('p1', 'myself', x'00', 0, 0);
                 INSERT INTO quarantine_orders (order_id, profile_id, sealed, ends_at, refreshed_at) VALUES ('o1', 'p1', x'01', 9, 0);
                 INSERT INTO quarantine_records (order_id, sequence, challenge_id, sealed, sealed_verdict, recorded_at)
                     VALUES ('o1', 1, 'c1', x'02', x'03', 5), ('o1', 2, 'c2', x'04', NULL, 6);",
            )
            .unwrap();
        }
        migrate(&mut old.lock(), &sealer).unwrap();

        let fresh = Database::open_in_memory().unwrap();
        migrate(&mut fresh.lock(), &sealer).unwrap();
        assert_eq!(describe(&old.lock()).unwrap(), describe(&fresh.lock()).unwrap());
        let conn = old.lock();
        type Row = (i64, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>);
        let rows: Vec<Row> = conn
            .prepare("SELECT sequence, sealed, sealed_verdict, sealed_refusal FROM quarantine_records ORDER BY sequence")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, [(1, vec![2], Some(vec![3]), None), (2, vec![4], None, None)], "the records survive, none refused yet");
    }

    #[test]
    fn newer_schema_is_refused_untouched() {
        let db = Database::open_in_memory().unwrap();
        let mut conn = db.lock();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;").unwrap();
        assert!(matches!(migrate(&mut conn, &sealer()), Err(StorageError::NewerSchema { found: 99, .. })));
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 1);
    }
}
