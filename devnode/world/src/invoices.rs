//! One node's invoices (kept in lnd's channel database): their states (OPEN, ACCEPTED,
//! SETTLED, CANCELED), lnd's add and settle indexes, expiry, hold invoices (whose preimage
//! the node does not know until SettleInvoice) and keysend payments received.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// lnd's defaults: invoices expire after a day and ask for the node's time-lock delta as
/// their final CLTV delta.
pub const DEFAULT_EXPIRY: i64 = 86_400;
pub const DEFAULT_CLTV: u64 = crate::routing::TIME_LOCK_DELTA as u64;
/// The custom record that carries a keysend payment's preimage.
pub const KEYSEND_RECORD: u64 = 5_482_373_484;
/// lnd's `FinalCltvRejectDelta` (DefaultIncomingBroadcastDelta + 3): the final delta of the
/// invoice a keysend makes, and how close to its expiry a keysend HTLC may arrive.
pub const KEYSEND_CLTV: u64 = 13;
/// lnd's longest memo.
pub const MAX_MEMO: usize = 1024;

/// The largest invoice lnd makes (`addinvoice.go` maxInvoiceAmt), in sat.
pub const MAX_INVOICE_SAT: i64 = 100_000 * 100_000_000;

/// What AddInvoice and AddHoldInvoice ask for.
pub struct NewInvoice {
    pub memo: String,
    pub description_hash: Vec<u8>,
    pub preimage: Option<Vec<u8>>,
    pub hash: Option<Vec<u8>>,
    pub value: i64,
    pub value_msat: i64,
    pub expiry: i64,
    pub cltv_expiry: u64,
    pub private: bool,
    pub hold: bool,
}

/// What a new invoice is made with besides the request: the node's key (none while
/// locked), 64 random bytes (a preimage, then the payment address), the time, and the route
/// hints of the node's private channels (used if the invoice is private).
pub struct Maker<'a> {
    pub key: Option<bitcoin::secp256k1::SecretKey>,
    pub entropy: [u8; 64],
    pub created: i64,
    pub hints: Vec<Vec<bolt11::HintHop>>,
    pub network: &'a str,
}

impl NewInvoice {
    /// lnd's `invoicesrpc.AddInvoice`, checked in lnd's order: the amount
    /// (`lnrpc.UnmarshallAmt`), the preimage or hash (`lntypes.MakePreimage`/`MakeHash`),
    /// then the memo and the description hash; errors are lnd's words. The invoice is not
    /// numbered until `InvoiceDb::add` stores it.
    pub fn make(self, m: Maker) -> Result<Invoice, String> {
        let n = self;
        if n.value != 0 && n.value_msat != 0 {
            return Err("sat and msat arguments are mutually exclusive".into());
        }
        if n.value < 0 || n.value_msat < 0 {
            return Err("amount cannot be negative".into());
        }
        let value_msat = if n.value_msat != 0 { n.value_msat } else { n.value.saturating_mul(1000) };
        let preimage = match (&n.preimage, n.hold) {
            (Some(p), _) if p.len() != 32 => return Err(format!("invalid preimage length of {}, want 32", p.len())),
            (Some(p), _) => Some(p.clone()),
            (None, true) => None,
            (None, false) => Some(m.entropy[..32].to_vec()),
        };
        let hash: [u8; 32] = match (&n.hash, &preimage) {
            (Some(h), _) => h.as_slice().try_into().map_err(|_| format!("invalid hash length of {}, want 32", h.len()))?,
            (None, Some(p)) => Sha256::digest(p).into(),
            (None, None) => return Err("hash must be specified".into()),
        };
        if n.memo.len() > MAX_MEMO {
            return Err(format!("memo too large: {} bytes (maxsize={MAX_MEMO})", n.memo.len()));
        }
        if !n.description_hash.is_empty() && n.description_hash.len() != 32 {
            return Err(format!("description hash is {} bytes, must be 32", n.description_hash.len()));
        }
        // In btcutil.Amount's words: eight decimals once there is a fraction.
        let sat = value_msat / 1000;
        if sat > MAX_INVOICE_SAT {
            let btc = if sat % 100_000_000 == 0 { format!("{}", sat / 100_000_000) } else { format!("{}.{:08}", sat / 100_000_000, sat % 100_000_000) };
            return Err(format!("invoice amount {btc} BTC is too large, max is 100000 BTC"));
        }
        let payment_addr: [u8; 32] = m.entropy[32..].try_into().expect("32 of 64 bytes");
        // A zero or negative expiry means the default.
        let expiry = if n.expiry <= 0 { DEFAULT_EXPIRY } else { n.expiry };
        let cltv_expiry = if n.cltv_expiry == 0 { DEFAULT_CLTV } else { n.cltv_expiry };
        let key = m.key.ok_or("wallet locked, unlock it to enable full RPC access")?;
        let request = bolt11::Request {
            destination: String::new(),
            payment_hash: hash,
            payment_addr: Some(payment_addr),
            amount_msat: value_msat,
            timestamp: m.created,
            expiry,
            description: n.memo.clone(),
            description_hash: hex::encode(&n.description_hash),
            cltv_expiry,
            route_hints: if n.private { m.hints } else { vec![] },
            features: vec![],
            network: m.network.into(),
        };
        let payment_request = bolt11::encode(&key, &request)?;
        Ok(Invoice {
            memo: n.memo,
            description_hash: hex::encode(&n.description_hash),
            preimage: preimage.map(hex::encode),
            payment_addr: hex::encode(payment_addr),
            private: n.private,
            payment_request,
            hold: n.hold,
            ..Invoice::open(hex::encode(hash), value_msat, m.created, expiry, cltv_expiry)
        })
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum State {
    Open,
    Accepted,
    Settled,
    Canceled,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Invoice {
    pub memo: String,
    /// AddInvoice's description_hash (hex): the request carries it instead of the memo.
    #[serde(default)]
    pub description_hash: String,
    /// Hex; absent for a hold invoice until it is settled.
    pub preimage: Option<String>,
    pub hash: String,
    pub payment_addr: String,
    pub value_msat: i64,
    pub created: i64,
    pub settled_at: i64,
    pub expiry: i64,
    pub cltv_expiry: u64,
    pub private: bool,
    pub add_index: u64,
    pub settle_index: u64,
    pub paid_msat: i64,
    pub state: State,
    pub payment_request: String,
    pub hold: bool,
    pub keysend: bool,
    /// The HTLCs that paid (or tried to pay) it, as lnd's invoice registry keeps them.
    #[serde(default)]
    pub htlcs: Vec<InvoiceHtlc>,
}

impl Invoice {
    /// A new open invoice: nothing paid yet, numbered when `InvoiceDb::add` stores it.
    pub fn open(hash: String, value_msat: i64, created: i64, expiry: i64, cltv_expiry: u64) -> Self {
        Invoice {
            memo: String::new(),
            description_hash: String::new(),
            preimage: None,
            hash,
            payment_addr: String::new(),
            value_msat,
            created,
            settled_at: 0,
            expiry,
            cltv_expiry,
            private: false,
            add_index: 0,
            settle_index: 0,
            paid_msat: 0,
            state: State::Open,
            payment_request: String::new(),
            hold: false,
            keysend: false,
            htlcs: vec![],
        }
    }

    /// The HTLCs waiting: parts of a payment still gathering, or a held payment.
    pub fn accepted(&self) -> impl Iterator<Item = &InvoiceHtlc> {
        self.htlcs.iter().filter(|h| h.state == HtlcState::Accepted)
    }

    fn resolve_accepted(&mut self, to: HtlcState, now_ms: i64) {
        for h in self.htlcs.iter_mut().filter(|h| h.state == HtlcState::Accepted) {
            h.state = to;
            h.resolved_ms = now_ms;
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum HtlcState {
    Accepted,
    Settled,
    Canceled,
}

/// One incoming HTLC of an invoice. A multi-path payment's parts wait here, accepted,
/// until their sum reaches the total the payer announced (its MPP record).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InvoiceHtlc {
    pub chan_id: u64,
    pub htlc_index: u64,
    pub amt_msat: i64,
    pub accept_height: u32,
    pub accepted_ms: i64,
    pub resolved_ms: i64,
    pub expiry_height: u32,
    pub state: HtlcState,
    /// The payment's total from the MPP record (0 for a keysend or legacy HTLC).
    pub mpp_total_msat: i64,
    pub custom_records: BTreeMap<u64, String>,
}

/// An HTLC arriving for an invoice: what the final hop's onion says.
#[derive(Debug, Clone, Default)]
pub struct Arriving {
    pub chan_id: u64,
    pub htlc_index: u64,
    pub amount_msat: i64,
    pub expiry_height: u32,
    /// The MPP record: payment address and the payment's total.
    pub mpp: Option<([u8; 32], i64)>,
    pub keysend: bool,
    pub custom_records: BTreeMap<u64, String>,
}

/// How long a partial multi-path payment may wait for its other parts
/// (lnd's `DefaultHtlcHoldDuration`); then its parts fail back with MPP_TIMEOUT.
pub const MPP_TIMEOUT_MS: u64 = 120_000;

/// lnd's `holdexpirydelta` default (`DefaultIncomingBroadcastDelta` + 2).
pub const HOLD_EXPIRY_DELTA: u32 = 12;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InvoiceError {
    #[error("invoice with payment hash already exists")]
    Duplicate,
    #[error("unable to locate invoice")]
    NotFound,
    #[error("invoice already canceled")]
    AlreadyCanceled,
    #[error("invoice already settled")]
    AlreadySettled,
    #[error("invoice still open")]
    StillOpen,
    #[error("preimage does not match")]
    PreimageMismatch,
    /// An arriving HTLC refused (failed back to its payer, never an RPC error).
    #[error("{}", .0.words())]
    Refused(Refusal),
}

/// Why the invoice registry refuses or fails back an HTLC (lnd's `FailResolutionResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    AlreadyCanceled,
    AlreadySettled,
    AmountTooLow,
    ExpiryTooSoon,
    Canceled,
    NotOpen,
    MppTimeout,
    AddressMismatch,
    SetTotalMismatch,
    SetTotalTooLow,
    KeysendError,
    MppInProgress,
}

impl Refusal {
    /// Whether lnd fails every part of the set with it, not just the arriving one.
    pub fn fails_the_set(self) -> bool {
        matches!(self, Refusal::SetTotalMismatch | Refusal::SetTotalTooLow)
    }

    /// lnd's `FailureString()`.
    pub fn words(self) -> &'static str {
        match self {
            Refusal::NotFound => "invoice not found",
            Refusal::AlreadyCanceled => "invoice already canceled",
            Refusal::AlreadySettled => "invoice already settled",
            Refusal::AmountTooLow => "amount too low",
            Refusal::ExpiryTooSoon => "expiry too soon",
            Refusal::Canceled => "canceled",
            Refusal::NotOpen => "invoice no longer open",
            Refusal::MppTimeout => "mpp timeout",
            Refusal::AddressMismatch => "payment address mismatch",
            Refusal::SetTotalMismatch => "htlc total amt doesn't match set total",
            Refusal::SetTotalTooLow => "set total too low for invoice",
            Refusal::KeysendError => "invalid keysend parameters",
            Refusal::MppInProgress => "mpp reception in progress",
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct InvoiceDb {
    pub invoices: Vec<Invoice>,
    pub settle_counter: u64,
}

/// What an incoming HTLC did to an invoice.
#[derive(Debug, Clone, PartialEq)]
pub enum Accepted {
    /// The payment is complete and settled; the preimage goes back along every part's route.
    Settled { preimage: String },
    /// A hold invoice is fully paid: its HTLCs stay until SettleInvoice or CancelInvoice.
    Held,
    /// One part of a multi-path payment: it waits for the others.
    Partial,
}

impl InvoiceDb {
    pub fn get(&self, hash: &str) -> Option<&Invoice> {
        self.invoices.iter().find(|i| i.hash == hash)
    }

    fn get_mut(&mut self, hash: &str) -> Result<&mut Invoice, InvoiceError> {
        self.invoices.iter_mut().find(|i| i.hash == hash).ok_or(InvoiceError::NotFound)
    }

    /// A keysend arriving (`htlc` carries its preimage in `KEYSEND_RECORD`, hex): lnd's
    /// invoice registry (processKeySend) makes an open invoice of it, for the amount that
    /// arrived, with no expiry and a final delta of `KEYSEND_CLTV`, which `accept` then
    /// settles with that preimage. Nothing is made for an HTLC without the record; one whose
    /// preimage is not the hash's, that is part of a multi-path set, that expires too soon,
    /// or whose hash an invoice already has, is refused.
    pub fn add_keysend(&mut self, hash: &str, htlc: &Arriving, height: u32, now: i64) -> Result<Option<Invoice>, Refusal> {
        let Some(preimage_hex) = htlc.custom_records.get(&KEYSEND_RECORD) else { return Ok(None) };
        let preimage = hex::decode(preimage_hex).map_err(|_| Refusal::KeysendError)?;
        if sha256_hex(&preimage) != hash || htlc.mpp.is_some() || (htlc.expiry_height as u64) < height as u64 + KEYSEND_CLTV {
            return Err(Refusal::KeysendError);
        }
        let keysend =
            Invoice { preimage: Some(hex::encode(&preimage)), keysend: true, ..Invoice::open(hash.to_string(), htlc.amount_msat, now, 0, KEYSEND_CLTV) };
        self.add(keysend).map(Some).map_err(|_| Refusal::KeysendError)
    }

    pub fn add(&mut self, mut invoice: Invoice) -> Result<Invoice, InvoiceError> {
        if self.get(&invoice.hash).is_some() {
            return Err(InvoiceError::Duplicate);
        }
        invoice.add_index = self.invoices.len() as u64 + 1;
        self.invoices.push(invoice.clone());
        Ok(invoice)
    }

    fn settle_now(&mut self, hash: &str, now_ms: i64) -> Result<Invoice, InvoiceError> {
        self.settle_counter += 1;
        let index = self.settle_counter;
        let inv = self.get_mut(hash)?;
        inv.state = State::Settled;
        inv.settle_index = index;
        inv.settled_at = now_ms / 1000;
        inv.resolve_accepted(HtlcState::Settled, now_ms);
        Ok(inv.clone())
    }

    /// An HTLC paying `hash` arrived: lnd's invoice registry decides. With an MPP record
    /// (every invoice payment): the invoice must be open, the payment address must match,
    /// the announced total must cover the invoice and agree with the parts already here;
    /// the set completes when the parts reach the total. Without one (keysend): the amount
    /// must cover the invoice, and an invoice requiring a payment address refuses it.
    pub fn accept(&mut self, hash: &str, htlc: Arriving, height: u32, now_ms: i64) -> Result<(Accepted, Invoice), InvoiceError> {
        let refuse = |why| Err(InvoiceError::Refused(why));
        let Ok(inv) = self.get_mut(hash) else { return refuse(Refusal::NotFound) };
        let total = match htlc.mpp {
            Some((addr, total)) => {
                if inv.state != State::Open {
                    return refuse(Refusal::NotOpen);
                }
                if hex::encode(addr) != inv.payment_addr {
                    return refuse(Refusal::AddressMismatch);
                }
                let set_failure = if total == 0 || total < inv.value_msat {
                    Some(Refusal::SetTotalTooLow)
                } else if inv.accepted().any(|h| h.mpp_total_msat != total) {
                    Some(Refusal::SetTotalMismatch)
                } else {
                    None
                };
                if let Some(why) = set_failure {
                    // lnd fails the whole set for these (IsSetFailure): the parts already
                    // waiting go back with the arriving one.
                    inv.resolve_accepted(HtlcState::Canceled, now_ms);
                    return refuse(why);
                }
                total
            }
            None => {
                match inv.state {
                    State::Canceled => return refuse(Refusal::AlreadyCanceled),
                    State::Settled | State::Accepted => return refuse(Refusal::AlreadySettled),
                    State::Open => {}
                }
                if htlc.amount_msat < inv.value_msat {
                    return refuse(Refusal::AmountTooLow);
                }
                // Invoices require a payment address; only a keysend may come without one.
                if !htlc.keysend {
                    return refuse(Refusal::AddressMismatch);
                }
                if inv.accepted().any(|h| h.mpp_total_msat > 0) {
                    return refuse(Refusal::MppInProgress);
                }
                htlc.amount_msat
            }
        };
        // lnd's expiry watcher cancels an invoice once it expires; until it has, an HTLC
        // arriving late meets an invoice that is no longer open to it.
        if !inv.keysend && inv.created + inv.expiry < now_ms / 1000 {
            return refuse(Refusal::NotOpen);
        }
        if (htlc.expiry_height as u64) < height as u64 + inv.cltv_expiry {
            return refuse(Refusal::ExpiryTooSoon);
        }
        inv.htlcs.push(InvoiceHtlc {
            chan_id: htlc.chan_id,
            htlc_index: htlc.htlc_index,
            amt_msat: htlc.amount_msat,
            accept_height: height,
            accepted_ms: now_ms,
            resolved_ms: 0,
            expiry_height: htlc.expiry_height,
            state: HtlcState::Accepted,
            mpp_total_msat: if htlc.mpp.is_some() { total } else { 0 },
            custom_records: htlc.custom_records,
        });
        let arrived: i64 = inv.accepted().map(|h| h.amt_msat).sum();
        if arrived < total {
            return Ok((Accepted::Partial, inv.clone()));
        }
        // lnd counts what was paid once the set is complete, not while it gathers.
        inv.paid_msat = arrived;
        if inv.hold {
            inv.state = State::Accepted;
            return Ok((Accepted::Held, inv.clone()));
        }
        let preimage = inv.preimage.clone().expect("a regular invoice knows its preimage");
        let settled = self.settle_now(hash, now_ms)?;
        Ok((Accepted::Settled { preimage }, settled))
    }

    /// The accepted parts of a partial payment that waited too long (`timeout_ms`), by
    /// invoice: they are canceled here, and the caller fails them back to their payers.
    pub fn expire_parts(&mut self, now_ms: i64, timeout_ms: u64) -> Vec<(Invoice, Vec<u64>)> {
        let mut expired = Vec::new();
        for inv in self.invoices.iter_mut().filter(|i| i.state == State::Open) {
            let mut parts = Vec::new();
            for h in inv.htlcs.iter_mut().filter(|h| h.state == HtlcState::Accepted && h.accepted_ms + timeout_ms as i64 <= now_ms) {
                h.state = HtlcState::Canceled;
                h.resolved_ms = now_ms;
                parts.push(h.htlc_index);
            }
            if !parts.is_empty() {
                expired.push((inv.clone(), parts));
            }
        }
        expired
    }

    /// SettleInvoice: only an accepted hold invoice, with the preimage that hashes to it.
    pub fn settle(&mut self, preimage: &[u8], now_ms: i64) -> Result<Invoice, InvoiceError> {
        let hash = sha256_hex(preimage);
        let inv = self.get_mut(&hash)?;
        match inv.state {
            State::Settled => return Ok(inv.clone()),
            State::Canceled => return Err(InvoiceError::AlreadyCanceled),
            State::Open => return Err(InvoiceError::StillOpen),
            State::Accepted => {}
        }
        inv.preimage = Some(hex::encode(preimage));
        self.settle_now(&hash, now_ms)
    }

    /// What lnd's invoice expiry watcher cancels now: open invoices past their expiry time,
    /// and accepted hold invoices whose HTLC is within `HOLD_EXPIRY_DELTA` blocks of timing
    /// out (so the channel need not be force closed).
    pub fn due(&self, height: u32, now: i64) -> Vec<String> {
        self.invoices
            .iter()
            .filter(|i| match i.state {
                State::Open => i.created + i.expiry < now,
                State::Accepted => i.accepted().any(|h| height + HOLD_EXPIRY_DELTA >= h.expiry_height),
                _ => false,
            })
            .map(|i| i.hash.clone())
            .collect()
    }

    /// CancelInvoice: anything not settled; its waiting HTLCs fail back.
    pub fn cancel(&mut self, hash: &str, now_ms: i64) -> Result<Invoice, InvoiceError> {
        let inv = self.get_mut(hash)?;
        match inv.state {
            State::Settled => Err(InvoiceError::AlreadySettled),
            _ => {
                inv.state = State::Canceled;
                inv.resolve_accepted(HtlcState::Canceled, now_ms);
                Ok(inv.clone())
            }
        }
    }

    /// lnd's ListInvoices paging: `index_offset` is an add index, exclusive; `reversed`
    /// pages backwards from it (from the newest when 0). Returns the page in ascending order.
    pub fn page(&self, pending_only: bool, offset: u64, max: u64, reversed: bool) -> Vec<&Invoice> {
        let wanted = |i: &&Invoice| !pending_only || matches!(i.state, State::Open | State::Accepted);
        // rpcserver.go ListInvoices: an unset page size is 100.
        let max = if max == 0 { 100 } else { max as usize };
        if reversed {
            let end = if offset == 0 { u64::MAX } else { offset };
            let mut page: Vec<&Invoice> = self.invoices.iter().rev().filter(|i| i.add_index < end).filter(wanted).take(max).collect();
            page.reverse();
            page
        } else {
            self.invoices.iter().filter(|i| i.add_index > offset).filter(wanted).take(max).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(value: i64) -> NewInvoice {
        NewInvoice {
            memo: "tea".into(),
            description_hash: vec![],
            preimage: None,
            hash: None,
            value,
            value_msat: 0,
            expiry: 0,
            cltv_expiry: 0,
            private: false,
            hold: false,
        }
    }

    fn maker() -> Maker<'static> {
        let hint = bolt11::HintHop {
            // The generator point: any valid key will do.
            node_id: "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798".into(),
            chan_id: 42,
            fee_base_msat: 1000,
            fee_proportional_millionths: 1,
            cltv_expiry_delta: 80,
        };
        let mut entropy = [3u8; 64];
        entropy[32..].fill(9);
        Maker {
            key: Some(bitcoin::secp256k1::SecretKey::from_slice(&[7; 32]).unwrap()),
            entropy,
            created: 1_700_000_000,
            hints: vec![vec![hint]],
            network: "regtest",
        }
    }

    #[test]
    fn an_invoice_is_made_as_lnd_makes_one() {
        let made = asked(1_234).make(maker()).unwrap();
        assert_eq!(made.preimage, Some(hex::encode([3u8; 32])), "the preimage is the first 32 random bytes");
        assert_eq!(made.hash, sha256_hex(&[3u8; 32]));
        assert_eq!(made.payment_addr, hex::encode([9u8; 32]));
        assert_eq!((made.value_msat, made.expiry, made.cltv_expiry, made.created), (1_234_000, DEFAULT_EXPIRY, DEFAULT_CLTV, 1_700_000_000));
        assert_eq!((made.state, made.add_index), (State::Open, 0), "numbered only when stored");
        let request = bolt11::decode_for(&made.payment_request, "regtest").unwrap();
        assert_eq!((request.payment_hash.to_vec(), request.amount_msat, request.description.as_str()), (hex::decode(&made.hash).unwrap(), 1_234_000, "tea"));
        assert!(request.route_hints.is_empty(), "a public invoice carries no hints");

        let private = NewInvoice { private: true, value: 0, value_msat: 1_500, expiry: -5, cltv_expiry: 40, ..asked(0) }.make(maker()).unwrap();
        assert_eq!((private.value_msat, private.expiry, private.cltv_expiry), (1_500, DEFAULT_EXPIRY, 40), "a negative expiry is the default");
        assert_eq!(bolt11::decode(&private.payment_request).unwrap().route_hints[0][0].chan_id, 42);

        let hash = [5u8; 32];
        let held = NewInvoice { hold: true, hash: Some(hash.to_vec()), ..asked(10) }.make(maker()).unwrap();
        assert_eq!((held.preimage, held.hash, held.hold), (None, hex::encode(hash), true), "a hold invoice's preimage stays with its maker");
    }

    #[test]
    fn a_keysend_becomes_an_invoice_for_what_arrived_only_with_its_own_preimage() {
        let mut db = InvoiceDb::default();
        let preimage = [4u8; 32];
        let hash = sha256_hex(&preimage);
        let keysend = |preimage_hex: &str| Arriving {
            amount_msat: 21_000,
            expiry_height: 100 + KEYSEND_CLTV as u32,
            keysend: true,
            custom_records: BTreeMap::from([(KEYSEND_RECORD, preimage_hex.to_string())]),
            ..Arriving::default()
        };
        let ours = keysend(&hex::encode(preimage));
        assert_eq!(db.add_keysend(&hash, &Arriving::default(), 100, 10), Ok(None), "an HTLC without the record makes nothing");
        assert_eq!(db.add_keysend(&hash, &keysend(&hex::encode([5u8; 32])), 100, 10), Err(Refusal::KeysendError), "another hash's preimage");
        assert_eq!(db.add_keysend(&hash, &keysend("not hex"), 100, 10), Err(Refusal::KeysendError));
        let part = Arriving { mpp: Some(([1; 32], 42_000)), ..ours.clone() };
        assert_eq!(db.add_keysend(&hash, &part, 100, 10), Err(Refusal::KeysendError), "lnd takes no multi-path keysend");
        assert_eq!(db.add_keysend(&hash, &ours, 101, 10), Err(Refusal::KeysendError), "final expiry too soon");
        assert!(db.invoices.is_empty(), "nothing refused was kept");

        let made = db.add_keysend(&hash, &ours, 100, 10).unwrap().expect("an invoice");
        assert_eq!(
            (made.state, made.keysend, made.preimage.clone(), made.value_msat, made.expiry, made.cltv_expiry, made.add_index),
            (State::Open, true, Some(hex::encode(preimage)), 21_000, 0, KEYSEND_CLTV, 1),
            "lnd's keysend invoice: open, for the amount that arrived, no expiry, a final delta of 13"
        );
        assert_eq!(db.add_keysend(&hash, &ours, 100, 11), Err(Refusal::KeysendError), "the hash is taken");
        let (accepted, settled) = db.accept(&hash, ours, 100, 3_600_000).unwrap();
        assert_eq!(
            (accepted, settled.state, settled.paid_msat),
            (Accepted::Settled { preimage: hex::encode(preimage) }, State::Settled, 21_000),
            "settled although its expiry is 0"
        );
    }

    #[test]
    fn an_invoice_lnd_would_not_make_is_refused_in_its_words_and_order() {
        let refused = |n: NewInvoice| n.make(maker()).unwrap_err();
        assert_eq!(
            refused(NewInvoice { value_msat: 5, preimage: Some(vec![1]), ..asked(1) }),
            "sat and msat arguments are mutually exclusive",
            "the amount is read before the preimage"
        );
        assert_eq!(refused(asked(-1)), "amount cannot be negative");
        assert_eq!(refused(NewInvoice { preimage: Some(vec![1; 31]), ..asked(1) }), "invalid preimage length of 31, want 32");
        assert_eq!(refused(NewInvoice { hash: Some(vec![1; 33]), hold: true, ..asked(1) }), "invalid hash length of 33, want 32");
        assert_eq!(refused(NewInvoice { hold: true, ..asked(1) }), "hash must be specified");
        assert_eq!(refused(NewInvoice { memo: "m".repeat(MAX_MEMO + 1), ..asked(1) }), "memo too large: 1025 bytes (maxsize=1024)");
        assert_eq!(refused(NewInvoice { description_hash: vec![0; 31], ..asked(1) }), "description hash is 31 bytes, must be 32");
        assert_eq!(refused(asked(MAX_INVOICE_SAT + 50_000_000)), "invoice amount 100000.50000000 BTC is too large, max is 100000 BTC");
        assert_eq!(refused(asked(MAX_INVOICE_SAT + 100_000_000)), "invoice amount 100001 BTC is too large, max is 100000 BTC");
        assert!(asked(MAX_INVOICE_SAT).make(maker()).is_ok(), "100,000 BTC itself is allowed");
        assert_eq!(asked(1).make(Maker { key: None, ..maker() }).unwrap_err(), "wallet locked, unlock it to enable full RPC access");
    }

    const ADDR: [u8; 32] = [7; 32];

    fn db(value_msat: i64, hold: bool) -> InvoiceDb {
        let mut db = InvoiceDb::default();
        let preimage = [1u8; 32];
        db.add(Invoice {
            preimage: (!hold).then(|| hex::encode(preimage)),
            payment_addr: hex::encode(ADDR),
            hold,
            ..Invoice::open(sha256_hex(&preimage), value_msat, 1_000, 3_600, 40)
        })
        .unwrap();
        db
    }

    fn part(index: u64, amount_msat: i64, total: i64) -> Arriving {
        Arriving { chan_id: 5, htlc_index: index, amount_msat, expiry_height: 150, mpp: Some((ADDR, total)), keysend: false, custom_records: BTreeMap::new() }
    }

    fn hash() -> String {
        sha256_hex(&[1u8; 32])
    }

    const NOW_MS: i64 = 1_100_000;

    #[test]
    fn a_page_without_a_size_is_lnds_hundred() {
        let mut db = InvoiceDb::default();
        for i in 0u8..120 {
            db.add(Invoice { payment_addr: hex::encode([i; 32]), ..Invoice::open(sha256_hex(&[i; 32]), 1_000, 1_000, 3_600, 40) }).unwrap();
        }
        let page = db.page(false, 0, 0, false);
        assert_eq!((page.len(), page[0].add_index), (100, 1));
        let newest = db.page(false, 0, 0, true);
        assert_eq!((newest.len(), newest.last().map(|i| i.add_index)), (100, Some(120)));
        assert_eq!(db.page(false, 0, 5, false).len(), 5);
    }

    #[test]
    fn parts_wait_until_the_set_is_complete() {
        let mut db = db(100_000, false);
        let (first, inv) = db.accept(&hash(), part(1, 40_000, 100_000), 100, NOW_MS).unwrap();
        assert_eq!((first, inv.state, inv.paid_msat), (Accepted::Partial, State::Open, 0));
        let (second, inv) = db.accept(&hash(), part(2, 60_000, 100_000), 100, NOW_MS + 5).unwrap();
        assert!(matches!(second, Accepted::Settled { .. }));
        assert_eq!((inv.state, inv.paid_msat), (State::Settled, 100_000));
        assert!(inv.htlcs.iter().all(|h| h.state == HtlcState::Settled && h.resolved_ms == NOW_MS + 5));
        let late = db.accept(&hash(), part(3, 1_000, 100_000), 100, NOW_MS);
        assert_eq!(late.unwrap_err(), InvoiceError::Refused(Refusal::NotOpen));
    }

    #[test]
    fn a_hold_invoice_is_accepted_once_all_parts_are_in() {
        let mut db = db(100_000, true);
        assert_eq!(db.accept(&hash(), part(1, 50_000, 100_000), 100, NOW_MS).unwrap().0, Accepted::Partial);
        let (held, inv) = db.accept(&hash(), part(2, 50_000, 100_000), 100, NOW_MS).unwrap();
        assert_eq!((held, inv.state, inv.accepted().count()), (Accepted::Held, State::Accepted, 2));
        let canceled = db.cancel(&hash(), NOW_MS + 1).unwrap();
        assert!(canceled.htlcs.iter().all(|h| h.state == HtlcState::Canceled));
    }

    #[test]
    fn parts_that_disagree_are_refused() {
        let mut db = db(100_000, false);
        let refused = |db: &mut InvoiceDb, htlc| db.accept(&hash(), htlc, 100, NOW_MS).unwrap_err();
        assert_eq!(refused(&mut db, part(1, 100_000, 90_000)), InvoiceError::Refused(Refusal::SetTotalTooLow));
        assert_eq!(refused(&mut db, Arriving { mpp: Some(([8; 32], 100_000)), ..part(1, 100_000, 0) }), InvoiceError::Refused(Refusal::AddressMismatch));
        assert_eq!(refused(&mut db, Arriving { expiry_height: 139, ..part(1, 100_000, 100_000) }), InvoiceError::Refused(Refusal::ExpiryTooSoon));
        assert_eq!(refused(&mut db, Arriving { mpp: None, ..part(1, 100_000, 0) }), InvoiceError::Refused(Refusal::AddressMismatch));
        db.accept(&hash(), part(1, 40_000, 100_000), 100, NOW_MS).unwrap();
        assert_eq!(refused(&mut db, Arriving { mpp: None, keysend: true, ..part(2, 100_000, 0) }), InvoiceError::Refused(Refusal::MppInProgress));
        assert_eq!(refused(&mut db, part(3, 60_000, 120_000)), InvoiceError::Refused(Refusal::SetTotalMismatch));
        let inv = db.get(&hash()).unwrap();
        assert_eq!((inv.state, inv.accepted().count()), (State::Open, 0), "the waiting part failed with the set");
        assert_eq!(inv.htlcs[0].state, HtlcState::Canceled);
    }

    #[test]
    fn waiting_parts_expire_after_the_mpp_timeout() {
        let mut db = db(100_000, false);
        db.accept(&hash(), part(1, 40_000, 100_000), 100, NOW_MS).unwrap();
        db.accept(&hash(), part(2, 20_000, 100_000), 100, NOW_MS + 1_000).unwrap();
        assert!(db.expire_parts(NOW_MS + MPP_TIMEOUT_MS as i64 - 1, MPP_TIMEOUT_MS).is_empty());
        let expired = db.expire_parts(NOW_MS + MPP_TIMEOUT_MS as i64, MPP_TIMEOUT_MS);
        assert_eq!(expired.len(), 1);
        assert_eq!((expired[0].0.state, expired[0].1.clone()), (State::Open, vec![1]));
        let (_, inv) = db.accept(&hash(), part(3, 80_000, 100_000), 100, NOW_MS + 2_000).unwrap();
        assert_eq!(inv.state, State::Settled, "the part still waiting and a new one complete the set");
        assert_eq!(inv.htlcs.iter().map(|h| h.state).collect::<Vec<_>>(), [HtlcState::Canceled, HtlcState::Settled, HtlcState::Settled]);
    }
}
