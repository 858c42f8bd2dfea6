//! The channel graph as one node's lnd knows it: every open public channel of the network
//! (and the node's own private ones when asked), each direction with the policy its owner
//! set; the network's figures (GetNetworkInfo); and channel policy changes
//! (UpdateChannelPolicy) with lnd's checks and words.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::channels::{Channel, NodeDb, Phase, Policy};

/// lnd's smallest accepted time-lock delta (routing.MinCLTVDelta).
pub const MIN_TIME_LOCK_DELTA: u32 = 18;
/// lnd's `MaxTimeLockDelta` (a CLTV delta is 16 bits on the wire).
pub const MAX_TIME_LOCK_DELTA: u32 = 65_535;
/// The smallest non-zero `fee_rate` (a fraction) one part per million can express.
const MIN_FEE_RATE: f64 = 1e-6;

/// One channel of the graph, both directions; `node1` is the smaller key, as lnd orders them.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphEdge {
    pub chan_id: u64,
    pub chan_point: String,
    pub capacity: i64,
    pub node1: String,
    pub node2: String,
    pub policy1: Option<Policy>,
    pub policy2: Option<Policy>,
}

/// The graph by channel id, built node by node with [`add_channels`].
pub type Graph = BTreeMap<u64, GraphEdge>;

/// Adds `owner`'s open channels to the graph `me` sees: public ones, and private ones
/// touching `me` when `include_private`. The owner's own policy wins over its peer's copy.
pub fn add_channels(graph: &mut Graph, owner: &str, channels: &[Channel], me: &str, include_private: bool) {
    for c in channels.iter().filter(|c| c.phase == Phase::Open) {
        if c.private && !(include_private && (owner == me || c.remote_pubkey == me)) {
            continue;
        }
        let (node1, node2) = if owner < c.remote_pubkey.as_str() { (owner, c.remote_pubkey.as_str()) } else { (c.remote_pubkey.as_str(), owner) };
        let e = graph.entry(c.chan_id).or_insert_with(|| GraphEdge {
            chan_id: c.chan_id,
            chan_point: c.chan_point(),
            capacity: c.capacity,
            node1: node1.to_string(),
            node2: node2.to_string(),
            policy1: None,
            policy2: None,
        });
        let (mine, theirs) = if owner == e.node1 { (&mut e.policy1, &mut e.policy2) } else { (&mut e.policy2, &mut e.policy1) };
        *mine = Some(c.local_policy);
        theirs.get_or_insert(c.remote_policy);
    }
}

/// GetNetworkInfo's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkStats {
    pub diameter: u32,
    pub avg_out_degree: f64,
    pub max_out_degree: u32,
    pub nodes: u32,
    pub channels: u32,
    pub total_capacity: i64,
    pub avg_channel_size: f64,
    pub min_channel_size: i64,
    pub max_channel_size: i64,
    pub median_channel_size: i64,
}

pub fn stats(graph: &Graph) -> NetworkStats {
    let mut degree: HashMap<&str, u32> = HashMap::new();
    for e in graph.values() {
        *degree.entry(&e.node1).or_default() += 1;
        *degree.entry(&e.node2).or_default() += 1;
    }
    let mut sizes: Vec<i64> = graph.values().map(|e| e.capacity).collect();
    sizes.sort_unstable();
    let total: i64 = sizes.iter().sum();
    NetworkStats {
        diameter: diameter(graph),
        avg_out_degree: degree.values().sum::<u32>() as f64 / degree.len().max(1) as f64,
        max_out_degree: degree.values().copied().max().unwrap_or(0),
        nodes: degree.len() as u32,
        channels: sizes.len() as u32,
        total_capacity: total,
        avg_channel_size: if sizes.is_empty() { 0.0 } else { total as f64 / sizes.len() as f64 },
        min_channel_size: sizes.first().copied().unwrap_or(0),
        max_channel_size: sizes.last().copied().unwrap_or(0),
        median_channel_size: sizes.get(sizes.len() / 2).copied().unwrap_or(0),
    }
}

/// The longest shortest path between two nodes of the graph, in hops.
fn diameter(graph: &Graph) -> u32 {
    let mut adj: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in graph.values() {
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

/// Go's `%v` of a float64 (strconv's shortest `g`): from an exponent below -4 or of 6 and
/// up, `1e-07`, `1.5e+06`.
pub fn go_float(f: f64) -> String {
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if f != 0.0 && !(-4..6).contains(&exponent) { format!("{mantissa}e{}{:02}", if exponent < 0 { '-' } else { '+' }, exponent.abs()) } else { format!("{f}") }
}

/// What UpdateChannelPolicy asks for, once its scope is read.
pub struct PolicyChange {
    pub base_fee_msat: i64,
    /// A fraction (lnd's `fee_rate`), or 0 when `fee_rate_ppm` is used.
    pub fee_rate: f64,
    pub fee_rate_ppm: u32,
    pub time_lock_delta: u32,
    /// 0: keep the channel's current maximum.
    pub max_htlc_msat: u64,
    pub min_htlc_msat: Option<u64>,
    /// Inbound (base msat, rate ppm), if asked for.
    pub inbound: Option<(i32, i32)>,
}

/// A policy change lnd refuses: `invalid_argument` for the one refusal lnd gives as
/// InvalidArgument (both rates), Unknown for the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRefusal {
    pub invalid_argument: bool,
    pub words: String,
}

impl PolicyChange {
    /// rpcserver.go UpdateChannelPolicy's checks after the scope, in its order: the fee
    /// rate, the time lock, inbound fees (lnd's default `accept-positive-inbound-fees=false`).
    /// The rate in ppm if the change is allowed.
    pub fn check(&self) -> Result<i64, PolicyRefusal> {
        let refuse = |words: String| Err(PolicyRefusal { invalid_argument: false, words });
        if self.fee_rate != 0.0 && self.fee_rate_ppm != 0 {
            return Err(PolicyRefusal { invalid_argument: true, words: "cannot set both FeeRate and FeeRatePpm at the same time".into() });
        }
        if self.fee_rate != 0.0 && self.fee_rate < MIN_FEE_RATE {
            return refuse(format!("fee rate of {} is too small, min fee rate is 1e-06", go_float(self.fee_rate)));
        }
        if self.time_lock_delta < MIN_TIME_LOCK_DELTA {
            return refuse(format!("time lock delta of {} is too small, minimum supported is {MIN_TIME_LOCK_DELTA}", self.time_lock_delta));
        }
        if self.time_lock_delta > MAX_TIME_LOCK_DELTA {
            return refuse(format!("time lock delta of {} is too big, maximum supported is {MAX_TIME_LOCK_DELTA}", self.time_lock_delta));
        }
        if let Some((base, rate)) = self.inbound {
            if base > 0 {
                return refuse(format!("positive values for inbound base fee msat are not supported: {base}"));
            }
            if rate > 0 {
                return refuse(format!("positive values for inbound fee rate ppm are not supported: {rate}"));
            }
        }
        Ok(if self.fee_rate_ppm != 0 { self.fee_rate_ppm as i64 } else { (self.fee_rate * 1_000_000.0).round() as i64 })
    }
}

impl NodeDb {
    /// Applies an allowed policy change to the open channel at `target` (every open channel
    /// when none); returns the channels changed. An unset maximum HTLC keeps the current one
    /// (localchans' updateEdge).
    pub fn apply_policy(&mut self, target: Option<&str>, change: &PolicyChange, fee_rate_ppm: i64) -> Vec<Channel> {
        let mut updated = Vec::new();
        for c in self.channels.iter_mut().filter(|c| c.phase == Phase::Open && target.is_none_or(|t| t == c.chan_point())) {
            c.local_policy.base_fee_msat = change.base_fee_msat;
            c.local_policy.fee_rate_ppm = fee_rate_ppm;
            c.local_policy.time_lock_delta = change.time_lock_delta;
            if change.max_htlc_msat != 0 {
                c.local_policy.max_htlc_msat = change.max_htlc_msat as i64;
            }
            if let Some(min) = change.min_htlc_msat {
                c.local_policy.min_htlc_msat = min as i64;
            }
            updated.push(c.clone());
        }
        updated
    }

    /// The fees this node earned forwarding since `from_ns`, in sat (FeeReport's sums).
    pub fn fees_since(&self, from_ns: i64) -> u64 {
        self.forwards.iter().filter(|f| f.timestamp_ns >= from_ns).map(|f| ((f.amt_in_msat - f.amt_out_msat) / 1000) as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::Forward;

    const A: &str = "02aa";
    const B: &str = "03bb";
    const C: &str = "02cc";

    /// The opener's record of open channel `chan_id` to `remote`, with its own base fee.
    fn channel(remote: &str, chan_id: u64, capacity: i64, private: bool, base_fee: i64) -> Channel {
        let (mut c, _) = crate::channels::testing::open_pair("02ff", remote, chan_id, capacity, private);
        c.local_policy.base_fee_msat = base_fee;
        c
    }

    #[test]
    fn the_graph_holds_each_channel_once_with_each_owners_policy() {
        let mut graph = Graph::new();
        // b's record: the line a – b – c, and a private channel to c.
        let b = [channel(A, 1, 100_000, false, 2), channel(C, 2, 300_000, false, 2), channel(C, 3, 50_000, true, 2)];
        add_channels(&mut graph, B, &b, A, true);
        assert_eq!(graph.keys().copied().collect::<Vec<_>>(), [1, 2], "b's private channel is not a's to see");
        let ab = &graph[&1];
        assert_eq!((ab.node1.as_str(), ab.node2.as_str(), ab.chan_point.as_str()), (A, B, format!("{:064x}:1", 1).as_str()), "the smaller key first");
        assert_eq!(
            (ab.policy1.map(|p| p.base_fee_msat), ab.policy2.map(|p| p.base_fee_msat)),
            (Some(Policy::default().base_fee_msat), Some(2)),
            "a's side from b's copy until a's own record"
        );
        add_channels(&mut graph, A, &[channel(B, 1, 100_000, false, 7)], A, true);
        assert_eq!(graph[&1].policy1.map(|p| p.base_fee_msat), Some(7), "a's own policy wins");
        let mut seen_by_c = Graph::new();
        add_channels(&mut seen_by_c, B, &b, C, true);
        assert!(seen_by_c.contains_key(&3), "c sees its own private channel when asked");
        let mut public_only = Graph::new();
        add_channels(&mut public_only, B, &b, C, false);
        assert!(!public_only.contains_key(&3));

        let n = stats(&graph);
        assert_eq!((n.nodes, n.channels, n.diameter, n.max_out_degree), (3, 2, 2, 2));
        assert_eq!((n.total_capacity, n.min_channel_size, n.max_channel_size, n.median_channel_size), (400_000, 100_000, 300_000, 300_000));
        assert_eq!((n.avg_channel_size, n.avg_out_degree), (200_000.0, 4.0 / 3.0));
        assert_eq!(
            stats(&Graph::new()),
            NetworkStats {
                diameter: 0,
                avg_out_degree: 0.0,
                max_out_degree: 0,
                nodes: 0,
                channels: 0,
                total_capacity: 0,
                avg_channel_size: 0.0,
                min_channel_size: 0,
                max_channel_size: 0,
                median_channel_size: 0,
            }
        );
    }

    fn change(fee_rate: f64, fee_rate_ppm: u32, time_lock_delta: u32) -> PolicyChange {
        PolicyChange { base_fee_msat: 5, fee_rate, fee_rate_ppm, time_lock_delta, max_htlc_msat: 0, min_htlc_msat: None, inbound: None }
    }

    #[test]
    fn a_policy_change_is_checked_in_lnds_order_and_words() {
        let refused = |c: PolicyChange| c.check().unwrap_err();
        assert_eq!(
            refused(change(0.1, 5, 1)),
            PolicyRefusal { invalid_argument: true, words: "cannot set both FeeRate and FeeRatePpm at the same time".into() }
        );
        assert_eq!(refused(change(1e-7, 0, 1)).words, "fee rate of 1e-07 is too small, min fee rate is 1e-06", "the rate before the time lock");
        assert_eq!(refused(change(0.0, 0, 17)).words, "time lock delta of 17 is too small, minimum supported is 18");
        assert_eq!(refused(change(0.0, 0, 65_536)).words, "time lock delta of 65536 is too big, maximum supported is 65535");
        assert_eq!(
            refused(PolicyChange { inbound: Some((1, 0)), ..change(0.0, 0, 40) }).words,
            "positive values for inbound base fee msat are not supported: 1"
        );
        assert_eq!(
            refused(PolicyChange { inbound: Some((-1, 3)), ..change(0.0, 0, 40) }).words,
            "positive values for inbound fee rate ppm are not supported: 3"
        );
        assert_eq!(PolicyChange { inbound: Some((-1, -3)), ..change(0.0, 0, 40) }.check(), Ok(0), "negative inbound fees are lnd's discounts");
        assert_eq!(change(0.000_25, 0, 40).check(), Ok(250), "a fraction in ppm");
        assert_eq!(change(0.0, 750, 18).check(), Ok(750));
    }

    #[test]
    fn a_policy_applies_to_its_scope_and_keeps_an_unset_maximum() {
        let mut db = NodeDb { channels: vec![channel(A, 1, 100_000, false, 1), channel(C, 2, 200_000, false, 1)], ..Default::default() };
        db.channels[0].local_policy.max_htlc_msat = 42_000;
        let point = db.channels[1].chan_point();
        let updated = db.apply_policy(Some(&point), &change(0.0, 9, 40), 9);
        assert_eq!(updated.iter().map(|c| c.chan_id).collect::<Vec<_>>(), [2], "only the channel named");
        assert_eq!((db.channels[0].local_policy.fee_rate_ppm, db.channels[1].local_policy.fee_rate_ppm), (Policy::default().fee_rate_ppm, 9));
        let all = db.apply_policy(None, &PolicyChange { min_htlc_msat: Some(3), ..change(0.0, 9, 40) }, 9);
        assert_eq!(all.len(), 2, "the global scope");
        assert_eq!(
            (db.channels[0].local_policy.max_htlc_msat, db.channels[0].local_policy.min_htlc_msat, db.channels[0].local_policy.time_lock_delta),
            (42_000, 3, 40)
        );
        assert!(db.apply_policy(Some("00:0"), &change(0.0, 9, 40), 9).is_empty(), "an unknown channel changes nothing");

        let forward = |at: i64, fee: i64| Forward { timestamp_ns: at, chan_in: 1, chan_out: 2, amt_in_msat: 1_000_000 + fee, amt_out_msat: 1_000_000 };
        db.forwards = vec![forward(10, 2_500), forward(20, 1_999), forward(30, 1_000)];
        assert_eq!((db.fees_since(0), db.fees_since(20), db.fees_since(31)), (4, 2, 0), "whole sat per forward, as lnd sums them");
    }

    /// The numbers lnd's fee-rate refusal prints, as Go prints them.
    #[test]
    fn floats_as_go_prints_them() {
        let cases =
            [(1e-7, "1e-07"), (-0.5, "-0.5"), (0.0001, "0.0001"), (0.00001, "1e-05"), (2.0, "2"), (123456.0, "123456"), (1.5e6, "1.5e+06"), (-3e-9, "-3e-09")];
        for (f, go) in cases {
            assert_eq!(go_float(f), go, "{f}");
        }
    }
}
