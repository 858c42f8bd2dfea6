//! gRPC-web (Lightning Terminal, Envoy, grpcwebproxy in front of lnd) through
//! tonic-web-wasm-client, with the macaroon in the `macaroon` metadata as lnd expects.

use futures::StreamExt;
use lnrpc::invoicesrpc::{self as irpc, invoices_client::InvoicesClient};
use lnrpc::lnrpc as pb;
use lnrpc::routerrpc::{self as rrpc, router_client::RouterClient};
use pb::lightning_client::LightningClient;
use pb::state_client::StateClient;
use pb::wallet_unlocker_client::WalletUnlockerClient;
use tonic::metadata::MetadataValue;
use tonic_web_wasm_client::Client;
use tonic_web_wasm_client::options::{FetchOptions, Redirect};

use super::{LndError, LndStream, diagnose};

#[derive(Clone)]
pub struct GrpcWeb {
    base: String,
    macaroon_hex: Option<String>,
}

impl GrpcWeb {
    pub fn new(base: String, macaroon_hex: Option<String>) -> Self {
        GrpcWeb { base, macaroon_hex }
    }

    /// A redirect would carry the macaroon to wherever it points: refused, as for REST.
    fn client(&self) -> Client {
        Client::new_with_options(self.base.clone(), FetchOptions::new().redirect(Redirect::Error))
    }

    fn request<T>(&self, msg: T) -> Result<tonic::Request<T>, LndError> {
        let mut req = tonic::Request::new(msg);
        if let Some(mac) = &self.macaroon_hex {
            let value = MetadataValue::try_from(mac.as_str()).map_err(|_| LndError::Input("The macaroon is not valid hex".into()))?;
            req.metadata_mut().insert("macaroon", value);
        }
        Ok(req)
    }

    /// A failed fetch() arrives as code Unknown "JS API error: TypeError: Failed to fetch";
    /// anything else is the node's (or the proxy's) own status.
    async fn error(&self, s: tonic::Status) -> LndError {
        if s.code() == tonic::Code::Unknown && s.message().starts_with("JS API error") {
            diagnose(&self.base, "/").await
        } else {
            LndError::from_node(s.code() as i32, s.message())
        }
    }

    /// One unary call: the macaroon added, failures turned into words.
    async fn unary<Req, T, Fut>(&self, msg: Req, call: impl FnOnce(Client, tonic::Request<Req>) -> Fut) -> Result<T, LndError>
    where
        Fut: std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        match call(self.client(), self.request(msg)?).await {
            Ok(resp) => Ok(resp.into_inner()),
            Err(s) => Err(self.error(s).await),
        }
    }

    /// One server stream; a failure to open it is the stream's only item.
    fn stream<Req: 'static, T: 'static, Fut>(&self, msg: Req, call: impl FnOnce(Client, tonic::Request<Req>) -> Fut + 'static) -> LndStream<T>
    where
        Fut: std::future::Future<Output = Result<tonic::Response<tonic::Streaming<T>>, tonic::Status>> + 'static,
    {
        let this = self.clone();
        let opened = futures::stream::once(async move { this.unary(msg, call).await });
        Box::pin(opened.flat_map(|r| {
            match r {
                Ok(stream) => stream
                    .map(|item| {
                        item.map_err(|s| {
                            if s.message().starts_with("JS API error") { LndError::Disconnected } else { LndError::from_node(s.code() as i32, s.message()) }
                        })
                    })
                    .boxed_local(),
                Err(e) => futures::stream::iter(vec![Err(e)]).boxed_local(),
            }
        }))
    }

    pub async fn get_state(&self) -> Result<pb::GetStateResponse, LndError> {
        self.unary(pb::GetStateRequest {}, |c, r| async move { StateClient::new(c).get_state(r).await }).await
    }

    pub fn subscribe_state(&self) -> LndStream<pb::SubscribeStateResponse> {
        self.stream(pb::SubscribeStateRequest {}, |c, r| async move { StateClient::new(c).subscribe_state(r).await })
    }

    pub async fn gen_seed(&self, req: pb::GenSeedRequest) -> Result<pb::GenSeedResponse, LndError> {
        self.unary(req, |c, r| async move { WalletUnlockerClient::new(c).gen_seed(r).await }).await
    }

    pub async fn init_wallet(&self, req: pb::InitWalletRequest) -> Result<pb::InitWalletResponse, LndError> {
        self.unary(req, |c, r| async move { WalletUnlockerClient::new(c).init_wallet(r).await }).await
    }

    pub async fn change_password(&self, req: pb::ChangePasswordRequest) -> Result<pb::ChangePasswordResponse, LndError> {
        self.unary(req, |c, r| async move { WalletUnlockerClient::new(c).change_password(r).await }).await
    }

    pub async fn unlock_wallet(&self, req: pb::UnlockWalletRequest) -> Result<pb::UnlockWalletResponse, LndError> {
        self.unary(req, |c, r| async move { WalletUnlockerClient::new(c).unlock_wallet(r).await }).await
    }

    pub async fn get_info(&self) -> Result<pb::GetInfoResponse, LndError> {
        self.unary(pb::GetInfoRequest {}, |c, r| async move { LightningClient::new(c).get_info(r).await }).await
    }

    pub async fn new_address(&self, req: pb::NewAddressRequest) -> Result<pb::NewAddressResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).new_address(r).await }).await
    }

    pub async fn wallet_balance(&self) -> Result<pb::WalletBalanceResponse, LndError> {
        self.unary(pb::WalletBalanceRequest::default(), |c, r| async move { LightningClient::new(c).wallet_balance(r).await }).await
    }

    pub async fn send_coins(&self, req: pb::SendCoinsRequest) -> Result<pb::SendCoinsResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).send_coins(r).await }).await
    }

    pub async fn list_unspent(&self, req: pb::ListUnspentRequest) -> Result<pb::ListUnspentResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).list_unspent(r).await }).await
    }

    pub async fn get_transactions(&self) -> Result<pb::TransactionDetails, LndError> {
        self.unary(pb::GetTransactionsRequest::default(), |c, r| async move { LightningClient::new(c).get_transactions(r).await }).await
    }

    pub fn subscribe_transactions(&self) -> LndStream<pb::Transaction> {
        self.stream(pb::GetTransactionsRequest::default(), |c, r| async move { LightningClient::new(c).subscribe_transactions(r).await })
    }

    pub async fn connect_peer(&self, req: pb::ConnectPeerRequest) -> Result<pb::ConnectPeerResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).connect_peer(r).await }).await
    }

    pub async fn list_peers(&self) -> Result<pb::ListPeersResponse, LndError> {
        self.unary(pb::ListPeersRequest::default(), |c, r| async move { LightningClient::new(c).list_peers(r).await }).await
    }

    pub async fn disconnect_peer(&self, req: pb::DisconnectPeerRequest) -> Result<pb::DisconnectPeerResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).disconnect_peer(r).await }).await
    }

    pub fn subscribe_peer_events(&self) -> LndStream<pb::PeerEvent> {
        self.stream(pb::PeerEventSubscription {}, |c, r| async move { LightningClient::new(c).subscribe_peer_events(r).await })
    }

    pub async fn estimate_fee(&self, req: pb::EstimateFeeRequest) -> Result<pb::EstimateFeeResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).estimate_fee(r).await }).await
    }

    pub async fn channel_balance(&self) -> Result<pb::ChannelBalanceResponse, LndError> {
        self.unary(pb::ChannelBalanceRequest {}, |c, r| async move { LightningClient::new(c).channel_balance(r).await }).await
    }

    pub async fn list_channels(&self) -> Result<pb::ListChannelsResponse, LndError> {
        let req = pb::ListChannelsRequest { peer_alias_lookup: true, ..Default::default() };
        self.unary(req, |c, r| async move { LightningClient::new(c).list_channels(r).await }).await
    }

    pub async fn pending_channels(&self) -> Result<pb::PendingChannelsResponse, LndError> {
        self.unary(pb::PendingChannelsRequest::default(), |c, r| async move { LightningClient::new(c).pending_channels(r).await }).await
    }

    pub async fn closed_channels(&self) -> Result<pb::ClosedChannelsResponse, LndError> {
        self.unary(pb::ClosedChannelsRequest::default(), |c, r| async move { LightningClient::new(c).closed_channels(r).await }).await
    }

    pub fn subscribe_channel_events(&self) -> LndStream<pb::ChannelEventUpdate> {
        self.stream(pb::ChannelEventSubscription {}, |c, r| async move { LightningClient::new(c).subscribe_channel_events(r).await })
    }

    pub fn open_channel(&self, req: pb::OpenChannelRequest) -> LndStream<pb::OpenStatusUpdate> {
        self.stream(req, |c, r| async move { LightningClient::new(c).open_channel(r).await })
    }

    pub async fn fee_report(&self) -> Result<pb::FeeReportResponse, LndError> {
        self.unary(pb::FeeReportRequest {}, |c, r| async move { LightningClient::new(c).fee_report(r).await }).await
    }

    pub async fn sign_message(&self, req: pb::SignMessageRequest) -> Result<pb::SignMessageResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).sign_message(r).await }).await
    }

    pub async fn verify_message(&self, req: pb::VerifyMessageRequest) -> Result<pb::VerifyMessageResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).verify_message(r).await }).await
    }

    pub async fn update_channel_policy(&self, req: pb::PolicyUpdateRequest) -> Result<pb::PolicyUpdateResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).update_channel_policy(r).await }).await
    }

    pub async fn forwarding_history(&self, req: pb::ForwardingHistoryRequest) -> Result<pb::ForwardingHistoryResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).forwarding_history(r).await }).await
    }

    pub async fn open_channel_sync(&self, req: pb::OpenChannelRequest) -> Result<pb::ChannelPoint, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).open_channel_sync(r).await }).await
    }

    pub async fn send_payment_sync(&self, req: pb::SendRequest) -> Result<pb::SendResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).send_payment_sync(r).await }).await
    }

    pub async fn send_to_route_sync(&self, req: pb::SendToRouteRequest) -> Result<pb::SendResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).send_to_route_sync(r).await }).await
    }

    pub fn close_channel(&self, req: pb::CloseChannelRequest) -> LndStream<pb::CloseStatusUpdate> {
        self.stream(req, |c, r| async move { LightningClient::new(c).close_channel(r).await })
    }

    pub async fn add_invoice(&self, req: pb::Invoice) -> Result<pb::AddInvoiceResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).add_invoice(r).await }).await
    }

    pub async fn lookup_invoice(&self, req: pb::PaymentHash) -> Result<pb::Invoice, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).lookup_invoice(r).await }).await
    }

    pub async fn list_invoices(&self, req: pb::ListInvoiceRequest) -> Result<pb::ListInvoiceResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).list_invoices(r).await }).await
    }

    pub fn subscribe_invoices(&self, req: pb::InvoiceSubscription) -> LndStream<pb::Invoice> {
        self.stream(req, |c, r| async move { LightningClient::new(c).subscribe_invoices(r).await })
    }

    pub async fn decode_pay_req(&self, req: pb::PayReqString) -> Result<pb::PayReq, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).decode_pay_req(r).await }).await
    }

    pub async fn list_payments(&self, req: pb::ListPaymentsRequest) -> Result<pb::ListPaymentsResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).list_payments(r).await }).await
    }

    pub async fn query_routes(&self, req: pb::QueryRoutesRequest) -> Result<pb::QueryRoutesResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).query_routes(r).await }).await
    }

    pub fn send_payment_v2(&self, req: rrpc::SendPaymentRequest) -> LndStream<pb::Payment> {
        self.stream(req, |c, r| async move { RouterClient::new(c).send_payment_v2(r).await })
    }

    pub fn subscribe_htlc_events(&self) -> LndStream<rrpc::HtlcEvent> {
        self.stream(rrpc::SubscribeHtlcEventsRequest {}, |c, r| async move { RouterClient::new(c).subscribe_htlc_events(r).await })
    }

    pub fn track_payment_v2(&self, req: rrpc::TrackPaymentRequest) -> LndStream<pb::Payment> {
        self.stream(req, |c, r| async move { RouterClient::new(c).track_payment_v2(r).await })
    }

    pub async fn send_to_route_v2(&self, req: rrpc::SendToRouteRequest) -> Result<pb::HtlcAttempt, LndError> {
        self.unary(req, |c, r| async move { RouterClient::new(c).send_to_route_v2(r).await }).await
    }

    pub async fn add_hold_invoice(&self, req: irpc::AddHoldInvoiceRequest) -> Result<irpc::AddHoldInvoiceResp, LndError> {
        self.unary(req, |c, r| async move { InvoicesClient::new(c).add_hold_invoice(r).await }).await
    }

    pub async fn settle_invoice(&self, req: irpc::SettleInvoiceMsg) -> Result<irpc::SettleInvoiceResp, LndError> {
        self.unary(req, |c, r| async move { InvoicesClient::new(c).settle_invoice(r).await }).await
    }

    pub async fn cancel_invoice(&self, req: irpc::CancelInvoiceMsg) -> Result<irpc::CancelInvoiceResp, LndError> {
        self.unary(req, |c, r| async move { InvoicesClient::new(c).cancel_invoice(r).await }).await
    }

    pub fn subscribe_single_invoice(&self, req: irpc::SubscribeSingleInvoiceRequest) -> LndStream<pb::Invoice> {
        self.stream(req, |c, r| async move { InvoicesClient::new(c).subscribe_single_invoice(r).await })
    }

    pub async fn export_all_channel_backups(&self) -> Result<pb::ChanBackupSnapshot, LndError> {
        self.unary(pb::ChanBackupExportRequest {}, |c, r| async move { LightningClient::new(c).export_all_channel_backups(r).await }).await
    }

    pub async fn verify_chan_backup(&self, req: pb::ChanBackupSnapshot) -> Result<pb::VerifyChanBackupResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).verify_chan_backup(r).await }).await
    }

    pub async fn restore_channel_backups(&self, req: pb::RestoreChanBackupRequest) -> Result<pb::RestoreBackupResponse, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).restore_channel_backups(r).await }).await
    }

    pub fn subscribe_channel_backups(&self) -> LndStream<pb::ChanBackupSnapshot> {
        self.stream(pb::ChannelBackupSubscription {}, |c, r| async move { LightningClient::new(c).subscribe_channel_backups(r).await })
    }

    pub async fn get_network_info(&self) -> Result<pb::NetworkInfo, LndError> {
        self.unary(pb::NetworkInfoRequest {}, |c, r| async move { LightningClient::new(c).get_network_info(r).await }).await
    }

    pub async fn get_node_info(&self, req: pb::NodeInfoRequest) -> Result<pb::NodeInfo, LndError> {
        self.unary(req, |c, r| async move { LightningClient::new(c).get_node_info(r).await }).await
    }
}
