//! The node client in a real browser (wasm-bindgen-test in headless Chromium) against a
//! live devnode that `cargo xtask test` starts: fetch() + NDJSON streams for REST,
//! tonic-web-wasm-client for gRPC-web, and how failures are told apart.

#![cfg(target_arch = "wasm32")]

use futures::StreamExt;
use lightdeck::lnd::{Endpoint, Lnd, LndError, Macaroon, Transport, WalletState};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod vault;

fn env(value: Option<&'static str>, name: &str) -> &'static str {
    value.unwrap_or_else(|| panic!("{name} is unset: run these tests through `cargo xtask test`"))
}

fn node(transport: Transport, macaroon: bool) -> Lnd {
    let url = match transport {
        Transport::Rest => env(option_env!("LIGHTDECK_TEST_REST"), "LIGHTDECK_TEST_REST"),
        Transport::GrpcWeb => env(option_env!("LIGHTDECK_TEST_GRPCWEB"), "LIGHTDECK_TEST_GRPCWEB"),
    };
    let mac = macaroon.then(|| Macaroon::parse(env(option_env!("LIGHTDECK_TEST_MACAROON"), "LIGHTDECK_TEST_MACAROON")).unwrap());
    Lnd::new(Endpoint::parse(url, transport, false).unwrap(), mac)
}

const BOTH: [Transport; 2] = [Transport::Rest, Transport::GrpcWeb];

#[wasm_bindgen_test]
async fn get_info_reports_the_node_on_both_transports() {
    let pubkey = env(option_env!("LIGHTDECK_TEST_PUBKEY"), "LIGHTDECK_TEST_PUBKEY");
    for t in BOTH {
        let info = node(t, true).get_info().await.unwrap_or_else(|e| panic!("{t:?}: {e}"));
        assert_eq!(info.identity_pubkey, pubkey, "{t:?}");
        assert_eq!(info.alias, "alice");
        assert_eq!(info.chains[0].network, "regtest");
    }
}

#[wasm_bindgen_test]
async fn state_stream_delivers_the_current_state_first() {
    for t in BOTH {
        let mut states = node(t, false).subscribe_state();
        let first = states.next().await.expect("a first message");
        assert_eq!(first, Ok(WalletState::ServerActive), "{t:?}");
        // Dropping the stream aborts the request; the next call still works.
        drop(states);
        assert_eq!(node(t, false).get_state().await, Ok(WalletState::ServerActive));
    }
}

#[wasm_bindgen_test]
async fn missing_and_foreign_macaroons_are_told_apart() {
    for t in BOTH {
        assert_eq!(node(t, false).get_info().await.unwrap_err(), LndError::MacaroonMissing, "{t:?}");
        let mut foreign = hex::decode(env(option_env!("LIGHTDECK_TEST_MACAROON"), "mac")).unwrap();
        let last = foreign.len() - 1;
        foreign[last] ^= 0xff; // break the signature
        let lnd = node(t, false).with_macaroon(Macaroon::from_bytes(foreign).unwrap());
        assert!(matches!(lnd.get_info().await, Err(LndError::MacaroonInvalid(_))), "{t:?}");
    }
}

#[wasm_bindgen_test]
async fn wallet_unlocker_refuses_once_running() {
    for t in BOTH {
        assert_eq!(node(t, false).unlock_wallet(b"password1").await, Err(LndError::WalletAlreadyUnlocked), "{t:?}");
    }
}

#[wasm_bindgen_test]
async fn unreachable_and_cors_failures_are_diagnosed() {
    // Port 9 (discard) is closed on loopback.
    let nowhere = Lnd::new(Endpoint::parse("http://127.0.0.1:9", Transport::Rest, false).unwrap(), None);
    assert!(matches!(nowhere.get_state().await, Err(LndError::Unreachable { https: false, .. })));
    let no_cors_url = env(option_env!("LIGHTDECK_TEST_NO_CORS"), "LIGHTDECK_TEST_NO_CORS");
    let refusing = Lnd::new(Endpoint::parse(no_cors_url, Transport::Rest, false).unwrap(), None);
    match refusing.get_state().await {
        Err(LndError::Cors { origin, .. }) => assert!(origin.starts_with("http://127.0.0.1")),
        other => panic!("expected a CORS diagnosis, got {other:?}"),
    }
}

/// An invoice made on the node and read back in the browser: the request is decoded here
/// (lightning-invoice with libsecp256k1 compiled to wasm recovers the node's key), agrees
/// with the node's own decoding, and SubscribeInvoices replays what was added after a given
/// add index, which is how the app resumes after a break.
#[wasm_bindgen_test]
async fn invoices_are_decoded_in_the_browser_and_replayed_by_index() {
    use lightdeck::input::payment::{check_request, compare};
    let pubkey = env(option_env!("LIGHTDECK_TEST_PUBKEY"), "LIGHTDECK_TEST_PUBKEY");
    let now = (js_sys::Date::now() / 1000.0) as i64;
    for t in BOTH {
        let lnd = node(t, true);
        let req = lightdeck::lnd::pb::Invoice { value: 1_234, memo: format!("<i>web {t:?}</i>"), ..Default::default() };
        let added = lnd.add_invoice(req).await.unwrap_or_else(|e| panic!("{t:?}: {e}"));
        let local = check_request(&added.payment_request, "regtest", now).unwrap();
        assert_eq!(local.destination, pubkey, "{t:?}: the signature recovers the node's key");
        assert_eq!(local.amount_msat, 1_234_000);
        let decoded = lnd.decode_pay_req(&added.payment_request).await.unwrap();
        assert_eq!(compare(&local, &decoded), None, "{t:?}");
        let found = lnd.lookup_invoice(&added.r_hash).await.unwrap();
        assert_eq!(found.memo, format!("<i>web {t:?}</i>"));
        // An add index of 0 means "no backlog", so replay from this invoice to the next.
        let next = lnd.add_invoice(lightdeck::lnd::pb::Invoice { value: 1, ..Default::default() }).await.unwrap();
        let mut replay = lnd.subscribe_invoices(added.add_index, 0);
        let first = replay.next().await.expect("a replayed invoice").unwrap();
        assert_eq!(first.add_index, next.add_index, "{t:?}");
    }
}
