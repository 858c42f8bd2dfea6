//! What a node tells the network about itself in its node announcement, and the checks
//! lnd makes when one arrives (`netann.ValidateNodeAnnFields`). lnd itself announces only
//! IP and onion addresses; other implementations may announce one DNS name (BOLT 7's
//! address type 5), which is where a node can put text of its choosing into a graph.

/// lnd's `lnwire.ValidateDNSAddr`: a name of ASCII letters, digits, `-` and `.`, at most
/// 255 bytes, and a port other than zero; the error is lnd's text.
pub fn check_dns_address(hostname: &str, port: u16) -> Result<(), String> {
    if hostname.is_empty() {
        return Err("hostname cannot be empty".into());
    }
    if port == 0 {
        return Err("port cannot be zero".into());
    }
    if hostname.len() > 255 {
        return Err(format!("DNS hostname length exceeds limit of 255 bytes: DNS hostname length {}", hostname.len()));
    }
    // Go ranges over runes, so the position is a byte offset and the character whole.
    if let Some((i, c)) = hostname.char_indices().find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '.')) {
        return Err(format!("hostname contains invalid character: hostname '{hostname}' contains invalid character '{c}' at position {i}"));
    }
    Ok(())
}

/// The text of a node announcement lnd refuses: the receiving node keeps no such
/// announcement, so a graph never shows it.
pub fn refusal(reason: &str) -> String {
    format!("invalid node announcement fields: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dns_name_passes_lnds_check_only_as_lnd_allows() {
        let longest = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(63)].join(".");
        assert_eq!(longest.len(), 255);
        assert_eq!(check_dns_address(&longest, 9735), Ok(()));
        assert_eq!(check_dns_address("node-1.example.com", 1), Ok(()));
        assert_eq!(check_dns_address(&format!("{longest}e"), 9735), Err("DNS hostname length exceeds limit of 255 bytes: DNS hostname length 256".into()));
        assert_eq!(check_dns_address("", 9735), Err("hostname cannot be empty".into()));
        assert_eq!(check_dns_address("example.com", 0), Err("port cannot be zero".into()));
        assert_eq!(
            check_dns_address("a<b>", 9735),
            Err("hostname contains invalid character: hostname 'a<b>' contains invalid character '<' at position 1".into())
        );
        assert_eq!(
            check_dns_address("é.com", 9735),
            Err("hostname contains invalid character: hostname 'é.com' contains invalid character 'é' at position 0".into())
        );
        for bad in ["under_score", "a b", "a\u{202e}b", "a\u{200b}b", "tab\t", "x/y", "a:b"] {
            assert!(check_dns_address(bad, 9735).is_err(), "{bad:?} passes");
        }
        assert_eq!(refusal("port cannot be zero"), "invalid node announcement fields: port cannot be zero");
    }
}
