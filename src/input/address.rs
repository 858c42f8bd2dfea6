//! Bitcoin addresses, checked for the node's network before anything is sent.

/// What lnd's GetInfo calls the network ("mainnet", "testnet", "testnet4", "signet",
/// "regtest", "simnet") decides the address forms that are valid.
fn forms(network: &str) -> (&'static str, [u8; 2]) {
    match network {
        "mainnet" => ("bc", [0x00, 0x05]),
        "regtest" => ("bcrt", [0x6f, 0xc4]),
        "simnet" => ("sb", [0x3f, 0x7b]),
        // testnet, testnet4, signet
        _ => ("tb", [0x6f, 0xc4]),
    }
}

/// Bitcoin Core's dust threshold for the largest common output (p2pkh at its default
/// 3 sat/vB dust relay fee): smaller outputs are not relayed, and lnd's wallet refuses them
/// ("transaction output is dust"; at high fee rates it refuses larger ones too).
pub const SMALLEST_SEND_SAT: i64 = 546;

/// An on-chain amount the network will carry.
pub fn check_send_amount(sats: i64) -> Result<(), String> {
    if sats < SMALLEST_SEND_SAT {
        return Err(format!("Too small to send on-chain: outputs under {SMALLEST_SEND_SAT} sat are \"dust\" that the network will not relay"));
    }
    Ok(())
}

/// Accepts segwit (bech32/bech32m) and legacy base58 addresses of `network`.
pub fn check(address: &str, network: &str) -> Result<(), String> {
    let a = address.trim();
    if a.is_empty() {
        return Err("Enter a bitcoin address".into());
    }
    let (hrp, versions) = forms(network);
    let lower = a.to_ascii_lowercase();
    if lower.starts_with(&format!("{hrp}1")) && !(hrp == "bc" && lower.starts_with("bcrt1")) {
        return bech32::segwit::decode(a).map(drop).map_err(|_| "This address has a typo: its checksum does not match".to_string());
    }
    if ["bc1", "tb1", "bcrt1", "sb1"].iter().any(|p| lower.starts_with(p)) {
        return Err(format!("This address is for another network; this node is on {network}"));
    }
    match bs58::decode(a).with_check(None).into_vec() {
        Ok(payload) if payload.len() == 21 && versions.contains(&payload[0]) => Ok(()),
        Ok(payload) if payload.len() == 21 => Err(format!("This address is for another network; this node is on {network}")),
        _ => Err("That is not a bitcoin address".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dust_is_refused_before_it_reaches_the_node() {
        assert!(check_send_amount(545).unwrap_err().contains("under 546 sat"));
        assert_eq!(check_send_amount(546), Ok(()));
    }

    #[test]
    fn addresses_of_the_nodes_network_pass() {
        assert_eq!(check("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "regtest"), Ok(()));
        assert_eq!(check("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "mainnet"), Ok(()));
        assert_eq!(check("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "mainnet"), Ok(()));
        assert_eq!(check("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "mainnet"), Ok(()));
        assert_eq!(check("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "mainnet"), Ok(()));
        assert_eq!(check("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "testnet"), Ok(()));
    }

    #[test]
    fn wrong_network_and_typos_are_caught() {
        assert!(check("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "regtest").unwrap_err().contains("another network"));
        assert!(check("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "mainnet").unwrap_err().contains("another network"));
        assert!(check("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "regtest").unwrap_err().contains("another network"));
        assert!(check("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt081", "regtest").unwrap_err().contains("typo"));
        assert!(check("hello", "regtest").is_err());
        assert!(check("", "regtest").is_err());
    }
}
