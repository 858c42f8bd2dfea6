//! Properties of every parser that reads outside input, on many generated inputs: what a
//! user pastes (payment requests, amounts, addresses, peer and node addresses, lndconnect
//! links, macaroons), what a node streams (NDJSON lines, the REST JSON of messages), and
//! what devnode reads from its clients (channel backups, macaroons, seed words).
//!
//! Each property never panics on any input, round trips where an encoder exists, and agrees
//! with an independent reader where one exists. `cargo xtask test` runs a short pass;
//! `cargo xtask fuzz` runs the same properties with `LIGHTDECK_PROPERTY_CASES` set to a
//! campaign's size and collects the figures each one prints.

use std::fmt::Debug;
use std::str::FromStr;
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use lightdeck::input::amount::{self, MAX_SATS, Unit};
use lightdeck::input::{address, payment, peer};
use lightdeck::lnd::rest::ndjson::{self, LineBuffer};
use lightdeck::lnd::{Endpoint, Macaroon, Transport, endpoint, pb};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Runs one property over `LIGHTDECK_PROPERTY_CASES` generated inputs (256 by default) and
/// prints its figures; a failure panics with the smallest input proptest could shrink to.
fn property<S>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let cases = std::env::var("LIGHTDECK_PROPERTY_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256);
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 4096, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    if let Err(e) = runner.run(&strategy, test) {
        panic!("property {name}: {e}");
    }
    let secs = started.elapsed().as_secs_f64();
    println!("property {name}: {cases} executions, 0 failures, {secs:.1} s, {:.0} per second", cases as f64 / secs.max(1e-9));
}

/// Text as hostile as generated text gets: any characters, the scripts and formats that
/// have broken parsers before, and the characters of the formats being parsed.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,120}",
        "(lnbcrt|lntb|lnbc|LNBCRT|lightning:)[02-9ac-hj-np-z]{0,400}",
        "[0-9.,_ \u{a0}]{0,40}",
        "(https?://|lndconnect://)?[a-z0-9.:\\[\\]/?#@&=-]{0,80}",
        prop::collection::vec(
            prop::sample::select(vec!['\u{202e}', '\u{200b}', '\u{200d}', '\u{feff}', '\0', '\n', '\t', 'a', '0', ':', '@', '.', '1']),
            0..60
        )
        .prop_map(String::from_iter),
    ]
}

fn key() -> impl Strategy<Value = SecretKey> {
    any::<[u8; 32]>().prop_filter_map("a valid secret key", |b| SecretKey::from_slice(&b).ok())
}

fn request() -> impl Strategy<Value = (SecretKey, bolt11::Request)> {
    (
        key(),
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
        // Up to 10 million BTC: lightning-invoice writes amounts in pico-bitcoin, which a
        // u64 holds up to about 18 million BTC.
        prop_oneof![Just(0i64), 1..=1_000_000_000_000_000_000i64],
        0i64..(1 << 35),
        1i64..(1 << 40),
        // BOLT 11 holds at most 639 bytes of description; four bytes a character at most.
        prop::collection::vec(any::<char>(), 0..150).prop_map(String::from_iter),
        0u64..100_000,
    )
        .prop_map(|(key, hash, addr, amount_msat, timestamp, expiry, description, cltv_expiry)| {
            let destination = PublicKey::from_secret_key(&Secp256k1::new(), &key).to_string();
            let r = bolt11::Request {
                destination,
                payment_hash: hash,
                payment_addr: Some(addr),
                amount_msat,
                timestamp,
                expiry,
                description,
                description_hash: String::new(),
                cltv_expiry,
                route_hints: Vec::new(),
                features: Vec::new(),
                network: "regtest".into(),
            };
            (key, r)
        })
}

#[test]
fn payment_requests_of_any_text_are_refused_or_read_without_panicking() {
    property("bolt11-any-text", (text(), any::<i64>()), |(t, now)| {
        let _ = bolt11::decode(&t);
        let _ = bolt11::decode_for(&t, "regtest");
        let _ = payment::check_request(&t, "regtest", now);
        Ok(())
    });
}

#[test]
fn damaged_payment_requests_are_refused_or_read_without_panicking() {
    let edits = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop_oneof![
                Just(None),
                any::<char>().prop_map(Some),
                prop::sample::select(b"qpzry9x8gf2tvdw0s3jn54khce6mua7l".to_vec()).prop_map(|b| Some(b as char))
            ],
        ),
        1..4,
    );
    property("bolt11-damaged", (request(), edits), |((key, r), edits)| {
        let mut chars: Vec<char> = bolt11::encode(&key, &r).map_err(TestCaseError::fail)?.chars().collect();
        for (at, replacement) in edits {
            let i = at.index(chars.len());
            match replacement {
                Some(c) => chars[i] = c,
                None => drop(chars.remove(i)),
            }
            if chars.is_empty() {
                break;
            }
        }
        let damaged: String = chars.into_iter().collect();
        let _ = bolt11::decode_for(&damaged, "regtest");
        let _ = payment::check_request(&damaged, "regtest", r.timestamp);
        Ok(())
    });
}

#[test]
fn payment_requests_read_back_as_written_and_as_lightning_invoice_reads_them() {
    property("bolt11-round-trip", request(), |(key, r)| {
        let text = bolt11::encode(&key, &r).map_err(TestCaseError::fail)?;
        let back = bolt11::decode_for(&text, "regtest").map_err(TestCaseError::fail)?;
        prop_assert_eq!(&back.destination, &r.destination);
        prop_assert_eq!(back.payment_hash, r.payment_hash);
        prop_assert_eq!(back.payment_addr, r.payment_addr);
        prop_assert_eq!(back.amount_msat, r.amount_msat);
        prop_assert_eq!(back.timestamp, r.timestamp);
        prop_assert_eq!(back.expiry, r.expiry);
        prop_assert_eq!(&back.description, &r.description);
        prop_assert_eq!(back.cltv_expiry, r.cltv_expiry);

        // lightning-invoice's checked type, which requires the payment secret this request has.
        let theirs = lightning_invoice::Bolt11Invoice::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(theirs.payment_hash().as_ref() as &[u8], &r.payment_hash[..]);
        prop_assert_eq!(theirs.amount_milli_satoshis().map_or(0, |a| a as i64), r.amount_msat);
        prop_assert_eq!(theirs.expiry_time().as_secs() as i64, r.expiry);
        prop_assert_eq!(theirs.recover_payee_pub_key().to_string(), r.destination.clone());
        if let lightning_invoice::Bolt11InvoiceDescriptionRef::Direct(d) = theirs.description() {
            prop_assert_eq!(&d.as_inner().0, &r.description);
        } else {
            return Err(TestCaseError::fail("lightning-invoice read a description hash"));
        }

        // The browser's check reads what it will pay, until the request expires.
        let expires_at = r.timestamp + r.expiry;
        let checked = payment::check_request(&text, "regtest", expires_at - 1).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&checked.request, &text);
        prop_assert_eq!(checked.payment_hash, hex::encode(r.payment_hash));
        prop_assert_eq!(checked.amount_msat, r.amount_msat);
        prop_assert_eq!(checked.expires_at, expires_at);
        prop_assert!(payment::check_request(&text, "regtest", expires_at).is_err_and(|e| e.contains("expired")));
        prop_assert!(payment::check_request(&text, "mainnet", r.timestamp).is_err_and(|e| e.contains("your node runs on mainnet")));
        Ok(())
    });
}

#[test]
fn amounts_of_any_text_are_refused_or_read_without_panicking() {
    property("amount-any-text", text(), |t| {
        for unit in [Unit::Sat, Unit::Btc] {
            if let Ok(sats) = amount::parse(&t, unit) {
                prop_assert!((1..=MAX_SATS).contains(&sats), "{t:?} read as {sats}");
            }
        }
        Ok(())
    });
}

#[test]
fn amounts_read_back_as_the_app_shows_them() {
    property("amount-round-trip", 1..=MAX_SATS, |sats| {
        let sat = lightdeck::format::amount(sats, Unit::Sat);
        let btc = lightdeck::format::amount(sats, Unit::Btc);
        prop_assert_eq!(amount::parse(sat.trim_end_matches(" sat"), Unit::Sat), Ok(sats));
        prop_assert_eq!(amount::parse(btc.trim_end_matches(" BTC"), Unit::Btc), Ok(sats));
        prop_assert_eq!(amount::parse(&sats.to_string(), Unit::Sat), Ok(sats));
        Ok(())
    });
}

const NETWORKS: [&str; 6] = ["mainnet", "testnet", "testnet4", "signet", "regtest", "simnet"];

#[test]
fn addresses_of_any_text_are_refused_or_accepted_without_panicking() {
    property("address-any-text", (text(), prop::sample::select(NETWORKS.to_vec())), |(t, network)| {
        let _ = address::check(&t, network);
        Ok(())
    });
}

#[test]
fn addresses_are_accepted_on_their_own_network_only() {
    let program = prop_oneof![
        prop::collection::vec(any::<u8>(), 20..=20).prop_map(|p| (bech32::segwit::VERSION_0, p)),
        prop::collection::vec(any::<u8>(), 32..=32).prop_map(|p| (bech32::segwit::VERSION_0, p)),
        prop::collection::vec(any::<u8>(), 32..=32).prop_map(|p| (bech32::segwit::VERSION_1, p)),
    ];
    property("address-networks", (program, any::<[u8; 20]>(), any::<bool>()), |((version, program), hash, upper)| {
        let regtest = bech32::segwit::encode(bech32::Hrp::parse("bcrt").unwrap(), version, &program).unwrap();
        let mainnet = bech32::segwit::encode(bech32::Hrp::parse("bc").unwrap(), version, &program).unwrap();
        let regtest = if upper { regtest.to_uppercase() } else { regtest };
        prop_assert_eq!(address::check(&regtest, "regtest"), Ok(()));
        prop_assert!(address::check(&mainnet, "regtest").is_err_and(|e| e.contains("another network")));
        prop_assert!(address::check(&regtest, "mainnet").is_err_and(|e| e.contains("another network")));
        prop_assert_eq!(address::check(&mainnet, "mainnet"), Ok(()));
        for (version, network) in [(0x6f, "regtest"), (0xc4, "regtest"), (0x00, "mainnet"), (0x05, "mainnet")] {
            let mut payload = vec![version];
            payload.extend_from_slice(&hash);
            let legacy = bs58::encode(payload).with_check().into_string();
            prop_assert_eq!(address::check(&legacy, network), Ok(()));
            let other = if network == "mainnet" { "regtest" } else { "mainnet" };
            prop_assert!(address::check(&legacy, other).is_err_and(|e| e.contains("another network")));
        }
        Ok(())
    });
}

#[test]
fn peer_addresses_of_any_text_are_refused_or_read_without_panicking() {
    property("peer-any-text", text(), |t| {
        let _ = peer::parse_uri(&t);
        let _ = peer::check_pubkey(&t);
        let _ = peer::check_host(&t);
        Ok(())
    });
}

#[test]
fn peer_addresses_read_back_as_written() {
    let host = prop_oneof!["[a-z][a-z0-9-]{0,20}(\\.[a-z0-9-]{1,10}){0,3}", "[0-9]{1,3}(\\.[0-9]{1,3}){3}", "[a-z2-7]{56}\\.onion", "\\[[0-9a-f:]{2,30}\\]"];
    property("peer-round-trip", (key(), host, prop::option::of(1u16..), any::<bool>()), |(key, host, port, upper)| {
        let pubkey = PublicKey::from_secret_key(&Secp256k1::new(), &key).to_string();
        let typed_key = if upper { pubkey.to_uppercase() } else { pubkey.clone() };
        let uri = match port {
            Some(p) => format!(" {typed_key}@{host}:{p} "),
            None => format!("{typed_key}@{host}"),
        };
        let expected = format!("{host}:{}", port.unwrap_or(9735));
        prop_assert_eq!(peer::parse_uri(&uri), Ok((pubkey, expected)));
        Ok(())
    });
}

#[test]
fn node_addresses_and_lndconnect_links_of_any_text_are_refused_or_read_without_panicking() {
    property("endpoint-any-text", (text(), any::<bool>()), |(t, https)| {
        for transport in [Transport::Rest, Transport::GrpcWeb] {
            if let Ok(e) = Endpoint::parse(&t, transport, https) {
                prop_assert!(e.url.starts_with("http://") || e.url.starts_with("https://"));
                prop_assert!(!e.url.contains(['?', '#', ' ']), "{:?}", e.url);
            }
        }
        let _ = endpoint::parse_lndconnect(&t);
        let _ = endpoint::parse_lndconnect(&format!("lndconnect://{t}"));
        Ok(())
    });
}

#[test]
fn node_addresses_and_lndconnect_links_read_back_as_written() {
    let host = "[a-z][a-z0-9-]{0,20}(\\.[a-z0-9-]{1,10}){0,3}";
    property("endpoint-round-trip", (host, 1u16.., macaroon_bytes()), |(host, port, mac)| {
        let e = Endpoint::parse(&format!("{host}:{port}/"), Transport::Rest, true).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(e.url, format!("https://{host}:{port}"));
        let link = format!("lndconnect://{host}:{port}?cert=MIIB&macaroon={}", URL_SAFE_NO_PAD.encode(&mac));
        let (url, macaroon) = endpoint::parse_lndconnect(&link).ok_or_else(|| TestCaseError::fail("not read"))?;
        prop_assert_eq!(url, format!("https://{host}:{port}"));
        prop_assert_eq!(macaroon.map(|m| m.bytes().to_vec()), Some(mac));
        Ok(())
    });
}

#[test]
fn anything_pasted_to_pay_is_refused_or_read_without_panicking() {
    use lightdeck::input::payable::{self, Payable};
    property("payable-any-text", text(), |t| {
        for pasted in [
            t.clone(),
            format!("bitcoin:{t}"),
            format!("lightning:{t}"),
            format!("lnurlp://{t}"),
            format!("{t}@example.com"),
            format!("https://x.example/?lightning={t}"),
        ] {
            match payable::read(&pasted) {
                // Whatever the text, the app only ever asks a service it may ask.
                Ok(Payable::Lnurl { url, .. }) => prop_assert_eq!(payable::check_service_url(&url), Ok(url.clone())),
                Ok(Payable::OnChain(o)) => prop_assert!(o.amount_sat.is_none_or(|a| (1..=amount::MAX_SATS).contains(&a))),
                _ => {}
            }
        }
        Ok(())
    });
}

#[test]
fn lnurls_and_payment_links_read_back_as_written() {
    use lightdeck::input::payable::{self, OnChain, Payable};
    let url = "https://[a-z]{1,12}\\.[a-z]{2,6}(/[a-zA-Z0-9._~-]{1,12}){0,4}(\\?[a-z]{1,6}=[a-zA-Z0-9]{0,12}){0,1}";
    property("lnurl-round-trip", (url, any::<bool>()), |(url, upper)| {
        let bech = payable::encode_lnurl(&url).ok_or_else(|| TestCaseError::fail("not encoded"))?;
        let bech = if upper { bech } else { bech.to_lowercase() };
        prop_assert_eq!(payable::read(&bech), Ok(Payable::Lnurl { url: url.clone(), address: None }));
        prop_assert_eq!(payable::read(&format!("lightning:{bech}")), Ok(Payable::Lnurl { url, address: None }));
        Ok(())
    });
    property("bip21-round-trip", (request(), 1i64..=amount::MAX_SATS, "[ -~]{0,30}", any::<bool>()), |((key, r), sats, note, upper)| {
        let request = bolt11::encode(&key, &r).map_err(TestCaseError::fail)?;
        let address = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
        let uri = format!(
            "bitcoin:{address}?amount={}&message={}&lightning={}",
            amount::typed(sats, Unit::Btc),
            payable::percent_encode(&note),
            if upper { request.to_uppercase() } else { request.clone() }
        );
        let on_chain = OnChain { address: address.into(), amount_sat: Some(sats), note: Some(note) };
        prop_assert_eq!(payable::read(&uri), Ok(Payable::Lightning { request, fallback: Some(on_chain) }));
        Ok(())
    });
    property("percent-round-trip", any::<String>(), |t| {
        prop_assert_eq!(payable::percent_decode(&payable::percent_encode(&t)), Some(t));
        Ok(())
    });
}

/// LNURL answers as services might write them: valid ones, then cut, spliced and mangled.
fn lnurl_answer() -> impl Strategy<Value = Vec<u8>> {
    let valid = prop_oneof![
        Just(r#"{"tag":"payRequest","callback":"https://s.example/cb","minSendable":1000,"maxSendable":"9000","metadata":"[[\"text/plain\",\"hi\"]]","commentAllowed":5}"#.to_string()),
        Just(r#"{"tag":"withdrawRequest","callback":"https://s.example/w","k1":"k","minWithdrawable":0,"maxWithdrawable":1000}"#.to_string()),
        Just(r#"{"pr":"lnbc1","successAction":{"tag":"aes","description":"d","ciphertext":"AAAAAAAAAAAAAAAAAAAAAA==","iv":"AAAAAAAAAAAAAAAAAAAAAA=="}}"#.to_string()),
        Just(r#"{"pr":"lnbc1","successAction":{"tag":"url","description":"d","url":"https://s.example/x"}}"#.to_string()),
        Just(r#"{"status":"ERROR","reason":"no"}"#.to_string()),
    ];
    (valid, any::<Vec<u8>>(), any::<usize>(), any::<usize>()).prop_map(|(v, junk, at, cut)| {
        let mut bytes = v.into_bytes();
        let at = at % (bytes.len() + 1);
        match cut % 3 {
            0 => bytes,
            1 => {
                bytes.splice(at..at, junk);
                bytes
            }
            _ => bytes[..at].to_vec(),
        }
    })
}

#[test]
fn lnurl_answers_of_any_kind_are_refused_or_read_without_panicking() {
    use lightdeck::input::payable::check_service_url;
    use lightdeck::lnurl::{self, PayRequest, Service, SuccessAction};
    let pay = PayRequest {
        callback: "https://s.example/cb".into(),
        min_msat: 1000,
        max_msat: 9000,
        description: "hi".into(),
        long_description: None,
        identifier: None,
        comment_allowed: 5,
        domain: "s.example".into(),
    };
    property("lnurl-answers", prop_oneof![lnurl_answer(), any::<Vec<u8>>()], |body| {
        match lnurl::read_service("https://s.example/x", &body) {
            Ok(Service::Pay(p)) => {
                prop_assert!(check_service_url(&p.callback).is_ok() && p.min_msat >= 1 && p.min_msat <= p.max_msat);
            }
            Ok(Service::Withdraw(w)) => prop_assert!(check_service_url(&w.callback).is_ok() && w.min_msat <= w.max_msat),
            Err(_) => {}
        }
        if let Ok(Some(SuccessAction::Url { url, .. })) = lnurl::read_pay_answer(&pay, &body).map(|a| a.success) {
            // Where a browser goes with it, read by a WHATWG URL parser of its own: the
            // service's own site, over https.
            let site = url::Url::parse(&url).map(|u| (u.scheme().to_string(), u.host_str().map(str::to_string)));
            prop_assert_eq!(site, Ok(("https".to_string(), Some("s.example".to_string()))), "a success link on the service's own site only: {}", url);
        }
        let _ = lnurl::read_status(&body);
        Ok(())
    });
}

fn macaroon_bytes() -> impl Strategy<Value = Vec<u8>> {
    // lnd's smallest macaroon is larger than 32 bytes (its signature alone is 32).
    prop::collection::vec(any::<u8>(), 33..400).prop_map(|mut b| {
        b[0] = 2;
        b
    })
}

#[test]
fn macaroons_of_any_text_are_refused_or_read_without_panicking() {
    property("macaroon-any-text", text(), |t| {
        if let Ok(m) = Macaroon::parse(&t) {
            prop_assert_eq!(m.bytes()[0], 2);
            let shown = format!("{m:?}");
            prop_assert!(!shown.contains(&m.hex()), "Debug shows the secret");
        }
        Ok(())
    });
}

#[test]
fn macaroons_read_back_from_hex_and_base64_however_they_are_wrapped() {
    let wrap = prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec![" ", "\n", "\r\n", "\t"])), 0..6);
    property("macaroon-round-trip", (macaroon_bytes(), 0..4usize, wrap), |(bytes, form, wrap)| {
        let mut text = match form {
            0 => hex::encode(&bytes),
            1 => hex::encode_upper(&bytes),
            2 => STANDARD.encode(&bytes),
            _ => URL_SAFE_NO_PAD.encode(&bytes),
        };
        for (at, space) in wrap {
            let i = at.index(text.len() + 1);
            text.insert_str(i, space);
        }
        let m = Macaroon::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(m.bytes(), &bytes[..]);
        Ok(())
    });
}

#[test]
fn stream_lines_come_out_whole_however_the_network_cuts_them() {
    let lines = prop::collection::vec("[^\n]{0,60}", 0..12);
    let cuts = prop::collection::vec(any::<prop::sample::Index>(), 0..10);
    property("ndjson-split", (lines, cuts), |(lines, cuts)| {
        let stream: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let bytes = stream.as_bytes();
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        at.push(0);
        at.push(bytes.len());
        at.sort_unstable();
        let mut buffer = LineBuffer::default();
        let mut out = Vec::new();
        for w in at.windows(2) {
            out.extend(buffer.push(&bytes[w[0]..w[1]]).map_err(|e| TestCaseError::fail(e.to_string()))?);
        }
        // Blank lines (ASCII whitespace only) are skipped; lnd writes none.
        let expected: Vec<Vec<u8>> = lines.iter().filter(|l| !l.bytes().all(|b| b.is_ascii_whitespace())).map(|l| format!("{l}\n").into_bytes()).collect();
        prop_assert_eq!(out, expected);
        Ok(())
    });
}

#[test]
fn stream_bytes_of_any_kind_are_refused_or_read_without_panicking() {
    let chunks = prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..8);
    property("ndjson-any-bytes", (chunks, 1usize..300), |(chunks, limit)| {
        let mut buffer = LineBuffer::with_limit(limit);
        for chunk in &chunks {
            match buffer.push(chunk) {
                Ok(lines) => {
                    for line in lines {
                        prop_assert!(line.len() <= limit + chunk.len());
                        let _ = ndjson::parse_line::<pb::Invoice>(&line);
                        let _ = ndjson::parse_line::<pb::Payment>(&line);
                        let _ = ndjson::error_body(&line);
                    }
                }
                Err(e) => prop_assert!(e.to_string().contains("more than lnd ever sends")),
            }
        }
        Ok(())
    });
}

fn invoice() -> impl Strategy<Value = pb::Invoice> {
    (any::<String>(), any::<i64>(), prop::collection::vec(any::<u8>(), 0..33), any::<bool>(), any::<u64>(), 0..4i32).prop_map(
        |(memo, value_msat, r_hash, private, add_index, state)| pb::Invoice { memo, value_msat, r_hash, private, add_index, state, ..Default::default() },
    )
}

#[test]
fn streamed_messages_read_back_from_lnds_rest_json() {
    property("rest-json-round-trip", invoice(), |invoice| {
        let line = format!("{}\n", serde_json::json!({ "result": invoice }));
        let back: pb::Invoice = ndjson::parse_line(line.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &invoice);
        let error = format!("{}\n", serde_json::json!({ "error": { "code": 2, "message": invoice.memo, "details": [] } }));
        let e = ndjson::parse_line::<pb::Invoice>(error.as_bytes()).err().ok_or_else(|| TestCaseError::fail("an error line read as a message"))?;
        prop_assert!(e.to_string().contains(&invoice.memo));
        Ok(())
    });
}

#[test]
fn text_from_the_network_is_shown_without_characters_that_hide_or_reorder() {
    property("shown-text", any::<String>(), |t| {
        let shown = lightdeck::format::shown_text(&t);
        prop_assert_eq!(shown.chars().count(), t.chars().count());
        let hides =
            |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}' | '\u{200e}' | '\u{200f}' | '\u{feff}');
        let hidden = shown.chars().any(hides);
        prop_assert!(!hidden, "a character that hides or reorders text is shown");
        Ok(())
    });
}

mod devnode_inputs {
    use world::backup::{self, Single};
    use world::macaroons::Macaroon;
    use world::seed;

    use super::*;

    fn single() -> impl Strategy<Value = Single> {
        (
            any::<bool>(),
            any::<[u8; 32]>(),
            any::<[u8; 32]>(),
            any::<u32>(),
            any::<u64>(),
            key(),
            prop::collection::vec("[a-z0-9.:]{1,40}", 0..4),
            any::<u64>(),
            any::<u16>(),
        )
            .prop_map(|(initiator, chain_hash, txid, output_index, short_channel_id, key, addresses, capacity, csv_delay)| Single {
                initiator,
                chain_hash,
                txid,
                output_index,
                short_channel_id,
                remote_pubkey: PublicKey::from_secret_key(&Secp256k1::new(), &key).serialize(),
                addresses,
                capacity,
                csv_delay,
            })
    }

    #[test]
    fn channel_backups_of_any_bytes_are_refused_or_read_without_panicking() {
        property("backup-any-bytes", (prop::collection::vec(any::<u8>(), 0..600), any::<[u8; 32]>()), |(bytes, key)| {
            let _ = backup::deserialize_multi(&bytes);
            let _ = backup::deserialize_single(&bytes);
            prop_assert!(backup::decrypt(&key, &bytes).is_err());
            Ok(())
        });
    }

    #[test]
    fn channel_backups_read_back_as_written() {
        property("backup-round-trip", (prop::collection::vec(single(), 0..5), any::<[u8; 32]>(), any::<[u8; 24]>()), |(singles, key, nonce)| {
            let plain = backup::serialize_multi(&singles);
            let packed = backup::encrypt(&key, nonce, &plain);
            let opened = backup::decrypt(&key, &packed).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(backup::deserialize_multi(&opened), Ok(singles));
            let mut flipped = packed.clone();
            let last = flipped.len() - 1;
            flipped[last] ^= 1;
            prop_assert!(backup::decrypt(&key, &flipped).is_err());
            Ok(())
        });
    }

    #[test]
    fn macaroons_sent_to_the_node_are_refused_or_read_without_panicking() {
        property("node-macaroon-any-bytes", prop::collection::vec(any::<u8>(), 0..400), |bytes| {
            if let Ok(m) = Macaroon::deserialize(&bytes) {
                let _ = m.root_key_id();
                let _ = m.verify(&[0u8; 32], &[("info", "read")], "/lnrpc.Lightning/GetInfo", 0);
            }
            Ok(())
        });
    }

    #[test]
    fn macaroons_the_node_bakes_read_back_in_the_app_and_the_node() {
        property("node-macaroon-round-trip", (any::<[u8; 32]>(), any::<[u8; 16]>(), "[a-z ]{0,30}"), |(root, nonce, caveat)| {
            let mut baked = Macaroon::bake(&root, b"0", nonce, &[("info", "read")]);
            if !caveat.is_empty() {
                baked.add_caveat(&caveat);
            }
            let bytes = baked.serialize();
            let pasted = lightdeck::lnd::Macaroon::parse(&hex::encode(&bytes)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(pasted.bytes(), &bytes[..]);
            let back = Macaroon::deserialize(&bytes).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(back.serialize(), bytes);
            Ok(())
        });
    }

    #[test]
    fn seed_words_of_any_kind_are_refused_or_read_without_panicking() {
        let words = prop::collection::vec(prop_oneof!["[a-z]{0,10}", any::<String>(), Just("abandon".to_string())], 0..30);
        property("seed-words", (words, any::<[u8; 33]>(), "[ -~]{0,12}"), |(words, enciphered, passphrase)| {
            let _ = seed::from_mnemonic(&words);
            let _ = seed::CipherSeed::decipher(&enciphered, passphrase.as_bytes());
            Ok(())
        });
    }
}
