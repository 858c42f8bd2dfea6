//! lnd's REST proxy (grpc-gateway v2.16 as lnd configures it), as a transcoder from lnd's
//! own rule files (`proto/rest-rules`) onto the node's gRPC service, called in process as
//! lnd's gateway dials lnd: lnd's paths and methods, lnd's JSON mapping, errors as
//! `{"code","message","details"}` with grpc-gateway's HTTP statuses, NDJSON server streams,
//! the `Grpc-Metadata-macaroon` header, and `restcors` exactly as lnd's `allowCORS`. Serving
//! a new RPC over REST takes nothing here: its rule is lnd's, its handler the gRPC one.

mod grpc;
mod json;
mod request;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use futures::StreamExt;
use prost_reflect::{DynamicMessage, MessageDescriptor, MethodDescriptor};
use serde::Serialize;
use tonic::{Code, Status};
use tower::ServiceExt;

use request::Segment;
pub(super) use request::form_urlencoded;

use crate::rpc::NodeRpc;

type Rpc = Arc<NodeRpc>;

/// One of lnd's REST rules for an RPC this node implements, with the RPC's descriptor.
pub struct Binding {
    pub rule: lnrpc::rest_rules::Rule,
    /// The gRPC path, e.g. `/lnrpc.Lightning/GetInfo`.
    pub grpc_path: String,
    method: MethodDescriptor,
    template: Vec<Segment>,
}

/// lnd v0.20's rules for every RPC devnode implements: what the REST listener serves.
pub fn bindings() -> Vec<Binding> {
    lnrpc::rest_rules::lnd_v0_20()
        .into_iter()
        .filter_map(|rule| {
            let (service, name) = rule.selector.rsplit_once('.')?;
            let grpc_path = format!("/{service}/{name}");
            crate::rpc::ALL.iter().find(|rpc| rpc.name == grpc_path)?;
            let method = json::POOL.get_service_by_name(service)?.methods().find(|m| m.name() == name)?;
            // grpc-gateway streams a client's messages from the body; lnd's REST clients
            // use the WebSocket proxy for those, and devnode implements none over REST.
            if method.is_client_streaming() {
                return None;
            }
            let template = request::template(&rule.path);
            Some(Binding { rule, grpc_path, method, template })
        })
        .collect()
}

impl Binding {
    /// The route as axum writes it: each field of the template becomes a capture.
    fn route(&self) -> String {
        let segments: Vec<String> = self
            .template
            .iter()
            .enumerate()
            .map(|(i, s)| match s {
                Segment::Literal(l) => l.clone(),
                Segment::Field(_) => format!("{{p{i}}}"),
            })
            .collect();
        format!("/{}", segments.join("/"))
    }

    /// The request message, as grpc-gateway builds it for this rule.
    async fn message(&self, req: Request) -> Result<DynamicMessage, Response> {
        let input = self.method.input();
        let segments: Vec<String> = req.uri().path().trim_start_matches('/').split('/').map(|s| request::unescape(s, false)).collect();
        let mut message = if self.rule.body {
            let body = Bytes::from_request(req, &()).await.map_err(IntoResponse::into_response)?;
            json::read(input, &body).map_err(|s| error(&s))?
        } else {
            request::from_query(input, req.uri().query(), &self.template).map_err(|s| error(&s))?
        };
        request::bind_path(&mut message, &self.template, &segments).map_err(|s| error(&s))?;
        Ok(message)
    }
}

/// The REST service: lnd's rules behind lnd's CORS handling, which wraps the whole mux
/// (the layer is added after the fallbacks, so it covers them too).
pub fn router(rpc: Rpc, restcors: Vec<String>) -> Router {
    let grpc = crate::rpc::grpc_routes(Arc::clone(&rpc));
    let mut routes: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for binding in bindings() {
        let Ok(method) = Method::from_bytes(binding.rule.method.as_bytes()) else { continue };
        let Ok(filter) = MethodFilter::try_from(method) else { continue };
        let route = routes.remove(&binding.route()).unwrap_or_default();
        let path = binding.route();
        let (binding, rpc, grpc) = (Arc::new(binding), Arc::clone(&rpc), grpc.clone());
        let handler = move |req: Request| {
            let (binding, rpc, grpc) = (Arc::clone(&binding), Arc::clone(&rpc), grpc.clone());
            async move { call(&rpc, grpc, &binding, req).await }
        };
        routes.insert(path, route.on(filter, handler));
    }
    routes
        .into_iter()
        .fold(Router::new(), |router, (path, route)| router.route(&path, route))
        .method_not_allowed_fallback(|| async { error(&Status::unimplemented("Method Not Allowed")) })
        .fallback(|| async { error(&Status::not_found("Not Found")) })
        .layer(middleware::from_fn_with_state(Arc::new(restcors), allow_cors))
}

async fn call(rpc: &NodeRpc, grpc: Router, binding: &Binding, req: Request) -> Response {
    // A route of an RPC this node does not serve is one grpc-gateway never registered.
    if rpc.serves(&binding.grpc_path).is_err() {
        return error(&Status::not_found("Not Found"));
    }
    let metadata = metadata(req.headers());
    let message = match binding.message(req).await {
        Ok(m) => m,
        Err(refused) => return refused,
    };
    let Ok(response) = grpc.oneshot(grpc::request(&binding.grpc_path, metadata, &prost::Message::encode_to_vec(&message))).await;
    let reply = grpc::Reply::new(response);
    let output = binding.method.output();
    if binding.method.is_server_streaming() { ndjson(reply, output).await } else { unary(reply, output).await }
}

/// `Grpc-Metadata-<key>` headers become gRPC metadata `<key>` (grpc-gateway's
/// DefaultHeaderMatcher), so the RPC layer sees what a gRPC client would send.
fn metadata(headers: &HeaderMap) -> HeaderMap {
    let mut md = HeaderMap::new();
    for (name, value) in headers {
        let Some(key) = name.as_str().strip_prefix("grpc-metadata-") else { continue };
        if let Ok(k) = http::HeaderName::from_bytes(key.as_bytes()) {
            md.append(k, value.clone());
        }
    }
    md
}

fn decode(desc: &MessageDescriptor, bytes: Bytes) -> Result<DynamicMessage, Status> {
    DynamicMessage::decode(desc.clone(), bytes).map_err(|e| Status::internal(format!("grpc: failed to unmarshal the received message: {e}")))
}

async fn unary(mut reply: grpc::Reply, output: MessageDescriptor) -> Response {
    let message = match reply.next().await {
        Some(Ok(bytes)) => bytes,
        Some(Err(status)) => return error(&status),
        None => return error(&Status::internal("grpc: the server sent no message")),
    };
    match decode(&output, message) {
        Ok(m) => json_response(StatusCode::OK, json::write(&m)),
        Err(s) => error(&s),
    }
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

#[derive(Serialize)]
struct StatusBody<'a> {
    code: i32,
    message: &'a str,
    details: [(); 0],
}

fn status_body(s: &Status) -> StatusBody<'_> {
    StatusBody { code: s.code() as i32, message: s.message(), details: [] }
}

fn error(s: &Status) -> Response {
    json_response(http_status(s.code()), serde_json::to_vec(&status_body(s)).unwrap_or_default())
}

/// grpc-gateway's `HTTPStatusFromCode`.
fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::Cancelled => StatusCode::from_u16(499).expect("valid"),
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => StatusCode::BAD_REQUEST,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// One NDJSON line: `{"result":…}` or `{"error":…}`.
fn line(result: Result<&DynamicMessage, &Status>) -> Bytes {
    #[derive(Serialize)]
    struct ErrorLine<'a> {
        error: StatusBody<'a>,
    }
    let mut v = match result {
        Ok(message) => {
            let mut v = b"{\"result\":".to_vec();
            v.extend(json::write(message));
            v.push(b'}');
            v
        }
        Err(status) => serde_json::to_vec(&ErrorLine { error: status_body(status) }).unwrap_or_default(),
    };
    v.push(b'\n');
    Bytes::from(v)
}

/// grpc-gateway's ForwardResponseStream: nothing (not even headers) is sent before the
/// first message; a failure before it is a non-200 status with a wrapped `{"error":…}`
/// line; after it, one `{"result":…}` line per message and an `{"error":…}` line on failure.
async fn ndjson(mut reply: grpc::Reply, output: MessageDescriptor) -> Response {
    let first = match reply.next().await {
        Some(Ok(bytes)) => match decode(&output, bytes) {
            Ok(m) => line(Ok(&m)),
            Err(s) => return wrapped_error(&s),
        },
        Some(Err(s)) => return wrapped_error(&s),
        None => Bytes::new(),
    };
    let rest = futures::stream::unfold((reply, output, false), |(mut reply, output, failed)| async move {
        if failed {
            return None;
        }
        let item = reply.next().await?;
        let (out, failed) = match item.and_then(|bytes| decode(&output, bytes)) {
            Ok(m) => (line(Ok(&m)), false),
            Err(s) => (line(Err(&s)), true),
        };
        Some((out, (reply, output, failed)))
    });
    let body = futures::stream::once(futures::future::ready(first)).chain(rest).map(Ok::<_, std::convert::Infallible>);
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], Body::from_stream(body)).into_response()
}

fn wrapped_error(s: &Status) -> Response {
    (http_status(s.code()), [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], line(Err(s))).into_response()
}

/// lnd's `allowCORS` (rpcserver.go): with `restcors` empty there is no CORS handling at
/// all; a request without Origin passes untouched; otherwise the allow-headers and methods
/// are always set, the origin is echoed only on a match, and preflights answer 200 empty.
async fn allow_cors(State(allowed): State<Arc<Vec<String>>>, req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let (Some(origin), false) = (origin, allowed.is_empty()) else {
        return next.run(req).await;
    };
    let matched = allowed.iter().any(|a| a == "*" || a.as_bytes() == origin.as_bytes());
    let preflight = req.method() == Method::OPTIONS;
    let mut resp = if preflight { StatusCode::OK.into_response() } else { next.run(req).await };
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Content-Type, Accept, Grpc-Metadata-Macaroon"));
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, DELETE"));
    if matched {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rpc_devnode_implements_is_served_on_lnds_routes() {
        let served = bindings();
        for rpc in crate::rpc::ALL {
            let selector = rpc.name.trim_start_matches('/').replace('/', ".");
            let lnd = lnrpc::rest_rules::for_selector(&selector);
            let ours: Vec<_> = served.iter().filter(|b| b.rule.selector == selector).map(|b| &b.rule).collect();
            assert!(!ours.is_empty(), "{selector} has no REST route");
            assert_eq!(ours, lnd.iter().collect::<Vec<_>>(), "{selector}: every binding lnd has, and only those");
        }
        // One route per binding: none hides another in the router.
        let routes: std::collections::HashSet<_> = served.iter().map(|b| (b.rule.method.clone(), b.route())).collect();
        assert_eq!(routes.len(), served.len());
    }

    /// The router answers every binding (not 404/501), so no rule is lost on the way.
    #[tokio::test]
    async fn router_serves_every_binding() {
        let dir = tempfile::tempdir().unwrap();
        let node = world::node::Node::start("t".into(), "#000000".into(), None);
        let settings = crate::rpc::NodeSettings {
            p2p_host: "127.0.0.1".into(),
            p2p_port: 9735,
            startup_step: std::time::Duration::from_millis(1),
            lnd: Default::default(),
            unserved: vec![],
            no_macaroons: false,
            announced_host: None,
        };
        let ledger = crate::ledger::Ledger::open(dir.path().join("chain.json")).unwrap();
        let rpc = NodeRpc::new(node, ledger, Default::default(), crate::store::NodeDir::new(dir.path().into()), settings);
        let router = router(Arc::clone(&rpc), vec![]);
        for b in bindings() {
            let uri = b.rule.path.replace(['{', '}'], "");
            let req = axum::http::Request::builder().method(b.rule.method.as_str()).uri(uri).body(Body::empty()).unwrap();
            let resp = router.clone().oneshot(req).await.unwrap();
            assert!(![StatusCode::NOT_FOUND, StatusCode::NOT_IMPLEMENTED].contains(&resp.status()), "{}: {}", b.rule.selector, resp.status());
        }
        let req = axum::http::Request::builder().method("PUT").uri("/v1/getinfo").body(Body::empty()).unwrap();
        assert_eq!(router.oneshot(req).await.unwrap().status(), StatusCode::NOT_IMPLEMENTED);
    }

    #[test]
    fn macaroon_header_becomes_metadata() {
        let mut h = HeaderMap::new();
        h.insert("Grpc-Metadata-macaroon", HeaderValue::from_static("0201"));
        h.insert("authorization", HeaderValue::from_static("x"));
        let md = metadata(&h);
        assert_eq!(md.get("macaroon").unwrap(), "0201");
        assert!(md.get("authorization").is_none());
    }

    #[test]
    fn stream_lines_are_lnds() {
        let desc = json::POOL.get_message_by_name("lnrpc.HTLCAttempt").unwrap();
        let line = String::from_utf8(line(Ok(&DynamicMessage::new(desc))).to_vec()).unwrap();
        assert!(line.starts_with("{\"result\":{") && line.contains("\"failure\":null") && line.ends_with("}\n"), "{line}");
        let failed = String::from_utf8(line_of_error().to_vec()).unwrap();
        assert_eq!(failed, "{\"error\":{\"code\":2,\"message\":\"boom\",\"details\":[]}}\n");
    }

    fn line_of_error() -> Bytes {
        line(Err(&Status::unknown("boom")))
    }
}
