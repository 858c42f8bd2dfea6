//! The channel graph as lnd knows it: every open public channel of the running nodes (and
//! this node's own private ones when asked), each direction with the policy its owner set;
//! channel policies (UpdateChannelPolicy, FeeReport), forwarding history, and the graph
//! topology stream. A node is in the graph once it has a public channel, or when it is this
//! node.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use world::channels::Forward;

use lnrpc::lnrpc as pb;
use tokio::sync::broadcast;
use tonic::{Status, metadata::MetadataMap};

use super::{
    DESCRIBE_GRAPH, FEE_REPORT, FORWARDING_HISTORY, GET_CHAN_INFO, GET_NETWORK_INFO, GET_NODE_INFO, NodeRpc, RpcStream, SUBSCRIBE_CHANNEL_GRAPH,
    UPDATE_CHANNEL_POLICY,
};
use crate::ledger::now;
use world::channels::{Channel, Phase, Policy, reserve};

/// lnd's smallest accepted time-lock delta (routing.MinCLTVDelta).
const MIN_TIME_LOCK_DELTA: u32 = 18;
/// lnd's `MaxTimeLockDelta` (a CLTV delta is 16 bits on the wire).
const MAX_TIME_LOCK_DELTA: u32 = 65_535;
/// The smallest non-zero `fee_rate` (a fraction) one part per million can express.
const MIN_FEE_RATE: f64 = 1e-6;

/// Go's `%v` of a float64 (strconv's shortest `g`): from an exponent below -4 or of 6 and
/// up, `1e-07`, `1.5e+06`.
fn go_float(f: f64) -> String {
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if f != 0.0 && !(-4..6).contains(&exponent) { format!("{mantissa}e{}{:02}", if exponent < 0 { '-' } else { '+' }, exponent.abs()) } else { format!("{f}") }
}

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

/// One channel of the graph, both directions.
struct Edge {
    chan_id: u64,
    chan_point: String,
    capacity: i64,
    node1: String,
    node2: String,
    policy1: Option<Policy>,
    policy2: Option<Policy>,
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

impl Edge {
    fn message(&self) -> pb::ChannelEdge {
        #[allow(deprecated)]
        pb::ChannelEdge {
            channel_id: self.chan_id,
            chan_point: self.chan_point.clone(),
            last_update: now() as u32,
            node1_pub: self.node1.clone(),
            node2_pub: self.node2.clone(),
            capacity: self.capacity,
            node1_policy: self.policy1.as_ref().map(|p| routing_policy(p, self.capacity)),
            node2_policy: self.policy2.as_ref().map(|p| routing_policy(p, self.capacity)),
            custom_records: Default::default(),
            auth_proof: None,
        }
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
    fn edges(&self, include_private: bool) -> BTreeMap<u64, Edge> {
        let me = self.identity_pubkey();
        let mut edges: BTreeMap<u64, Edge> = BTreeMap::new();
        for node in self.switchboard.running() {
            let owner = node.identity_pubkey();
            if owner.is_empty() {
                continue;
            }
            for c in node.channels().channels.iter().filter(|c| c.phase == Phase::Open) {
                if c.private && !(include_private && (owner == me || c.remote_pubkey == me)) {
                    continue;
                }
                let (node1, node2) = if owner < c.remote_pubkey { (owner.clone(), c.remote_pubkey.clone()) } else { (c.remote_pubkey.clone(), owner.clone()) };
                let e = edges.entry(c.chan_id).or_insert_with(|| Edge {
                    chan_id: c.chan_id,
                    chan_point: c.chan_point(),
                    capacity: c.capacity,
                    node1,
                    node2,
                    policy1: None,
                    policy2: None,
                });
                // The owner's own policy wins over its peer's copy of it.
                let (mine, theirs) = if owner == e.node1 { (&mut e.policy1, &mut e.policy2) } else { (&mut e.policy2, &mut e.policy1) };
                *mine = Some(c.local_policy);
                theirs.get_or_insert(c.remote_policy);
            }
        }
        edges
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
        let edges: Vec<Edge> = self.edges(false).into_values().filter(|e| e.node1 == key || e.node2 == key).collect();
        if edges.is_empty() && key != me {
            return Err(Status::not_found("unable to find node"));
        }
        let node = self.graph_node(&key).ok_or_else(|| Status::not_found("unable to find node"))?;
        Ok(pb::NodeInfo {
            node: Some(node),
            num_channels: edges.len() as u32,
            total_capacity: edges.iter().map(|e| e.capacity).sum(),
            channels: if req.include_channels { edges.iter().map(Edge::message).collect() } else { vec![] },
        })
    }

    pub fn describe_graph(&self, md: &MetadataMap, req: pb::ChannelGraphRequest) -> Result<pb::ChannelGraph, Status> {
        self.authorize(md, &DESCRIBE_GRAPH)?;
        let edges = self.edges(req.include_unannounced);
        let mut keys: BTreeSet<String> = edges.values().flat_map(|e| [e.node1.clone(), e.node2.clone()]).collect();
        keys.insert(self.identity_pubkey());
        Ok(pb::ChannelGraph { nodes: keys.iter().filter_map(|k| self.graph_node(k)).collect(), edges: edges.values().map(Edge::message).collect() })
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
        found.map(Edge::message).ok_or_else(|| Status::not_found("edge not found"))
    }

    pub fn get_network_info(&self, md: &MetadataMap, _req: pb::NetworkInfoRequest) -> Result<pb::NetworkInfo, Status> {
        self.authorize(md, &GET_NETWORK_INFO)?;
        let edges = self.edges(false);
        let mut degree: HashMap<&str, u32> = HashMap::new();
        for e in edges.values() {
            *degree.entry(&e.node1).or_default() += 1;
            *degree.entry(&e.node2).or_default() += 1;
        }
        let mut sizes: Vec<i64> = edges.values().map(|e| e.capacity).collect();
        sizes.sort_unstable();
        let total: i64 = sizes.iter().sum();
        let nodes = degree.len().max(1) as f64;
        Ok(pb::NetworkInfo {
            graph_diameter: diameter(&edges),
            avg_out_degree: degree.values().sum::<u32>() as f64 / nodes,
            max_out_degree: degree.values().copied().max().unwrap_or(0),
            num_nodes: degree.len() as u32,
            num_channels: sizes.len() as u32,
            total_network_capacity: total,
            avg_channel_size: if sizes.is_empty() { 0.0 } else { total as f64 / sizes.len() as f64 },
            min_channel_size: sizes.first().copied().unwrap_or(0),
            max_channel_size: sizes.last().copied().unwrap_or(0),
            median_channel_size_sat: sizes.get(sizes.len() / 2).copied().unwrap_or(0),
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
        if req.fee_rate != 0.0 && req.fee_rate_ppm != 0 {
            return Err(Status::invalid_argument("cannot set both FeeRate and FeeRatePpm at the same time"));
        }
        if req.fee_rate != 0.0 && req.fee_rate < MIN_FEE_RATE {
            return Err(Status::unknown(format!("fee rate of {} is too small, min fee rate is 1e-06", go_float(req.fee_rate))));
        }
        if req.time_lock_delta < MIN_TIME_LOCK_DELTA {
            return Err(Status::unknown(format!("time lock delta of {} is too small, minimum supported is {MIN_TIME_LOCK_DELTA}", req.time_lock_delta)));
        }
        if req.time_lock_delta > MAX_TIME_LOCK_DELTA {
            return Err(Status::unknown(format!("time lock delta of {} is too big, maximum supported is {MAX_TIME_LOCK_DELTA}", req.time_lock_delta)));
        }
        // lnd's default `accept-positive-inbound-fees=false`.
        if let Some(inbound) = &req.inbound_fee {
            if inbound.base_fee_msat > 0 {
                return Err(Status::unknown(format!("positive values for inbound base fee msat are not supported: {}", inbound.base_fee_msat)));
            }
            if inbound.fee_rate_ppm > 0 {
                return Err(Status::unknown(format!("positive values for inbound fee rate ppm are not supported: {}", inbound.fee_rate_ppm)));
            }
        }
        let fee_rate_ppm = if req.fee_rate_ppm != 0 { req.fee_rate_ppm as i64 } else { (req.fee_rate * 1_000_000.0).round() as i64 };
        let me = self.identity_pubkey();
        let mut updated: Vec<Channel> = Vec::new();
        {
            let mut db = self.channels();
            for c in db.channels.iter_mut().filter(|c| c.phase == Phase::Open && target.as_ref().is_none_or(|t| *t == c.chan_point())) {
                c.local_policy.base_fee_msat = req.base_fee_msat;
                c.local_policy.fee_rate_ppm = fee_rate_ppm;
                c.local_policy.time_lock_delta = req.time_lock_delta;
                // An unset maximum keeps the current one (localchans' updateEdge).
                if req.max_htlc_msat != 0 {
                    c.local_policy.max_htlc_msat = req.max_htlc_msat as i64;
                }
                if req.min_htlc_msat_specified {
                    c.local_policy.min_htlc_msat = req.min_htlc_msat as i64;
                }
                updated.push(c.clone());
            }
        }
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
        let since = |days: i64| -> u64 {
            let from = now_ns - days * 86_400 * 1_000_000_000;
            db.forwards.iter().filter(|f| f.timestamp_ns >= from).map(|f| ((f.amt_in_msat - f.amt_out_msat) / 1000) as u64).sum()
        };
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

/// The longest shortest path between two nodes of the graph, in hops.
fn diameter(edges: &BTreeMap<u64, Edge>) -> u32 {
    let mut adj: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in edges.values() {
        adj.entry(&e.node1).or_default().push(&e.node2);
        adj.entry(&e.node2).or_default().push(&e.node1);
    }
    let mut longest = 0;
    for &start in adj.keys() {
        let mut dist: HashMap<&str, u32> = HashMap::from([(start, 0)]);
        let mut queue = VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            let d = dist[n];
            longest = longest.max(d);
            for &m in &adj[n] {
                if !dist.contains_key(m) {
                    dist.insert(m, d + 1);
                    queue.push_back(m);
                }
            }
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    /// The numbers lnd's fee-rate refusal prints, as Go prints them.
    #[test]
    fn floats_as_go_prints_them() {
        let cases =
            [(1e-7, "1e-07"), (-0.5, "-0.5"), (0.0001, "0.0001"), (0.00001, "1e-05"), (2.0, "2"), (123456.0, "123456"), (1.5e6, "1.5e+06"), (-3e-9, "-3e-09")];
        for (f, go) in cases {
            assert_eq!(super::go_float(f), go, "{f}");
        }
    }
}
