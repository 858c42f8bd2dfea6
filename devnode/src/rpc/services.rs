//! The tonic service traits, each a thin delegation to [`NodeRpc`].

use std::sync::Arc;

use irpc::invoices_server::{Invoices, InvoicesServer};
use lnrpc::invoicesrpc as irpc;
use lnrpc::lnrpc as pb;
use lnrpc::routerrpc as rrpc;
use lnrpc::verrpc::versioner_server::{Versioner, VersionerServer};
use lnrpc::walletrpc as wrpc;
use pb::lightning_server::{Lightning, LightningServer};
use pb::state_server::{State, StateServer};
use pb::wallet_unlocker_server::{WalletUnlocker, WalletUnlockerServer};
use rrpc::router_server::{Router, RouterServer};
use tonic::{Request, Response, Status};
use wrpc::wallet_kit_server::{WalletKit, WalletKitServer};

use super::{NodeRpc, RpcStream};

#[derive(Clone)]
pub struct Services(pub Arc<NodeRpc>);

/// Every lnd service devnode implements, as one router for the gRPC and gRPC-web listeners.
/// Calls to anything else are answered as grpc-go answers them (clients such as the npm
/// `lightning` library detect missing sub-servers and methods by these messages).
pub fn grpc_routes(rpc: Arc<NodeRpc>) -> axum::Router {
    services(Arc::clone(&rpc))
        .into_axum_router()
        .fallback(|| async { unimplemented_status() })
        .layer(axum::middleware::from_fn_with_state(rpc, unserved))
        .layer(axum::middleware::from_fn(name_unimplemented))
        .layer(axum::middleware::from_fn(caller))
}

/// The connection's address as metadata, as lnd's interceptors read the gRPC peer
/// (`ipaddr` caveats); a client's own value under that key never gets through.
async fn caller(mut req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    req.headers_mut().remove(super::PEER_KEY);
    if let Some(super::Peer(ip)) = req.extensions().get::<super::Peer>().copied()
        && let Ok(value) = http::HeaderValue::from_str(&ip.to_string())
    {
        req.headers_mut().insert(super::PEER_KEY, value);
    }
    next.run(req).await
}

/// What this node does not serve is answered as if it were not compiled in.
async fn unserved(
    axum::extract::State(rpc): axum::extract::State<Arc<NodeRpc>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match rpc.serves(req.uri().path()) {
        Ok(()) => next.run(req).await,
        Err(status) => {
            let mut resp = unimplemented_status();
            resp.headers_mut().insert("grpc-message", grpc_message(status.message()));
            resp
        }
    }
}

/// A trailers-only Unimplemented status (code 12).
fn unimplemented_status() -> http::Response<axum::body::Body> {
    http::Response::builder().header("content-type", "application/grpc").header("grpc-status", "12").body(axum::body::Body::empty()).expect("valid response")
}

/// grpc-go's wording for an unknown service or method, added to tonic's bare code 12
/// (devnode's own RPCs never answer Unimplemented).
async fn name_unimplemented(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let path = req.uri().path().trim_start_matches('/').to_string();
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    if headers.get("grpc-status").is_some_and(|s| s == "12") && !headers.contains_key("grpc-message") {
        let (service, method) = path.split_once('/').unwrap_or((&path, ""));
        let known = super::ALL.iter().any(|rpc| rpc.name.trim_start_matches('/').split('/').next() == Some(service));
        let message = if known { format!("unknown method {method} for service {service}") } else { format!("unknown service {service}") };
        headers.insert("grpc-message", grpc_message(&message));
    }
    resp
}

/// A grpc-message as grpc-go writes it: percent-encoding only what is not printable ASCII
/// (tonic also encodes spaces).
fn grpc_message(message: &str) -> http::HeaderValue {
    let encoded: String = message.bytes().map(|b| if (0x20..0x7f).contains(&b) && b != b'%' { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    http::HeaderValue::from_str(&encoded).expect("ascii")
}

fn services(rpc: Arc<NodeRpc>) -> tonic::service::Routes {
    let s = Services(rpc);
    tonic::service::Routes::new(LightningServer::new(s.clone()))
        .add_service(WalletUnlockerServer::new(s.clone()))
        .add_service(WalletKitServer::new(s.clone()))
        .add_service(VersionerServer::new(s.clone()))
        .add_service(RouterServer::new(s.clone()))
        .add_service(InvoicesServer::new(s.clone()))
        .add_service(StateServer::new(s))
}

#[tonic::async_trait]
impl Versioner for Services {
    async fn get_version(&self, req: Request<lnrpc::verrpc::VersionRequest>) -> Result<Response<lnrpc::verrpc::Version>, Status> {
        self.0.get_version(req.metadata(), *req.get_ref()).map(Response::new)
    }
}

#[tonic::async_trait]
impl Router for Services {
    type SendPaymentV2Stream = RpcStream<pb::Payment>;
    type TrackPaymentV2Stream = RpcStream<pb::Payment>;
    type SubscribeHtlcEventsStream = RpcStream<rrpc::HtlcEvent>;

    async fn send_payment_v2(&self, req: Request<rrpc::SendPaymentRequest>) -> Result<Response<Self::SendPaymentV2Stream>, Status> {
        self.0.send_payment_v2(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn track_payment_v2(&self, req: Request<rrpc::TrackPaymentRequest>) -> Result<Response<Self::TrackPaymentV2Stream>, Status> {
        self.0.track_payment_v2(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn send_to_route_v2(&self, req: Request<rrpc::SendToRouteRequest>) -> Result<Response<pb::HtlcAttempt>, Status> {
        let (md, _, msg) = req.into_parts();
        self.0.send_to_route_v2(md, msg).await.map(Response::new)
    }

    async fn build_route(&self, req: Request<rrpc::BuildRouteRequest>) -> Result<Response<rrpc::BuildRouteResponse>, Status> {
        self.0.build_route(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn subscribe_htlc_events(&self, req: Request<rrpc::SubscribeHtlcEventsRequest>) -> Result<Response<Self::SubscribeHtlcEventsStream>, Status> {
        self.0.subscribe_htlc_events(req.metadata(), *req.get_ref()).map(Response::new)
    }
}

#[tonic::async_trait]
impl Invoices for Services {
    type SubscribeSingleInvoiceStream = RpcStream<pb::Invoice>;

    async fn subscribe_single_invoice(
        &self,
        req: Request<irpc::SubscribeSingleInvoiceRequest>,
    ) -> Result<Response<Self::SubscribeSingleInvoiceStream>, Status> {
        self.0.subscribe_single_invoice(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn cancel_invoice(&self, req: Request<irpc::CancelInvoiceMsg>) -> Result<Response<irpc::CancelInvoiceResp>, Status> {
        self.0.cancel_invoice(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn add_hold_invoice(&self, req: Request<irpc::AddHoldInvoiceRequest>) -> Result<Response<irpc::AddHoldInvoiceResp>, Status> {
        self.0.add_hold_invoice(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn settle_invoice(&self, req: Request<irpc::SettleInvoiceMsg>) -> Result<Response<irpc::SettleInvoiceResp>, Status> {
        self.0.settle_invoice(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn lookup_invoice_v2(&self, req: Request<irpc::LookupInvoiceMsg>) -> Result<Response<pb::Invoice>, Status> {
        self.0.lookup_invoice_v2(req.metadata(), req.get_ref().clone()).map(Response::new)
    }
}

#[tonic::async_trait]
impl WalletKit for Services {
    async fn list_accounts(&self, req: Request<wrpc::ListAccountsRequest>) -> Result<Response<wrpc::ListAccountsResponse>, Status> {
        self.0.list_accounts(req.metadata(), req.get_ref().clone()).map(Response::new)
    }
}

#[tonic::async_trait]
impl State for Services {
    type SubscribeStateStream = RpcStream<pb::SubscribeStateResponse>;

    async fn subscribe_state(&self, req: Request<pb::SubscribeStateRequest>) -> Result<Response<Self::SubscribeStateStream>, Status> {
        self.0.subscribe_state(req.metadata()).map(Response::new)
    }

    async fn get_state(&self, req: Request<pb::GetStateRequest>) -> Result<Response<pb::GetStateResponse>, Status> {
        self.0.get_state(req.metadata()).map(Response::new)
    }
}

#[tonic::async_trait]
impl WalletUnlocker for Services {
    async fn gen_seed(&self, req: Request<pb::GenSeedRequest>) -> Result<Response<pb::GenSeedResponse>, Status> {
        let (md, _, msg) = req.into_parts();
        self.0.gen_seed(md, msg).await.map(Response::new)
    }

    async fn init_wallet(&self, req: Request<pb::InitWalletRequest>) -> Result<Response<pb::InitWalletResponse>, Status> {
        let (md, _, msg) = req.into_parts();
        self.0.init_wallet(md, msg).await.map(Response::new)
    }

    async fn unlock_wallet(&self, req: Request<pb::UnlockWalletRequest>) -> Result<Response<pb::UnlockWalletResponse>, Status> {
        let (md, _, msg) = req.into_parts();
        self.0.unlock_wallet(md, msg).await.map(Response::new)
    }

    async fn change_password(&self, req: Request<pb::ChangePasswordRequest>) -> Result<Response<pb::ChangePasswordResponse>, Status> {
        let (md, _, msg) = req.into_parts();
        self.0.change_password(md, msg).await.map(Response::new)
    }
}

#[tonic::async_trait]
impl Lightning for Services {
    type SubscribeTransactionsStream = RpcStream<pb::Transaction>;
    type SubscribePeerEventsStream = RpcStream<pb::PeerEvent>;
    type SubscribeChannelEventsStream = RpcStream<pb::ChannelEventUpdate>;
    type OpenChannelStream = RpcStream<pb::OpenStatusUpdate>;
    type CloseChannelStream = RpcStream<pb::CloseStatusUpdate>;
    type SubscribeInvoicesStream = RpcStream<pb::Invoice>;
    type SubscribeChannelBackupsStream = RpcStream<pb::ChanBackupSnapshot>;
    type SubscribeChannelGraphStream = RpcStream<pb::GraphTopologyUpdate>;

    async fn describe_graph(&self, req: Request<pb::ChannelGraphRequest>) -> Result<Response<pb::ChannelGraph>, Status> {
        self.0.describe_graph(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn get_chan_info(&self, req: Request<pb::ChanInfoRequest>) -> Result<Response<pb::ChannelEdge>, Status> {
        self.0.get_chan_info(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn get_network_info(&self, req: Request<pb::NetworkInfoRequest>) -> Result<Response<pb::NetworkInfo>, Status> {
        self.0.get_network_info(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn subscribe_channel_graph(&self, req: Request<pb::GraphTopologySubscription>) -> Result<Response<Self::SubscribeChannelGraphStream>, Status> {
        self.0.subscribe_channel_graph(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn update_channel_policy(&self, req: Request<pb::PolicyUpdateRequest>) -> Result<Response<pb::PolicyUpdateResponse>, Status> {
        self.0.update_channel_policy(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn fee_report(&self, req: Request<pb::FeeReportRequest>) -> Result<Response<pb::FeeReportResponse>, Status> {
        self.0.fee_report(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn forwarding_history(&self, req: Request<pb::ForwardingHistoryRequest>) -> Result<Response<pb::ForwardingHistoryResponse>, Status> {
        self.0.forwarding_history(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn list_macaroon_i_ds(&self, req: Request<pb::ListMacaroonIDsRequest>) -> Result<Response<pb::ListMacaroonIDsResponse>, Status> {
        self.0.list_macaroon_ids(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn delete_macaroon_id(&self, req: Request<pb::DeleteMacaroonIdRequest>) -> Result<Response<pb::DeleteMacaroonIdResponse>, Status> {
        self.0.delete_macaroon_id(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn export_channel_backup(&self, req: Request<pb::ExportChannelBackupRequest>) -> Result<Response<pb::ChannelBackup>, Status> {
        self.0.export_channel_backup(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn export_all_channel_backups(&self, req: Request<pb::ChanBackupExportRequest>) -> Result<Response<pb::ChanBackupSnapshot>, Status> {
        self.0.export_all_channel_backups(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn verify_chan_backup(&self, req: Request<pb::ChanBackupSnapshot>) -> Result<Response<pb::VerifyChanBackupResponse>, Status> {
        self.0.verify_chan_backup(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn restore_channel_backups(&self, req: Request<pb::RestoreChanBackupRequest>) -> Result<Response<pb::RestoreBackupResponse>, Status> {
        self.0.restore_channel_backups(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn subscribe_channel_backups(&self, req: Request<pb::ChannelBackupSubscription>) -> Result<Response<Self::SubscribeChannelBackupsStream>, Status> {
        self.0.subscribe_channel_backups(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn send_payment_sync(&self, req: Request<pb::SendRequest>) -> Result<Response<pb::SendResponse>, Status> {
        let (md, _, msg) = req.into_parts();
        self.0.send_payment_sync(md, msg).await.map(Response::new)
    }

    async fn send_to_route_sync(&self, req: Request<pb::SendToRouteRequest>) -> Result<Response<pb::SendResponse>, Status> {
        let (md, _, msg) = req.into_parts();
        self.0.send_to_route_sync(md, msg).await.map(Response::new)
    }

    async fn add_invoice(&self, req: Request<pb::Invoice>) -> Result<Response<pb::AddInvoiceResponse>, Status> {
        self.0.add_invoice(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn list_invoices(&self, req: Request<pb::ListInvoiceRequest>) -> Result<Response<pb::ListInvoiceResponse>, Status> {
        self.0.list_invoices(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn lookup_invoice(&self, req: Request<pb::PaymentHash>) -> Result<Response<pb::Invoice>, Status> {
        self.0.lookup_invoice(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn subscribe_invoices(&self, req: Request<pb::InvoiceSubscription>) -> Result<Response<Self::SubscribeInvoicesStream>, Status> {
        self.0.subscribe_invoices(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn decode_pay_req(&self, req: Request<pb::PayReqString>) -> Result<Response<pb::PayReq>, Status> {
        self.0.decode_pay_req(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn list_payments(&self, req: Request<pb::ListPaymentsRequest>) -> Result<Response<pb::ListPaymentsResponse>, Status> {
        self.0.list_payments(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn get_node_info(&self, req: Request<pb::NodeInfoRequest>) -> Result<Response<pb::NodeInfo>, Status> {
        self.0.get_node_info(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn query_routes(&self, req: Request<pb::QueryRoutesRequest>) -> Result<Response<pb::QueryRoutesResponse>, Status> {
        self.0.query_routes(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn open_channel_sync(&self, req: Request<pb::OpenChannelRequest>) -> Result<Response<pb::ChannelPoint>, Status> {
        self.0.open_channel_sync(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn open_channel(&self, req: Request<pb::OpenChannelRequest>) -> Result<Response<Self::OpenChannelStream>, Status> {
        self.0.open_channel(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn close_channel(&self, req: Request<pb::CloseChannelRequest>) -> Result<Response<Self::CloseChannelStream>, Status> {
        self.0.close_channel(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn list_channels(&self, req: Request<pb::ListChannelsRequest>) -> Result<Response<pb::ListChannelsResponse>, Status> {
        self.0.list_channels(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn pending_channels(&self, req: Request<pb::PendingChannelsRequest>) -> Result<Response<pb::PendingChannelsResponse>, Status> {
        self.0.pending_channels(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn closed_channels(&self, req: Request<pb::ClosedChannelsRequest>) -> Result<Response<pb::ClosedChannelsResponse>, Status> {
        self.0.closed_channels(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn channel_balance(&self, req: Request<pb::ChannelBalanceRequest>) -> Result<Response<pb::ChannelBalanceResponse>, Status> {
        self.0.channel_balance(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn subscribe_channel_events(&self, req: Request<pb::ChannelEventSubscription>) -> Result<Response<Self::SubscribeChannelEventsStream>, Status> {
        self.0.subscribe_channel_events(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn sign_message(&self, req: Request<pb::SignMessageRequest>) -> Result<Response<pb::SignMessageResponse>, Status> {
        self.0.sign_message(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn verify_message(&self, req: Request<pb::VerifyMessageRequest>) -> Result<Response<pb::VerifyMessageResponse>, Status> {
        self.0.verify_message(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn bake_macaroon(&self, req: Request<pb::BakeMacaroonRequest>) -> Result<Response<pb::BakeMacaroonResponse>, Status> {
        self.0.bake_macaroon(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn list_permissions(&self, req: Request<pb::ListPermissionsRequest>) -> Result<Response<pb::ListPermissionsResponse>, Status> {
        self.0.list_permissions(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn check_macaroon_permissions(&self, req: Request<pb::CheckMacPermRequest>) -> Result<Response<pb::CheckMacPermResponse>, Status> {
        self.0.check_macaroon_permissions(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn connect_peer(&self, req: Request<pb::ConnectPeerRequest>) -> Result<Response<pb::ConnectPeerResponse>, Status> {
        self.0.connect_peer(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn disconnect_peer(&self, req: Request<pb::DisconnectPeerRequest>) -> Result<Response<pb::DisconnectPeerResponse>, Status> {
        self.0.disconnect_peer(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn list_peers(&self, req: Request<pb::ListPeersRequest>) -> Result<Response<pb::ListPeersResponse>, Status> {
        self.0.list_peers(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn subscribe_peer_events(&self, req: Request<pb::PeerEventSubscription>) -> Result<Response<Self::SubscribePeerEventsStream>, Status> {
        self.0.subscribe_peer_events(req.metadata(), *req.get_ref()).map(Response::new)
    }

    async fn get_info(&self, req: Request<pb::GetInfoRequest>) -> Result<Response<pb::GetInfoResponse>, Status> {
        self.0.get_info(req.metadata()).map(Response::new)
    }

    async fn wallet_balance(&self, req: Request<pb::WalletBalanceRequest>) -> Result<Response<pb::WalletBalanceResponse>, Status> {
        self.0.wallet_balance(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn get_transactions(&self, req: Request<pb::GetTransactionsRequest>) -> Result<Response<pb::TransactionDetails>, Status> {
        self.0.get_transactions(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn estimate_fee(&self, req: Request<pb::EstimateFeeRequest>) -> Result<Response<pb::EstimateFeeResponse>, Status> {
        self.0.estimate_fee(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn send_coins(&self, req: Request<pb::SendCoinsRequest>) -> Result<Response<pb::SendCoinsResponse>, Status> {
        self.0.send_coins(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn list_unspent(&self, req: Request<pb::ListUnspentRequest>) -> Result<Response<pb::ListUnspentResponse>, Status> {
        self.0.list_unspent(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn subscribe_transactions(&self, req: Request<pb::GetTransactionsRequest>) -> Result<Response<Self::SubscribeTransactionsStream>, Status> {
        self.0.subscribe_transactions(req.metadata(), req.get_ref().clone()).map(Response::new)
    }

    async fn new_address(&self, req: Request<pb::NewAddressRequest>) -> Result<Response<pb::NewAddressResponse>, Status> {
        self.0.new_address(req.metadata(), req.get_ref().clone()).map(Response::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    async fn status_of(path: &str) -> (String, String) {
        status_on(Default::default(), &[], path).await
    }

    async fn status_on(lnd: crate::rpc::LndVersion, unserved: &[&str], path: &str) -> (String, String) {
        let dir = tempfile::tempdir().unwrap();
        let node = world::node::Node::start("t".into(), "#000000".into(), None);
        let unserved = unserved.iter().map(|s| s.to_string()).collect();
        let settings = crate::rpc::NodeSettings {
            p2p_host: "127.0.0.1".into(),
            p2p_port: 9735,
            startup_step: std::time::Duration::from_millis(1),
            lnd,
            unserved,
            no_macaroons: false,
            announced_host: None,
        };
        let ledger = crate::ledger::Ledger::open(dir.path().join("chain.json")).unwrap();
        let rpc = NodeRpc::new(node, ledger, Default::default(), crate::store::NodeDir::new(dir.path().into()), settings);
        let req = http::Request::builder().method("POST").uri(path).header("content-type", "application/grpc").body(axum::body::Body::empty()).unwrap();
        let resp = grpc_routes(rpc).oneshot(req).await.unwrap();
        let h = |k: &str| resp.headers().get(k).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        (h("grpc-status"), h("grpc-message"))
    }

    #[tokio::test]
    async fn unknown_services_and_methods_answer_as_grpc_go() {
        assert_eq!(status_of("/chainrpc.ChainNotifier/RegisterBlockEpochNtfn").await, ("12".into(), "unknown service chainrpc.ChainNotifier".into()));
        assert_eq!(status_of("/lnrpc.Lightning/AbandonChannel").await, ("12".into(), "unknown method AbandonChannel for service lnrpc.Lightning".into()));
    }

    /// What a node leaves out is not there at all: not even its state or macaroon check runs.
    #[tokio::test]
    async fn unserved_services_and_methods_are_unknown() {
        use crate::rpc::LndVersion::{V0_20, V0_21};
        let unknown = |m: &str| ("12".to_string(), m.to_string());
        assert_eq!(status_on(V0_21, &[], "/lnrpc.Lightning/SendPaymentSync").await, unknown("unknown method SendPaymentSync for service lnrpc.Lightning"));
        assert_eq!(status_on(V0_21, &[], "/lnrpc.Lightning/SendToRouteSync").await, unknown("unknown method SendToRouteSync for service lnrpc.Lightning"));
        let without_router = ["routerrpc.Router"];
        assert_eq!(status_on(V0_20, &without_router, "/routerrpc.Router/SendPaymentV2").await, unknown("unknown service routerrpc.Router"));
        let without_stream = ["lnrpc.Lightning.OpenChannel"];
        assert_eq!(status_on(V0_20, &without_stream, "/lnrpc.Lightning/OpenChannel").await, unknown("unknown method OpenChannel for service lnrpc.Lightning"));
        assert_ne!(status_on(V0_20, &without_stream, "/lnrpc.Lightning/OpenChannelSync").await.0, "12", "the sync call is served");
        assert_ne!(status_on(V0_20, &[], "/lnrpc.Lightning/SendPaymentSync").await.0, "12", "0.20 has it");
    }
}
