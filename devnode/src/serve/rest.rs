//! lnd's REST proxy (grpc-gateway v2.16 as lnd configures it): lnd's paths and methods,
//! lnd's JSON mapping (pbjson with proto names and defaults emitted), errors as
//! `{"code","message","details"}` with grpc-gateway's HTTP statuses, NDJSON server streams,
//! the `Grpc-Metadata-macaroon` header, and `restcors` exactly as lnd's `allowCORS`.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tonic::{Code, Status};

use crate::rpc::{NodeRpc, RpcStream};

type Rpc = Arc<NodeRpc>;

/// lnd v0.20's routes for the RPCs devnode implements (`lnrpc/*.yaml`). A test compares
/// this table with lnd's rule files.
pub const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/v1/state", "lnrpc.State.GetState"),
    ("GET", "/v1/state/subscribe", "lnrpc.State.SubscribeState"),
    ("GET", "/v1/genseed", "lnrpc.WalletUnlocker.GenSeed"),
    ("POST", "/v1/initwallet", "lnrpc.WalletUnlocker.InitWallet"),
    ("POST", "/v1/unlockwallet", "lnrpc.WalletUnlocker.UnlockWallet"),
    ("POST", "/v1/changepassword", "lnrpc.WalletUnlocker.ChangePassword"),
    ("GET", "/v1/getinfo", "lnrpc.Lightning.GetInfo"),
    ("GET", "/v1/newaddress", "lnrpc.Lightning.NewAddress"),
    ("GET", "/v1/balance/blockchain", "lnrpc.Lightning.WalletBalance"),
    ("POST", "/v1/transactions", "lnrpc.Lightning.SendCoins"),
    ("GET", "/v1/transactions", "lnrpc.Lightning.GetTransactions"),
    ("GET", "/v1/transactions/subscribe", "lnrpc.Lightning.SubscribeTransactions"),
    ("GET", "/v1/transactions/fee", "lnrpc.Lightning.EstimateFee"),
    ("GET", "/v1/utxos", "lnrpc.Lightning.ListUnspent"),
    ("GET", "/v2/wallet/accounts", "walletrpc.WalletKit.ListAccounts"),
    ("GET", "/v2/versioner/version", "verrpc.Versioner.GetVersion"),
    ("POST", "/v1/signmessage", "lnrpc.Lightning.SignMessage"),
    ("POST", "/v1/macaroon", "lnrpc.Lightning.BakeMacaroon"),
    ("POST", "/v1/verifymessage", "lnrpc.Lightning.VerifyMessage"),
    ("POST", "/v1/peers", "lnrpc.Lightning.ConnectPeer"),
    ("GET", "/v1/peers", "lnrpc.Lightning.ListPeers"),
    ("DELETE", "/v1/peers/{pub_key}", "lnrpc.Lightning.DisconnectPeer"),
    ("GET", "/v1/peers/subscribe", "lnrpc.Lightning.SubscribePeerEvents"),
    ("POST", "/v1/channels", "lnrpc.Lightning.OpenChannelSync"),
    ("GET", "/v1/channels", "lnrpc.Lightning.ListChannels"),
    ("POST", "/v1/channels/stream", "lnrpc.Lightning.OpenChannel"),
    ("DELETE", "/v1/channels/{channel_point.funding_txid_str}/{channel_point.output_index}", "lnrpc.Lightning.CloseChannel"),
    ("GET", "/v1/channels/pending", "lnrpc.Lightning.PendingChannels"),
    ("GET", "/v1/channels/closed", "lnrpc.Lightning.ClosedChannels"),
    ("GET", "/v1/channels/subscribe", "lnrpc.Lightning.SubscribeChannelEvents"),
    ("GET", "/v1/balance/channels", "lnrpc.Lightning.ChannelBalance"),
    ("POST", "/v1/invoices", "lnrpc.Lightning.AddInvoice"),
    ("GET", "/v1/invoices", "lnrpc.Lightning.ListInvoices"),
    ("GET", "/v1/invoice/{r_hash_str}", "lnrpc.Lightning.LookupInvoice"),
    ("GET", "/v1/invoices/subscribe", "lnrpc.Lightning.SubscribeInvoices"),
    ("GET", "/v1/payreq/{pay_req}", "lnrpc.Lightning.DecodePayReq"),
    ("GET", "/v1/payments", "lnrpc.Lightning.ListPayments"),
    ("POST", "/v1/channels/transactions", "lnrpc.Lightning.SendPaymentSync"),
    ("POST", "/v1/channels/transactions/route", "lnrpc.Lightning.SendToRouteSync"),
    ("GET", "/v1/graph/node/{pub_key}", "lnrpc.Lightning.GetNodeInfo"),
    ("GET", "/v1/graph", "lnrpc.Lightning.DescribeGraph"),
    ("GET", "/v1/graph/edge/{chan_id}", "lnrpc.Lightning.GetChanInfo"),
    ("GET", "/v1/graph/info", "lnrpc.Lightning.GetNetworkInfo"),
    ("GET", "/v1/graph/subscribe", "lnrpc.Lightning.SubscribeChannelGraph"),
    ("POST", "/v1/chanpolicy", "lnrpc.Lightning.UpdateChannelPolicy"),
    ("GET", "/v1/fees", "lnrpc.Lightning.FeeReport"),
    ("POST", "/v1/switch", "lnrpc.Lightning.ForwardingHistory"),
    ("GET", "/v1/macaroon/ids", "lnrpc.Lightning.ListMacaroonIDs"),
    ("GET", "/v1/macaroon/permissions", "lnrpc.Lightning.ListPermissions"),
    ("POST", "/v1/macaroon/checkpermissions", "lnrpc.Lightning.CheckMacaroonPermissions"),
    ("DELETE", "/v1/macaroon/{root_key_id}", "lnrpc.Lightning.DeleteMacaroonID"),
    ("GET", "/v1/graph/routes/{pub_key}/{amt}", "lnrpc.Lightning.QueryRoutes"),
    ("POST", "/v1/graph/routes/{pub_key}/{amt}", "lnrpc.Lightning.QueryRoutes"),
    ("POST", "/v2/router/send", "routerrpc.Router.SendPaymentV2"),
    ("GET", "/v2/router/track/{payment_hash}", "routerrpc.Router.TrackPaymentV2"),
    ("GET", "/v2/router/htlcevents", "routerrpc.Router.SubscribeHtlcEvents"),
    ("POST", "/v2/router/route/send", "routerrpc.Router.SendToRouteV2"),
    ("POST", "/v2/router/route", "routerrpc.Router.BuildRoute"),
    ("POST", "/v2/invoices/hodl", "invoicesrpc.Invoices.AddHoldInvoice"),
    ("POST", "/v2/invoices/settle", "invoicesrpc.Invoices.SettleInvoice"),
    ("POST", "/v2/invoices/cancel", "invoicesrpc.Invoices.CancelInvoice"),
    ("GET", "/v2/invoices/subscribe/{r_hash}", "invoicesrpc.Invoices.SubscribeSingleInvoice"),
    ("GET", "/v2/invoices/lookup", "invoicesrpc.Invoices.LookupInvoiceV2"),
    ("GET", "/v1/channels/backup/{chan_point.funding_txid_str}/{chan_point.output_index}", "lnrpc.Lightning.ExportChannelBackup"),
    ("GET", "/v1/channels/backup", "lnrpc.Lightning.ExportAllChannelBackups"),
    ("POST", "/v1/channels/backup/verify", "lnrpc.Lightning.VerifyChanBackup"),
    ("POST", "/v1/channels/backup/restore", "lnrpc.Lightning.RestoreChannelBackups"),
    ("GET", "/v1/channels/backup/subscribe", "lnrpc.Lightning.SubscribeChannelBackups"),
];

/// How a query parameter is read into the request message (grpc-gateway's
/// PopulateQueryParameters for the field's type).
#[derive(Clone, Copy)]
enum Q {
    Str,
    /// 32-bit integers: JSON numbers.
    Int,
    Bool,
    /// An enum: its name, or its number.
    Enum,
    /// Bytes: padded std or URL-safe base64.
    Bytes,
    /// `map<string, int64>`: `Name[key]=value`.
    Map,
    /// A repeated field: each occurrence adds an element.
    List,
}

const TX_QUERY: &[(&str, Q)] = &[("start_height", Q::Int), ("end_height", Q::Int), ("account", Q::Str), ("index_offset", Q::Int), ("max_transactions", Q::Int)];

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.push(c.to_ascii_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Builds the request message from the query string; unknown parameters are ignored, as
/// grpc-gateway does.
// The error is the reply itself, returned by the handler as it is: boxing it would only
// add an allocation to every refused request.
#[allow(clippy::result_large_err)]
fn query_message<T: DeserializeOwned>(query: Option<&str>, fields: &[(&str, Q)]) -> Result<T, Response> {
    use serde_json::{Map, Value};
    let mismatch = |k: &str, why: &str| error(&Status::invalid_argument(format!("type mismatch, parameter: {k}, error: {why}")));
    let mut obj = Map::new();
    for (key, value) in form_urlencoded(query.unwrap_or("")) {
        let (name, map_key) = match key.split_once('[') {
            Some((n, rest)) => (n.to_string(), Some(rest.trim_end_matches(']').to_string())),
            None => (key.clone(), None),
        };
        let Some(&(field, kind)) = fields.iter().find(|(f, _)| *f == name || camel(f) == name) else { continue };
        let v = match kind {
            Q::Str => Value::String(value),
            Q::Int => value.parse::<i64>().map(Value::from).map_err(|e| mismatch(&key, &e.to_string()))?,
            Q::Bool => match value.as_str() {
                "true" | "1" => Value::Bool(true),
                "false" | "0" => Value::Bool(false),
                _ => return Err(mismatch(&key, "invalid boolean")),
            },
            Q::Enum => value.parse::<i64>().map(Value::from).unwrap_or(Value::String(value)),
            Q::Bytes => {
                use base64::Engine;
                let bytes = gateway_bytes(&value).ok_or_else(|| mismatch(&key, "illegal base64 data"))?;
                Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
            }
            Q::List => {
                if let Value::Array(items) = obj.entry(field.to_string()).or_insert_with(|| Value::Array(vec![])) {
                    items.push(Value::String(value));
                }
                continue;
            }
            Q::Map => {
                let entry = obj.entry(field.to_string()).or_insert_with(|| Value::Object(Map::new()));
                if let (Value::Object(m), Some(k)) = (entry, map_key) {
                    m.insert(k, Value::String(value));
                }
                continue;
            }
        };
        obj.insert(field.to_string(), v);
    }
    serde_json::from_value(Value::Object(obj)).map_err(|e| error(&Status::invalid_argument(e.to_string())))
}

/// A GET route whose request message comes from the query string.
fn get_query<T, R>(fields: &'static [(&'static str, Q)], call: fn(&NodeRpc, &MetadataMap, T) -> Result<R, Status>) -> axum::routing::MethodRouter<Rpc>
where
    T: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
{
    get(move |State(rpc): State<Rpc>, h: HeaderMap, uri: axum::http::Uri| async move {
        match query_message::<T>(uri.query(), fields) {
            Ok(req) => reply(call(&rpc, &metadata(&h), req)),
            Err(e) => e,
        }
    })
}

/// A POST route with `body: "*"`.
fn post_body<T, R>(call: fn(&NodeRpc, &MetadataMap, T) -> Result<R, Status>) -> axum::routing::MethodRouter<Rpc>
where
    T: DeserializeOwned + Default + Send + 'static,
    R: Serialize + Send + 'static,
{
    post(move |State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
        match body(&b) {
            Ok(req) => reply(call(&rpc, &metadata(&h), req)),
            Err(e) => e,
        }
    })
}

/// The REST service: lnd's routes behind lnd's CORS handling, which wraps the whole mux
/// (the layer is added after the fallbacks, so it covers them too).
/// A route of an RPC this node does not serve is one grpc-gateway never registered.
async fn unserved(State(rpc): State<Rpc>, path: axum::extract::MatchedPath, req: Request, next: Next) -> Response {
    if rpc.serves_everything() {
        return next.run(req).await;
    }
    let method = req.method().as_str();
    let selector = ROUTES.iter().find(|r| r.0 == method && r.1 == path.as_str()).map(|r| r.2);
    if let Some(selector) = selector {
        let (service, name) = selector.rsplit_once('.').unwrap_or((selector, ""));
        if rpc.serves(&format!("/{service}/{name}")).is_err() {
            return error(&Status::not_found("Not Found"));
        }
    }
    next.run(req).await
}

pub fn router(rpc: Rpc, restcors: Vec<String>) -> Router {
    Router::new()
        .route("/v1/state", get(|State(rpc): State<Rpc>, h: HeaderMap| async move { reply(rpc.get_state(&metadata(&h))) }))
        .route("/v1/state/subscribe", get(|State(rpc): State<Rpc>, h: HeaderMap| async move { ndjson(rpc.subscribe_state(&metadata(&h))).await }))
        .route(
            "/v1/genseed",
            get(|State(rpc): State<Rpc>, h: HeaderMap, uri: axum::http::Uri| async move {
                match query_message(uri.query(), &[("aezeed_passphrase", Q::Bytes), ("seed_entropy", Q::Bytes)]) {
                    Ok(req) => reply(rpc.gen_seed(metadata(&h), req).await),
                    Err(e) => e,
                }
            }),
        )
        .route(
            "/v1/initwallet",
            post(|State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
                match body(&b) {
                    Ok(req) => reply(rpc.init_wallet(metadata(&h), req).await),
                    Err(e) => e,
                }
            }),
        )
        .route(
            "/v1/unlockwallet",
            post(|State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
                match body(&b) {
                    Ok(req) => reply(rpc.unlock_wallet(metadata(&h), req).await),
                    Err(e) => e,
                }
            }),
        )
        .route(
            "/v1/changepassword",
            post(|State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
                match body(&b) {
                    Ok(req) => reply(rpc.change_password(metadata(&h), req).await),
                    Err(e) => e,
                }
            }),
        )
        .route("/v1/getinfo", get(|State(rpc): State<Rpc>, h: HeaderMap| async move { reply(rpc.get_info(&metadata(&h))) }))
        .route("/v1/newaddress", get_query(&[("type", Q::Enum), ("account", Q::Str)], NodeRpc::new_address))
        .route("/v1/balance/blockchain", get_query(&[("account", Q::Str), ("min_confs", Q::Int)], NodeRpc::wallet_balance))
        .route("/v1/transactions", get_query(TX_QUERY, NodeRpc::get_transactions).merge(post_body(NodeRpc::send_coins)))
        .route(
            "/v1/transactions/subscribe",
            get(|State(rpc): State<Rpc>, h: HeaderMap, uri: axum::http::Uri| async move {
                match query_message(uri.query(), TX_QUERY) {
                    Ok(req) => ndjson(rpc.subscribe_transactions(&metadata(&h), req)).await,
                    Err(e) => e,
                }
            }),
        )
        .route(
            "/v1/transactions/fee",
            get_query(
                &[
                    ("AddrToAmount", Q::Map),
                    ("target_conf", Q::Int),
                    ("min_confs", Q::Int),
                    ("spend_unconfirmed", Q::Bool),
                    ("coin_selection_strategy", Q::Enum),
                ],
                NodeRpc::estimate_fee,
            ),
        )
        .route("/v2/versioner/version", get_query(&[], NodeRpc::get_version))
        .route("/v1/signmessage", post_body(NodeRpc::sign_message))
        .route("/v1/macaroon", post_body(NodeRpc::bake_macaroon))
        .route("/v1/verifymessage", post_body(NodeRpc::verify_message))
        .route("/v1/peers", get_query(&[("latest_error", Q::Bool)], NodeRpc::list_peers).merge(post_body(NodeRpc::connect_peer)))
        .route(
            "/v1/peers/subscribe",
            get(|State(rpc): State<Rpc>, h: HeaderMap| async move { ndjson(rpc.subscribe_peer_events(&metadata(&h), Default::default())).await }),
        )
        .route(
            "/v1/peers/{pub_key}",
            axum::routing::delete(|State(rpc): State<Rpc>, h: HeaderMap, axum::extract::Path(pub_key): axum::extract::Path<String>| async move {
                reply(rpc.disconnect_peer(&metadata(&h), lnrpc::lnrpc::DisconnectPeerRequest { pub_key }))
            }),
        )
        .route("/v2/wallet/accounts", get_query(&[("name", Q::Str), ("address_type", Q::Enum)], NodeRpc::list_accounts))
        .route("/v1/utxos", get_query(&[("min_confs", Q::Int), ("max_confs", Q::Int), ("account", Q::Str)], NodeRpc::list_unspent))
        .route(
            "/v1/channels",
            get_query(
                &[
                    ("active_only", Q::Bool),
                    ("inactive_only", Q::Bool),
                    ("public_only", Q::Bool),
                    ("private_only", Q::Bool),
                    ("peer", Q::Bytes),
                    ("peer_alias_lookup", Q::Bool),
                ],
                NodeRpc::list_channels,
            )
            .merge(post_body(NodeRpc::open_channel_sync)),
        )
        .route(
            "/v1/channels/stream",
            post(|State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
                match body(&b) {
                    Ok(req) => ndjson(rpc.open_channel(&metadata(&h), req)).await,
                    Err(e) => e,
                }
            }),
        )
        .route("/v1/channels/pending", get_query(&[("include_raw_tx", Q::Bool)], NodeRpc::pending_channels))
        .route(
            "/v1/channels/closed",
            get_query(
                &[
                    ("cooperative", Q::Bool),
                    ("local_force", Q::Bool),
                    ("remote_force", Q::Bool),
                    ("breach", Q::Bool),
                    ("funding_canceled", Q::Bool),
                    ("abandoned", Q::Bool),
                ],
                NodeRpc::closed_channels,
            ),
        )
        .route(
            "/v1/channels/subscribe",
            get(|State(rpc): State<Rpc>, h: HeaderMap| async move { ndjson(rpc.subscribe_channel_events(&metadata(&h), Default::default())).await }),
        )
        .route("/v1/channels/{txid}/{index}", axum::routing::delete(close_channel))
        .route("/v1/balance/channels", get_query(&[], NodeRpc::channel_balance))
        .route("/v1/channels/backup", get_query(&[], NodeRpc::export_all_channel_backups))
        .route("/v1/channels/backup/verify", post_body(NodeRpc::verify_chan_backup))
        .route(
            "/v1/channels/backup/restore",
            post(|State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
                match body(&b) {
                    Ok(req) => reply(rpc.restore_channel_backups(&metadata(&h), req)),
                    Err(e) => e,
                }
            }),
        )
        .route(
            "/v1/channels/backup/subscribe",
            get(|State(rpc): State<Rpc>, h: HeaderMap| async move { ndjson(rpc.subscribe_channel_backups(&metadata(&h), Default::default())).await }),
        )
        .route(
            "/v1/channels/backup/{txid}/{index}",
            get(|State(rpc): State<Rpc>, h: HeaderMap, axum::extract::Path((txid, index)): axum::extract::Path<(String, String)>| async move {
                let Ok(output_index) = index.parse::<u32>() else {
                    return error(&Status::invalid_argument(format!(
                        "type mismatch, parameter: chan_point.output_index, error: strconv.ParseUint: parsing {index:?}: invalid syntax"
                    )));
                };
                let chan_point =
                    lnrpc::lnrpc::ChannelPoint { funding_txid: Some(lnrpc::lnrpc::channel_point::FundingTxid::FundingTxidStr(txid)), output_index };
                reply(rpc.export_channel_backup(&metadata(&h), lnrpc::lnrpc::ExportChannelBackupRequest { chan_point: Some(chan_point) }))
            }),
        )
        .route(
            "/v1/invoices",
            get_query(
                &[
                    ("pending_only", Q::Bool),
                    ("index_offset", Q::Int),
                    ("num_max_invoices", Q::Int),
                    ("reversed", Q::Bool),
                    ("creation_date_start", Q::Int),
                    ("creation_date_end", Q::Int),
                ],
                NodeRpc::list_invoices,
            )
            .merge(post_body(NodeRpc::add_invoice)),
        )
        .route(
            "/v1/invoice/{r_hash_str}",
            get(|State(rpc): State<Rpc>, h: HeaderMap, axum::extract::Path(r_hash_str): axum::extract::Path<String>| async move {
                #[allow(deprecated)]
                let req = lnrpc::lnrpc::PaymentHash { r_hash_str, r_hash: vec![] };
                reply(rpc.lookup_invoice(&metadata(&h), req))
            }),
        )
        .route(
            "/v1/invoices/subscribe",
            get(|State(rpc): State<Rpc>, h: HeaderMap, uri: axum::http::Uri| async move {
                match query_message(uri.query(), &[("add_index", Q::Int), ("settle_index", Q::Int)]) {
                    Ok(req) => ndjson(rpc.subscribe_invoices(&metadata(&h), req)).await,
                    Err(e) => e,
                }
            }),
        )
        .route(
            "/v1/payreq/{pay_req}",
            get(|State(rpc): State<Rpc>, h: HeaderMap, axum::extract::Path(pay_req): axum::extract::Path<String>| async move {
                reply(rpc.decode_pay_req(&metadata(&h), lnrpc::lnrpc::PayReqString { pay_req }))
            }),
        )
        .route(
            "/v1/payments",
            get_query(
                &[
                    ("include_incomplete", Q::Bool),
                    ("index_offset", Q::Int),
                    ("max_payments", Q::Int),
                    ("reversed", Q::Bool),
                    ("count_total_payments", Q::Bool),
                    ("creation_date_start", Q::Int),
                    ("creation_date_end", Q::Int),
                ],
                NodeRpc::list_payments,
            ),
        )
        .route(
            "/v1/channels/transactions",
            post(|State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
                match body(&b) {
                    Ok(req) => reply(rpc.send_payment_sync(metadata(&h), req).await),
                    Err(e) => e,
                }
            }),
        )
        .route(
            "/v1/channels/transactions/route",
            post(|State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
                match body(&b) {
                    Ok(req) => reply(rpc.send_to_route_sync(metadata(&h), req).await),
                    Err(e) => e,
                }
            }),
        )
        .route(
            "/v1/graph/node/{pub_key}",
            get(|State(rpc): State<Rpc>, h: HeaderMap, uri: axum::http::Uri, axum::extract::Path(pub_key): axum::extract::Path<String>| async move {
                match query_message::<lnrpc::lnrpc::NodeInfoRequest>(uri.query(), &[("include_channels", Q::Bool), ("include_auth_proof", Q::Bool)]) {
                    Ok(req) => reply(rpc.get_node_info(&metadata(&h), lnrpc::lnrpc::NodeInfoRequest { pub_key, ..req })),
                    Err(e) => e,
                }
            }),
        )
        .route("/v1/graph/routes/{pub_key}/{amt}", get(query_routes_get).post(query_routes_post))
        .route("/v1/graph", get_query(&[("include_unannounced", Q::Bool), ("include_auth_proof", Q::Bool)], NodeRpc::describe_graph))
        .route(
            "/v1/graph/edge/{chan_id}",
            get(|State(rpc): State<Rpc>, h: HeaderMap, axum::extract::Path(id): axum::extract::Path<String>| async move {
                match id.parse::<u64>() {
                    Ok(chan_id) => reply(rpc.get_chan_info(&metadata(&h), lnrpc::lnrpc::ChanInfoRequest { chan_id, ..Default::default() })),
                    Err(e) => error(&Status::invalid_argument(format!(
                        "type mismatch, parameter: chan_id, error: strconv.ParseUint: parsing {id:?}: {}",
                        go_num_error(&e)
                    ))),
                }
            }),
        )
        .route("/v1/graph/info", get_query(&[], NodeRpc::get_network_info))
        .route(
            "/v1/graph/subscribe",
            get(|State(rpc): State<Rpc>, h: HeaderMap| async move { ndjson(rpc.subscribe_channel_graph(&metadata(&h), Default::default())).await }),
        )
        .route("/v1/chanpolicy", post_body(NodeRpc::update_channel_policy))
        .route("/v1/fees", get_query(&[], NodeRpc::fee_report))
        .route("/v1/switch", post_body(NodeRpc::forwarding_history))
        .route("/v1/macaroon/ids", get_query(&[], NodeRpc::list_macaroon_ids))
        .route("/v1/macaroon/permissions", get_query(&[], NodeRpc::list_permissions))
        .route("/v1/macaroon/checkpermissions", post_body(NodeRpc::check_macaroon_permissions))
        .route(
            "/v1/macaroon/{root_key_id}",
            axum::routing::delete(|State(rpc): State<Rpc>, h: HeaderMap, axum::extract::Path(id): axum::extract::Path<String>| async move {
                match id.parse::<u64>() {
                    Ok(root_key_id) => reply(rpc.delete_macaroon_id(&metadata(&h), lnrpc::lnrpc::DeleteMacaroonIdRequest { root_key_id })),
                    Err(e) => error(&Status::invalid_argument(format!(
                        "type mismatch, parameter: root_key_id, error: strconv.ParseUint: parsing {id:?}: {}",
                        go_num_error(&e)
                    ))),
                }
            }),
        )
        .route(
            "/v2/router/send",
            post(|State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
                match body(&b) {
                    Ok(req) => ndjson(rpc.send_payment_v2(&metadata(&h), req)).await,
                    Err(e) => e,
                }
            }),
        )
        .route(
            "/v2/router/track/{payment_hash}",
            get(|State(rpc): State<Rpc>, h: HeaderMap, uri: axum::http::Uri, axum::extract::Path(hash): axum::extract::Path<String>| async move {
                let Some(payment_hash) = gateway_bytes(&hash) else {
                    return error(&Status::invalid_argument("type mismatch, parameter: payment_hash, error: illegal base64 data at input byte 0".to_string()));
                };
                let no_inflight = uri
                    .query()
                    .is_some_and(|q| form_urlencoded(q).iter().any(|(k, v)| (k == "no_inflight_updates" || k == "noInflightUpdates") && v == "true"));
                let req = lnrpc::routerrpc::TrackPaymentRequest { payment_hash, no_inflight_updates: no_inflight };
                ndjson(rpc.track_payment_v2(&metadata(&h), req)).await
            }),
        )
        .route(
            "/v2/router/htlcevents",
            get(|State(rpc): State<Rpc>, h: HeaderMap| async move {
                ndjson(rpc.subscribe_htlc_events(&metadata(&h), lnrpc::routerrpc::SubscribeHtlcEventsRequest {})).await
            }),
        )
        .route(
            "/v2/router/route/send",
            post(|State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
                match body(&b) {
                    Ok(req) => reply(rpc.send_to_route_v2(metadata(&h), req).await),
                    Err(e) => e,
                }
            }),
        )
        .route("/v2/router/route", post_body(NodeRpc::build_route))
        .route("/v2/invoices/hodl", post_body(NodeRpc::add_hold_invoice))
        .route(
            "/v2/invoices/settle",
            post(|State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
                match body(&b) {
                    Ok(req) => reply(rpc.settle_invoice(&metadata(&h), req)),
                    Err(e) => e,
                }
            }),
        )
        .route(
            "/v2/invoices/cancel",
            post(|State(rpc): State<Rpc>, h: HeaderMap, b: Bytes| async move {
                match body(&b) {
                    Ok(req) => reply(rpc.cancel_invoice(&metadata(&h), req)),
                    Err(e) => e,
                }
            }),
        )
        .route(
            "/v2/invoices/subscribe/{r_hash}",
            get(|State(rpc): State<Rpc>, h: HeaderMap, axum::extract::Path(hash): axum::extract::Path<String>| async move {
                let Some(r_hash) = gateway_bytes(&hash) else {
                    return error(&Status::invalid_argument("type mismatch, parameter: r_hash, error: illegal base64 data at input byte 0"));
                };
                ndjson(rpc.subscribe_single_invoice(&metadata(&h), lnrpc::invoicesrpc::SubscribeSingleInvoiceRequest { r_hash })).await
            }),
        )
        .route(
            "/v2/invoices/lookup",
            get(|State(rpc): State<Rpc>, h: HeaderMap, uri: axum::http::Uri| async move {
                // The oneof's members are query parameters of their own.
                let q = form_urlencoded(uri.query().unwrap_or(""));
                let field = |name: &str| q.iter().find(|(k, _)| k == name).and_then(|(_, v)| gateway_bytes(v));
                use lnrpc::invoicesrpc::lookup_invoice_msg::InvoiceRef;
                let invoice_ref = field("payment_hash").map(InvoiceRef::PaymentHash).or_else(|| field("payment_addr").map(InvoiceRef::PaymentAddr));
                reply(rpc.lookup_invoice_v2(&metadata(&h), lnrpc::invoicesrpc::LookupInvoiceMsg { invoice_ref, lookup_modifier: 0 }))
            }),
        )
        .route_layer(middleware::from_fn_with_state(Arc::clone(&rpc), unserved))
        .method_not_allowed_fallback(|| async { error(&Status::unimplemented("Method Not Allowed")) })
        .fallback(|| async { error(&Status::not_found("Not Found")) })
        .layer(middleware::from_fn_with_state(Arc::new(restcors), allow_cors))
        .with_state(rpc)
}

const QUERY_ROUTES_FIELDS: &[(&str, Q)] = &[
    ("final_cltv_delta", Q::Int),
    ("source_pub_key", Q::Str),
    ("use_mission_control", Q::Bool),
    ("cltv_limit", Q::Int),
    ("outgoing_chan_id", Q::Str),
    ("outgoing_chan_ids", Q::List),
    ("last_hop_pubkey", Q::Bytes),
    ("time_pref", Q::Int),
    ("amt_msat", Q::Int),
];

/// QueryRoutes: the destination and amount from the path; the rest from the query string,
/// with `fee_limit.fixed` / `fee_limit.percent` as grpc-gateway names nested fields.
async fn query_routes_get(
    State(rpc): State<Rpc>,
    h: HeaderMap,
    uri: axum::http::Uri,
    axum::extract::Path((pub_key, amt)): axum::extract::Path<(String, String)>,
) -> Response {
    let mut req: lnrpc::lnrpc::QueryRoutesRequest = match query_message(uri.query(), QUERY_ROUTES_FIELDS) {
        Ok(r) => r,
        Err(e) => return e,
    };
    for (k, v) in form_urlencoded(uri.query().unwrap_or("")) {
        use lnrpc::lnrpc::fee_limit::Limit;
        let limit = match (k.as_str(), v.parse::<i64>()) {
            ("fee_limit.fixed", Ok(n)) => Limit::Fixed(n),
            ("fee_limit.fixed_msat", Ok(n)) => Limit::FixedMsat(n),
            ("fee_limit.percent", Ok(n)) => Limit::Percent(n),
            _ => continue,
        };
        req.fee_limit = Some(lnrpc::lnrpc::FeeLimit { limit: Some(limit) });
    }
    query_routes(rpc, h, req, pub_key, amt)
}

async fn query_routes_post(
    State(rpc): State<Rpc>,
    h: HeaderMap,
    axum::extract::Path((pub_key, amt)): axum::extract::Path<(String, String)>,
    b: Bytes,
) -> Response {
    match body(&b) {
        Ok(req) => query_routes(rpc, h, req, pub_key, amt),
        Err(e) => e,
    }
}

fn query_routes(rpc: Rpc, h: HeaderMap, mut req: lnrpc::lnrpc::QueryRoutesRequest, pub_key: String, amt: String) -> Response {
    let Ok(amt) = amt.parse::<i64>() else {
        return error(&Status::invalid_argument(format!("type mismatch, parameter: amt, error: strconv.ParseInt: parsing {amt:?}: invalid syntax")));
    };
    req.pub_key = pub_key;
    req.amt = amt;
    reply(rpc.query_routes(&metadata(&h), req))
}

/// CloseChannel: the channel point from the path (display-order txid), the rest from the
/// query string.
async fn close_channel(
    State(rpc): State<Rpc>,
    h: HeaderMap,
    uri: axum::http::Uri,
    axum::extract::Path((txid, index)): axum::extract::Path<(String, String)>,
) -> Response {
    const FIELDS: &[(&str, Q)] = &[
        ("force", Q::Bool),
        ("target_conf", Q::Int),
        ("sat_per_byte", Q::Int),
        ("delivery_address", Q::Str),
        ("sat_per_vbyte", Q::Int),
        ("max_fee_per_vbyte", Q::Int),
        ("no_wait", Q::Bool),
    ];
    let mut req: lnrpc::lnrpc::CloseChannelRequest = match query_message(uri.query(), FIELDS) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let Ok(output_index) = index.parse::<u32>() else {
        return error(&Status::invalid_argument(format!(
            "type mismatch, parameter: channel_point.output_index, error: strconv.ParseUint: parsing {index:?}: invalid syntax"
        )));
    };
    req.channel_point = Some(lnrpc::lnrpc::ChannelPoint { funding_txid: Some(lnrpc::lnrpc::channel_point::FundingTxid::FundingTxidStr(txid)), output_index });
    ndjson(rpc.close_channel(&metadata(&h), req)).await
}

/// Go's strconv wording for a bad number.
fn go_num_error(e: &std::num::ParseIntError) -> &'static str {
    match e.kind() {
        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => "value out of range",
        _ => "invalid syntax",
    }
}

/// grpc-gateway's `runtime.Bytes`: standard base64, then URL-safe, both padded.
fn gateway_bytes(v: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    STANDARD.decode(v).or_else(|_| URL_SAFE.decode(v)).ok()
}

pub(super) fn form_urlencoded(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Go's `url.ParseQuery` unescaping: `+` is a space, `%XX` a byte.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                Ok(v) => {
                    out.push(v);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `Grpc-Metadata-<key>` headers become gRPC metadata `<key>` (grpc-gateway's
/// DefaultHeaderMatcher), so the RPC layer sees what a gRPC client would send.
fn metadata(headers: &HeaderMap) -> MetadataMap {
    let mut md = MetadataMap::new();
    // lnd's REST proxy is a gRPC client of lnd on loopback: that is the peer every REST
    // call has (so an `ipaddr` caveat naming the browser's address fails over REST).
    md.insert(crate::rpc::PEER_KEY, MetadataValue::from_static("127.0.0.1"));
    for (name, value) in headers {
        let Some(key) = name.as_str().strip_prefix("grpc-metadata-") else { continue };
        if key == crate::rpc::PEER_KEY {
            continue;
        }
        if let (Ok(k), Ok(v)) = (MetadataKey::from_bytes(key.as_bytes()), MetadataValue::try_from(value.as_bytes())) {
            md.append(k, v);
        }
    }
    md
}

/// `body: "*"`: the whole message is the JSON body; an empty body is an empty message;
/// unknown fields are rejected as lnd's protojson rejects them.
#[allow(clippy::result_large_err)]
fn body<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, Response> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| error(&Status::invalid_argument(format!("proto: syntax error: {e}"))))
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let body = to_lnd_json(value);
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// A message as lnd's REST proxy writes it (protojson with EmitUnpopulated): pbjson already
/// emits every scalar, list and map, but leaves out unset message fields, which lnd writes
/// as `null` (oneof members excepted). Found by the Rust type's name in lnd's descriptors.
fn to_lnd_json<T: Serialize>(value: &T) -> Vec<u8> {
    use std::collections::HashMap;
    use std::sync::LazyLock;
    // prost renames messages to UpperCamelCase (HTLCAttempt becomes HtlcAttempt), so they
    // are looked up without case or underscores.
    fn key(full_name: &str) -> String {
        full_name.to_lowercase().replace('_', "")
    }
    // Only messages that can hold an unset message field anywhere inside; every other reply
    // (GetInfo, GetState, …) is written directly, without a detour through a JSON tree.
    static NEED_NULLS: LazyLock<HashMap<String, prost_reflect::MessageDescriptor>> = LazyLock::new(|| {
        let pool = prost_reflect::DescriptorPool::decode(lnrpc::FILE_DESCRIPTOR_SET).expect("lnd's descriptors");
        pool.all_messages().filter(|m| may_hold_unset(m, &mut Vec::new())).map(|m| (key(m.full_name()), m)).collect()
    });
    let mut parts = std::any::type_name::<T>().rsplit("::");
    let message = match (parts.next(), parts.next()) {
        (Some(name), Some(package)) => NEED_NULLS.get(&key(&format!("{package}.{name}"))),
        _ => None,
    };
    let Some(message) = message else { return serde_json::to_vec(value).unwrap_or_default() };
    let mut v = serde_json::to_value(value).unwrap_or_default();
    fill_unset_messages(&mut v, message);
    serde_json::to_vec(&v).unwrap_or_default()
}

/// Whether a message, or one in its lists and maps, has a message field outside a oneof
/// (which protojson writes as null when unset). `seen` guards against recursive types.
fn may_hold_unset(message: &prost_reflect::MessageDescriptor, seen: &mut Vec<String>) -> bool {
    use prost_reflect::Kind;
    if seen.iter().any(|s| s == message.full_name()) {
        return false;
    }
    seen.push(message.full_name().to_string());
    message.fields().any(|field| match field.kind() {
        Kind::Message(inner) if field.is_map() => match inner.map_entry_value_field().kind() {
            Kind::Message(values) => may_hold_unset(&values, seen),
            _ => false,
        },
        Kind::Message(inner) if field.is_list() => may_hold_unset(&inner, seen),
        // A oneof member is never written as null itself, but what it holds may be.
        Kind::Message(inner) => field.containing_oneof().is_none() || may_hold_unset(&inner, seen),
        _ => false,
    })
}

fn fill_unset_messages(v: &mut serde_json::Value, message: &prost_reflect::MessageDescriptor) {
    use prost_reflect::Kind;
    use serde_json::Value;
    let Value::Object(obj) = v else { return };
    for field in message.fields() {
        let Kind::Message(inner) = field.kind() else { continue };
        let name = field.name();
        if field.is_map() {
            if let (Kind::Message(values), Some(Value::Object(entries))) = (inner.map_entry_value_field().kind(), obj.get_mut(name)) {
                entries.values_mut().for_each(|e| fill_unset_messages(e, &values));
            }
        } else if field.is_list() {
            if let Some(Value::Array(items)) = obj.get_mut(name) {
                items.iter_mut().for_each(|i| fill_unset_messages(i, &inner));
            }
        } else {
            match obj.get_mut(name) {
                Some(present) => fill_unset_messages(present, &inner),
                None if field.containing_oneof().is_none() => {
                    obj.insert(name.to_string(), Value::Null);
                }
                None => {}
            }
        }
    }
}

fn reply<T: Serialize>(result: Result<T, Status>) -> Response {
    match result {
        Ok(msg) => json(StatusCode::OK, &msg),
        Err(status) => error(&status),
    }
}

#[derive(Serialize)]
struct StatusBody<'a> {
    code: i32,
    message: &'a str,
    details: [(); 0],
}

fn status_body(s: &Status) -> StatusBody<'_> {
    StatusBody { code: s.code() as i32, message: s.message(), details: [] }
}

fn error(s: &Status) -> Response {
    json(http_status(s.code()), &status_body(s))
}

/// grpc-gateway's `HTTPStatusFromCode`.
fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::Cancelled => StatusCode::from_u16(499).expect("valid"),
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => StatusCode::BAD_REQUEST,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

#[derive(Serialize)]
enum Line<'a, T> {
    #[serde(rename = "result")]
    Result(&'a T),
    #[serde(rename = "error")]
    Error(StatusBody<'a>),
}

fn line<T: Serialize>(l: Line<'_, T>) -> Bytes {
    let mut v = match l {
        Line::Result(msg) => {
            let mut v = b"{\"result\":".to_vec();
            v.extend(to_lnd_json(msg));
            v.push(b'}');
            v
        }
        error => serde_json::to_vec(&error).unwrap_or_default(),
    };
    v.push(b'\n');
    Bytes::from(v)
}

/// grpc-gateway's ForwardResponseStream: nothing (not even headers) is sent before the
/// first message; a failure before it is a non-200 status with a wrapped `{"error":…}`
/// line; after it, one `{"result":…}` line per message and an `{"error":…}` line on failure.
async fn ndjson<T: Serialize + Send + 'static>(stream: Result<RpcStream<T>, Status>) -> Response {
    let mut stream = match stream {
        Ok(s) => s,
        Err(s) => return wrapped_error(&s),
    };
    let first = match stream.next().await {
        Some(Ok(msg)) => line(Line::Result(&msg)),
        Some(Err(s)) => return wrapped_error(&s),
        None => Bytes::new(),
    };
    let rest = stream.scan(false, |failed, item| {
        let out = if *failed {
            None
        } else {
            Some(match item {
                Ok(msg) => line(Line::Result(&msg)),
                Err(s) => {
                    *failed = true;
                    line::<T>(Line::Error(status_body(&s)))
                }
            })
        };
        futures::future::ready(out)
    });
    let body = futures::stream::once(futures::future::ready(first)).chain(rest).map(Ok::<_, std::convert::Infallible>);
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], Body::from_stream(body)).into_response()
}

fn wrapped_error(s: &Status) -> Response {
    (http_status(s.code()), [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], line::<()>(Line::Error(status_body(s)))).into_response()
}

/// lnd's `allowCORS` (rpcserver.go): with `restcors` empty there is no CORS handling at
/// all; a request without Origin passes untouched; otherwise the allow-headers and methods
/// are always set, the origin is echoed only on a match, and preflights answer 200 empty.
async fn allow_cors(State(allowed): State<Arc<Vec<String>>>, req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let (Some(origin), false) = (origin, allowed.is_empty()) else {
        return next.run(req).await;
    };
    let matched = allowed.iter().any(|a| a == "*" || a.as_bytes() == origin.as_bytes());
    let preflight = req.method() == Method::OPTIONS;
    let mut resp = if preflight { StatusCode::OK.into_response() } else { next.run(req).await };
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Content-Type, Accept, Grpc-Metadata-Macaroon"));
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, DELETE"));
    if matched {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[test]
    fn every_rpc_has_lnd_v0_20s_route() {
        for rpc in crate::rpc::ALL {
            let selector = rpc.name.trim_start_matches('/').replace('/', ".");
            let ours: Vec<_> = ROUTES.iter().filter(|r| r.2 == selector).collect();
            assert!(!ours.is_empty(), "{selector} has no REST route");
            for (method, path, _) in ours {
                let lnd = lnrpc::rest_rules::for_selector(&selector);
                assert!(lnd.iter().any(|r| r.method == *method && r.path == *path), "{method} {path} is not lnd's route for {selector}: {lnd:?}");
            }
        }
    }

    /// The router answers every route in the table (not 404/501), so the table is not
    /// just a list that drifted from what is served.
    #[tokio::test]
    async fn router_serves_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let node = world::node::Node::start("t".into(), "#000000".into(), None);
        let settings = crate::rpc::NodeSettings {
            p2p_host: "127.0.0.1".into(),
            p2p_port: 9735,
            startup_step: std::time::Duration::from_millis(1),
            lnd: Default::default(),
            unserved: vec![],
            no_macaroons: false,
            announced_host: None,
        };
        let ledger = crate::ledger::Ledger::open(dir.path().join("chain.json")).unwrap();
        let rpc = NodeRpc::new(node, ledger, Default::default(), crate::store::NodeDir::new(dir.path().into()), settings);
        for (method, path, selector) in ROUTES {
            let req = axum::http::Request::builder().method(*method).uri(*path).body(Body::empty()).unwrap();
            let resp = router(Arc::clone(&rpc), vec![]).oneshot(req).await.unwrap();
            assert!(![StatusCode::NOT_FOUND, StatusCode::NOT_IMPLEMENTED].contains(&resp.status()), "{selector}: {}", resp.status());
        }
        let req = axum::http::Request::builder().method("PUT").uri("/v1/getinfo").body(Body::empty()).unwrap();
        assert_eq!(router(rpc, vec![]).oneshot(req).await.unwrap().status(), StatusCode::NOT_IMPLEMENTED);
    }

    #[test]
    fn unset_messages_are_null_as_lnd_writes_them() {
        use lnrpc::lnrpc as pb;
        let v = |bytes: Vec<u8>| serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
        let attempt = v(to_lnd_json(&pb::HtlcAttempt::default()));
        assert_eq!((&attempt["route"], &attempt["failure"]), (&serde_json::Value::Null, &serde_json::Value::Null));
        assert!(attempt.as_object().unwrap().contains_key("failure"));
        let payment = v(to_lnd_json(&pb::Payment { htlcs: vec![pb::HtlcAttempt::default()], ..Default::default() }));
        assert!(payment["htlcs"][0].as_object().unwrap().contains_key("failure"), "inside lists too");
        let point = v(to_lnd_json(&pb::ChannelPoint::default()));
        assert!(!point.as_object().unwrap().keys().any(|k| k.starts_with("funding_txid")), "unset oneof members stay out: {point}");
        let event = v(to_lnd_json(&pb::ChannelEventUpdate::default()));
        assert_eq!(event.as_object().unwrap().len(), 1, "only `type`: {event}");
        let line = String::from_utf8(line(Line::Result(&pb::HtlcAttempt::default())).to_vec()).unwrap();
        assert!(line.starts_with("{\"result\":{") && line.contains("\"failure\":null") && line.ends_with("}\n"), "{line}");
    }

    #[test]
    fn gateway_bytes_accepts_padded_std_and_url_base64_only() {
        assert_eq!(gateway_bytes("+/8="), Some(vec![0xfb, 0xff]));
        assert_eq!(gateway_bytes("-_8="), Some(vec![0xfb, 0xff]));
        assert_eq!(gateway_bytes("-_8"), None, "grpc-gateway requires padding");
    }

    #[test]
    fn query_unescaping_follows_go() {
        assert_eq!(form_urlencoded("a=x+y&b=%2B%2F&c"), vec![("a".into(), "x y".into()), ("b".into(), "+/".into()), ("c".into(), "".into())]);
    }

    #[test]
    fn macaroon_header_becomes_metadata() {
        let mut h = HeaderMap::new();
        h.insert("Grpc-Metadata-macaroon", HeaderValue::from_static("0201"));
        h.insert("authorization", HeaderValue::from_static("x"));
        let md = metadata(&h);
        assert_eq!(md.get("macaroon").unwrap(), "0201");
        assert!(md.get("authorization").is_none());
    }
}
