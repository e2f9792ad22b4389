//! The one place the phone reads its pinned root key (written by `Settings::set_root_key`).

use rusqlite::{Connection, OptionalExtension};

/// The pinned root key as stored (base64 SPKI DER), if one is pinned.
pub fn root_key_text(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [crate::settings::ROOT_KEY], |r| r.get(0)).optional()
}
