//! Payments: HTLCs forwarded hop by hop over the channels of the running nodes (the
//! "switch"), settled at once or held by a hold invoice until its receiver decides; lnd's
//! payment lifecycle with attempts and failure reasons; SendPaymentV2/TrackPaymentV2,
//! SendPaymentSync, keysend, QueryRoutes, BuildRoute, SendToRouteV2/SendToRouteSync and
//! ListPayments.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use futures::StreamExt;
use lnrpc::lnrpc as pb;
use lnrpc::routerrpc as rrpc;
use tokio_stream::wrappers::BroadcastStream;
use tonic::{Status, metadata::MetadataMap};

use super::htlc_events::{Failed, Notifier};
use super::invoices::hint_hops;
use super::{
    BUILD_ROUTE, LIST_PAYMENTS, NodeRpc, QUERY_ROUTES, RpcStream, SEND_PAYMENT_SYNC, SEND_PAYMENT_V2, SEND_TO_ROUTE_SYNC, SEND_TO_ROUTE_V2, TRACK_PAYMENT_V2,
};
use crate::clock::{now, now_ms, now_ns};
use world::invoices::{Accepted, Arriving, InvoiceError, KEYSEND_RECORD, Refusal};
use world::payments::{self as sim, Attempt, Failure, HopFailure, Payment, Status as PayStatus};
use world::routing::{self, Edge, Hop, HopHtlc, Query, Route};
use world::switch::Step;

/// lnd's final CLTV delta when no invoice names one: the node's time-lock delta
/// (`DefaultFinalCltvDelta`, set from `bitcoin.timelockdelta`).
const DEFAULT_FINAL_CLTV: u32 = routing::TIME_LOCK_DELTA;

/// An HTLC waiting at its payee (a part of a multi-path payment gathering, or a payment
/// to a hold invoice): who pays, which attempt, along which nodes.
pub struct Held {
    source: String,
    attempt_id: u64,
    route: Route,
}

/// What became of an HTLC sent along a route.
enum Forwarded {
    Settled(String),
    Held,
    Failed(HopFailure, u32),
}

fn route_message(r: &Route) -> pb::Route {
    let last = r.hops.len().saturating_sub(1);
    #[allow(deprecated)]
    pb::Route {
        total_time_lock: r.total_time_lock,
        total_fees: r.total_fees_msat / 1000,
        total_amt: r.total_amt_msat / 1000,
        hops: r
            .hops
            .iter()
            .enumerate()
            .map(|(i, h)| pb::Hop {
                chan_id: h.chan_id,
                chan_capacity: h.capacity,
                amt_to_forward: h.amt_to_forward_msat / 1000,
                fee: h.fee_msat / 1000,
                expiry: h.expiry,
                amt_to_forward_msat: h.amt_to_forward_msat,
                fee_msat: h.fee_msat,
                pub_key: h.pubkey.clone(),
                tlv_payload: true,
                mpp_record: r.mpp.filter(|_| i == last).map(|(addr, total)| pb::MppRecord { payment_addr: addr.to_vec(), total_amt_msat: total }),
                ..Default::default()
            })
            .collect(),
        total_fees_msat: r.total_fees_msat,
        total_amt_msat: r.total_amt_msat,
        first_hop_amount_msat: r.hops.first().map_or(0, |h| h.amt_to_forward_msat + h.fee_msat),
        custom_channel_data: vec![],
    }
}

fn route_from_message(r: &pb::Route) -> Route {
    let mpp = r.hops.last().and_then(|h| h.mpp_record.as_ref()).and_then(|m| Some((<[u8; 32]>::try_from(m.payment_addr.as_slice()).ok()?, m.total_amt_msat)));
    Route {
        mpp,
        total_time_lock: r.total_time_lock,
        total_amt_msat: r.total_amt_msat,
        total_fees_msat: r.total_fees_msat,
        hops: r
            .hops
            .iter()
            .map(|h| Hop {
                chan_id: h.chan_id,
                capacity: 0,
                pubkey: h.pub_key.clone(),
                amt_to_forward_msat: h.amt_to_forward_msat,
                fee_msat: h.fee_msat,
                expiry: h.expiry,
            })
            .collect(),
    }
}

fn status_code(s: PayStatus) -> pb::payment::PaymentStatus {
    match s {
        PayStatus::InFlight => pb::payment::PaymentStatus::InFlight,
        PayStatus::Succeeded => pb::payment::PaymentStatus::Succeeded,
        PayStatus::Failed => pb::payment::PaymentStatus::Failed,
    }
}

fn attempt_message(a: &Attempt, height: u32) -> pb::HtlcAttempt {
    let status = match a.status {
        PayStatus::InFlight => pb::htlc_attempt::HtlcStatus::InFlight,
        PayStatus::Succeeded => pb::htlc_attempt::HtlcStatus::Succeeded,
        PayStatus::Failed => pb::htlc_attempt::HtlcStatus::Failed,
    };
    pb::HtlcAttempt {
        attempt_id: a.id,
        status: status as i32,
        route: Some(route_message(&a.route)),
        attempt_time_ns: a.attempt_ns,
        resolve_time_ns: a.resolve_ns,
        failure: a.failure.map(|(code, index)| {
            let code = match code {
                HopFailure::IncorrectOrUnknownPaymentDetails => pb::failure::FailureCode::IncorrectOrUnknownPaymentDetails,
                HopFailure::TemporaryChannelFailure => pb::failure::FailureCode::TemporaryChannelFailure,
                HopFailure::UnknownNextPeer => pb::failure::FailureCode::UnknownNextPeer,
                HopFailure::MppTimeout => pb::failure::FailureCode::MppTimeout,
            };
            pb::Failure { code: code as i32, failure_source_index: index, height, ..Default::default() }
        }),
        preimage: a.preimage.as_deref().and_then(|p| hex::decode(p).ok()).unwrap_or_default(),
    }
}

#[allow(deprecated)]
pub fn payment_message(p: &Payment, height: u32) -> pb::Payment {
    let failure = match p.failure {
        None => pb::PaymentFailureReason::FailureReasonNone,
        Some(Failure::Timeout) => pb::PaymentFailureReason::FailureReasonTimeout,
        Some(Failure::NoRoute) => pb::PaymentFailureReason::FailureReasonNoRoute,
        Some(Failure::Error) => pb::PaymentFailureReason::FailureReasonError,
        Some(Failure::IncorrectPaymentDetails) => pb::PaymentFailureReason::FailureReasonIncorrectPaymentDetails,
        Some(Failure::InsufficientBalance) => pb::PaymentFailureReason::FailureReasonInsufficientBalance,
        Some(Failure::Canceled) => pb::PaymentFailureReason::FailureReasonCanceled,
    };
    pb::Payment {
        payment_hash: p.hash.clone(),
        value: p.value_msat / 1000,
        creation_date: p.created_ns / 1_000_000_000,
        fee: p.fee_msat / 1000,
        // lnd reports an all-zero preimage until the payment succeeds.
        payment_preimage: p.preimage.clone().unwrap_or_else(|| "0".repeat(64)),
        value_sat: p.value_msat / 1000,
        value_msat: p.value_msat,
        payment_request: p.payment_request.clone(),
        status: status_code(p.status) as i32,
        fee_sat: p.fee_msat / 1000,
        fee_msat: p.fee_msat,
        creation_time_ns: p.created_ns,
        htlcs: p.attempts.iter().map(|a| attempt_message(a, height)).collect(),
        payment_index: p.index,
        failure_reason: failure as i32,
        first_hop_custom_records: Default::default(),
    }
}

/// What a payment is: from an invoice or spontaneous (keysend), already checked.
struct PaySpec {
    hash: String,
    dest: String,
    amount_msat: i64,
    final_cltv: u32,
    payment_addr: Option<[u8; 32]>,
    /// The payee takes multi-path payments (its invoice's feature bits, and an address).
    splittable: bool,
    /// SendPaymentV2's max_parts (lnd maps 0 to 1) and max_shard_size_msat (0: none).
    max_parts: u32,
    max_shard_msat: i64,
    payment_request: String,
    fee_limit_msat: i64,
    outgoing: Option<u64>,
    last_hop: Option<String>,
    records: BTreeMap<u64, Vec<u8>>,
    hints: Vec<Vec<bolt11::HintHop>>,
    allow_self: bool,
    /// How long lnd may keep launching attempts (SendPaymentV2's timeout_seconds; the
    /// legacy calls use lnd's 60 s).
    timeout_ms: u64,
}

/// lnd's `DefaultPayAttemptTimeout` for SendPaymentSync and SendToRouteSync, and for
/// SendPaymentV2 without timeout_seconds.
const LEGACY_TIMEOUT_MS: u64 = 60_000;
const DEFAULT_TIMEOUT_MS: u64 = LEGACY_TIMEOUT_MS;
/// A payment without a deadline: it ends when its attempts do (a year stands for never).
const NO_DEADLINE_MS: u64 = 365 * 24 * 3600 * 1000;
/// routerrpc's DefaultMaxParts.
const DEFAULT_MAX_PARTS: u32 = 16;

fn pubkey_hex(bytes: &[u8]) -> Result<String, Status> {
    // route.NewVertexFromBytes checks the length only.
    if bytes.len() != 33 {
        return Err(Status::unknown(format!("invalid vertex length of {}, want 33", bytes.len())));
    }
    bitcoin::secp256k1::PublicKey::from_slice(bytes).map(|k| k.to_string()).map_err(|e| Status::unknown(format!("unable to parse pubkey: {e}")))
}

/// lnrpc.UnmarshallAmt.
fn msat(sat: i64, msat: i64) -> Result<i64, Status> {
    if sat != 0 && msat != 0 {
        return Err(Status::unknown("sat and msat arguments are mutually exclusive"));
    }
    if sat < 0 || msat < 0 {
        return Err(Status::unknown("amount cannot be negative"));
    }
    Ok(if msat != 0 { msat } else { sat.saturating_mul(1000) })
}

impl NodeRpc {
    pub(super) fn height(&self) -> u32 {
        self.ledger.read(|c| c.tip().height)
    }

    fn emit_payment(&self, p: &Payment) {
        let _ = self.payment_events.send(payment_message(p, self.height()));
    }

    /// Every usable channel direction in the network, as the router sees it from here: our
    /// own spendable balances, the others' capacities; private channels only where they
    /// touch us (ours, or the payee's through its route hints).
    fn graph(&self, hints: &[Vec<bolt11::HintHop>], dest: &str) -> Vec<Edge> {
        let me = self.identity_pubkey();
        let mut edges = Vec::new();
        for node in self.switchboard.running() {
            let from = node.identity_pubkey();
            if from.is_empty() {
                continue;
            }
            let linked: HashSet<String> = node.peers.lock().expect("peers lock").keys().cloned().collect();
            edges.extend(node.channels().edges(&from, &me, &linked));
        }
        world::switch::add_hint_edges(&mut edges, hints, dest);
        edges
    }

    /// The switch: adds the HTLC on every hop (each sender keeping its channel reserve),
    /// hands it to the payee, then settles back or waits there. Whole routes are handled
    /// under the network's switch lock, so concurrent payments see consistent balances.
    fn forward(&self, route: &Route, hash: &str, records: &BTreeMap<u64, Vec<u8>>, attempt_id: u64) -> Forwarded {
        let _switch = self.switchboard.switch.lock().expect("switch lock");
        let me = self.identity_pubkey();
        let path: Vec<Arc<NodeRpc>> = route.hops.iter().map_while(|hop| self.switchboard.find(&hop.pubkey)).collect();
        let nodes: Vec<&NodeRpc> = std::iter::once(self).chain(path.iter().map(|n| n.as_ref())).collect();
        let events = Notifier { nodes: &nodes, route, id: attempt_id };
        let refuse = |at: usize, why: HopFailure| {
            events.forwarded(at);
            events.failed(at, Failed::Outgoing(why));
            Forwarded::Failed(why, at as u32)
        };
        // Check every hop before touching any balance.
        for (i, hop) in route.hops.iter().enumerate() {
            let Some(to) = nodes.get(i + 1) else { return refuse(i, HopFailure::UnknownNextPeer) };
            let amount = hop.amt_to_forward_msat + hop.fee_msat;
            let (from, to_key) = (nodes[i], to.identity_pubkey());
            let linked = from.peers.lock().expect("peers lock").contains_key(&to_key);
            let failure = from.channels().outgoing_failure(hop.chan_id, &to_key, linked, amount);
            if let Some(why) = failure {
                return refuse(i, why);
            }
        }
        let last = route.hops.len() as u32;
        let payee = nodes[last as usize];
        let last_htlc = route.htlcs().last();
        let arriving = Arriving {
            chan_id: last_htlc.map_or(0, |h| h.chan_id),
            htlc_index: attempt_id,
            amount_msat: route.receiver_msat(),
            expiry_height: last_htlc.map_or(0, |h| h.expiry),
            mpp: route.mpp,
            keysend: records.contains_key(&KEYSEND_RECORD),
            custom_records: records.iter().map(|(k, v)| (*k, hex::encode(v))).collect(),
        };
        events.forwarded(last as usize);
        let accepted = match payee.receive(hash, arriving, self.height()) {
            Ok(accepted) => accepted,
            Err(refusal) => {
                events.failed(last as usize, Failed::Invoice(refusal));
                if refusal.fails_the_set() {
                    self.resolve_waiting(hash, Err(refusal));
                }
                return Forwarded::Failed(HopFailure::IncorrectOrUnknownPaymentDetails, last);
            }
        };
        for (i, htlc) in route.htlcs().enumerate() {
            move_htlc(nodes[i], nodes[i + 1], htlc, hash, Step::Add);
        }
        for n in &nodes {
            n.persist_later();
        }
        match accepted {
            Accepted::Settled { preimage } => {
                settle_route(&nodes, route, hash, Step::Settle);
                events.settled(&preimage);
                // The parts that waited for this one settle with it.
                self.resolve_waiting(hash, Ok(&preimage));
                Forwarded::Settled(preimage)
            }
            Accepted::Held | Accepted::Partial => {
                self.switchboard.held.lock().expect("held lock").entry(hash.to_string()).or_default().push(Held {
                    source: me,
                    attempt_id,
                    route: route.clone(),
                });
                Forwarded::Held
            }
        }
    }

    /// The payee's side of an arriving HTLC: an invoice (or a keysend) accepts it, or not.
    fn receive(&self, hash: &str, htlc: Arriving, height: u32) -> Result<Accepted, Refusal> {
        let mut db = self.channels();
        // lnd tells subscribers of a keysend's invoice as it is added, open, then settled.
        if let Some(added) = db.invoices.add_keysend(hash, &htlc, height, now())? {
            self.invoice_events.send(super::invoices::invoice_message(&added));
        }
        let (accepted, invoice) = match db.invoices.accept(hash, htlc, height, now_ms()) {
            Ok(done) => done,
            Err(InvoiceError::Refused(r)) if r.fails_the_set() => {
                // The parts that were waiting are canceled on the invoice too.
                let invoice = db.invoices.get(hash).cloned();
                drop(db);
                if let Some(i) = invoice {
                    self.persist_later();
                    self.invoice_events.send(super::invoices::invoice_message(&i));
                }
                return Err(r);
            }
            Err(InvoiceError::Refused(r)) => return Err(r),
            Err(_) => return Err(Refusal::NotFound),
        };
        drop(db);
        self.invoice_events.send(super::invoices::invoice_message(&invoice));
        Ok(accepted)
    }

    /// One waiting HTLC resolves: settled with the preimage, or failed back by the payee's
    /// invoice registry; the HTLCs along its route follow, and its payer learns the outcome.
    fn resolve_part(&self, part: Held, hash: &str, outcome: Result<&str, Refusal>) {
        let Some(source) = self.switchboard.find(&part.source) else { return };
        let mut path: Vec<Arc<NodeRpc>> = vec![Arc::clone(&source)];
        for hop in &part.route.hops {
            match self.switchboard.find(&hop.pubkey) {
                Some(n) => path.push(n),
                None => return,
            }
        }
        let nodes: Vec<&NodeRpc> = path.iter().map(|n| n.as_ref()).collect();
        settle_route(&nodes, &part.route, hash, if outcome.is_ok() { Step::Settle } else { Step::Refund });
        let events = Notifier { nodes: &nodes, route: &part.route, id: part.attempt_id };
        let last = part.route.hops.len() as u32;
        match outcome {
            Ok(preimage) => events.settled(preimage),
            Err(refusal) => events.failed(last as usize, Failed::Invoice(refusal)),
        }
        source.update_payment(hash, |p| match outcome {
            Ok(preimage) => p.settle(part.attempt_id, preimage, now_ns()),
            Err(Refusal::MppTimeout) => {
                p.fail_attempt(part.attempt_id, HopFailure::MppTimeout, last, now_ns());
                p.fail(p.failure.unwrap_or(Failure::Error));
            }
            Err(_) => {
                p.fail_attempt(part.attempt_id, HopFailure::IncorrectOrUnknownPaymentDetails, last, now_ns());
                p.fail(Failure::IncorrectPaymentDetails);
            }
        });
    }

    /// The receiver settled (with the preimage) or canceled a hold invoice: every HTLC
    /// waiting for it resolves.
    pub(super) fn resolve_held(&self, hash: &str, preimage: Option<&str>) {
        let _switch = self.switchboard.switch.lock().expect("switch lock");
        self.resolve_waiting(hash, preimage.ok_or(Refusal::Canceled));
    }

    /// Every HTLC waiting at its payee for `hash` resolves with `outcome`. The caller holds
    /// the switch lock.
    fn resolve_waiting(&self, hash: &str, outcome: Result<&str, Refusal>) {
        let waiting = self.switchboard.held.lock().expect("held lock").remove(hash).unwrap_or_default();
        for part in waiting {
            self.resolve_part(part, hash, outcome);
        }
    }

    /// Parts of a multi-path payment that waited too long (their HTLC indexes, which are
    /// their attempt ids) fail back to their payer with MPP_TIMEOUT.
    pub(super) fn fail_parts(&self, hash: &str, attempt_ids: &[u64]) {
        let _switch = self.switchboard.switch.lock().expect("switch lock");
        let parts: Vec<Held> = {
            let mut held = self.switchboard.held.lock().expect("held lock");
            let Some(waiting) = held.get_mut(hash) else { return };
            let (gone, kept): (Vec<Held>, Vec<Held>) = std::mem::take(waiting).into_iter().partition(|h| attempt_ids.contains(&h.attempt_id));
            *waiting = kept;
            if waiting.is_empty() {
                held.remove(hash);
            }
            gone
        };
        for part in parts {
            self.resolve_part(part, hash, Err(Refusal::MppTimeout));
        }
    }

    /// How long a partial multi-path payment waits at this node for its other parts.
    pub fn set_mpp_timeout(&self, timeout: std::time::Duration) {
        self.mpp_timeout_ms.store(timeout.as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    pub(super) fn mpp_timeout_ms(&self) -> u64 {
        self.mpp_timeout_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn update_payment(&self, hash: &str, f: impl FnOnce(&mut Payment)) -> Option<Payment> {
        let updated = {
            let mut db = self.channels();
            let p = db.payments.iter_mut().find(|p| p.hash == hash)?;
            f(p);
            p.clone()
        };
        self.persist_later();
        self.emit_payment(&updated);
        Some(updated)
    }

    /// lnd's payment lifecycle: register the payment (refusing a paid or in-flight hash),
    /// then send HTLCs along routes until the payee has the whole amount (settled, or held),
    /// it refuses, no route is left, or the timeout has passed (no new attempt after it).
    /// When no route carries what is left and the payee takes multi-path payments, the
    /// amount is halved (lnd's payment session) down to 10,000 sat, in at most max_parts
    /// parts; the parts wait at the payee until the last one arrives.
    fn pay(&self, spec: PaySpec) -> Result<Payment, Status> {
        let me = self.identity_pubkey();
        if spec.dest == me && !spec.allow_self {
            return Err(Status::unknown("self-payments not allowed"));
        }
        self.register_payment(&spec.hash, spec.amount_msat, &spec.payment_request, &spec.dest, false)?;
        let mut current = self.update_payment(&spec.hash, |_| {}).expect("just registered");
        let mut edges = self.graph(&spec.hints, &spec.dest);
        let height = self.height();
        let query = Query {
            source: me.clone(),
            target: spec.dest.clone(),
            amount_msat: spec.amount_msat,
            final_cltv: spec.final_cltv,
            fee_limit_msat: spec.fee_limit_msat,
            outgoing_chan_id: spec.outgoing,
            last_hop: spec.last_hop.clone(),
            excluded: HashSet::new(),
            max_hops: 0,
        };
        let limits = sim::Limits {
            amount_msat: spec.amount_msat,
            fee_limit_msat: spec.fee_limit_msat,
            max_shard_msat: spec.max_shard_msat,
            splittable: spec.splittable,
            max_parts: spec.max_parts,
            timeout_ms: spec.timeout_ms,
            payment_addr: spec.payment_addr,
        };
        let mut session = sim::Session::new(query, limits);
        loop {
            let route = match session.next_route(&current, &edges, height) {
                Ok(Some(route)) => route,
                Ok(None) => return Ok(current),
                Err(why) => return Ok(self.update_payment(&spec.hash, |p| p.fail(why)).expect("registered")),
            };
            let attempt_id = self.next_attempt();
            current = self
                .update_payment(&spec.hash, |p| {
                    p.attempts.push(Attempt {
                        id: attempt_id,
                        status: PayStatus::InFlight,
                        route: route.clone(),
                        attempt_ns: now_ns(),
                        resolve_ns: 0,
                        failure: None,
                        preimage: None,
                    })
                })
                .expect("registered");
            match self.forward(&route, &spec.hash, &spec.records, attempt_id) {
                Forwarded::Settled(preimage) => return Ok(self.update_payment(&spec.hash, |p| p.settle(attempt_id, &preimage, now_ns())).expect("registered")),
                Forwarded::Held => {
                    // This part's HTLCs are out: our balances and the others' have changed.
                    edges = self.graph(&spec.hints, &spec.dest);
                }
                Forwarded::Failed(why, index) => {
                    current = self
                        .update_payment(&spec.hash, |p| {
                            p.fail_attempt(attempt_id, why, index, now_ns());
                            if why == HopFailure::IncorrectOrUnknownPaymentDetails {
                                p.fail(Failure::IncorrectPaymentDetails);
                            }
                        })
                        .expect("registered");
                    if why == HopFailure::IncorrectOrUnknownPaymentDetails {
                        return Ok(current);
                    }
                    let held_ms = route.hops.iter().filter_map(|h| self.switchboard.find(&h.pubkey)).map(|n| n.htlc_hold_ms()).max().unwrap_or(0);
                    session.attempt_failed(&route, index, held_ms);
                }
            }
        }
    }

    /// lnd's payment control (see `world::payments::register`); routerrpc answers its
    /// refusals as AlreadyExists, and the sync calls carry the words in payment_error.
    fn register_payment(&self, hash: &str, value_msat: i64, request: &str, dest: &str, join_in_flight: bool) -> Result<(), Status> {
        let new = sim::NewPayment { hash, value_msat, payment_request: request, dest, created_ns: now_ns() };
        sim::register(&mut self.channels().payments, new, join_in_flight).map_err(|r| Status::already_exists(r.words()))
    }

    /// How long this node holds an HTLC before passing it on or failing it back: a slow or
    /// overloaded hop (a fault tests switch on; 0 normally).
    pub fn set_htlc_hold(&self, hold: std::time::Duration) {
        self.htlc_hold_ms.store(hold.as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    fn htlc_hold_ms(&self) -> u64 {
        self.htlc_hold_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn next_attempt(&self) -> u64 {
        self.switchboard.attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
    }

    /// A payment request or a keysend, as both SendPaymentV2 and SendPaymentSync describe it.
    #[allow(clippy::too_many_arguments)]
    fn pay_spec(
        &self,
        payment_request: &str,
        dest: &[u8],
        amt_msat: i64,
        payment_hash: &[u8],
        final_cltv: i32,
        records: BTreeMap<u64, Vec<u8>>,
        payment_addr: &[u8],
    ) -> Result<PaySpec, Status> {
        if !payment_request.is_empty() {
            let r = bolt11::decode_for(payment_request, crate::store::NETWORK).map_err(Status::unknown)?;
            let until = r.timestamp.saturating_add(r.expiry);
            if until < now() {
                return Err(Status::unknown(format!("invoice expired. Valid until {}", time_text(until))));
            }
            let amount_msat = match (r.amount_msat, amt_msat) {
                (0, 0) => return Err(Status::unknown("amount must be specified when paying a zero amount invoice")),
                (0, a) => a,
                (_, a) if a != 0 => return Err(Status::unknown("amount must not be specified when paying a non-zero amount invoice")),
                (a, _) => a,
            };
            return Ok(PaySpec {
                hash: hex::encode(r.payment_hash),
                dest: r.destination,
                amount_msat,
                final_cltv: r.cltv_expiry as u32,
                payment_addr: r.payment_addr,
                // The invoice's multi-path bit, optional (17) or required (16).
                splittable: r.features.iter().any(|b| matches!(b, 16 | 17)),
                max_parts: 1,
                max_shard_msat: 0,
                payment_request: payment_request.trim().to_string(),
                fee_limit_msat: 0,
                outgoing: None,
                last_hop: None,
                records,
                hints: r.route_hints,
                allow_self: false,
                timeout_ms: LEGACY_TIMEOUT_MS,
            });
        }
        let dest = pubkey_hex(dest)?;
        if amt_msat == 0 {
            return Err(Status::unknown("amount must be specified"));
        }
        if payment_hash.len() != 32 {
            return Err(Status::unknown(format!("invalid hash length of {}, want 32", payment_hash.len())));
        }
        Ok(PaySpec {
            hash: hex::encode(payment_hash),
            dest,
            amount_msat: amt_msat,
            final_cltv: if final_cltv > 0 { final_cltv as u32 } else { DEFAULT_FINAL_CLTV },
            payment_addr: <[u8; 32]>::try_from(payment_addr).ok(),
            splittable: false,
            max_parts: 1,
            max_shard_msat: 0,
            payment_request: String::new(),
            fee_limit_msat: 0,
            outgoing: None,
            last_hop: None,
            records,
            hints: vec![],
            allow_self: false,
            timeout_ms: LEGACY_TIMEOUT_MS,
        })
    }

    /// A payment's updates from now on, ending with its final state.
    fn payment_updates(&self, hash: String, inflight: bool) -> impl futures::Stream<Item = pb::Payment> + Send + 'static {
        let terminal = |p: &pb::Payment| p.status != pb::payment::PaymentStatus::InFlight as i32;
        let updates = BroadcastStream::new(self.payment_events.subscribe())
            .filter_map(move |e| futures::future::ready(e.ok().filter(|p| p.payment_hash == hash)))
            .filter(move |p| futures::future::ready(inflight || terminal(p)));
        super::through(Box::pin(updates), terminal)
    }

    pub fn send_payment_v2(self: &Arc<Self>, md: &MetadataMap, req: rrpc::SendPaymentRequest) -> Result<RpcStream<pb::Payment>, Status> {
        self.authorize(md, &SEND_PAYMENT_V2)?;
        // router_backend.go extractIntentFromSendRequest's order: the fee limit, then the
        // amount, then what cannot come with a payment request.
        let fee_limit_msat = msat(req.fee_limit_sat, req.fee_limit_msat)?;
        let amt = msat(req.amt, req.amt_msat)?;
        if !req.payment_request.is_empty() {
            if !req.dest.is_empty() {
                return Err(Status::unknown("dest and payment_request cannot appear together"));
            }
            if !req.payment_hash.is_empty() {
                return Err(Status::unknown("payment_hash and payment_request cannot appear together"));
            }
            if req.final_cltv_delta != 0 {
                return Err(Status::unknown("final_cltv_delta and payment_request cannot appear together"));
            }
        }
        let mut spec = self.pay_spec(
            &req.payment_request,
            &req.dest,
            amt,
            &req.payment_hash,
            req.final_cltv_delta,
            req.dest_custom_records.into_iter().collect(),
            &req.payment_addr,
        )?;
        // The router pays an invoice only with its payment address (routerrpc's
        // extractIntentFromSendRequest); the legacy SendPaymentSync goes on without one.
        if !req.payment_request.is_empty() && spec.payment_addr.is_none() {
            return Err(Status::unknown("payment request must contain either a payment address or blinded paths"));
        }
        spec.fee_limit_msat = fee_limit_msat;
        #[allow(deprecated)]
        let outgoing = req.outgoing_chan_ids.first().copied().or((req.outgoing_chan_id != 0).then_some(req.outgoing_chan_id));
        spec.outgoing = outgoing;
        spec.last_hop = (!req.last_hop_pubkey.is_empty()).then(|| pubkey_hex(&req.last_hop_pubkey)).transpose()?;
        spec.allow_self = req.allow_self_payment;
        // An unset timeout is lnd's default of 60 s (router_server.go's
        // DefaultPaymentTimeout), not an error; lnd sets no deadline at all for a negative
        // one (the payment lifecycle arms its timer only for a positive timeout).
        spec.timeout_ms = match req.timeout_seconds {
            0 => DEFAULT_TIMEOUT_MS,
            t if t < 0 => NO_DEADLINE_MS,
            t => t as u64 * 1000,
        };
        // router_backend.go: an unset max_parts is DefaultMaxParts (16).
        spec.max_parts = if req.max_parts == 0 { DEFAULT_MAX_PARTS } else { req.max_parts };
        spec.max_shard_msat = req.max_shard_size_msat as i64;
        spec.hints.extend(hint_hops(&req.route_hints));
        let hash = spec.hash.clone();
        let updates = self.payment_updates(hash, !req.no_inflight_updates);
        self.pay(spec)?;
        Ok(Box::pin(updates.map(Ok)))
    }

    pub fn track_payment_v2(&self, md: &MetadataMap, req: rrpc::TrackPaymentRequest) -> Result<RpcStream<pb::Payment>, Status> {
        self.authorize(md, &TRACK_PAYMENT_V2)?;
        if req.payment_hash.len() != 32 {
            return Err(Status::unknown(format!("invalid hash length of {}, want 32", req.payment_hash.len())));
        }
        let hash = hex::encode(&req.payment_hash);
        let updates = self.payment_updates(hash.clone(), !req.no_inflight_updates);
        let current = self.channels().payments.iter().find(|p| p.hash == hash).cloned().ok_or_else(|| Status::not_found("payment isn't initiated"))?;
        let first = payment_message(&current, self.height());
        if current.status != PayStatus::InFlight {
            return Ok(Box::pin(futures::stream::iter([Ok(first)])));
        }
        let head = (!req.no_inflight_updates).then_some(first);
        Ok(Box::pin(futures::stream::iter(head).chain(updates).map(Ok)))
    }

    /// Waits for a held payment's outcome when the call must answer with it.
    async fn settled(self: &Arc<Self>, p: Payment) -> Payment {
        if p.status != PayStatus::InFlight {
            return p;
        }
        let mut updates = std::pin::pin!(self.payment_updates(p.hash.clone(), false));
        let current = self.channels().payments.iter().find(|x| x.hash == p.hash).cloned().unwrap_or(p);
        if current.status != PayStatus::InFlight {
            return current;
        }
        updates.next().await;
        self.channels().payments.iter().find(|x| x.hash == current.hash).cloned().unwrap_or(current)
    }

    fn send_response(&self, p: &Payment) -> pb::SendResponse {
        let route = p.attempts.iter().find(|a| a.status == PayStatus::Succeeded).map(|a| route_message(&a.route));
        pb::SendResponse {
            payment_error: p.failure.map(|f| f.words().to_string()).unwrap_or_default(),
            payment_preimage: p.preimage.as_deref().and_then(|x| hex::decode(x).ok()).unwrap_or_default(),
            payment_route: route,
            payment_hash: hex::decode(&p.hash).unwrap_or_default(),
        }
    }

    #[allow(deprecated)]
    pub async fn send_payment_sync(self: &Arc<Self>, md: MetadataMap, req: pb::SendRequest) -> Result<pb::SendResponse, Status> {
        self.authorize(&md, &SEND_PAYMENT_SYNC)?;
        let dest = if req.dest.is_empty() && !req.dest_string.is_empty() { hex::decode(&req.dest_string).unwrap_or_default() } else { req.dest.clone() };
        let hash = if req.payment_hash.is_empty() && !req.payment_hash_string.is_empty() {
            hex::decode(&req.payment_hash_string).unwrap_or_default()
        } else {
            req.payment_hash.clone()
        };
        let amt = msat(req.amt, req.amt_msat)?;
        let mut spec =
            self.pay_spec(&req.payment_request, &dest, amt, &hash, req.final_cltv_delta, req.dest_custom_records.into_iter().collect(), &req.payment_addr)?;
        spec.fee_limit_msat = fee_limit(req.fee_limit.as_ref(), spec.amount_msat);
        spec.outgoing = (req.outgoing_chan_id != 0).then_some(req.outgoing_chan_id);
        spec.last_hop = (!req.last_hop_pubkey.is_empty()).then(|| pubkey_hex(&req.last_hop_pubkey)).transpose()?;
        spec.allow_self = req.allow_self_payment;
        let hash = spec.hash.clone();
        let p = match self.pay(spec) {
            Ok(p) => p,
            Err(e) => return sync_refusal(e, &hex::decode(&hash).unwrap_or_default()),
        };
        let done = self.settled(p).await;
        Ok(self.send_response(&done))
    }

    pub fn list_payments(&self, md: &MetadataMap, req: pb::ListPaymentsRequest) -> Result<pb::ListPaymentsResponse, Status> {
        self.authorize(md, &LIST_PAYMENTS)?;
        let (start, end) = (req.creation_date_start, req.creation_date_end);
        if start != 0 && end != 0 && start >= end {
            return Err(Status::unknown(format!("start date({start}) must be before end date({end})")));
        }
        let height = self.height();
        let db = self.channels();
        let page = sim::page(&db.payments, req.include_incomplete, req.index_offset, req.max_payments, req.reversed, (start, end));
        Ok(pb::ListPaymentsResponse {
            first_index_offset: page.first().map_or(0, |p| p.index),
            last_index_offset: page.last().map_or(0, |p| p.index),
            total_num_payments: if req.count_total_payments { db.payments.len() as u64 } else { 0 },
            payments: page.into_iter().map(|p| payment_message(p, height)).collect(),
        })
    }

    #[allow(deprecated)]
    pub fn query_routes(&self, md: &MetadataMap, req: pb::QueryRoutesRequest) -> Result<pb::QueryRoutesResponse, Status> {
        self.authorize(md, &QUERY_ROUTES)?;
        let target = pubkey_hex(&hex::decode(&req.pub_key).map_err(|e| Status::unknown(format!("unable to decode pubkey: {e}")))?)?;
        let amount_msat = msat(req.amt, req.amt_msat)?;
        if amount_msat <= 0 {
            return Err(Status::unknown("amount must be greater than 0"));
        }
        let me = self.identity_pubkey();
        let outgoing = req.outgoing_chan_ids.first().copied().or((req.outgoing_chan_id != 0).then_some(req.outgoing_chan_id));
        let hints = hint_hops(&req.route_hints);
        let query = Query {
            source: if req.source_pub_key.is_empty() { me } else { req.source_pub_key.clone() },
            target: target.clone(),
            amount_msat,
            final_cltv: if req.final_cltv_delta > 0 { req.final_cltv_delta as u32 } else { DEFAULT_FINAL_CLTV },
            fee_limit_msat: fee_limit(req.fee_limit.as_ref(), amount_msat),
            outgoing_chan_id: outgoing,
            last_hop: (!req.last_hop_pubkey.is_empty()).then(|| pubkey_hex(&req.last_hop_pubkey)).transpose()?,
            excluded: HashSet::new(),
            max_hops: 0,
        };
        let route =
            routing::find_route(&self.graph(&hints, &target), &query, self.height()).map_err(|_| Status::unknown("unable to find a path to destination"))?;
        Ok(pb::QueryRoutesResponse { routes: vec![route_message(&route)], success_prob: 1.0 })
    }

    pub fn build_route(&self, md: &MetadataMap, req: rrpc::BuildRouteRequest) -> Result<rrpc::BuildRouteResponse, Status> {
        self.authorize(md, &BUILD_ROUTE)?;
        let nodes = req.hop_pubkeys.iter().map(|k| pubkey_hex(k)).collect::<Result<Vec<_>, _>>()?;
        let amount = if req.amt_msat > 0 { req.amt_msat } else { 1_000 };
        let final_cltv = if req.final_cltv_delta > 0 { req.final_cltv_delta as u32 } else { DEFAULT_FINAL_CLTV };
        let target = nodes.last().cloned().unwrap_or_default();
        let outgoing = (req.outgoing_chan_id != 0).then_some(req.outgoing_chan_id);
        let route = routing::build_route(&self.graph(&[], &target), &self.identity_pubkey(), &nodes, amount, final_cltv, outgoing, self.height())
            .map_err(|e| Status::unknown(e.to_string()))?;
        let mut msg = route_message(&route);
        if let (Some(last), true) = (msg.hops.last_mut(), req.payment_addr.len() == 32) {
            last.mpp_record = Some(pb::MppRecord { payment_addr: req.payment_addr.clone(), total_amt_msat: amount });
        }
        Ok(rrpc::BuildRouteResponse { route: Some(msg) })
    }

    /// One HTLC along the caller's route, registered as a payment (a part of it when the
    /// route's MPP record announces a larger total); answers when this HTLC resolves.
    async fn send_to_route(self: &Arc<Self>, hash: Vec<u8>, route: Option<pb::Route>) -> Result<(Payment, u64), Status> {
        // router_server.go SendToRouteV2 / rpcserver.go: the route, its hops, then the hash.
        let route = route.ok_or_else(|| Status::unknown("unable to send, no routes provided"))?;
        if route.hops.is_empty() {
            return Err(Status::unknown("empty route hops provided"));
        }
        if hash.len() != 32 {
            return Err(Status::unknown(format!("invalid hash length of {}, want 32", hash.len())));
        }
        let hash = hex::encode(hash);
        let sim_route = route_from_message(&route);
        let dest = sim_route.hops.last().map(|h| h.pubkey.clone()).unwrap_or_default();
        let records: BTreeMap<u64, Vec<u8>> = route.hops.last().map(|h| h.custom_records.clone().into_iter().collect()).unwrap_or_default();
        let value = sim_route.mpp.map_or(sim_route.receiver_msat(), |(_, total)| total);
        self.register_payment(&hash, value, "", &dest, true)?;
        let attempt_id = self.next_attempt();
        let updates = self.payment_updates(hash.clone(), true);
        self.update_payment(&hash, |p| {
            p.attempts.push(Attempt {
                id: attempt_id,
                status: PayStatus::InFlight,
                route: sim_route.clone(),
                attempt_ns: now_ns(),
                resolve_ns: 0,
                failure: None,
                preimage: None,
            })
        });
        let p = match self.forward(&sim_route, &hash, &records, attempt_id) {
            Forwarded::Settled(preimage) => self.update_payment(&hash, |p| p.settle(attempt_id, &preimage, now_ns())),
            Forwarded::Held => self.channels().payments.iter().find(|p| p.hash == hash).cloned(),
            Forwarded::Failed(why, index) => self.update_payment(&hash, |p| {
                p.fail_attempt(attempt_id, why, index, now_ns());
                p.fail(if why == HopFailure::IncorrectOrUnknownPaymentDetails { Failure::IncorrectPaymentDetails } else { Failure::NoRoute });
            }),
        }
        .expect("registered");
        let resolved = |p: &Payment| p.attempts.iter().any(|a| a.id == attempt_id && a.status != PayStatus::InFlight);
        if resolved(&p) {
            return Ok((p, attempt_id));
        }
        // A held payment or a part waiting for the others: wait for this HTLC's outcome.
        let mut updates = std::pin::pin!(updates);
        while updates.next().await.is_some() {
            let now = self.channels().payments.iter().find(|x| x.hash == hash).cloned().expect("registered");
            if resolved(&now) {
                return Ok((now, attempt_id));
            }
        }
        Ok((p, attempt_id))
    }

    pub async fn send_to_route_v2(self: &Arc<Self>, md: MetadataMap, req: rrpc::SendToRouteRequest) -> Result<pb::HtlcAttempt, Status> {
        self.authorize(&md, &SEND_TO_ROUTE_V2)?;
        let (p, attempt_id) = self.send_to_route(req.payment_hash, req.route).await?;
        let attempt = p.attempts.iter().find(|a| a.id == attempt_id).expect("this attempt");
        Ok(attempt_message(attempt, self.height()))
    }

    #[allow(deprecated)]
    pub async fn send_to_route_sync(self: &Arc<Self>, md: MetadataMap, req: pb::SendToRouteRequest) -> Result<pb::SendResponse, Status> {
        self.authorize(&md, &SEND_TO_ROUTE_SYNC)?;
        let hash = if req.payment_hash.is_empty() { hex::decode(&req.payment_hash_string).unwrap_or_default() } else { req.payment_hash };
        let (p, _) = match self.send_to_route(hash.clone(), req.route).await {
            Ok(done) => done,
            Err(e) => return sync_refusal(e, &hash),
        };
        Ok(self.send_response(&p))
    }
}

/// lnd's dispatchPaymentIntent hands the payment control's refusals back as payment_error
/// of a successful answer ("invoice is already paid", "payment is in transition"), not as
/// the call's error; other errors stay errors.
fn sync_refusal(e: Status, hash: &[u8]) -> Result<pb::SendResponse, Status> {
    if e.code() != tonic::Code::AlreadyExists {
        return Err(e);
    }
    Ok(pb::SendResponse { payment_error: e.message().to_string(), payment_hash: hash.to_vec(), ..Default::default() })
}

/// lnd's FeeLimit: a fixed amount or a percentage; none means no limit.
fn fee_limit(limit: Option<&pb::FeeLimit>, amount_msat: i64) -> i64 {
    use pb::fee_limit::Limit;
    match limit.and_then(|l| l.limit) {
        Some(Limit::Fixed(sat)) => sat * 1000,
        Some(Limit::FixedMsat(m)) => m,
        Some(Limit::Percent(p)) => amount_msat * p / 100,
        None => i64::MAX,
    }
}

fn time_text(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// A route's HTLCs, already added on every hop, settle (each forwarding node recording
/// its forward) or are refunded.
fn settle_route(nodes: &[&NodeRpc], route: &Route, hash: &str, step: Step) {
    for (i, htlc) in route.htlcs().enumerate() {
        move_htlc(nodes[i], nodes[i + 1], htlc, hash, step);
    }
    if step == Step::Settle {
        for (node, forward) in nodes.iter().skip(1).zip(route.forwards(now_ns())) {
            node.channels().forwards.push(forward);
        }
    }
    for n in nodes {
        n.persist_later();
    }
}

/// One hop's HTLC moving between `from` and `to` over `chan_id`, on both records.
fn move_htlc(from: &NodeRpc, to: &NodeRpc, htlc: HopHtlc, hash: &str, step: Step) {
    for (node, outgoing) in [(from, true), (to, false)] {
        node.channels().step_htlc(htlc.chan_id, outgoing, step, htlc.amount_msat, hash, htlc.expiry);
    }
}
