//! Invoices: AddInvoice with a real BOLT 11 request signed by the node key, lookups, lnd's
//! paging, the invoice streams (with SubscribeInvoices' index backlog), hold invoices
//! (AddHoldInvoice, SettleInvoice, CancelInvoice, SubscribeSingleInvoice) and DecodePayReq.

use std::sync::Arc;

use futures::StreamExt;
use lnrpc::invoicesrpc as irpc;
use lnrpc::lnrpc as pb;
use tonic::{Status, metadata::MetadataMap};

use super::{
    ADD_HOLD_INVOICE, ADD_INVOICE, CANCEL_INVOICE, DECODE_PAY_REQ, LIST_INVOICES, LOOKUP_INVOICE, LOOKUP_INVOICE_V2, NodeRpc, RpcStream, SETTLE_INVOICE,
    SUBSCRIBE_INVOICES, SUBSCRIBE_SINGLE_INVOICE,
};
use crate::clock::{now, now_ms};
use bolt11::HintHop;
use world::invoices::{self as sim, HtlcState, Invoice, InvoiceError, NewInvoice, State};

fn invoice_status(e: InvoiceError) -> Status {
    Status::unknown(e.to_string())
}

/// A stateful predicate as a `StreamExt::filter` closure.
fn futures_filter<T>(mut keep: impl FnMut(&T) -> bool) -> impl FnMut(&T) -> futures::future::Ready<bool> {
    move |item| futures::future::ready(keep(item))
}

fn bytes(hex_str: &str) -> Vec<u8> {
    hex::decode(hex_str).unwrap_or_default()
}

/// An invoice as lnd's Invoice message.
#[allow(deprecated)]
pub fn invoice_message(i: &Invoice) -> pb::Invoice {
    let state = match i.state {
        State::Open => pb::invoice::InvoiceState::Open,
        State::Accepted => pb::invoice::InvoiceState::Accepted,
        State::Settled => pb::invoice::InvoiceState::Settled,
        State::Canceled => pb::invoice::InvoiceState::Canceled,
    };
    // Only private invoices carry route hints; decoding means recovering a signature.
    let decoded = i.private.then(|| bolt11::decode(&i.payment_request).ok()).flatten();
    let htlcs = i
        .htlcs
        .iter()
        .map(|h| pb::InvoiceHtlc {
            chan_id: h.chan_id,
            htlc_index: h.htlc_index,
            amt_msat: h.amt_msat.max(0) as u64,
            accept_height: h.accept_height as i32,
            accept_time: h.accepted_ms / 1000,
            resolve_time: h.resolved_ms / 1000,
            expiry_height: h.expiry_height as i32,
            state: match h.state {
                HtlcState::Accepted => pb::InvoiceHtlcState::Accepted,
                HtlcState::Settled => pb::InvoiceHtlcState::Settled,
                HtlcState::Canceled => pb::InvoiceHtlcState::Canceled,
            } as i32,
            custom_records: h.custom_records.iter().map(|(k, v)| (*k, bytes(v))).collect(),
            mpp_total_amt_msat: h.mpp_total_msat.max(0) as u64,
            ..Default::default()
        })
        .collect();
    pb::Invoice {
        memo: i.memo.clone(),
        r_preimage: i.preimage.as_deref().map(bytes).unwrap_or_default(),
        r_hash: bytes(&i.hash),
        value: i.value_msat / 1000,
        value_msat: i.value_msat,
        settled: i.state == State::Settled,
        creation_date: i.created,
        settle_date: i.settled_at,
        payment_request: i.payment_request.clone(),
        description_hash: bytes(&i.description_hash),
        expiry: i.expiry,
        fallback_addr: String::new(),
        cltv_expiry: i.cltv_expiry,
        route_hints: decoded.as_ref().map(|d| route_hints(&d.route_hints)).unwrap_or_default(),
        private: i.private,
        add_index: i.add_index,
        settle_index: i.settle_index,
        // The deprecated field is in msat in lnd (CreateRPCInvoice), despite its name.
        amt_paid: i.paid_msat,
        amt_paid_sat: i.paid_msat / 1000,
        amt_paid_msat: i.paid_msat,
        state: state as i32,
        htlcs,
        features: invoice_features(i),
        is_keysend: i.keysend,
        payment_addr: bytes(&i.payment_addr),
        is_amp: false,
        amp_invoice_state: Default::default(),
        is_blinded: false,
        blinded_path_config: None,
    }
}

fn route_hints(hints: &[Vec<HintHop>]) -> Vec<pb::RouteHint> {
    hints
        .iter()
        .map(|h| pb::RouteHint {
            hop_hints: h
                .iter()
                .map(|hop| pb::HopHint {
                    node_id: hop.node_id.clone(),
                    chan_id: hop.chan_id,
                    fee_base_msat: hop.fee_base_msat,
                    fee_proportional_millionths: hop.fee_proportional_millionths,
                    cltv_expiry_delta: hop.cltv_expiry_delta as u32,
                })
                .collect(),
        })
        .collect()
}

/// Route hints given with a request, as the router reads them.
pub(super) fn hint_hops(hints: &[pb::RouteHint]) -> Vec<Vec<bolt11::HintHop>> {
    hints
        .iter()
        .map(|h| {
            h.hop_hints
                .iter()
                .map(|hop| bolt11::HintHop {
                    node_id: hop.node_id.clone(),
                    chan_id: hop.chan_id,
                    fee_base_msat: hop.fee_base_msat,
                    fee_proportional_millionths: hop.fee_proportional_millionths,
                    cltv_expiry_delta: hop.cltv_expiry_delta as u16,
                })
                .collect()
        })
        .collect()
}

/// An invoice's feature bits, as lnd reports them: its payment request's (lnd's invoice
/// set); a keysend's invoice has only var-onion, required (processKeySend).
fn invoice_features(i: &Invoice) -> std::collections::HashMap<u32, pb::Feature> {
    let bits: &[u32] = if i.keysend { &[8] } else { &bolt11::LND_INVOICE_FEATURES };
    bits.iter().map(|&bit| super::feature(bit)).collect()
}

impl NodeRpc {
    fn emit_invoice(&self, i: &Invoice) {
        self.invoice_events.send(invoice_message(i));
    }

    fn create_invoice(&self, n: NewInvoice) -> Result<Invoice, Status> {
        let mut entropy = [0u8; 64];
        rand::RngCore::fill_bytes(&mut *self.rng.lock().expect("rng lock"), &mut entropy);
        let hints = if n.private { self.channels().private_hints() } else { Vec::new() };
        let maker = sim::Maker { key: self.node().identity_key(), entropy, created: now(), hints, network: crate::store::NETWORK };
        let invoice = n.make(maker).map_err(Status::unknown)?;
        let added = self.channels().invoices.add(invoice).map_err(invoice_status)?;
        self.persist_later();
        self.emit_invoice(&added);
        Ok(added)
    }

    pub fn add_invoice(&self, md: &MetadataMap, req: pb::Invoice) -> Result<pb::AddInvoiceResponse, Status> {
        self.authorize(md, &ADD_INVOICE)?;
        let inv = self.create_invoice(NewInvoice {
            memo: req.memo,
            description_hash: req.description_hash,
            preimage: (!req.r_preimage.is_empty()).then_some(req.r_preimage),
            hash: None,
            value: req.value,
            value_msat: req.value_msat,
            expiry: req.expiry,
            cltv_expiry: req.cltv_expiry,
            private: req.private,
            hold: false,
        })?;
        Ok(pb::AddInvoiceResponse {
            r_hash: bytes(&inv.hash),
            payment_request: inv.payment_request,
            add_index: inv.add_index,
            payment_addr: bytes(&inv.payment_addr),
        })
    }

    pub fn add_hold_invoice(&self, md: &MetadataMap, req: irpc::AddHoldInvoiceRequest) -> Result<irpc::AddHoldInvoiceResp, Status> {
        self.authorize(md, &ADD_HOLD_INVOICE)?;
        // invoices_server.go AddHoldInvoice checks the hash before anything else.
        if req.hash.len() != 32 {
            return Err(Status::unknown(format!("invalid hash length of {}, want 32", req.hash.len())));
        }
        let inv = self.create_invoice(NewInvoice {
            memo: req.memo,
            description_hash: req.description_hash,
            preimage: None,
            hash: Some(req.hash),
            value: req.value,
            value_msat: req.value_msat,
            expiry: req.expiry,
            cltv_expiry: req.cltv_expiry,
            private: req.private,
            hold: true,
        })?;
        Ok(irpc::AddHoldInvoiceResp { payment_request: inv.payment_request, add_index: inv.add_index, payment_addr: bytes(&inv.payment_addr) })
    }

    fn find_invoice(&self, hash: &[u8]) -> Result<pb::Invoice, Status> {
        let db = self.channels();
        db.invoices.get(&hex::encode(hash)).map(invoice_message).ok_or_else(|| Status::not_found("unable to locate invoice"))
    }

    #[allow(deprecated)]
    pub fn lookup_invoice(&self, md: &MetadataMap, req: pb::PaymentHash) -> Result<pb::Invoice, Status> {
        self.authorize(md, &LOOKUP_INVOICE)?;
        // rpcserver.go LookupInvoice: the hex string wins over the bytes; an empty hash is
        // looked up (and not found).
        let hash = if !req.r_hash_str.is_empty() { super::go_hex_decode(&req.r_hash_str).map_err(Status::unknown)? } else { req.r_hash };
        if !hash.is_empty() && hash.len() != 32 {
            return Err(Status::unknown(format!("payment hash must be exactly 32 bytes, is instead {}", hash.len())));
        }
        self.find_invoice(&hash)
    }

    pub fn lookup_invoice_v2(&self, md: &MetadataMap, req: irpc::LookupInvoiceMsg) -> Result<pb::Invoice, Status> {
        use irpc::lookup_invoice_msg::InvoiceRef;
        self.authorize(md, &LOOKUP_INVOICE_V2)?;
        match req.invoice_ref {
            Some(InvoiceRef::PaymentHash(h)) if h.len() != 32 => {
                Err(Status::invalid_argument(format!("unable to parse pay hash: invalid hash length of {}, want 32", h.len())))
            }
            Some(InvoiceRef::PaymentHash(h)) => self.find_invoice(&h),
            Some(InvoiceRef::PaymentAddr(a)) => {
                let db = self.channels();
                db.invoices
                    .invoices
                    .iter()
                    .find(|i| bytes(&i.payment_addr) == a)
                    .map(invoice_message)
                    .ok_or_else(|| Status::not_found("unable to locate invoice"))
            }
            Some(_) => Err(Status::not_found("unable to locate invoice")),
            None => Err(Status::invalid_argument("invoice ref must be set")),
        }
    }

    pub fn list_invoices(&self, md: &MetadataMap, req: pb::ListInvoiceRequest) -> Result<pb::ListInvoiceResponse, Status> {
        self.authorize(md, &LIST_INVOICES)?;
        let db = self.channels();
        let page = db.invoices.page(req.pending_only, req.index_offset, req.num_max_invoices, req.reversed);
        let first = page.first().map_or(0, |i| i.add_index);
        let last = page.last().map_or(0, |i| i.add_index);
        Ok(pb::ListInvoiceResponse { invoices: page.into_iter().map(invoice_message).collect(), first_index_offset: first, last_index_offset: last })
    }

    /// Added invoices after `add_index` and settled ones after `settle_index` (when set),
    /// then each addition and each settlement as it happens, once. As lnd's invoice
    /// registry, this stream never tells of an invoice accepted (held) or canceled, nor of
    /// a part of a multi-path payment arriving: SubscribeSingleInvoice does.
    pub fn subscribe_invoices(&self, md: &MetadataMap, req: pb::InvoiceSubscription) -> Result<RpcStream<pb::Invoice>, Status> {
        self.authorize(md, &SUBSCRIBE_INVOICES)?;
        let live = self.invoice_events.subscribe();
        let (backlog, mut added, mut settled) = {
            let db = self.channels();
            let told = |i: &&Invoice| matches!(i.state, State::Open | State::Settled);
            let mut backlog: Vec<pb::Invoice> = if req.add_index > 0 {
                db.invoices.invoices.iter().filter(|i| i.add_index > req.add_index).filter(told).map(invoice_message).collect()
            } else {
                vec![]
            };
            let mut settled: Vec<&Invoice> = if req.settle_index > 0 {
                db.invoices.invoices.iter().filter(|i| i.state == State::Settled && i.settle_index > req.settle_index).collect()
            } else {
                vec![]
            };
            settled.sort_by_key(|i| i.settle_index);
            backlog.extend(settled.into_iter().map(invoice_message));
            let last_add = db.invoices.invoices.iter().map(|i| i.add_index).max().unwrap_or(0);
            let last_settle = db.invoices.invoices.iter().map(|i| i.settle_index).max().unwrap_or(0);
            (backlog, last_add, last_settle)
        };
        let told = move |i: &pb::Invoice| match pb::invoice::InvoiceState::try_from(i.state) {
            Ok(pb::invoice::InvoiceState::Open) if i.add_index > added => {
                added = i.add_index;
                true
            }
            Ok(pb::invoice::InvoiceState::Settled) if i.settle_index > settled => {
                settled = i.settle_index;
                true
            }
            _ => false,
        };
        let live = live.filter(futures_filter(told));
        Ok(Box::pin(futures::stream::iter(backlog).chain(live).map(Ok)))
    }

    /// The invoice's current state, then each change of state, until it is settled or
    /// canceled. A hash no invoice has yet is waited for, as lnd does.
    pub fn subscribe_single_invoice(&self, md: &MetadataMap, req: irpc::SubscribeSingleInvoiceRequest) -> Result<RpcStream<pb::Invoice>, Status> {
        self.authorize(md, &SUBSCRIBE_SINGLE_INVOICE)?;
        if req.r_hash.len() != 32 {
            return Err(Status::unknown(format!("invalid hash length of {}, want 32", req.r_hash.len())));
        }
        let live = self.invoice_events.subscribe();
        let current = self.find_invoice(&req.r_hash).ok();
        let hash = req.r_hash.clone();
        let done = |i: &pb::Invoice| {
            matches!(pb::invoice::InvoiceState::try_from(i.state), Ok(pb::invoice::InvoiceState::Settled | pb::invoice::InvoiceState::Canceled))
        };
        if let Some(current) = current.as_ref().filter(|c| done(c)) {
            return Ok(Box::pin(futures::stream::iter([Ok(current.clone())])));
        }
        let mut state = current.as_ref().map(|c| c.state);
        let changed = move |i: &pb::Invoice| {
            let new = state != Some(i.state);
            state = Some(i.state);
            new
        };
        let updates = live.filter(move |i| futures::future::ready(i.r_hash == hash)).filter(futures_filter(changed));
        Ok(Box::pin(futures::stream::iter(current).chain(super::through(Box::pin(updates), done)).map(Ok)))
    }

    pub fn settle_invoice(self: &Arc<Self>, md: &MetadataMap, req: irpc::SettleInvoiceMsg) -> Result<irpc::SettleInvoiceResp, Status> {
        self.authorize(md, &SETTLE_INVOICE)?;
        if req.preimage.len() != 32 {
            return Err(Status::unknown(format!("invalid preimage length of {}, want 32", req.preimage.len())));
        }
        let settled = self.channels().invoices.settle(&req.preimage, now_ms()).map_err(invoice_status)?;
        self.persist_later();
        self.emit_invoice(&settled);
        self.resolve_held(&settled.hash, Some(&hex::encode(&req.preimage)));
        Ok(irpc::SettleInvoiceResp {})
    }

    pub fn cancel_invoice(self: &Arc<Self>, md: &MetadataMap, req: irpc::CancelInvoiceMsg) -> Result<irpc::CancelInvoiceResp, Status> {
        self.authorize(md, &CANCEL_INVOICE)?;
        if req.payment_hash.len() != 32 {
            return Err(Status::unknown(format!("invalid hash length of {}, want 32", req.payment_hash.len())));
        }
        let canceled = self.channels().invoices.cancel(&hex::encode(&req.payment_hash), now_ms()).map_err(invoice_status)?;
        self.persist_later();
        self.emit_invoice(&canceled);
        self.resolve_held(&canceled.hash, None);
        Ok(irpc::CancelInvoiceResp {})
    }

    /// lnd's invoice expiry watcher: cancels what is due (see `InvoiceDb::due`); a held
    /// payment is failed back to its payer. Parts of a multi-path payment that waited
    /// longer than the MPP timeout fail back with MPP_TIMEOUT (the invoice stays open).
    pub(super) fn cancel_expired(&self) {
        let height = self.height();
        let due = self.channels().invoices.due(height, now());
        for hash in due {
            let Ok(canceled) = self.channels().invoices.cancel(&hash, now_ms()) else { continue };
            self.persist_later();
            self.emit_invoice(&canceled);
            self.resolve_held(&canceled.hash, None);
        }
        let expired = self.channels().invoices.expire_parts(now_ms(), self.mpp_timeout_ms());
        for (invoice, parts) in expired {
            self.persist_later();
            self.emit_invoice(&invoice);
            self.fail_parts(&invoice.hash, &parts);
        }
    }

    pub fn decode_pay_req(&self, md: &MetadataMap, req: pb::PayReqString) -> Result<pb::PayReq, Status> {
        self.authorize(md, &DECODE_PAY_REQ)?;
        let r = bolt11::decode_for(&req.pay_req, crate::store::NETWORK).map_err(Status::unknown)?;
        Ok(pb::PayReq {
            destination: r.destination,
            payment_hash: hex::encode(r.payment_hash),
            num_satoshis: r.amount_msat / 1000,
            timestamp: r.timestamp,
            expiry: r.expiry,
            description: r.description,
            description_hash: r.description_hash,
            fallback_addr: String::new(),
            cltv_expiry: r.cltv_expiry as i64,
            route_hints: route_hints(&r.route_hints),
            // rpcserver.go DecodePayReq: PaymentAddr.UnwrapOr([32]byte{}).
            payment_addr: r.payment_addr.unwrap_or_default().to_vec(),
            num_msat: r.amount_msat,
            features: r.features.iter().map(|&bit| super::feature(bit)).collect(),
            blinded_paths: vec![],
        })
    }
}
