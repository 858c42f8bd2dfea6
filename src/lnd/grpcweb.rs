//! gRPC-web (Lightning Terminal, Envoy, grpcwebproxy in front of lnd) through
//! tonic-web-wasm-client, with the macaroon in the `macaroon` metadata as lnd expects.
//!
//! Messages cross tonic already encoded by prost, so one instance of tonic's call path serves
//! every RPC: tonic's generated clients instantiate it (and the fetch body around it) once per
//! RPC, which made up much of the app's size.

use bytes::{Buf, BufMut, Bytes};
use futures::StreamExt;
use http::uri::PathAndQuery;
use prost::Message;
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::MetadataValue;
use tonic_web_wasm_client::Client;
use tonic_web_wasm_client::options::{FetchOptions, Redirect};

use super::{LndError, LndStream, diagnose};

/// Bytes in, bytes out: the message encoding happens around tonic (`GrpcWeb::unary`).
#[derive(Clone, Copy, Default)]
struct Encoded;

impl Codec for Encoded {
    type Encode = Vec<u8>;
    type Decode = Bytes;
    type Encoder = Encoded;
    type Decoder = Encoded;

    fn encoder(&mut self) -> Encoded {
        Encoded
    }

    fn decoder(&mut self) -> Encoded {
        Encoded
    }
}

impl Encoder for Encoded {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Encoded {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

fn decoded<T: Message + Default>(bytes: Bytes) -> Result<T, LndError> {
    T::decode(bytes).map_err(|e| LndError::NotLnd(format!("unexpected answer: {e}")))
}

#[derive(Clone)]
pub struct GrpcWeb {
    base: String,
    macaroon_hex: Option<String>,
}

impl GrpcWeb {
    pub fn new(base: String, macaroon_hex: Option<String>) -> Self {
        GrpcWeb { base, macaroon_hex }
    }

    /// A redirect would carry the macaroon to wherever it points: refused, as for REST.
    fn client(&self) -> tonic::client::Grpc<Client> {
        tonic::client::Grpc::new(Client::new_with_options(self.base.clone(), FetchOptions::new().redirect(Redirect::Error)))
    }

    fn request(&self, msg: Vec<u8>) -> Result<tonic::Request<Vec<u8>>, LndError> {
        let mut req = tonic::Request::new(msg);
        if let Some(mac) = &self.macaroon_hex {
            let value = MetadataValue::try_from(mac.as_str()).map_err(|_| LndError::Input("The macaroon is not valid hex".into()))?;
            req.metadata_mut().insert("macaroon", value);
        }
        Ok(req)
    }

    /// A failed fetch() arrives as code Unknown "JS API error: TypeError: Failed to fetch";
    /// anything else is the node's (or the proxy's) own status.
    async fn error(&self, s: Status) -> LndError {
        if s.code() == tonic::Code::Unknown && s.message().starts_with("JS API error") {
            diagnose(&self.base, true).await
        } else {
            LndError::from_node(s.code() as i32, s.message())
        }
    }

    /// A client ready to send, and the request carrying the macaroon.
    async fn prepared(&self, msg: Vec<u8>) -> Result<(tonic::client::Grpc<Client>, tonic::Request<Vec<u8>>), LndError> {
        let request = self.request(msg)?;
        let mut grpc = self.client();
        grpc.ready().await.map_err(|e| LndError::NotLnd(e.to_string()))?;
        Ok((grpc, request))
    }

    async fn call(&self, path: &'static str, msg: Vec<u8>) -> Result<Bytes, LndError> {
        let (mut grpc, request) = self.prepared(msg).await?;
        match grpc.unary(request, PathAndQuery::from_static(path), Encoded).await {
            Ok(resp) => Ok(resp.into_inner()),
            Err(s) => Err(self.error(s).await),
        }
    }

    /// One server stream; a failure to open it is the stream's only item.
    fn open(&self, path: &'static str, msg: Vec<u8>) -> LndStream<Bytes> {
        let this = self.clone();
        let opened = futures::stream::once(async move {
            let (mut grpc, request) = this.prepared(msg).await?;
            match grpc.server_streaming(request, PathAndQuery::from_static(path), Encoded).await {
                Ok(resp) => Ok(resp.into_inner()),
                Err(s) => Err(this.error(s).await),
            }
        });
        Box::pin(opened.flat_map(|r| {
            match r {
                Ok(stream) => stream
                    .map(|item| {
                        item.map_err(|s| {
                            if s.message().starts_with("JS API error") { LndError::Disconnected } else { LndError::from_node(s.code() as i32, s.message()) }
                        })
                    })
                    .boxed_local(),
                Err(e) => futures::stream::iter(vec![Err(e)]).boxed_local(),
            }
        }))
    }

    pub async fn unary<Req: Message, Resp: Message + Default>(&self, path: &'static str, req: &Req) -> Result<Resp, LndError> {
        decoded(self.call(path, req.encode_to_vec()).await?)
    }

    pub fn stream<Req: Message, Resp: Message + Default + 'static>(&self, path: &'static str, req: &Req) -> LndStream<Resp> {
        Box::pin(self.open(path, req.encode_to_vec()).map(|item| item.and_then(decoded)))
    }
}
