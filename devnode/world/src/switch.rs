//! The HTLC switch's rules at each node: what a hop checks before it takes an HTLC, how an
//! HTLC's add, settle and refund change both sides' records of a channel, what a
//! forwarding node records, and which channel directions a node's router may use. Moving
//! an HTLC along a whole route, across nodes, is the runtime's (it holds the nodes).

use std::collections::HashSet;

use crate::channels::{Forward, Htlc, NodeDb, Phase, Policy, reserve};
use crate::payments::HopFailure;
use crate::routing::{Edge, Route};

/// A step in an HTLC's life on one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Add,
    Settle,
    Refund,
}

impl NodeDb {
    /// Why this node would not send `amount_msat` over `chan_id` to the peer `to` now, if
    /// it would not: no such open channel to that peer, the peer not connected (both
    /// lnd's unknown next peer), or a balance that would fall under the channel reserve.
    pub fn outgoing_failure(&self, chan_id: u64, to: &str, linked: bool, amount_msat: i64) -> Option<HopFailure> {
        let ch = self.channels.iter().find(|c| c.chan_id == chan_id && c.phase == Phase::Open && c.remote_pubkey == to);
        match ch {
            None => Some(HopFailure::UnknownNextPeer),
            Some(_) if !linked => Some(HopFailure::UnknownNextPeer),
            Some(c) if c.local_msat - amount_msat < reserve(c.capacity) * 1000 => Some(HopFailure::TemporaryChannelFailure),
            Some(_) => None,
        }
    }

    /// One hop's HTLC on this node's record of `chan_id`, as its sender (`outgoing`) or
    /// its receiver: added, it leaves the sender's balance (and is counted against the
    /// receiver's view of the sender's); settled, it arrives on the other side; refunded,
    /// it goes back. A channel this node does not have is left alone.
    pub fn step_htlc(&mut self, chan_id: u64, outgoing: bool, step: Step, amount_msat: i64, hash: &str, expiry: u32) {
        let Some(c) = self.channels.iter_mut().find(|c| c.chan_id == chan_id) else { return };
        match (step, outgoing) {
            (Step::Add, true) => c.local_msat -= amount_msat,
            (Step::Add, false) => c.remote_msat -= amount_msat,
            (Step::Settle, true) => c.remote_msat += amount_msat,
            (Step::Settle, false) => c.local_msat += amount_msat,
            (Step::Refund, true) => c.local_msat += amount_msat,
            (Step::Refund, false) => c.remote_msat += amount_msat,
        }
        if step == Step::Add {
            c.htlcs.push(Htlc { hash: hash.to_string(), amount_msat, incoming: !outgoing, expiry });
            return;
        }
        // Parts of one payment may share a channel: only this one resolves.
        if let Some(i) = c.htlcs.iter().position(|h| h.hash == hash && h.amount_msat == amount_msat && h.expiry == expiry && h.incoming != outgoing) {
            c.htlcs.remove(i);
        }
        c.updates += 1;
        if step == Step::Settle {
            if outgoing {
                c.sent_msat += amount_msat;
            } else {
                c.received_msat += amount_msat;
            }
        }
    }

    /// The directions out of `from` (this database's node) that the router at `me` may
    /// use: open channels to connected peers (`linked`); private ones only where they
    /// touch `me`; the balance known only on `me`'s own channels, less the reserve.
    pub fn edges(&self, from: &str, me: &str, linked: &HashSet<String>) -> Vec<Edge> {
        self.channels
            .iter()
            .filter(|c| c.phase == Phase::Open && linked.contains(&c.remote_pubkey))
            .filter(|c| !c.private || from == me || c.remote_pubkey == me)
            .map(|c| Edge {
                chan_id: c.chan_id,
                from: from.to_string(),
                to: c.remote_pubkey.clone(),
                capacity: c.capacity,
                policy: c.local_policy,
                spendable_msat: (from == me).then(|| (c.local_msat - reserve(c.capacity) * 1000).max(0)),
                private: c.private,
            })
            .collect()
    }
}

/// The channels a payee's route hints describe, added to `edges` where the router does not
/// already know them: each hop leads to the next hint's node, the last to `dest`; their
/// capacity is unknown (so unlimited) and their policy is the hint's.
pub fn add_hint_edges(edges: &mut Vec<Edge>, hints: &[Vec<bolt11::HintHop>], dest: &str) {
    for hint in hints {
        for (i, hop) in hint.iter().enumerate() {
            let to = hint.get(i + 1).map_or(dest.to_string(), |next| next.node_id.clone());
            if edges.iter().any(|e| e.chan_id == hop.chan_id && e.from == hop.node_id) {
                continue;
            }
            let policy = Policy {
                base_fee_msat: hop.fee_base_msat as i64,
                fee_rate_ppm: hop.fee_proportional_millionths as i64,
                time_lock_delta: hop.cltv_expiry_delta as u32,
                ..Policy::default()
            };
            edges.push(Edge { chan_id: hop.chan_id, from: hop.node_id.clone(), to, capacity: i64::MAX / 1000, policy, spendable_msat: None, private: true });
        }
    }
}

impl Route {
    /// What each node between the payer and the payee records when the route settles, in
    /// the route's order: the HTLC it took in, the one it sent on, and so its fee.
    pub fn forwards(&self, timestamp_ns: i64) -> Vec<Forward> {
        let htlcs: Vec<_> = self.htlcs().collect();
        htlcs
            .windows(2)
            .map(|pair| {
                let (incoming, outgoing) = (pair[0], pair[1]);
                Forward {
                    timestamp_ns,
                    chan_in: incoming.chan_id,
                    chan_out: outgoing.chan_id,
                    amt_in_msat: incoming.amount_msat,
                    amt_out_msat: outgoing.amount_msat,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Hop;

    const ALICE: &str = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const BOB: &str = "03bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const CAROL: &str = "02cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

    /// An open channel `chan_id` between `a` (who opened it with `capacity`) and `b`, as
    /// each side records it.
    fn open(a: &str, b: &str, chan_id: u64, capacity: i64, private: bool) -> [crate::channels::Channel; 2] {
        let (mine, theirs) = crate::channels::testing::open_pair(a, b, chan_id, capacity, private);
        [mine, theirs]
    }

    fn db(channels: Vec<crate::channels::Channel>) -> NodeDb {
        NodeDb { channels, ..Default::default() }
    }

    fn balances(db: &NodeDb) -> (i64, i64) {
        (db.channels[0].local_msat, db.channels[0].remote_msat)
    }

    #[test]
    fn a_hop_refuses_what_lnds_link_would() {
        let [mine, _] = open(ALICE, BOB, 7, 1_000_000, false);
        let spendable = mine.local_msat - reserve(1_000_000) * 1000;
        let alice = db(vec![mine]);
        assert_eq!(alice.outgoing_failure(7, BOB, true, spendable), None, "down to the reserve");
        assert_eq!(alice.outgoing_failure(7, BOB, true, spendable + 1), Some(HopFailure::TemporaryChannelFailure), "under the reserve");
        assert_eq!(alice.outgoing_failure(7, BOB, false, 1), Some(HopFailure::UnknownNextPeer), "bob not connected");
        assert_eq!(alice.outgoing_failure(7, CAROL, true, 1), Some(HopFailure::UnknownNextPeer), "the channel goes to bob, not carol");
        assert_eq!(alice.outgoing_failure(8, BOB, true, 1), Some(HopFailure::UnknownNextPeer), "no such channel");
    }

    #[test]
    fn an_htlc_moves_the_same_on_both_records_and_parts_resolve_one_by_one() {
        let [a, b] = open(ALICE, BOB, 7, 1_000_000, false);
        let (mut alice, mut bob) = (db(vec![a]), db(vec![b]));
        let (start_a, start_b) = (balances(&alice), balances(&bob));
        let step = |alice: &mut NodeDb, bob: &mut NodeDb, step: Step, amount: i64| {
            alice.step_htlc(7, true, step, amount, "h", 100);
            bob.step_htlc(7, false, step, amount, "h", 100);
        };
        // Two parts of one payment over the same channel.
        step(&mut alice, &mut bob, Step::Add, 30_000);
        step(&mut alice, &mut bob, Step::Add, 20_000);
        assert_eq!(balances(&alice), (start_a.0 - 50_000, start_a.1), "in flight: gone from alice, not yet bob's");
        assert_eq!(balances(&bob), (start_b.0, start_b.1 - 50_000));
        assert_eq!((alice.channels[0].htlcs.len(), alice.channels[0].htlcs[0].incoming, bob.channels[0].htlcs[0].incoming), (2, false, true));

        step(&mut alice, &mut bob, Step::Settle, 30_000);
        assert_eq!(alice.channels[0].htlcs.iter().map(|h| h.amount_msat).collect::<Vec<_>>(), vec![20_000], "only the settled part resolves");
        assert_eq!(balances(&alice), (start_a.0 - 50_000, start_a.1 + 30_000));
        assert_eq!(balances(&bob), (start_b.0 + 30_000, start_b.1 - 50_000));
        step(&mut alice, &mut bob, Step::Refund, 20_000);
        assert_eq!(balances(&alice), (start_a.0 - 30_000, start_a.1 + 30_000), "the refunded part is back");
        assert_eq!(balances(&bob), (start_b.0 + 30_000, start_b.1 - 30_000));
        for (db, sent, received) in [(&alice, 30_000, 0), (&bob, 0, 30_000)] {
            let c = &db.channels[0];
            assert!(c.htlcs.is_empty());
            assert_eq!((c.sent_msat, c.received_msat, c.updates), (sent, received, 2), "a refund counts as an update, not as sent");
            assert_eq!(c.local_msat + c.remote_msat, start_a.0 + start_a.1, "nothing made or lost");
        }
        alice.step_htlc(99, true, Step::Add, 1, "h", 1);
        assert_eq!(balances(&alice), (start_a.0 - 30_000, start_a.1 + 30_000), "another channel's HTLC leaves this one alone");
    }

    #[test]
    fn a_router_sees_public_channels_private_ones_of_its_own_and_hints() {
        let [ab, ba] = open(ALICE, BOB, 1, 1_000_000, false);
        let [bc, _] = open(BOB, CAROL, 2, 500_000, true);
        let bob = db(vec![ba.clone(), bc]);
        let linked: HashSet<String> = [ALICE, CAROL].map(String::from).into();
        let seen = |me: &str| bob.edges(BOB, me, &linked).iter().map(|e| (e.chan_id, e.spendable_msat.is_some())).collect::<Vec<_>>();
        assert_eq!(seen(ALICE), vec![(1, false)], "bob's private channel to carol is not alice's to use; bob's balance is not hers to know");
        assert_eq!(seen(CAROL), vec![(1, false), (2, false)], "carol's own private channel");
        assert_eq!(seen(BOB), vec![(1, true), (2, true)], "bob knows his own balances");
        let only_alice: HashSet<String> = [ALICE.to_string()].into();
        assert_eq!(bob.edges(BOB, BOB, &only_alice).len(), 1, "carol offline: no way through her channel");
        let spendable = db(vec![ab]).edges(ALICE, ALICE, &[BOB.to_string()].into())[0].spendable_msat;
        assert_eq!(spendable, Some(ba.remote_msat - reserve(1_000_000) * 1000), "alice's balance less the reserve");

        let mut edges = bob.edges(BOB, ALICE, &linked);
        let hop = |node: &str, chan_id: u64| bolt11::HintHop {
            node_id: node.into(),
            chan_id,
            fee_base_msat: 5,
            fee_proportional_millionths: 6,
            cltv_expiry_delta: 40,
        };
        add_hint_edges(&mut edges, &[vec![hop(BOB, 2), hop(CAROL, 3)], vec![hop(BOB, 1)]], "02dd");
        let hinted: Vec<(u64, &str, &str, u32)> = edges.iter().map(|e| (e.chan_id, e.from.as_str(), e.to.as_str(), e.policy.time_lock_delta)).collect();
        assert_eq!(hinted[1..], [(2, BOB, CAROL, 40), (3, CAROL, "02dd", 40)], "a hint's hops lead to the next hint node, then the payee");
        assert_eq!(edges.len(), 3, "a hinted channel the router already knows is not added again");
    }

    #[test]
    fn each_forwarding_node_records_its_fee() {
        let hop = |chan_id: u64, amt: i64, fee: i64| Hop { chan_id, capacity: 0, pubkey: String::new(), amt_to_forward_msat: amt, fee_msat: fee, expiry: 0 };
        let route = Route {
            total_time_lock: 0,
            total_amt_msat: 0,
            total_fees_msat: 0,
            hops: vec![hop(1, 100_000, 1_100), hop(2, 100_000, 1_000), hop(3, 100_000, 0)],
            mpp: None,
        };
        let forwards = route.forwards(9);
        assert_eq!(forwards.len(), 2, "the two nodes between payer and payee");
        assert_eq!((forwards[0].chan_in, forwards[0].chan_out, forwards[0].amt_in_msat - forwards[0].amt_out_msat), (1, 2, 100));
        assert_eq!((forwards[1].chan_in, forwards[1].chan_out, forwards[1].amt_in_msat - forwards[1].amt_out_msat), (2, 3, 1_000));
        assert!(Route { hops: vec![hop(1, 5, 0)], ..route }.forwards(9).is_empty(), "a direct payment forwards nothing");
    }
}
