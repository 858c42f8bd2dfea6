//! `cargo xtask bench`: figures, printed, never asserted (our machines are shared and noisy).

use std::io::Write;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::tools::{self, Result};

pub fn run() -> Result {
    tools::build_app()?;
    bundle()?;
    // The app in Chromium (benches/app.rs reuses the end-to-end harness).
    tools::cargo(&["bench", "--profile", "dev", "--bench", "app"])?;
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(devnode_figures())
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory").len()
}

fn bundle() -> Result {
    let dist = tools::root().join("dist");
    let (mut raw, mut gz) = (0, 0);
    println!("bundle (dist/):");
    let mut entries: Vec<_> = std::fs::read_dir(&dist).map_err(|e| e.to_string())?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.ends_with(".wasm") || name.ends_with(".js") || name.ends_with(".css") || name.ends_with(".html")) {
            continue;
        }
        let bytes = std::fs::read(entry.path()).map_err(|e| e.to_string())?;
        let g = gzip_len(&bytes);
        println!("  {name:<40} {:>9} B  {:>9} B gzipped", bytes.len(), g);
        raw += bytes.len();
        gz += g;
    }
    println!("  {:<40} {raw:>9} B  {gz:>9} B gzipped", "total");
    Ok(())
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
    drop(network);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
