//! The verifier's trust store, built once per change of what the device trusts and shared between scans.
//!
//! A checkpoint scans thousands of codes a day; rebuilding the store (reading the cached lists, checking their
//! signatures, parsing every key) for each one would put the database and the root-key check on the hot path.
//! The store is built on the first scan after a change and handed out as an `Arc`; a change (new lists, a new
//! DCC certificate, another root key, another maximum age: each bumps the database's trust generation) swaps in
//! a new one for the scans that follow, while scans already running keep the one they took.

use std::sync::{Arc, Mutex};

use crate::trust::store::CheckpointTrustStore;

/// The shared store and the trust generation it was built for.
#[derive(Debug, Default)]
pub struct SharedTrustStore {
    current: Mutex<Option<(u64, Arc<CheckpointTrustStore>)>>,
}

impl SharedTrustStore {
    /// An empty slot; the first [`Self::get_or_build`] fills it.
    pub fn new() -> Self {
        Self::default()
    }

    /// The store built for `generation`, building it with `build` when the one held was built for another
    /// generation, or none is held yet.
    pub fn get_or_build<E>(
        &self,
        generation: u64,
        build: impl FnOnce() -> Result<CheckpointTrustStore, E>,
    ) -> Result<Arc<CheckpointTrustStore>, E> {
        // Held while building, so that a burst of scans after a change builds once, not once per scan.
        let mut current = self.current.lock().unwrap_or_else(|poison| poison.into_inner());
        if let Some((built_for, store)) = current.as_ref()
            && *built_for == generation
        {
            return Ok(store.clone());
        }
        let store = Arc::new(build()?);
        *current = Some((generation, store.clone()));
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_once_per_generation() {
        let shared = SharedTrustStore::new();
        let mut builds = 0;
        let mut build = || {
            builds += 1;
            Ok::<_, ()>(CheckpointTrustStore::new())
        };
        let first = shared.get_or_build(1, &mut build).unwrap();
        let again = shared.get_or_build(1, &mut build).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let next = shared.get_or_build(2, &mut build).unwrap();
        assert!(!Arc::ptr_eq(&first, &next));
        shared.get_or_build(2, &mut build).unwrap();
        assert_eq!(builds, 2);
    }
}
