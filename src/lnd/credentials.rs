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
            _ => Err(LndError::Input("That is not an lnd macaroon: expected the contents of a .macaroon file, as hex or base64".into())),
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

    /// A copy that lnd refuses after `until` (unix seconds): lnd's `time-before` caveat,
    /// added by extending the signature chain, as lncli's `--timeout` does. Only lnd's
    /// clock decides, so a node whose clock runs late accepts it a little longer.
    pub fn expiring(&self, until: i64) -> Result<Macaroon, LndError> {
        let mut mac =
            lnrpc::macaroon::Binary::decode(&self.0).map_err(|e| LndError::Input(format!("This macaroon cannot be narrowed here ({e}); save it as it is.")))?;
        mac.add_caveat(&format!("time-before {}", rfc3339(until)));
        Ok(Macaroon(mac.encode()))
    }

    /// The form lnd expects in the `macaroon` metadata / `Grpc-Metadata-macaroon` header.
    pub fn hex(&self) -> String {
        hex::encode(&self.0)
    }
}

/// `2030-01-01T00:00:00Z` for a unix time (UTC, whole seconds), as Go's time.RFC3339 writes
/// it; days to a civil date by Howard Hinnant's `civil_from_days`.
fn rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// The unix time of an RFC 3339 time as lnd writes caveats (`2030-01-01T00:00:00Z`, with
/// an optional fraction and a `Z` or `±hh:mm` offset); None for anything else.
pub fn unix_from_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = text.get(from..from + len)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, m, d, hh, mm, ss) = (num(0, 4)?, num(5, 2)?, num(8, 2)?, num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let o = num(text.len() - 5, 2)? * 3600 + num(text.len() - 2, 2)? * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    let yy = if m <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - offset)
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
    fn dates_are_written_as_go_writes_them() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_893_456_000), "2030-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400 + 86_399), "2000-02-29T23:59:59Z");
        assert_eq!(rfc3339(4_107_542_400), "2100-03-01T00:00:00Z");
        for t in [0, 951_868_799, 1_893_456_000, 4_107_542_400, 253_402_300_799] {
            assert_eq!(unix_from_rfc3339(&rfc3339(t)), Some(t), "{t}");
        }
        assert_eq!(unix_from_rfc3339("2030-01-01T02:00:00.123456789+02:00"), Some(1_893_456_000));
        for bad in ["", "2030-01-01", "2030-13-01T00:00:00Z", "2030-01-01T00:00:00", "2030-01-01T00:00:00+0200", "２０３0-01-01T00:00:00Z"] {
            assert_eq!(unix_from_rfc3339(bad), None, "{bad}");
        }
    }

    /// The narrowed copy is what lnd's bakery accepts until the time given and refuses
    /// after, checked by devnode's verification (the vector's root key).
    #[test]
    fn an_expiring_copy_works_until_its_time_and_not_after() {
        use world::macaroons::Macaroon as Baked;
        let root: Vec<u8> = (0u8..32).collect();
        let vector =
            |name: &str| include_str!("../../tests/vectors/macaroon_lnd_format_vectors.txt").lines().find_map(|l| l.strip_prefix(name)).expect("the vector");
        let admin = Macaroon::parse(vector("macaroon_v2_binary=")).unwrap();
        let copy = admin.expiring(1_893_456_000).unwrap();
        let baked = Baked::deserialize(copy.bytes()).unwrap();
        assert_eq!(baked.verify(&root, &[("info", "read")], "", 1_893_455_999), Ok(()));
        let expired = baked.verify(&root, &[("info", "read")], "", 1_893_456_000).unwrap_err().to_string();
        assert_eq!(expired, "caveat \"time-before 2030-01-01T00:00:00Z\" not satisfied: macaroon has expired");
        assert!(matches!(LndError::from_node(2, &expired), LndError::MacaroonExpired));
        // The same macaroon go-macaroon made with that caveat, byte for byte.
        assert_eq!(copy.hex(), vector("with_caveat_binary="));
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
