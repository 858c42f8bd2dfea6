//! The channel graph, fees and forwarding through lnd's REST routes on a line of three
//! nodes (alice → bob → carol): DescribeGraph, GetChanInfo, GetNetworkInfo, GetNodeInfo with
//! channels, bob's forwarding history and fee report after a payment through him, his new
//! policy reaching alice's routes and the graph stream; macaroon root key ids.

mod common;

use common::{Rest, b64};
use serde_json::{Value, json};

fn clone(r: &Rest) -> Rest {
    Rest { addr: r.addr.clone(), macaroon: r.macaroon.clone() }
}

fn num(v: &Value) -> i64 {
    v.as_str().map(|s| s.parse().unwrap()).or_else(|| v.as_i64()).unwrap_or_else(|| panic!("not a number: {v}"))
}

#[tokio::test]
async fn graph_fees_and_forwarding_as_lnd() {
    let (network, _dir, nodes) = common::network(&["alice", "bob", "carol"]).await;
    let (alice, bob, carol) = (&nodes[0], &nodes[1], &nodes[2]);
    for name in ["alice", "bob"] {
        network.fund_node(name, 3_000_000, 1).await.unwrap();
    }
    network.open_channel("alice", "bob", 1_000_000, 0).await.unwrap();
    network.open_channel("bob", "carol", 1_000_000, 0).await.unwrap();
    let key = |r: &Rest| {
        let r = clone(r);
        async move { r.get("/v1/getinfo").await["identity_pubkey"].as_str().unwrap().to_string() }
    };
    let (a, b, c) = (key(alice).await, key(bob).await, key(carol).await);

    let graph = alice.get("/v1/graph").await;
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 3);
    let edges = graph["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2);
    for e in edges {
        assert!(e["node1_pub"].as_str() < e["node2_pub"].as_str(), "lnd orders an edge's nodes by key");
        assert_eq!(e["node1_policy"]["fee_base_msat"], "1000", "lnd's default policy: {e}");
        assert_eq!(e["node1_policy"]["time_lock_delta"], 80);
        assert_eq!(e["node1_policy"]["max_htlc_msat"], "990000000", "capacity less the 1% reserve");
    }
    let bob_carol = edges.iter().find(|e| [&e["node1_pub"], &e["node2_pub"]].contains(&&json!(c))).unwrap().clone();
    let chan_id = bob_carol["channel_id"].as_str().unwrap().to_string();
    assert_eq!(alice.get(&format!("/v1/graph/edge/{chan_id}")).await["chan_point"], bob_carol["chan_point"]);
    let (status, v) = alice.call("GET", "/v1/graph/edge/12345", None).await;
    // rpcserver.go GetChanInfo: NotFound, so HTTP 404.
    assert_eq!((status, v["code"].as_i64(), v["message"].as_str()), (404, Some(5), Some("edge not found")));
    let info = alice.get("/v1/graph/info").await;
    assert_eq!((info["num_nodes"].as_u64(), info["num_channels"].as_u64(), info["graph_diameter"].as_u64()), (Some(3), Some(2), Some(2)));
    assert_eq!(num(&info["total_network_capacity"]), 2_000_000);
    let bob_info = alice.get(&format!("/v1/graph/node/{b}?include_channels=true")).await;
    assert_eq!((bob_info["num_channels"].as_u64(), bob_info["channels"].as_array().unwrap().len()), (Some(2), 2));

    // A payment through bob: he keeps lnd's default fee, 1 sat + 1 ppm.
    let invoice = network.add_invoice("carol", 100_000, "through bob").await.unwrap();
    assert_eq!(network.pay("alice", &invoice).await.unwrap(), "");
    let (status, history) = bob.call("POST", "/v1/switch", Some(json!({"start_time": "0"}))).await;
    assert_eq!(status, 200, "{history}");
    let events = history["forwarding_events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!((num(&events[0]["amt_out"]), num(&events[0]["fee_msat"])), (100_000, 1_100));
    assert_eq!(events[0]["chan_id_out"], json!(chan_id));
    assert_eq!(history["last_offset_index"], 1);
    assert!(alice.call("POST", "/v1/switch", Some(json!({}))).await.1["forwarding_events"].as_array().unwrap().is_empty(), "alice paid, she did not forward");
    let fees = bob.get("/v1/fees").await;
    assert_eq!((num(&fees["day_fee_sum"]), fees["channel_fees"].as_array().unwrap().len()), (1, 2));

    // Bob raises his fees; the graph stream and alice's routes see it.
    let watcher = clone(alice);
    let stream = tokio::spawn(async move { watcher.stream("GET", "/v1/graph/subscribe", None).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (status, v) =
        bob.call("POST", "/v1/chanpolicy", Some(json!({"global": true, "base_fee_msat": "5000", "fee_rate_ppm": 1000, "time_lock_delta": 10}))).await;
    assert_eq!((status, v["message"].as_str()), (500, Some("time lock delta of 10 is too small, minimum supported is 18")));
    let (status, v) = bob.call("POST", "/v1/chanpolicy", Some(json!({"global": true, "fee_rate": 0.001, "fee_rate_ppm": 1000, "time_lock_delta": 40}))).await;
    assert_eq!((status, v["message"].as_str()), (400, Some("cannot set both FeeRate and FeeRatePpm at the same time")));
    let (status, v) =
        bob.call("POST", "/v1/chanpolicy", Some(json!({"global": true, "base_fee_msat": "5000", "fee_rate_ppm": 1000, "time_lock_delta": 40}))).await;
    assert_eq!((status, v["failed_updates"].as_array().map(Vec::len)), (200, Some(0)), "{v}");
    let routes = alice.get(&format!("/v1/graph/routes/{c}/100000")).await;
    assert_eq!(num(&routes["routes"][0]["total_fees_msat"]), 5_000 + 100_000, "5 sat + 1,000 ppm of 100,000 sat");
    assert_eq!(num(&bob.get("/v1/fees").await["channel_fees"][0]["fee_per_mil"]), 1000);
    let unknown = json!({"chan_point": {"funding_txid_str": "11".repeat(32), "output_index": 0}, "time_lock_delta": 40});
    let (_, v) = bob.call("POST", "/v1/chanpolicy", Some(unknown)).await;
    assert_eq!(v["failed_updates"][0]["reason"], "UPDATE_FAILURE_NOT_FOUND");
    network.stop_node("alice").await.unwrap();
    let (_, updates) = stream.await.unwrap();
    let from_bob: Vec<&Value> =
        updates.iter().flat_map(|u| u["result"]["channel_updates"].as_array().unwrap()).filter(|u| u["advertising_node"] == json!(b)).collect();
    assert_eq!(from_bob.len(), 2, "both of bob's channels: {updates:?}");
    assert_eq!(from_bob[0]["routing_policy"]["fee_rate_milli_msat"], "1000");
    let _ = a;
}

#[tokio::test]
async fn macaroon_root_key_ids_as_lnd() {
    let (_network, _dir, nodes) = common::network(&["alice"]).await;
    let alice = &nodes[0];
    assert_eq!(alice.get("/v1/macaroon/ids").await["root_key_ids"], json!(["0"]));
    let help = "supported actions are [read write generate], supported entities are [onchain offchain address message peers info invoices signer macaroon uri]";
    for (perms, words) in [
        (json!([]), format!("permission list cannot be empty. specify at least one action/entity pair. {help}")),
        (json!([{"entity": "wallet", "action": "read"}]), format!("invalid permission entity. {help}")),
        (json!([{"entity": "info", "action": "delete"}]), format!("invalid permission action. {help}")),
        (
            json!([{"entity": "uri", "action": "/lnrpc.Lightning/NoSuchMethod"}]),
            "invalid permission action, must be an existing URI in the format /package.Service/MethodName".to_string(),
        ),
    ] {
        let (status, v) = alice.call("POST", "/v1/macaroon", Some(json!({"permissions": perms}))).await;
        assert_eq!((status, v["message"].as_str()), (500, Some(words.as_str())));
    }
    let (status, by_uri) = alice.call("POST", "/v1/macaroon", Some(json!({"permissions": [{"entity": "uri", "action": "/lnrpc.Lightning/GetInfo"}]}))).await;
    assert_eq!(status, 200, "{by_uri}");
    let baked = alice.call("POST", "/v1/macaroon", Some(json!({"root_key_id": "5", "permissions": [{"entity": "info", "action": "read"}]}))).await.1;
    let limited = Rest { addr: alice.addr.clone(), macaroon: baked["macaroon"].as_str().unwrap().to_string() };
    assert_eq!(limited.call("GET", "/v1/getinfo", None).await.0, 200);

    // What each method needs, and whether a macaroon would pass (asked by proxies in front
    // of lnd): refusals are lnd's InvalidArgument (HTTP 400) with the reason.
    let perms = alice.get("/v1/macaroon/permissions").await;
    assert_eq!(perms["method_permissions"]["/lnrpc.Lightning/GetInfo"]["permissions"], json!([{"entity": "info", "action": "read"}]));
    assert_eq!(perms["method_permissions"]["/routerrpc.Router/SendPaymentV2"]["permissions"], json!([{"entity": "offchain", "action": "write"}]));
    let mac_bytes = b64(&hex::decode(&limited.macaroon).unwrap());
    let check = |perms: Value, method: &str, defaults: bool| json!({"macaroon": mac_bytes, "permissions": perms, "fullMethod": method, "check_default_perms_from_full_method": defaults});
    let (status, ok) = alice
        .call("POST", "/v1/macaroon/checkpermissions", Some(check(json!([{"entity": "info", "action": "read"}]), "/lnrpc.Lightning/GetInfo", false)))
        .await;
    assert_eq!((status, ok["valid"].as_bool()), (200, Some(true)));
    let (status, no) = alice
        .call("POST", "/v1/macaroon/checkpermissions", Some(check(json!([{"entity": "onchain", "action": "read"}]), "/lnrpc.Lightning/WalletBalance", false)))
        .await;
    assert_eq!((status, no["message"].as_str(), no["code"].as_i64()), (400, Some("permission denied"), Some(3)));
    let (status, no) = alice.call("POST", "/v1/macaroon/checkpermissions", Some(check(json!([]), "/lnrpc.Lightning/WalletBalance", true))).await;
    assert_eq!((status, no["message"].as_str()), (400, Some("permission denied")), "the method's own permissions");
    assert_eq!(alice.get("/v1/macaroon/ids").await["root_key_ids"], json!(["0", "5"]));
    assert_eq!(alice.call("DELETE", "/v1/macaroon/5", None).await.1["deleted"], true);
    assert_eq!(alice.call("DELETE", "/v1/macaroon/5", None).await.1["deleted"], false);
    let (status, v) = limited.call("GET", "/v1/getinfo", None).await;
    assert_eq!(status, 500, "a macaroon under a deleted id is refused: {v}");
    assert!(v["message"].as_str().unwrap().contains("root key with id 5 doesn't exist"), "{v}");
    let again = alice.call("POST", "/v1/macaroon", Some(json!({"root_key_id": "5", "permissions": [{"entity": "info", "action": "read"}]}))).await.1;
    let renewed = Rest { addr: alice.addr.clone(), macaroon: again["macaroon"].as_str().unwrap().to_string() };
    assert_eq!(renewed.call("GET", "/v1/getinfo", None).await.0, 200);
    assert_eq!(limited.call("GET", "/v1/getinfo", None).await.0, 500, "the old macaroon stays dead");
    let (status, v) = alice.call("DELETE", "/v1/macaroon/0", None).await;
    assert_eq!((status, v["message"].as_str()), (500, Some("the specified ID cannot be deleted")));
}
