//! LNURL services as a wallet meets them (LUD-01, -03, -06, -09, -10, -12, -16): what a
//! service's answers mean, read strictly, and the calls to make back. No UI here and no
//! network but `fetch` (browser only): every answer is outside input, so nothing in it can
//! panic, and its text is only ever shown as text.

#[cfg(target_arch = "wasm32")]
pub mod fetch;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::input::payable::{check_service_url, host_of, percent_encode};

/// LUD-09's limit for a message or a URL's description; longer text is cut, not refused.
const SHORT_TEXT: usize = 144;

/// A LUD-06 pay request: what the service accepts and where to ask for the invoice.
#[derive(Debug, Clone, PartialEq)]
pub struct PayRequest {
    pub callback: String,
    pub min_msat: u64,
    pub max_msat: u64,
    /// The `text/plain` entry of the metadata.
    pub description: String,
    pub long_description: Option<String>,
    /// `text/identifier` (or `text/email`): the Lightning Address the service says it is.
    pub identifier: Option<String>,
    /// The longest comment the service takes (LUD-12); 0 takes none.
    pub comment_allowed: usize,
    /// Whom the user is paying, as the browser can vouch for it: the host asked.
    pub domain: String,
}

/// A LUD-03 withdraw request: the service pays an invoice of ours.
#[derive(Debug, Clone, PartialEq)]
pub struct WithdrawRequest {
    pub callback: String,
    pub k1: String,
    pub default_description: String,
    pub min_msat: u64,
    pub max_msat: u64,
    pub domain: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Service {
    Pay(PayRequest),
    Withdraw(WithdrawRequest),
}

/// LUD-09/10: what to show once the payment went through.
#[derive(Debug, Clone, PartialEq)]
pub enum SuccessAction {
    Message(String),
    Url {
        description: String,
        url: String,
    },
    /// Decrypted with the payment's preimage (AES-256-CBC) once paid.
    Aes {
        description: String,
        ciphertext: Vec<u8>,
        iv: [u8; 16],
    },
}

/// The callback's answer: the invoice to pay and what to show after.
#[derive(Debug, Clone, PartialEq)]
pub struct PayAnswer {
    pub request: String,
    pub success: Option<SuccessAction>,
}

/// One JSON value as LNURL answers use them: text, a whole number, or anything else (read
/// and dropped). Services write msat amounts as numbers or as strings, and metadata entries
/// may hold any JSON; a `Value` tree would read the same at twice the code in the app.
#[derive(Debug, Default, Clone, PartialEq)]
enum Loose {
    Text(String),
    Number(u64),
    #[default]
    Other,
}

impl Loose {
    fn text(&self) -> Option<&str> {
        match self {
            Loose::Text(t) => Some(t),
            _ => None,
        }
    }

    fn number(&self) -> Option<u64> {
        match self {
            Loose::Number(n) => Some(*n),
            Loose::Text(t) => t.parse().ok(),
            Loose::Other => None,
        }
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Loose;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
                Ok(Loose::Text(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
                Ok(Loose::Number(v))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            fn visit_unit<E>(self) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// Every field any LNURL answer has, as each is read: unknown ones are ignored, and a
/// field of the wrong kind reads as absent.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Answer {
    status: Loose,
    reason: Loose,
    tag: Loose,
    callback: Loose,
    min_sendable: Loose,
    max_sendable: Loose,
    metadata: Loose,
    comment_allowed: Loose,
    k1: Loose,
    default_description: Loose,
    min_withdrawable: Loose,
    max_withdrawable: Loose,
    pr: Loose,
    success_action: Option<Action>,
    payer_data: Option<std::collections::BTreeMap<String, PayerKind>>,
}

/// LUD-18: a detail about the payer the service asks for, and whether it insists.
#[derive(Deserialize, Default)]
#[serde(default)]
struct PayerKind {
    mandatory: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Action {
    tag: Loose,
    message: Loose,
    description: Loose,
    url: Loose,
    ciphertext: Loose,
    iv: Loose,
}

fn json(body: &[u8]) -> Result<Answer, String> {
    let a: Answer = serde_json::from_slice(body).map_err(|_| "The service's answer is not LNURL (not a JSON object). Check the link or address".to_string())?;
    if a.status.text().is_some_and(|s| s.eq_ignore_ascii_case("ERROR")) {
        let reason = a.reason.text().unwrap_or("no reason given");
        return Err(format!("The service refused: {}", crate::format::shown_text(reason)));
    }
    Ok(a)
}

fn text_field(v: &Loose, key: &str) -> Result<String, String> {
    v.text().map(str::to_string).ok_or_else(|| format!("The service's answer has no {key}; it is not a valid LNURL service"))
}

fn msat_field(v: &Loose, key: &str) -> Result<u64, String> {
    v.number().ok_or_else(|| format!("The service's answer has no valid {key}; it is not a valid LNURL service"))
}

fn checked_callback(v: &Loose) -> Result<String, String> {
    let callback = text_field(v, "callback")?;
    check_service_url(&callback).map_err(|e| format!("The service's callback cannot be used: {e}"))
}

/// The service's first answer to `asked` (the URL the user gave or the address led to).
pub fn read_service(asked: &str, body: &[u8]) -> Result<Service, String> {
    let v = json(body)?;
    let domain = host_of(asked).unwrap_or_default();
    match v.tag.text() {
        Some("payRequest") => {
            let callback = checked_callback(&v.callback)?;
            let (min_msat, max_msat) = (msat_field(&v.min_sendable, "minSendable")?, msat_field(&v.max_sendable, "maxSendable")?);
            if min_msat == 0 || min_msat > max_msat {
                return Err("The service's amounts make no sense (its minimum is above its maximum, or zero)".into());
            }
            let metadata = text_field(&v.metadata, "metadata")?;
            let entries: Vec<Vec<Loose>> =
                serde_json::from_str(&metadata).map_err(|_| "The service's metadata is not the JSON list LUD-06 asks for".to_string())?;
            let entry = |kind: &str| entries.iter().find_map(|e| (e.first()?.text()? == kind).then(|| e.get(1)?.text().map(str::to_string)).flatten());
            let description = entry("text/plain").ok_or("The service's metadata has no description (text/plain), which LUD-06 requires")?;
            let comment_allowed = v.comment_allowed.number().unwrap_or(0).min(2000) as usize;
            // LUD-18: a wallet that cannot give a detail the service insists on must not pay.
            // Lightdeck sends none (the node's identity is not the user's to hand out).
            if let Some(kind) = v.payer_data.iter().flatten().find(|(_, k)| k.mandatory).map(|(kind, _)| kind) {
                return Err(format!(
                    "This service insists on knowing your {} (LUD-18), which Lightdeck does not send; pay it from a wallet you are willing to share that with",
                    crate::format::shown_text(kind)
                ));
            }
            Ok(Service::Pay(PayRequest {
                callback,
                min_msat,
                max_msat,
                description,
                long_description: entry("text/long-desc"),
                identifier: entry("text/identifier").or_else(|| entry("text/email")),
                comment_allowed,
                domain,
            }))
        }
        Some("withdrawRequest") => {
            let callback = checked_callback(&v.callback)?;
            let (min_msat, max_msat) = (msat_field(&v.min_withdrawable, "minWithdrawable")?, msat_field(&v.max_withdrawable, "maxWithdrawable")?);
            if min_msat > max_msat || max_msat == 0 {
                return Err("The service's amounts make no sense (its minimum is above its maximum)".into());
            }
            Ok(Service::Withdraw(WithdrawRequest {
                callback,
                k1: text_field(&v.k1, "k1")?,
                default_description: v.default_description.text().unwrap_or_default().to_string(),
                min_msat,
                max_msat,
                domain,
            }))
        }
        Some(other) => Err(format!("This LNURL is for \"{}\", which Lightdeck does not do yet (it pays and withdraws)", crate::format::shown_text(other))),
        None => Err("The service's answer has no tag; it is not a valid LNURL service".into()),
    }
}

/// `url` with one more query parameter.
fn with_param(url: &str, key: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{key}={}", percent_encode(value))
}

/// The sat amounts a pay request allows: msat bounds rounded inwards to whole sats.
pub fn sat_range(min_msat: u64, max_msat: u64) -> (u64, u64) {
    (min_msat.div_ceil(1000), max_msat / 1000)
}

/// The callback for paying `msat` with `comment`, refused before it is asked when the
/// service would refuse it.
pub fn pay_callback(pay: &PayRequest, msat: u64, comment: &str) -> Result<String, String> {
    if msat < pay.min_msat || msat > pay.max_msat {
        let (lo, hi) = sat_range(pay.min_msat, pay.max_msat);
        return Err(format!("{} takes from {} to {} sat", crate::format::shown_text(&pay.domain), crate::format::count(lo), crate::format::count(hi)));
    }
    let comment = comment.trim();
    let chars = comment.chars().count();
    if chars > pay.comment_allowed {
        return Err(if pay.comment_allowed == 0 {
            "This service takes no comment; leave it empty".into()
        } else {
            format!("This service takes comments of at most {} characters (this one has {chars})", pay.comment_allowed)
        });
    }
    let url = with_param(&pay.callback, "amount", &msat.to_string());
    Ok(if comment.is_empty() { url } else { with_param(&url, "comment", comment) })
}

fn short(text: &str) -> String {
    text.chars().take(SHORT_TEXT).collect()
}

/// The callback's answer. The invoice's amount is the caller's to check against the amount
/// asked, with its own decode (LUD-06: a wallet must check it).
pub fn read_pay_answer(pay: &PayRequest, body: &[u8]) -> Result<PayAnswer, String> {
    let v = json(body)?;
    let request = text_field(&v.pr, "pr")?;
    let success = v.success_action.map(|a| success_action(pay, &a)).transpose()?;
    Ok(PayAnswer { request, success })
}

/// LUD-09: an action of a kind we do not know means "do not pay".
fn success_action(pay: &PayRequest, a: &Action) -> Result<SuccessAction, String> {
    let text = |v: &Loose, key: &str| v.text().map(short).ok_or_else(|| format!("The service's success action has no {key}, so it is not paid"));
    match a.tag.text() {
        Some("message") => Ok(SuccessAction::Message(text(&a.message, "message")?)),
        Some("url") => {
            let url = check_service_url(a.url.text().unwrap_or_default())
                .map_err(|e| format!("The service's success link cannot be used, so it is not paid: {e}"))?;
            if host_of(&url) != host_of(&pay.callback) {
                return Err("The service's success link points to another site than the service itself (LUD-09 forbids it), so it is not paid".into());
            }
            Ok(SuccessAction::Url { description: text(&a.description, "description")?, url })
        }
        Some("aes") => {
            let decode = |v: &Loose| v.text().and_then(|t| STANDARD.decode(t.as_bytes()).ok());
            let ciphertext = decode(&a.ciphertext).filter(|c| !c.is_empty() && c.len() <= 4096 && c.len() % 16 == 0);
            let iv = decode(&a.iv).and_then(|iv| <[u8; 16]>::try_from(iv).ok());
            match (ciphertext, iv) {
                (Some(ciphertext), Some(iv)) => Ok(SuccessAction::Aes { description: text(&a.description, "description")?, ciphertext, iv }),
                _ => Err("The service's encrypted success message is malformed, so it is not paid".into()),
            }
        }
        _ => Err("The service asks for something after the payment that Lightdeck does not know, so it is not paid (LUD-09)".into()),
    }
}

/// Whether the invoice the service made is for exactly what was asked (LUD-06).
pub fn check_invoice_amount(asked_msat: u64, invoice_msat: i64) -> Result<(), String> {
    if u64::try_from(invoice_msat).ok() != Some(asked_msat) {
        return Err(format!(
            "The service's invoice is for {} msat, not the {} msat asked; it was not paid",
            crate::format::count(invoice_msat.max(0) as u64),
            crate::format::count(asked_msat)
        ));
    }
    Ok(())
}

/// The callback that hands the service our invoice (LUD-03).
pub fn withdraw_callback(w: &WithdrawRequest, request: &str) -> String {
    with_param(&with_param(&w.callback, "k1", &w.k1), "pr", request)
}

/// A plain `{"status":"OK"}` answer (or the service's refusal).
pub fn read_status(body: &[u8]) -> Result<(), String> {
    match json(body)?.status.text() {
        Some(s) if s.eq_ignore_ascii_case("OK") => Ok(()),
        _ => Err("The service's answer says neither OK nor why not".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASKED: &str = "https://pay.example/.well-known/lnurlp/alice";

    fn pay_body(extra: &str) -> String {
        format!(
            r#"{{"tag":"payRequest","callback":"https://pay.example/cb?u=alice","minSendable":1000,"maxSendable":"5000000",
                "metadata":"[[\"text/plain\",\"Tip alice\"],[\"text/identifier\",\"alice@pay.example\"]]"{extra}}}"#
        )
    }

    fn pay() -> PayRequest {
        match read_service(ASKED, pay_body(r#","commentAllowed":10"#).as_bytes()) {
            Ok(Service::Pay(p)) => p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_pay_request_reads_as_the_service_wrote_it() {
        let p = pay();
        assert_eq!((p.min_msat, p.max_msat, p.comment_allowed), (1000, 5_000_000, 10));
        assert_eq!(p.description, "Tip alice");
        assert_eq!(p.identifier.as_deref(), Some("alice@pay.example"));
        assert_eq!(p.domain, "pay.example");
        assert_eq!(sat_range(1500, 5_000_999), (2, 5000));
    }

    #[test]
    fn the_callback_carries_amount_and_comment_only_when_allowed() {
        let p = pay();
        assert_eq!(pay_callback(&p, 21_000, ""), Ok("https://pay.example/cb?u=alice&amount=21000".into()));
        assert_eq!(pay_callback(&p, 21_000, " hi & bye "), Ok("https://pay.example/cb?u=alice&amount=21000&comment=hi%20%26%20bye".into()));
        assert!(pay_callback(&p, 999, "").unwrap_err().contains("from 1 to 5,000 sat"));
        assert!(pay_callback(&p, 6_000_000, "").is_err());
        assert!(pay_callback(&p, 1000, "eleven char").unwrap_err().contains("at most 10"));
        let none = PayRequest { comment_allowed: 0, ..p };
        assert!(pay_callback(&none, 1000, "x").unwrap_err().contains("no comment"));
    }

    #[test]
    fn bad_services_are_refused_with_a_reason() {
        assert!(read_service(ASKED, br#"{"status":"ERROR","reason":"user \u202enot found"}"#).unwrap_err().contains("refused: user \u{fffd}not found"));
        assert!(read_service(ASKED, b"<html>").unwrap_err().contains("not LNURL"));
        assert!(read_service(ASKED, b"[1]").is_err());
        assert!(read_service(ASKED, br#"{"tag":"channelRequest"}"#).unwrap_err().contains("does not do yet"));
        let http = pay_body("").replace("https://pay.example/cb", "http://pay.example/cb");
        assert!(read_service(ASKED, http.as_bytes()).unwrap_err().contains("plain http"));
        let upside = pay_body("").replace("\"minSendable\":1000", "\"minSendable\":9000000");
        assert!(read_service(ASKED, upside.as_bytes()).unwrap_err().contains("make no sense"));
        let no_text = pay_body("").replace("text/plain", "text/other");
        assert!(read_service(ASKED, no_text.as_bytes()).unwrap_err().contains("text/plain"));
        let insists = pay_body(r#","payerData":{"name":{"mandatory":false},"pubkey":{"mandatory":true}}"#);
        assert!(read_service(ASKED, insists.as_bytes()).unwrap_err().contains("your pubkey (LUD-18)"));
        let asks = pay_body(r#","payerData":{"name":{"mandatory":false}}"#);
        assert!(read_service(ASKED, asks.as_bytes()).is_ok(), "an optional detail is simply not sent");
    }

    #[test]
    fn success_actions_of_unknown_kinds_or_foreign_links_stop_the_payment() {
        let p = pay();
        let answer = |action: &str| read_pay_answer(&p, format!(r#"{{"pr":"lnbc1x","routes":[],"successAction":{action}}}"#).as_bytes());
        assert_eq!(answer(r#"{"tag":"message","message":"Thanks"}"#).map(|a| a.success), Ok(Some(SuccessAction::Message("Thanks".into()))));
        assert_eq!(
            answer(r#"{"tag":"url","description":"Your file","url":"https://pay.example/f/1"}"#).map(|a| a.success),
            Ok(Some(SuccessAction::Url { description: "Your file".into(), url: "https://pay.example/f/1".into() }))
        );
        assert!(answer(r#"{"tag":"url","description":"x","url":"https://evil.example/"}"#).unwrap_err().contains("another site"));
        assert!(answer(r#"{"tag":"url","description":"x","url":"javascript:alert(1)"}"#).is_err());
        assert!(answer(r#"{"tag":"launch-rockets"}"#).unwrap_err().contains("not paid"));
        assert!(answer(r#"{"tag":"aes","description":"d","ciphertext":"AAAA","iv":"AAAAAAAAAAAAAAAAAAAAAA=="}"#).unwrap_err().contains("malformed"));
        let long = "x".repeat(500);
        assert_eq!(answer(&format!(r#"{{"tag":"message","message":"{long}"}}"#)).map(|a| a.success), Ok(Some(SuccessAction::Message("x".repeat(144)))));
        assert_eq!(read_pay_answer(&p, br#"{"pr":"lnbc1x"}"#), Ok(PayAnswer { request: "lnbc1x".into(), success: None }));
    }

    #[test]
    fn the_invoice_must_be_for_exactly_the_amount_asked() {
        assert_eq!(check_invoice_amount(21_000, 21_000), Ok(()));
        assert!(check_invoice_amount(21_000, 21_001).unwrap_err().contains("not the 21,000 msat"));
        assert!(check_invoice_amount(21_000, 0).is_err(), "an invoice for any amount is not the amount asked");
    }

    #[test]
    fn withdraw_requests_and_their_callback() {
        let body = br#"{"tag":"withdrawRequest","callback":"https://w.example/cb","k1":"k 1","defaultDescription":"Prize","minWithdrawable":0,"maxWithdrawable":50000}"#;
        let Ok(Service::Withdraw(w)) = read_service("https://w.example/lnurlw", body) else { panic!("a withdraw request") };
        assert_eq!((w.min_msat, w.max_msat, w.default_description.as_str()), (0, 50_000, "Prize"));
        assert_eq!(withdraw_callback(&w, "lnbc1x"), "https://w.example/cb?k1=k%201&pr=lnbc1x");
        assert_eq!(read_status(br#"{"status":"OK"}"#), Ok(()));
        assert!(read_status(br#"{"status":"ERROR","reason":"spent"}"#).unwrap_err().contains("spent"));
    }
}
