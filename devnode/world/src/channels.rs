//! One node's channel database (lnd's `channel.db`): its channels, their balances, and
//! their life on the chain. The chain is the source of truth for opens and closes: a
//! funding output with enough confirmations makes a channel open, and the transaction that
//! spends it tells how it closed (a delayed output paying a party's key is that party's
//! force close). Both ends of a channel keep their own record and reach the same verdict
//! from the same chain, even if one of them was offline meanwhile.

use bitcoin::opcodes::all::{OP_CHECKMULTISIG, OP_CHECKSIG, OP_CSV, OP_DROP, OP_ELSE, OP_ENDIF, OP_IF, OP_IFDUP, OP_NOTIF};
use bitcoin::script::{Builder, PushBytesBuf};
use bitcoin::{Address, Network, ScriptBuf};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::chain::{Chain, Output, Tx};

/// lnd's `funding.MinChanFundingSize`.
pub const MIN_CHAN_SIZE: i64 = 20_000;
/// lnd's `MaxBtcFundingAmount` (without wumbo channels).
pub const MAX_CHAN_SIZE: i64 = 16_777_215;
/// lnd's default confirmations before a channel opens (`bitcoin.defaultchanconfs`).
pub const FUNDING_CONFS: u32 = 3;
/// The commitment fee rate of anchor channels (lnd caps it at 10 sat/vB).
pub const FEE_PER_KW: i64 = 2_500;
/// An anchor commitment's weight without HTLCs.
pub const COMMIT_WEIGHT: i64 = 1_124;
/// Each of the two anchor outputs.
pub const ANCHOR_SAT: i64 = 330;
/// lnd's default CSV delay for small channels.
pub const CSV_DELAY: u32 = 144;
/// lnd's channel dust limit.
pub const DUST_LIMIT: i64 = 354;
/// lnd's default `maxpendingchannels`: how many channels still waiting for their funding
/// confirmations a node keeps with one peer, whichever side opened them.
pub const MAX_PENDING_CHANNELS: usize = 1;
/// lnd's `lnwire.ErrMaxPendingChannels` as the funding flow's error carries it.
pub const MAX_PENDING_REFUSAL: &str = "Number of pending channels exceed maximum";
/// Virtual sizes of the closing and sweep transactions, for their fees.
pub const CLOSE_VBYTES: i64 = 170;
pub const SWEEP_VBYTES: i64 = 122;

pub fn commit_fee() -> i64 {
    COMMIT_WEIGHT * FEE_PER_KW / 1000
}

/// Channel reserve: 1% of capacity, never below the dust limit.
pub fn reserve(capacity: i64) -> i64 {
    (capacity / 100).max(DUST_LIMIT)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PayTo {
    pub address: String,
    pub script_hex: String,
}

impl PayTo {
    pub fn output(&self, value: i64) -> Output {
        Output { address: self.address.clone(), script_hex: self.script_hex.clone(), value }
    }
}

fn p2wsh(script: &ScriptBuf) -> PayTo {
    let spk = ScriptBuf::new_p2wsh(&script.wscript_hash());
    PayTo { address: Address::p2wsh(script, Network::Regtest).to_string(), script_hex: spk.to_hex_string() }
}

fn key_bytes(pubkey_hex: &str) -> PushBytesBuf {
    PushBytesBuf::try_from(hex::decode(pubkey_hex).unwrap_or_default()).unwrap_or_default()
}

/// The 2-of-2 funding output of two nodes (keys sorted, as BOLT 3 orders them).
pub fn funding_output(a: &str, b: &str) -> PayTo {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    let script = Builder::new().push_int(2).push_slice(key_bytes(first)).push_slice(key_bytes(second)).push_int(2).push_opcode(OP_CHECKMULTISIG).into_script();
    p2wsh(&script)
}

/// The CSV-delayed `to_local` output of `owner`'s commitment (BOLT 3 shape); the
/// revocation key stands in as a hash of the channel point, so each channel's is unique.
pub fn to_local_output(chan_point: &str, owner: &str, csv: u32) -> PayTo {
    let mut revocation = vec![0x02];
    revocation.extend_from_slice(&Sha256::digest(format!("revocation {chan_point} {owner}")));
    let script = Builder::new()
        .push_opcode(OP_IF)
        .push_slice(PushBytesBuf::try_from(revocation).expect("33 bytes"))
        .push_opcode(OP_ELSE)
        .push_int(csv as i64)
        .push_opcode(OP_CSV)
        .push_opcode(OP_DROP)
        .push_slice(key_bytes(owner))
        .push_opcode(OP_ENDIF)
        .push_opcode(OP_CHECKSIG)
        .into_script();
    p2wsh(&script)
}

fn anchor_output(owner: &str) -> PayTo {
    let script = Builder::new()
        .push_slice(key_bytes(owner))
        .push_opcode(OP_CHECKSIG)
        .push_opcode(OP_IFDUP)
        .push_opcode(OP_NOTIF)
        .push_int(16)
        .push_opcode(OP_CSV)
        .push_opcode(OP_ENDIF)
        .into_script();
    p2wsh(&script)
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum CloseType {
    Cooperative,
    LocalForce,
    RemoteForce,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum Phase {
    PendingOpen,
    Open,
    /// A closing transaction is in the mempool; `local_initiated` if this node closed.
    WaitingClose {
        closing_txid: String,
        local_initiated: bool,
    },
    /// Our own commitment confirmed at `close_height`; our funds wait for the CSV delay,
    /// then a sweep returns them to the wallet.
    ForceClosing {
        closing_txid: String,
        close_height: u32,
        sweep_txid: Option<String>,
    },
}

/// Routing policy one side sets for forwarding through the channel.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Policy {
    pub base_fee_msat: i64,
    pub fee_rate_ppm: i64,
    pub time_lock_delta: u32,
    pub min_htlc_msat: i64,
    pub disabled: bool,
    /// 0: lnd's default, the capacity less the reserve.
    #[serde(default)]
    pub max_htlc_msat: i64,
}

impl Default for Policy {
    /// lnd's defaults: 1 sat base fee, 1 ppm, 80 blocks.
    fn default() -> Self {
        Policy {
            base_fee_msat: 1_000,
            fee_rate_ppm: 1,
            time_lock_delta: crate::routing::TIME_LOCK_DELTA,
            min_htlc_msat: 1_000,
            disabled: false,
            max_htlc_msat: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Channel {
    pub funding_txid: String,
    pub output_index: u32,
    pub remote_pubkey: String,
    pub capacity: i64,
    pub local_msat: i64,
    pub remote_msat: i64,
    pub initiator: bool,
    pub private: bool,
    pub push_sat: i64,
    pub csv_delay: u32,
    pub chan_id: u64,
    pub local_payout: PayTo,
    pub remote_payout: PayTo,
    pub phase: Phase,
    pub sent_msat: i64,
    pub received_msat: i64,
    pub updates: u64,
    pub opened_at: i64,
    pub local_policy: Policy,
    pub remote_policy: Policy,
    pub memo: String,
    /// HTLCs in flight (hold invoices waiting on the receiver).
    #[serde(default)]
    pub htlcs: Vec<Htlc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Htlc {
    pub hash: String,
    pub amount_msat: i64,
    pub incoming: bool,
    pub expiry: u32,
}

impl Channel {
    pub fn chan_point(&self) -> String {
        format!("{}:{}", self.funding_txid, self.output_index)
    }

    pub fn local_sat(&self) -> i64 {
        self.local_msat / 1000
    }

    pub fn remote_sat(&self) -> i64 {
        self.remote_msat / 1000
    }

    /// What the opener set aside for the commitment fee and anchors; returned to it in a
    /// cooperative close.
    pub fn opener_held(&self) -> i64 {
        commit_fee() + 2 * ANCHOR_SAT
    }
}

/// OpenChannel's amounts, checked first, in rpcserver.go parseOpenChannelReq's order and
/// words (without wumbo channels).
pub fn check_open_amounts(funding_sat: i64, push_sat: i64) -> Result<(), String> {
    if funding_sat == 0 {
        return Err("local funding amount must be non-zero".into());
    }
    if push_sat < 0 || push_sat >= funding_sat {
        return Err("amount pushed to remote peer for initial state must be below the local funding amount".into());
    }
    if funding_sat > MAX_CHAN_SIZE {
        return Err("funding amount is too large, the max channel size is: 0.16777215 BTC".into());
    }
    if funding_sat < MIN_CHAN_SIZE {
        return Err(format!("channel is too small, the minimum channel size is: {MIN_CHAN_SIZE} SAT"));
    }
    Ok(())
}

/// What the funder hears when the peer's funding manager refuses its open_channel: the
/// peer, the pending channel id the funder chose, and the peer's reason.
pub fn funding_refusal(peer: &str, pending_chan_id: [u8; 32], reason: &str) -> String {
    format!("received funding error from {peer}: chan_id={}, err={reason}", hex::encode(pending_chan_id))
}

/// CloseChannel on the channel at `cp`, if this node has it: lnd's refusals for a channel
/// not found, still pending, or already closing.
pub fn check_close<'a>(ch: Option<&'a Channel>, cp: &str) -> Result<&'a Channel, String> {
    let ch = ch.ok_or("channel not found")?;
    match ch.phase {
        Phase::Open => Ok(ch),
        Phase::PendingOpen => Err("cannot close pending channel".into()),
        _ => Err(format!("channel {cp} is already being closed")),
    }
}

/// A channel being funded, as the funding flow agrees it between the two nodes.
pub struct Funding<'a> {
    pub funding_txid: &'a str,
    pub output_index: u32,
    pub opener: &'a str,
    pub peer: &'a str,
    pub capacity: i64,
    pub push_sat: i64,
    pub private: bool,
    pub opener_payout: PayTo,
    pub peer_payout: PayTo,
    pub now: i64,
    /// The opener's note; it stays with the opener.
    pub memo: String,
}

impl Funding<'_> {
    /// The opener's record, then the peer's.
    pub fn records(self) -> (Channel, Channel) {
        let side = |initiator: bool, remote_pubkey: &str, local_payout: &PayTo, remote_payout: &PayTo, memo: String| {
            new_channel(NewChannel {
                funding_txid: self.funding_txid,
                output_index: self.output_index,
                remote_pubkey,
                capacity: self.capacity,
                push_sat: self.push_sat,
                initiator,
                private: self.private,
                local_payout: local_payout.clone(),
                remote_payout: remote_payout.clone(),
                now: self.now,
                memo,
            })
        };
        let opener = side(true, self.peer, &self.opener_payout, &self.peer_payout, self.memo.clone());
        let peer = side(false, self.opener, &self.peer_payout, &self.opener_payout, String::new());
        (opener, peer)
    }
}

/// One side's record of a new channel, as the funding flow agrees it.
pub struct NewChannel<'a> {
    pub funding_txid: &'a str,
    pub output_index: u32,
    pub remote_pubkey: &'a str,
    pub capacity: i64,
    pub push_sat: i64,
    pub initiator: bool,
    pub private: bool,
    pub local_payout: PayTo,
    pub remote_payout: PayTo,
    pub now: i64,
    pub memo: String,
}

pub fn new_channel(n: NewChannel<'_>) -> Channel {
    let opener_balance = n.capacity - commit_fee() - 2 * ANCHOR_SAT - n.push_sat;
    let (local, remote) = if n.initiator { (opener_balance, n.push_sat) } else { (n.push_sat, opener_balance) };
    Channel {
        funding_txid: n.funding_txid.to_string(),
        output_index: n.output_index,
        remote_pubkey: n.remote_pubkey.to_string(),
        capacity: n.capacity,
        local_msat: local * 1000,
        remote_msat: remote * 1000,
        initiator: n.initiator,
        private: n.private,
        push_sat: n.push_sat,
        csv_delay: CSV_DELAY,
        chan_id: 0,
        local_payout: n.local_payout,
        remote_payout: n.remote_payout,
        phase: Phase::PendingOpen,
        sent_msat: 0,
        received_msat: 0,
        updates: 0,
        opened_at: n.now,
        local_policy: Policy::default(),
        remote_policy: Policy::default(),
        memo: n.memo,
        htlcs: Vec::new(),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Closed {
    pub channel: Channel,
    pub closing_txid: String,
    pub close_height: u32,
    pub close_type: CloseType,
    /// Whether this node started the close (for a force close, whose commitment it was).
    pub local_initiated: bool,
    pub settled_balance: i64,
    pub time_locked_balance: i64,
}

/// What a chain update did to the channels, for the channel event stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Opened(String),
    Closing(String),
    Closed(String),
    FullyResolved(String),
}

/// A node's records, as lnd keeps them in its channeldb: open and closed channels, invoices,
/// payments and forwards.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct NodeDb {
    pub channels: Vec<Channel>,
    pub closed: Vec<Closed>,
    #[serde(default)]
    pub invoices: super::invoices::InvoiceDb,
    #[serde(default)]
    pub payments: Vec<super::payments::Payment>,
    /// Payments this node forwarded, oldest first.
    #[serde(default)]
    pub forwards: Vec<Forward>,
}

/// A payment forwarded by this node: in on one channel, out on another, keeping the fee.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Forward {
    pub timestamp_ns: i64,
    pub chan_in: u64,
    pub chan_out: u64,
    pub amt_in_msat: i64,
    pub amt_out_msat: i64,
}

/// A sweep this node must publish: the matured `to_local` output of a force close.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub chan_point: String,
    pub input: (String, u32),
    pub value: i64,
}

impl Sweep {
    /// Publishes the sweep to `to` (a fresh wallet address) at lnd's sweeper rate for a
    /// six-block target.
    pub fn publish(&self, chain: &mut Chain, to: &PayTo, now: i64) -> Result<(Tx, crate::chain::ChainEvent), crate::chain::ChainError> {
        let fee = SWEEP_VBYTES * crate::onchain::fee_rate(6) as i64;
        chain.submit(std::slice::from_ref(&self.input), vec![to.output(self.value - fee)], fee, "", now)
    }
}

/// The height from which a force close's delayed output can be swept (its spend is mined
/// `csv` blocks after the commitment), as lnd reports `maturity_height`.
pub fn maturity_height(close_height: u32, csv: u32) -> u32 {
    close_height + csv - 1
}

fn short_channel_id(height: u32, index: u32, vout: u32) -> u64 {
    ((height as u64) << 40) | ((index as u64) << 16) | vout as u64
}

impl NodeDb {
    /// The route hints of a private invoice: each open private channel, entered from the
    /// peer with the peer's policy.
    pub fn private_hints(&self) -> Vec<Vec<bolt11::HintHop>> {
        self.channels
            .iter()
            .filter(|c| c.private && c.phase == Phase::Open)
            .map(|c| {
                vec![bolt11::HintHop {
                    node_id: c.remote_pubkey.clone(),
                    chan_id: c.chan_id,
                    fee_base_msat: c.remote_policy.base_fee_msat as u32,
                    fee_proportional_millionths: c.remote_policy.fee_rate_ppm as u32,
                    cltv_expiry_delta: c.remote_policy.time_lock_delta as u16,
                }]
            })
            .collect()
    }

    pub fn find(&self, chan_point: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.chan_point() == chan_point)
    }

    pub fn find_mut(&mut self, chan_point: &str) -> Option<&mut Channel> {
        self.channels.iter_mut().find(|c| c.chan_point() == chan_point)
    }

    /// Whether this node takes another channel from `peer`: lnd's funding manager counts
    /// the peer's channels pending open (in either direction) against `MAX_PENDING_CHANNELS`
    /// when the peer's open_channel message arrives.
    pub fn admits_channel_from(&self, peer: &str) -> bool {
        self.channels.iter().filter(|c| c.remote_pubkey == peer && c.phase == Phase::PendingOpen).count() < MAX_PENDING_CHANNELS
    }

    pub fn by_id(&self, chan_id: u64) -> Option<&Channel> {
        self.channels.iter().find(|c| c.chan_id == chan_id && c.phase == Phase::Open)
    }

    /// Brings every channel up to date with the chain. Returns what changed and the sweeps
    /// that are now due (the caller publishes them, then records their txids).
    pub fn sync(&mut self, chain: &Chain, me: &str) -> (Vec<Change>, Vec<Sweep>) {
        let mut changes = Vec::new();
        let mut sweeps = Vec::new();
        let tip = chain.tip().height;
        let mut closed_now = Vec::new();
        for ch in &mut self.channels {
            let cp = ch.chan_point();
            if ch.phase == Phase::PendingOpen {
                let confs = chain.tx(&ch.funding_txid).map_or(0, |t| chain.confirmations(t));
                if confs >= FUNDING_CONFS {
                    let (height, index) = chain.position(&ch.funding_txid).expect("confirmed");
                    ch.chan_id = short_channel_id(height, index, ch.output_index);
                    ch.phase = Phase::Open;
                    changes.push(Change::Opened(cp.clone()));
                }
            }
            let Some(spender) = chain.spender(&ch.funding_txid, ch.output_index) else { continue };
            if matches!(ch.phase, Phase::Open | Phase::PendingOpen) {
                // Spent without our doing: the peer closed it.
                ch.phase = Phase::WaitingClose { closing_txid: spender.txid.clone(), local_initiated: false };
                changes.push(Change::Closing(cp.clone()));
            }
            let Some(close_height) = spender.height else { continue };
            if let Phase::WaitingClose { local_initiated, .. } = ch.phase {
                let close = Closed { close_height, ..classify(ch, spender, me, local_initiated) };
                changes.push(Change::Closed(cp.clone()));
                if close.close_type == CloseType::LocalForce && close.time_locked_balance > 0 {
                    ch.phase = Phase::ForceClosing { closing_txid: spender.txid.clone(), close_height, sweep_txid: None };
                } else {
                    closed_now.push(cp.clone());
                    changes.push(Change::FullyResolved(cp.clone()));
                }
                self.closed.push(close);
            }
            if let Phase::ForceClosing { closing_txid, close_height, sweep_txid } = &ch.phase {
                match sweep_txid {
                    None if tip >= maturity_height(*close_height, ch.csv_delay) => {
                        let script = to_local_output(&cp, me, ch.csv_delay).script_hex;
                        let tx = chain.tx(closing_txid).expect("confirmed close");
                        if let Some((vout, o)) = tx.outputs.iter().enumerate().find(|(_, o)| o.script_hex == script) {
                            sweeps.push(Sweep { chan_point: cp.clone(), input: (closing_txid.clone(), vout as u32), value: o.value });
                        }
                    }
                    Some(id) if chain.tx(id).is_some_and(|t| t.height.is_some()) => {
                        closed_now.push(cp.clone());
                        changes.push(Change::FullyResolved(cp.clone()));
                    }
                    _ => {}
                }
            }
        }
        self.channels.retain(|c| !closed_now.contains(&c.chan_point()));
        (changes, sweeps)
    }
}

/// How a confirmed closing transaction closed `ch`, from this node's side.
fn classify(ch: &Channel, tx: &Tx, me: &str, closer: bool) -> Closed {
    let cp = ch.chan_point();
    let pays = |p: &PayTo| tx.outputs.iter().find(|o| o.script_hex == p.script_hex).map_or(0, |o| o.value);
    let has = |p: &PayTo| tx.outputs.iter().find(|o| o.script_hex == p.script_hex).map(|o| o.value);
    let ours_delayed = has(&to_local_output(&cp, me, ch.csv_delay));
    let theirs_delayed = has(&to_local_output(&cp, &ch.remote_pubkey, ch.csv_delay));
    // A commitment always carries both anchors, even when one side's balance is too small
    // for an output of its own.
    let commitment = has(&anchor_output(me)).is_some();
    let (close_type, settled, locked) = match (ours_delayed, theirs_delayed) {
        (Some(value), _) => (CloseType::LocalForce, 0, value),
        (None, Some(_)) => (CloseType::RemoteForce, pays(&ch.local_payout), 0),
        (None, None) if commitment && closer => (CloseType::LocalForce, 0, 0),
        (None, None) if commitment => (CloseType::RemoteForce, pays(&ch.local_payout), 0),
        (None, None) => (CloseType::Cooperative, pays(&ch.local_payout), 0),
    };
    let local_initiated = match close_type {
        CloseType::LocalForce => true,
        CloseType::RemoteForce => false,
        CloseType::Cooperative => closer,
    };
    Closed {
        channel: ch.clone(),
        closing_txid: tx.txid.clone(),
        close_height: 0,
        close_type,
        local_initiated,
        settled_balance: settled,
        time_locked_balance: locked,
    }
}

/// The outputs of a cooperative close, and its fee (paid by the opener, as in lnd).
pub fn coop_close_outputs(ch: &Channel, sat_per_vbyte: i64) -> (Vec<Output>, i64) {
    let fee = CLOSE_VBYTES * sat_per_vbyte;
    let held = ch.opener_held();
    let (mut local, mut remote) = (ch.local_sat(), ch.remote_sat());
    if ch.initiator {
        local += held - fee;
    } else {
        remote += held - fee;
    }
    let mut outputs = Vec::new();
    if local >= DUST_LIMIT {
        outputs.push(ch.local_payout.output(local));
    }
    if remote >= DUST_LIMIT {
        outputs.push(ch.remote_payout.output(remote));
    }
    (outputs, fee)
}

/// The outputs of `me`'s commitment transaction (a force close), and its fee.
pub fn force_close_outputs(ch: &Channel, me: &str) -> (Vec<Output>, i64) {
    let mut outputs = Vec::new();
    if ch.local_sat() >= DUST_LIMIT {
        outputs.push(to_local_output(&ch.chan_point(), me, ch.csv_delay).output(ch.local_sat()));
    }
    if ch.remote_sat() >= DUST_LIMIT {
        outputs.push(ch.remote_payout.output(ch.remote_sat()));
    }
    outputs.push(anchor_output(me).output(ANCHOR_SAT));
    outputs.push(anchor_output(&ch.remote_pubkey).output(ANCHOR_SAT));
    (outputs, commit_fee())
}

/// What the world's unit tests build channels with.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// An open channel `chan_id` that `opener` funded with `capacity` (nothing pushed) to
    /// `peer`: the opener's record, then the peer's.
    pub fn open_pair(opener: &str, peer: &str, chan_id: u64, capacity: i64, private: bool) -> (Channel, Channel) {
        let nowhere = PayTo { address: String::new(), script_hex: String::new() };
        let (mut mine, mut theirs) = Funding {
            funding_txid: &format!("{chan_id:064x}"),
            output_index: 1,
            opener,
            peer,
            capacity,
            push_sat: 0,
            private,
            opener_payout: nowhere.clone(),
            peer_payout: nowhere,
            now: 1,
            memo: String::new(),
        }
        .records();
        for c in [&mut mine, &mut theirs] {
            c.phase = Phase::Open;
            c.chan_id = chan_id;
        }
        (mine, theirs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const BOB: &str = "03bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn payto(tag: u8) -> PayTo {
        let script = format!("0014{}", hex::encode([tag; 20]));
        PayTo { address: format!("bcrt1q{tag}"), script_hex: script }
    }

    /// A funded channel seen from both sides, on a chain holding its funding transaction.
    fn open_pair(capacity: i64, push: i64) -> (Chain, NodeDb, NodeDb) {
        let mut chain = Chain::default();
        let funding = funding_output(ALICE, BOB);
        let (tx, _) = chain.submit(&[], vec![funding.output(capacity)], 0, "", 1).unwrap();
        let side = |initiator: bool, remote: &str, mine: PayTo, theirs: PayTo| NodeDb {
            channels: vec![new_channel(NewChannel {
                funding_txid: &tx.txid,
                output_index: 0,
                remote_pubkey: remote,
                capacity,
                push_sat: push,
                initiator,
                private: false,
                local_payout: mine,
                remote_payout: theirs,
                now: 1,
                memo: String::new(),
            })],
            ..Default::default()
        };
        (chain.clone(), side(true, BOB, payto(1), payto(2)), side(false, ALICE, payto(2), payto(1)))
    }

    #[test]
    fn an_open_is_checked_in_lnds_order_and_both_sides_record_the_same_channel() {
        assert_eq!(check_open_amounts(0, 5).unwrap_err(), "local funding amount must be non-zero");
        assert_eq!(
            check_open_amounts(10, 10).unwrap_err(),
            "amount pushed to remote peer for initial state must be below the local funding amount",
            "the push before the size"
        );
        assert!(check_open_amounts(100_000, -1).is_err());
        assert_eq!(check_open_amounts(MAX_CHAN_SIZE + 1, 0).unwrap_err(), "funding amount is too large, the max channel size is: 0.16777215 BTC");
        assert_eq!(check_open_amounts(MIN_CHAN_SIZE - 1, 0).unwrap_err(), "channel is too small, the minimum channel size is: 20000 SAT");
        assert_eq!((check_open_amounts(MIN_CHAN_SIZE, 0), check_open_amounts(MAX_CHAN_SIZE, 1)), (Ok(()), Ok(())));
        assert_eq!(
            funding_refusal(BOB, [0xab; 32], MAX_PENDING_REFUSAL),
            format!("received funding error from {BOB}: chan_id={}, err=Number of pending channels exceed maximum", "ab".repeat(32))
        );

        let (opener, peer) = Funding {
            funding_txid: "11",
            output_index: 2,
            opener: ALICE,
            peer: BOB,
            capacity: 500_000,
            push_sat: 1_000,
            private: true,
            opener_payout: payto(1),
            peer_payout: payto(2),
            now: 7,
            memo: "for bob".into(),
        }
        .records();
        assert_eq!((opener.remote_pubkey.as_str(), peer.remote_pubkey.as_str()), (BOB, ALICE));
        assert_eq!((opener.local_msat, opener.remote_msat), (peer.remote_msat, peer.local_msat), "one channel, two views");
        assert_eq!((opener.initiator, peer.initiator, opener.private && peer.private), (true, false, true));
        assert_eq!((opener.local_payout.clone(), peer.remote_payout.clone()), (payto(1), payto(1)));
        assert_eq!((opener.memo.as_str(), peer.memo.as_str()), ("for bob", ""), "the memo is the opener's own");
        assert_eq!((peer.chan_point(), peer.phase.clone()), ("11:2".to_string(), Phase::PendingOpen));

        assert_eq!(check_close(None, "11:2").unwrap_err(), "channel not found");
        assert_eq!(check_close(Some(&opener), "11:2").unwrap_err(), "cannot close pending channel");
        let mut open = opener.clone();
        open.phase = Phase::Open;
        assert_eq!(check_close(Some(&open), "11:2"), Ok(&open));
        open.phase = Phase::WaitingClose { closing_txid: "22".into(), local_initiated: true };
        assert_eq!(check_close(Some(&open), "11:2").unwrap_err(), "channel 11:2 is already being closed");
    }

    #[test]
    fn balances_follow_lnds_anchor_channels() {
        let (_, alice, bob) = open_pair(1_000_000, 10_000);
        // 1,000,000 − 2,810 commitment fee − 2 × 330 anchors − 10,000 pushed.
        assert_eq!(alice.channels[0].local_sat(), 986_530);
        assert_eq!(alice.channels[0].remote_sat(), 10_000);
        assert_eq!(bob.channels[0].local_sat(), 10_000);
        assert_eq!(bob.channels[0].remote_sat(), 986_530);
        assert_eq!(reserve(1_000_000), 10_000);
        assert_eq!(reserve(20_000), DUST_LIMIT);
    }

    #[test]
    fn one_channel_pending_with_a_peer_whichever_side_opened_it() {
        let (mut chain, mut alice, mut bob) = open_pair(100_000, 0);
        assert!(!alice.admits_channel_from(BOB), "alice's own open to bob is pending");
        assert!(!bob.admits_channel_from(ALICE), "alice's open is pending at bob");
        assert!(alice.admits_channel_from(&BOB.replace('b', "c")), "another peer is not held back");
        chain.mine(FUNDING_CONFS, 10);
        alice.sync(&chain, ALICE);
        bob.sync(&chain, BOB);
        assert!(alice.admits_channel_from(BOB) && bob.admits_channel_from(ALICE), "an open channel no longer counts");
    }

    #[test]
    fn a_channel_opens_after_three_confirmations_with_its_short_channel_id() {
        let (mut chain, mut alice, _) = open_pair(100_000, 0);
        chain.mine(2, 10);
        assert_eq!(alice.sync(&chain, ALICE).0, vec![]);
        assert_eq!(alice.channels[0].phase, Phase::PendingOpen);
        chain.mine(1, 10);
        let cp = alice.channels[0].chan_point();
        assert_eq!(alice.sync(&chain, ALICE).0, vec![Change::Opened(cp)]);
        // Block 1, first transaction after the coinbase, output 0.
        assert_eq!(alice.channels[0].chan_id, (1u64 << 40) | (1 << 16));
        assert_eq!(alice.sync(&chain, ALICE).0, vec![], "a second sync changes nothing");
    }

    #[test]
    fn a_cooperative_close_pays_both_and_the_opener_pays_the_fee() {
        let (mut chain, mut alice, mut bob) = open_pair(100_000, 20_000);
        chain.mine(3, 10);
        alice.sync(&chain, ALICE);
        bob.sync(&chain, BOB);
        let ch = alice.channels[0].clone();
        let (outputs, fee) = coop_close_outputs(&ch, 2);
        let (close, _) = chain.submit(&[(ch.funding_txid.clone(), 0)], outputs, fee, "", 20).unwrap();
        alice.channels[0].phase = Phase::WaitingClose { closing_txid: close.txid.clone(), local_initiated: true };
        assert_eq!(close.outputs[0].value, 100_000 - 20_000 - 340);
        assert_eq!(close.outputs[1].value, 20_000);
        let cp = ch.chan_point();
        assert_eq!(bob.sync(&chain, BOB).0, vec![Change::Closing(cp.clone())]);
        chain.mine(1, 30);
        assert_eq!(bob.sync(&chain, BOB).0, vec![Change::Closed(cp.clone()), Change::FullyResolved(cp.clone())]);
        alice.sync(&chain, ALICE);
        assert!(alice.channels.is_empty() && bob.channels.is_empty());
        assert_eq!(alice.closed[0].close_type, CloseType::Cooperative);
        assert!(alice.closed[0].local_initiated);
        assert!(!bob.closed[0].local_initiated);
        assert_eq!(bob.closed[0].settled_balance, 20_000);
    }

    #[test]
    fn a_force_close_by_a_peer_with_nothing_of_its_own_is_still_a_force_close() {
        let (mut chain, mut alice, mut bob) = open_pair(100_000, 0);
        chain.mine(3, 10);
        alice.sync(&chain, ALICE);
        bob.sync(&chain, BOB);
        let theirs = bob.channels[0].clone();
        let (outputs, fee) = force_close_outputs(&theirs, BOB);
        assert_eq!(outputs.len(), 3, "alice's output and the two anchors; bob has no balance");
        chain.submit(&[(theirs.funding_txid.clone(), 0)], outputs, fee, "", 20).unwrap();
        chain.mine(1, 30);
        alice.sync(&chain, ALICE);
        assert_eq!(alice.closed[0].close_type, CloseType::RemoteForce);
        assert!(alice.channels.is_empty());
        bob.channels[0].phase = Phase::WaitingClose { closing_txid: String::new(), local_initiated: true };
        let (changes, sweeps) = bob.sync(&chain, BOB);
        assert_eq!(bob.closed[0].close_type, CloseType::LocalForce);
        assert!(sweeps.is_empty() && bob.channels.is_empty(), "nothing to sweep: resolved at once ({changes:?})");
    }

    #[test]
    fn a_force_close_locks_the_closers_funds_until_the_csv_delay_then_sweeps() {
        let (mut chain, mut alice, mut bob) = open_pair(100_000, 20_000);
        chain.mine(3, 10);
        alice.sync(&chain, ALICE);
        bob.sync(&chain, BOB);
        let ch = alice.channels[0].clone();
        let cp = ch.chan_point();
        let (outputs, fee) = force_close_outputs(&ch, ALICE);
        let (close, _) = chain.submit(&[(ch.funding_txid.clone(), 0)], outputs, fee, "", 20).unwrap();
        alice.channels[0].phase = Phase::WaitingClose { closing_txid: close.txid.clone(), local_initiated: true };
        chain.mine(1, 30);
        let close_height = chain.tip().height;
        assert_eq!(alice.sync(&chain, ALICE).0, vec![Change::Closed(cp.clone())]);
        assert!(matches!(alice.channels[0].phase, Phase::ForceClosing { .. }));
        assert_eq!(alice.closed[0].close_type, CloseType::LocalForce);
        assert_eq!(alice.closed[0].time_locked_balance, ch.local_sat());
        // The peer's funds are free at once.
        bob.sync(&chain, BOB);
        assert_eq!(bob.closed[0].close_type, CloseType::RemoteForce);
        assert_eq!(bob.closed[0].settled_balance, 20_000);
        assert!(bob.channels.is_empty());

        chain.mine(CSV_DELAY - 2, 40);
        assert!(alice.sync(&chain, ALICE).1.is_empty(), "not mature one block early");
        chain.mine(1, 50);
        assert_eq!(chain.tip().height, maturity_height(close_height, CSV_DELAY));
        let (_, sweeps) = alice.sync(&chain, ALICE);
        assert_eq!(sweeps.len(), 1);
        assert_eq!(sweeps[0].value, ch.local_sat());
        let (sweep, _) = sweeps[0].publish(&mut chain, &payto(1), 60).unwrap();
        let fee = SWEEP_VBYTES * crate::onchain::fee_rate(6) as i64;
        assert_eq!(
            (sweep.inputs.clone(), sweep.outputs[0].value),
            (vec![sweeps[0].input.clone()], ch.local_sat() - fee),
            "the delayed output, less the sweep's fee"
        );
        if let Phase::ForceClosing { sweep_txid, .. } = &mut alice.channels[0].phase {
            *sweep_txid = Some(sweep.txid.clone());
        }
        chain.mine(1, 70);
        assert_eq!(alice.sync(&chain, ALICE).0, vec![Change::FullyResolved(cp)]);
        assert!(alice.channels.is_empty());
    }
}
