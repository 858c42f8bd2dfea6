//! Macaroons as users bring them: pasted hex (lncli's `printmacaroon`, RTL, Zeus), base64
//! or base64url (lndconnect), or the raw bytes of a `.macaroon` file. Held in memory only,
//! never printed.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use super::LndError;

#[derive(Clone, PartialEq)]
pub struct Macaroon(Vec<u8>);

/// Never shows the secret, even in debug output.
impl std::fmt::Debug for Macaroon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Macaroon({} bytes)", self.0.len())
    }
}

/// Every macaroon lnd bakes is V2 binary: version byte 2, then the location field.
const V2: u8 = 0x02;

impl Macaroon {
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, LndError> {
        match bytes.first() {
            Some(&V2) if bytes.len() > 32 => Ok(Macaroon(bytes)),
            _ => Err(LndError::Input(
                "That is not an lnd macaroon: expected the contents of a .macaroon file, as hex or base64".into(),
            )),
        }
    }

    /// Parses pasted text: hex first (what most tools print), then any base64 flavour.
    pub fn parse(text: &str) -> Result<Self, LndError> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if t.is_empty() {
            return Err(LndError::Input("Paste a macaroon, or choose a .macaroon file".into()));
        }
        if t.len().is_multiple_of(2) && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Self::from_bytes(hex::decode(&t).expect("checked hex"));
        }
        let decoded = [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD].iter().find_map(|e| e.decode(&t).ok());
        match decoded {
            Some(bytes) => Self::from_bytes(bytes),
            None => Err(LndError::Input("The macaroon is neither hex nor base64; paste it again or choose the file".into())),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The form lnd expects in the `macaroon` metadata / `Grpc-Metadata-macaroon` header.
    pub fn hex(&self) -> String {
        hex::encode(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN_HEX: &str = "0201036c6e6402f801030a10a0a1a2a3a4a5a6a7a8a9aaabacadaeaf1201301a160a0761646472657373120472656164";

    #[test]
    fn hex_base64_and_file_bytes_all_normalise_to_hex() {
        let bytes = hex::decode(ADMIN_HEX).unwrap();
        let from_hex = Macaroon::parse(ADMIN_HEX).unwrap();
        assert_eq!(from_hex.hex(), ADMIN_HEX);
        assert_eq!(Macaroon::parse(&STANDARD.encode(&bytes)).unwrap(), from_hex);
        assert_eq!(Macaroon::parse(&URL_SAFE_NO_PAD.encode(&bytes)).unwrap(), from_hex);
        assert_eq!(Macaroon::parse(&format!("  {}\n", ADMIN_HEX.to_uppercase())).unwrap(), from_hex);
        assert_eq!(Macaroon::from_bytes(bytes).unwrap(), from_hex);
    }

    #[test]
    fn junk_is_rejected_with_a_message_and_never_echoed() {
        assert!(matches!(Macaroon::parse(""), Err(LndError::Input(_))));
        assert!(matches!(Macaroon::parse("not a macaroon!"), Err(LndError::Input(_))));
        assert!(matches!(Macaroon::parse("00ff"), Err(LndError::Input(_))));
        let m = Macaroon::parse(ADMIN_HEX).unwrap();
        assert!(!format!("{m:?}").contains("0201"));
    }
}
