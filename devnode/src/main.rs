//! `devnode`: run lnd-compatible development nodes.
//!
//! ```text
//! devnode [--datadir DIR] [--host ADDR] [--restcors ORIGIN]... [--no-rest-tls]
//!         [--node NAME[:REST:GRPC:GRPCWEB:P2P]]... [--mine-every SECONDS] [--control HOST:PORT]
//!         [--lnd 0.20|0.21] [--unserved SERVICE|SERVICE.METHOD]...
//! ```
//! `--control` serves a page (and form endpoints) with a faucet, a miner and channel opening.
//! `--lnd 0.21` answers as lnd 0.21, which no longer has SendPaymentSync or SendToRouteSync.
//! `--unserved routerrpc.Router` (or `lnrpc.Lightning.OpenChannel`) leaves a service or method
//! out, as an lnd built without a sub-server, an older lnd, or a partial proxy would.
//! Without `--node` it runs one node, `alice`, on lnd's default ports (REST 8080,
//! gRPC 10009, p2p 9735) with gRPC-web on 8081.

use std::time::Duration;

use devnode::{Network, NetworkConfig, NodeSpec, Ports};

struct Args {
    datadir: String,
    host: String,
    restcors: Vec<String>,
    rest_tls: bool,
    nodes: Vec<NodeSpec>,
    mine_every: Option<u64>,
    control: Option<String>,
    lnd: devnode::rpc::LndVersion,
    unserved: Vec<String>,
}

fn usage(msg: &str) -> ! {
    eprintln!(
        "devnode: {msg}\nusage: devnode [--datadir DIR] [--host ADDR] [--restcors ORIGIN]... [--no-rest-tls] [--node NAME[:REST:GRPC:GRPCWEB:P2P]]... [--mine-every SECONDS] [--control HOST:PORT] [--lnd 0.20|0.21] [--unserved SERVICE|SERVICE.METHOD]..."
    );
    std::process::exit(2)
}

fn parse_node(s: &str) -> NodeSpec {
    let mut parts = s.split(':');
    let mut spec = NodeSpec::new(parts.next().filter(|n| !n.is_empty()).unwrap_or_else(|| usage("--node needs a name")));
    let ports: Vec<u16> = parts.map(|p| p.parse().unwrap_or_else(|_| usage(&format!("bad port in --node {s}")))).collect();
    match ports[..] {
        [] => {}
        [rest, grpc, grpcweb, p2p] => spec.ports = Ports { rest, grpc, grpcweb, p2p },
        _ => usage("--node takes NAME or NAME:REST:GRPC:GRPCWEB:P2P"),
    }
    spec
}

fn parse() -> Args {
    let mut a = Args {
        datadir: "devnode-data".into(),
        host: "127.0.0.1".into(),
        restcors: vec![],
        rest_tls: true,
        nodes: vec![],
        mine_every: None,
        control: None,
        lnd: Default::default(),
        unserved: vec![],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--datadir" => a.datadir = value(),
            "--host" => a.host = value(),
            "--restcors" => a.restcors.push(value()),
            "--no-rest-tls" => a.rest_tls = false,
            "--node" => a.nodes.push(parse_node(&value())),
            "--control" => a.control = Some(value()),
            "--lnd" => a.lnd = devnode::rpc::LndVersion::parse(&value()).unwrap_or_else(|| usage("--lnd takes 0.20 or 0.21")),
            "--unserved" => a.unserved.push(value()),
            "--mine-every" => a.mine_every = Some(value().parse().unwrap_or_else(|_| usage("--mine-every takes seconds"))),
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown option {other}")),
        }
    }
    if a.nodes.is_empty() {
        a.nodes.push(parse_node("alice:8080:10009:8081:9735"));
    }
    a
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = parse();
    let mut config = NetworkConfig::new(&args.datadir);
    config.host = args.host.clone();
    let network = std::sync::Arc::new(Network::open(config)?);
    for mut spec in args.nodes {
        spec.rest_tls = args.rest_tls;
        spec.restcors = args.restcors.clone();
        spec.lnd = args.lnd;
        spec.unserved = args.unserved.clone();
        let node = network.start_node(spec).await?;
        println!("node {}:", node.spec.name);
        println!("  REST      {}", node.rest_url());
        println!("  gRPC-web  {}", node.grpcweb_url());
        println!("  gRPC/TLS  {}", node.grpc_addr());
        println!("  data      {}", node.dir.root.display());
        println!("  TLS cert  {}", node.dir.tls_cert().display());
        println!("  macaroon  {} (after the wallet is created)", node.dir.macaroon("admin").display());
    }
    if let Some(addr) = args.control {
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        println!("control page: http://{}", listener.local_addr()?);
        tokio::spawn(devnode::serve::control::serve(std::sync::Arc::clone(&network), listener));
    }
    if let Some(secs) = args.mine_every {
        let every = Duration::from_secs(secs.max(1));
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => { network.mine(1)?; }
                _ = tokio::signal::ctrl_c() => break,
            }
        }
    } else {
        tokio::signal::ctrl_c().await?;
    }
    Ok(())
}
