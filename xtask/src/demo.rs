//! `cargo xtask demo`: the app and a devnode network on this machine, ready to click through.

use std::net::SocketAddr;
use std::time::Duration;

use crate::tools::{self, Result};

const APP: &str = "127.0.0.1:8000";
/// devnode's control page: the faucet and the miner.
const CONTROL: &str = "127.0.0.1:8090";
/// A block every so often, so the chain visibly moves.
const BLOCK_EVERY: Duration = Duration::from_secs(30);

pub async fn create_wallet(network: &devnode::Network, node: &str, password: &[u8]) -> Result<String> {
    network.create_wallet(node, password).await.map_err(|e| format!("creating {node}'s wallet: {e}"))
}

/// Serves `dist/` as a static host would: the files, and index.html for the app's routes.
pub async fn serve_app(addr: &str) -> Result<SocketAddr> {
    let dist = tools::root().join("dist");
    let files = tower_http::services::ServeDir::new(&dist).fallback(tower_http::services::ServeFile::new(dist.join("index.html")));
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("{addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback_service(files)).await });
    Ok(bound)
}

pub fn run(args: &[String]) -> Result {
    let keep = args.iter().any(|a| a == "--keep");
    tools::build_app()?;
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let dir = tools::root().join("target/demo-data");
        if !keep {
            // The demo starts with a node that has no wallet, so setting it up is part of it.
            let _ = std::fs::remove_dir_all(&dir);
        }
        let app = serve_app(APP).await?;
        let origin = format!("http://{app}");
        let network = std::sync::Arc::new(devnode::Network::open(devnode::NetworkConfig::new(&dir)).map_err(|e| e.to_string())?);
        let control = tokio::net::TcpListener::bind(CONTROL).await.map_err(|e| format!("{CONTROL}: {e}"))?;
        tokio::spawn(devnode::serve::control::serve(std::sync::Arc::clone(&network), control));
        let mut spec = devnode::NodeSpec::new("alice");
        spec.ports = devnode::Ports { rest: 8080, grpc: 10009, grpcweb: 8081, p2p: 9735 };
        // Plain HTTP on loopback, so no certificate needs trusting for the demo; a real lnd
        // serves REST over TLS.
        spec.rest_tls = false;
        spec.restcors = vec![origin.clone()];
        let alice = network.start_node(spec).await.map_err(|e| format!("starting devnode: {e}"))?;
        network.mine(101).map_err(|e| e.to_string())?;

        println!();
        println!("Lightdeck demo");
        println!("  app:       {origin}/connect?url={}", alice.rest_url());
        println!("  node:      alice, no wallet yet (set it up in the app)");
        println!("  connect:   REST {}   or   gRPC-web {}", alice.rest_url(), alice.grpcweb_url());
        println!("  macaroon:  not needed to create the wallet; afterwards {}", alice.dir.macaroon("admin").display());
        println!("  gRPC/TLS:  {} (cert {})", alice.grpc_addr(), alice.dir.tls_cert().display());
        println!("  faucet:    http://{CONTROL} (send coins to an address from the app's Receive card, mine blocks)");
        println!("A block is mined every {} s. Ctrl-C stops the demo.", BLOCK_EVERY.as_secs());
        loop {
            tokio::select! {
                _ = tokio::time::sleep(BLOCK_EVERY) => { network.mine(1).map_err(|e| e.to_string())?; }
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        Ok(())
    })
}
