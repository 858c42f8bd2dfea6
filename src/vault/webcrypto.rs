//! The browser's WebCrypto: PBKDF2-SHA256 stretches the passphrase into a non-extractable
//! AES-GCM-256 key (script can use it while the vault is open, never read it), and every
//! encryption gets a fresh random IV.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use super::VaultError;
use super::envelope::{Envelope, ITERATIONS, IV_LEN, SALT_LEN};

/// The open vault's key and the salt it was derived with (every seal reuses the salt and
/// draws a new IV).
#[derive(Clone)]
pub struct Key {
    key: CryptoKey,
    salt: [u8; SALT_LEN],
    iterations: u32,
}

fn unavailable(e: JsValue) -> VaultError {
    let name = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.name())).unwrap_or_else(|| "no WebCrypto".into());
    VaultError::Unavailable(name)
}

fn crypto() -> Result<web_sys::Crypto, VaultError> {
    web_sys::window().and_then(|w| w.crypto().ok()).ok_or_else(|| VaultError::Unavailable("no window.crypto".into()))
}

fn subtle() -> Result<SubtleCrypto, VaultError> {
    let crypto = crypto()?;
    // `subtle` is undefined outside a secure context (plain http to another host).
    if Reflect::get(&crypto, &"subtle".into()).map_or(true, |s| s.is_undefined()) {
        return Err(VaultError::Unavailable("not a secure page".into()));
    }
    Ok(crypto.subtle())
}

/// Bytes from the browser's cryptographic random source.
pub fn random<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut bytes = [0u8; N];
    crypto()?.get_random_values_with_u8_array(&mut bytes).map_err(unavailable)?;
    Ok(bytes)
}

fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o
}

fn bytes(data: &[u8]) -> Object {
    Uint8Array::from(data).into()
}

async fn call(promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(promise?).await
}

async fn derive(passphrase: &str, salt: [u8; SALT_LEN], iterations: u32) -> Result<Key, VaultError> {
    let subtle = subtle()?;
    let usages = Array::of1(&"deriveKey".into());
    let base = call(subtle.import_key_with_str("raw", &bytes(passphrase.as_bytes()), "PBKDF2", false, &usages))
        .await
        .map_err(unavailable)?;
    let params = object(&[
        ("name", "PBKDF2".into()),
        ("hash", "SHA-256".into()),
        ("salt", bytes(&salt).into()),
        ("iterations", iterations.into()),
    ]);
    let aes = object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
    let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
    let key = call(subtle.derive_key_with_object_and_object(&params, base.unchecked_ref(), &aes, false, &usages))
        .await
        .map_err(unavailable)?;
    Ok(Key { key: key.unchecked_into(), salt, iterations })
}

fn gcm(iv: &[u8], header: &[u8]) -> Object {
    object(&[("name", "AES-GCM".into()), ("iv", bytes(iv).into()), ("additionalData", bytes(header).into())])
}

/// A new vault's key: a fresh salt, today's iteration count.
pub async fn create(passphrase: &str) -> Result<Key, VaultError> {
    derive(passphrase, random::<SALT_LEN>()?, ITERATIONS).await
}

/// Encrypts `plaintext` under `key` with a fresh IV.
pub async fn seal(key: &Key, plaintext: &[u8]) -> Result<Envelope, VaultError> {
    let iv = random::<IV_LEN>()?;
    let mut env = Envelope::new(&key.salt, &iv, &[]);
    env.iterations = key.iterations;
    let out = call(subtle()?.encrypt_with_object_and_buffer_source(&gcm(&iv, &env.header()), &key.key, &bytes(plaintext)))
        .await
        .map_err(unavailable)?;
    env.set_data(&Uint8Array::new(&out).to_vec());
    Ok(env)
}

/// Derives the key from `passphrase` with the envelope's own parameters and decrypts.
/// A wrong passphrase and an altered envelope look the same to AES-GCM, and say so.
pub async fn open(passphrase: &str, env: &Envelope) -> Result<(Key, Vec<u8>), VaultError> {
    let salt: [u8; SALT_LEN] = env.salt_bytes()?.try_into().map_err(|_| VaultError::Corrupt)?;
    let key = derive(passphrase, salt, env.iterations).await?;
    let (iv, data) = (env.iv_bytes()?, env.data_bytes()?);
    let plain = call(subtle()?.decrypt_with_object_and_buffer_source(&gcm(&iv, &env.header()), &key.key, &bytes(&data)))
        .await
        .map_err(|_| VaultError::WrongPassphrase)?;
    Ok((key, Uint8Array::new(&plain).to_vec()))
}
