//! What the browser provides that pages share: the clock, cryptographic randomness and
//! localStorage.

use crate::lnd::LndError;

/// The browser's clock, in unix seconds.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// The page's localStorage, where the browser offers one (not in some private modes).
pub fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn random<const N: usize>() -> Result<[u8; N], LndError> {
    crate::vault::random::<N>().map_err(|_| LndError::Input("This browser offers no secure random numbers".into()))
}

/// A random id for something kept on this device (a saved node).
pub fn new_id() -> Result<String, LndError> {
    Ok(hex::encode(random::<8>()?))
}

/// A fresh preimage from the browser's cryptographic random source, and its SHA-256.
pub fn new_preimage() -> Result<([u8; 32], [u8; 32]), LndError> {
    use sha2::Digest;
    let preimage = random::<32>()?;
    Ok((preimage, sha2::Sha256::digest(preimage).into()))
}

/// A tag for one attempt at a send (lnd keeps it as the transaction's label or the
/// channel's memo, and the user sees it there).
pub fn new_tag() -> Result<String, LndError> {
    Ok(format!("lightdeck {}", hex::encode(random::<8>()?)))
}
