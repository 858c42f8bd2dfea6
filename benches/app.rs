//! `cargo xtask bench` (app half): the built app in headless Chromium against a devnode,
//! printing figures, never asserting them. Cold start is a first visit with an empty
//! profile; warm start is a reload served by the service worker's cache; the long list is
//! the on-chain page with thousands of wallet transactions.

// Shared with the end-to-end tests; the bench uses only part of it.
#[allow(dead_code)]
#[path = "../tests/e2e/harness.rs"]
mod harness;

use std::time::Instant;

use harness::{Harness, Via};

const MOUNTED: &str = "return performance.getEntriesByName('lightdeck-mounted')[0].startTime";
const TRANSACTIONS: usize = 2_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let h = Harness::start(Via::Rest).await;
    h.open_app().await;
    let cold: f64 = h.run_js(MOUNTED).await.parse().unwrap_or(f64::NAN);
    h.wait_for_service_worker().await;
    h.reload("/").await;
    h.wait_text("h1", "Connect to your node").await;
    let warm: f64 = h.run_js(MOUNTED).await.parse().unwrap_or(f64::NAN);

    h.create_wallet_directly().await;
    let address = h.network.rpc("alice").await.expect("running").control_new_address().expect("address");
    for _ in 0..TRANSACTIONS {
        h.network.fund(&address, 1_000).expect("faucet");
    }
    h.network.mine(1).expect("mine");
    let admin = h.node.macaroon_hex("admin").expect("admin.macaroon");
    h.connect(&h.node_url(), Some(&admin)).await;
    h.expect_node_page().await;
    let start = Instant::now();
    h.click("nav a[href='/onchain']").await;
    // Long lists render only the rows in view: done when the list knows all rows and shows some.
    let want = format!("return !!document.querySelector(\".virtual[data-rows='{TRANSACTIONS}'] #transactions li\")");
    while h.run_js(&want).await != "true" {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let list = start.elapsed();
    h.finish().await;

    println!("app (release build, headless Chromium):");
    println!("  cold start, empty profile, to first screen      {cold:>8.0} ms");
    println!("  warm start from the service worker's cache      {warm:>8.0} ms");
    println!("  on-chain page with {TRANSACTIONS} transactions, click to list {:>6.0} ms (fetch, decode, render the rows in view)", list.as_secs_f64() * 1e3);
}
