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

/// Text from forms and node names goes into the page escaped.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[derive(Deserialize)]
struct Note {
    note: Option<String>,
}

async fn page(State(net): State<Arc<Network>>, Query(q): Query<Note>) -> Html<String> {
    let note = q.note.map(|n| format!("<p class=note>{}</p>", escape(&n)));
    let nodes: String = net
        .node_summaries()
        .await
        .into_iter()
        .map(|(name, rest, uri)| format!("<li><b>{}</b> REST {} <code>{}</code></li>", escape(&name), escape(&rest), escape(&uri)))
        .collect();
    Html(format!(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'><title>devnode control</title>\
<style>body{{font:16px system-ui;max-width:720px;margin:2rem auto;padding:0 1rem;background:#14161c;color:#e8eaf0}}\
input,button{{font:inherit;padding:.4rem;margin:.2rem 0}}form{{border:1px solid #313644;padding:1rem;margin:1rem 0;border-radius:8px}}\
code{{word-break:break-all}}.note{{color:#4cd39b}}</style>\
<h1>devnode control</h1>{}<p>Chain height: {}</p><ul>{nodes}</ul>\
<form method=post action=fund><h2>Faucet</h2><label>Address <input name=address size=50 required></label><br>\
<label>Amount (sat) <input name=sats type=number min=1 value=1000000></label><br><button>Send coins</button></form>\
<form method=post action=channel><h2>Channel</h2><label>From node <input name=from required></label> <label>to node <input name=to required></label><br><label>Capacity (sat) <input name=sats type=number min=20000 value=1000000></label> <label>Push (sat) <input name=push type=number min=0 value=0></label><br><button>Open and confirm</button></form><form method=post action=mine><h2>Miner</h2><label>Blocks <input name=blocks type=number min=1 max=1000 value=6></label> <button>Mine</button></form>",
        note.unwrap_or_default(),
        net.height()
    ))
}

fn back(note: &str) -> Response {
    let encoded: String = note
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    Redirect::to(&format!("/?note={encoded}")).into_response()
}

pub fn router(network: Arc<Network>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/fund", post(|State(net): State<Arc<Network>>, Form(f): Form<Fund>| async move {
            match net.fund(&f.address, f.sats) {
                Ok(txid) => back(&format!("sent {} sat in {txid} (mine a block to confirm)", f.sats)),
                Err(e) => back(&format!("error: {e}")),
            }
        }))
        .route("/channel", post(|State(net): State<Arc<Network>>, Form(c): Form<OpenChannel>| async move {
            match net.open_channel(&c.from, &c.to, c.sats, c.push).await {
                Ok(point) => back(&format!("opened {point} from {} to {}", c.from, c.to)),
                Err(e) => back(&format!("error: {e}")),
            }
        }))
        .route("/mine", post(|State(net): State<Arc<Network>>, Form(m): Form<Mine>| async move {
            match net.mine(m.blocks.clamp(1, 1000)) {
                Ok(height) => back(&format!("mined {} blocks; height {height}", m.blocks)),
                Err(e) => back(&format!("error: {e}")),
            }
        }))
        .with_state(network)
}

/// Serves the control page until the task is dropped.
pub async fn serve(network: Arc<Network>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(network)).await
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
}
