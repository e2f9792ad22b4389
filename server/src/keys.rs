//! Private keys at rest: every private key in `authority_keys` is sealed with AES-256-GCM under a
//! key-encryption key (KEK) that the server is given from a file or the environment and that never enters the
//! database. A copy of the database alone therefore holds no usable private key.
//!
//! A sealed value is `kek1:` followed by base64 of `nonce (12 bytes) || ciphertext || tag`. The row's id and
//! kid are the associated data, so a sealed key copied into another row (say, the root's) does not open.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use thiserror::Error;

use crate::storage::{Database, DatabaseLocation, StorageError, Tx, Value};

/// Prefix of a sealed private key.
const SEALED_PREFIX: &str = "kek1:";
/// Name of the KEK file generated in the data directory when none is configured.
pub const DEFAULT_KEK_FILE: &str = "kek";
/// Environment variable holding the KEK itself (base64 of 32 bytes).
pub const KEK_ENV: &str = "HEALTHBOOK_KEK";

/// Errors about the key-encryption key and the sealed keys.
#[derive(Debug, Error)]
pub enum KeyError {
    /// The KEK is not base64 of exactly 32 bytes.
    #[error("the key-encryption key must be base64 of 32 bytes ({0})")]
    BadKek(String),
    /// The KEK file could not be read or written.
    #[error("key-encryption key file {path}: {problem}")]
    KekFile {
        /// The file.
        path: PathBuf,
        /// What failed.
        problem: String,
    },
    /// The database holds sealed keys but no KEK was given and the default file is missing; a new KEK would not
    /// open them, so none is generated.
    #[error(
        "the database holds encrypted keys but no key-encryption key was given and {0} does not exist; \
         pass --kek-file, HEALTHBOOK_KEK_FILE or HEALTHBOOK_KEK"
    )]
    KekMissing(PathBuf),
    /// A sealed key does not open with this KEK: the wrong KEK, or a value moved from another row.
    #[error("the key-encryption key does not open the stored key {id:?}: wrong key-encryption key?")]
    WrongKek {
        /// Row id of the key that did not open.
        id: String,
    },
    /// A private key is stored in clear where a sealed one was expected.
    #[error("the stored key {id:?} is not encrypted; restart the server with its key-encryption key to seal it")]
    NotSealed {
        /// Row id of the key.
        id: String,
    },
    /// This database handle has no KEK, so no private key can be read or written.
    #[error("no key-encryption key is configured")]
    NoKek,
    /// The system random source failed.
    #[error("the random source failed")]
    Random,
    /// The database failed.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

impl From<KeyError> for crate::error::ApiError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::Storage(inner) => Self::Storage(inner),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// The key-encryption key: AES-256-GCM.
pub struct Kek {
    key: LessSafeKey,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(..)")
    }
}

impl Kek {
    /// A KEK from its 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != 32 {
            return Err(KeyError::BadKek(format!("{} bytes", bytes.len())));
        }
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| KeyError::BadKek("rejected".into()))?;
        Ok(Self { key: LessSafeKey::new(key) })
    }

    /// A KEK from base64 (standard alphabet; surrounding whitespace ignored).
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|e| KeyError::BadKek(e.to_string()))?;
        Self::from_bytes(&bytes)
    }

    /// A fresh random KEK and its base64 form.
    pub fn generate() -> Result<(Self, String), KeyError> {
        let mut bytes = [0u8; 32];
        SystemRandom::new().fill(&mut bytes).map_err(|_| KeyError::Random)?;
        Ok((Self::from_bytes(&bytes)?, STANDARD.encode(bytes)))
    }

    /// Seals `secret` for the `authority_keys` row `id` holding key `kid`.
    pub fn seal(&self, id: &str, kid: &str, secret: &[u8]) -> Result<String, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| KeyError::Random)?;
        let mut buffer = secret.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(associated_data(id, kid)),
                &mut buffer,
            )
            .map_err(|_| KeyError::Random)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buffer);
        Ok(format!("{SEALED_PREFIX}{}", STANDARD.encode(out)))
    }

    /// Opens a value sealed for row `id` and key `kid`.
    pub fn open(&self, id: &str, kid: &str, sealed: &str) -> Result<Vec<u8>, KeyError> {
        let body = sealed.strip_prefix(SEALED_PREFIX).ok_or_else(|| KeyError::NotSealed { id: id.to_owned() })?;
        let wrong = || KeyError::WrongKek { id: id.to_owned() };
        let mut bytes = STANDARD.decode(body).map_err(|_| wrong())?;
        if bytes.len() < NONCE_LEN {
            return Err(wrong());
        }
        let mut ciphertext = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| wrong())?;
        let plain =
            self.key.open_in_place(nonce, Aad::from(associated_data(id, kid)), &mut ciphertext).map_err(|_| wrong())?;
        Ok(plain.to_vec())
    }
}

fn associated_data(id: &str, kid: &str) -> Vec<u8> {
    format!("healthbook-private-key\n{id}\n{kid}").into_bytes()
}

/// Whether a stored value is sealed (as opposed to a clear key of an older database).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

/// Reads the private key (PKCS#8) of the `authority_keys` row `id`, with its kid: the one place where stored
/// private keys are opened. `None` when the row does not exist.
pub fn load_private_key(tx: &mut dyn Tx, id: &str) -> Result<Option<(String, Vec<u8>)>, KeyError> {
    let Some(row) = tx.query_opt("SELECT kid, private_key FROM authority_keys WHERE id = $1", &[id.into()])? else {
        return Ok(None);
    };
    let (kid, stored) = (row.text(0)?, row.text(1)?);
    let kek = tx.kek().ok_or(KeyError::NoKek)?;
    let pkcs8 = kek.open(id, &kid, &stored)?;
    Ok(Some((kid, pkcs8)))
}

/// Seals a private key for the `authority_keys` row `id` (the caller writes the result to that row).
pub fn seal_private_key(tx: &mut dyn Tx, id: &str, kid: &str, pkcs8: &[u8]) -> Result<String, KeyError> {
    tx.kek().ok_or(KeyError::NoKek)?.seal(id, kid, pkcs8)
}

/// What [`unlock`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnlockReport {
    /// Keys that were already sealed and open with the KEK.
    pub sealed: usize,
    /// Clear keys of an older database, sealed now.
    pub newly_sealed: usize,
}

/// Checks at start-up that the database's KEK opens every stored key (a wrong KEK is an error, never a reason
/// to make new keys), then seals any key an older database kept in clear. One transaction: either every clear
/// key is sealed or none is.
pub async fn unlock(db: &Database) -> Result<UnlockReport, KeyError> {
    db.write(|tx| {
        let rows = tx.query("SELECT id, kid, private_key FROM authority_keys ORDER BY id", &[])?;
        let kek = tx.kek().ok_or(KeyError::NoKek)?;
        let mut report = UnlockReport::default();
        let mut updates = Vec::new();
        for row in &rows {
            let (id, kid, stored) = (row.text(0)?, row.text(1)?, row.text(2)?);
            if is_sealed(&stored) {
                kek.open(&id, &kid, &stored)?;
                report.sealed += 1;
            } else {
                let pkcs8 = STANDARD.decode(&stored).map_err(|_| KeyError::NotSealed { id: id.clone() })?;
                updates.push((kek.seal(&id, &kid, &pkcs8)?, id));
            }
        }
        for (sealed, id) in updates {
            tx.execute("UPDATE authority_keys SET private_key = $1 WHERE id = $2", &[sealed.into(), Value::Text(id)])?;
            report.newly_sealed += 1;
        }
        Ok::<_, KeyError>(report)
    })
    .await
}

/// Where the KEK comes from, in order of precedence.
#[derive(Debug, Clone, Default)]
pub struct KekSettings {
    /// `--kek-file` / `HEALTHBOOK_KEK_FILE`.
    pub file: Option<PathBuf>,
    /// `HEALTHBOOK_KEK` (base64 of 32 bytes).
    pub base64: Option<String>,
    /// The data directory, where a KEK file is generated when neither of the above is given.
    pub data_dir: PathBuf,
}

/// Opens the database, attaches the KEK and unlocks it (see [`unlock`]): what the server and every `admin`
/// command do before anything else.
pub async fn open_database(location: &DatabaseLocation, settings: &KekSettings) -> Result<Database, KeyError> {
    let db = Database::open(location).await?;
    let kek = match (&settings.file, &settings.base64) {
        (Some(path), _) => read_kek_file(path)?,
        (None, Some(text)) => Kek::from_base64(text)?,
        (None, None) => default_kek(&db, &settings.data_dir).await?,
    };
    let db = db.with_kek(kek);
    let report = unlock(&db).await?;
    if report.newly_sealed > 0 {
        tracing::info!(
            keys = report.newly_sealed,
            "private keys stored in clear were encrypted with the key-encryption key"
        );
    }
    Ok(db)
}

/// The KEK file in the data directory, generated on first use when the database holds no sealed key yet.
async fn default_kek(db: &Database, data_dir: &Path) -> Result<Kek, KeyError> {
    let path = data_dir.join(DEFAULT_KEK_FILE);
    if path.exists() {
        return read_kek_file(&path);
    }
    let sealed: i64 = db
        .read(|tx| tx.query("SELECT COUNT(*) FROM authority_keys WHERE private_key LIKE 'kek1:%'", &[])?[0].int(0))
        .await?;
    if sealed > 0 {
        return Err(KeyError::KekMissing(path));
    }
    let kek = generate_kek_file(&path)?;
    tracing::warn!(
        path = %path.display(),
        "no key-encryption key configured: generated one; in production keep it outside the data directory \
         (--kek-file or HEALTHBOOK_KEK) and back it up, since the keys in the database are useless without it"
    );
    Ok(kek)
}

/// Reads a KEK file (base64 of 32 bytes); warns when others than the owner may read it.
pub fn read_kek_file(path: &Path) -> Result<Kek, KeyError> {
    let file_error = |e: std::io::Error| KeyError::KekFile { path: path.to_owned(), problem: e.to_string() };
    let text = std::fs::read_to_string(path).map_err(file_error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(file_error)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "the key-encryption key file is readable by others; chmod 600 it");
        }
    }
    Kek::from_base64(&text)
}

/// Writes a new random KEK to `path` (mode 0600; its directory created 0700 if missing); refuses to overwrite.
pub fn generate_kek_file(path: &Path) -> Result<Kek, KeyError> {
    let file_error = |e: std::io::Error| KeyError::KekFile { path: path.to_owned(), problem: e.to_string() };
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        create_private_dir(parent).map_err(file_error)?;
    }
    let (kek, text) = Kek::generate()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(file_error)?;
    file.write_all(format!("{text}\n").as_bytes()).map_err(file_error)?;
    file.sync_all().map_err(file_error)?;
    Ok(kek)
}

/// Creates `dir` and its missing parents with mode 0700; directories that already exist keep their mode (the
/// parent of a database given by path may be shared, like `/tmp`).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kek(byte: u8) -> Kek {
        Kek::from_bytes(&[byte; 32]).unwrap()
    }

    #[test]
    fn sealed_keys_open_only_with_their_kek_row_and_kid() {
        let sealed = kek(1).seal("root", "kid-a", b"secret pkcs8").unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("secret"));
        assert_eq!(kek(1).open("root", "kid-a", &sealed).unwrap(), b"secret pkcs8");
        assert!(matches!(kek(2).open("root", "kid-a", &sealed), Err(KeyError::WrongKek { .. })));
        assert!(matches!(kek(1).open("passes", "kid-a", &sealed), Err(KeyError::WrongKek { .. })));
        assert!(matches!(kek(1).open("root", "kid-b", &sealed), Err(KeyError::WrongKek { .. })));
        assert!(matches!(kek(1).open("root", "kid-a", "AAAA"), Err(KeyError::NotSealed { .. })));
    }

    #[test]
    fn kek_must_be_32_bytes_of_base64() {
        assert!(Kek::from_base64(&STANDARD.encode([7u8; 32])).is_ok());
        assert!(matches!(Kek::from_base64(&STANDARD.encode([7u8; 31])), Err(KeyError::BadKek(_))));
        assert!(matches!(Kek::from_base64("not base64!"), Err(KeyError::BadKek(_))));
    }

    #[tokio::test]
    async fn clear_keys_of_an_older_database_are_sealed_at_start_and_a_wrong_kek_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let location = DatabaseLocation::Sqlite(dir.path().join("old.db"));
        let clear_pkcs8 = healthbook_core::trust::SigningKey::generate().unwrap().1;
        let plain = Database::open(&location).await.unwrap();
        let stored = STANDARD.encode(&clear_pkcs8);
        plain
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO authority_keys (id, kid, public_key, private_key, created_at, last_signed_at) \
                     VALUES ('root', 'k1', 'pub', $1, 0, 0)",
                    &[stored.into()],
                )
            })
            .await
            .unwrap();
        drop(plain);

        let settings = KekSettings { base64: Some(STANDARD.encode([3u8; 32])), ..KekSettings::default() };
        let db = open_database(&location, &settings).await.unwrap();
        let (kid, pkcs8) = db.read(|tx| load_private_key(tx, "root")).await.unwrap().unwrap();
        assert_eq!((kid.as_str(), pkcs8), ("k1", clear_pkcs8));
        let raw: String =
            db.read(|tx| tx.query("SELECT private_key FROM authority_keys", &[])?[0].text(0)).await.unwrap();
        assert!(is_sealed(&raw));
        assert_eq!(unlock(&db).await.unwrap(), UnlockReport { sealed: 1, newly_sealed: 0 });

        let wrong = KekSettings { base64: Some(STANDARD.encode([4u8; 32])), ..KekSettings::default() };
        assert!(matches!(open_database(&location, &wrong).await, Err(KeyError::WrongKek { id }) if id == "root"));
    }

    #[tokio::test]
    async fn a_missing_default_kek_is_generated_0600_once_and_never_regenerated() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let location = DatabaseLocation::Sqlite(data_dir.join("healthbook.db"));
        let settings = KekSettings { data_dir: data_dir.clone(), ..KekSettings::default() };
        let db = open_database(&location, &settings).await.unwrap();
        let path = data_dir.join(DEFAULT_KEK_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(std::fs::metadata(&data_dir).unwrap().permissions().mode() & 0o777, 0o700);
        }
        let sealed = db.read(|tx| tx.kek().ok_or(KeyError::NoKek)?.seal("root", "k", b"x")).await.unwrap();
        db.write(move |tx| {
            tx.execute(
                "INSERT INTO authority_keys (id, kid, public_key, private_key, created_at, last_signed_at) \
                 VALUES ('root', 'k', 'pub', $1, 0, 0)",
                &[sealed.into()],
            )
        })
        .await
        .unwrap();
        drop(db);
        // The same file opens the keys again.
        open_database(&location, &settings).await.unwrap();
        // Without it, the server refuses rather than making a new KEK that would not open them.
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(open_database(&location, &settings).await, Err(KeyError::KekMissing(_))));
        assert!(!path.exists());
    }
}
