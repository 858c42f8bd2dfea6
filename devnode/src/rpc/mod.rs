//! lnd's RPCs mapped onto the simulated node: lnd's state check, then its macaroon check,
//! then the call. Every transport (gRPC, gRPC-web, REST) goes through these methods, so the
//! rules and error strings are the same on all three.

mod backups;
mod channels;
mod feed;
mod graph;
mod htlc_events;
mod invoices;
mod onchain;
mod payments;
mod peers;
mod services;

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::Stream;
use lnrpc::lnrpc as pb;
use rand::{SeedableRng, rngs::StdRng};
use tokio::sync::watch;
use tonic::{Status, metadata::MetadataMap};

pub use channels::chan_point_string;
pub use graph::GraphFeed;
pub use payments::Held;
pub use services::{Services, grpc_routes};

use crate::clock::now;
use crate::ledger::Ledger;
use crate::store::NodeDir;
use world::macaroons::Permission;
use world::node::{self, Node, NodeError, RpcGroup, WalletState};

pub type RpcStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// An RPC's full name and the group lnd's state check puts it in; the macaroon permissions
/// it needs are lnd's (`lnrpc::permissions`).
pub struct Rpc {
    pub name: &'static str,
    group: RpcGroup,
}

impl Rpc {
    /// lnd's permissions for this method; a method lnd's table lacks is refused to every
    /// macaroon (a test keeps the two lists the same).
    fn perms(&self) -> Option<&'static [Permission]> {
        lnrpc::permissions::required(self.name)
    }
}

pub const GET_STATE: Rpc = Rpc { name: "/lnrpc.State/GetState", group: RpcGroup::State };
pub const SUBSCRIBE_STATE: Rpc = Rpc { name: "/lnrpc.State/SubscribeState", group: RpcGroup::State };
pub const GEN_SEED: Rpc = Rpc { name: "/lnrpc.WalletUnlocker/GenSeed", group: RpcGroup::WalletUnlocker };
pub const INIT_WALLET: Rpc = Rpc { name: "/lnrpc.WalletUnlocker/InitWallet", group: RpcGroup::WalletUnlocker };
pub const UNLOCK_WALLET: Rpc = Rpc { name: "/lnrpc.WalletUnlocker/UnlockWallet", group: RpcGroup::WalletUnlocker };
pub const CHANGE_PASSWORD: Rpc = Rpc { name: "/lnrpc.WalletUnlocker/ChangePassword", group: RpcGroup::WalletUnlocker };
pub const GET_INFO: Rpc = Rpc { name: "/lnrpc.Lightning/GetInfo", group: RpcGroup::Main };

/// Every RPC devnode implements.
pub const NEW_ADDRESS: Rpc = Rpc { name: "/lnrpc.Lightning/NewAddress", group: RpcGroup::Main };
pub const WALLET_BALANCE: Rpc = Rpc { name: "/lnrpc.Lightning/WalletBalance", group: RpcGroup::Main };
pub const SEND_COINS: Rpc = Rpc { name: "/lnrpc.Lightning/SendCoins", group: RpcGroup::Main };
pub const LIST_UNSPENT: Rpc = Rpc { name: "/lnrpc.Lightning/ListUnspent", group: RpcGroup::Main };
pub const GET_TRANSACTIONS: Rpc = Rpc { name: "/lnrpc.Lightning/GetTransactions", group: RpcGroup::Main };
pub const SUBSCRIBE_TRANSACTIONS: Rpc = Rpc { name: "/lnrpc.Lightning/SubscribeTransactions", group: RpcGroup::Main };
pub const ESTIMATE_FEE: Rpc = Rpc { name: "/lnrpc.Lightning/EstimateFee", group: RpcGroup::Main };

pub const CONNECT_PEER: Rpc = Rpc { name: "/lnrpc.Lightning/ConnectPeer", group: RpcGroup::Main };
pub const DISCONNECT_PEER: Rpc = Rpc { name: "/lnrpc.Lightning/DisconnectPeer", group: RpcGroup::Main };
pub const LIST_PEERS: Rpc = Rpc { name: "/lnrpc.Lightning/ListPeers", group: RpcGroup::Main };
pub const SUBSCRIBE_PEER_EVENTS: Rpc = Rpc { name: "/lnrpc.Lightning/SubscribePeerEvents", group: RpcGroup::Main };
pub const OPEN_CHANNEL: Rpc = Rpc { name: "/lnrpc.Lightning/OpenChannel", group: RpcGroup::Main };
pub const OPEN_CHANNEL_SYNC: Rpc = Rpc { name: "/lnrpc.Lightning/OpenChannelSync", group: RpcGroup::Main };
pub const CLOSE_CHANNEL: Rpc = Rpc { name: "/lnrpc.Lightning/CloseChannel", group: RpcGroup::Main };
pub const LIST_CHANNELS: Rpc = Rpc { name: "/lnrpc.Lightning/ListChannels", group: RpcGroup::Main };
pub const PENDING_CHANNELS: Rpc = Rpc { name: "/lnrpc.Lightning/PendingChannels", group: RpcGroup::Main };
pub const CLOSED_CHANNELS: Rpc = Rpc { name: "/lnrpc.Lightning/ClosedChannels", group: RpcGroup::Main };
pub const CHANNEL_BALANCE: Rpc = Rpc { name: "/lnrpc.Lightning/ChannelBalance", group: RpcGroup::Main };
pub const SUBSCRIBE_CHANNEL_EVENTS: Rpc = Rpc { name: "/lnrpc.Lightning/SubscribeChannelEvents", group: RpcGroup::Main };
pub const ADD_INVOICE: Rpc = Rpc { name: "/lnrpc.Lightning/AddInvoice", group: RpcGroup::Main };
pub const LOOKUP_INVOICE: Rpc = Rpc { name: "/lnrpc.Lightning/LookupInvoice", group: RpcGroup::Main };
pub const LIST_INVOICES: Rpc = Rpc { name: "/lnrpc.Lightning/ListInvoices", group: RpcGroup::Main };
pub const SUBSCRIBE_INVOICES: Rpc = Rpc { name: "/lnrpc.Lightning/SubscribeInvoices", group: RpcGroup::Main };
pub const DECODE_PAY_REQ: Rpc = Rpc { name: "/lnrpc.Lightning/DecodePayReq", group: RpcGroup::Main };
pub const LIST_PAYMENTS: Rpc = Rpc { name: "/lnrpc.Lightning/ListPayments", group: RpcGroup::Main };
pub const SEND_PAYMENT_SYNC: Rpc = Rpc { name: "/lnrpc.Lightning/SendPaymentSync", group: RpcGroup::Main };
pub const SEND_TO_ROUTE_SYNC: Rpc = Rpc { name: "/lnrpc.Lightning/SendToRouteSync", group: RpcGroup::Main };
pub const QUERY_ROUTES: Rpc = Rpc { name: "/lnrpc.Lightning/QueryRoutes", group: RpcGroup::Main };
pub const SEND_PAYMENT_V2: Rpc = Rpc { name: "/routerrpc.Router/SendPaymentV2", group: RpcGroup::Main };
pub const TRACK_PAYMENT_V2: Rpc = Rpc { name: "/routerrpc.Router/TrackPaymentV2", group: RpcGroup::Main };
pub const SEND_TO_ROUTE_V2: Rpc = Rpc { name: "/routerrpc.Router/SendToRouteV2", group: RpcGroup::Main };
pub const SUBSCRIBE_HTLC_EVENTS: Rpc = Rpc { name: "/routerrpc.Router/SubscribeHtlcEvents", group: RpcGroup::Main };
pub const BUILD_ROUTE: Rpc = Rpc { name: "/routerrpc.Router/BuildRoute", group: RpcGroup::Main };
pub const ADD_HOLD_INVOICE: Rpc = Rpc { name: "/invoicesrpc.Invoices/AddHoldInvoice", group: RpcGroup::Main };
pub const SETTLE_INVOICE: Rpc = Rpc { name: "/invoicesrpc.Invoices/SettleInvoice", group: RpcGroup::Main };
pub const CANCEL_INVOICE: Rpc = Rpc { name: "/invoicesrpc.Invoices/CancelInvoice", group: RpcGroup::Main };
pub const SUBSCRIBE_SINGLE_INVOICE: Rpc = Rpc { name: "/invoicesrpc.Invoices/SubscribeSingleInvoice", group: RpcGroup::Main };
// invoices_server.go macPermissions: LookupInvoiceV2 needs write, not read.
pub const LOOKUP_INVOICE_V2: Rpc = Rpc { name: "/invoicesrpc.Invoices/LookupInvoiceV2", group: RpcGroup::Main };
pub const EXPORT_CHANNEL_BACKUP: Rpc = Rpc { name: "/lnrpc.Lightning/ExportChannelBackup", group: RpcGroup::Main };
pub const EXPORT_ALL_CHANNEL_BACKUPS: Rpc = Rpc { name: "/lnrpc.Lightning/ExportAllChannelBackups", group: RpcGroup::Main };
pub const VERIFY_CHAN_BACKUP: Rpc = Rpc { name: "/lnrpc.Lightning/VerifyChanBackup", group: RpcGroup::Main };
pub const RESTORE_CHANNEL_BACKUPS: Rpc = Rpc { name: "/lnrpc.Lightning/RestoreChannelBackups", group: RpcGroup::Main };
pub const SUBSCRIBE_CHANNEL_BACKUPS: Rpc = Rpc { name: "/lnrpc.Lightning/SubscribeChannelBackups", group: RpcGroup::Main };
pub const DESCRIBE_GRAPH: Rpc = Rpc { name: "/lnrpc.Lightning/DescribeGraph", group: RpcGroup::Main };
pub const GET_CHAN_INFO: Rpc = Rpc { name: "/lnrpc.Lightning/GetChanInfo", group: RpcGroup::Main };
pub const GET_NETWORK_INFO: Rpc = Rpc { name: "/lnrpc.Lightning/GetNetworkInfo", group: RpcGroup::Main };
pub const SUBSCRIBE_CHANNEL_GRAPH: Rpc = Rpc { name: "/lnrpc.Lightning/SubscribeChannelGraph", group: RpcGroup::Main };
pub const UPDATE_CHANNEL_POLICY: Rpc = Rpc { name: "/lnrpc.Lightning/UpdateChannelPolicy", group: RpcGroup::Main };
pub const FEE_REPORT: Rpc = Rpc { name: "/lnrpc.Lightning/FeeReport", group: RpcGroup::Main };
pub const FORWARDING_HISTORY: Rpc = Rpc { name: "/lnrpc.Lightning/ForwardingHistory", group: RpcGroup::Main };
pub const LIST_MACAROON_IDS: Rpc = Rpc { name: "/lnrpc.Lightning/ListMacaroonIDs", group: RpcGroup::Main };
pub const LIST_PERMISSIONS: Rpc = Rpc { name: "/lnrpc.Lightning/ListPermissions", group: RpcGroup::Main };
pub const CHECK_MACAROON_PERMISSIONS: Rpc = Rpc { name: "/lnrpc.Lightning/CheckMacaroonPermissions", group: RpcGroup::Main };
pub const DELETE_MACAROON_ID: Rpc = Rpc { name: "/lnrpc.Lightning/DeleteMacaroonID", group: RpcGroup::Main };
pub const GET_NODE_INFO: Rpc = Rpc { name: "/lnrpc.Lightning/GetNodeInfo", group: RpcGroup::Main };
pub const SIGN_MESSAGE: Rpc = Rpc { name: "/lnrpc.Lightning/SignMessage", group: RpcGroup::Main };
pub const VERIFY_MESSAGE: Rpc = Rpc { name: "/lnrpc.Lightning/VerifyMessage", group: RpcGroup::Main };
pub const BAKE_MACAROON: Rpc = Rpc { name: "/lnrpc.Lightning/BakeMacaroon", group: RpcGroup::Main };
pub const GET_VERSION: Rpc = Rpc { name: "/verrpc.Versioner/GetVersion", group: RpcGroup::Main };
pub const LIST_ACCOUNTS: Rpc = Rpc { name: "/walletrpc.WalletKit/ListAccounts", group: RpcGroup::Main };

pub const ALL: &[&Rpc] = &[
    &GET_STATE,
    &SUBSCRIBE_STATE,
    &GEN_SEED,
    &INIT_WALLET,
    &UNLOCK_WALLET,
    &CHANGE_PASSWORD,
    &GET_INFO,
    &NEW_ADDRESS,
    &WALLET_BALANCE,
    &SEND_COINS,
    &LIST_UNSPENT,
    &GET_TRANSACTIONS,
    &SUBSCRIBE_TRANSACTIONS,
    &ESTIMATE_FEE,
    &SIGN_MESSAGE,
    &VERIFY_MESSAGE,
    &BAKE_MACAROON,
    &GET_VERSION,
    &LIST_ACCOUNTS,
    &CONNECT_PEER,
    &DISCONNECT_PEER,
    &LIST_PEERS,
    &SUBSCRIBE_PEER_EVENTS,
    &OPEN_CHANNEL,
    &OPEN_CHANNEL_SYNC,
    &CLOSE_CHANNEL,
    &LIST_CHANNELS,
    &PENDING_CHANNELS,
    &CLOSED_CHANNELS,
    &CHANNEL_BALANCE,
    &SUBSCRIBE_CHANNEL_EVENTS,
    &ADD_INVOICE,
    &LOOKUP_INVOICE,
    &LIST_INVOICES,
    &SUBSCRIBE_INVOICES,
    &DECODE_PAY_REQ,
    &LIST_PAYMENTS,
    &SEND_PAYMENT_SYNC,
    &SEND_TO_ROUTE_SYNC,
    &QUERY_ROUTES,
    &SEND_PAYMENT_V2,
    &TRACK_PAYMENT_V2,
    &SEND_TO_ROUTE_V2,
    &BUILD_ROUTE,
    &SUBSCRIBE_HTLC_EVENTS,
    &ADD_HOLD_INVOICE,
    &SETTLE_INVOICE,
    &CANCEL_INVOICE,
    &SUBSCRIBE_SINGLE_INVOICE,
    &LOOKUP_INVOICE_V2,
    &GET_NODE_INFO,
    &DESCRIBE_GRAPH,
    &GET_CHAN_INFO,
    &GET_NETWORK_INFO,
    &SUBSCRIBE_CHANNEL_GRAPH,
    &UPDATE_CHANNEL_POLICY,
    &FEE_REPORT,
    &FORWARDING_HISTORY,
    &LIST_MACAROON_IDS,
    &DELETE_MACAROON_ID,
    &LIST_PERMISSIONS,
    &CHECK_MACAROON_PERMISSIONS,
    &EXPORT_CHANNEL_BACKUP,
    &EXPORT_ALL_CHANNEL_BACKUPS,
    &VERIFY_CHAN_BACKUP,
    &RESTORE_CHANNEL_BACKUPS,
    &SUBSCRIBE_CHANNEL_BACKUPS,
];

/// BakeMacaroon's checks of the permissions asked for, in lnd's words: known entities and
/// actions, or the "uri" entity naming a method lnd serves.
fn check_permissions(perms: &[(String, String)]) -> Result<(), Status> {
    use world::macaroons::{ACTIONS, ENTITIES};
    let help = format!("supported actions are [{}], supported entities are [{}]", ACTIONS.join(" "), ENTITIES.join(" "));
    if perms.is_empty() {
        return Err(Status::unknown(format!("permission list cannot be empty. specify at least one action/entity pair. {help}")));
    }
    for (entity, action) in perms {
        if !ENTITIES.contains(&entity.as_str()) {
            return Err(Status::unknown(format!("invalid permission entity. {help}")));
        }
        if entity == "uri" {
            if !ALL.iter().any(|rpc| rpc.name == action) {
                return Err(Status::unknown("invalid permission action, must be an existing URI in the format /package.Service/MethodName"));
            }
        } else if !ACTIONS.contains(&action.as_str()) {
            return Err(Status::unknown(format!("invalid permission action. {help}")));
        }
    }
    Ok(())
}

/// lnrpc.CalculateFeeRate, for every call that takes a fee rate.
pub(crate) const BOTH_FEE_RATES: &str = "either SatPerByte or SatPerVByte should be set, but not both";

/// Hex as Go's `encoding/hex` decodes it, with its errors in its words (lnd returns them
/// as they are): a bad character is reported before an odd length.
pub(crate) fn go_hex_decode(text: &str) -> Result<Vec<u8>, String> {
    if let Some(&b) = text.as_bytes().iter().find(|b| !b.is_ascii_hexdigit()) {
        let c = char::from(b);
        let quoted = if c.is_control() { String::new() } else { format!(" '{c}'") };
        return Err(format!("encoding/hex: invalid byte: U+{b:04X}{quoted}"));
    }
    hex::decode(text).map_err(|_| "encoding/hex: odd length hex string".to_string())
}

/// Which lnd release a node answers as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LndVersion {
    #[default]
    V0_20,
    /// lnd 0.21 removed SendPaymentSync, SendToRouteSync and the old SendPayment stream.
    V0_21,
}

impl LndVersion {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "0.20" => Some(LndVersion::V0_20),
            "0.21" => Some(LndVersion::V0_21),
            _ => None,
        }
    }

    fn minor(self) -> u32 {
        match self {
            LndVersion::V0_20 => 20,
            LndVersion::V0_21 => 21,
        }
    }
}

/// The metadata key under which devnode's listeners tell the RPC layer the caller's
/// address (lnd reads it from the gRPC connection); whatever a client sends under it is
/// replaced.
pub const PEER_KEY: &str = "x-devnode-peer";

/// The address a connection came from, put on each of its requests by the listener.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub std::net::IpAddr);

/// The caller's address, as the listener recorded it; none for in-process calls.
fn peer(md: &MetadataMap) -> Option<std::net::IpAddr> {
    md.get(PEER_KEY)?.to_str().ok()?.parse().ok()
}

/// Static facts about a node that its RPCs report.
#[derive(Clone)]
pub struct NodeSettings {
    pub p2p_host: String,
    pub p2p_port: u16,
    /// How long lnd's subsystems take to start after an unlock (UNLOCKED → RPC_ACTIVE →
    /// SERVER_ACTIVE); short in tests, visible in demos.
    pub startup_step: Duration,
    pub lnd: LndVersion,
    /// Services ("routerrpc.Router") or methods ("lnrpc.Lightning.OpenChannel") this node
    /// does not serve on any transport.
    pub unserved: Vec<String>,
    /// lnd's `no-macaroons`.
    pub no_macaroons: bool,
    /// The DNS name the node announces instead of its IP (already checked as lnd would).
    pub announced_host: Option<String>,
}

pub struct NodeRpc {
    node: Mutex<Node>,
    ledger: Arc<Ledger>,
    dir: NodeDir,
    settings: NodeSettings,
    state: watch::Sender<WalletState>,
    rng: Mutex<StdRng>,
    switchboard: Arc<crate::switchboard::Switchboard>,
    peers: Mutex<std::collections::BTreeMap<String, peers::Link>>,
    peer_events: tokio::sync::broadcast::Sender<pb::PeerEvent>,
    channels: Mutex<world::channels::NodeDb>,
    chan_events: tokio::sync::broadcast::Sender<pb::ChannelEventUpdate>,
    /// The task following the chain for this node's channels.
    watcher: Mutex<Option<tokio::task::AbortHandle>>,
    invoice_events: feed::Feed<pb::Invoice>,
    payment_events: tokio::sync::broadcast::Sender<pb::Payment>,
    /// For SubscribeHtlcEvents.
    htlc_events: tokio::sync::broadcast::Sender<lnrpc::routerrpc::HtlcEvent>,
    /// A save of the channel database is scheduled (payments save in batches).
    save_pending: std::sync::atomic::AtomicBool,
    /// Snapshots of the channel database taken, and the newest one written.
    saves: std::sync::atomic::AtomicU64,
    saved: Mutex<u64>,
    /// See `set_htlc_hold`.
    htlc_hold_ms: std::sync::atomic::AtomicU64,
    /// See `set_mpp_timeout`.
    mpp_timeout_ms: std::sync::atomic::AtomicU64,
    this: std::sync::Weak<NodeRpc>,
    /// Channel backups given with InitWallet/UnlockWallet, restored once the server is up.
    pending_restore: Mutex<Option<pb::ChanBackupSnapshot>>,
    /// Calls received per RPC, refused ones included: what tests count a client's requests by.
    calls: Mutex<std::collections::HashMap<&'static str, u64>>,
    /// See `refuse`.
    refusals: Mutex<std::collections::HashMap<&'static str, String>>,
}

/// A stream's items up to and including the first that `last` accepts, then its end: the
/// end comes at once, not when the next item would have arrived.
pub(crate) fn through<S, T, F>(items: S, last: F) -> impl Stream<Item = T> + Send + 'static
where
    S: Stream<Item = T> + Send + Unpin + 'static,
    T: Send + 'static,
    F: Fn(&T) -> bool + Send + 'static,
{
    futures::stream::unfold((items, last, false), |(mut items, last, ended)| async move {
        if ended {
            return None;
        }
        let item = futures::StreamExt::next(&mut items).await?;
        let done = last(&item);
        Some((item, (items, last, done)))
    })
}

/// lnd returns its state, macaroon and wallet errors as plain Go errors: gRPC code Unknown.
fn status(e: NodeError) -> Status {
    Status::unknown(e.to_string())
}

/// Runs slow key derivation (scrypt) off the async workers.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Status> + Send + 'static) -> Result<T, Status> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Status::internal(format!("devnode task failed: {e}")))?
}

fn io_status(e: std::io::Error) -> Status {
    Status::internal(format!("devnode storage: {e}"))
}

pub fn wallet_state(s: WalletState) -> pb::WalletState {
    match s {
        WalletState::NonExisting => pb::WalletState::NonExisting,
        WalletState::Locked => pb::WalletState::Locked,
        WalletState::Unlocked => pb::WalletState::Unlocked,
        WalletState::RpcActive => pb::WalletState::RpcActive,
        WalletState::ServerActive => pb::WalletState::ServerActive,
    }
}

/// lnd v0.20's default feature bits as GetInfo lists them (`feature/default_sets.go`, the
/// init and node announcement sets, less what needs a `protocol.*` option), named as
/// `lnwire/features.go` names them. An even bit is required, an odd one optional.
const FEATURES: &[(u32, &str)] = &[
    (0, "data-loss-protect"),
    (5, "upfront-shutdown-script"),
    (7, "gossip-queries"),
    (8, "tlv-onion"),
    (12, "static-remote-key"),
    (14, "payment-addr"),
    (17, "multi-path-payments"),
    (19, "wumbo-channels"),
    (23, "anchors-zero-fee-htlc-tx"),
    (25, "route-blinding"),
    (27, "shutdown-any-segwit"),
    (31, "amp"),
    (35, "quiescence"),
    (45, "explicit-commitment-type"),
    (47, "scid-alias"),
    (51, "zero-conf"),
    (55, "keysend"),
    (2023, "script-enforced-lease"),
];

/// lnd's name of a feature bit (both bits of a pair share it), "unknown" for one it has none for.
pub(crate) fn feature_name(bit: u32) -> &'static str {
    match bit & !1 {
        48 => "payment-metadata",
        pair => FEATURES.iter().find(|&&(known, _)| known & !1 == pair).map_or("unknown", |&(_, name)| name),
    }
}

fn features() -> std::collections::HashMap<u32, pb::Feature> {
    FEATURES.iter().map(|&(bit, _)| feature(bit)).collect()
}

/// A feature bit as lnd reports it in GetInfo, peers, the graph, invoices and decoded requests.
pub(crate) fn feature(bit: u32) -> (u32, pb::Feature) {
    let name = feature_name(bit);
    (bit, pb::Feature { name: name.into(), is_required: bit.is_multiple_of(2), is_known: name != "unknown" })
}

pub const VERSION: &str = "0.20.0-beta commit=v0.20.0-beta";
/// lnd v0.20.0-beta's release commit (as recorded by the npm `lightning` library, which
/// tells lnd versions apart by it).
const COMMIT_HASH: &str = "b9ea7070c20ad2ca8514a47d9b4d560a501f0487";
/// The build tags of lnd's release builds (all sub-servers devnode may serve).
const BUILD_TAGS: &[&str] = &[
    "autopilotrpc",
    "signrpc",
    "walletrpc",
    "chainrpc",
    "invoicesrpc",
    "watchtowerrpc",
    "neutrinorpc",
    "monitoring",
    "peersrpc",
    "kvdb_postgres",
    "kvdb_etcd",
    "kvdb_sqlite",
];

impl NodeRpc {
    pub fn new(node: Node, ledger: Arc<Ledger>, switchboard: Arc<crate::switchboard::Switchboard>, dir: NodeDir, settings: NodeSettings) -> Arc<Self> {
        let (state, _) = watch::channel(node.state());
        let (peer_events, _) = tokio::sync::broadcast::channel(256);
        let (chan_events, _) = tokio::sync::broadcast::channel(1024);
        let (payment_events, _) = tokio::sync::broadcast::channel(4096);
        let (htlc_events, _) = tokio::sync::broadcast::channel(4096);
        Arc::new_cyclic(|this| NodeRpc {
            node: Mutex::new(node),
            ledger,
            dir,
            settings,
            state,
            rng: Mutex::new(StdRng::from_entropy()),
            switchboard,
            peers: Mutex::new(Default::default()),
            peer_events,
            channels: Mutex::new(Default::default()),
            chan_events,
            watcher: Mutex::new(None),
            invoice_events: feed::Feed::new(),
            payment_events,
            htlc_events,
            save_pending: Default::default(),
            saves: Default::default(),
            saved: Mutex::new(0),
            htlc_hold_ms: Default::default(),
            mpp_timeout_ms: world::invoices::MPP_TIMEOUT_MS.into(),
            this: this.clone(),
            pending_restore: Mutex::new(None),
            calls: Default::default(),
            refusals: Default::default(),
        })
    }

    fn node(&self) -> std::sync::MutexGuard<'_, Node> {
        self.node.lock().expect("node lock poisoned")
    }

    /// lnd's interceptor order: the state check first (so a locked node says "wallet locked"
    /// even to a bad macaroon), then the macaroon.
    pub fn authorize(&self, md: &MetadataMap, rpc: &Rpc) -> Result<(), Status> {
        *self.calls.lock().expect("calls lock poisoned").entry(rpc.name).or_default() += 1;
        {
            let node = self.node();
            node.check_rpc_state(rpc.group).map_err(status)?;
            if rpc.group == RpcGroup::Main && !self.settings.no_macaroons {
                let values: Vec<&str> = md.get_all("macaroon").iter().map(|v| v.to_str().unwrap_or("")).collect();
                // rpcperms' interceptor, for a method missing from its permission map.
                let perms = rpc.perms().ok_or_else(|| Status::unknown(format!("{}: unknown permissions required for method", rpc.name)))?;
                node.check_macaroon_from(&values, perms, rpc.name, now(), peer(md)).map_err(status)?;
            }
        }
        match self.refusals.lock().expect("refusals lock poisoned").get(rpc.name) {
            Some(message) => Err(Status::unknown(message.clone())),
            None => Ok(()),
        }
    }

    /// A fault: every call of `method` ("/lnrpc.Lightning/ListPeers") that passes the state
    /// and macaroon checks fails with `message` as lnd's own errors do (code Unknown, the
    /// message as written), until it is called again with `None`. It is how tests put any
    /// text a node could send into the app's error view. Returns whether the method is one
    /// this node has.
    pub fn refuse(&self, method: &str, message: Option<&str>) -> bool {
        let Some(rpc) = ALL.iter().find(|rpc| rpc.name == method) else { return false };
        let mut refusals = self.refusals.lock().expect("refusals lock poisoned");
        match message {
            Some(message) => refusals.insert(rpc.name, message.to_string()),
            None => refusals.remove(rpc.name),
        };
        true
    }

    /// How many times the RPC at `path` (`/lnrpc.Lightning/GetNodeInfo`) was called.
    pub fn calls(&self, path: &str) -> u64 {
        self.calls.lock().expect("calls lock poisoned").get(path).copied().unwrap_or(0)
    }

    pub fn identity_pubkey(&self) -> String {
        self.node().identity_pubkey()
    }

    /// The wallet state as it changes (for tests and control tools).
    pub fn watch_state(&self) -> watch::Receiver<WalletState> {
        self.state.subscribe()
    }

    pub fn current_state(&self) -> WalletState {
        self.node().state()
    }

    pub fn get_state(&self, md: &MetadataMap) -> Result<pb::GetStateResponse, Status> {
        self.authorize(md, &GET_STATE)?;
        Ok(pb::GetStateResponse { state: wallet_state(self.current_state()) as i32 })
    }

    /// The current state at once, then every change.
    pub fn subscribe_state(&self, md: &MetadataMap) -> Result<RpcStream<pb::SubscribeStateResponse>, Status> {
        self.authorize(md, &SUBSCRIBE_STATE)?;
        let stream = tokio_stream::wrappers::WatchStream::new(self.state.subscribe());
        Ok(Box::pin(futures::StreamExt::map(stream, |s| Ok(pb::SubscribeStateResponse { state: wallet_state(s) as i32 }))))
    }

    pub async fn gen_seed(self: &Arc<Self>, md: MetadataMap, req: pb::GenSeedRequest) -> Result<pb::GenSeedResponse, Status> {
        self.authorize(&md, &GEN_SEED)?;
        let this = Arc::clone(self);
        blocking(move || {
            let mut rng = this.rng.lock().expect("rng lock");
            let (words, enciphered) = this.node().gen_seed(&req.aezeed_passphrase, &req.seed_entropy, &mut *rng, now()).map_err(status)?;
            Ok(pb::GenSeedResponse { cipher_seed_mnemonic: words, enciphered_seed: enciphered.to_vec() })
        })
        .await
    }

    pub async fn init_wallet(self: &Arc<Self>, md: MetadataMap, req: pb::InitWalletRequest) -> Result<pb::InitWalletResponse, Status> {
        self.authorize(&md, &INIT_WALLET)?;
        let backups = req.channel_backups.clone();
        let init = node::InitWallet {
            password: req.wallet_password,
            mnemonic: req.cipher_seed_mnemonic,
            aezeed_passphrase: req.aezeed_passphrase,
            macaroon_root_key: req.macaroon_root_key,
            has_extended_key: !req.extended_master_key.is_empty(),
            watch_only: req.watch_only.is_some(),
        };
        let this = Arc::clone(self);
        let macs = blocking(move || {
            let mut rng = this.rng.lock().expect("rng lock");
            let mut node = this.node();
            let macs = node.init_wallet(init, &mut *rng).map_err(status)?;
            this.dir.save_wallet(node.sealed().expect("just created")).map_err(io_status)?;
            Ok(macs)
        })
        .await?;
        *self.pending_restore.lock().expect("restore lock") = backups;
        self.unlocked(&macs, req.stateless_init)?;
        Ok(pb::InitWalletResponse { admin_macaroon: self.handed_out(macs.admin) })
    }

    pub async fn unlock_wallet(self: &Arc<Self>, md: MetadataMap, req: pb::UnlockWalletRequest) -> Result<pb::UnlockWalletResponse, Status> {
        self.authorize(&md, &UNLOCK_WALLET)?;
        let backups = req.channel_backups.clone();
        let this = Arc::clone(self);
        blocking(move || this.node().unlock(&req.wallet_password).map_err(status)).await?;
        *self.pending_restore.lock().expect("restore lock") = backups;
        self.started();
        Ok(pb::UnlockWalletResponse {})
    }

    pub async fn change_password(self: &Arc<Self>, md: MetadataMap, req: pb::ChangePasswordRequest) -> Result<pb::ChangePasswordResponse, Status> {
        self.authorize(&md, &CHANGE_PASSWORD)?;
        let this = Arc::clone(self);
        let (current, new, rotate) = (req.current_password, req.new_password, req.new_macaroon_root_key);
        let macs = blocking(move || {
            let mut rng = this.rng.lock().expect("rng lock");
            let mut node = this.node();
            let macs = node.change_password(&current, &new, rotate, &mut *rng).map_err(status)?;
            this.dir.save_wallet(node.sealed().expect("exists")).map_err(io_status)?;
            Ok(macs)
        })
        .await?;
        self.unlocked(&macs, req.stateless_init)?;
        Ok(pb::ChangePasswordResponse { admin_macaroon: self.handed_out(macs.admin) })
    }

    /// With `no-macaroons` lnd bakes none: the unlocker's answer carries an empty one (lnd
    /// closes the channel it waits on, `config_builder.go` BuildWalletConfig).
    fn handed_out(&self, admin: Vec<u8>) -> Vec<u8> {
        if self.settings.no_macaroons { Vec::new() } else { admin }
    }

    /// lnd writes the macaroon files unless asked for a stateless init or started with
    /// `no-macaroons`, then starts up.
    fn unlocked(self: &Arc<Self>, macs: &node::Macaroons, stateless: bool) -> Result<(), Status> {
        if !stateless && !self.settings.no_macaroons {
            self.dir.save_macaroons(macs).map_err(io_status)?;
        }
        self.started();
        Ok(())
    }

    pub fn sign_message(&self, md: &MetadataMap, req: pb::SignMessageRequest) -> Result<pb::SignMessageResponse, Status> {
        self.authorize(md, &SIGN_MESSAGE)?;
        if req.msg.is_empty() {
            return Err(Status::unknown("need a message to sign"));
        }
        let signature = self.node().sign_message(&req.msg, req.single_hash).map_err(status)?;
        Ok(pb::SignMessageResponse { signature })
    }

    /// lnd reports `valid` only for keys of nodes in its channel graph: here, this node
    /// itself, until devnode keeps a graph.
    pub fn verify_message(&self, md: &MetadataMap, req: pb::VerifyMessageRequest) -> Result<pb::VerifyMessageResponse, Status> {
        self.authorize(md, &VERIFY_MESSAGE)?;
        if req.msg.is_empty() {
            return Err(Status::unknown("need a message to verify"));
        }
        let recovered = world::message::recover(&req.msg, &req.signature).map_err(|e| Status::unknown(format!("failed to decode signature: {e}")))?;
        // A signature that recovers no key is simply not valid (lnd answers, not errs).
        let Some(signer) = recovered else { return Ok(pb::VerifyMessageResponse { valid: false, pubkey: String::new() }) };
        let pubkey = signer.to_string();
        // lnd calls a signature valid when its signer is a node its graph knows (itself, or
        // one announced with a public channel).
        Ok(pb::VerifyMessageResponse { valid: pubkey == self.identity_pubkey() || self.announced_nodes().contains(&pubkey), pubkey })
    }

    pub fn bake_macaroon(&self, md: &MetadataMap, req: pb::BakeMacaroonRequest) -> Result<pb::BakeMacaroonResponse, Status> {
        self.authorize(md, &BAKE_MACAROON)?;
        self.macaroons_enabled()?;
        let perms: Vec<(String, String)> = req.permissions.into_iter().map(|p| (p.entity, p.action)).collect();
        if !req.allow_external_permissions {
            check_permissions(&perms)?;
        }
        let mut rng = self.rng.lock().expect("rng lock");
        let mut node = self.node();
        let mac = node.bake_macaroon(&perms, req.root_key_id, &mut *rng).map_err(status)?;
        self.dir.save_root_key_ids(&node.root_key_ids).map_err(io_status)?;
        Ok(pb::BakeMacaroonResponse { macaroon: hex::encode(mac) })
    }

    /// Every method this node serves and the permissions a macaroon needs for it.
    pub fn list_permissions(&self, md: &MetadataMap, _req: pb::ListPermissionsRequest) -> Result<pb::ListPermissionsResponse, Status> {
        self.authorize(md, &LIST_PERMISSIONS)?;
        let list = |perms: &[Permission]| pb::MacaroonPermissionList {
            permissions: perms.iter().map(|(entity, action)| pb::MacaroonPermission { entity: entity.to_string(), action: action.to_string() }).collect(),
        };
        let method_permissions = ALL
            .iter()
            .filter(|rpc| rpc.group == RpcGroup::Main && self.serves(rpc.name).is_ok())
            .map(|rpc| (rpc.name.to_string(), list(rpc.perms().unwrap_or_default())))
            .collect();
        Ok(pb::ListPermissionsResponse { method_permissions })
    }

    /// Whether a macaroon (its signature, caveats and permissions) would be accepted, as a
    /// proxy in front of lnd asks; a refusal is lnd's InvalidArgument with the reason.
    pub fn check_macaroon_permissions(&self, md: &MetadataMap, req: pb::CheckMacPermRequest) -> Result<pb::CheckMacPermResponse, Status> {
        self.authorize(md, &CHECK_MACAROON_PERMISSIONS)?;
        if req.check_default_perms_from_full_method && !req.permissions.is_empty() {
            return Err(Status::unknown("cannot check default permissions from full method and from provided permission list at the same time"));
        }
        if req.check_default_perms_from_full_method && req.full_method.is_empty() {
            return Err(Status::unknown("cannot check default permissions from full method without providing the full method name"));
        }
        let asked: Vec<(&str, &str)> = if req.check_default_perms_from_full_method {
            let perms = ALL.iter().find(|r| r.name == req.full_method).and_then(|r| r.perms());
            perms.ok_or_else(|| Status::unknown(format!("no permissions found for full method {}", req.full_method)))?.to_vec()
        } else {
            req.permissions.iter().map(|p| (p.entity.as_str(), p.action.as_str())).collect()
        };
        self.node()
            .check_macaroon_from(&[&hex::encode(&req.macaroon)], &asked, &req.full_method, now(), peer(md))
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        Ok(pb::CheckMacPermResponse { valid: true })
    }

    pub fn list_macaroon_ids(&self, md: &MetadataMap, _req: pb::ListMacaroonIDsRequest) -> Result<pb::ListMacaroonIDsResponse, Status> {
        self.authorize(md, &LIST_MACAROON_IDS)?;
        self.macaroons_enabled()?;
        Ok(pb::ListMacaroonIDsResponse { root_key_ids: self.node().root_key_ids.ids() })
    }

    pub fn delete_macaroon_id(&self, md: &MetadataMap, req: pb::DeleteMacaroonIdRequest) -> Result<pb::DeleteMacaroonIdResponse, Status> {
        self.authorize(md, &DELETE_MACAROON_ID)?;
        self.macaroons_enabled()?;
        let mut node = self.node();
        let deleted = node.root_key_ids.delete(req.root_key_id).map_err(Status::unknown)?;
        self.dir.save_root_key_ids(&node.root_key_ids).map_err(io_status)?;
        Ok(pb::DeleteMacaroonIdResponse { deleted })
    }

    /// lnd started with `no-macaroons` has no macaroon service to bake, list or delete with.
    fn macaroons_enabled(&self) -> Result<(), Status> {
        if self.settings.no_macaroons {
            return Err(Status::unknown("macaroon authentication disabled, remove --no-macaroons flag to enable"));
        }
        Ok(())
    }

    pub fn lnd_version(&self) -> LndVersion {
        self.settings.lnd
    }

    /// Whether this node answers `method` ("/package.Service/Method") at all: lnd 0.21 no
    /// longer has the sync payment RPCs, and a node may be set up without some services or
    /// methods (an lnd built without a sub-server, an older lnd, or a proxy that forwards only
    /// part of lnd). The error is grpc-go's answer for a method nobody registered.
    pub fn serves(&self, method: &str) -> Result<(), Status> {
        if self.serves_everything() {
            return Ok(());
        }
        let path = method.trim_start_matches('/');
        let (service, name) = path.split_once('/').unwrap_or((path, ""));
        let removed = self.settings.lnd == LndVersion::V0_21 && [SEND_PAYMENT_SYNC.name, SEND_TO_ROUTE_SYNC.name].contains(&method);
        let selector = format!("{service}.{name}");
        if self.settings.unserved.iter().any(|u| u == service) {
            return Err(Status::unimplemented(format!("unknown service {service}")));
        }
        if removed || self.settings.unserved.contains(&selector) {
            return Err(Status::unimplemented(format!("unknown method {name} for service {service}")));
        }
        Ok(())
    }

    /// Nothing is left out (the usual case, checked first on every request).
    pub fn serves_everything(&self) -> bool {
        self.settings.unserved.is_empty() && self.settings.lnd == LndVersion::V0_20
    }

    pub fn get_version(&self, md: &MetadataMap, _req: lnrpc::verrpc::VersionRequest) -> Result<lnrpc::verrpc::Version, Status> {
        self.authorize(md, &GET_VERSION)?;
        let minor = self.settings.lnd.minor();
        Ok(lnrpc::verrpc::Version {
            commit: format!("v0.{minor}.0-beta"),
            commit_hash: if minor == 20 { COMMIT_HASH.into() } else { String::new() },
            version: format!("0.{minor}.0-beta"),
            app_major: 0,
            app_minor: minor,
            app_patch: 0,
            app_pre_release: "beta".into(),
            build_tags: BUILD_TAGS.iter().map(|t| t.to_string()).collect(),
            // The release builder's Go at the v0.20.0-beta tag (make/builder.Dockerfile).
            go_version: "go1.25.3".into(),
        })
    }

    /// After an unlock, walk through lnd's start-up states, announcing each.
    fn started(self: &Arc<Self>) {
        self.state.send_replace(self.current_state());
        let this = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(this.settings.startup_step).await;
                let Some(next) = this.node().advance() else { break };
                if next == WalletState::ServerActive {
                    this.server_started();
                }
                this.state.send_replace(next);
            }
        });
    }

    /// lnd's server start: the channel database opens, the chain is caught up with, and
    /// the peers of our channels are reconnected (lnd keeps them as persistent peers).
    fn server_started(self: &Arc<Self>) {
        if let Err(e) = self.load_channels() {
            eprintln!("devnode: loading channels: {}", e.message());
        }
        self.sync_channels();
        self.watch_chain();
        for peer in self.channel_peers() {
            self.reconnect(&peer);
        }
        let restore = self.pending_restore.lock().expect("restore lock").take();
        if let Some(snapshot) = restore {
            self.restore_snapshot(snapshot);
        }
    }

    /// The node went away: it stops following the chain and its peers see it go.
    pub fn shutdown(self: &Arc<Self>) {
        self.stop_watching();
        self.drop_all_peers();
    }

    // lnd still fills the deprecated `testnet` and `chains[].chain` fields.
    #[allow(deprecated)]
    pub fn get_info(&self, md: &MetadataMap) -> Result<pb::GetInfoResponse, Status> {
        self.authorize(md, &GET_INFO)?;
        let info = self.ledger.read(|chain| self.node().info(chain));
        let uri = format!("{}@{}:{}", info.identity_pubkey, self.settings.p2p_host, self.settings.p2p_port);
        let counts = self.channel_counts();
        Ok(pb::GetInfoResponse {
            version: if self.settings.lnd == LndVersion::V0_20 {
                VERSION.into()
            } else {
                format!("0.{0}.0-beta commit=v0.{0}.0-beta", self.settings.lnd.minor())
            },
            commit_hash: if self.settings.lnd == LndVersion::V0_20 { COMMIT_HASH.into() } else { String::new() },
            identity_pubkey: info.identity_pubkey,
            alias: info.alias,
            color: info.color,
            num_pending_channels: counts.0,
            num_active_channels: counts.1,
            num_inactive_channels: counts.2,
            num_peers: self.peer_count() as u32,
            block_height: info.block_height,
            block_hash: info.block_hash,
            best_header_timestamp: info.best_header_timestamp,
            synced_to_chain: info.synced_to_chain,
            synced_to_graph: info.synced_to_graph,
            testnet: false,
            chains: vec![pb::Chain { chain: "bitcoin".into(), network: crate::store::NETWORK.into() }],
            uris: vec![uri],
            features: features(),
            require_htlc_interceptor: false,
            store_final_htlc_resolutions: false,
        })
    }
}

#[cfg(test)]
mod tests {
    /// devnode checks macaroons against lnd's table: every method it serves is in it, and
    /// the table names no method devnode does not serve.
    #[test]
    fn every_method_has_lnds_permissions() {
        for rpc in super::ALL {
            assert!(rpc.perms().is_some(), "{} has no entry in lnrpc::permissions", rpc.name);
        }
        for (method, _) in lnrpc::permissions::REQUIRED {
            assert!(super::ALL.iter().any(|rpc| rpc.name == *method), "{method} is in the table but devnode does not serve it");
        }
    }
}
