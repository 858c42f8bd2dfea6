//! The vault's envelope: what is stored, in the clear, around the ciphertext. It names its
//! format version and key-derivation parameters so a later Lightdeck can raise them and
//! still open a vault made today. Everything in it but `data` is public by design (a salt
//! and an IV are not secrets); `data` is AES-GCM ciphertext with its tag.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::VaultError;

/// The format this build writes.
pub const VERSION: u32 = 1;
pub const KDF: &str = "PBKDF2-SHA256";
/// OWASP's figure for PBKDF2-HMAC-SHA256 (2026). A stored envelope asking for fewer is
/// refused: it was not made by Lightdeck, and opening it would try passphrases cheaply.
pub const ITERATIONS: u32 = 600_000;
pub const SALT_LEN: usize = 16;
pub const IV_LEN: usize = 12;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub v: u32,
    pub kdf: String,
    pub iterations: u32,
    /// base64, 16 bytes, one per vault (a new passphrase gets a new salt).
    pub salt: String,
    /// base64, 12 bytes, fresh for every encryption.
    pub iv: String,
    /// base64 ciphertext followed by the 16-byte tag.
    pub data: String,
    /// A passkey that can open the vault instead of the passphrase (older envelopes have
    /// none, and a reader that knows none ignores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey: Option<PasskeySlot>,
}

/// The vault's key, encrypted under a key from a passkey's PRF output (WebAuthn's `prf`
/// extension, evaluated at `salt`): what the passkey unlocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasskeySlot {
    /// The credential's raw id, base64url.
    pub credential: String,
    /// The PRF input, base64 (32 bytes).
    pub salt: String,
    /// base64, 12 bytes.
    pub iv: String,
    /// base64: the vault key (32 bytes) and the tag.
    pub wrapped: String,
}

impl Envelope {
    pub fn new(salt: &[u8; SALT_LEN], iv: &[u8; IV_LEN], data: &[u8]) -> Self {
        Envelope {
            v: VERSION,
            kdf: KDF.into(),
            iterations: ITERATIONS,
            salt: STANDARD.encode(salt),
            iv: STANDARD.encode(iv),
            data: STANDARD.encode(data),
            passkey: None,
        }
    }

    /// Reads a stored envelope and checks it is one this build can open.
    pub fn parse(text: &str) -> Result<Self, VaultError> {
        let env: Envelope = serde_json::from_str(text).map_err(|_| VaultError::Corrupt)?;
        if env.v > VERSION {
            return Err(VaultError::NewerVersion(env.v));
        }
        if env.v < 1 || env.kdf != KDF || env.iterations < ITERATIONS {
            return Err(VaultError::Corrupt);
        }
        let (salt, iv, data) = (env.salt_bytes()?, env.iv_bytes()?, env.data_bytes()?);
        // AES-GCM's tag alone is 16 bytes: anything shorter was cut.
        if salt.len() != SALT_LEN || iv.len() != IV_LEN || data.len() < 16 {
            return Err(VaultError::Corrupt);
        }
        Ok(env)
    }

    pub fn set_data(&mut self, data: &[u8]) {
        self.data = STANDARD.encode(data);
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an envelope is plain strings and numbers")
    }

    pub fn salt_bytes(&self) -> Result<Vec<u8>, VaultError> {
        STANDARD.decode(&self.salt).map_err(|_| VaultError::Corrupt)
    }

    pub fn iv_bytes(&self) -> Result<Vec<u8>, VaultError> {
        STANDARD.decode(&self.iv).map_err(|_| VaultError::Corrupt)
    }

    pub fn data_bytes(&self) -> Result<Vec<u8>, VaultError> {
        STANDARD.decode(&self.data).map_err(|_| VaultError::Corrupt)
    }

    /// Authenticated with the ciphertext (AES-GCM's additional data), so the parameters
    /// cannot be changed without the tag failing: a tampered header reads as tampered data.
    pub fn header(&self) -> Vec<u8> {
        format!("lightdeck-vault v{} {} {} {}", self.v, self.kdf, self.iterations, self.salt).into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Envelope {
        Envelope::new(&[7; SALT_LEN], &[9; IV_LEN], &[1; 40])
    }

    #[test]
    fn an_envelope_reads_back_as_written() {
        let env = sample();
        assert_eq!(Envelope::parse(&env.to_json()), Ok(env.clone()));
        assert_eq!(env.iterations, 600_000);
        assert_eq!(env.salt_bytes().unwrap(), vec![7; SALT_LEN]);
    }

    #[test]
    fn a_newer_format_is_named_and_an_altered_one_refused() {
        let mut newer = sample();
        newer.v = 2;
        assert_eq!(Envelope::parse(&newer.to_json()), Err(VaultError::NewerVersion(2)));
        for alter in [
            |e: &mut Envelope| e.v = 0,
            |e: &mut Envelope| e.iterations = 1_000,
            |e: &mut Envelope| e.kdf = "PBKDF2-SHA1".into(),
            |e: &mut Envelope| e.salt = STANDARD.encode([1u8; 8]),
            |e: &mut Envelope| e.iv = "not base64!".into(),
            |e: &mut Envelope| e.data = STANDARD.encode([1u8; 15]),
        ] {
            let mut env = sample();
            alter(&mut env);
            assert_eq!(Envelope::parse(&env.to_json()), Err(VaultError::Corrupt), "{env:?}");
        }
        assert_eq!(Envelope::parse("{\"v\":1}"), Err(VaultError::Corrupt));
        assert_eq!(Envelope::parse(""), Err(VaultError::Corrupt));
    }

    #[test]
    fn a_passkey_slot_is_optional_and_outside_the_header() {
        let plain = sample();
        assert!(!plain.to_json().contains("passkey"), "envelopes without one are written as before");
        let mut with = plain.clone();
        with.passkey = Some(PasskeySlot { credential: "AQID".into(), salt: "c2FsdA==".into(), iv: "aXY=".into(), wrapped: "d3JhcA==".into() });
        assert_eq!(Envelope::parse(&with.to_json()), Ok(with.clone()));
        assert_eq!(with.header(), plain.header(), "adding a passkey leaves the ciphertext valid");
    }

    #[test]
    fn the_header_binds_every_parameter() {
        let env = sample();
        let mut more = env.clone();
        more.iterations += 1;
        let mut salted = env.clone();
        salted.salt = STANDARD.encode([8u8; SALT_LEN]);
        assert_ne!(env.header(), more.header());
        assert_ne!(env.header(), salted.header());
    }
}
