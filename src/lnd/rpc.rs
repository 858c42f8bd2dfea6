//! One description of each lnd RPC the app makes: its gRPC path and its REST binding, typed
//! by request and answer. Both transports read the same entry (`Lnd::unary`, `Lnd::stream`),
//! so a call is written once; a test checks every entry against lnd's own descriptors.

use std::marker::PhantomData;

use lnrpc::{invoicesrpc as irpc, lnrpc as pb, routerrpc as rrpc};

use super::rest::routes::{self, Call};

/// One RPC. `Req` and `Resp` are the messages lnd's proto names for it.
pub struct Rpc<Req, Resp> {
    /// `/package.Service/Method`, the path gRPC (and gRPC-web) posts to.
    pub path: &'static str,
    /// lnd's REST binding, made from the request the way lnd's gateway reads it back.
    pub rest: fn(&Req) -> Call,
    types: PhantomData<fn(Req) -> Resp>,
}

impl<Req, Resp> Rpc<Req, Resp> {
    /// lnd's selector for this call (`lnrpc.Lightning.GetInfo`), as its REST rules name it.
    pub fn selector(&self) -> String {
        self.path.trim_start_matches('/').replace('/', ".")
    }
}

/// What a test needs of each entry, whatever its types.
#[cfg(test)]
pub(crate) struct Entry {
    pub path: &'static str,
    pub streams: bool,
    pub request: &'static str,
    pub answer: &'static str,
}

macro_rules! rpcs {
    ($($name:ident: $kind:ident $path:literal, $req:ty => $resp:ty, $rest:path;)*) => {
        $(pub const $name: Rpc<$req, $resp> = Rpc { path: $path, rest: $rest, types: PhantomData };)*

        #[cfg(test)]
        pub(crate) fn every() -> Vec<Entry> {
            vec![$(Entry {
                path: $path,
                streams: rpcs!(@streams $kind),
                request: std::any::type_name::<$req>(),
                answer: std::any::type_name::<$resp>(),
            }),*]
        }
    };
    (@streams unary) => { false };
    (@streams stream) => { true };
}

rpcs! {
    GET_STATE: unary "/lnrpc.State/GetState", pb::GetStateRequest => pb::GetStateResponse, routes::get_state;
    SUBSCRIBE_STATE: stream "/lnrpc.State/SubscribeState", pb::SubscribeStateRequest => pb::SubscribeStateResponse, routes::subscribe_state;
    GEN_SEED: unary "/lnrpc.WalletUnlocker/GenSeed", pb::GenSeedRequest => pb::GenSeedResponse, routes::gen_seed;
    INIT_WALLET: unary "/lnrpc.WalletUnlocker/InitWallet", pb::InitWalletRequest => pb::InitWalletResponse, routes::init_wallet;
    UNLOCK_WALLET: unary "/lnrpc.WalletUnlocker/UnlockWallet", pb::UnlockWalletRequest => pb::UnlockWalletResponse, routes::unlock_wallet;
    CHANGE_PASSWORD: unary "/lnrpc.WalletUnlocker/ChangePassword", pb::ChangePasswordRequest => pb::ChangePasswordResponse, routes::change_password;
    GET_INFO: unary "/lnrpc.Lightning/GetInfo", pb::GetInfoRequest => pb::GetInfoResponse, routes::get_info;
    NEW_ADDRESS: unary "/lnrpc.Lightning/NewAddress", pb::NewAddressRequest => pb::NewAddressResponse, routes::new_address;
    WALLET_BALANCE: unary "/lnrpc.Lightning/WalletBalance", pb::WalletBalanceRequest => pb::WalletBalanceResponse, routes::wallet_balance;
    SEND_COINS: unary "/lnrpc.Lightning/SendCoins", pb::SendCoinsRequest => pb::SendCoinsResponse, routes::send_coins;
    LIST_UNSPENT: unary "/lnrpc.Lightning/ListUnspent", pb::ListUnspentRequest => pb::ListUnspentResponse, routes::list_unspent;
    GET_TRANSACTIONS: unary "/lnrpc.Lightning/GetTransactions", pb::GetTransactionsRequest => pb::TransactionDetails, routes::get_transactions;
    SUBSCRIBE_TRANSACTIONS: stream "/lnrpc.Lightning/SubscribeTransactions", pb::GetTransactionsRequest => pb::Transaction, routes::subscribe_transactions;
    ESTIMATE_FEE: unary "/lnrpc.Lightning/EstimateFee", pb::EstimateFeeRequest => pb::EstimateFeeResponse, routes::estimate_fee;
    CONNECT_PEER: unary "/lnrpc.Lightning/ConnectPeer", pb::ConnectPeerRequest => pb::ConnectPeerResponse, routes::connect_peer;
    LIST_PEERS: unary "/lnrpc.Lightning/ListPeers", pb::ListPeersRequest => pb::ListPeersResponse, routes::list_peers;
    DISCONNECT_PEER: unary "/lnrpc.Lightning/DisconnectPeer", pb::DisconnectPeerRequest => pb::DisconnectPeerResponse, routes::disconnect_peer;
    SUBSCRIBE_PEER_EVENTS: stream "/lnrpc.Lightning/SubscribePeerEvents", pb::PeerEventSubscription => pb::PeerEvent, routes::subscribe_peer_events;
    CHANNEL_BALANCE: unary "/lnrpc.Lightning/ChannelBalance", pb::ChannelBalanceRequest => pb::ChannelBalanceResponse, routes::channel_balance;
    LIST_CHANNELS: unary "/lnrpc.Lightning/ListChannels", pb::ListChannelsRequest => pb::ListChannelsResponse, routes::list_channels;
    PENDING_CHANNELS: unary "/lnrpc.Lightning/PendingChannels", pb::PendingChannelsRequest => pb::PendingChannelsResponse, routes::pending_channels;
    CLOSED_CHANNELS: unary "/lnrpc.Lightning/ClosedChannels", pb::ClosedChannelsRequest => pb::ClosedChannelsResponse, routes::closed_channels;
    SUBSCRIBE_CHANNEL_EVENTS: stream "/lnrpc.Lightning/SubscribeChannelEvents", pb::ChannelEventSubscription => pb::ChannelEventUpdate, routes::subscribe_channel_events;
    OPEN_CHANNEL: stream "/lnrpc.Lightning/OpenChannel", pb::OpenChannelRequest => pb::OpenStatusUpdate, routes::open_channel;
    OPEN_CHANNEL_SYNC: unary "/lnrpc.Lightning/OpenChannelSync", pb::OpenChannelRequest => pb::ChannelPoint, routes::open_channel_sync;
    CLOSE_CHANNEL: stream "/lnrpc.Lightning/CloseChannel", pb::CloseChannelRequest => pb::CloseStatusUpdate, routes::close_channel;
    FEE_REPORT: unary "/lnrpc.Lightning/FeeReport", pb::FeeReportRequest => pb::FeeReportResponse, routes::fee_report;
    UPDATE_CHANNEL_POLICY: unary "/lnrpc.Lightning/UpdateChannelPolicy", pb::PolicyUpdateRequest => pb::PolicyUpdateResponse, routes::update_channel_policy;
    FORWARDING_HISTORY: unary "/lnrpc.Lightning/ForwardingHistory", pb::ForwardingHistoryRequest => pb::ForwardingHistoryResponse, routes::forwarding_history;
    SIGN_MESSAGE: unary "/lnrpc.Lightning/SignMessage", pb::SignMessageRequest => pb::SignMessageResponse, routes::sign_message;
    VERIFY_MESSAGE: unary "/lnrpc.Lightning/VerifyMessage", pb::VerifyMessageRequest => pb::VerifyMessageResponse, routes::verify_message;
    ADD_INVOICE: unary "/lnrpc.Lightning/AddInvoice", pb::Invoice => pb::AddInvoiceResponse, routes::add_invoice;
    LOOKUP_INVOICE: unary "/lnrpc.Lightning/LookupInvoice", pb::PaymentHash => pb::Invoice, routes::lookup_invoice;
    LIST_INVOICES: unary "/lnrpc.Lightning/ListInvoices", pb::ListInvoiceRequest => pb::ListInvoiceResponse, routes::list_invoices;
    SUBSCRIBE_INVOICES: stream "/lnrpc.Lightning/SubscribeInvoices", pb::InvoiceSubscription => pb::Invoice, routes::subscribe_invoices;
    DECODE_PAY_REQ: unary "/lnrpc.Lightning/DecodePayReq", pb::PayReqString => pb::PayReq, routes::decode_pay_req;
    LIST_PAYMENTS: unary "/lnrpc.Lightning/ListPayments", pb::ListPaymentsRequest => pb::ListPaymentsResponse, routes::list_payments;
    QUERY_ROUTES: unary "/lnrpc.Lightning/QueryRoutes", pb::QueryRoutesRequest => pb::QueryRoutesResponse, routes::query_routes;
    SEND_PAYMENT_SYNC: unary "/lnrpc.Lightning/SendPaymentSync", pb::SendRequest => pb::SendResponse, routes::send_payment_sync;
    SEND_TO_ROUTE_SYNC: unary "/lnrpc.Lightning/SendToRouteSync", pb::SendToRouteRequest => pb::SendResponse, routes::send_to_route_sync;
    EXPORT_ALL_CHANNEL_BACKUPS: unary "/lnrpc.Lightning/ExportAllChannelBackups", pb::ChanBackupExportRequest => pb::ChanBackupSnapshot, routes::export_all_channel_backups;
    VERIFY_CHAN_BACKUP: unary "/lnrpc.Lightning/VerifyChanBackup", pb::ChanBackupSnapshot => pb::VerifyChanBackupResponse, routes::verify_chan_backup;
    RESTORE_CHANNEL_BACKUPS: unary "/lnrpc.Lightning/RestoreChannelBackups", pb::RestoreChanBackupRequest => pb::RestoreBackupResponse, routes::restore_channel_backups;
    SUBSCRIBE_CHANNEL_BACKUPS: stream "/lnrpc.Lightning/SubscribeChannelBackups", pb::ChannelBackupSubscription => pb::ChanBackupSnapshot, routes::subscribe_channel_backups;
    GET_NETWORK_INFO: unary "/lnrpc.Lightning/GetNetworkInfo", pb::NetworkInfoRequest => pb::NetworkInfo, routes::get_network_info;
    GET_NODE_INFO: unary "/lnrpc.Lightning/GetNodeInfo", pb::NodeInfoRequest => pb::NodeInfo, routes::get_node_info;
    SEND_PAYMENT_V2: stream "/routerrpc.Router/SendPaymentV2", rrpc::SendPaymentRequest => pb::Payment, routes::send_payment_v2;
    TRACK_PAYMENT_V2: stream "/routerrpc.Router/TrackPaymentV2", rrpc::TrackPaymentRequest => pb::Payment, routes::track_payment_v2;
    SEND_TO_ROUTE_V2: unary "/routerrpc.Router/SendToRouteV2", rrpc::SendToRouteRequest => pb::HtlcAttempt, routes::send_to_route_v2;
    SUBSCRIBE_HTLC_EVENTS: stream "/routerrpc.Router/SubscribeHtlcEvents", rrpc::SubscribeHtlcEventsRequest => rrpc::HtlcEvent, routes::subscribe_htlc_events;
    ADD_HOLD_INVOICE: unary "/invoicesrpc.Invoices/AddHoldInvoice", irpc::AddHoldInvoiceRequest => irpc::AddHoldInvoiceResp, routes::add_hold_invoice;
    SETTLE_INVOICE: unary "/invoicesrpc.Invoices/SettleInvoice", irpc::SettleInvoiceMsg => irpc::SettleInvoiceResp, routes::settle_invoice;
    CANCEL_INVOICE: unary "/invoicesrpc.Invoices/CancelInvoice", irpc::CancelInvoiceMsg => irpc::CancelInvoiceResp, routes::cancel_invoice;
    SUBSCRIBE_SINGLE_INVOICE: stream "/invoicesrpc.Invoices/SubscribeSingleInvoice", irpc::SubscribeSingleInvoiceRequest => pb::Invoice, routes::subscribe_single_invoice;
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    /// `lnrpc::routerrpc::SendPaymentRequest` as the descriptors write it,
    /// `.routerrpc.SendPaymentRequest`, in lower case: prost writes `HTLCAttempt` as `HtlcAttempt`.
    fn proto_name(rust: &str) -> String {
        let parts: Vec<&str> = rust.split("::").collect();
        format!(".{}", parts[parts.len() - 2..].join(".")).to_lowercase()
    }

    /// Each entry is an RPC of lnd v0.20's protos with exactly these messages, and streams
    /// where lnd streams: a wrong path or type would fail only against a real node.
    #[test]
    fn every_entry_is_lnds_rpc_with_its_messages() {
        let fds = prost_types::FileDescriptorSet::decode(lnrpc::FILE_DESCRIPTOR_SET).unwrap();
        for entry in every() {
            let (service, method) = entry.path.trim_start_matches('/').split_once('/').unwrap();
            let (package, service) = service.rsplit_once('.').unwrap();
            let found = fds
                .file
                .iter()
                .filter(|f| f.package() == package)
                .flat_map(|f| &f.service)
                .filter(|s| s.name() == service)
                .flat_map(|s| &s.method)
                .find(|m| m.name() == method)
                .unwrap_or_else(|| panic!("{} is not one of lnd's RPCs", entry.path));
            assert_eq!(found.input_type().to_lowercase(), proto_name(entry.request), "{}: request", entry.path);
            assert_eq!(found.output_type().to_lowercase(), proto_name(entry.answer), "{}: answer", entry.path);
            assert_eq!(found.server_streaming(), entry.streams, "{}: streaming", entry.path);
            assert!(!found.client_streaming(), "{}: the browser cannot stream requests", entry.path);
        }
    }

    /// Pages ask lnd's permission table what a call needs (`components::Needs`): a call
    /// missing from it would be offered to any macaroon.
    #[test]
    fn every_entry_has_lnds_permissions() {
        for entry in every() {
            assert!(lnrpc::permissions::required(entry.path).is_some(), "{} is not in lnrpc::permissions", entry.path);
        }
    }

    /// The REST bindings are checked against lnd's rules for each of these selectors; an
    /// entry missing there would go unchecked.
    #[test]
    fn every_entry_has_its_rest_binding_checked() {
        let mut table: Vec<String> = every().iter().map(|e| e.path.trim_start_matches('/').replace('/', ".")).collect();
        let mut checked: Vec<String> = routes::samples().into_iter().map(|(selector, _)| selector.to_string()).collect();
        table.sort();
        checked.sort();
        assert_eq!(table, checked);
        assert_eq!(GET_INFO.selector(), "lnrpc.Lightning.GetInfo");
    }
}
