//! What devnode's REST integration tests share: a network of named nodes with wallets, and
//! a bare HTTP/1 client speaking to a node's REST port as a browser's fetch would.

#![allow(dead_code)]

use std::time::Duration;

use devnode::{Network, NetworkConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bytes as lnd's REST JSON carries them (standard base64).
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Bytes in a REST path (URL-safe base64, as grpc-gateway reads path parameters).
pub fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

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
    let built = network.build(devnode::plan::Plan::nodes(names)).await.unwrap();
    let rests = built.into_iter().map(|b| Rest { addr: format!("127.0.0.1:{}", b.handle.spec.ports.rest), macaroon: b.macaroon }).collect();
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

/// lnd's gRPC port as its clients reach it: TLS pinned to the node's own certificate (as
/// Zeus or lncli trust tls.cert; webpki would refuse it, since lnd's certificate is also a
/// CA), the macaroon as hex in the `macaroon` metadata.
pub mod grpc {
    use std::sync::Arc;

    use lnrpc::lnrpc::lightning_client::LightningClient;
    use lnrpc::routerrpc::router_client::RouterClient;
    use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use tokio_rustls::rustls::crypto::{CryptoProvider, ring, verify_tls12_signature, verify_tls13_signature};
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use tokio_rustls::rustls::{ClientConfig, DigitallySignedStruct, Error, SignatureScheme};
    use tonic::service::interceptor::InterceptedService;
    use tonic::transport::{Channel, Endpoint};

    #[derive(Clone)]
    pub struct Macaroon(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

    impl tonic::service::Interceptor for Macaroon {
        fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
            req.metadata_mut().insert("macaroon", self.0.clone());
            Ok(req)
        }
    }

    #[derive(Debug)]
    struct Pinned(CertificateDer<'static>, Arc<CryptoProvider>);

    impl ServerCertVerifier for Pinned {
        fn verify_server_cert(
            &self,
            cert: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            if cert.as_ref() == self.0.as_ref() { Ok(ServerCertVerified::assertion()) } else { Err(Error::General("not the node's tls.cert".into())) }
        }
        fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
            verify_tls12_signature(message, cert, dss, &self.1.signature_verification_algorithms)
        }
        fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
            verify_tls13_signature(message, cert, dss, &self.1.signature_verification_algorithms)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.1.signature_verification_algorithms.supported_schemes()
        }
    }

    pub type Lightning = LightningClient<InterceptedService<Channel, Macaroon>>;
    pub type Router = RouterClient<InterceptedService<Channel, Macaroon>>;

    pub async fn connect(node: &devnode::NodeHandle, macaroon_hex: &str) -> (Lightning, Router) {
        let pem = node.tls_cert_pem().unwrap();
        let der = rustls_pemfile::certs(&mut pem.as_bytes()).next().unwrap().unwrap();
        let provider = Arc::new(ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned(der, provider)))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let (config, addr) = (Arc::new(config), node.grpc_addr());
        let connector = tower::service_fn(move |_: http::Uri| {
            let (config, addr) = (config.clone(), addr.clone());
            async move {
                let tcp = tokio::net::TcpStream::connect(&addr).await?;
                let tls = tokio_rustls::TlsConnector::from(config).connect(ServerName::try_from("localhost").unwrap(), tcp).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
            }
        });
        let channel = Endpoint::from_shared(format!("http://{}", node.grpc_addr())).unwrap().connect_with_connector(connector).await.unwrap();
        let mac = Macaroon(macaroon_hex.parse().unwrap());
        (LightningClient::with_interceptor(channel.clone(), mac.clone()), RouterClient::with_interceptor(channel, mac))
    }
}
