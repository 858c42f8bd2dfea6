//! Channels: opening (the funding flow with the peer), listing, closing, balances and the
//! channel event stream. Each side keeps its own channel database; the chain decides when a
//! channel opens and how it closed (see `world::channels`).

use std::sync::{Arc, Weak};

use futures::StreamExt;
use lnrpc::lnrpc as pb;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tonic::{Status, metadata::MetadataMap};

use super::{
    BOTH_FEE_RATES, CHANNEL_BALANCE, CLOSE_CHANNEL, CLOSED_CHANNELS, LIST_CHANNELS, NodeRpc, OPEN_CHANNEL, OPEN_CHANNEL_SYNC, PENDING_CHANNELS, RpcStream,
    SUBSCRIBE_CHANNEL_EVENTS, io_status, status,
};
use crate::clock::now;
use world::chain::{ChainEvent, REGTEST_GENESIS};
use world::channels::{self as sim, Change, Channel, CloseType, NodeDb, PayTo, Phase};
use world::onchain::{SendCoins, fee_rate};
use world::wallet::AddressKind;

use pb::channel_event_update::{Channel as Event, UpdateType};

/// A txid as lnd's `bytes` fields carry it: internal (reversed) byte order.
pub fn txid_bytes(txid: &str) -> Vec<u8> {
    txid.parse::<bitcoin::Txid>().map(|t| bitcoin::hashes::Hash::to_byte_array(t).to_vec()).unwrap_or_default()
}

fn txid_from_bytes(bytes: &[u8]) -> Option<String> {
    let array: [u8; 32] = bytes.try_into().ok()?;
    Some(<bitcoin::Txid as bitcoin::hashes::Hash>::from_byte_array(array).to_string())
}

/// A ChannelPoint as "txid:index", from either of its txid forms.
pub fn chan_point_string(cp: &pb::ChannelPoint) -> Result<String, Status> {
    use pb::channel_point::FundingTxid;
    let txid = match &cp.funding_txid {
        Some(FundingTxid::FundingTxidStr(s)) => s.parse::<bitcoin::Txid>().map(|t| t.to_string()).ok(),
        Some(FundingTxid::FundingTxidBytes(b)) => txid_from_bytes(b),
        None => None,
    };
    let txid = txid.ok_or_else(|| Status::unknown("invalid funding txid"))?;
    Ok(format!("{txid}:{}", cp.output_index))
}

pub(super) fn chan_point_message(cp: &str) -> pb::ChannelPoint {
    let (txid, index) = cp.rsplit_once(':').unwrap_or((cp, "0"));
    pb::ChannelPoint { funding_txid: Some(pb::channel_point::FundingTxid::FundingTxidBytes(txid_bytes(txid))), output_index: index.parse().unwrap_or(0) }
}

fn amount(sat: i64, msat: i64) -> Option<pb::Amount> {
    Some(pb::Amount { sat: sat.max(0) as u64, msat: msat.max(0) as u64 })
}

fn initiator(local: bool) -> i32 {
    (if local { pb::Initiator::Local } else { pb::Initiator::Remote }) as i32
}

fn constraints(capacity: i64, csv: u32) -> Option<pb::ChannelConstraints> {
    Some(pb::ChannelConstraints {
        csv_delay: csv,
        chan_reserve_sat: sim::reserve(capacity) as u64,
        dust_limit_sat: sim::DUST_LIMIT as u64,
        max_pending_amt_msat: (capacity as u64 * 1000) * 99 / 100,
        min_htlc_msat: 1,
        max_accepted_htlcs: 483,
    })
}

fn pending_channel(ch: &Channel) -> Option<pb::pending_channels_response::PendingChannel> {
    Some(pb::pending_channels_response::PendingChannel {
        remote_node_pub: ch.remote_pubkey.clone(),
        channel_point: ch.chan_point(),
        capacity: ch.capacity,
        local_balance: ch.local_sat(),
        remote_balance: ch.remote_sat(),
        local_chan_reserve_sat: sim::reserve(ch.capacity),
        remote_chan_reserve_sat: sim::reserve(ch.capacity),
        initiator: initiator(ch.initiator),
        commitment_type: pb::CommitmentType::Anchors as i32,
        num_forwarding_packages: 0,
        chan_status_flags: "ChanStatusDefault".into(),
        private: ch.private,
        memo: ch.memo.clone(),
        custom_channel_data: vec![],
    })
}

fn close_summary(c: &sim::Closed) -> pb::ChannelCloseSummary {
    use pb::channel_close_summary::ClosureType;
    let close_type = match c.close_type {
        CloseType::Cooperative => ClosureType::CooperativeClose,
        CloseType::LocalForce => ClosureType::LocalForceClose,
        CloseType::RemoteForce => ClosureType::RemoteForceClose,
    };
    pb::ChannelCloseSummary {
        channel_point: c.channel.chan_point(),
        chan_id: c.channel.chan_id,
        chain_hash: REGTEST_GENESIS.into(),
        closing_tx_hash: c.closing_txid.clone(),
        remote_pubkey: c.channel.remote_pubkey.clone(),
        capacity: c.channel.capacity,
        close_height: c.close_height,
        settled_balance: c.settled_balance,
        time_locked_balance: c.time_locked_balance,
        close_type: close_type as i32,
        open_initiator: initiator(c.channel.initiator),
        close_initiator: initiator(c.local_initiated),
        resolutions: vec![],
        alias_scids: vec![],
        zero_conf_confirmed_scid: 0,
        custom_channel_data: vec![],
    }
}

fn event(kind: UpdateType, channel: Event) -> pb::ChannelEventUpdate {
    pb::ChannelEventUpdate { r#type: kind as i32, channel: Some(channel) }
}

/// The events after which a channel backup differs: a channel starts opening, opens or closes.
pub(super) fn backup_changed(e: &pb::ChannelEventUpdate) -> bool {
    matches!(UpdateType::try_from(e.r#type), Ok(UpdateType::PendingOpenChannel | UpdateType::OpenChannel | UpdateType::ClosedChannel))
}

fn parse_pubkey(bytes: &[u8], string: &str) -> Result<String, Status> {
    let key = if !bytes.is_empty() { hex::encode(bytes) } else { string.to_lowercase() };
    if bitcoin::secp256k1::PublicKey::from_slice(&hex::decode(&key).unwrap_or_default()).is_err() {
        return Err(Status::unknown(format!("unable to decode node pubkey: {key}")));
    }
    Ok(key)
}

impl NodeRpc {
    pub(super) fn channels(&self) -> std::sync::MutexGuard<'_, NodeDb> {
        self.channels.lock().expect("channels lock")
    }

    fn save_channels(&self, db: &NodeDb) -> Result<(), Status> {
        crate::store::write_json(&self.dir.channel_db(), db).map_err(io_status)
    }

    /// Saves the channel database soon: payments and invoices change it many times a
    /// second, so their changes are written in batches (and at shutdown).
    pub(super) fn persist_later(&self) {
        use std::sync::atomic::Ordering;
        if self.save_pending.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak = self.this.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let Some(this) = weak.upgrade() else { return };
            // Serialising a large database takes longer than a payment: off the async workers.
            let snapshot = this.db_snapshot();
            tokio::task::spawn_blocking(move || this.write_snapshot(snapshot));
        });
    }

    pub(super) fn save_now(&self) {
        let snapshot = self.db_snapshot();
        self.write_snapshot(snapshot);
    }

    /// The database as it is now, numbered so that an older snapshot is never written over a
    /// newer one.
    fn db_snapshot(&self) -> (u64, NodeDb) {
        use std::sync::atomic::Ordering;
        self.save_pending.store(false, Ordering::Release);
        let db = self.channels();
        (self.saves.fetch_add(1, Ordering::AcqRel) + 1, db.clone())
    }

    fn write_snapshot(&self, (number, db): (u64, NodeDb)) {
        let mut written = self.saved.lock().expect("save lock");
        if number <= *written {
            return;
        }
        if let Err(e) = self.save_channels(&db) {
            eprintln!("devnode: saving channels: {}", e.message());
        }
        *written = number;
    }

    /// Announces a channel event; when the set of channels changed, lnd rewrites
    /// `channel.backup` (the same events drive SubscribeChannelBackups).
    fn emit(&self, e: pb::ChannelEventUpdate) {
        if backup_changed(&e) {
            self.write_backup_file();
        }
        let _ = self.chan_events.send(e);
    }

    /// lnd opens its channel database once the wallet is unlocked; a deleted one is empty.
    pub(super) fn load_channels(&self) -> Result<(), Status> {
        let db = crate::store::read_json::<NodeDb>(&self.dir.channel_db()).map_err(io_status)?.unwrap_or_default();
        *self.channels() = db;
        Ok(())
    }

    fn is_active(&self, ch: &Channel) -> bool {
        ch.phase == Phase::Open && self.peers.lock().expect("peers lock").contains_key(&ch.remote_pubkey)
    }

    fn channel_message(&self, ch: &Channel) -> pb::Channel {
        #[allow(deprecated)]
        pb::Channel {
            active: self.is_active(ch),
            remote_pubkey: ch.remote_pubkey.clone(),
            channel_point: ch.chan_point(),
            chan_id: ch.chan_id,
            capacity: ch.capacity,
            local_balance: ch.local_sat(),
            remote_balance: ch.remote_sat(),
            commit_fee: if ch.initiator { sim::commit_fee() } else { 0 },
            commit_weight: sim::COMMIT_WEIGHT,
            fee_per_kw: sim::FEE_PER_KW,
            unsettled_balance: 0,
            total_satoshis_sent: ch.sent_msat / 1000,
            total_satoshis_received: ch.received_msat / 1000,
            num_updates: ch.updates,
            pending_htlcs: vec![],
            csv_delay: ch.csv_delay,
            private: ch.private,
            initiator: ch.initiator,
            chan_status_flags: "ChanStatusDefault".into(),
            local_chan_reserve_sat: sim::reserve(ch.capacity),
            remote_chan_reserve_sat: sim::reserve(ch.capacity),
            static_remote_key: false,
            commitment_type: pb::CommitmentType::Anchors as i32,
            lifetime: (now() - ch.opened_at).max(0),
            uptime: if self.is_active(ch) { (now() - ch.opened_at).max(0) } else { 0 },
            close_address: String::new(),
            push_amount_sat: ch.push_sat as u64,
            thaw_height: 0,
            local_constraints: constraints(ch.capacity, ch.csv_delay),
            remote_constraints: constraints(ch.capacity, ch.csv_delay),
            alias_scids: vec![],
            zero_conf: false,
            zero_conf_confirmed_scid: 0,
            peer_alias: String::new(),
            peer_scid_alias: 0,
            memo: ch.memo.clone(),
            custom_channel_data: vec![],
        }
    }

    /// Turns what the chain did to the channels into channel events.
    pub(super) fn announce(&self, changes: &[Change]) {
        for change in changes {
            let e = match change {
                Change::Opened(cp) => {
                    let Some(ch) = self.channels().find(cp).cloned() else { continue };
                    let open = event(UpdateType::OpenChannel, Event::OpenChannel(self.channel_message(&ch)));
                    self.emit(open);
                    self.announce_to_graph(&ch, None);
                    if self.is_active(&ch) {
                        event(UpdateType::ActiveChannel, Event::ActiveChannel(chan_point_message(cp)))
                    } else {
                        continue;
                    }
                }
                Change::Closing(cp) => event(UpdateType::InactiveChannel, Event::InactiveChannel(chan_point_message(cp))),
                Change::Closed(cp) => {
                    let db = self.channels();
                    let Some(closed) = db.closed.iter().rev().find(|c| c.channel.chan_point() == *cp) else { continue };
                    self.announce_to_graph(&closed.channel, Some(closed.close_height));
                    event(UpdateType::ClosedChannel, Event::ClosedChannel(close_summary(closed)))
                }
                Change::FullyResolved(cp) => event(UpdateType::FullyResolvedChannel, Event::FullyResolvedChannel(chan_point_message(cp))),
            };
            self.emit(e);
        }
    }

    /// Brings the channels up to date with the chain and publishes any sweep that is due.
    pub fn sync_channels(&self) {
        let me = self.identity_pubkey();
        if me.is_empty() {
            return;
        }
        let (changes, sweeps) = self.ledger.read(|chain| self.channels().sync(chain, &me));
        if changes.is_empty() && sweeps.is_empty() {
            // Most blocks change nothing here: no need to rewrite the database.
            return;
        }
        for sweep in sweeps {
            let published = self.ledger.write(|chain| {
                let mut node = self.node();
                let to = node.new_address(AddressKind::TaprootPubkey, true, false, chain).map_err(status)?;
                let to = PayTo { address: to.address, script_hex: to.script_hex };
                let (tx, event) = sweep.publish(chain, &to, now()).map_err(|e| Status::unknown(e.to_string()))?;
                self.dir.save_wallet(node.sealed().expect("unlocked")).map_err(io_status)?;
                Ok::<_, Status>((tx.txid, vec![event]))
            });
            if let Ok(txid) = published
                && let Some(ch) = self.channels().find_mut(&sweep.chan_point)
                && let Phase::ForceClosing { sweep_txid, .. } = &mut ch.phase
            {
                *sweep_txid = Some(txid);
            }
        }
        let db = self.channels().clone();
        if let Err(e) = self.save_channels(&db) {
            eprintln!("devnode: saving channels: {}", e.message());
        }
        self.announce(&changes);
    }

    /// Follows the chain for as long as the node runs.
    pub(super) fn watch_chain(self: &Arc<Self>) {
        let weak: Weak<Self> = Arc::downgrade(self);
        let mut events = self.ledger.subscribe();
        // Invoices also expire with time, so the watcher wakes up every second too.
        let mut clock = tokio::time::interval(std::time::Duration::from_secs(1));
        let task = tokio::spawn(async move {
            loop {
                let block = tokio::select! {
                    event = events.recv() => match event {
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => true,
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                    _ = clock.tick() => false,
                };
                let Some(this) = weak.upgrade() else { break };
                if block {
                    this.sync_channels();
                }
                this.cancel_expired();
            }
        });
        if let Some(old) = self.watcher.lock().expect("watcher lock").replace(task.abort_handle()) {
            old.abort();
        }
    }

    pub(super) fn stop_watching(&self) {
        if let Some(task) = self.watcher.lock().expect("watcher lock").take() {
            task.abort();
        }
        if self.save_pending.load(std::sync::atomic::Ordering::Acquire) {
            self.save_now();
        }
    }

    /// Active and inactive events for the channels with a peer that came or went.
    pub(super) fn peer_changed(&self, pubkey: &str, online: bool) {
        if online {
            // Whichever side restored from a backup, the reunion settles it.
            self.recover_with(pubkey);
            if let Some(peer) = self.switchboard.find(pubkey) {
                peer.recover_with(&self.identity_pubkey());
            }
        }
        let points: Vec<String> =
            self.channels().channels.iter().filter(|c| c.remote_pubkey == pubkey && c.phase == Phase::Open).map(Channel::chan_point).collect();
        for cp in points {
            let (kind, e) = if online {
                (UpdateType::ActiveChannel, Event::ActiveChannel(chan_point_message(&cp)))
            } else {
                (UpdateType::InactiveChannel, Event::InactiveChannel(chan_point_message(&cp)))
            };
            self.emit(event(kind, e));
        }
    }

    /// GetInfo's pending, active and inactive channel counts.
    pub(super) fn channel_counts(&self) -> (u32, u32, u32) {
        let db = self.channels().clone();
        let pending = db.channels.iter().filter(|c| c.phase == Phase::PendingOpen).count() as u32;
        let active = db.channels.iter().filter(|c| self.is_active(c)).count() as u32;
        let open = db.channels.iter().filter(|c| c.phase == Phase::Open).count() as u32;
        (pending, active, open - active)
    }

    /// The peers of this node's channels, to reconnect to after a start.
    pub(super) fn channel_peers(&self) -> Vec<String> {
        let mut peers: Vec<String> = self.channels().channels.iter().map(|c| c.remote_pubkey.clone()).collect();
        peers.sort();
        peers.dedup();
        peers
    }

    /// The funding flow: checks, the funding transaction from our wallet, and both sides'
    /// records. Returns the channel point.
    fn fund_channel(&self, req: &pb::OpenChannelRequest) -> Result<(String, u32), Status> {
        // rpcserver.go parseOpenChannelReq's order: the amounts, then the key, then the
        // fee rate.
        sim::check_open_amounts(req.local_funding_amount, req.push_sat).map_err(Status::unknown)?;
        #[allow(deprecated)]
        let pubkey = parse_pubkey(&req.node_pubkey, &req.node_pubkey_string)?;
        let me = self.identity_pubkey();
        if pubkey == me {
            return Err(Status::unknown("cannot open channel to self"));
        }
        #[allow(deprecated)]
        if req.sat_per_byte != 0 && req.sat_per_vbyte != 0 {
            return Err(Status::unknown(BOTH_FEE_RATES));
        }
        let online = self.peers.lock().expect("peers lock").contains_key(&pubkey);
        let remote = self.switchboard.find(&pubkey).filter(|_| online).ok_or_else(|| Status::unknown(format!("peer {pubkey} is not online")))?;
        // The peer's funding manager answers open_channel before anything is funded.
        if !remote.channels().admits_channel_from(&me) {
            let mut pending_chan_id = [0u8; 32];
            rand::RngCore::fill_bytes(&mut *self.rng.lock().expect("rng lock"), &mut pending_chan_id);
            return Err(Status::unknown(sim::funding_refusal(&pubkey, pending_chan_id, sim::MAX_PENDING_REFUSAL)));
        }
        let remote_payout = remote.payout_address()?;
        let funding = sim::funding_output(&me, &pubkey);
        #[allow(deprecated)]
        let rate = if req.sat_per_vbyte != 0 { req.sat_per_vbyte } else { req.sat_per_byte as u64 };
        let (txid, local_payout) = self.ledger.write(|chain| {
            let mut node = self.node();
            let send = SendCoins {
                address: funding.address.clone(),
                amount: req.local_funding_amount,
                send_all: false,
                target_conf: req.target_conf,
                sat_per_vbyte: rate,
                min_confs: if req.min_confs == 0 { 1 } else { req.min_confs },
                spend_unconfirmed: req.spend_unconfirmed,
                label: String::new(),
            };
            let tx = node.send_coins(chain, send, now()).map_err(status)?;
            let payout = node.new_address(AddressKind::TaprootPubkey, false, false, chain).map_err(status)?;
            self.dir.save_wallet(node.sealed().expect("unlocked")).map_err(io_status)?;
            Ok::<_, Status>(((tx.txid.clone(), PayTo { address: payout.address, script_hex: payout.script_hex }), vec![ChainEvent::Tx(tx.txid)]))
        })?;
        let vout = 0;
        let (mine, theirs) = sim::Funding {
            funding_txid: &txid,
            output_index: vout,
            opener: &me,
            peer: &pubkey,
            capacity: req.local_funding_amount,
            push_sat: req.push_sat,
            private: req.private,
            opener_payout: local_payout,
            peer_payout: remote_payout,
            now: now(),
            memo: req.memo.clone(),
        }
        .records();
        remote.accept_channel(theirs)?;
        self.accept_channel(mine)?;
        Ok((txid, vout))
    }

    /// A wallet address the peer's funds go to when the channel closes.
    fn payout_address(&self) -> Result<PayTo, Status> {
        self.ledger.read(|chain| {
            let mut node = self.node();
            let a = node.new_address(AddressKind::TaprootPubkey, false, false, chain).map_err(status)?;
            self.dir.save_wallet(node.sealed().expect("unlocked")).map_err(io_status)?;
            Ok(PayTo { address: a.address, script_hex: a.script_hex })
        })
    }

    /// Records a new pending channel and announces it.
    fn accept_channel(&self, ch: Channel) -> Result<(), Status> {
        let pending = pb::PendingUpdate { txid: txid_bytes(&ch.funding_txid), output_index: ch.output_index, fee_per_vbyte: 0, local_close_tx: false };
        let db = {
            let mut db = self.channels();
            db.channels.push(ch);
            db.clone()
        };
        self.save_channels(&db)?;
        self.emit(event(UpdateType::PendingOpenChannel, Event::PendingOpenChannel(pending)));
        Ok(())
    }

    pub fn open_channel_sync(&self, md: &MetadataMap, req: pb::OpenChannelRequest) -> Result<pb::ChannelPoint, Status> {
        self.authorize(md, &OPEN_CHANNEL_SYNC)?;
        let (txid, vout) = self.fund_channel(&req)?;
        Ok(chan_point_message(&format!("{txid}:{vout}")))
    }

    /// `chan_pending` at once, `chan_open` when the funding transaction has its
    /// confirmations; then the stream ends.
    pub fn open_channel(self: &Arc<Self>, md: &MetadataMap, req: pb::OpenChannelRequest) -> Result<RpcStream<pb::OpenStatusUpdate>, Status> {
        self.authorize(md, &OPEN_CHANNEL)?;
        let events = self.chan_events.subscribe();
        let (txid, vout) = self.fund_channel(&req)?;
        let cp = format!("{txid}:{vout}");
        let pending_chan_id: Vec<u8> = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(cp.as_bytes())).to_vec();
        let first = pb::OpenStatusUpdate {
            update: Some(pb::open_status_update::Update::ChanPending(pb::PendingUpdate {
                txid: txid_bytes(&txid),
                output_index: vout,
                fee_per_vbyte: 0,
                local_close_tx: false,
            })),
            pending_chan_id: pending_chan_id.clone(),
        };
        let opened = BroadcastStream::new(events)
            .filter_map(move |e| {
                let open = matches!(&e, Ok(pb::ChannelEventUpdate { channel: Some(Event::OpenChannel(c)), .. }) if c.channel_point == cp);
                futures::future::ready(open.then(|| pb::OpenStatusUpdate {
                    update: Some(pb::open_status_update::Update::ChanOpen(pb::ChannelOpenUpdate { channel_point: Some(chan_point_message(&cp)) })),
                    pending_chan_id: pending_chan_id.clone(),
                }))
            })
            .take(1);
        Ok(Box::pin(futures::stream::iter([first]).chain(opened).map(Ok)))
    }

    pub fn list_channels(&self, md: &MetadataMap, req: pb::ListChannelsRequest) -> Result<pb::ListChannelsResponse, Status> {
        self.authorize(md, &LIST_CHANNELS)?;
        if req.active_only && req.inactive_only {
            return Err(Status::unknown("either `active_only` or `inactive_only` can be set, but not both"));
        }
        if req.public_only && req.private_only {
            return Err(Status::unknown("either `public_only` or `private_only` can be set, but not both"));
        }
        let peer = (!req.peer.is_empty()).then(|| hex::encode(&req.peer));
        let open: Vec<Channel> = self.channels().channels.iter().filter(|c| c.phase == Phase::Open).cloned().collect();
        // The graph is walked once for every channel's alias.
        let announced = req.peer_alias_lookup.then(|| self.announced_nodes());
        let channels = open
            .iter()
            .map(|c| self.channel_message(c))
            .filter(|c| (!req.active_only || c.active) && (!req.inactive_only || !c.active))
            .filter(|c| (!req.public_only || !c.private) && (!req.private_only || c.private))
            .filter(|c| peer.as_ref().is_none_or(|p| *p == c.remote_pubkey))
            .map(|c| pb::Channel { peer_alias: announced.as_ref().map_or_else(String::new, |a| self.peer_alias(&c.remote_pubkey, a)), ..c })
            .collect();
        Ok(pb::ListChannelsResponse { channels })
    }

    pub fn pending_channels(&self, md: &MetadataMap, _req: pb::PendingChannelsRequest) -> Result<pb::PendingChannelsResponse, Status> {
        use pb::pending_channels_response as p;
        self.authorize(md, &PENDING_CHANNELS)?;
        let db = self.channels().clone();
        let (tip, txs) = self.ledger.read(|chain| {
            let confs: std::collections::HashMap<String, (u32, Option<u32>)> =
                db.channels.iter().filter_map(|c| chain.tx(&c.funding_txid).map(|t| (c.funding_txid.clone(), (chain.confirmations(t), t.height)))).collect();
            (chain.tip().height, confs)
        });
        let mut resp = pb::PendingChannelsResponse::default();
        for ch in &db.channels {
            match &ch.phase {
                Phase::PendingOpen => {
                    let (confs, height) = txs.get(&ch.funding_txid).copied().unwrap_or((0, None));
                    resp.pending_open_channels.push(p::PendingOpenChannel {
                        channel: pending_channel(ch),
                        commit_fee: if ch.initiator { sim::commit_fee() } else { 0 },
                        commit_weight: sim::COMMIT_WEIGHT,
                        fee_per_kw: sim::FEE_PER_KW,
                        // lnd forgets an unconfirmed channel after 2016 blocks.
                        funding_expiry_blocks: if height.is_none() { 2016 } else { 0 },
                        confirmations_until_active: sim::FUNDING_CONFS.saturating_sub(confs),
                        confirmation_height: height.unwrap_or(0),
                    });
                }
                Phase::WaitingClose { closing_txid, .. } => {
                    resp.waiting_close_channels.push(p::WaitingCloseChannel {
                        channel: pending_channel(ch),
                        limbo_balance: ch.local_sat(),
                        commitments: Some(p::Commitments::default()),
                        closing_txid: closing_txid.clone(),
                        closing_tx_hex: String::new(),
                    });
                    resp.total_limbo_balance += ch.local_sat();
                }
                Phase::ForceClosing { closing_txid, close_height, .. } => {
                    let maturity = sim::maturity_height(*close_height, ch.csv_delay);
                    resp.pending_force_closing_channels.push(p::ForceClosedChannel {
                        channel: pending_channel(ch),
                        closing_txid: closing_txid.clone(),
                        limbo_balance: ch.local_sat(),
                        maturity_height: maturity,
                        blocks_til_maturity: maturity as i32 - tip as i32,
                        recovered_balance: 0,
                        pending_htlcs: vec![],
                        anchor: p::force_closed_channel::AnchorState::Limbo as i32,
                    });
                    resp.total_limbo_balance += ch.local_sat();
                }
                Phase::Open => {}
            }
        }
        Ok(resp)
    }

    pub fn closed_channels(&self, md: &MetadataMap, req: pb::ClosedChannelsRequest) -> Result<pb::ClosedChannelsResponse, Status> {
        self.authorize(md, &CLOSED_CHANNELS)?;
        let any = req.cooperative || req.local_force || req.remote_force || req.breach || req.funding_canceled || req.abandoned;
        let wanted = |t: CloseType| {
            !any || match t {
                CloseType::Cooperative => req.cooperative,
                CloseType::LocalForce => req.local_force,
                CloseType::RemoteForce => req.remote_force,
            }
        };
        let channels = self.channels().closed.iter().filter(|c| wanted(c.close_type)).map(close_summary).collect();
        Ok(pb::ClosedChannelsResponse { channels })
    }

    #[allow(deprecated)]
    pub fn channel_balance(&self, md: &MetadataMap, _req: pb::ChannelBalanceRequest) -> Result<pb::ChannelBalanceResponse, Status> {
        self.authorize(md, &CHANNEL_BALANCE)?;
        let db = self.channels();
        let sum = |phase: &dyn Fn(&Phase) -> bool, f: &dyn Fn(&Channel) -> i64| -> i64 { db.channels.iter().filter(|c| phase(&c.phase)).map(f).sum() };
        let is_open = |p: &Phase| *p == Phase::Open;
        let is_pending = |p: &Phase| *p == Phase::PendingOpen;
        let local = sum(&is_open, &|c| c.local_msat);
        let remote = sum(&is_open, &|c| c.remote_msat);
        let pending_local = sum(&is_pending, &|c| c.local_msat);
        let pending_remote = sum(&is_pending, &|c| c.remote_msat);
        Ok(pb::ChannelBalanceResponse {
            balance: local / 1000,
            pending_open_balance: pending_local / 1000,
            local_balance: amount(local / 1000, local),
            remote_balance: amount(remote / 1000, remote),
            unsettled_local_balance: amount(0, 0),
            unsettled_remote_balance: amount(0, 0),
            pending_open_local_balance: amount(pending_local / 1000, pending_local),
            pending_open_remote_balance: amount(pending_remote / 1000, pending_remote),
            custom_channel_data: vec![],
        })
    }

    /// Events as they happen; no backlog, as lnd.
    pub fn subscribe_channel_events(&self, md: &MetadataMap, _req: pb::ChannelEventSubscription) -> Result<RpcStream<pb::ChannelEventUpdate>, Status> {
        self.authorize(md, &SUBSCRIBE_CHANNEL_EVENTS)?;
        Ok(Box::pin(BroadcastStream::new(self.chan_events.subscribe()).filter_map(|e| futures::future::ready(e.ok().map(Ok)))))
    }

    /// `close_pending` once the closing transaction is published, `chan_close` when it
    /// confirms.
    #[allow(deprecated)]
    pub fn close_channel(self: &Arc<Self>, md: &MetadataMap, req: pb::CloseChannelRequest) -> Result<RpcStream<pb::CloseStatusUpdate>, Status> {
        use pb::close_status_update::Update;
        self.authorize(md, &CLOSE_CHANNEL)?;
        let cp = chan_point_string(req.channel_point.as_ref().ok_or_else(|| Status::unknown("must specify channel point in close channel"))?)?;
        if req.sat_per_byte != 0 && req.sat_per_vbyte != 0 {
            return Err(Status::unknown(BOTH_FEE_RATES));
        }
        if req.force && (req.target_conf != 0 || req.sat_per_vbyte != 0 || req.sat_per_byte != 0) {
            return Err(Status::unknown("force closing a channel uses a pre-defined fee"));
        }
        let ch = sim::check_close(self.channels().find(&cp), &cp).map_err(Status::unknown)?.clone();
        let me = self.identity_pubkey();
        let remote = self.switchboard.find(&ch.remote_pubkey).filter(|_| self.is_active(&ch));
        if !req.force && remote.is_none() {
            return Err(Status::unknown("unable to gracefully close channel while peer is offline (try force closing it instead): channel link not found"));
        }
        let rate = if req.sat_per_vbyte != 0 {
            req.sat_per_vbyte
        } else if req.sat_per_byte != 0 {
            req.sat_per_byte as u64
        } else {
            fee_rate(if req.target_conf == 0 { 6 } else { req.target_conf })
        };
        let (outputs, fee) = if req.force { sim::force_close_outputs(&ch, &me) } else { sim::coop_close_outputs(&ch, rate as i64) };
        let events = self.ledger.subscribe();
        // Both records change under the chain lock, so no chain watcher sees the spend first
        // and mistakes our close for the peer's.
        let peer = remote.filter(|_| !req.force);
        let closing_txid = self.ledger.write(|chain| {
            let (tx, event) =
                chain.submit(&[(ch.funding_txid.clone(), ch.output_index)], outputs, fee, "", now()).map_err(|e| Status::unknown(e.to_string()))?;
            let mark = |node: &NodeRpc, local_initiated: bool| {
                if let Some(c) = node.channels().find_mut(&cp) {
                    c.phase = Phase::WaitingClose { closing_txid: tx.txid.clone(), local_initiated };
                }
            };
            mark(self, true);
            if let Some(remote) = &peer {
                mark(remote, false);
            }
            Ok::<_, Status>((tx.txid, vec![event]))
        })?;
        self.announce(&[Change::Closing(cp.clone())]);
        if let Some(remote) = &peer {
            remote.announce(&[Change::Closing(cp.clone())]);
        }
        let pending = pb::CloseStatusUpdate {
            update: Some(Update::ClosePending(pb::PendingUpdate {
                txid: txid_bytes(&closing_txid),
                output_index: 0,
                fee_per_vbyte: if req.force { 0 } else { rate as i64 },
                local_close_tx: req.force,
            })),
        };
        let this = Arc::clone(self);
        let done = BroadcastStream::new(events)
            .filter_map(move |e| {
                let confirmed = matches!(&e, Ok(ChainEvent::Block { txids, .. }) if txids.contains(&closing_txid));
                if confirmed {
                    // The watcher may not have seen the block yet; the stream reports what the chain says.
                    this.sync_channels();
                }
                futures::future::ready(confirmed.then(|| pb::CloseStatusUpdate {
                    update: Some(Update::ChanClose(pb::ChannelCloseUpdate {
                        closing_txid: txid_bytes(&closing_txid),
                        success: true,
                        local_close_output: None,
                        remote_close_output: None,
                        additional_outputs: vec![],
                    })),
                }))
            })
            .take(1);
        Ok(Box::pin(futures::stream::iter([pending]).chain(done).map(Ok)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chan_points_accept_both_txid_forms() {
        let txid = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
        let bytes = pb::ChannelPoint { funding_txid: Some(pb::channel_point::FundingTxid::FundingTxidBytes(txid_bytes(txid))), output_index: 1 };
        let text = pb::ChannelPoint { funding_txid: Some(pb::channel_point::FundingTxid::FundingTxidStr(txid.into())), output_index: 1 };
        assert_eq!(chan_point_string(&bytes).unwrap(), format!("{txid}:1"));
        assert_eq!(chan_point_string(&text).unwrap(), format!("{txid}:1"));
        // The bytes are the reverse of the displayed hex.
        assert_eq!(hex::encode(txid_bytes(txid))[..2], txid[62..]);
        assert_eq!(chan_point_message(&format!("{txid}:1")), bytes);
    }
}
