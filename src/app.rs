//! The app shell: routes, the top bar, and the rule that sends a visitor to the screen the
//! node's state calls for (connect, wallet setup/unlock, or the node itself).

use leptos::prelude::*;
use leptos_router::Lazy;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::path;

use crate::components::{ErrorView, ThemeChoice};
use crate::lnd::WalletState;
use crate::pages::lazy::{BackupsRoute, ChannelsRoute, FeesRoute, OnchainRoute, PeersRoute, ReceiveRoute, RoutesRoute, SendRoute, WalletRoute};
use crate::pages::{ConnectPage, NodePage, UnlockPage, VaultPage};
use crate::state::{Link, Prefs, Session, Vault, VaultStatus};

#[component]
pub fn App() -> impl IntoView {
    let session = Session::provide();
    Vault::provide(session);
    crate::state::Backups::provide(session);
    Prefs::provide();
    crate::state::Aliases::provide();
    view! {
        <Router>
            <Shell/>
        </Router>
    }
}

/// Where a connection lands: the node's page, or for a macaroon that may not read it but
/// may handle invoices (lnd's invoice.macaroon), receiving.
fn home() -> &'static str {
    if !crate::components::allowed(crate::lnd::rpc::GET_INFO.path) && crate::components::allowed(crate::lnd::rpc::LIST_INVOICES.path) {
        "/receive"
    } else {
        "/"
    }
}

/// Which build this is (a support question, and which code holds the user's macaroons).
const BUILD: &str = concat!("Lightdeck ", env!("CARGO_PKG_VERSION"), " · build ", env!("LIGHTDECK_COMMIT"));

#[component]
fn Shell() -> impl IntoView {
    let session = Session::get();
    let vault = Vault::get();
    let navigate = use_navigate();
    let location = use_location();
    // A locked vault (after a reload, a lock or the idle timer) shows the unlock screen in
    // place of the page, at the page's address, until the node used last is connected: the
    // user goes on where they were, and no redirect has to remember where that was.
    let locked = move || session.lnd.with(Option::is_none) && (vault.connecting.get() || vault.status.get() == VaultStatus::Locked && !vault.skipped.get());
    Effect::new(move |_| {
        let path = location.pathname.get();
        let status = vault.status.get();
        let target = match (session.lnd.with(Option::is_some), session.wallet.get()) {
            // The unlock screen stands in for the page.
            (false, _) if locked() => return,
            (false, _) if status == VaultStatus::Open && path == "/vault" => return,
            (false, _) => "/connect",
            (true, _) if status == VaultStatus::Open && path == "/vault" => return,
            (true, Some(WalletState::ServerActive)) if matches!(path.as_str(), "/connect" | "/wallet" | "/unlock") => home(),
            (true, Some(WalletState::ServerActive)) | (true, None) => return,
            (true, Some(_)) => "/wallet",
        };
        if path != target {
            navigate(target, Default::default());
        }
    });
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Lightdeck"</a>
            <NodeSwitcher/>
            <ConnectionBadge/>
        </header>
        <Nav/>
        <LinkBanner/>
        <main class="content">
            <Show when=move || !locked() fallback=UnlockPage>
            <Routes fallback=|| view! { <p class="card">"This page does not exist."</p> }>
                <Route path=path!("/connect") view=ConnectPage/>
                <Route path=path!("/unlock") view=UnlockPage/>
                <Route path=path!("/vault") view=VaultPage/>
                <Route path=path!("/wallet") view={Lazy::<WalletRoute>::new()}/>
                <Route path=path!("/") view=NodePage/>
                <Route path=path!("/onchain") view={Lazy::<OnchainRoute>::new()}/>
                <Route path=path!("/peers") view={Lazy::<PeersRoute>::new()}/>
                <Route path=path!("/channels") view={Lazy::<ChannelsRoute>::new()}/>
                <Route path=path!("/receive") view={Lazy::<ReceiveRoute>::new()}/>
                <Route path=path!("/send") view={Lazy::<SendRoute>::new()}/>
                <Route path=path!("/routes") view={Lazy::<RoutesRoute>::new()}/>
                <Route path=path!("/fees") view={Lazy::<FeesRoute>::new()}/>
                <Route path=path!("/backups") view={Lazy::<BackupsRoute>::new()}/>
            </Routes>
            </Show>
        </main>
        <footer class="build muted">
            <span>{BUILD}</span>
            <ThemeChoice/>
        </footer>
    }
}

fn state_label(s: WalletState) -> &'static str {
    match s {
        WalletState::NonExisting => "no wallet",
        WalletState::Locked => "locked",
        WalletState::Unlocked | WalletState::RpcActive | WalletState::WaitingToStart => "starting",
        WalletState::ServerActive => "active",
    }
}

#[component]
fn ConnectionBadge() -> impl IntoView {
    let session = Session::get();
    move || {
        session.lnd.get().map(|lnd| {
            let e = lnd.endpoint().clone();
            let state = move || session.wallet.get().map(state_label).unwrap_or("connecting");
            view! {
                <div class="badge">
                    <span class="badge-url" title=e.url.clone()>{e.url.clone()}</span>
                    <span class="badge-transport">{e.transport.label()}</span>
                    <span class="badge-state" data-state=state>{state}</span>
                    // Anything payable, from anywhere: the Send page with its camera open.
                    <a class="scan-link" href="/send?scan=1" aria-label="Scan a QR code to pay">"Scan"</a>
                    <button type="button" class="link-button" on:click=move |_| session.disconnect()>"Disconnect"</button>
                </div>
            }
        })
    }
}

/// The saved nodes, one choice away, while the vault is open; and the way to lock it.
#[component]
fn NodeSwitcher() -> impl IntoView {
    let session = Session::get();
    let vault = Vault::get();
    let switch = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move { vault.connect(session, &id).await }
    });
    let current = move || vault.current.get().map(|(id, _)| id).unwrap_or_default();
    view! {
        <Show when=move || vault.status.get() == VaultStatus::Open>
            <div class="switcher">
                <Show when=move || !vault.contents.with(|c| c.nodes.is_empty())>
                    <select name="node-switch" aria-label="Saved node" disabled=switch.pending()
                        on:change=move |ev| { switch.dispatch_local(event_target_value(&ev)); }>
                        <Show when=move || current().is_empty()>
                            <option value="" selected=true disabled=true>"Saved nodes…"</option>
                        </Show>
                        <For each=move || vault.contents.with(|c| c.nodes.clone()) key=|n| (n.id.clone(), n.name.clone()) let:node>
                            {
                                let id = node.id.clone();
                                view! { <option value=node.id.clone() selected=move || current() == id>{node.name.clone()}</option> }
                            }
                        </For>
                    </select>
                </Show>
                <A href="/vault">"Saved"</A>
                <button type="button" class="link-button" name="lock" on:click=move |_| vault.lock(session)>"Lock"</button>
            </div>
        </Show>
    }
}

/// While the state stream is down, say so; the session reconnects by itself.
#[component]
fn LinkBanner() -> impl IntoView {
    let session = Session::get();
    move || match session.link.get() {
        Link::Down(error) if session.lnd.with(Option::is_some) => Some(view! {
            <div class="banner">
                <ErrorView error=error/>
                <p class="muted">"Reconnecting…"</p>
            </div>
        }),
        _ => None,
    }
}

/// The node's sections, once it runs.
#[component]
fn Nav() -> impl IntoView {
    let session = Session::get();
    let location = use_location();
    let active = move || session.lnd.with(Option::is_some) && session.wallet.get() == Some(WalletState::ServerActive);
    // On a phone the sections are a bar at the bottom, in reach of a thumb: the five used
    // most, the rest behind "More", which closes again once one is chosen.
    let more = RwSignal::new(false);
    Effect::new(move |_| {
        location.pathname.track();
        more.set(false);
    });
    view! {
        <Show when=active>
            <nav class="sections" class:more-open=move || more.get() aria-label="Sections">
                <A href="/" exact=true>"Node"</A>
                <A href="/onchain">"On-chain"</A>
                <A href="/peers" attr:class="more-item">"Peers"</A>
                <A href="/channels">"Channels"</A>
                <A href="/receive">"Receive"</A>
                <A href="/send">"Send"</A>
                <A href="/routes" attr:class="more-item">"Routes"</A>
                <A href="/fees" attr:class="more-item">"Fees"</A>
                <A href="/backups" attr:class="more-item">"Backups"</A>
                <button type="button" class="more-toggle" aria-expanded=move || more.get().to_string() on:click=move |_| more.update(|m| *m = !*m)>
                    {move || if more.get() { "Close" } else { "More" }}
                </button>
            </nav>
        </Show>
    }
}
