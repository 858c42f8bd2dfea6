//! Opening a channel: the amounts lnd will accept, checked before anything is asked of it.

use super::amount::Unit;
use crate::format::amount;

/// lnd's smallest channel (`funding.MinChanFundingSize`).
pub const MIN_CHANNEL: i64 = 20_000;
/// lnd's largest channel unless both peers allow wumbo channels.
pub const MAX_CHANNEL: i64 = 16_777_215;

/// Checks a channel's size and the amount given to the peer against lnd's limits and the
/// confirmed on-chain balance that will fund it.
pub fn check_open(capacity: i64, push: i64, confirmed: i64, unit: Unit) -> Result<(), String> {
    if capacity < MIN_CHANNEL {
        return Err(format!("A channel holds at least {}", amount(MIN_CHANNEL, unit)));
    }
    if capacity > MAX_CHANNEL {
        return Err(format!("A channel holds at most {} unless both nodes allow large channels", amount(MAX_CHANNEL, unit)));
    }
    if capacity > confirmed {
        return Err(format!("Your confirmed on-chain balance is {}; the channel and its funding fee must fit in it", amount(confirmed.max(0), unit)));
    }
    if push < 0 || push >= capacity {
        return Err("The amount given to the peer must be less than the channel's size".into());
    }
    Ok(())
}

/// A fee rate in sat/vB as typed; empty means "let lnd estimate" (0).
pub fn fee_rate(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    t.parse::<u64>().ok().filter(|r| *r >= 1).ok_or_else(|| "The fee rate is a whole number of sat/vB, at least 1".to_string())
}

/// lnd's "txid:index" channel point, read strictly: a close or a policy change must
/// name exactly the output lnd named, never a guessed one.
pub fn channel_point(text: &str) -> Option<(String, u32)> {
    let (txid, index) = text.rsplit_once(':')?;
    (txid.len() == 64 && txid.bytes().all(|b| b.is_ascii_hexdigit()) && index.bytes().all(|b| b.is_ascii_digit())).then_some(())?;
    Some((txid.to_string(), index.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::channel_point;

    #[test]
    fn channel_points_are_read_exactly_or_not_at_all() {
        let txid = "ab".repeat(32);
        assert_eq!(channel_point(&format!("{txid}:1")), Some((txid.clone(), 1)));
        for bad in [
            format!("{txid}:"),
            format!("{txid}:x"),
            format!("{txid}:4294967296"),
            format!("{txid}:-1"),
            format!("{txid}:+1"),
            "abcd:0".into(),
            txid.clone(),
            String::new(),
        ] {
            assert_eq!(channel_point(&bad), None, "{bad:?}");
        }
    }

    use super::*;

    #[test]
    fn fee_rates_are_whole_and_positive_or_left_to_lnd() {
        assert_eq!(fee_rate(" "), Ok(0));
        assert_eq!(fee_rate("12"), Ok(12));
        assert!(fee_rate("0").is_err() && fee_rate("1.5").is_err());
    }

    #[test]
    fn sizes_follow_lnds_limits_and_the_balance() {
        assert!(check_open(20_000, 0, 1_000_000, Unit::Sat).is_ok());
        assert_eq!(check_open(19_999, 0, 1_000_000, Unit::Sat).unwrap_err(), "A channel holds at least 20,000 sat");
        assert!(check_open(MAX_CHANNEL + 1, 0, i64::MAX, Unit::Btc).unwrap_err().contains("at most 0.16777215 BTC"));
        assert!(check_open(500_000, 0, 400_000, Unit::Sat).unwrap_err().contains("400,000 sat"));
        assert!(check_open(500_000, 500_000, 1_000_000, Unit::Sat).is_err(), "giving everything away is refused");
        assert!(check_open(500_000, 499_999, 1_000_000, Unit::Sat).is_ok());
    }
}
