//! Peers through lnd's REST routes: connecting with `pubkey@host:port`, both ends seeing
//! the link, lnd's refusals, disconnecting, and a node going away.

mod common;

use serde_json::json;

#[tokio::test]
async fn connect_list_disconnect_and_go_offline() {
    let (network, _dir, nodes) = common::network(&["alice", "bob"]).await;
    let (alice, bob) = (&nodes[0], &nodes[1]);
    let bob_uri = network.uri("bob").await.unwrap();
    let (bob_key, bob_host) = bob_uri.split_once('@').unwrap();

    let (status, v) = alice.call("POST", "/v1/peers", Some(json!({"addr": {"pubkey": bob_key, "host": bob_host}, "perm": false}))).await;
    assert_eq!(status, 200, "{v}");
    let (_, peers) = alice.call("GET", "/v1/peers", None).await;
    assert_eq!(peers["peers"][0]["pub_key"], bob_key);
    assert_eq!(peers["peers"][0]["inbound"], false);
    let (_, theirs) = bob.call("GET", "/v1/peers", None).await;
    assert_eq!(theirs["peers"][0]["inbound"], true, "bob sees alice connect in");
    let (_, info) = alice.call("GET", "/v1/getinfo", None).await;
    assert_eq!(info["num_peers"], 1);

    let (status, v) = alice.call("POST", "/v1/peers", Some(json!({"addr": {"pubkey": bob_key, "host": bob_host}}))).await;
    assert_eq!((status, v["message"].as_str().unwrap()), (500, format!("already connected to peer: {bob_uri}").as_str()));
    let alice_key = info["identity_pubkey"].as_str().unwrap();
    let (_, v) = alice.call("POST", "/v1/peers", Some(json!({"addr": {"pubkey": alice_key, "host": bob_host}}))).await;
    assert_eq!(v["message"], "cannot make connection to self");

    let (status, _) = alice.call("DELETE", &format!("/v1/peers/{bob_key}"), None).await;
    assert_eq!(status, 200);
    assert!(bob.call("GET", "/v1/peers", None).await.1["peers"].as_array().unwrap().is_empty());
    let (_, v) = alice.call("DELETE", &format!("/v1/peers/{bob_key}"), None).await;
    assert_eq!(v["message"], format!("unable to disconnect peer: peer {bob_key} is not connected"));
    // Bob's address with another node's key: the Noise handshake ends in lnd's bare "EOF".
    let alice_key = alice.get("/v1/getinfo").await["identity_pubkey"].as_str().unwrap().to_string();
    let other = format!("{}{}", &alice_key[..2], "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    let (status, v) = alice.call("POST", "/v1/peers", Some(json!({"addr": {"pubkey": other, "host": bob_host}}))).await;
    assert_eq!((status, v["message"].as_str()), (500, Some("EOF")));
    let wrong_port = json!({"addr": {"pubkey": bob_key, "host": "127.0.0.1:1"}});
    let (_, v) = alice.call("POST", "/v1/peers", Some(wrong_port)).await;
    assert_eq!(v["message"], "dial tcp 127.0.0.1:1: connect: connection refused");

    // Reconnect, then bob's process stops: alice loses the peer.
    alice.call("POST", "/v1/peers", Some(json!({"addr": {"pubkey": bob_key, "host": bob_host}}))).await;
    network.stop_node("bob").await.unwrap();
    assert!(alice.call("GET", "/v1/peers", None).await.1["peers"].as_array().unwrap().is_empty());
}
