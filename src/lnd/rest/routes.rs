//! lnd's REST routes for each RPC the app uses: method, path, and how each request field is
//! carried (query string, path or JSON body), with lnd's byte encodings. This is the one
//! place that decides them; a test checks the table against lnd v0.20's rule files.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use lnrpc::lnrpc as pb;
use lnrpc::{invoicesrpc as irpc, routerrpc as rrpc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// One HTTP request to lnd's REST proxy.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub body: Option<String>,
}

impl Call {
    fn get(path: impl Into<String>) -> Self {
        Call { method: Method::Get, path: path.into(), body: None }
    }

    /// `body: "*"`: the whole message as lnd's JSON.
    fn post<T: Serialize>(path: &str, msg: &T) -> Self {
        Call { method: Method::Post, path: path.into(), body: Some(serde_json::to_string(msg).expect("protobuf JSON")) }
    }
}

/// Bytes in a query string or path: grpc-gateway decodes std then URL-safe base64, both
/// padded; URL-safe avoids `+` (read as a space) and `/` (a path separator).
pub fn gateway_bytes(b: &[u8]) -> String {
    URL_SAFE.encode(b)
}

pub fn get_state(_: &pb::GetStateRequest) -> Call {
    Call::get("/v1/state")
}

pub fn subscribe_state(_: &pb::SubscribeStateRequest) -> Call {
    Call::get("/v1/state/subscribe")
}

pub fn gen_seed(req: &pb::GenSeedRequest) -> Call {
    let mut q = Vec::new();
    if !req.aezeed_passphrase.is_empty() {
        q.push(format!("aezeed_passphrase={}", gateway_bytes(&req.aezeed_passphrase)));
    }
    if !req.seed_entropy.is_empty() {
        q.push(format!("seed_entropy={}", gateway_bytes(&req.seed_entropy)));
    }
    let query = if q.is_empty() { String::new() } else { format!("?{}", q.join("&")) };
    Call::get(format!("/v1/genseed{query}"))
}

pub fn init_wallet(req: &pb::InitWalletRequest) -> Call {
    Call::post("/v1/initwallet", req)
}

pub fn unlock_wallet(req: &pb::UnlockWalletRequest) -> Call {
    Call::post("/v1/unlockwallet", req)
}

pub fn change_password(req: &pb::ChangePasswordRequest) -> Call {
    Call::post("/v1/changepassword", req)
}

pub fn get_info(_: &pb::GetInfoRequest) -> Call {
    Call::get("/v1/getinfo")
}

pub fn connect_peer(req: &pb::ConnectPeerRequest) -> Call {
    Call::post("/v1/peers", req)
}

pub fn list_peers(_: &pb::ListPeersRequest) -> Call {
    Call::get("/v1/peers")
}

/// The public key travels as hex in the path.
pub fn disconnect_peer(req: &pb::DisconnectPeerRequest) -> Call {
    Call { method: Method::Delete, path: format!("/v1/peers/{}", query_value(&req.pub_key)), body: None }
}

pub fn subscribe_peer_events(_: &pb::PeerEventSubscription) -> Call {
    Call::get("/v1/peers/subscribe")
}

pub fn channel_balance(_: &pb::ChannelBalanceRequest) -> Call {
    Call::get("/v1/balance/channels")
}

/// With the peers' aliases when asked: lnd looks them up in its graph.
pub fn list_channels(req: &pb::ListChannelsRequest) -> Call {
    Call::get(format!("/v1/channels?peer_alias_lookup={}", req.peer_alias_lookup))
}

pub fn pending_channels(_: &pb::PendingChannelsRequest) -> Call {
    Call::get("/v1/channels/pending")
}

pub fn closed_channels(_: &pb::ClosedChannelsRequest) -> Call {
    Call::get("/v1/channels/closed")
}

pub fn subscribe_channel_events(_: &pb::ChannelEventSubscription) -> Call {
    Call::get("/v1/channels/subscribe")
}

/// OpenChannel's stream; the peer's key is bytes, so base64 in the body.
pub fn open_channel(req: &pb::OpenChannelRequest) -> Call {
    Call::post("/v1/channels/stream", req)
}

/// Routing fees: this node's policies and earnings, a policy change, the forwards.
pub fn fee_report(_: &pb::FeeReportRequest) -> Call {
    Call::get("/v1/fees")
}

pub fn sign_message(req: &pb::SignMessageRequest) -> Call {
    Call::post("/v1/signmessage", req)
}

pub fn verify_message(req: &pb::VerifyMessageRequest) -> Call {
    Call::post("/v1/verifymessage", req)
}

pub fn update_channel_policy(req: &pb::PolicyUpdateRequest) -> Call {
    Call::post("/v1/chanpolicy", req)
}

pub fn forwarding_history(req: &pb::ForwardingHistoryRequest) -> Call {
    Call::post("/v1/switch", req)
}

/// OpenChannelSync, for nodes that do not stream the funding flow.
pub fn open_channel_sync(req: &pb::OpenChannelRequest) -> Call {
    Call::post("/v1/channels", req)
}

/// The channel point goes in the path with the txid in display order (lnd's
/// `funding_txid_str`); the fee and `force` in the query.
pub fn close_channel(req: &pb::CloseChannelRequest) -> Call {
    use pb::channel_point::FundingTxid;
    let point = req.channel_point.clone().unwrap_or_default();
    let txid = match point.funding_txid {
        Some(FundingTxid::FundingTxidStr(s)) => s,
        // Bytes are the txid in wire order: reversed, it is the displayed one.
        Some(FundingTxid::FundingTxidBytes(b)) => hex::encode(b.iter().rev().copied().collect::<Vec<u8>>()),
        None => String::new(),
    };
    let mut q = vec![format!("force={}", req.force)];
    if req.sat_per_vbyte != 0 {
        q.push(format!("sat_per_vbyte={}", req.sat_per_vbyte));
    } else if req.target_conf != 0 {
        q.push(format!("target_conf={}", req.target_conf));
    }
    Call { method: Method::Delete, path: format!("/v1/channels/{}/{}?{}", query_value(&txid), point.output_index, q.join("&")), body: None }
}

pub fn add_invoice(req: &pb::Invoice) -> Call {
    Call::post("/v1/invoices", req)
}

/// The hash as hex in the path (`r_hash_str`).
pub fn lookup_invoice(req: &pb::PaymentHash) -> Call {
    #[allow(deprecated)]
    let hash = if req.r_hash.is_empty() { req.r_hash_str.clone() } else { hex::encode(&req.r_hash) };
    Call::get(format!("/v1/invoice/{}", query_value(&hash)))
}

/// lnd pages invoices by add index: `index_offset` is exclusive; `reversed` pages back.
pub fn list_invoices(req: &pb::ListInvoiceRequest) -> Call {
    Call::get(format!(
        "/v1/invoices?index_offset={}&num_max_invoices={}&reversed={}&pending_only={}",
        req.index_offset, req.num_max_invoices, req.reversed, req.pending_only
    ))
}

/// Resumes after the last add and settle indexes seen, so no update is missed.
pub fn subscribe_invoices(req: &pb::InvoiceSubscription) -> Call {
    Call::get(format!("/v1/invoices/subscribe?add_index={}&settle_index={}", req.add_index, req.settle_index))
}

pub fn decode_pay_req(req: &pb::PayReqString) -> Call {
    Call::get(format!("/v1/payreq/{}", query_value(&req.pay_req)))
}

pub fn list_payments(req: &pb::ListPaymentsRequest) -> Call {
    Call::get(format!(
        "/v1/payments?include_incomplete={}&index_offset={}&max_payments={}&reversed={}",
        req.include_incomplete, req.index_offset, req.max_payments, req.reversed
    ))
}

/// Destination and amount in the path; an outgoing channel and a last hop in the query.
pub fn query_routes(req: &pb::QueryRoutesRequest) -> Call {
    let mut q = Vec::new();
    if req.final_cltv_delta != 0 {
        q.push(format!("final_cltv_delta={}", req.final_cltv_delta));
    }
    if let Some(id) = req.outgoing_chan_ids.first() {
        q.push(format!("outgoing_chan_ids={id}"));
    }
    if !req.last_hop_pubkey.is_empty() {
        q.push(format!("last_hop_pubkey={}", gateway_bytes(&req.last_hop_pubkey)));
    }
    if let Some(pb::fee_limit::Limit::Fixed(sat)) = req.fee_limit.as_ref().and_then(|f| f.limit) {
        q.push(format!("fee_limit.fixed={sat}"));
    }
    let query = if q.is_empty() { String::new() } else { format!("?{}", q.join("&")) };
    Call::get(format!("/v1/graph/routes/{}/{}{query}", query_value(&req.pub_key), req.amt))
}

pub fn send_payment_v2(req: &rrpc::SendPaymentRequest) -> Call {
    Call::post("/v2/router/send", req)
}

/// SendPaymentSync and SendToRouteSync, for nodes without the router (gone in lnd 0.21).
pub fn send_payment_sync(req: &pb::SendRequest) -> Call {
    Call::post("/v1/channels/transactions", req)
}

pub fn send_to_route_sync(req: &pb::SendToRouteRequest) -> Call {
    Call::post("/v1/channels/transactions/route", req)
}

/// The hash is bytes in the path: URL-safe base64.
pub fn track_payment_v2(req: &rrpc::TrackPaymentRequest) -> Call {
    let query = if req.no_inflight_updates { "?no_inflight_updates=true" } else { "" };
    Call::get(format!("/v2/router/track/{}{query}", gateway_bytes(&req.payment_hash)))
}

pub fn subscribe_htlc_events(_: &rrpc::SubscribeHtlcEventsRequest) -> Call {
    Call::get("/v2/router/htlcevents")
}

pub fn send_to_route_v2(req: &rrpc::SendToRouteRequest) -> Call {
    Call::post("/v2/router/route/send", req)
}

pub fn add_hold_invoice(req: &irpc::AddHoldInvoiceRequest) -> Call {
    Call::post("/v2/invoices/hodl", req)
}

pub fn settle_invoice(req: &irpc::SettleInvoiceMsg) -> Call {
    Call::post("/v2/invoices/settle", req)
}

pub fn cancel_invoice(req: &irpc::CancelInvoiceMsg) -> Call {
    Call::post("/v2/invoices/cancel", req)
}

pub fn subscribe_single_invoice(req: &irpc::SubscribeSingleInvoiceRequest) -> Call {
    Call::get(format!("/v2/invoices/subscribe/{}", gateway_bytes(&req.r_hash)))
}

pub fn get_network_info(_: &pb::NetworkInfoRequest) -> Call {
    Call::get("/v1/graph/info")
}

pub fn get_node_info(req: &pb::NodeInfoRequest) -> Call {
    let query = if req.include_channels { "?include_channels=true" } else { "" };
    Call::get(format!("/v1/graph/node/{}{query}", query_value(&req.pub_key)))
}

pub fn export_all_channel_backups(_: &pb::ChanBackupExportRequest) -> Call {
    Call::get("/v1/channels/backup")
}

/// The snapshot nests the packed Multi: `{"multi_chan_backup":{"multi_chan_backup":…}}`.
pub fn verify_chan_backup(req: &pb::ChanBackupSnapshot) -> Call {
    Call::post("/v1/channels/backup/verify", req)
}

/// Here the packed Multi is the oneof itself: `{"multi_chan_backup":"<base64>"}`.
pub fn restore_channel_backups(req: &pb::RestoreChanBackupRequest) -> Call {
    Call::post("/v1/channels/backup/restore", req)
}

pub fn subscribe_channel_backups(_: &pb::ChannelBackupSubscription) -> Call {
    Call::get("/v1/channels/backup/subscribe")
}

/// Query values: everything but unreserved characters percent-encoded.
fn query_value(v: &str) -> String {
    v.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

pub fn new_address(req: &pb::NewAddressRequest) -> Call {
    let kind = pb::AddressType::try_from(req.r#type).unwrap_or(pb::AddressType::WitnessPubkeyHash);
    Call::get(format!("/v1/newaddress?type={}", kind.as_str_name()))
}

pub fn wallet_balance(_: &pb::WalletBalanceRequest) -> Call {
    Call::get("/v1/balance/blockchain")
}

pub fn send_coins(req: &pb::SendCoinsRequest) -> Call {
    Call::post("/v1/transactions", req)
}

/// lnd's min/max confirmations both default to 0 (unconfirmed only): always send both.
pub fn list_unspent(req: &pb::ListUnspentRequest) -> Call {
    Call::get(format!("/v1/utxos?min_confs={}&max_confs={}", req.min_confs, req.max_confs))
}

pub fn get_transactions(_: &pb::GetTransactionsRequest) -> Call {
    Call::get("/v1/transactions")
}

pub fn subscribe_transactions(_: &pb::GetTransactionsRequest) -> Call {
    Call::get("/v1/transactions/subscribe")
}

/// The map field is literally `AddrToAmount` in the query (`AddrToAmount[<addr>]=<sat>`).
pub fn estimate_fee(req: &pb::EstimateFeeRequest) -> Call {
    let mut q: Vec<String> = req.addr_to_amount.iter().map(|(a, v)| format!("AddrToAmount[{}]={v}", query_value(a))).collect();
    q.push(format!("target_conf={}", req.target_conf));
    Call::get(format!("/v1/transactions/fee?{}", q.join("&")))
}

/// One call of each RPC the app makes, with the path parameters filled in.
#[cfg(test)]
pub(crate) fn samples() -> Vec<(&'static str, Call)> {
    fn d<T: Default>() -> T {
        T::default()
    }
    let point = pb::ChannelPoint { funding_txid: Some(pb::channel_point::FundingTxid::FundingTxidStr("ab".repeat(32))), output_index: 1 };
    vec![
        ("lnrpc.State.GetState", get_state(&d())),
        ("lnrpc.State.SubscribeState", subscribe_state(&d())),
        ("lnrpc.WalletUnlocker.GenSeed", gen_seed(&pb::GenSeedRequest { aezeed_passphrase: b"x".to_vec(), seed_entropy: vec![] })),
        ("lnrpc.WalletUnlocker.InitWallet", init_wallet(&d())),
        ("lnrpc.WalletUnlocker.UnlockWallet", unlock_wallet(&d())),
        ("lnrpc.WalletUnlocker.ChangePassword", change_password(&d())),
        ("lnrpc.Lightning.GetInfo", get_info(&d())),
        ("lnrpc.Lightning.NewAddress", new_address(&d())),
        ("lnrpc.Lightning.WalletBalance", wallet_balance(&d())),
        ("lnrpc.Lightning.SendCoins", send_coins(&d())),
        ("lnrpc.Lightning.ListUnspent", list_unspent(&d())),
        ("lnrpc.Lightning.GetTransactions", get_transactions(&d())),
        ("lnrpc.Lightning.SubscribeTransactions", subscribe_transactions(&d())),
        ("lnrpc.Lightning.EstimateFee", estimate_fee(&d())),
        ("lnrpc.Lightning.ConnectPeer", connect_peer(&d())),
        ("lnrpc.Lightning.ListPeers", list_peers(&d())),
        ("lnrpc.Lightning.DisconnectPeer", disconnect_peer(&pb::DisconnectPeerRequest { pub_key: "02ab".into() })),
        ("lnrpc.Lightning.SubscribePeerEvents", subscribe_peer_events(&d())),
        ("lnrpc.Lightning.ChannelBalance", channel_balance(&d())),
        ("lnrpc.Lightning.ListChannels", list_channels(&d())),
        ("lnrpc.Lightning.PendingChannels", pending_channels(&d())),
        ("lnrpc.Lightning.ClosedChannels", closed_channels(&d())),
        ("lnrpc.Lightning.SubscribeChannelEvents", subscribe_channel_events(&d())),
        ("routerrpc.Router.SubscribeHtlcEvents", subscribe_htlc_events(&d())),
        ("lnrpc.Lightning.SignMessage", sign_message(&d())),
        ("lnrpc.Lightning.VerifyMessage", verify_message(&d())),
        ("lnrpc.Lightning.OpenChannel", open_channel(&d())),
        ("lnrpc.Lightning.OpenChannelSync", open_channel_sync(&d())),
        ("lnrpc.Lightning.CloseChannel", close_channel(&pb::CloseChannelRequest { channel_point: Some(point), ..d() })),
        ("lnrpc.Lightning.FeeReport", fee_report(&d())),
        ("lnrpc.Lightning.UpdateChannelPolicy", update_channel_policy(&d())),
        ("lnrpc.Lightning.ForwardingHistory", forwarding_history(&d())),
        ("lnrpc.Lightning.SendPaymentSync", send_payment_sync(&d())),
        ("lnrpc.Lightning.SendToRouteSync", send_to_route_sync(&d())),
        ("lnrpc.Lightning.AddInvoice", add_invoice(&d())),
        ("lnrpc.Lightning.LookupInvoice", lookup_invoice(&pb::PaymentHash { r_hash: vec![1; 32], ..d() })),
        ("lnrpc.Lightning.ListInvoices", list_invoices(&d())),
        ("lnrpc.Lightning.SubscribeInvoices", subscribe_invoices(&d())),
        ("lnrpc.Lightning.DecodePayReq", decode_pay_req(&pb::PayReqString { pay_req: "lnbcrt1".into() })),
        ("lnrpc.Lightning.ListPayments", list_payments(&d())),
        ("lnrpc.Lightning.QueryRoutes", query_routes(&pb::QueryRoutesRequest { pub_key: "02ab".into(), amt: 1000, ..d() })),
        ("routerrpc.Router.SendPaymentV2", send_payment_v2(&d())),
        ("routerrpc.Router.TrackPaymentV2", track_payment_v2(&rrpc::TrackPaymentRequest { payment_hash: vec![1; 32], ..d() })),
        ("routerrpc.Router.SendToRouteV2", send_to_route_v2(&d())),
        ("invoicesrpc.Invoices.AddHoldInvoice", add_hold_invoice(&d())),
        ("invoicesrpc.Invoices.SettleInvoice", settle_invoice(&d())),
        ("invoicesrpc.Invoices.CancelInvoice", cancel_invoice(&d())),
        ("invoicesrpc.Invoices.SubscribeSingleInvoice", subscribe_single_invoice(&irpc::SubscribeSingleInvoiceRequest { r_hash: vec![1; 32] })),
        ("lnrpc.Lightning.ExportAllChannelBackups", export_all_channel_backups(&d())),
        ("lnrpc.Lightning.GetNodeInfo", get_node_info(&pb::NodeInfoRequest { pub_key: "02ab".into(), ..d() })),
        ("lnrpc.Lightning.GetNetworkInfo", get_network_info(&d())),
        ("lnrpc.Lightning.VerifyChanBackup", verify_chan_backup(&d())),
        ("lnrpc.Lightning.RestoreChannelBackups", restore_channel_backups(&d())),
        ("lnrpc.Lightning.SubscribeChannelBackups", subscribe_channel_backups(&d())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every call the app makes is one of lnd v0.20's REST bindings for that RPC.
    #[test]
    fn calls_match_lnd_v0_20_rules() {
        for (selector, call) in samples() {
            let path = call.path.split('?').next().unwrap();
            let path = &lnd_path(selector, path);
            let rules = lnrpc::rest_rules::for_selector(selector);
            let rule = rules.iter().find(|r| r.method == call.method.as_str() && r.path == *path);
            let rule = rule.unwrap_or_else(|| panic!("{} {path} is not lnd's route for {selector}: {rules:?}", call.method.as_str()));
            assert_eq!(rule.body, call.body.is_some(), "{selector}: body rule");
        }
    }

    /// A concrete path with its parameters put back as lnd's rule names them.
    fn lnd_path(selector: &str, path: &str) -> String {
        let rules = lnrpc::rest_rules::for_selector(selector);
        for rule in &rules {
            let (r, p): (Vec<&str>, Vec<&str>) = (rule.path.split('/').collect(), path.split('/').collect());
            if r.len() == p.len() && r.iter().zip(&p).all(|(a, b)| a == b || (a.starts_with('{') && !b.is_empty())) {
                return rule.path.clone();
            }
        }
        path.to_string()
    }

    #[test]
    fn passwords_travel_as_base64_in_the_body() {
        let call = unlock_wallet(&pb::UnlockWalletRequest { wallet_password: b"hunter22".to_vec(), ..Default::default() });
        assert_eq!(call.method, Method::Post);
        let body: serde_json::Value = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["wallet_password"], "aHVudGVyMjI=");
        assert_eq!(body["recovery_window"], 0);
    }

    #[test]
    fn seed_passphrase_is_padded_url_safe_base64_in_the_query() {
        let call = gen_seed(&pb::GenSeedRequest { aezeed_passphrase: vec![0xfb, 0xff], seed_entropy: vec![] });
        assert_eq!(call.path, "/v1/genseed?aezeed_passphrase=-_8=");
        assert_eq!(gen_seed(&Default::default()).path, "/v1/genseed");
    }

    #[test]
    fn init_wallet_sends_lnd_field_names() {
        let req = pb::InitWalletRequest { wallet_password: b"password".to_vec(), cipher_seed_mnemonic: vec!["abandon".into(); 24], ..Default::default() };
        let body: serde_json::Value = serde_json::from_str(init_wallet(&req).body.as_deref().unwrap()).unwrap();
        assert_eq!(body["cipher_seed_mnemonic"].as_array().unwrap().len(), 24);
        assert_eq!(body["wallet_password"], "cGFzc3dvcmQ=");
        assert!(body.get("walletPassword").is_none());
    }
}

#[cfg(test)]
mod onchain_tests {
    use super::*;

    #[test]
    fn disconnect_matches_lnd_route_with_the_key_in_the_path() {
        let call = disconnect_peer(&pb::DisconnectPeerRequest { pub_key: "02aa".into() });
        assert_eq!((call.method, call.path.as_str()), (Method::Delete, "/v1/peers/02aa"));
        let rules = lnrpc::rest_rules::for_selector("lnrpc.Lightning.DisconnectPeer");
        assert_eq!((rules[0].method.as_str(), rules[0].path.as_str()), ("DELETE", "/v1/peers/{pub_key}"));
    }

    #[test]
    fn utxos_always_ask_for_both_bounds() {
        let call = list_unspent(&pb::ListUnspentRequest { min_confs: 0, max_confs: i32::MAX, account: String::new() });
        assert_eq!(call.path, "/v1/utxos?min_confs=0&max_confs=2147483647");
    }

    #[test]
    fn fee_estimates_use_the_addr_to_amount_map() {
        let req = pb::EstimateFeeRequest { addr_to_amount: [("bcrt1qxyz".to_string(), 5000)].into_iter().collect(), target_conf: 6, ..Default::default() };
        assert_eq!(estimate_fee(&req).path, "/v1/transactions/fee?AddrToAmount[bcrt1qxyz]=5000&target_conf=6");
        assert_eq!(new_address(&pb::NewAddressRequest { r#type: 4, account: String::new() }).path, "/v1/newaddress?type=TAPROOT_PUBKEY");
    }
}

#[cfg(test)]
mod channel_tests {
    use super::*;

    #[test]
    fn close_puts_the_display_txid_in_lnds_path() {
        let txid = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
        let point = |output_index| pb::ChannelPoint { funding_txid: Some(pb::channel_point::FundingTxid::FundingTxidStr(txid.into())), output_index };
        let req = pb::CloseChannelRequest { channel_point: Some(point(1)), force: false, sat_per_vbyte: 3, ..Default::default() };
        let call = close_channel(&req);
        assert_eq!((call.method, call.path.as_str()), (Method::Delete, format!("/v1/channels/{txid}/1?force=false&sat_per_vbyte=3").as_str()));
        let rules = lnrpc::rest_rules::for_selector("lnrpc.Lightning.CloseChannel");
        assert_eq!(rules[0].path, "/v1/channels/{channel_point.funding_txid_str}/{channel_point.output_index}");
        let force = close_channel(&pb::CloseChannelRequest { channel_point: Some(point(0)), force: true, ..Default::default() });
        assert!(force.path.ends_with("/0?force=true"), "a force close carries no fee: lnd refuses one");
        // The same point given as bytes (wire order) reaches the same path.
        let mut wire = hex::decode(txid).unwrap();
        wire.reverse();
        let bytes = pb::ChannelPoint { funding_txid: Some(pb::channel_point::FundingTxid::FundingTxidBytes(wire)), output_index: 1 };
        assert_eq!(close_channel(&pb::CloseChannelRequest { channel_point: Some(bytes), ..req }).path, call.path);
    }

    #[test]
    fn route_queries_carry_the_invoices_final_cltv_and_constraints() {
        let req = pb::QueryRoutesRequest {
            pub_key: "02ab".into(),
            amt: 2_000,
            final_cltv_delta: 80,
            outgoing_chan_ids: vec![7],
            last_hop_pubkey: vec![3; 2],
            ..Default::default()
        };
        assert_eq!(query_routes(&req).path, "/v1/graph/routes/02ab/2000?final_cltv_delta=80&outgoing_chan_ids=7&last_hop_pubkey=AwM=");
    }

    #[test]
    fn backups_nest_as_lnd_expects_in_verify_and_not_in_restore() {
        let verify = pb::ChanBackupSnapshot {
            multi_chan_backup: Some(pb::MultiChanBackup { multi_chan_backup: vec![1, 2], chan_points: vec![] }),
            ..Default::default()
        };
        let body: serde_json::Value = serde_json::from_str(verify_chan_backup(&verify).body.as_deref().unwrap()).unwrap();
        assert_eq!(body["multi_chan_backup"]["multi_chan_backup"], "AQI=");
        let restore = pb::RestoreChanBackupRequest { backup: Some(pb::restore_chan_backup_request::Backup::MultiChanBackup(vec![1, 2])) };
        let body: serde_json::Value = serde_json::from_str(restore_channel_backups(&restore).body.as_deref().unwrap()).unwrap();
        assert_eq!(body["multi_chan_backup"], "AQI=");
    }

    #[test]
    fn open_sends_the_key_as_base64_and_amounts_as_lnd_json() {
        let req = pb::OpenChannelRequest { node_pubkey: vec![2; 33], local_funding_amount: 250_000, push_sat: 5, ..Default::default() };
        let body: serde_json::Value = serde_json::from_str(open_channel(&req).body.as_deref().unwrap()).unwrap();
        assert_eq!(body["node_pubkey"], "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIC");
        assert_eq!(body["local_funding_amount"], "250000");
        assert_eq!(body["push_sat"], "5");
    }
}
