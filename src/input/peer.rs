//! Peer addresses as node operators pass them around: `pubkey@host:port`.

/// lnd's default p2p port.
const DEFAULT_PORT: u16 = 9735;

/// A node's public key: 33 bytes, compressed, as 66 hex digits.
pub fn check_pubkey(pubkey: &str) -> Result<String, String> {
    let p = pubkey.trim().to_lowercase();
    if p.len() != 66 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("A node's public key is 66 hexadecimal characters".into());
    }
    if !(p.starts_with("02") || p.starts_with("03")) {
        return Err("A node's public key starts with 02 or 03".into());
    }
    Ok(p)
}

/// `host[:port]` (port defaults to 9735); IPv6 hosts in brackets, onion addresses allowed.
pub fn check_host(host: &str) -> Result<String, String> {
    let h = host.trim();
    if h.is_empty() || h.contains(char::is_whitespace) || h.contains('/') {
        return Err("Enter the node's host and port, like 203.0.113.5:9735 or xyz.onion:9735".into());
    }
    // A bracketed IPv6 host without a port ends with its bracket.
    let bracketed = h.starts_with('[') && h.ends_with(']');
    let (name, port) = match h.rsplit_once(':').filter(|_| !bracketed) {
        Some((name, port)) if !name.ends_with(':') && (!name.contains(':') || name.ends_with(']')) => (name, Some(port)),
        _ => (h, None),
    };
    match port {
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Ok(format!("{name}:{n}")),
            _ => Err(format!("{p} is not a valid port")),
        },
        None => Ok(format!("{name}:{DEFAULT_PORT}")),
    }
}

/// Splits `pubkey@host:port` into its checked parts.
pub fn parse_uri(uri: &str) -> Result<(String, String), String> {
    let Some((pubkey, host)) = uri.trim().split_once('@') else {
        return Err("Use the form pubkey@host:port".into());
    };
    Ok((check_pubkey(pubkey)?, check_host(host)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "02bbe32aa3be2293be219ef45acd7e4489c04e1a77e7a93f333d9318a5ab0e8860";

    #[test]
    fn uris_split_and_default_the_port() {
        assert_eq!(parse_uri(&format!(" {KEY}@127.0.0.1:9736 ")), Ok((KEY.into(), "127.0.0.1:9736".into())));
        assert_eq!(parse_uri(&format!("{}@node.example", KEY.to_uppercase())), Ok((KEY.into(), "node.example:9735".into())));
        assert_eq!(check_host("[::1]:9735"), Ok("[::1]:9735".into()));
        assert_eq!(check_host("[:0]"), Ok("[:0]:9735".into()), "a bracketed host without a port");
        assert_eq!(check_host("[2001:db8::1]"), Ok("[2001:db8::1]:9735".into()));
    }

    #[test]
    fn bad_peers_say_why() {
        assert!(parse_uri(KEY).unwrap_err().contains("pubkey@host:port"));
        assert!(parse_uri(&format!("{}@h", &KEY[..64])).unwrap_err().contains("66"));
        assert!(parse_uri(&format!("04{}@h", &KEY[2..])).unwrap_err().contains("02 or 03"));
        assert!(parse_uri(&format!("{KEY}@h:99999")).unwrap_err().contains("port"));
        assert!(parse_uri(&format!("{KEY}@")).is_err());
    }
}
