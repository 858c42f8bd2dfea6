//! The vault as the app holds it: locked or open, the saved nodes while open, the idle lock,
//! and connecting to a saved node with its identity checked first. Only ciphertext reaches
//! storage; a locked app holds no macaroon, key or node list in memory.

use gloo_timers::callback::Interval;
use leptos::prelude::*;

use super::Session;
use super::browser::storage;
use crate::lnd::{Endpoint, Lnd, LndError, Macaroon, WalletState};
use crate::vault::{self, Contents, Envelope, IdentityChanged, Key, SavedNode, Snapshot, VaultError};

const VAULT: &str = "lightdeck.vault";
/// `<count> <unix time until which unlocking waits>`: not secret, and kept across reloads
/// so that a reload does not reset the wait.
const FAILURES: &str = "lightdeck.vault.failures";
/// Seconds of inactivity before the vault locks (a preference, not a secret).
const LOCK_AFTER: &str = "lightdeck.lock_after";
pub const DEFAULT_LOCK_AFTER: u32 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Status {
    /// Nothing saved on this device.
    Empty,
    Locked,
    Open,
}

#[derive(Clone, Copy)]
pub struct Vault {
    pub status: RwSignal<Status>,
    /// The saved nodes; empty unless open.
    pub contents: RwSignal<Contents>,
    key: StoredValue<Option<Key>, LocalStorage>,
    /// Seconds idle before locking.
    pub lock_after: RwSignal<u32>,
    last_active: StoredValue<f64>,
    /// The saved node the session is connected to, and whether its identity was checked
    /// (a locked wallet cannot be asked until it is unlocked).
    pub current: RwSignal<Option<(String, bool)>>,
    /// A saved node that answered with another key, waiting for the user's decision.
    pub changed: RwSignal<Option<IdentityChanged>>,
    /// The last failure to connect to a saved node (shown on the connect page).
    pub failure: RwSignal<Option<LndError>>,
    /// The user chose to connect to another node without unlocking.
    pub skipped: RwSignal<bool>,
    /// Unlocked, and connecting to the node used last: the unlock screen stays meanwhile.
    pub connecting: RwSignal<bool>,
    /// The stored vault has a passkey that can open it.
    pub has_passkey: RwSignal<bool>,
}

fn now_secs() -> i64 {
    super::now()
}

fn failures() -> (u32, i64) {
    let text = storage().and_then(|s| s.get_item(FAILURES).ok().flatten()).unwrap_or_default();
    let mut parts = text.split(' ').map(|p| p.parse::<i64>().unwrap_or(0));
    let count = parts.next().unwrap_or(0).clamp(0, u32::MAX as i64) as u32;
    (count, parts.next().unwrap_or(0))
}

fn set_item(key: &str, value: &str) -> Result<(), VaultError> {
    storage()
        .and_then(|s| s.set_item(key, value).ok())
        .ok_or_else(|| VaultError::Unavailable("the browser refused to store it (private mode, or storage full)".into()))
}

fn remove_item(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

fn stored_envelope() -> Option<String> {
    storage()?.get_item(VAULT).ok()?
}

/// The stored vault, read as an envelope this build can open.
fn stored() -> Result<Envelope, VaultError> {
    Envelope::parse(&stored_envelope().ok_or(VaultError::Corrupt)?)
}

impl Vault {
    pub fn provide(session: Session) -> Self {
        let status = if stored_envelope().is_some() { Status::Locked } else { Status::Empty };
        let lock_after =
            storage().and_then(|s| s.get_item(LOCK_AFTER).ok().flatten()).and_then(|v| v.parse::<u32>().ok()).filter(|v| *v > 0).unwrap_or(DEFAULT_LOCK_AFTER);
        let vault = Vault {
            status: RwSignal::new(status),
            contents: RwSignal::new(Contents::default()),
            key: StoredValue::new_local(None),
            lock_after: RwSignal::new(lock_after),
            last_active: StoredValue::new(js_sys::Date::now()),
            current: RwSignal::new(None),
            changed: RwSignal::new(None),
            failure: RwSignal::new(None),
            skipped: RwSignal::new(false),
            connecting: RwSignal::new(false),
            has_passkey: RwSignal::new(stored().ok().is_some_and(|e| e.passkey.is_some())),
        };
        provide_context(vault);
        vault.watch_idle(session);
        vault.check_when_unlocked(session);
        vault
    }

    pub fn get() -> Self {
        expect_context::<Vault>()
    }

    /// Any touch, key or scroll counts as use; a check each second locks an open vault
    /// left alone for longer than `lock_after`.
    fn watch_idle(self, session: Session) {
        let touch = move || self.last_active.set_value(js_sys::Date::now());
        let handles = (
            window_event_listener(leptos::ev::pointerdown, move |_| touch()),
            window_event_listener(leptos::ev::keydown, move |_| touch()),
            window_event_listener(leptos::ev::scroll, move |_| touch()),
        );
        // The app lives as long as the page: the listeners and the timer do too.
        std::mem::forget(handles);
        Interval::new(1_000, move || {
            let idle_ms = js_sys::Date::now() - self.last_active.get_value();
            if self.status.get_untracked() == Status::Open && idle_ms > f64::from(self.lock_after.get_untracked()) * 1000.0 {
                self.lock(session);
            }
        })
        .forget();
    }

    /// A saved node whose wallet was locked at connection could not say who it is; once it
    /// runs, it is asked before the pages load anything.
    fn check_when_unlocked(self, session: Session) {
        Effect::new(move |_| {
            let running = session.wallet.get() == Some(WalletState::ServerActive);
            let Some((id, false)) = self.current.get() else { return };
            let Some(lnd) = session.lnd.get_untracked() else { return };
            if !running {
                return;
            }
            leptos::task::spawn_local(async move {
                let found = lnd.get_info().await.ok().map(|info| info.identity_pubkey);
                let still_current = self.current.with_untracked(|c| c.as_ref().is_some_and(|(cur, _)| *cur == id));
                if still_current && let Ok(checked) = self.after_identity(session, &id, found).await {
                    self.current.set(Some((id, checked)));
                }
            });
        });
    }

    /// Holds a saved node to the key it answered with (learning it the first time); on a
    /// different key the session ends before anything else is asked or shown. Returns
    /// whether the identity was checked.
    async fn after_identity(self, session: Session, id: &str, found: Option<String>) -> Result<bool, LndError> {
        let mut contents = self.contents.get_untracked();
        match contents.check_identity(id, found.as_deref()) {
            Ok(learnt) => {
                if learnt {
                    self.contents.set(contents);
                    let _ = self.persist().await;
                }
                Ok(found.is_some())
            }
            Err(changed) => {
                session.disconnect();
                self.current.set(None);
                let error = LndError::IdentityChanged { expected: changed.expected.clone(), found: changed.found.clone() };
                self.changed.set(Some(changed));
                self.failure.set(Some(error.clone()));
                Err(error)
            }
        }
    }

    pub fn wait_seconds(&self) -> i64 {
        let (_, until) = failures();
        (until - now_secs()).max(0)
    }

    /// Decrypts the vault; wrong passphrases are counted and, past the free tries, make
    /// the next try wait.
    pub async fn unlock(&self, passphrase: &str) -> Result<(), VaultError> {
        let wait = self.wait_seconds();
        if wait > 0 {
            return Err(VaultError::Wait(wait as u64));
        }
        let env = stored()?;
        match vault::open(passphrase, &env).await {
            Ok((key, plain)) => self.opened(key, &plain),
            Err(VaultError::WrongPassphrase) => {
                let count = failures().0.saturating_add(1);
                let until = now_secs() + vault::wait_after(count) as i64;
                let _ = set_item(FAILURES, &format!("{count} {until}"));
                Err(VaultError::WrongPassphrase)
            }
            Err(e) => Err(e),
        }
    }

    /// Opens the vault with its passkey (the device asks the user to confirm).
    pub async fn unlock_with_passkey(&self) -> Result<(), VaultError> {
        let env = stored()?;
        let (key, plain) = vault::open_with_passkey(&env).await?;
        self.opened(key, &plain)
    }

    fn opened(&self, key: Key, plain: &[u8]) -> Result<(), VaultError> {
        let contents = Contents::from_json(plain).ok_or(VaultError::Corrupt)?;
        remove_item(FAILURES);
        self.key.set_value(Some(key));
        self.contents.set(contents);
        self.status.set(Status::Open);
        self.last_active.set_value(js_sys::Date::now());
        Ok(())
    }

    /// Adds a passkey that opens the vault (the passphrase proves the user may).
    pub async fn add_passkey(&self, passphrase: &str) -> Result<(), VaultError> {
        let mut env = stored()?;
        env.passkey = Some(vault::add_passkey(passphrase, &env).await?);
        set_item(VAULT, &env.to_json())?;
        self.has_passkey.set(true);
        Ok(())
    }

    pub fn remove_passkey(&self) -> Result<(), VaultError> {
        let mut env = stored()?;
        env.passkey = None;
        set_item(VAULT, &env.to_json())?;
        self.has_passkey.set(false);
        Ok(())
    }

    /// Writes the saved nodes again under the open key; a passkey keeps working, since it
    /// wraps that same key.
    async fn persist(&self) -> Result<(), VaultError> {
        let key = self.key.get_value().ok_or(VaultError::Corrupt)?;
        let mut env = vault::seal(&key, &self.contents.get_untracked().to_json()).await?;
        env.passkey = stored().ok().and_then(|e| e.passkey).filter(|_| self.has_passkey.get_untracked());
        set_item(VAULT, &env.to_json())
    }

    /// Saves a node that just connected, creating the vault with `passphrase` when there
    /// is none, or opening it with `passphrase` when it is locked.
    pub async fn save(&self, node: SavedNode, passphrase: &str) -> Result<(), LndError> {
        let input = |e: VaultError| LndError::Input(e.to_string());
        match self.status.get_untracked() {
            Status::Empty => {
                let key = vault::create(passphrase).await.map_err(input)?;
                self.key.set_value(Some(key));
                self.contents.set(Contents::default());
                self.status.set(Status::Open);
            }
            Status::Locked => self.unlock(passphrase).await.map_err(input)?,
            Status::Open => {}
        }
        let mut contents = self.contents.get_untracked();
        let id = match contents.save(node) {
            Ok(id) => id,
            Err(changed) => {
                let error = LndError::IdentityChanged { expected: changed.expected.clone(), found: changed.found.clone() };
                self.changed.set(Some(changed));
                return Err(error);
            }
        };
        let checked = contents.get(&id).is_some_and(|n| n.pubkey.is_some());
        self.contents.set(contents);
        self.current.set(Some((id, checked)));
        self.persist().await.map_err(input)
    }

    /// Connects to a saved node: its identity must be the saved one before the session
    /// starts.
    pub async fn connect(&self, session: Session, id: &str) -> Result<(), LndError> {
        let node = self.contents.with_untracked(|c| c.get(id).cloned()).ok_or_else(|| LndError::Input("That node is no longer saved.".into()))?;
        self.failure.set(None);
        self.changed.set(None);
        let page_is_https = web_sys::window().and_then(|w| w.location().protocol().ok()).as_deref() == Some("https:");
        let result = async {
            let endpoint = Endpoint::parse(&node.url, node.transport(), page_is_https)?;
            let lnd = Lnd::new(endpoint, Some(Macaroon::parse(&node.macaroon)?));
            let (state, found) = Session::dial(&lnd).await?;
            Ok::<_, LndError>((lnd, state, found))
        }
        .await;
        let (lnd, state, found) = match result {
            Ok(ok) => ok,
            Err(e) => {
                self.failure.set(Some(e.clone()));
                return Err(e);
            }
        };
        let checked = self.after_identity(session, &node.id, found).await?;
        self.contents.update(|c| c.use_node(&node.id));
        let _ = self.persist().await;
        session.connect(lnd, state);
        self.current.set(Some((node.id.clone(), checked)));
        Ok(())
    }

    /// The user's deliberate choice: the saved address now belongs to the key that answered.
    pub async fn accept_identity(&self, session: Session) -> Result<(), LndError> {
        let Some(changed) = self.changed.get_untracked() else { return Ok(()) };
        self.contents.update(|c| c.accept_identity(&changed.id, &changed.found));
        self.changed.set(None);
        self.persist().await.map_err(|e| LndError::Input(e.to_string()))?;
        self.connect(session, &changed.id).await
    }

    /// Keeps what the connected saved node's page shows, encrypted, for reading while the
    /// node cannot be reached.
    pub fn record(&self, info: &crate::lnd::pb::GetInfoResponse) {
        let Some((id, true)) = self.current.get_untracked() else { return };
        let snapshot = Snapshot {
            at: now_secs(),
            alias: info.alias.clone(),
            block_height: info.block_height,
            synced: info.synced_to_chain,
            active_channels: info.num_active_channels,
            pending_channels: info.num_pending_channels,
            inactive_channels: info.num_inactive_channels,
            peers: info.num_peers,
            version: info.version.clone(),
        };
        let mut contents = self.contents.get_untracked();
        if contents.record(&id, snapshot) {
            self.contents.set(contents);
            let vault = *self;
            leptos::task::spawn_local(async move {
                let _ = vault.persist().await;
            });
        }
    }

    /// Whether a hold invoice's preimage made now can be kept (the vault is open and the
    /// session's node is saved in it).
    pub fn keeps_preimages(&self) -> bool {
        self.current.with(Option::is_some)
    }

    /// Keeps a hold invoice's preimage, encrypted, before the invoice is asked for: an
    /// answer lost on the way cannot lose the preimage of an invoice the node made.
    pub async fn keep_preimage(&self, hash: &[u8], preimage: &[u8; 32]) -> Result<(), LndError> {
        let Some((id, _)) = self.current.get_untracked() else { return Ok(()) };
        let mut contents = self.contents.get_untracked();
        if contents.keep_preimage(&id, &hex::encode(hash), &hex::encode(preimage)) {
            self.contents.set(contents);
            self.persist().await.map_err(|e| LndError::Input(format!("The hold invoice's secret could not be saved: {e}")))?;
        }
        Ok(())
    }

    /// The connected node's hold invoices whose preimage this device keeps.
    pub fn kept_preimages(&self) -> Vec<(Vec<u8>, [u8; 32])> {
        let Some((id, _)) = self.current.get() else { return Vec::new() };
        self.contents.with(|c| {
            c.get(&id)
                .map(|n| n.holds.iter().filter_map(|(h, p)| Some((hex::decode(h).ok()?, hex::decode(p).ok()?.try_into().ok()?))).collect())
                .unwrap_or_default()
        })
    }

    /// A hold invoice was settled or canceled: its preimage is no longer needed here.
    pub fn forget_preimage(&self, hash: &[u8]) {
        let Some((id, _)) = self.current.get_untracked() else { return };
        let mut contents = self.contents.get_untracked();
        if contents.forget_preimage(&id, &hex::encode(hash)) {
            self.contents.set(contents);
            let vault = *self;
            leptos::task::spawn_local(async move {
                let _ = vault.persist().await;
            });
        }
    }

    /// The connected saved node's macaroon was replaced (lnd rotated its root key).
    pub async fn replace_macaroon(&self, macaroon: &Macaroon) -> Result<(), LndError> {
        let Some((id, _)) = self.current.get_untracked() else { return Ok(()) };
        self.contents.update(|c| c.set_macaroon(&id, &macaroon.hex()));
        self.persist().await.map_err(|e| LndError::Input(e.to_string()))
    }

    pub async fn rename(&self, id: &str, name: &str) -> Result<(), VaultError> {
        self.contents.update(|c| c.rename(id, name));
        self.persist().await
    }

    pub async fn forget(&self, session: Session, id: &str) -> Result<(), VaultError> {
        if self.current.with_untracked(|c| c.as_ref().is_some_and(|(cur, _)| cur == id)) {
            session.disconnect();
            self.current.set(None);
        }
        self.contents.update(|c| c.forget(id));
        self.persist().await
    }

    pub async fn change_passphrase(&self, old: &str, new: &str, repeated: &str) -> Result<(), VaultError> {
        vault::check_new_passphrase(new, repeated)?;
        let env = stored()?;
        vault::open(old, &env).await?;
        let key = vault::create(new).await?;
        self.key.set_value(Some(key));
        // A new passphrase means a new key, which the passkey does not wrap.
        self.has_passkey.set(false);
        self.persist().await
    }

    pub fn set_lock_after(&self, seconds: u32) {
        self.lock_after.set(seconds);
        let _ = set_item(LOCK_AFTER, &seconds.to_string());
    }

    /// Drops the key, the saved nodes and the session from memory.
    pub fn lock(&self, session: Session) {
        session.disconnect();
        self.current.set(None);
        self.key.set_value(None);
        self.contents.set(Contents::default());
        self.changed.set(None);
        self.failure.set(None);
        self.skipped.set(false);
        if self.status.get_untracked() == Status::Open {
            self.status.set(Status::Locked);
        }
    }

    /// Wipes the vault and every saved node from this device.
    pub fn forget_everything(&self, session: Session) {
        self.lock(session);
        remove_item(VAULT);
        remove_item(FAILURES);
        self.has_passkey.set(false);
        self.status.set(Status::Empty);
    }
}
