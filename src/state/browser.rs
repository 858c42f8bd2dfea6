//! What the browser provides that pages share: the clock and cryptographic randomness.

use crate::lnd::LndError;

/// The browser's clock, in unix seconds.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// A fresh preimage from the browser's cryptographic random source, and its SHA-256.
pub fn new_preimage() -> Result<([u8; 32], [u8; 32]), LndError> {
    use sha2::Digest;
    let no_random = || LndError::Input("This browser offers no secure random numbers".into());
    let mut preimage = [0u8; 32];
    let crypto = web_sys::window().and_then(|w| w.crypto().ok()).ok_or_else(no_random)?;
    crypto.get_random_values_with_u8_array(&mut preimage).map_err(|_| no_random())?;
    Ok((preimage, sha2::Sha256::digest(preimage).into()))
}
