//! gRPC-web (Lightning Terminal, Envoy, grpcwebproxy in front of lnd) through
//! tonic-web-wasm-client, with the macaroon in the `macaroon` metadata as lnd expects.

use futures::StreamExt;
use lnrpc::lnrpc as pb;
use pb::lightning_client::LightningClient;
use pb::state_client::StateClient;
use pb::wallet_unlocker_client::WalletUnlockerClient;
use tonic::metadata::MetadataValue;
use tonic_web_wasm_client::Client;

use super::{LndError, LndStream, diagnose};

#[derive(Clone)]
pub struct GrpcWeb {
    base: String,
    macaroon_hex: Option<String>,
}

impl GrpcWeb {
    pub fn new(base: String, macaroon_hex: Option<String>) -> Self {
        GrpcWeb { base, macaroon_hex }
    }

    fn client(&self) -> Client {
        Client::new(self.base.clone())
    }

    fn request<T>(&self, msg: T) -> Result<tonic::Request<T>, LndError> {
        let mut req = tonic::Request::new(msg);
        if let Some(mac) = &self.macaroon_hex {
            let value = MetadataValue::try_from(mac.as_str()).map_err(|_| LndError::Input("The macaroon is not valid hex".into()))?;
            req.metadata_mut().insert("macaroon", value);
        }
        Ok(req)
    }

    /// A failed fetch() arrives as code Unknown "JS API error: TypeError: Failed to fetch";
    /// anything else is the node's (or the proxy's) own status.
    async fn error(&self, s: tonic::Status) -> LndError {
        if s.code() == tonic::Code::Unknown && s.message().starts_with("JS API error") {
            diagnose(&self.base, "/").await
        } else {
            LndError::from_node(s.code() as i32, s.message())
        }
    }

    async fn done<T>(&self, r: Result<tonic::Response<T>, tonic::Status>) -> Result<T, LndError> {
        match r {
            Ok(resp) => Ok(resp.into_inner()),
            Err(s) => Err(self.error(s).await),
        }
    }

    pub async fn get_state(&self) -> Result<pb::GetStateResponse, LndError> {
        let r = StateClient::new(self.client()).get_state(self.request(pb::GetStateRequest {})?).await;
        self.done(r).await
    }

    pub fn subscribe_state(&self) -> LndStream<pb::SubscribeStateResponse> {
        let this = self.clone();
        let opened = futures::stream::once(async move {
            let r = StateClient::new(this.client()).subscribe_state(this.request(pb::SubscribeStateRequest {})?).await;
            this.done(r).await
        });
        Box::pin(opened.flat_map(|r| match r {
            Ok(stream) => stream
                .map(|item| item.map_err(|s| if s.message().starts_with("JS API error") { LndError::Disconnected } else { LndError::from_node(s.code() as i32, s.message()) }))
                .boxed_local(),
            Err(e) => futures::stream::iter(vec![Err(e)]).boxed_local(),
        }))
    }

    pub async fn gen_seed(&self, req: pb::GenSeedRequest) -> Result<pb::GenSeedResponse, LndError> {
        let r = WalletUnlockerClient::new(self.client()).gen_seed(self.request(req)?).await;
        self.done(r).await
    }

    pub async fn init_wallet(&self, req: pb::InitWalletRequest) -> Result<pb::InitWalletResponse, LndError> {
        let r = WalletUnlockerClient::new(self.client()).init_wallet(self.request(req)?).await;
        self.done(r).await
    }

    pub async fn unlock_wallet(&self, req: pb::UnlockWalletRequest) -> Result<pb::UnlockWalletResponse, LndError> {
        let r = WalletUnlockerClient::new(self.client()).unlock_wallet(self.request(req)?).await;
        self.done(r).await
    }

    pub async fn get_info(&self) -> Result<pb::GetInfoResponse, LndError> {
        let r = LightningClient::new(self.client()).get_info(self.request(pb::GetInfoRequest {})?).await;
        self.done(r).await
    }
}
