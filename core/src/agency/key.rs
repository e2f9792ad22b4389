//! The agency's signing key: a P-256 key generated on the admin's machine, kept in a file only its owner can
//! read, whose public half goes to the server with a proof of possession.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use healthbook_protocol::agencies::{SubmitAgencyKeyRequest, agency_key_proof_message};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

use super::error::AgencyError;
use crate::credentials::CredentialSigner;
use crate::trust::store::KeyId;

const PEM_BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
const PEM_END: &str = "-----END PRIVATE KEY-----";

/// An agency's private key (PKCS#8), loaded or freshly generated.
pub struct AgencyKey {
    pkcs8: Vec<u8>,
    key_pair: EcdsaKeyPair,
}

impl std::fmt::Debug for AgencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        f.debug_struct("AgencyKey").field("kid", &self.kid()).finish()
    }
}

impl AgencyKey {
    /// A fresh P-256 key.
    pub fn generate() -> Result<Self, AgencyError> {
        let pkcs8 = CredentialSigner::generate_pkcs8().map_err(|e| AgencyError::Signing(e.to_string()))?;
        Self::from_pkcs8(pkcs8)
    }

    /// A key from PKCS#8 DER.
    pub fn from_pkcs8(pkcs8: Vec<u8>) -> Result<Self, AgencyError> {
        let key_pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &SystemRandom::new())
            .map_err(|_| AgencyError::InvalidKey)?;
        Ok(Self { pkcs8, key_pair })
    }

    /// Reads a key file: PEM (`BEGIN PRIVATE KEY`) or raw DER.
    pub fn load(path: &Path) -> Result<Self, AgencyError> {
        let bytes = std::fs::read(path).map_err(|e| AgencyError::KeyFile(e.kind().to_string()))?;
        Self::from_file_bytes(&bytes)
    }

    /// Parses the bytes of a key file: PEM or DER.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self, AgencyError> {
        let text = std::str::from_utf8(bytes).ok().map(str::trim);
        match text {
            Some(text) if text.starts_with(PEM_BEGIN) => {
                let body = text.strip_prefix(PEM_BEGIN).and_then(|t| t.strip_suffix(PEM_END)).ok_or(AgencyError::InvalidKey)?;
                let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                Self::from_pkcs8(STANDARD.decode(b64).map_err(|_| AgencyError::InvalidKey)?)
            }
            _ => Self::from_pkcs8(bytes.to_vec()),
        }
    }

    /// Writes the key as PEM PKCS#8 to a new file, mode 0600; refuses to overwrite anything.
    pub fn write_new(&self, path: &Path) -> Result<(), AgencyError> {
        let mut options = std::fs::OpenOptions::new();
        // create_new: an existing key (perhaps the one the authority certified) is never lost to a typo.
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => AgencyError::KeyFileExists,
            kind => AgencyError::KeyFile(kind.to_string()),
        })?;
        let b64 = STANDARD.encode(&self.pkcs8);
        let mut pem = format!("{PEM_BEGIN}\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str(PEM_END);
        pem.push('\n');
        file.write_all(pem.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| AgencyError::KeyFile(e.kind().to_string()))
    }

    /// The public key as SPKI DER.
    pub fn spki(&self) -> Vec<u8> {
        use ring::signature::KeyPair;
        // ring's public key is always a valid uncompressed point.
        crate::trust::store::p256_spki_from_point(self.key_pair.public_key().as_ref()).unwrap_or_default()
    }

    /// The public key as base64 SPKI DER, as the server and the trust list carry it.
    pub fn spki_base64(&self) -> String {
        STANDARD.encode(self.spki())
    }

    /// The key id: first 8 bytes of SHA-256 of the SPKI.
    pub fn kid(&self) -> KeyId {
        KeyId::of_der(&self.spki())
    }

    /// The submission for `agency_id`: the public key and its proof of possession (ES256, raw r‖s, base64).
    pub fn submission(&self, agency_id: &str) -> Result<SubmitAgencyKeyRequest, AgencyError> {
        let public_key = self.spki_base64();
        let message = agency_key_proof_message(agency_id, &public_key);
        let signature = self
            .key_pair
            .sign(&SystemRandom::new(), message.as_bytes())
            .map_err(|_| AgencyError::Signing("the key could not sign".into()))?;
        Ok(SubmitAgencyKeyRequest { public_key, proof: STANDARD.encode(signature.as_ref()) })
    }

    /// A credential signer with this key, signing under `issuer` (the `iss` claim).
    pub fn signer(&self, issuer: &str) -> Result<CredentialSigner, AgencyError> {
        CredentialSigner::from_pkcs8(&self.pkcs8, issuer).map_err(|_| AgencyError::InvalidKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    #[test]
    fn keygen_writes_an_owner_only_file_that_loads_back_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agency.key");
        let key = AgencyKey::generate().unwrap();
        key.write_new(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let loaded = AgencyKey::load(&path).unwrap();
        assert_eq!(loaded.kid(), key.kid());
        assert_eq!(loaded.spki_base64(), key.spki_base64());
        let other = AgencyKey::generate().unwrap();
        assert!(matches!(other.write_new(&path), Err(AgencyError::KeyFileExists)));
        assert_eq!(AgencyKey::load(&path).unwrap().kid(), key.kid(), "the first key is still there");
        // DER works too; garbage does not.
        assert_eq!(AgencyKey::from_file_bytes(&key.pkcs8).unwrap().kid(), key.kid());
        assert!(matches!(AgencyKey::from_file_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"), Err(AgencyError::InvalidKey)));
        assert!(format!("{key:?}").contains("kid"));
    }

    #[test]
    fn the_proof_verifies_over_the_contract_message_and_the_kid_is_the_spki_hash() {
        let key = AgencyKey::generate().unwrap();
        let submission = key.submission("agency-1").unwrap();
        let spki = STANDARD.decode(&submission.public_key).unwrap();
        let digest = ring::digest::digest(&ring::digest::SHA256, &spki);
        assert_eq!(key.kid().0, digest.as_ref()[..8]);
        // The SPKI's last 65 bytes are the point ring verifies against.
        let point = &spki[spki.len() - 65..];
        let message = agency_key_proof_message("agency-1", &submission.public_key);
        let signature = STANDARD.decode(&submission.proof).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point).verify(message.as_bytes(), &signature).unwrap();
        assert!(UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
            .verify(agency_key_proof_message("agency-2", &submission.public_key).as_bytes(), &signature)
            .is_err());
    }
}
