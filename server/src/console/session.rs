//! Console sessions: a random id in the `hb_console` cookie, of which only the SHA-256 is stored with the account,
//! the CSRF token and the times; a session ends 30 minutes after it was last seen or 12 hours after sign-in,
//! whichever comes first, at sign-out, and at once when its account is disabled.

use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::{AreaScope, Role};

use crate::access::area_from_columns;
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::ratelimit;
use crate::storage::{Tx, Value};
use crate::util::{from_ms, random_secret, sha256_hex, to_ms};

/// A session ends this long after the last request that used it.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session ends this long after sign-in, however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// How often the server deletes ended sessions.
pub const PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// The roles that may sign in to the console.
pub const CONSOLE_ROLES: [Role; 3] = [Role::AuthorityAdmin, Role::HealthOfficer, Role::AgencyAdmin];

/// When a session created at `created` and last seen at `last_seen` ends.
pub fn ends_at(created: DateTime<Utc>, last_seen: DateTime<Utc>) -> DateTime<Utc> {
    (created + ABSOLUTE_TIMEOUT).min(last_seen + IDLE_TIMEOUT)
}

/// A signed-in console user.
#[derive(Debug, Clone)]
pub struct Session {
    /// The caller, as the API's endpoints see it.
    pub principal: Principal,
    /// The account's username (shown in the header).
    pub username: String,
    /// The token every changing form must carry.
    pub csrf: String,
    /// A health officer's area.
    pub area: Option<AreaScope>,
    /// An agency admin's agency name.
    pub agency_name: Option<String>,
}

/// Starts a session for `account_id`; returns the session id (the cookie's value, never stored) and its CSRF
/// token. The account's ended sessions are deleted here, where it is known to be active.
pub fn create(tx: &mut dyn Tx, account_id: &str, now: DateTime<Utc>) -> Result<(String, String), ApiError> {
    let id = random_secret(32)?;
    let csrf = random_secret(32)?;
    tx.execute(
        "DELETE FROM console_sessions WHERE account_id = $1 AND expires_at <= $2",
        &[account_id.into(), Value::Int(to_ms(now))],
    )?;
    tx.execute(
        "INSERT INTO console_sessions (id_hash, account_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $4, $5)",
        &[
            sha256_hex(id.as_bytes()).into(),
            account_id.into(),
            csrf.clone().into(),
            Value::Int(to_ms(now)),
            Value::Int(to_ms(ends_at(now, now))),
        ],
    )?;
    Ok((id, csrf))
}

/// The live session with this id, seen now (its idle timer restarts); `None` for an unknown, ended or disabled
/// account's session, or a role that may not use the console. Counts the request against the account's rate
/// limit, as a bearer token's request does.
pub fn touch(tx: &mut dyn Tx, id: &str, now: DateTime<Utc>, rate_limit: u32) -> Result<Option<Session>, ApiError> {
    let id_hash = sha256_hex(id.as_bytes());
    let Some(row) = tx.query_opt(
        "SELECT a.id, a.role, a.agency_id, a.disabled, a.username, a.area_province, a.area_wards, g.name, \
         s.created_at, s.csrf_token, s.expires_at FROM console_sessions s JOIN accounts a ON a.id = s.account_id \
         LEFT JOIN agencies g ON g.id = a.agency_id WHERE s.id_hash = $1",
        &[id_hash.clone().into()],
    )?
    else {
        return Ok(None);
    };
    let created = from_ms(row.int(8)?)?;
    let stored_end = row.int(10)?;
    let role = Role::parse(&row.text(1)?);
    if to_ms(now) >= stored_end || row.int(3)? != 0 || !role.is_some_and(|r| CONSOLE_ROLES.contains(&r)) {
        tx.execute("DELETE FROM console_sessions WHERE id_hash = $1", &[id_hash.into()])?;
        return Ok(None);
    }
    let account_id = row.text(0)?;
    ratelimit::hit(tx, &format!("account:{account_id}"), to_ms(now), rate_limit)?;
    tx.execute(
        "UPDATE console_sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1",
        &[id_hash.clone().into(), Value::Int(to_ms(now)), Value::Int(to_ms(ends_at(created, now)))],
    )?;
    let role = role.ok_or_else(|| ApiError::Internal("unknown role".into()))?;
    Ok(Some(Session {
        principal: Principal::from_console_session(account_id, role, row.opt_text(2)?, id_hash),
        username: row.opt_text(4)?.unwrap_or_default(),
        csrf: row.text(9)?,
        area: area_from_columns(row.opt_text(5)?, row.opt_text(6)?),
        agency_name: row.opt_text(7)?,
    }))
}

/// Ends the session with this id (sign-out).
pub fn delete(tx: &mut dyn Tx, id: &str) -> Result<(), ApiError> {
    tx.execute("DELETE FROM console_sessions WHERE id_hash = $1", &[sha256_hex(id.as_bytes()).into()])?;
    Ok(())
}

/// Deletes every session that ended before `now`; returns how many.
pub fn purge(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<u64, ApiError> {
    Ok(tx.execute("DELETE FROM console_sessions WHERE expires_at <= $1", &[Value::Int(to_ms(now))])?)
}

/// Runs [`purge`] now and then every [`PURGE_INTERVAL`], for as long as the server serves.
pub async fn keep_purging(state: AppState) {
    crate::util::keep_purging(state, PURGE_INTERVAL, "ended console sessions", purge).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use chrono::TimeZone;
    use healthbook_core::{Clock, ManualClock};

    use crate::storage::{Database, SqliteStorage};

    async fn database_with_officer() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::new(Arc::new(SqliteStorage::open(&dir.path().join("t.db")).unwrap()));
        db.migrate().await.unwrap();
        db.write(|tx| {
            tx.execute(
                "INSERT INTO accounts (id, role, username, created_at, area_province) VALUES ('o1', 'health_officer', 'officer', 0, '79')",
                &[],
            )
        })
        .await
        .unwrap();
        (dir, db)
    }

    async fn seen(db: &Database, id: &str, clock: &ManualClock) -> bool {
        let (id, now) = (id.to_owned(), clock.now());
        db.write(move |tx| touch(tx, &id, now, 0)).await.unwrap().is_some()
    }

    #[tokio::test]
    async fn a_session_ends_after_30_idle_minutes_or_12_hours_and_at_disabling() {
        let (_dir, db) = database_with_officer().await;
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap());
        let now = clock.now();
        let (id, csrf) = db.write(move |tx| create(tx, "o1", now)).await.unwrap();
        assert_ne!(id, csrf);
        let stored: String = db.read(|tx| tx.query("SELECT id_hash FROM console_sessions", &[])?[0].text(0)).await.unwrap();
        assert_eq!(stored, sha256_hex(id.as_bytes()), "only the hash is stored");
        assert!(!seen(&db, "not-a-session", &clock).await);

        // Used every 29 minutes, it lives until the 12th hour and not a minute beyond.
        for _ in 0..24 {
            clock.advance(Duration::minutes(29));
            assert!(seen(&db, &id, &clock).await, "at {}", clock.now());
        }
        clock.set(now + ABSOLUTE_TIMEOUT - Duration::seconds(1));
        assert!(seen(&db, &id, &clock).await);
        clock.set(now + ABSOLUTE_TIMEOUT);
        assert!(!seen(&db, &id, &clock).await);
        clock.set(now);
        assert!(!seen(&db, &id, &clock).await, "an ended session is gone for good");

        // Left alone for 30 minutes, it ends.
        let (id, _) = db.write(move |tx| create(tx, "o1", now)).await.unwrap();
        clock.advance(IDLE_TIMEOUT - Duration::seconds(1));
        assert!(seen(&db, &id, &clock).await);
        clock.advance(IDLE_TIMEOUT);
        assert!(!seen(&db, &id, &clock).await);

        // Disabling the account ends its sessions at once.
        let now = clock.now();
        let (id, _) = db.write(move |tx| create(tx, "o1", now)).await.unwrap();
        assert!(seen(&db, &id, &clock).await);
        db.write(|tx| tx.execute("UPDATE accounts SET disabled = 1 WHERE id = 'o1'", &[])).await.unwrap();
        assert!(!seen(&db, &id, &clock).await);
    }

    #[tokio::test]
    async fn purge_deletes_only_ended_sessions() {
        let (_dir, db) = database_with_officer().await;
        let start = Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap();
        db.write(move |tx| create(tx, "o1", start)).await.unwrap();
        db.write(move |tx| create(tx, "o1", start + Duration::minutes(20))).await.unwrap();
        let at = start + IDLE_TIMEOUT;
        assert_eq!(db.write(move |tx| purge(tx, at)).await.unwrap(), 1);
        assert_eq!(db.write(move |tx| purge(tx, at)).await.unwrap(), 0);
        let later = start + Duration::hours(1);
        assert_eq!(db.write(move |tx| purge(tx, later)).await.unwrap(), 1);
    }

    #[test]
    fn the_end_is_the_earlier_of_idle_and_absolute() {
        let created = Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap();
        assert_eq!(ends_at(created, created), created + IDLE_TIMEOUT);
        let late = created + Duration::hours(11) + Duration::minutes(50);
        assert_eq!(ends_at(created, late), created + ABSOLUTE_TIMEOUT);
    }
}
