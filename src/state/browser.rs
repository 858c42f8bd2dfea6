//! What the browser provides that pages share: the clock and cryptographic randomness.

use crate::lnd::LndError;

/// The browser's clock, in unix seconds.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

fn random<const N: usize>() -> Result<[u8; N], LndError> {
    let no_random = || LndError::Input("This browser offers no secure random numbers".into());
    let mut bytes = [0u8; N];
    let crypto = web_sys::window().and_then(|w| w.crypto().ok()).ok_or_else(no_random)?;
    crypto.get_random_values_with_u8_array(&mut bytes).map_err(|_| no_random())?;
    Ok(bytes)
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
