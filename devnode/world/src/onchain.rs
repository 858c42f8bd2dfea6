//! The node's on-chain wallet over the shared chain: addresses, UTXOs, balances, history,
//! coin selection and fees, with lnd's (btcwallet's) rules and messages.

use std::collections::HashMap;

use bitcoin::{Address, Network};

use super::chain::{Chain, ChainError, Output, Tx};
use super::node::{Node, NodeError};
use super::wallet::{AddressKind, Issued};

/// Outputs below this are dust and never created (p2wkh dust limit at 3 sat/vB relay fee).
pub const DUST: i64 = 294;

#[derive(Debug, Clone, PartialEq)]
pub struct WalletUtxo {
    pub txid: String,
    pub vout: u32,
    pub value: i64,
    pub address: String,
    pub kind: AddressKind,
    pub script_hex: String,
    pub confirmations: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Balance {
    pub confirmed: i64,
    pub unconfirmed: i64,
}

/// A transaction as this wallet sees it.
#[derive(Debug, Clone)]
pub struct WalletTx<'a> {
    pub tx: &'a Tx,
    /// Net change to the wallet's funds (negative when sending).
    pub amount: i64,
    /// The fee, if this wallet paid it.
    pub fee: i64,
    pub confirmations: u32,
    pub our_outputs: Vec<bool>,
    pub our_inputs: Vec<bool>,
}

pub struct Account {
    pub kind: AddressKind,
    pub xpub: String,
    pub fingerprint: [u8; 4],
    pub path: String,
    pub external: u32,
    pub internal: u32,
}

pub struct SendCoins {
    pub address: String,
    pub amount: i64,
    pub send_all: bool,
    pub target_conf: i32,
    pub sat_per_vbyte: u64,
    pub min_confs: i32,
    pub spend_unconfirmed: bool,
    pub label: String,
}

/// The fee rate devnode's estimator gives for a confirmation target (sat/vbyte): fast is
/// dear, patient is cheap, as on a busy network.
pub fn fee_rate(target_conf: i32) -> u64 {
    match target_conf {
        i32::MIN..=1 => 50,
        2 => 25,
        3..=6 => 10,
        7..=144 => 4,
        _ => 2,
    }
}

fn input_vbytes(kind: AddressKind) -> i64 {
    match kind {
        AddressKind::WitnessPubkeyHash => 68,
        AddressKind::NestedPubkeyHash => 91,
        AddressKind::TaprootPubkey => 58,
    }
}

fn output_vbytes(script_hex: &str) -> i64 {
    // The script plus 8 bytes of value and 1 of length.
    9 + script_hex.len() as i64 / 2
}

fn vsize(inputs: &[AddressKind], output_scripts: &[&str]) -> i64 {
    11 + inputs.iter().map(|k| input_vbytes(*k)).sum::<i64>() + output_scripts.iter().map(|s| output_vbytes(s)).sum::<i64>()
}

/// Decodes an address for regtest, with btcutil's wording on failure.
pub fn parse_address(address: &str) -> Result<(String, String), NodeError> {
    parse_address_or(address, || format!("address: {address} is not valid for this network: regtest"))
}

/// As `parse_address`, with the caller's words for an address of another network (lnd's
/// RPCs word it differently).
fn parse_address_or(address: &str, other_network: impl FnOnce() -> String) -> Result<(String, String), NodeError> {
    let unchecked: Address<bitcoin::address::NetworkUnchecked> =
        address.trim().parse().map_err(|_| NodeError::Invalid("decoded address is of unknown format".into()))?;
    let checked = unchecked.require_network(Network::Regtest).map_err(|_| NodeError::Invalid(other_network()))?;
    Ok((checked.to_string(), checked.script_pubkey().to_hex_string()))
}

impl From<ChainError> for NodeError {
    fn from(e: ChainError) -> Self {
        NodeError::Invalid(e.to_string())
    }
}

impl Node {
    fn ours(&self) -> HashMap<&str, &Issued> {
        self.sealed.iter().flat_map(|s| s.addresses.iter()).map(|a| (a.script_hex.as_str(), a)).collect()
    }

    /// A new address of `kind`; with `reuse_unused`, the newest one no payment has reached
    /// yet (lnd's UNUSED_* address types).
    pub fn new_address(&mut self, kind: AddressKind, change: bool, reuse_unused: bool, chain: &Chain) -> Result<Issued, NodeError> {
        let keys = self.keys.as_ref().ok_or(NodeError::Locked)?;
        let sealed = self.sealed.as_mut().ok_or(NodeError::NotCreated)?;
        let mine: Vec<&Issued> = sealed.addresses.iter().filter(|a| a.kind == kind && a.change == change).collect();
        if reuse_unused {
            let used = |a: &Issued| chain.txs().iter().any(|t| t.outputs.iter().any(|o| o.script_hex == a.script_hex));
            if let Some(a) = mine.iter().rev().find(|a| !used(a)) {
                return Ok((*a).clone());
            }
        }
        let index = mine.iter().map(|a| a.index + 1).max().unwrap_or(0);
        let issued = keys.address(kind, change, index);
        sealed.addresses.push(issued.clone());
        Ok(issued)
    }

    /// lnd's ListUnspent bounds: both inclusive.
    pub fn utxos(&self, chain: &Chain, min_confs: u32, max_confs: u32) -> Vec<WalletUtxo> {
        let ours = self.ours();
        let mut out = Vec::new();
        for tx in chain.txs() {
            let confirmations = chain.confirmations(tx);
            if confirmations < min_confs || confirmations > max_confs {
                continue;
            }
            for (vout, o) in tx.outputs.iter().enumerate() {
                let Some(issued) = ours.get(o.script_hex.as_str()) else { continue };
                if chain.is_spent(&tx.txid, vout as u32) {
                    continue;
                }
                out.push(WalletUtxo {
                    txid: tx.txid.clone(),
                    vout: vout as u32,
                    value: o.value,
                    address: o.address.clone(),
                    kind: issued.kind,
                    script_hex: o.script_hex.clone(),
                    confirmations,
                });
            }
        }
        out
    }

    pub fn balance(&self, chain: &Chain) -> Balance {
        self.utxos(chain, 0, u32::MAX).iter().fold(Balance::default(), |mut b, u| {
            if u.confirmations > 0 {
                b.confirmed += u.value
            } else {
                b.unconfirmed += u.value
            }
            b
        })
    }

    /// How `tx` touches this wallet, or None if it does not.
    pub fn view<'a>(&self, chain: &'a Chain, tx: &'a Tx) -> Option<WalletTx<'a>> {
        let ours = self.ours();
        let our_outputs: Vec<bool> = tx.outputs.iter().map(|o| ours.contains_key(o.script_hex.as_str())).collect();
        let spent_output =
            |(txid, vout): &(String, u32)| chain.tx(txid).and_then(|t| t.outputs.get(*vout as usize)).filter(|o| ours.contains_key(o.script_hex.as_str()));
        let our_inputs: Vec<bool> = tx.inputs.iter().map(|i| spent_output(i).is_some()).collect();
        if !our_outputs.iter().any(|x| *x) && !our_inputs.iter().any(|x| *x) {
            return None;
        }
        let received: i64 = tx.outputs.iter().zip(&our_outputs).filter(|(_, o)| **o).map(|(o, _)| o.value).sum();
        let spent: i64 = tx.inputs.iter().filter_map(spent_output).map(|o| o.value).sum();
        Some(WalletTx {
            tx,
            amount: received - spent,
            fee: if spent > 0 { tx.fee } else { 0 },
            confirmations: chain.confirmations(tx),
            our_outputs,
            our_inputs,
        })
    }

    pub fn transactions<'a>(&self, chain: &'a Chain) -> Vec<WalletTx<'a>> {
        chain.txs().iter().filter_map(|t| self.view(chain, t)).collect()
    }

    fn rate(target_conf: i32, sat_per_vbyte: u64) -> Result<u64, NodeError> {
        match (target_conf, sat_per_vbyte) {
            (t, r) if t != 0 && r != 0 => {
                // sweep.FeeEstimateInfo.Estimate, through lnrpc.CalculateFeeRate.
                Err(NodeError::Invalid("fee preference conflict".into()))
            }
            (_, r) if r != 0 => Ok(r),
            (t, _) => Ok(fee_rate(if t == 0 { 6 } else { t })),
        }
    }

    fn spendable(&self, chain: &Chain, min_confs: i32, spend_unconfirmed: bool) -> Vec<WalletUtxo> {
        let min = if spend_unconfirmed { 0 } else { min_confs.max(1) as u32 };
        let mut utxos = self.utxos(chain, min, u32::MAX);
        utxos.sort_by(|a, b| b.value.cmp(&a.value).then(a.txid.cmp(&b.txid)));
        utxos
    }

    /// Largest-first selection for `amount` to `dest_scripts`; returns the inputs, the fee and
    /// the change (0 when it would be dust and is left to the fee).
    fn select(utxos: &[WalletUtxo], amount: i64, dest_scripts: &[&str], change_script: &str, rate: u64) -> Result<(Vec<WalletUtxo>, i64, i64), NodeError> {
        let mut chosen: Vec<WalletUtxo> = Vec::new();
        for u in utxos {
            chosen.push(u.clone());
            let total: i64 = chosen.iter().map(|u| u.value).sum();
            let kinds: Vec<AddressKind> = chosen.iter().map(|u| u.kind).collect();
            let mut scripts = dest_scripts.to_vec();
            scripts.push(change_script);
            let fee_with_change = vsize(&kinds, &scripts) * rate as i64;
            if total >= amount + fee_with_change + DUST {
                return Ok((chosen, fee_with_change, total - amount - fee_with_change));
            }
            let fee = vsize(&kinds, dest_scripts) * rate as i64;
            if total >= amount + fee {
                return Ok((chosen, total - amount, 0));
            }
        }
        Err(NodeError::InsufficientFunds)
    }

    pub fn send_coins(&mut self, chain: &mut Chain, req: SendCoins, now: i64) -> Result<Tx, NodeError> {
        self.keys.as_ref().ok_or(NodeError::Locked)?;
        let (address, script) = parse_address(&req.address)?;
        if req.send_all && req.amount != 0 {
            return Err(NodeError::Invalid("amount set while SendAll is active".into()));
        }
        // btcwallet's output checks (txrules.CheckOutput), which lnd passes on word for word
        // and clients match exactly.
        if !req.send_all && req.amount < 0 {
            return Err(NodeError::Invalid("transaction output amount is negative".into()));
        }
        if !req.send_all && req.amount < DUST {
            return Err(NodeError::Invalid("transaction output is dust".into()));
        }
        let rate = Self::rate(req.target_conf, req.sat_per_vbyte)?;
        let utxos = self.spendable(chain, req.min_confs, req.spend_unconfirmed);
        let (inputs, outputs, fee) = if req.send_all {
            let kinds: Vec<AddressKind> = utxos.iter().map(|u| u.kind).collect();
            let total: i64 = utxos.iter().map(|u| u.value).sum();
            let fee = vsize(&kinds, &[&script]) * rate as i64;
            if utxos.is_empty() || total - fee < DUST {
                return Err(NodeError::InsufficientFunds);
            }
            (utxos, vec![Output { address, script_hex: script, value: total - fee }], fee)
        } else {
            // The change script's size is the same for every p2tr address; index 0 stands in.
            let probe = self.keys.as_ref().expect("checked").address(AddressKind::TaprootPubkey, true, 0).script_hex;
            let (inputs, fee, change) = Self::select(&utxos, req.amount, &[&script], &probe, rate)?;
            let mut outputs = vec![Output { address, script_hex: script, value: req.amount }];
            if change > 0 {
                let c = self.new_address(AddressKind::TaprootPubkey, true, false, chain)?;
                outputs.push(Output { address: c.address, script_hex: c.script_hex, value: change });
            }
            (inputs, outputs, fee)
        };
        let spends: Vec<(String, u32)> = inputs.iter().map(|u| (u.txid.clone(), u.vout)).collect();
        let (tx, _) = chain.submit(&spends, outputs, fee, &req.label, now)?;
        Ok(tx)
    }

    /// The wallet's accounts (one per address kind), with how many receive and change
    /// addresses each has handed out.
    pub fn accounts(&self) -> Result<Vec<Account>, NodeError> {
        let keys = self.keys.as_ref().ok_or(NodeError::Locked)?;
        let issued = self.sealed.as_ref().map(|s| s.addresses.as_slice()).unwrap_or_default();
        Ok([AddressKind::WitnessPubkeyHash, AddressKind::NestedPubkeyHash, AddressKind::TaprootPubkey]
            .into_iter()
            .map(|kind| {
                let (xpub, fingerprint, path) = keys.account(kind);
                let count = |change: bool| issued.iter().filter(|a| a.kind == kind && a.change == change).count() as u32;
                Account { kind, xpub, fingerprint, path, external: count(false), internal: count(true) }
            })
            .collect())
    }

    /// EstimateFee: the fee of paying `outputs` from this wallet at the target's rate,
    /// checked in rpcserver.go's order: the addresses, the fee preference (no default
    /// target), the confirmations, and last the transaction itself (which needs an output).
    pub fn estimate_fee(
        &self,
        chain: &Chain,
        outputs: &[(String, i64)],
        target_conf: i32,
        min_confs: i32,
        spend_unconfirmed: bool,
    ) -> Result<(i64, u64), NodeError> {
        let keys = self.keys.as_ref().ok_or(NodeError::Locked)?;
        let mut scripts = Vec::new();
        for (addr, _) in outputs {
            // addrPairsToOutputs' own words for an address of another network.
            scripts.push(parse_address_or(addr, || "address is not for regtest".into())?.1);
        }
        if target_conf == 0 {
            return Err(NodeError::Invalid("no fee preference specified".into()));
        }
        if min_confs < 0 {
            return Err(NodeError::Invalid("minimum number of confirmations must be a non-negative number".into()));
        }
        if min_confs > 0 && spend_unconfirmed {
            return Err(NodeError::Invalid("SpendUnconfirmed set to true with MinConfs > 0".into()));
        }
        if outputs.is_empty() {
            return Err(NodeError::Invalid("no outputs".into()));
        }
        let rate = fee_rate(target_conf);
        let amount: i64 = outputs.iter().map(|(_, a)| a).sum();
        let change = keys.address(AddressKind::TaprootPubkey, true, 0).script_hex;
        let script_refs: Vec<&str> = scripts.iter().map(String::as_str).collect();
        let (_, fee, _) = Self::select(&self.spendable(chain, min_confs, spend_unconfirmed), amount, &script_refs, &change, rate)?;
        Ok((fee, rate))
    }
}

/// lnd's OutputScriptType for a script.
pub fn script_type(script_hex: &str) -> &'static str {
    let len = script_hex.len() / 2;
    match (script_hex.get(..4), len) {
        (Some("0014"), 22) => "SCRIPT_TYPE_WITNESS_V0_PUBKEY_HASH",
        (Some("0020"), 34) => "SCRIPT_TYPE_WITNESS_V0_SCRIPT_HASH",
        (Some("5120"), 34) => "SCRIPT_TYPE_WITNESS_V1_TAPROOT",
        (Some(p), 23) if p.starts_with("a9") => "SCRIPT_TYPE_SCRIPT_HASH",
        (Some("76a9"), 25) => "SCRIPT_TYPE_PUBKEY_HASH",
        (Some(p), _) if p.starts_with("6a") => "SCRIPT_TYPE_NULLDATA",
        _ => "SCRIPT_TYPE_NON_STANDARD",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::tests_support::active_node;

    fn fund(chain: &mut Chain, to: &Issued, value: i64) -> String {
        let out = Output { address: to.address.clone(), script_hex: to.script_hex.clone(), value };
        chain.submit(&[], vec![out], 0, "", 1).unwrap().0.txid
    }

    #[test]
    fn funds_arrive_unconfirmed_then_confirm() {
        let mut chain = Chain::default();
        let mut node = active_node(1);
        let addr = node.new_address(AddressKind::WitnessPubkeyHash, false, false, &chain).unwrap();
        assert!(addr.address.starts_with("bcrt1q"));
        fund(&mut chain, &addr, 100_000);
        assert_eq!(node.balance(&chain), Balance { confirmed: 0, unconfirmed: 100_000 });
        // lnd's ListUnspent with its defaults (0, 0) lists unconfirmed outputs only.
        assert_eq!(node.utxos(&chain, 0, 0).len(), 1);
        chain.mine(1, 2);
        assert_eq!(node.balance(&chain), Balance { confirmed: 100_000, unconfirmed: 0 });
        assert!(node.utxos(&chain, 0, 0).is_empty());
        assert_eq!(node.utxos(&chain, 1, i32::MAX as u32)[0].confirmations, 1);
        // An unused address is handed out again only when asked for the unused one.
        let unused = node.new_address(AddressKind::TaprootPubkey, false, true, &chain).unwrap();
        assert_eq!(node.new_address(AddressKind::TaprootPubkey, false, true, &chain).unwrap(), unused);
        assert_ne!(node.new_address(AddressKind::TaprootPubkey, false, false, &chain).unwrap(), unused);
    }

    #[test]
    fn sending_moves_funds_with_change_and_fee() {
        let mut chain = Chain::default();
        let mut alice = active_node(1);
        let mut bob = active_node(2);
        let a = alice.new_address(AddressKind::WitnessPubkeyHash, false, false, &chain).unwrap();
        fund(&mut chain, &a, 1_000_000);
        chain.mine(1, 2);
        let to = bob.new_address(AddressKind::WitnessPubkeyHash, false, false, &chain).unwrap();
        let send = |amount, send_all| SendCoins {
            address: to.address.clone(),
            amount,
            send_all,
            target_conf: 0,
            sat_per_vbyte: 10,
            min_confs: 1,
            spend_unconfirmed: false,
            label: "rent".into(),
        };
        let tx = alice.send_coins(&mut chain, send(250_000, false), 3).unwrap();
        let fee = tx.fee;
        assert_eq!(fee, (11 + 68 + 31 + 43) * 10, "one p2wkh input, p2wkh and p2tr outputs at 10 sat/vB");
        assert_eq!(alice.balance(&chain), Balance { confirmed: 0, unconfirmed: 1_000_000 - 250_000 - fee });
        assert_eq!(bob.balance(&chain), Balance { confirmed: 0, unconfirmed: 250_000 });
        let history = alice.transactions(&chain);
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].amount, -(250_000 + fee));
        assert_eq!(history[1].fee, fee);
        assert_eq!(history[1].tx.label, "rent");
        // The change is unconfirmed, so nothing is spendable until a block.
        assert_eq!(alice.send_coins(&mut chain, send(1_000, false), 4).unwrap_err(), NodeError::InsufficientFunds);
        chain.mine(1, 5);
        let all = alice.send_coins(&mut chain, send(0, true), 6).unwrap();
        assert_eq!(all.outputs.len(), 1);
        chain.mine(1, 7);
        assert_eq!(alice.balance(&chain), Balance::default());
        assert_eq!(bob.balance(&chain).confirmed, 250_000 + all.outputs[0].value);
    }

    #[test]
    fn bad_requests_are_refused_with_lnd_messages() {
        let mut chain = Chain::default();
        let mut node = active_node(1);
        let req = |address: &str, amount, target_conf, sat_per_vbyte| SendCoins {
            address: address.into(),
            amount,
            send_all: false,
            target_conf,
            sat_per_vbyte,
            min_confs: 1,
            spend_unconfirmed: false,
            label: String::new(),
        };
        let mainnet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
        assert_eq!(node.send_coins(&mut chain, req("nonsense", 1000, 0, 0), 0).unwrap_err().to_string(), "decoded address is of unknown format");
        assert!(node.send_coins(&mut chain, req(mainnet, 1000, 0, 0), 0).unwrap_err().to_string().contains("not valid for this network"));
        let to = node.new_address(AddressKind::WitnessPubkeyHash, false, false, &chain).unwrap().address;
        assert_eq!(node.send_coins(&mut chain, req(&to, 1000, 3, 5), 0).unwrap_err().to_string(), "fee preference conflict");
        assert_eq!(node.send_coins(&mut chain, req(&to, 1000, 0, 0), 0).unwrap_err(), NodeError::InsufficientFunds);
        assert_eq!(node.estimate_fee(&chain, &[(to, 1000)], 2, 1, false).unwrap_err(), NodeError::InsufficientFunds);
    }

    #[test]
    fn script_types_are_named_as_lnd_names_them() {
        let keys = crate::wallet::Keys::new([5; 16], [0; 32]);
        assert_eq!(script_type(&keys.address(AddressKind::WitnessPubkeyHash, false, 0).script_hex), "SCRIPT_TYPE_WITNESS_V0_PUBKEY_HASH");
        assert_eq!(script_type(&keys.address(AddressKind::NestedPubkeyHash, false, 0).script_hex), "SCRIPT_TYPE_SCRIPT_HASH");
        assert_eq!(script_type(&keys.address(AddressKind::TaprootPubkey, false, 0).script_hex), "SCRIPT_TYPE_WITNESS_V1_TAPROOT");
    }
}
