//! The outside world's LNURL services, as a wallet meets them on the web: every running
//! node has a Lightning Address (`name@host:port`, LUD-16) and an LNURL-pay (LUD-06, with
//! comments (LUD-12) and a success message (LUD-09)), and withdraw vouchers (LUD-03) are
//! paid by the node that issued them. Answers carry `Access-Control-Allow-Origin: *` as
//! LUD-01 asks; the same pay request under `/nocors/` leaves it out, as services that
//! forget it do. Plain http on loopback only, like the control page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Network;

/// What a node's pay request accepts: 1 sat to 1,000,000 sat (in msat, as LUD-06 counts).
const MIN_SENDABLE: u64 = 1_000;
const MAX_SENDABLE: u64 = 1_000_000_000;
const COMMENT_ALLOWED: usize = 140;

/// A comment a payer sent with a payment (LUD-12), as the service received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub node: String,
    pub msat: u64,
    pub text: String,
}

struct Voucher {
    node: String,
    msat: u64,
    used: bool,
}

pub struct Lnurl {
    network: Arc<Network>,
    comments: Mutex<Vec<Comment>>,
    vouchers: Mutex<HashMap<String, Voucher>>,
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// LUD-01: the body says what happened, whatever the status.
fn answer(body: Value, cors: bool) -> Response {
    let mut resp = ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response();
    if cors {
        resp.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
    resp
}

fn error(reason: &str) -> Response {
    answer(json!({"status": "ERROR", "reason": reason}), true)
}

/// The host the payer asked (the service's own name for itself), `127.0.0.1:port`.
fn host(headers: &HeaderMap) -> String {
    headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_string()
}

fn metadata(name: &str, host: &str) -> String {
    json!([["text/plain", format!("Pay {name} on devnode")], ["text/identifier", format!("{name}@{host}")]]).to_string()
}

#[derive(Deserialize)]
struct PayQuery {
    amount: Option<String>,
    #[serde(default)]
    comment: String,
}

#[derive(Deserialize)]
struct WithdrawQuery {
    #[serde(default)]
    k1: String,
    #[serde(default)]
    pr: String,
}

impl Lnurl {
    pub fn new(network: Arc<Network>) -> Arc<Self> {
        Arc::new(Lnurl { network, comments: Mutex::new(Vec::new()), vouchers: Mutex::new(HashMap::new()) })
    }

    /// Every comment received, oldest first.
    pub fn comments(&self) -> Vec<Comment> {
        locked(&self.comments).clone()
    }

    /// A withdraw voucher for `sats` (at least 1, at most what a pay request takes), paid by
    /// `node`: the path of its LNURL-withdraw (to append to the service's address), usable
    /// once.
    pub fn voucher(&self, node: &str, sats: u64) -> String {
        let k1 = hex::encode(rand::random::<[u8; 16]>());
        let msat = sats.clamp(1, MAX_SENDABLE / 1000) * 1000;
        locked(&self.vouchers).insert(k1.clone(), Voucher { node: node.to_string(), msat, used: false });
        format!("/lnurlw/{k1}")
    }

    async fn pay_request(&self, name: &str, host: &str, cors: bool) -> Response {
        if self.network.rpc(name).await.is_none() {
            return error(&format!("no such user: {name}"));
        }
        answer(
            json!({
                "tag": "payRequest",
                "callback": format!("http://{host}/lnurlp/{name}/callback"),
                "minSendable": MIN_SENDABLE,
                "maxSendable": MAX_SENDABLE,
                "metadata": metadata(name, host),
                "commentAllowed": COMMENT_ALLOWED,
            }),
            cors,
        )
    }

    async fn pay_callback(&self, name: &str, host: &str, q: PayQuery) -> Response {
        let Some(msat) = q.amount.and_then(|a| a.parse::<u64>().ok()) else { return error("amount (msat) is required") };
        if !(MIN_SENDABLE..=MAX_SENDABLE).contains(&msat) {
            return error(&format!("amount must be between {MIN_SENDABLE} and {MAX_SENDABLE} msat"));
        }
        if q.comment.chars().count() > COMMENT_ALLOWED {
            return error(&format!("comment is longer than {COMMENT_ALLOWED} characters"));
        }
        let Some((rpc, md)) = self.network.as_admin(name).await.ok() else { return error(&format!("no such user: {name}")) };
        // As LNbits and most services do: the invoice commits to the metadata's hash.
        let hash = Sha256::digest(metadata(name, host).as_bytes()).to_vec();
        let req = lnrpc::lnrpc::Invoice { value_msat: msat as i64, description_hash: hash, ..Default::default() };
        match rpc.add_invoice(&md, req) {
            Ok(added) => {
                if !q.comment.is_empty() {
                    locked(&self.comments).push(Comment { node: name.to_string(), msat, text: q.comment });
                }
                answer(
                    json!({"pr": added.payment_request, "routes": [], "successAction": {"tag": "message", "message": format!("Thanks for paying {name}!")}}),
                    true,
                )
            }
            Err(e) => error(e.message()),
        }
    }

    fn withdraw_request(&self, k1: &str, host: &str) -> Response {
        match locked(&self.vouchers).get(k1) {
            Some(v) if !v.used => answer(
                json!({
                    "tag": "withdrawRequest",
                    "callback": format!("http://{host}/lnurlw/{k1}/callback"),
                    "k1": k1,
                    "defaultDescription": format!("Withdraw from {}", v.node),
                    "minWithdrawable": v.msat,
                    "maxWithdrawable": v.msat,
                }),
                true,
            ),
            Some(_) => error("this voucher has been used"),
            None => error("no such voucher"),
        }
    }

    /// LUD-03: check the invoice, answer OK, and pay it afterwards.
    fn withdraw_callback(self: &Arc<Self>, path_k1: &str, q: WithdrawQuery) -> Response {
        if q.k1 != path_k1 {
            return error("k1 does not match this voucher");
        }
        let request = match bolt11::decode(q.pr.trim()) {
            Ok(r) => r,
            Err(e) => return error(&format!("invalid invoice: {e}")),
        };
        let node = {
            let mut vouchers = locked(&self.vouchers);
            let Some(v) = vouchers.get_mut(path_k1) else { return error("no such voucher") };
            if v.used {
                return error("this voucher has been used");
            }
            if u64::try_from(request.amount_msat).ok() != Some(v.msat) {
                return error(&format!("the invoice must be for {} msat", v.msat));
            }
            v.used = true;
            v.node.clone()
        };
        // A payment that fails gives the voucher back, as a service would.
        let (network, this, k1) = (Arc::clone(&self.network), Arc::clone(self), path_k1.to_string());
        tokio::spawn(async move {
            if !matches!(network.pay(&node, q.pr.trim()).await.as_deref(), Ok(""))
                && let Some(v) = locked(&this.vouchers).get_mut(&k1)
            {
                v.used = false;
            }
        });
        answer(json!({"status": "OK"}), true)
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(
                "/.well-known/lnurlp/{name}",
                get(|State(s): State<Arc<Self>>, Path(name): Path<String>, h: HeaderMap| async move { s.pay_request(&name, &host(&h), true).await }),
            )
            .route(
                "/nocors/lnurlp/{name}",
                get(|State(s): State<Arc<Self>>, Path(name): Path<String>, h: HeaderMap| async move { s.pay_request(&name, &host(&h), false).await }),
            )
            .route(
                "/lnurlp/{name}/callback",
                get(|State(s): State<Arc<Self>>, Path(name): Path<String>, h: HeaderMap, Query(q): Query<PayQuery>| async move {
                    s.pay_callback(&name, &host(&h), q).await
                }),
            )
            .route("/lnurlw/{k1}", get(|State(s): State<Arc<Self>>, Path(k1): Path<String>, h: HeaderMap| async move { s.withdraw_request(&k1, &host(&h)) }))
            .route(
                "/lnurlw/{k1}/callback",
                get(|State(s): State<Arc<Self>>, Path(k1): Path<String>, Query(q): Query<WithdrawQuery>| async move { s.withdraw_callback(&k1, q) }),
            )
            .route(
                "/voucher",
                post(|State(s): State<Arc<Self>>, h: HeaderMap, Form(f): Form<VoucherForm>| async move {
                    let url = format!("http://{}{}", host(&h), s.voucher(&f.node, f.sats));
                    let lnurl = bitcoin::bech32::encode_upper::<bitcoin::bech32::Bech32>(bitcoin::bech32::Hrp::parse_unchecked("lnurl"), url.as_bytes())
                        .unwrap_or_default();
                    super::control::back(&format!("{} sat to withdraw from {}: {lnurl}", f.sats, f.node))
                }),
            )
            .with_state(self)
    }
}

#[derive(Deserialize)]
struct VoucherForm {
    node: String,
    sats: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    async fn get_json(router: &Router, uri: &str) -> (Option<String>, Value) {
        let req = axum::http::Request::get(uri).header("host", "127.0.0.1:8090").body(Body::empty()).expect("request");
        let resp = router.clone().oneshot(req).await.expect("answer");
        let cors = resp.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.to_str().unwrap_or_default().to_string());
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.expect("body");
        (cors, serde_json::from_slice(&body).expect("json"))
    }

    /// A network with a shop (wallet made) and the LNURL services in front of it.
    async fn shop_service() -> (tempfile::TempDir, Arc<Network>, Arc<Lnurl>, Router) {
        let dir = tempfile::tempdir().expect("dir");
        let net = Arc::new(Network::open(crate::NetworkConfig::new(dir.path())).expect("network"));
        let mut spec = crate::NodeSpec::new("shop");
        spec.rest_tls = false;
        net.start_node(spec).await.expect("shop");
        net.create_wallet("shop", b"password1").await.expect("wallet");
        let lnurl = Lnurl::new(Arc::clone(&net));
        let router = Arc::clone(&lnurl).router();
        (dir, net, lnurl, router)
    }

    #[tokio::test]
    async fn a_lightning_address_gives_an_invoice_for_the_amount_asked_and_keeps_the_comment() {
        let (_dir, _net, lnurl, router) = shop_service().await;

        let (cors, pay) = get_json(&router, "/.well-known/lnurlp/shop").await;
        assert_eq!(cors.as_deref(), Some("*"), "LUD-01 asks services to allow browser wallets");
        assert_eq!(pay["tag"], "payRequest");
        assert_eq!(pay["callback"], "http://127.0.0.1:8090/lnurlp/shop/callback");
        let metadata = pay["metadata"].as_str().expect("metadata");
        assert!(metadata.contains("shop@127.0.0.1:8090"));

        let (_, got) = get_json(&router, "/lnurlp/shop/callback?amount=21000&comment=for%20the%20coffee").await;
        let request = bolt11::decode(got["pr"].as_str().expect("pr")).expect("a payment request");
        assert_eq!(request.amount_msat, 21_000);
        assert_eq!(request.description_hash, hex::encode(Sha256::digest(metadata.as_bytes())));
        assert_eq!(got["successAction"]["tag"], "message");
        assert_eq!(lnurl.comments(), vec![Comment { node: "shop".into(), msat: 21_000, text: "for the coffee".into() }]);

        assert_eq!(get_json(&router, "/lnurlp/shop/callback?amount=1").await.1["status"], "ERROR");
        assert_eq!(get_json(&router, "/.well-known/lnurlp/nobody").await.1["status"], "ERROR");
        assert_eq!(get_json(&router, "/nocors/lnurlp/shop").await.0, None, "the forgetful service sends no CORS header");
    }

    #[tokio::test]
    async fn a_voucher_is_withdrawn_once_for_its_amount() {
        let (_dir, net, lnurl, router) = shop_service().await;
        let path = lnurl.voucher("shop", 5);
        let (_, w) = get_json(&router, &path).await;
        assert_eq!((w["tag"].as_str(), w["minWithdrawable"].as_u64(), w["maxWithdrawable"].as_u64()), (Some("withdrawRequest"), Some(5000), Some(5000)));
        let k1 = w["k1"].as_str().expect("k1").to_string();
        let wrong = net.add_invoice("shop", 6, "").await.expect("invoice");
        assert_eq!(get_json(&router, &format!("{path}/callback?k1={k1}&pr={wrong}")).await.1["status"], "ERROR", "wrong amount");
        let right = net.add_invoice("shop", 5, "").await.expect("invoice");
        assert_eq!(get_json(&router, &format!("{path}/callback?k1={k1}&pr={right}")).await.1["status"], "OK");
        assert_eq!(get_json(&router, &format!("{path}/callback?k1={k1}&pr={right}")).await.1["reason"], "this voucher has been used");
        assert_eq!(get_json(&router, &path).await.1["status"], "ERROR");
    }
}
