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

/// Serves `dist/` as the README's static host does (see `devnode::serve::app_host`).
pub async fn serve_app(addr: &str) -> Result<SocketAddr> {
    let app = devnode::serve::app_host::router(&tools::root().join("dist"));
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("{addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(bound)
}

/// The rest of the network, as a new node operator meets it.
struct World {
    bob: String,
    carol: String,
    invoice: String,
}

/// Funded peers with channels among them (bob → carol → shop) and a shop issuing invoices.
/// With `--keep`, the nodes come back locked and are unlocked instead.
async fn outside_world(network: &devnode::Network, origin: &str) -> Result<World> {
    use devnode::plan::{NodePlan, Plan};
    let err = |e: std::io::Error| e.to_string();
    let node = |name: &str| NodePlan::new(name).funded(20_000_000).with(|spec| spec.restcors = vec![origin.to_string()]);
    let plan = Plan { nodes: vec![node("bob"), node("carol"), node("shop")], channels: vec![] }
        .channel("bob", "carol", 5_000_000, 2_000_000)
        .channel("carol", "shop", 5_000_000, 1_000_000);
    network.build(plan).await.map_err(err)?;
    let uri = |name: &'static str| async move { network.uri(name).await.unwrap_or_default() };
    Ok(World {
        bob: uri("bob").await,
        carol: uri("carol").await,
        invoice: network.add_invoice("shop", 25_000, "A coffee at the demo shop").await.map_err(err)?,
    })
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
        if network.height() < 101 {
            network.mine(101).map_err(|e| e.to_string())?;
        }
        let world = outside_world(&network, &origin).await?;

        println!();
        println!("Lightdeck demo");
        println!("  app:       {origin}/connect?url={}", alice.rest_url());
        println!("  node:      alice, no wallet yet (set it up in the app)");
        println!("  connect:   REST {}   or   gRPC-web {}", alice.rest_url(), alice.grpcweb_url());
        println!("  macaroon:  not needed to create the wallet; afterwards {}", alice.dir.macaroon("admin").display());
        println!("  gRPC/TLS:  {} (cert {})", alice.grpc_addr(), alice.dir.tls_cert().display());
        println!("  faucet:    http://{CONTROL} (send coins to an address from the app's On-chain page, mine blocks, open channels)");
        println!("  peers:     bob {}", world.bob);
        println!("             carol {} (bob → carol → shop have channels)", world.carol);
        println!("  shop:      an invoice to pay once alice has a channel to bob:");
        println!("             {}", world.invoice);
        println!("             or its Lightning Address: shop@{CONTROL}");
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
