//! The graph RPCs over `world::graph`: the graph built from the running nodes' channels,
//! GetNodeInfo, DescribeGraph, GetChanInfo, GetNetworkInfo, UpdateChannelPolicy (its
//! changes gossiped to the peers), FeeReport, ForwardingHistory, and the topology stream.
//! A node is in the graph once it has a public channel, or when it is this node.

use std::collections::BTreeSet;
use world::channels::Forward;

use lnrpc::lnrpc as pb;
use tokio::sync::broadcast;
use tonic::{Status, metadata::MetadataMap};

use super::{
    DESCRIBE_GRAPH, FEE_REPORT, FORWARDING_HISTORY, GET_CHAN_INFO, GET_NETWORK_INFO, GET_NODE_INFO, NodeRpc, RpcStream, SUBSCRIBE_CHANNEL_GRAPH,
    UPDATE_CHANNEL_POLICY,
};
use crate::clock::now;
use world::channels::{Channel, Phase, Policy, reserve};
use world::graph::{Graph, GraphEdge, PolicyChange};

/// Graph changes, network-wide: every node's SubscribeChannelGraph listens here.
pub struct GraphFeed(broadcast::Sender<pb::GraphTopologyUpdate>);

impl Default for GraphFeed {
    fn default() -> Self {
        GraphFeed(broadcast::channel(1024).0)
    }
}

impl GraphFeed {
    pub fn send(&self, update: pb::GraphTopologyUpdate) {
        let _ = self.0.send(update);
    }
}

fn routing_policy(p: &Policy, capacity: i64) -> pb::RoutingPolicy {
    pb::RoutingPolicy {
        time_lock_delta: p.time_lock_delta,
        min_htlc: p.min_htlc_msat,
        fee_base_msat: p.base_fee_msat,
        fee_rate_milli_msat: p.fee_rate_ppm,
        disabled: p.disabled,
        max_htlc_msat: max_htlc_msat(p, capacity),
        last_update: now() as u32,
        custom_records: Default::default(),
        inbound_fee_base_msat: 0,
        inbound_fee_rate_milli_msat: 0,
    }
}

/// lnd's default maximum HTLC: the capacity less the channel reserve.
fn max_htlc_msat(p: &Policy, capacity: i64) -> u64 {
    if p.max_htlc_msat > 0 { p.max_htlc_msat as u64 } else { ((capacity - reserve(capacity)) * 1000) as u64 }
}

fn edge_message(e: &GraphEdge) -> pb::ChannelEdge {
    #[allow(deprecated)]
    pb::ChannelEdge {
        channel_id: e.chan_id,
        chan_point: e.chan_point.clone(),
        last_update: now() as u32,
        node1_pub: e.node1.clone(),
        node2_pub: e.node2.clone(),
        capacity: e.capacity,
        node1_policy: e.policy1.as_ref().map(|p| routing_policy(p, e.capacity)),
        node2_policy: e.policy2.as_ref().map(|p| routing_policy(p, e.capacity)),
        custom_records: Default::default(),
        auth_proof: None,
    }
}

/// The update the graph stream sends for one direction of a channel.
fn edge_update(ch: &Channel, advertising: &str) -> pb::ChannelEdgeUpdate {
    pb::ChannelEdgeUpdate {
        chan_id: ch.chan_id,
        chan_point: Some(super::channels::chan_point_message(&ch.chan_point())),
        capacity: ch.capacity,
        routing_policy: Some(routing_policy(&ch.local_policy, ch.capacity)),
        advertising_node: advertising.to_string(),
        connecting_node: ch.remote_pubkey.clone(),
    }
}

impl NodeRpc {
    /// Every open channel the graph holds, by channel id.
    fn edges(&self, include_private: bool) -> Graph {
        let me = self.identity_pubkey();
        let mut graph = Graph::new();
        for node in self.switchboard.running() {
            let owner = node.identity_pubkey();
            if !owner.is_empty() {
                world::graph::add_channels(&mut graph, &owner, &node.channels().channels, &me, include_private);
            }
        }
        graph
    }

    fn graph_node(&self, key: &str) -> Option<pb::LightningNode> {
        let node = self.switchboard.find(key)?;
        let (alias, color) = {
            let n = node.node();
            (n.alias.clone(), n.color.clone())
        };
        Some(pb::LightningNode {
            last_update: now() as u32,
            pub_key: key.to_string(),
            alias,
            addresses: vec![pb::NodeAddress { network: "tcp".into(), addr: node.announced_address() }],
            color,
            features: super::features(),
            custom_records: Default::default(),
        })
    }

    /// The nodes the graph has an announcement of (each has a public channel).
    pub(super) fn announced_nodes(&self) -> std::collections::HashSet<String> {
        self.edges(false).into_values().flat_map(|e| [e.node1, e.node2]).collect()
    }

    /// ListChannels' peer_alias: the graph's alias for an announced node, else lnd's words
    /// for the failed lookup.
    pub(super) fn peer_alias(&self, key: &str, announced: &std::collections::HashSet<String>) -> String {
        match announced.contains(key).then(|| self.graph_node(key)).flatten() {
            Some(node) => node.alias,
            None => "unable to lookup peer alias: alias for node not found".into(),
        }
    }

    pub fn get_node_info(&self, md: &MetadataMap, req: pb::NodeInfoRequest) -> Result<pb::NodeInfo, Status> {
        self.authorize(md, &GET_NODE_INFO)?;
        // rpcserver.go GetNodeInfo's order, then route.NewVertexFromStr's checks.
        if req.include_auth_proof && !req.include_channels {
            return Err(Status::unknown("include_auth_proof depends on include_channels"));
        }
        if req.pub_key.len() != 66 {
            return Err(Status::unknown(format!("invalid vertex string length of {}, want 66", req.pub_key.len())));
        }
        super::go_hex_decode(&req.pub_key).map_err(Status::unknown)?;
        let key = req.pub_key.to_lowercase();
        let me = self.identity_pubkey();
        let edges: Vec<GraphEdge> = self.edges(false).into_values().filter(|e| e.node1 == key || e.node2 == key).collect();
        if edges.is_empty() && key != me {
            return Err(Status::not_found("unable to find node"));
        }
        let node = self.graph_node(&key).ok_or_else(|| Status::not_found("unable to find node"))?;
        Ok(pb::NodeInfo {
            node: Some(node),
            num_channels: edges.len() as u32,
            total_capacity: edges.iter().map(|e| e.capacity).sum(),
            channels: if req.include_channels { edges.iter().map(edge_message).collect() } else { vec![] },
        })
    }

    pub fn describe_graph(&self, md: &MetadataMap, req: pb::ChannelGraphRequest) -> Result<pb::ChannelGraph, Status> {
        self.authorize(md, &DESCRIBE_GRAPH)?;
        let edges = self.edges(req.include_unannounced);
        let mut keys: BTreeSet<String> = edges.values().flat_map(|e| [e.node1.clone(), e.node2.clone()]).collect();
        keys.insert(self.identity_pubkey());
        Ok(pb::ChannelGraph { nodes: keys.iter().filter_map(|k| self.graph_node(k)).collect(), edges: edges.values().map(edge_message).collect() })
    }

    pub fn get_chan_info(&self, md: &MetadataMap, req: pb::ChanInfoRequest) -> Result<pb::ChannelEdge, Status> {
        self.authorize(md, &GET_CHAN_INFO)?;
        let edges = self.edges(true);
        // rpcserver.go GetChanInfo: the id first, then the point; an unknown edge is NotFound.
        let found = match (req.chan_id, req.chan_point.as_str()) {
            (0, "") => return Err(Status::unknown("specify either chan_id or chan_point")),
            (0, point) => edges.values().find(|e| e.chan_point.eq_ignore_ascii_case(point)),
            (id, _) => edges.get(&id),
        };
        found.map(edge_message).ok_or_else(|| Status::not_found("edge not found"))
    }

    pub fn get_network_info(&self, md: &MetadataMap, _req: pb::NetworkInfoRequest) -> Result<pb::NetworkInfo, Status> {
        self.authorize(md, &GET_NETWORK_INFO)?;
        let n = world::graph::stats(&self.edges(false));
        Ok(pb::NetworkInfo {
            graph_diameter: n.diameter,
            avg_out_degree: n.avg_out_degree,
            max_out_degree: n.max_out_degree,
            num_nodes: n.nodes,
            num_channels: n.channels,
            total_network_capacity: n.total_capacity,
            avg_channel_size: n.avg_channel_size,
            min_channel_size: n.min_channel_size,
            max_channel_size: n.max_channel_size,
            median_channel_size_sat: n.median_channel_size,
            num_zombie_chans: 0,
        })
    }

    /// Graph changes from now on: channels announced or updated, and channels closed.
    pub fn subscribe_channel_graph(&self, md: &MetadataMap, _req: pb::GraphTopologySubscription) -> Result<RpcStream<pb::GraphTopologyUpdate>, Status> {
        self.authorize(md, &SUBSCRIBE_CHANNEL_GRAPH)?;
        let updates = tokio_stream::wrappers::BroadcastStream::new(self.switchboard.graph.0.subscribe());
        Ok(Box::pin(futures::StreamExt::filter_map(updates, |u| async move { u.ok().map(Ok) })))
    }

    /// A channel this node opened was announced, or closed: the network hears of it.
    pub(super) fn announce_to_graph(&self, ch: &Channel, closed_height: Option<u32>) {
        if ch.private || !ch.initiator {
            return;
        }
        let me = self.identity_pubkey();
        let update = match closed_height {
            None => {
                let mut theirs = ch.clone();
                theirs.local_policy = ch.remote_policy;
                theirs.remote_pubkey = me.clone();
                pb::GraphTopologyUpdate {
                    node_updates: vec![],
                    channel_updates: vec![edge_update(ch, &me), edge_update(&theirs, &ch.remote_pubkey)],
                    closed_chans: vec![],
                }
            }
            Some(height) => pb::GraphTopologyUpdate {
                node_updates: vec![],
                channel_updates: vec![],
                closed_chans: vec![pb::ClosedChannelUpdate {
                    chan_id: ch.chan_id,
                    capacity: ch.capacity,
                    closed_height: height,
                    chan_point: Some(super::channels::chan_point_message(&ch.chan_point())),
                }],
            },
        };
        self.switchboard.graph.send(update);
    }

    pub fn update_channel_policy(&self, md: &MetadataMap, req: pb::PolicyUpdateRequest) -> Result<pb::PolicyUpdateResponse, Status> {
        self.authorize(md, &UPDATE_CHANNEL_POLICY)?;
        // rpcserver.go UpdateChannelPolicy's order: the scope, the fee rate, the time lock,
        // inbound fees.
        use pb::policy_update_request::Scope;
        let target = match &req.scope {
            Some(Scope::ChanPoint(cp)) => Some(super::chan_point_string(cp)?),
            Some(Scope::Global(_)) => None,
            None => return Err(Status::unknown("unknown scope: <nil>")),
        };
        let change = PolicyChange {
            base_fee_msat: req.base_fee_msat,
            fee_rate: req.fee_rate,
            fee_rate_ppm: req.fee_rate_ppm,
            time_lock_delta: req.time_lock_delta,
            max_htlc_msat: req.max_htlc_msat,
            min_htlc_msat: req.min_htlc_msat_specified.then_some(req.min_htlc_msat),
            inbound: req.inbound_fee.as_ref().map(|f| (f.base_fee_msat, f.fee_rate_ppm)),
        };
        let fee_rate_ppm = change.check().map_err(|r| if r.invalid_argument { Status::invalid_argument(r.words) } else { Status::unknown(r.words) })?;
        let me = self.identity_pubkey();
        let updated = self.channels().apply_policy(target.as_deref(), &change, fee_rate_ppm);
        let mut failed_updates = Vec::new();
        if let (Some(t), true) = (&target, updated.is_empty()) {
            failed_updates.push(pb::FailedUpdate {
                outpoint: Some(pb::OutPoint {
                    txid_bytes: vec![],
                    txid_str: t.rsplit_once(':').map_or(t.as_str(), |(txid, _)| txid).to_string(),
                    output_index: t.rsplit_once(':').and_then(|(_, i)| i.parse().ok()).unwrap_or(0),
                }),
                reason: pb::UpdateFailure::NotFound as i32,
                update_error: "not found".into(),
            });
        }
        self.save_now();
        // The peers learn the new policy (lnd gossips a channel_update).
        for c in &updated {
            if let Some(peer) = self.switchboard.find(&c.remote_pubkey) {
                if let Some(theirs) = peer.channels().channels.iter_mut().find(|p| p.chan_id == c.chan_id) {
                    theirs.remote_policy = c.local_policy;
                }
                peer.persist_later();
            }
        }
        let public: Vec<pb::ChannelEdgeUpdate> = updated.iter().filter(|c| !c.private).map(|c| edge_update(c, &me)).collect();
        if !public.is_empty() {
            self.switchboard.graph.send(pb::GraphTopologyUpdate { node_updates: vec![], channel_updates: public, closed_chans: vec![] });
        }
        Ok(pb::PolicyUpdateResponse { failed_updates })
    }

    pub fn fee_report(&self, md: &MetadataMap, _req: pb::FeeReportRequest) -> Result<pb::FeeReportResponse, Status> {
        self.authorize(md, &FEE_REPORT)?;
        let db = self.channels();
        let now_ns = now() * 1_000_000_000;
        let since = |days: i64| db.fees_since(now_ns - days * 86_400 * 1_000_000_000);
        Ok(pb::FeeReportResponse {
            channel_fees: db
                .channels
                .iter()
                .filter(|c| c.phase == Phase::Open)
                .map(|c| pb::ChannelFeeReport {
                    chan_id: c.chan_id,
                    channel_point: c.chan_point(),
                    base_fee_msat: c.local_policy.base_fee_msat,
                    fee_per_mil: c.local_policy.fee_rate_ppm,
                    fee_rate: c.local_policy.fee_rate_ppm as f64 / 1_000_000.0,
                    inbound_base_fee_msat: 0,
                    inbound_fee_per_mil: 0,
                })
                .collect(),
            day_fee_sum: since(1),
            week_fee_sum: since(7),
            month_fee_sum: since(30),
        })
    }

    pub fn forwarding_history(&self, md: &MetadataMap, req: pb::ForwardingHistoryRequest) -> Result<pb::ForwardingHistoryResponse, Status> {
        self.authorize(md, &FORWARDING_HISTORY)?;
        let start_ns = req.start_time as i64 * 1_000_000_000;
        let end_ns = if req.end_time == 0 { i64::MAX } else { req.end_time as i64 * 1_000_000_000 };
        let max = if req.num_max_events == 0 { 100 } else { req.num_max_events as usize };
        let db = self.channels();
        let alias_of = |chan_id: u64| -> String {
            if !req.peer_alias_lookup {
                return String::new();
            }
            let peer = db.channels.iter().chain(db.closed.iter().map(|c| &c.channel)).find(|c| c.chan_id == chan_id).map(|c| c.remote_pubkey.clone());
            peer.and_then(|k| self.switchboard.find(&k)).map(|n| n.node().alias.clone()).unwrap_or_default()
        };
        let offset = req.index_offset as usize;
        let page: Vec<(usize, &Forward)> =
            db.forwards.iter().enumerate().filter(|(_, f)| f.timestamp_ns >= start_ns && f.timestamp_ns < end_ns).skip(offset).take(max).collect();
        #[allow(deprecated)]
        let events = page
            .iter()
            .map(|(_, f)| pb::ForwardingEvent {
                timestamp: (f.timestamp_ns / 1_000_000_000) as u64,
                chan_id_in: f.chan_in,
                chan_id_out: f.chan_out,
                amt_in: (f.amt_in_msat / 1000) as u64,
                amt_out: (f.amt_out_msat / 1000) as u64,
                fee: ((f.amt_in_msat - f.amt_out_msat) / 1000) as u64,
                fee_msat: (f.amt_in_msat - f.amt_out_msat) as u64,
                amt_in_msat: f.amt_in_msat as u64,
                amt_out_msat: f.amt_out_msat as u64,
                timestamp_ns: f.timestamp_ns as u64,
                peer_alias_in: alias_of(f.chan_in),
                peer_alias_out: alias_of(f.chan_out),
                incoming_htlc_id: None,
                outgoing_htlc_id: None,
            })
            .collect();
        Ok(pb::ForwardingHistoryResponse { forwarding_events: events, last_offset_index: (offset + page.len()) as u32 })
    }
}
