//! SubscribeHtlcEvents: what lnd's HTLC notifier tells each node about the HTLCs it sends,
//! forwards and receives. A subscription starts with a SubscribedEvent; then, per HTLC, a
//! forward event when it leaves (SEND at the payer, FORWARD at each hop in between), and
//! its end: a settle (with the preimage), a forward failure (it came back failed from
//! further on), or a link failure at the node that refused it (with lnd's failure detail
//! and words); a final-HTLC event when a hop's or the payee's incoming HTLC is resolved.
//!
//! An HTLC is named by its circuit: incoming and outgoing channel and HTLC id. devnode's
//! HTLC ids are the payer's attempt id on every hop (lnd numbers them per channel).

use futures::StreamExt;
use lnrpc::lnrpc as pb;
use lnrpc::routerrpc as rrpc;
use rrpc::htlc_event::{Event, EventType};
use tokio_stream::wrappers::BroadcastStream;
use tonic::{Status, metadata::MetadataMap};

use super::{NodeRpc, RpcStream, SUBSCRIBE_HTLC_EVENTS};
use world::invoices::Refusal;
use world::payments::HopFailure;
use world::routing::Route;

/// Why an HTLC failed, as the node that failed it reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Failed {
    /// A forwarding node (or the payer) could not pass it on over its outgoing channel.
    Outgoing(HopFailure),
    /// The payee's invoice registry refused it, or failed it back later.
    Invoice(Refusal),
}

impl Failed {
    fn wire(self) -> pb::failure::FailureCode {
        match self {
            Failed::Outgoing(HopFailure::TemporaryChannelFailure) => pb::failure::FailureCode::TemporaryChannelFailure,
            Failed::Outgoing(HopFailure::UnknownNextPeer) => pb::failure::FailureCode::UnknownNextPeer,
            Failed::Outgoing(HopFailure::MppTimeout) | Failed::Invoice(Refusal::MppTimeout) => pb::failure::FailureCode::MppTimeout,
            Failed::Outgoing(HopFailure::IncorrectOrUnknownPaymentDetails) | Failed::Invoice(_) => pb::failure::FailureCode::IncorrectOrUnknownPaymentDetails,
        }
    }

    /// lnd's failure detail and its `FailureString()`.
    fn detail(self) -> (rrpc::FailureDetail, &'static str) {
        use rrpc::FailureDetail as D;
        match self {
            Failed::Outgoing(HopFailure::TemporaryChannelFailure) => (D::InsufficientBalance, "insufficient bandwidth to route htlc"),
            Failed::Outgoing(_) => (D::LinkNotEligible, "link not eligible"),
            Failed::Invoice(r) => (
                match r {
                    Refusal::NotFound => D::UnknownInvoice,
                    Refusal::AlreadyCanceled | Refusal::Canceled => D::InvoiceCanceled,
                    Refusal::AlreadySettled | Refusal::NotOpen => D::InvoiceNotOpen,
                    Refusal::AmountTooLow => D::InvoiceUnderpaid,
                    Refusal::ExpiryTooSoon => D::InvoiceExpiryTooSoon,
                    Refusal::MppTimeout => D::MppInvoiceTimeout,
                    Refusal::AddressMismatch => D::AddressMismatch,
                    Refusal::SetTotalMismatch => D::SetTotalMismatch,
                    Refusal::SetTotalTooLow => D::SetTotalTooLow,
                    Refusal::KeysendError => D::InvalidKeysend,
                    Refusal::MppInProgress => D::MppInProgress,
                },
                r.words(),
            ),
        }
    }
}

/// One HTLC of a route, seen from the node at `position` (0 = the payer, the last = the
/// payee).
struct Seen<'a> {
    route: &'a Route,
    id: u64,
    position: usize,
}

impl Seen<'_> {
    fn kind(&self) -> EventType {
        match self.position {
            0 => EventType::Send,
            p if p == self.route.hops.len() => EventType::Receive,
            _ => EventType::Forward,
        }
    }

    fn info(&self) -> rrpc::HtlcInfo {
        let p = self.position;
        let incoming = p.checked_sub(1).and_then(|i| self.route.htlc(i));
        let outgoing = self.route.htlc(p);
        rrpc::HtlcInfo {
            incoming_timelock: incoming.map_or(0, |h| h.expiry),
            outgoing_timelock: outgoing.map_or(0, |h| h.expiry),
            incoming_amt_msat: incoming.map_or(0, |h| h.amount_msat as u64),
            outgoing_amt_msat: outgoing.map_or(0, |h| h.amount_msat as u64),
        }
    }

    fn event(&self, event: Event) -> rrpc::HtlcEvent {
        let (hops, p) = (&self.route.hops, self.position);
        let incoming = p.checked_sub(1).map(|i| hops[i].chan_id);
        let outgoing = hops.get(p).map(|h| h.chan_id);
        rrpc::HtlcEvent {
            incoming_channel_id: incoming.unwrap_or(0),
            outgoing_channel_id: outgoing.unwrap_or(0),
            // A locally sent HTLC's incoming circuit is (0, attempt id), as in lnd.
            incoming_htlc_id: self.id,
            outgoing_htlc_id: if outgoing.is_some() { self.id } else { 0 },
            timestamp_ns: crate::clock::now_ns() as u64,
            event_type: self.kind() as i32,
            event: Some(event),
        }
    }
}

fn final_event(settled: bool) -> Event {
    Event::FinalHtlcEvent(rrpc::FinalHtlcEvent { settled, offchain: true })
}

/// The HTLC events of one HTLC along `route`, told to the nodes on it (`nodes[0]` the
/// payer, then one per hop).
pub(super) struct Notifier<'a> {
    pub nodes: &'a [&'a NodeRpc],
    pub route: &'a Route,
    pub id: u64,
}

impl Notifier<'_> {
    fn tell(&self, position: usize, event: impl FnOnce(&Seen) -> Event) {
        let seen = Seen { route: self.route, id: self.id, position };
        let _ = self.nodes[position].htlc_events.send(seen.event(event(&seen)));
    }

    /// The HTLC left the payer and every hop before `upto` passed it on.
    pub fn forwarded(&self, upto: usize) {
        for position in 0..upto.min(self.route.hops.len()) {
            self.tell(position, |s| Event::ForwardEvent(rrpc::ForwardEvent { info: Some(s.info()) }));
        }
    }

    /// The payee settled: the preimage goes back along the route.
    pub fn settled(&self, preimage: &str) {
        let preimage = hex::decode(preimage).unwrap_or_default();
        for position in (0..=self.route.hops.len()).rev() {
            self.tell(position, |_| Event::SettleEvent(rrpc::SettleEvent { preimage: preimage.clone() }));
            if position > 0 {
                self.tell(position, |_| final_event(true));
            }
        }
    }

    /// The node at `at` failed the HTLC; the nodes before it learn it came back failed.
    pub fn failed(&self, at: usize, why: Failed) {
        let (detail, words) = why.detail();
        self.tell(at, |s| {
            Event::LinkFailEvent(rrpc::LinkFailEvent {
                info: Some(s.info()),
                wire_failure: why.wire() as i32,
                failure_detail: detail as i32,
                failure_string: words.to_string(),
            })
        });
        if at > 0 {
            self.tell(at, |_| final_event(false));
        }
        for position in (0..at).rev() {
            self.tell(position, |_| Event::ForwardFailEvent(rrpc::ForwardFailEvent {}));
            if position > 0 {
                self.tell(position, |_| final_event(false));
            }
        }
    }
}

impl NodeRpc {
    pub fn subscribe_htlc_events(&self, md: &MetadataMap, _req: rrpc::SubscribeHtlcEventsRequest) -> Result<RpcStream<rrpc::HtlcEvent>, Status> {
        self.authorize(md, &SUBSCRIBE_HTLC_EVENTS)?;
        let live = BroadcastStream::new(self.htlc_events.subscribe()).filter_map(|e| futures::future::ready(e.ok()));
        // lnd tells a subscriber first that it is subscribed: events from then on follow.
        let subscribed = rrpc::HtlcEvent { event: Some(Event::SubscribedEvent(rrpc::SubscribedEvent {})), ..Default::default() };
        Ok(Box::pin(futures::stream::iter([subscribed]).chain(live).map(Ok)))
    }
}
