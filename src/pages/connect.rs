//! Connect (`/connect`): the saved nodes when the vault is open, and a new connection: the
//! node's address, the transport, a macaroon (pasted or from a file), and whether to
//! remember it in the vault.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use wasm_bindgen::{JsCast, JsValue};

use crate::components::{ErrorView, SecretField};
use crate::format::{ago, count, counted, shown_text};
use crate::lnd::endpoint::parse_lndconnect;
use crate::lnd::{Endpoint, Lnd, LndError, Macaroon, Transport, WalletState};
use crate::state::{Session, Vault, VaultStatus, new_id, now, storage};
use crate::vault::{MAX_NAME, RESTRICTED_DAYS, SavedNode, Snapshot, check_new_passphrase, clean_name};

/// The last address and transport typed, to prefill the form; they are not secret. The
/// macaroon never is stored in the clear: only inside the vault.
const SAVED_URL: &str = "lightdeck.url";
const SAVED_TRANSPORT: &str = "lightdeck.transport";

fn saved(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

#[derive(Clone)]
struct Form {
    url: String,
    transport: Transport,
    macaroon_text: String,
    macaroon_file: Option<Result<Macaroon, LndError>>,
    remember: bool,
    name: String,
    /// Save a copy that lnd refuses after `RESTRICTED_DAYS`.
    expiring: bool,
    passphrase: String,
    repeated: String,
}

async fn connect(form: &Form) -> Result<(Lnd, WalletState, Option<String>), LndError> {
    let page_is_https = web_sys::window().and_then(|w| w.location().protocol().ok()).as_deref() == Some("https:");
    let (url, from_uri) = match parse_lndconnect(&form.url) {
        Some((url, mac)) => (url, mac),
        None => (form.url.clone(), None),
    };
    let endpoint = Endpoint::parse(&url, form.transport, page_is_https)?;
    let macaroon = match (form.macaroon_file.clone(), form.macaroon_text.trim()) {
        (Some(file), _) => Some(file?),
        (None, "") => from_uri,
        (None, text) => Some(Macaroon::parse(text)?),
    };
    if form.remember && macaroon.is_none() {
        return Err(LndError::Input("To remember this node, give its macaroon: the vault keeps the macaroon, encrypted.".into()));
    }
    let lnd = Lnd::new(endpoint.clone(), macaroon);
    let (state, pubkey) = Session::dial(&lnd).await?;
    if let Some(s) = storage() {
        let _ = s.set_item(SAVED_URL, &endpoint.url);
        let _ = s.set_item(SAVED_TRANSPORT, endpoint.transport.key());
    }
    Ok((lnd, state, pubkey))
}

async fn read_file(file: web_sys::File) -> Result<Macaroon, LndError> {
    Macaroon::from_bytes(crate::components::read_bytes(file).await?)
}

/// What a link may set: the address and transport of a new connection. A link carrying a
/// macaroon is refused whole: links end up in histories, logs and chats.
fn from_link(url: Option<String>) -> (Option<String>, Option<LndError>) {
    match url {
        Some(u) if u.to_ascii_lowercase().contains("macaroon") || parse_lndconnect(&u).is_some_and(|(_, m)| m.is_some()) => (
            None,
            Some(LndError::Input(
                "This link carried a macaroon, so Lightdeck ignored it: a macaroon must never travel in a link (links end up \
                 in browser histories, server logs and chats). Paste the macaroon or the lndconnect text below, or choose the file."
                    .into(),
            )),
        ),
        other => (other, None),
    }
}

#[component]
pub fn ConnectPage() -> impl IntoView {
    let session = Session::get();
    let vault = Vault::get();
    let query = use_query_map().get_untracked();
    let (link_url, link_refused) = from_link(query.get("url"));
    // The link has done its job once read: the address leaves the history and the page's URL.
    if query.get("url").is_some() || query.get("transport").is_some() {
        let navigate = use_navigate();
        Effect::new(move |_| navigate("/connect", NavigateOptions { replace: true, ..Default::default() }));
    }
    let url = RwSignal::new(link_url.or_else(|| saved(SAVED_URL)).unwrap_or_else(|| "https://127.0.0.1:8080".into()));
    let transport = RwSignal::new(query.get("transport").or_else(|| saved(SAVED_TRANSPORT)).and_then(|k| Transport::from_key(&k)).unwrap_or(Transport::Rest));
    let macaroon_text = RwSignal::new(String::new());
    let macaroon_file: RwSignal<Option<Result<Macaroon, LndError>>> = RwSignal::new(None);
    let remember = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let expiring = RwSignal::new(true);
    let passphrase = RwSignal::new(String::new());
    let repeated = RwSignal::new(String::new());

    let action = Action::new_local(move |form: &Form| {
        let form = form.clone();
        async move {
            // A bad passphrase is refused before anything is sent to the node.
            if form.remember && vault.status.get_untracked() == VaultStatus::Empty {
                check_new_passphrase(&form.passphrase, &form.repeated).map_err(|e| LndError::Input(e.to_string()))?;
            }
            let (mut lnd, state, pubkey) = connect(&form).await?;
            if form.remember {
                let endpoint = lnd.endpoint().clone();
                let mut macaroon = lnd.macaroon().cloned().ok_or(LndError::MacaroonMissing)?;
                if form.expiring {
                    macaroon = macaroon.expiring(crate::state::now() + RESTRICTED_DAYS * 86_400)?;
                    // The session uses the saved copy too, so what works now works after a reload.
                    lnd = lnd.with_macaroon(macaroon.clone());
                }
                let node = SavedNode {
                    id: new_id()?,
                    name: clean_name(&form.name, &endpoint.url),
                    url: endpoint.url.clone(),
                    transport: endpoint.transport.key().into(),
                    macaroon: macaroon.hex(),
                    pubkey,
                    snapshot: None,
                    holds: Default::default(),
                };
                vault.save(node, &form.passphrase).await?;
            }
            session.connect(lnd, state);
            Ok::<(), LndError>(())
        }
    });
    let pending = action.pending();

    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        match input.files().and_then(|f| f.get(0)) {
            Some(file) => leptos::task::spawn_local(async move { macaroon_file.set(Some(read_file(file).await)) }),
            None => macaroon_file.set(None),
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        action.dispatch_local(Form {
            url: url.get_untracked(),
            transport: transport.get_untracked(),
            macaroon_text: macaroon_text.get_untracked(),
            macaroon_file: macaroon_file.get_untracked(),
            remember: remember.get_untracked(),
            name: name.get_untracked(),
            expiring: expiring.get_untracked(),
            passphrase: passphrase.get_untracked(),
            repeated: repeated.get_untracked(),
        });
        passphrase.set(String::new());
        repeated.set(String::new());
    };
    let hint = move || match transport.get() {
        Transport::Rest => "lnd's REST address, usually https://<node>:8080. lnd must allow this app's address in restcors.",
        Transport::GrpcWeb => "A gRPC-web endpoint in front of lnd: Lightning Terminal, Envoy or grpcwebproxy.",
    };
    let status = vault.status;

    view! {
        <SavedNodes/>
        <section class="card narrow">
            <h1>"Connect to your node"</h1>
            {link_refused.map(|e| view! { <ErrorView error=e/> })}
            <Show when=move || status.get() == VaultStatus::Locked>
                <p class="muted">
                    "Your saved nodes are locked. "
                    <button type="button" class="link-button" on:click=move |_| vault.skipped.set(false)>"Unlock them"</button>
                </p>
            </Show>
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
                    <input name="macaroon-file" type="file" aria-label="Choose the macaroon file" accept=".macaroon,application/octet-stream" on:change=on_file/>
                    <small class="muted">
                        "admin.macaroon (full control) or readonly.macaroon, from the node's data/chain/bitcoin/<network>/ folder. "
                        "Not needed to create a wallet."
                    </small>
                </label>
                <label class="check">
                    <input type="checkbox" name="remember" prop:checked=remember on:change=move |ev| remember.set(event_target_checked(&ev))/>
                    "Remember this node on this device"
                </label>
                <Show when=move || remember.get() fallback=|| view! {
                    <small class="muted">"Not remembered: the macaroon stays in this tab's memory and is gone on reload."</small>
                }>
                    <RememberFields name expiring passphrase repeated/>
                </Show>
                {move || macaroon_file.get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                {move || action.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Connecting…" } else { "Connect" }}
                </button>
            </form>
        </section>
    }
}

/// The name to save under and the vault's passphrase: a new one (typed twice) when there
/// is no vault yet, the current one when it is locked, none when it is open.
#[component]
fn RememberFields(name: RwSignal<String>, expiring: RwSignal<bool>, passphrase: RwSignal<String>, repeated: RwSignal<String>) -> impl IntoView {
    let vault = Vault::get();
    let status = vault.status;
    view! {
        <div class="stack remember">
            <label>
                "Name on this device"
                <input name="node-name" type="text" maxlength=MAX_NAME placeholder="the node's host, if left empty"
                    prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label class="check">
                <input type="checkbox" name="expiring" prop:checked=expiring on:change=move |ev| expiring.set(event_target_checked(&ev))/>
                {format!("Save a copy that stops working in {RESTRICTED_DAYS} days")}
            </label>
            <small class="muted">
                "lnd's own time limit is written into the saved macaroon (a time-before caveat): a copy taken from "
                "this device stops working by itself. Connect again with the macaroon to renew it."
            </small>
            {move || match status.get() {
                VaultStatus::Empty => view! {
                    <p class="muted small">
                        "Lightdeck encrypts the macaroon with a passphrase you choose (AES-256; the key is stretched "
                        "600,000 times) and keeps only the encrypted copy in this browser. You type the passphrase once "
                        "each time you open Lightdeck; the app locks itself when left alone."
                    </p>
                    <SecretField label="Choose a passphrase" name="vault-passphrase" autocomplete="new-password" value=passphrase/>
                    <SecretField label="Type it again" name="vault-passphrase-repeat" autocomplete="new-password" value=repeated/>
                }.into_any(),
                VaultStatus::Locked => view! {
                    <SecretField label="Passphrase of your saved nodes" name="vault-passphrase" autocomplete="current-password" value=passphrase/>
                }.into_any(),
                VaultStatus::Open => view! {
                    <p class="muted small">"Saved in your vault, encrypted with its passphrase."</p>
                }.into_any(),
            }}
        </div>
    }
}

/// The nodes saved in the open vault, one tap from connected; and the warning when one of
/// them answered with another identity.
#[component]
fn SavedNodes() -> impl IntoView {
    let session = Session::get();
    let vault = Vault::get();
    let connect = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move { vault.connect(session, &id).await }
    });
    let accept = Action::new_local(move |_: &()| async move { vault.accept_identity(session).await });
    let busy = Signal::derive(move || connect.pending().get() || accept.pending().get());
    let nodes = move || vault.contents.with(|c| c.nodes.clone());
    view! {
        <Show when=move || vault.status.get() == VaultStatus::Open && !vault.contents.with(|c| c.nodes.is_empty())>
            <section class="card narrow saved-nodes">
                <h2>"Saved nodes"</h2>
                {move || vault.failure.get().map(|e| view! { <ErrorView error=e/> })}
                <Show when=move || vault.changed.with(Option::is_some)>
                    <div class="row">
                        <button type="button" class="danger" name="accept-identity" disabled=busy
                            on:click=move |_| { accept.dispatch_local(()); }>"Accept the new identity"</button>
                        <button type="button" on:click=move |_| { vault.changed.set(None); vault.failure.set(None); }>"Cancel"</button>
                    </div>
                </Show>
                <ul class="rows">
                    <For each=nodes key=|n| (n.id.clone(), n.name.clone()) let:node>
                        {
                            let id = node.id.clone();
                            view! {
                                <li class="row spread saved-node" data-node-id=node.id.clone()>
                                    <span class="stack grow">
                                        <strong class="node-name">{node.name.clone()}</strong>
                                        <small class="muted">{node.url.clone()} " · " {node.transport().label()}</small>
                                        {node.snapshot.clone().map(|s| view! { <LastSeen snapshot=s/> })}
                                    </span>
                                    <button type="button" class="primary" name="connect-saved" disabled=busy
                                        on:click=move |_| { connect.dispatch_local(id.clone()); }>
                                        "Connect"
                                    </button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </section>
        </Show>
    }
}

/// What a saved node showed when last reached, marked with its time: something to read
/// while the node (or the network) is away.
#[component]
fn LastSeen(snapshot: Snapshot) -> impl IntoView {
    let when = js_sys::Date::new(&JsValue::from_f64(snapshot.at as f64 * 1000.0)).to_locale_string("default", &JsValue::UNDEFINED);
    let channels = format!("{} active, {} pending, {} inactive channels", snapshot.active_channels, snapshot.pending_channels, snapshot.inactive_channels);
    view! {
        <small class="snapshot muted">
            "Last seen " {ago(snapshot.at, now())} " (" {String::from(when)} "): "
            <bdi>{shown_text(&snapshot.alias)}</bdi> ", " {channels} ", " {counted(u64::from(snapshot.peers), "peer")}
            ", block " {count(u64::from(snapshot.block_height))} {if snapshot.synced { "" } else { " (not synced)" }}
            ", lnd " {shown_text(&snapshot.version)}
        </small>
    }
}
