//! The browser's WebCrypto: PBKDF2-SHA256 stretches the passphrase into a non-extractable
//! AES-GCM-256 key (script can use it while the vault is open, never read it), and every
//! encryption gets a fresh random IV.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use super::VaultError;
use super::envelope::{Envelope, ITERATIONS, IV_LEN, PasskeySlot, SALT_LEN};

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

/// PBKDF2-SHA256's first 256 bits: the vault key's bytes (the same bits `deriveKey` would
/// give an AES-256 key). They leave the browser's crypto only to be wrapped for a passkey.
async fn derive_bits(passphrase: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, VaultError> {
    let subtle = subtle()?;
    let usages = Array::of1(&"deriveBits".into());
    let base = call(subtle.import_key_with_str("raw", &bytes(passphrase.as_bytes()), "PBKDF2", false, &usages)).await.map_err(unavailable)?;
    let params = object(&[("name", "PBKDF2".into()), ("hash", "SHA-256".into()), ("salt", bytes(salt).into()), ("iterations", iterations.into())]);
    let bits = call(subtle.derive_bits_with_object(&params, base.unchecked_ref(), 256)).await.map_err(unavailable)?;
    Ok(Uint8Array::new(&bits).to_vec())
}

/// An AES-GCM key for `raw`, usable by script but never readable again.
async fn aes_key(raw: &[u8]) -> Result<CryptoKey, VaultError> {
    let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
    let key = call(subtle()?.import_key_with_str("raw", &bytes(raw), "AES-GCM", false, &usages)).await.map_err(unavailable)?;
    Ok(key.unchecked_into())
}

async fn derive(passphrase: &str, salt: [u8; SALT_LEN], iterations: u32) -> Result<Key, VaultError> {
    let raw = derive_bits(passphrase, &salt, iterations).await?;
    Ok(Key { key: aes_key(&raw).await?, salt, iterations })
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
    let out = call(subtle()?.encrypt_with_object_and_buffer_source(&gcm(&iv, &env.header()), &key.key, &bytes(plaintext))).await.map_err(unavailable)?;
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

async fn decrypt(key: &CryptoKey, iv: &[u8], aad: &[u8], data: &[u8]) -> Result<Vec<u8>, JsValue> {
    let plain = call(subtle().map_err(|_| JsValue::NULL)?.decrypt_with_object_and_buffer_source(&gcm(iv, aad), key, &bytes(data))).await?;
    Ok(Uint8Array::new(&plain).to_vec())
}

/// Authenticates the wrapped key's slot (and its version) with the wrapped bytes.
const PASSKEY_AAD: &[u8] = b"lightdeck-vault passkey v1";

/// Whether this browser has WebAuthn at all (whether the device's authenticator offers
/// the PRF extension shows only when a passkey is made).
pub fn passkeys_possible() -> bool {
    web_sys::window().is_some_and(|w| Reflect::get(&w, &"PublicKeyCredential".into()).is_ok_and(|v| !v.is_undefined()))
}

fn passkey_failed(e: JsValue) -> VaultError {
    let name = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.name())).unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" => VaultError::PasskeyFailed("the passkey prompt was dismissed or timed out".into()),
        "" => VaultError::PasskeyFailed("the browser refused".into()),
        other => VaultError::PasskeyFailed(other.to_string()),
    }
}

fn credentials() -> Result<JsValue, VaultError> {
    let navigator = web_sys::window().ok_or(VaultError::NoPasskey)?.navigator();
    Reflect::get(&navigator, &"credentials".into()).ok().filter(|c| !c.is_undefined()).ok_or(VaultError::NoPasskey)
}

async fn credentials_call(method: &str, public_key: Object) -> Result<JsValue, VaultError> {
    let creds = credentials()?;
    let f: js_sys::Function = Reflect::get(&creds, &method.into()).map_err(|_| VaultError::NoPasskey)?.unchecked_into();
    let options = object(&[("publicKey", public_key.into())]);
    let promise: js_sys::Promise = f.call1(&creds, &options).map_err(passkey_failed)?.unchecked_into();
    JsFuture::from(promise).await.map_err(passkey_failed)
}

fn prf_eval(salt: &[u8]) -> Object {
    object(&[("prf", object(&[("eval", object(&[("first", bytes(salt).into())]).into())]).into())])
}

/// `getClientExtensionResults().prf.results.first`, when the authenticator gave one.
fn prf_first(credential: &JsValue) -> Option<Vec<u8>> {
    let f: js_sys::Function = Reflect::get(credential, &"getClientExtensionResults".into()).ok()?.dyn_into().ok()?;
    let results = f.call0(credential).ok()?;
    let first = Reflect::get(&Reflect::get(&Reflect::get(&results, &"prf".into()).ok()?, &"results".into()).ok()?, &"first".into()).ok()?;
    (!first.is_undefined()).then(|| Uint8Array::new(&first).to_vec()).filter(|b| b.len() == 32)
}

/// Asks the passkey for its PRF output at `salt` (the user confirms on the device).
async fn prf_of(credential_id: &[u8], salt: &[u8]) -> Result<Vec<u8>, VaultError> {
    let allow = object(&[("type", "public-key".into()), ("id", bytes(credential_id).into())]);
    let public_key = object(&[
        ("challenge", bytes(&random::<32>()?).into()),
        ("allowCredentials", Array::of1(&allow).into()),
        ("userVerification", "required".into()),
        ("timeout", 60_000.into()),
        ("extensions", prf_eval(salt).into()),
    ]);
    let assertion = credentials_call("get", public_key).await?;
    prf_first(&assertion).ok_or(VaultError::NoPasskey)
}

/// The key that wraps the vault key: HKDF-SHA256 over the PRF output.
async fn passkey_kek(prf: &[u8]) -> Result<CryptoKey, VaultError> {
    let subtle = subtle()?;
    let base = call(subtle.import_key_with_str("raw", &bytes(prf), "HKDF", false, &Array::of1(&"deriveKey".into()))).await.map_err(unavailable)?;
    let params =
        object(&[("name", "HKDF".into()), ("hash", "SHA-256".into()), ("salt", bytes(b"lightdeck vault").into()), ("info", bytes(PASSKEY_AAD).into())]);
    let aes = object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
    let key = call(subtle.derive_key_with_object_and_object(&params, base.unchecked_ref(), &aes, false, &Array::of2(&"encrypt".into(), &"decrypt".into())))
        .await
        .map_err(unavailable)?;
    Ok(key.unchecked_into())
}

/// Makes a passkey for this vault and wraps the vault key under it. The passphrase is
/// asked again: it is what proves the user may add a way in.
pub async fn add_passkey(passphrase: &str, env: &Envelope) -> Result<PasskeySlot, VaultError> {
    let raw = derive_bits(passphrase, &env.salt_bytes()?, env.iterations).await?;
    decrypt(&aes_key(&raw).await?, &env.iv_bytes()?, &env.header(), &env.data_bytes()?).await.map_err(|_| VaultError::WrongPassphrase)?;
    let salt = random::<32>()?;
    let user = object(&[("id", bytes(&random::<16>()?).into()), ("name", "Lightdeck vault".into()), ("displayName", "Lightdeck vault on this device".into())]);
    let algorithms =
        Array::of2(&object(&[("type", "public-key".into()), ("alg", (-7).into())]), &object(&[("type", "public-key".into()), ("alg", (-257).into())]));
    let public_key = object(&[
        ("rp", object(&[("name", "Lightdeck".into())]).into()),
        ("user", user.into()),
        ("challenge", bytes(&random::<32>()?).into()),
        ("pubKeyCredParams", algorithms.into()),
        ("authenticatorSelection", object(&[("userVerification", "required".into()), ("residentKey", "discouraged".into())]).into()),
        ("timeout", 60_000.into()),
        ("extensions", prf_eval(&salt).into()),
    ]);
    let credential = credentials_call("create", public_key).await?;
    let id = Reflect::get(&credential, &"rawId".into()).map(|b| Uint8Array::new(&b).to_vec()).map_err(|_| VaultError::NoPasskey)?;
    // Some authenticators answer the PRF only when asked to sign in.
    let prf = match prf_first(&credential) {
        Some(prf) => prf,
        None => prf_of(&id, &salt).await?,
    };
    let iv = random::<IV_LEN>()?;
    let wrapped =
        call(subtle()?.encrypt_with_object_and_buffer_source(&gcm(&iv, PASSKEY_AAD), &passkey_kek(&prf).await?, &bytes(&raw))).await.map_err(unavailable)?;
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    Ok(PasskeySlot {
        credential: URL_SAFE_NO_PAD.encode(&id),
        salt: STANDARD.encode(salt),
        iv: STANDARD.encode(iv),
        wrapped: STANDARD.encode(Uint8Array::new(&wrapped).to_vec()),
    })
}

/// Opens the vault with its passkey instead of the passphrase.
pub async fn open_with_passkey(env: &Envelope) -> Result<(Key, Vec<u8>), VaultError> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let slot = env.passkey.as_ref().ok_or(VaultError::NoPasskey)?;
    let b64 = |s: &str| STANDARD.decode(s).map_err(|_| VaultError::Corrupt);
    let id = URL_SAFE_NO_PAD.decode(&slot.credential).map_err(|_| VaultError::Corrupt)?;
    let prf = prf_of(&id, &b64(&slot.salt)?).await?;
    let raw = decrypt(&passkey_kek(&prf).await?, &b64(&slot.iv)?, PASSKEY_AAD, &b64(&slot.wrapped)?)
        .await
        .map_err(|_| VaultError::PasskeyFailed("this passkey does not open this vault".into()))?;
    let key = aes_key(&raw).await?;
    let plain = decrypt(&key, &env.iv_bytes()?, &env.header(), &env.data_bytes()?).await.map_err(|_| VaultError::Corrupt)?;
    let salt: [u8; SALT_LEN] = env.salt_bytes()?.try_into().map_err(|_| VaultError::Corrupt)?;
    Ok((Key { key, salt, iterations: env.iterations }, plain))
}

/// AES-256-CBC decryption (PKCS#7 padding, which WebCrypto strips), for LUD-10 success
/// messages, which are encrypted under the payment's preimage. `None` when the padding or
/// the key do not fit: the service's message cannot be read.
pub async fn aes_cbc_decrypt(key: &[u8; 32], iv: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    let subtle = subtle().ok()?;
    let usages = Array::of1(&"decrypt".into());
    let key: CryptoKey = call(subtle.import_key_with_str("raw", &bytes(key), "AES-CBC", false, &usages)).await.ok()?.unchecked_into();
    let params = object(&[("name", "AES-CBC".into()), ("iv", bytes(iv).into())]);
    let plain = call(subtle.decrypt_with_object_and_buffer_source(&params, &key, &bytes(data))).await.ok()?;
    Some(Uint8Array::new(&plain).to_vec())
}
