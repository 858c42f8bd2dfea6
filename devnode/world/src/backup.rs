//! Static channel backups in lnd's packaging: a Multi (version 0, a count, then Singles)
//! encrypted with XChaCha20-Poly1305 under SHA-256 of the node's base encryption key
//! (m/1017'/coin'/7'/0/0), the 24-byte nonce first and also the associated data. A Single
//! here carries what a restore needs (who the peer is, where it listens, which funding
//! output and how much), not lnd's full key material.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::chain::REGTEST_GENESIS;
use crate::channels::{Channel, NewChannel, NodeDb, PayTo, Phase, new_channel};

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

    /// The Single of one of this node's channels, with where its peer listens (if known).
    pub fn of(ch: &Channel, peer_address: Option<String>) -> Single {
        let mut txid: [u8; 32] = hex::decode(&ch.funding_txid).ok().and_then(|t| t.try_into().ok()).unwrap_or([0; 32]);
        txid.reverse();
        let mut chain_hash: [u8; 32] = hex::decode(REGTEST_GENESIS).expect("the genesis hash is hex").try_into().expect("32 bytes");
        chain_hash.reverse();
        Single {
            initiator: ch.initiator,
            chain_hash,
            txid,
            output_index: ch.output_index,
            short_channel_id: ch.chan_id,
            remote_pubkey: hex::decode(&ch.remote_pubkey).ok().and_then(|k| k.try_into().ok()).unwrap_or([0; 33]),
            addresses: peer_address.into_iter().collect(),
            capacity: ch.capacity as u64,
            csv_delay: ch.csv_delay as u16,
        }
    }

    /// The channel a restore recovers: a shell that knows no balances (they are whatever
    /// the peer's commitment pays), waiting for its peer to close it.
    pub fn shell(&self, now: i64) -> Channel {
        let cp = self.chan_point();
        let (txid, _) = cp.rsplit_once(':').expect("txid:index");
        let nowhere = PayTo { address: String::new(), script_hex: String::new() };
        let mut shell = new_channel(NewChannel {
            funding_txid: txid,
            output_index: self.output_index,
            remote_pubkey: &hex::encode(self.remote_pubkey),
            capacity: self.capacity as i64,
            push_sat: 0,
            initiator: self.initiator,
            private: false,
            local_payout: nowhere.clone(),
            remote_payout: nowhere,
            now,
            memo: String::new(),
        });
        shell.local_msat = 0;
        shell.remote_msat = 0;
        shell.chan_id = self.short_channel_id;
        shell.csv_delay = self.csv_delay as u32;
        shell.phase = Phase::WaitingClose { closing_txid: String::new(), local_initiated: false };
        shell
    }
}

impl NodeDb {
    /// The channels lnd backs up: those opening or open.
    pub fn backed_up(&self) -> Vec<&Channel> {
        self.channels.iter().filter(|c| matches!(c.phase, Phase::PendingOpen | Phase::Open)).collect()
    }

    /// Restores `singles`: a shell for each channel this node does not know, open or
    /// closed. Returns how many were restored.
    pub fn restore(&mut self, singles: &[Single], now: i64) -> u32 {
        let mut restored = 0;
        for s in singles {
            let cp = s.chan_point();
            if self.find(&cp).is_some() || self.closed.iter().any(|c| c.channel.chan_point() == cp) {
                continue;
            }
            self.channels.push(s.shell(now));
            restored += 1;
        }
        restored
    }

    /// The restored channels with `peer` still waiting for it to close them.
    pub fn awaiting_recovery(&self, peer: &str) -> Vec<String> {
        self.channels
            .iter()
            .filter(|c| c.remote_pubkey == peer && matches!(&c.phase, Phase::WaitingClose { closing_txid, .. } if closing_txid.is_empty()))
            .map(Channel::chan_point)
            .collect()
    }
}

impl Channel {
    /// The data-loss protection exchange, on the side that lost its state: the peer closed
    /// with its own commitment (`theirs`, its record) in `closing_txid`, so this shell learns
    /// the balances and where its own funds go.
    pub fn recovered_by(&mut self, theirs: &Channel, closing_txid: &str) {
        self.local_payout = theirs.remote_payout.clone();
        self.local_msat = theirs.remote_msat;
        self.remote_msat = theirs.local_msat;
        self.phase = Phase::WaitingClose { closing_txid: closing_txid.to_string(), local_initiated: false };
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

    /// A restore across two nodes without sockets: alice's Single of her open channel to
    /// bob, restored on a node that lost it, then recovered when bob closes.
    #[test]
    fn a_restored_channel_is_a_shell_until_its_peer_closes_it() {
        let bob_key = format!("02{}", "bb".repeat(32));
        let alice_key = format!("03{}", "aa".repeat(32));
        let payto = |tag: &str| PayTo { address: tag.into(), script_hex: String::new() };
        let (mut alice, mut bob) = crate::channels::Funding {
            funding_txid: &"0f".repeat(32),
            output_index: 1,
            opener: &alice_key,
            peer: &bob_key,
            capacity: 400_000,
            push_sat: 0,
            private: false,
            opener_payout: payto("alice's"),
            peer_payout: payto("bob's"),
            now: 1,
            memo: String::new(),
        }
        .records();
        for c in [&mut alice, &mut bob] {
            c.phase = Phase::Open;
            c.chan_id = 77;
        }
        let single = Single::of(&alice, Some("127.0.0.1:9735".into()));
        assert_eq!(single.chan_point(), alice.chan_point(), "the txid in internal order, shown as lnd shows it");
        assert_eq!((single.remote_pubkey.to_vec(), single.short_channel_id, single.capacity), (hex::decode(&bob_key).unwrap(), 77, 400_000));
        assert_eq!(hex::encode(single.chain_hash.iter().rev().copied().collect::<Vec<u8>>()), REGTEST_GENESIS);
        let original = NodeDb { channels: vec![alice.clone()], ..Default::default() };
        assert_eq!(original.backed_up().len(), 1);

        let mut restored = NodeDb::default();
        assert_eq!(restored.restore(&[single.clone(), single.clone()], 9), 1, "one shell per channel");
        assert_eq!(restored.restore(&[single], 10), 0, "a known channel is not restored again");
        let shell = &restored.channels[0];
        assert_eq!((shell.local_msat, shell.remote_msat, shell.chan_id, shell.initiator), (0, 0, 77, true), "a shell knows no balances");
        assert!(restored.backed_up().is_empty(), "a shell is not backed up again");
        assert_eq!(restored.awaiting_recovery(&bob_key), vec![alice.chan_point()]);
        assert!(restored.awaiting_recovery(&alice_key).is_empty());

        let cp = alice.chan_point();
        restored.find_mut(&cp).unwrap().recovered_by(&bob, "cc");
        let recovered = &restored.channels[0];
        assert_eq!((recovered.local_msat, recovered.remote_msat), (alice.local_msat, alice.remote_msat), "bob's commitment pays alice her balance");
        assert_eq!(recovered.local_payout, payto("alice's"), "to the address alice gave bob");
        assert!(restored.awaiting_recovery(&bob_key).is_empty(), "closing now");
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
