//! Peers: ConnectPeer, ListPeers, DisconnectPeer and SubscribePeerEvents over the simulated
//! p2p layer. A connection is one link seen from both ends (outbound here, inbound there).

use std::sync::Arc;

use futures::StreamExt;
use lnrpc::lnrpc as pb;
use tokio_stream::wrappers::BroadcastStream;
use tonic::{Status, metadata::MetadataMap};

use super::{CONNECT_PEER, DISCONNECT_PEER, LIST_PEERS, NodeRpc, RpcStream, SUBSCRIBE_PEER_EVENTS};
use world::node::WalletState;

/// One end of a peer connection.
#[derive(Debug, Clone)]
pub struct Link {
    pub address: String,
    pub inbound: bool,
    /// Unix seconds.
    pub since: i64,
}

fn event(pubkey: &str, kind: pb::peer_event::EventType) -> pb::PeerEvent {
    pb::PeerEvent { pub_key: pubkey.to_string(), r#type: kind as i32 }
}

impl NodeRpc {
    pub(super) fn p2p_address(&self) -> String {
        format!("{}:{}", self.settings.p2p_host, self.settings.p2p_port)
    }

    /// The address other nodes' graphs show for this one.
    pub(super) fn announced_address(&self) -> String {
        let host = self.settings.announced_host.as_deref().unwrap_or(&self.settings.p2p_host);
        format!("{host}:{}", self.settings.p2p_port)
    }

    fn link(&self, pubkey: &str, link: Link) {
        self.peers.lock().expect("peers lock").insert(pubkey.to_string(), link);
        let _ = self.peer_events.send(event(pubkey, pb::peer_event::EventType::PeerOnline));
        self.peer_changed(pubkey, true);
    }

    fn unlink(&self, pubkey: &str) -> bool {
        let was = self.peers.lock().expect("peers lock").remove(pubkey).is_some();
        if was {
            let _ = self.peer_events.send(event(pubkey, pb::peer_event::EventType::PeerOffline));
            self.peer_changed(pubkey, false);
        }
        was
    }

    pub fn peer_count(&self) -> usize {
        self.peers.lock().expect("peers lock").len()
    }

    pub fn connect_peer(&self, md: &MetadataMap, req: pb::ConnectPeerRequest) -> Result<pb::ConnectPeerResponse, Status> {
        self.authorize(md, &CONNECT_PEER)?;
        let addr = req.addr.ok_or_else(|| Status::unknown("need: lnc pubkeyhash@hostname"))?;
        let pubkey = addr.pubkey.to_lowercase();
        let valid = pubkey.len() == 66 && hex::decode(&pubkey).is_ok() && (pubkey.starts_with("02") || pubkey.starts_with("03"));
        if !valid {
            return Err(Status::unknown(format!("unable to parse pubkey: {}", addr.pubkey)));
        }
        let me = self.identity_pubkey();
        if pubkey == me {
            return Err(Status::unknown("cannot make connection to self"));
        }
        if self.peers.lock().expect("peers lock").contains_key(&pubkey) {
            return Err(Status::unknown(format!("already connected to peer: {pubkey}@{}", addr.host)));
        }
        let refused = || Status::unknown(format!("dial tcp {}: connect: connection refused", crate::switchboard::normalise(&addr.host)));
        // A locked lnd does not listen for peers until its wallet is unlocked.
        let remote = self.switchboard.dial(&addr.host).filter(|r| r.current_state() == WalletState::ServerActive).ok_or_else(refused)?;
        if remote.identity_pubkey() != pubkey {
            // In the Noise handshake the listener cannot read act one meant for another key
            // and hangs up; lnd's dialer reads the end of the stream and says just that.
            return Err(Status::unknown("EOF"));
        }
        let now = crate::clock::now();
        self.link(&pubkey, Link { address: addr.host.clone(), inbound: false, since: now });
        remote.link(&me, Link { address: self.p2p_address(), inbound: true, since: now });
        Ok(pb::ConnectPeerResponse { status: format!("connection to {pubkey}@{} initiated", addr.host) })
    }

    /// Reconnects to a channel peer if it is up (lnd's persistent peers).
    pub(super) fn reconnect(&self, pubkey: &str) {
        if self.peers.lock().expect("peers lock").contains_key(pubkey) {
            return;
        }
        let Some(remote) = self.switchboard.find(pubkey).filter(|r| r.current_state() == WalletState::ServerActive) else { return };
        let now = crate::clock::now();
        self.link(pubkey, Link { address: remote.p2p_address(), inbound: false, since: now });
        remote.link(&self.identity_pubkey(), Link { address: self.p2p_address(), inbound: true, since: now });
    }

    pub fn list_peers(&self, md: &MetadataMap, _req: pb::ListPeersRequest) -> Result<pb::ListPeersResponse, Status> {
        self.authorize(md, &LIST_PEERS)?;
        let peers = self.peers.lock().expect("peers lock").clone();
        Ok(pb::ListPeersResponse {
            peers: peers
                .into_iter()
                .map(|(pubkey, link)| {
                    // Gossip and pings flow for as long as the link is up.
                    let secs = (crate::clock::now() - link.since).max(0) as u64;
                    pb::Peer {
                        pub_key: pubkey,
                        address: link.address,
                        bytes_sent: 1_000 + secs * 64,
                        bytes_recv: 1_200 + secs * 64,
                        inbound: link.inbound,
                        ping_time: 1_000,
                        sync_type: pb::peer::SyncType::ActiveSync as i32,
                        features: super::features(),
                        ..Default::default()
                    }
                })
                .collect(),
        })
    }

    pub fn disconnect_peer(&self, md: &MetadataMap, req: pb::DisconnectPeerRequest) -> Result<pb::DisconnectPeerResponse, Status> {
        self.authorize(md, &DISCONNECT_PEER)?;
        let pubkey = req.pub_key.to_lowercase();
        let address = self.peers.lock().expect("peers lock").get(&pubkey).map(|l| l.address.clone());
        let Some(address) = address else {
            return Err(Status::unknown(format!("unable to disconnect peer: peer {pubkey} is not connected")));
        };
        self.unlink(&pubkey);
        if let Some(remote) = self.switchboard.dial(&address).or_else(|| self.switchboard.find(&pubkey)) {
            remote.unlink(&self.identity_pubkey());
        }
        Ok(pb::DisconnectPeerResponse { status: "disconnect initiated".into() })
    }

    /// Online and offline events as they happen; no backlog.
    pub fn subscribe_peer_events(&self, md: &MetadataMap, _req: pb::PeerEventSubscription) -> Result<RpcStream<pb::PeerEvent>, Status> {
        self.authorize(md, &SUBSCRIBE_PEER_EVENTS)?;
        Ok(Box::pin(BroadcastStream::new(self.peer_events.subscribe()).filter_map(|e| futures::future::ready(e.ok().map(Ok)))))
    }

    /// The node went away: every peer sees it go offline.
    pub(super) fn drop_all_peers(self: &Arc<Self>) {
        let me = self.identity_pubkey();
        let peers: Vec<String> = self.peers.lock().expect("peers lock").keys().cloned().collect();
        for pubkey in peers {
            self.unlink(&pubkey);
            if let Some(remote) = self.switchboard.find(&pubkey) {
                remote.unlink(&me);
            }
        }
    }
}
