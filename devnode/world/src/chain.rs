//! The simulated regtest chain shared by every node of a network: blocks, a mempool, and
//! real Bitcoin transactions (serialized and hashed as Bitcoin does, witnesses left empty
//! since nothing here verifies scripts), so txids and raw hex look as they do on regtest.

use std::collections::HashMap;

use bitcoin::absolute::LockTime;
use bitcoin::consensus::encode::serialize_hex;
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bitcoin's regtest genesis block hash, in display order.
pub const REGTEST_GENESIS: &str = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";
/// Regtest's genesis timestamp.
const GENESIS_TIME: i64 = 1_296_688_602;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub height: u32,
    pub hash: String,
    pub time: i64,
    #[serde(default)]
    pub txids: Vec<String>,
}

/// An output as the wallets see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Output {
    pub address: String,
    pub script_hex: String,
    pub value: i64,
}

/// A transaction with what the wallets need decoded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tx {
    pub txid: String,
    pub raw_hex: String,
    /// Spent outpoints as (txid, output index); empty for a faucet (coinbase-like) payment.
    pub inputs: Vec<(String, u32)>,
    pub outputs: Vec<Output>,
    pub fee: i64,
    /// When the chain first saw it.
    pub time: i64,
    pub label: String,
    /// The confirming block's height, if mined.
    pub height: Option<u32>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ChainError {
    #[error("transaction spends {0}:{1}, which does not exist")]
    MissingInput(String, u32),
    #[error("transaction spends {0}:{1}, which is already spent")]
    DoubleSpend(String, u32),
}

/// What changed, for wallets watching the chain.
#[derive(Debug, Clone, PartialEq)]
pub enum ChainEvent {
    /// A transaction entered the mempool.
    Tx(String),
    /// A block was mined, confirming these transactions.
    Block { height: u32, txids: Vec<String> },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Chain {
    headers: Vec<Header>,
    #[serde(default)]
    txs: Vec<Tx>,
    #[serde(skip)]
    index: HashMap<String, usize>,
    /// Spent outpoint → the spending transaction's id.
    #[serde(skip)]
    spent: HashMap<(String, u32), String>,
}

impl Default for Chain {
    fn default() -> Self {
        Chain {
            headers: vec![Header { height: 0, hash: REGTEST_GENESIS.into(), time: GENESIS_TIME, txids: vec![] }],
            txs: Vec::new(),
            index: HashMap::new(),
            spent: HashMap::new(),
        }
    }
}

fn txid_of(tx: &Transaction) -> String {
    tx.compute_txid().to_string()
}

impl Chain {
    /// Rebuilds the lookup tables after loading from disk.
    pub fn reindex(mut self) -> Self {
        self.index = self.txs.iter().enumerate().map(|(i, t)| (t.txid.clone(), i)).collect();
        self.spent = self.txs.iter().flat_map(|t| t.inputs.iter().map(|i| (i.clone(), t.txid.clone()))).collect();
        self
    }

    pub fn tip(&self) -> &Header {
        self.headers.last().expect("the chain always has its genesis block")
    }

    pub fn tx(&self, txid: &str) -> Option<&Tx> {
        self.index.get(txid).map(|&i| &self.txs[i])
    }

    pub fn txs(&self) -> &[Tx] {
        &self.txs
    }

    pub fn confirmations(&self, tx: &Tx) -> u32 {
        tx.height.map_or(0, |h| self.tip().height - h + 1)
    }

    pub fn header(&self, height: u32) -> Option<&Header> {
        self.headers.get(height as usize)
    }

    pub fn is_spent(&self, txid: &str, vout: u32) -> bool {
        self.spent.contains_key(&(txid.to_string(), vout))
    }

    /// The transaction spending an outpoint, confirmed or in the mempool.
    pub fn spender(&self, txid: &str, vout: u32) -> Option<&Tx> {
        self.spent.get(&(txid.to_string(), vout)).and_then(|id| self.tx(id))
    }

    /// A confirmed transaction's short channel id parts: (height, index in its block).
    /// Index 0 is the coinbase, which the simulated blocks leave implicit.
    pub fn position(&self, txid: &str) -> Option<(u32, u32)> {
        let height = self.tx(txid)?.height?;
        let index = self.header(height)?.txids.iter().position(|t| t == txid)?;
        Some((height, index as u32 + 1))
    }

    /// Mines `n` blocks at `now` (never before the tip's time); the first takes the mempool.
    pub fn mine(&mut self, n: u32, now: i64) -> Vec<ChainEvent> {
        let mut events = Vec::new();
        for _ in 0..n {
            let tip = self.tip().clone();
            let height = tip.height + 1;
            let txids: Vec<String> = self.txs.iter().filter(|t| t.height.is_none()).map(|t| t.txid.clone()).collect();
            for id in &txids {
                let i = self.index[id];
                self.txs[i].height = Some(height);
            }
            let time = now.max(tip.time + 1);
            let mut h = Sha256::new();
            h.update(tip.hash.as_bytes());
            h.update(time.to_be_bytes());
            for id in &txids {
                h.update(id.as_bytes());
            }
            let hash = hex::encode(Sha256::digest(h.finalize()));
            self.headers.push(Header { height, hash, time, txids: txids.clone() });
            events.push(ChainEvent::Block { height, txids });
        }
        events
    }

    /// Builds a transaction spending `inputs` to `outputs` and puts it in the mempool.
    pub fn submit(&mut self, inputs: &[(String, u32)], outputs: Vec<Output>, fee: i64, label: &str, now: i64) -> Result<(Tx, ChainEvent), ChainError> {
        for (txid, vout) in inputs {
            let exists = self.tx(txid).is_some_and(|t| (*vout as usize) < t.outputs.len());
            if !exists {
                return Err(ChainError::MissingInput(txid.clone(), *vout));
            }
            if self.is_spent(txid, *vout) {
                return Err(ChainError::DoubleSpend(txid.clone(), *vout));
            }
        }
        let btc_inputs = if inputs.is_empty() {
            // A faucet payment: one input from nowhere, unique per call so txids never repeat.
            let mut script = ScriptBuf::new();
            script.push_slice(bitcoin::script::PushBytesBuf::try_from(format!("devnode faucet {}", self.txs.len()).into_bytes()).expect("short"));
            vec![TxIn { previous_output: OutPoint::null(), script_sig: script, sequence: Sequence::MAX, witness: Witness::new() }]
        } else {
            inputs
                .iter()
                .map(|(txid, vout)| TxIn {
                    previous_output: OutPoint { txid: txid.parse().expect("our own txids parse"), vout: *vout },
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence::ENABLE_RBF_NO_LOCKTIME,
                    witness: Witness::new(),
                })
                .collect()
        };
        let tx = Transaction {
            version: Version::TWO,
            lock_time: LockTime::from_height(self.tip().height).unwrap_or(LockTime::ZERO),
            input: btc_inputs,
            output: outputs
                .iter()
                .map(|o| TxOut { value: Amount::from_sat(o.value.max(0) as u64), script_pubkey: ScriptBuf::from_hex(&o.script_hex).unwrap_or_default() })
                .collect(),
        };
        let record =
            Tx { txid: txid_of(&tx), raw_hex: serialize_hex(&tx), inputs: inputs.to_vec(), outputs, fee, time: now, label: label.to_string(), height: None };
        self.spent.extend(inputs.iter().map(|i| (i.clone(), record.txid.clone())));
        self.index.insert(record.txid.clone(), self.txs.len());
        self.txs.push(record.clone());
        Ok((record.clone(), ChainEvent::Tx(record.txid)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(value: i64) -> Output {
        Output { address: "bcrt1qtest".into(), script_hex: "0014".to_string() + &"11".repeat(20), value }
    }

    #[test]
    fn mining_extends_the_tip_and_confirms_the_mempool() {
        let mut c = Chain::default();
        let (tx, event) = c.submit(&[], vec![out(50_000)], 0, "", 2_000_000_000).unwrap();
        assert_eq!(event, ChainEvent::Tx(tx.txid.clone()));
        assert_eq!(c.confirmations(c.tx(&tx.txid).unwrap()), 0);
        let events = c.mine(1, 2_000_000_000);
        assert_eq!(events, vec![ChainEvent::Block { height: 1, txids: vec![tx.txid.clone()] }]);
        c.mine(5, 2_000_000_000);
        assert_eq!(c.tip().height, 6);
        assert_eq!(c.confirmations(c.tx(&tx.txid).unwrap()), 6);
        assert!(c.tip().time > c.header(1).unwrap().time, "block times increase even within one second");
    }

    #[test]
    fn transactions_are_real_bitcoin_transactions() {
        let mut c = Chain::default();
        let (tx, _) = c.submit(&[], vec![out(1)], 0, "", 0).unwrap();
        let decoded: Transaction = bitcoin::consensus::encode::deserialize_hex(&tx.raw_hex).unwrap();
        assert_eq!(decoded.compute_txid().to_string(), tx.txid);
        assert_eq!(decoded.output[0].value.to_sat(), 1);
    }

    #[test]
    fn spends_are_checked() {
        let mut c = Chain::default();
        let (funding, _) = c.submit(&[], vec![out(10_000)], 0, "", 0).unwrap();
        let input = [(funding.txid.clone(), 0)];
        c.submit(&input, vec![out(9_000)], 1_000, "", 0).unwrap();
        assert!(matches!(c.submit(&input, vec![out(9_000)], 1_000, "", 0), Err(ChainError::DoubleSpend(..))));
        assert!(matches!(c.submit(&[(funding.txid.clone(), 5)], vec![out(1)], 0, "", 0), Err(ChainError::MissingInput(..))));
        // The spent set survives a save and load.
        let reloaded: Chain = serde_json::from_str::<Chain>(&serde_json::to_string(&c).unwrap()).unwrap().reindex();
        assert!(reloaded.is_spent(&funding.txid, 0));
        assert!(reloaded.tx(&funding.txid).is_some());
    }
}
