use std::time::Duration;

use futures::StreamExt;
use leptos::prelude::*;

use crate::lnd::{Lnd, LndError, WalletState};

/// Whether the state stream is currently flowing.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    Up,
    /// Lost; the app retries by itself.
    Down(LndError),
}

/// The connection to one node. Credentials live here, in memory only: a reload forgets them.
#[derive(Clone, Copy)]
pub struct Session {
    pub lnd: RwSignal<Option<Lnd>>,
    pub wallet: RwSignal<Option<WalletState>>,
    pub link: RwSignal<Link>,
    /// Goes up each time the link comes back after a loss: whatever is on screen may have
    /// changed unseen (a stream cut before its first message can be retried by the browser
    /// without the app ever knowing), so pages reload on it.
    pub reconnects: RwSignal<u32>,
}

impl Session {
    pub fn provide() -> Self {
        let session = Session { lnd: RwSignal::new(None), wallet: RwSignal::new(None), link: RwSignal::new(Link::Up), reconnects: RwSignal::new(0) };
        provide_context(session);
        // Follow the node's wallet state for as long as a connection is set; a new
        // connection (or a disconnect) stops the previous watcher.
        Effect::new(move |_| {
            let Some(lnd) = session.lnd.get() else { return };
            super::spawn_scoped(session.watch(lnd));
        });
        session
    }

    pub fn get() -> Self {
        expect_context::<Session>()
    }

    pub fn connect(&self, lnd: Lnd, state: WalletState) {
        self.wallet.set(Some(state));
        self.link.set(Link::Up);
        self.lnd.set(Some(lnd));
    }

    /// Asks a node its state and, when it runs, its identity, proving the macaroon belongs
    /// to it before the app relies on it. lnd checks the signature before the permissions,
    /// so "permission denied" (an invoice macaroon has no info:read) still means the node
    /// baked it; the identity is then unknown.
    pub async fn dial(lnd: &Lnd) -> Result<(WalletState, Option<String>), LndError> {
        let state = lnd.get_state().await?;
        if !matches!(state, WalletState::RpcActive | WalletState::ServerActive) {
            return Ok((state, None));
        }
        if !lnd.has_macaroon() {
            return Err(LndError::MacaroonMissing);
        }
        match lnd.get_info().await {
            Ok(info) => Ok((state, Some(info.identity_pubkey))),
            Err(LndError::PermissionDenied) => Ok((state, None)),
            Err(e) => Err(e),
        }
    }

    pub fn disconnect(&self) {
        self.lnd.set(None);
        self.wallet.set(None);
        self.link.set(Link::Up);
    }

    /// SubscribeState, re-opened with a growing pause whenever it breaks (a node restart,
    /// a network change); the first message after a reconnect is the current state.
    async fn watch(self, lnd: Lnd) {
        let mut pause = Duration::from_millis(500);
        loop {
            let mut states = lnd.subscribe_state();
            let mut failure = LndError::Disconnected;
            while let Some(item) = states.next().await {
                match item {
                    Ok(state) => {
                        if self.wallet.get_untracked() != Some(state) {
                            self.wallet.set(Some(state));
                        }
                        if self.link.get_untracked() != Link::Up {
                            self.link.set(Link::Up);
                            self.reconnects.update(|n| *n += 1);
                        }
                        pause = Duration::from_millis(500);
                    }
                    Err(e) => {
                        failure = e;
                        break;
                    }
                }
            }
            drop(states);
            self.link.set(Link::Down(failure));
            gloo_timers::future::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(8));
        }
    }
}
