//! The control API: what a real lnd gets from the outside world (coins from someone, blocks
//! from miners), for demos and manual testing. A small page with forms, and the same
//! operations as JSON for scripts. Loopback only.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::Network;

#[derive(Deserialize)]
struct Fund {
    address: String,
    sats: i64,
}

#[derive(Deserialize)]
struct OpenChannel {
    from: String,
    to: String,
    sats: i64,
    #[serde(default)]
    push: i64,
}

#[derive(Deserialize)]
struct Mine {
    blocks: u32,
}

#[derive(Deserialize)]
struct Invoice {
    node: String,
    sats: i64,
    #[serde(default)]
    memo: String,
}

#[derive(Deserialize)]
struct Pay {
    node: String,
    request: String,
}

#[derive(Deserialize)]
struct Power {
    node: String,
    /// "offline" or "back".
    action: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
struct FaultForm {
    node: String,
    #[serde(default)]
    delay_ms: u64,
    #[serde(default)]
    chunk: usize,
    /// How long the node holds each HTLC it passes on (a slow hop).
    #[serde(default)]
    htlc_hold_ms: u64,
    /// Present when the "drop open streams" button was pressed.
    #[serde(default)]
    drop: Option<String>,
}

/// Text from forms and node names goes into the page escaped.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[derive(Deserialize)]
struct Note {
    note: Option<String>,
}

async fn page(State(net): State<Arc<Network>>, Query(q): Query<Note>, headers: axum::http::HeaderMap) -> Html<String> {
    let note = q.note.map(|n| format!("<p class=note>{}</p>", escape(&n)));
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_string();
    let nodes: String = net
        .node_summaries()
        .await
        .into_iter()
        .map(|(name, rest, uri)| {
            format!(
                "<li><b>{}</b> REST {} <code>{}</code><br>Lightning Address <code>{}@{}</code></li>",
                escape(&name),
                escape(&rest),
                escape(&uri),
                escape(&name),
                escape(&host)
            )
        })
        .collect();
    let offline = net.offline();
    Html(format!(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'><title>devnode control</title>\
<style>body{{font:16px system-ui;max-width:720px;margin:2rem auto;padding:0 1rem;background:#14161c;color:#e8eaf0}}\
input,button{{font:inherit;padding:.4rem;margin:.2rem 0}}form{{border:1px solid #313644;padding:1rem;margin:1rem 0;border-radius:8px}}\
code{{word-break:break-all}}.note{{color:#4cd39b}}</style>\
<h1>devnode control</h1>{}<p>Chain height: {}</p><ul>{nodes}</ul>\
<form method=post action=fund><h2>Faucet</h2><label>Address <input name=address size=50 required></label><br>\
<label>Amount (sat) <input name=sats type=number min=1 value=1000000></label><br><button>Send coins</button></form>\
<form method=post action=channel><h2>Channel</h2><label>From node <input name=from required></label> <label>to node <input name=to required></label><br><label>Capacity (sat) <input name=sats type=number min=20000 value=1000000></label> <label>Push (sat) <input name=push type=number min=0 value=0></label><br><button>Open and confirm</button></form><form method=post action=mine><h2>Miner</h2><label>Blocks <input name=blocks type=number min=1 max=1000 value=6></label> <button>Mine</button></form>\
<form method=post action=invoice><h2>Invoice</h2><label>Node <input name=node required></label> <label>Amount (sat) <input name=sats type=number min=0 value=1000></label><br><label>Memo <input name=memo></label><br><button>Create</button></form>\
<form method=post action=voucher><h2>LNURL-withdraw voucher</h2><label>Paid by node <input name=node required></label> <label>Amount (sat) <input name=sats type=number min=1 value=5000></label><br><button>Make voucher</button></form>\
<form method=post action=pay><h2>Pay</h2><label>Node <input name=node required></label><br><label>Payment request <input name=request size=50 required></label><br><button>Pay</button></form>\
<form method=post action=power><h2>Offline and back</h2><label>Node <input name=node required></label> <label>Password to unlock on return <input name=password type=password></label><br>\
<button name=action value=offline>Take offline</button> <button name=action value=back>Bring back</button>{offline}</form>\
<form method=post action=faults><h2>Faults (REST and gRPC-web)</h2><label>Node <input name=node required></label><br><label>Delay every reply (ms) <input name=delay_ms type=number min=0 value=0></label><br>\
<label>Send replies in pieces of (bytes, 0 = whole) <input name=chunk type=number min=0 value=0></label><br>\
<label>Hold each HTLC it forwards (ms; payments time out sooner) <input name=htlc_hold_ms type=number min=0 value=0></label><br><button>Apply</button> <button name=drop value=1>Drop open streams</button></form>",
        note.unwrap_or_default(),
        net.height(),
        offline = if offline.is_empty() { String::new() } else { format!("<p>Offline: {}</p>", escape(&offline.join(", "))) },
    ))
}

pub(super) fn back(note: &str) -> Response {
    let encoded: String = note.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    Redirect::to(&format!("/?note={encoded}")).into_response()
}

pub fn router(network: Arc<Network>) -> Router {
    Router::new()
        .route("/", get(page))
        .route(
            "/fund",
            post(|State(net): State<Arc<Network>>, Form(f): Form<Fund>| async move {
                match net.fund(&f.address, f.sats) {
                    Ok(txid) => back(&format!("sent {} sat in {txid} (mine a block to confirm)", f.sats)),
                    Err(e) => back(&format!("error: {e}")),
                }
            }),
        )
        .route(
            "/channel",
            post(|State(net): State<Arc<Network>>, Form(c): Form<OpenChannel>| async move {
                match net.open_channel(&c.from, &c.to, c.sats, c.push).await {
                    Ok(point) => back(&format!("opened {point} from {} to {}", c.from, c.to)),
                    Err(e) => back(&format!("error: {e}")),
                }
            }),
        )
        .route(
            "/mine",
            post(|State(net): State<Arc<Network>>, Form(m): Form<Mine>| async move {
                match net.mine(m.blocks.clamp(1, 1000)) {
                    Ok(height) => back(&format!("mined {} blocks; height {height}", m.blocks)),
                    Err(e) => back(&format!("error: {e}")),
                }
            }),
        )
        .route(
            "/invoice",
            post(|State(net): State<Arc<Network>>, Form(i): Form<Invoice>| async move {
                match net.add_invoice(&i.node, i.sats, &i.memo).await {
                    Ok(request) => back(&format!("{} invoiced: {request}", i.node)),
                    Err(e) => back(&format!("error: {e}")),
                }
            }),
        )
        .route(
            "/pay",
            post(|State(net): State<Arc<Network>>, Form(p): Form<Pay>| async move {
                match net.pay(&p.node, p.request.trim()).await {
                    Ok(e) if e.is_empty() => back(&format!("{} paid", p.node)),
                    Ok(e) => back(&format!("{} could not pay: {e}", p.node)),
                    Err(e) => back(&format!("error: {e}")),
                }
            }),
        )
        .route(
            "/power",
            post(|State(net): State<Arc<Network>>, Form(p): Form<Power>| async move {
                let password = (!p.password.is_empty()).then_some(p.password.as_bytes());
                let done = match p.action.as_str() {
                    "offline" => net.take_offline(&p.node).await.map(|()| format!("{} is offline", p.node)),
                    _ => net.bring_back(&p.node, password).await.map(|_| format!("{} is back", p.node)),
                };
                back(&done.unwrap_or_else(|e| format!("error: {e}")))
            }),
        )
        .route(
            "/faults",
            post(|State(net): State<Arc<Network>>, Form(f): Form<FaultForm>| async move {
                let faults = net.faults(&f.node);
                if f.drop.is_some() {
                    faults.drop_streams();
                    return back(&format!("dropped {}'s open streams", f.node));
                }
                faults.set_delay(std::time::Duration::from_millis(f.delay_ms.min(60_000)));
                faults.set_chunk(f.chunk);
                if let Some(rpc) = net.rpc(&f.node).await {
                    rpc.set_htlc_hold(std::time::Duration::from_millis(f.htlc_hold_ms));
                }
                back(&format!(
                    "{}: replies delayed {} ms, in pieces of {} bytes",
                    f.node,
                    f.delay_ms,
                    if f.chunk == 0 { "any".to_string() } else { f.chunk.to_string() }
                ))
            }),
        )
        .with_state(network)
}

/// Serves the control page, and beside it the nodes' LNURL services (see `lnurl`), until
/// the task is dropped.
pub async fn serve(network: Arc<Network>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let lnurl = super::lnurl::Lnurl::new(Arc::clone(&network));
    axum::serve(listener, router(network).merge(lnurl.router())).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[tokio::test]
    async fn the_faucet_pays_and_the_miner_confirms() {
        let dir = tempfile::tempdir().unwrap();
        let network = Arc::new(Network::open(crate::NetworkConfig::new(dir.path())).unwrap());
        let form = |path: &str, body: String| {
            axum::http::Request::builder()
                .method("POST")
                .uri(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(body))
                .unwrap()
        };
        let addr = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
        let resp = router(Arc::clone(&network)).oneshot(form("/fund", format!("address={addr}&sats=5000"))).await.unwrap();
        assert_eq!(resp.status(), axum::http::StatusCode::SEE_OTHER);
        let resp = router(Arc::clone(&network)).oneshot(form("/mine", "blocks=3".into())).await.unwrap();
        assert!(resp.headers()["location"].to_str().unwrap().contains("height%203"));
        assert_eq!(network.height(), 3);
        let bad = router(Arc::clone(&network)).oneshot(form("/fund", "address=%3Cscript%3E&sats=1".into())).await.unwrap();
        let location = bad.headers()["location"].to_str().unwrap().to_string();
        let page = router(network).oneshot(axum::http::Request::get(location).body(axum::body::Body::empty()).unwrap()).await.unwrap();
        let html = String::from_utf8(axum::body::to_bytes(page.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap();
        assert!(html.contains("error: decoded address is of unknown format"), "{html}");
        assert!(!html.contains("<script>"), "form text is escaped");
    }

    #[tokio::test]
    async fn nodes_invoice_pay_go_offline_and_misbehave_from_the_page() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = crate::NetworkConfig::new(dir.path());
        config.startup_step = std::time::Duration::from_millis(1);
        let network = Arc::new(Network::open(config).unwrap());
        for name in ["a", "b"] {
            let spec = crate::NodeSpec { rest_tls: false, ..crate::NodeSpec::new(name) };
            network.start_node(spec).await.unwrap();
            network.create_wallet(name, b"password1").await.unwrap();
        }
        network.fund_node("a", 1_000_000, 1).await.unwrap();
        network.open_channel("a", "b", 500_000, 0).await.unwrap();
        let post = |path: &str, body: &str| {
            let req = axum::http::Request::builder()
                .method("POST")
                .uri(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let net = Arc::clone(&network);
            async move {
                let resp = router(net).oneshot(req).await.unwrap();
                let location = resp.headers()["location"].to_str().unwrap().to_string();
                let note = location.trim_start_matches("/?note=");
                String::from_utf8(form_decode(note)).unwrap()
            }
        };
        let note = post("/invoice", "node=b&sats=2000&memo=tea").await;
        let request = note.split(": ").nth(1).expect("the request").to_string();
        assert!(request.starts_with("lnbcrt20u1"), "{note}");
        assert_eq!(post("/pay", &format!("node=a&request={request}")).await, "a paid");
        assert_eq!(post("/pay", &format!("node=a&request={request}")).await, "a could not pay: invoice is already paid");

        assert_eq!(post("/faults", "node=a&delay_ms=250&chunk=7").await, "a: replies delayed 250 ms, in pieces of 7 bytes");
        assert_eq!((network.faults("a").delay().as_millis(), network.faults("a").chunk()), (250, 7));

        assert_eq!(post("/power", "node=b&action=offline").await, "b is offline");
        assert!(network.rpc("b").await.is_none());
        assert_eq!(network.offline(), ["b"]);
        assert_eq!(post("/power", "node=b&action=back&password=password1").await, "b is back");
        assert_ne!(network.rpc("b").await.unwrap().current_state(), world::node::WalletState::Locked, "unlocked with the password");
        assert!(network.offline().is_empty());
    }

    fn form_decode(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                out.push(u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        out
    }
}
