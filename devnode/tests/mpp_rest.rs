//! Multi-path payments through lnd's REST routes: alice has two small channels to bob, bob
//! a large one to carol. A payment larger than either of alice's channels fails as one
//! HTLC and succeeds split (SendPaymentV2's max_parts); parts sent by hand with
//! SendToRouteV2 wait at the payee until the set is complete (a part announcing another
//! total fails the whole set); a set that never completes
//! fails back with MPP_TIMEOUT; a hold invoice paid in parts is accepted, then settles
//! every part.

mod common;

use base64::Engine;
use common::{Rest, b64, b64url, eventually};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn pay(from: &Rest, body: Value) -> Vec<Value> {
    let (status, lines) = from.stream("POST", "/v2/router/send", Some(body)).await;
    assert_eq!(status, 200, "{lines:?}");
    lines.into_iter().map(|l| l["result"].clone()).collect()
}

fn states(invoice: &Value) -> Vec<String> {
    invoice["htlcs"].as_array().unwrap().iter().map(|h| h["state"].as_str().unwrap().to_string()).collect()
}

/// alice =(100,000 sat and `second`)=> bob =(1,000,000 sat)=> carol.
async fn two_small_channels(second: i64) -> (devnode::Network, tempfile::TempDir, Vec<Rest>) {
    let (network, dir, nodes) = common::network(&["alice", "bob", "carol"]).await;
    for name in ["alice", "bob"] {
        network.fund_node(name, 3_000_000, 1).await.unwrap();
    }
    network.open_channel("alice", "bob", 100_000, 0).await.unwrap();
    network.open_channel("alice", "bob", second, 0).await.unwrap();
    network.open_channel("bob", "carol", 1_000_000, 0).await.unwrap();
    (network, dir, nodes)
}

#[tokio::test]
async fn a_payment_too_large_for_one_channel_is_split() {
    let (network, _dir, nodes) = two_small_channels(100_000).await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    let request = network.add_invoice("carol", 150_000, "split me").await.unwrap();
    let decoded_addr = alice.get(&format!("/v1/payreq/{request}")).await["payment_addr"].as_str().unwrap().to_string();
    let body = |parts: u32| json!({"payment_request": request, "timeout_seconds": 30, "fee_limit_sat": "1000", "max_parts": parts});

    // One HTLC cannot carry it: lnd says no route (the balance is there, in two channels).
    let single = pay(alice, body(1)).await;
    let last = single.last().unwrap();
    assert_eq!((last["status"].as_str(), last["failure_reason"].as_str()), (Some("FAILED"), Some("FAILURE_REASON_NO_ROUTE")), "{single:?}");
    assert_eq!(last["htlcs"].as_array().map(Vec::len), Some(0));

    // Split, with max_parts unset (lnd's DefaultMaxParts, 16): 150,000 finds no path,
    // 75,000 does, twice (once per channel).
    let split = pay(alice, body(0)).await;
    let last = split.last().unwrap();
    assert_eq!(last["status"], "SUCCEEDED", "{split:?}");
    let htlcs = last["htlcs"].as_array().unwrap();
    assert_eq!(htlcs.len(), 2, "{htlcs:?}");
    let first_hops: Vec<&str> = htlcs.iter().map(|h| h["route"]["hops"][0]["chan_id"].as_str().unwrap()).collect();
    assert_ne!(first_hops[0], first_hops[1], "one part over each of alice's channels");
    for h in htlcs {
        assert_eq!(h["status"], "SUCCEEDED");
        assert_eq!(h["route"]["hops"][1]["amt_to_forward_msat"], "75000000");
        let mpp = &h["route"]["hops"][1]["mpp_record"];
        assert_eq!((mpp["total_amt_msat"].as_str(), mpp["payment_addr"].as_str()), (Some("150000000"), Some(decoded_addr.as_str())));
    }
    let fees: i64 = htlcs.iter().map(|h| h["route"]["total_fees_msat"].as_str().unwrap().parse::<i64>().unwrap()).sum();
    assert_eq!(last["fee_msat"].as_str().unwrap().parse::<i64>().unwrap(), fees, "the payment's fee is its parts' fees");
    assert_eq!(last["value_sat"], "150000");
    // Updates went out while parts were in flight; none claimed success early.
    assert!(split[..split.len() - 1].iter().all(|u| u["status"] == "IN_FLIGHT"), "{split:?}");

    let hash = last["payment_hash"].as_str().unwrap();
    let invoice = carol.get(&format!("/v1/invoice/{hash}")).await;
    assert_eq!((invoice["state"].as_str(), invoice["amt_paid_sat"].as_str()), (Some("SETTLED"), Some("150000")));
    assert_eq!(states(&invoice), ["SETTLED", "SETTLED"]);
    for h in invoice["htlcs"].as_array().unwrap() {
        assert_eq!((h["amt_msat"].as_str(), h["mpp_total_amt_msat"].as_str()), (Some("75000000"), Some("150000000")));
    }
    // Paying again is refused, as for any paid invoice.
    let (status, again) = alice.call("POST", "/v2/router/send", Some(body(16))).await;
    assert_eq!((status, again["error"]["message"].as_str()), (409, Some("invoice is already paid")));
}

#[tokio::test]
async fn parts_sent_by_hand_wait_for_each_other() {
    let (network, _dir, nodes) = two_small_channels(100_000).await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    let (status, inv) = carol.call("POST", "/v1/invoices", Some(json!({"memo": "by hand", "value": "120000"}))).await;
    assert_eq!(status, 200, "{inv}");
    let hash = inv["r_hash"].as_str().unwrap().to_string();
    let hash_bytes = base64::engine::general_purpose::STANDARD.decode(&hash).unwrap();
    let carol_key = network.uri("carol").await.unwrap().split_once('@').unwrap().0.to_string();
    let bob_key = network.uri("bob").await.unwrap().split_once('@').unwrap().0.to_string();
    let channels = alice.get("/v1/channels").await;
    let chans: Vec<String> = channels["channels"].as_array().unwrap().iter().map(|c| c["chan_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(chans.len(), 2);

    // Each part: a route for 60,000 sat over one of alice's channels, with the MPP record
    // announcing the payment's total.
    let part = |chan: String, total: &str| {
        let total = total.to_string();
        let alice = Rest { addr: alice.addr.clone(), macaroon: alice.macaroon.clone() };
        let (payment_addr, hash) = (inv["payment_addr"].clone(), hash.clone());
        let hops = [b64(&hex::decode(&bob_key).unwrap()), b64(&hex::decode(&carol_key).unwrap())];
        async move {
            let (status, built) = alice
                .call(
                    "POST",
                    "/v2/router/route",
                    Some(json!({"amt_msat": "60000000", "final_cltv_delta": 80, "outgoing_chan_id": chan, "hop_pubkeys": hops, "payment_addr": payment_addr})),
                )
                .await;
            assert_eq!(status, 200, "{built}");
            let mut route = built["route"].clone();
            route["hops"][1]["mpp_record"]["total_amt_msat"] = json!(total);
            alice.call("POST", "/v2/router/route/send", Some(json!({"payment_hash": hash, "route": route}))).await
        }
    };
    let lookup = format!("/v2/invoices/lookup?payment_hash={}", b64url(&hash_bytes));

    // A part announcing another total fails the whole set, the waiting part with it (lnd's
    // set failures).
    let stray = tokio::spawn(part(chans[0].clone(), "120000000"));
    eventually("a part waits at carol", async || states(&carol.get(&lookup).await) == ["ACCEPTED"]).await;
    let (status, refused) = part(chans[1].clone(), "130000000").await;
    assert_eq!(
        (status, refused["status"].as_str(), refused["failure"]["code"].as_str()),
        (200, Some("FAILED"), Some("INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS")),
        "{refused}"
    );
    let (_, waited) = stray.await.unwrap();
    assert_eq!((waited["status"].as_str(), waited["failure"]["code"].as_str()), (Some("FAILED"), Some("INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS")), "{waited}");
    let failed = carol.get(&lookup).await;
    assert_eq!((failed["state"].as_str(), states(&failed)), (Some("OPEN"), vec!["CANCELED".to_string()]));

    let first = tokio::spawn(part(chans[0].clone(), "120000000"));
    eventually("the first part waits at carol", async || states(&carol.get(&lookup).await).last().is_some_and(|s| s == "ACCEPTED")).await;
    let waiting = carol.get(&lookup).await;
    assert_eq!((waiting["state"].as_str(), waiting["amt_paid_msat"].as_str()), (Some("OPEN"), Some("0")), "an incomplete set pays nothing yet");
    assert!(!first.is_finished(), "SendToRouteV2 answers when its HTLC resolves");
    let payments = alice.get("/v1/payments?include_incomplete=true").await;
    let p = &payments["payments"][0];
    assert_eq!((p["status"].as_str(), p["value_sat"].as_str()), (Some("IN_FLIGHT"), Some("120000")), "the payment is worth the MPP total");

    let (status, second) = part(chans[1].clone(), "120000000").await;
    assert_eq!((status, second["status"].as_str()), (200, Some("SUCCEEDED")), "{second}");
    let (status, first) = first.await.unwrap();
    assert_eq!((status, first["status"].as_str()), (200, Some("SUCCEEDED")), "{first}");
    let settled = carol.get(&lookup).await;
    assert_eq!((settled["state"].as_str(), settled["amt_paid_sat"].as_str()), (Some("SETTLED"), Some("120000")));
    assert_eq!(states(&settled), ["CANCELED", "SETTLED", "SETTLED"]);
    let payments = alice.get("/v1/payments").await;
    assert_eq!(payments["payments"][0]["status"], "SUCCEEDED");
}

#[tokio::test]
async fn an_incomplete_set_times_out() {
    let (network, _dir, nodes) = two_small_channels(50_000).await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    network.rpc("carol").await.unwrap().set_mpp_timeout(std::time::Duration::from_millis(500));
    let balances = async || -> Vec<(String, Value)> {
        let channels = alice.get("/v1/channels").await;
        channels["channels"].as_array().unwrap().iter().map(|c| (c["local_balance"].as_str().unwrap().to_string(), c["pending_htlcs"].clone())).collect()
    };
    let before = balances().await;
    // 120,000 sat in at most 2 parts: no path for all of it, 60,000 over the larger
    // channel; the other 60,000 fits in neither channel now, and a third part is not allowed.
    let request = network.add_invoice("carol", 120_000, "too much for two").await.unwrap();
    let updates = pay(alice, json!({"payment_request": request, "timeout_seconds": 30, "fee_limit_sat": "1000", "max_parts": 2})).await;
    let last = updates.last().unwrap();
    assert_eq!((last["status"].as_str(), last["failure_reason"].as_str()), (Some("FAILED"), Some("FAILURE_REASON_NO_ROUTE")), "{updates:?}");
    let htlcs = last["htlcs"].as_array().unwrap();
    assert_eq!(htlcs.len(), 1, "{updates:?}");
    assert_eq!((htlcs[0]["status"].as_str(), htlcs[0]["failure"]["code"].as_str()), (Some("FAILED"), Some("MPP_TIMEOUT")), "{last}");
    assert_eq!(htlcs[0]["route"]["hops"][1]["amt_to_forward_msat"], "60000000");
    assert!(
        updates.iter().any(|u| u["status"] == "IN_FLIGHT" && u["failure_reason"] == "FAILURE_REASON_NO_ROUTE"),
        "no route is known while the part still waits: {updates:?}"
    );
    let hash = last["payment_hash"].as_str().unwrap();
    let invoice = carol.get(&format!("/v1/invoice/{hash}")).await;
    assert_eq!((invoice["state"].as_str(), invoice["amt_paid_sat"].as_str()), (Some("OPEN"), Some("0")), "the invoice can still be paid");
    assert_eq!(states(&invoice), ["CANCELED"]);
    assert_eq!(balances().await, before, "alice's part came back");

    // With more parts allowed the same invoice is paid.
    let updates = pay(alice, json!({"payment_request": request, "timeout_seconds": 30, "fee_limit_sat": "1000", "max_parts": 16})).await;
    let last = updates.last().unwrap();
    assert_eq!(last["status"], "SUCCEEDED", "{updates:?}");
    let invoice = carol.get(&format!("/v1/invoice/{hash}")).await;
    let settled = states(&invoice).iter().filter(|s| *s == "SETTLED").count();
    assert_eq!(
        (invoice["state"].as_str(), settled),
        (Some("SETTLED"), last["htlcs"].as_array().unwrap().iter().filter(|h| h["status"] == "SUCCEEDED").count())
    );
}

#[tokio::test]
async fn a_hold_invoice_paid_in_parts_settles_every_part() {
    let (_network, _dir, nodes) = two_small_channels(100_000).await;
    let (alice, carol) = (&nodes[0], &nodes[2]);
    let preimage = [42u8; 32];
    let hash: [u8; 32] = Sha256::digest(preimage).into();
    let (status, hold) = carol.call("POST", "/v2/invoices/hodl", Some(json!({"hash": b64(&hash), "value": "150000", "memo": "held in parts"}))).await;
    assert_eq!(status, 200, "{hold}");
    let request = hold["payment_request"].as_str().unwrap().to_string();
    let payer = Rest { addr: alice.addr.clone(), macaroon: alice.macaroon.clone() };
    let paying =
        tokio::spawn(async move { pay(&payer, json!({"payment_request": request, "timeout_seconds": 30, "fee_limit_sat": "1000", "max_parts": 4})).await });
    let lookup = format!("/v2/invoices/lookup?payment_hash={}", b64url(&hash));
    eventually("both parts are held", async || carol.get(&lookup).await["state"] == "ACCEPTED").await;
    let held = carol.get(&lookup).await;
    assert_eq!((states(&held), held["amt_paid_sat"].as_str()), (vec!["ACCEPTED".to_string(), "ACCEPTED".to_string()], Some("150000")));
    let (status, _) = carol.call("POST", "/v2/invoices/settle", Some(json!({"preimage": b64(&preimage)}))).await;
    assert_eq!(status, 200);
    let updates = paying.await.unwrap();
    let last = updates.last().unwrap();
    assert_eq!(last["status"], "SUCCEEDED", "{updates:?}");
    assert_eq!(last["htlcs"].as_array().unwrap().iter().filter(|h| h["status"] == "SUCCEEDED").count(), 2);
    assert_eq!(last["payment_preimage"], hex::encode(preimage));
    assert_eq!(states(&carol.get(&lookup).await), ["SETTLED", "SETTLED"]);
}
