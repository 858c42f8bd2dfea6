//! Connect: the node's address, the transport, and a macaroon (pasted or from a file).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::ErrorView;
use crate::lnd::endpoint::parse_lndconnect;
use crate::lnd::{Endpoint, Lnd, LndError, Macaroon, Transport, WalletState};
use crate::state::Session;

/// The address and transport are remembered between visits; they are not secret.
/// The macaroon never is.
const SAVED_URL: &str = "lightdeck.url";
const SAVED_TRANSPORT: &str = "lightdeck.transport";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn saved(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

#[derive(Clone)]
struct Form {
    url: String,
    transport: Transport,
    macaroon_text: String,
    macaroon_file: Option<Result<Macaroon, LndError>>,
}

async fn connect(form: Form) -> Result<(Lnd, WalletState), LndError> {
    let page_is_https = web_sys::window().and_then(|w| w.location().protocol().ok()).as_deref() == Some("https:");
    let (url, from_uri) = match parse_lndconnect(&form.url) {
        Some((url, mac)) => (url, mac),
        None => (form.url.clone(), None),
    };
    let endpoint = Endpoint::parse(&url, form.transport, page_is_https)?;
    let macaroon = match (form.macaroon_file, form.macaroon_text.trim()) {
        (Some(file), _) => Some(file?),
        (None, "") => from_uri,
        (None, text) => Some(Macaroon::parse(text)?),
    };
    let lnd = Lnd::new(endpoint.clone(), macaroon);
    let state = lnd.get_state().await?;
    if matches!(state, WalletState::RpcActive | WalletState::ServerActive) {
        if !lnd.has_macaroon() {
            return Err(LndError::MacaroonMissing);
        }
        // Proves the macaroon belongs to this node before the app relies on it: lnd checks
        // the signature before the permissions, so "permission denied" (an invoice macaroon
        // has no info:read) still means the node baked it.
        match lnd.get_info().await {
            Ok(_) | Err(LndError::PermissionDenied) => {}
            Err(e) => return Err(e),
        }
    }
    if let Some(s) = storage() {
        let _ = s.set_item(SAVED_URL, &endpoint.url);
        let _ = s.set_item(SAVED_TRANSPORT, endpoint.transport.key());
    }
    Ok((lnd, state))
}

async fn read_file(file: web_sys::File) -> Result<Macaroon, LndError> {
    Macaroon::from_bytes(crate::components::read_bytes(file).await?)
}

#[component]
pub fn ConnectPage() -> impl IntoView {
    let session = Session::get();
    // A link may prefill the address and transport (`/connect?url=…&transport=grpc-web`);
    // never a macaroon, which must not travel in URLs.
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let url = RwSignal::new(query.get("url").or_else(|| saved(SAVED_URL)).unwrap_or_else(|| "https://127.0.0.1:8080".into()));
    let transport = RwSignal::new(
        query.get("transport").or_else(|| saved(SAVED_TRANSPORT)).and_then(|k| Transport::from_key(&k)).unwrap_or(Transport::Rest),
    );
    let macaroon_text = RwSignal::new(String::new());
    let macaroon_file: RwSignal<Option<Result<Macaroon, LndError>>> = RwSignal::new(None);

    let action = Action::new_local(move |form: &Form| {
        let form = form.clone();
        async move {
            let (lnd, state) = connect(form).await?;
            session.connect(lnd, state);
            Ok::<(), LndError>(())
        }
    });
    let pending = action.pending();

    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = ev.target().expect("input").unchecked_into();
        match input.files().and_then(|f| f.get(0)) {
            Some(file) => leptos::task::spawn_local(async move { macaroon_file.set(Some(read_file(file).await)) }),
            None => macaroon_file.set(None),
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch_local(Form {
            url: url.get_untracked(),
            transport: transport.get_untracked(),
            macaroon_text: macaroon_text.get_untracked(),
            macaroon_file: macaroon_file.get_untracked(),
        });
    };
    let hint = move || match transport.get() {
        Transport::Rest => "lnd's REST address, usually https://<node>:8080. lnd must allow this app's address in restcors.",
        Transport::GrpcWeb => "A gRPC-web endpoint in front of lnd: Lightning Terminal, Envoy or grpcwebproxy.",
    };

    view! {
        <section class="card narrow">
            <h1>"Connect to your node"</h1>
            <form class="stack" on:submit=submit autocomplete="off">
                <label>
                    "Node address"
                    <input name="url" type="text" inputmode="url" spellcheck="false" required
                        placeholder="https://mynode.local:8080 or lndconnect://…"
                        prop:value=url on:input=move |ev| url.set(event_target_value(&ev))/>
                    <small class="muted">{hint}</small>
                </label>
                <fieldset class="segmented">
                    <legend>"Connect over"</legend>
                    {[Transport::Rest, Transport::GrpcWeb].into_iter().map(|t| view! {
                        <label>
                            <input type="radio" name="transport" value=t.key()
                                prop:checked=move || transport.get() == t
                                on:change=move |_| transport.set(t)/>
                            {t.label()}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label>
                    "Macaroon"
                    <textarea name="macaroon" rows="3" spellcheck="false" autocomplete="off"
                        placeholder="Paste hex or base64, or choose the file below"
                        prop:value=macaroon_text on:input=move |ev| macaroon_text.set(event_target_value(&ev))></textarea>
                    <input name="macaroon-file" type="file" accept=".macaroon,application/octet-stream" on:change=on_file/>
                    <small class="muted">
                        "admin.macaroon (full control) or readonly.macaroon, from the node's data/chain/bitcoin/<network>/ folder. "
                        "Not needed to create a wallet. Kept in memory only."
                    </small>
                </label>
                {move || macaroon_file.get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                {move || action.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Connecting…" } else { "Connect" }}
                </button>
            </form>
        </section>
    }
}
