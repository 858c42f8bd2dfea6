//! Static channel backups: export (one channel or all, also kept as `channel.backup` in the
//! data directory), verify (decrypts with this node's key and parses), restore (recovered
//! channel shells whose peers force close, returning the funds on-chain) and the stream of
//! snapshots after every open and close.

use std::sync::Arc;

use futures::StreamExt;
use lnrpc::lnrpc as pb;
use tokio_stream::wrappers::BroadcastStream;
use tonic::{Status, metadata::MetadataMap};

use super::channels::{chan_point_message, chan_point_string};
use super::{EXPORT_ALL_CHANNEL_BACKUPS, EXPORT_CHANNEL_BACKUP, NodeRpc, RESTORE_CHANNEL_BACKUPS, RpcStream, SUBSCRIBE_CHANNEL_BACKUPS, VERIFY_CHAN_BACKUP};
use crate::clock::now;
use world::backup::{self, Single};
use world::channels::{self as sim, Channel, Phase};

impl NodeRpc {
    fn backup_key(&self) -> Result<[u8; 32], Status> {
        self.node().backup_key().ok_or_else(|| Status::unknown("wallet locked, unlock it to enable full RPC access"))
    }

    fn nonce(&self) -> [u8; 24] {
        let mut n = [0u8; 24];
        rand::RngCore::fill_bytes(&mut *self.rng.lock().expect("rng lock"), &mut n);
        n
    }

    /// The Single of a channel: its peer, where the peer listens, its funding output.
    fn single(&self, ch: &Channel) -> Single {
        let address = self
            .peers
            .lock()
            .expect("peers lock")
            .get(&ch.remote_pubkey)
            .filter(|l| !l.inbound)
            .map(|l| l.address.clone())
            .or_else(|| self.switchboard.find(&ch.remote_pubkey).map(|r| r.p2p_address()));
        Single::of(ch, address)
    }

    fn snapshot(&self) -> Result<pb::ChanBackupSnapshot, Status> {
        let key = self.backup_key()?;
        let channels: Vec<Channel> = self.channels().backed_up().into_iter().cloned().collect();
        let singles: Vec<Single> = channels.iter().map(|c| self.single(c)).collect();
        let chan_backups = channels
            .iter()
            .zip(&singles)
            .map(|(c, s)| pb::ChannelBackup {
                chan_point: Some(chan_point_message(&c.chan_point())),
                chan_backup: backup::encrypt(&key, self.nonce(), &s.serialize()),
            })
            .collect();
        Ok(pb::ChanBackupSnapshot {
            single_chan_backups: Some(pb::ChannelBackups { chan_backups }),
            multi_chan_backup: Some(pb::MultiChanBackup {
                chan_points: channels.iter().map(|c| chan_point_message(&c.chan_point())).collect(),
                multi_chan_backup: backup::encrypt(&key, self.nonce(), &backup::serialize_multi(&singles)),
            }),
        })
    }

    /// lnd keeps the packed Multi as `channel.backup` beside the wallet, rewritten on every
    /// change of the channel set.
    pub(super) fn write_backup_file(&self) {
        let Ok(snapshot) = self.snapshot() else { return };
        let packed = snapshot.multi_chan_backup.map(|m| m.multi_chan_backup).unwrap_or_default();
        if let Err(e) = crate::store::write_private(&self.dir.chain_dir().join("channel.backup"), &packed) {
            eprintln!("devnode: writing channel.backup: {e}");
        }
    }

    pub fn export_channel_backup(&self, md: &MetadataMap, req: pb::ExportChannelBackupRequest) -> Result<pb::ChannelBackup, Status> {
        self.authorize(md, &EXPORT_CHANNEL_BACKUP)?;
        let cp = chan_point_string(req.chan_point.as_ref().ok_or_else(|| Status::unknown("chan_point must be set"))?)?;
        let ch = self.channels().backed_up().into_iter().find(|c| c.chan_point() == cp).cloned();
        let ch = ch.ok_or_else(|| Status::unknown("unable to find target channel"))?;
        let key = self.backup_key()?;
        Ok(pb::ChannelBackup { chan_point: Some(chan_point_message(&cp)), chan_backup: backup::encrypt(&key, self.nonce(), &self.single(&ch).serialize()) })
    }

    pub fn export_all_channel_backups(&self, md: &MetadataMap, _req: pb::ChanBackupExportRequest) -> Result<pb::ChanBackupSnapshot, Status> {
        self.authorize(md, &EXPORT_ALL_CHANNEL_BACKUPS)?;
        self.snapshot()
    }

    /// lnd's check: exactly one of single or multi; it decrypts with our key and parses.
    pub fn verify_chan_backup(&self, md: &MetadataMap, req: pb::ChanBackupSnapshot) -> Result<pb::VerifyChanBackupResponse, Status> {
        self.authorize(md, &VERIFY_CHAN_BACKUP)?;
        let key = self.backup_key()?;
        // rpcserver.go VerifyChanBackup tests which parts are present, not whether they
        // hold anything.
        let chan_points = match (req.multi_chan_backup, req.single_chan_backups) {
            (Some(_), Some(_)) => return Err(Status::unknown("either a Single or Multi channel backup must be specified, but not both")),
            (None, None) => return Err(Status::unknown("either a Single or Multi channel backup must be specified")),
            (Some(multi), None) => {
                let plain = backup::decrypt(&key, &multi.multi_chan_backup).map_err(|e| Status::unknown(format!("invalid multi channel backup: {e}")))?;
                backup::deserialize_multi(&plain)
                    .map_err(|e| Status::unknown(format!("invalid multi channel backup: {e}")))?
                    .iter()
                    .map(Single::chan_point)
                    .collect()
            }
            (None, Some(singles)) => match singles.chan_backups.as_slice() {
                [one] => {
                    let plain = backup::decrypt(&key, &one.chan_backup).map_err(|e| Status::unknown(format!("invalid single channel backup: {e}")))?;
                    vec![backup::deserialize_single(&plain).map_err(|e| Status::unknown(format!("invalid single channel backup: {e}")))?.chan_point()]
                }
                _ => return Err(Status::unknown("only one Single is accepted at a time")),
            },
        };
        Ok(pb::VerifyChanBackupResponse { chan_points })
    }

    /// Restores channels from a backup: each becomes a recovered shell waiting for its
    /// peer, which (as with lnd's data-loss protection) force closes on reconnection.
    pub fn restore_channel_backups(self: &Arc<Self>, md: &MetadataMap, req: pb::RestoreChanBackupRequest) -> Result<pb::RestoreBackupResponse, Status> {
        use pb::restore_chan_backup_request::Backup;
        self.authorize(md, &RESTORE_CHANNEL_BACKUPS)?;
        let key = self.backup_key()?;
        let singles: Vec<Single> = match req.backup {
            Some(Backup::MultiChanBackup(packed)) => {
                let plain = backup::decrypt(&key, &packed).map_err(|e| Status::unknown(format!("unable to unpack chan backup: {e}")))?;
                backup::deserialize_multi(&plain).map_err(|e| Status::unknown(format!("unable to unpack chan backup: {e}")))?
            }
            Some(Backup::ChanBackups(list)) => list
                .chan_backups
                .iter()
                .map(|b| backup::decrypt(&key, &b.chan_backup).and_then(|p| backup::deserialize_single(&p)))
                .collect::<Result<_, _>>()
                .map_err(|e| Status::unknown(format!("unable to unpack single backups: {e}")))?,
            // lnd's switch has no default: nothing to restore is a success.
            None => Vec::new(),
        };
        Ok(pb::RestoreBackupResponse { num_restored: self.restore_singles(&singles) })
    }

    /// InitWallet's or UnlockWallet's `channel_backups`, restored once the server is up, as
    /// lnd does.
    pub(super) fn restore_snapshot(self: &Arc<Self>, snapshot: pb::ChanBackupSnapshot) {
        let Ok(key) = self.backup_key() else { return };
        let multi = snapshot.multi_chan_backup.map(|m| m.multi_chan_backup).filter(|m| !m.is_empty());
        let singles: Result<Vec<Single>, _> = match multi {
            Some(packed) => backup::decrypt(&key, &packed).and_then(|p| backup::deserialize_multi(&p)),
            None => snapshot
                .single_chan_backups
                .map(|s| s.chan_backups)
                .unwrap_or_default()
                .iter()
                .map(|b| backup::decrypt(&key, &b.chan_backup).and_then(|p| backup::deserialize_single(&p)))
                .collect(),
        };
        match singles {
            Ok(singles) => {
                self.restore_singles(&singles);
            }
            Err(e) => eprintln!("devnode: the wallet's channel backup could not be restored: {e}"),
        }
    }

    fn restore_singles(self: &Arc<Self>, singles: &[Single]) -> u32 {
        let restored = self.channels().restore(singles, now());
        self.save_now();
        for s in singles {
            let peer = hex::encode(s.remote_pubkey);
            self.reconnect(&peer);
            self.request_force_close(&peer, &s.chan_point());
        }
        restored
    }

    /// Channels recovered from a backup wait for their peer (lnd keeps trying to reach it):
    /// once the two are connected, the peer closes them.
    pub(super) fn recover_with(&self, peer: &str) {
        let shells = self.channels().awaiting_recovery(peer);
        for cp in shells {
            self.request_force_close(peer, &cp);
        }
    }

    /// The data-loss protection exchange: the peer learns we lost our state, closes with
    /// its own commitment, and tells us where our funds go.
    fn request_force_close(&self, peer: &str, cp: &str) {
        let Some(remote) = self.switchboard.find(peer) else { return };
        if !remote.peers.lock().expect("peers lock").contains_key(&self.identity_pubkey()) {
            return;
        }
        let Some(theirs) = remote.channels().find(cp).cloned().filter(|c| c.phase == Phase::Open) else { return };
        let me = remote.identity_pubkey();
        let (outputs, fee) = sim::force_close_outputs(&theirs, &me);
        let submitted = remote.ledger.write(|chain| {
            let (tx, event) =
                chain.submit(&[(theirs.funding_txid.clone(), theirs.output_index)], outputs, fee, "", now()).map_err(|e| Status::unknown(e.to_string()))?;
            if let Some(c) = remote.channels().find_mut(cp) {
                c.phase = Phase::WaitingClose { closing_txid: tx.txid.clone(), local_initiated: true };
            }
            if let Some(c) = self.channels().find_mut(cp) {
                c.recovered_by(&theirs, &tx.txid);
            }
            Ok::<_, Status>((tx.txid, vec![event]))
        });
        if submitted.is_ok() {
            remote.announce(&[sim::Change::Closing(cp.to_string())]);
            self.save_now();
            remote.save_now();
        }
    }

    /// A fresh snapshot after every channel that starts opening, opens or closes.
    pub fn subscribe_channel_backups(
        self: &Arc<Self>,
        md: &MetadataMap,
        _req: pb::ChannelBackupSubscription,
    ) -> Result<RpcStream<pb::ChanBackupSnapshot>, Status> {
        self.authorize(md, &SUBSCRIBE_CHANNEL_BACKUPS)?;
        let this = Arc::clone(self);
        let changes = BroadcastStream::new(self.chan_events.subscribe()).filter_map(move |e| {
            let changed = e.as_ref().is_ok_and(super::channels::backup_changed);
            futures::future::ready(if changed { Some(this.snapshot()) } else { None })
        });
        Ok(Box::pin(changes))
    }
}
