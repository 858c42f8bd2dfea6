//! Invoices and payments through lnd's REST routes on a small network (alice → bob →
//! carol → alice): BOLT 11 invoices, decode, SendPaymentV2 over two hops with bob's fee,
//! a payment refused twice, hold invoices settled and canceled, keysend, QueryRoutes, a
//! circular rebalance, ListPayments and the invoice stream's backlog.

mod common;

use base64::Engine;
use common::{Rest, b64, b64url, eventually};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn clone(r: &Rest) -> Rest {
    Rest { addr: r.addr.clone(), macaroon: r.macaroon.clone() }
}

async fn pay(from: &Rest, body: Value) -> Vec<Value> {
    let (status, lines) = from.stream("POST", "/v2/router/send", Some(body)).await;
    assert_eq!(status, 200, "{lines:?}");
    lines.into_iter().map(|l| l["result"].clone()).collect()
}

async fn local_balance(node: &Rest, chan_id: &Value) -> i64 {
    let channels = node.get("/v1/channels").await;
    let ch = channels["channels"].as_array().unwrap().iter().find(|c| c["chan_id"] == *chan_id).unwrap().clone();
    ch["local_balance"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn invoices_and_payments_as_lnd() {
    let (network, _dir, nodes) = common::network(&["alice", "bob", "carol"]).await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    for name in ["alice", "bob", "carol"] {
        network.fund_node(name, 5_000_000, 1).await.unwrap();
    }
    network.open_channel("alice", "bob", 1_000_000, 0).await.unwrap();
    network.open_channel("bob", "carol", 1_000_000, 0).await.unwrap();
    network.open_channel("carol", "alice", 1_000_000, 0).await.unwrap();
    let key = |name: &str| {
        let n = name.to_string();
        let net = &network;
        async move { net.uri(&n).await.unwrap().split_once('@').unwrap().0.to_string() }
    };
    let (alice_key, bob_key, carol_key) = (key("alice").await, key("bob").await, key("carol").await);

    // An invoice, decoded by the payer before paying.
    let (status, inv) = carol.call("POST", "/v1/invoices", Some(json!({"memo": "coffee", "value": "10000"}))).await;
    assert_eq!(status, 200, "{inv}");
    let request = inv["payment_request"].as_str().unwrap().to_string();
    assert!(request.starts_with("lnbcrt100u1"), "{request}");
    assert_eq!(inv["add_index"], "1");
    let decoded = alice.get(&format!("/v1/payreq/{request}")).await;
    assert_eq!(
        (decoded["destination"].as_str(), decoded["num_satoshis"].as_str(), decoded["description"].as_str()),
        (Some(carol_key.as_str()), Some("10000"), Some("coffee"))
    );
    assert_eq!(decoded["cltv_expiry"], "80");
    let info = alice.get(&format!("/v1/graph/node/{carol_key}")).await;
    assert_eq!((info["node"]["alias"].as_str(), info["num_channels"].as_i64()), (Some("carol"), Some(2)));
    let (status, missing) = alice.call("GET", "/v1/graph/node/0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", None).await;
    assert_eq!((status, missing["message"].as_str()), (404, Some("unable to find node")));

    // Paid over alice → bob → carol? The cheapest route is the direct channel carol–alice,
    // but alice's side of it is empty (carol opened it), so the payment goes through bob.
    let updates = pay(alice, json!({"payment_request": request, "timeout_seconds": 30, "fee_limit_sat": "100"})).await;
    let last = updates.last().unwrap();
    assert_eq!(updates[0]["status"], "IN_FLIGHT");
    assert_eq!(last["status"], "SUCCEEDED", "{updates:?}");
    let preimage = last["payment_preimage"].as_str().unwrap();
    assert_eq!(hex::encode(Sha256::digest(hex::decode(preimage).unwrap())), decoded["payment_hash"].as_str().unwrap());
    let hops = last["htlcs"][0]["route"]["hops"].as_array().unwrap();
    assert_eq!(hops.iter().map(|h| h["pub_key"].as_str().unwrap()).collect::<Vec<_>>(), [bob_key.as_str(), carol_key.as_str()]);
    assert_eq!(last["fee_msat"], "1010", "bob charges 1 sat + 1 ppm");
    let settled = carol.get(&format!("/v1/invoice/{}", decoded["payment_hash"].as_str().unwrap())).await;
    assert_eq!((settled["state"].as_str(), settled["amt_paid_sat"].as_str(), settled["settle_index"].as_str()), (Some("SETTLED"), Some("10000"), Some("1")));
    assert_eq!(settled["r_preimage"], b64(&hex::decode(preimage).unwrap()));
    let (status, again) = alice.call("POST", "/v2/router/send", Some(json!({"payment_request": request, "timeout_seconds": 30}))).await;
    assert_eq!((status, again["error"]["message"].as_str()), (409, Some("invoice is already paid")));
    let (_, sync) = alice.call("POST", "/v1/channels/transactions", Some(json!({"payment_request": request}))).await;
    assert_eq!(sync["payment_error"], "invoice is already paid");
    let payments = alice.get("/v1/payments?include_incomplete=true").await;
    assert_eq!(payments["payments"].as_array().unwrap().len(), 1);
    assert_eq!(payments["payments"][0]["payment_index"], "1");

    // Hold invoices: the payment waits, then settles or fails as the receiver decides.
    for settle in [true, false] {
        let preimage: [u8; 32] = if settle { [7; 32] } else { [8; 32] };
        let hash = Sha256::digest(preimage).to_vec();
        let (status, hold) = carol.call("POST", "/v2/invoices/hodl", Some(json!({"hash": b64(&hash), "value": "5000", "memo": "held"}))).await;
        assert_eq!(status, 200, "{hold}");
        let paying = {
            let a = clone(alice);
            let body = json!({"payment_request": hold["payment_request"], "timeout_seconds": 30, "fee_limit_sat": "10"});
            tokio::spawn(async move { pay(&a, body).await })
        };
        let lookup = format!("/v2/invoices/lookup?payment_hash={}", b64url(&hash));
        eventually("the HTLC to be accepted", async || carol.get(&lookup).await["state"] == "ACCEPTED").await;
        let track = {
            let a = clone(alice);
            let path = format!("/v2/router/track/{}?no_inflight_updates=false", b64url(&hash));
            tokio::spawn(async move { a.stream("GET", &path, None).await })
        };
        if settle {
            let (status, v) = carol.call("POST", "/v2/invoices/settle", Some(json!({"preimage": b64(&preimage)}))).await;
            assert_eq!(status, 200, "{v}");
        } else {
            let (status, v) = carol.call("POST", "/v2/invoices/cancel", Some(json!({"payment_hash": b64(&hash)}))).await;
            assert_eq!(status, 200, "{v}");
        }
        let updates = paying.await.unwrap();
        let last = updates.last().unwrap();
        if settle {
            assert_eq!(last["status"], "SUCCEEDED");
            assert_eq!(carol.get(&lookup).await["state"], "SETTLED");
        } else {
            assert_eq!((last["status"].as_str(), last["failure_reason"].as_str()), (Some("FAILED"), Some("FAILURE_REASON_INCORRECT_PAYMENT_DETAILS")));
            assert_eq!(carol.get(&lookup).await["state"], "CANCELED");
        }
        let (_, tracked) = track.await.unwrap();
        assert_eq!(tracked.last().unwrap()["result"]["status"], last["status"]);
    }
    let (_, v) = carol.call("POST", "/v2/invoices/settle", Some(json!({"preimage": b64(&[9; 32])}))).await;
    assert_eq!(v["message"], "unable to locate invoice");

    // Keysend: the preimage travels in custom record 5482373484, with a message.
    let preimage = [5u8; 32];
    let hash = Sha256::digest(preimage).to_vec();
    let records = json!({"5482373484": b64(&preimage), "34349334": b64(b"hello carol")});
    let body = json!({"dest": b64(&hex::decode(&carol_key).unwrap()), "amt": "2000", "payment_hash": b64(&hash), "dest_custom_records": records, "timeout_seconds": 30, "fee_limit_sat": "10"});
    let updates = pay(alice, body).await;
    assert_eq!(updates.last().unwrap()["status"], "SUCCEEDED", "{updates:?}");
    let invoices = carol.get("/v1/invoices").await;
    let keysend = invoices["invoices"].as_array().unwrap().iter().find(|i| i["is_keysend"] == true).expect("a keysend invoice");
    assert_eq!(keysend["htlcs"][0]["custom_records"]["34349334"], b64(b"hello carol"));

    // No route to a node without channels; no balance for more than the channels hold.
    // The generator point: a valid key no node here has.
    let stranger = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    let body =
        json!({"dest": b64(&hex::decode(stranger).unwrap()), "amt": "1000", "payment_hash": b64(&[1; 32]), "timeout_seconds": 10, "fee_limit_sat": "10"});
    let updates = pay(alice, body).await;
    assert_eq!(updates.last().unwrap()["failure_reason"], "FAILURE_REASON_NO_ROUTE");
    let (_, big) = carol.call("POST", "/v1/invoices", Some(json!({"value": "5000000"}))).await;
    let updates = pay(alice, json!({"payment_request": big["payment_request"], "timeout_seconds": 10, "fee_limit_sat": "1000"})).await;
    assert_eq!(updates.last().unwrap()["failure_reason"], "FAILURE_REASON_INSUFFICIENT_BALANCE");

    // QueryRoutes, with and without an outgoing channel.
    let routes = alice.get(&format!("/v1/graph/routes/{carol_key}/1000")).await;
    assert_eq!(routes["routes"][0]["hops"].as_array().unwrap().len(), 2);

    // A circular rebalance: out through bob, back in from carol, paying ourselves.
    let channels = alice.get("/v1/channels").await;
    let with = |peer: &str| channels["channels"].as_array().unwrap().iter().find(|c| c["remote_pubkey"] == peer).unwrap()["chan_id"].clone();
    let (to_bob, from_carol) = (with(&bob_key), with(&carol_key));
    let before = (local_balance(alice, &to_bob).await, local_balance(alice, &from_carol).await);
    let (_, own) = alice.call("POST", "/v1/invoices", Some(json!({"value": "50000", "memo": "rebalance"}))).await;
    let body = json!({"payment_request": own["payment_request"], "timeout_seconds": 30, "fee_limit_sat": "100", "allow_self_payment": true,
        "outgoing_chan_ids": [to_bob], "last_hop_pubkey": b64(&hex::decode(&carol_key).unwrap())});
    let updates = pay(alice, body).await;
    let last = updates.last().unwrap();
    assert_eq!(last["status"], "SUCCEEDED", "{updates:?}");
    let fee: i64 = last["fee_sat"].as_str().unwrap().parse().unwrap();
    let after = (local_balance(alice, &to_bob).await, local_balance(alice, &from_carol).await);
    assert_eq!(after.0, before.0 - 50_000 - fee, "left through bob");
    assert_eq!(after.1, before.1 + 50_000, "came back from carol");
    let direct = alice.get(&format!("/v1/graph/routes/{carol_key}/1000?outgoing_chan_ids={}&final_cltv_delta=40", from_carol.as_str().unwrap())).await;
    assert_eq!(direct["routes"][0]["hops"].as_array().unwrap().len(), 1, "{direct}");
    assert_eq!(direct["routes"][0]["hops"][0]["chan_id"], from_carol);
    let (_, refused) = alice
        .call(
            "POST",
            "/v2/router/send",
            Some(json!({"dest": b64(&hex::decode(&alice_key).unwrap()), "amt": "10", "payment_hash": b64(&[3; 32]), "timeout_seconds": 5})),
        )
        .await;
    assert_eq!(refused["error"]["message"], "self-payments not allowed");

    // The invoice stream replays what was added after an index, then goes live.
    let sub = {
        let c = clone(carol);
        tokio::spawn(async move { c.stream("GET", "/v1/invoices/subscribe?add_index=3", None).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    network.stop_node("carol").await.unwrap();
    let (_, backlog) = sub.await.unwrap();
    let indexes: Vec<&str> = backlog.iter().map(|l| l["result"]["add_index"].as_str().unwrap()).collect();
    assert_eq!(indexes, ["4", "5"], "the keysend and the big invoice");
}

/// `--lnd 0.21`: the synchronous payment RPCs are gone (REST 404; gRPC's "unknown method" is
/// tested with the gRPC routes), the router's remain.
#[tokio::test]
async fn lnd_0_21_has_no_synchronous_payments() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = devnode::NetworkConfig::new(dir.path());
    config.startup_step = std::time::Duration::from_millis(1);
    let network = devnode::Network::open(config).unwrap();
    let spec = devnode::NodeSpec { rest_tls: false, lnd: devnode::rpc::LndVersion::V0_21, ..devnode::NodeSpec::new("new") };
    let node = network.start_node(spec).await.unwrap();
    let macaroon = network.create_wallet("new", b"password1").await.unwrap();
    let rest = Rest { addr: format!("127.0.0.1:{}", node.spec.ports.rest), macaroon };
    assert_eq!(rest.get("/v1/getinfo").await["version"], "0.21.0-beta commit=v0.21.0-beta");
    let (status, v) = rest.call("POST", "/v1/channels/transactions", Some(json!({"payment_request": "lnbcrt1"}))).await;
    assert_eq!((status, v["message"].as_str()), (404, Some("Not Found")));
    let (status, _) = rest.call("POST", "/v1/channels/transactions/route", Some(json!({}))).await;
    assert_eq!(status, 404);
    let (status, v) = rest.call("POST", "/v2/router/send", Some(json!({"payment_request": "lnbcrt1", "timeout_seconds": 5}))).await;
    assert_eq!(status, 500, "the router answers: {v}");
}

/// A node without the router sub-server (or behind a proxy without it): its REST routes are
/// not there, the main service's are.
#[tokio::test]
async fn a_node_without_the_router_has_no_v2_routes() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = devnode::NetworkConfig::new(dir.path());
    config.startup_step = std::time::Duration::from_millis(1);
    let network = devnode::Network::open(config).unwrap();
    let spec =
        devnode::NodeSpec { rest_tls: false, unserved: vec!["routerrpc.Router".into(), "lnrpc.Lightning.OpenChannel".into()], ..devnode::NodeSpec::new("old") };
    let node = network.start_node(spec).await.unwrap();
    let macaroon = network.create_wallet("old", b"password1").await.unwrap();
    let rest = Rest { addr: format!("127.0.0.1:{}", node.spec.ports.rest), macaroon };
    for (method, path) in [("POST", "/v2/router/send"), ("GET", "/v2/router/track/AAAA"), ("POST", "/v2/router/route/send"), ("POST", "/v1/channels/stream")] {
        let (status, v) = rest.call(method, path, Some(json!({}))).await;
        assert_eq!((status, v["message"].as_str()), (404, Some("Not Found")), "{method} {path}");
    }
    let (status, v) = rest.call("POST", "/v1/channels/transactions", Some(json!({"payment_request": "lnbcrt1"}))).await;
    assert_eq!(status, 500, "SendPaymentSync is there and refuses the request: {v}");
    let (status, v) = rest.call("POST", "/v1/channels", Some(json!({"node_pubkey_string": "02", "local_funding_amount": "100000"}))).await;
    assert_eq!(status, 500, "OpenChannelSync is there: {v}");
}

/// lnd's invoice expiry watcher: an open invoice past its expiry is canceled, and a held
/// payment is failed back 12 blocks before its HTLC times out (`holdexpirydelta`), so the
/// channel need not be force closed.
#[tokio::test]
async fn invoices_expire_as_lnd() {
    let (network, _dir, nodes) = common::network(&["alice", "bob"]).await;
    let (alice, bob) = (&nodes[0], &nodes[1]);
    network.fund_node("alice", 2_000_000, 1).await.unwrap();
    network.open_channel("alice", "bob", 1_000_000, 0).await.unwrap();

    let (_, short) = bob.call("POST", "/v1/invoices", Some(json!({"value": "1000", "expiry": "1"}))).await;
    let lookup =
        format!("/v2/invoices/lookup?payment_hash={}", b64url(&base64::engine::general_purpose::STANDARD.decode(short["r_hash"].as_str().unwrap()).unwrap()));
    assert_eq!(bob.get(&lookup).await["state"], "OPEN");
    let mut state = Value::Null;
    for _ in 0..100 {
        state = bob.get(&lookup).await["state"].clone();
        if state == "CANCELED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, "CANCELED", "an expired invoice is canceled");

    let preimage = [3u8; 32];
    let hash = Sha256::digest(preimage).to_vec();
    let (_, hold) = bob.call("POST", "/v2/invoices/hodl", Some(json!({"hash": b64(&hash), "value": "5000"}))).await;
    let paying = {
        let a = clone(alice);
        let body = json!({"payment_request": hold["payment_request"], "timeout_seconds": 60, "fee_limit_sat": "10"});
        tokio::spawn(async move { pay(&a, body).await })
    };
    let lookup = format!("/v2/invoices/lookup?payment_hash={}", b64url(&hash));
    eventually("the HTLC to be accepted", async || bob.get(&lookup).await["state"] == "ACCEPTED").await;
    let invoice = bob.get(&lookup).await;
    let expiry: u32 = invoice["htlcs"][0]["expiry_height"].as_u64().unwrap() as u32;
    let height = network.height();
    network.mine(expiry - 12 - height - 1).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(bob.get(&lookup).await["state"], "ACCEPTED", "13 blocks before the HTLC times out, still held");
    network.mine(1).unwrap();
    eventually("the hold invoice to be canceled", async || bob.get(&lookup).await["state"] == "CANCELED").await;
    let updates = paying.await.unwrap();
    let last = updates.last().unwrap();
    assert_eq!((last["status"].as_str(), last["failure_reason"].as_str()), (Some("FAILED"), Some("FAILURE_REASON_INCORRECT_PAYMENT_DETAILS")));
}

/// lnd's FAILURE_REASON_TIMEOUT: attempts stop once the payment's timeout has passed. With
/// bob slow to fail HTLCs back, the first attempt outlasts a 5-second timeout; without, the
/// same payment fails for lack of a route.
#[tokio::test]
async fn a_slow_hop_makes_a_payment_time_out() {
    let (network, _dir, nodes) = common::network(&["alice", "bob", "carol"]).await;
    let alice = &nodes[0];
    for name in ["alice", "carol"] {
        network.fund_node(name, 3_000_000, 1).await.unwrap();
    }
    network.open_channel("alice", "bob", 1_000_000, 0).await.unwrap();
    // Carol's channel to bob: its capacity invites alice's pathfinding, but bob has nothing
    // on his side to pass on, so each attempt fails at bob.
    network.open_channel("carol", "bob", 1_000_000, 0).await.unwrap();
    let too_big = |memo: &str| {
        let net = &network;
        let memo = memo.to_string();
        async move { net.add_invoice("carol", 200_000, &memo).await.unwrap() }
    };
    let body = |request: String| json!({"payment_request": request, "timeout_seconds": 5, "fee_limit_sat": "1000"});
    let updates = pay(alice, body(too_big("quick").await)).await;
    let last = updates.last().unwrap();
    assert_eq!((last["failure_reason"].as_str(), last["htlcs"].as_array().map(Vec::len)), (Some("FAILURE_REASON_NO_ROUTE"), Some(1)));

    network.rpc("bob").await.unwrap().set_htlc_hold(std::time::Duration::from_secs(10));
    let updates = pay(alice, body(too_big("slow").await)).await;
    let last = updates.last().unwrap();
    assert_eq!((last["status"].as_str(), last["failure_reason"].as_str()), (Some("FAILED"), Some("FAILURE_REASON_TIMEOUT")));
    assert_eq!(last["htlcs"].as_array().unwrap().len(), 1, "no attempt after the timeout");
}
