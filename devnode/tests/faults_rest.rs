//! Fault injection as a REST client meets it on the wire.

mod common;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A dropped stream ends the HTTP/1.1 connection without the chunked body's last chunk, so
/// a client sees a broken stream, not a clean end.
#[tokio::test]
async fn a_dropped_stream_breaks_the_connection() {
    let (network, _dir, rests) = common::network(&["a"]).await;
    let mut s = tokio::net::TcpStream::connect(&rests[0].addr).await.unwrap();
    let req = format!("GET /v1/state/subscribe HTTP/1.1\r\nHost: x\r\nGrpc-Metadata-macaroon: {}\r\n\r\n", rests[0].macaroon);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(head.contains("SERVER_ACTIVE"), "{head}");
    network.faults("a").drop_streams();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut rest)).await;
    let rest = String::from_utf8_lossy(&rest).to_string();
    assert!(read.is_ok(), "the connection closes at once");
    assert!(!rest.contains("0\r\n\r\n"), "no clean end of the chunked body: {rest:?}");
}

/// A stream still waiting for its first message when the drop comes is cut too.
#[tokio::test]
async fn a_stream_waiting_for_its_first_message_is_cut() {
    let (network, _dir, rests) = common::network(&["a"]).await;
    let mut s = tokio::net::TcpStream::connect(&rests[0].addr).await.unwrap();
    let req = format!("GET /v1/transactions/subscribe HTTP/1.1\r\nHost: x\r\nGrpc-Metadata-macaroon: {}\r\n\r\n", rests[0].macaroon);
    s.write_all(req.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    network.faults("a").drop_streams();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the connection closes at once");
    assert!(rest.is_empty(), "with nothing written: {:?}", String::from_utf8_lossy(&rest));
}
