//! The verifier's trust store, built once per change of what the device trusts and shared between scans.
//!
//! A checkpoint scans thousands of codes a day; rebuilding the store (reading the cached lists, checking their
//! signatures, parsing every key) for each one would put the database and the root-key check on the hot path.
//! The store is built on the first scan after a change and handed out as an `Arc`; a change (new lists, a new
//! DCC certificate, another root key, another maximum age) swaps in a new one for the scans that follow, while
//! scans already running keep the one they took.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Duration;

use crate::trust::checkpoint::{CheckpointTrustStore, DEFAULT_TRUST_MAX_AGE_HOURS};

/// The shared store and what it was built from.
#[derive(Debug)]
pub struct SharedTrustStore {
    current: Mutex<Option<(u64, i64, Arc<CheckpointTrustStore>)>>,
    max_age_secs: AtomicI64,
}

impl Default for SharedTrustStore {
    fn default() -> Self {
        Self { current: Mutex::new(None), max_age_secs: AtomicI64::new(DEFAULT_TRUST_MAX_AGE_HOURS * 3600) }
    }
}

impl SharedTrustStore {
    /// An empty slot with the default maximum age; the first [`Self::get_or_build`] fills it.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long past a list's due time verdicts keep quiet about its age.
    pub fn max_age(&self) -> Duration {
        Duration::seconds(self.max_age_secs.load(Ordering::Acquire))
    }

    /// Changes the maximum age; the next scan rebuilds the store with it.
    pub fn set_max_age(&self, max_age: Duration) {
        self.max_age_secs.store(max_age.num_seconds(), Ordering::Release);
    }

    /// The store built for `generation`, building it with `build` (given the maximum age) when the one held
    /// was built for another generation or maximum age, or none is held yet.
    pub fn get_or_build<E>(
        &self,
        generation: u64,
        build: impl FnOnce(Duration) -> Result<CheckpointTrustStore, E>,
    ) -> Result<Arc<CheckpointTrustStore>, E> {
        let max_age = self.max_age_secs.load(Ordering::Acquire);
        // Held while building, so that a burst of scans after a change builds once, not once per scan.
        let mut current = self.current.lock().unwrap_or_else(|poison| poison.into_inner());
        if let Some((built_for, built_age, store)) = current.as_ref()
            && *built_for == generation
            && *built_age == max_age
        {
            return Ok(store.clone());
        }
        let store = Arc::new(build(Duration::seconds(max_age))?);
        *current = Some((generation, max_age, store.clone()));
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_once_per_generation_and_max_age() {
        let shared = SharedTrustStore::new();
        let mut builds = 0;
        let mut build = |age: Duration| {
            builds += 1;
            Ok::<_, ()>(CheckpointTrustStore::new().with_max_age(age))
        };
        let first = shared.get_or_build(1, &mut build).unwrap();
        let again = shared.get_or_build(1, &mut build).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let next = shared.get_or_build(2, &mut build).unwrap();
        assert!(!Arc::ptr_eq(&first, &next));
        shared.set_max_age(Duration::hours(1));
        shared.get_or_build(2, &mut build).unwrap();
        assert_eq!(builds, 3);
    }
}
