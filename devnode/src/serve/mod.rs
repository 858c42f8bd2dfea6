//! devnode's listeners, one set per node: native gRPC over TLS (lnd's 10009), REST (lnd's
//! 8080, TLS unless `no_rest_tls`), and gRPC-web (as Lightning Terminal serves it). All of
//! them end at once when the node stops, as a killed lnd's would.

pub mod app_host;
pub mod control;
pub mod faults;
pub mod lnurl;
pub mod rest;
pub mod tls;
mod websocket;

use std::net::SocketAddr;
use std::sync::Arc;

use http::HeaderName;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::{TlsAcceptor, rustls};
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::rpc::{NodeRpc, grpc_routes};

/// The running listeners of one node; dropping it closes them and every open connection.
pub struct Listeners {
    tasks: JoinSet<()>,
}

impl Listeners {
    /// Closes the listeners and every connection, and waits until the ports are free.
    pub async fn shutdown(mut self) {
        self.tasks.shutdown().await;
    }
}

pub struct Bound {
    pub grpc: TcpListener,
    pub rest: TcpListener,
    pub grpcweb: TcpListener,
}

pub struct ServeOptions {
    pub rest_tls: bool,
    pub restcors: Vec<String>,
    pub faults: Arc<faults::Faults>,
}

pub fn start(rpc: Arc<NodeRpc>, bound: Bound, tls: &tls::TlsFiles, opts: ServeOptions) -> std::io::Result<Listeners> {
    let mut tasks = JoinSet::new();
    let rest_tls = tls::rest_config(tls)?;

    let mut grpc_tls = (*rest_tls).clone();
    grpc_tls.alpn_protocols = vec![b"h2".to_vec()];
    let grpc = grpc_routes(Arc::clone(&rpc));
    tasks.spawn(accept(bound.grpc, Some(Arc::new(grpc_tls)), grpc));

    let flaky = axum::middleware::from_fn_with_state(Arc::clone(&opts.faults), faults::apply);
    let rest = websocket::proxy(rest::router(Arc::clone(&rpc), opts.restcors).layer(flaky.clone()));
    tasks.spawn(accept(bound.rest, opts.rest_tls.then_some(rest_tls), rest));

    // gRPC-web as grpcwebproxy --allow_all_origins serves it: any origin, the macaroon and
    // grpc-web headers allowed, and grpc-status/grpc-message readable by the page.
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([http::Method::POST, http::Method::OPTIONS])
        .allow_headers(["content-type", "x-grpc-web", "x-user-agent", "grpc-timeout", "macaroon", "accept"].map(HeaderName::from_static))
        .expose_headers(["grpc-status", "grpc-message", "grpc-status-details-bin"].map(HeaderName::from_static));
    let web = ServiceBuilder::new()
        .map_request(|r: http::Request<axum::body::Body>| r.map(tonic::body::Body::new))
        .layer(cors)
        .layer(tonic_web::GrpcWebLayer::new())
        .map_response(|r: http::Response<axum::body::Body>| r.map(tonic::body::Body::new))
        .service(grpc_routes(rpc));
    let web = axum::Router::new().fallback_service(web).layer(flaky);
    tasks.spawn(accept(bound.grpcweb, None, web));
    Ok(Listeners { tasks })
}

async fn accept<S, B>(listener: TcpListener, tls: Option<Arc<rustls::ServerConfig>>, service: S)
where
    S: tower::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let acceptor = tls.map(TlsAcceptor::from);
    // Connections live in this set, so aborting the accept loop closes them too.
    let mut conns = JoinSet::new();
    loop {
        let (tcp, peer): (_, SocketAddr) = match listener.accept().await {
            Ok(c) => c,
            Err(_) => {
                // Out of file descriptors or similar: back off rather than spin.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let ip = peer.ip();
        let tagged = tower::util::MapRequest::new(service.clone(), move |mut r: http::Request<hyper::body::Incoming>| {
            r.extensions_mut().insert(crate::rpc::Peer(ip));
            r
        });
        let svc = TowerToHyperService::new(tagged);
        let acceptor = acceptor.clone();
        conns.spawn(async move {
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            match acceptor {
                Some(a) => {
                    if let Ok(stream) = a.accept(tcp).await {
                        let _ = builder.serve_connection_with_upgrades(TokioIo::new(stream), svc).await;
                    }
                }
                None => {
                    let _ = builder.serve_connection_with_upgrades(TokioIo::new(tcp), svc).await;
                }
            }
        });
        while conns.try_join_next().is_some() {}
    }
}
