//! Answers that clients written elsewhere rely on, each as lnd v0.20.0-beta gives it, over
//! REST and over gRPC: description hashes, requests without a payment secret, the network
//! checked first, paying an invoice already paid (an error of SendPaymentV2, a field of
//! SendPaymentSync's answer), SendPaymentV2's default timeout, self-payments, and
//! descriptions returned byte for byte, and feature bits as lnd numbers and names them.

mod common;

use std::time::Duration;

use base64::Engine;
use common::{Rest, b64, b64url, grpc};
use devnode::plan::{Built, NodePlan, Plan};
use devnode::{Network, NetworkConfig, NodeHandle, NodeSpec};
use futures::StreamExt;
use lnrpc::lnrpc as pb;
use lnrpc::routerrpc as rrpc;
use serde_json::{Value, json};
use sha2::Digest;
use tonic::Code;

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
    let plan = Plan { nodes: ["alice", "bob", "carol"].map(|n| NodePlan::new(n).funded(5_000_000)).into(), channels: vec![] }
        .channel("alice", "bob", 1_000_000, 0)
        .channel("bob", "carol", 1_000_000, 0);
    let mut nodes = Vec::new();
    for Built { handle, macaroon } in network.build(plan).await.unwrap() {
        let (lightning, router) = grpc::connect(&handle, &macaroon).await;
        let key = network.uri(&handle.spec.name).await.unwrap().split_once('@').unwrap().0.to_string();
        nodes.push(Node { rest: Rest { addr: format!("127.0.0.1:{}", handle.spec.ports.rest), macaroon }, lightning, router, key });
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
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
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
    let vectors: Vec<Value> = serde_json::from_str(include_str!("../../tests/vectors/bolt11.json")).unwrap();
    vectors.iter().find(|v| v["kind"] == "invalid" && v["title"].as_str().unwrap().contains("`s` field")).unwrap()["invoice"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn description_hash_is_kept_and_checked() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    let hash = [0xab_u8; 32];

    // REST: the request has an `h` field and no description; the invoice reports the hash.
    let request = invoice(carol, json!({"memo": "ignored by the request", "value": "1000", "description_hash": b64(&hash)})).await;
    let decoded = alice.rest.get(&format!("/v1/payreq/{request}")).await;
    assert_eq!((decoded["description"].as_str(), decoded["description_hash"].as_str()), (Some(""), Some(hex::encode(hash).as_str())));
    let r_hash = hex::encode(bolt11::decode(&request).unwrap().payment_hash);
    let looked_up = carol.rest.get(&format!("/v1/invoice/{r_hash}")).await;
    assert_eq!(looked_up["description_hash"], b64(&hash));
    let (status, refused) = carol.rest.call("POST", "/v1/invoices", Some(json!({"value": "1000", "description_hash": b64(&[1; 31])}))).await;
    assert_eq!((status, refused["message"].as_str()), (500, Some("description hash is 31 bytes, must be 32")));

    // gRPC: the same answers.
    let mut grpc = carol.lightning.clone();
    let added = grpc.add_invoice(pb::Invoice { value: 2000, description_hash: hash.to_vec(), ..Default::default() }).await.unwrap().into_inner();
    let decoded = alice.lightning.clone().decode_pay_req(pb::PayReqString { pay_req: added.payment_request }).await.unwrap().into_inner();
    assert_eq!((decoded.description.as_str(), decoded.description_hash), ("", hex::encode(hash)));
    let refused = grpc.add_invoice(pb::Invoice { value: 2000, description_hash: vec![1; 33], ..Default::default() }).await.unwrap_err();
    assert_eq!((refused.code(), refused.message()), (Code::Unknown, "description hash is 33 bytes, must be 32"));
}

#[tokio::test]
async fn requests_without_a_payment_secret_and_for_other_networks() {
    let (_network, _dir, nodes) = network().await;
    let alice = &nodes[0];
    let old = request_without_secret(50_000);

    // DecodePayReq reads it; the payment address is 32 zero bytes (rpcserver.go's
    // PaymentAddr.UnwrapOr([32]byte{})).
    let decoded = alice.rest.get(&format!("/v1/payreq/{old}")).await;
    assert_eq!((decoded["num_satoshis"].as_str(), decoded["payment_addr"].as_str()), (Some("50"), Some(b64(&[0; 32]).as_str())));
    let grpc_decoded = alice.lightning.clone().decode_pay_req(pb::PayReqString { pay_req: old.clone() }).await.unwrap().into_inner();
    assert_eq!(grpc_decoded.payment_addr, [0; 32]);

    // SendPaymentSync goes on to path finding: no route to a node nobody knows, in the answer.
    let (status, sync) = alice.rest.call("POST", "/v1/channels/transactions", Some(json!({"payment_request": old}))).await;
    assert_eq!((status, sync["payment_error"].as_str()), (200, Some("no_route")), "{sync}");
    #[allow(deprecated)]
    let sync = alice.lightning.clone().send_payment_sync(pb::SendRequest { payment_request: old.clone(), ..Default::default() }).await.unwrap().into_inner();
    assert_eq!(sync.payment_error, "no_route");

    // SendPaymentV2 refuses it before anything is sent.
    let words = "payment request must contain either a payment address or blinded paths";
    let (status, v2) = alice.rest.call("POST", "/v2/router/send", Some(json!({"payment_request": old, "timeout_seconds": 10}))).await;
    assert_eq!((status, v2["error"]["message"].as_str()), (500, Some(words)), "{v2}");
    let refused =
        alice.router.clone().send_payment_v2(rrpc::SendPaymentRequest { payment_request: old, timeout_seconds: 10, ..Default::default() }).await.unwrap_err();
    assert_eq!((refused.code(), refused.message()), (Code::Unknown, words));

    // The network is checked before the fields: a mainnet request is refused for that,
    // not for what it lacks.
    let mainnet = mainnet_request();
    let words = "invoice not for current active network 'regtest'";
    let (status, v) = alice.rest.call("GET", &format!("/v1/payreq/{mainnet}"), None).await;
    assert_eq!((status, v["message"].as_str()), (500, Some(words)));
    let (_, v) = alice.rest.call("POST", "/v1/channels/transactions", Some(json!({"payment_request": mainnet}))).await;
    assert_eq!(v["message"].as_str(), Some(words), "{v}");
    let refused = alice.lightning.clone().decode_pay_req(pb::PayReqString { pay_req: mainnet.clone() }).await.unwrap_err();
    assert_eq!(refused.message(), words);
    let refused = alice
        .router
        .clone()
        .send_payment_v2(rrpc::SendPaymentRequest { payment_request: mainnet, timeout_seconds: 10, ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(refused.message(), words);
}

async fn paid(stream: tonic::Streaming<pb::Payment>) -> pb::Payment {
    let updates: Vec<pb::Payment> = stream.map(|u| u.unwrap()).collect().await;
    let last = updates.last().unwrap().clone();
    assert_eq!(last.status, pb::payment::PaymentStatus::Succeeded as i32, "{updates:?}");
    last
}

#[tokio::test]
async fn an_invoice_paid_twice_and_the_default_timeout() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);

    // Without timeout_seconds lnd (since 0.19) uses 60 s and pays.
    let request = invoice(carol, json!({"value": "1000"})).await;
    let (status, lines) = alice.rest.stream("POST", "/v2/router/send", Some(json!({"payment_request": request, "fee_limit_sat": "10"}))).await;
    assert_eq!(status, 200, "{lines:?}");
    assert_eq!(lines.last().unwrap()["result"]["status"], "SUCCEEDED", "{lines:?}");

    // Again, by REST: SendPaymentV2 answers AlreadyExists (409); SendPaymentSync answers
    // 200 with the words in payment_error.
    let (status, again) = alice.rest.call("POST", "/v2/router/send", Some(json!({"payment_request": request, "timeout_seconds": 10}))).await;
    assert_eq!((status, again["error"]["code"].as_i64(), again["error"]["message"].as_str()), (409, Some(6), Some("invoice is already paid")), "{again}");
    let (status, sync) = alice.rest.call("POST", "/v1/channels/transactions", Some(json!({"payment_request": request}))).await;
    assert_eq!((status, sync["payment_error"].as_str()), (200, Some("invoice is already paid")), "{sync}");
    assert_eq!(sync["payment_hash"], b64(&bolt11::decode(&request).unwrap().payment_hash));

    // And by gRPC.
    let request = carol.lightning.clone().add_invoice(pb::Invoice { value: 1000, ..Default::default() }).await.unwrap().into_inner().payment_request;
    let mut router = alice.router.clone();
    paid(
        router
            .send_payment_v2(rrpc::SendPaymentRequest { payment_request: request.clone(), fee_limit_sat: 10, ..Default::default() })
            .await
            .unwrap()
            .into_inner(),
    )
    .await;
    let refused =
        router.send_payment_v2(rrpc::SendPaymentRequest { payment_request: request.clone(), timeout_seconds: 10, ..Default::default() }).await.unwrap_err();
    assert_eq!((refused.code(), refused.message()), (Code::AlreadyExists, "invoice is already paid"));
    #[allow(deprecated)]
    let sync = alice.lightning.clone().send_payment_sync(pb::SendRequest { payment_request: request, ..Default::default() }).await.unwrap().into_inner();
    assert_eq!((sync.payment_error.as_str(), sync.payment_preimage.len()), ("invoice is already paid", 0));
}

/// Feature bits as lnd v0.20 numbers and names them (`lnwire/features.go`): var-onion is
/// required (8, not 9), MPP is `multi-path-payments`, route blinding is 25 and 35 is
/// quiescence; an invoice and its decoded request agree.
#[tokio::test]
async fn feature_bits_as_lnd_names_them() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    let info = alice.rest.get("/v1/getinfo").await;
    let named = |features: &Value, bit: &str| (features[bit]["name"].as_str().map(str::to_string), features[bit]["is_required"].as_bool());
    assert_eq!(named(&info["features"], "8"), (Some("tlv-onion".into()), Some(true)));
    assert_eq!(named(&info["features"], "17"), (Some("multi-path-payments".into()), Some(false)));
    assert_eq!(named(&info["features"], "25"), (Some("route-blinding".into()), Some(false)));
    assert_eq!(named(&info["features"], "35"), (Some("quiescence".into()), Some(false)));
    assert!(info["features"].get("9").is_none(), "{}", info["features"]);

    let request = invoice(carol, json!({"value": "1000"})).await;
    let r_hash = hex::encode(bolt11::decode(&request).unwrap().payment_hash);
    let looked_up = carol.rest.get(&format!("/v1/invoice/{r_hash}")).await;
    let decoded = alice.rest.get(&format!("/v1/payreq/{request}")).await;
    for features in [&looked_up["features"], &decoded["features"]] {
        let mut bits: Vec<u32> = features.as_object().unwrap().keys().map(|k| k.parse().unwrap()).collect();
        bits.sort();
        assert_eq!(bits, [8, 14, 17, 25], "{features}");
        assert_eq!(named(features, "25"), (Some("route-blinding".into()), Some(false)));
        assert_eq!(named(features, "17"), (Some("multi-path-payments".into()), Some(false)));
        assert_eq!(features["8"]["is_known"], true);
    }

    // gRPC: the same numbers and names.
    let info = alice.lightning.clone().get_info(pb::GetInfoRequest {}).await.unwrap().into_inner();
    assert_eq!(info.features.get(&17).map(|f| f.name.as_str()), Some("multi-path-payments"));
    assert!(info.features.get(&8).is_some_and(|f| f.is_required) && !info.features.contains_key(&9));
    let decoded = alice.lightning.clone().decode_pay_req(pb::PayReqString { pay_req: request }).await.unwrap().into_inner();
    assert_eq!(decoded.features.get(&14).map(|f| (f.name.as_str(), f.is_required)), Some(("payment-addr", true)));
}

#[tokio::test]
async fn self_payments_are_refused_in_lnds_words() {
    let (_network, _dir, nodes) = network().await;
    let alice = &nodes[0];
    let words = "self-payments not allowed";
    let own = invoice(alice, json!({"value": "1000"})).await;
    let (_, v2) = alice.rest.call("POST", "/v2/router/send", Some(json!({"payment_request": own, "timeout_seconds": 10}))).await;
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
    let sync = alice.lightning.clone().send_payment_sync(pb::SendRequest { payment_request: own, ..Default::default() }).await.unwrap_err();
    assert_eq!(sync.message(), words);
}

#[tokio::test]
async fn descriptions_are_returned_as_written() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    for memo in ["two\nlines\tand a tab", "family 👨\u{200d}👩\u{200d}👧", "\u{202e}reversed\u{202c} \u{200b}zero-width"] {
        let request = invoice(carol, json!({"value": "1000", "memo": memo})).await;
        let decoded = alice.rest.get(&format!("/v1/payreq/{request}")).await;
        assert_eq!(decoded["description"].as_str(), Some(memo));
        let grpc = alice.lightning.clone().decode_pay_req(pb::PayReqString { pay_req: request.clone() }).await.unwrap().into_inner();
        assert_eq!(grpc.description, memo);
        let hash = hex::encode(bolt11::decode(&request).unwrap().payment_hash);
        assert_eq!(carol.rest.get(&format!("/v1/invoice/{hash}")).await["memo"].as_str(), Some(memo));
        let listed = carol.rest.get("/v1/invoices?reversed=true&num_max_invoices=1").await;
        assert_eq!(listed["invoices"][0]["memo"].as_str(), Some(memo));
    }
}

/// One refusal as lnd v0.20 gives it over REST: the HTTP status its gateway maps the gRPC
/// code to, the code itself (in the body), and lnd's words. Each is a row of
/// `devnode/docs/lnd-answers.md`.
struct Refusal {
    rpc: &'static str,
    method: &'static str,
    path: String,
    body: Option<Value>,
    /// A server stream, refused before its first message (`{"error": …}`).
    stream: bool,
    status: u16,
    code: i64,
    message: String,
}

fn refusal(
    rpc: &'static str,
    method: &'static str,
    path: impl Into<String>,
    body: Option<Value>,
    status: u16,
    code: i64,
    message: impl Into<String>,
) -> Refusal {
    Refusal { rpc, method, path: path.into(), body, stream: false, status, code, message: message.into() }
}

fn streamed(mut r: Refusal) -> Refusal {
    r.stream = true;
    r
}

async fn assert_refusals(rest: &Rest, cases: Vec<Refusal>) {
    let mut wrong = Vec::new();
    for case in &cases {
        let (status, v) = if case.stream {
            let (status, lines) = rest.stream(case.method, &case.path, case.body.clone()).await;
            (status, lines.first().map(|l| l["error"].clone()).unwrap_or(Value::Null))
        } else {
            rest.call(case.method, &case.path, case.body.clone()).await
        };
        let got = (status, v["code"].as_i64(), v["message"].as_str().map(str::to_string));
        let want = (case.status, Some(case.code), Some(case.message.clone()));
        if got != want {
            wrong.push(format!("{} {} {}: got {got:?}, lnd answers {want:?}", case.rpc, case.method, case.path));
        }
    }
    assert!(wrong.is_empty(), "{} of {} answers differ from lnd's:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

#[tokio::test]
async fn invoice_refusals_in_lnds_words() {
    let (_network, _dir, nodes) = network().await;
    let carol = &nodes[2];
    let short = b64(&[7; 31]);
    let cases = vec![
        refusal(
            "AddInvoice",
            "POST",
            "/v1/invoices",
            Some(json!({"value": "1", "value_msat": "1000"})),
            500,
            2,
            "sat and msat arguments are mutually exclusive",
        ),
        refusal("AddInvoice", "POST", "/v1/invoices", Some(json!({"value": "-1"})), 500, 2, "amount cannot be negative"),
        refusal("AddInvoice", "POST", "/v1/invoices", Some(json!({"value": "1", "r_preimage": short})), 500, 2, "invalid preimage length of 31, want 32"),
        refusal("AddInvoice", "POST", "/v1/invoices", Some(json!({"memo": "m".repeat(1025)})), 500, 2, "memo too large: 1025 bytes (maxsize=1024)"),
        refusal(
            "AddInvoice",
            "POST",
            "/v1/invoices",
            Some(json!({"value": "10000000000001"})),
            500,
            2,
            "invoice amount 100000.00000001 BTC is too large, max is 100000 BTC",
        ),
        refusal("AddHoldInvoice", "POST", "/v2/invoices/hodl", Some(json!({"hash": short, "value": "-1"})), 500, 2, "invalid hash length of 31, want 32"),
        refusal("AddHoldInvoice", "POST", "/v2/invoices/hodl", Some(json!({"hash": b64(&[7; 32]), "value": "-1"})), 500, 2, "amount cannot be negative"),
        refusal("SettleInvoice", "POST", "/v2/invoices/settle", Some(json!({"preimage": short})), 500, 2, "invalid preimage length of 31, want 32"),
        refusal("CancelInvoice", "POST", "/v2/invoices/cancel", Some(json!({"payment_hash": short})), 500, 2, "invalid hash length of 31, want 32"),
        refusal("LookupInvoice", "GET", format!("/v1/invoice/{}", hex::encode([7; 31])), None, 500, 2, "payment hash must be exactly 32 bytes, is instead 31"),
        refusal("LookupInvoice", "GET", "/v1/invoice/zz", None, 500, 2, "encoding/hex: invalid byte: U+007A 'z'"),
        refusal("LookupInvoice", "GET", "/v1/invoice/abc", None, 500, 2, "encoding/hex: odd length hex string"),
        refusal("LookupInvoiceV2", "GET", "/v2/invoices/lookup", None, 400, 3, "invoice ref must be set"),
        refusal(
            "LookupInvoiceV2",
            "GET",
            format!("/v2/invoices/lookup?payment_hash={}", b64url(&[7; 31])),
            None,
            400,
            3,
            "unable to parse pay hash: invalid hash length of 31, want 32",
        ),
        streamed(refusal(
            "SubscribeSingleInvoice",
            "GET",
            format!("/v2/invoices/subscribe/{}", b64url(&[7; 31])),
            None,
            500,
            2,
            "invalid hash length of 31, want 32",
        )),
    ];
    assert_refusals(&carol.rest, cases).await;

    // A zero or negative expiry is lnd's default of a day, not an invoice already expired.
    let (status, added) = carol.rest.call("POST", "/v1/invoices", Some(json!({"value": "1000", "expiry": "-5"}))).await;
    assert_eq!(status, 200, "{added}");
    let hash = hex::encode(base64::engine::general_purpose::STANDARD.decode(added["r_hash"].as_str().unwrap()).unwrap());
    let found = carol.rest.get(&format!("/v1/invoice/{hash}")).await;
    assert_eq!((found["expiry"].as_str(), found["state"].as_str()), (Some("86400"), Some("OPEN")));

    // LookupInvoiceV2 needs invoices:write in lnd (invoices_server.go macPermissions).
    let perms = carol.rest.get("/v1/macaroon/permissions").await;
    assert_eq!(perms["method_permissions"]["/invoicesrpc.Invoices/LookupInvoiceV2"]["permissions"], json!([{"entity": "invoices", "action": "write"}]));
}

#[tokio::test]
async fn payment_refusals_in_lnds_words() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    let request = invoice(carol, json!({"value": "1000", "memo": "refusals"})).await;
    let carol_key = b64(&hex::decode(&carol.key).unwrap());
    let hash = b64(&[9; 32]);
    let send = |body: Value| streamed(refusal("SendPaymentV2", "POST", "/v2/router/send", Some(body), 500, 2, ""));
    let with = |mut r: Refusal, message: &str| {
        r.message = message.into();
        r
    };
    let cases = vec![
        with(send(json!({"payment_request": request, "dest": carol_key, "timeout_seconds": 10})), "dest and payment_request cannot appear together"),
        with(send(json!({"payment_request": request, "payment_hash": hash, "timeout_seconds": 10})), "payment_hash and payment_request cannot appear together"),
        with(
            send(json!({"payment_request": request, "final_cltv_delta": 40, "timeout_seconds": 10})),
            "final_cltv_delta and payment_request cannot appear together",
        ),
        with(send(json!({"payment_request": request, "fee_limit_sat": "-1", "timeout_seconds": 10})), "amount cannot be negative"),
        with(send(json!({"payment_request": request, "amt": "-1", "timeout_seconds": 10})), "amount cannot be negative"),
        with(send(json!({"dest": carol_key, "payment_hash": hash, "amt": "0", "timeout_seconds": 10})), "amount must be specified"),
        with(send(json!({"dest": carol_key, "payment_hash": b64(&[9; 31]), "amt": "10", "timeout_seconds": 10})), "invalid hash length of 31, want 32"),
        with(send(json!({"dest": b64(&[2; 32]), "payment_hash": hash, "amt": "10", "timeout_seconds": 10})), "invalid vertex length of 32, want 33"),
        streamed(refusal("TrackPaymentV2", "GET", format!("/v2/router/track/{}", b64url(&[9; 31])), None, 500, 2, "invalid hash length of 31, want 32")),
        refusal("SendToRouteV2", "POST", "/v2/router/route/send", Some(json!({"payment_hash": hash})), 500, 2, "unable to send, no routes provided"),
        refusal(
            "SendToRouteV2",
            "POST",
            "/v2/router/route/send",
            Some(json!({"payment_hash": b64(&[9; 31]), "route": {"hops": []}})),
            500,
            2,
            "empty route hops provided",
        ),
        refusal(
            "SendToRouteSync",
            "POST",
            "/v1/channels/transactions/route",
            Some(json!({"payment_hash": hash})),
            500,
            2,
            "unable to send, no routes provided",
        ),
    ];
    assert_refusals(&alice.rest, cases).await;

    // A negative timeout is no deadline at all (lnd arms its timer for a positive one only).
    let (status, updates) =
        alice.rest.stream("POST", "/v2/router/send", Some(json!({"payment_request": request, "timeout_seconds": -1, "fee_limit_sat": "100"}))).await;
    assert_eq!(status, 200);
    assert_eq!(updates.last().unwrap()["result"]["status"], "SUCCEEDED", "{updates:?}");
}

#[tokio::test]
async fn channel_wallet_and_backup_refusals_in_lnds_words() {
    let (_network, _dir, nodes) = network().await;
    let alice = &nodes[0];
    let bob_key = b64(&hex::decode(&nodes[1].key).unwrap());
    let open = |body: Value| refusal("OpenChannelSync", "POST", "/v1/channels", Some(body), 500, 2, "");
    let with = |mut r: Refusal, message: &str| {
        r.message = message.into();
        r
    };
    let zeros = "0".repeat(64);
    let address = nodes[1].rest.get("/v1/newaddress").await["address"].as_str().unwrap().to_string();
    let cases = vec![
        with(open(json!({"node_pubkey": bob_key, "local_funding_amount": "0"})), "local funding amount must be non-zero"),
        // The amounts come before the key (rpcserver.go parseOpenChannelReq).
        with(
            open(json!({"local_funding_amount": "100000", "push_sat": "100000"})),
            "amount pushed to remote peer for initial state must be below the local funding amount",
        ),
        with(
            open(json!({"node_pubkey": bob_key, "local_funding_amount": "100000", "sat_per_byte": "2", "sat_per_vbyte": "2"})),
            "either SatPerByte or SatPerVByte should be set, but not both",
        ),
        refusal(
            "ListChannels",
            "GET",
            "/v1/channels?active_only=true&inactive_only=true",
            None,
            500,
            2,
            "either `active_only` or `inactive_only` can be set, but not both",
        ),
        refusal(
            "ListChannels",
            "GET",
            "/v1/channels?public_only=true&private_only=true",
            None,
            500,
            2,
            "either `public_only` or `private_only` can be set, but not both",
        ),
        streamed(refusal("CloseChannel", "DELETE", format!("/v1/channels/{zeros}/0"), None, 500, 2, "channel not found")),
        refusal(
            "SendCoins",
            "POST",
            "/v1/transactions",
            Some(json!({"addr": address, "amount": "10000", "sat_per_byte": "2", "sat_per_vbyte": "2"})),
            500,
            2,
            "either SatPerByte or SatPerVByte should be set, but not both",
        ),
        refusal(
            "SendCoins",
            "POST",
            "/v1/transactions",
            Some(json!({"addr": address, "amount": "10000", "label": "l".repeat(501)})),
            500,
            2,
            "label length: 501 exceeds limit of 500",
        ),
        refusal("ListUnspent", "GET", "/v1/utxos?min_confs=-1&max_confs=10", None, 500, 2, "min confirmations must be >= 0"),
        refusal("ListUnspent", "GET", "/v1/utxos?min_confs=5&max_confs=1", None, 500, 2, "max confirmations must be >= min confirmations"),
        refusal("GetChanInfo", "GET", "/v1/graph/edge/0", None, 500, 2, "specify either chan_id or chan_point"),
        refusal("GetChanInfo", "GET", "/v1/graph/edge/12345", None, 404, 5, "edge not found"),
        refusal("ExportChannelBackup", "GET", format!("/v1/channels/backup/{zeros}/0"), None, 500, 2, "unable to find target channel"),
        refusal("VerifyChanBackup", "POST", "/v1/channels/backup/verify", Some(json!({})), 500, 2, "either a Single or Multi channel backup must be specified"),
        refusal(
            "VerifyChanBackup",
            "POST",
            "/v1/channels/backup/verify",
            Some(json!({"single_chan_backups": {"chan_backups": []}})),
            500,
            2,
            "only one Single is accepted at a time",
        ),
        refusal(
            "VerifyChanBackup",
            "POST",
            "/v1/channels/backup/verify",
            Some(json!({"multi_chan_backup": {"multi_chan_backup": b64(&[1; 10])}})),
            500,
            2,
            "invalid multi channel backup: payload size too small, must be at least 24 bytes",
        ),
        refusal(
            "VerifyChanBackup",
            "POST",
            "/v1/channels/backup/verify",
            Some(json!({"multi_chan_backup": {"multi_chan_backup": b64(&[1; 30])}})),
            500,
            2,
            "invalid multi channel backup: chacha20poly1305: message authentication failed",
        ),
    ];
    assert_refusals(&alice.rest, cases).await;

    // RestoreChannelBackups with nothing in it restores nothing, successfully.
    let (status, restored) = alice.rest.call("POST", "/v1/channels/backup/restore", Some(json!({}))).await;
    assert_eq!((status, restored["num_restored"].as_u64().unwrap_or(0)), (200, 0), "{restored}");
    // DisconnectPeer's status is lnd's, without the key.
    let (status, gone) = alice.rest.call("DELETE", &format!("/v1/peers/{}", nodes[1].key), None).await;
    assert_eq!((status, gone["status"].as_str()), (200, Some("disconnect initiated")));
    // A send without a label is labelled "external" (labels.ValidateAPI), and the newest
    // transaction (fewest confirmations) comes first.
    let (status, _) = alice.rest.call("POST", "/v1/transactions", Some(json!({"addr": address, "amount": "10000", "target_conf": 6}))).await;
    assert_eq!(status, 200);
    let txs = alice.rest.get("/v1/transactions").await;
    let list = txs["transactions"].as_array().unwrap();
    assert_eq!(list[0]["label"], "external", "{list:?}");
    let confs: Vec<i64> = list.iter().map(|t| t["num_confirmations"].as_i64().unwrap_or(0)).collect();
    assert!(confs.windows(2).all(|w| w[0] <= w[1]), "fewest confirmations first: {confs:?}");
    assert_eq!((txs["first_index"].as_str().unwrap_or("0"), txs["last_index"].as_str()), ("0", Some((list.len() - 1).to_string().as_str())));
}

#[tokio::test]
async fn invoice_streams_tell_what_lnds_do() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    let hash_of = |inv: &Value| inv["r_hash"].as_str().unwrap_or_default().to_string();

    // SubscribeInvoices: additions and settlements, once each; never a hold invoice
    // accepted or an invoice canceled (lnd's invoice registry).
    // lnd writes a stream's headers with its first message, so each stream is read in a
    // task of its own while the invoices are made.
    let reader = |path: String, n: usize| {
        let rest = Rest { addr: carol.rest.addr.clone(), macaroon: carol.rest.macaroon.clone() };
        tokio::spawn(async move {
            let mut lines = rest.open_stream(&path).await;
            let mut got = Vec::new();
            for _ in 0..n {
                got.push(lines.next().await["result"].clone());
            }
            got
        })
    };
    let all = reader("/v1/invoices/subscribe".into(), 4);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, a) = carol.rest.call("POST", "/v1/invoices", Some(json!({"value": "1000", "memo": "a"}))).await;
    let (_, h) = carol.rest.call("POST", "/v2/invoices/hodl", Some(json!({"hash": b64(&[3; 32]), "value": "1000"}))).await;
    assert_eq!(h["payment_request"].as_str().map(|r| r.is_empty()), Some(false), "{h}");
    let (status, _) = carol.rest.call("POST", "/v2/invoices/cancel", Some(json!({"payment_hash": a["r_hash"]}))).await;
    assert_eq!(status, 200);
    let b = invoice(carol, json!({"value": "1000", "memo": "b"})).await;
    let (_, paid) = alice.rest.stream("POST", "/v2/router/send", Some(json!({"payment_request": b, "timeout_seconds": 30, "fee_limit_sat": "100"}))).await;
    assert_eq!(paid.last().unwrap()["result"]["status"], "SUCCEEDED");
    let seen: Vec<(String, String)> =
        all.await.unwrap().iter().map(|m| (m["memo"].as_str().unwrap_or_default().to_string(), m["state"].as_str().unwrap_or("OPEN").to_string())).collect();
    let want: Vec<(String, String)> =
        [("a", "OPEN"), ("", "OPEN"), ("b", "OPEN"), ("b", "SETTLED")].iter().map(|(m, s)| (m.to_string(), s.to_string())).collect();
    assert_eq!(seen, want, "no CANCELED for a, no ACCEPTED");
    assert!(!hash_of(&a).is_empty());
    // The deprecated amt_paid is in msat, as lnd's CreateRPCInvoice fills it.
    let settled = carol.rest.get("/v1/invoices?num_max_invoices=10").await;
    let b_invoice = settled["invoices"].as_array().unwrap().iter().find(|i| i["memo"] == "b").unwrap().clone();
    assert_eq!(
        (b_invoice["amt_paid"].as_str(), b_invoice["amt_paid_msat"].as_str(), b_invoice["amt_paid_sat"].as_str()),
        (Some("1000000"), Some("1000000"), Some("1000"))
    );

    // SubscribeSingleInvoice for a hash no invoice has yet waits for it.
    let later = [4u8; 32];
    let single = reader(format!("/v2/invoices/subscribe/{}", b64url(&later)), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _) = carol.rest.call("POST", "/v2/invoices/hodl", Some(json!({"hash": b64(&later), "value": "500"}))).await;
    assert_eq!(status, 200);
    let first = single.await.unwrap().remove(0);
    assert_eq!((first["r_hash"].as_str(), first["state"].as_str().unwrap_or("OPEN")), (Some(b64(&later).as_str()), "OPEN"));
}

/// One node, REST without TLS, no wallet yet, as `configure` leaves its spec.
async fn lone_node(name: &str, configure: impl FnOnce(&mut NodeSpec)) -> (Network, tempfile::TempDir, NodeHandle) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = NetworkConfig::new(dir.path());
    config.startup_step = Duration::from_millis(1);
    let network = Network::open(config).unwrap();
    let mut built = network.build(Plan::default().node(NodePlan::new(name).without_wallet().with(configure))).await.unwrap();
    (network, dir, built.remove(0).handle)
}

/// lnd's `no-macaroons`: the interceptor lets every call through, with no macaroon or with
/// one it never baked, while the wallet state check still comes first.
#[tokio::test]
async fn a_node_without_macaroons_asks_for_none() {
    let (network, _dir, node) = lone_node("open", |spec| spec.no_macaroons = true).await;
    let rest = |macaroon: &str| Rest { addr: format!("127.0.0.1:{}", node.spec.ports.rest), macaroon: macaroon.into() };
    let (status, body) = rest("").call("GET", "/v1/getinfo", None).await;
    assert_eq!((status, body["message"].as_str()), (500, Some("wallet not created, create one to enable full RPC access")));
    // InitWallet hands out no macaroon, and no macaroon file is written.
    assert_eq!(network.create_wallet("open", b"password1").await.unwrap(), "");
    for name in ["admin", "readonly", "invoice"] {
        assert!(node.macaroon_hex(name).is_err(), "{name}.macaroon was written");
    }
    for macaroon in ["", "0201036c6e64"] {
        let info = rest(macaroon).get("/v1/getinfo").await;
        assert_eq!(info["alias"], "open", "macaroon {macaroon:?}");
    }
}

/// An `ipaddr` caveat is held to the gRPC peer: over gRPC that is the client, over REST it
/// is lnd's own REST proxy on loopback (so behind REST only a loopback lock can work); a
/// lock to another address is refused in lnd's words, and a client cannot claim one.
#[tokio::test]
async fn address_caveats_are_held_to_the_caller_per_transport() {
    let (network, _dir, node) = lone_node("locked", |_| {}).await;
    let admin = network.create_wallet("locked", b"password1").await.unwrap();
    let lock = |caveat: &str| {
        let mut mac = world::macaroons::Macaroon::deserialize(&hex::decode(&admin).unwrap()).unwrap();
        mac.add_caveat(caveat);
        hex::encode(mac.serialize())
    };
    let rest = |macaroon: String| Rest { addr: format!("127.0.0.1:{}", node.spec.ports.rest), macaroon };
    assert_eq!(rest(lock("ipaddr 127.0.0.1")).get("/v1/getinfo").await["alias"], "locked", "REST's peer is loopback");
    let (status, body) = rest(lock("ipaddr 10.1.2.3")).call("GET", "/v1/getinfo", None).await;
    assert_eq!(status, 500);
    assert_eq!(body["message"], "caveat \"ipaddr 10.1.2.3\" not satisfied: macaroon locked to different IP address");

    // gRPC sees the test's own address; a peer address the client claims is ignored.
    let (mut lightning, _) = grpc::connect(&node, &lock("ipaddr 127.0.0.1")).await;
    assert_eq!(lightning.get_info(pb::GetInfoRequest {}).await.unwrap().into_inner().alias, "locked");
    let (mut elsewhere, _) = grpc::connect(&node, &lock("ipaddr 10.1.2.3")).await;
    let mut forged = tonic::Request::new(pb::GetInfoRequest {});
    forged.metadata_mut().insert("x-devnode-peer", "10.1.2.3".parse().unwrap());
    let refused = elsewhere.get_info(forged).await.unwrap_err();
    assert_eq!((refused.code(), refused.message()), (Code::Unknown, "caveat \"ipaddr 10.1.2.3\" not satisfied: macaroon locked to different IP address"));
}

/// A refused call (a fault tests set) fails as lnd's own errors do on both transports: REST
/// 500 with code 2 and the message as written, gRPC Unknown with the same message, after the
/// macaroon check; other calls are untouched, and lifting it serves the call again.
#[tokio::test]
async fn a_refused_call_fails_with_its_message_on_both_transports() {
    let (network, _dir, node) = lone_node("alice", |_| {}).await;
    let macaroon = network.create_wallet("alice", b"password1").await.unwrap();
    let rest = Rest { addr: format!("127.0.0.1:{}", node.spec.ports.rest), macaroon: macaroon.clone() };
    let (mut lightning, _) = grpc::connect(&node, &macaroon).await;
    let (rpc, _) = network.as_admin("alice").await.unwrap();
    let text = "<b>peers</b> \u{202e}gone\u{202c} %20 \u{7}";
    assert!(rpc.refuse("/lnrpc.Lightning/ListPeers", Some(text)));
    assert!(!rpc.refuse("/lnrpc.Lightning/NoSuchCall", Some(text)), "a method lnd has not is not refused");
    let (status, body) = rest.call("GET", "/v1/peers", None).await;
    assert_eq!((status, body["code"].as_i64(), body["message"].as_str()), (500, Some(2), Some(text)));
    let refused = lightning.list_peers(pb::ListPeersRequest::default()).await.unwrap_err();
    assert_eq!((refused.code(), refused.message()), (Code::Unknown, text));
    // The macaroon is checked first, as lnd's interceptor runs before the call.
    let stranger = Rest { addr: rest.addr.clone(), macaroon: "0201036c6e64".into() };
    let (status, body) = stranger.call("GET", "/v1/peers", None).await;
    assert_ne!(body["message"].as_str(), Some(text), "{status} {body}");
    assert_eq!(rest.get("/v1/getinfo").await["alias"], "alice", "another call is served");
    assert!(rpc.refuse("/lnrpc.Lightning/ListPeers", None));
    assert_eq!(rest.get("/v1/peers").await["peers"], json!([]));
    assert!(lightning.list_peers(pb::ListPeersRequest::default()).await.unwrap().into_inner().peers.is_empty());
}

/// lnd's default `maxpendingchannels=1`: a node takes one channel at a time from a peer,
/// counting channels pending either way, and refuses the next in the funding manager's
/// words (the temporary channel id it names is random); an open channel no longer counts.
#[tokio::test]
async fn one_pending_channel_per_peer_as_lnd_allows() {
    let (network, _dir, nodes) = network().await;
    let (alice, bob, carol) = (&nodes[0], &nodes[1], &nodes[2]);
    let open = |key: &str| json!({"node_pubkey": b64(&hex::decode(key).unwrap()), "local_funding_amount": "100000"});
    let open_grpc = |key: &str| pb::OpenChannelRequest { node_pubkey: hex::decode(key).unwrap(), local_funding_amount: 100_000, ..Default::default() };
    let refusal_from = |key: &str, message: &str| {
        let rest = message.strip_prefix(&format!("received funding error from {key}: chan_id=")).unwrap_or_else(|| panic!("{message}"));
        let (id, err) = rest.split_once(", err=").unwrap_or_else(|| panic!("{message}"));
        assert!(id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()), "a 32-byte temporary channel id: {message}");
        assert_eq!(err, "Number of pending channels exceed maximum");
        id.to_string()
    };
    let (status, body) = alice.rest.call("POST", "/v1/channels", Some(open(&bob.key))).await;
    assert_eq!(status, 200, "the first channel: {body}");
    let (status, body) = alice.rest.call("POST", "/v1/channels", Some(open(&bob.key))).await;
    assert_eq!((status, body["code"].as_i64()), (500, Some(2)), "{body}");
    let first = refusal_from(&bob.key, body["message"].as_str().unwrap());
    // bob counts the channel alice opened against his own open to her too.
    let refused = bob.lightning.clone().open_channel_sync(open_grpc(&alice.key)).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unknown);
    assert_ne!(refusal_from(&alice.key, refused.message()), first, "each refused flow has its own id");
    // Another peer is not held back, and nothing was funded for the refusals.
    bob.lightning.clone().open_channel_sync(open_grpc(&carol.key)).await.expect("bob opens to carol");
    let pending = alice.rest.get("/v1/channels/pending").await;
    assert_eq!(pending["pending_open_channels"].as_array().map(Vec::len), Some(1), "{pending}");
    network.mine(world::channels::FUNDING_CONFS).unwrap();
    common::eventually("alice's channel opens", async || alice.rest.get("/v1/channels/pending").await["pending_open_channels"] == json!([])).await;
    let (status, body) = alice.rest.call("POST", "/v1/channels", Some(open(&bob.key))).await;
    assert_eq!(status, 200, "a channel once the last one is open: {body}");
}

/// SendToRouteV2 for a hash already paid: AlreadyExists in lnd's words on both transports
/// (REST 409, a unary call's `{code, message}`); SendToRouteSync carries the words in
/// `payment_error` of a successful answer.
#[tokio::test]
async fn a_route_for_a_paid_hash_is_refused_as_already_paid() {
    let (_network, _dir, nodes) = network().await;
    let (alice, bob, carol) = (&nodes[0], &nodes[1], &nodes[2]);
    let (status, added) = carol.rest.call("POST", "/v1/invoices", Some(json!({"value": "1000"}))).await;
    assert_eq!(status, 200, "{added}");
    let pay = json!({"payment_request": added["payment_request"], "timeout_seconds": 10, "fee_limit_sat": "10"});
    let (_, lines) = alice.rest.stream("POST", "/v2/router/send", Some(pay)).await;
    assert_eq!(lines.last().unwrap()["result"]["status"], "SUCCEEDED", "{lines:?}");

    let hops = [b64(&hex::decode(&bob.key).unwrap()), b64(&hex::decode(&carol.key).unwrap())];
    let build = json!({"amt_msat": "1000000", "final_cltv_delta": 80, "hop_pubkeys": hops, "payment_addr": added["payment_addr"]});
    let (status, built) = alice.rest.call("POST", "/v2/router/route", Some(build)).await;
    assert_eq!(status, 200, "{built}");
    let (status, refused) = alice.rest.call("POST", "/v2/router/route/send", Some(json!({"payment_hash": added["r_hash"], "route": built["route"]}))).await;
    assert_eq!((status, refused["code"].as_i64(), refused["message"].as_str()), (409, Some(6), Some("invoice is already paid")), "{refused}");

    let hash = base64::engine::general_purpose::STANDARD.decode(added["r_hash"].as_str().unwrap()).unwrap();
    let payment_addr = base64::engine::general_purpose::STANDARD.decode(added["payment_addr"].as_str().unwrap()).unwrap();
    let mut router = alice.router.clone();
    let route = router
        .build_route(rrpc::BuildRouteRequest {
            amt_msat: 1_000_000,
            final_cltv_delta: 80,
            hop_pubkeys: vec![hex::decode(&bob.key).unwrap(), hex::decode(&carol.key).unwrap()],
            payment_addr,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .route;
    let refused =
        router.send_to_route_v2(rrpc::SendToRouteRequest { payment_hash: hash.clone(), route: route.clone(), ..Default::default() }).await.unwrap_err();
    assert_eq!((refused.code(), refused.message()), (Code::AlreadyExists, "invoice is already paid"));
    #[allow(deprecated)]
    let sync =
        alice.lightning.clone().send_to_route_sync(pb::SendToRouteRequest { payment_hash: hash, route, ..Default::default() }).await.unwrap().into_inner();
    assert_eq!(sync.payment_error, "invoice is already paid");
}

/// The audit's rows for the RPCs read last (issue 16): each request as a client sends it,
/// lnd's status, code and words.
#[tokio::test]
async fn wallet_graph_route_and_macaroon_refusals_in_lnds_words() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    let address = alice.rest.get("/v1/newaddress").await["address"].as_str().unwrap().to_string();
    let fee = |query: String, message: &str| refusal("EstimateFee", "GET", format!("/v1/transactions/fee?{query}"), None, 500, 2, message);
    let mainnet = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
    let policy = |body: Value, message: &str| refusal("UpdateChannelPolicy", "POST", "/v1/chanpolicy", Some(body), 500, 2, message);
    let check = |body: Value, message: &str| refusal("CheckMacaroonPermissions", "POST", "/v1/macaroon/checkpermissions", Some(body), 500, 2, message);
    let route = |hops: Vec<&str>, message: &str| {
        let hops: Vec<String> = hops.iter().map(|k| b64(&hex::decode(k).unwrap())).collect();
        refusal("BuildRoute", "POST", "/v2/router/route", Some(json!({"amt_msat": "1000", "hop_pubkeys": hops})), 500, 2, message)
    };
    let macaroon = b64(&hex::decode(&alice.rest.macaroon).unwrap());
    let cases = vec![
        // No default target: the addresses are read first, the outputs checked last.
        fee(format!("AddrToAmount[{address}]=5000"), "no fee preference specified"),
        fee(format!("AddrToAmount[{mainnet}]=5000&target_conf=6"), "address is not for regtest"),
        fee("target_conf=6".into(), "no outputs"),
        fee(format!("AddrToAmount[{address}]=5000&target_conf=6&min_confs=-1"), "minimum number of confirmations must be a non-negative number"),
        fee(format!("AddrToAmount[{address}]=5000&target_conf=6&min_confs=2&spend_unconfirmed=true"), "SpendUnconfirmed set to true with MinConfs > 0"),
        refusal("GetNodeInfo", "GET", "/v1/graph/node/abc", None, 500, 2, "invalid vertex string length of 3, want 66"),
        refusal("GetNodeInfo", "GET", format!("/v1/graph/node/{}", "z".repeat(66)), None, 500, 2, "encoding/hex: invalid byte: U+007A 'z'"),
        refusal(
            "GetNodeInfo",
            "GET",
            format!("/v1/graph/node/{}?include_auth_proof=true", carol.key),
            None,
            500,
            2,
            "include_auth_proof depends on include_channels",
        ),
        route(vec![], "no hops specified"),
        route(vec![carol.key.as_str()], "no matching outgoing channel available for node index 0"),
        check(
            json!({"macaroon": macaroon, "permissions": [{"entity": "info", "action": "read"}], "check_default_perms_from_full_method": true}),
            "cannot check default permissions from full method and from provided permission list at the same time",
        ),
        check(
            json!({"macaroon": macaroon, "check_default_perms_from_full_method": true}),
            "cannot check default permissions from full method without providing the full method name",
        ),
        check(
            json!({"macaroon": macaroon, "fullMethod": "/lnrpc.Lightning/NoSuchCall", "check_default_perms_from_full_method": true}),
            "no permissions found for full method /lnrpc.Lightning/NoSuchCall",
        ),
        refusal("ListPayments", "GET", "/v1/payments?creation_date_start=10&creation_date_end=5", None, 500, 2, "start date(10) must be before end date(5)"),
        refusal("NewAddress", "GET", "/v1/newaddress?account=savings", None, 500, 2, "account name 'savings' not found"),
        refusal("NewAddress", "GET", "/v1/newaddress?account=imported", None, 500, 2, "addresses cannot be generated for the default imported account"),
        refusal("WalletBalance", "GET", "/v1/balance/blockchain?account=savings", None, 500, 2, "account name 'savings' not found"),
        // The scope comes first; then the fee rate, the time lock and inbound fees.
        policy(json!({"time_lock_delta": 40, "fee_rate": 0.5, "fee_rate_ppm": 5}), "unknown scope: <nil>"),
        policy(json!({"global": true, "time_lock_delta": 40, "fee_rate": 0.0000001}), "fee rate of 1e-07 is too small, min fee rate is 1e-06"),
        policy(json!({"global": true, "time_lock_delta": 70000}), "time lock delta of 70000 is too big, maximum supported is 65535"),
        policy(
            json!({"global": true, "time_lock_delta": 40, "inbound_fee": {"base_fee_msat": 1}}),
            "positive values for inbound base fee msat are not supported: 1",
        ),
        policy(
            json!({"global": true, "time_lock_delta": 40, "inbound_fee": {"fee_rate_ppm": 2}}),
            "positive values for inbound fee rate ppm are not supported: 2",
        ),
        refusal("SignMessage", "POST", "/v1/signmessage", Some(json!({})), 500, 2, "need a message to sign"),
        refusal("VerifyMessage", "POST", "/v1/verifymessage", Some(json!({"signature": "abc"})), 500, 2, "need a message to verify"),
        refusal("ConnectPeer", "POST", "/v1/peers", Some(json!({})), 500, 2, "need: lnc pubkeyhash@hostname"),
        refusal("DeleteMacaroonID", "DELETE", "/v1/macaroon/0", None, 500, 2, "the specified ID cannot be deleted"),
        refusal("GenSeed", "GET", "/v1/genseed", None, 500, 2, "wallet already unlocked, WalletUnlocker service is no longer available"),
    ];
    assert_refusals(&alice.rest, cases).await;

    // The type is checked before the account (over gRPC: lnd's REST proxy refuses a type
    // number the enum has not while it reads the query).
    let refused = alice.lightning.clone().new_address(pb::NewAddressRequest { r#type: 9, account: "savings".into() }).await.unwrap_err();
    assert_eq!((refused.code(), refused.message()), (Code::Unknown, "unknown address type: 9"));
    // The imported-keys account, empty, is left out of the balance.
    let imported = alice.rest.get("/v1/balance/blockchain?account=imported").await;
    assert_eq!((imported["total_balance"].as_str(), imported["account_balance"].clone()), (Some("0"), json!({})), "{imported}");
}

/// ListPayments' creation dates (Unix seconds, both ends kept) choose the payments before
/// the page is counted; UpdateChannelPolicy without a maximum HTLC keeps the one set; GetVersion
/// names the Go that built v0.20.0-beta.
#[tokio::test]
async fn payment_dates_policy_maximums_and_the_version_as_lnd_keeps_them() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    let request = invoice(carol, json!({"value": "1000"})).await;
    let (_, lines) =
        alice.rest.stream("POST", "/v2/router/send", Some(json!({"payment_request": request, "timeout_seconds": 10, "fee_limit_sat": "10"}))).await;
    assert_eq!(lines.last().unwrap()["result"]["status"], "SUCCEEDED", "{lines:?}");
    let created: u64 = alice.rest.get("/v1/payments").await["payments"][0]["creation_date"].as_str().unwrap().parse().unwrap();
    let count = async |query: String| alice.rest.get(&format!("/v1/payments?{query}")).await["payments"].as_array().map_or(0, Vec::len);
    assert_eq!(count(format!("creation_date_start={created}&creation_date_end={}", created + 1)).await, 1, "the start second is kept");
    assert_eq!(count(format!("creation_date_start={}&creation_date_end={}", created - 1, created)).await, 1, "the end second is kept");
    assert_eq!(count(format!("creation_date_start={}", created + 1)).await, 0, "created before the start");
    assert_eq!(count(format!("creation_date_end={}", created - 1)).await, 0, "created after the end");

    let chan_id = alice.rest.get("/v1/channels").await["channels"][0]["chan_id"].as_str().unwrap().to_string();
    let mine = async || {
        let edge = alice.rest.get(&format!("/v1/graph/edge/{chan_id}")).await;
        let side = if edge["node1_pub"] == alice.key { "node1_policy" } else { "node2_policy" };
        (edge[side]["max_htlc_msat"].as_str().unwrap().to_string(), edge[side]["fee_rate_milli_msat"].as_str().unwrap().to_string())
    };
    let (status, _) = alice.rest.call("POST", "/v1/chanpolicy", Some(json!({"global": true, "time_lock_delta": 40, "max_htlc_msat": "50000000"}))).await;
    assert_eq!(status, 200);
    assert_eq!(mine().await.0, "50000000");
    let (status, _) = alice.rest.call("POST", "/v1/chanpolicy", Some(json!({"global": true, "time_lock_delta": 40, "fee_rate_ppm": 7}))).await;
    assert_eq!(status, 200);
    assert_eq!(mine().await, ("50000000".to_string(), "7".to_string()), "a fee change keeps the maximum HTLC");

    let version = alice.rest.get("/v2/versioner/version").await;
    assert_eq!((version["version"].as_str(), version["go_version"].as_str()), (Some("0.20.0-beta"), Some("go1.25.3")), "{version}");
}

/// lnd started with `no-macaroons` has no macaroon service: baking, listing and deleting
/// root keys are refused in its words.
#[tokio::test]
async fn a_node_without_macaroons_bakes_none() {
    let (network, _dir, node) = lone_node("open", |spec| spec.no_macaroons = true).await;
    network.create_wallet("open", b"password1").await.unwrap();
    let rest = Rest { addr: format!("127.0.0.1:{}", node.spec.ports.rest), macaroon: String::new() };
    let disabled = "macaroon authentication disabled, remove --no-macaroons flag to enable";
    let cases = vec![
        refusal("ListMacaroonIDs", "GET", "/v1/macaroon/ids", None, 500, 2, disabled),
        refusal("DeleteMacaroonID", "DELETE", "/v1/macaroon/1", None, 500, 2, disabled),
        refusal("BakeMacaroon", "POST", "/v1/macaroon", Some(json!({"permissions": [{"entity": "info", "action": "read"}]})), 500, 2, disabled),
    ];
    assert_refusals(&rest, cases).await;
}

/// A node that announces a DNS name (the one place a node writes text of its own into
/// other graphs' addresses): lnd keeps it only if it passes `ValidateDNSAddr`, so a graph
/// shows at most a 255-byte name of letters, digits, `-` and `.`; a node announcing
/// anything else is not started, with the words lnd gives when it refuses the announcement.
#[tokio::test]
async fn an_announced_dns_name_is_held_to_lnds_rule() {
    let longest = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(63)].join(".");
    let dir = tempfile::tempdir().unwrap();
    let mut config = NetworkConfig::new(dir.path());
    config.startup_step = Duration::from_millis(1);
    let network = Network::open(config).unwrap();
    let plan = Plan::default()
        .node(NodePlan::new("alice").funded(2_000_000))
        .node(NodePlan::new("bob").with(|spec| spec.announced_host = Some(longest.clone())))
        .channel("alice", "bob", 500_000, 0);
    let built = network.build(plan).await.unwrap();
    let handles: Vec<&NodeHandle> = built.iter().map(|b| &b.handle).collect();
    let alice = Rest { addr: format!("127.0.0.1:{}", handles[0].spec.ports.rest), macaroon: built[0].macaroon.clone() };
    let bob_key = network.uri("bob").await.unwrap().split_once('@').unwrap().0.to_string();
    let bob = alice.get(&format!("/v1/graph/node/{bob_key}")).await;
    let announced = format!("{longest}:{}", handles[1].spec.ports.p2p);
    assert_eq!(bob["node"]["addresses"], json!([{"network": "tcp", "addr": announced}]), "{bob}");
    let graph = alice.get("/v1/graph").await;
    let in_graph = graph["nodes"].as_array().unwrap().iter().find(|n| n["pub_key"] == json!(bob_key)).unwrap().clone();
    assert_eq!(in_graph["addresses"][0]["addr"], json!(announced));
    // The peer list shows where the connection comes from, never an announcement.
    let peers = alice.get("/v1/peers").await;
    assert!(peers["peers"][0]["address"].as_str().unwrap().starts_with("127.0.0.1:"), "{peers}");

    for (host, words) in [
        (format!("{longest}e"), "invalid node announcement fields: DNS hostname length exceeds limit of 255 bytes: DNS hostname length 256"),
        (
            "<b>x</b>".to_string(),
            "invalid node announcement fields: hostname contains invalid character: hostname '<b>x</b>' contains invalid character '<' at position 0",
        ),
    ] {
        let mut spec = NodeSpec::new("mallory");
        spec.announced_host = Some(host);
        let refused = network.start_node(spec).await.expect_err("a node lnd would not announce");
        assert_eq!(refused.to_string(), words);
    }
}

/// Time locks as lnd v0.20 sets them. A payment's last HTLC expires 3 blocks (lnd's
/// BlockPadding) after the payee's final delta: the invoice's, or without an invoice the
/// node's time-lock delta, 80; QueryRoutes answers the same route unpadded. Each HTLC
/// carries the lock of the hop before it. A keysend arrives as an open invoice for what
/// arrived, with no expiry and 13 blocks of final delta (lnd's FinalCltvRejectDelta), told
/// to subscribers as added and then settled.
#[tokio::test]
async fn time_locks_and_keysend_invoices_as_lnd_sets_them() {
    let (_network, _dir, nodes) = network().await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    let height = alice.rest.get("/v1/getinfo").await["block_height"].as_u64().unwrap();
    let locks = |route: &Value| {
        let hops = route["hops"].as_array().unwrap();
        (route["total_time_lock"].as_u64().unwrap() - height, hops.iter().map(|h| h["expiry"].as_u64().unwrap() - height).collect::<Vec<_>>())
    };

    // QueryRoutes without a final delta: carol's 80 blocks, bob's 80 on top, no padding.
    let queried = alice.rest.get(&format!("/v1/graph/routes/{}/1000", carol.key)).await;
    assert_eq!(locks(&queried["routes"][0]), (160, vec![80, 80]), "{queried}");

    // SendPaymentV2 to an invoice asking 40 blocks: carol's HTLC expires 43 blocks on, bob's 123.
    let request = invoice(carol, json!({"value": "1000", "cltv_expiry": "40"})).await;
    let (_, lines) =
        alice.rest.stream("POST", "/v2/router/send", Some(json!({"payment_request": request, "timeout_seconds": 10, "fee_limit_sat": "10"}))).await;
    let paid = &lines.last().unwrap()["result"];
    assert_eq!(paid["status"], "SUCCEEDED", "{lines:?}");
    assert_eq!(locks(&paid["htlcs"][0]["route"]), (123, vec![43, 43]));
    let r_hash = hex::encode(bolt11::decode(&request).unwrap().payment_hash);
    let settled = carol.rest.get(&format!("/v1/invoice/{r_hash}")).await;
    assert_eq!(settled["htlcs"][0]["expiry_height"].as_u64(), Some(height + 43), "{settled}");

    // A keysend, watched on carol's SubscribeInvoices.
    let watch = {
        let rest = Rest { addr: carol.rest.addr.clone(), macaroon: carol.rest.macaroon.clone() };
        tokio::spawn(async move {
            let mut lines = rest.open_stream("/v1/invoices/subscribe").await;
            [lines.next().await, lines.next().await].map(|m| m["result"].clone())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let preimage = [7u8; 32];
    let hash: [u8; 32] = sha2::Sha256::digest(preimage).into();
    let keysend = json!({
        "dest": b64(&hex::decode(&carol.key).unwrap()), "amt": "2000", "payment_hash": b64(&hash),
        "dest_custom_records": {"5482373484": b64(&preimage)}, "timeout_seconds": 10, "fee_limit_sat": "10",
    });
    let (_, lines) = alice.rest.stream("POST", "/v2/router/send", Some(keysend)).await;
    let sent = &lines.last().unwrap()["result"];
    assert_eq!(sent["status"], "SUCCEEDED", "{lines:?}");
    assert_eq!(locks(&sent["htlcs"][0]["route"]), (163, vec![83, 83]), "80 blocks for a payment without an invoice, padded");
    let [added, done] = watch.await.unwrap();
    let fields = |i: &Value| [&i["state"], &i["value_msat"], &i["expiry"], &i["cltv_expiry"], &i["is_keysend"]].map(Value::clone);
    assert_eq!(fields(&added), [json!("OPEN"), json!("2000000"), json!("0"), json!("13"), json!(true)], "open first: {added}");
    assert_eq!(fields(&done), [json!("SETTLED"), json!("2000000"), json!("0"), json!("13"), json!(true)], "{done}");
    assert_eq!(added["r_hash"], b64(&hash));

    // gRPC: the keysend invoice as carol's node holds it.
    let looked_up = carol.lightning.clone().lookup_invoice(pb::PaymentHash { r_hash: hash.to_vec(), ..Default::default() }).await.unwrap().into_inner();
    assert_eq!(
        (looked_up.value_msat, looked_up.expiry, looked_up.cltv_expiry, looked_up.is_keysend, looked_up.state),
        (2_000_000, 0, 13, true, pb::invoice::InvoiceState::Settled as i32)
    );
    assert_eq!(looked_up.features.keys().copied().collect::<Vec<_>>(), [8], "only var-onion, required");
    let routes = alice
        .lightning
        .clone()
        .query_routes(pb::QueryRoutesRequest { pub_key: carol.key.clone(), amt: 1000, ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((routes.routes[0].total_time_lock as u64 - height, routes.routes[0].hops[1].expiry as u64 - height), (160, 80));
}

/// lnd's invoice registry queues each subscriber's events without bound: one that reads
/// slower than invoices are made (a phone on a busy node) is told of every one, late, and
/// none twice (more than the 4,096 events devnode's broadcast channel held before).
#[tokio::test]
async fn a_subscriber_that_falls_behind_is_told_of_every_invoice_once() {
    const MADE: u64 = 5_000;
    let dir = tempfile::tempdir().unwrap();
    let network = Network::open(NetworkConfig::new(dir.path())).unwrap();
    network.build(Plan::nodes(&["alice"])).await.unwrap();
    let (alice, md) = network.as_admin("alice").await.unwrap();
    let mut stream = alice.subscribe_invoices(&md, pb::InvoiceSubscription::default()).unwrap();
    for i in 0..MADE {
        alice.add_invoice(&md, pb::Invoice { value: 1, memo: format!("n{i}"), ..Default::default() }).unwrap();
    }
    let mut told = Vec::new();
    while (told.len() as u64) < MADE {
        let next = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("an invoice told within 10 s");
        told.push(next.expect("the stream goes on").expect("an invoice").add_index);
    }
    assert_eq!(told, (1..=MADE).collect::<Vec<_>>(), "every addition, in order, once");
    let after = tokio::time::timeout(Duration::from_millis(300), stream.next()).await;
    assert!(after.is_err(), "nothing told twice: {after:?}");
}
