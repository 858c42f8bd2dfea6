//! lnd's WebSocket proxy on the REST port (`lnrpc/websocket_proxy.go`): any request with
//! WebSocket upgrade headers is upgraded (from any origin) and turned into an ordinary REST
//! request for the same path. `?method=POST` (or another method) overrides the handshake's
//! GET; the request body is the client's first text message. Each line of the reply becomes
//! one text message; the socket closes when the reply ends. Browsers cannot set headers on
//! a handshake, so the macaroon may come as the subprotocol `Grpc-Metadata-Macaroon+<hex>`;
//! like lnd, the 101 reply does not echo the subprotocol. The server pings every 30 s.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri, request::Parts};
use axum::response::IntoResponse;
use futures::StreamExt;
use tower::ServiceExt;

use super::rest::form_urlencoded;

/// lnd's `DefaultPingInterval`.
const PING_EVERY: Duration = Duration::from_secs(30);
const MACAROON: &str = "grpc-metadata-macaroon";

/// The REST router, with WebSocket requests proxied into it.
pub fn proxy(rest: Router) -> Router {
    Router::new().fallback(move |req: Request<Body>| {
        let rest = rest.clone();
        async move {
            if !is_upgrade(req.headers()) {
                return rest.oneshot(req).await.into_response();
            }
            let (mut parts, _) = req.into_parts();
            match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
                Ok(upgrade) => upgrade.on_upgrade(move |socket| forward(socket, rest, parts)).into_response(),
                Err(rejection) => rejection.into_response(),
            }
        }
    })
}

fn is_upgrade(headers: &HeaderMap) -> bool {
    let has = |name: &str, want: &str| headers.get_all(name).iter().any(|v| v.to_str().is_ok_and(|v| v.to_ascii_lowercase().contains(want)));
    has("connection", "upgrade") && has("upgrade", "websocket")
}

/// The method the handshake asks for with `?method=` (GET without it).
fn requested_method(parts: &Parts) -> Method {
    form_urlencoded(parts.uri.query().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "method")
        .and_then(|(_, v)| Method::from_bytes(v.to_ascii_uppercase().as_bytes()).ok())
        .unwrap_or(Method::GET)
}

/// The REST request the handshake stands for: `method` (its `?method=` parameter removed
/// from the query), the headers lnd forwards, and the macaroon from the subprotocol.
fn inner_request(parts: &Parts, method: Method, body: String) -> Request<Body> {
    let raw = parts.uri.query().unwrap_or("");
    let kept: Vec<&str> = raw.split('&').filter(|p| !p.is_empty() && !form_urlencoded(p).iter().any(|(k, _)| k == "method")).collect();
    let path = parts.uri.path();
    let uri: Uri = if kept.is_empty() { path.to_string() } else { format!("{path}?{}", kept.join("&")) }.parse().unwrap_or_else(|_| Uri::from_static("/"));
    let mut req = Request::builder().method(method).uri(uri).body(Body::from(body)).expect("a valid request");
    for name in ["origin", "referer", MACAROON] {
        if let Some(v) = parts.headers.get(name) {
            req.headers_mut().insert(HeaderName::from_static(name), v.clone());
        }
    }
    let from_protocol = parts
        .headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.starts_with("Grpc-Metadata-Macaroon"))
        .and_then(|v| v.split('+').nth(1))
        .and_then(|m| HeaderValue::from_str(m.trim()).ok());
    if let Some(mac) = from_protocol {
        req.headers_mut().insert(HeaderName::from_static(MACAROON), mac);
    }
    req
}

async fn forward(mut socket: WebSocket, rest: Router, parts: Parts) {
    let method = requested_method(&parts);
    let body = if method != Method::GET {
        match socket.recv().await {
            Some(Ok(Message::Text(t))) => format!("{}\n", t.as_str()),
            Some(Ok(Message::Binary(b))) => format!("{}\n", String::from_utf8_lossy(&b)),
            _ => return,
        }
    } else {
        String::new()
    };
    let Ok(reply) = rest.oneshot(inner_request(&parts, method, body)).await;
    let mut chunks = reply.into_body().into_data_stream();
    let mut pending: Vec<u8> = Vec::new();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    loop {
        tokio::select! {
            chunk = chunks.next() => {
                let Some(Ok(bytes)) = chunk else { break };
                pending.extend_from_slice(&bytes);
                while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    if send_line(&mut socket, &line).await.is_err() {
                        return;
                    }
                }
            }
            _ = ping.tick() => {
                if socket.send(Message::Ping("are you there?".into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => {
                // The client went away (or closed): the REST request is dropped with it.
                if matches!(incoming, None | Some(Err(_)) | Some(Ok(Message::Close(_)))) {
                    return;
                }
            }
        }
    }
    let _ = send_line(&mut socket, &pending).await;
    let _ = socket.send(Message::Close(None)).await;
}

async fn send_line(socket: &mut WebSocket, line: &[u8]) -> Result<(), axum::Error> {
    let text = String::from_utf8_lossy(line).trim().to_string();
    if text.is_empty() {
        return Ok(());
    }
    socket.send(Message::Text(text.into())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = Request::builder().uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_handshake_becomes_lnds_rest_request() {
        let p = parts("/v2/router/send?method=post&x=a%20b", &[("sec-websocket-protocol", "Grpc-Metadata-Macaroon+0201ab"), ("origin", "https://app")]);
        let req = inner_request(&p, requested_method(&p), "{}\n".into());
        assert_eq!((req.method(), req.uri().to_string().as_str()), (&Method::POST, "/v2/router/send?x=a%20b"));
        assert_eq!(req.headers()[MACAROON], "0201ab");
        assert_eq!(req.headers()["origin"], "https://app");
        let subscribe = parts("/v1/invoices/subscribe", &[(MACAROON, "0201cd"), ("cookie", "no")]);
        let plain = inner_request(&subscribe, requested_method(&subscribe), String::new());
        assert_eq!((plain.method(), plain.headers()[MACAROON].to_str().unwrap()), (&Method::GET, "0201cd"));
        assert!(plain.headers().get("cookie").is_none(), "only lnd's forwarded headers pass");
        // lnd matches the prefix exactly (case-sensitive).
        let lower = inner_request(&parts("/v1/getinfo", &[("sec-websocket-protocol", "grpc-metadata-macaroon+0201ef")]), Method::GET, String::new());
        assert!(lower.headers().get(MACAROON).is_none());
    }
}
