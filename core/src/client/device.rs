//! The device's own key pair and the challenge it signs to prove it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::ClientError;
use crate::trust::SigningKey;

/// The exact bytes a device signs to answer a server challenge (defined once, in the wire contract).
pub use healthbook_protocol::device_auth_message;

/// A registered device: its server id and its private key (PKCS#8), which the caller keeps in the platform key
/// store.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceIdentity {
    device_id: String,
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for DeviceIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceIdentity").field("device_id", &self.device_id).finish_non_exhaustive()
    }
}

impl DeviceIdentity {
    /// Rebuilds an identity from what the caller kept; fails if the key is unusable.
    pub fn new(device_id: impl Into<String>, pkcs8: Vec<u8>) -> Result<Self, ClientError> {
        SigningKey::from_pkcs8(&pkcs8).map_err(|e| ClientError::DeviceKey(e.to_string()))?;
        Ok(Self { device_id: device_id.into(), pkcs8 })
    }

    /// The server's id for this device.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The private key as PKCS#8, for the platform key store.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The signing key.
    pub fn signing_key(&self) -> Result<SigningKey, ClientError> {
        SigningKey::from_pkcs8(&self.pkcs8).map_err(|e| ClientError::DeviceKey(e.to_string()))
    }

    /// Answers a server challenge: the base64url signature over [`device_auth_message`].
    pub fn sign_challenge(&self, nonce: &str) -> Result<String, ClientError> {
        let signature = self
            .signing_key()?
            .sign(&device_auth_message(&self.device_id, nonce))
            .map_err(|e| ClientError::DeviceKey(e.to_string()))?;
        Ok(URL_SAFE_NO_PAD.encode(signature))
    }
}
