//! Profiles: one phone holds several people (its owner, family members, people a volunteer manages).
//!
//! Files: `model.rs` (types), `validate.rs` (normalisation and field rules), `db.rs` (rows, encrypted at
//! rest), `error.rs` (the area's error enum).

#[cfg(feature = "phone")]
pub mod db;
pub mod error;
pub mod model;
pub mod validate;

#[cfg(feature = "phone")]
use std::sync::Arc;

pub use error::{ProfileError, ProfileField};
pub use model::{Address, BirthDate, PersonalDetails, Profile, ProfileInput, ProfileRelation};

#[cfg(feature = "phone")]
use chrono::{DateTime, SubsecRound, Utc};

#[cfg(feature = "phone")]
use crate::clock::Clock;
#[cfg(feature = "phone")]
use crate::sealing::Sealer;
#[cfg(feature = "phone")]
use crate::storage::Database;

/// The current time at the precision the database keeps (milliseconds), so that what `add` returns equals
/// what `get` reads back.
#[cfg(feature = "phone")]
fn stored_now(clock: &dyn Clock) -> DateTime<Utc> {
    clock.now().trunc_subsecs(3)
}

#[cfg(feature = "phone")]
/// Profile operations; obtained from [`crate::Healthbook::profiles`].
#[derive(Clone)]
pub struct Profiles {
    db: Database,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
}

#[cfg(feature = "phone")]
impl Profiles {
    pub(crate) fn new(db: Database, sealer: Arc<Sealer>, clock: Arc<dyn Clock>) -> Self {
        Self { db, sealer, clock }
    }

    /// Validates and stores a new profile.
    pub async fn add(&self, input: ProfileInput) -> Result<Profile, ProfileError> {
        let now = stored_now(self.clock.as_ref());
        let details = validate::validate(&input, now)?;
        let profile = Profile {
            id: uuid::Uuid::new_v4().to_string(),
            relation: input.relation,
            details,
            created_at: now,
            updated_at: now,
        };
        let sealer = self.sealer.clone();
        let stored = profile.clone();
        self.db.write(move |tx| db::insert(tx, &sealer, &stored)).await?;
        Ok(profile)
    }

    /// Validates `input` and replaces the profile `id` with it.
    pub async fn update(&self, id: &str, input: ProfileInput) -> Result<Profile, ProfileError> {
        let now = stored_now(self.clock.as_ref());
        let details = validate::validate(&input, now)?;
        let sealer = self.sealer.clone();
        let id = id.to_owned();
        self.db
            .write(move |tx| {
                let existing = db::get(tx, &sealer, &id)?;
                let profile = Profile { relation: input.relation, details, updated_at: now, ..existing };
                db::update(tx, &sealer, &profile)?;
                Ok(profile)
            })
            .await
    }

    /// Loads one profile.
    pub async fn get(&self, id: &str) -> Result<Profile, ProfileError> {
        let sealer = self.sealer.clone();
        let id = id.to_owned();
        self.db.read(move |conn| db::get(conn, &sealer, &id)).await
    }

    /// Lists every profile, the owner first.
    pub async fn list(&self) -> Result<Vec<Profile>, ProfileError> {
        let sealer = self.sealer.clone();
        self.db.read(move |conn| db::list(conn, &sealer)).await
    }

    /// Deletes a profile and its personal data.
    pub async fn remove(&self, id: &str) -> Result<(), ProfileError> {
        let id = id.to_owned();
        self.db.write(move |tx| db::delete(tx, &id)).await
    }
}
