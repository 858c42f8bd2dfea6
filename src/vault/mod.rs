//! The vault: saved nodes encrypted at rest with a key derived from the user's passphrase.
//! The envelope and the saved nodes are plain Rust (tested natively); the cryptography is
//! the browser's own WebCrypto (`webcrypto`), whose keys page script can use but never read.

mod envelope;
mod nodes;
#[cfg(target_arch = "wasm32")]
mod webcrypto;

pub use envelope::{Envelope, ITERATIONS, PasskeySlot};
pub use nodes::{Contents, IdentityChanged, MAX_NAME, SavedNode, Snapshot, clean_name};
#[cfg(target_arch = "wasm32")]
pub use webcrypto::{Key, add_passkey, aes_cbc_decrypt, create, open, open_with_passkey, passkeys_possible, random, seal};

/// How long a saved restricted macaroon works (lnd's `time-before`): long enough not to
/// nag, short enough that a copy taken from the device stops working by itself.
pub const RESTRICTED_DAYS: i64 = 30;

/// The shortest passphrase accepted (NIST SP 800-63B's floor for memorised secrets).
pub const MIN_PASSPHRASE: usize = 8;

#[derive(Debug, Clone, PartialEq)]
pub enum VaultError {
    /// AES-GCM's tag did not verify: the passphrase is wrong, or the stored data changed.
    WrongPassphrase,
    /// The stored vault cannot be read as a vault at all.
    Corrupt,
    NewerVersion(u32),
    /// The browser refused the cryptography (no WebCrypto outside a secure context).
    Unavailable(String),
    TooShort,
    Mismatch,
    /// Too many wrong passphrases in a row: seconds left to wait.
    Wait(u64),
    /// No passkey with the PRF extension here (the browser, or the authenticator, has none).
    NoPasskey,
    /// The passkey was not used: dismissed, timed out, or another passkey.
    PasskeyFailed(String),
}

impl std::fmt::Display for VaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VaultError::WrongPassphrase => f.write_str("Wrong passphrase. Type it again (it is case-sensitive)."),
            VaultError::Corrupt => {
                f.write_str("The saved nodes on this device cannot be read: the stored vault is damaged. Forget everything and connect again.")
            }
            VaultError::NewerVersion(v) => {
                write!(f, "The saved nodes were stored by a newer Lightdeck (vault format {v}). Open the newer version, or forget them here.")
            }
            VaultError::Unavailable(why) => {
                write!(f, "This browser will not encrypt here ({why}). Saving needs a secure page: open Lightdeck over https or on localhost.")
            }
            VaultError::TooShort => write!(f, "Choose a passphrase of at least {MIN_PASSPHRASE} characters."),
            VaultError::Mismatch => f.write_str("The two passphrases differ. Type the same one twice."),
            VaultError::Wait(s) => write!(f, "Too many wrong passphrases in a row. Wait {s} seconds, then try again."),
            VaultError::NoPasskey => f.write_str(
                "This browser or device cannot unlock Lightdeck with a passkey (it needs WebAuthn's PRF extension, as \
                 Chrome and recent Firefox and Safari have with a platform or security key that supports it). The \
                 passphrase always works.",
            ),
            VaultError::PasskeyFailed(why) => write!(f, "The passkey did not unlock the vault ({why}). Try again, or use the passphrase."),
        }
    }
}

/// Checks a new passphrase before the slow key derivation runs.
pub fn check_new_passphrase(passphrase: &str, repeated: &str) -> Result<(), VaultError> {
    if passphrase.chars().count() < MIN_PASSPHRASE {
        Err(VaultError::TooShort)
    } else if passphrase != repeated {
        Err(VaultError::Mismatch)
    } else {
        Ok(())
    }
}

/// Free tries before the unlock screen makes the user wait.
pub const FREE_TRIES: u32 = 5;

/// Seconds to wait after `failures` wrong passphrases in a row: none for the first four,
/// then 30 s doubling to an hour. The count survives reloads, so a reload does not reset it.
pub fn wait_after(failures: u32) -> u64 {
    match failures.checked_sub(FREE_TRIES) {
        None => 0,
        Some(extra) => 30u64.saturating_mul(1u64 << extra.min(7)).min(3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_tries_wait_longer_and_longer_up_to_an_hour() {
        assert_eq!((0..5).map(wait_after).collect::<Vec<_>>(), [0, 0, 0, 0, 0]);
        assert_eq!((5..10).map(wait_after).collect::<Vec<_>>(), [30, 60, 120, 240, 480]);
        assert_eq!(wait_after(12), 3600);
        assert_eq!(wait_after(u32::MAX), 3600);
    }

    #[test]
    fn new_passphrases_are_checked_before_deriving() {
        assert_eq!(check_new_passphrase("short", "short"), Err(VaultError::TooShort));
        assert_eq!(check_new_passphrase("long enough", "long enougH"), Err(VaultError::Mismatch));
        assert_eq!(check_new_passphrase("ünïcödé!", "ünïcödé!"), Ok(()));
    }
}
