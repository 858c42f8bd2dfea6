//! One simulated lnd node: the wallet state machine (lnd's `rpcperms` states), the
//! WalletUnlocker rules and their error strings, macaroon checks, and what GetInfo reports.
//! Randomness and time are passed in, so this is deterministic under test.

use rand::RngCore;

use super::chain::Chain;
use super::macaroons::{self, Macaroon, MacaroonError};
use super::seed::{self, CipherSeed};
use super::wallet::{Keys, SealedWallet, WalletError};

/// lnd's `lnrpc.WalletState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalletState {
    NonExisting,
    Locked,
    Unlocked,
    RpcActive,
    ServerActive,
}

/// Which group of RPCs a call belongs to, for lnd's state check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpcGroup {
    State,
    WalletUnlocker,
    Main,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NodeError {
    #[error("wallet not created, create one to enable full RPC access")]
    NotCreated,
    #[error("wallet locked, unlock it to enable full RPC access")]
    Locked,
    #[error("the RPC server is in the process of starting up, but not yet ready to accept calls")]
    Starting,
    #[error("wallet already unlocked, WalletUnlocker service is no longer available")]
    AlreadyUnlocked,
    #[error("wallet already exists")]
    WalletExists,
    #[error("password must have at least 8 characters")]
    PasswordTooShort,
    /// ChangePassword's new password, refused in lnd's words for any password.
    #[error("password must have at least 8 characters")]
    NewPasswordTooShort,
    #[error("incorrect entropy length: expected 16 bytes, instead got {0} bytes")]
    EntropyLength(usize),
    #[error("macaroon root key must be exactly 32 bytes, is instead {0}")]
    RootKeyLength(usize),
    #[error("{0} is not supported by devnode")]
    Unsupported(&'static str),
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
    #[error(transparent)]
    Wallet(#[from] WalletError),
    #[error("expected 1 macaroon, got {0}")]
    MacaroonCount(usize),
    #[error("{0}")]
    MacaroonEncoding(String),
    #[error(transparent)]
    Macaroon(#[from] MacaroonError),
    /// btcwallet's wording when coin selection fails.
    #[error("insufficient funds available to construct transaction")]
    InsufficientFunds,
    /// A request lnd refuses, with lnd's message.
    #[error("{0}")]
    Invalid(String),
}

const MIN_PASSWORD_LEN: usize = 8;

/// The three macaroons lnd writes at wallet creation (unless `stateless_init`).
pub struct Macaroons {
    pub admin: Vec<u8>,
    pub readonly: Vec<u8>,
    pub invoice: Vec<u8>,
}

/// Credentials never reach logs, even through a debug print.
impl std::fmt::Debug for Macaroons {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Macaroons { .. }")
    }
}

pub struct InitWallet {
    pub password: Vec<u8>,
    pub mnemonic: Vec<String>,
    pub aezeed_passphrase: Vec<u8>,
    pub macaroon_root_key: Vec<u8>,
    pub has_extended_key: bool,
    pub watch_only: bool,
}

/// What GetInfo reports from the node's own state.
pub struct Info {
    pub alias: String,
    pub color: String,
    pub identity_pubkey: String,
    pub block_height: u32,
    pub block_hash: String,
    pub best_header_timestamp: i64,
    pub synced_to_chain: bool,
    pub synced_to_graph: bool,
}

pub struct Node {
    pub alias: String,
    pub color: String,
    state: WalletState,
    pub(super) sealed: Option<SealedWallet>,
    pub(super) keys: Option<Keys>,
    /// Which macaroon root key ids exist (kept by the node's data directory).
    pub root_key_ids: super::root_keys::RootKeyIds,
}

impl Node {
    /// A node as lnd starts it: locked if a wallet exists, otherwise waiting for one.
    pub fn start(alias: String, color: String, sealed: Option<SealedWallet>) -> Self {
        let state = if sealed.is_some() { WalletState::Locked } else { WalletState::NonExisting };
        Node { alias, color, state, sealed, keys: None, root_key_ids: Default::default() }
    }

    pub fn state(&self) -> WalletState {
        self.state
    }

    pub fn sealed(&self) -> Option<&SealedWallet> {
        self.sealed.as_ref()
    }

    /// lnd's `checkRPCState`: which services answer in which state.
    pub fn check_rpc_state(&self, group: RpcGroup) -> Result<(), NodeError> {
        use WalletState::*;
        match (group, self.state) {
            (RpcGroup::State, _) => Ok(()),
            (RpcGroup::WalletUnlocker, NonExisting | Locked) => Ok(()),
            (RpcGroup::WalletUnlocker, _) => Err(NodeError::AlreadyUnlocked),
            (RpcGroup::Main, NonExisting) => Err(NodeError::NotCreated),
            (RpcGroup::Main, Locked) => Err(NodeError::Locked),
            (RpcGroup::Main, Unlocked) => Err(NodeError::Starting),
            (RpcGroup::Main, RpcActive | ServerActive) => Ok(()),
        }
    }

    /// lnd's macaroon check: exactly one hex value in the `macaroon` metadata, a valid chain
    /// under the node's root key, and every permission the RPC needs.
    pub fn check_macaroon(&self, values: &[&str], required: &[(&str, &str)], rpc: &str, now: i64) -> Result<(), NodeError> {
        self.check_macaroon_from(values, required, rpc, now, None)
    }

    /// `check_macaroon` for a call from `peer`, the address `ipaddr`/`iprange` caveats
    /// name (over lnd's REST proxy that is lnd itself, on loopback).
    pub fn check_macaroon_from(
        &self,
        values: &[&str],
        required: &[(&str, &str)],
        rpc: &str,
        now: i64,
        peer: Option<std::net::IpAddr>,
    ) -> Result<(), NodeError> {
        let [value] = values else { return Err(NodeError::MacaroonCount(values.len())) };
        let raw = hex::decode(value).map_err(|e| NodeError::MacaroonEncoding(format!("encoding/hex: {e}")))?;
        let mac = Macaroon::deserialize(&raw)?;
        let key = self.keys.as_ref().ok_or(NodeError::Locked)?;
        let id = mac.root_key_id()?;
        let unknown = || MacaroonError::UnknownRootKey(String::from_utf8_lossy(&id).into_owned());
        let generation = if id == macaroons::DEFAULT_ROOT_KEY_ID {
            0
        } else {
            let n: u64 = std::str::from_utf8(&id).ok().and_then(|s| s.parse().ok()).ok_or_else(unknown)?;
            self.root_key_ids.generation(n).ok_or_else(unknown)?
        };
        let root = root_key_for(&key.macaroon_root_key, &id, generation).ok_or_else(unknown)?;
        mac.verify_from(&root, required, rpc, now, peer)?;
        Ok(())
    }

    pub fn gen_seed(
        &self,
        passphrase: &[u8],
        entropy: &[u8],
        rng: &mut impl RngCore,
        now: i64,
    ) -> Result<(Vec<String>, [u8; seed::ENCIPHERED_LEN]), NodeError> {
        if self.sealed.is_some() {
            return Err(NodeError::WalletExists);
        }
        let entropy: [u8; 16] = match entropy.len() {
            0 => random(rng),
            16 => entropy.try_into().expect("16 bytes"),
            n => return Err(NodeError::EntropyLength(n)),
        };
        let enciphered = CipherSeed::new(entropy, random(rng), now).encipher(passphrase);
        Ok((seed::to_mnemonic(&enciphered), enciphered))
    }

    pub fn init_wallet(&mut self, req: InitWallet, rng: &mut impl RngCore) -> Result<Macaroons, NodeError> {
        if self.sealed.is_some() {
            return Err(NodeError::WalletExists);
        }
        if req.password.len() < MIN_PASSWORD_LEN {
            return Err(NodeError::PasswordTooShort);
        }
        if req.has_extended_key {
            return Err(NodeError::Unsupported("extended_master_key"));
        }
        if req.watch_only {
            return Err(NodeError::Unsupported("watch_only"));
        }
        let root_key: [u8; 32] = match req.macaroon_root_key.len() {
            0 => random(rng),
            32 => req.macaroon_root_key.as_slice().try_into().expect("32 bytes"),
            n => return Err(NodeError::RootKeyLength(n)),
        };
        let enciphered = seed::from_mnemonic(&req.mnemonic)?;
        let cipher_seed = CipherSeed::decipher(&enciphered, &req.aezeed_passphrase)?;
        let keys = Keys::new(cipher_seed.entropy, root_key);
        self.sealed = Some(SealedWallet::seal(&keys, &req.password, cipher_seed.birthday_unix(), random(rng), random(rng)));
        let macs = bake_all(&keys, rng);
        self.keys = Some(keys);
        self.state = WalletState::Unlocked;
        Ok(macs)
    }

    pub fn unlock(&mut self, password: &[u8]) -> Result<(), NodeError> {
        let sealed = self.sealed.as_ref().ok_or(NodeError::NotCreated)?;
        self.keys = Some(sealed.open(password)?);
        self.state = WalletState::Unlocked;
        Ok(())
    }

    /// ChangePassword: re-seals the wallet and unlocks it; a new root key invalidates every
    /// macaroon baked before.
    pub fn change_password(&mut self, current: &[u8], new: &[u8], new_root_key: bool, rng: &mut impl RngCore) -> Result<Macaroons, NodeError> {
        if new.len() < MIN_PASSWORD_LEN {
            return Err(NodeError::NewPasswordTooShort);
        }
        let sealed = self.sealed.as_ref().ok_or(NodeError::NotCreated)?;
        let mut keys = sealed.open(current)?;
        if new_root_key {
            keys.macaroon_root_key = random(rng);
        }
        self.sealed = Some(SealedWallet::seal(&keys, new, sealed.birthday_unix, random(rng), random(rng)));
        let macs = bake_all(&keys, rng);
        self.keys = Some(keys);
        self.state = WalletState::Unlocked;
        Ok(macs)
    }

    /// lnd moves from UNLOCKED to RPC_ACTIVE to SERVER_ACTIVE as its subsystems start.
    /// Returns the new state, or `None` once the node is fully active.
    pub fn advance(&mut self) -> Option<WalletState> {
        self.state = match self.state {
            WalletState::Unlocked => WalletState::RpcActive,
            WalletState::RpcActive => WalletState::ServerActive,
            _ => return None,
        };
        Some(self.state)
    }

    /// BakeMacaroon: a macaroon with exactly `perms` (checked by the caller), under root key
    /// `root_key_id`.
    pub fn bake_macaroon(&mut self, perms: &[(String, String)], root_key_id: u64, rng: &mut impl RngCore) -> Result<Vec<u8>, NodeError> {
        let root_key = self.keys.as_ref().ok_or(NodeError::Locked)?.macaroon_root_key;
        let id = root_key_id.to_string();
        let generation = self.root_key_ids.create(root_key_id);
        let root = root_key_for(&root_key, id.as_bytes(), generation).expect("numeric ids always have a key");
        let pairs: Vec<(&str, &str)> = perms.iter().map(|(e, a)| (e.as_str(), a.as_str())).collect();
        Ok(Macaroon::bake(&root, id.as_bytes(), random(rng), &pairs).serialize())
    }

    /// SignMessage with the node key.
    pub fn sign_message(&self, msg: &[u8], single_hash: bool) -> Result<String, NodeError> {
        let keys = self.keys.as_ref().ok_or(NodeError::Locked)?;
        Ok(super::message::sign(&keys.identity, msg, single_hash))
    }

    /// The node's identity key (it signs invoices); none while locked.
    pub fn identity_key(&self) -> Option<bitcoin::secp256k1::SecretKey> {
        self.keys.as_ref().map(|k| k.identity)
    }

    /// The key channel backups are encrypted with; none while locked.
    pub fn backup_key(&self) -> Option<[u8; 32]> {
        self.keys.as_ref().map(|k| k.backup_key())
    }

    /// The node key, hex; empty while the wallet is locked or absent.
    pub fn identity_pubkey(&self) -> String {
        self.keys.as_ref().map(|k| k.identity_pubkey().to_string()).unwrap_or_default()
    }

    pub fn info(&self, chain: &Chain) -> Info {
        let tip = chain.tip();
        Info {
            alias: self.alias.clone(),
            color: self.color.clone(),
            identity_pubkey: self.identity_pubkey(),
            block_height: tip.height,
            block_hash: tip.hash.clone(),
            best_header_timestamp: tip.time,
            synced_to_chain: self.state == WalletState::ServerActive,
            synced_to_graph: self.state == WalletState::ServerActive,
        }
    }
}

/// lnd keeps one random root key per numeric id (id 0 bakes the default macaroons); devnode
/// derives the others from the wallet's root key and the id's generation (see `root_keys`).
fn root_key_for(root: &[u8; 32], id: &[u8], generation: u32) -> Option<[u8; 32]> {
    if id == macaroons::DEFAULT_ROOT_KEY_ID {
        return Some(*root);
    }
    std::str::from_utf8(id).ok()?.parse::<u64>().ok()?;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(root).expect("any key length");
    mac.update(b"devnode macaroon root key ");
    mac.update(id);
    if generation > 0 {
        mac.update(&generation.to_be_bytes());
    }
    Some(mac.finalize().into_bytes().into())
}

fn random<const N: usize>(rng: &mut impl RngCore) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill_bytes(&mut b);
    b
}

fn bake_all(keys: &Keys, rng: &mut impl RngCore) -> Macaroons {
    let bake = |perms, rng: &mut dyn RngCore| {
        let mut nonce = [0u8; 16];
        rng.fill_bytes(&mut nonce);
        Macaroon::bake(&keys.macaroon_root_key, macaroons::DEFAULT_ROOT_KEY_ID, nonce, perms).serialize()
    };
    Macaroons { admin: bake(macaroons::ADMIN, rng), readonly: bake(macaroons::READONLY, rng), invoice: bake(macaroons::INVOICE, rng) }
}

/// Nodes ready for wallet tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use rand::{SeedableRng, rngs::StdRng};

    /// An active node whose wallet was made from seed byte `seed` (quickly: no mnemonic).
    pub fn active_node(seed: u8) -> Node {
        let keys = Keys::new([seed; 16], [seed; 32]);
        let mut rng = StdRng::seed_from_u64(seed as u64);
        let sealed = SealedWallet::seal(&keys, b"password1", 0, random(&mut rng), random(&mut rng));
        Node {
            alias: format!("node{seed}"),
            color: "#000000".into(),
            state: WalletState::ServerActive,
            sealed: Some(sealed),
            keys: Some(keys),
            root_key_ids: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{SeedableRng, rngs::StdRng};

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    fn created() -> (Node, Macaroons) {
        let mut node = Node::start("alice".into(), "#3399ff".into(), None);
        let (words, _) = node.gen_seed(b"", b"", &mut rng(), 1_700_000_000).unwrap();
        let req = InitWallet {
            password: b"password1".to_vec(),
            mnemonic: words,
            aezeed_passphrase: vec![],
            macaroon_root_key: vec![],
            has_extended_key: false,
            watch_only: false,
        };
        let macs = node.init_wallet(req, &mut rng()).unwrap();
        (node, macs)
    }

    #[test]
    fn state_machine_follows_lnd() {
        let node = Node::start("a".into(), "#000000".into(), None);
        assert_eq!(node.check_rpc_state(RpcGroup::Main).unwrap_err().to_string(), "wallet not created, create one to enable full RPC access");
        assert_eq!(node.check_rpc_state(RpcGroup::WalletUnlocker), Ok(()));

        let (mut node, _) = created();
        assert_eq!(node.state(), WalletState::Unlocked);
        assert_eq!(node.check_rpc_state(RpcGroup::Main), Err(NodeError::Starting));
        assert_eq!(node.advance(), Some(WalletState::RpcActive));
        assert_eq!(node.advance(), Some(WalletState::ServerActive));
        assert_eq!(node.advance(), None);
        assert_eq!(node.check_rpc_state(RpcGroup::Main), Ok(()));
        assert_eq!(
            node.check_rpc_state(RpcGroup::WalletUnlocker).unwrap_err().to_string(),
            "wallet already unlocked, WalletUnlocker service is no longer available"
        );

        // A restart finds the wallet and comes up locked.
        let mut restarted = Node::start("a".into(), "#000000".into(), node.sealed().cloned());
        assert_eq!(restarted.state(), WalletState::Locked);
        assert_eq!(restarted.check_rpc_state(RpcGroup::Main), Err(NodeError::Locked));
        assert_eq!(restarted.unlock(b"wrong-password").unwrap_err().to_string(), "invalid passphrase for master public key");
        restarted.unlock(b"password1").unwrap();
        assert_eq!(restarted.info(&Chain::default()).identity_pubkey, node.info(&Chain::default()).identity_pubkey);
    }

    #[test]
    fn baked_macaroons_grant_exactly_what_was_asked() {
        let (mut node, _) = created();
        node.advance();
        node.advance();
        let perms = vec![("info".to_string(), "read".to_string())];
        for root_key_id in [0, 42] {
            let mac = hex::encode(node.bake_macaroon(&perms, root_key_id, &mut rng()).unwrap());
            assert_eq!(node.check_macaroon(&[mac.as_str()], &[("info", "read")], "", 0), Ok(()));
            assert_eq!(node.check_macaroon(&[mac.as_str()], &[("onchain", "read")], "", 0), Err(NodeError::Macaroon(MacaroonError::PermissionDenied)));
        }
    }

    #[test]
    fn wallet_rules_and_errors() {
        let (mut node, _) = created();
        assert_eq!(node.gen_seed(b"", b"", &mut rng(), 0).unwrap_err(), NodeError::WalletExists);
        let fresh = Node::start("b".into(), "#000000".into(), None);
        assert_eq!(fresh.gen_seed(b"", &[1; 15], &mut rng(), 0).unwrap_err().to_string(), "incorrect entropy length: expected 16 bytes, instead got 15 bytes");
        let mut fresh = fresh;
        let (words, _) = fresh.gen_seed(b"", b"", &mut rng(), 0).unwrap();
        let short = InitWallet {
            password: b"short".to_vec(),
            mnemonic: words,
            aezeed_passphrase: vec![],
            macaroon_root_key: vec![],
            has_extended_key: false,
            watch_only: false,
        };
        assert_eq!(fresh.init_wallet(short, &mut rng()).unwrap_err().to_string(), "password must have at least 8 characters");
        assert_eq!(node.change_password(b"password1", b"short", false, &mut rng()).unwrap_err(), NodeError::NewPasswordTooShort);
    }

    #[test]
    fn macaroons_are_checked_against_the_root_key() {
        let (mut node, macs) = created();
        node.advance();
        let admin = hex::encode(&macs.admin);
        let readonly = hex::encode(&macs.readonly);
        let info = [("info", "read")];
        assert_eq!(node.check_macaroon(&[admin.as_str()], &info, "", 0), Ok(()));
        assert_eq!(node.check_macaroon(&[], &info, "", 0).unwrap_err().to_string(), "expected 1 macaroon, got 0");
        assert_eq!(node.check_macaroon(&[readonly.as_str()], &[("offchain", "write")], "", 0).unwrap_err().to_string(), "permission denied");
        assert!(node.check_macaroon(&["zz"], &info, "", 0).is_err());

        // A new root key invalidates every macaroon baked before.
        let fresh = node.change_password(b"password1", b"password2", true, &mut StdRng::seed_from_u64(8)).unwrap();
        assert_eq!(
            node.check_macaroon(&[admin.as_str()], &info, "", 0).unwrap_err().to_string(),
            "verification failed: signature mismatch after caveat verification"
        );
        assert_eq!(node.check_macaroon(&[hex::encode(&fresh.admin).as_str()], &info, "", 0), Ok(()));
    }
}
