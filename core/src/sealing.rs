//! Encryption at rest for sensitive columns: AES-256-GCM from ring, with the data key from the platform key store.
//!
//! A sealed value is `version (1 byte) || nonce (12 bytes) || ciphertext || tag`. The associated data names the
//! column and row the value belongs to, so a ciphertext copied into another row or column fails to open.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use thiserror::Error;

const FORMAT_VERSION: u8 = 1;
/// Length in bytes of a data key.
pub const KEY_LEN: usize = 32;

/// Errors from sealing or opening a value.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SealingError {
    /// The key handed over by the platform is not a usable AES-256 key.
    #[error("the data key has {0} bytes, expected {KEY_LEN}")]
    BadKeyLength(usize),
    /// The system random source failed.
    #[error("no randomness available")]
    Random,
    /// The value is too short or of an unknown format version.
    #[error("sealed value is malformed")]
    Malformed,
    /// Authentication failed: wrong key, or the value was altered or moved.
    #[error("sealed value failed authentication (wrong key or tampered data)")]
    Authentication,
}

/// Seals and opens column values with one data key; also derives blind indexes for equality look-ups.
pub struct Sealer {
    key: LessSafeKey,
    index_key: hmac::Key,
    rng: SystemRandom,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A sealer for the 32-byte data key `key`.
    pub fn new(key: &[u8]) -> Result<Self, SealingError> {
        if key.len() != KEY_LEN {
            return Err(SealingError::BadKeyLength(key.len()));
        }
        let unbound = UnboundKey::new(&AES_256_GCM, key).map_err(|_| SealingError::BadKeyLength(key.len()))?;
        // The blind-index key is derived, not the data key itself, so an index value says nothing usable
        // about the encryption key.
        let derive = hmac::Key::new(hmac::HMAC_SHA256, key);
        let index_key_bytes = hmac::sign(&derive, b"healthbook blind index v1");
        Ok(Self {
            key: LessSafeKey::new(unbound),
            index_key: hmac::Key::new(hmac::HMAC_SHA256, index_key_bytes.as_ref()),
            rng: SystemRandom::new(),
        })
    }

    /// A fresh random data key.
    pub fn generate_key() -> Result<Vec<u8>, SealingError> {
        let mut key = vec![0u8; KEY_LEN];
        SystemRandom::new().fill(&mut key).map_err(|_| SealingError::Random)?;
        Ok(key)
    }

    /// Encrypts `plaintext`, binding it to `context` (for example `"profiles.sensitive:<id>"`).
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, SealingError> {
        let mut nonce_bytes = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce_bytes).map_err(|_| SealingError::Random)?;
        let mut buffer = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce_bytes), Aad::from(context.as_bytes()), &mut buffer)
            .map_err(|_| SealingError::Authentication)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + buffer.len());
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&buffer);
        Ok(out)
    }

    /// Decrypts a value sealed under the same `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, SealingError> {
        if sealed.len() < 1 + NONCE_LEN + AES_256_GCM.tag_len() || sealed[0] != FORMAT_VERSION {
            return Err(SealingError::Malformed);
        }
        let nonce = Nonce::try_assume_unique_for_key(&sealed[1..1 + NONCE_LEN]).map_err(|_| SealingError::Malformed)?;
        let mut buffer = sealed[1 + NONCE_LEN..].to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buffer)
            .map_err(|_| SealingError::Authentication)?;
        Ok(plain.to_vec())
    }

    /// A keyed hash of `value` within `domain`, for unique constraints and look-ups without storing the value.
    pub fn blind_index(&self, domain: &str, value: &str) -> String {
        let mut ctx = hmac::Context::with_key(&self.index_key);
        ctx.update(domain.as_bytes());
        ctx.update(&[0]);
        ctx.update(value.as_bytes());
        let tag = ctx.sign();
        tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::new(&Sealer::generate_key().unwrap()).unwrap()
    }

    #[test]
    fn round_trip() {
        let s = sealer();
        let sealed = s.seal("profiles.sensitive:1", "Nguyễn Thị Ánh".as_bytes()).unwrap();
        assert_eq!(s.open("profiles.sensitive:1", &sealed).unwrap(), "Nguyễn Thị Ánh".as_bytes());
    }

    #[test]
    fn ciphertext_moved_to_another_row_fails() {
        let s = sealer();
        let sealed = s.seal("profiles.sensitive:1", b"secret").unwrap();
        assert_eq!(s.open("profiles.sensitive:2", &sealed), Err(SealingError::Authentication));
    }

    #[test]
    fn tampering_and_wrong_key_fail() {
        let s = sealer();
        let mut sealed = s.seal("c", b"secret").unwrap();
        let other = sealer();
        assert_eq!(other.open("c", &sealed), Err(SealingError::Authentication));
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(s.open("c", &sealed), Err(SealingError::Authentication));
        assert_eq!(s.open("c", &[1, 2, 3]), Err(SealingError::Malformed));
    }

    #[test]
    fn bad_key_length_is_refused() {
        assert_eq!(Sealer::new(&[0u8; 16]).unwrap_err(), SealingError::BadKeyLength(16));
    }

    #[test]
    fn blind_index_is_stable_and_keyed() {
        let s = sealer();
        assert_eq!(s.blind_index("cid", "001090012345"), s.blind_index("cid", "001090012345"));
        assert_ne!(s.blind_index("cid", "001090012345"), s.blind_index("cid", "001090012346"));
        assert_ne!(s.blind_index("cid", "001090012345"), sealer().blind_index("cid", "001090012345"));
    }
}
