//! One node's outgoing payments (kept in lnd's channel database): each with its HTLC
//! attempts, final status and failure reason, numbered by lnd's payment index.

use serde::{Deserialize, Serialize};

use super::routing::Route;

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
