//! Peers through lnd's REST routes: connecting with `pubkey@host:port`, both ends seeing
//! the link, lnd's refusals, disconnecting, and a node going away.

use std::time::Duration;

use devnode::{Network, NetworkConfig, NodeSpec};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn call(addr: &str, macaroon: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nGrpc-Metadata-macaroon: {macaroon}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    (raw[9..12].parse().unwrap(), serde_json::from_str(raw.split("\r\n\r\n").nth(1).unwrap_or("")).unwrap_or(Value::Null))
}

#[tokio::test]
async fn connect_list_disconnect_and_go_offline() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = NetworkConfig::new(dir.path());
    config.startup_step = Duration::from_millis(1);
    let network = Network::open(config).unwrap();
    let mut nodes = Vec::new();
    for name in ["alice", "bob"] {
        let mut spec = NodeSpec::new(name);
        spec.rest_tls = false;
        let handle = network.start_node(spec).await.unwrap();
        let mac = network.create_wallet(name, b"password1").await.unwrap();
        nodes.push((format!("127.0.0.1:{}", handle.spec.ports.rest), mac));
    }
    let (alice, amac) = &nodes[0];
    let (bob, bmac) = &nodes[1];
    let bob_uri = network.uri("bob").await.unwrap();
    let (bob_key, bob_host) = bob_uri.split_once('@').unwrap();

    let (status, v) = call(alice, amac, "POST", "/v1/peers", Some(json!({"addr": {"pubkey": bob_key, "host": bob_host}, "perm": false}))).await;
    assert_eq!(status, 200, "{v}");
    let (_, peers) = call(alice, amac, "GET", "/v1/peers", None).await;
    assert_eq!(peers["peers"][0]["pub_key"], bob_key);
    assert_eq!(peers["peers"][0]["inbound"], false);
    let (_, theirs) = call(bob, bmac, "GET", "/v1/peers", None).await;
    assert_eq!(theirs["peers"][0]["inbound"], true, "bob sees alice connect in");
    let (_, info) = call(alice, amac, "GET", "/v1/getinfo", None).await;
    assert_eq!(info["num_peers"], 1);

    let (status, v) = call(alice, amac, "POST", "/v1/peers", Some(json!({"addr": {"pubkey": bob_key, "host": bob_host}}))).await;
    assert_eq!((status, v["message"].as_str().unwrap()), (500, format!("already connected to peer: {bob_uri}").as_str()));
    let alice_key = info["identity_pubkey"].as_str().unwrap();
    let (_, v) = call(alice, amac, "POST", "/v1/peers", Some(json!({"addr": {"pubkey": alice_key, "host": bob_host}}))).await;
    assert_eq!(v["message"], "cannot make connection to self");

    let (status, _) = call(alice, amac, "DELETE", &format!("/v1/peers/{bob_key}"), None).await;
    assert_eq!(status, 200);
    assert!(call(bob, bmac, "GET", "/v1/peers", None).await.1["peers"].as_array().unwrap().is_empty());
    let (_, v) = call(alice, amac, "DELETE", &format!("/v1/peers/{bob_key}"), None).await;
    assert!(v["message"].as_str().unwrap().contains("is not connected"));
    let wrong_port = json!({"addr": {"pubkey": bob_key, "host": "127.0.0.1:1"}});
    let (_, v) = call(alice, amac, "POST", "/v1/peers", Some(wrong_port)).await;
    assert_eq!(v["message"], "dial tcp 127.0.0.1:1: connect: connection refused");

    // Reconnect, then bob's process stops: alice loses the peer.
    call(alice, amac, "POST", "/v1/peers", Some(json!({"addr": {"pubkey": bob_key, "host": bob_host}}))).await;
    network.stop_node("bob").await.unwrap();
    assert!(call(alice, amac, "GET", "/v1/peers", None).await.1["peers"].as_array().unwrap().is_empty());
}
