//! lnd's on-chain wallet RPCs over the simulated wallet and the shared chain.

use std::sync::Arc;

use futures::StreamExt;
use lnrpc::lnrpc as pb;
use tokio_stream::wrappers::BroadcastStream;
use tonic::{Status, metadata::MetadataMap};

use super::{
    ESTIMATE_FEE, GET_TRANSACTIONS, LIST_ACCOUNTS, LIST_UNSPENT, NEW_ADDRESS, NodeRpc, RpcStream, SEND_COINS, SUBSCRIBE_TRANSACTIONS, WALLET_BALANCE, status,
};
use crate::clock::now;
use world::chain::{Chain, ChainEvent};
use world::node::NodeError;
use world::onchain::{self, SendCoins, WalletTx};
use world::wallet::AddressKind;

/// lnd's AddressType: the kind, and whether an unused address may be handed out again.
fn address_type(t: i32) -> Result<(AddressKind, bool), Status> {
    use pb::AddressType as A;
    match A::try_from(t) {
        Ok(A::WitnessPubkeyHash) => Ok((AddressKind::WitnessPubkeyHash, false)),
        Ok(A::NestedPubkeyHash) => Ok((AddressKind::NestedPubkeyHash, false)),
        Ok(A::TaprootPubkey) => Ok((AddressKind::TaprootPubkey, false)),
        Ok(A::UnusedWitnessPubkeyHash) => Ok((AddressKind::WitnessPubkeyHash, true)),
        Ok(A::UnusedNestedPubkeyHash) => Ok((AddressKind::NestedPubkeyHash, true)),
        Ok(A::UnusedTaprootPubkey) => Ok((AddressKind::TaprootPubkey, true)),
        Err(_) => Err(Status::unknown(format!("unknown address type: {t}"))),
    }
}

fn kind_type(k: AddressKind) -> pb::AddressType {
    match k {
        AddressKind::WitnessPubkeyHash => pb::AddressType::WitnessPubkeyHash,
        AddressKind::NestedPubkeyHash => pb::AddressType::NestedPubkeyHash,
        AddressKind::TaprootPubkey => pb::AddressType::TaprootPubkey,
    }
}

// lnd still fills the deprecated `dest_addresses`.
#[allow(deprecated)]
fn transaction(chain: &Chain, view: &WalletTx<'_>) -> pb::Transaction {
    let tx = view.tx;
    let block = tx.height.and_then(|h| chain.header(h));
    pb::Transaction {
        tx_hash: tx.txid.clone(),
        amount: view.amount,
        num_confirmations: view.confirmations as i32,
        block_hash: block.map(|b| b.hash.clone()).unwrap_or_default(),
        block_height: block.map(|b| b.height as i32).unwrap_or(0),
        time_stamp: tx.time,
        total_fees: view.fee,
        dest_addresses: tx.outputs.iter().map(|o| o.address.clone()).collect(),
        output_details: tx
            .outputs
            .iter()
            .zip(&view.our_outputs)
            .enumerate()
            .map(|(i, (o, ours))| pb::OutputDetail {
                output_type: pb::OutputScriptType::from_str_name(onchain::script_type(&o.script_hex)).unwrap_or(pb::OutputScriptType::ScriptTypeNonStandard)
                    as i32,
                address: o.address.clone(),
                pk_script: o.script_hex.clone(),
                output_index: i as i64,
                amount: o.value,
                is_our_address: *ours,
            })
            .collect(),
        raw_tx_hex: tx.raw_hex.clone(),
        label: tx.label.clone(),
        previous_outpoints: tx
            .inputs
            .iter()
            .zip(&view.our_inputs)
            .map(|((txid, vout), ours)| pb::PreviousOutPoint { outpoint: format!("{txid}:{vout}"), is_our_output: *ours })
            .collect(),
    }
}

/// labels.ValidateAPI: at most wtxmgr's 500 bytes; a send without a label is "external".
fn tx_label(label: String) -> Result<String, Status> {
    match label.len() {
        0 => Ok("external".into()),
        n if n > 500 => Err(Status::unknown(format!("label length: {n} exceeds limit of 500"))),
        _ => Ok(label),
    }
}

/// lnd's min/max confirmation rules for ListUnspent (`lnrpc.ParseConfs`).
fn confs(min: i32, max: i32) -> Result<(u32, u32), Status> {
    if min < 0 {
        return Err(Status::unknown("min confirmations must be >= 0"));
    }
    if max < min {
        return Err(Status::unknown("max confirmations must be >= min confirmations"));
    }
    Ok((min as u32, max as u32))
}

/// btcwallet's words for an account the wallet does not have.
fn account_not_found(name: &str) -> Status {
    Status::unknown(format!("account name '{name}' not found"))
}

impl NodeRpc {
    pub fn new_address(&self, md: &MetadataMap, req: pb::NewAddressRequest) -> Result<pb::NewAddressResponse, Status> {
        self.authorize(md, &NEW_ADDRESS)?;
        // rpcserver.go checks the type first; btcwallet then the account.
        let (kind, reuse) = address_type(req.r#type)?;
        match req.account.as_str() {
            "" | "default" => {}
            "imported" => return Err(Status::unknown("addresses cannot be generated for the default imported account")),
            other => return Err(account_not_found(other)),
        }
        let issued = self.ledger.read(|chain| {
            let mut node = self.node();
            let issued = node.new_address(kind, false, reuse, chain).map_err(status)?;
            self.save_wallet(&node)?;
            Ok::<_, Status>(issued)
        })?;
        Ok(pb::NewAddressResponse { address: issued.address })
    }

    /// A fresh p2wkh address for the control API (tests, the demo's faucet), without the
    /// macaroon an RPC caller would need.
    pub fn control_new_address(&self) -> Result<String, Status> {
        self.ledger.read(|chain| {
            let mut node = self.node();
            let issued = node.new_address(AddressKind::WitnessPubkeyHash, false, false, chain).map_err(status)?;
            self.save_wallet(&node)?;
            Ok(issued.address)
        })
    }

    pub fn wallet_balance(&self, md: &MetadataMap, req: pb::WalletBalanceRequest) -> Result<pb::WalletBalanceResponse, Status> {
        self.authorize(md, &WALLET_BALANCE)?;
        match req.account.as_str() {
            "" | "default" => {}
            // The catch-all account of imported keys, which lnd leaves out while it has none.
            "imported" => return Ok(pb::WalletBalanceResponse::default()),
            other => return Err(account_not_found(other)),
        }
        let b = self.ledger.read(|chain| self.node().balance(chain));
        let account = pb::WalletAccountBalance { confirmed_balance: b.confirmed, unconfirmed_balance: b.unconfirmed };
        Ok(pb::WalletBalanceResponse {
            total_balance: b.confirmed + b.unconfirmed,
            confirmed_balance: b.confirmed,
            unconfirmed_balance: b.unconfirmed,
            locked_balance: 0,
            reserved_balance_anchor_chan: 0,
            account_balance: [("default".to_string(), account)].into_iter().collect(),
        })
    }

    // `sat_per_byte` is deprecated, but lnd still rejects it alongside the new field.
    #[allow(deprecated)]
    pub fn send_coins(&self, md: &MetadataMap, req: pb::SendCoinsRequest) -> Result<pb::SendCoinsResponse, Status> {
        self.authorize(md, &SEND_COINS)?;
        if req.sat_per_byte != 0 && req.sat_per_vbyte != 0 {
            return Err(Status::unknown(super::BOTH_FEE_RATES));
        }
        let send = SendCoins {
            address: req.addr,
            amount: req.amount,
            send_all: req.send_all,
            target_conf: req.target_conf,
            sat_per_vbyte: if req.sat_per_vbyte != 0 { req.sat_per_vbyte } else { req.sat_per_byte as u64 },
            min_confs: req.min_confs,
            spend_unconfirmed: req.spend_unconfirmed,
            label: tx_label(req.label)?,
        };
        let txid = self.ledger.write(|chain| {
            let mut node = self.node();
            let tx = node.send_coins(chain, send, now()).map_err(status)?;
            self.save_wallet(&node)?;
            Ok::<_, Status>((tx.txid.clone(), vec![ChainEvent::Tx(tx.txid)]))
        })?;
        Ok(pb::SendCoinsResponse { txid })
    }

    pub fn list_unspent(&self, md: &MetadataMap, req: pb::ListUnspentRequest) -> Result<pb::ListUnspentResponse, Status> {
        self.authorize(md, &LIST_UNSPENT)?;
        let (min, max) = confs(req.min_confs, req.max_confs)?;
        let utxos = self.ledger.read(|chain| self.node().utxos(chain, min, max));
        Ok(pb::ListUnspentResponse {
            utxos: utxos
                .into_iter()
                .map(|u| pb::Utxo {
                    address_type: kind_type(u.kind) as i32,
                    address: u.address,
                    amount_sat: u.value,
                    pk_script: u.script_hex,
                    outpoint: Some(pb::OutPoint {
                        txid_bytes: u.txid.parse::<bitcoin::Txid>().map(|t| bitcoin::hashes::Hash::to_byte_array(t).to_vec()).unwrap_or_default(),
                        txid_str: u.txid,
                        output_index: u.vout,
                    }),
                    confirmations: u.confirmations as i64,
                })
                .collect(),
        })
    }

    pub fn get_transactions(&self, md: &MetadataMap, req: pb::GetTransactionsRequest) -> Result<pb::TransactionDetails, Status> {
        self.authorize(md, &GET_TRANSACTIONS)?;
        Ok(self.ledger.read(|chain| {
            let node = self.node();
            // lnd: an end height of 0 or -1 reaches the tip and the mempool.
            let in_range = |t: &WalletTx<'_>| match (t.tx.height, req.end_height) {
                (None, e) => e <= 0,
                (Some(h), e) => h as i32 >= req.start_height && (e <= 0 || h as i32 <= e),
            };
            let all: Vec<_> = node.transactions(chain).into_iter().filter(in_range).collect();
            let first = (req.index_offset as usize).min(all.len());
            let take = if req.max_transactions == 0 { all.len() } else { req.max_transactions as usize };
            let mut page: Vec<pb::Transaction> = all[first..].iter().take(take).map(|t| transaction(chain, t)).collect();
            // lnrpc.RPCTransactionDetails: fewest confirmations first (the mempool, then the
            // newest blocks); the indexes are those of the first and last transaction given.
            page.sort_by_key(|t| t.num_confirmations);
            let (first_index, last_index) = if page.is_empty() { (0, 0) } else { (first as u64, (first + page.len() - 1) as u64) };
            pb::TransactionDetails { last_index, first_index, transactions: page }
        }))
    }

    /// Each wallet transaction when it enters the mempool and again when it confirms; no
    /// backlog, as lnd.
    pub fn subscribe_transactions(self: &Arc<Self>, md: &MetadataMap, _req: pb::GetTransactionsRequest) -> Result<RpcStream<pb::Transaction>, Status> {
        self.authorize(md, &SUBSCRIBE_TRANSACTIONS)?;
        let this = Arc::clone(self);
        let events = BroadcastStream::new(self.ledger.subscribe());
        Ok(Box::pin(events.flat_map(move |event| {
            let txids = match event {
                Ok(ChainEvent::Tx(txid)) => vec![txid],
                Ok(ChainEvent::Block { txids, .. }) => txids,
                Err(_) => vec![],
            };
            let messages: Vec<Result<pb::Transaction, Status>> = this.ledger.read(|chain| {
                let node = this.node();
                txids.iter().filter_map(|id| chain.tx(id)).filter_map(|tx| node.view(chain, tx)).map(|v| Ok(transaction(chain, &v))).collect()
            });
            futures::stream::iter(messages)
        })))
    }

    pub fn estimate_fee(&self, md: &MetadataMap, req: pb::EstimateFeeRequest) -> Result<pb::EstimateFeeResponse, Status> {
        self.authorize(md, &ESTIMATE_FEE)?;
        let outputs: Vec<(String, i64)> = req.addr_to_amount.into_iter().collect();
        let (fee, rate) =
            self.ledger.read(|chain| self.node().estimate_fee(chain, &outputs, req.target_conf, req.min_confs, req.spend_unconfirmed)).map_err(status)?;
        #[allow(deprecated)]
        Ok(pb::EstimateFeeResponse { fee_sat: fee, feerate_sat_per_byte: rate as i64, sat_per_vbyte: rate })
    }

    pub fn list_accounts(&self, md: &MetadataMap, req: lnrpc::walletrpc::ListAccountsRequest) -> Result<lnrpc::walletrpc::ListAccountsResponse, Status> {
        use lnrpc::walletrpc as w;
        self.authorize(md, &LIST_ACCOUNTS)?;
        let accounts = self.node().accounts().map_err(status)?;
        let wanted = |t: w::AddressType| req.address_type == 0 || req.address_type == t as i32;
        Ok(w::ListAccountsResponse {
            accounts: accounts
                .into_iter()
                .map(|a| {
                    let t = match a.kind {
                        AddressKind::WitnessPubkeyHash => w::AddressType::WitnessPubkeyHash,
                        AddressKind::NestedPubkeyHash => w::AddressType::HybridNestedWitnessPubkeyHash,
                        AddressKind::TaprootPubkey => w::AddressType::TaprootPubkey,
                    };
                    (t, a)
                })
                .filter(|(t, _)| wanted(*t) && (req.name.is_empty() || req.name == "default"))
                .map(|(t, a)| w::Account {
                    name: "default".into(),
                    address_type: t as i32,
                    extended_public_key: a.xpub,
                    master_key_fingerprint: a.fingerprint.to_vec(),
                    derivation_path: a.path,
                    external_key_count: a.external,
                    internal_key_count: a.internal,
                    watch_only: false,
                })
                .collect(),
        })
    }

    fn save_wallet(&self, node: &world::node::Node) -> Result<(), Status> {
        let sealed = node.sealed().ok_or_else(|| status(NodeError::NotCreated))?;
        self.dir.save_wallet(sealed).map_err(super::io_status)
    }
}
