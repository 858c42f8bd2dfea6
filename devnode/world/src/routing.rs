//! Pathfinding over the simulated network's channels, as lnd's router does it: from the
//! destination back to the source, cheapest fees first, each forwarding node charging its
//! policy on the amount it forwards, time-locks adding up hop by hop. The sender knows its
//! own balances; of other channels it knows only their capacity.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashSet};

use serde::{Deserialize, Serialize};

use super::channels::Policy;

/// lnd's `bitcoin.timelockdelta` default (chainreg.DefaultBitcoinTimeLockDelta): the delta a
/// node asks of the HTLCs it forwards, the final delta of its invoices, and the final delta it
/// assumes when paying without an invoice that names one (keysend, QueryRoutes, BuildRoute).
pub const TIME_LOCK_DELTA: u32 = 80;
/// lnd's `routing.BlockPadding`: a payment's last HTLC expires this many blocks later than
/// the payee asks, so blocks mined while it is in flight do not make the payee refuse it.
/// Only payments pad; QueryRoutes and BuildRoute answer the unpadded route.
pub const BLOCK_PADDING: u32 = 3;

/// One direction of a channel: `from` can forward to `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub chan_id: u64,
    pub from: String,
    pub to: String,
    pub capacity: i64,
    /// The policy `from` charges for forwarding over this channel.
    pub policy: Policy,
    /// `from`'s spendable balance: known to the router only on the sender's own channels.
    pub spendable_msat: Option<i64>,
    pub private: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hop {
    pub chan_id: u64,
    pub capacity: i64,
    pub pubkey: String,
    pub amt_to_forward_msat: i64,
    pub fee_msat: i64,
    pub expiry: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub total_time_lock: u32,
    pub total_amt_msat: i64,
    pub total_fees_msat: i64,
    pub hops: Vec<Hop>,
    /// The final hop's MPP record (payment address, the payment's total), as the payer
    /// puts it in the onion of every invoice payment.
    #[serde(default)]
    pub mpp: Option<([u8; 32], i64)>,
}

/// The HTLC that crosses one hop's channel, into that hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HopHtlc {
    pub chan_id: u64,
    pub amount_msat: i64,
    pub expiry: u32,
}

impl Route {
    /// What the payee receives over this route.
    pub fn receiver_msat(&self) -> i64 {
        self.hops.last().map_or(0, |h| h.amt_to_forward_msat)
    }

    /// The HTLC into hop `i`. A hop's `expiry` is what that hop sends on (lnd's
    /// OutgoingTimeLock), so the HTLC into hop i expires at hop i-1's, and the first one at
    /// the route's total time lock; its amount is what the hop forwards plus its fee.
    pub fn htlc(&self, i: usize) -> Option<HopHtlc> {
        let hop = self.hops.get(i)?;
        let expiry = match i.checked_sub(1) {
            Some(before) => self.hops[before].expiry,
            None => self.total_time_lock,
        };
        Some(HopHtlc { chan_id: hop.chan_id, amount_msat: hop.amt_to_forward_msat + hop.fee_msat, expiry })
    }

    /// Every hop's incoming HTLC, in the route's order.
    pub fn htlcs(&self) -> impl Iterator<Item = HopHtlc> + '_ {
        (0..self.hops.len()).filter_map(|i| self.htlc(i))
    }
}

pub fn fee_msat(policy: &Policy, amount_msat: i64) -> i64 {
    policy.base_fee_msat + amount_msat * policy.fee_rate_ppm / 1_000_000
}

/// What the sender asks of the router.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub source: String,
    pub target: String,
    pub amount_msat: i64,
    pub final_cltv: u32,
    pub fee_limit_msat: i64,
    /// Only start through this channel (rebalancing out of it).
    pub outgoing_chan_id: Option<u64>,
    /// Only arrive from this node (rebalancing into a channel with it).
    pub last_hop: Option<String>,
    /// Directed (from, chan_id) pairs that failed before.
    pub excluded: HashSet<(String, u64)>,
    pub max_hops: usize,
}

pub const MAX_HOPS: usize = 20;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RouteError {
    #[error("unable to find a path to destination")]
    NoPath,
    #[error("insufficient local balance")]
    InsufficientBalance,
    /// BuildRoute: no hops were given.
    #[error("no hops specified")]
    NoHops,
    /// BuildRoute: no channel reaches hop `.0` (0-based) from the one before it.
    #[error("no matching outgoing channel available for node index {0}")]
    NoChannel(usize),
}

/// The cheapest route, or why there is none. A self-payment (source = target, for circular
/// rebalancing) must leave and come back over channels.
pub fn find_route(edges: &[Edge], q: &Query, height: u32) -> Result<Route, RouteError> {
    // Dijkstra from the target: for each node, the amount it must receive to deliver the
    // payment, the fees on the way, and the next hop.
    #[derive(Clone)]
    struct Label {
        amount: i64,
        fees: i64,
        cltv: u32,
        next: Option<(usize, String)>,
        hops: usize,
    }
    let max_hops = if q.max_hops == 0 { MAX_HOPS } else { q.max_hops };
    // lnd: with less than the amount in all usable outgoing channels together the balance
    // is insufficient; with enough in total but not in one channel, there is just no path
    // (a multi-path payment may then split).
    let own_spendable: i64 =
        edges.iter().filter(|e| e.from == q.source && q.outgoing_chan_id.is_none_or(|c| c == e.chan_id)).filter_map(|e| e.spendable_msat).sum();
    let mut best: BTreeMap<String, Label> = BTreeMap::new();
    // The target's label is the amount it receives; for a self-payment the target key is
    // marked so the source can also be the start.
    let target_key = format!("target:{}", q.target);
    best.insert(target_key.clone(), Label { amount: q.amount_msat, fees: 0, cltv: q.final_cltv, next: None, hops: 0 });
    let mut heap = BinaryHeap::new();
    heap.push(Reverse((0i64, target_key.clone())));
    let node_of = |key: &str| key.strip_prefix("target:").unwrap_or(key).to_string();
    let mut found: Option<Label> = None;
    while let Some(Reverse((fees, key))) = heap.pop() {
        let label = best[&key].clone();
        if label.fees != fees {
            continue;
        }
        let node = node_of(&key);
        if node == q.source && key != target_key {
            found = Some(label);
            break;
        }
        if label.hops >= max_hops {
            continue;
        }
        for (i, e) in edges.iter().enumerate() {
            if e.to != node || q.excluded.contains(&(e.from.clone(), e.chan_id)) {
                continue;
            }
            let arriving_at_target = key == target_key;
            if arriving_at_target && q.last_hop.as_ref().is_some_and(|h| *h != e.from) {
                continue;
            }
            let from_source = e.from == q.source;
            if from_source && q.outgoing_chan_id.is_some_and(|c| c != e.chan_id) {
                continue;
            }
            // The sender pays no fee to itself; every other node charges for forwarding.
            let fee = if from_source { 0 } else { fee_msat(&e.policy, label.amount) };
            let amount = label.amount + fee;
            // What flows over this channel is what `node` must receive.
            let room = e.spendable_msat.unwrap_or(e.capacity * 1000);
            if label.amount > room {
                continue;
            }
            let fees = label.fees + fee;
            if fees > q.fee_limit_msat {
                continue;
            }
            let cltv = label.cltv + if from_source { 0 } else { e.policy.time_lock_delta };
            let from_key = e.from.clone();
            if from_key == q.target && !from_source {
                // Passing back through the target of a self-payment would be a loop.
                continue;
            }
            if best.get(&from_key).is_none_or(|b| fees < b.fees) {
                best.insert(from_key.clone(), Label { amount, fees, cltv, next: Some((i, key.clone())), hops: label.hops + 1 });
                heap.push(Reverse((fees, from_key)));
            }
        }
    }
    let Some(start) = found else {
        let needed = q.amount_msat;
        return Err(if own_spendable < needed { RouteError::InsufficientBalance } else { RouteError::NoPath });
    };
    // Walk from the source: each hop receives its label's amount, keeps its fee and
    // forwards the rest; its expiry is the time-lock of the HTLC it forwards.
    let mut path: Vec<(usize, Label)> = Vec::new();
    let mut label = start.clone();
    while let Some((i, next_key)) = label.next.clone() {
        label = best[&next_key].clone();
        path.push((i, label.clone()));
    }
    let hops = (0..path.len())
        .map(|i| {
            let (edge, arriving) = &path[i];
            let (forward, cltv) = path.get(i + 1).map_or((q.amount_msat, q.final_cltv), |(_, l)| (l.amount, l.cltv));
            let e = &edges[*edge];
            Hop {
                chan_id: e.chan_id,
                capacity: e.capacity,
                pubkey: e.to.clone(),
                amt_to_forward_msat: forward,
                fee_msat: arriving.amount - forward,
                expiry: height + cltv,
            }
        })
        .collect();
    Ok(Route { total_time_lock: height + start.cltv, total_amt_msat: start.amount, total_fees_msat: start.amount - q.amount_msat, hops, mpp: None })
}

/// A route along given nodes (BuildRoute): between each pair, the first usable channel
/// (or `outgoing` for the first hop); fees and time-locks computed back from the end.
pub fn build_route(
    edges: &[Edge],
    source: &str,
    nodes: &[String],
    amount_msat: i64,
    final_cltv: u32,
    outgoing: Option<u64>,
    height: u32,
) -> Result<Route, RouteError> {
    if nodes.is_empty() {
        return Err(RouteError::NoHops);
    }
    // lnd looks for each hop's channel from the last hop back, so a route broken in two
    // places names the later one.
    let mut path: Vec<&Edge> = Vec::with_capacity(nodes.len());
    for (i, to) in nodes.iter().enumerate().rev() {
        let from = if i == 0 { source } else { nodes[i - 1].as_str() };
        let e = edges.iter().find(|e| e.from == from && e.to == *to && (i > 0 || outgoing.is_none_or(|c| c == e.chan_id))).ok_or(RouteError::NoChannel(i))?;
        path.push(e);
    }
    path.reverse();
    let mut hops: Vec<Hop> = Vec::new();
    let (mut forward, mut cltv) = (amount_msat, final_cltv);
    for (i, e) in path.iter().enumerate().rev() {
        // The node this hop reaches forwards over the next channel and charges its policy.
        let fee = path.get(i + 1).map_or(0, |next| fee_msat(&next.policy, forward));
        hops.push(Hop { chan_id: e.chan_id, capacity: e.capacity, pubkey: e.to.clone(), amt_to_forward_msat: forward, fee_msat: fee, expiry: height + cltv });
        forward += fee;
        cltv += path.get(i + 1).map_or(0, |next| next.policy.time_lock_delta);
    }
    hops.reverse();
    Ok(Route { total_time_lock: height + cltv, total_amt_msat: forward, total_fees_msat: forward - amount_msat, hops, mpp: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(id: u64, from: &str, to: &str, capacity: i64, spendable: Option<i64>) -> Edge {
        Edge { chan_id: id, from: from.into(), to: to.into(), capacity, policy: Policy::default(), spendable_msat: spendable, private: false }
    }

    fn query(source: &str, target: &str, sat: i64) -> Query {
        Query {
            source: source.into(),
            target: target.into(),
            amount_msat: sat * 1000,
            final_cltv: TIME_LOCK_DELTA,
            fee_limit_msat: 1_000_000,
            ..Default::default()
        }
    }

    /// a → b → c → d, and both directions of each channel.
    fn line() -> Vec<Edge> {
        let mut e = Vec::new();
        for (id, (x, y)) in [("a", "b"), ("b", "c"), ("c", "d")].into_iter().enumerate() {
            e.push(edge(id as u64 + 1, x, y, 1_000_000, (x == "a").then_some(500_000_000)));
            e.push(edge(id as u64 + 1, y, x, 1_000_000, None));
        }
        e
    }

    #[test]
    fn three_hops_pay_each_forwarders_fee_and_add_their_time_locks() {
        let r = find_route(&line(), &query("a", "d", 10_000), 100).unwrap();
        assert_eq!(r.hops.iter().map(|h| h.pubkey.as_str()).collect::<Vec<_>>(), ["b", "c", "d"]);
        // c charges 1,000 msat + 1 ppm of 10,000,000 = 1,010 msat; b charges on 10,001,010.
        assert_eq!(r.hops[2].amt_to_forward_msat, 10_000_000);
        assert_eq!(r.hops[1].fee_msat, 1_010);
        assert_eq!(r.hops[0].fee_msat, 1_010);
        assert_eq!(r.total_fees_msat, 2_020);
        assert_eq!(r.total_amt_msat, 10_002_020);
        assert_eq!(r.hops[2].expiry, 180);
        assert_eq!(r.total_time_lock, 100 + 80 + 80 + 80);
        // Each HTLC expires at what the hop before it sends on: b gets the total, c gets b's
        // outgoing lock, and d what c sends on, which is d's own final expiry.
        let htlcs: Vec<_> = r.htlcs().map(|h| (h.chan_id, h.amount_msat, h.expiry)).collect();
        assert_eq!(htlcs, [(1, 10_002_020, 340), (2, 10_001_010, 260), (3, 10_000_000, 180)]);
        assert_eq!((r.hops[0].expiry, r.hops[1].expiry), (260, 180));
        let built = build_route(&line(), "a", &["b".into(), "c".into(), "d".into()], 10_000_000, 80, None, 100).unwrap();
        assert_eq!(built, r, "BuildRoute along the same nodes agrees");
        let build = |nodes: &[&str]| build_route(&line(), "a", &nodes.iter().map(|n| n.to_string()).collect::<Vec<_>>(), 1_000, 80, None, 100);
        assert_eq!(build(&[]), Err(RouteError::NoHops));
        assert_eq!(build(&["c", "d"]).unwrap_err().to_string(), "no matching outgoing channel available for node index 0");
        assert_eq!(build(&["b", "d", "a"]), Err(RouteError::NoChannel(2)), "the later break is named, as lnd looks from the last hop back");
    }

    #[test]
    fn limits_fees_balance_and_constraints() {
        let mut q = query("a", "d", 10_000);
        q.fee_limit_msat = 2_000;
        assert_eq!(find_route(&line(), &q, 0), Err(RouteError::NoPath), "fees over the limit");
        assert_eq!(find_route(&line(), &query("a", "d", 600_000), 0), Err(RouteError::InsufficientBalance));
        let mut q = query("a", "d", 10_000);
        q.excluded.insert(("b".into(), 2));
        assert_eq!(find_route(&line(), &q, 0), Err(RouteError::NoPath), "the failed channel is avoided");
        let mut q = query("a", "d", 10_000);
        q.last_hop = Some("b".into());
        assert!(find_route(&line(), &q, 0).is_err(), "d is reached only from c");
    }

    #[test]
    fn a_self_payment_goes_out_one_channel_and_back_another() {
        // a has channels with b and c; b and c are connected.
        let mut e = vec![edge(1, "a", "b", 1_000_000, Some(900_000_000)), edge(2, "a", "c", 1_000_000, Some(100_000_000))];
        e.push(edge(1, "b", "a", 1_000_000, None));
        e.push(edge(2, "c", "a", 1_000_000, None));
        e.push(edge(3, "b", "c", 1_000_000, None));
        e.push(edge(3, "c", "b", 1_000_000, None));
        let mut q = query("a", "a", 50_000);
        q.outgoing_chan_id = Some(1);
        q.last_hop = Some("c".into());
        let r = find_route(&e, &q, 0).unwrap();
        assert_eq!(r.hops.iter().map(|h| (h.chan_id, h.pubkey.as_str())).collect::<Vec<_>>(), [(1, "b"), (3, "c"), (2, "a")]);
    }
}
