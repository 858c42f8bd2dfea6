//! lnd's macaroon root key store: one root key per numeric id (id 0 bakes the default
//! macaroons), created by the first bake under that id and removed by DeleteMacaroonID,
//! after which every macaroon under it is refused; a later bake under the same id gets a new
//! key. devnode derives keys from the wallet's root key and a generation number instead of
//! storing random ones, so only the ids and their generations are kept.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RootKeyIds {
    /// Bumped each time an id is deleted, so its next key differs.
    generation: BTreeMap<u64, u32>,
    live: BTreeSet<u64>,
}

/// lnd's `ErrDeletionForbidden`.
pub const DELETION_FORBIDDEN: &str = "the specified ID cannot be deleted";

impl RootKeyIds {
    /// Every id with a root key: the default one and those baked under.
    pub fn ids(&self) -> Vec<u64> {
        std::iter::once(0).chain(self.live.iter().copied().filter(|id| *id != 0)).collect()
    }

    /// The key generation of a live id; none for an id without a root key.
    pub fn generation(&self, id: u64) -> Option<u32> {
        if id == 0 {
            return Some(0);
        }
        self.live.contains(&id).then(|| self.generation.get(&id).copied().unwrap_or(0))
    }

    /// The id's key, created if needed; returns its generation.
    pub fn create(&mut self, id: u64) -> u32 {
        if id != 0 {
            self.live.insert(id);
        }
        self.generation.get(&id).copied().unwrap_or(0)
    }

    /// Removes an id's key; false if it had none. The default id cannot go.
    pub fn delete(&mut self, id: u64) -> Result<bool, &'static str> {
        if id == 0 {
            return Err(DELETION_FORBIDDEN);
        }
        if !self.live.remove(&id) {
            return Ok(false);
        }
        *self.generation.entry(id).or_default() += 1;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_with_bakes_and_go_for_good() {
        let mut ids = RootKeyIds::default();
        assert_eq!(ids.ids(), [0]);
        assert_eq!(ids.generation(7), None, "no key before a bake");
        assert_eq!(ids.create(7), 0);
        assert_eq!(ids.ids(), [0, 7]);
        assert_eq!(ids.delete(7), Ok(true));
        assert_eq!((ids.generation(7), ids.ids()), (None, vec![0]));
        assert_eq!(ids.delete(7), Ok(false));
        assert_eq!(ids.create(7), 1, "a new key, not the deleted one");
        assert_eq!(ids.delete(0), Err(DELETION_FORBIDDEN));
    }
}
