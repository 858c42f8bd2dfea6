//! What the vault holds: the saved nodes (each with its macaroon and the identity learnt at
//! its first connection) and which one was used last. Serialised to JSON, then encrypted;
//! it never touches storage in the clear.

use serde::{Deserialize, Serialize};

use crate::lnd::Transport;

/// Long enough for "Home node (Raspberry Pi in the hall)", short enough for the top bar.
pub const MAX_NAME: usize = 64;

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedNode {
    /// Random, never shown; names can repeat.
    pub id: String,
    pub name: String,
    pub url: String,
    /// `Transport::key()`.
    pub transport: String,
    /// The macaroon, hex (lnd's header form).
    pub macaroon: String,
    /// `identity_pubkey`, learnt at the first connection whose macaroon may read it; every
    /// later connection must find the same key before anything is shown or sent.
    pub pubkey: Option<String>,
    /// What the node page last showed, for reading while the node cannot be reached.
    #[serde(default)]
    pub snapshot: Option<Snapshot>,
    /// Preimages of this node's hold invoices made here, by payment hash (hex): kept until
    /// the invoice is settled or canceled, so a reload cannot lose the payment.
    #[serde(default)]
    pub holds: std::collections::BTreeMap<String, String>,
}

/// The node at a glance as last seen (GetInfo's essentials), kept encrypted with the node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Unix seconds.
    pub at: i64,
    pub alias: String,
    pub block_height: u32,
    pub synced: bool,
    pub active_channels: u32,
    pub pending_channels: u32,
    pub inactive_channels: u32,
    pub peers: u32,
    pub version: String,
}

/// A snapshot is written again when the node changed, or when the one kept is this old:
/// its time tells how stale it is, without a write on every refresh.
const SNAPSHOT_REFRESH_SECS: i64 = 5 * 60;

/// Never shows the macaroon, even in debug output.
impl std::fmt::Debug for SavedNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SavedNode({:?}, {:?}, {}, {:?})", self.name, self.url, self.transport, self.pubkey)
    }
}

impl SavedNode {
    pub fn transport(&self) -> Transport {
        Transport::from_key(&self.transport).unwrap_or(Transport::Rest)
    }
}

/// A different key answers at a saved address.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityChanged {
    pub id: String,
    pub expected: String,
    pub found: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contents {
    pub nodes: Vec<SavedNode>,
    /// The id of the node used last: the one that opens on launch.
    pub last: Option<String>,
}

/// A name as the user typed it, trimmed and cut to `MAX_NAME` characters; the host when empty.
pub fn clean_name(name: &str, url: &str) -> String {
    let name = name.trim();
    let name = if name.is_empty() { url.split("://").nth(1).unwrap_or(url).trim_end_matches('/') } else { name };
    name.chars().filter(|c| !c.is_control()).take(MAX_NAME).collect()
}

impl Contents {
    pub fn get(&self, id: &str) -> Option<&SavedNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    pub fn last_used(&self) -> Option<&SavedNode> {
        self.last.as_deref().and_then(|id| self.get(id)).or(self.nodes.first())
    }

    /// Saves a node that just connected. One entry per address and transport: saving the
    /// same address again replaces its macaroon and name, but only when the node answering
    /// is the one saved there; otherwise nothing changes and the caller shows the warning.
    pub fn save(&mut self, node: SavedNode) -> Result<String, IdentityChanged> {
        let same_place = self.nodes.iter_mut().find(|n| n.url == node.url && n.transport == node.transport);
        let id = match same_place {
            Some(saved) => {
                if let (Some(expected), Some(found)) = (&saved.pubkey, &node.pubkey)
                    && expected != found
                {
                    return Err(IdentityChanged { id: saved.id.clone(), expected: expected.clone(), found: found.clone() });
                }
                saved.name = node.name;
                saved.macaroon = node.macaroon;
                saved.pubkey = node.pubkey.or(saved.pubkey.take());
                saved.id.clone()
            }
            None => {
                let id = node.id.clone();
                self.nodes.push(node);
                id
            }
        };
        self.last = Some(id.clone());
        Ok(id)
    }

    /// Checks the key a saved node answered with, learning it if none was known yet.
    /// Returns whether the contents changed.
    pub fn check_identity(&mut self, id: &str, found: Option<&str>) -> Result<bool, IdentityChanged> {
        let Some(node) = self.nodes.iter_mut().find(|n| n.id == id) else { return Ok(false) };
        match (&node.pubkey, found) {
            (Some(expected), Some(found)) if expected != found => {
                Err(IdentityChanged { id: id.to_string(), expected: expected.clone(), found: found.to_string() })
            }
            (None, Some(found)) => {
                node.pubkey = Some(found.to_string());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The user's deliberate choice after the warning: this address now belongs to `found`.
    pub fn accept_identity(&mut self, id: &str, found: &str) {
        if let Some(node) = self.nodes.iter_mut().find(|n| n.id == id) {
            node.pubkey = Some(found.to_string());
        }
    }

    /// Keeps what a saved node just showed; returns whether anything worth writing changed.
    pub fn record(&mut self, id: &str, snapshot: Snapshot) -> bool {
        let Some(node) = self.nodes.iter_mut().find(|n| n.id == id) else { return false };
        let fresh = match &node.snapshot {
            Some(old) => Snapshot { at: old.at, ..snapshot.clone() } != *old || snapshot.at - old.at >= SNAPSHOT_REFRESH_SECS,
            None => true,
        };
        if fresh {
            node.snapshot = Some(snapshot);
        }
        fresh
    }

    pub fn keep_preimage(&mut self, id: &str, hash_hex: &str, preimage_hex: &str) -> bool {
        let Some(node) = self.nodes.iter_mut().find(|n| n.id == id) else { return false };
        node.holds.insert(hash_hex.to_string(), preimage_hex.to_string());
        true
    }

    pub fn forget_preimage(&mut self, id: &str, hash_hex: &str) -> bool {
        self.nodes.iter_mut().find(|n| n.id == id).is_some_and(|n| n.holds.remove(hash_hex).is_some())
    }

    pub fn set_macaroon(&mut self, id: &str, macaroon_hex: &str) {
        if let Some(node) = self.nodes.iter_mut().find(|n| n.id == id) {
            node.macaroon = macaroon_hex.to_string();
        }
    }

    pub fn rename(&mut self, id: &str, name: &str) {
        if let Some(node) = self.nodes.iter_mut().find(|n| n.id == id) {
            node.name = clean_name(name, &node.url);
        }
    }

    pub fn forget(&mut self, id: &str) {
        self.nodes.retain(|n| n.id != id);
        if self.last.as_deref() == Some(id) {
            self.last = self.nodes.first().map(|n| n.id.clone());
        }
    }

    pub fn use_node(&mut self, id: &str) {
        if self.get(id).is_some() {
            self.last = Some(id.to_string());
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain strings")
    }

    pub fn from_json(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, url: &str, pubkey: Option<&str>) -> SavedNode {
        SavedNode {
            id: id.into(),
            name: clean_name("", url),
            url: url.into(),
            transport: "rest".into(),
            macaroon: format!("0201{id}"),
            pubkey: pubkey.map(str::to_string),
            snapshot: None,
            holds: Default::default(),
        }
    }

    #[test]
    fn saving_an_address_again_updates_it_only_for_the_same_node() {
        let mut c = Contents::default();
        assert_eq!(c.save(node("a", "https://home:8080", Some("02aa"))), Ok("a".into()));
        assert_eq!(c.save(node("b", "https://work:8080", Some("03bb"))), Ok("b".into()));
        assert_eq!(c.last_used().unwrap().id, "b");
        // Same address, same key: a new macaroon replaces the old one in place.
        let again = SavedNode { macaroon: "0201new".into(), ..node("c", "https://home:8080", Some("02aa")) };
        assert_eq!(c.save(again), Ok("a".into()));
        assert_eq!(c.nodes.len(), 2);
        assert_eq!(c.get("a").unwrap().macaroon, "0201new");
        // Same address, another key: nothing changes.
        let impostor = node("d", "https://home:8080", Some("02ff"));
        let refused = c.save(impostor).unwrap_err();
        assert_eq!((refused.expected.as_str(), refused.found.as_str()), ("02aa", "02ff"));
        assert_eq!(c.get("a").unwrap().pubkey.as_deref(), Some("02aa"));
        assert_eq!(c.last.as_deref(), Some("a"));
    }

    #[test]
    fn identity_is_learnt_once_then_held_to() {
        let mut c = Contents::default();
        c.save(node("a", "https://home:8080", None)).unwrap();
        assert_eq!(c.check_identity("a", None), Ok(false));
        assert_eq!(c.check_identity("a", Some("02aa")), Ok(true));
        assert_eq!(c.check_identity("a", Some("02aa")), Ok(false));
        assert!(c.check_identity("a", Some("03bb")).is_err());
        c.accept_identity("a", "03bb");
        assert_eq!(c.check_identity("a", Some("03bb")), Ok(false));
    }

    #[test]
    fn a_snapshot_is_rewritten_when_the_node_changed_or_it_grew_old() {
        let mut c = Contents::default();
        c.save(node("a", "https://home:8080", None)).unwrap();
        let seen = |at: i64, height: u32| Snapshot {
            at,
            alias: "home".into(),
            block_height: height,
            synced: true,
            active_channels: 2,
            pending_channels: 0,
            inactive_channels: 0,
            peers: 3,
            version: "0.20.0-beta".into(),
        };
        assert!(c.record("a", seen(1_000, 800_000)));
        assert!(!c.record("a", seen(1_010, 800_000)), "nothing new ten seconds later");
        assert!(c.record("a", seen(1_020, 800_001)), "a new block");
        assert!(c.record("a", seen(1_020 + SNAPSHOT_REFRESH_SECS, 800_001)), "old enough to refresh its time");
        assert_eq!(c.get("a").unwrap().snapshot.as_ref().unwrap().at, 1_020 + SNAPSHOT_REFRESH_SECS);
        assert!(!c.record("gone", seen(5_000, 1)));
        let without: Contents =
            serde_json::from_str(r#"{"nodes":[{"id":"b","name":"n","url":"u","transport":"rest","macaroon":"02","pubkey":null}],"last":null}"#).unwrap();
        assert_eq!(without.nodes[0].snapshot, None, "vaults written before snapshots still open");
        assert!(without.nodes[0].holds.is_empty());
    }

    #[test]
    fn hold_preimages_are_kept_per_node_until_forgotten() {
        let mut c = Contents::default();
        c.save(node("a", "https://home:8080", None)).unwrap();
        assert!(c.keep_preimage("a", "aa", "11"));
        assert!(!c.keep_preimage("gone", "bb", "22"));
        assert_eq!(c.get("a").unwrap().holds.get("aa").map(String::as_str), Some("11"));
        assert!(c.forget_preimage("a", "aa"));
        assert!(!c.forget_preimage("a", "aa"), "forgotten once");
        assert!(!format!("{:?}", c.get("a").unwrap()).contains("11"));
    }

    #[test]
    fn forgetting_the_last_node_opens_another_and_names_are_cleaned() {
        let mut c = Contents::default();
        c.save(node("a", "https://home:8080/", None)).unwrap();
        c.save(node("b", "https://work:8080", None)).unwrap();
        assert_eq!(c.get("a").unwrap().name, "home:8080");
        c.forget("b");
        assert_eq!(c.last.as_deref(), Some("a"));
        c.rename("a", &format!("  {}\u{7}  ", "x".repeat(100)));
        assert_eq!(c.get("a").unwrap().name, "x".repeat(MAX_NAME));
        assert_eq!(Contents::from_json(&c.to_json()), Some(c.clone()));
        assert!(!format!("{:?}", c.get("a").unwrap()).contains("0201"));
    }
}
