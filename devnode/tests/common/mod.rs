//! What devnode's REST integration tests share: a network of named nodes with wallets, and
//! a bare HTTP/1 client speaking to a node's REST port as a browser's fetch would.

#![allow(dead_code)]

use std::time::Duration;

use devnode::{Network, NetworkConfig, NodeSpec};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Rest {
    pub addr: String,
    pub macaroon: String,
}

impl Rest {
    async fn send(&self, version: &str, method: &str, path: &str, body: Option<Value>) -> (u16, String) {
        let mut s = tokio::net::TcpStream::connect(&self.addr).await.unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let req = format!(
            "{method} {path} HTTP/{version}\r\nHost: x\r\nConnection: close\r\nGrpc-Metadata-macaroon: {}\r\nContent-Length: {}\r\n\r\n{body}",
            self.macaroon,
            body.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).await.unwrap();
        let status = raw[9..12].parse().unwrap();
        (status, raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (status, body) = self.send("1.1", method, path, body).await;
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, v) = self.call("GET", path, None).await;
        assert_eq!(status, 200, "{path}: {v}");
        v
    }

    /// A server stream read to its end (HTTP/1.0, so the body is not chunked): one JSON
    /// value per line.
    pub async fn stream(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Vec<Value>) {
        let (status, body) = self.send("1.0", method, path, body).await;
        (status, body.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect())
    }
}

/// A server stream read as it comes, one JSON value per line.
pub struct Lines(tokio::io::BufReader<tokio::net::TcpStream>);

impl Lines {
    /// The next message, waiting at most 5 s for it.
    pub async fn next(&mut self) -> Value {
        use tokio::io::AsyncBufReadExt;
        let mut line = String::new();
        while line.trim().is_empty() {
            line.clear();
            let read = tokio::time::timeout(Duration::from_secs(5), self.0.read_line(&mut line)).await.expect("a message within 5 s").unwrap();
            assert!(read > 0, "the stream ended");
        }
        serde_json::from_str(&line).unwrap()
    }
}

impl Rest {
    /// Opens a server stream (HTTP/1.0, so lines arrive unchunked) and reads past the
    /// headers.
    pub async fn open_stream(&self, path: &str) -> Lines {
        use tokio::io::AsyncBufReadExt;
        let mut s = tokio::net::TcpStream::connect(&self.addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.0\r\nHost: x\r\nGrpc-Metadata-macaroon: {}\r\n\r\n", self.macaroon);
        s.write_all(req.as_bytes()).await.unwrap();
        let mut reader = tokio::io::BufReader::new(s);
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        assert!(line.contains(" 200 "), "{path}: {line}");
        while line != "\r\n" {
            line.clear();
            reader.read_line(&mut line).await.unwrap();
        }
        Lines(reader)
    }
}

/// A network with these nodes running, REST without TLS, wallets created.
pub async fn network(names: &[&str]) -> (Network, tempfile::TempDir, Vec<Rest>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = NetworkConfig::new(dir.path());
    config.startup_step = Duration::from_millis(1);
    let network = Network::open(config).unwrap();
    let mut rests = Vec::new();
    for name in names {
        let mut spec = NodeSpec::new(name);
        spec.rest_tls = false;
        let node = network.start_node(spec).await.unwrap();
        let macaroon = network.create_wallet(name, b"password1").await.unwrap();
        rests.push(Rest { addr: format!("127.0.0.1:{}", node.spec.ports.rest), macaroon });
    }
    (network, dir, rests)
}

/// Polls until `check` holds (devnode's chain watchers run on their own tasks).
pub async fn eventually<F: AsyncFn() -> bool>(what: &str, check: F) {
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}
