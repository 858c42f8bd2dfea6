//! Keep-me-safe: while the app is connected to an active node, SubscribeChannelBackups
//! delivers a new snapshot after every channel change; the newest is kept in memory, and
//! downloaded at once when the user asked for that.

use leptos::prelude::*;

use super::browser::storage;
use super::{Session, spawn_scoped};
use crate::lnd::{WalletState, pb};

const AUTO_KEY: &str = "lightdeck.backup-auto-download";

#[derive(Clone, Copy)]
pub struct Backups {
    /// The newest snapshot and when it arrived (unix seconds).
    pub latest: RwSignal<Option<(i64, pb::ChanBackupSnapshot)>>,
    /// Download every new snapshot as it arrives (remembered; it holds no secret).
    pub auto_download: RwSignal<bool>,
}

/// The packed Multi of a snapshot: the file lnd's `channel.backup` holds.
pub fn packed(snapshot: &pb::ChanBackupSnapshot) -> Vec<u8> {
    snapshot.multi_chan_backup.as_ref().map(|m| m.multi_chan_backup.clone()).unwrap_or_default()
}

impl Backups {
    pub fn provide(session: Session) -> Self {
        let auto = storage().and_then(|s| s.get_item(AUTO_KEY).ok().flatten()).is_some_and(|v| v == "1");
        let backups = Backups { latest: RwSignal::new(None), auto_download: RwSignal::new(auto) };
        Effect::new(move |_| {
            let on = backups.auto_download.get();
            if let Some(s) = storage() {
                let _ = s.set_item(AUTO_KEY, if on { "1" } else { "0" });
            }
        });
        Effect::new(move |_| {
            let active = session.wallet.get() == Some(WalletState::ServerActive);
            let Some(lnd) = session.lnd.get().filter(|_| active) else { return };
            let on_snapshot = move |snapshot: pb::ChanBackupSnapshot| {
                // A re-opened stream starts with the current snapshot: only a change is news.
                if backups.latest.with_untracked(|l| l.as_ref().is_some_and(|(_, s)| *s == snapshot)) {
                    return;
                }
                let bytes = packed(&snapshot);
                // An empty file would look like a backup and restore nothing.
                if backups.auto_download.get_untracked() && !bytes.is_empty() {
                    crate::components::download(&bytes, "channel.backup");
                }
                backups.latest.set(Some((super::now(), snapshot)));
            };
            spawn_scoped(super::reopening(move || Some(lnd.subscribe_channel_backups()), on_snapshot));
        });
        provide_context(backups);
        backups
    }

    pub fn get() -> Self {
        expect_context::<Backups>()
    }
}
