//! `cargo xtask bench` (app half): the built app in headless Chromium against a devnode,
//! printing figures, never asserting them. Cold start is a first visit with an empty
//! profile; warm start is a reload served by the service worker's cache; both again on an
//! emulated phone (Lighthouse's slow 4G: 4x CPU slowdown, 1.6 Mbit/s down, 750 kbit/s up,
//! 150 ms round trips, through the DevTools protocol); the long list is the on-chain page with
//! thousands of wallet transactions.

// Shared with the end-to-end tests; the bench uses only part of it.
#[allow(dead_code)]
#[path = "../tests/e2e/harness.rs"]
mod harness;

use std::time::Instant;

use harness::{Harness, Via};

const MOUNTED: &str = "return performance.getEntriesByName('lightdeck-mounted')[0].startTime";
const TRANSACTIONS: usize = 2_000;

/// One DevTools protocol command through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct Cdp(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(serde_json::json!({ "cmd": self.0, "params": self.1 }).to_string()))
    }
}

async fn like_a_phone(h: &Harness) {
    let commands = [
        Cdp("Emulation.setCPUThrottlingRate", serde_json::json!({ "rate": 4 })),
        Cdp("Network.enable", serde_json::json!({})),
        Cdp(
            "Network.emulateNetworkConditions",
            serde_json::json!({ "offline": false, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 93_750 }),
        ),
    ];
    for command in commands {
        h.client().issue_cmd(command).await.expect("DevTools command");
    }
}

/// Cold start to the first screen, then warm start from the service worker's cache (ms).
async fn starts(h: &Harness) -> (f64, f64) {
    h.open_app().await;
    let cold: f64 = h.run_js(MOUNTED).await.parse().unwrap_or(f64::NAN);
    h.wait_for_service_worker().await;
    h.reload("/").await;
    h.wait_text("h1", "Connect to your node").await;
    let warm: f64 = h.run_js(MOUNTED).await.parse().unwrap_or(f64::NAN);
    (cold, warm)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let phone = Harness::start(Via::Rest).await;
    like_a_phone(&phone).await;
    let (phone_cold, phone_warm) = starts(&phone).await;
    phone.finish().await;

    let h = Harness::start(Via::Rest).await;
    let (cold, warm) = starts(&h).await;

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
    println!("  cold start on an emulated phone (slow 4G, 4x CPU) {phone_cold:>6.0} ms");
    println!("  warm start on the emulated phone                {phone_warm:>8.0} ms");
    println!("  on-chain page with {TRANSACTIONS} transactions, click to list {:>6.0} ms (fetch, decode, render the rows in view)", list.as_secs_f64() * 1e3);
}
