//! `cargo xtask bench`: figures, printed, never asserted (our machines are shared and noisy).

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::tools::{self, Result};

pub fn run() -> Result {
    // The build prints every file's gzip and brotli size and the first load (bundle.rs).
    tools::build_app()?;
    // The app in Chromium (benches/app.rs reuses the end-to-end harness).
    tools::cargo(&["bench", "--profile", "dev", "--bench", "app"])?;
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(devnode_figures())
}

/// Keep-alive HTTP/1.1 GETs on one connection; returns requests per second.
async fn rest_throughput(addr: &str, path: &str, macaroon: &str, n: usize) -> Result<f64> {
    let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nGrpc-Metadata-macaroon: {macaroon}\r\n\r\n");
    let start = Instant::now();
    for _ in 0..n {
        w.write_all(req.as_bytes()).await.map_err(|e| e.to_string())?;
        let mut len = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            r.read_line(&mut line).await.map_err(|e| e.to_string())?;
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; len];
        r.read_exact(&mut body).await.map_err(|e| e.to_string())?;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

async fn devnode_figures() -> Result {
    let dir = std::env::temp_dir().join(format!("lightdeck-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = devnode::NetworkConfig::new(&dir);
    config.startup_step = Duration::from_millis(1);
    let network = devnode::Network::open(config).map_err(|e| e.to_string())?;
    let mut spec = devnode::NodeSpec::new("alice");
    spec.rest_tls = false;

    let t = Instant::now();
    let node = network.start_node(spec).await.map_err(|e| e.to_string())?;
    let first_start = t.elapsed();
    let macaroon = crate::demo::create_wallet(&network, "alice", b"password1").await?;
    let t = Instant::now();
    let node = network.restart_node(&node.spec.name).await.map_err(|e| e.to_string())?;
    let restart = t.elapsed();

    network.unlock_wallet("alice", b"password1").await.map_err(|e| e.to_string())?;
    let addr = format!("{}:{}", node.host, node.spec.ports.rest);
    let getinfo = rest_throughput(&addr, "/v1/getinfo", &macaroon, 2000).await?;
    let getstate = rest_throughput(&addr, "/v1/state", &macaroon, 2000).await?;

    let profile = if cfg!(debug_assertions) { "debug build, as `cargo xtask` runs" } else { "release build" };
    println!("devnode ({profile}):");
    println!("  first start (TLS cert generation, 4 listeners)  {:>8.1} ms", first_start.as_secs_f64() * 1e3);
    println!("  restart with a wallet                           {:>8.1} ms", restart.as_secs_f64() * 1e3);
    println!("  REST GetInfo, one keep-alive connection         {getinfo:>8.0} req/s (macaroon checked on each)");
    println!("  REST GetState, one keep-alive connection        {getstate:>8.0} req/s (no macaroon)");
    println!("  ratio GetInfo/GetState                          {:>8.2}", getinfo / getstate);
    payment_figures(&network).await?;
    drop(network);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Payments per second over a three-hop route (a → b → c → d) in one devnode process, and
/// invoice events per second on a subscription: each payment is an invoice created by d
/// (signed BOLT 11) and paid by a (decoded, routed, forwarded and settled hop by hop).
async fn payment_figures(network: &devnode::Network) -> Result {
    use futures::StreamExt;
    let err = |e: std::io::Error| e.to_string();
    let names = ["pay-a", "pay-b", "pay-c", "pay-d"];
    let mut plan = devnode::plan::Plan { nodes: names.map(|n| devnode::plan::NodePlan::new(n).funded(50_000_000)).into(), channels: vec![] };
    for pair in names.windows(2) {
        plan = plan.channel(pair[0], pair[1], 16_000_000, 0);
    }
    network.build(plan).await.map_err(err)?;
    let (payer, payer_md) = network.as_admin("pay-a").await.map_err(err)?;
    let (payee, payee_md) = network.as_admin("pay-d").await.map_err(err)?;
    let mut events = payee.subscribe_invoices(&payee_md, Default::default()).map_err(|s| s.message().to_string())?;
    let n = 2_000;
    let t = Instant::now();
    for i in 0..n {
        let inv = lnrpc::lnrpc::Invoice { value: 10, memo: format!("bench {i}"), ..Default::default() };
        let request = payee.add_invoice(&payee_md, inv).map_err(|s| s.message().to_string())?.payment_request;
        let req = lnrpc::lnrpc::SendRequest { payment_request: request, ..Default::default() };
        let resp = payer.send_payment_sync(payer_md.clone(), req).await.map_err(|s| s.message().to_string())?;
        if !resp.payment_error.is_empty() {
            return Err(format!("payment {i} failed: {}", resp.payment_error));
        }
    }
    let payments = n as f64 / t.elapsed().as_secs_f64();
    // Each payment made two invoice events (added, settled); read them all back.
    let t = Instant::now();
    let mut seen = 0;
    while seen < 2 * n {
        match tokio::time::timeout(Duration::from_secs(5), events.next()).await {
            Ok(Some(Ok(_))) => seen += 1,
            _ => break,
        }
    }
    let drained = seen as f64 / t.elapsed().as_secs_f64().max(1e-9);
    println!("  payments over 3 hops (create invoice + pay)      {payments:>8.0} payments/s ({n} sequential)");
    println!("  invoice events read from SubscribeInvoices      {seen:>8} of {} ({drained:.0}/s once produced)", 2 * n);
    Ok(())
}
