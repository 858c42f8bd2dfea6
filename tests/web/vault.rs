//! The vault's cryptography in the browser: WebCrypto's PBKDF2 and AES-GCM as the app uses
//! them, and every way a stored vault can be wrong.

use lightdeck::vault::{self, Envelope, ITERATIONS, VaultError};
use wasm_bindgen_test::*;

const SECRET: &[u8] = b"0201036c6e6402f801 a macaroon, say";

#[wasm_bindgen_test]
async fn a_sealed_vault_opens_with_its_passphrase_only() {
    let key = vault::create("correct horse").await.expect("derive");
    let env = vault::seal(&key, SECRET).await.expect("seal");
    assert_eq!(env.iterations, ITERATIONS);
    let stored = env.to_json();
    assert!(!stored.contains("a macaroon"), "ciphertext only");
    let env = Envelope::parse(&stored).expect("parse");
    let (_, plain) = vault::open("correct horse", &env).await.expect("open");
    assert_eq!(plain, SECRET);
    assert_eq!(vault::open("correct horsE", &env).await.err(), Some(VaultError::WrongPassphrase));
}

#[wasm_bindgen_test]
async fn every_seal_draws_a_fresh_iv_under_the_same_salt() {
    let key = vault::create("correct horse").await.expect("derive");
    let (a, b) = (vault::seal(&key, SECRET).await.unwrap(), vault::seal(&key, SECRET).await.unwrap());
    assert_eq!(a.salt, b.salt);
    assert_ne!(a.iv, b.iv);
    assert_ne!(a.data, b.data);
    let other = vault::create("correct horse").await.unwrap();
    assert_ne!(vault::seal(&other, SECRET).await.unwrap().salt, a.salt, "a new vault gets a new salt");
}

#[wasm_bindgen_test]
async fn a_tampered_vault_does_not_open() {
    let key = vault::create("correct horse").await.unwrap();
    let env = vault::seal(&key, SECRET).await.unwrap();
    let mut flipped = env.clone();
    let mut data = flipped.data_bytes().unwrap();
    data[0] ^= 1;
    flipped.set_data(&data);
    assert_eq!(vault::open("correct horse", &flipped).await.err(), Some(VaultError::WrongPassphrase));
    // The parameters are bound to the ciphertext: more rounds (still allowed) derive another
    // key and fail the tag rather than open something else.
    let mut rounds = env.clone();
    rounds.iterations += 1;
    assert_eq!(vault::open("correct horse", &rounds).await.err(), Some(VaultError::WrongPassphrase));
    // A vault from a newer Lightdeck is named as such, never misread.
    let mut newer = env.clone();
    newer.v += 1;
    assert_eq!(Envelope::parse(&newer.to_json()), Err(VaultError::NewerVersion(2)));
}
