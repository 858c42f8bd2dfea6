//! The network's one chain, shared by its nodes: every change is saved (`chain.json`) and
//! announced to the nodes' transaction streams.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::store;
use world::chain::{Chain, ChainEvent};

pub struct Ledger {
    chain: Mutex<Chain>,
    path: PathBuf,
    events: broadcast::Sender<ChainEvent>,
}

impl Ledger {
    pub fn open(path: PathBuf) -> io::Result<Arc<Self>> {
        let chain = store::read_json::<Chain>(&path)?.unwrap_or_default().reindex();
        let (events, _) = broadcast::channel(1024);
        Ok(Arc::new(Ledger { chain: Mutex::new(chain), path, events }))
    }

    pub fn read<T>(&self, f: impl FnOnce(&Chain) -> T) -> T {
        f(&self.chain.lock().expect("chain lock"))
    }

    /// Applies a change, saves the chain, then tells every subscriber what happened.
    pub fn write<T, E: From<io::Error>>(&self, f: impl FnOnce(&mut Chain) -> Result<(T, Vec<ChainEvent>), E>) -> Result<T, E> {
        let (value, events) = {
            let mut chain = self.chain.lock().expect("chain lock");
            let (value, events) = f(&mut chain)?;
            store::write_json(&self.path, &*chain)?;
            (value, events)
        };
        for e in events {
            // No subscriber is not an error.
            let _ = self.events.send(e);
        }
        Ok(value)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ChainEvent> {
        self.events.subscribe()
    }
}
