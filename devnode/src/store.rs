//! Persistence in an lnd-like data directory:
//!
//! ```text
//! <node dir>/tls.cert, tls.key
//! <node dir>/data/chain/bitcoin/regtest/{admin,readonly,invoice}.macaroon
//! <node dir>/data/chain/bitcoin/regtest/wallet.db      (the sealed wallet, JSON)
//! <node dir>/data/graph/regtest/channel.db            (the channel database, JSON)
//! <node dir>/devnode.json                              (ports, so a restart keeps its addresses)
//! <network dir>/chain.json                             (the shared simulated chain)
//! ```

use std::io;
use std::path::{Path, PathBuf};

use serde::{Serialize, de::DeserializeOwned};

use world::node::Macaroons;
use world::wallet::SealedWallet;

pub const NETWORK: &str = "regtest";

#[derive(Debug, Clone)]
pub struct NodeDir {
    pub root: PathBuf,
}

impl NodeDir {
    pub fn new(root: PathBuf) -> Self {
        NodeDir { root }
    }

    pub fn tls_cert(&self) -> PathBuf {
        self.root.join("tls.cert")
    }

    pub fn tls_key(&self) -> PathBuf {
        self.root.join("tls.key")
    }

    pub fn chain_dir(&self) -> PathBuf {
        self.root.join("data/chain/bitcoin").join(NETWORK)
    }

    pub fn macaroon(&self, name: &str) -> PathBuf {
        self.chain_dir().join(format!("{name}.macaroon"))
    }

    fn wallet(&self) -> PathBuf {
        self.chain_dir().join("wallet.db")
    }

    /// lnd's channel database: deleting it loses the channels but not the wallet.
    pub fn channel_db(&self) -> PathBuf {
        self.root.join("data/graph").join(NETWORK).join("channel.db")
    }

    pub fn config(&self) -> PathBuf {
        self.root.join("devnode.json")
    }

    /// The macaroon root key ids (lnd's `macaroons.db`).
    fn root_key_ids(&self) -> PathBuf {
        self.chain_dir().join("macaroons.db")
    }

    pub fn load_root_key_ids(&self) -> io::Result<world::root_keys::RootKeyIds> {
        Ok(read_json(&self.root_key_ids())?.unwrap_or_default())
    }

    pub fn save_root_key_ids(&self, ids: &world::root_keys::RootKeyIds) -> io::Result<()> {
        write_json(&self.root_key_ids(), ids)
    }

    pub fn load_wallet(&self) -> io::Result<Option<SealedWallet>> {
        read_json(&self.wallet())
    }

    pub fn save_wallet(&self, wallet: &SealedWallet) -> io::Result<()> {
        write_json(&self.wallet(), wallet)
    }

    /// Writes the macaroon files as lnd does after InitWallet (not with stateless_init).
    pub fn save_macaroons(&self, macs: &Macaroons) -> io::Result<()> {
        for (name, bytes) in [("admin", &macs.admin), ("readonly", &macs.readonly), ("invoice", &macs.invoice)] {
            write_private(&self.macaroon(name), bytes)?;
        }
        Ok(())
    }
}

pub fn read_json<T: DeserializeOwned>(path: &Path) -> io::Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(io::Error::other),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn write_json<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    write_private(path, &serde_json::to_vec_pretty(value).map_err(io::Error::other)?)
}

/// Writes via a temporary file so a crash never leaves half a file, readable by the owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Each write has its own temporary file, so two saves of one file never trip over
    // each other's rename.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{n}"));
    std::fs::write(&tmp, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(tmp, path)
}
