//! AEZ v5 (Hoang, Krovetz, Rogaway), the cipher lnd's aezeed seeds are enciphered with,
//! for messages shorter than 32 bytes (AEZ-tiny), which is all aezeed needs: a 19-byte seed
//! plus a 4-byte authenticator. No crate on crates.io implements AEZ; this follows the
//! specification, with the public-domain reference code read for the details, and is
//! checked end to end against lnd's aezeed vectors (`world::seed` tests).

use aes::hazmat::cipher_round;
use blake2::Digest;

const BLOCK: usize = 16;
type Block = [u8; BLOCK];

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum AezError {
    #[error("AEZ here handles messages shorter than 32 bytes only")]
    TooLong,
    #[error("the ciphertext does not authenticate")]
    Invalid,
}

struct State {
    i: Block,
    j: Block,
    l: Block,
}

fn xor(a: &Block, b: &Block) -> Block {
    core::array::from_fn(|k| a[k] ^ b[k])
}

/// Multiplication by 2 in GF(2^128), AEZ's byte order.
fn double(p: &Block) -> Block {
    let mut out = [0u8; BLOCK];
    for k in 0..15 {
        out[k] = (p[k] << 1) | (p[k + 1] >> 7);
    }
    out[15] = (p[15] << 1) ^ if p[0] & 0x80 != 0 { 135 } else { 0 };
    out
}

/// x·P for a small integer x.
fn mult(mut x: u32, p: &Block) -> Block {
    let (mut t, mut r) = (*p, [0u8; BLOCK]);
    while x != 0 {
        if x & 1 != 0 {
            r = xor(&r, &t);
        }
        t = double(&t);
        x >>= 1;
    }
    r
}

/// Full AES rounds (SubBytes, ShiftRows, MixColumns, AddRoundKey) with the given keys and
/// no initial whitening.
fn rounds(block: &Block, keys: &[&Block]) -> Block {
    let mut b = aes::Block::clone_from_slice(block);
    for k in keys {
        cipher_round(&mut b, aes::Block::from_slice(&k[..]));
    }
    b.into()
}

impl State {
    /// Extract: a 48-byte key is used as it is; any other is hashed with BLAKE2b-384.
    fn new(key: &[u8]) -> Self {
        let mut ext = [0u8; 48];
        if key.len() == 48 {
            ext.copy_from_slice(key);
        } else {
            ext.copy_from_slice(&blake2::Blake2b::<blake2::digest::consts::U48>::digest(key));
        }
        State { i: ext[..16].try_into().expect("16"), j: ext[16..32].try_into().expect("16"), l: ext[32..].try_into().expect("16") }
    }

    /// The tweakable block cipher E^{j,i}: AES10 for j = -1, AES4 otherwise.
    fn e(&self, j: i32, i: u32, x: &Block) -> Block {
        let zero = [0u8; BLOCK];
        if j == -1 {
            let (a, b, c) = (&self.i, &self.j, &self.l);
            rounds(&xor(x, &mult(i, &self.l)), &[a, b, c, a, b, c, a, b, c, a])
        } else {
            let mut delta = xor(&mult(j as u32, &self.j), &mult(i % 8, &self.l));
            let mut ii = self.i;
            for _ in 0..i.div_ceil(8) {
                ii = double(&ii);
            }
            delta = xor(&delta, &ii);
            rounds(&xor(x, &delta), &[&self.j, &self.i, &self.l, &zero])
        }
    }

    /// One string of the hash input: full blocks with tweak i = 1, 2, …, then a padded
    /// final fragment (or an empty string) with i = 0.
    fn hash_part(&self, j: i32, data: &[u8], sum: &mut Block) {
        let mut chunks = data.chunks_exact(BLOCK);
        for (n, c) in (&mut chunks).enumerate() {
            *sum = xor(sum, &self.e(j, n as u32 + 1, c.try_into().expect("16")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() || data.is_empty() {
            let mut buf = [0u8; BLOCK];
            buf[..rest.len()].copy_from_slice(rest);
            buf[rest.len()] = 0x80;
            *sum = xor(sum, &self.e(j, 0, &buf));
        }
    }

    /// AEZ-hash of the nonce and associated data, with the authenticator length in bits.
    fn hash(&self, nonce: &[u8], ad: &[&[u8]], tau_bits: u32) -> Block {
        let mut buf = [0u8; BLOCK];
        buf[12..].copy_from_slice(&tau_bits.to_be_bytes());
        let mut sum = self.e(3, 1, &buf);
        self.hash_part(4, nonce, &mut sum);
        for (k, part) in ad.iter().enumerate() {
            self.hash_part(5 + k as i32, part, &mut sum);
        }
        sum
    }

    /// AEZ-tiny: a Feistel network over the message halves (which may split a byte);
    /// `decipher` runs it backwards.
    fn tiny(&self, delta: &Block, input: &[u8], decipher: bool) -> Vec<u8> {
        let n = input.len();
        let (i, rounds) = match n {
            1 => (7, 24u32),
            2 => (7, 16),
            3..=15 => (7, 10),
            _ => (6, 8),
        };
        let half = n.div_ceil(2);
        let (mut l, mut r) = ([0u8; BLOCK], [0u8; BLOCK]);
        l[..half].copy_from_slice(&input[..half]);
        r[..half].copy_from_slice(&input[n / 2..n / 2 + half]);
        let (mut mask, mut pad) = (0x00u8, 0x80u8);
        if n % 2 == 1 {
            // R starts mid-byte: shift it left by a nibble.
            for k in 0..n / 2 {
                r[k] = (r[k] << 4) | (r[k + 1] >> 4);
            }
            r[n / 2] <<= 4;
            pad = 0x08;
            mask = 0xf0;
        }
        let (mut j, step): (i32, i32) = if decipher { (rounds as i32 - 1, -1) } else { (0, 1) };
        if decipher && n < 16 {
            let mut buf = [0u8; BLOCK];
            buf[..n].copy_from_slice(input);
            buf[0] |= 0x80;
            let t = self.e(0, 3, &xor(&buf, delta));
            l[0] ^= t[0] & 0x80;
        }
        let round = |src: &Block, tweak: i32, i: u32| {
            let mut buf = [0u8; BLOCK];
            buf[..half].copy_from_slice(&src[..half]);
            buf[n / 2] = (buf[n / 2] & mask) | pad;
            let mut buf = xor(&buf, delta);
            buf[15] ^= tweak as u8;
            self.e(0, i, &buf)
        };
        for _ in 0..rounds / 2 {
            l = xor(&l, &round(&r, j, i));
            r = xor(&r, &round(&l, j + step, i));
            j += 2 * step;
        }
        let mut out = vec![0u8; n.max(BLOCK)];
        out[..n / 2].copy_from_slice(&r[..n / 2]);
        out[n / 2..n / 2 + half].copy_from_slice(&l[..half]);
        if n % 2 == 1 {
            for k in (n / 2 + 1..n).rev() {
                out[k] = (out[k] >> 4) | (out[k - 1] << 4);
            }
            out[n / 2] = (l[0] >> 4) | (r[n / 2] & 0xf0);
        }
        if !decipher && n < 16 {
            let mut buf = [0u8; BLOCK];
            buf[..n].copy_from_slice(&out[..n]);
            buf[0] |= 0x80;
            let t = self.e(0, 3, &xor(&buf, delta));
            out[0] ^= t[0] & 0x80;
        }
        out.truncate(n);
        out
    }
}

/// Encrypts `message` (plus `tau` zero bytes of authenticator) under `key`.
pub fn encrypt(key: &[u8], nonce: &[u8], ad: &[&[u8]], tau: usize, message: &[u8]) -> Result<Vec<u8>, AezError> {
    if message.is_empty() || message.len() + tau >= 32 {
        return Err(AezError::TooLong);
    }
    let s = State::new(key);
    let delta = s.hash(nonce, ad, tau as u32 * 8);
    let mut x = message.to_vec();
    x.resize(message.len() + tau, 0);
    Ok(s.tiny(&delta, &x, false))
}

/// Decrypts and checks the authenticator; returns the message.
pub fn decrypt(key: &[u8], nonce: &[u8], ad: &[&[u8]], tau: usize, ciphertext: &[u8]) -> Result<Vec<u8>, AezError> {
    if ciphertext.len() <= tau || ciphertext.len() >= 32 {
        return Err(AezError::TooLong);
    }
    let s = State::new(key);
    let delta = s.hash(nonce, ad, tau as u32 * 8);
    let mut x = s.tiny(&delta, ciphertext, true);
    if x[ciphertext.len() - tau..].iter().any(|b| *b != 0) {
        return Err(AezError::Invalid);
    }
    x.truncate(ciphertext.len() - tau);
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_tampering() {
        for len in [1usize, 2, 3, 15, 16, 19, 27] {
            let msg: Vec<u8> = (0..len as u8).collect();
            let ct = encrypt(b"key", b"", &[b"ad"], 4, &msg).unwrap();
            assert_eq!(ct.len(), len + 4);
            assert_eq!(decrypt(b"key", b"", &[b"ad"], 4, &ct).unwrap(), msg, "length {len}");
            assert_eq!(decrypt(b"other key", b"", &[b"ad"], 4, &ct), Err(AezError::Invalid));
            let mut bad = ct.clone();
            bad[0] ^= 1;
            assert_eq!(decrypt(b"key", b"", &[b"ad"], 4, &bad), Err(AezError::Invalid));
        }
    }
}
