//! Answers that clients written elsewhere rely on, each as lnd v0.20.0-beta gives it, over
//! REST and over gRPC: description hashes, requests without a payment secret, the network
//! checked first, paying an invoice already paid (an error of SendPaymentV2, a field of
//! SendPaymentSync's answer), SendPaymentV2's default timeout, self-payments, and
//! descriptions returned byte for byte.

mod common;

use std::time::Duration;

use base64::Engine;
use common::{Rest, grpc};
use devnode::{Network, NetworkConfig, NodeHandle, NodeSpec};
use futures::StreamExt;
use lnrpc::lnrpc as pb;
use lnrpc::routerrpc as rrpc;
use serde_json::{Value, json};
use tonic::Code;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

struct Node {
    rest: Rest,
    lightning: grpc::Lightning,
    router: grpc::Router,
    key: String,
}

/// alice → bob → carol, with channels; every node reachable over REST and gRPC.
async fn network() -> (Network, tempfile::TempDir, Vec<Node>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = NetworkConfig::new(dir.path());
    config.startup_step = Duration::from_millis(1);
    let network = Network::open(config).unwrap();
    let mut handles: Vec<(NodeHandle, String)> = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let mut spec = NodeSpec::new(name);
        spec.rest_tls = false;
        let node = network.start_node(spec).await.unwrap();
        let macaroon = network.create_wallet(name, b"password1").await.unwrap();
        network.fund_node(name, 5_000_000, 1).await.unwrap();
        handles.push((node, macaroon));
    }
    network
        .open_channel("alice", "bob", 1_000_000, 0)
        .await
        .unwrap();
    network
        .open_channel("bob", "carol", 1_000_000, 0)
        .await
        .unwrap();
    let mut nodes = Vec::new();
    for (i, (handle, macaroon)) in handles.iter().enumerate() {
        let (lightning, router) = grpc::connect(handle, macaroon).await;
        let name = ["alice", "bob", "carol"][i];
        let key = network
            .uri(name)
            .await
            .unwrap()
            .split_once('@')
            .unwrap()
            .0
            .to_string();
        nodes.push(Node {
            rest: Rest {
                addr: format!("127.0.0.1:{}", handle.spec.ports.rest),
                macaroon: macaroon.clone(),
            },
            lightning,
            router,
            key,
        });
    }
    (network, dir, nodes)
}

async fn invoice(node: &Node, body: Value) -> String {
    let (status, inv) = node.rest.call("POST", "/v1/invoices", Some(body)).await;
    assert_eq!(status, 200, "{inv}");
    inv["payment_request"].as_str().unwrap().to_string()
}

/// A request signed by a key no node holds, with no payment secret (`s` field), as
/// requests were made before payment secrets.
fn request_without_secret(amount_msat: i64) -> String {
    let key = bitcoin::secp256k1::SecretKey::from_slice(&[0x42; 32]).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let r = bolt11::Request {
        destination: String::new(),
        payment_hash: [5; 32],
        payment_addr: None,
        amount_msat,
        timestamp: now,
        expiry: 3600,
        description: "before payment secrets".into(),
        description_hash: String::new(),
        cltv_expiry: 40,
        route_hints: vec![],
        features: vec![],
        network: "regtest".into(),
    };
    bolt11::encode(&key, &r).unwrap()
}

/// BOLT 11's own mainnet example ("1 cup coffee"), for a node on regtest.
fn mainnet_request() -> String {
    let vectors: Vec<Value> =
        serde_json::from_str(include_str!("../../tests/vectors/bolt11.json")).unwrap();
    vectors
        .iter()
        .find(|v| v["kind"] == "invalid" && v["title"].as_str().unwrap().contains("`s` field"))
        .unwrap()["invoice"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn description_hash_is_kept_and_checked() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    let hash = [0xab_u8; 32];

    // REST: the request has an `h` field and no description; the invoice reports the hash.
    let request = invoice(
        carol,
        json!({"memo": "ignored by the request", "value": "1000", "description_hash": b64(&hash)}),
    )
    .await;
    let decoded = alice.rest.get(&format!("/v1/payreq/{request}")).await;
    assert_eq!(
        (
            decoded["description"].as_str(),
            decoded["description_hash"].as_str()
        ),
        (Some(""), Some(hex::encode(hash).as_str()))
    );
    let r_hash = hex::encode(bolt11::decode(&request).unwrap().payment_hash);
    let looked_up = carol.rest.get(&format!("/v1/invoice/{r_hash}")).await;
    assert_eq!(looked_up["description_hash"], b64(&hash));
    let (status, refused) = carol
        .rest
        .call(
            "POST",
            "/v1/invoices",
            Some(json!({"value": "1000", "description_hash": b64(&[1; 31])})),
        )
        .await;
    assert_eq!(
        (status, refused["message"].as_str()),
        (500, Some("description hash is 31 bytes, must be 32"))
    );

    // gRPC: the same answers.
    let mut grpc = carol.lightning.clone();
    let added = grpc
        .add_invoice(pb::Invoice {
            value: 2000,
            description_hash: hash.to_vec(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let decoded = alice
        .lightning
        .clone()
        .decode_pay_req(pb::PayReqString {
            pay_req: added.payment_request,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (decoded.description.as_str(), decoded.description_hash),
        ("", hex::encode(hash))
    );
    let refused = grpc
        .add_invoice(pb::Invoice {
            value: 2000,
            description_hash: vec![1; 33],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code(), refused.message()),
        (Code::Unknown, "description hash is 33 bytes, must be 32")
    );
}

#[tokio::test]
async fn requests_without_a_payment_secret_and_for_other_networks() {
    let (_network, _dir, nodes) = network().await;
    let alice = &nodes[0];
    let old = request_without_secret(50_000);

    // DecodePayReq reads it; the payment address is simply empty.
    let decoded = alice.rest.get(&format!("/v1/payreq/{old}")).await;
    assert_eq!(
        (
            decoded["num_satoshis"].as_str(),
            decoded["payment_addr"].as_str()
        ),
        (Some("50"), Some(""))
    );
    let grpc_decoded = alice
        .lightning
        .clone()
        .decode_pay_req(pb::PayReqString {
            pay_req: old.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(grpc_decoded.payment_addr.is_empty());

    // SendPaymentSync goes on to path finding: no route to a node nobody knows, in the answer.
    let (status, sync) = alice
        .rest
        .call(
            "POST",
            "/v1/channels/transactions",
            Some(json!({"payment_request": old})),
        )
        .await;
    assert_eq!(
        (status, sync["payment_error"].as_str()),
        (200, Some("no_route")),
        "{sync}"
    );
    #[allow(deprecated)]
    let sync = alice
        .lightning
        .clone()
        .send_payment_sync(pb::SendRequest {
            payment_request: old.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sync.payment_error, "no_route");

    // SendPaymentV2 refuses it before anything is sent.
    let words = "payment request must contain either a payment address or blinded paths";
    let (status, v2) = alice
        .rest
        .call(
            "POST",
            "/v2/router/send",
            Some(json!({"payment_request": old, "timeout_seconds": 10})),
        )
        .await;
    assert_eq!(
        (status, v2["error"]["message"].as_str()),
        (500, Some(words)),
        "{v2}"
    );
    let refused = alice
        .router
        .clone()
        .send_payment_v2(rrpc::SendPaymentRequest {
            payment_request: old,
            timeout_seconds: 10,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!((refused.code(), refused.message()), (Code::Unknown, words));

    // The network is checked before the fields: a mainnet request is refused for that,
    // not for what it lacks.
    let mainnet = mainnet_request();
    let words = "invoice not for current active network 'regtest'";
    let (status, v) = alice
        .rest
        .call("GET", &format!("/v1/payreq/{mainnet}"), None)
        .await;
    assert_eq!((status, v["message"].as_str()), (500, Some(words)));
    let (_, v) = alice
        .rest
        .call(
            "POST",
            "/v1/channels/transactions",
            Some(json!({"payment_request": mainnet})),
        )
        .await;
    assert_eq!(v["message"].as_str(), Some(words), "{v}");
    let refused = alice
        .lightning
        .clone()
        .decode_pay_req(pb::PayReqString {
            pay_req: mainnet.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.message(), words);
    let refused = alice
        .router
        .clone()
        .send_payment_v2(rrpc::SendPaymentRequest {
            payment_request: mainnet,
            timeout_seconds: 10,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.message(), words);
}

async fn paid(stream: tonic::Streaming<pb::Payment>) -> pb::Payment {
    let updates: Vec<pb::Payment> = stream.map(|u| u.unwrap()).collect().await;
    let last = updates.last().unwrap().clone();
    assert_eq!(
        last.status,
        pb::payment::PaymentStatus::Succeeded as i32,
        "{updates:?}"
    );
    last
}

#[tokio::test]
async fn an_invoice_paid_twice_and_the_default_timeout() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);

    // Without timeout_seconds lnd (since 0.19) uses 60 s and pays.
    let request = invoice(carol, json!({"value": "1000"})).await;
    let (status, lines) = alice
        .rest
        .stream(
            "POST",
            "/v2/router/send",
            Some(json!({"payment_request": request, "fee_limit_sat": "10"})),
        )
        .await;
    assert_eq!(status, 200, "{lines:?}");
    assert_eq!(
        lines.last().unwrap()["result"]["status"],
        "SUCCEEDED",
        "{lines:?}"
    );

    // Again, by REST: SendPaymentV2 answers AlreadyExists (409); SendPaymentSync answers
    // 200 with the words in payment_error.
    let (status, again) = alice
        .rest
        .call(
            "POST",
            "/v2/router/send",
            Some(json!({"payment_request": request, "timeout_seconds": 10})),
        )
        .await;
    assert_eq!(
        (
            status,
            again["error"]["code"].as_i64(),
            again["error"]["message"].as_str()
        ),
        (409, Some(6), Some("invoice is already paid")),
        "{again}"
    );
    let (status, sync) = alice
        .rest
        .call(
            "POST",
            "/v1/channels/transactions",
            Some(json!({"payment_request": request})),
        )
        .await;
    assert_eq!(
        (status, sync["payment_error"].as_str()),
        (200, Some("invoice is already paid")),
        "{sync}"
    );
    assert_eq!(
        sync["payment_hash"],
        b64(&bolt11::decode(&request).unwrap().payment_hash)
    );

    // And by gRPC.
    let request = carol
        .lightning
        .clone()
        .add_invoice(pb::Invoice {
            value: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .payment_request;
    let mut router = alice.router.clone();
    paid(
        router
            .send_payment_v2(rrpc::SendPaymentRequest {
                payment_request: request.clone(),
                fee_limit_sat: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner(),
    )
    .await;
    let refused = router
        .send_payment_v2(rrpc::SendPaymentRequest {
            payment_request: request.clone(),
            timeout_seconds: 10,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code(), refused.message()),
        (Code::AlreadyExists, "invoice is already paid")
    );
    #[allow(deprecated)]
    let sync = alice
        .lightning
        .clone()
        .send_payment_sync(pb::SendRequest {
            payment_request: request,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (sync.payment_error.as_str(), sync.payment_preimage.len()),
        ("invoice is already paid", 0)
    );
}

#[tokio::test]
async fn self_payments_are_refused_in_lnds_words() {
    let (_network, _dir, nodes) = network().await;
    let alice = &nodes[0];
    let words = "self-payments not allowed";
    let own = invoice(alice, json!({"value": "1000"})).await;
    let (_, v2) = alice
        .rest
        .call(
            "POST",
            "/v2/router/send",
            Some(json!({"payment_request": own, "timeout_seconds": 10})),
        )
        .await;
    assert_eq!(v2["error"]["message"].as_str(), Some(words), "{v2}");
    let refused = alice
        .router
        .clone()
        .send_payment_v2(rrpc::SendPaymentRequest {
            dest: hex::decode(&alice.key).unwrap(),
            amt: 10,
            payment_hash: vec![3; 32],
            timeout_seconds: 5,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.message(), words);
    #[allow(deprecated)]
    let sync = alice
        .lightning
        .clone()
        .send_payment_sync(pb::SendRequest {
            payment_request: own,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(sync.message(), words);
}

#[tokio::test]
async fn descriptions_are_returned_as_written() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    for memo in [
        "two\nlines\tand a tab",
        "family 👨\u{200d}👩\u{200d}👧",
        "\u{202e}reversed\u{202c} \u{200b}zero-width",
    ] {
        let request = invoice(carol, json!({"value": "1000", "memo": memo})).await;
        let decoded = alice.rest.get(&format!("/v1/payreq/{request}")).await;
        assert_eq!(decoded["description"].as_str(), Some(memo));
        let grpc = alice
            .lightning
            .clone()
            .decode_pay_req(pb::PayReqString {
                pay_req: request.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(grpc.description, memo);
        let hash = hex::encode(bolt11::decode(&request).unwrap().payment_hash);
        assert_eq!(
            carol.rest.get(&format!("/v1/invoice/{hash}")).await["memo"].as_str(),
            Some(memo)
        );
        let listed = carol
            .rest
            .get("/v1/invoices?reversed=true&num_max_invoices=1")
            .await;
        assert_eq!(listed["invoices"][0]["memo"].as_str(), Some(memo));
    }
}
