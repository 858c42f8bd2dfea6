//! lnd's WebSocket proxy on the REST port: a server stream followed over a WebSocket (the
//! macaroon as a header, as non-browser clients send it, or as the subprotocol browsers must
//! use, which lnd does not echo), a POST stream with `?method=POST` and its body as the
//! first message, and an error as a message.

mod common;

use common::Rest;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

type Socket = WebSocketStream<tokio::net::TcpStream>;

/// A handshake written by hand, so the test sees exactly what the server answers.
async fn open(node: &Rest, path: &str, extra: &str) -> (String, Socket) {
    let mut tcp = tokio::net::TcpStream::connect(&node.addr).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://elsewhere.example\r\n{extra}\r\n"
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tcp.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    (String::from_utf8(head).unwrap(), WebSocketStream::from_raw_socket(tcp, Role::Client, None).await)
}

async fn next_json(ws: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next()).await.expect("a message within 5 s").expect("open").unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

#[tokio::test]
async fn streams_over_websockets_as_lnd_proxies_them() {
    let (network, _dir, nodes) = common::network(&["alice", "bob"]).await;
    let (alice, bob) = (&nodes[0], &nodes[1]);

    // The macaroon as the subprotocol: upgraded from any origin, the protocol not echoed.
    let (head, mut invoices) = open(bob, "/v1/invoices/subscribe", &format!("Sec-WebSocket-Protocol: Grpc-Metadata-Macaroon+{}\r\n", bob.macaroon)).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(!head.to_ascii_lowercase().contains("sec-websocket-protocol"), "lnd does not echo the subprotocol: {head}");
    let (status, _) = bob.call("POST", "/v1/invoices", Some(json!({"memo": "over a socket", "value": "1000"}))).await;
    assert_eq!(status, 200);
    let added = next_json(&mut invoices).await;
    assert_eq!((added["result"]["memo"].as_str(), added["result"]["state"].as_str()), (Some("over a socket"), Some("OPEN")));

    // A POST stream: the body is the first message; updates come until the payment ends,
    // then the socket closes.
    network.fund_node("alice", 2_000_000, 1).await.unwrap();
    network.open_channel("alice", "bob", 500_000, 0).await.unwrap();
    let request = network.add_invoice("bob", 2_000, "paid over a socket").await.unwrap();
    let (_, mut paying) = open(alice, "/v2/router/send?method=POST", &format!("Grpc-Metadata-Macaroon: {}\r\n", alice.macaroon)).await;
    paying.send(Message::Text(json!({"payment_request": request, "timeout_seconds": 30}).to_string().into())).await.unwrap();
    let mut last = Value::Null;
    while let Some(Ok(msg)) = paying.next().await {
        if let Message::Text(t) = msg {
            last = serde_json::from_str(t.as_str()).unwrap();
        }
    }
    assert_eq!(last["result"]["status"], "SUCCEEDED", "{last}");
    let paid = next_json(&mut invoices).await;
    assert_eq!((paid["result"]["memo"].as_str(), paid["result"]["state"].as_str()), (Some("paid over a socket"), Some("OPEN")), "the new invoice first");
    let settled = next_json(&mut invoices).await;
    assert_eq!(settled["result"]["state"], "SETTLED");

    // Without a macaroon the refusal arrives as a message.
    let (_, mut refused) = open(alice, "/v1/getinfo", "").await;
    let error = next_json(&mut refused).await;
    assert!(error["message"].as_str().is_some_and(|m| m.contains("expected 1 macaroon, got 0")), "{error}");
}
