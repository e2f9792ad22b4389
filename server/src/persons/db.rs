//! Storage of identities: the two HMAC secrets (sealed with the KEK), person records, bindings, challenges and
//! the identity audit trail. Every function runs inside the caller's transaction.

use chrono::{DateTime, Utc};
use ring::hmac;
use healthbook_protocol::{BindingMethod, ErrorCode, Verification};

use super::rules::IdKind;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::keys::KeyError;
use crate::storage::{Row, Tx, Value};
use crate::util::{from_ms, hex, new_id, random_bytes, to_ms};

/// `authority_keys` row of the key that turns a citizen id into a person's `id_hash`.
pub const PERSON_ID_HMAC: &str = "person_id_hmac";
/// `authority_keys` row of the key that hashes binding codes.
pub const BINDING_CODE_HMAC: &str = "binding_code_hmac";
/// The `kid` these secrets are stored under (they are symmetric: no public half).
const SECRET_KID: &str = "hmac-sha256-v1";
/// Key id under which a person's clear citizen id is sealed (the person id is the row id).
const CITIZEN_ID_KID: &str = "citizen_id";

/// One of the server's HMAC secrets: made and sealed on first use (in the caller's transaction, so a rolled-back
/// request leaves none behind), opened with the KEK afterwards. Two instances racing to make it agree on the
/// first committed one.
fn secret(tx: &mut dyn Tx, id: &str, now: DateTime<Utc>) -> Result<hmac::Key, ApiError> {
    let select = "SELECT kid, private_key FROM authority_keys WHERE id = $1";
    if tx.query_opt(select, &[id.into()])?.is_none() {
        let bytes = random_bytes(32)?;
        let sealed = tx.kek().ok_or(KeyError::NoKek)?.seal(id, SECRET_KID, &bytes)?;
        tx.execute(
            "INSERT INTO authority_keys (id, kid, public_key, private_key, created_at, last_signed_at) \
             VALUES ($1, $2, '', $3, $4, $4) ON CONFLICT (id) DO NOTHING",
            &[id.into(), SECRET_KID.into(), sealed.into(), Value::Int(to_ms(now))],
        )?;
    }
    let row = tx.query_opt(select, &[id.into()])?.ok_or_else(|| ApiError::Internal("secret vanished".into()))?;
    let (kid, stored) = (row.text(0)?, row.text(1)?);
    let bytes = tx.kek().ok_or(KeyError::NoKek)?.open(id, &kid, &stored)?;
    Ok(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
}

/// Makes both HMAC secrets if they do not exist yet (at server start, so that read-only transactions never need
/// to create one) and checks that the KEK opens them.
pub async fn ensure_secrets(db: &crate::storage::Database, now: DateTime<Utc>) -> Result<(), ApiError> {
    db.write(move |tx| {
        secret(tx, PERSON_ID_HMAC, now)?;
        secret(tx, BINDING_CODE_HMAC, now)?;
        Ok::<_, ApiError>(())
    })
    .await
}

/// The keyed hash of a normalised citizen id (or officer-assigned id): what `persons.id_hash` holds. Keyed, since
/// the 12-digit CCCD space is small enough to hash exhaustively.
pub fn person_id_hash(tx: &mut dyn Tx, citizen_id: &str) -> Result<String, ApiError> {
    Ok(person_id_hash_with(&person_id_key(tx)?, citizen_id))
}

/// The key of [`person_id_hash`], opened once for a caller that hashes many ids (a staff roster of thousands).
pub fn person_id_key(tx: &mut dyn Tx) -> Result<hmac::Key, ApiError> {
    secret(tx, PERSON_ID_HMAC, Utc::now())
}

/// [`person_id_hash`] under a key already opened with [`person_id_key`].
pub fn person_id_hash_with(key: &hmac::Key, citizen_id: &str) -> String {
    hex(hmac::sign(key, citizen_id.as_bytes()).as_ref())
}

/// The keyed hash of a binding code for one challenge (`scope` is the challenge id for SMS codes, the fixed
/// word `attestation` for attestation codes, which are looked up by their hash).
pub fn code_hash(tx: &mut dyn Tx, scope: &str, code: &str) -> Result<String, ApiError> {
    let key = secret(tx, BINDING_CODE_HMAC, Utc::now())?;
    Ok(hex(hmac::sign(&key, format!("{scope}\n{code}").as_bytes()).as_ref()))
}

/// Whether `code` is the one hashed into `stored` (compared in constant time by `hmac::verify`).
pub fn code_matches(tx: &mut dyn Tx, scope: &str, code: &str, stored: &str) -> Result<bool, ApiError> {
    let key = secret(tx, BINDING_CODE_HMAC, Utc::now())?;
    let Some(tag) = (0..stored.len())
        .step_by(2)
        .map(|i| stored.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
    else {
        return Ok(false);
    };
    Ok(hmac::verify(&key, format!("{scope}\n{code}").as_bytes(), &tag).is_ok())
}

/// Seals a clear citizen id for the person `person_id`.
pub fn seal_citizen_id(tx: &mut dyn Tx, person_id: &str, citizen_id: &str) -> Result<String, ApiError> {
    Ok(tx.kek().ok_or(KeyError::NoKek)?.seal(person_id, CITIZEN_ID_KID, citizen_id.as_bytes())?)
}

/// Opens a person's sealed citizen id.
pub fn open_citizen_id(tx: &mut dyn Tx, person_id: &str, sealed: &str) -> Result<String, ApiError> {
    let bytes = tx.kek().ok_or(KeyError::NoKek)?.open(person_id, CITIZEN_ID_KID, sealed)?;
    String::from_utf8(bytes).map_err(|_| ApiError::Internal("a sealed citizen id is not text".into()))
}

/// A person record as stored (the sealed id stays sealed).
#[derive(Debug, Clone)]
pub struct PersonRow {
    /// Person id.
    pub id: String,
    /// Kind of id.
    pub id_kind: IdKind,
    /// The sealed clear id, if any.
    pub citizen_id_sealed: Option<String>,
    /// Name, NFC.
    pub full_name: String,
    /// Birth year.
    pub birth_year: u16,
    /// Birth date, when known.
    pub birth_date: Option<String>,
    /// Phone, E.164.
    pub phone: Option<String>,
    /// Province code.
    pub province_code: String,
    /// Ward code.
    pub ward_code: Option<String>,
    /// Guardian.
    pub guardian_person_id: Option<String>,
    /// `attested` or `self_declared`.
    pub verification: Verification,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

const PERSON_COLUMNS: &str = "id, id_kind, citizen_id_sealed, full_name, birth_year, birth_date, phone, province_code, \
                              ward_code, guardian_person_id, verification, created_at";

fn person_from_row(row: &Row) -> Result<PersonRow, ApiError> {
    Ok(PersonRow {
        id: row.text(0)?,
        id_kind: IdKind::parse(&row.text(1)?).ok_or_else(|| ApiError::Internal("unknown id kind in the database".into()))?,
        citizen_id_sealed: row.opt_text(2)?,
        full_name: row.text(3)?,
        birth_year: u16::try_from(row.int(4)?).map_err(|_| ApiError::Internal("bad birth year".into()))?,
        birth_date: row.opt_text(5)?,
        phone: row.opt_text(6)?,
        province_code: row.text(7)?,
        ward_code: row.opt_text(8)?,
        guardian_person_id: row.opt_text(9)?,
        verification: Verification::parse(&row.text(10)?)
            .ok_or_else(|| ApiError::Internal("unknown verification in the database".into()))?,
        created_at: from_ms(row.int(11)?)?,
    })
}

/// The person with id `id`.
pub fn person(tx: &mut dyn Tx, id: &str) -> Result<Option<PersonRow>, ApiError> {
    let row = tx.query_opt(&format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1"), &[id.into()])?;
    row.as_ref().map(person_from_row).transpose()
}

/// The person whose id hashes to `id_hash`.
pub fn person_by_hash(tx: &mut dyn Tx, id_hash: &str) -> Result<Option<PersonRow>, ApiError> {
    let row = tx.query_opt(&format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id_hash = $1"), &[id_hash.into()])?;
    row.as_ref().map(person_from_row).transpose()
}

/// A new person record.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// Normalised clear id (sealed before it is stored), with its hash.
    pub citizen_id: Option<(String, String)>,
    /// Kind of id.
    pub id_kind: IdKind,
    /// Name, NFC.
    pub full_name: String,
    /// Birth year.
    pub birth_year: u16,
    /// Birth date.
    pub birth_date: Option<String>,
    /// Phone, E.164.
    pub phone: Option<String>,
    /// Province.
    pub province_code: String,
    /// Ward.
    pub ward_code: Option<String>,
    /// Guardian.
    pub guardian_person_id: Option<String>,
    /// `attested` or `self_declared`.
    pub verification: &'static str,
    /// Who created it (an account id).
    pub created_by: String,
}

/// Inserts a person; returns the stored record. A lost race on the id hash is a `Conflict` the caller retries.
pub fn insert_person(tx: &mut dyn Tx, new: NewPerson, now: DateTime<Utc>) -> Result<PersonRow, ApiError> {
    let id = new_id();
    let (sealed, hash) = match &new.citizen_id {
        Some((clear, hash)) => (Some(seal_citizen_id(tx, &id, clear)?), Some(hash.clone())),
        None => (None, None),
    };
    tx.execute(
        "INSERT INTO persons (id, id_hash, id_kind, citizen_id_sealed, full_name, birth_year, birth_date, phone, \
         province_code, ward_code, guardian_person_id, verification, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        &[
            id.clone().into(),
            hash.into(),
            new.id_kind.as_str().into(),
            sealed.into(),
            new.full_name.into(),
            Value::Int(i64::from(new.birth_year)),
            new.birth_date.into(),
            new.phone.into(),
            new.province_code.into(),
            new.ward_code.into(),
            new.guardian_person_id.into(),
            new.verification.into(),
            Value::Int(to_ms(now)),
            new.created_by.into(),
        ],
    )?;
    person(tx, &id)?.ok_or_else(|| ApiError::Internal("inserted person vanished".into()))
}

/// Takes the person's row lock until the transaction ends (PostgreSQL; SQLite's writer is exclusive anyway), so
/// that concurrent binding attempts for one person are counted one after the other.
pub fn lock_person(tx: &mut dyn Tx, id: &str) -> Result<(), ApiError> {
    tx.execute("UPDATE persons SET id = id WHERE id = $1", &[id.into()])?;
    Ok(())
}

/// One identity audit row: who did what to whose identity, when, and where.
pub fn audit(
    tx: &mut dyn Tx,
    now: DateTime<Utc>,
    actor: &Principal,
    action: &str,
    person_id: Option<&str>,
    place: Option<&str>,
    detail: Option<String>,
) -> Result<(), ApiError> {
    // Ids sort in the order a person's rows were written, even within one millisecond (a frozen test clock, or a
    // fast officer): time, a sequence within that person's millisecond, and a random tail against collisions.
    let now_ms = to_ms(now);
    let seq = match person_id {
        Some(person) => tx.query(
            "SELECT COUNT(*) FROM identity_audit WHERE person_id = $1 AND at = $2",
            &[person.into(), Value::Int(now_ms)],
        )?[0]
            .int(0)?,
        None => 0,
    };
    let id = format!("{:013}-{seq:06}-{}", now_ms.max(0), &new_id()[..8]);
    tx.execute(
        "INSERT INTO identity_audit (id, at, actor_account_id, actor_role, action, person_id, place, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            id.into(),
            Value::Int(now_ms),
            actor.account_id.clone().into(),
            actor.role.as_str().into(),
            action.into(),
            person_id.into(),
            place.into(),
            detail.into(),
        ],
    )?;
    Ok(())
}

/// A binding as stored.
#[derive(Debug, Clone)]
pub struct BindingRow {
    /// The phone.
    pub device_id: String,
    /// The phone's profile.
    pub profile_ref: String,
    /// The person.
    pub person_id: String,
    /// `sms` or `attestation`.
    pub method: BindingMethod,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The attesting account.
    pub attested_by: Option<String>,
}

const BINDING_COLUMNS: &str = "device_id, profile_ref, person_id, method, created_at, attested_by";

fn binding_from_row(row: &Row) -> Result<BindingRow, ApiError> {
    Ok(BindingRow {
        device_id: row.text(0)?,
        profile_ref: row.text(1)?,
        person_id: row.text(2)?,
        method: BindingMethod::parse(&row.text(3)?)
            .ok_or_else(|| ApiError::Internal("unknown binding method in the database".into()))?,
        created_at: from_ms(row.int(4)?)?,
        attested_by: row.opt_text(5)?,
    })
}

/// The binding of one profile of one phone.
pub fn binding(tx: &mut dyn Tx, device_id: &str, profile_ref: &str) -> Result<Option<BindingRow>, ApiError> {
    let row = tx.query_opt(
        &format!("SELECT {BINDING_COLUMNS} FROM person_bindings WHERE device_id = $1 AND profile_ref = $2"),
        &[device_id.into(), profile_ref.into()],
    )?;
    row.as_ref().map(binding_from_row).transpose()
}

/// Every binding of a phone, by profile.
pub fn bindings_of_device(tx: &mut dyn Tx, device_id: &str) -> Result<Vec<BindingRow>, ApiError> {
    let rows = tx.query(
        &format!("SELECT {BINDING_COLUMNS} FROM person_bindings WHERE device_id = $1 ORDER BY profile_ref"),
        &[device_id.into()],
    )?;
    rows.iter().map(binding_from_row).collect()
}

/// Every binding of a person, oldest first.
pub fn bindings_of_person(tx: &mut dyn Tx, person_id: &str) -> Result<Vec<BindingRow>, ApiError> {
    let rows = tx.query(
        &format!(
            "SELECT {BINDING_COLUMNS} FROM person_bindings WHERE person_id = $1 ORDER BY created_at, device_id, profile_ref"
        ),
        &[person_id.into()],
    )?;
    rows.iter().map(binding_from_row).collect()
}

/// Binds (device, profile) to a person and attaches that profile's earlier declarations to the person, in the
/// caller's transaction. Binding the same person again refreshes the method; a profile bound to another person
/// must be unbound first (409 `profile_already_bound`).
pub fn bind(
    tx: &mut dyn Tx,
    device_id: &str,
    profile_ref: &str,
    person_id: &str,
    method: &str,
    attested_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<BindingRow, ApiError> {
    match binding(tx, device_id, profile_ref)? {
        Some(existing) if existing.person_id != person_id => {
            return Err(ApiError::Conflict {
                code: ErrorCode::ProfileAlreadyBound,
                message: "this profile is bound to another person; remove that binding first".into(),
            });
        }
        Some(_) => {
            tx.execute(
                "UPDATE person_bindings SET method = $1, attested_by = $2, created_at = $3 \
                 WHERE device_id = $4 AND profile_ref = $5",
                &[method.into(), attested_by.into(), Value::Int(to_ms(now)), device_id.into(), profile_ref.into()],
            )?;
        }
        None => {
            tx.execute(
                "INSERT INTO person_bindings (device_id, profile_ref, person_id, method, created_at, attested_by) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    device_id.into(),
                    profile_ref.into(),
                    person_id.into(),
                    method.into(),
                    Value::Int(to_ms(now)),
                    attested_by.into(),
                ],
            )?;
        }
    }
    backfill_declarations(tx, device_id, profile_ref, person_id)?;
    binding(tx, device_id, profile_ref)?.ok_or_else(|| ApiError::Internal("binding vanished".into()))
}

/// Attaches the declarations this (device, profile) made before it was bound to the person, so that the
/// person's status sees them. Declarations stored before the `profile_ref` column existed name their profile
/// only in the body, so those are read once here and get the column too. Returns how many were attached.
pub fn backfill_declarations(tx: &mut dyn Tx, device_id: &str, profile_ref: &str, person_id: &str) -> Result<u64, ApiError> {
    let mut attached = tx.execute(
        "UPDATE declarations SET person_id = $1 WHERE device_id = $2 AND profile_ref = $3 AND person_id IS NULL",
        &[person_id.into(), device_id.into(), profile_ref.into()],
    )?;
    let untagged = tx.query(
        "SELECT id, body FROM declarations WHERE device_id = $1 AND profile_ref IS NULL AND person_id IS NULL",
        &[device_id.into()],
    )?;
    for row in untagged {
        let body: serde_json::Value = serde_json::from_str(&row.text(1)?).unwrap_or_default();
        if body["subject"]["profile_ref"].as_str() == Some(profile_ref) {
            attached += tx.execute(
                "UPDATE declarations SET person_id = $1, profile_ref = $2 WHERE id = $3",
                &[person_id.into(), profile_ref.into(), row.text(0)?.into()],
            )?;
        }
    }
    Ok(attached)
}

/// Removes one binding; returns it when there was one. The declarations it attached stay the person's: they
/// were about that person, and detaching them would let a new profile shed a red status.
pub fn unbind(tx: &mut dyn Tx, device_id: &str, profile_ref: &str) -> Result<Option<BindingRow>, ApiError> {
    let existing = binding(tx, device_id, profile_ref)?;
    if existing.is_some() {
        tx.execute(
            "DELETE FROM person_bindings WHERE device_id = $1 AND profile_ref = $2",
            &[device_id.into(), profile_ref.into()],
        )?;
    }
    Ok(existing)
}

/// How long challenges are kept after they were made: far beyond their lifetime and the hourly window they count
/// in, so the audit trail (which keeps the acts themselves) is the only lasting record.
const CHALLENGE_RETENTION_MS: i64 = 24 * 3_600_000;

/// Now and then (about one call in 256, as with rate limits: no instance is special) deletes challenges older
/// than a day.
pub fn sweep_challenges(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<(), ApiError> {
    if rand::random::<u8>() == 0 {
        let cutoff = Value::Int(to_ms(now) - CHALLENGE_RETENTION_MS);
        tx.execute("DELETE FROM binding_challenges WHERE created_at < $1", std::slice::from_ref(&cutoff))?;
        tx.execute("DELETE FROM attestation_challenges WHERE created_at < $1", &[cutoff])?;
    }
    Ok(())
}

/// An SMS challenge as stored.
#[derive(Debug, Clone)]
pub struct SmsChallenge {
    /// The phone that asked.
    pub device_id: String,
    /// Its profile.
    pub profile_ref: String,
    /// The person.
    pub person_id: String,
    /// Keyed hash of the code.
    pub code_hash: String,
    /// Expiry (ms).
    pub expires_at: i64,
    /// Closed (ms), when used or burned.
    pub closed_at: Option<i64>,
}

/// An SMS challenge by id.
pub fn sms_challenge(tx: &mut dyn Tx, id: &str) -> Result<Option<SmsChallenge>, ApiError> {
    let row = tx.query_opt(
        "SELECT device_id, profile_ref, person_id, code_hash, expires_at, closed_at FROM binding_challenges \
         WHERE id = $1 AND method = 'sms'",
        &[id.into()],
    )?;
    row.map(|row| {
        Ok(SmsChallenge {
            device_id: row.text(0)?,
            profile_ref: row.text(1)?,
            person_id: row.text(2)?,
            code_hash: row.text(3)?,
            expires_at: row.int(4)?,
            closed_at: row.opt_int(5)?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Kek, KekSettings, open_database, unlock};
    use crate::storage::{Database, DatabaseLocation};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    #[tokio::test]
    async fn secrets_are_sealed_stable_and_need_their_kek() {
        let dir = tempfile::tempdir().unwrap();
        let location = DatabaseLocation::Sqlite(dir.path().join("ids.db"));
        let settings = KekSettings { base64: Some(STANDARD.encode([5u8; 32])), ..KekSettings::default() };
        let db = open_database(&location, &settings).await.unwrap();
        ensure_secrets(&db, Utc::now()).await.unwrap();
        let (a, a_again, b) = db
            .write(|tx| {
                Ok::<_, ApiError>((
                    person_id_hash(tx, "001085012345")?,
                    person_id_hash(tx, "001085012345")?,
                    person_id_hash(tx, "001085012346")?,
                ))
            })
            .await
            .unwrap();
        assert_eq!(a, a_again);
        assert_ne!(a, b);
        assert_ne!(a, crate::util::sha256_hex(b"001085012345"), "keyed, not a bare hash");
        let stored: Vec<String> = db
            .read(|tx| {
                tx.query("SELECT private_key FROM authority_keys WHERE id IN ($1, $2)", &[PERSON_ID_HMAC.into(), BINDING_CODE_HMAC.into()])?
                    .iter()
                    .map(|r| r.text(0))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await
            .unwrap();
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|s| crate::keys::is_sealed(s)));
        drop(db);

        // Reopened with the same KEK: the same hash. With another: the start is refused.
        let db = open_database(&location, &settings).await.unwrap();
        let again = db.write(|tx| person_id_hash(tx, "001085012345")).await.unwrap();
        assert_eq!(again, a);
        let wrong = Database::open(&location).await.unwrap().with_kek(Kek::from_bytes(&[6u8; 32]).unwrap());
        assert!(unlock(&wrong).await.is_err());
    }

    #[tokio::test]
    async fn a_sealed_citizen_id_opens_only_for_its_person() {
        let dir = tempfile::tempdir().unwrap();
        let location = DatabaseLocation::Sqlite(dir.path().join("ids.db"));
        let settings = KekSettings { base64: Some(STANDARD.encode([5u8; 32])), ..KekSettings::default() };
        let db = open_database(&location, &settings).await.unwrap();
        let (opened, moved, sealed) = db
            .read(|tx| {
                let sealed = seal_citizen_id(tx, "person-a", "001085012345")?;
                Ok::<_, ApiError>((open_citizen_id(tx, "person-a", &sealed)?, open_citizen_id(tx, "person-b", &sealed).is_err(), sealed))
            })
            .await
            .unwrap();
        assert_eq!(opened, "001085012345");
        assert!(moved, "a sealed id copied to another person does not open");
        assert!(!sealed.contains("001085012345"));
    }

    #[tokio::test]
    async fn codes_match_only_their_challenge() {
        let dir = tempfile::tempdir().unwrap();
        let location = DatabaseLocation::Sqlite(dir.path().join("codes.db"));
        let settings = KekSettings { base64: Some(STANDARD.encode([5u8; 32])), ..KekSettings::default() };
        let db = open_database(&location, &settings).await.unwrap();
        let checks = db
            .write(|tx| {
                let stored = code_hash(tx, "challenge-1", "123456")?;
                Ok::<_, ApiError>([
                    code_matches(tx, "challenge-1", "123456", &stored)?,
                    code_matches(tx, "challenge-1", "123457", &stored)?,
                    code_matches(tx, "challenge-2", "123456", &stored)?,
                    code_matches(tx, "challenge-1", "123456", "not hex")?,
                ])
            })
            .await
            .unwrap();
        assert_eq!(checks, [true, false, false, false]);
    }
}
