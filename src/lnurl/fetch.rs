//! Asking LNURL services from the browser. No cookies, no referrer, no headers of ours: a
//! service learns the app's origin (CORS sends it) and nothing else. A service that sends
//! no CORS header cannot be read by any web page, and the user is told so in those words.

use std::time::Duration;

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReferrerPolicy, RequestCredentials, RequestInit, RequestMode, Response};

use super::{PayAnswer, PayRequest, Service, SuccessAction};
use crate::input::payable::{check_service_url, host_of};

/// The most of an answer read: a pay request's metadata may carry a 136 KB image.
const LARGEST_ANSWER: usize = 512 * 1024;
/// How long a service may take to answer before the page stops waiting and says so.
const PATIENCE: Duration = Duration::from_secs(20);

fn init(mode: RequestMode) -> RequestInit {
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_mode(mode);
    init.set_credentials(RequestCredentials::Omit);
    init.set_referrer_policy(ReferrerPolicy::NoReferrer);
    init
}

/// Whether a failure may be looked into by asking again without CORS: only for a service's
/// first answer, which reads nothing and changes nothing. A callback (an invoice made, a
/// withdrawal handed over) is never asked twice.
#[derive(Clone, Copy, PartialEq)]
enum Ask {
    First,
    Callback,
}

/// The answer's bytes, whatever its HTTP status (LUD-01: the body says what happened).
async fn get(url: &str, ask: Ask) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let host = host_of(url).unwrap_or_default();
    let shown = crate::format::shown_text(&host);
    let request = init(RequestMode::Cors);
    let controller = AbortController::new().map_err(|_| "the browser cannot make this request")?;
    request.set_signal(Some(&controller.signal()));
    let timer = gloo_timers::callback::Timeout::new(PATIENCE.as_millis() as u32, move || controller.abort());
    let fetched = JsFuture::from(window.fetch_with_str_and_init(url, &request)).await;
    let resp = match fetched {
        Ok(r) => r.unchecked_into::<Response>(),
        Err(e) if e.dyn_ref::<js_sys::Error>().is_some_and(|e| e.name() == "AbortError") => {
            return Err(format!("{shown} did not answer within {} seconds; try again later.", PATIENCE.as_secs()));
        }
        Err(_) if ask == Ask::Callback => {
            return Err(format!("{shown}'s answer could not be read, so Lightdeck cannot tell whether the service acted on it. Check before asking again."));
        }
        Err(_) => {
            // fetch() hides why; a no-cors request reaches a server that is up even when it
            // does not let pages read its answers.
            let reachable = JsFuture::from(window.fetch_with_str_and_init(url, &init(RequestMode::NoCors))).await.is_ok();
            return Err(if reachable {
                format!(
                    "{shown} answered, but does not let web apps read its answers (it sends no CORS header, which LUD-01 asks of LNURL \
                     services). No browser wallet can use it; ask the service to allow it, or pay from another wallet."
                )
            } else {
                format!("{shown} did not answer. Check the address, your connection, and that the service is up.")
            });
        }
    };
    // A redirect is followed by the browser; where it ended must pass the same rules, on the
    // same host the user was shown.
    let landed = resp.url();
    if !landed.is_empty() && (check_service_url(&landed).is_err() || host_of(&landed).as_deref() != Some(host.as_str())) {
        let to = crate::format::shown_text(&host_of(&landed).unwrap_or_default());
        return Err(format!("{shown} sent Lightdeck on to {to}; an LNURL service answers for itself, so nothing more is asked of either."));
    }
    let buf = JsFuture::from(resp.array_buffer().map_err(|_| "the answer could not be read")?).await.map_err(|_| format!("{shown} broke off its answer"))?;
    drop(timer);
    let body = Uint8Array::new(&buf);
    if body.length() as usize > LARGEST_ANSWER {
        return Err(format!("{shown}'s answer is far larger than any LNURL answer"));
    }
    Ok(body.to_vec())
}

/// The service behind an LNURL or Lightning Address.
pub async fn service(url: &str) -> Result<Service, String> {
    super::read_service(url, &get(url, Ask::First).await?)
}

/// Asks the pay request's callback for an invoice of `msat`.
pub async fn invoice(pay: &PayRequest, msat: u64, comment: &str) -> Result<PayAnswer, String> {
    let url = super::pay_callback(pay, msat, comment)?;
    super::read_pay_answer(pay, &get(&url, Ask::Callback).await?)
}

/// Hands the withdraw service our invoice; it pays it when it will.
pub async fn withdraw(w: &super::WithdrawRequest, request: &str) -> Result<(), String> {
    super::read_status(&get(&super::withdraw_callback(w, request), Ask::Callback).await?)
}

/// A LUD-10 message opened with the payment's preimage: the plaintext, or why not.
pub async fn open_aes(action: &SuccessAction, preimage: &[u8]) -> Option<String> {
    let SuccessAction::Aes { ciphertext, iv, .. } = action else { return None };
    let key: [u8; 32] = preimage.try_into().ok()?;
    let plain = crate::vault::aes_cbc_decrypt(&key, iv, ciphertext).await?;
    String::from_utf8(plain).ok()
}
