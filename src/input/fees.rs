//! A channel's routing policy as typed: lnd's units (base fee in millisatoshis, rate in
//! parts per million, time-lock delta in blocks) and its limits.

/// lnd refuses smaller time-lock deltas (`routing.MinCLTVDelta`).
pub const MIN_TIME_LOCK_DELTA: u32 = 18;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub base_fee_msat: i64,
    pub fee_rate_ppm: u32,
    pub time_lock_delta: u32,
}

fn whole(text: &str, field: &str, max: u64) -> Result<u64, String> {
    let t = text.trim().replace([',', '_', ' '], "");
    match t.parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(format!("{field}: at most {max}")),
        Err(_) if t.is_empty() => Err(format!("{field}: enter a number")),
        Err(_) => Err(format!("{field}: a whole number, 0 or more")),
    }
}

pub fn check_policy(base_fee_msat: &str, fee_rate_ppm: &str, time_lock_delta: &str) -> Result<Policy, String> {
    let base = whole(base_fee_msat, "Base fee (msat)", u32::MAX as u64)?;
    let rate = whole(fee_rate_ppm, "Fee rate (ppm)", 1_000_000)?;
    let delta = whole(time_lock_delta, "Time-lock delta", u16::MAX as u64)?;
    if delta < MIN_TIME_LOCK_DELTA as u64 {
        return Err(format!("Time-lock delta: at least {MIN_TIME_LOCK_DELTA} blocks (lnd refuses less)"));
    }
    Ok(Policy { base_fee_msat: base as i64, fee_rate_ppm: rate as u32, time_lock_delta: delta as u32 })
}

/// The fee a policy charges for forwarding `sats`, in millisatoshis.
pub fn fee_msat(p: &Policy, sats: i64) -> i64 {
    p.base_fee_msat + sats * 1000 * p.fee_rate_ppm as i64 / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_checked_in_lnds_units() {
        assert_eq!(check_policy("1,000", "250", "40"), Ok(Policy { base_fee_msat: 1_000, fee_rate_ppm: 250, time_lock_delta: 40 }));
        assert_eq!(check_policy("0", "0", "18").unwrap().time_lock_delta, 18);
        assert!(check_policy("1000", "1", "17").unwrap_err().contains("at least 18"));
        assert!(check_policy("-1", "1", "40").unwrap_err().starts_with("Base fee"));
        assert!(check_policy("1", "0.5", "40").unwrap_err().starts_with("Fee rate (ppm): a whole number"));
        assert!(check_policy("1", "2000000", "40").unwrap_err().contains("at most 1000000"));
        assert!(check_policy("1", "1", "").unwrap_err().contains("enter a number"));
    }

    #[test]
    fn the_fee_for_an_amount() {
        let p = Policy { base_fee_msat: 1_000, fee_rate_ppm: 500, time_lock_delta: 40 };
        assert_eq!(fee_msat(&p, 100_000), 1_000 + 50_000);
    }
}
