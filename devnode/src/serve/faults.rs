//! Fault injection: what a flaky network or proxy between a browser and lnd does to the
//! node's replies, switched on at run time by tests and the control page. It acts on the
//! browser's transports (REST and gRPC-web), whose bodies carry everything; native gRPC is
//! left alone, since splitting its body would drop its HTTP/2 trailers.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use tokio::sync::watch;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub struct Faults {
    delay_ms: AtomicU64,
    chunk: AtomicUsize,
    /// Bumped to cut every body still being sent.
    drops: watch::Sender<u64>,
    /// The next request whose path holds this text is answered by the node, and the
    /// answer is lost on the way back.
    lose: Mutex<Option<String>>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults { delay_ms: AtomicU64::new(0), chunk: AtomicUsize::new(0), drops: watch::channel(0).0, lose: Mutex::new(None) }
    }
}

impl Faults {
    /// Every request waits this long before the node sees it.
    pub fn set_delay(&self, delay: Duration) {
        self.delay_ms.store(delay.as_millis() as u64, Ordering::Relaxed);
    }

    /// Reply bodies are sent in pieces of at most this many bytes (0: as the node writes
    /// them), so clients meet messages split at arbitrary boundaries.
    pub fn set_chunk(&self, bytes: usize) {
        self.chunk.store(bytes, Ordering::Relaxed);
    }

    /// Cuts every reply still being sent (in practice: the open streams) as a dropped
    /// connection would: no clean end, no trailers.
    pub fn drop_streams(&self) {
        self.drops.send_modify(|n| *n += 1);
    }

    /// The next request whose method and path ("POST /v1/transactions", or a gRPC-web
    /// method such as "/lnrpc.Lightning/SendCoins") contain `path` reaches the node, which
    /// acts on it; its reply is
    /// then cut after the node's first message, as a connection lost at the worst moment:
    /// the client cannot tell whether the node acted.
    pub fn lose_next_reply(&self, path: &str) {
        *self.lost() = Some(path.to_string());
    }

    fn lost(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.lose.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn takes_reply(&self, path: &str) -> bool {
        let mut lose = self.lost();
        let hit = lose.as_deref().is_some_and(|p| path.contains(p));
        if hit {
            *lose = None;
        }
        hit
    }

    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms.load(Ordering::Relaxed))
    }

    pub fn chunk(&self) -> usize {
        self.chunk.load(Ordering::Relaxed)
    }

    pub fn clear(&self) {
        self.set_delay(Duration::ZERO);
        self.set_chunk(0);
        *self.lost() = None;
    }
}

fn dropped() -> Body {
    Body::from_stream(futures::stream::once(async { Err::<Bytes, BoxError>("devnode: connection dropped (fault injection)".into()) }))
}

/// The middleware: delay, then split and make the body cuttable.
pub async fn apply(State(faults): State<Arc<Faults>>, req: Request, next: Next) -> Response {
    let delay = faults.delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if faults.takes_reply(&format!("{} {}", req.method(), req.uri().path())) {
        // The node writes its first message (so it has acted); the client gets the status
        // and the first byte of it, then the connection breaks. Some bytes must arrive: a
        // browser silently sends a request again when a reused connection closes before
        // any answer (Chromium does so even for POST), which is a second request, not a
        // lost answer.
        let (parts, body) = next.run(req).await.into_parts();
        let first = body.into_data_stream().next().await.and_then(Result::ok).unwrap_or_default();
        let head = first.slice(..first.len().min(1));
        // The break waits a moment, so that the first byte leaves before the connection
        // goes (hyper drops what it has not written yet when a body fails).
        let broken = futures::stream::once(async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Err::<Bytes, BoxError>("devnode: connection dropped (fault injection)".into())
        });
        let cut = futures::stream::iter([Ok::<Bytes, BoxError>(head)]).chain(broken);
        let mut parts = parts;
        parts.headers.remove(http::header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from_stream(cut));
    }
    let mut drops = faults.drops.subscribe();
    drops.mark_unchanged();
    let chunk = faults.chunk();
    // A stream still waiting for its first message (lnd sends no headers before it) goes
    // too: the connection closes with nothing written, as hyper does on a body error.
    let resp = tokio::select! {
        resp = next.run(req) => resp,
        Ok(()) = drops.changed() => return Response::new(dropped()),
    };
    // A whole body (a unary reply) goes out as is, with its length, unless it is to be split.
    if chunk == 0 && http_body::Body::size_hint(resp.body()).exact().is_some() {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let pieces = body.into_data_stream().flat_map(move |item| {
        let pieces: Vec<Result<Bytes, BoxError>> = match item {
            Ok(bytes) if chunk > 0 => {
                let mut parts = Vec::with_capacity(bytes.len().div_ceil(chunk));
                let mut rest = bytes;
                while !rest.is_empty() {
                    parts.push(Ok(rest.split_to(chunk.min(rest.len()))));
                }
                parts
            }
            Ok(bytes) => vec![Ok(bytes)],
            Err(e) => vec![Err(e.into())],
        };
        futures::stream::iter(pieces)
    });
    let cut = futures::stream::unfold((Box::pin(pieces), drops, false), |(mut pieces, mut drops, ended)| async move {
        if ended {
            return None;
        }
        tokio::select! {
            item = pieces.next() => item.map(|i| (i, (pieces, drops, false))),
            Ok(()) = drops.changed() => Some((Err::<Bytes, BoxError>("devnode: connection dropped (fault injection)".into()), (pieces, drops, true))),
        }
    });
    Response::from_parts(parts, Body::from_stream(cut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::get;
    use tower::ServiceExt;

    fn app(faults: &Arc<Faults>, body: impl Fn() -> Body + Clone + Send + Sync + 'static) -> Router {
        Router::new()
            .route(
                "/",
                get(move || {
                    let body = body.clone();
                    async move { body() }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(Arc::clone(faults), apply))
    }

    async fn frames(resp: Response) -> Vec<Result<Bytes, String>> {
        resp.into_body().into_data_stream().map(|r| r.map_err(|e| e.to_string())).collect().await
    }

    #[tokio::test]
    async fn bodies_arrive_in_pieces_of_the_chosen_size() {
        let faults = Arc::new(Faults::default());
        faults.set_chunk(3);
        let resp = app(&faults, || Body::from("{\"result\":1}\n")).oneshot(Request::new(Body::empty())).await.unwrap();
        let pieces: Vec<Bytes> = frames(resp).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(pieces.iter().map(Bytes::len).collect::<Vec<_>>(), [3, 3, 3, 3, 1]);
        assert_eq!(pieces.concat(), b"{\"result\":1}\n", "the bytes are the node's, in order");
        faults.clear();
        let resp = app(&faults, || Body::from("whole")).oneshot(Request::new(Body::empty())).await.unwrap();
        assert_eq!(http_body::Body::size_hint(resp.body()).exact(), Some(5), "a whole reply keeps its length");
        assert_eq!(frames(resp).await, [Ok(Bytes::from("whole"))]);
    }

    #[tokio::test]
    async fn a_lost_reply_is_made_by_the_node_and_never_arrives() {
        let faults = Arc::new(Faults::default());
        let made = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&made);
        let router = app(&faults, move || {
            count.fetch_add(1, Ordering::SeqCst);
            Body::from("{\"txid\":\"ab\"}")
        });
        faults.lose_next_reply("GET /");
        let resp = router.clone().oneshot(Request::new(Body::empty())).await.unwrap();
        let cut = frames(resp).await;
        assert_eq!(cut.first(), Some(&Ok(Bytes::from("{"))), "the answer starts");
        assert!(cut.iter().any(Result::is_err), "then breaks");
        assert_eq!(made.load(Ordering::SeqCst), 1, "the node acted");
        let resp = router.oneshot(Request::new(Body::empty())).await.unwrap();
        assert_eq!(frames(resp).await, [Ok(Bytes::from("{\"txid\":\"ab\"}"))], "only the next reply is lost");
    }

    #[tokio::test]
    async fn a_drop_cuts_an_open_stream_without_a_clean_end() {
        let faults = Arc::new(Faults::default());
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Result<Bytes, std::io::Error>>();
        let rx = Arc::new(std::sync::Mutex::new(Some(rx)));
        let body = move || Body::from_stream(tokio_stream::wrappers::UnboundedReceiverStream::new(rx.lock().unwrap().take().unwrap()));
        let resp = app(&faults, body).oneshot(Request::new(Body::empty())).await.unwrap();
        let mut data = resp.into_body().into_data_stream();
        tx.send(Ok(Bytes::from("first\n"))).unwrap();
        assert_eq!(data.next().await.unwrap().unwrap(), "first\n");
        faults.drop_streams();
        assert!(data.next().await.unwrap().is_err(), "the stream breaks");
        assert!(data.next().await.is_none());
        tx.send(Ok(Bytes::from("late\n"))).ok();
    }

    #[tokio::test(start_paused = true)]
    async fn a_delay_holds_the_request_back() {
        let faults = Arc::new(Faults::default());
        faults.set_delay(Duration::from_secs(5));
        let reached = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = Arc::clone(&reached);
        let router = app(&faults, move || {
            seen.store(true, Ordering::SeqCst);
            Body::from("ok")
        });
        let call = tokio::spawn(router.oneshot(Request::new(Body::empty())));
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert!(!reached.load(Ordering::SeqCst), "not before the delay");
        tokio::time::sleep(Duration::from_secs(2)).await;
        call.await.unwrap().unwrap();
        assert!(reached.load(Ordering::SeqCst));
    }
}
