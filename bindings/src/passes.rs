//! The health pass over the FFI.

use std::time::SystemTime;

use healthbook_core as core;
use healthbook_core::credentials as cred;

use crate::error::PassError;

/// A health pass kept on the phone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HealthPass {
    /// The profile it is for.
    pub profile_id: String,
    /// The QR text (`HB1:...`).
    pub qr: String,
    /// Its credential id (revocation handle).
    pub credential_id: String,
    /// `green`, `yellow` or `red`.
    pub status: String,
    /// Reason codes (`declaration`, `vaccination`, `recent_test`, `quarantine`).
    pub reasons: Vec<String>,
    /// Issue time.
    pub issued_at: SystemTime,
    /// Expiry.
    pub expires_at: SystemTime,
    /// Whether it had expired when read.
    pub expired: bool,
}

fn pass_record(p: core::passes::StoredPass, now: chrono::DateTime<chrono::Utc>) -> HealthPass {
    HealthPass {
        expired: p.is_expired(now),
        profile_id: p.profile_id,
        qr: p.qr,
        credential_id: p.credential_id,
        status: p.status,
        reasons: p.reasons,
        issued_at: p.issued_at.into(),
        expires_at: p.expires_at.into(),
    }
}

/// The personal health pass of each profile.
#[derive(uniffi::Object)]
pub struct Passes(pub(crate) core::passes::Passes);

#[uniffi::export(async_runtime = "tokio")]
impl Passes {
    /// Gets a fresh pass from the server, checks it against the trust list and keeps it.
    pub async fn refresh(&self, profile_id: String) -> Result<HealthPass, PassError> {
        let pass = self.0.refresh(&profile_id).await?;
        Ok(pass_record(pass, self.0.clock().now()))
    }

    /// The pass to show: refreshed first when past half its life and the server answers, else the kept one.
    pub async fn current(&self, profile_id: String) -> Result<Option<HealthPass>, PassError> {
        let now = self.0.clock().now();
        Ok(self.0.current(&profile_id).await?.map(|p| pass_record(p, now)))
    }

    /// The kept pass, without touching the network.
    pub async fn kept(&self, profile_id: String) -> Result<Option<HealthPass>, PassError> {
        let now = self.0.clock().now();
        Ok(self.0.kept(&profile_id).await?.map(|p| pass_record(p, now)))
    }
}

/// Renders QR text as PNG for screens (error correction M); `scale` pixels per module.
#[uniffi::export]
pub fn qr_png(text: String, scale: u32) -> Result<Vec<u8>, PassError> {
    cred::render_png(&text, scale.clamp(1, 64)).map_err(|e| PassError::Render { reason: e.to_string() })
}

/// Renders QR text as SVG for print (error correction Q), `size_mm` wide.
#[uniffi::export]
pub fn qr_svg(text: String, size_mm: u32) -> Result<String, PassError> {
    cred::render_svg(&text, size_mm.clamp(10, 500)).map_err(|e| PassError::Render { reason: e.to_string() })
}
