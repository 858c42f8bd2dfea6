//! Peers: connect with `pubkey@host:port` (or its parts), see who is connected and how,
//! disconnect; kept current by lnd's peer event stream.

use leptos::prelude::*;

use crate::components::{ErrorView, ListCard, Needs, PeerName, allowed};
use crate::format::count;
use crate::input::peer::{check_host, check_pubkey, parse_uri};
use crate::lnd::{LndError, pb, rpc};
use crate::state::{Session, refresh_on};

#[component]
pub fn PeersPage() -> impl IntoView {
    let session = Session::get();
    let refresh = refresh_on(|lnd| lnd.subscribe_peer_events());
    let peers = LocalResource::new(move || {
        refresh.track();
        let lnd = session.lnd.get();
        async move { lnd.ok_or(LndError::Disconnected)?.list_peers().await }
    });
    view! {
        <Needs rpc=rpc::CONNECT_PEER.path title="Connect to a peer" what="connect to peers">
            <ConnectCard/>
        </Needs>
        <ListCard title="Connected peers" empty="No peers connected." id="peers" class="rows peers" items=peers
            row=|p: pb::Peer| view! { <PeerRow peer=p/> }/>
    }
}

#[component]
fn ConnectCard() -> impl IntoView {
    let session = Session::get();
    // A node address pasted on the Send page arrives as `?connect=pubkey@host:port`.
    let uri = RwSignal::new(leptos_router::hooks::use_query_map().get_untracked().get("connect").unwrap_or_default());
    let separate = RwSignal::new(false);
    let pubkey = RwSignal::new(String::new());
    let host = RwSignal::new(String::new());
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let connect = Action::new_local(move |(key, address): &(String, String)| {
        let (key, host_value) = (key.clone(), address.clone());
        async move {
            session.lnd.get_untracked().ok_or(LndError::Disconnected)?.connect_peer(&key, &host_value).await?;
            uri.set(String::new());
            pubkey.set(String::new());
            host.set(String::new());
            Ok::<(), LndError>(())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed = if separate.get_untracked() {
            check_pubkey(&pubkey.get_untracked()).and_then(|k| check_host(&host.get_untracked()).map(|h| (k, h)))
        } else {
            parse_uri(&uri.get_untracked())
        };
        match parsed {
            Ok(target) => {
                problem.set(None);
                connect.dispatch_local(target);
            }
            Err(e) => problem.set(Some(e)),
        }
    };
    view! {
        <section class="card">
            <h2>"Connect to a peer"</h2>
            <form class="stack" on:submit=submit autocomplete="off">
                <Show when=move || !separate.get() fallback=move || view! {
                    <label>
                        "Public key"
                        <input type="text" name="peer-pubkey" spellcheck="false" prop:value=pubkey on:input=move |ev| pubkey.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        "Host and port"
                        <input type="text" name="peer-host" spellcheck="false" placeholder="203.0.113.5:9735"
                            prop:value=host on:input=move |ev| host.set(event_target_value(&ev))/>
                    </label>
                }>
                    <label>
                        "Node URI"
                        <input type="text" name="peer-uri" spellcheck="false" autocapitalize="none" placeholder="pubkey@host:port"
                            prop:value=uri on:input=move |ev| uri.set(event_target_value(&ev))/>
                    </label>
                </Show>
                <label class="check">
                    <input type="checkbox" prop:checked=separate on:change=move |ev| separate.set(event_target_checked(&ev))/>
                    "Enter the public key and address separately"
                </label>
                {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
                {move || connect.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                <button type="submit" class="primary" name="connect-peer" disabled=connect.pending()>
                    {move || if connect.pending().get() { "Connecting…" } else { "Connect" }}
                </button>
            </form>
        </section>
    }
}

#[component]
fn PeerRow(peer: pb::Peer) -> impl IntoView {
    let session = Session::get();
    let confirming = RwSignal::new(false);
    let key = peer.pub_key.clone();
    let confirm_key = StoredValue::new(key.clone());
    let disconnect = Action::new_local(move |key: &String| {
        let key = key.clone();
        async move { session.lnd.get_untracked().ok_or(LndError::Disconnected)?.disconnect_peer(&key).await }
    });
    let direction = if peer.inbound { "inbound" } else { "outbound" };
    let sync = pb::peer::SyncType::try_from(peer.sync_type).map(|s| s.as_str_name().trim_end_matches("_SYNC").to_lowercase()).unwrap_or_default();
    let traffic = format!("↑ {} B ↓ {} B", count(peer.bytes_sent), count(peer.bytes_recv));
    let ping = format!("ping {} ms", peer.ping_time / 1000);
    // lnd's peer list has no aliases: `PeerName` asks the graph; a peer without a public
    // channel has none and keeps its key.
    view! {
        <li data-pubkey=key.clone()>
            <PeerName key=key.clone()/>
            <span class="mono small">{peer.address.clone()}</span>
            <span class="muted">{direction} ", " {sync}</span>
            <span class="muted small">{traffic} " · " {ping}</span>
            <span hidden=!allowed(rpc::DISCONNECT_PEER.path)>
                {move || disconnect.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                <Show when=move || confirming.get() fallback=move || view! {
                    <button type="button" class="copy" name="disconnect" on:click=move |_| confirming.set(true)>"Disconnect"</button>
                }>
                    <button type="button" class="copy danger" name="confirm-disconnect" disabled=disconnect.pending()
                        on:click=move |_| { disconnect.dispatch_local(confirm_key.get_value()); }>
                        "Confirm disconnect"
                    </button>
                </Show>
            </span>
        </li>
    }
}
