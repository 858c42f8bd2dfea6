//! Amounts as people type them, in sat or BTC, parsed exactly (no floating point).

/// How amounts are typed and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Sat,
    Btc,
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Unit::Sat => "sat",
            Unit::Btc => "BTC",
        }
    }
}

const SAT_PER_BTC: i64 = 100_000_000;
/// No amount can exceed all bitcoin there will ever be.
pub const MAX_SATS: i64 = 21_000_000 * SAT_PER_BTC;

/// Parses a positive amount: sat as a whole number (thousands separators allowed), BTC
/// with at most 8 decimals.
pub fn parse(text: &str, unit: Unit) -> Result<i64, String> {
    let t: String = text.trim().chars().filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}')).collect();
    if t.is_empty() {
        return Err("Enter an amount".into());
    }
    let sats = match unit {
        Unit::Sat => {
            if !t.chars().all(|c| c.is_ascii_digit()) {
                return Err("Amounts in sat are whole numbers".into());
            }
            t.parse::<i64>().map_err(|_| "That amount is too large".to_string())?
        }
        Unit::Btc => {
            let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
            if whole.is_empty() && frac.is_empty() || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
                return Err("Enter BTC as a number, like 0.0005".into());
            }
            if frac.len() > 8 {
                return Err("BTC has at most 8 decimals (1 sat = 0.00000001 BTC)".into());
            }
            let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "That amount is too large".to_string())? };
            let frac: i64 = format!("{frac:0<8}").parse().expect("8 digits");
            whole.checked_mul(SAT_PER_BTC).and_then(|w| w.checked_add(frac)).ok_or("That amount is too large")?
        }
    };
    if sats == 0 {
        return Err("The amount must be more than zero".into());
    }
    if sats > MAX_SATS {
        return Err("That is more than 21 million BTC".into());
    }
    Ok(sats)
}

/// An amount as a person would type it in `unit` (what [`parse`] reads back).
pub fn typed(sats: i64, unit: Unit) -> String {
    match unit {
        Unit::Sat => sats.to_string(),
        Unit::Btc => format!("{}.{:08}", sats / SAT_PER_BTC, (sats % SAT_PER_BTC).abs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sats_and_btc_parse_exactly() {
        assert_eq!(parse("100,000", Unit::Sat), Ok(100_000));
        assert_eq!(parse(" 1 000 ", Unit::Sat), Ok(1_000));
        assert_eq!(parse("0.1", Unit::Btc), Ok(10_000_000));
        // 0.1 + 0.2 is not 0.30000000000000004 here.
        assert_eq!(parse("0.3", Unit::Btc), Ok(30_000_000));
        assert_eq!(parse("0.00000001", Unit::Btc), Ok(1));
        assert_eq!(parse(".5", Unit::Btc), Ok(50_000_000));
        assert_eq!(parse("21000000", Unit::Btc), Ok(MAX_SATS));
    }

    #[test]
    fn bad_amounts_say_why() {
        assert!(parse("", Unit::Sat).is_err());
        assert!(parse("1.5", Unit::Sat).unwrap_err().contains("whole"));
        assert!(parse("0.000000001", Unit::Btc).unwrap_err().contains("8 decimals"));
        assert!(parse("0", Unit::Btc).unwrap_err().contains("more than zero"));
        assert!(parse("21000000.00000001", Unit::Btc).unwrap_err().contains("21 million"));
        assert!(parse("-5", Unit::Sat).is_err());
        assert!(parse("1e5", Unit::Btc).is_err());
        assert!(parse("99999999999999999999", Unit::Sat).unwrap_err().contains("too large"));
    }

    #[test]
    fn typed_amounts_read_back() {
        for sats in [1, 546, 100_000_000, 123_456_789, MAX_SATS] {
            for unit in [Unit::Sat, Unit::Btc] {
                assert_eq!(parse(&typed(sats, unit), unit), Ok(sats));
            }
        }
    }
}
