//! The node at a glance: identity, chain sync, version, peers and channels, refreshed
//! while the page is open.

use std::time::Duration;

use leptos::prelude::*;

use crate::components::{CopyButton, ErrorView, Needs, ShareButton};
use crate::format::{ago, amount, count, counted, middle_ellipsis};
use crate::input::peer::check_pubkey;
use crate::lnd::{LndError, pb, rpc};
use crate::state::{Prefs, Session, now};

/// GetInfo has no stream; a block arrives every ten minutes on mainnet, so this is plenty.
const REFRESH: Duration = Duration::from_secs(10);

#[component]
pub fn NodePage() -> impl IntoView {
    view! {
        <Needs rpc=rpc::GET_INFO.path title="Node" what="read the node's details">
            <NodeDetails/>
            <NetworkCard/>
        </Needs>
        <Needs rpc=rpc::SIGN_MESSAGE.path title="Sign a message" what="sign messages">
            <SignCard/>
        </Needs>
        <Needs rpc=rpc::VERIFY_MESSAGE.path title="Check a signed message" what="check signed messages">
            <VerifyCard/>
        </Needs>
    }
}

/// GetInfo, asked again every few seconds while the page is open.
#[component]
fn NodeDetails() -> impl IntoView {
    let session = Session::get();
    let tick = RwSignal::new(0u32);
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), REFRESH) {
        on_cleanup(move || handle.clear());
    }
    let info = LocalResource::new(move || {
        tick.track();
        let lnd = session.lnd.get();
        async move { lnd.ok_or(LndError::Disconnected)?.get_info().await }
    });
    // A saved node keeps what it showed last (encrypted), for when it cannot be reached.
    let vault = crate::state::Vault::get();
    Effect::new(move |_| {
        if let Some(Ok(i)) = info.get() {
            vault.record(&i);
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="card">"Loading node info…"</p> }>
            <ErrorBoundary fallback=|errors| view! {
                <div class="error" role="alert">
                    {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                </div>
            }>
                {move || Suspend::new(async move { info.await.map(|i| view! { <NodeInfo info=i/> }) })}
            </ErrorBoundary>
        </Transition>
    }
}

/// A message signed with the node's key: proof, to a site or a person, that you run it.
#[component]
fn SignCard() -> impl IntoView {
    let session = Session::get();
    let message = RwSignal::new(String::new());
    let sign = Action::new_local(move |msg: &String| {
        let msg = msg.clone();
        async move {
            if msg.trim().is_empty() {
                return Err(LndError::Input("Write the message to sign".into()));
            }
            session.lnd.get_untracked().ok_or(LndError::Disconnected)?.sign_message(&msg).await
        }
    });
    view! {
        <section class="card">
            <h2>"Sign a message"</h2>
            <form class="stack" autocomplete="off" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); sign.dispatch_local(message.get_untracked()); }>
                <label>
                    "Message"
                    <textarea name="sign-message" rows="2" prop:value=message on:input=move |ev| { message.set(event_target_value(&ev)); sign.value().set(None); }></textarea>
                </label>
                <button type="submit" name="sign" disabled=sign.pending()>"Sign with the node's key"</button>
            </form>
            {move || sign.value().get().map(|r| match r {
                Ok(signature) => view! {
                    <div class="kv">
                        <span class="k">"Signature"</span>
                        <span class="v mono small" id="signature">{signature.clone()}</span>
                        <CopyButton text=signature/>
                    </div>
                }.into_any(),
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
            })}
        </section>
    }
}

/// Who signed a message: lnd recovers the key and says whether its graph knows that node.
#[component]
fn VerifyCard() -> impl IntoView {
    let session = Session::get();
    let message = RwSignal::new(String::new());
    let signature = RwSignal::new(String::new());
    let verify = Action::new_local(move |(msg, sig): &(String, String)| {
        let (msg, sig) = (msg.clone(), sig.clone());
        async move {
            if msg.trim().is_empty() || sig.trim().is_empty() {
                return Err(LndError::Input("Paste both the message and its signature".into()));
            }
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            let checked = lnd.verify_message(&msg, &sig).await?;
            let alias = lnd.node_alias(&checked.pubkey).await.ok().flatten();
            Ok::<_, LndError>((checked, alias))
        }
    });
    let clear = move || verify.value().set(None);
    view! {
        <section class="card">
            <h2>"Check a signed message"</h2>
            <form class="stack" autocomplete="off" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                verify.dispatch_local((message.get_untracked(), signature.get_untracked()));
            }>
                <label>"Message" <textarea name="verify-message" rows="2" prop:value=message on:input=move |ev| { message.set(event_target_value(&ev)); clear(); }></textarea></label>
                <label>"Signature" <input type="text" name="verify-signature" spellcheck="false" prop:value=signature on:input=move |ev| { signature.set(event_target_value(&ev)); clear(); }/></label>
                <button type="submit" name="verify" disabled=verify.pending()>"Check"</button>
            </form>
            {move || verify.value().get().map(|r| match r {
                Ok((checked, _)) if checked.pubkey.is_empty() => view! {
                    <p class="progress payment-failed" id="verify-result">"Not a valid signature of this message: it was not signed by any key (or the message differs)."</p>
                }.into_any(),
                Ok((checked, alias)) => {
                    let who = alias.map_or_else(|| middle_ellipsis(&checked.pubkey, 12), |a| format!("{} · {}", crate::format::shown_text(&a), middle_ellipsis(&checked.pubkey, 12)));
                    let words = if checked.valid {
                        format!("Signed by {who}, a node your node knows.")
                    } else {
                        format!("Signed by the key {who}, which is not a node your node's graph knows: check the key yourself.")
                    };
                    view! { <p class="progress" id="verify-result" title=checked.pubkey.clone()>{words}</p> }.into_any()
                }
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
            })}
        </section>
    }
}

/// The Lightning network as this node's graph sees it, and any node looked up in it.
#[component]
fn NetworkCard() -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    let graph = LocalResource::new(move || {
        let lnd = session.lnd.get();
        async move { lnd.ok_or(LndError::Disconnected)?.network_info().await }
    });
    let key = RwSignal::new(String::new());
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let lookup = Action::new_local(move |key: &String| {
        let key = key.clone();
        async move { session.lnd.get_untracked().ok_or(LndError::Disconnected)?.node_info(&key).await }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match check_pubkey(&key.get_untracked()) {
            Ok(k) => {
                problem.set(None);
                lookup.dispatch_local(k);
            }
            Err(e) => problem.set(Some(e)),
        }
    };
    view! {
        <section class="card">
            <h2>"Network"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || graph.get().map(|r| match r {
                    Ok(n) => view! {
                        <p id="network-info">
                            {format!("{}, {}, ", counted(n.num_nodes as u64, "node"), counted(n.num_channels as u64, "channel"))}
                            {move || amount(n.total_network_capacity, unit.get())}
                            " in channels (average " {move || amount(n.avg_channel_size as i64, unit.get())} ")"
                        </p>
                    }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                })}
            </Transition>
            <form class="row" on:submit=submit autocomplete="off">
                <input type="text" name="lookup-node" class="grow" spellcheck="false" autocapitalize="none" placeholder="a node's public key"
                    prop:value=key on:input=move |ev| key.set(event_target_value(&ev))/>
                <button type="submit" name="find-node" disabled=lookup.pending()>"Look up"</button>
            </form>
            {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
            {move || lookup.value().get().map(|r| match r {
                Ok(Some(info)) => {
                    let node = info.node.unwrap_or_default();
                    let addresses = node.addresses.iter().map(|a| a.addr.clone()).collect::<Vec<_>>().join(", ");
                    let capacity = info.total_capacity;
                    view! {
                        <div class="stack" id="found-node">
                            <div class="node-head">
                                <span class="node-color" style:background-color=node.color.clone()></span>
                                <strong><bdi>{crate::format::shown_text(&node.alias)}</bdi></strong>
                            </div>
                            <p class="small">{format!("{}, ", counted(info.num_channels as u64, "public channel"))} {move || amount(capacity, unit.get())}</p>
                            <p class="small muted mono">{addresses}</p>
                        </div>
                    }.into_any()
                }
                Ok(None) => view! { <p class="muted" id="found-node">"This node is not in your node's graph: it has no public channel your node knows of."</p> }.into_any(),
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn NodeInfo(info: pb::GetInfoResponse) -> impl IntoView {
    let network = info.chains.first().map(|c| c.network.clone()).unwrap_or_default();
    let synced = |ok: bool| if ok { "yes" } else { "not yet" };
    let pubkey = info.identity_pubkey.clone();
    let access = Session::get().lnd.with_untracked(|l| l.as_ref().and_then(|l| l.access().cloned()));
    view! {
        <section class="card">
            <div class="node-head">
                <span class="node-color" style:background-color=info.color.clone()></span>
                <h1 id="node-alias"><bdi>{crate::format::shown_text(&info.alias)}</bdi></h1>
                <span class="pill">{network}</span>
            </div>
            <div class="kv">
                <span class="k">"Public key"</span>
                <span class="v mono" id="node-pubkey" title=pubkey.clone()>{pubkey.clone()}</span>
                <CopyButton text=pubkey/>
            </div>
            {access.map(|a| view! {
                <div class="kv">
                    <span class="k">"Macaroon"</span>
                    <span class="v" id="node-access">{a.summary()} {expiry(&a)}</span>
                    <span></span>
                </div>
            })}
            {info.uris.iter().map(|uri| view! {
                <div class="kv">
                    <span class="k">"Address"</span>
                    <span class="v mono" title=uri.clone()>{middle_ellipsis(uri, 16)}</span>
                    <span class="actions"><CopyButton text=uri.clone()/> <ShareButton text=uri.clone() title="Lightning node"/></span>
                </div>
            }).collect_view()}
        </section>
        <div class="grid">
            <section class="card stat">
                <h2>"Chain"</h2>
                <p class="big" id="node-height">{count(info.block_height as u64)}</p>
                <p class="muted mono" title=info.block_hash.clone()>{middle_ellipsis(&info.block_hash, 8)}</p>
                <p class="muted">"Last block " {ago(info.best_header_timestamp, now())}</p>
                <p>"Synced to chain: " <strong>{synced(info.synced_to_chain)}</strong></p>
                <p>"Synced to graph: " <strong>{synced(info.synced_to_graph)}</strong></p>
            </section>
            <section class="card stat">
                <h2>"Channels"</h2>
                <p class="big">{count(info.num_active_channels as u64)}</p>
                <p class="muted">"active"</p>
                <p>{count(info.num_inactive_channels as u64)} " inactive, " {count(info.num_pending_channels as u64)} " pending"</p>
            </section>
            <section class="card stat">
                <h2>"Peers"</h2>
                <p class="big">{count(info.num_peers as u64)}</p>
                <p class="muted">"connected"</p>
            </section>
            <section class="card stat">
                <h2>"Software"</h2>
                // lnd reports "0.20.0-beta commit=v0.20.0-beta"; the commit is in the tooltip.
                <p id="node-version" title=info.version.clone()>"lnd " {info.version.split(' ').next().unwrap_or_default().to_string()}</p>
            </section>
        </div>
    }
}

/// A time-limited macaroon's end and how far off it is, and the other conditions lnd holds
/// it to.
fn expiry(access: &crate::lnd::access::Access) -> Option<String> {
    let conditions = access.conditions.iter().map(|c| format!(" · only if {}", crate::format::shown_text(c))).collect::<String>();
    let Some(until) = access.expires.as_deref() else { return (!conditions.is_empty()).then_some(conditions) };
    let left = access.expires_at().map(|t| t - crate::state::now());
    Some(
        match left {
            Some(s) if s <= 0 => format!(" · expired {until}"),
            Some(s) if s < 86_400 => format!(" · valid until {until} (less than a day left)"),
            Some(s) => format!(" · valid until {until} ({} days left)", s / 86_400),
            None => format!(" · valid until {until}"),
        } + &conditions,
    )
}
