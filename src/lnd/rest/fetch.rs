//! REST over the browser's fetch(): unary calls and NDJSON streams, each cancelled by an
//! AbortController when dropped.

use futures::StreamExt;
use js_sys::Uint8Array;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, Request, RequestInit, RequestMode, RequestRedirect, Response, ResponseType};

use super::ndjson::{LineBuffer, error_body, parse_line};
use super::routes::Call;
use crate::lnd::{LndError, LndStream, diagnose};

#[derive(Clone)]
pub struct Rest {
    base: String,
    macaroon_hex: Option<String>,
}

/// Aborts the request (and its response body) when dropped.
struct AbortGuard(AbortController);

impl Drop for AbortGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn js_error(e: JsValue) -> String {
    e.as_string().or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message()))).unwrap_or_else(|| format!("{e:?}"))
}

impl Rest {
    pub fn new(base: String, macaroon_hex: Option<String>) -> Self {
        Rest { base, macaroon_hex }
    }

    async fn open(&self, call: &Call) -> Result<(Response, AbortGuard), LndError> {
        let bad = |e: JsValue| LndError::NotLnd(js_error(e));
        let init = RequestInit::new();
        init.set_method(call.method.as_str());
        init.set_mode(RequestMode::Cors);
        // A redirect would carry the macaroon header to wherever it points; "manual" stops
        // at the redirect itself and lets it be told apart from a network failure.
        init.set_redirect(RequestRedirect::Manual);
        let headers = Headers::new().map_err(bad)?;
        if let Some(mac) = &self.macaroon_hex {
            headers.set("Grpc-Metadata-macaroon", mac).map_err(bad)?;
        }
        if let Some(body) = &call.body {
            headers.set("Content-Type", "application/json").map_err(bad)?;
            init.set_body(&JsValue::from_str(body));
        }
        init.set_headers(&headers);
        let controller = AbortController::new().map_err(bad)?;
        init.set_signal(Some(&controller.signal()));
        let guard = AbortGuard(controller);
        let request = Request::new_with_str_and_init(&format!("{}{}", self.base, call.path), &init).map_err(bad)?;
        let window = web_sys::window().ok_or_else(|| LndError::NotLnd("no window".into()))?;
        match JsFuture::from(window.fetch_with_request(&request)).await {
            Ok(resp) => {
                let resp: Response = resp.unchecked_into();
                if resp.type_() == ResponseType::Opaqueredirect {
                    return Err(LndError::NotLnd(format!(
                        "{} answered with a redirect to another address. lnd never redirects, and Lightdeck does not follow \
                         redirects, so the macaroon was not sent on. Use the address of lnd itself.",
                        self.base
                    )));
                }
                Ok((resp, guard))
            }
            // fetch() hides why (refused, DNS, TLS, CORS); ask the network a second way.
            Err(_) => Err(diagnose(&self.base, false).await),
        }
    }

    async fn body(resp: &Response) -> Result<Vec<u8>, LndError> {
        let buf = resp.array_buffer().map_err(|e| LndError::NotLnd(js_error(e)))?;
        let buf = JsFuture::from(buf).await.map_err(|e| LndError::NotLnd(js_error(e)))?;
        Ok(Uint8Array::new(&buf).to_vec())
    }

    fn failure(status: u16, body: &[u8]) -> LndError {
        error_body(body).unwrap_or_else(|| LndError::NotLnd(format!("HTTP {status} with no lnd error in the answer")))
    }

    /// The answer's bytes, or the node's refusal. Not generic, like everything here but
    /// the last step of reading the message: one copy of the fetch path serves every RPC.
    async fn answer(&self, call: Call) -> Result<Vec<u8>, LndError> {
        let (resp, _guard) = self.open(&call).await?;
        let body = Self::body(&resp).await?;
        if !resp.ok() {
            return Err(Self::failure(resp.status(), &body));
        }
        Ok(body)
    }

    pub async fn unary<T: DeserializeOwned>(&self, call: Call) -> Result<T, LndError> {
        let body = self.answer(call).await?;
        serde_json::from_slice(&body).map_err(|e| LndError::NotLnd(format!("unexpected answer: {e}")))
    }

    /// A stream's lines as they complete; a failure to open it is the only item.
    fn lines(&self, call: Call) -> LndStream<Vec<u8>> {
        let this = self.clone();
        let opened = futures::stream::once(async move {
            let (resp, guard) = this.open(&call).await?;
            if !resp.ok() {
                let body = Self::body(&resp).await?;
                return Err(Self::failure(resp.status(), &body));
            }
            let raw = resp.body().ok_or_else(|| LndError::NotLnd("stream without a body".into()))?;
            Ok((wasm_streams::ReadableStream::from_raw(raw).into_stream(), guard))
        });
        Box::pin(opened.flat_map(|opened| {
            match opened {
                Err(e) => futures::stream::iter(vec![Err(e)]).boxed_local(),
                Ok((chunks, guard)) => chunks
                    .scan((LineBuffer::default(), guard, false), |(buf, _guard, ended), chunk| {
                        if *ended {
                            return futures::future::ready(None);
                        }
                        let items: Vec<Result<Vec<u8>, LndError>> = match chunk.map(|js| buf.push(&Uint8Array::new(&js).to_vec())) {
                            Ok(Ok(lines)) => lines.into_iter().map(Ok).collect(),
                            // A line past lnd's limit: the rest of the stream cannot be read.
                            Ok(Err(e)) => {
                                *ended = true;
                                vec![Err(e)]
                            }
                            Err(_) => vec![Err(LndError::Disconnected)],
                        };
                        futures::future::ready(Some(futures::stream::iter(items)))
                    })
                    .flatten()
                    .boxed_local(),
            }
        }))
    }

    pub fn stream<T: DeserializeOwned + 'static>(&self, call: Call) -> LndStream<T> {
        Box::pin(self.lines(call).map(|line| line.and_then(|l| parse_line(&l))))
    }
}
