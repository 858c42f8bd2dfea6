//! SubscribeHtlcEvents through lnd's REST route on alice → bob → carol: each node hears of
//! the HTLCs it sends, forwards or receives, from its own side, as lnd's HTLC notifier
//! tells them: a payment settled, one refused by the payee, one failed at bob for lack of
//! balance.

mod common;

use common::{Lines, Rest};
use serde_json::{Value, json};

/// The next event's kind and type, e.g. ("forward_event", "SEND"), and the event.
async fn next(stream: &mut Lines) -> (String, String, Value) {
    let event = stream.next().await["result"].clone();
    let kind = ["forward_event", "forward_fail_event", "settle_event", "link_fail_event", "subscribed_event", "final_htlc_event"]
        .into_iter()
        .find(|k| event.get(*k).is_some_and(|v| !v.is_null()))
        .unwrap_or_else(|| panic!("no event in {event}"));
    (kind.to_string(), event["event_type"].as_str().unwrap_or_default().to_string(), event)
}

async fn kinds(stream: &mut Lines, n: usize) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    for _ in 0..n {
        let (kind, ty, _) = next(stream).await;
        seen.push((kind, ty));
    }
    seen
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

async fn pay(from: &Rest, request: &str) -> Value {
    let (status, lines) =
        from.stream("POST", "/v2/router/send", Some(json!({"payment_request": request, "timeout_seconds": 30, "fee_limit_sat": "100"}))).await;
    assert_eq!(status, 200, "{lines:?}");
    lines.last().unwrap()["result"].clone()
}

#[tokio::test]
async fn every_node_hears_of_its_htlcs() {
    let (network, _dir, nodes) = common::network(&["alice", "bob", "carol"]).await;
    let (alice, bob, carol) = (&nodes[0], &nodes[1], &nodes[2]);
    for name in ["alice", "carol"] {
        network.fund_node(name, 3_000_000, 1).await.unwrap();
    }
    network.open_channel("alice", "bob", 1_000_000, 0).await.unwrap();
    // Carol's channel: bob has the 100,000 sat she pushed on his side, of 1,000,000.
    network.open_channel("carol", "bob", 1_000_000, 100_000).await.unwrap();
    let mut streams = Vec::new();
    for node in [alice, bob, carol] {
        let mut s = node.open_stream("/v2/router/htlcevents").await;
        let (kind, _, first) = next(&mut s).await;
        assert_eq!(kind, "subscribed_event", "lnd says first that the subscription stands: {first}");
        streams.push(s);
    }
    let [a, b, c] = &mut streams[..] else { unreachable!() };

    // Settled: alice sends, bob forwards, carol receives.
    let request = network.add_invoice("carol", 10_000, "events").await.unwrap();
    let paid = pay(alice, &request).await;
    assert_eq!(paid["status"], "SUCCEEDED");
    assert_eq!(kinds(a, 2).await, pairs(&[("forward_event", "SEND"), ("settle_event", "SEND")]));
    let (kind, ty, forward) = next(b).await;
    assert_eq!((kind.as_str(), ty.as_str()), ("forward_event", "FORWARD"));
    let hops = paid["htlcs"][0]["route"]["hops"].as_array().unwrap();
    assert_eq!((forward["incoming_channel_id"].as_str(), forward["outgoing_channel_id"].as_str()), (hops[0]["chan_id"].as_str(), hops[1]["chan_id"].as_str()));
    let info = &forward["forward_event"]["info"];
    assert_eq!((info["incoming_amt_msat"].as_str(), info["outgoing_amt_msat"].as_str()), (Some("10001010"), Some("10000000")), "bob keeps his fee");
    // The HTLC bob took in expires at the route's total lock, the one he sent on at his
    // own hop's expiry (lnd's OutgoingTimeLock), padded 3 blocks past carol's 80.
    let route = &paid["htlcs"][0]["route"];
    assert_eq!((info["incoming_timelock"].as_i64(), info["outgoing_timelock"].as_i64()), (route["total_time_lock"].as_i64(), hops[0]["expiry"].as_i64()));
    assert_eq!(hops[0]["expiry"], hops[1]["expiry"], "bob sends on what carol's hop expires at");
    assert_eq!(route["total_time_lock"].as_i64().unwrap() - hops[0]["expiry"].as_i64().unwrap(), 80, "bob's time-lock delta");
    let (kind, _, settle) = next(b).await;
    assert_eq!(kind, "settle_event");
    assert_eq!(settle["settle_event"]["preimage"], json!(base64_of_hex(paid["payment_preimage"].as_str().unwrap())));
    let (kind, _, fin) = next(b).await;
    assert_eq!(
        (kind.as_str(), fin["final_htlc_event"]["settled"].as_bool(), fin["final_htlc_event"]["offchain"].as_bool()),
        ("final_htlc_event", Some(true), Some(true))
    );
    assert_eq!(kinds(c, 2).await, pairs(&[("settle_event", "RECEIVE"), ("final_htlc_event", "RECEIVE")]));

    // Refused by carol (the invoice was canceled, so a payment with an MPP record finds it
    // no longer open): her link fails it with lnd's words.
    let canceled = network.add_invoice("carol", 5_000, "canceled").await.unwrap();
    let hash = alice.get(&format!("/v1/payreq/{canceled}")).await["payment_hash"].as_str().unwrap().to_string();
    let (status, _) = carol.call("POST", "/v2/invoices/cancel", Some(json!({"payment_hash": base64_of_hex(&hash)}))).await;
    assert_eq!(status, 200);
    assert_eq!(pay(alice, &canceled).await["failure_reason"], "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS");
    assert_eq!(kinds(a, 2).await, pairs(&[("forward_event", "SEND"), ("forward_fail_event", "SEND")]));
    assert_eq!(kinds(b, 3).await, pairs(&[("forward_event", "FORWARD"), ("forward_fail_event", "FORWARD"), ("final_htlc_event", "FORWARD")]));
    let (kind, ty, fail) = next(c).await;
    assert_eq!((kind.as_str(), ty.as_str()), ("link_fail_event", "RECEIVE"));
    let link = &fail["link_fail_event"];
    assert_eq!(
        (link["wire_failure"].as_str(), link["failure_detail"].as_str(), link["failure_string"].as_str()),
        (Some("INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS"), Some("INVOICE_NOT_OPEN"), Some("invoice no longer open"))
    );
    assert_eq!(kinds(c, 1).await, pairs(&[("final_htlc_event", "RECEIVE")]));

    // Too much for bob's side of the channel to carol (alice's router sees only its
    // capacity): bob's link refuses, for lack of bandwidth.
    let big = network.add_invoice("carol", 150_000, "too big").await.unwrap();
    let failed = pay(alice, &big).await;
    assert_eq!(failed["status"], "FAILED");
    let (kind, ty, _) = next(a).await;
    assert_eq!((kind.as_str(), ty.as_str()), ("forward_event", "SEND"));
    let (kind, ty, fail) = next(b).await;
    assert_eq!((kind.as_str(), ty.as_str()), ("link_fail_event", "FORWARD"));
    assert_eq!(
        (
            fail["link_fail_event"]["failure_detail"].as_str(),
            fail["link_fail_event"]["failure_string"].as_str(),
            fail["link_fail_event"]["wire_failure"].as_str()
        ),
        (Some("INSUFFICIENT_BALANCE"), Some("insufficient bandwidth to route htlc"), Some("TEMPORARY_CHANNEL_FAILURE"))
    );
    assert_eq!(kinds(a, 1).await, pairs(&[("forward_fail_event", "SEND")]));
}

fn base64_of_hex(h: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(hex::decode(h).unwrap())
}
