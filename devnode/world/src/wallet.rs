//! The node's wallet at rest and unlocked: the seed's entropy and the macaroon root key are
//! sealed under the wallet password (as lnd keeps them in its encrypted wallet and macaroon
//! databases); the node identity key is derived from the seed as lnd derives it.

use bitcoin::bip32::{ChildNumber, DerivationPath, Xpriv};
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::{Address, CompressedPublicKey, KnownHrp, Network};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

/// lnd's key family 6 (node key), index 0, on a test network (coin type 1).
const NODE_KEY_PATH: &str = "m/1017'/1'/6'/0/0";

/// The address kinds lnd's wallet derives, each on its BIP44-style account path.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub enum AddressKind {
    /// p2wkh, `bcrt1q…`, BIP84: m/84'/1'/0'.
    WitnessPubkeyHash,
    /// p2wkh nested in p2sh, `2…`, BIP49: m/49'/1'/0'.
    NestedPubkeyHash,
    /// p2tr, `bcrt1p…`, BIP86: m/86'/1'/0'.
    TaprootPubkey,
}

impl AddressKind {
    fn purpose(self) -> u32 {
        match self {
            AddressKind::WitnessPubkeyHash => 84,
            AddressKind::NestedPubkeyHash => 49,
            AddressKind::TaprootPubkey => 86,
        }
    }
}

/// An address the wallet has handed out (public data, kept across restarts).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Issued {
    pub kind: AddressKind,
    pub change: bool,
    pub index: u32,
    pub address: String,
    pub script_hex: String,
}

/// What survives a restart. Nothing secret is stored unsealed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SealedWallet {
    pub birthday_unix: i64,
    pub identity_pubkey: String,
    #[serde(default)]
    pub addresses: Vec<Issued>,
    salt: String,
    nonce: String,
    sealed: String,
}

/// The wallet's secrets while it is unlocked.
#[derive(Clone)]
pub struct Keys {
    pub entropy: [u8; 16],
    pub macaroon_root_key: [u8; 32],
    pub identity: SecretKey,
    /// Computed once: every RPC and every payment hop asks for it.
    identity_pub: PublicKey,
    master: Xpriv,
}

impl Keys {
    pub fn new(entropy: [u8; 16], macaroon_root_key: [u8; 32]) -> Self {
        let master = Xpriv::new_master(bitcoin::Network::Regtest, &entropy).expect("16 bytes is a valid seed");
        let path: DerivationPath = NODE_KEY_PATH.parse().expect("static path");
        let identity = master.derive_priv(&Secp256k1::new(), &path).expect("derivable").private_key;
        let identity_pub = identity.public_key(&Secp256k1::new());
        Keys { entropy, macaroon_root_key, identity, identity_pub, master }
    }

    /// The account key m/purpose'/1'/0' of `kind`: its extended public key, the master key's
    /// fingerprint, and the path, as WalletKit.ListAccounts reports them.
    pub fn account(&self, kind: AddressKind) -> (String, [u8; 4], String) {
        let secp = Secp256k1::new();
        let path: DerivationPath = format!("m/{}'/1'/0'", kind.purpose()).parse().expect("static path");
        let xprv = self.master.derive_priv(&secp, &path).expect("derivable");
        let xpub = bitcoin::bip32::Xpub::from_priv(&secp, &xprv);
        (xpub.to_string(), self.master.fingerprint(&secp).to_bytes(), path.to_string())
    }

    /// The address at m/purpose'/1'/0'/change/index, as lnd's wallet derives it on regtest.
    pub fn address(&self, kind: AddressKind, change: bool, index: u32) -> Issued {
        let secp = Secp256k1::new();
        let path = [
            ChildNumber::from_hardened_idx(kind.purpose()).expect("valid"),
            ChildNumber::from_hardened_idx(1).expect("valid"),
            ChildNumber::from_hardened_idx(0).expect("valid"),
            ChildNumber::from_normal_idx(change as u32).expect("valid"),
            ChildNumber::from_normal_idx(index).expect("valid"),
        ];
        let key = self.master.derive_priv(&secp, &path).expect("derivable").private_key;
        let pubkey = CompressedPublicKey(key.public_key(&secp));
        let address = match kind {
            AddressKind::WitnessPubkeyHash => Address::p2wpkh(&pubkey, KnownHrp::Regtest),
            AddressKind::NestedPubkeyHash => Address::p2shwpkh(&pubkey, Network::Regtest),
            AddressKind::TaprootPubkey => Address::p2tr(&secp, pubkey.0.x_only_public_key().0, None, KnownHrp::Regtest),
        };
        Issued { kind, change, index, address: address.to_string(), script_hex: address.script_pubkey().to_hex_string() }
    }

    /// lnd's channel backup key: SHA-256 of the base encryption key, m/1017'/1'/7'/0/0
    /// (key family 7) on test networks.
    pub fn backup_key(&self) -> [u8; 32] {
        use sha2::Digest;
        let secp = Secp256k1::new();
        let path: DerivationPath = "m/1017'/1'/7'/0/0".parse().expect("static path");
        let key = self.master.derive_priv(&secp, &path).expect("derivable").private_key;
        sha2::Sha256::digest(key.public_key(&secp).serialize()).into()
    }

    pub fn identity_pubkey(&self) -> PublicKey {
        self.identity_pub
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WalletError {
    /// btcwallet's wording, which lnd passes through on a wrong password.
    #[error("invalid passphrase for master public key")]
    WrongPassword,
    #[error("wallet data is corrupt: {0}")]
    Corrupt(String),
}

fn password_key(password: &[u8], salt: &[u8]) -> chacha20poly1305::Key {
    // A lighter scrypt than a production wallet: devnode holds test funds only, and tests
    // unlock often.
    let params = scrypt::Params::new(12, 8, 1, 32).expect("valid scrypt parameters");
    let mut out = [0u8; 32];
    scrypt::scrypt(password, salt, &params, &mut out).expect("32-byte output");
    out.into()
}

impl SealedWallet {
    pub fn seal(keys: &Keys, password: &[u8], birthday_unix: i64, salt: [u8; 16], nonce: [u8; 24]) -> Self {
        let cipher = XChaCha20Poly1305::new(&password_key(password, &salt));
        let mut plain = keys.entropy.to_vec();
        plain.extend_from_slice(&keys.macaroon_root_key);
        let sealed = cipher.encrypt(XNonce::from_slice(&nonce), plain.as_slice()).expect("encryption cannot fail");
        SealedWallet {
            birthday_unix,
            identity_pubkey: keys.identity_pubkey().to_string(),
            addresses: Vec::new(),
            salt: hex::encode(salt),
            nonce: hex::encode(nonce),
            sealed: hex::encode(sealed),
        }
    }

    pub fn open(&self, password: &[u8]) -> Result<Keys, WalletError> {
        let corrupt = |e: &dyn std::fmt::Display| WalletError::Corrupt(e.to_string());
        let salt = hex::decode(&self.salt).map_err(|e| corrupt(&e))?;
        let nonce = hex::decode(&self.nonce).map_err(|e| corrupt(&e))?;
        let sealed = hex::decode(&self.sealed).map_err(|e| corrupt(&e))?;
        if nonce.len() != 24 {
            return Err(corrupt(&"nonce length"));
        }
        let cipher = XChaCha20Poly1305::new(&password_key(password, &salt));
        let plain = cipher.decrypt(XNonce::from_slice(&nonce), sealed.as_slice()).map_err(|_| WalletError::WrongPassword)?;
        if plain.len() != 48 {
            return Err(corrupt(&"sealed length"));
        }
        Ok(Keys::new(plain[..16].try_into().expect("16"), plain[16..].try_into().expect("32")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_key_is_derived_from_the_seed() {
        let a = Keys::new([1; 16], [0; 32]);
        let b = Keys::new([1; 16], [9; 32]);
        let c = Keys::new([2; 16], [0; 32]);
        assert_eq!(a.identity_pubkey(), b.identity_pubkey());
        assert_ne!(a.identity_pubkey(), c.identity_pubkey());
        assert_eq!(a.identity_pubkey().serialize().len(), 33);
    }

    /// `vectors/scb_key_derivation_vectors.txt`: entropy 81b6…4cfd on a test network.
    #[test]
    fn keys_match_lnds_derivation_vectors() {
        let keys = Keys::new(hex::decode("81b637d86359e6960de795e41e0b4cfd").unwrap().try_into().unwrap(), [0; 32]);
        assert_eq!(keys.identity_pubkey().to_string(), "0226594d21c0862a11168ab07cdbc15e7c7af5ee561b741259e311f1614f4df3b7");
        assert_eq!(hex::encode(keys.backup_key()), "9cc977ee6f42122e496ec5f49fbad18ae42266aecc94b989ec45fbd4ac956d9b");
    }

    #[test]
    fn addresses_follow_bip84_bip49_and_bip86() {
        let keys = Keys::new([1; 16], [0; 32]);
        let a = keys.address(AddressKind::WitnessPubkeyHash, false, 0);
        assert!(a.address.starts_with("bcrt1q"), "{}", a.address);
        assert!(a.script_hex.starts_with("0014"));
        assert!(keys.address(AddressKind::NestedPubkeyHash, false, 0).address.starts_with('2'));
        let t = keys.address(AddressKind::TaprootPubkey, false, 0);
        assert!(t.address.starts_with("bcrt1p") && t.script_hex.starts_with("5120"));
        assert_ne!(keys.address(AddressKind::WitnessPubkeyHash, false, 1).address, a.address);
        assert_ne!(keys.address(AddressKind::WitnessPubkeyHash, true, 0).address, a.address);
        assert_eq!(keys.address(AddressKind::WitnessPubkeyHash, false, 0), a, "deterministic");
    }

    #[test]
    fn sealed_wallet_opens_only_with_its_password() {
        let keys = Keys::new([3; 16], [4; 32]);
        let sealed = SealedWallet::seal(&keys, b"correct horse", 100, [5; 16], [6; 24]);
        assert!(!serde_json::to_string(&sealed).unwrap().contains(&hex::encode([4u8; 32])));
        let opened = sealed.open(b"correct horse").unwrap();
        assert_eq!(opened.macaroon_root_key, [4; 32]);
        assert_eq!(opened.entropy, [3; 16]);
        assert_eq!(sealed.open(b"wrong password").err(), Some(WalletError::WrongPassword));
    }
}
