//! The REST proxy's call into the node's own gRPC service, in process, as lnd's
//! grpc-gateway dials lnd's gRPC server: one framed message out, framed messages and a
//! status back.

use axum::body::Body;
use bytes::{Buf, Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, Method, Request, Response};
use http_body_util::BodyExt;
use tonic::{Code, Status};

/// A unary or server-streaming call of `path` (`/lnrpc.Lightning/GetInfo`) with one
/// encoded message and the metadata lnd's proxy forwards.
pub fn request(path: &str, metadata: HeaderMap, message: &[u8]) -> Request<Body> {
    let mut framed = Vec::with_capacity(5 + message.len());
    framed.push(0);
    framed.extend_from_slice(&u32::try_from(message.len()).unwrap_or(u32::MAX).to_be_bytes());
    framed.extend_from_slice(message);
    let mut req = Request::builder().method(Method::POST).uri(path).body(Body::from(framed)).expect("a valid request");
    *req.headers_mut() = metadata;
    req.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    req.headers_mut().insert(http::header::TE, HeaderValue::from_static("trailers"));
    // lnd's REST proxy is a gRPC client of lnd on loopback: that is the peer every REST
    // call has (so an `ipaddr` caveat naming the browser's address fails over REST).
    req.extensions_mut().insert(crate::rpc::Peer(std::net::Ipv4Addr::LOCALHOST.into()));
    req
}

/// The messages of a gRPC reply, then its status.
pub struct Reply {
    body: Body,
    buffer: BytesMut,
    /// A trailers-only reply's status, or the trailers' once they came.
    ended: Option<Status>,
}

impl Reply {
    pub fn new(response: Response<Body>) -> Self {
        let (parts, body) = response.into_parts();
        Reply { body, buffer: BytesMut::new(), ended: Status::from_header_map(&parts.headers) }
    }

    /// The next message, the failure that ended the call, or `None` once it ended well.
    pub async fn next(&mut self) -> Option<Result<Bytes, Status>> {
        loop {
            if let Some(message) = self.take_message() {
                return Some(Ok(message));
            }
            if let Some(status) = self.ended.take() {
                self.ended = Some(Status::ok(""));
                return (status.code() != Code::Ok).then_some(Err(status));
            }
            match self.body.frame().await {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => self.buffer.extend_from_slice(&data),
                    Err(frame) => {
                        let trailers = frame.into_trailers().unwrap_or_default();
                        self.ended = Some(Status::from_header_map(&trailers).unwrap_or_else(|| Status::unknown("missing grpc-status")));
                    }
                },
                Some(Err(e)) => self.ended = Some(Status::unavailable(e.to_string())),
                None => self.ended = Some(Status::unknown("the reply ended without a status")),
            }
        }
    }

    /// A whole length-prefixed message from the front of the buffer.
    fn take_message(&mut self) -> Option<Bytes> {
        let header = self.buffer.get(..5)?;
        let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        if self.buffer.len() < 5 + len {
            return None;
        }
        self.buffer.advance(5);
        Some(self.buffer.split_to(len).freeze())
    }
}
