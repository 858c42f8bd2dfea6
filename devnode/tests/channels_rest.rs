//! Channels through lnd's REST routes: opening with the OpenChannel stream, both sides'
//! lists and balances, cooperative and force closes with their streams, the CSV delay and
//! sweep, and the channel database's life across restarts.

mod common;

use base64::Engine;
use common::eventually;
use serde_json::{Value, json};

fn b64(hex_str: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(hex::decode(hex_str).unwrap())
}

fn count(v: &Value, key: &str) -> usize {
    v[key].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn open_close_and_force_close_as_lnd() {
    let (network, dir, nodes) = common::network(&["alice", "bob"]).await;
    let (alice, bob) = (&nodes[0], &nodes[1]);
    network.fund_node("alice", 10_000_000, 1).await.unwrap();
    let bob_key = network.uri("bob").await.unwrap().split_once('@').unwrap().0.to_string();
    let open = |sats: i64| json!({"node_pubkey": b64(&bob_key), "local_funding_amount": sats.to_string(), "push_sat": "10000"});
    // A message bob signs: alice recovers his key, but calls it valid only once her graph
    // knows him (lnd's VerifyMessage).
    let signed = bob.call("POST", "/v1/signmessage", Some(json!({"msg": base64::engine::general_purpose::STANDARD.encode("it's bob")}))).await.1;
    let verify = json!({"msg": base64::engine::general_purpose::STANDARD.encode("it's bob"), "signature": signed["signature"]});
    let unknown = alice.call("POST", "/v1/verifymessage", Some(verify.clone())).await.1;
    assert_eq!((unknown["valid"].as_bool(), unknown["pubkey"].as_str()), (Some(false), Some(bob_key.as_str())));

    let (status, v) = alice.call("POST", "/v1/channels", Some(open(500_000))).await;
    assert_eq!((status, v["message"].as_str().unwrap()), (500, format!("peer {bob_key} is not online").as_str()));
    network.connect("alice", "bob").await.unwrap();
    let (_, v) = alice.call("POST", "/v1/channels", Some(open(19_999))).await;
    assert_eq!(v["message"], "channel is too small, the minimum channel size is: 20000 SAT");

    // The stream answers chan_pending at once and chan_open after three confirmations.
    let opening = {
        let alice = common::Rest { addr: alice.addr.clone(), macaroon: alice.macaroon.clone() };
        let body = open(500_000);
        tokio::spawn(async move { alice.stream("POST", "/v1/channels/stream", Some(body)).await })
    };
    eventually("the pending channel", async || count(&bob.get("/v1/channels/pending").await, "pending_open_channels") == 1).await;
    let pending = alice.get("/v1/channels/pending").await;
    let p = &pending["pending_open_channels"][0];
    assert_eq!(p["channel"]["initiator"], "INITIATOR_LOCAL");
    assert_eq!(p["channel"]["local_balance"], "486530", "500,000 − commitment fee − anchors − push");
    assert_eq!(p["confirmations_until_active"], 3);
    assert_eq!(bob.get("/v1/channels/pending").await["pending_open_channels"][0]["channel"]["initiator"], "INITIATOR_REMOTE");
    assert_eq!(alice.get("/v1/balance/channels").await["pending_open_local_balance"]["sat"], "486530");
    network.mine(3).unwrap();
    let (status, lines) = opening.await.unwrap();
    assert_eq!(status, 200);
    assert!(lines[0]["result"]["chan_pending"]["txid"].is_string(), "{lines:?}");
    let chan_point = &lines[1]["result"]["chan_open"]["channel_point"];
    assert_eq!(chan_point["output_index"], 0);

    let channels = alice.get("/v1/channels").await;
    let ch = &channels["channels"][0];
    assert_eq!(ch["active"], true);
    assert_eq!(ch["remote_pubkey"], bob_key);
    assert_eq!((ch["capacity"].as_str(), ch["local_balance"].as_str(), ch["remote_balance"].as_str()), (Some("500000"), Some("486530"), Some("10000")));
    assert_eq!(ch["commitment_type"], "ANCHORS");
    assert_ne!(ch["chan_id"], "0");
    assert_eq!(ch["peer_alias"], "", "only looked up when asked");
    let named = alice.get("/v1/channels?peer_alias_lookup=true").await;
    assert_eq!(named["channels"][0]["peer_alias"], "bob");
    let known = alice.call("POST", "/v1/verifymessage", Some(verify)).await.1;
    assert_eq!((known["valid"].as_bool(), known["pubkey"].as_str()), (Some(true), Some(bob_key.as_str())), "bob is in alice's graph now");
    let theirs = bob.get("/v1/channels").await;
    assert_eq!(theirs["channels"][0]["local_balance"], "10000");
    assert_eq!(theirs["channels"][0]["chan_id"], ch["chan_id"], "both sides agree on the short channel id");
    assert_eq!(alice.get("/v1/balance/channels").await["local_balance"]["msat"], "486530000");
    assert_eq!(alice.get("/v1/getinfo").await["num_active_channels"], 1);
    assert_eq!(count(&alice.get("/v1/channels?inactive_only=true").await, "channels"), 0);

    // Cooperative close: close_pending, then chan_close when the closing transaction confirms.
    let cp = ch["channel_point"].as_str().unwrap().replace(':', "/");
    let closing = {
        let alice = common::Rest { addr: alice.addr.clone(), macaroon: alice.macaroon.clone() };
        let path = format!("/v1/channels/{cp}?sat_per_vbyte=2");
        tokio::spawn(async move { alice.stream("DELETE", &path, None).await })
    };
    eventually("the waiting close", async || count(&bob.get("/v1/channels/pending").await, "waiting_close_channels") == 1).await;
    assert_eq!(count(&alice.get("/v1/channels").await, "channels"), 0);
    network.mine(1).unwrap();
    let (_, lines) = closing.await.unwrap();
    assert!(lines[0]["result"]["close_pending"]["txid"].is_string(), "{lines:?}");
    assert_eq!(lines[1]["result"]["chan_close"]["success"], true);
    eventually("bob's closed channel", async || count(&bob.get("/v1/channels/closed").await, "channels") == 1).await;
    let closed = &alice.get("/v1/channels/closed").await["channels"][0];
    assert_eq!((closed["close_type"].as_str(), closed["close_initiator"].as_str()), (Some("COOPERATIVE_CLOSE"), Some("INITIATOR_LOCAL")));
    let theirs = &bob.get("/v1/channels/closed").await["channels"][0];
    assert_eq!((theirs["close_initiator"].as_str(), theirs["settled_balance"].as_str()), (Some("INITIATOR_REMOTE"), Some("10000")));
    assert_eq!(bob.get("/v1/balance/blockchain").await["confirmed_balance"], "10000", "the pushed amount reached bob's wallet");

    // Force close: alice's funds are locked for the CSV delay, bob's are free at once.
    let point = network.open_channel("alice", "bob", 300_000, 0).await.unwrap();
    let (status, v) = alice.call("DELETE", &format!("/v1/channels/{}?force=true&sat_per_vbyte=5", point.replace(':', "/")), None).await;
    // A stream that fails before its first message answers with the error wrapped, as lnd.
    assert_eq!((status, v["error"]["message"].as_str()), (500, Some("force closing a channel uses a pre-defined fee")));
    let before = alice.get("/v1/balance/blockchain").await["confirmed_balance"].as_str().unwrap().parse::<i64>().unwrap();
    let forcing = {
        let alice = common::Rest { addr: alice.addr.clone(), macaroon: alice.macaroon.clone() };
        let path = format!("/v1/channels/{}?force=true", point.replace(':', "/"));
        tokio::spawn(async move { alice.stream("DELETE", &path, None).await })
    };
    eventually("the force close", async || count(&alice.get("/v1/channels/pending").await, "waiting_close_channels") == 1).await;
    network.mine(1).unwrap();
    let (_, lines) = forcing.await.unwrap();
    assert_eq!(lines[0]["result"]["close_pending"]["local_close_tx"], true);
    assert_eq!(lines[1]["result"]["chan_close"]["success"], true);
    let pending = alice.get("/v1/channels/pending").await;
    let forced = &pending["pending_force_closing_channels"][0];
    assert_eq!(forced["blocks_til_maturity"], 143);
    assert_eq!(forced["limbo_balance"], "296530");
    eventually("bob's remote force close", async || {
        bob.get("/v1/channels/closed?remote_force=true").await["channels"][0]["close_type"] == "REMOTE_FORCE_CLOSE"
    })
    .await;
    assert_eq!(alice.get("/v1/channels/closed?local_force=true").await["channels"][0]["time_locked_balance"], "296530");

    network.mine(143).unwrap();
    eventually("the sweep", async || alice.get("/v1/balance/blockchain").await["unconfirmed_balance"] != "0").await;
    network.mine(1).unwrap();
    eventually("full resolution", async || count(&alice.get("/v1/channels/pending").await, "pending_force_closing_channels") == 0).await;
    let after = alice.get("/v1/balance/blockchain").await["confirmed_balance"].as_str().unwrap().parse::<i64>().unwrap();
    assert!(after > before + 290_000, "the swept funds are back in the wallet: {before} → {after}");

    // The channel database survives a restart; deleting it loses the channels, not the wallet.
    network.restart_node("alice").await.unwrap();
    network.unlock_wallet("alice", b"password1").await.unwrap();
    assert_eq!(count(&alice.get("/v1/channels/closed").await, "channels"), 2);
    let kept = network.open_channel("alice", "bob", 100_000, 0).await.unwrap();
    assert!(!kept.is_empty());
    network.stop_node("alice").await.unwrap();
    std::fs::remove_file(dir.path().join("alice/data/graph/regtest/channel.db")).unwrap();
    network.start_node(devnode::NodeSpec { rest_tls: false, ..devnode::NodeSpec::new("alice") }).await.unwrap();
    network.unlock_wallet("alice", b"password1").await.unwrap();
    assert_eq!(count(&alice.get("/v1/channels").await, "channels"), 0);
    assert_eq!(count(&alice.get("/v1/channels/closed").await, "channels"), 0);
    assert_ne!(alice.get("/v1/balance/blockchain").await["confirmed_balance"], "0");
    assert_eq!(count(&bob.get("/v1/channels").await, "channels"), 1, "the peer still has it");
}

#[tokio::test]
async fn backups_export_verify_and_restore_after_losing_the_channel_database() {
    let (network, dir, nodes) = common::network(&["alice", "bob"]).await;
    let (alice, bob) = (&nodes[0], &nodes[1]);
    network.fund_node("alice", 2_000_000, 1).await.unwrap();
    let point = network.open_channel("alice", "bob", 400_000, 50_000).await.unwrap();

    let all = alice.get("/v1/channels/backup").await;
    let multi = all["multi_chan_backup"]["multi_chan_backup"].as_str().unwrap().to_string();
    assert_eq!(all["single_chan_backups"]["chan_backups"].as_array().unwrap().len(), 1);
    let on_disk = std::fs::read(dir.path().join("alice/data/chain/bitcoin/regtest/channel.backup")).unwrap();
    assert!(on_disk.len() > 45, "channel.backup holds the packed Multi");
    let (status, verified) = alice.call("POST", "/v1/channels/backup/verify", Some(json!({"multi_chan_backup": {"multi_chan_backup": multi}}))).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["chan_points"][0], point);
    let (_, refused) = bob.call("POST", "/v1/channels/backup/verify", Some(json!({"multi_chan_backup": {"multi_chan_backup": multi}}))).await;
    assert!(refused["message"].as_str().unwrap().starts_with("invalid multi channel backup"), "{refused}");
    let one = alice.get(&format!("/v1/channels/backup/{}", point.replace(':', "/"))).await;
    let (_, v) = alice.call("POST", "/v1/channels/backup/verify", Some(json!({"single_chan_backups": {"chan_backups": [one]}}))).await;
    assert_eq!(v["chan_points"][0], point);

    // The channel database is lost; the wallet is not.
    network.stop_node("alice").await.unwrap();
    std::fs::remove_file(dir.path().join("alice/data/graph/regtest/channel.db")).unwrap();
    network.start_node(devnode::NodeSpec { rest_tls: false, ..devnode::NodeSpec::new("alice") }).await.unwrap();
    network.unlock_wallet("alice", b"password1").await.unwrap();
    assert_eq!(count(&alice.get("/v1/channels").await, "channels"), 0);
    let before = alice.get("/v1/balance/blockchain").await["confirmed_balance"].as_str().unwrap().parse::<i64>().unwrap();

    let (status, restored) = alice.call("POST", "/v1/channels/backup/restore", Some(json!({"multi_chan_backup": multi}))).await;
    assert_eq!((status, restored["num_restored"].as_i64()), (200, Some(1)), "{restored}");
    let waiting = alice.get("/v1/channels/pending").await;
    assert_eq!(waiting["waiting_close_channels"][0]["channel"]["channel_point"], point);
    network.mine(1).unwrap();
    eventually("the recovered channel to close", async || alice.get("/v1/channels/closed").await["channels"][0]["close_type"] == "REMOTE_FORCE_CLOSE").await;
    let after = alice.get("/v1/balance/blockchain").await["confirmed_balance"].as_str().unwrap().parse::<i64>().unwrap();
    assert_eq!(after - before, 400_000 - 2_810 - 660 - 50_000, "alice's side came back on-chain");
    eventually("bob's funds time-locked", async || count(&bob.get("/v1/channels/pending").await, "pending_force_closing_channels") == 1).await;
}

/// A channel restored while its peer is offline waits: lnd keeps trying the peer, and the
/// peer closes the channel once they are connected again.
#[tokio::test]
async fn a_restored_channel_closes_when_its_peer_returns() {
    let (network, dir, nodes) = common::network(&["alice", "bob"]).await;
    let alice = &nodes[0];
    network.fund_node("alice", 2_000_000, 1).await.unwrap();
    let point = network.open_channel("alice", "bob", 300_000, 0).await.unwrap();
    let multi = alice.get("/v1/channels/backup").await["multi_chan_backup"]["multi_chan_backup"].as_str().unwrap().to_string();

    network.stop_node("bob").await.unwrap();
    network.stop_node("alice").await.unwrap();
    std::fs::remove_file(dir.path().join("alice/data/graph/regtest/channel.db")).unwrap();
    network.start_node(devnode::NodeSpec { rest_tls: false, ..devnode::NodeSpec::new("alice") }).await.unwrap();
    network.unlock_wallet("alice", b"password1").await.unwrap();
    let (status, restored) = alice.call("POST", "/v1/channels/backup/restore", Some(json!({"multi_chan_backup": multi}))).await;
    assert_eq!((status, restored["num_restored"].as_i64()), (200, Some(1)), "{restored}");
    network.mine(1).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let waiting = alice.get("/v1/channels/pending").await;
    assert_eq!(waiting["waiting_close_channels"][0]["channel"]["channel_point"], point, "nothing to close with while bob is away");
    assert_eq!(count(&alice.get("/v1/channels/closed").await, "channels"), 0);

    network.start_node(devnode::NodeSpec { rest_tls: false, ..devnode::NodeSpec::new("bob") }).await.unwrap();
    network.unlock_wallet("bob", b"password1").await.unwrap();
    eventually("bob to close the channel", async || {
        alice.get("/v1/channels/pending").await["waiting_close_channels"][0]["closing_txid"].as_str().is_some_and(|t| !t.is_empty())
    })
    .await;
    network.mine(1).unwrap();
    eventually("the recovered channel to close", async || alice.get("/v1/channels/closed").await["channels"][0]["close_type"] == "REMOTE_FORCE_CLOSE").await;
}
