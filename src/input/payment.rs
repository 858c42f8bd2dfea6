//! Payment requests checked in the browser before the node is asked: well formed, for the
//! node's network, not expired; then compared with the node's own decoding.

use lnrpc::lnrpc as pb;

/// What this browser read from a payment request.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The request itself, as checked: what is paid is exactly this text.
    pub request: String,
    pub payment_hash: String,
    pub destination: String,
    pub amount_msat: i64,
    pub expires_at: i64,
    pub description: String,
    /// Private channels the request offers as routes to the receiver.
    pub route_hints: usize,
}

/// lnd's network names as BOLT 11 prefixes name them.
fn network_of(hrp_network: &str) -> &str {
    match hrp_network {
        "mainnet" => "mainnet",
        other => other,
    }
}

/// The request in what was pasted: trimmed, without a `lightning:` scheme.
pub fn request_text(pasted: &str) -> &str {
    let text = pasted.trim();
    text.strip_prefix("lightning:").or_else(|| text.strip_prefix("LIGHTNING:")).unwrap_or(text)
}

pub fn check_request(text: &str, node_network: &str, now: i64) -> Result<Checked, String> {
    let text = request_text(text);
    if text.is_empty() {
        return Err("Paste a payment request (it starts with lnbc, lntb or lnbcrt)".into());
    }
    let r = bolt11::decode(text).map_err(|e| format!("This is not a valid payment request: {e}"))?;
    if !node_network.is_empty() && network_of(&r.network) != node_network {
        return Err(format!("This request is for {}, but your node runs on {node_network}", r.network));
    }
    let expires_at = r.timestamp.saturating_add(r.expiry);
    if expires_at <= now {
        return Err(format!("This request expired {} ago; ask the receiver for a new one", crate::format::duration(now - expires_at)));
    }
    if r.payment_addr.is_none() {
        // lnd decodes such a request, but its router refuses to pay it.
        return Err("This request is in an old format without a payment secret, which lnd will not pay; ask the receiver for a new one".into());
    }
    Ok(Checked {
        request: text.to_string(),
        payment_hash: hex::encode(r.payment_hash),
        destination: r.destination,
        amount_msat: r.amount_msat,
        expires_at,
        description: r.description,
        route_hints: r.route_hints.len(),
    })
}

/// What differs between this browser's reading and the node's, if anything.
pub fn compare(local: &Checked, node: &pb::PayReq) -> Option<String> {
    let mut diffs = Vec::new();
    if local.payment_hash != node.payment_hash {
        diffs.push("payment hash");
    }
    if local.destination != node.destination {
        diffs.push("destination");
    }
    if local.amount_msat != node.num_msat {
        diffs.push("amount");
    }
    if local.expires_at != node.timestamp.saturating_add(node.expiry) {
        diffs.push("expiry");
    }
    if local.description != node.description {
        diffs.push("description");
    }
    (!diffs.is_empty()).then(|| diffs.join(", "))
}

/// The default fee limit: 1% of the amount, at least 10 sat (small payments often pay a
/// base fee of 1 sat per hop).
pub fn default_fee_limit(sats: i64) -> i64 {
    (sats / 100).max(10)
}

/// How many parts a payment may be split into when left empty: lncli's default
/// (`routerrpc.DefaultMaxParts`). lnd itself reads an unset max_parts as 1, which makes a
/// payment larger than any one channel fail however much is spread across them.
pub const DEFAULT_MAX_PARTS: u32 = 16;
const MOST_PARTS: u32 = 128;

/// "Split into at most N parts": empty means the default; 1 means a single HTLC.
pub fn check_max_parts(text: &str) -> Result<u32, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_MAX_PARTS);
    }
    text.parse::<u32>()
        .ok()
        .filter(|n| (1..=MOST_PARTS).contains(n))
        .ok_or_else(|| format!("Parts: a whole number from 1 (one HTLC, no splitting) to {MOST_PARTS}"))
}

/// The longest pause between repeated keysends: one day. Browsers' timers hold at most
/// 2^31-1 ms (about 24.8 days); a longer one fires at once, which would send a series
/// back to back.
pub const MOST_EVERY_SECS: u64 = 86_400;
/// The most payments one series makes.
pub const MOST_REPEATS: u64 = 10_000;

/// A repeated keysend's "every N seconds for M minutes": how many payments, how far apart.
pub fn check_series(every: &str, minutes: &str) -> Result<(u32, std::time::Duration), String> {
    let secs: u64 =
        every.trim().parse().ok().filter(|s| (1..=MOST_EVERY_SECS).contains(s)).ok_or("Repeat every: a whole number of seconds, from 1 to 86400 (one day)")?;
    let mins: u64 = minutes.trim().parse().ok().filter(|m| *m >= 1).ok_or("For: a whole number of minutes, at least 1")?;
    let count = mins
        .checked_mul(60)
        .map(|s| (s / secs).max(1))
        .filter(|n| *n <= MOST_REPEATS)
        .ok_or(format!("That makes more than {} payments: repeat less often, or for fewer minutes", crate::format::count(MOST_REPEATS)))?;
    Ok((count as u32, std::time::Duration::from_secs(secs)))
}

#[cfg(test)]
mod tests {
    use super::check_series;

    #[test]
    fn a_series_is_bounded_before_anything_is_sent() {
        assert_eq!(check_series("60", "10"), Ok((10, std::time::Duration::from_secs(60))));
        assert_eq!(check_series("600", "1"), Ok((1, std::time::Duration::from_secs(600))), "at least one payment");
        assert!(check_series("2592000", "525600").unwrap_err().contains("86400"), "a month apart would overflow the browser's timer");
        assert!(check_series("1", "71582789").unwrap_err().contains("more than 10,000 payments"));
        assert!(check_series("1", &u64::MAX.to_string()).is_err(), "no overflow");
        assert!(check_series("0", "5").is_err());
        assert!(check_series("5", "0").is_err());
    }

    use super::*;

    fn vectors() -> Vec<serde_json::Value> {
        serde_json::from_str(include_str!("../../tests/vectors/bolt11.json")).unwrap()
    }

    #[test]
    fn spec_requests_are_read_and_checked() {
        let v = &vectors()[1];
        let text = v["invoice"].as_str().unwrap();
        let ts = v["timestamp"].as_i64().unwrap();
        let c = check_request(&format!("lightning:{text}"), "mainnet", ts + 10).unwrap();
        assert_eq!(c.amount_msat, 250_000_000);
        assert_eq!(c.description, "1 cup coffee");
        assert!(check_request(text, "regtest", ts).unwrap_err().contains("your node runs on regtest"));
        assert!(check_request(text, "mainnet", ts + 100_000).unwrap_err().contains("expired"));
        assert_eq!(c.request, text);
        assert!(check_request("lnbc1garbage", "mainnet", ts).unwrap_err().starts_with("This is not a valid payment request"));
        let old = vectors().into_iter().find(|v| v["title"].as_str().unwrap().contains("`s` field")).unwrap();
        assert!(check_request(old["invoice"].as_str().unwrap(), "mainnet", 0).unwrap_err().contains("without a payment secret"));
        for bad in vectors().iter().filter(|v| v["kind"] == "invalid") {
            assert!(check_request(bad["invoice"].as_str().unwrap(), "", 0).is_err(), "{}", bad["title"]);
        }
    }

    #[test]
    fn part_counts_are_whole_and_bounded() {
        assert_eq!(check_max_parts(""), Ok(16));
        assert_eq!(check_max_parts(" 1 "), Ok(1));
        assert_eq!(check_max_parts("128"), Ok(128));
        for bad in ["0", "129", "2.5", "-3", "many"] {
            assert!(check_max_parts(bad).unwrap_err().starts_with("Parts: a whole number"), "{bad}");
        }
    }

    #[test]
    fn a_node_reading_that_differs_is_flagged() {
        let local = Checked {
            request: "lnbcrt1".into(),
            payment_hash: "aa".into(),
            destination: "02".into(),
            amount_msat: 5_000,
            expires_at: 100,
            description: "x".into(),
            route_hints: 0,
        };
        let node = pb::PayReq {
            payment_hash: "aa".into(),
            destination: "02".into(),
            num_msat: 5_000,
            timestamp: 40,
            expiry: 60,
            description: "x".into(),
            ..Default::default()
        };
        assert_eq!(compare(&local, &node), None);
        let other = pb::PayReq { num_msat: 50_000, destination: "03".into(), ..node };
        assert_eq!(compare(&local, &other).as_deref(), Some("destination, amount"));
    }

    #[test]
    fn fee_limits_default_to_one_percent_with_a_floor() {
        assert_eq!(default_fee_limit(100), 10);
        assert_eq!(default_fee_limit(250_000), 2_500);
    }
}
