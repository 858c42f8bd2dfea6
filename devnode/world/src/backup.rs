//! Static channel backups in lnd's packaging: a Multi (version 0, a count, then Singles)
//! encrypted with XChaCha20-Poly1305 under SHA-256 of the node's base encryption key
//! (m/1017'/coin'/7'/0/0), the 24-byte nonce first and also the associated data. A Single
//! here carries what a restore needs (who the peer is, where it listens, which funding
//! output and how much), not lnd's full key material.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// lnd's Single version for anchor channels with zero-fee HTLCs (its default).
const SINGLE_VERSION: u8 = 3;
const MULTI_VERSION: u8 = 0;

#[derive(Debug, Clone, PartialEq)]
pub struct Single {
    pub initiator: bool,
    pub chain_hash: [u8; 32],
    /// Funding txid in internal byte order, and output index.
    pub txid: [u8; 32],
    pub output_index: u32,
    pub short_channel_id: u64,
    pub remote_pubkey: [u8; 33],
    pub addresses: Vec<String>,
    pub capacity: u64,
    pub csv_delay: u16,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BackupError {
    #[error("chacha20poly1305: message authentication failed")]
    Decrypt,
    /// lnencrypt's words: fewer bytes than a nonce.
    #[error("payload size too small, must be at least 24 bytes")]
    Short,
    #[error("unable to decode backup: {0}")]
    Format(String),
}

impl Single {
    fn body(&self) -> Vec<u8> {
        let mut b = Vec::new();
        b.push(self.initiator as u8);
        b.extend_from_slice(&self.chain_hash);
        b.extend_from_slice(&self.txid);
        b.extend_from_slice(&self.output_index.to_be_bytes());
        b.extend_from_slice(&self.short_channel_id.to_be_bytes());
        b.extend_from_slice(&self.remote_pubkey);
        b.extend_from_slice(&(self.addresses.len() as u16).to_be_bytes());
        for a in &self.addresses {
            b.extend_from_slice(&(a.len() as u16).to_be_bytes());
            b.extend_from_slice(a.as_bytes());
        }
        b.extend_from_slice(&self.capacity.to_be_bytes());
        b.extend_from_slice(&self.csv_delay.to_be_bytes());
        b
    }

    /// Version, body length (u16), body: as lnd frames each Single.
    pub fn serialize(&self) -> Vec<u8> {
        let body = self.body();
        let mut out = vec![SINGLE_VERSION];
        out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        out.extend(body);
        out
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, BackupError> {
        let version = r.u8()?;
        if version & 0x7f > 7 {
            return Err(BackupError::Format(format!("unknown single version {version}")));
        }
        let len = r.u16()? as usize;
        let body = r.take(len)?;
        let mut b = Reader(body);
        let single = Single {
            initiator: b.u8()? != 0,
            chain_hash: b.array()?,
            txid: b.array()?,
            output_index: u32::from_be_bytes(b.array()?),
            short_channel_id: u64::from_be_bytes(b.array()?),
            remote_pubkey: b.array()?,
            addresses: {
                let n = b.u16()?;
                (0..n)
                    .map(|_| {
                        let l = b.u16()? as usize;
                        String::from_utf8(b.take(l)?.to_vec()).map_err(|e| BackupError::Format(e.to_string()))
                    })
                    .collect::<Result<_, _>>()?
            },
            capacity: u64::from_be_bytes(b.array()?),
            csv_delay: b.u16()?,
        };
        Ok(single)
    }

    pub fn chan_point(&self) -> String {
        let mut display = self.txid;
        display.reverse();
        format!("{}:{}", hex::encode(display), self.output_index)
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BackupError> {
        if self.0.len() < n {
            return Err(BackupError::Format("unexpected EOF".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, BackupError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, BackupError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, BackupError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], BackupError> {
        Ok(self.take(N)?.try_into().expect("length checked"))
    }
}

pub fn serialize_multi(singles: &[Single]) -> Vec<u8> {
    let mut out = vec![MULTI_VERSION];
    out.extend_from_slice(&(singles.len() as u32).to_be_bytes());
    for s in singles {
        out.extend(s.serialize());
    }
    out
}

pub fn deserialize_multi(plain: &[u8]) -> Result<Vec<Single>, BackupError> {
    let mut r = Reader(plain);
    let version = r.u8()?;
    if version != MULTI_VERSION {
        return Err(BackupError::Format(format!("unable to decode multi: unknown version {version}")));
    }
    let n = r.u32()?;
    let singles = (0..n).map(|_| Single::read(&mut r)).collect::<Result<Vec<_>, _>>()?;
    Ok(singles)
}

pub fn deserialize_single(plain: &[u8]) -> Result<Single, BackupError> {
    Single::read(&mut Reader(plain))
}

/// lnd's `lnencrypt`: nonce || XChaCha20-Poly1305(key, nonce, plaintext, aad = nonce).
pub fn encrypt(key: &[u8; 32], nonce: [u8; 24], plain: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let sealed = cipher.encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: &nonce }).expect("in-memory encryption");
    let mut out = nonce.to_vec();
    out.extend(sealed);
    out
}

pub fn decrypt(key: &[u8; 32], packed: &[u8]) -> Result<Vec<u8>, BackupError> {
    // lnencrypt reads the 24-byte nonce first; what follows shorter than a tag fails to
    // authenticate.
    if packed.len() < 24 {
        return Err(BackupError::Short);
    }
    if packed.len() < 24 + 16 {
        return Err(BackupError::Decrypt);
    }
    let (nonce, sealed) = packed.split_at(24);
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: nonce }).map_err(|_| BackupError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `vectors/scb_key_derivation_vectors.txt`: a test network's SCB key (entropy
    /// 81b6…4cfd), and the empty Multi it packs with nonce 00..17.
    #[test]
    fn lnd_vector_empty_multi() {
        let key: [u8; 32] = hex::decode("9cc977ee6f42122e496ec5f49fbad18ae42266aecc94b989ec45fbd4ac956d9b").unwrap().try_into().unwrap();
        let nonce: [u8; 24] = core::array::from_fn(|i| i as u8);
        let packed = encrypt(&key, nonce, &serialize_multi(&[]));
        assert_eq!(hex::encode(&packed), "000102030405060708090a0b0c0d0e0f1011121314151617f39e2421f5e55819fb8e7c1e72c755558ce6a6bb49");
        assert_eq!(packed.len(), 45);
        assert_eq!(deserialize_multi(&decrypt(&key, &packed).unwrap()).unwrap(), vec![]);
    }

    #[test]
    fn singles_round_trip_and_other_keys_fail() {
        let s = Single {
            initiator: true,
            chain_hash: [6; 32],
            txid: [1; 32],
            output_index: 1,
            short_channel_id: 42 << 40,
            remote_pubkey: [2; 33],
            addresses: vec!["127.0.0.1:9735".into()],
            capacity: 500_000,
            csv_delay: 144,
        };
        let key = [9u8; 32];
        let packed = encrypt(&key, [3; 24], &serialize_multi(&[s.clone(), s.clone()]));
        assert_eq!(deserialize_multi(&decrypt(&key, &packed).unwrap()).unwrap(), vec![s.clone(), s.clone()]);
        assert_eq!(decrypt(&[8; 32], &packed), Err(BackupError::Decrypt));
        assert_eq!(deserialize_single(&s.serialize()).unwrap(), s);
        assert_eq!(s.chan_point(), format!("{}:1", "01".repeat(32)));
    }
}
