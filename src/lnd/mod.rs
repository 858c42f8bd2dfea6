//! The node client: one typed API over lnd's protocol, spoken over REST or gRPC-web.
//! Knows nothing of the UI. Encodings, errors and credentials are plain Rust (tested
//! natively); the two transports use the browser's fetch() and exist only in wasm.

pub mod access;
mod credentials;
pub mod endpoint;
mod error;
pub mod fallback;
#[cfg(target_arch = "wasm32")]
mod grpcweb;
pub mod once;
pub mod rest;
pub mod rpc;
#[cfg(any(target_arch = "wasm32", test))]
mod subscriptions;

use std::pin::Pin;

use futures::Stream;
pub use lnrpc::lnrpc as pb;

pub use credentials::Macaroon;
pub use endpoint::{Endpoint, Transport};
pub use error::LndError;

/// The custom record a keysend's preimage travels in (lnd's `record.KeySendType`).
pub const KEYSEND_RECORD: u64 = 5_482_373_484;
/// The custom record most wallets put a keysend's message in (as UTF-8).
pub const MESSAGE_RECORD: u64 = 34_349_334;

/// A server stream; dropping it cancels the request.
pub type LndStream<T> = Pin<Box<dyn Stream<Item = Result<T, LndError>>>>;

pub use pb::WalletState;

#[cfg(target_arch = "wasm32")]
pub use client::Lnd;

/// After a fetch() fails, find out why: a `no-cors` request succeeds (with an opaque answer)
/// when the server is up and its certificate trusted, so the failure was CORS; if that fails
/// too, the node is unreachable (down, wrong address, or an untrusted certificate).
#[cfg(target_arch = "wasm32")]
pub(crate) async fn diagnose(base: &str, grpc_web: bool) -> LndError {
    use wasm_bindgen_futures::JsFuture;
    let unreachable = || LndError::Unreachable { url: base.to_string(), https: base.starts_with("https:"), grpc_web };
    let probe_path = if grpc_web { "/" } else { "/v1/state" };
    let Some(window) = web_sys::window() else { return unreachable() };
    let init = web_sys::RequestInit::new();
    init.set_mode(web_sys::RequestMode::NoCors);
    match JsFuture::from(window.fetch_with_str_and_init(&format!("{base}{probe_path}"), &init)).await {
        Ok(_) => LndError::Cors { url: base.to_string(), origin: window.location().origin().unwrap_or_default() },
        Err(_) => unreachable(),
    }
}

/// The newer call's stream, or, when the node answers that it has no such call, the
/// stream `older` gives (see `fallback` for why that cannot send anything twice).
#[cfg(target_arch = "wasm32")]
fn unless_unsupported<T: 'static>(newer: LndStream<T>, older: impl FnOnce() -> LndStream<T> + 'static) -> LndStream<T> {
    use futures::StreamExt;
    Box::pin(
        futures::stream::once(async move {
            let mut newer = newer;
            match newer.next().await {
                Some(Err(LndError::Unsupported { .. })) => older(),
                Some(first) => Box::pin(futures::stream::once(std::future::ready(first)).chain(newer)) as LndStream<T>,
                None => Box::pin(futures::stream::empty()),
            }
        })
        .flatten(),
    )
}

#[cfg(target_arch = "wasm32")]
fn now_ns() -> i64 {
    (js_sys::Date::now() * 1_000_000.0) as i64
}

#[cfg(target_arch = "wasm32")]
mod client {
    use futures::StreamExt;

    use super::grpcweb::GrpcWeb;
    use super::rest::Rest;
    use super::rpc::{self, Rpc};
    use super::*;

    #[derive(Clone)]
    enum Wire {
        Rest(Rest),
        GrpcWeb(GrpcWeb),
    }

    /// A connection to one lnd node.
    #[derive(Clone)]
    pub struct Lnd {
        endpoint: Endpoint,
        macaroon: Option<Macaroon>,
        /// What the macaroon allows, read once: pages ask on every render.
        access: Option<super::access::Access>,
        wire: Wire,
    }

    impl Lnd {
        pub fn new(endpoint: Endpoint, macaroon: Option<Macaroon>) -> Self {
            let hex = macaroon.as_ref().map(Macaroon::hex);
            let wire = match endpoint.transport {
                Transport::Rest => Wire::Rest(Rest::new(endpoint.url.clone(), hex)),
                Transport::GrpcWeb => Wire::GrpcWeb(GrpcWeb::new(endpoint.url.clone(), hex)),
            };
            let access = macaroon.as_ref().and_then(|m| super::access::Access::read(m.bytes()));
            Lnd { endpoint, macaroon, access, wire }
        }

        pub fn endpoint(&self) -> &Endpoint {
            &self.endpoint
        }

        /// The macaroon this handle sends (for saving it in the vault).
        pub fn macaroon(&self) -> Option<&Macaroon> {
            self.macaroon.as_ref()
        }

        pub fn has_macaroon(&self) -> bool {
            self.macaroon.is_some()
        }

        /// What the macaroon allows, when it is one lnd baked (None: unknown, let lnd judge).
        pub fn access(&self) -> Option<&super::access::Access> {
            self.access.as_ref()
        }

        /// The same node with another macaroon (e.g. the admin macaroon InitWallet returns).
        pub fn with_macaroon(&self, macaroon: Macaroon) -> Self {
            Lnd::new(self.endpoint.clone(), Some(macaroon))
        }

        fn state_of(raw: i32) -> WalletState {
            WalletState::try_from(raw).unwrap_or(WalletState::WaitingToStart)
        }

        /// One call, over whichever transport this node speaks; every RPC goes through here.
        async fn unary<Req, Resp>(&self, rpc: &Rpc<Req, Resp>, req: Req) -> Result<Resp, LndError>
        where
            Req: prost::Message,
            Resp: prost::Message + Default + serde::de::DeserializeOwned,
        {
            match &self.wire {
                Wire::Rest(r) => r.unary((rpc.rest)(&req)).await,
                Wire::GrpcWeb(g) => g.unary(rpc.path, &req).await,
            }
        }

        /// One server stream, over whichever transport this node speaks.
        fn stream<Req, Resp>(&self, rpc: &Rpc<Req, Resp>, req: Req) -> LndStream<Resp>
        where
            Req: prost::Message,
            Resp: prost::Message + Default + serde::de::DeserializeOwned + 'static,
        {
            match &self.wire {
                Wire::Rest(r) => r.stream((rpc.rest)(&req)),
                Wire::GrpcWeb(g) => g.stream(rpc.path, &req),
            }
        }

        pub async fn get_state(&self) -> Result<WalletState, LndError> {
            Ok(Self::state_of(self.unary(&rpc::GET_STATE, pb::GetStateRequest {}).await?.state))
        }

        /// A subscription (a stream that only follows the node) waits for room on a plain-HTTP
        /// endpoint and closes when the page is left, see `subscriptions`; streams that carry
        /// an action (open, close, pay, track) never wait, or the action would not start.
        fn followed<T: 'static>(&self, raw: LndStream<T>) -> LndStream<T> {
            super::subscriptions::follow(self.endpoint().url.clone(), raw)
        }

        /// The current state at once, then each change.
        pub fn subscribe_state(&self) -> LndStream<WalletState> {
            let raw = self.stream(&rpc::SUBSCRIBE_STATE, pb::SubscribeStateRequest {});
            Box::pin(self.followed(raw).map(|r| r.map(|s| Self::state_of(s.state))))
        }

        pub async fn gen_seed(&self, aezeed_passphrase: &[u8]) -> Result<pb::GenSeedResponse, LndError> {
            self.unary(&rpc::GEN_SEED, pb::GenSeedRequest { aezeed_passphrase: aezeed_passphrase.to_vec(), seed_entropy: vec![] }).await
        }

        /// Creates the wallet; returns the admin macaroon lnd bakes for it.
        pub async fn init_wallet(&self, req: pb::InitWalletRequest) -> Result<Macaroon, LndError> {
            Macaroon::from_bytes(self.unary(&rpc::INIT_WALLET, req).await?.admin_macaroon)
        }

        /// Changes a locked wallet's password (lnd then unlocks it). With `new_root_key`
        /// lnd also replaces its macaroon root key, so every macaroon baked before stops
        /// working, and returns the new admin macaroon.
        pub async fn change_password(&self, current: &[u8], new: &[u8], new_root_key: bool) -> Result<Macaroon, LndError> {
            let req = pb::ChangePasswordRequest {
                current_password: current.to_vec(),
                new_password: new.to_vec(),
                new_macaroon_root_key: new_root_key,
                ..Default::default()
            };
            Macaroon::from_bytes(self.unary(&rpc::CHANGE_PASSWORD, req).await?.admin_macaroon)
        }

        pub async fn unlock_wallet(&self, password: &[u8]) -> Result<(), LndError> {
            self.unary(&rpc::UNLOCK_WALLET, pb::UnlockWalletRequest { wallet_password: password.to_vec(), ..Default::default() }).await.map(drop)
        }

        pub async fn get_info(&self) -> Result<pb::GetInfoResponse, LndError> {
            self.unary(&rpc::GET_INFO, pb::GetInfoRequest {}).await
        }

        pub async fn new_address(&self, kind: pb::AddressType) -> Result<String, LndError> {
            Ok(self.unary(&rpc::NEW_ADDRESS, pb::NewAddressRequest { r#type: kind as i32, account: String::new() }).await?.address)
        }

        pub async fn wallet_balance(&self) -> Result<pb::WalletBalanceResponse, LndError> {
            self.unary(&rpc::WALLET_BALANCE, Default::default()).await
        }

        /// Sends on-chain; returns the txid.
        pub async fn send_coins(&self, req: pb::SendCoinsRequest) -> Result<String, LndError> {
            Ok(self.unary(&rpc::SEND_COINS, req).await?.txid)
        }

        /// Every UTXO, unconfirmed ones included.
        pub async fn list_unspent(&self) -> Result<Vec<pb::Utxo>, LndError> {
            Ok(self.unary(&rpc::LIST_UNSPENT, pb::ListUnspentRequest { min_confs: 0, max_confs: i32::MAX, account: String::new() }).await?.utxos)
        }

        pub async fn get_transactions(&self) -> Result<Vec<pb::Transaction>, LndError> {
            Ok(self.unary(&rpc::GET_TRANSACTIONS, Default::default()).await?.transactions)
        }

        /// The transaction this wallet made with `label`, if any: how a send whose answer
        /// was lost is found (see `once`).
        pub async fn find_labelled_transaction(&self, label: &str) -> Result<Option<String>, LndError> {
            Ok(self.get_transactions().await?.into_iter().find(|t| t.label == label).map(|t| t.tx_hash))
        }

        /// Each wallet transaction as it appears and as it confirms.
        pub fn subscribe_transactions(&self) -> LndStream<pb::Transaction> {
            self.followed(self.stream(&rpc::SUBSCRIBE_TRANSACTIONS, Default::default()))
        }

        pub async fn connect_peer(&self, pubkey: &str, host: &str) -> Result<(), LndError> {
            let req =
                pb::ConnectPeerRequest { addr: Some(pb::LightningAddress { pubkey: pubkey.to_string(), host: host.to_string() }), perm: false, timeout: 30 };
            self.unary(&rpc::CONNECT_PEER, req).await.map(drop)
        }

        pub async fn list_peers(&self) -> Result<Vec<pb::Peer>, LndError> {
            Ok(self.unary(&rpc::LIST_PEERS, Default::default()).await?.peers)
        }

        pub async fn disconnect_peer(&self, pubkey: &str) -> Result<(), LndError> {
            self.unary(&rpc::DISCONNECT_PEER, pb::DisconnectPeerRequest { pub_key: pubkey.to_string() }).await.map(drop)
        }

        /// Peers coming online and going offline.
        pub fn subscribe_peer_events(&self) -> LndStream<pb::PeerEvent> {
            self.followed(self.stream(&rpc::SUBSCRIBE_PEER_EVENTS, pb::PeerEventSubscription {}))
        }

        pub async fn estimate_fee(&self, address: &str, sats: i64, target_conf: i32) -> Result<pb::EstimateFeeResponse, LndError> {
            let req = pb::EstimateFeeRequest { addr_to_amount: [(address.to_string(), sats)].into_iter().collect(), target_conf, ..Default::default() };
            self.unary(&rpc::ESTIMATE_FEE, req).await
        }

        pub async fn channel_balance(&self) -> Result<pb::ChannelBalanceResponse, LndError> {
            self.unary(&rpc::CHANNEL_BALANCE, pb::ChannelBalanceRequest {}).await
        }

        pub async fn list_channels(&self) -> Result<Vec<pb::Channel>, LndError> {
            let resp = self.unary(&rpc::LIST_CHANNELS, pb::ListChannelsRequest { peer_alias_lookup: true, ..Default::default() }).await?;
            // lnd puts its lookup failure in the alias field itself; a peer it has no
            // announcement of simply has no alias.
            Ok(resp
                .channels
                .into_iter()
                .map(|c| if c.peer_alias.starts_with("unable to lookup peer alias") { pb::Channel { peer_alias: String::new(), ..c } } else { c })
                .collect())
        }

        pub async fn pending_channels(&self) -> Result<pb::PendingChannelsResponse, LndError> {
            self.unary(&rpc::PENDING_CHANNELS, Default::default()).await
        }

        /// The funding output ("txid:index") of the channel opened with `memo`, pending or
        /// open, if any: how an open whose answer was lost is found (see `once`).
        pub async fn find_channel_with_memo(&self, memo: &str) -> Result<Option<String>, LndError> {
            let pending = self.pending_channels().await?;
            let opening = pending.pending_open_channels.into_iter().filter_map(|p| p.channel).find(|c| c.memo == memo);
            if let Some(c) = opening {
                return Ok(Some(c.channel_point));
            }
            Ok(self.list_channels().await?.into_iter().find(|c| c.memo == memo).map(|c| c.channel_point))
        }

        pub async fn closed_channels(&self) -> Result<Vec<pb::ChannelCloseSummary>, LndError> {
            Ok(self.unary(&rpc::CLOSED_CHANNELS, Default::default()).await?.channels)
        }

        /// Channels opening, opening, going active or inactive, closing and resolved.
        pub fn subscribe_channel_events(&self) -> LndStream<pb::ChannelEventUpdate> {
            self.followed(self.channel_events())
        }

        fn channel_events(&self) -> LndStream<pb::ChannelEventUpdate> {
            self.stream(&rpc::SUBSCRIBE_CHANNEL_EVENTS, pb::ChannelEventSubscription {})
        }

        /// Every HTLC this node sends, forwards or receives, as it happens (the router's
        /// notifier: forwards, settles, failures with lnd's reasons).
        pub fn subscribe_htlc_events(&self) -> LndStream<lnrpc::routerrpc::HtlcEvent> {
            self.followed(self.stream(&rpc::SUBSCRIBE_HTLC_EVENTS, lnrpc::routerrpc::SubscribeHtlcEventsRequest {}))
        }

        /// The funding flow as it happens: pending (funding published), then open. A node that
        /// does not stream it (an older lnd's REST, a partial proxy) is asked with
        /// OpenChannelSync, and the open is then seen on the channel events stream.
        pub fn open_channel(&self, req: pb::OpenChannelRequest) -> LndStream<pb::OpenStatusUpdate> {
            let streamed = self.stream(&rpc::OPEN_CHANNEL, req.clone());
            let this = self.clone();
            unless_unsupported(streamed, move || Box::pin(futures::stream::once(async move { this.open_channel_sync(req).await }).flatten()))
        }

        async fn open_channel_sync(&self, req: pb::OpenChannelRequest) -> LndStream<pb::OpenStatusUpdate> {
            // Part of the action: it must not wait behind the page's subscriptions.
            let events = self.channel_events();
            let point = match self.unary(&rpc::OPEN_CHANNEL_SYNC, req).await {
                Ok(p) => p,
                Err(e) => return Box::pin(futures::stream::once(std::future::ready(Err(e)))),
            };
            let pending = futures::stream::once(std::future::ready(Ok(fallback::pending_update(point.clone()))));
            let opened = events
                .filter_map(move |event| {
                    std::future::ready(match event {
                        Ok(e) => fallback::opened_point(&e).filter(|p| fallback::same_point(p, &point)).map(|p| {
                            Ok(pb::OpenStatusUpdate {
                                update: Some(pb::open_status_update::Update::ChanOpen(pb::ChannelOpenUpdate { channel_point: Some(p) })),
                                pending_chan_id: vec![],
                            })
                        }),
                        Err(e) => Some(Err(e)),
                    })
                })
                .take(1);
            Box::pin(pending.chain(opened))
        }

        /// A close as it happens: the closing transaction published, then confirmed.
        pub fn close_channel(&self, txid: &str, output_index: u32, force: bool, sat_per_vbyte: u64) -> LndStream<pb::CloseStatusUpdate> {
            let req = pb::CloseChannelRequest {
                channel_point: Some(pb::ChannelPoint { funding_txid: Some(pb::channel_point::FundingTxid::FundingTxidStr(txid.to_string())), output_index }),
                force,
                sat_per_vbyte: if force { 0 } else { sat_per_vbyte },
                ..Default::default()
            };
            self.stream(&rpc::CLOSE_CHANNEL, req)
        }

        pub async fn add_invoice(&self, req: pb::Invoice) -> Result<pb::AddInvoiceResponse, LndError> {
            self.unary(&rpc::ADD_INVOICE, req).await
        }

        pub async fn lookup_invoice(&self, hash: &[u8]) -> Result<pb::Invoice, LndError> {
            self.unary(&rpc::LOOKUP_INVOICE, pb::PaymentHash { r_hash: hash.to_vec(), ..Default::default() }).await
        }

        pub async fn list_invoices(&self, req: pb::ListInvoiceRequest) -> Result<pb::ListInvoiceResponse, LndError> {
            self.unary(&rpc::LIST_INVOICES, req).await
        }

        /// Invoices added or settled after these indexes, then live.
        pub fn subscribe_invoices(&self, add_index: u64, settle_index: u64) -> LndStream<pb::Invoice> {
            self.followed(self.stream(&rpc::SUBSCRIBE_INVOICES, pb::InvoiceSubscription { add_index, settle_index }))
        }

        pub async fn decode_pay_req(&self, pay_req: &str) -> Result<pb::PayReq, LndError> {
            self.unary(&rpc::DECODE_PAY_REQ, pb::PayReqString { pay_req: pay_req.to_string() }).await
        }

        pub async fn list_payments(&self, req: pb::ListPaymentsRequest) -> Result<pb::ListPaymentsResponse, LndError> {
            self.unary(&rpc::LIST_PAYMENTS, req).await
        }

        pub async fn query_routes(&self, req: pb::QueryRoutesRequest) -> Result<pb::QueryRoutesResponse, LndError> {
            self.unary(&rpc::QUERY_ROUTES, req).await
        }

        /// A payment as it happens: each attempt, then success or the failure reason. A node
        /// without the router (gone from no lnd yet, but from some proxies and old nodes) pays
        /// with SendPaymentSync, and the stream has only the outcome. A hash lnd has paid
        /// or is paying already ends the stream with the same error from either call
        /// (`LndError::is_already_sent`).
        pub fn send_payment(&self, req: lnrpc::routerrpc::SendPaymentRequest) -> LndStream<pb::Payment> {
            let streamed = self.stream(&rpc::SEND_PAYMENT_V2, req.clone());
            let this = self.clone();
            unless_unsupported(streamed, move || {
                Box::pin(futures::stream::once(async move {
                    let resp = this.unary(&rpc::SEND_PAYMENT_SYNC, fallback::send_request(&req)).await?;
                    match LndError::from_payment_error(&resp.payment_error) {
                        Some(refused) => Err(refused),
                        None => Ok(fallback::payment_from_sync(&req, resp, now_ns())),
                    }
                }))
            })
        }

        /// A payment already sent (e.g. before a reload): its state, then each change. Without
        /// the router, the payments list is asked every few seconds instead.
        pub fn track_payment(&self, hash: &[u8]) -> LndStream<pb::Payment> {
            let req = lnrpc::routerrpc::TrackPaymentRequest { payment_hash: hash.to_vec(), no_inflight_updates: false };
            let streamed = self.stream(&rpc::TRACK_PAYMENT_V2, req);
            let (this, hash) = (self.clone(), hex::encode(hash));
            unless_unsupported(streamed, move || this.poll_payment(hash))
        }

        fn poll_payment(&self, hash: String) -> LndStream<pb::Payment> {
            use pb::payment::PaymentStatus;
            const EVERY: std::time::Duration = std::time::Duration::from_secs(2);
            let start = (self.clone(), hash, None::<i32>, false);
            Box::pin(futures::stream::unfold(start, |(lnd, hash, mut last, ended)| async move {
                if ended {
                    return None;
                }
                loop {
                    if last.is_some() {
                        gloo_timers::future::sleep(EVERY).await;
                    }
                    let req = pb::ListPaymentsRequest { include_incomplete: true, reversed: true, max_payments: 1_000, ..Default::default() };
                    let found = match lnd.list_payments(req).await {
                        Ok(list) => list.payments.into_iter().find(|p| p.payment_hash == hash),
                        Err(e) => return Some((Err(e), (lnd, hash, last, true))),
                    };
                    let payment = found?;
                    if last != Some(payment.status) {
                        let done = ![PaymentStatus::InFlight as i32, PaymentStatus::Initiated as i32].contains(&payment.status);
                        last = Some(payment.status);
                        return Some((Ok(payment), (lnd, hash, last, done)));
                    }
                }
            }))
        }

        /// One HTLC along the given route (SendToRouteV2, or SendToRouteSync without the router).
        pub async fn send_to_route(&self, hash: &[u8], route: pb::Route) -> Result<pb::HtlcAttempt, LndError> {
            let req = lnrpc::routerrpc::SendToRouteRequest { payment_hash: hash.to_vec(), route: Some(route.clone()), ..Default::default() };
            let sent = self.unary(&rpc::SEND_TO_ROUTE_V2, req).await;
            let Err(LndError::Unsupported { .. }) = sent else { return sent };
            #[allow(deprecated)]
            let sync = pb::SendToRouteRequest { payment_hash: hash.to_vec(), route: Some(route.clone()), ..Default::default() };
            let resp = self.unary(&rpc::SEND_TO_ROUTE_SYNC, sync).await?;
            Ok(fallback::attempt_from_sync(route, resp, now_ns()))
        }

        pub async fn add_hold_invoice(&self, req: lnrpc::invoicesrpc::AddHoldInvoiceRequest) -> Result<lnrpc::invoicesrpc::AddHoldInvoiceResp, LndError> {
            self.unary(&rpc::ADD_HOLD_INVOICE, req).await
        }

        pub async fn settle_invoice(&self, preimage: &[u8]) -> Result<(), LndError> {
            self.unary(&rpc::SETTLE_INVOICE, lnrpc::invoicesrpc::SettleInvoiceMsg { preimage: preimage.to_vec() }).await.map(drop)
        }

        pub async fn cancel_invoice(&self, hash: &[u8]) -> Result<(), LndError> {
            self.unary(&rpc::CANCEL_INVOICE, lnrpc::invoicesrpc::CancelInvoiceMsg { payment_hash: hash.to_vec() }).await.map(drop)
        }

        /// One invoice's state now and as it changes, until settled or canceled.
        pub fn subscribe_single_invoice(&self, hash: &[u8]) -> LndStream<pb::Invoice> {
            let req = lnrpc::invoicesrpc::SubscribeSingleInvoiceRequest { r_hash: hash.to_vec() };
            self.followed(self.stream(&rpc::SUBSCRIBE_SINGLE_INVOICE, req))
        }

        /// Every channel's backup, one by one and as one packed file.
        pub async fn export_all_channel_backups(&self) -> Result<pb::ChanBackupSnapshot, LndError> {
            self.unary(&rpc::EXPORT_ALL_CHANNEL_BACKUPS, pb::ChanBackupExportRequest {}).await
        }

        /// Checks a packed backup file against this node's key; returns the channels in it.
        pub async fn verify_chan_backup(&self, multi: Vec<u8>) -> Result<Vec<String>, LndError> {
            let req = pb::ChanBackupSnapshot {
                multi_chan_backup: Some(pb::MultiChanBackup { multi_chan_backup: multi, chan_points: vec![] }),
                single_chan_backups: None,
            };
            Ok(self.unary(&rpc::VERIFY_CHAN_BACKUP, req).await?.chan_points)
        }

        pub async fn restore_channel_backups(&self, multi: Vec<u8>) -> Result<u32, LndError> {
            let req = pb::RestoreChanBackupRequest { backup: Some(pb::restore_chan_backup_request::Backup::MultiChanBackup(multi)) };
            Ok(self.unary(&rpc::RESTORE_CHANNEL_BACKUPS, req).await?.num_restored)
        }

        /// A new snapshot after every channel change.
        pub fn subscribe_channel_backups(&self) -> LndStream<pb::ChanBackupSnapshot> {
            self.followed(self.stream(&rpc::SUBSCRIBE_CHANNEL_BACKUPS, pb::ChannelBackupSubscription {}))
        }

        /// This node's routing policy per channel and what forwarding earned it.
        pub async fn fee_report(&self) -> Result<pb::FeeReportResponse, LndError> {
            self.unary(&rpc::FEE_REPORT, pb::FeeReportRequest {}).await
        }

        /// Signs a message with the node's key (lnd's zbase32 signature, which anyone can
        /// check against the node's public key).
        pub async fn sign_message(&self, msg: &str) -> Result<String, LndError> {
            Ok(self.unary(&rpc::SIGN_MESSAGE, pb::SignMessageRequest { msg: msg.as_bytes().to_vec(), ..Default::default() }).await?.signature)
        }

        /// Checks a signed message: whether it verifies, and the key that signed it.
        pub async fn verify_message(&self, msg: &str, signature: &str) -> Result<pb::VerifyMessageResponse, LndError> {
            self.unary(&rpc::VERIFY_MESSAGE, pb::VerifyMessageRequest { msg: msg.as_bytes().to_vec(), signature: signature.trim().to_string() }).await
        }

        pub async fn update_channel_policy(&self, req: pb::PolicyUpdateRequest) -> Result<pb::PolicyUpdateResponse, LndError> {
            self.unary(&rpc::UPDATE_CHANNEL_POLICY, req).await
        }

        /// Payments this node forwarded, oldest first, with the peers' aliases.
        pub async fn forwarding_history(&self, index_offset: u32, max: u32) -> Result<pb::ForwardingHistoryResponse, LndError> {
            let req = pb::ForwardingHistoryRequest { index_offset, num_max_events: max, peer_alias_lookup: true, ..Default::default() };
            self.unary(&rpc::FORWARDING_HISTORY, req).await
        }

        /// The channel graph in figures: nodes, channels, capacity.
        pub async fn network_info(&self) -> Result<pb::NetworkInfo, LndError> {
            self.unary(&rpc::GET_NETWORK_INFO, pb::NetworkInfoRequest {}).await
        }

        /// A node as the channel graph knows it; none for a node not in the graph.
        pub async fn node_info(&self, pub_key: &str) -> Result<Option<pb::NodeInfo>, LndError> {
            match self.unary(&rpc::GET_NODE_INFO, pb::NodeInfoRequest { pub_key: pub_key.to_string(), ..Default::default() }).await {
                Ok(info) => Ok(Some(info)),
                Err(LndError::Node { message, .. }) if message.contains("unable to find node") => Ok(None),
                Err(e) => Err(e),
            }
        }

        /// A node's alias as the channel graph knows it; none for a node not in the graph.
        pub async fn node_alias(&self, pub_key: &str) -> Result<Option<String>, LndError> {
            Ok(self.node_info(pub_key).await?.and_then(|i| i.node).map(|n| n.alias).filter(|a| !a.is_empty()))
        }
    }
}
