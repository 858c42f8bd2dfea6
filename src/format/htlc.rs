//! lnd's HTLC events (SubscribeHtlcEvents) in words: a forward earned a fee, failed further
//! along, or was refused here and why. A settle or a failure names its HTLC only by circuit,
//! so the amounts come from the forward event that came before it.

use std::collections::HashMap;

use lnrpc::routerrpc::{self as rrpc, htlc_event::Event, htlc_event::EventType};

use super::short_channel_id;
use crate::input::amount::Unit;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum What {
    Forwarded,
    /// Passed on, then failed by a node further along.
    FailedOnward,
    /// Refused by this node's link, with lnd's reason.
    Refused,
    Sent,
    Received,
}

/// One thing that happened to an HTLC, ready to be put in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub at_ns: u64,
    pub what: What,
    pub kind: EventType,
    pub chan_in: u64,
    pub chan_out: u64,
    /// What was forwarded or sent on (0 when lnd did not say).
    pub amount_msat: u64,
    pub fee_msat: u64,
    pub reason: String,
}

type Circuit = (u64, u64, u64, u64);

/// Reads a node's HTLC events in order, remembering each HTLC's amounts until it ends.
#[derive(Default)]
pub struct HtlcLog {
    open: HashMap<Circuit, rrpc::HtlcInfo>,
}

impl HtlcLog {
    pub fn read(&mut self, e: &rrpc::HtlcEvent) -> Option<Activity> {
        let circuit = (e.incoming_channel_id, e.incoming_htlc_id, e.outgoing_channel_id, e.outgoing_htlc_id);
        let kind = EventType::try_from(e.event_type).unwrap_or(EventType::Unknown);
        let (what, info, reason) = match e.event.as_ref()? {
            Event::ForwardEvent(f) => {
                self.open.insert(circuit, f.info.unwrap_or_default());
                return None;
            }
            Event::SettleEvent(_) => {
                let what = match kind {
                    EventType::Send => What::Sent,
                    EventType::Receive => What::Received,
                    _ => What::Forwarded,
                };
                (what, self.open.remove(&circuit), String::new())
            }
            Event::ForwardFailEvent(_) => (What::FailedOnward, self.open.remove(&circuit), String::new()),
            Event::LinkFailEvent(l) => {
                self.open.remove(&circuit);
                (What::Refused, l.info, l.failure_string.clone())
            }
            Event::FinalHtlcEvent(_) | Event::SubscribedEvent(_) => return None,
        };
        let info = info.unwrap_or_default();
        let out = if info.outgoing_amt_msat > 0 { info.outgoing_amt_msat } else { info.incoming_amt_msat };
        // A node's fee is what came in beyond what went out (nothing came in for a send).
        let fee = if info.outgoing_amt_msat > 0 { info.incoming_amt_msat.saturating_sub(info.outgoing_amt_msat) } else { 0 };
        Some(Activity {
            at_ns: e.timestamp_ns,
            what,
            kind,
            chan_in: e.incoming_channel_id,
            chan_out: e.outgoing_channel_id,
            amount_msat: out,
            fee_msat: fee,
            reason,
        })
    }
}

fn msat(m: u64, unit: Unit) -> String {
    super::msat(i64::try_from(m).unwrap_or(i64::MAX), unit)
}

impl Activity {
    pub fn words(&self, unit: Unit) -> String {
        let (amt, into, out) = (msat(self.amount_msat, unit), short_channel_id(self.chan_in), short_channel_id(self.chan_out));
        match (self.what, self.kind) {
            (What::Forwarded, _) => format!("Forwarded {amt} from {into} to {out}, earned {}", msat(self.fee_msat, unit)),
            (What::FailedOnward, EventType::Send) => format!("A payment part of {amt} over {out} failed further along the route"),
            (What::FailedOnward, _) => format!("A forward of {amt} from {into} to {out} failed further along the route"),
            (What::Refused, EventType::Send) => format!("Could not send {amt} over {out}: {}", self.reason),
            (What::Refused, EventType::Receive) => format!("Refused an incoming payment of {amt} on {into}: {}", self.reason),
            (What::Refused, _) => format!("Refused to forward {amt} from {into} to {out}: {}", self.reason),
            (What::Sent, _) => format!("Sent {amt} over {out}"),
            (What::Received, _) => format!("Received a payment on {into}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventType, event: Event) -> rrpc::HtlcEvent {
        rrpc::HtlcEvent {
            incoming_channel_id: (700 << 40) | (3 << 16) | 1,
            outgoing_channel_id: (701 << 40) | (5 << 16),
            incoming_htlc_id: 9,
            outgoing_htlc_id: 9,
            timestamp_ns: 1,
            event_type: kind as i32,
            event: Some(event),
        }
    }

    fn info() -> Option<rrpc::HtlcInfo> {
        Some(rrpc::HtlcInfo { incoming_timelock: 130, outgoing_timelock: 90, incoming_amt_msat: 10_001_010, outgoing_amt_msat: 10_000_000 })
    }

    #[test]
    fn a_settled_forward_says_what_it_earned() {
        let mut log = HtlcLog::default();
        assert_eq!(log.read(&event(EventType::Forward, Event::SubscribedEvent(rrpc::SubscribedEvent {}))), None);
        assert_eq!(log.read(&event(EventType::Forward, Event::ForwardEvent(rrpc::ForwardEvent { info: info() }))), None);
        let done = log.read(&event(EventType::Forward, Event::SettleEvent(rrpc::SettleEvent { preimage: vec![1; 32] }))).unwrap();
        assert_eq!(done.words(Unit::Sat), "Forwarded 10,000 sat from 700x3x1 to 701x5x0, earned 1.01 sat");
        assert_eq!(log.read(&event(EventType::Forward, Event::FinalHtlcEvent(rrpc::FinalHtlcEvent { settled: true, offchain: true }))), None);
        assert!(log.open.is_empty(), "an ended HTLC is forgotten");
    }

    #[test]
    fn failures_say_where_and_why() {
        let mut log = HtlcLog::default();
        log.read(&event(EventType::Forward, Event::ForwardEvent(rrpc::ForwardEvent { info: info() })));
        let onward = log.read(&event(EventType::Forward, Event::ForwardFailEvent(rrpc::ForwardFailEvent {}))).unwrap();
        assert_eq!(onward.words(Unit::Sat), "A forward of 10,000 sat from 700x3x1 to 701x5x0 failed further along the route");
        let link = rrpc::LinkFailEvent { info: info(), wire_failure: 15, failure_detail: 6, failure_string: "insufficient bandwidth to route htlc".into() };
        let refused = log.read(&event(EventType::Forward, Event::LinkFailEvent(link.clone()))).unwrap();
        assert_eq!(refused.words(Unit::Sat), "Refused to forward 10,000 sat from 700x3x1 to 701x5x0: insufficient bandwidth to route htlc");
        let incoming = rrpc::HtlcInfo { incoming_amt_msat: 5_000_000, ..Default::default() };
        let receive = rrpc::LinkFailEvent { info: Some(incoming), failure_string: "invoice no longer open".into(), ..link };
        let words = log.read(&event(EventType::Receive, Event::LinkFailEvent(receive))).unwrap().words(Unit::Sat);
        assert_eq!(words, "Refused an incoming payment of 5,000 sat on 700x3x1: invoice no longer open");
    }

    #[test]
    fn small_fees_show_in_msat() {
        let tiny = Activity {
            at_ns: 0,
            what: What::Forwarded,
            kind: EventType::Forward,
            chan_in: 0,
            chan_out: 0,
            amount_msat: 2_000,
            fee_msat: 2,
            reason: String::new(),
        };
        assert!(tiny.words(Unit::Sat).ends_with("earned 0.002 sat"), "{}", tiny.words(Unit::Sat));
    }
}
