//! The simulated peer-to-peer layer: who listens at which p2p address. Nodes reach each
//! other through it with `pubkey@host:port` as lnd nodes do over the Lightning wire
//! protocol (which devnode does not speak).

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, Weak};

use crate::rpc::{Held, NodeRpc};

#[derive(Default)]
pub struct Switchboard {
    listeners: Mutex<HashMap<String, Weak<NodeRpc>>>,
    /// Held while an HTLC moves along a route, so routes see consistent balances.
    pub switch: Mutex<()>,
    /// HTLCs waiting at their payee (hold invoices, parts of multi-path payments), by
    /// payment hash.
    pub held: Mutex<HashMap<String, Vec<Held>>>,
    /// HTLC attempt ids, unique across the network as lnd's are per node.
    pub attempts: AtomicU64,
    /// Graph changes for SubscribeChannelGraph.
    pub graph: crate::rpc::GraphFeed,
}

/// "localhost:9735" and "127.0.0.1:9735" are the same listener; a missing port is lnd's
/// default 9735.
pub fn normalise(host: &str) -> String {
    let with_port = if host.rsplit_once(':').is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty()) {
        host.to_string()
    } else {
        format!("{host}:9735")
    };
    with_port.replacen("localhost:", "127.0.0.1:", 1)
}

impl Switchboard {
    pub fn listen(&self, address: &str, node: &Arc<NodeRpc>) {
        self.listeners.lock().expect("switchboard lock").insert(normalise(address), Arc::downgrade(node));
    }

    pub fn close(&self, address: &str) {
        self.listeners.lock().expect("switchboard lock").remove(&normalise(address));
    }

    /// The running node with this identity, wherever it listens.
    pub fn find(&self, pubkey: &str) -> Option<Arc<NodeRpc>> {
        let listeners: Vec<Arc<NodeRpc>> = self.listeners.lock().expect("switchboard lock").values().filter_map(Weak::upgrade).collect();
        listeners.into_iter().find(|n| n.identity_pubkey() == pubkey)
    }

    /// Every running node.
    pub fn running(&self) -> Vec<Arc<NodeRpc>> {
        self.listeners.lock().expect("switchboard lock").values().filter_map(Weak::upgrade).collect()
    }

    pub fn dial(&self, host: &str) -> Option<Arc<NodeRpc>> {
        self.listeners.lock().expect("switchboard lock").get(&normalise(host)).and_then(Weak::upgrade)
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn addresses_normalise() {
        assert_eq!(normalise("localhost:9736"), "127.0.0.1:9736");
        assert_eq!(normalise("10.0.0.1"), "10.0.0.1:9735");
        assert_eq!(normalise("127.0.0.1:9735"), "127.0.0.1:9735");
    }
}
