//! One node's outgoing payments (kept in lnd's channel database): each with its HTLC
//! attempts, final status and failure reason, numbered by lnd's payment index.

use serde::{Deserialize, Serialize};

use super::routing::{self, Edge, Query, Route, RouteError};

/// Failed attempts before a payment gives up with "no route".
pub const MAX_ATTEMPTS: usize = 10;
/// lnd's `DefaultShardMinAmt`: a multi-path payment does not split below 10,000 sat.
pub const MIN_SHARD_MSAT: i64 = 10_000_000;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Status {
    InFlight,
    Succeeded,
    Failed,
}

/// lnd's `PaymentFailureReason`, with its `String()` wording (what SendPaymentSync
/// reports in `payment_error`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Failure {
    Timeout = 1,
    NoRoute = 2,
    Error = 3,
    IncorrectPaymentDetails = 4,
    InsufficientBalance = 5,
    Canceled = 6,
}

impl Failure {
    pub fn words(self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::NoRoute => "no_route",
            Failure::Error => "error",
            Failure::IncorrectPaymentDetails => "incorrect_payment_details",
            Failure::InsufficientBalance => "insufficient_balance",
            Failure::Canceled => "canceled",
        }
    }
}

/// Why a hop refused an HTLC (BOLT 4 failure codes as lnd's `Failure.FailureCode`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum HopFailure {
    IncorrectOrUnknownPaymentDetails = 1,
    TemporaryChannelFailure = 15,
    UnknownNextPeer = 18,
    /// A part of a multi-path payment waited at the payee for the rest until it gave up.
    MppTimeout = 23,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attempt {
    pub id: u64,
    pub status: Status,
    pub route: Route,
    pub attempt_ns: i64,
    pub resolve_ns: i64,
    /// The failure and the index of the hop that reported it (0 = this node).
    pub failure: Option<(HopFailure, u32)>,
    pub preimage: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Payment {
    pub hash: String,
    pub preimage: Option<String>,
    pub value_msat: i64,
    pub fee_msat: i64,
    pub created_ns: i64,
    pub payment_request: String,
    pub status: Status,
    pub index: u64,
    pub attempts: Vec<Attempt>,
    pub failure: Option<Failure>,
    pub dest: String,
}

impl Payment {
    /// lnd's payment status: in flight while any HTLC is, succeeded once one settled,
    /// failed once a failure reason is recorded and nothing is left in flight.
    fn decide(&mut self) {
        self.status = if self.attempts.iter().any(|a| a.status == Status::InFlight) {
            Status::InFlight
        } else if self.attempts.iter().any(|a| a.status == Status::Succeeded) {
            Status::Succeeded
        } else if self.failure.is_some() {
            Status::Failed
        } else {
            Status::InFlight
        };
    }

    pub fn in_flight(&self) -> impl Iterator<Item = &Attempt> {
        self.attempts.iter().filter(|a| a.status == Status::InFlight)
    }

    pub fn settle(&mut self, attempt_id: u64, preimage: &str, now_ns: i64) {
        if let Some(a) = self.attempts.iter_mut().find(|a| a.id == attempt_id) {
            a.status = Status::Succeeded;
            a.resolve_ns = now_ns;
            a.preimage = Some(preimage.to_string());
        }
        self.fee_msat = self.attempts.iter().filter(|a| a.status == Status::Succeeded).map(|a| a.route.total_fees_msat).sum();
        self.preimage = Some(preimage.to_string());
        self.failure = None;
        self.decide();
    }

    pub fn fail_attempt(&mut self, attempt_id: u64, why: HopFailure, index: u32, now_ns: i64) {
        if let Some(a) = self.attempts.iter_mut().find(|a| a.id == attempt_id) {
            a.status = Status::Failed;
            a.resolve_ns = now_ns;
            a.failure = Some((why, index));
        }
        self.decide();
    }

    /// No further attempt: the payment fails once its HTLCs still out have come back.
    pub fn fail(&mut self, why: Failure) {
        if self.status == Status::Succeeded || self.attempts.iter().any(|a| a.status == Status::Succeeded) {
            return;
        }
        self.failure = Some(why);
        self.decide();
    }
}

/// Why lnd's payment control will not start a payment for a hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    AlreadyPaid,
    InTransition,
}

impl Refused {
    /// lnd's words (routerrpc answers both as AlreadyExists).
    pub fn words(self) -> &'static str {
        match self {
            Refused::AlreadyPaid => "invoice is already paid",
            Refused::InTransition => "payment is in transition",
        }
    }
}

/// A payment to start, as lnd's payment control registers it.
pub struct NewPayment<'a> {
    pub hash: &'a str,
    pub value_msat: i64,
    pub payment_request: &'a str,
    pub dest: &'a str,
    pub created_ns: i64,
}

/// lnd's payment control: a hash already paid is refused; one in flight is refused unless
/// more HTLCs may join it (`join_in_flight`, SendToRoute's parts); a failed one is tried
/// again under its old record; a new one is numbered after the last.
pub fn register(payments: &mut Vec<Payment>, new: NewPayment, join_in_flight: bool) -> Result<(), Refused> {
    let index = payments.iter().map(|p| p.index).max().unwrap_or(0) + 1;
    match payments.iter_mut().find(|p| p.hash == new.hash) {
        Some(p) if p.status == Status::Succeeded => Err(Refused::AlreadyPaid),
        Some(p) if p.status == Status::InFlight && !join_in_flight => Err(Refused::InTransition),
        Some(p) => {
            p.status = Status::InFlight;
            p.failure = None;
            Ok(())
        }
        None => {
            payments.push(Payment {
                hash: new.hash.to_string(),
                preimage: None,
                value_msat: new.value_msat,
                fee_msat: 0,
                created_ns: new.created_ns,
                payment_request: new.payment_request.to_string(),
                status: Status::InFlight,
                index,
                attempts: vec![],
                failure: None,
                dest: new.dest.to_string(),
            });
            Ok(())
        }
    }
}

/// What bounds a payment's attempts, as SendPaymentV2 and the sync calls set them.
pub struct Limits {
    pub amount_msat: i64,
    pub fee_limit_msat: i64,
    /// The largest part (0: none).
    pub max_shard_msat: i64,
    /// The payee takes multi-path payments (its invoice's bit 16 or 17).
    pub splittable: bool,
    pub max_parts: u32,
    pub timeout_ms: u64,
    pub payment_addr: Option<[u8; 32]>,
}

/// lnd's payment session: which route the next HTLC takes, given what is already in
/// flight. When no route carries what is left and the payee takes multi-path payments, the
/// amount is halved, down to `MIN_SHARD_MSAT`, in at most `max_parts` parts. After
/// `MAX_ATTEMPTS` failures, or once the attempts have taken the timeout, it gives up.
pub struct Session {
    query: Query,
    limits: Limits,
    /// The simulated time the attempts took: a slow hop holds an HTLC before it fails back.
    spent_ms: u64,
    failures: usize,
}

impl Session {
    /// `query` names the source, target, the payee's final CLTV delta and any channel
    /// restrictions; its amount and fee limit are set per attempt. Every route ends
    /// `BLOCK_PADDING` blocks later than the payee asks, as lnd's payment session pads it.
    pub fn new(mut query: Query, limits: Limits) -> Self {
        query.final_cltv += routing::BLOCK_PADDING;
        Session { query, limits, spent_ms: 0, failures: 0 }
    }

    /// The route for the next HTLC of `current`; none once the payee's whole amount is in
    /// flight (or settled); the failure reason to give up with.
    pub fn next_route(&mut self, current: &Payment, edges: &[Edge], height: u32) -> Result<Option<Route>, Failure> {
        if self.spent_ms >= self.limits.timeout_ms {
            return Err(Failure::Timeout);
        }
        if self.failures >= MAX_ATTEMPTS {
            return Err(Failure::NoRoute);
        }
        let out: i64 = current.in_flight().map(|a| a.route.receiver_msat()).sum();
        let fees_out: i64 = current.in_flight().map(|a| a.route.total_fees_msat).sum();
        let remaining = self.limits.amount_msat - out;
        if remaining <= 0 {
            return Ok(None);
        }
        let parts = current.in_flight().count() as u32;
        let q = &mut self.query;
        q.amount_msat = if self.limits.max_shard_msat > 0 { remaining.min(self.limits.max_shard_msat) } else { remaining };
        q.fee_limit_msat = self.limits.fee_limit_msat.saturating_sub(fees_out);
        let mpp = self.limits.payment_addr.map(|addr| (addr, self.limits.amount_msat));
        loop {
            match routing::find_route(edges, q, height) {
                Ok(r) => return Ok(Some(Route { mpp, ..r })),
                Err(RouteError::NoPath) if self.limits.splittable && parts + 1 < self.limits.max_parts && q.amount_msat / 2 >= MIN_SHARD_MSAT => {
                    q.amount_msat /= 2
                }
                // Only a first attempt can blame the balance: later, HTLCs of this payment hold it.
                Err(e) => {
                    return Err(if current.attempts.is_empty() && e == RouteError::InsufficientBalance {
                        Failure::InsufficientBalance
                    } else {
                        Failure::NoRoute
                    });
                }
            }
        }
    }

    /// An HTLC along `route` failed at hop `index`, after the hops held it `held_ms`: the
    /// failing hop's outgoing channel is not tried again by this payment.
    pub fn attempt_failed(&mut self, route: &Route, index: u32, held_ms: u64) {
        self.failures += 1;
        self.spent_ms += held_ms;
        let Some(failed) = route.hops.get(index as usize) else { return };
        let from = match index.checked_sub(1) {
            None => self.query.source.clone(),
            Some(before) => route.hops[before as usize].pubkey.clone(),
        };
        self.query.excluded.insert((from, failed.chan_id));
    }
}

/// lnd's ListPayments paging over payment indexes (exclusive offset; `reversed` pages back
/// from the offset, from the newest when 0), oldest first in the page. `created` is the
/// request's creation dates (Unix seconds, both ends kept; an end of 0 is none): payments
/// outside are skipped before the page is counted, as lnd's QueryPayments does.
pub fn page(payments: &[Payment], include_incomplete: bool, offset: u64, max: u64, reversed: bool, created: (u64, u64)) -> Vec<&Payment> {
    let (from, until) = (created.0 as i64, created.1 as i64);
    let when = |p: &Payment| p.created_ns.div_euclid(1_000_000_000);
    let wanted = |p: &&Payment| (include_incomplete || p.status == Status::Succeeded) && when(p) >= from && (until == 0 || when(p) <= until);
    let max = if max == 0 { 100 } else { max as usize };
    if reversed {
        let end = if offset == 0 { u64::MAX } else { offset };
        let mut page: Vec<&Payment> = payments.iter().rev().filter(|p| p.index < end).filter(wanted).take(max).collect();
        page.reverse();
        page
    } else {
        payments.iter().filter(|p| p.index > offset).filter(wanted).take(max).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::Policy;

    const HASH: &str = "ab";

    /// a's two channels to b, with `spendable` msat each (capacity: what a can send and more).
    fn edges(spendable: [i64; 2]) -> Vec<Edge> {
        (0..2)
            .map(|i| Edge {
                chan_id: i as u64 + 1,
                from: "a".into(),
                to: "b".into(),
                capacity: 1_000_000,
                policy: Policy::default(),
                spendable_msat: Some(spendable[i]),
                private: false,
            })
            .collect()
    }

    fn session(sat: i64, splittable: bool, max_parts: u32) -> Session {
        let query = Query { source: "a".into(), target: "b".into(), final_cltv: 80, ..Default::default() };
        let limits = Limits {
            amount_msat: sat * 1000,
            fee_limit_msat: i64::MAX,
            max_shard_msat: 0,
            splittable,
            max_parts,
            timeout_ms: 60_000,
            payment_addr: Some([1; 32]),
        };
        Session::new(query, limits)
    }

    fn payment(sat: i64) -> Vec<Payment> {
        let mut payments = Vec::new();
        register(&mut payments, NewPayment { hash: HASH, value_msat: sat * 1000, payment_request: "", dest: "b", created_ns: 5 }, false).unwrap();
        payments
    }

    fn in_flight(p: &mut Payment, id: u64, route: Route) {
        p.attempts.push(Attempt { id, status: Status::InFlight, route, attempt_ns: 0, resolve_ns: 0, failure: None, preimage: None });
    }

    #[test]
    fn a_payment_no_channel_carries_is_split_in_halves_as_lnd_does() {
        let mut payments = payment(400_000);
        let p = &mut payments[0];
        let mut s = session(400_000, true, 16);
        let first = s.next_route(p, &edges([300_000_000, 250_000_000]), 100).unwrap().unwrap();
        assert_eq!(first.receiver_msat(), 200_000_000, "halved once");
        assert_eq!(first.mpp, Some(([1; 32], 400_000_000)), "every part names the whole");
        assert_eq!((first.hops[0].expiry, first.total_time_lock), (100 + 80 + 3, 100 + 80 + 3), "the payee's 80 blocks and lnd's padding of 3");
        in_flight(p, 1, first.clone());
        // The part's HTLC holds 200,000 sat of its channel now.
        let used = if first.hops[0].chan_id == 1 { [100_000_000, 250_000_000] } else { [300_000_000, 50_000_000] };
        let second = s.next_route(p, &edges(used), 100).unwrap().unwrap();
        assert_eq!(second.receiver_msat(), 200_000_000, "the rest");
        assert_ne!(second.hops[0].chan_id, first.hops[0].chan_id);
        in_flight(p, 2, second);
        assert_eq!(s.next_route(p, &edges([0, 0]), 100), Ok(None), "the whole amount is out");
    }

    #[test]
    fn a_payment_is_not_split_when_the_payee_or_the_limits_say_no() {
        let p = &payment(400_000)[0];
        let channels = edges([300_000_000, 250_000_000]);
        assert_eq!(session(400_000, false, 16).next_route(p, &channels, 100), Err(Failure::NoRoute), "an invoice without the multi-path bit");
        assert_eq!(session(400_000, true, 1).next_route(p, &channels, 100), Err(Failure::NoRoute), "one part allowed");
        let small = edges([12_000_000, 12_000_000]);
        assert_eq!(
            session(15_000, true, 16).next_route(&payment(15_000)[0], &small, 100),
            Err(Failure::NoRoute),
            "7,500 sat parts are under lnd's smallest shard"
        );
        assert_eq!(
            session(600_000, true, 16).next_route(p, &channels, 100),
            Err(Failure::InsufficientBalance),
            "more than all the channels hold, on a first attempt"
        );
        let mut tried = payment(600_000);
        in_flight(&mut tried[0], 1, session(100, false, 1).next_route(p, &channels, 100).unwrap().unwrap());
        tried[0].attempts[0].status = Status::Failed;
        assert_eq!(session(600_000, true, 16).next_route(&tried[0], &channels, 100), Err(Failure::NoRoute), "after an attempt, no route");
    }

    #[test]
    fn a_failed_channel_is_avoided_and_the_session_gives_up_in_time() {
        let p = &payment(1_000)[0];
        let channels = edges([300_000_000, 250_000_000]);
        let mut s = session(1_000, false, 1);
        let first = s.next_route(p, &channels, 100).unwrap().unwrap();
        s.attempt_failed(&first, 0, 0);
        let second = s.next_route(p, &channels, 100).unwrap().unwrap();
        assert_ne!(second.hops[0].chan_id, first.hops[0].chan_id, "the failed channel is not tried again");
        s.attempt_failed(&second, 0, 0);
        assert_eq!(s.next_route(p, &channels, 100), Err(Failure::NoRoute), "both channels failed");

        let mut patient = session(1_000, false, 1);
        for _ in 0..MAX_ATTEMPTS {
            patient.attempt_failed(&first, 5, 0);
        }
        assert_eq!(patient.next_route(p, &channels, 100), Err(Failure::NoRoute), "{MAX_ATTEMPTS} failures are enough");
        let mut slow = session(1_000, false, 1);
        slow.attempt_failed(&first, 5, 60_000);
        assert_eq!(slow.next_route(p, &channels, 100), Err(Failure::Timeout), "the attempts took the timeout");
    }

    #[test]
    fn the_payment_control_refuses_a_paid_or_moving_hash() {
        let mut payments = payment(10);
        let again = |payments: &mut Vec<Payment>, join| {
            register(payments, NewPayment { hash: HASH, value_msat: 1, payment_request: "", dest: "b", created_ns: 9 }, join)
        };
        assert_eq!(again(&mut payments, false), Err(Refused::InTransition));
        assert_eq!(again(&mut payments, true), Ok(()), "a part joins its payment");
        payments[0].fail(Failure::NoRoute);
        assert_eq!(payments[0].status, Status::Failed);
        assert_eq!(again(&mut payments, false), Ok(()), "a failed payment is tried again");
        assert_eq!((payments.len(), payments[0].status, payments[0].failure, payments[0].created_ns), (1, Status::InFlight, None, 5), "under its old record");
        payments[0].status = Status::Succeeded;
        assert_eq!(again(&mut payments, true).map_err(Refused::words), Err("invoice is already paid"));
        register(&mut payments, NewPayment { hash: "cd", value_msat: 1, payment_request: "", dest: "b", created_ns: 9 }, false).unwrap();
        assert_eq!(payments.iter().map(|p| p.index).collect::<Vec<_>>(), [1, 2]);
    }
}
