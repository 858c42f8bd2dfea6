//! Anything a person may paste, scan or open to pay or be paid: BOLT 11 requests (with or
//! without `lightning:`), BIP 21/321 `bitcoin:` URIs (the unified QR), plain addresses,
//! Lightning Addresses (LUD-16), LNURLs (bech32 `lnurl1…`, LUD-17 `lnurlp://` and friends),
//! node URIs and lndconnect links. Read here, once, so every page agrees what a text is.

use super::amount::{self, Unit};

/// An on-chain payment: the address and what a BIP 21 URI asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnChain {
    pub address: String,
    pub amount_sat: Option<i64>,
    /// The URI's `message` or `label`, as written (shown as text).
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payable {
    /// A BOLT 11 request, without its scheme; `fallback` is the on-chain alternative a
    /// unified QR offered beside it.
    Lightning {
        request: String,
        fallback: Option<OnChain>,
    },
    OnChain(OnChain),
    /// An LNURL service to ask first (`url` passed [`check_service_url`]); `address` is the
    /// Lightning Address it came from, to show the user.
    Lnurl {
        url: String,
        address: Option<String>,
    },
    /// `pubkey@host:port`: for the peers and channel forms.
    Node(String),
    /// An `lndconnect://` link: for the connect form.
    Lndconnect(String),
}

const WHAT_WE_READ: &str =
    "Lightdeck cannot read this. Paste a payment request (lnbc…), a Lightning Address (name@domain), an LNURL, a bitcoin: link or a bitcoin address";

/// LUD-01 LNURLs are longer than BIP 173's 90 characters; its own example decodes up to
/// 2000, and the bech32 code itself carries at most 1023.
const LONGEST_LNURL: usize = 1023;

pub fn read(text: &str) -> Result<Payable, String> {
    read_nested(text, 0)
}

/// A payment can sit inside another (an LNURL in a `lightning:` link in a `bitcoin:` URI):
/// a few levels are real, more are an attack on the stack.
const DEEPEST: usize = 3;

fn read_nested(text: &str, depth: usize) -> Result<Payable, String> {
    if depth > DEEPEST {
        return Err(WHAT_WE_READ.into());
    }
    let text = text.trim();
    if text.is_empty() {
        return Err("Paste or scan something to pay: a payment request, a Lightning Address, an LNURL or a bitcoin address".into());
    }
    let lower = text.to_ascii_lowercase();
    if let Some(rest) = strip_scheme(text, &lower, "lightning:") {
        let rest = rest.trim_start_matches("//");
        return match read_nested(rest, depth + 1)? {
            p @ (Payable::Lightning { .. } | Payable::Lnurl { .. }) => Ok(p),
            _ => Err("A lightning: link carries a payment request or an LNURL, and this one has neither".into()),
        };
    }
    if let Some(rest) = strip_scheme(text, &lower, "bitcoin:") {
        return bip21(rest, depth);
    }
    if lower.starts_with("lndconnect:") {
        return Ok(Payable::Lndconnect(text.to_string()));
    }
    for scheme in ["lnurlp://", "lnurlw://", "lnurlc://", "keyauth://"] {
        if let Some(rest) = strip_scheme(text, &lower, scheme) {
            // LUD-17: the scheme stands for https, or http for an onion service.
            let host = authority(rest).map(|(h, _)| h).unwrap_or_default();
            let url = if host.ends_with(".onion") { format!("http://{rest}") } else { format!("https://{rest}") };
            return Ok(Payable::Lnurl { url: check_service_url(&url)?, address: None });
        }
    }
    if lower.starts_with("lnurl1") {
        return Ok(Payable::Lnurl { url: check_service_url(&decode_lnurl(text)?)?, address: None });
    }
    if lower.starts_with("https://") || lower.starts_with("http://") {
        // LUD-01's fallback: an LNURL riding in a web link as `?lightning=LNURL1…`.
        return match query(text).into_iter().find(|(k, _)| k.eq_ignore_ascii_case("lightning")) {
            Some((_, v)) if v.to_ascii_lowercase().starts_with("lnurl1") => read_nested(&v, depth + 1),
            _ => Err("This is a web link, not a payment. Open it in the browser if you trust it".into()),
        };
    }
    if let Some((user, host)) = text.split_once('@') {
        if user.len() == 66 && user.bytes().all(|b| b.is_ascii_hexdigit()) {
            let (key, host) = super::peer::parse_uri(text)?;
            return Ok(Payable::Node(format!("{key}@{host}")));
        }
        return lightning_address(user, host);
    }
    if ["lnbc", "lntb", "lnbcrt", "lnsb", "lntbs", "lntbt"].iter().any(|p| lower.starts_with(p)) {
        // Bech32 is read without regard to case; QR codes carry it in upper case, lnd and
        // the comparison with its decoding expect the canonical lower case.
        // Mixed case stays as it is, for the decoder to refuse (BIP 173).
        let request = if text.bytes().any(|b| b.is_ascii_lowercase()) { text.to_string() } else { lower };
        return Ok(Payable::Lightning { request, fallback: None });
    }
    if looks_like_address(text) {
        return Ok(Payable::OnChain(OnChain { address: text.to_string(), amount_sat: None, note: None }));
    }
    Err(WHAT_WE_READ.into())
}

/// The text after `scheme` when `lower` (the text in lower case) starts with it.
fn strip_scheme<'a>(text: &'a str, lower: &str, scheme: &str) -> Option<&'a str> {
    lower.starts_with(scheme).then(|| text.get(scheme.len()..)).flatten()
}

/// Whether the text has a bitcoin address's shape; `address::check` judges it for the
/// node's network when it is used.
fn looks_like_address(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let segwit = ["bc1", "tb1", "bcrt1", "sb1"].iter().any(|p| lower.starts_with(p));
    let base58 = text.len() >= 26 && text.len() <= 35 && text.starts_with(['1', '2', '3', 'm', 'n']);
    (segwit || base58) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// BIP 321 (which replaces BIP 21): `bitcoin:[address][?key=value&…]`. Keys are read
/// without regard to case; a `req-` key we do not understand makes the whole URI one we
/// must not pay.
fn bip21(rest: &str, depth: usize) -> Result<Payable, String> {
    let (address, _) = rest.split_once('?').unwrap_or((rest, ""));
    let address = percent_decode(address).ok_or("This bitcoin: link is damaged (a broken %-escape)")?;
    let mut amount_sat = None;
    let mut note = None;
    let mut lightning = None;
    for (key, value) in query(rest) {
        let key = key.to_ascii_lowercase();
        match key.as_str() {
            "amount" => {
                // BIP 321: decimal BTC with a dot, nothing else (a comma is not a thousands
                // separator here: "0,001" must not read as 1 BTC).
                let strict = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                let sats = if strict { amount::parse(&value, Unit::Btc) } else { Err("BIP 21 amounts are decimal BTC, like 0.001".into()) }
                    .map_err(|e| format!("The link's amount ({} BTC) cannot be read: {e}", crate::format::shown_text(&value)))?;
                amount_sat = Some(sats);
            }
            "lightning" => lightning = Some(value),
            "message" => note = Some(value),
            "label" if note.is_none() => note = Some(value),
            k if k.starts_with("req-") => {
                return Err(format!("This bitcoin: link requires \"{}\", which Lightdeck does not support, so it must not be paid", &key[4..]));
            }
            _ => {}
        }
    }
    let on_chain = (!address.is_empty()).then(|| OnChain { address: address.clone(), amount_sat, note });
    if let Some(ref a) = on_chain
        && !looks_like_address(&a.address)
    {
        return Err(format!("This bitcoin: link's address ({}) is not a bitcoin address", crate::format::shown_text(&a.address)));
    }
    match lightning {
        Some(l) => match read_nested(&l, depth + 1)? {
            Payable::Lightning { request, .. } => Ok(Payable::Lightning { request, fallback: on_chain }),
            lnurl @ Payable::Lnurl { .. } => Ok(lnurl),
            _ => Err("This bitcoin: link's lightning= part is not a payment request".into()),
        },
        None => on_chain.map(Payable::OnChain).ok_or_else(|| "This bitcoin: link has neither an address nor a payment request".into()),
    }
}

/// LUD-16: `name@domain` asks `https://domain/.well-known/lnurlp/name`. The name may carry
/// a `+tag` (LUD-16's later addition); `@domain` alone means the default name `_`.
fn lightning_address(user: &str, domain: &str) -> Result<Payable, String> {
    let user = if user.is_empty() { "_".to_string() } else { user.to_ascii_lowercase() };
    let domain = domain.to_ascii_lowercase();
    if !user.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.+".contains(&b)) {
        return Err("A Lightning Address is name@domain, and its name has only letters, digits and - _ . +".into());
    }
    let (host, _) = authority(&domain).ok_or("A Lightning Address is name@domain, like alice@example.com")?;
    if domain.contains(['/', '?', '#', '@', '\\']) || !host.contains('.') && !is_loopback(&host) {
        return Err("A Lightning Address is name@domain, like alice@example.com".into());
    }
    let scheme = if host.ends_with(".onion") || is_loopback(&host) { "http" } else { "https" };
    let url = check_service_url(&format!("{scheme}://{domain}/.well-known/lnurlp/{user}"))?;
    Ok(Payable::Lnurl { url, address: Some(format!("{user}@{domain}")) })
}

/// An LNURL's bech32 (`lnurl1…`, one case only) decoded to the URL it carries.
pub fn decode_lnurl(text: &str) -> Result<String, String> {
    if text.len() > LONGEST_LNURL {
        return Err("This LNURL is longer than any LNURL can be".into());
    }
    let (hrp, data) = bech32::decode(text).map_err(|_| "This LNURL has a typo: its checksum does not match".to_string())?;
    if !hrp.as_str().eq_ignore_ascii_case("lnurl") {
        return Err("This is not an LNURL".into());
    }
    String::from_utf8(data).map_err(|_| "This LNURL does not hold a web address".into())
}

/// The bech32 LNURL of `url`, in upper case as QR codes carry it.
pub fn encode_lnurl(url: &str) -> Option<String> {
    let hrp = bech32::Hrp::parse("lnurl").ok()?;
    bech32::encode_upper::<bech32::Bech32>(hrp, url.as_bytes()).ok()
}

/// A URL the app may ask an LNURL service at: https, or plain http only where browsers
/// treat it as secure (loopback) and LUD-01 allows it (onion services). Anything that
/// would need a login in the URL is refused too.
pub fn check_service_url(url: &str) -> Result<String, String> {
    let lower = url.to_ascii_lowercase();
    let (scheme, rest) = if let Some(r) = lower.strip_prefix("https://") {
        ("https", r)
    } else if let Some(r) = lower.strip_prefix("http://") {
        ("http", r)
    } else {
        return Err("An LNURL service must be a web address (https://…)".into());
    };
    let (host, userinfo) = authority(rest).ok_or("This LNURL service's address has no valid host and port")?;
    if userinfo {
        return Err("This LNURL service's address carries a login, which Lightdeck will not send".into());
    }
    if scheme == "http" && !is_loopback(&host) && !host.ends_with(".onion") {
        return Err(format!(
            "{} uses plain http, which anyone on the way could read or change; LNURL services must use https",
            crate::format::shown_text(&host)
        ));
    }
    if url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("This LNURL service's address is not a valid web address".into());
    }
    Ok(url.to_string())
}

/// The host of a URL (after its scheme), lower case, and whether a login precedes it; `None`
/// unless it is a plain host name or IP address. The authority ends where a browser's URL
/// parser ends it (a backslash is a slash in http URLs), so the host judged here is the
/// host the browser asks.
pub fn authority(after_scheme: &str) -> Option<(String, bool)> {
    let end = after_scheme.find(['/', '?', '#', '\\']).unwrap_or(after_scheme.len());
    let auth = &after_scheme[..end];
    let (userinfo, hostport) = match auth.rsplit_once('@') {
        Some((_, h)) => (true, h),
        None => (false, auth),
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (addr, after) = v6.split_once(']')?;
        (format!("[{addr}]"), after.strip_prefix(':').unwrap_or(after))
    } else {
        hostport.split_once(':').map_or((hostport.to_string(), ""), |(h, p)| (h.to_string(), p))
    };
    // A browser refuses a port that is not a number up to 65535; an empty one is the
    // scheme's default.
    let valid_port = port.is_empty() || (port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u32>().is_ok_and(|p| p <= 65_535));
    if !valid_port {
        return None;
    }
    let plain = if let Some(v6) = host.strip_prefix('[') {
        v6.len() > 1 && v6.trim_end_matches(']').bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    } else {
        !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    };
    plain.then(|| (host.to_ascii_lowercase(), userinfo))
}

/// The host of a full URL, as [`authority`] reads it.
pub fn host_of(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    authority(rest).map(|(h, _)| h)
}

/// Hosts browsers treat as this device: `localhost` names and 127.0.0.0/8 written as an IP
/// address (a name like `127.0.0.1.example.com` or `127.x.y.example` is a DNS name).
fn is_loopback(host: &str) -> bool {
    let ipv4 = host.split('.').map(|o| o.parse::<u8>().ok().filter(|_| !o.is_empty() && o.len() <= 3)).collect::<Option<Vec<_>>>();
    host == "localhost" || host.ends_with(".localhost") || host == "[::1]" || ipv4.is_some_and(|o| o.len() == 4 && o[0] == 127)
}

/// A URL's query as decoded pairs; a pair with a broken escape is left out.
pub fn query(url: &str) -> Vec<(String, String)> {
    let Some((_, q)) = url.split_once('?') else { return Vec::new() };
    let q = q.split('#').next().unwrap_or_default();
    q.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((percent_decode(&k.replace('+', " "))?, percent_decode(&v.replace('+', " "))?))
        })
        .collect()
}

/// `%xx` escapes decoded; `None` when one is broken or the result is not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Text escaped for a URL's query value (RFC 3986's unreserved characters kept).
pub fn percent_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: &str = "lnbcrt10u1pjexample";
    const KEY: &str = "02bbe32aa3be2293be219ef45acd7e4489c04e1a77e7a93f333d9318a5ab0e8860";

    fn lnurl(url: &str, address: Option<&str>) -> Result<Payable, String> {
        Ok(Payable::Lnurl { url: url.into(), address: address.map(str::to_string) })
    }

    #[test]
    fn requests_with_or_without_their_scheme() {
        let plain = Ok(Payable::Lightning { request: REQUEST.into(), fallback: None });
        assert_eq!(read(REQUEST), plain);
        assert_eq!(read(&format!(" lightning:{REQUEST}\n")), plain);
        assert_eq!(read(&format!("LIGHTNING:{}", REQUEST.to_uppercase())), plain, "QR codes carry requests in upper case");
    }

    #[test]
    fn unified_qr_offers_lightning_with_the_address_as_fallback() {
        let uri =
            format!("bitcoin:BCRT1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KYGT080?AMOUNT=0.0001&Lightning={}&message=Coffee%20%26%20cake", REQUEST.to_uppercase());
        let fallback = OnChain { address: "BCRT1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KYGT080".into(), amount_sat: Some(10_000), note: Some("Coffee & cake".into()) };
        assert_eq!(read(&uri), Ok(Payable::Lightning { request: REQUEST.into(), fallback: Some(fallback) }));
        assert_eq!(read(&format!("bitcoin:?lightning={REQUEST}")), Ok(Payable::Lightning { request: REQUEST.into(), fallback: None }), "BIP 321: no address");
        assert_eq!(
            read("bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=1.5&label=Rent"),
            Ok(Payable::OnChain(OnChain { address: "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2".into(), amount_sat: Some(150_000_000), note: Some("Rent".into()) }))
        );
    }

    #[test]
    fn links_we_must_not_pay_say_why() {
        assert!(read("bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?req-pop=x").unwrap_err().contains("requires \"pop\""));
        assert!(read("bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=0.1.2").unwrap_err().contains("amount"));
        assert!(read("bitcoin:?message=hi").unwrap_err().contains("neither"));
        assert!(read("bitcoin:hello?amount=1").unwrap_err().contains("not a bitcoin address"));
        assert!(read("bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=0,001").unwrap_err().contains("decimal BTC"), "not 1 BTC");
        assert!(read("bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=1_000").is_err());
        assert!(read(&"lightning:".repeat(100_000)).is_err(), "nesting is bounded");
        assert!(read("lightning:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2").is_err());
        assert!(read("https://example.com/page").unwrap_err().contains("web link"));
        assert!(read("hello").unwrap_err().contains("cannot read"));
        assert!(read("").is_err());
    }

    #[test]
    fn lightning_addresses_ask_their_domain() {
        assert_eq!(read("Alice@Example.com"), lnurl("https://example.com/.well-known/lnurlp/alice", Some("alice@example.com")));
        assert_eq!(read("bob+tip@pay.example.org"), lnurl("https://pay.example.org/.well-known/lnurlp/bob+tip", Some("bob+tip@pay.example.org")));
        assert_eq!(read("@example.com"), lnurl("https://example.com/.well-known/lnurlp/_", Some("_@example.com")));
        assert_eq!(read("shop@127.0.0.1:8090"), lnurl("http://127.0.0.1:8090/.well-known/lnurlp/shop", Some("shop@127.0.0.1:8090")), "loopback over http");
        assert_eq!(read("x@abcdef.onion"), lnurl("http://abcdef.onion/.well-known/lnurlp/x", Some("x@abcdef.onion")));
        assert!(read("al ice@example.com").unwrap_err().contains("letters"));
        assert!(read("alice@example.com/evil").is_err());
        assert!(read("alice@nodots").is_err());
    }

    #[test]
    fn node_uris_are_not_lightning_addresses() {
        assert_eq!(read(&format!("{KEY}@127.0.0.1:9735")), Ok(Payable::Node(format!("{KEY}@127.0.0.1:9735"))));
        assert_eq!(read("lndconnect://host:10009?macaroon=x"), Ok(Payable::Lndconnect("lndconnect://host:10009?macaroon=x".into())));
    }

    #[test]
    fn lnurls_in_every_spelling() {
        let url = "https://service.example/lnurlp/abc?tag=payRequest";
        let bech = encode_lnurl(url).expect("encodes");
        assert_eq!(read(&bech), lnurl(url, None));
        assert_eq!(read(&bech.to_lowercase()), lnurl(url, None));
        assert_eq!(read(&format!("lightning:{bech}")), lnurl(url, None));
        assert_eq!(read(&format!("https://service.example/pay?lightning={bech}")), lnurl(url, None), "LUD-01's fallback link");
        assert_eq!(read("lnurlp://service.example/lnurlp/abc"), lnurl("https://service.example/lnurlp/abc", None));
        assert_eq!(read("lnurlw://abcdef.onion/w"), lnurl("http://abcdef.onion/w", None));
        let mut typo = bech.clone();
        typo.replace_range(10..11, if &bech[10..11] == "Q" { "P" } else { "Q" });
        assert!(read(&typo).unwrap_err().contains("typo"));
    }

    #[test]
    fn plain_http_only_on_loopback_and_onion() {
        let http = encode_lnurl("http://service.example/lnurlp").expect("encodes");
        assert!(read(&http).unwrap_err().contains("plain http"));
        assert!(check_service_url("http://127.0.0.1:8090/x").is_ok());
        assert!(check_service_url("http://localhost/x").is_ok());
        assert!(check_service_url("http://[::1]:80/x").is_ok());
        assert!(check_service_url("http://127.0.0.1.example.com/x").is_err(), "a name that only starts like loopback");
        assert!(check_service_url("http://127.evil.example.com/x").is_err(), "127.a.b.c with names is DNS, not loopback");
        assert!(check_service_url("http://evil.com\\.localhost/x").is_err(), "a browser asks evil.com: a backslash ends the host");
        assert!(check_service_url("http://evil.com%2elocalhost/x").is_err());
        assert!(read("x@evil.com\\.localhost").is_err());
        assert!(read("x@127.evil.example.com").map_or(true, |p| matches!(p, Payable::Lnurl { url, .. } if url.starts_with("https://"))));
        assert!(check_service_url("https://user:pw@example.com/x").unwrap_err().contains("login"));
        assert!(check_service_url("ftp://example.com").is_err());
        assert!(check_service_url("javascript:alert(1)").is_err());
        // Ports as a browser reads them: empty is the default, anything but 0..=65535 fails.
        assert_eq!(host_of("https://s.example:/x").as_deref(), Some("s.example"));
        assert_eq!(host_of("https://[::1]:8080/x").as_deref(), Some("[::1]"));
        for bad in ["https://s.example:65536/x", "https://s.example:8o/x", "https://s.example:-1/x", "https://[::1]x/"] {
            assert!(check_service_url(bad).unwrap_err().contains("valid host and port"), "{bad}");
        }
    }

    #[test]
    fn plain_addresses_go_on_chain() {
        assert_eq!(
            read("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"),
            Ok(Payable::OnChain(OnChain { address: "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080".into(), amount_sat: None, note: None }))
        );
    }

    #[test]
    fn escapes_round_trip() {
        for s in ["a b&c=d", "née 🎉", "100%", ""] {
            assert_eq!(percent_decode(&percent_encode(s)).as_deref(), Some(s));
        }
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%e2"), None, "not UTF-8");
    }
}
