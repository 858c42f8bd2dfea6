//! One node's invoices (kept in lnd's channel database): their states (OPEN, ACCEPTED,
//! SETTLED, CANCELED), lnd's add and settle indexes, expiry, hold invoices (whose preimage
//! the node does not know until SettleInvoice) and keysend payments received.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// lnd's defaults: invoices expire after a day and ask for 80 blocks of final CLTV delta.
pub const DEFAULT_EXPIRY: i64 = 86_400;
pub const DEFAULT_CLTV: u64 = 80;
/// lnd's longest memo.
pub const MAX_MEMO: usize = 1024;

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
    /// When an HTLC was accepted (hold invoices): its height and expiry height.
    pub accept_height: u32,
    pub htlc_expiry: u32,
    #[serde(default)]
    pub custom_records: std::collections::BTreeMap<u64, String>,
}

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
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct InvoiceDb {
    pub invoices: Vec<Invoice>,
    pub settle_counter: u64,
}

/// What an incoming payment did to an invoice.
#[derive(Debug, Clone, PartialEq)]
pub enum Accepted {
    /// Settled at once; the preimage goes back along the route.
    Settled { preimage: String },
    /// A hold invoice: the HTLC stays until SettleInvoice or CancelInvoice.
    Held,
}

impl InvoiceDb {
    pub fn get(&self, hash: &str) -> Option<&Invoice> {
        self.invoices.iter().find(|i| i.hash == hash)
    }

    fn get_mut(&mut self, hash: &str) -> Result<&mut Invoice, InvoiceError> {
        self.invoices.iter_mut().find(|i| i.hash == hash).ok_or(InvoiceError::NotFound)
    }

    pub fn add(&mut self, mut invoice: Invoice) -> Result<Invoice, InvoiceError> {
        if self.get(&invoice.hash).is_some() {
            return Err(InvoiceError::Duplicate);
        }
        invoice.add_index = self.invoices.len() as u64 + 1;
        self.invoices.push(invoice.clone());
        Ok(invoice)
    }

    fn settle_now(&mut self, hash: &str, now: i64) -> Result<Invoice, InvoiceError> {
        self.settle_counter += 1;
        let index = self.settle_counter;
        let inv = self.get_mut(hash)?;
        inv.state = State::Settled;
        inv.settle_index = index;
        inv.settled_at = now;
        Ok(inv.clone())
    }

    /// An HTLC paying `hash` arrived with `amount_msat`: lnd's checks on the receiving side
    /// (unknown hash, expired, canceled, already paid, amount too low), then settle or hold.
    pub fn accept(&mut self, hash: &str, amount_msat: i64, height: u32, htlc_expiry: u32, now: i64) -> Result<(Accepted, Invoice), InvoiceError> {
        let inv = self.get_mut(hash)?;
        match inv.state {
            State::Canceled => return Err(InvoiceError::AlreadyCanceled),
            State::Settled | State::Accepted => return Err(InvoiceError::AlreadySettled),
            State::Open => {}
        }
        if inv.created + inv.expiry < now || amount_msat < inv.value_msat {
            return Err(InvoiceError::NotFound);
        }
        inv.paid_msat = amount_msat;
        if inv.hold {
            inv.state = State::Accepted;
            inv.accept_height = height;
            inv.htlc_expiry = htlc_expiry;
            return Ok((Accepted::Held, inv.clone()));
        }
        let preimage = inv.preimage.clone().expect("a regular invoice knows its preimage");
        let settled = self.settle_now(hash, now)?;
        Ok((Accepted::Settled { preimage }, settled))
    }

    /// SettleInvoice: only an accepted hold invoice, with the preimage that hashes to it.
    pub fn settle(&mut self, preimage: &[u8], now: i64) -> Result<Invoice, InvoiceError> {
        let hash = sha256_hex(preimage);
        let inv = self.get_mut(&hash)?;
        match inv.state {
            State::Settled => return Ok(inv.clone()),
            State::Canceled => return Err(InvoiceError::AlreadyCanceled),
            State::Open => return Err(InvoiceError::StillOpen),
            State::Accepted => {}
        }
        inv.preimage = Some(hex::encode(preimage));
        self.settle_now(&hash, now)
    }

    /// What lnd's invoice expiry watcher cancels now: open invoices past their expiry time,
    /// and accepted hold invoices whose HTLC is within `HOLD_EXPIRY_DELTA` blocks of timing
    /// out (so the channel need not be force closed).
    pub fn due(&self, height: u32, now: i64) -> Vec<String> {
        self.invoices
            .iter()
            .filter(|i| match i.state {
                State::Open => i.created + i.expiry < now,
                State::Accepted => i.htlc_expiry > 0 && height + HOLD_EXPIRY_DELTA >= i.htlc_expiry,
                _ => false,
            })
            .map(|i| i.hash.clone())
            .collect()
    }

    /// CancelInvoice: anything not settled.
    pub fn cancel(&mut self, hash: &str) -> Result<Invoice, InvoiceError> {
        let inv = self.get_mut(hash)?;
        match inv.state {
            State::Settled => Err(InvoiceError::AlreadySettled),
            _ => {
                inv.state = State::Canceled;
                Ok(inv.clone())
            }
        }
    }

    /// lnd's ListInvoices paging: `index_offset` is an add index, exclusive; `reversed`
    /// pages backwards from it (from the newest when 0). Returns the page in ascending order.
    pub fn page(&self, pending_only: bool, offset: u64, max: u64, reversed: bool) -> Vec<&Invoice> {
        let wanted = |i: &&Invoice| !pending_only || matches!(i.state, State::Open | State::Accepted);
        let max = if max == 0 { 1000 } else { max as usize };
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
