//! The on-chain wallet through lnd's REST routes, as a browser client uses them: addresses,
//! the faucet, balances, ListUnspent's confirmation bounds, sending, history and the
//! transaction stream.

use std::time::Duration;

use devnode::Network;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

mod common;

use common::Rest;

async fn network() -> (Network, tempfile::TempDir, Rest) {
    let (network, dir, mut rests) = common::network(&["alice"]).await;
    (network, dir, rests.remove(0))
}

#[tokio::test]
async fn fund_confirm_send_and_list() {
    let (network, _dir, rest) = network().await;
    let p2wkh = rest.get("/v1/newaddress").await["address"].as_str().unwrap().to_string();
    assert!(p2wkh.starts_with("bcrt1q"), "{p2wkh}");
    let taproot = rest.get("/v1/newaddress?type=TAPROOT_PUBKEY").await["address"].as_str().unwrap().to_string();
    assert!(taproot.starts_with("bcrt1p"));
    let nested = rest.get("/v1/newaddress?type=1").await["address"].as_str().unwrap().to_string();
    assert!(nested.starts_with('2'));

    // A stream opened before the payment sees it arrive, then confirm.
    let mut stream = tokio::net::TcpStream::connect(&rest.addr).await.unwrap();
    stream
        .write_all(format!("GET /v1/transactions/subscribe HTTP/1.1\r\nHost: x\r\nGrpc-Metadata-macaroon: {}\r\n\r\n", rest.macaroon).as_bytes())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let txid = network.fund(&p2wkh, 150_000).unwrap();
    let balance = rest.get("/v1/balance/blockchain").await;
    assert_eq!(balance["unconfirmed_balance"], "150000");
    assert_eq!(balance["confirmed_balance"], "0");
    // ListUnspent with no parameters lists unconfirmed outputs only (lnd's 0/0 default).
    assert_eq!(rest.get("/v1/utxos").await["utxos"].as_array().unwrap().len(), 1);
    network.mine(1).unwrap();
    assert!(rest.get("/v1/utxos").await["utxos"].as_array().unwrap().is_empty());
    let utxos = rest.get("/v1/utxos?min_confs=1&max_confs=2147483647").await;
    assert_eq!(utxos["utxos"][0]["amount_sat"], "150000");
    assert_eq!(utxos["utxos"][0]["address_type"], "WITNESS_PUBKEY_HASH");
    assert_eq!(utxos["utxos"][0]["outpoint"]["txid_str"], txid.as_str());

    let mut lines = BufReader::new(&mut stream);
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let mut line = String::new();
        lines.read_line(&mut line).await.unwrap();
        if let Some(json) = line.trim().strip_prefix("{\"result\":") {
            let tx: Value = serde_json::from_str(json.strip_suffix('}').unwrap()).unwrap();
            seen.push((tx["tx_hash"].as_str().unwrap().to_string(), tx["num_confirmations"].as_i64().unwrap()));
        }
    }
    assert_eq!(seen, vec![(txid.clone(), 0), (txid.clone(), 1)]);

    let outside = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
    let fee = rest.get(&format!("/v1/transactions/fee?AddrToAmount[{outside}]=50000&target_conf=2")).await;
    assert_eq!(fee["sat_per_vbyte"], "25");
    let (status, sent) =
        rest.call("POST", "/v1/transactions", Some(serde_json::json!({"addr": outside, "amount": "50000", "target_conf": 2, "label": "rent"}))).await;
    assert_eq!(status, 200, "{sent}");
    let history = rest.get("/v1/transactions").await;
    let out = history["transactions"].as_array().unwrap().iter().find(|t| t["tx_hash"] == sent["txid"]).unwrap().clone();
    assert_eq!(out["total_fees"], fee["fee_sat"], "the estimate is what the send paid");
    assert_eq!(out["label"], "rent");
    assert_eq!(out["amount"].as_str().unwrap().parse::<i64>().unwrap(), -(50_000 + fee["fee_sat"].as_str().unwrap().parse::<i64>().unwrap()));

    let (status, err) = rest.call("POST", "/v1/transactions", Some(serde_json::json!({"addr": outside, "amount": "10000000"}))).await;
    assert_eq!((status, err["message"].as_str().unwrap()), (500, "insufficient funds available to construct transaction"));
    for (amount, words) in [("100", "transaction output is dust"), ("0", "transaction output is dust"), ("-5", "transaction output amount is negative")] {
        let (status, err) = rest.call("POST", "/v1/transactions", Some(serde_json::json!({"addr": outside, "amount": amount}))).await;
        assert_eq!((status, err["message"].as_str()), (500, Some(words)), "btcwallet's words, which clients match");
    }
    let (status, err) = rest.call("POST", "/v1/transactions", Some(serde_json::json!({"addr": outside, "amount": "1", "bogus": 1}))).await;
    assert_eq!((status, err["code"].as_i64()), (400, Some(3)), "unknown fields are refused: {err}");
}

#[tokio::test]
async fn addresses_and_funds_survive_a_restart() {
    let (network, _dir, rest) = network().await;
    let addr = rest.get("/v1/newaddress").await["address"].as_str().unwrap().to_string();
    network.fund(&addr, 70_000).unwrap();
    network.mine(3).unwrap();
    network.restart_node("alice").await.unwrap();
    network.unlock_wallet("alice", b"password1").await.unwrap();
    assert_eq!(rest.get("/v1/balance/blockchain").await["confirmed_balance"], "70000");
    let next = rest.get("/v1/newaddress").await["address"].as_str().unwrap().to_string();
    assert_ne!(next, addr, "the address index is kept");
}

#[tokio::test]
async fn a_stopped_node_refuses_connections_and_keeps_its_ports_for_its_return() {
    let (network, _dir, rest) = network().await;
    let spec = network.stop_node("alice").await.unwrap();
    let refused = tokio::net::TcpStream::connect(&rest.addr).await.expect_err("nothing listens while it is down");
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    // A socket that does not share ports (as an outgoing connection's is) cannot take one.
    for port in [spec.ports.rest, spec.ports.grpc, spec.ports.grpcweb, spec.ports.p2p] {
        let other = tokio::net::TcpSocket::new_v4().unwrap();
        let taken = other.bind(([127, 0, 0, 1], port).into()).expect_err("the port is held for the node");
        assert_eq!(taken.kind(), std::io::ErrorKind::AddrInUse, "port {port}");
    }
    let back = network.start_node(spec.clone()).await.unwrap();
    assert_eq!(back.spec.ports, spec.ports, "it comes back where its clients knew it");
    network.unlock_wallet("alice", b"password1").await.unwrap();
    assert_eq!(rest.get("/v1/balance/blockchain").await["confirmed_balance"], "0");
}
