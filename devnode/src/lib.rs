//! devnode: an lnd-compatible development node. A [`Network`] runs several named nodes
//! in one process over one simulated chain; each node serves lnd v0.20's gRPC (TLS), REST
//! and gRPC-web, keeps an lnd-like data directory, and survives restarts.

pub mod clock;
pub mod ledger;
pub mod plan;
pub mod rpc;
pub mod serve;
pub mod store;
pub mod switchboard;

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::net::TcpSocket;

use ledger::Ledger;
use rpc::{NodeRpc, NodeSettings};
use store::NodeDir;
use world::chain::Output;
use world::node::Node;

pub struct NetworkConfig {
    pub datadir: PathBuf,
    /// The address every listener binds to: loopback unless told otherwise.
    pub host: String,
    /// Delay between lnd's start-up states after an unlock.
    pub startup_step: Duration,
}

impl NetworkConfig {
    pub fn new(datadir: impl Into<PathBuf>) -> Self {
        NetworkConfig { datadir: datadir.into(), host: "127.0.0.1".into(), startup_step: Duration::from_millis(300) }
    }
}

/// Ports of one node; 0 picks a free one on first start, and the choice is kept.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct Ports {
    pub grpc: u16,
    pub rest: u16,
    pub grpcweb: u16,
    pub p2p: u16,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeSpec {
    pub name: String,
    pub alias: String,
    pub color: String,
    pub ports: Ports,
    /// lnd serves REST over TLS unless `no-rest-tls` is set.
    pub rest_tls: bool,
    /// lnd's `restcors`: origins allowed to call REST from a browser ("*" for any).
    pub restcors: Vec<String>,
    /// The lnd release this node answers as.
    #[serde(default)]
    pub lnd: rpc::LndVersion,
    /// Services ("routerrpc.Router") or methods ("lnrpc.Lightning.OpenChannel") the node
    /// does not serve, as an lnd built without a sub-server, an older lnd, or a proxy that
    /// forwards only part of lnd.
    #[serde(default)]
    pub unserved: Vec<String>,
    /// lnd's `no-macaroons`: every call is allowed without a macaroon (and with any).
    #[serde(default)]
    pub no_macaroons: bool,
    /// A DNS name this node announces with its p2p port in place of its IP, as other
    /// implementations may (CLN's `announce-addr-dns`); other nodes' graphs show it. One
    /// lnd would refuse (see `world::announcement`) keeps the node from starting.
    #[serde(default)]
    pub announced_host: Option<String>,
}

impl NodeSpec {
    pub fn new(name: &str) -> Self {
        NodeSpec {
            name: name.into(),
            alias: name.into(),
            color: "#3399ff".into(),
            ports: Ports::default(),
            rest_tls: true,
            restcors: Vec::new(),
            lnd: Default::default(),
            unserved: Vec::new(),
            no_macaroons: false,
            announced_host: None,
        }
    }
}

/// Where a running node can be reached, and its files.
#[derive(Debug, Clone)]
pub struct NodeHandle {
    pub spec: NodeSpec,
    pub dir: NodeDir,
    pub host: String,
}

impl NodeHandle {
    pub fn rest_url(&self) -> String {
        let scheme = if self.spec.rest_tls { "https" } else { "http" };
        format!("{scheme}://{}:{}", self.host, self.spec.ports.rest)
    }

    pub fn grpcweb_url(&self) -> String {
        format!("http://{}:{}", self.host, self.spec.ports.grpcweb)
    }

    pub fn grpc_addr(&self) -> String {
        format!("{}:{}", self.host, self.spec.ports.grpc)
    }

    /// A macaroon file (admin, readonly, invoice) as hex, as clients put it in headers.
    pub fn macaroon_hex(&self, name: &str) -> io::Result<String> {
        std::fs::read(self.dir.macaroon(name)).map(hex::encode)
    }

    /// The base64 SHA-256 of the TLS key's SubjectPublicKeyInfo (certificate pinning).
    pub fn tls_spki_sha256(&self) -> io::Result<String> {
        serve::tls::spki_sha256_base64(&std::fs::read_to_string(self.dir.tls_key())?)
    }

    pub fn tls_cert_pem(&self) -> io::Result<String> {
        std::fs::read_to_string(self.dir.tls_cert())
    }
}

struct Running {
    rpc: Arc<NodeRpc>,
    listeners: serve::Listeners,
    /// The p2p port, held (the simulated p2p layer carries the traffic).
    p2p: TcpSocket,
    handle: NodeHandle,
}

/// A node's ports, bound but not listening: held while it is down, so that connections
/// are refused and no other socket takes one.
struct HeldPorts {
    grpc: TcpSocket,
    rest: TcpSocket,
    grpcweb: TcpSocket,
    p2p: TcpSocket,
}

impl HeldPorts {
    /// Binds the given ports (0 for any free one).
    async fn bind(host: &str, ports: &Ports) -> io::Result<Self> {
        let p2p = reserve(host, ports.p2p).await?;
        Self::beside(host, ports, p2p).await
    }

    /// Binds the RPC ports beside a p2p port already held.
    async fn beside(host: &str, ports: &Ports, p2p: TcpSocket) -> io::Result<Self> {
        Ok(HeldPorts { grpc: reserve(host, ports.grpc).await?, rest: reserve(host, ports.rest).await?, grpcweb: reserve(host, ports.grpcweb).await?, p2p })
    }

    fn numbers(&self) -> io::Result<Ports> {
        let port = |s: &TcpSocket| s.local_addr().map(|a| a.port());
        Ok(Ports { grpc: port(&self.grpc)?, rest: port(&self.rest)?, grpcweb: port(&self.grpcweb)?, p2p: port(&self.p2p)? })
    }

    /// Starts listening on the RPC ports; the p2p port stays held.
    fn listen(self) -> io::Result<(serve::Bound, TcpSocket)> {
        const BACKLOG: u32 = 1024;
        let bound = serve::Bound { grpc: self.grpc.listen(BACKLOG)?, rest: self.rest.listen(BACKLOG)?, grpcweb: self.grpcweb.listen(BACKLOG)? };
        Ok((bound, self.p2p))
    }
}

/// A socket bound to `host:port` with SO_REUSEADDR, as `TcpListener::bind` would make it,
/// so that a port whose old connections linger in TIME_WAIT can be taken again.
async fn reserve(host: &str, port: u16) -> io::Result<TcpSocket> {
    let addr =
        tokio::net::lookup_host((host, port)).await?.next().ok_or_else(|| io::Error::new(io::ErrorKind::AddrNotAvailable, format!("{host} has no address")))?;
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    Ok(socket)
}

fn rpc_error(s: tonic::Status) -> io::Error {
    io::Error::other(s.message().to_string())
}

async fn wait_active(rpc: &NodeRpc) -> io::Result<()> {
    let mut states = rpc.watch_state();
    while *states.borrow_and_update() != world::node::WalletState::ServerActive {
        states.changed().await.map_err(io::Error::other)?;
    }
    Ok(())
}

pub struct Network {
    config: NetworkConfig,
    ledger: Arc<Ledger>,
    switchboard: Arc<switchboard::Switchboard>,
    nodes: tokio::sync::Mutex<HashMap<String, Running>>,
    /// Each node's fault switches; kept across restarts, like a flaky proxy in front of it.
    faults: std::sync::Mutex<HashMap<String, Arc<serve::faults::Faults>>>,
    /// Nodes stopped through the control page, to bring back as they were.
    stopped: std::sync::Mutex<HashMap<String, NodeSpec>>,
    /// The ports of stopped nodes, held until they start again.
    held: std::sync::Mutex<HashMap<String, HeldPorts>>,
}

impl Network {
    pub fn open(config: NetworkConfig) -> io::Result<Self> {
        std::fs::create_dir_all(&config.datadir)?;
        let ledger = Ledger::open(config.datadir.join("chain.json"))?;
        Ok(Network {
            config,
            ledger,
            switchboard: Default::default(),
            nodes: Default::default(),
            faults: Default::default(),
            stopped: Default::default(),
            held: Default::default(),
        })
    }

    fn node_dir(&self, name: &str) -> NodeDir {
        NodeDir::new(self.config.datadir.join(name))
    }

    /// Starts a node, or a node that ran before under this name: its wallet comes back
    /// locked, and it keeps its ports.
    pub async fn start_node(&self, mut spec: NodeSpec) -> io::Result<NodeHandle> {
        let mut nodes = self.nodes.lock().await;
        if nodes.contains_key(&spec.name) {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("node {} is already running", spec.name)));
        }
        let dir = self.node_dir(&spec.name);
        if let Some(saved) = store::read_json::<Ports>(&dir.config())? {
            let keep = |want: u16, had: u16| if want == 0 { had } else { want };
            spec.ports = Ports {
                grpc: keep(spec.ports.grpc, saved.grpc),
                rest: keep(spec.ports.rest, saved.rest),
                grpcweb: keep(spec.ports.grpcweb, saved.grpcweb),
                p2p: keep(spec.ports.p2p, saved.p2p),
            };
        }
        let host = self.config.host.clone();
        let held = self.held.lock().expect("held lock").remove(&spec.name);
        let ports = match held {
            Some(held) => held,
            None => HeldPorts::bind(&host, &spec.ports).await?,
        };
        spec.ports = ports.numbers()?;
        if let Some(host) = &spec.announced_host {
            world::announcement::check_dns_address(host, spec.ports.p2p)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, world::announcement::refusal(&e)))?;
        }
        let (bound, p2p) = ports.listen()?;
        store::write_json(&dir.config(), &spec.ports)?;

        let tls = serve::tls::load_or_create(&dir)?;
        let mut node = Node::start(spec.alias.clone(), spec.color.clone(), dir.load_wallet()?);
        node.root_key_ids = dir.load_root_key_ids()?;
        let settings = NodeSettings {
            p2p_host: host.clone(),
            p2p_port: spec.ports.p2p,
            startup_step: self.config.startup_step,
            lnd: spec.lnd,
            unserved: spec.unserved.clone(),
            no_macaroons: spec.no_macaroons,
            announced_host: spec.announced_host.clone(),
        };
        let rpc = NodeRpc::new(node, Arc::clone(&self.ledger), Arc::clone(&self.switchboard), dir.clone(), settings);
        self.switchboard.listen(&format!("{host}:{}", spec.ports.p2p), &rpc);
        let opts = serve::ServeOptions { rest_tls: spec.rest_tls, restcors: spec.restcors.clone(), faults: self.faults(&spec.name) };
        let listeners = serve::start(Arc::clone(&rpc), bound, &tls, opts)?;
        let handle = NodeHandle { spec, dir, host };
        nodes.insert(handle.spec.name.clone(), Running { rpc, listeners, p2p, handle: handle.clone() });
        Ok(handle)
    }

    /// Stops a node as if its process died: listeners and open streams close at once, and
    /// connections are refused. Its ports stay held for it (bound, not listening), so that
    /// while it is down no other socket of this machine takes one, as an outgoing
    /// connection's local port may, and it can come back where clients knew it.
    pub async fn stop_node(&self, name: &str) -> io::Result<NodeSpec> {
        let running = self.nodes.lock().await.remove(name).ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no running node {name}")))?;
        running.listeners.shutdown().await;
        let held = HeldPorts::beside(&running.handle.host, &running.handle.spec.ports, running.p2p).await?;
        self.held.lock().expect("held lock").insert(name.to_string(), held);
        let p2p = format!("{}:{}", running.handle.host, running.handle.spec.ports.p2p);
        self.switchboard.close(&p2p);
        running.rpc.shutdown();
        Ok(running.handle.spec)
    }

    /// The fault switches of a node's REST and gRPC-web listeners (see `serve::faults`).
    pub fn faults(&self, name: &str) -> Arc<serve::faults::Faults> {
        Arc::clone(self.faults.lock().expect("faults lock").entry(name.to_string()).or_default())
    }

    /// Takes a node offline as if its machine went away; [`Network::bring_back`] restarts it.
    pub async fn take_offline(&self, name: &str) -> io::Result<()> {
        let spec = self.stop_node(name).await?;
        self.stopped.lock().expect("stopped lock").insert(name.to_string(), spec);
        Ok(())
    }

    /// Restarts a node taken offline; its wallet comes back locked, as lnd's does, and is
    /// unlocked when a password is given.
    pub async fn bring_back(&self, name: &str, password: Option<&[u8]>) -> io::Result<NodeHandle> {
        let spec = self
            .stopped
            .lock()
            .expect("stopped lock")
            .remove(name)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("node {name} was not taken offline")))?;
        let handle = self.start_node(spec).await?;
        if let Some(password) = password {
            self.unlock_wallet(name, password).await?;
        }
        Ok(handle)
    }

    /// Names of the nodes taken offline.
    pub fn offline(&self) -> Vec<String> {
        let mut names: Vec<String> = self.stopped.lock().expect("stopped lock").keys().cloned().collect();
        names.sort();
        names
    }

    pub async fn restart_node(&self, name: &str) -> io::Result<NodeHandle> {
        let spec = self.stop_node(name).await?;
        self.start_node(spec).await
    }

    pub async fn rpc(&self, name: &str) -> Option<Arc<NodeRpc>> {
        self.nodes.lock().await.get(name).map(|r| Arc::clone(&r.rpc))
    }

    /// Creates a node's wallet as a user would (GenSeed, then InitWallet), waits until the
    /// node is fully active, and returns the admin macaroon as hex.
    pub async fn create_wallet(&self, name: &str, password: &[u8]) -> io::Result<String> {
        use lnrpc::lnrpc as pb;
        use tonic::metadata::MetadataMap;
        let rpc = self.rpc(name).await.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no running node {name}")))?;
        let fail = |s: tonic::Status| io::Error::other(s.message().to_string());
        let seed = rpc.gen_seed(MetadataMap::new(), pb::GenSeedRequest::default()).await.map_err(fail)?;
        let req = pb::InitWalletRequest { wallet_password: password.to_vec(), cipher_seed_mnemonic: seed.cipher_seed_mnemonic, ..Default::default() };
        let admin = rpc.init_wallet(MetadataMap::new(), req).await.map_err(fail)?.admin_macaroon;
        wait_active(&rpc).await?;
        Ok(hex::encode(admin))
    }

    /// Unlocks a node's wallet and waits until the node is fully active.
    pub async fn unlock_wallet(&self, name: &str, password: &[u8]) -> io::Result<()> {
        let rpc = self.rpc(name).await.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no running node {name}")))?;
        let req = lnrpc::lnrpc::UnlockWalletRequest { wallet_password: password.to_vec(), ..Default::default() };
        rpc.unlock_wallet(tonic::metadata::MetadataMap::new(), req).await.map_err(|s| io::Error::other(s.message().to_string()))?;
        wait_active(&rpc).await
    }

    /// Mines blocks (confirming the mempool); returns the new height.
    pub fn mine(&self, blocks: u32) -> io::Result<u32> {
        self.ledger.write(|chain| {
            let events = chain.mine(blocks, clock::now());
            Ok::<_, io::Error>((chain.tip().height, events))
        })
    }

    /// The faucet: pays `sats` to `address` from outside the network, unconfirmed until a
    /// block is mined. Returns the txid.
    pub fn fund(&self, address: &str, sats: i64) -> io::Result<String> {
        let (address, script_hex) = world::onchain::parse_address(address).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        self.ledger.write(|chain| {
            let (tx, event) =
                chain.submit(&[], vec![Output { address, script_hex, value: sats }], 0, "", clock::now()).map_err(|e| io::Error::other(e.to_string()))?;
            Ok::<_, io::Error>((tx.txid, vec![event]))
        })
    }

    /// Funds a running node's wallet from the faucet: a new address of its, paid and
    /// confirmed in `blocks` blocks (0 leaves it unconfirmed). Returns the txid.
    pub async fn fund_node(&self, name: &str, sats: i64, blocks: u32) -> io::Result<String> {
        let rpc = self.rpc(name).await.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no running node {name}")))?;
        let address = rpc.control_new_address().map_err(|s| io::Error::other(s.message().to_string()))?;
        let txid = self.fund(&address, sats)?;
        if blocks > 0 {
            self.mine(blocks)?;
        }
        Ok(txid)
    }

    fn admin(&self, handle: &NodeHandle) -> io::Result<tonic::metadata::MetadataMap> {
        let mut md = tonic::metadata::MetadataMap::new();
        // A node without macaroons wrote none, and asks for none.
        if handle.spec.no_macaroons {
            return Ok(md);
        }
        let mac = handle.macaroon_hex("admin")?;
        md.insert("macaroon", mac.parse().map_err(io::Error::other)?);
        Ok(md)
    }

    /// A running node's RPC and its admin credentials, for the control operations below
    /// (they go through the same RPCs a client calls) and for benchmarks.
    pub async fn as_admin(&self, name: &str) -> io::Result<(Arc<NodeRpc>, tonic::metadata::MetadataMap)> {
        let nodes = self.nodes.lock().await;
        let r = nodes.get(name).ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no running node {name}")))?;
        Ok((Arc::clone(&r.rpc), self.admin(&r.handle)?))
    }

    /// Connects `from` to `to` as ConnectPeer with `to`'s `pubkey@host:port` would.
    pub async fn connect(&self, from: &str, to: &str) -> io::Result<()> {
        use lnrpc::lnrpc as pb;
        let (rpc, md) = self.as_admin(from).await?;
        let uri = self.uri(to).await.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no running node {to}")))?;
        let (pubkey, host) = uri.split_once('@').expect("uri has a host");
        if rpc.list_peers(&md, Default::default()).map_err(rpc_error)?.peers.iter().any(|p| p.pub_key == pubkey) {
            return Ok(());
        }
        let addr = pb::LightningAddress { pubkey: pubkey.into(), host: host.into() };
        rpc.connect_peer(&md, pb::ConnectPeerRequest { addr: Some(addr), ..Default::default() }).map_err(rpc_error)?;
        Ok(())
    }

    /// Opens a channel from `from` to `to` (connecting first), funded from `from`'s
    /// wallet, and mines the blocks that make it open. Returns the channel point.
    pub async fn open_channel(&self, from: &str, to: &str, sats: i64, push_sat: i64) -> io::Result<String> {
        use lnrpc::lnrpc as pb;
        self.connect(from, to).await?;
        let (rpc, md) = self.as_admin(from).await?;
        let (peer, _) = self.as_admin(to).await?;
        let req = pb::OpenChannelRequest {
            node_pubkey: hex::decode(peer.identity_pubkey()).map_err(io::Error::other)?,
            local_funding_amount: sats,
            push_sat,
            ..Default::default()
        };
        let cp = rpc.open_channel_sync(&md, req).map_err(rpc_error)?;
        let point = rpc::chan_point_string(&cp).map_err(rpc_error)?;
        self.mine(world::channels::FUNDING_CONFS)?;
        for node in [&rpc, &peer] {
            node.sync_channels();
        }
        Ok(point)
    }

    /// Has a node create an invoice (AddInvoice); returns the payment request.
    pub async fn add_invoice(&self, name: &str, sats: i64, memo: &str) -> io::Result<String> {
        let (rpc, md) = self.as_admin(name).await?;
        let req = lnrpc::lnrpc::Invoice { value: sats, memo: memo.into(), ..Default::default() };
        Ok(rpc.add_invoice(&md, req).map_err(rpc_error)?.payment_request)
    }

    /// Has a node create a hold invoice for `hash`; returns the payment request.
    pub async fn add_hold_invoice(&self, name: &str, hash: &[u8], sats: i64, memo: &str) -> io::Result<String> {
        let (rpc, md) = self.as_admin(name).await?;
        let req = lnrpc::invoicesrpc::AddHoldInvoiceRequest { hash: hash.to_vec(), value: sats, memo: memo.into(), ..Default::default() };
        Ok(rpc.add_hold_invoice(&md, req).map_err(rpc_error)?.payment_request)
    }

    /// Settles (with the preimage) or, given none, cancels a node's hold invoice.
    pub async fn resolve_hold_invoice(&self, name: &str, hash: &[u8], preimage: Option<&[u8]>) -> io::Result<()> {
        let (rpc, md) = self.as_admin(name).await?;
        match preimage {
            Some(p) => rpc.settle_invoice(&md, lnrpc::invoicesrpc::SettleInvoiceMsg { preimage: p.to_vec() }).map(drop),
            None => rpc.cancel_invoice(&md, lnrpc::invoicesrpc::CancelInvoiceMsg { payment_hash: hash.to_vec() }).map(drop),
        }
        .map_err(rpc_error)
    }

    /// Has a node pay a request (SendPaymentSync, with no fee limit); answers when the
    /// payment is resolved, with lnd's `payment_error` (empty on success).
    pub async fn pay(&self, name: &str, request: &str) -> io::Result<String> {
        let (rpc, md) = self.as_admin(name).await?;
        let req = lnrpc::lnrpc::SendRequest { payment_request: request.into(), ..Default::default() };
        Ok(rpc.send_payment_sync(md, req).await.map_err(rpc_error)?.payment_error)
    }

    /// Each running node's name, REST address and `pubkey@host:port`.
    pub async fn node_summaries(&self) -> Vec<(String, String, String)> {
        let nodes = self.nodes.lock().await;
        let mut out: Vec<_> = nodes
            .values()
            .map(|r| {
                let key = r.rpc.identity_pubkey();
                let uri =
                    if key.is_empty() { "(wallet not created or locked)".to_string() } else { format!("{key}@{}:{}", r.handle.host, r.handle.spec.ports.p2p) };
                (r.handle.spec.name.clone(), r.handle.rest_url(), uri)
            })
            .collect();
        out.sort();
        out
    }

    /// A running node's `pubkey@host:port`, as GetInfo's uris give it.
    pub async fn uri(&self, name: &str) -> Option<String> {
        let nodes = self.nodes.lock().await;
        let r = nodes.get(name)?;
        Some(format!("{}@{}:{}", r.rpc.identity_pubkey(), r.handle.host, r.handle.spec.ports.p2p))
    }

    pub fn height(&self) -> u32 {
        self.ledger.read(|c| c.tip().height)
    }
}
