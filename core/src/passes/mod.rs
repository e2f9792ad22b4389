//! The personal health pass on the phone.
//!
//! A pass is fetched from the server for a profile, checked against the trust list before it is shown, kept
//! (sealed) for offline display, and refreshed at half-life. Files: `model.rs` (the kept pass, built from
//! verified claims only), `db.rs` (sealed copies), `error.rs`. Checkpoint verification is the trust
//! sub-client's (`crate::trust::Trust`).

pub mod db;
mod error;
mod model;


pub use error::{PassError, PassRefusal};
pub use model::StoredPass;

use crate::client::ClientError;
use crate::credentials::{CredentialId, Verifier};
use crate::profiles::Profiles;
use healthbook_protocol::{PassRequest, PassResponse};

use crate::sealing::Sealer;
use crate::session::Session;
use crate::storage::Database;
use crate::trust::Trust;

/// Pass operations; obtained from [`crate::Healthbook::passes`].
#[derive(Clone)]
pub struct Passes {
    db: Database,
    sealer: std::sync::Arc<Sealer>,
    session: Session,
    profiles: Profiles,
    trust: Trust,
}

impl Passes {
    /// Passes of this data directory, checked with `trust`.
    pub(crate) fn new(db: Database, sealer: std::sync::Arc<Sealer>, session: Session, profiles: Profiles, trust: Trust) -> Self {
        Self { db, sealer, session, profiles, trust }
    }

    /// The injected clock (to tell whether a kept pass has expired).
    pub fn clock(&self) -> std::sync::Arc<dyn crate::clock::Clock> {
        self.session.clock()
    }

    /// Gets a fresh pass for `profile_id` from the server, checks it against the trust list (refreshing the
    /// list when it doesn't know the signer yet) and that it is the pass the server answered with, and keeps it
    /// for offline display with the status, reasons and times of its signed claims.
    pub async fn refresh(&self, profile_id: &str) -> Result<StoredPass, PassError> {
        let profile = self.profiles.get(profile_id).await?;
        let server_url = self.session.server_url().await?.ok_or(PassError::NoServer)?;
        let client = self.session.connect(&server_url).await?;
        // Only the profile and a fresh nonce: the server takes the name and birth year from the person the profile
        // is bound to, and derives the pass's id from the nonce and the profile, so the phone can tell the signed
        // pass answers this request for this profile.
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let expected = CredentialId::for_request(&profile.id, &nonce);
        let body = PassRequest { profile_ref: profile.id.clone(), nonce: Some(nonce), full_name: None, birth_year: None };
        // Only the answer's QR is read: status, reasons, times and id are taken from the pass's verified claims,
        // never from the unsigned fields beside it.
        let answer: PassResponse = match client.post_json("/v1/passes", &body).await {
            Ok(answer) => answer,
            Err(ClientError::Http { status: 409, code, .. }) if code == "profile_not_bound" => {
                // Removed from another phone or by an officer: the kept binding is out of date. The kept pass stays
                // (it expires by itself): an unsigned refusal never deletes what was verified.
                let id = profile.id.clone();
                self.db.write(move |tx| Ok::<_, PassError>(crate::persons::db::forget_binding(tx, &id)?)).await?;
                return Err(PassError::NotBound(profile.id));
            }
            Err(e) => return Err(e.into()),
        };
        let decoded = crate::credentials::decode(&answer.qr).map_err(|e| PassRefusal::Undecodable(e.stage))?;
        let mut store = self.trust.shared_store()?;
        // A signer the cached list doesn't name yet (a new pass key): fetch the list once more before judging.
        if decoded.key_id.is_none_or(|kid| crate::credentials::TrustStore::keys(&store, &kid).is_empty()) {
            self.trust.refresh_with(&client).await?;
            store = self.trust.shared_store()?;
        }
        let verdict = Verifier::new(store).verify_decoded(&decoded, self.session.clock().now());
        if !verdict.valid {
            return Err(PassRefusal::Invalid(verdict.stage).into());
        }
        let pass = model::pass_from_verdict(&profile.id, &expected, answer.qr, &verdict)?;
        let sealer = self.sealer.clone();
        let stored = pass.clone();
        self.db.write(move |tx| db::put(tx, &sealer, &stored)).await?;
        Ok(pass)
    }

    /// The last pass kept for `profile_id`, for display offline (check `is_expired`).
    pub async fn kept(&self, profile_id: &str) -> Result<Option<StoredPass>, PassError> {
        let sealer = self.sealer.clone();
        let id = profile_id.to_owned();
        self.db.read(move |conn| db::get(conn, &sealer, &id)).await
    }

    /// The pass for `profile_id`, refreshed first when it is past half its life and the server can be reached;
    /// offline, the kept pass is returned as it is.
    pub async fn current(&self, profile_id: &str) -> Result<Option<StoredPass>, PassError> {
        let kept = self.kept(profile_id).await?;
        if kept.as_ref().is_some_and(|p| !p.needs_refresh(self.session.clock().now())) {
            return Ok(kept);
        }
        match self.refresh(profile_id).await {
            Ok(fresh) => Ok(Some(fresh)),
            Err(PassError::Unreachable(_) | PassError::NoServer) if kept.is_some() => Ok(kept),
            Err(e) => Err(e),
        }
    }
}
