//! Values as people read them.

pub mod htlc;

/// 1234567 → "1,234,567".
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// 1 → "1 channel", 1200 → "1,200 channels" (English plurals in -s).
pub fn counted(n: u64, noun: &str) -> String {
    format!("{} {noun}{}", count(n), if n == 1 { "" } else { "s" })
}

/// An amount in the chosen unit: "1,234,567 sat" or "0.01234567 BTC"; negative amounts
/// keep their sign.
pub fn amount(sats: i64, unit: crate::input::amount::Unit) -> String {
    let sign = if sats < 0 { "-" } else { "" };
    let abs = sats.unsigned_abs();
    match unit {
        crate::input::amount::Unit::Sat => format!("{sign}{} sat", count(abs)),
        crate::input::amount::Unit::Btc => format!("{sign}{}.{:08} BTC", count(abs / 100_000_000), abs % 100_000_000),
    }
}

/// Millisatoshi (fees, forwarded amounts): whole sats as `amount` shows them, and the
/// thousandths of a sat where there are any, so a fee of 2.5 sat is not shown as 2 beside
/// a balance that dropped by 3. Every fee on every page goes through here.
pub fn msat(msat: i64, unit: crate::input::amount::Unit) -> String {
    let (sign, abs) = (if msat < 0 { "-" } else { "" }, msat.unsigned_abs());
    let (sats, thousandths) = (abs / 1000, abs % 1000);
    if thousandths == 0 {
        return format!("{sign}{}", amount(sats as i64, unit));
    }
    let fraction = format!("{thousandths:03}");
    let fraction = fraction.trim_end_matches('0');
    match unit {
        crate::input::amount::Unit::Sat => format!("{sign}{}.{fraction} sat", count(sats)),
        crate::input::amount::Unit::Btc => format!("{sign}{}.{:08}{fraction} BTC", count(sats / 100_000_000), sats % 100_000_000),
    }
}

/// At most `most` bytes of `s`, cut at a character boundary.
pub fn cut_to_bytes(s: &str, most: usize) -> String {
    let mut end = s.len().min(most);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// How long ago `then` was, from `now` (unix seconds), in the largest whole unit.
pub fn ago(then: i64, now: i64) -> String {
    let s = (now - then).max(0);
    match s {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86_399 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

/// Text a node or a payee wrote (aliases, descriptions), as the page shows it: characters
/// that reorder or hide what follows (bidi overrides, embeddings and isolates,
/// zero-width spaces) and control characters are shown as "�", so "alice" cannot be faked
/// with invisible ones or made to read backwards. Joiners stay, since emoji need them; new
/// lines and tabs become spaces. Comparisons use the text as received, never this.
pub fn shown_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => ' ',
            '\u{200d}' | '\u{200c}' => c,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}' | '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2060}' | '\u{feff}' => '\u{fffd}',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// A long identifier shortened for narrow screens: first and last `keep` characters.
pub fn middle_ellipsis(s: &str, keep: usize) -> String {
    if s.chars().count() <= keep * 2 + 1 {
        return s.to_string();
    }
    let head: String = s.chars().take(keep).collect();
    let tail: String = s.chars().rev().take(keep).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{head}…{tail}")
}

/// A transaction id from lnd's `bytes` fields (internal byte order) as people and block
/// explorers show it: the bytes reversed, in hex.
pub fn txid_from_bytes(bytes: &[u8]) -> String {
    bytes.iter().rev().map(|b| format!("{b:02x}")).collect()
}

/// A span of seconds in its largest whole unit: "45 s", "12 min", "3 h", "2 days".
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3_600 => format!("{} min", s / 60),
        3_600..172_800 => format!("{} h", s / 3_600),
        _ => format!("{} days", s / 86_400),
    }
}

/// A channel point as "txid:index", the txid in display order whichever form lnd sent.
pub fn channel_point(cp: &lnrpc::lnrpc::ChannelPoint) -> String {
    use lnrpc::lnrpc::channel_point::FundingTxid;
    let txid = match &cp.funding_txid {
        Some(FundingTxid::FundingTxidBytes(b)) => txid_from_bytes(b),
        Some(FundingTxid::FundingTxidStr(s)) => s.clone(),
        None => String::new(),
    };
    format!("{txid}:{}", cp.output_index)
}

/// A short channel id as operators read it: funding block × transaction index × output.
pub fn short_channel_id(id: u64) -> String {
    format!("{}x{}x{}", id >> 40, (id >> 16) & 0xff_ffff, id & 0xffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cut_to_bytes_keeps_whole_characters() {
        assert_eq!(cut_to_bytes("héllo", 2), "h");
        assert_eq!(cut_to_bytes("héllo", 3), "hé");
        assert_eq!(cut_to_bytes("abc", 10), "abc");
        assert_eq!(cut_to_bytes("🎉", 3), "");
    }

    #[test]
    fn network_text_cannot_hide_or_reorder() {
        assert_eq!(shown_text("\u{202e}ecila"), "\u{fffd}ecila");
        assert_eq!(shown_text("al\u{200b}ice\u{7}"), "al\u{fffd}ice\u{fffd}");
        assert_eq!(shown_text("two\nlines"), "two lines");
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(shown_text(family), family);
        assert_eq!(shown_text("café ☕ مرحبا"), "café ☕ مرحبا");
    }

    #[test]
    fn millisatoshi_show_their_fraction_of_a_sat() {
        use crate::input::amount::Unit;
        assert_eq!(msat(2_000, Unit::Sat), "2 sat");
        assert_eq!(msat(2_500, Unit::Sat), "2.5 sat");
        assert_eq!(msat(1_234_567, Unit::Sat), "1,234.567 sat");
        assert_eq!(msat(7, Unit::Sat), "0.007 sat");
        assert_eq!(msat(-1_010, Unit::Sat), "-1.01 sat");
        assert_eq!(msat(2_500, Unit::Btc), "0.000000025 BTC");
        assert_eq!(msat(100_000_000_000, Unit::Btc), "1.00000000 BTC");
        assert_eq!(msat(0, Unit::Sat), "0 sat");
    }

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(21_000_000 * 100_000_000), "2,100,000,000,000,000");
    }

    #[test]
    fn counted_nouns_agree() {
        assert_eq!(counted(1, "channel"), "1 channel");
        assert_eq!(counted(0, "node"), "0 nodes");
        assert_eq!(counted(1200, "hop"), "1,200 hops");
    }

    #[test]
    fn amounts_in_either_unit() {
        use crate::input::amount::Unit;
        assert_eq!(amount(1_234_567, Unit::Sat), "1,234,567 sat");
        assert_eq!(amount(1_234_567, Unit::Btc), "0.01234567 BTC");
        assert_eq!(amount(-250_000, Unit::Sat), "-250,000 sat");
        assert_eq!(amount(2_100_000_000_000_000, Unit::Btc), "21,000,000.00000000 BTC");
    }

    #[test]
    fn ages_use_the_largest_unit() {
        assert_eq!(ago(100, 130), "just now");
        assert_eq!(ago(0, 125), "2 min ago");
        assert_eq!(ago(0, 7200), "2 h ago");
        assert_eq!(ago(0, 3 * 86_400), "3 days ago");
        assert_eq!(ago(200, 100), "just now", "a clock ahead of ours is not the future");
    }

    #[test]
    fn txids_from_lnd_bytes_are_reversed() {
        assert_eq!(txid_from_bytes(&[0x01, 0x02, 0xab]), "ab0201");
    }

    #[test]
    fn durations_use_the_largest_unit() {
        assert_eq!(duration(59), "59 s");
        assert_eq!(duration(3_599), "59 min");
        assert_eq!(duration(86_400), "24 h");
        assert_eq!(duration(604_800), "7 days");
    }

    #[test]
    fn short_channel_ids_split_into_block_tx_output() {
        assert_eq!(short_channel_id((700_000u64 << 40) | (1_234 << 16) | 1), "700000x1234x1");
    }

    #[test]
    fn ellipsis_keeps_both_ends() {
        assert_eq!(middle_ellipsis("0123456789abcdef", 4), "0123…cdef");
        assert_eq!(middle_ellipsis("short", 4), "short");
    }
}
