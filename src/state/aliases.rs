//! Node aliases as the channel graph knows them, asked once per node key. lnd's peer list
//! carries none, and the Peers page rebuilds its rows on every peer event: without this, each
//! event would ask the graph again for every row.

use std::collections::HashMap;

use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use leptos::prelude::*;

use crate::lnd::Lnd;

/// One lookup, shared by every row that waits for it; `Err` when the node could not answer.
type Lookup = Shared<LocalBoxFuture<'static, Result<Option<String>, ()>>>;

#[derive(Clone, Copy)]
pub struct Aliases(StoredValue<HashMap<(String, String), Lookup>, LocalStorage>);

impl Aliases {
    pub fn provide() -> Self {
        let aliases = Aliases(StoredValue::new_local(HashMap::new()));
        provide_context(aliases);
        aliases
    }

    pub fn get() -> Self {
        expect_context::<Aliases>()
    }

    /// The alias of `key` in the graph of the node `lnd` speaks to; none for a node outside
    /// the graph or without an alias. Only an alias found is kept (for this page load): a node
    /// not in the graph yet may be announced a moment later, and a failed lookup is retried.
    pub fn of(self, lnd: &Lnd, key: &str) -> impl Future<Output = Option<String>> + 'static {
        let id = (lnd.endpoint().url.clone(), key.to_string());
        let lookup = self.0.try_update_value(|known| {
            if known.get(&id).is_some_and(|l| matches!(l.peek(), Some(Err(()) | Ok(None)))) {
                known.remove(&id);
            }
            let (lnd, key) = (lnd.clone(), key.to_string());
            known.entry(id).or_insert_with(|| async move { lnd.node_alias(&key).await.map_err(drop) }.boxed_local().shared()).clone()
        });
        async move {
            match lookup {
                Some(l) => l.await.ok().flatten(),
                None => None,
            }
        }
    }
}
