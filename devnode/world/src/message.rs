//! lnd's message signing: a compact recoverable ECDSA signature by the node key over
//! SHA-256d("Lightning Signed Message:" || message), written in zbase32.

use bitcoin::hashes::{Hash, sha256d};
use bitcoin::secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};

const PREFIX: &[u8] = b"Lightning Signed Message:";
const ZBASE32: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";

fn digest(msg: &[u8], single_hash: bool) -> Message {
    let mut data = PREFIX.to_vec();
    data.extend_from_slice(msg);
    let hash: [u8; 32] = if single_hash { bitcoin::hashes::sha256::Hash::hash(&data).to_byte_array() } else { sha256d::Hash::hash(&data).to_byte_array() };
    Message::from_digest(hash)
}

pub fn zbase32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in data {
        acc = (acc << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ZBASE32[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ZBASE32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes zbase32; the error is the Go library's (lnd uses tv42/zbase32).
pub fn zbase32_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for (i, c) in s.bytes().enumerate() {
        let v = ZBASE32.iter().position(|&z| z == c).ok_or_else(|| format!("illegal z-base-32 data at input byte {i}"))? as u32;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

/// SignMessage: header byte 31 + recovery id (compressed key), then r and s.
pub fn sign(key: &SecretKey, msg: &[u8], single_hash: bool) -> String {
    let sig = Secp256k1::new().sign_ecdsa_recoverable(&digest(msg, single_hash), key);
    let (recid, rs) = sig.serialize_compact();
    let mut out = vec![31 + recid.to_i32() as u8];
    out.extend_from_slice(&rs);
    zbase32_encode(&out)
}

/// VerifyMessage: the key that signed `msg` (double SHA-256, as lnd verifies); none when
/// the signature recovers no key; an error when it is not zbase32.
pub fn recover(msg: &[u8], signature: &str) -> Result<Option<PublicKey>, String> {
    let raw = zbase32_decode(signature)?;
    if raw.len() != 65 || raw[0] < 27 {
        return Ok(None);
    }
    let Ok(recid) = RecoveryId::from_i32(((raw[0] - 27) & 3) as i32) else { return Ok(None) };
    let Ok(sig) = RecoverableSignature::from_compact(&raw[1..], recid) else { return Ok(None) };
    Ok(Secp256k1::new().recover_ecdsa(&digest(msg, false), &sig).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zbase32_round_trips() {
        for data in [&b""[..], b"\x00", b"hello", &[0xff; 65]] {
            assert_eq!(zbase32_decode(&zbase32_encode(data)).unwrap(), data);
        }
        assert_eq!(zbase32_decode("y0l").unwrap_err(), "illegal z-base-32 data at input byte 1", "0 and l are not in the alphabet");
    }

    #[test]
    fn signatures_recover_the_signer() {
        let key = SecretKey::from_slice(&[7; 32]).unwrap();
        let signer = key.public_key(&Secp256k1::new());
        let sig = sign(&key, b"hello", false);
        assert_eq!(sig.len(), 104, "65 bytes in zbase32");
        assert_eq!(recover(b"hello", &sig), Ok(Some(signer)));
        assert_ne!(recover(b"hellO", &sig), Ok(Some(signer)));
        assert_eq!(recover(b"hello", "yyyy"), Ok(None), "too short to be a signature");
        assert!(recover(b"hello", "not zbase32!").is_err());
    }
}
